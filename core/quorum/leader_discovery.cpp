// Zab's discovery, the leader's side (ZooKeeper's Leader.lead, getEpochToPropose,
// waitForEpochAck; LearnerHandler's FOLLOWERINFO, LEADERINFO, ACKEPOCH): once a quorum of voters
// has connected, a new epoch above every accepted one; it is taken as current once a quorum has
// acknowledged it, which ends discovery.
#include "core/quorum/quorum_peer.h"
#include "core/env/json_object.h"
#include "core/quorum/zab_invariants.h"
#include "core/util/hex.h"

namespace zablab::quorum {

void QuorumPeer::become_leading() {
  change_state(PeerState::leading, Phase::discovery, "elected with zxid " + util::hex(vote_.zxid));
  reset_leader_state();
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

void QuorumPeer::on_learner_info(std::int64_t from, const jute::QuorumPacket& p) {
  // A (re)connecting learner starts over.
  Learner l;
  l.sid = from;
  l.observer = p.type == packet::observerinfo || !is_voter(from);
  l.accepted_epoch = epoch_of(p.zxid);
  l.last_heard_ms = env_.now_ms();
  l.tick_of_next_ack_deadline = leader_tick_count_ + config_.init_limit + config_.sync_limit;
  learners_[from] = l;
  env_.trace({EventKind::zab_learner,
              JsonObject().num("sid", from).boolean("observer", l.observer).num("accepted_epoch", l.accepted_epoch).done()});
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
  if (!persist_epoch("acceptedEpoch", max_epoch + 1)) return;
  new_epoch_ = max_epoch + 1;
  accepted_epoch_ = new_epoch_;
  env_.trace({EventKind::zab_new_epoch, JsonObject().num("epoch", new_epoch_).done()});
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
  if (!persist_epoch("currentEpoch", new_epoch_)) return;
  current_epoch_ = new_epoch_;
  after_disk([this, epoch = new_epoch_] {
    if (state_ != PeerState::leading || new_epoch_ != epoch) return;
    persistence_point("after-current-epoch");
    newleader_acks_.insert(id());
    maybe_establish();
  });
}

}  // namespace zablab::quorum
