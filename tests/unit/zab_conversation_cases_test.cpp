// ZooKeeper 3.8.0's Zab1_0Test as transcripts: each of its twelve tests is a TEST_CASE here named
// "Zab1_0Test.<its method>", a table of steps (packets in -> packets out, state afterwards) driven
// against zablab's quorum peer (zab_conversation.h). ZooKeeper's ids 0 (the peer under test) and
// 1 (the other side) are zablab's 3 and 1 for a leader, 1 and 3 for a follower, 4 and 3 for an
// observer (zablab's myid 0 means standalone). docs/fidelity.md counts the cases.
#include <catch2/catch.hpp>

#include "core/persist/snapshot.h"
#include "core/persist/txn_log.h"
#include "tests/unit/zab_conversation.h"

using namespace zablab;
using namespace zablab::test::zab;
namespace packet = zablab::quorum::packet;

namespace {

constexpr std::int32_t kProto = quorum::kProtocolVersion;

bool has_snapshot_at_or_after(const Conversation& c, std::int64_t zxid) {
  for (const auto& [path, bytes] : c.env.mem_disk.files) {
    const auto slash = path.rfind('/');
    const auto z = persist::zxid_of_file(std::string_view(path).substr(slash + 1), "snapshot");
    if (z && *z >= zxid) return true;
  }
  return false;
}

// The first steps of testNormalRun / testTxnTimeout: a fresh leader brings follower 1 up to date.
std::vector<Step> fresh_leader_syncs_follower() {
  return {
      {"FOLLOWERINFO from 1, last accepted epoch 0 -> LEADERINFO of epoch 1",
       {{packet::followerinfo, 0, learner_info(1)}},
       {{packet::leaderinfo, make_zxid(1, 0), int32_data(kProto)}},
       [](Conversation& c) {
         CHECK(c.peer->accepted_epoch() == 1);
         CHECK(c.peer->current_epoch() == 0);
       }},
      {"ACKEPOCH (current epoch 0, zxid 0) -> DIFF, NEWLEADER of epoch 1; the leader's current epoch is 1",
       {{packet::ackepoch, 0, int32_data(0)}},
       {{packet::diff}, {packet::newleader, make_zxid(1, 0)}},
       [](Conversation& c) {
         CHECK(c.peer->accepted_epoch() == 1);
         CHECK(c.peer->current_epoch() == 1);
         CHECK(c.file("currentEpoch") == "1");
       }},
      {"ACK of NEWLEADER -> UPTODATE", {{packet::ack, make_zxid(1, 0)}}, {{packet::uptodate}}},
  };
}

}  // namespace

TEST_CASE("Zab1_0Test.testNormalRun: a fresh leader takes epoch 1 and syncs a fresh follower by DIFF") {
  Conversation c(ensemble(3, 3, false), 1);
  c.epoch_files(0, 0);
  c.start();
  c.elect_self({1});
  CHECK(c.peer->accepted_epoch() == 0);
  CHECK(c.peer->current_epoch() == 0);
  c.run(fresh_leader_syncs_follower());
  CHECK(c.peer->phase() == quorum::Phase::broadcast);
}

TEST_CASE("Zab1_0Test.testLeaderBehind: a follower that accepted epoch 20 makes the leader propose 21") {
  Conversation c(ensemble(3, 3, false), 1);
  c.epoch_files(0, 0);
  c.start();
  c.elect_self({1});
  c.run({
      {"FOLLOWERINFO with accepted epoch 20 -> LEADERINFO of epoch 21",
       {{packet::followerinfo, make_zxid(20, 0), learner_info(1)}},
       {{packet::leaderinfo, make_zxid(21, 0), int32_data(kProto)}}},
      {"ACKEPOCH -> DIFF, NEWLEADER of epoch 21",
       {{packet::ackepoch, 0, int32_data(0)}},
       {{packet::diff}, {packet::newleader, make_zxid(21, 0)}}},
      {"ACK of NEWLEADER -> UPTODATE", {{packet::ack, make_zxid(21, 0)}}, {{packet::uptodate}}},
  });
}

