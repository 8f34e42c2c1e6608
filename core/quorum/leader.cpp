// The leader's side of Zab: discovery (a new epoch from a quorum), synchronization of each
// learner (DIFF, TRUNC or SNAP, then NEWLEADER), and broadcast (PROPOSAL, ACK, COMMIT in zxid
// order; INFORM for observers), with PINGs that prove a quorum is still there.
#include "core/data/txn.h"
#include "core/jute/codes.h"
#include "core/persist/snapshot_stream.h"
#include "core/persist/recovery.h"
#include "core/quorum/quorum_peer.h"
#include "core/quorum/sync_plan.h"
#include "core/util/hex.h"
#include "core/util/log_text.h"

namespace zablab::quorum {

void QuorumPeer::become_leading() {
  change_state(PeerState::leading, Phase::discovery, "elected with zxid " + util::hex(vote_.zxid));
  learners_.clear();
  new_epoch_ = -1;
  epoch_ready_ = false;
  epoch_acks_.clear();
  newleader_acks_.clear();
  established_ = false;
  leader_tick_count_ = 0;
  tick_skip_ = true;
  maybe_choose_epoch();  // a lone voter (with observers only) is a quorum by itself
  // Learners that decided before us and asked already.
  auto early = std::move(early_learners_);
  early_learners_.clear();
  for (auto& [from, info] : early) {
    if (state_ != PeerState::leading) break;
    on_learner_info(from, info);
  }
}

void QuorumPeer::leader_packet(std::int64_t from, const jute::QuorumPacket& p) {
  if (p.type == packet::followerinfo || p.type == packet::observerinfo) {
    on_learner_info(from, p);
    return;
  }
  auto it = learners_.find(from);
  if (it == learners_.end()) return;  // not one of ours (any more)
  Learner& l = it->second;
  l.last_heard_ms = env_.now_ms();
  // Past its NEWLEADER ACK every packet keeps a learner synced for syncLimit more ticks.
  if (l.stage == Learner::Stage::up_to_date) l.tick_of_next_ack_deadline = leader_tick_count_ + config_.sync_limit;
  switch (p.type) {
    case packet::ackepoch:
      on_ackepoch(l, p);
      break;
    case packet::ack:
      l.sync_limit.on_ack(p.zxid);
      on_learner_ack(l, p.zxid);
      break;
    case packet::request:
      on_request(l, p);
      break;
    case packet::revalidate:
      on_revalidate(l, p);
      break;
    case packet::ping: {
      // The learner's clients' sessions are alive: (long session, int timeout) pairs.
      const std::string data = p.data.value_or("");
      jute::Reader r(data);
      try {
        while (r.remaining() >= 12) {
          const std::int64_t sid = r.i64();
          r.i32();
          sessions_.touch(sid, env_.now_ms());
        }
      } catch (const jute::DecodeError&) {
      }
      break;
    }
    default:
      env_.log(LogLevel::warn, "leader: unexpected " + std::string(packet_name(p.type)) + " from " +
                                   std::to_string(from));
  }
}

void QuorumPeer::on_revalidate(Learner& l, const jute::QuorumPacket& p) {
  // A client reconnects to session `sid` through this learner: alive sessions are touched (the
  // client is back) and the answer is (long sid, boolean valid), as ZooKeeper's LearnerHandler.
  std::int64_t sid = 0;
  try {
    const std::string data = p.data.value_or("");
    jute::Reader r(data);
    sid = r.i64();
    r.i32();  // the timeout the client asked for; the session keeps the one it was created with
  } catch (const jute::DecodeError& e) {
    env_.log(LogLevel::warn, "leader: undecodable REVALIDATE from " + std::to_string(l.sid) + ": " + util::loggable(e.what()));
    return;
  }
  const bool valid = touch_if_alive(sid);
  jute::Writer w;
  w.i64(sid);
  w.boolean(valid);
  env_.trace({"zab.revalidated", "{\"session\":\"" + util::hex(sid) + "\",\"learner\":" + std::to_string(l.sid) +
                                     ",\"valid\":" + (valid ? "true" : "false") + "}"});
  send_packet(l.sid, packet::revalidate, -1, w.take());
}

void QuorumPeer::on_learner_info(std::int64_t from, const jute::QuorumPacket& p) {
  // A (re)connecting learner starts over.
  Learner l;
  l.sid = from;
  l.observer = p.type == packet::observerinfo || !is_voter(from);
  l.accepted_epoch = epoch_of(p.zxid);
  l.last_heard_ms = env_.now_ms();
  l.tick_of_next_ack_deadline = leader_tick_count_ + config_.init_limit + config_.sync_limit;
  learners_[from] = l;
  env_.trace({"zab.learner", "{\"sid\":" + std::to_string(from) + ",\"observer\":" + (l.observer ? "true" : "false") +
                                 ",\"accepted_epoch\":" + std::to_string(l.accepted_epoch) + "}"});
  if (epoch_ready_) {
    send_leaderinfo(learners_[from]);
  } else {
    maybe_choose_epoch();
  }
}

void QuorumPeer::maybe_choose_epoch() {
  if (new_epoch_ >= 0) return;
  // A quorum of voters (us included) has told us their accepted epochs: ours is one more than all.
  std::size_t connected = is_voter(id()) ? 1 : 0;
  std::int64_t max_epoch = accepted_epoch_;
  for (const auto& [sid, l] : learners_) {
    max_epoch = std::max(max_epoch, l.accepted_epoch);
    if (!l.observer) ++connected;
  }
  if (!quorum(connected)) return;
  new_epoch_ = max_epoch + 1;
  accepted_epoch_ = new_epoch_;
  persist_epoch("acceptedEpoch", accepted_epoch_);
  env_.trace({"zab.new_epoch", "{\"epoch\":" + std::to_string(new_epoch_) + "}"});
  after_disk([this, epoch = new_epoch_] {
    if (state_ != PeerState::leading || new_epoch_ != epoch) return;
    persistence_point("after-accepted-epoch");
    epoch_ready_ = true;
    epoch_acks_.insert(id());
    for (auto& [sid, l] : learners_) send_leaderinfo(l);
  });
}

void QuorumPeer::send_leaderinfo(Learner& l) {
  if (l.stage != Learner::Stage::info) return;
  jute::Writer w;
  w.i32(kProtocolVersion);
  send_packet(l.sid, packet::leaderinfo, make_zxid(new_epoch_, 0), w.take());
  l.stage = Learner::Stage::epoch_sent;
}

void QuorumPeer::on_ackepoch(Learner& l, const jute::QuorumPacket& p) {
  if (l.stage != Learner::Stage::epoch_sent) return;
  std::int32_t learner_epoch = -1;
  try {
    learner_epoch = jute::Reader(p.data.value_or("")).i32();
  } catch (const jute::DecodeError&) {
  }
  l.last_zxid = p.zxid;
  l.stage = Learner::Stage::epoch_acked;
  // A follower with more history than ours means the election went wrong: start over.
  if (learner_epoch > current_epoch_ ||
      (learner_epoch == current_epoch_ && p.zxid > tree_.last_processed_zxid())) {
    go_looking("follower " + std::to_string(l.sid) + " is ahead of the leader (" + util::hex(p.zxid) + ")");
    return;
  }
  // currentEpoch -1: the learner had accepted this epoch already (an earlier attempt). As in
  // ZooKeeper's waitForEpochAck and the Zab specification it does not count toward the quorum:
  // counting it twice is how one follower could back two leaders of one epoch.
  if (!l.observer && learner_epoch != -1) epoch_acks_.insert(l.sid);
  std::size_t voters_acked = 0;
  for (std::int64_t sid : epoch_acks_) voters_acked += is_voter(sid) ? 1 : 0;
  if (established_ || !newleader_acks_.empty() || phase_ == Phase::synchronization) {
    sync_learner(l);
    return;
  }
  if (!quorum(voters_acked)) return;
  // Discovery is over: sync everyone who acknowledged the epoch, and make it our current epoch.
  set_phase(Phase::synchronization);
  for (auto& [sid, other] : learners_)
    if (other.stage == Learner::Stage::epoch_acked) sync_learner(other);
  current_epoch_ = new_epoch_;
  persist_epoch("currentEpoch", current_epoch_);
  after_disk([this, epoch = new_epoch_] {
    if (state_ != PeerState::leading || new_epoch_ != epoch) return;
    persistence_point("after-current-epoch");
    newleader_acks_.insert(id());
    maybe_establish();
  });
}

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
  env_.trace({"zab.sync", "{\"sid\":" + std::to_string(l.sid) + ",\"mode\":\"" + mode + "\",\"peer_zxid\":\"" +
                              util::hex(peer) + "\",\"leader_zxid\":\"" + util::hex(mine) + "\"}"});
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

void QuorumPeer::on_learner_ack(Learner& l, std::int64_t zxid) {
  if (l.stage == Learner::Stage::newleader_sent && zxid == make_zxid(new_epoch_, 0)) {
    l.sync_limit.start();  // its sync is over: from now on its ACKs must keep up
    if (established_) {
      send_packet(l.sid, packet::uptodate, -1);
      l.stage = Learner::Stage::up_to_date;
      return;
    }
    if (!l.observer) newleader_acks_.insert(l.sid);
    l.stage = Learner::Stage::up_to_date;  // UPTODATE goes out when we establish
    maybe_establish();
    return;
  }
  auto it = outstanding_.find(zxid);
  if (it == outstanding_.end() || l.observer) return;
  it->second.acks.insert(l.sid);
  env_.trace({"zab.ack", "{\"from\":" + std::to_string(l.sid) + ",\"zxid\":\"" + util::hex(zxid) + "\",\"acks\":" +
                             std::to_string(it->second.acks.size()) + "}"});
  try_commit();
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
  env_.trace({"zab.established", "{\"epoch\":" + std::to_string(new_epoch_) + "}"});
  env_.log(LogLevel::info, "leader " + std::to_string(id()) + ": epoch " + std::to_string(new_epoch_) +
                               " established with " + std::to_string(acked) + " voters");
}

void QuorumPeer::on_request(Learner& l, const jute::QuorumPacket& p) {
  if (!established_) return;
  const std::string data = p.data.value_or("");
  jute::Reader r(data);
  std::int64_t session = 0;
  std::int32_t cxid = 0, type = 0;
  try {
    session = r.i64();
    cxid = r.i32();
    type = r.i32();
  } catch (const jute::DecodeError& e) {
    env_.log(LogLevel::warn, "leader: bad REQUEST from " + std::to_string(l.sid) + ": " + util::loggable(e.what()));
    return;
  }
  const std::string_view body = r.rest();
  if (type == op::sync) {
    const SyncWaiter w{outstanding_.empty() ? 0 : outstanding_.rbegin()->first, l.sid, session, cxid, {}};
    if (outstanding_.empty()) {
      complete_sync(w);
    } else {
      sync_waiters_.push_back(w);
    }
    return;
  }
  if (type == op::create_session) {
    std::int32_t timeout = 0;
    try {
      timeout = jute::Reader(body).i32();
    } catch (const jute::DecodeError&) {
      return;
    }
    propose(prep_.create_session_txn(session, timeout, next_zxid(), env_.wall_ms()));
    return;
  }
  const data::Identities identities = p.authinfo;
  server::WriteRequest req{type, body, session, cxid, &identities};
  const std::int64_t zxid = last_zxid_ + 1;
  server::PrepOutcome outcome = prep_.prep(req, zxid, env_.wall_ms());
  last_zxid_ = zxid;
  if (outcome.malformed) {
    // The follower is waiting for an answer: commit an error txn it can answer from.
    env_.log(LogLevel::warn, "leader: " + *outcome.malformed);
    outcome.txn.header.type = op::error;
    outcome.txn.ops = {data::TxnOp{op::error, jute::ErrorTxn{static_cast<std::int32_t>(Err::marshalling_error)}}};
  }
  if (outcome.oversized)
    env_.log(LogLevel::warn, "leader: " + std::string(op::name(type)) + " of session " + util::hex(session) +
                                 " refused (BADARGUMENTS): its txn of " + std::to_string(*outcome.oversized) +
                                 " bytes exceeds the limit of " + std::to_string(prep_.max_txn_bytes()) +
                                 " (2 x jute.maxbuffer)");
  propose(std::move(outcome.txn));
}

void QuorumPeer::submit_txn(data::Txn txn) {
  if (state_ == PeerState::leading && established_) {
    propose(std::move(txn));
  } else {
    env_.log(LogLevel::warn, "dropping txn " + util::hex(txn.zxid()) + ": not an established leader");
  }
}

void QuorumPeer::propose(data::Txn txn) {
  const std::int64_t zxid = txn.zxid();
  Proposal& p = outstanding_[zxid];
  p.bytes = data::encode_txn(txn);
  p.txn = txn;
  for (auto& [sid, l] : learners_) {
    if (l.observer || l.stage < Learner::Stage::newleader_sent) continue;
    send_packet(sid, packet::proposal, zxid, p.bytes);
    l.sync_limit.on_proposal(zxid, env_.now_ms());
  }
  env_.trace({"zab.propose", "{\"zxid\":\"" + util::hex(zxid) + "\",\"type\":\"" +
                                 std::string(op::name(txn.header.type)) + "\",\"txn\":" + data::txn_to_json(txn) + "}"});
  log_txn(std::move(txn));  // our own ACK comes when it is durable (on_logged)
}

void QuorumPeer::on_logged(std::int64_t upto_zxid) {
  while (!unsynced_.empty() && unsynced_.front().zxid() <= upto_zxid) {
    const std::int64_t zxid = unsynced_.front().zxid();
    unsynced_.pop_front();
    if (state_ == PeerState::leading) {
      auto it = outstanding_.find(zxid);
      if (it != outstanding_.end()) it->second.acks.insert(id());
    } else if (state_ == PeerState::following && leader_ && acks_owed_.erase(zxid) > 0) {
      send_packet(*leader_, packet::ack, zxid);
    }
  }
  if (state_ == PeerState::leading) try_commit();
}

void QuorumPeer::try_commit() {
  // Strictly in zxid order: a later proposal with a quorum waits for the earlier ones.
  while (!outstanding_.empty()) {
    auto it = outstanding_.begin();
    std::size_t acks = 0;
    for (std::int64_t sid : it->second.acks) acks += is_voter(sid) ? 1 : 0;
    if (!quorum(acks)) return;
    const std::int64_t zxid = it->first;
    Proposal p = std::move(it->second);
    outstanding_.erase(it);
    for (const auto& [sid, l] : learners_) {
      if (l.stage < Learner::Stage::newleader_sent) continue;
      if (l.observer) {
        send_packet(sid, packet::inform, zxid, p.bytes);
      } else {
        send_packet(sid, packet::commit, zxid);
      }
    }
    env_.trace({"zab.commit", "{\"zxid\":\"" + util::hex(zxid) + "\",\"acks\":" + std::to_string(acks) +
                                  ",\"voters\":" + std::to_string(voters().size()) + "}"});
    commit(p.txn);
    while (!sync_waiters_.empty() && sync_waiters_.front().barrier_zxid <= zxid) {
      complete_sync(sync_waiters_.front());
      sync_waiters_.pop_front();
    }
  }
}

std::map<std::int64_t, QuorumPeer::Learner>::iterator QuorumPeer::drop_learner(
    std::map<std::int64_t, Learner>::iterator it, const std::string& why_json) {
  env_.trace({"zab.learner_dropped", "{\"sid\":" + std::to_string(it->first) + ",\"why\":" + why_json + "}"});
  close_quorum(it->first);
  return learners_.erase(it);
}

void QuorumPeer::leader_tick() {
  // Runs every half tick, as the loop of ZooKeeper's Leader.lead once the epoch is established.
  const std::int64_t now = env_.now_ms();
  const std::int64_t sync_ms = static_cast<std::int64_t>(config_.sync_limit) * config_.tick_time_ms;
  const std::int64_t init_ms = static_cast<std::int64_t>(config_.init_limit) * config_.tick_time_ms;
  // A learner silent for its socket's read timeout is gone (LearnerHandler's soTimeout: initLimit
  // ticks until its NEWLEADER ACK, syncLimit ticks after).
  for (auto it = learners_.begin(); it != learners_.end();) {
    const Learner& l = it->second;
    const std::int64_t limit = l.stage == Learner::Stage::up_to_date ? sync_ms : init_ms;
    if (now - l.last_heard_ms > limit) {
      env_.log(LogLevel::info, "leader: dropping silent learner " + std::to_string(l.sid));
      it = drop_learner(it, "\"silent\"");
      continue;
    }
    ++it;
  }
  // Until the epoch is established ZooKeeper's leader waits for its quorum (initLimit) and does
  // not PING yet.
  if (!established_) {
    if (now - role_since_ms_ > init_ms) go_looking("no quorum of followers within initLimit");
    return;
  }
  // Every other half tick the tick advances and the learners heard from in time (synced) must
  // still be a quorum with us: ZooKeeper's syncedAckSet.
  if (!tick_skip_) {
    ++leader_tick_count_;
    std::size_t synced = is_voter(id()) ? 1 : 0;
    std::string sids = is_voter(id()) ? std::to_string(id()) : "";
    for (const auto& [sid, l] : learners_) {
      if (l.observer || leader_tick_count_ > l.tick_of_next_ack_deadline) continue;
      ++synced;
      sids += (sids.empty() ? "" : ",") + std::to_string(sid);
    }
    if (!quorum(synced)) {
      go_looking("Not sufficient followers synced, only synced with sids: [ " + sids + " ]");
      return;
    }
  }
  tick_skip_ = !tick_skip_;
  // The PINGs, each after the learner's SyncLimitCheck: a learner whose oldest unacknowledged
  // proposal has waited syncLimit ticks is dropped instead.
  for (auto it = learners_.begin(); it != learners_.end();) {
    Learner& l = it->second;
    if (l.stage < Learner::Stage::newleader_sent) {
      ++it;
    } else if (l.sync_limit.ok(now, sync_ms)) {
      send_packet(l.sid, packet::ping, last_zxid_);
      ++it;
    } else {
      const std::string zxid = util::hex(l.sync_limit.oldest_unacked());
      env_.log(LogLevel::warn, "leader: closing the connection to learner " + std::to_string(l.sid) + ": proposal " +
                                   zxid + " unacknowledged for syncLimit (transaction timeout)");
      it = drop_learner(it, "\"transaction timeout\",\"zxid\":\"" + zxid + "\"");
    }
  }
}

}  // namespace zablab::quorum
