// The leader's role as a whole: the packets from its learners, each to its phase's handler, the
// REVALIDATE of a client's session, and the tick that proves a quorum is still there (PINGs,
// syncLimit, dropping silent learners). The phases are in leader_discovery.cpp,
// leader_sync.cpp and leader_broadcast.cpp.
#include "core/quorum/quorum_peer.h"
#include "core/env/json_object.h"
#include "core/util/hex.h"
#include "core/util/log_text.h"

namespace zablab::quorum {

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
  env_.trace({EventKind::zab_revalidated,
              JsonObject().hex("session", sid).num("learner", l.sid).boolean("valid", valid).done()});
  send_packet(l.sid, packet::revalidate, -1, w.take());
}

std::map<std::int64_t, QuorumPeer::Learner>::iterator QuorumPeer::drop_learner(
    std::map<std::int64_t, Learner>::iterator it, std::string_view why, std::optional<std::int64_t> unacked_zxid) {
  JsonObject detail;
  detail.num("sid", it->first).str("why", why);
  if (unacked_zxid) detail.hex("zxid", *unacked_zxid);
  env_.trace({EventKind::zab_learner_dropped, detail.done()});
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
      it = drop_learner(it, "silent");
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
      const std::int64_t zxid = l.sync_limit.oldest_unacked();
      env_.log(LogLevel::warn, "leader: closing the connection to learner " + std::to_string(l.sid) + ": proposal " +
                                   util::hex(zxid) + " unacknowledged for syncLimit (transaction timeout)");
      it = drop_learner(it, "transaction timeout", zxid);
    }
  }
}

}  // namespace zablab::quorum
