// The visualizer's model over real traces: decoding peer messages, the timeline's messages,
// Lamport clocks and phase spans, and the ensemble state folded from the trace.
#include <catch2/catch.hpp>

#include "core/jute/records.h"
#include "core/quorum/election.h"
#include "core/quorum/messages.h"
#include "gui/model/ensemble_state.h"
#include "gui/model/json.h"
#include "gui/model/source.h"
#include "gui/model/timeline.h"
#include "gui/model/wire_decoder.h"
#include "sim/addresses.h"
#include "sim/world.h"

using namespace zablab;
using namespace zablab::gui;

namespace {

// A live 3-server ensemble with one writing client, run for `ms` of virtual time.
Timeline live_timeline(int ms, bool decode = false, int voters = 3) {
  LiveOptions o;
  o.voters = voters;
  o.decode_messages = decode;
  LiveSource live(o);
  live.run_to(ms * sim::kMillisecond);
  Timeline t;
  live.pull(t);
  return t;
}

std::size_t count_type(const Timeline& t, std::string_view prefix) {
  std::size_t n = 0;
  for (const auto& m : t.messages()) n += m.label.rfind(prefix, 0) == 0 ? 1 : 0;
  return n;
}

}  // namespace

TEST_CASE("gui/json: reads trace details, hex strings as integers") {
  const auto v = JsonValue::parse(R"({"a":1,"zxid":"0x100000002","s":"x\"y\u0041","arr":[1,[2]],"b":true,"n":null})");
  REQUIRE(v.is_object());
  CHECK(v["a"].int_or(0) == 1);
  CHECK(v["zxid"].int_or(0) == 0x100000002LL);
  CHECK(v["s"].str() == "x\"yA");
  CHECK(v["arr"].size() == 2);
  CHECK(v["arr"].at(1).at(0).int_or(0) == 2);
  CHECK(v["b"].as_bool());
  CHECK(v["n"].is_null());
  CHECK(v["missing"]["deeper"].is_null());
  CHECK(JsonValue::parse("{bad").is_null());
  CHECK(JsonValue::parse(v.dump()).dump() == v.dump());
  CHECK(parse_int("-12") == std::optional<std::int64_t>(-12));
  CHECK_FALSE(parse_int("0xzz").has_value());
}

TEST_CASE("gui/decode: notifications and Zab packets get their names and fields") {
  const std::string n = quorum::Election::encode(quorum::PeerState::looking, quorum::Vote{3, 0x100000002LL, 2, 1});
  const auto vote = decode_election_frame(n);
  CHECK(vote.type == "vote");
  const auto vj = JsonValue::parse(vote.json);
  CHECK(vj["leader"].int_or(0) == 3);
  CHECK(vj["zxid"].str() == "0x100000002");
  CHECK(vj["round"].int_or(0) == 2);
  CHECK(vj["peer_epoch"].int_or(0) == 1);
  CHECK(vj["state"].str() == "LOOKING");

  const auto commit = decode_quorum_frame(quorum::encode_packet(quorum::packet::commit, 0x200000004LL));
  CHECK(commit.type == "COMMIT");
  CHECK(commit.zxid == 0x200000004LL);

  jute::Writer w;
  jute::write(w, jute::LearnerInfo{2, quorum::kProtocolVersion, 0});
  const auto info =
      decode_quorum_frame(quorum::encode_packet(quorum::packet::followerinfo, quorum::make_zxid(1, 0), w.take()));
  CHECK(info.type == "FOLLOWERINFO");
  CHECK(JsonValue::parse(info.json)["sid"].int_or(0) == 2);
  CHECK(JsonValue::parse(info.json)["accepted_epoch"].int_or(-1) == 1);

  CHECK(decode_quorum_frame("xx").type == "quorum?");
}

