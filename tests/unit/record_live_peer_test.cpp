// A real server's peer messages in its recording (zablab-server --trace): the bytes its peer
// connections carried, cut into messages as the node cuts them (framed votes; QuorumPackets back
// to back, a snapshot after SNAP), each a net.send by its sender joined to a net.deliver at its
// receiver, named as the simulator names them, so the visualizer draws them as arrows (and shows
// the other members as their votes describe them). No JVM.
#include <catch2/catch.hpp>

#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "core/data/data_tree.h"
#include "core/data/txn.h"
#include "core/jute/codes.h"
#include "core/jute/frame.h"
#include "core/persist/snapshot_stream.h"
#include "core/quorum/election.h"
#include "core/quorum/messages.h"
#include "gui/model/ensemble_state.h"
#include "gui/model/timeline.h"
#include "sim/checkers/json_fields.h"
#include "sim/record/live_recorder.h"
#include "sim/record/peer_streams.h"
#include "sim/record/trace_db.h"

using namespace zablab;
using namespace zablab::sim;

namespace {

std::string create_txn(std::int64_t zxid, const std::string& path) {
  data::Txn t;
  t.header.client_id = 0x100;
  t.header.zxid = zxid;
  t.header.type = op::create;
  jute::CreateTxn body;
  body.path = path;
  body.data = std::string("v");
  t.ops.push_back({op::create, body});
  return data::encode_txn(t);
}

// What an Apache leader writes to an observer that syncs by SNAP and then sees two writes.
std::string leader_stream(std::int64_t z1, std::int64_t z2) {
  jute::Writer snapshot;
  snapshot.raw(persist::serialize_snapshot_body(data::DataTree()));
  snapshot.bytes(persist::kSnapshotSignature);
  return quorum::encode_packet(quorum::packet::leaderinfo, quorum::make_zxid(1, 0), std::string(4, '\0')) +
         quorum::encode_packet(quorum::packet::snap, 0) + std::string(snapshot.data()) +
         quorum::encode_packet(quorum::packet::newleader, quorum::make_zxid(1, 0), std::string("cfg")) +
         quorum::encode_packet(quorum::packet::uptodate, -1) +
         quorum::encode_packet(quorum::packet::inform, z1, create_txn(z1, "/a")) +
         quorum::encode_packet(quorum::packet::ping, z1) +
         quorum::encode_packet(quorum::packet::inform, z2, create_txn(z2, "/b"));
}

std::vector<std::string> names(const std::vector<record::PeerStreams::Message>& ms) {
  std::vector<std::string> out;
  for (const auto& m : ms) out.push_back(m.frame.name);
  return out;
}

}  // namespace

TEST_CASE("record/peer_streams: the quorum stream is cut into packets and the snapshot, however it arrives",
          "[record][peer]") {
  const std::int64_t z1 = quorum::make_zxid(1, 1), z2 = quorum::make_zxid(1, 2);
  const std::string stream = leader_stream(z1, z2);
  const std::vector<std::string> packets{"LEADERINFO", "SNAP", "NEWLEADER", "UPTODATE", "INFORM", "PING", "INFORM"};
  for (const std::size_t chunk : {stream.size(), std::size_t{1}, std::size_t{7}, std::size_t{100}}) {
    record::PeerStreams streams;
    std::vector<record::PeerStreams::Message> got;
    for (std::size_t at = 0; at < stream.size(); at += chunk) {
      const auto part = streams.feed(9, PeerChannel::quorum, false, std::string_view(stream).substr(at, chunk));
      got.insert(got.end(), part.begin(), part.end());
    }
    // The snapshot comes as one or more "snapshot" messages between SNAP and NEWLEADER.
    std::vector<std::string> packet_names;
    std::size_t snapshot_bytes = 0, wire_bytes = 0;
    for (const auto& m : got) {
      wire_bytes += m.wire_bytes;
      if (m.frame.name == core_event::snapshot)
        snapshot_bytes += m.wire_bytes;
      else
        packet_names.push_back(m.frame.name);
    }
    INFO("chunk " << chunk << ": " << names(got).size() << " messages");
    CHECK(packet_names == packets);
    CHECK(snapshot_bytes > 0);
    CHECK(wire_bytes == stream.size());
    const auto& inform = got.back();
    CHECK(inform.frame.zxid == z2);
    CHECK(check::json_string(inform.frame.json, "txn") == std::optional<std::string>("create"));
  }
}

TEST_CASE("record/peer_streams: election messages after their length; a bad length ends the stream",
          "[record][peer]") {
  record::PeerStreams streams;
  const std::string vote = quorum::Election::encode(quorum::PeerState::following, quorum::Vote{1, 0x100000003LL, 2, 1});
  const std::string wire = jute::frame(vote) + jute::frame(vote);
  CHECK(streams.feed(4, PeerChannel::election, true, wire.substr(0, 3)).empty());
  const auto got = streams.feed(4, PeerChannel::election, true, wire.substr(3));
  REQUIRE(names(got) == std::vector<std::string>{"vote", "vote"});
  CHECK(got[0].wire_bytes == vote.size() + 4);
  CHECK(got[0].frame.zxid == 0x100000003LL);
  CHECK(check::json_int(got[0].frame.json, "leader") == std::optional<std::int64_t>(1));
  CHECK(check::json_string(got[0].frame.json, "state") == std::optional<std::string>("FOLLOWING"));
  // The other direction of the same connection is a stream of its own.
  CHECK(names(streams.feed(4, PeerChannel::election, false, jute::frame(vote))) == std::vector<std::string>{"vote"});
  CHECK(streams.stream_count() == 2);
  // A negative length: one "undecodable", then nothing more from that stream.
  CHECK(names(streams.feed(5, PeerChannel::election, false, std::string(4, '\xff'))) ==
        std::vector<std::string>{"undecodable"});
  CHECK(streams.feed(5, PeerChannel::election, false, jute::frame(vote)).empty());
  streams.forget(4);
  streams.forget(5);
  CHECK(streams.stream_count() == 0);
}

