// A quorum peer driven packet by packet, for transcripts of Zab conversations (ZooKeeper 3.8's
// Zab1_0Test plays the other side of a leader, a follower or an observer over a socket; here the
// test plays it through the sans-I/O core). The peer is elected by notifications the test sends,
// then each Step delivers the other side's packets and compares what the peer sent back, in order,
// PINGs aside (as Zab1_0Test's readPacketSkippingPing), once its disk has caught up.
#pragma once

#include <catch2/catch.hpp>

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/data/acl.h"
#include "core/data/txn.h"
#include "core/jute/codes.h"
#include "core/jute/io.h"
#include "core/persist/disk_layout.h"
#include "core/persist/recovery.h"
#include "core/persist/snapshot_stream.h"
#include "core/quorum/election.h"
#include "core/quorum/messages.h"
#include "core/quorum/quorum_peer.h"
#include "sim/quorum_kind.h"
#include "tests/support/fake_env.h"

namespace zablab::test::zab {

using quorum::make_zxid;
using quorum::PeerState;

// FakeEnv keeps both channels in one list; a conversation needs the quorum packets apart.
class ZabEnv : public FakeEnv {
 public:
  void peer_send(PeerId peer, PeerChannel channel, std::string bytes) override {
    (channel == PeerChannel::quorum ? quorum_out : election_out)[peer].push_back(std::move(bytes));
  }
  void peer_disconnect(PeerId peer, PeerChannel channel) override {
    if (channel == PeerChannel::quorum) disconnected.insert(peer);
  }
  std::map<PeerId, std::vector<std::string>> quorum_out, election_out;
  std::set<PeerId> disconnected;
};

// What goes on the quorum port: a packet, or (type kSnapshotBytes) the snapshot after a SNAP.
inline constexpr std::int32_t kSnapshotBytes = -1;
struct Pkt {
  std::int32_t type;
  std::optional<std::int64_t> zxid = std::nullopt;  // expected packets: nullopt = not checked
  std::optional<std::string> data = std::nullopt;   // expected packets: nullopt = not checked
};

inline std::string int32_data(std::int32_t v) {
  jute::Writer w;
  w.i32(v);
  return w.take();
}
inline std::string learner_info(std::int64_t sid) { return jute::encode(jute::LearnerInfo{sid, quorum::kProtocolVersion, 0}); }

// Txns as Zab1_0Test builds them (its client ids, cxids and times).
inline data::Txn create_txn(std::int64_t zxid, const std::string& path, const std::string& value) {
  return data::Txn{jute::TxnHeader{13, 1313, zxid, 33, op::create},
                   {data::TxnOp{op::create, jute::CreateTxn{path, value, data::open_acl_unsafe(), false, 1}}},
                   std::nullopt};
}
inline data::Txn set_data_txn(std::int64_t zxid, const std::string& path, const std::string& value, std::int32_t version) {
  return data::Txn{jute::TxnHeader{4, 1414, zxid, 55, op::set_data},
                   {data::TxnOp{op::set_data, jute::SetDataTxn{path, value, version}}},
                   std::nullopt};
}
inline data::Txn create_session_txn(std::int64_t zxid, std::int64_t session, std::int32_t timeout) {
  return data::Txn{jute::TxnHeader{session, 1414, zxid, 55, op::create_session},
                   {data::TxnOp{op::create_session, jute::CreateSessionTxn{timeout}}},
                   std::nullopt};
}
// The stream after a SNAP packet: the tree, then the signature.
inline std::string snapshot_stream(const data::DataTree& tree) {
  jute::Writer w;
  w.raw(persist::serialize_snapshot_body(tree));
  w.bytes(persist::kSnapshotSignature);
  return w.take();
}

inline server::ServerConfig ensemble(std::int64_t self, int voters, bool with_observer) {
  server::ServerConfig c;
  c.server_id = self;
  c.tick_time_ms = 2000;  // ZabUtils: tickTime 2000, initLimit 2, syncLimit 2
  c.init_limit = 2;
  c.sync_limit = 2;
  c.data_dir = "/data";
  sim::WorldOptions options;  // the simulator's ensemble: s1..sN vote, then the observers
  sim::configure_ensemble(options, voters, with_observer ? 1 : 0);
  c.quorum_servers = options.server.quorum_servers;
  return c;
}

struct Conversation;

struct Step {
  std::string note;
  std::vector<Pkt> in;    // what the other side sends, in order
  std::vector<Pkt> out;   // what the peer must have sent to it, in order, PINGs aside
  std::function<void(Conversation&)> expect = {};  // the state afterwards
  bool hold_disk = false;  // leave the peer's disk work pending (its completions come later)
  std::int64_t with = 0;   // the other side's sid (0: the conversation's default)
};

struct Conversation {
  ZabEnv env;
  server::ServerConfig config;
  std::unique_ptr<quorum::QuorumPeer> peer;
  std::int64_t other;