TEST_CASE("gui/timeline: a live ensemble's messages are decoded and joined send to delivery") {
  const Timeline t = live_timeline(3000);
  REQUIRE(t.size() > 100);
  CHECK(t.servers() == std::vector<EndpointId>{1, 2, 3});
  CHECK(t.clients().size() == 1);
  CHECK(count_type(t, "vote ") > 6);
  CHECK(count_type(t, "FOLLOWERINFO") == 2);
  CHECK(count_type(t, "LEADERINFO") == 2);
  CHECK(count_type(t, "NEWLEADER") == 2);
  CHECK(count_type(t, "PROPOSAL 0x1000000") >= 2);
  CHECK(count_type(t, "ACK 0x1000000") >= 2);
  CHECK(count_type(t, "COMMIT 0x1000000") >= 2);
  std::size_t delivered = 0;
  for (const auto& m : t.messages()) {
    CHECK_FALSE(m.inferred);
    if (m.fate != Message::Fate::delivered) continue;
    ++delivered;
    REQUIRE(m.end_seq > static_cast<std::int64_t>(m.send_seq));
    CHECK(t.at(static_cast<std::uint64_t>(m.end_seq)).kind == sim::trace_kind::deliver);
    CHECK(t.message_of(static_cast<std::uint64_t>(m.end_seq)) == std::optional<std::size_t>(m.index));
    // Lamport: a delivery comes after its send.
    CHECK(t.lamport(static_cast<std::uint64_t>(m.end_seq)) > t.lamport(m.send_seq));
  }
  CHECK(delivered > 50);
}

TEST_CASE("gui/timeline: each server's phases run ELECTION, DISCOVERY, SYNCHRONIZATION, BROADCAST") {
  const Timeline t = live_timeline(3000);
  for (EndpointId s : {1, 2, 3}) {
    const auto& spans = t.phases(s);
    REQUIRE(spans.size() == 4);
    CHECK(spans[0].phase == Phase::election);
    CHECK(spans[1].phase == Phase::discovery);
    CHECK(spans[2].phase == Phase::synchronization);
    CHECK(spans[3].phase == Phase::broadcast);
    CHECK(spans[3].end_seq == -1);
    CHECK(spans[0].end_ns == spans[1].start_ns);
    CHECK(spans[3].role == (s == 3 ? "LEADING" : "FOLLOWING"));
  }
}

// The trace as a simulator without message decoding writes it: peer messages named only
// "quorum" / "election".
std::vector<TraceRecord> undecoded(const Timeline& t) {
  std::vector<TraceRecord> out = t.records();
  for (auto& r : out) {
    if ((r.kind != sim::trace_kind::send && r.kind != sim::trace_kind::deliver && r.kind != sim::trace_kind::drop) || !sim::is_server(r.from) ||
        !sim::is_server(r.to) || r.msg_type.empty())
      continue;
    const std::string generic = r.msg_type == "vote" ? "election" : "quorum";
    r.msg_type = generic;
    r.zxid = -1;
    auto d = JsonValue::parse(r.detail);
    std::string detail = "{\"conn\":" + d["conn"].str() + ",\"bytes\":" + d["bytes"].str();
    if (d.has("send_seq")) detail += ",\"send_seq\":" + d["send_seq"].str();
    if (d.has("reason")) detail += ",\"reason\":\"" + d["reason"].str() + "\"";
    if (r.kind == sim::trace_kind::send) detail += ",\"frames\":[{\"type\":\"" + generic + "\",\"bytes\":4}]";
    r.detail = detail + "}";
  }
  return out;
}

TEST_CASE("gui/timeline: both decoders name peer messages alike") {
  const Timeline sim_tap = live_timeline(3000, false);
  const Timeline gui_tap = live_timeline(3000, true);
  REQUIRE(sim_tap.messages().size() == gui_tap.messages().size());
  for (std::size_t i = 0; i < sim_tap.messages().size(); ++i) {
    INFO(i);
    // gui's decoder may add detail (REQUEST's op); the simulator's name comes first either way.
    CHECK(gui_tap.messages()[i].label.rfind(sim_tap.messages()[i].label, 0) == 0);
  }
}

TEST_CASE("gui/timeline: without decoded messages, labels are inferred from semantic events") {
  Timeline t;
  t.append_all(undecoded(live_timeline(3000)));
  CHECK(count_type(t, "vote ") > 6);
  CHECK(count_type(t, "FOLLOWERINFO") == 2);
  CHECK(count_type(t, "PROPOSAL 0x1000000") >= 2);
  CHECK(count_type(t, "ACK 0x1000000") >= 1);
  CHECK(count_type(t, "COMMIT 0x1000000") >= 2);
  bool any_inferred = false;
  for (const auto& m : t.messages()) any_inferred = any_inferred || m.inferred;
  CHECK(any_inferred);
}

