// A learner's role as a whole (follower or observer): the packets from its leader, each to its
// phase's handler, the PINGs it answers with its clients' sessions, the writes, syncs and
// session checks it forwards to the leader, and the tick that notices a silent leader. The
// phases are in learner_discovery.cpp, learner_sync.cpp and learner_broadcast.cpp.
#include "core/jute/codes.h"
#include "core/env/json_object.h"
#include "core/quorum/quorum_peer.h"
#include "core/util/hex.h"
#include "core/util/log_text.h"

namespace zablab::quorum {

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
  env_.trace({EventKind::zab_revalidate, JsonObject().hex("session", sid).done()});
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
