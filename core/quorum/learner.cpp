// A learner's side of Zab (follower or observer): connect to the elected leader (FOLLOWERINFO /
// OBSERVERINFO), accept its epoch (ACKEPOCH), take its history (DIFF, TRUNC or SNAP, then
// NEWLEADER), serve after UPTODATE; then log and ACK each PROPOSAL and apply it on COMMIT (or apply
// each INFORM, as an observer), forward writes and syncs to the leader, and answer its PINGs.
#include "core/data/txn.h"
#include "core/jute/codes.h"
#include "core/persist/disk_layout.h"
#include "core/persist/recovery.h"
#include "core/quorum/quorum_peer.h"
#include "core/util/hex.h"
#include "core/util/log_text.h"

namespace zablab::quorum {

void QuorumPeer::become_learner(std::int64_t leader) {
  const bool observer = !is_voter(id());
  change_state(observer ? PeerState::observing : PeerState::following, Phase::discovery,
               "leader is " + std::to_string(leader));
  learner_stage_ = LearnerStage::connecting;
  sync_mode_ = SyncMode::none;
  newleader_acked_ = false;
  uptodate_waiting_ = false;
  // We follow: whoever asked us to lead must find the leader (closing tells them at once).
  for (const auto& [sid, info] : early_learners_) close_quorum(sid);
  early_learners_.clear();
  last_leader_contact_ms_ = env_.now_ms();
  connect_attempts_ = 0;
  send_learner_info();
}

void QuorumPeer::send_learner_info() {
  // Once per connection: ZooKeeper's LearnerHandler takes the packet after it for ACKEPOCH.
  ++connect_attempts_;
  jute::Writer info;
  jute::write(info, jute::LearnerInfo{id(), kProtocolVersion, 0});
  send_packet(*leader_, is_voter(id()) ? packet::followerinfo : packet::observerinfo, make_zxid(accepted_epoch_, 0),
              info.take());
}

void QuorumPeer::learner_packet(const jute::QuorumPacket& p) {
  last_leader_contact_ms_ = env_.now_ms();
  switch (p.type) {
    case packet::leaderinfo:
      on_leaderinfo(p);
      break;
    case packet::diff:
      set_phase(Phase::synchronization);
      sync_mode_ = SyncMode::diff;
      break;
    case packet::trunc:
      set_phase(Phase::synchronization);
      sync_mode_ = SyncMode::trunc;
      on_trunc(p.zxid);
      break;
    case packet::snap:
      set_phase(Phase::synchronization);
      sync_mode_ = SyncMode::snap;
      on_snap(p);
      break;
    case packet::proposal:
      on_proposal(p);
      break;
    case packet::commit:
      on_commit(p.zxid);
      break;
    case packet::inform:
      on_inform(p);
      break;
    case packet::newleader:
      on_newleader(p);
      break;
    case packet::uptodate:
      on_uptodate();
      break;
    case packet::ping: {
      // Tell the leader which of our clients' sessions are alive.
      jute::Writer w;
      for (const auto& [sid, timeout] : touched_) {
        w.i64(sid);
        w.i32(timeout);
      }
      touched_.clear();
      send_packet(*leader_, packet::ping, p.zxid, w.take());
      break;
    }
    case packet::sync:
      on_leader_sync();
      break;
    case packet::revalidate:
      on_revalidate_answer(p);
      break;
    default:
      env_.log(LogLevel::warn, "learner: unexpected " + std::string(packet_name(p.type)));
  }
}

void QuorumPeer::on_leaderinfo(const jute::QuorumPacket& p) {
  const std::int64_t epoch = epoch_of(p.zxid);
  if (epoch < accepted_epoch_) {
    go_looking("leader proposed epoch " + std::to_string(epoch) + " below our accepted " +
               std::to_string(accepted_epoch_));
    return;
  }
  // -1 tells the leader we had already accepted this epoch (from an earlier attempt).
  const std::int32_t reported = epoch == accepted_epoch_ ? -1 : static_cast<std::int32_t>(current_epoch_);
  if (epoch > accepted_epoch_) {
    accepted_epoch_ = epoch;
    persist_epoch("acceptedEpoch", accepted_epoch_);
  }
  after_disk([this, leader = *leader_, reported] {
    if (!leader_ || *leader_ != leader || learner_stage_ != LearnerStage::connecting) return;
    persistence_point("after-accepted-epoch");
    jute::Writer w;
    w.i32(reported);
    send_packet(leader, packet::ackepoch, last_logged_zxid(), w.take());
    learner_stage_ = LearnerStage::epoch_acked;
  });
}

void QuorumPeer::on_trunc(std::int64_t zxid) {
  // Our log holds txns the new leader never committed: cut them off and rebuild from disk.
  env_.trace({"zab.trunc", "{\"zxid\":\"" + util::hex(zxid) + "\",\"from\":\"" + util::hex(last_logged_zxid()) + "\"}"});
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
  env_.trace({"zab.snap", "{\"zxid\":\"" + util::hex(zxid) + "\",\"nodes\":" + std::to_string(tree_.node_count()) + "}"});
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

void QuorumPeer::on_proposal(const jute::QuorumPacket& p) {
  data::Txn txn;
  try {
    txn = data::decode_txn(p.data.value_or(""));
  } catch (const jute::DecodeError& e) {
    go_looking(std::string("undecodable PROPOSAL: ") + util::loggable(e.what()));
    return;
  }
  if (txn.zxid() <= last_received_zxid()) return;  // already have it (a resent DIFF)
  // While the leader syncs us its proposals wait: NEWLEADER logs those before it, UPTODATE
  // those after it (Learner.syncWithLeader's packetsNotCommitted).
  if (syncing()) {
    not_logged_.push_back(std::move(txn));
    return;
  }
  pending_[txn.zxid()] = txn;
  acks_owed_.insert(txn.zxid());
  log_txn(std::move(txn));  // ACK once durable (on_logged)
}

std::int64_t QuorumPeer::last_received_zxid() const {
  std::int64_t z = last_logged_zxid();
  if (!not_logged_.empty()) z = std::max(z, not_logged_.back().zxid());
  return z;
}

void QuorumPeer::on_inform(const jute::QuorumPacket& p) {
  // An observer is told only of committed txns.
  data::Txn txn;
  try {
    txn = data::decode_txn(p.data.value_or(""));
  } catch (const jute::DecodeError& e) {
    go_looking(std::string("undecodable INFORM: ") + util::loggable(e.what()));
    return;
  }
  if (syncing()) {
    if (sync_applies_in_memory()) {
      tree_ahead_of_disk_ = true;
      commit(txn);
      return;
    }
    commits_held_.push_back(txn.zxid());  // logged and applied after UPTODATE
    not_logged_.push_back(std::move(txn));
    return;
  }
  log_txn(txn);
  commit(txn);
}

void QuorumPeer::on_commit(std::int64_t zxid) {
  if (!syncing()) {
    commit_pending(zxid);
    return;
  }
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
  commit(txn);
}

void QuorumPeer::commit_pending(std::int64_t zxid) {
  if (zxid <= tree_.last_processed_zxid()) return;
  if (pending_.empty() || pending_.begin()->first != zxid) {
    go_looking("COMMIT " + util::hex(zxid) + " but the next pending proposal is " +
               (pending_.empty() ? std::string("none") : util::hex(pending_.begin()->first)));
    return;
  }
  data::Txn txn = std::move(pending_.begin()->second);
  pending_.erase(pending_.begin());
  commit(txn);
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
    current_epoch_ = epoch;
    persist_epoch("currentEpoch", current_epoch_);
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
    log_txn(std::move(txn));
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
  env_.trace({"zab.uptodate", "{\"leader\":" + std::to_string(*leader_) + "}"});
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
      commit(txn);
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
    log_txn(std::move(txn));
  }
  for (const std::int64_t zxid : commits) {
    commit_pending(zxid);
    if (!leader_) return;
  }
}

void QuorumPeer::on_leader_sync() {
  if (forwarded_syncs_.empty()) return;
  SyncWaiter w = forwarded_syncs_.front();
  forwarded_syncs_.pop_front();
  w.learner = 0;
  complete_sync(w);
}

void QuorumPeer::learner_tick() {
  const std::int64_t now = env_.now_ms();
  const std::int64_t limit_ticks = learner_stage_ == LearnerStage::up_to_date ? config_.sync_limit : config_.init_limit;
  const std::int64_t limit = limit_ticks * config_.tick_time_ms;
  if (learner_stage_ != LearnerStage::up_to_date && now - role_since_ms_ > limit) {
    go_looking("not synced with leader " + std::to_string(*leader_) + " within initLimit");
  } else if (now - last_leader_contact_ms_ > limit) {
    go_looking("leader " + std::to_string(*leader_) + " silent for " + std::to_string(now - last_leader_contact_ms_) + " ms");
  }
}

bool QuorumPeer::retry_leader_connection() {
  // The leader's learner port refused us or broke before it answered: it may not lead yet (it
  // opens that port only once elected). ZooKeeper's Learner.connectToLeader tries 5 times, 100 ms
  // apart (leaderConnectDelayDuringRetryMs), then looks for a leader again.
  constexpr int kConnectTries = 5;
  constexpr std::int64_t kRetryDelayMs = 100;
  if (learner_stage_ != LearnerStage::connecting || connect_attempts_ >= kConnectTries) return false;
  connect_retry_timer_ = env_.set_timer(kRetryDelayMs);
  return true;
}

void QuorumPeer::forward(std::int32_t type, std::int64_t session, std::int32_t xid, std::string_view body,
                         const data::Identities& identities) {
  jute::Writer w;
  w.i64(session);
  w.i32(xid);
  w.i32(type);
  w.raw(body);
  send_packet(*leader_, packet::request, -1, w.take(), identities);
}

void QuorumPeer::submit_new_session(Connection& c, std::int64_t sid, std::int32_t timeout_ms) {
  if (state_ == PeerState::leading) {
    ServerCore::submit_new_session(c, sid, timeout_ms);
    return;
  }
  jute::Writer w;
  w.i32(timeout_ms);
  forward(op::create_session, sid, 0, w.data(), c.identities);
}

void QuorumPeer::revalidate_session(Connection& c, std::int64_t sid, std::int32_t timeout_ms) {
  if (state_ == PeerState::leading || !leader_) {
    ServerCore::revalidate_session(c, sid, timeout_ms);
    return;
  }
  // Only the leader knows whether a session is alive (it expires them): ask it, as ZooKeeper's
  // Learner.validateSession does. The leader touches the session and answers (sid, valid).
  revalidating_[sid] = c.id;
  jute::Writer w;
  w.i64(sid);
  w.i32(timeout_ms);
  env_.trace({"zab.revalidate", "{\"session\":\"" + util::hex(sid) + "\"}"});
  send_packet(*leader_, packet::revalidate, -1, w.take());
}

void QuorumPeer::on_revalidate_answer(const jute::QuorumPacket& p) {
  std::int64_t sid = 0;
  bool valid = false;
  try {
    const std::string data = p.data.value_or("");
    jute::Reader r(data);
    sid = r.i64();
    valid = r.boolean();
  } catch (const jute::DecodeError& e) {
    env_.log(LogLevel::warn, std::string("learner: undecodable REVALIDATE: ") + util::loggable(e.what()));
    return;
  }
  const auto it = revalidating_.find(sid);
  if (it == revalidating_.end()) return;  // its client went away meanwhile
  const ConnId conn = it->second;
  revalidating_.erase(it);
  finish_reconnect(conn, sid, valid);
}

void QuorumPeer::submit_write(Connection& c, Pending& p) {
  if (p.type == op::sync) {
    p.submitted = true;
    std::string path;
    try {
      path = jute::decode<jute::SyncRequest>(p.body).path;
    } catch (const jute::DecodeError&) {
      ServerCore::submit_write(c, p);  // answers MarshallingError
      return;
    }
    SyncWaiter w{0, 0, c.session_id, p.xid, path};
    if (state_ == PeerState::leading) {
      // Everything proposed so far must commit before the reads that follow.
      if (outstanding_.empty()) {
        complete_sync(w);
      } else {
        w.barrier_zxid = outstanding_.rbegin()->first;
        sync_waiters_.push_back(w);
      }
    } else {
      forwarded_syncs_.push_back(w);
      forward(op::sync, c.session_id, p.xid, p.body, c.identities);
    }
    return;
  }
  if (state_ == PeerState::leading) {
    ServerCore::submit_write(c, p);  // prep here, then propose (submit_txn)
    return;
  }
  p.submitted = true;
  forward(p.type, c.session_id, p.xid, p.body, c.identities);
}

}  // namespace zablab::quorum
