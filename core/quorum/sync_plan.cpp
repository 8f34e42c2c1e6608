#include "core/quorum/sync_plan.h"

#include <optional>

#include "core/quorum/messages.h"
#include "core/util/hex.h"

namespace zablab::quorum {
namespace {

// The walk of LearnerHandler.queueCommittedProposals over one source of committed txns: decides
// the op packet at the first txn that is not older than the learner's, then queues what follows.
class Walk {
 public:
  explicit Walk(SyncPlan& plan) : plan_(plan) {}

  bool need_op = true;

  // Returns the last zxid queued (or the learner's, if none).
  std::int64_t queue(const std::vector<std::int64_t>& source, std::int64_t peer, std::optional<std::int64_t> max_zxid,
                     std::int64_t last_committed) {
    const bool peer_new_epoch = counter_of(peer) == 0;
    std::int64_t queued = peer;
    std::int64_t previous = -1;
    for (const std::int64_t z : source) {
      if (max_zxid && z > *max_zxid) break;
      if (z < peer) {
        previous = z;
        continue;
      }
      if (need_op) {
        if (z == peer) {  // the learner's last txn is ours: send what follows
          op(SyncPlan::Mode::diff, last_committed);
          continue;
        }
        if (peer_new_epoch) {
          op(SyncPlan::Mode::diff, last_committed);
        } else if (z > peer) {
          if (epoch_of(z) != epoch_of(peer)) {
            // The learner's txns after `previous` were never committed, and cutting them off
            // would cross an epoch boundary: ZooKeeper sends a snapshot instead.
            plan_.why = "its last zxid " + util::hex(peer) + " is from another epoch than our next txn " +
                        util::hex(z) + " (no TRUNC across epochs)";
            return queued;
          }
          op(SyncPlan::Mode::trunc, previous);
        }
      }
      if (z <= queued) continue;  // already there, or a duplicate in the source
      plan_.send.push_back(z);
      queued = z;
    }
    if (need_op && peer_new_epoch) op(SyncPlan::Mode::diff, last_committed);
    return queued;
  }

  void op(SyncPlan::Mode mode, std::int64_t zxid) {
    plan_.mode = mode;
    plan_.op_zxid = zxid;
    need_op = false;
  }

 private:
  SyncPlan& plan_;
};

}  // namespace

const char* sync_mode_name(SyncPlan::Mode m) {
  switch (m) {
    case SyncPlan::Mode::diff: return "DIFF";
    case SyncPlan::Mode::trunc: return "TRUNC";
    case SyncPlan::Mode::snap: return "SNAP";
  }
  return "SNAP";
}

SyncPlan plan_sync(std::int64_t peer, std::int64_t last_processed, const std::vector<std::int64_t>& committed_log,
                   const std::vector<std::int64_t>& txn_log) {
  SyncPlan plan;
  Walk walk(plan);
  const bool peer_new_epoch = counter_of(peer) == 0;
  const std::int64_t min_committed = committed_log.empty() ? last_processed : committed_log.front();
  const std::int64_t max_committed = committed_log.empty() ? last_processed : committed_log.back();
  std::int64_t current = peer;
  bool need_snap = true;

  if (last_processed == peer) {
    walk.op(SyncPlan::Mode::diff, peer);
    need_snap = false;
    plan.why = "it has our last txn";
  } else if (peer > max_committed && !peer_new_epoch) {
    walk.op(SyncPlan::Mode::trunc, max_committed);
    current = max_committed;
    need_snap = false;
    plan.why = "it is ahead of our committed log";
  } else if (max_committed >= peer && min_committed <= peer) {
    current = walk.queue(committed_log, peer, std::nullopt, max_committed);
    need_snap = false;
    if (plan.why.empty()) plan.why = "its last zxid is within our committed log";
  } else if (peer < min_committed && !txn_log.empty()) {
    current = walk.queue(txn_log, peer, min_committed, max_committed);
    if (current < min_committed) {
      // The on-disk log ends before the committed log starts: a gap only a snapshot fills.
      plan.send.clear();
      walk.need_op = true;
      plan.why = "a gap between our txn log and our committed log";
    } else {
      current = walk.queue(committed_log, current, std::nullopt, max_committed);
      need_snap = false;
      if (plan.why.empty()) plan.why = "its last zxid is in our txn log";
    }
  } else if (plan.why.empty()) {
    plan.why = "it is older than our logs reach";
  }
  // queueCommittedProposals left without an op packet (the cross-epoch case): as ZooKeeper,
  // fall back to a snapshot.
  if (walk.need_op) need_snap = true;
  if (need_snap) {
    plan.mode = SyncPlan::Mode::snap;
    plan.op_zxid = last_processed;
    plan.send.clear();
    current = last_processed;
  }
  plan.forwarded_from = current;
  return plan;
}

}  // namespace zablab::quorum