TEST_CASE("Zab1_0Test.testAbandonBeforeACKEpoch: without a quorum of ACKEPOCHs the leader never takes the epoch as current") {
  Conversation c(ensemble(3, 3, false), 1);
  c.epoch_files(0, 0);
  c.start();
  c.elect_self({1});
  c.run({{"FOLLOWERINFO -> LEADERINFO of epoch 1",
          {{packet::followerinfo, 0, learner_info(1)}},
          {{packet::leaderinfo, make_zxid(1, 0), int32_data(kProto)}}}});
  // No ACKEPOCH: initLimit * tickTime + 5 s later (Zab1_0Test's wait) the current epoch is still 0.
  c.advance(2 * 2000 + 5000);
  CHECK(c.peer->current_epoch() == 0);
  CHECK(c.file("currentEpoch") == "0\n");
  CHECK(c.peer->state() == PeerState::looking);  // zablab's leader gives up after initLimit, as ZooKeeper's
  CHECK(c.take_sent(1).empty());
}

TEST_CASE("Zab1_0Test.testTxnTimeout: a follower that answers PINGs but never ACKs a proposal is dropped") {
  Conversation c(ensemble(3, 3, false), 1);
  c.epoch_files(0, 0);
  c.start();
  c.elect_self({1});
  c.run(fresh_leader_syncs_follower());
  // The leader proposes a txn (here: a session follower 1 forwards for a client).
  jute::Writer req;
  req.i64(0x1234);
  req.i32(0);
  req.i32(op::create_session);
  req.i32(30000);
  c.run({{"REQUEST createSession -> PROPOSAL", {{packet::request, -1, req.take()}}, {{packet::proposal}}}});
  // Follower 1 answers each PING, never the PROPOSAL: within 2 * syncLimit + 2 of its reads
  // (half ticks) the leader closes the connection (ZooKeeper: "Connection hasn't been closed").
  bool closed = false;
  for (int i = 0; i < 2 * 2 + 2 && !closed; ++i) {
    for (const auto& m : c.env.quorum_out[1]) {
      const auto p = jute::decode<jute::QuorumPacket>(m);
      if (p.type == packet::ping) c.send(1, {packet::ping, p.zxid, std::string()});
    }
    c.env.quorum_out[1].clear();
    c.advance(1000);
    closed = c.env.disconnected.count(1) > 0;
  }
  CHECK(closed);
  bool timed_out = false;
  for (const auto& t : c.env.traces)
    if (t.kind == EventKind::zab_learner_dropped && t.detail.find("transaction timeout") != std::string::npos) timed_out = true;
  CHECK(timed_out);
}

TEST_CASE("Zab1_0Test.testLastAcceptedEpoch: a follower that accepted the epoch the leader would propose gets the next one (ZOOKEEPER-1343)") {
  Conversation c(ensemble(3, 3, false), 1);
  c.epoch_files(0, 5);
  c.start();
  c.elect_self({1});
  c.run({{"leader accepted 5 (would propose 6); FOLLOWERINFO with accepted epoch 6 -> LEADERINFO of epoch 7",
          {{packet::followerinfo, make_zxid(6, 0), learner_info(1)}},
          {{packet::leaderinfo, make_zxid(7, 0), int32_data(kProto)}},
          [](Conversation& c) { CHECK(c.peer->accepted_epoch() == 7); }}});
}

TEST_CASE("Zab1_0Test.testLeaderInConnectingFollowers: the followers' epochs count, and no LEADERINFO leaves before the leader's own accepted epoch is durable") {
  Conversation c(ensemble(3, 3, false), 1);
  c.epoch_files(0, 5);
  c.start();
  c.elect_self({1});
  c.run({
      {"FOLLOWERINFO from 1 (epoch 0): a quorum with the leader, but acceptedEpoch 6 is not on disk yet -> nothing",
       {{packet::followerinfo, 0, learner_info(1)}},
       {},
       {},
       true},
      {"the leader's acceptedEpoch is durable -> LEADERINFO of epoch 6 (its own 5, plus one)", {}, {{packet::leaderinfo, make_zxid(6, 0), int32_data(kProto)}},
       [](Conversation& c) { CHECK(c.file("acceptedEpoch") == "6"); }},
      {"FOLLOWERINFO from 2 (epoch 0) -> the same epoch 6", {{packet::followerinfo, 0, learner_info(2)}},
       {{packet::leaderinfo, make_zxid(6, 0), int32_data(kProto)}}, {}, false, 2},
  });
}

