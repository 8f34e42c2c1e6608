// Zab's broadcast, the leader's side (ZooKeeper's Leader.propose, processAck, tryToCommit,
// commit / inform): each txn is proposed to the followers and committed in zxid order once a
// quorum of voters has logged it; observers are told of it by INFORM. Writes forwarded by
// learners (REQUEST) are prepared here first.
#include "core/data/txn.h"
#include "core/env/json_object.h"
#include "core/jute/codes.h"
#include "core/quorum/quorum_peer.h"
#include "core/quorum/zab_invariants.h"
#include "core/util/hex.h"
#include "core/util/log_text.h"

namespace zablab::quorum {

void QuorumPeer::on_learner_ack(Learner& l, std::int64_t zxid) {
  if (l.stage == Learner::Stage::newleader_sent && zxid == make_zxid(new_epoch_, 0)) {
    on_newleader_ack(l);
    return;
  }
  auto it = outstanding_.find(zxid);
  if (it == outstanding_.end() || l.observer) return;
  it->second.acks.insert(l.sid);
  env_.trace({EventKind::zab_ack, JsonObject()
                                        .num("from", l.sid)
                                        .hex("zxid", zxid)
                                        .num("acks", static_cast<std::int64_t>(it->second.acks.size()))
                                        .done()});
  try_commit();
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
  const std::int64_t last = std::max(outstanding_.empty() ? 0 : outstanding_.rbegin()->first, tree_.last_processed_zxid());
  if (!holds(invariants::proposal_above_last(zxid, last))) return;
  Proposal& p = outstanding_[zxid];
  p.bytes = data::encode_txn(txn);
  p.txn = txn;
  for (auto& [sid, l] : learners_) {
    if (l.observer || l.stage < Learner::Stage::newleader_sent) continue;
    send_packet(sid, packet::proposal, zxid, p.bytes);
    l.sync_limit.on_proposal(zxid, env_.now_ms());
  }
  env_.trace({EventKind::zab_propose, JsonObject()
                                            .hex("zxid", zxid)
                                            .str("type", op::name(txn.header.type))
                                            .raw("txn", data::txn_to_json(txn))
                                            .done()});
  log_txn(std::move(txn));  // our own ACK comes when it is durable (on_logged)
}

void QuorumPeer::try_commit() {
  // Strictly in zxid order: a later proposal with a quorum waits for the earlier ones.
  while (!outstanding_.empty()) {
    auto it = outstanding_.begin();
    std::size_t acks = 0;
    for (std::int64_t sid : it->second.acks) acks += is_voter(sid) ? 1 : 0;
    if (!quorum(acks)) return;
    const std::int64_t zxid = it->first;
    if (!holds(invariants::commit_within_log(zxid, appended_zxid_))) return;
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
    env_.trace({EventKind::zab_commit, JsonObject()
                                           .hex("zxid", zxid)
                                           .num("acks", static_cast<std::int64_t>(acks))
                                           .num("voters", static_cast<std::int64_t>(voters().size()))
                                           .done()});
    apply_committed(p.txn);
    while (!sync_waiters_.empty() && sync_waiters_.front().barrier_zxid <= zxid) {
      complete_sync(sync_waiters_.front());
      sync_waiters_.pop_front();
    }
  }
}

}  // namespace zablab::quorum
