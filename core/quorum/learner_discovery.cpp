// Zab's discovery, a learner's side (ZooKeeper's Learner.connectToLeader, registerWithLeader):
// connect to the elected leader with FOLLOWERINFO / OBSERVERINFO (retrying while it may not lead
// yet), accept its new epoch and answer ACKEPOCH with our current epoch and last zxid.
#include "core/quorum/quorum_peer.h"

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
    if (!persist_epoch("acceptedEpoch", epoch)) return;
    accepted_epoch_ = epoch;
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

}  // namespace zablab::quorum