TEST_CASE("Zab1_0Test.testLeaderInElectingFollowers: the followers' ACKEPOCHs end discovery only with the leader's own in the quorum") {
  // Five voters, leader 5: a quorum is three, the leader and two followers.
  Conversation c(ensemble(5, 5, false), 1);
  c.epoch_files(0, 0);
  c.start();
  c.elect_self({1, 2});
  c.run({
      {"FOLLOWERINFO from 1: leader + 1 is no quorum of 5 -> nothing", {{packet::followerinfo, 0, learner_info(1)}}, {}},
      {"FOLLOWERINFO from 2: leader + 2 -> LEADERINFO (to 2; 1's is checked next)", {{packet::followerinfo, 0, learner_info(2)}},
       {{packet::leaderinfo, make_zxid(1, 0)}}, {}, false, 2},
      {"(1 got its LEADERINFO too)", {}, {{packet::leaderinfo, make_zxid(1, 0)}}},
      {"ACKEPOCH from 1: the leader's and 1's are 2 of 5 -> no sync yet", {{packet::ackepoch, 0, int32_data(0)}}, {},
       [](Conversation& c) { CHECK(c.peer->current_epoch() == 0); }},
      {"ACKEPOCH from 2: a quorum -> DIFF, NEWLEADER (to 2)", {{packet::ackepoch, 0, int32_data(0)}},
       {{packet::diff}, {packet::newleader, make_zxid(1, 0)}}, {}, false, 2},
      {"(and to 1)", {}, {{packet::diff}, {packet::newleader, make_zxid(1, 0)}},
       [](Conversation& c) { CHECK(c.peer->current_epoch() == 1); }},
  });
}

TEST_CASE("Zab1_0Test.testUnnecessarySnap: a follower already at the leader's last zxid gets a DIFF, not a SNAP") {
  Conversation c(ensemble(3, 3, false), 1);
  // The leader's database: /foo-1 and /foo-2 of epoch 1 in a snapshot; both epochs 1.
  data::DataTree t;
  t.apply(create_txn(make_zxid(1, 1), "/foo-1", "fpjwasalsohere"));
  t.apply(create_txn(make_zxid(1, 2), "/foo-2", "fpjwasalsohere"));
  c.env.mem_disk.files[c.dir() + "/" + persist::zxid_file_name("snapshot", make_zxid(1, 2))] = persist::serialize_snapshot(t);
  c.epoch_files(1, 1);
  c.start();
  REQUIRE(c.peer->tree().last_processed_zxid() == make_zxid(1, 2));
  c.elect_self({1});
  c.run({
      {"FOLLOWERINFO -> LEADERINFO of epoch 2",
       {{packet::followerinfo, 1, learner_info(1)}},
       {{packet::leaderinfo, make_zxid(2, 0), int32_data(kProto)}},
       [](Conversation& c) {
         CHECK(c.peer->accepted_epoch() == 2);
         CHECK(c.peer->current_epoch() == 1);
       }},
      {"ACKEPOCH at the leader's last zxid (1,2), current epoch 1 -> DIFF (then NEWLEADER)",
       {{packet::ackepoch, make_zxid(1, 2), int32_data(1)}},
       {{packet::diff}, {packet::newleader, make_zxid(2, 0)}}},
  });
}

