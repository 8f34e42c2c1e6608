// The leader's sync decision (core/quorum/sync_plan.cpp) against the facts of ZooKeeper 3.8's
// LearnerHandlerTest: every case of its ten tests is a row here, with the same zxids and the same
// expected packet, zxid, queued txns and forwarding point. Rows marked "zablab" are ours: the
// situations Lab 3 teaches.
//
// ZooKeeper's test stubs the txn log: it yields the whole log when the learner's zxid is not
// older than its first txn, nothing otherwise (and nothing when txnLogSyncEnabled is off, a
// snapshotSizeFactor below 0). `txn_log_for` does the same, since plan_sync takes the txns the
// leader's disk would give.
#include <catch2/catch.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include "core/quorum/messages.h"
#include "core/quorum/sync_plan.h"

using zablab::quorum::make_zxid;
using zablab::quorum::plan_sync;
using zablab::quorum::SyncPlan;

namespace {

using Zxids = std::vector<std::int64_t>;
using Mode = SyncPlan::Mode;

struct Row {
  std::string name;
  std::int64_t peer;            // the learner's last zxid (FOLLOWERINFO)
  std::int64_t last_processed;  // the leader's tree
  Zxids committed_log;          // the leader's in-memory committed log
  Zxids txn_log;                // the leader's on-disk log
  bool txn_log_sync = true;     // snapshotSizeFactor >= 0
  Mode mode;
  std::int64_t op_zxid = 0;       // checked unless SNAP
  Zxids send = {};                // the PROPOSAL+COMMIT pairs queued after the op packet
  std::int64_t forwarded_from = 0;  // checked unless SNAP
};

Zxids txn_log_for(const Row& r) {
  if (!r.txn_log_sync || r.txn_log.empty() || r.peer < r.txn_log.front()) return {};
  return r.txn_log;
}

std::int64_t z(std::int64_t epoch, std::int64_t counter) { return make_zxid(epoch, counter); }

const std::vector<Row> kRows = {
    // testEmptyCommittedLog
    {"EmptyCommittedLog: learner ahead of an empty committed log -> TRUNC to our last", 3, 1, {}, {}, true,
     Mode::trunc, 1, {}, 1},
    {"EmptyCommittedLog: learner already in sync -> empty DIFF", 1, 1, {}, {}, true, Mode::diff, 1, {}, 1},
    {"EmptyCommittedLog: new machine (zxid 0), txn-log sync off -> SNAP", 0, 1, {}, {}, false, Mode::snap},
    // testCommittedLog
    {"CommittedLog: zxid we never saw -> TRUNC to the txn before it, then the rest", 4, 6, {2, 3, 5}, {}, true,
     Mode::trunc, 3, {5}, 5},
    {"CommittedLog: within the committed log -> DIFF", 2, 6, {2, 3, 5}, {}, true, Mode::diff, 5, {3, 5}, 5},
    {"CommittedLog: older than the committed log, txn-log sync off -> SNAP", 1, 6, {2, 3, 5}, {}, false,
     Mode::snap},
    // testTxnLog
    {"TxnLog: zxid we never saw, in the txn log's range -> TRUNC, then txn log and committed log", 4, 9, {6, 7, 8},
     {2, 3, 5, 6, 7, 8, 9}, true, Mode::trunc, 3, {5, 6, 7, 8}, 8},
    {"TxnLog: within the txn log -> DIFF from the txn log, then the committed log", 3, 9, {6, 7, 8},
     {2, 3, 5, 6, 7, 8, 9}, true, Mode::diff, 8, {5, 6, 7, 8}, 8},
    // testTxnLogProposalIteratorClosure: the txn log yields nothing
    {"TxnLogProposalIteratorClosure: the txn log yields nothing -> SNAP", 4, 7, {}, {}, true, Mode::snap},
    // testTxnLogOnly
    {"TxnLogOnly: zxid we never saw -> TRUNC, then the txn log up to our last", 4, 7, {}, {2, 3, 5, 6, 7, 8}, true,
     Mode::trunc, 3, {5, 6, 7}, 7},
    {"TxnLogOnly: within the txn log -> DIFF up to our last", 2, 7, {}, {2, 3, 5, 6, 7, 8}, true, Mode::diff, 7,
     {3, 5, 6, 7}, 7},
    {"TxnLogOnly: older than the txn log -> SNAP", 1, 7, {}, {2, 3, 5, 6, 7, 8}, true, Mode::snap},
    // testTxnLogWithNegativeZxid (epoch 0xf)
    {"TxnLogWithNegativeZxid: zxid we never saw -> TRUNC", z(0xf, 4), z(0xf, 9), {z(0xf, 6), z(0xf, 7), z(0xf, 8)},
     {z(0xf, 2), z(0xf, 3), z(0xf, 5), z(0xf, 6), z(0xf, 7), z(0xf, 8), z(0xf, 9)}, true, Mode::trunc, z(0xf, 3),
     {z(0xf, 5), z(0xf, 6), z(0xf, 7), z(0xf, 8)}, z(0xf, 8)},
    {"TxnLogWithNegativeZxid: within the txn log -> DIFF", z(0xf, 3), z(0xf, 9), {z(0xf, 6), z(0xf, 7), z(0xf, 8)},
     {z(0xf, 2), z(0xf, 3), z(0xf, 5), z(0xf, 6), z(0xf, 7), z(0xf, 8), z(0xf, 9)}, true, Mode::diff, z(0xf, 8),
     {z(0xf, 5), z(0xf, 6), z(0xf, 7), z(0xf, 8)}, z(0xf, 8)},
    // testNewEpochZxid: after the election our last processed zxid is (2, 0)
    {"NewEpochZxid: learner at (0,0), older than every txn we have -> SNAP", z(0, 0), z(2, 0), {z(1, 1), z(1, 2)},
     {z(0, 1), z(1, 1), z(1, 2)}, true, Mode::snap},
    {"NewEpochZxid: learner at (1,0) -> DIFF of epoch 1's txns", z(1, 0), z(2, 0), {z(1, 1), z(1, 2)},
     {z(0, 1), z(1, 1), z(1, 2)}, true, Mode::diff, z(1, 2), {z(1, 1), z(1, 2)}, z(1, 2)},
    {"NewEpochZxid: learner at (2,0) is in sync -> empty DIFF", z(2, 0), z(2, 0), {z(1, 1), z(1, 2)},
     {z(0, 1), z(1, 1), z(1, 2)}, true, Mode::diff, z(2, 0), {}, z(2, 0)},
    // testDuplicatedTxn
    {"DuplicatedTxn: each txn is queued once", z(1, 0), z(2, 0), {z(1, 1), z(1, 2), z(1, 1), z(1, 2)},
     {z(0, 1), z(1, 1), z(1, 2), z(1, 1), z(1, 2)}, true, Mode::diff, z(1, 2), {z(1, 1), z(1, 2)}, z(1, 2)},
    // testCrossEpochTrunc
    {"CrossEpochTrunc: a TRUNC would cross an epoch boundary -> SNAP", z(3, 1), z(6, 0), {},
     {z(1, 1), z(2, 1), z(2, 2), z(4, 1)}, true, Mode::snap},
    // testTxnLogGap
    {"TxnLogGap: the txn log ends before the committed log starts -> SNAP", 3, 8, {7, 8}, {2, 3, 4}, true,
     Mode::snap},
    // zablab: Lab 3's returning old leader
    {"zablab: old leader with an uncommitted txn of its epoch, new epoch has txns -> SNAP", z(1, 3), z(2, 1),
     {z(1, 1), z(1, 2), z(2, 1)}, {}, true, Mode::snap},
    {"zablab: old leader with an uncommitted txn, new epoch has none yet -> TRUNC within its epoch", z(1, 3),
     z(2, 0), {z(1, 1), z(1, 2)}, {}, true, Mode::trunc, z(1, 2), {}, z(1, 2)},
};

}  // namespace

TEST_CASE("sync/plan: every case of ZooKeeper's LearnerHandlerTest decides as ZooKeeper does") {
  for (const Row& r : kRows) {
    INFO(r.name);
    const SyncPlan plan = plan_sync(r.peer, r.last_processed, r.committed_log, txn_log_for(r));
    INFO("why: " << plan.why);
    CHECK(zablab::quorum::sync_mode_name(plan.mode) == std::string(zablab::quorum::sync_mode_name(r.mode)));
    CHECK_FALSE(plan.why.empty());
    if (r.mode == Mode::snap) {
      CHECK(plan.send.empty());
      CHECK(plan.op_zxid == r.last_processed);
      continue;
    }
    CHECK(plan.op_zxid == r.op_zxid);
    CHECK(plan.send == r.send);
    CHECK(plan.forwarded_from == r.forwarded_from);
  }
  CHECK(kRows.size() == 22);  // 20 of LearnerHandlerTest's cases (all ten tests), 2 of ours
}
