// Zab's synchronization, the leader's side (ZooKeeper's LearnerHandler.syncFollower,
// queueCommittedProposals, ZKDatabase.getProposalsFromTxnLog; Leader.waitForNewLeaderAck): each
// learner gets a DIFF, TRUNC or SNAP (sync_plan.h), the proposals still in flight, then NEWLEADER;
// a quorum of NEWLEADER ACKs establishes the epoch and UPTODATE lets the learners serve.
#include "core/data/txn.h"
#include "core/env/json_object.h"
#include "core/persist/recovery.h"
#include "core/persist/snapshot_stream.h"
#include "core/quorum/quorum_peer.h"
#include "core/quorum/sync_plan.h"
#include "core/util/hex.h"

namespace zablab::quorum {

void QuorumPeer::sync_learner(Learner& l) {
  const std::int64_t peer = l.last_zxid;
  const std::int64_t mine = tree_.last_processed_zxid();
  // ZooKeeper's committed log: the last commitLogCount txns in memory; older ones come from the
  // on-disk log when the learner is behind that (plan_sync, sync_plan.h).
  constexpr std::size_t kCommitLogCount = 500;
  std::map<std::int64_t, std::string_view> bytes_of;
  std::vector<std::int64_t> committed;
  for (std::size_t i = history_.size() > kCommitLogCount ? history_.size() - kCommitLogCount : 0; i < history_.size(); ++i) {
    committed.push_back(history_[i].first);
    bytes_of.emplace(history_[i].first, history_[i].second);
  }
  std::vector<persist::LogEntry> from_disk;
  std::vector<std::int64_t> txn_log;
  if (persistent_ && !committed.empty() && peer < committed.front()) from_disk = txn_log_from(peer);
  for (const auto& e : from_disk) {
    txn_log.push_back(e.zxid);
    bytes_of.emplace(e.zxid, e.txn);
  }
  const SyncPlan plan = plan_sync(peer, mine, committed, txn_log);
  const std::string mode = sync_mode_name(plan.mode);
  switch (plan.mode) {
    case SyncPlan::Mode::diff: send_packet(l.sid, packet::diff, plan.op_zxid); break;
    case SyncPlan::Mode::trunc: send_packet(l.sid, packet::trunc, plan.op_zxid); break;
    case SyncPlan::Mode::snap:
      send_packet(l.sid, packet::snap, plan.op_zxid);
      send_snapshot(l.sid);
      break;
  }
  for (const std::int64_t z : plan.send) {
    send_packet(l.sid, packet::proposal, z, std::string(bytes_of.at(z)));
    send_packet(l.sid, packet::commit, z);
  }
  // Proposals still in flight (startForwarding): the learner logs them now; their COMMITs come as
  // for everyone.
  if (!l.observer)
    for (const auto& [z, p] : outstanding_)
      if (z > plan.forwarded_from) send_packet(l.sid, packet::proposal, z, p.bytes);
  send_packet(l.sid, packet::newleader, make_zxid(new_epoch_, 0), election_.config_text());
  l.stage = Learner::Stage::newleader_sent;
  // As ZooKeeper's LearnerHandler, the choice is logged where an operator looks.
  env_.log(LogLevel::info, "syncing learner " + std::to_string(l.sid) + " by " + mode + " (its last zxid " + util::hex(peer) +
                               ", ours " + util::hex(mine) + "): " + plan.why);
  env_.trace({EventKind::zab_sync,
              JsonObject().num("sid", l.sid).str("mode", mode).hex("peer_zxid", peer).hex("leader_zxid", mine).done()});
}

std::vector<persist::LogEntry> QuorumPeer::txn_log_from(std::int64_t peer) {
  // ZooKeeper's getProposalsFromTxnLog: the logged txns from the learner's own zxid on, or none
  // if the log does not reach back to it or they would exceed snapshotSizeFactor (0.33) of the
  // snapshot's size (sending a snapshot is then cheaper). The tree's size stands in for the
  // snapshot file's.
  constexpr double kSnapshotSizeFactor = 0.33;
  std::vector<persist::LogEntry> entries = persist::read_log_entries(env_.disk(), config_.log_dir(), peer - 1);
  if (entries.empty() || entries.front().zxid > peer) return {};
  std::size_t bytes = 0;
  for (const auto& e : entries) bytes += e.txn.size();
  if (static_cast<double>(bytes) > kSnapshotSizeFactor * static_cast<double>(tree_.approximate_data_size())) return {};
  return entries;
}

void QuorumPeer::send_snapshot(std::int64_t sid) {
  jute::Writer w;
  w.raw(persist::serialize_snapshot_body(tree_));
  w.bytes(persist::kSnapshotSignature);
  const std::string_view stream = w.data();
  for (std::size_t at = 0; at < stream.size(); at += kSnapshotPiece)
    env_.peer_send(sid, PeerChannel::quorum, std::string(stream.substr(at, kSnapshotPiece)));
}

void QuorumPeer::on_newleader_ack(Learner& l) {
  l.sync_limit.start();  // its sync is over: from now on its ACKs must keep up
  if (established_) {
    send_packet(l.sid, packet::uptodate, -1);
    l.stage = Learner::Stage::up_to_date;
    return;
  }
  if (!l.observer) newleader_acks_.insert(l.sid);
  l.stage = Learner::Stage::up_to_date;  // UPTODATE goes out when we establish
  maybe_establish();
}

void QuorumPeer::maybe_establish() {
  if (established_ || !newleader_acks_.count(id())) return;
  std::size_t acked = 0;
  for (std::int64_t sid : newleader_acks_) acked += is_voter(sid) ? 1 : 0;
  if (!quorum(acked)) return;
  // A quorum has our history: the epoch is established and we serve.
  established_ = true;
  last_zxid_ = make_zxid(new_epoch_, 0);
  vote_.peer_epoch = new_epoch_;  // ZooKeeper's updateElectionVote: what we answer late voters
  for (auto& [sid, l] : learners_)
    if (l.stage == Learner::Stage::up_to_date) send_packet(sid, packet::uptodate, -1);
  // Sessions get fresh deadlines under a new leader: their clients may be reconnecting.
  for (const auto& [sid, s] : std::map<std::int64_t, server::Session>(sessions_.sessions()))
    sessions_.add(sid, s.timeout_ms, env_.now_ms());
  arm_session_timer();
  serving_ = true;
  set_phase(Phase::broadcast);
  env_.trace({EventKind::zab_established, JsonObject().num("epoch", new_epoch_).done()});
  env_.log(LogLevel::info, "leader " + std::to_string(id()) + ": epoch " + std::to_string(new_epoch_) +
                               " established with " + std::to_string(acked) + " voters");
}

}  // namespace zablab::quorum