TEST_CASE("Zab1_0Test.testInitialAcceptedCurrent: with no epoch files both epochs are the last zxid's") {
  Conversation c(ensemble(1, 3, false), 3);
  // An empty snapshot, then a log holding one (error) txn at zxid (3,3).
  c.env.mem_disk.files[c.dir() + "/" + persist::zxid_file_name("snapshot", 0)] = persist::serialize_snapshot(data::DataTree());
  data::Txn error_txn{jute::TxnHeader{1, 1, make_zxid(3, 3), 1, op::error},
                      {data::TxnOp{op::error, jute::ErrorTxn{1}}},
                      std::nullopt};
  c.env.mem_disk.files[c.dir() + "/" + persist::zxid_file_name("log", make_zxid(3, 3))] =
      persist::log_file_header() + persist::log_entry(data::encode_txn(error_txn));
  c.start();
  CHECK(c.peer->tree().last_processed_zxid() == make_zxid(3, 3));
  CHECK(c.peer->accepted_epoch() == 3);
  CHECK(c.peer->current_epoch() == 3);
  // ZooKeeper also writes both files at once; zablab writes them at the first LEADERINFO /
  // NEWLEADER (docs/fidelity.md, "epoch files").
  CHECK_FALSE(c.file("currentEpoch"));
  CHECK_FALSE(c.file("acceptedEpoch"));
}

namespace {

// A fresh follower (zablab 1) elected to follow 3, its FOLLOWERINFO and ACKEPOCH checked.
std::vector<Step> fresh_learner_accepts_epoch_1(std::int32_t info_type, std::int64_t sid) {
  return {
      {"elected: the learner connects with its accepted epoch 0 and its id",
       {},
       {{info_type, 0, learner_info(sid)}},
       [](Conversation& c) {
         CHECK(c.peer->accepted_epoch() == 0);
         CHECK(c.peer->current_epoch() == 0);
       }},
      {"LEADERINFO of epoch 1 -> ACKEPOCH, zxid 0, current epoch 0; accepted epoch 1",
       {{packet::leaderinfo, make_zxid(1, 0), int32_data(kProto)}},
       {{packet::ackepoch, 0, int32_data(0)}},
       [](Conversation& c) {
         CHECK(c.peer->accepted_epoch() == 1);
         CHECK(c.peer->current_epoch() == 0);
         CHECK(c.file("acceptedEpoch") == "1");
       }},
  };
}

// ZooKeeper's testFollowerConversation: zablab 1, with epochs 0, elected to follow 3.
void start_fresh_follower(Conversation& c) {
  c.epoch_files(0, 0);
  c.start();
  c.elect(3, 2);
}

data::DataTree foo_tree() {
  data::DataTree t;
  t.apply(create_txn(make_zxid(1, 1), "/foo", "data1"));
  return t;
}

}  // namespace

TEST_CASE("Zab1_0Test.testNormalFollowerRun: SNAP, NEWLEADER, a proposal committed before UPTODATE") {
  Conversation c(ensemble(1, 3, false), 3);
  start_fresh_follower(c);
  const std::int64_t proposal = make_zxid(1, 1000);
  std::vector<Step> steps = fresh_learner_accepts_epoch_1(packet::followerinfo, 1);
  const std::vector<Step> rest = {
      {"SNAP of the leader's tree (/foo at (1,1)) -> nothing yet; the tree is in memory",
       {{packet::snap, make_zxid(1, 1), std::string()}, {kSnapshotBytes, 0, snapshot_stream(foo_tree())}},
       {},
       [](Conversation& c) { CHECK(c.data_of("/foo") == "data1"); }},
      {"NEWLEADER of epoch 1 -> ACK (1,0); current epoch 1; the snapshot is on disk",
       {{packet::newleader, make_zxid(1, 0)}},
       {{packet::ack, make_zxid(1, 0)}},
       [](Conversation& c) {
         CHECK(c.peer->accepted_epoch() == 1);
         CHECK(c.peer->current_epoch() == 1);
         CHECK(c.peer->tree().last_processed_zxid() == make_zxid(1, 1));
         CHECK(has_snapshot_at_or_after(c, make_zxid(1, 1)));
         const data::DataTree disk = c.recovered();
         CHECK(c.data_of(disk, "/foo") == "data1");
         CHECK(disk.last_processed_zxid() == make_zxid(1, 1));
       }},
      // A proposal received between NEWLEADER and UPTODATE is logged only after UPTODATE's ACK
      // (the case below checks it with a fast disk); here its fsync is still under way then.
      {"PROPOSAL setData /foo (1,1000) -> not applied", {{packet::proposal, proposal, data::encode_txn(set_data_txn(proposal, "/foo", "data2", 2))}}, {},
       [](Conversation& c) { CHECK(c.data_of("/foo") == "data1"); }, true},
      {"COMMIT (1,1000), UPTODATE -> ACK (1,0) of UPTODATE", {{packet::commit, proposal}, {packet::uptodate, 0}},
       {{packet::ack, make_zxid(1, 0)}}, {}, true},
      {"the proposal is durable -> ACK (1,1000); /foo is data2 in memory and on disk", {}, {{packet::ack, proposal}},
       [proposal](Conversation& c) {
         CHECK(c.data_of("/foo") == "data2");
         const data::DataTree disk = c.recovered();
         CHECK(c.data_of(disk, "/foo") == "data2");
         CHECK(disk.last_processed_zxid() == proposal);
       }},
  };
  steps.insert(steps.end(), rest.begin(), rest.end());
  c.run(steps);
}

