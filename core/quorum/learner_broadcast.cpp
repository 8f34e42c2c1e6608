// Zab's broadcast, a learner's side (ZooKeeper's Follower.processPacket, Observer.processPacket):
// a follower logs each PROPOSAL and ACKs it once durable, and applies its first pending proposal
// on each COMMIT; an observer logs and applies each INFORM.
#include "core/data/txn.h"
#include "core/quorum/quorum_peer.h"
#include "core/quorum/zab_invariants.h"
#include "core/util/hex.h"
#include "core/util/log_text.h"

namespace zablab::quorum {

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
  log_proposal(std::move(txn));  // ACK once durable (on_logged)
}

bool QuorumPeer::log_proposal(data::Txn txn) {
  if (!holds(invariants::logged_in_order(txn.zxid(), std::max(appended_zxid_, tree_.last_processed_zxid()))))
    return false;
  log_txn(std::move(txn));
  return true;
}

void QuorumPeer::apply_committed(const data::Txn& txn) {
  committed_zxid_ = std::max(committed_zxid_, txn.zxid());
  commit(txn);
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
    on_sync_inform(std::move(txn));
    return;
  }
  log_txn(txn);
  apply_committed(txn);
}

void QuorumPeer::on_commit(std::int64_t zxid) {
  if (syncing()) {
    on_sync_commit(zxid);
    return;
  }
  commit_pending(zxid);
}

void QuorumPeer::commit_pending(std::int64_t zxid) {
  if (zxid <= tree_.last_processed_zxid()) return;
  if (pending_.empty() || pending_.begin()->first != zxid) {
    go_looking("COMMIT " + util::hex(zxid) + " but the next pending proposal is " +
               (pending_.empty() ? std::string("none") : util::hex(pending_.begin()->first)));
    return;
  }
  if (!holds(invariants::commit_within_log(zxid, appended_zxid_))) return;
  data::Txn txn = std::move(pending_.begin()->second);
  pending_.erase(pending_.begin());
  apply_committed(txn);
}

}  // namespace zablab::quorum