  Conversation(server::ServerConfig c, std::int64_t other_side) : config(std::move(c)), other(other_side) {}

  // Epoch files as a test's setup writes them (version-2/currentEpoch, acceptedEpoch).
  void epoch_files(std::int64_t current, std::int64_t accepted) {
    env.mem_disk.files[dir() + "/currentEpoch"] = std::to_string(current) + "\n";
    env.mem_disk.files[dir() + "/acceptedEpoch"] = std::to_string(accepted) + "\n";
  }
  std::string dir() const { return persist::version_dir(config.data_dir); }
  std::optional<std::string> file(const std::string& name) const {
    const auto it = env.mem_disk.files.find(dir() + "/" + name);
    if (it == env.mem_disk.files.end()) return std::nullopt;
    return it->second;
  }

  void start() {
    peer = std::make_unique<quorum::QuorumPeer>(env, config);
    peer->start();
    settle();
  }
  void settle() { env.complete_disk(*peer); }
  void advance(std::int64_t ms) {
    env.advance(*peer, ms);
    settle();
  }
  void vote(std::int64_t from, PeerState state, const quorum::Vote& v) {
    peer->on_peer_message(from, PeerChannel::election, quorum::Election::encode(state, v));
  }
  // Elected leader: `backers` back our own proposal, and the finalize wait passes.
  void elect_self(const std::vector<std::int64_t>& backers) {
    for (const std::int64_t b : backers) vote(b, PeerState::looking, peer->election().proposal());
    advance(200);
    REQUIRE(peer->state() == PeerState::leading);
  }
  // Following (or observing) `leader`: its LEADING notification and a follower's.
  void elect(std::int64_t leader, std::int64_t follower) {
    quorum::Vote v{leader, 0, 1, 0};
    vote(leader, PeerState::leading, v);
    vote(follower, PeerState::following, v);
    REQUIRE(peer->leader() == leader);
  }

  void send(std::int64_t from, const Pkt& p) {
    if (p.type == kSnapshotBytes) {
      peer->on_peer_message(from, PeerChannel::quorum, p.data.value_or(""));
    } else {
      peer->on_peer_message(from, PeerChannel::quorum, quorum::encode_packet(p.type, p.zxid.value_or(0), p.data));
    }
  }
  std::vector<jute::QuorumPacket> take_sent(std::int64_t to) {
    std::vector<jute::QuorumPacket> out;
    for (const auto& m : env.quorum_out[to]) {
      auto p = jute::decode<jute::QuorumPacket>(m);
      if (p.type != quorum::packet::ping) out.push_back(std::move(p));
    }
    env.quorum_out[to].clear();
    return out;
  }

  // The tree as the peer's disk would give it back after a restart.
  data::DataTree recovered() {
    data::DataTree t;
    const auto report = persist::recover(env.mem_disk, config.data_dir, config.log_dir(), false, t);
    INFO(report.error);
    CHECK(report.ok);
    return t;
  }
  std::string data_of(const data::DataTree& t, const std::string& path) {
    const data::DataNode* n = t.find(path);
    REQUIRE(n != nullptr);
    return n->data.value_or("<null>");
  }
  std::string data_of(const std::string& path) { return data_of(peer->tree(), path); }

  void run(const std::vector<Step>& steps) {
    int i = 0;
    for (const Step& s : steps) {
      ++i;
      INFO("step " << i << ": " << s.note);
      const std::int64_t with = s.with ? s.with : other;
      for (const Pkt& p : s.in) send(with, p);
      if (!s.hold_disk) settle();
      const auto sent = take_sent(with);
      std::string got;
      for (const auto& p : sent) got += std::string(quorum::packet_name(p.type)) + " ";
      INFO("sent: " << got);
      REQUIRE(sent.size() == s.out.size());
      for (std::size_t k = 0; k < sent.size(); ++k) {
        INFO("packet " << k + 1);
        CHECK(quorum::packet_name(sent[k].type) == quorum::packet_name(s.out[k].type));
        if (s.out[k].zxid) CHECK(sent[k].zxid == *s.out[k].zxid);
        if (s.out[k].data) CHECK(sent[k].data.value_or("") == *s.out[k].data);
      }
      if (s.expect) s.expect(*this);
    }
  }
};

}  // namespace zablab::test::zab