TEST_CASE("Zab1_0Test.testNormalFollowerRun: no snapshot is written before NEWLEADER") {
  // ZooKeeper's follower applies a SNAP in memory and writes the snapshot at NEWLEADER (Learner.
  // syncWithLeader, takeSnapshot(true)).
  Conversation c(ensemble(1, 3, false), 3);
  start_fresh_follower(c);
  std::vector<Step> steps = fresh_learner_accepts_epoch_1(packet::followerinfo, 1);
  steps.push_back({"SNAP -> applied in memory, no snapshot taken yet",
                   {{packet::snap, make_zxid(1, 1), std::string()}, {kSnapshotBytes, 0, snapshot_stream(foo_tree())}},
                   {},
                   [](Conversation& c) { CHECK_FALSE(has_snapshot_at_or_after(c, make_zxid(1, 1))); }});
  c.run(steps);
}

TEST_CASE("Zab1_0Test.testNormalFollowerRun: a proposal between NEWLEADER and UPTODATE is ACKed after UPTODATE's ACK") {
  // ZooKeeper keeps such proposals (packetsNotCommitted) and logs them after it ACKs UPTODATE;
  // with a disk that finishes at once, their ACK still follows UPTODATE's.
  Conversation c(ensemble(1, 3, false), 3);
  start_fresh_follower(c);
  const std::int64_t proposal = make_zxid(1, 1000);
  std::vector<Step> steps = fresh_learner_accepts_epoch_1(packet::followerinfo, 1);
  const std::vector<Step> rest = {
      {"SNAP, NEWLEADER -> ACK (1,0)",
       {{packet::snap, make_zxid(1, 1), std::string()}, {kSnapshotBytes, 0, snapshot_stream(foo_tree())}, {packet::newleader, make_zxid(1, 0)}},
       {{packet::ack, make_zxid(1, 0)}}},
      {"PROPOSAL (1,1000), the disk idle -> no ACK before UPTODATE; not in the log",
       {{packet::proposal, proposal, data::encode_txn(set_data_txn(proposal, "/foo", "data2", 2))}},
       {},
       [](Conversation& c) { CHECK(c.recovered().last_processed_zxid() == make_zxid(1, 1)); }},
      {"COMMIT (1,1000) -> not applied before UPTODATE", {{packet::commit, proposal}}, {},
       [](Conversation& c) { CHECK(c.data_of("/foo") == "data1"); }},
      {"UPTODATE -> ACK (1,0), then ACK (1,1000) once logged; /foo is data2", {{packet::uptodate, 0}},
       {{packet::ack, make_zxid(1, 0)}, {packet::ack, proposal}},
       [](Conversation& c) { CHECK(c.data_of("/foo") == "data2"); }},
  };
  steps.insert(steps.end(), rest.begin(), rest.end());
  c.run(steps);
}