TEST_CASE("gui/state: the fold matches the live peers after an election and some writes") {
  LiveOptions o;
  LiveSource live(o);
  live.run_to(3 * sim::kSecond);
  Timeline t;
  live.pull(t);
  StateCache cache(64);
  const EnsembleState st = cache.at(t, static_cast<std::int64_t>(t.size()) - 1);
  REQUIRE(st.servers.size() == 3);
  CHECK(st.leader() == std::optional<EndpointId>(3));
  const auto* world = live.world();
  for (const auto& [id, sv] : st.servers) {
    INFO("server " << id);
    CHECK(sv.up);
    CHECK(sv.role == (id == 3 ? Role::leading : Role::following));
    CHECK(sv.phase == Phase::broadcast);
    CHECK(sv.current_epoch == 1);
    CHECK(sv.accepted_epoch == 1);
    const auto real = const_cast<sim::World*>(world)->server_state(id);
    CHECK(sv.last_committed == real.last_zxid);
    CHECK(sv.last_logged >= sv.last_committed);
    CHECK(sv.tree.count("/c1") == 1);
    CHECK(sv.sessions.size() == 1);
    CHECK(sv.committed.size() >= 3);
    CHECK(sv.committed.front().op == "createSession");
    // The model's tree has the same paths as the real one (beyond /zookeeper).
    std::size_t real_paths = real.znode_count;
    CHECK(sv.tree.size() + 4 == real_paths);  // "/", "/zookeeper", its quota and config
  }
  const ClientView* c = st.client(1001);
  REQUIRE(c != nullptr);
  CHECK(c->state == "CONNECTED");
  CHECK(c->completed >= 2);

  // A cache with few, thinned checkpoints answers the same.
  StateCache thin(16, 4);
  for (std::int64_t s : {static_cast<std::int64_t>(t.size()) - 1, std::int64_t{100}, std::int64_t{7},
                         static_cast<std::int64_t>(t.size()) / 2}) {
    INFO(s);
    const EnsembleState a = thin.at(t, s);
    const EnsembleState& b = cache.at(t, s);
    CHECK(a.last_seq == b.last_seq);
    for (const auto& [id, sv] : b.servers) {
      CHECK(a.servers.at(id).last_committed == sv.last_committed);
      CHECK(a.servers.at(id).tree.size() == sv.tree.size());
      CHECK(a.servers.at(id).role == sv.role);
    }
  }

  // Asking for an earlier state (from a checkpoint) and coming back gives the same answer.
  const auto early = cache.at(t, 40);
  CHECK(early.last_seq == 40);
  const auto again = cache.at(t, static_cast<std::int64_t>(t.size()) - 1);
  CHECK(again.servers.at(1).last_committed == st.servers.at(1).last_committed);
}

TEST_CASE("gui/state: crash, partition and heal are folded from the trace") {
  LiveOptions o;
  LiveSource live(o);
  live.run_to(2 * sim::kSecond);
  std::string error;
  Command crash;
  crash.kind = CommandKind::crash;
  crash.a = 3;
  REQUIRE(live.apply(crash, error));
  Command part;
  part.kind = CommandKind::partition;
  part.groups = {{1}, {2}};
  REQUIRE(live.apply(part, error));
  Timeline t;
  live.pull(t);
  StateCache cache;
  const auto st = cache.at(t, static_cast<std::int64_t>(t.size()) - 1);
  CHECK_FALSE(st.servers.at(3).up);
  CHECK(st.servers.at(3).role == Role::down);
  CHECK(st.link_blocked(1, 2));
  CHECK(st.link_blocked(2, 1));
  CHECK_FALSE(st.link_blocked(1, 3));
  Command heal;
  heal.kind = CommandKind::heal;
  REQUIRE(live.apply(heal, error));
  live.pull(t);
  CHECK(cache.at(t, static_cast<std::int64_t>(t.size()) - 1).blocked.empty());
  CHECK_FALSE(live.apply(crash, error));  // already down
  CHECK(error.find("already down") != std::string::npos);
}
