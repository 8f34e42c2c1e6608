// Zab's synchronization, a learner's side, as ZooKeeper 3.8.5's Learner.syncWithLeader: DIFF,
// TRUNC or SNAP; the proposals and COMMITs of the sync held (or, before NEWLEADER of a SNAP or
// TRUNC, applied in memory); NEWLEADER: snapshot, log and fsync, currentEpoch, ACK; UPTODATE:
// ACK, the held proposals logged and ACKed, the held COMMITs applied, and we serve.
#include "core/data/txn.h"
#include "core/env/json_object.h"
#include "core/persist/disk_layout.h"
#include "core/persist/recovery.h"
#include "core/quorum/quorum_peer.h"
#include "core/quorum/zab_invariants.h"
#include "core/util/hex.h"
#include "core/util/log_text.h"

namespace zablab::quorum {

void QuorumPeer::on_trunc(std::int64_t zxid) {
  // Our log holds txns the new leader never committed: cut them off and rebuild from disk.
  env_.trace({EventKind::zab_trunc, JsonObject().hex("zxid", zxid).hex("from", last_logged_zxid()).done()});
  if (const auto breach = invariants::trunc_keeps_committed(zxid, committed_zxid_)) {
    // The leader would take a committed txn from us: refuse, keep what we have, look again.
    trace_breach(*breach);
    env_.log(LogLevel::error, util::describe(*breach) + "; refusing the TRUNC from leader " + std::to_string(*leader_));
    go_looking("refused a TRUNC to " + util::hex(zxid));
    return;
  }
  committed_before_sync_ = committed_zxid_;
  pending_.clear();
  acks_owed_.clear();
  unsynced_.clear();
  not_logged_.clear();
  commits_held_.clear();
  if (persistent_) {
    persist::truncate_after(env_.disk(), config_.data_dir, config_.log_dir(), zxid);
    log_cut_back_to(zxid);
    if (bugs_.keep_db_after_trunc) {
      // ZOOKEEPER-2845: the log is cut, the database in memory is not: what was never committed
      // stays visible to our clients, until a restart reloads it.
      current_log_.clear();
      return;
    }
    reload_from_disk();
  }
  if (tree_.last_processed_zxid() != zxid) {
    env_.log(LogLevel::error, "TRUNC to " + util::hex(zxid) + " left us at " + util::hex(tree_.last_processed_zxid()));
    go_looking("cannot truncate to " + util::hex(zxid));
  }
}

void QuorumPeer::on_snap(const jute::QuorumPacket& p) {
  // The leader's whole tree replaces ours. It follows this packet on the stream, in pieces
  // (on_snapshot_bytes); what we had on disk is superseded once the new snapshot is durable.
  pending_.clear();
  acks_owed_.clear();
  unsynced_.clear();
  not_logged_.clear();
  commits_held_.clear();
  snapshot_in_.emplace(config_.extended_types_enabled, true, 0, config_.max_buffer * 2);
  snapshot_zxid_ = p.zxid;
}

std::size_t QuorumPeer::on_snapshot_bytes(std::string_view bytes) {
  last_leader_contact_ms_ = env_.now_ms();
  std::size_t used = 0;
  try {
    used = snapshot_in_->feed(bytes);
    if (!snapshot_in_->done()) return used;
  } catch (const persist::SnapshotError& e) {
    snapshot_in_.reset();
    go_looking(std::string("bad SNAP from the leader: ") + util::loggable(e.what()));
    return bytes.size();
  }
  data::DataTree fresh = snapshot_in_->take_tree(snapshot_zxid_);
  snapshot_in_.reset();
  install_snapshot(std::move(fresh));
  return used;  // what follows the signature is packets again (NEWLEADER, ...)
}

void QuorumPeer::install_snapshot(data::DataTree fresh) {
  tree_ = std::move(fresh);
  const std::int64_t zxid = tree_.last_processed_zxid();
  sessions_ = server::SessionTracker(config_.server_id, config_.tick_time_ms, env_.wall_ms());
  for (const auto& [sid, timeout] : tree_.sessions()) sessions_.add(sid, timeout, env_.now_ms());
  last_zxid_ = zxid;
  history_.clear();
  committed_before_sync_ = committed_zxid_;
  committed_zxid_ = zxid;
  env_.trace({EventKind::zab_snap,
              JsonObject().hex("zxid", zxid).num("nodes", static_cast<std::int64_t>(tree_.node_count())).done()});
  if (!persistent_) return;
  // In memory only until NEWLEADER (snapshot_synced_tree), as ZooKeeper's learner: nothing of
  // our log counts any more, and the next txn starts a new log.
  tree_ahead_of_disk_ = true;
  if (snapshot_) cancel_snapshot("a SNAP replaced the tree");
  log_cut_back_to(zxid);
  current_log_.clear();
}

void QuorumPeer::snapshot_synced_tree() {
  tree_ahead_of_disk_ = false;
  if (!persistent_) return;
  // After a SNAP the snapshot supersedes every file we had (our log may hold txns of another
  // epoch above the snapshot's zxid); they go once it is durable.
  std::vector<std::string> old;
  if (sync_mode_ == SyncMode::snap) {
    const std::string snapshot = persist::version_dir(config_.data_dir) + "/" +
                                 persist::zxid_file_name("snapshot", tree_.last_processed_zxid());
    old = persist::superseded_files(env_.disk(), config_.data_dir, config_.log_dir(), snapshot);
  }
  take_snapshot();
  if (old.empty()) return;
  after_disk([this, old] {
    for (const auto& f : old) env_.disk().remove(f);
  });
}

std::int64_t QuorumPeer::last_received_zxid() const {
  std::int64_t z = last_logged_zxid();
  if (!not_logged_.empty()) z = std::max(z, not_logged_.back().zxid());
  return z;
}

void QuorumPeer::on_sync_commit(std::int64_t zxid) {
  if (!sync_applies_in_memory()) {
    commits_held_.push_back(zxid);  // applied after UPTODATE, once its proposal is logged
    return;
  }
  // A SNAP or TRUNC sync before NEWLEADER: applied in memory, NEWLEADER's snapshot keeps it.
  if (zxid <= tree_.last_processed_zxid()) return;
  if (not_logged_.empty() || not_logged_.front().zxid() != zxid) {
    env_.log(LogLevel::warn, "Committing " + util::hex(zxid) + ", but next proposal is " +
                                 (not_logged_.empty() ? std::string("none") : util::hex(not_logged_.front().zxid())));
    return;
  }
  data::Txn txn = std::move(not_logged_.front());
  not_logged_.erase(not_logged_.begin());
  tree_ahead_of_disk_ = true;
  apply_committed(txn);
}

void QuorumPeer::on_sync_inform(data::Txn txn) {
  if (sync_applies_in_memory()) {
    tree_ahead_of_disk_ = true;
    apply_committed(txn);
    return;
  }
  commits_held_.push_back(txn.zxid());  // logged and applied after UPTODATE
  not_logged_.push_back(std::move(txn));
}

void QuorumPeer::on_newleader(const jute::QuorumPacket& p) {
  // ZooKeeper 3.8.5's order (Learner.syncWithLeader, ZOOKEEPER-4643/4646 fixed), which keeps
  // committed txns: a SNAP or TRUNC sync's tree to a snapshot, then log what the sync brought,
  // fsync it, only then take the new epoch as current, then ACK. The ACK promises the leader
  // that its history is on our disk. ZOOKEEPER-3911, -4643 and -4646 each broke one link.
  const std::int64_t epoch = epoch_of(p.zxid);
  const std::int64_t leader = *leader_;
  learner_stage_ = LearnerStage::synced;
  newleader_acked_ = false;
  if (sync_mode_ != SyncMode::diff) snapshot_synced_tree();
  auto still_ours = [this, leader] { return leader_ && *leader_ == leader; };
  auto write_current_epoch = [this, epoch] {
    if (persist_epoch("currentEpoch", epoch)) current_epoch_ = epoch;
  };
  if (bugs_.log_diff_after_uptodate) {
    // ZOOKEEPER-3911: epoch and ACK now, the txns only once UPTODATE comes.
    write_current_epoch();
    after_disk([this, still_ours, leader, zxid = p.zxid] {
      if (!still_ours()) return;
      persistence_point("after-current-epoch");
      send_newleader_ack(leader, zxid);
    });
    return;
  }
  if (bugs_.epoch_before_log) {
    // ZOOKEEPER-4643: currentEpoch first; a crash before the fsync leaves a new epoch over an old log.
    write_current_epoch();
    after_disk([this, still_ours, leader, zxid = p.zxid] {
      if (!still_ours()) return;
      persistence_point("after-current-epoch");
      log_sync_proposals();
      persistence_point("before-log-sync");
      request_sync();
      after_disk([this, still_ours, leader, zxid] {
        if (!still_ours()) return;
        persistence_point("after-log-sync");
        send_newleader_ack(leader, zxid);
      });
    });
    return;
  }
  if (bugs_.ack_newleader_before_fsync) {
    // ZOOKEEPER-4646: the txns are handed to an asynchronous logger, and the ACK does not wait
    // for it: here the logger gets to them right after the ACK.
    write_current_epoch();
    after_disk([this, still_ours, leader, zxid = p.zxid] {
      if (!still_ours()) return;
      persistence_point("after-current-epoch");
      send_newleader_ack(leader, zxid);
      log_sync_proposals();
      persistence_point("before-log-sync");
      request_sync();
      after_disk([this, still_ours] {
        if (still_ours()) persistence_point("after-log-sync");
      });
    });
    return;
  }
  log_sync_proposals();
  persistence_point("before-log-sync");
  request_sync();
  after_disk([this, still_ours, leader, write_current_epoch, zxid = p.zxid] {
    if (!still_ours()) return;
    persistence_point("after-log-sync");
    write_current_epoch();
    after_disk([this, still_ours, leader, zxid] {
      if (!still_ours()) return;
      persistence_point("after-current-epoch");
      send_newleader_ack(leader, zxid);
    });
  });
}

void QuorumPeer::log_sync_proposals() {
  // An observer logs nothing here: ZooKeeper's ObserverZooKeeperServer logs and applies the
  // sync's txns after UPTODATE.
  if (state_ != PeerState::following) return;
  std::vector<data::Txn> txns = std::move(not_logged_);
  not_logged_.clear();
  for (auto& txn : txns) {
    const std::int64_t zxid = txn.zxid();
    pending_[zxid] = txn;
    acks_after_uptodate_.push_back(zxid);
    if (!log_proposal(std::move(txn))) return;
  }
}

void QuorumPeer::send_newleader_ack(std::int64_t leader, std::int64_t zxid) {
  send_packet(leader, packet::ack, zxid);
  persistence_point("after-ack-newleader");
  newleader_acked_ = true;
  if (uptodate_waiting_) {
    uptodate_waiting_ = false;
    on_uptodate();
  }
}

void QuorumPeer::on_uptodate() {
  if (learner_stage_ == LearnerStage::synced && !newleader_acked_) {
    uptodate_waiting_ = true;  // handled once NEWLEADER's ACK is out (send_newleader_ack)
    return;
  }
  learner_stage_ = LearnerStage::up_to_date;
  // As ZooKeeper's Learner.syncWithLeader: an ACK of the epoch's first zxid says we serve (the
  // leader ignores it: counter 0); our vote takes the new epoch (updateElectionVote).
  send_packet(*leader_, packet::ack, make_zxid(current_epoch_, 0));
  vote_.peer_epoch = current_epoch_;
  finish_sync();
  if (!leader_) return;  // a COMMIT without its proposal sent us back to LOOKING
  serving_ = true;
  set_phase(Phase::broadcast);
  env_.trace({EventKind::zab_uptodate, JsonObject().num("leader", *leader_).done()});
}

void QuorumPeer::finish_sync() {
  std::vector<data::Txn> txns = std::move(not_logged_);
  std::vector<std::int64_t> commits = std::move(commits_held_);
  std::vector<std::int64_t> acks = std::move(acks_after_uptodate_);
  not_logged_.clear();
  commits_held_.clear();
  acks_after_uptodate_.clear();
  if (state_ == PeerState::observing) {
    // Each held txn with its COMMIT (or INFORM) is logged and applied; one without is skipped.
    std::size_t next = 0;
    for (auto& txn : txns) {
      if (next >= commits.size() || commits[next] != txn.zxid()) {
        env_.log(LogLevel::warn, "Committing " + (next < commits.size() ? util::hex(commits[next]) : std::string("none")) +
                                     ", but next proposal is " + util::hex(txn.zxid()));
        continue;
      }
      ++next;
      log_txn(txn);
      apply_committed(txn);
    }
    return;
  }
  // The proposals NEWLEADER logged are durable (its ACK waited for the fsync); with
  // ZOOKEEPER-4646 one may not be yet, and is ACKed once it is.
  std::set<std::int64_t> not_durable;
  for (const auto& t : unsynced_) not_durable.insert(t.zxid());
  for (const std::int64_t zxid : acks) {
    if (not_durable.count(zxid)) {
      acks_owed_.insert(zxid);
    } else {
      send_packet(*leader_, packet::ack, zxid);
    }
  }
  // What came after NEWLEADER (with ZOOKEEPER-3911, all of the sync) is logged now, and ACKed
  // once durable; then the held COMMITs apply, in order.
  for (auto& txn : txns) {
    pending_[txn.zxid()] = txn;
    acks_owed_.insert(txn.zxid());
    if (!log_proposal(std::move(txn))) return;
  }
  for (const std::int64_t zxid : commits) {
    commit_pending(zxid);
    if (!leader_) return;
  }
}

}  // namespace zablab::quorum