TEST_CASE("Learner.syncWithLeader: a COMMIT in a DIFF is applied only after NEWLEADER logged its proposal, and its ACK follows UPTODATE's") {
  // ZooKeeper 3.8.5+: with a DIFF every txn goes to the log (writeToTxnLog); NEWLEADER logs and
  // fsyncs the proposals (appendRequest, commit), the COMMITs wait in packetsCommitted for
  // UPTODATE, and the proposals' ACKs (requestsToAck) follow UPTODATE's.
  Conversation c(ensemble(1, 3, false), 3);
  start_fresh_follower(c);
  const std::int64_t session_zxid = make_zxid(1, 2);
  std::vector<Step> steps = fresh_learner_accepts_epoch_1(packet::followerinfo, 1);
  const std::vector<Step> rest = {
      {"DIFF, PROPOSAL createSession at (1,2), COMMIT -> nothing; not applied, not logged",
       {{packet::diff, make_zxid(1, 1), std::string()},
        {packet::proposal, session_zxid, data::encode_txn(create_session_txn(session_zxid, 4, 30000))},
        {packet::commit, session_zxid}},
       {},
       [](Conversation& c) {
         CHECK(c.peer->tree().last_processed_zxid() == 0);
         CHECK(c.recovered().last_processed_zxid() == 0);
       }},
      {"NEWLEADER -> ACK (1,0) once (1,2) is fsynced; still not applied",
       {{packet::newleader, make_zxid(1, 0)}},
       {{packet::ack, make_zxid(1, 0)}},
       [session_zxid](Conversation& c) {
         CHECK(c.peer->tree().last_processed_zxid() == 0);
         CHECK(c.recovered().sessions().count(4) == 1);
         CHECK(c.recovered().last_processed_zxid() == session_zxid);
       }},
      {"UPTODATE -> ACK (1,0), then ACK (1,2); applied", {{packet::uptodate, 0}},
       {{packet::ack, make_zxid(1, 0)}, {packet::ack, session_zxid}},
       [session_zxid](Conversation& c) { CHECK(c.peer->tree().last_processed_zxid() == session_zxid); }},
  };
  steps.insert(steps.end(), rest.begin(), rest.end());
  c.run(steps);
}

TEST_CASE("Learner.syncWithLeader: a sync abandoned after a SNAP and before NEWLEADER leaves the tree the disk holds") {
  // ZooKeeper's learner goes back to LOOKING and reloads its database: the SNAP never reached
  // the disk, so it is gone from memory too.
  Conversation c(ensemble(1, 3, false), 3);
  start_fresh_follower(c);
  std::vector<Step> steps = fresh_learner_accepts_epoch_1(packet::followerinfo, 1);
  steps.push_back({"SNAP (/foo at (1,1)) -> in memory",
                   {{packet::snap, make_zxid(1, 1), std::string()}, {kSnapshotBytes, 0, snapshot_stream(foo_tree())}},
                   {},
                   [](Conversation& c) { CHECK(c.peer->tree().last_processed_zxid() == make_zxid(1, 1)); }});
  c.run(steps);
  c.peer->on_peer_disconnected(3, PeerChannel::quorum);  // the leader goes away
  c.settle();
  CHECK(c.peer->state() == PeerState::looking);
  CHECK(c.peer->tree().last_processed_zxid() == 0);
  CHECK(c.peer->tree().find("/foo") == nullptr);
  CHECK_FALSE(has_snapshot_at_or_after(c, make_zxid(1, 1)));
}

