// How a leader brings a learner up to date: the decision of ZooKeeper 3.8's
// LearnerHandler.syncFollower and queueCommittedProposals, as a pure function so that
// ZooKeeper's own test cases (LearnerHandlerTest) can be rows of a table (tests/unit).
//
// Inputs are zxids only: the learner's last logged zxid, the leader's last processed zxid, its
// in-memory committed log (the last 500 committed txns, commitLogCount) and, when the learner is
// older than that, the txns of its on-disk log from the learner's zxid on (txnLogSyncEnabled;
// empty when the log does not reach back that far or the txns would exceed the size limit).
//
// - DIFF: the learner's zxid is one of ours (or the first of a new epoch): send what follows.
// - TRUNC: the learner has txns we never committed, all in the epoch of our next txn after its
//   last shared one: it cuts its log back to `op_zxid`, then gets what follows.
//   ZooKeeper never asks for a TRUNC across an epoch boundary (the learner could not do it); that
//   case, a returning old leader with uncommitted txns of its own epoch, gets SNAP.
// - SNAP: everything else (too far behind, or the cross-epoch case).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace zablab::quorum {

struct SyncPlan {
  enum class Mode { diff, trunc, snap };
  Mode mode = Mode::snap;
  std::int64_t op_zxid = 0;         // the DIFF / TRUNC / SNAP packet's zxid
  std::vector<std::int64_t> send;   // committed txns to send as PROPOSAL+COMMIT, in order
  std::int64_t forwarded_from = 0;  // the learner has everything up to this (startForwarding)
  std::string why;                  // for the log: which rule decided
};

const char* sync_mode_name(SyncPlan::Mode m);  // "DIFF", "TRUNC", "SNAP"

SyncPlan plan_sync(std::int64_t peer_last_zxid, std::int64_t last_processed_zxid,
                   const std::vector<std::int64_t>& committed_log, const std::vector<std::int64_t>& txn_log = {});

}  // namespace zablab::quorum