TEST_CASE("record/live: a real member's peer messages become sends joined to deliveries, drawn as arrows",
          "[record][peer]") {
  const std::string path = (std::filesystem::temp_directory_path() / "zablab-live-peer-recorder.db").string();
  const std::int64_t start = 1'700'000'000'000;
  const std::int64_t z1 = quorum::make_zxid(1, 1), z2 = quorum::make_zxid(1, 2);
  const std::string vote = quorum::Election::encode(quorum::PeerState::looking, quorum::Vote{3, 0, 0, 1});
  const std::string answer = quorum::Election::encode(quorum::PeerState::leading, quorum::Vote{1, 0, 1, 1});
  {
    // Server 3, an observer of leader 1: a vote out and in, OBSERVERINFO out, the leader's stream in
    // two reads that split a packet.
    record::LiveRecorder rec(path, 3, "observer", "{}", start);
    rec.add_peer_bytes(start + 1, 11, 1, PeerChannel::election, true, jute::frame(vote));
    rec.add_peer_bytes(start + 2, 11, 1, PeerChannel::election, false, jute::frame(answer));
    rec.add_peer_bytes(start + 3, 12, 1, PeerChannel::quorum, true,
                       quorum::encode_packet(quorum::packet::observerinfo, 0, std::string("info")));
    const std::string in = leader_stream(z1, z2);
    rec.add_peer_bytes(start + 4, 12, 1, PeerChannel::quorum, false, std::string_view(in).substr(0, in.size() - 5));
    rec.add_peer_bytes(start + 9, 12, 1, PeerChannel::quorum, false, std::string_view(in).substr(in.size() - 5));
    rec.forget_peer_connection(12);
    rec.finish(start + 10, "stopped");
  }
  const record::Recording back = record::read_recording(path);
  std::remove(path.c_str());

  // Every send is followed by its delivery, which names it; sends by the leader are at server 1.
  std::vector<std::string> sent;
  for (std::size_t i = 0; i < back.events.size(); ++i) {
    const TraceRecord& r = back.events[i];
    if (r.kind != trace_kind::send) continue;
    REQUIRE(i + 1 < back.events.size());
    const TraceRecord& d = back.events[i + 1];
    CHECK(d.kind == trace_kind::deliver);
    CHECK(check::json_int(d.detail, "send_seq") == std::optional<std::int64_t>(static_cast<std::int64_t>(r.seq)));
    CHECK(d.time_ns == r.time_ns);
    CHECK(d.msg_type == r.msg_type);
    CHECK(r.node == r.from);
    CHECK(d.node == d.to);
    CHECK(check::json_int(r.detail, "seen_by") == std::optional<std::int64_t>(3));
    if (r.msg_type != core_event::snapshot) sent.push_back(std::to_string(r.from) + ">" + std::to_string(r.to) + " " + r.msg_type);
  }
  CHECK(sent == std::vector<std::string>{"3>1 vote", "1>3 vote", "3>1 OBSERVERINFO", "1>3 LEADERINFO", "1>3 SNAP",
                                         "1>3 NEWLEADER", "1>3 UPTODATE", "1>3 INFORM", "1>3 PING", "1>3 INFORM"});
  const TraceRecord& last_inform = back.events[back.events.size() - 3];
  CHECK(last_inform.msg_type == "INFORM");
  CHECK(last_inform.zxid == z2);
  CHECK(last_inform.time_ns == 9 * kMillisecond);  // when its last bytes arrived

  // The visualizer's timeline joins them into delivered messages between servers 1 and 3.
  gui::Timeline t;
  t.append_all(back.events);
  std::size_t informs = 0;
  for (const auto& m : t.messages()) {
    CHECK(m.fate == gui::Message::Fate::delivered);
    if (m.type != "INFORM") continue;
    ++informs;
    CHECK(m.from == 1);
    CHECK(m.to == 3);
    CHECK(m.channel == gui::Channel::quorum);
    CHECK(m.label.find("INFORM") == 0);
  }
  CHECK(informs == 2);
  CHECK(t.servers() == std::vector<EndpointId>{1, 3});
  // Server 1 never started in this trace: the visualizer shows it as its vote says, leading.
  gui::StateCache states;
  const gui::ServerView* leader = states.at(t, static_cast<std::int64_t>(t.size()) - 1).server(1);
  REQUIRE(leader != nullptr);
  CHECK(leader->role == gui::Role::leading);
  CHECK(leader->leader == std::optional<EndpointId>(1));
}