TEST_CASE("Zab1_0Test.testNormalFollowerRunWithDiff: DIFF, PROPOSAL, COMMIT, NEWLEADER, UPTODATE in one go") {
  Conversation c(ensemble(1, 3, false), 3);
  start_fresh_follower(c);
  const std::int64_t session_zxid = make_zxid(1, 2);
  std::vector<Step> steps = fresh_learner_accepts_epoch_1(packet::followerinfo, 1);
  steps.push_back(
      {"DIFF (1,1), PROPOSAL createSession 4 at (1,2), COMMIT, NEWLEADER, UPTODATE -> ACK (1,0) twice "
       "(NEWLEADER's, then UPTODATE's), then ACK (1,2) (3.8.5+: the proposals NEWLEADER logged)",
       {{packet::diff, make_zxid(1, 1), std::string()},
        {packet::proposal, session_zxid, data::encode_txn(create_session_txn(session_zxid, 4, 30000))},
        {packet::commit, session_zxid},
        {packet::newleader, make_zxid(1, 0)},
        {packet::uptodate, 0}},
       {{packet::ack, make_zxid(1, 0)}, {packet::ack, make_zxid(1, 0)}, {packet::ack, session_zxid}},
       [session_zxid](Conversation& c) {
         CHECK(c.peer->accepted_epoch() == 1);
         CHECK(c.peer->current_epoch() == 1);
         CHECK(c.peer->tree().last_processed_zxid() == session_zxid);
         const data::DataTree disk = c.recovered();
         CHECK(disk.sessions().count(4) == 1);
         CHECK_FALSE(has_snapshot_at_or_after(c, make_zxid(1, 0)));  // a DIFF takes no snapshot
       }});
  c.run(steps);
}

TEST_CASE("Zab1_0Test.testNormalObserverRun: SNAP, NEWLEADER, then PROPOSAL+COMMIT and INFORM; an observer never ACKs a proposal") {
  Conversation c(ensemble(4, 3, true), 3);
  c.epoch_files(0, 0);
  c.start();
  c.elect(3, 2);
  REQUIRE(c.peer->state() == PeerState::observing);
  data::DataTree t;
  t.apply(create_txn(make_zxid(1, 1), "/foo1", "data1"));
  t.apply(create_txn(make_zxid(1, 2), "/foo2", "data1"));
  const std::int64_t proposal = make_zxid(1, 1000);
  const std::int64_t inform = make_zxid(1, 1001);
  std::vector<Step> steps = fresh_learner_accepts_epoch_1(packet::observerinfo, 4);
  const std::vector<Step> rest = {
      {"SNAP (/foo1, /foo2 up to (1,2)), NEWLEADER -> ACK (1,0); current epoch 1; on disk",
       {{packet::snap, make_zxid(1, 2), std::string()}, {kSnapshotBytes, 0, snapshot_stream(t)}, {packet::newleader, make_zxid(1, 0)}},
       {{packet::ack, make_zxid(1, 0)}},
       [](Conversation& c) {
         CHECK(c.peer->accepted_epoch() == 1);
         CHECK(c.peer->current_epoch() == 1);
         CHECK(c.peer->tree().last_processed_zxid() == make_zxid(1, 2));
         const data::DataTree disk = c.recovered();
         CHECK(c.data_of(disk, "/foo1") == "data1");
         CHECK(disk.last_processed_zxid() == make_zxid(1, 2));
       }},
      {"PROPOSAL+COMMIT of /foo1 (1,1000), INFORM of /foo2 (1,1001), UPTODATE -> only ACK (1,0) of UPTODATE",
       {{packet::proposal, proposal, data::encode_txn(set_data_txn(proposal, "/foo1", "data2", 2))},
        {packet::commit, proposal},
        {packet::inform, inform, data::encode_txn(set_data_txn(inform, "/foo2", "data2", 2))},
        {packet::uptodate, 0}},
       {{packet::ack, make_zxid(1, 0)}},
       [inform](Conversation& c) {
         CHECK(c.data_of("/foo1") == "data2");
         CHECK(c.data_of("/foo2") == "data2");
         const data::DataTree disk = c.recovered();
         CHECK(c.data_of(disk, "/foo1") == "data2");
         CHECK(c.data_of(disk, "/foo2") == "data2");
         CHECK(disk.last_processed_zxid() == inform);
       }},
  };
  steps.insert(steps.end(), rest.begin(), rest.end());
  c.run(steps);
}
