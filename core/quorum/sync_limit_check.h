// ZooKeeper's LearnerHandler.SyncLimitCheck: at every PING (each half tick) the leader drops a
// learner whose oldest unacknowledged PROPOSAL went out syncLimit ticks ago or more ("Closing
// connection to peer due to transaction timeout"). A learner can keep answering PINGs while its
// disk has stopped acknowledging; this is what notices.
//
// Like ZooKeeper's, it follows two proposals, not all of them: the oldest one not yet ACKed
// (`current`) and the latest one sent after it (`next`, overwritten by each newer one). An ACK
// of `current` makes `next` the oldest; an ACK of `next` alone forgets `next`; ACKs of the
// proposals in between change nothing. Proposals sent before the learner's NEWLEADER ACK (its
// sync) are not followed: start() is called at that ACK.
#pragma once

#include <cstdint>
#include <optional>

namespace zablab::quorum {

class SyncLimitCheck {
 public:
  void start() { started_ = true; }
  void on_proposal(std::int64_t zxid, std::int64_t now_ms) {
    if (!started_) return;
    if (!current_) {
      current_ = Sent{zxid, now_ms};
    } else {
      next_ = Sent{zxid, now_ms};
    }
  }
  void on_ack(std::int64_t zxid) {
    if (current_ && current_->zxid == zxid) {
      current_ = next_;
      next_.reset();
    } else if (next_ && next_->zxid == zxid) {
      next_.reset();  // ZooKeeper warns: an ACK of the newer proposal before the older one's
    }
  }
  // False once the oldest followed proposal has waited `limit_ms` (syncLimit x tickTime) or more.
  bool ok(std::int64_t now_ms, std::int64_t limit_ms) const { return !current_ || now_ms - current_->sent_ms < limit_ms; }
  // The oldest followed proposal not yet ACKed (0: none).
  std::int64_t oldest_unacked() const { return current_ ? current_->zxid : 0; }

 private:
  struct Sent {
    std::int64_t zxid = 0;
    std::int64_t sent_ms = 0;
  };
  bool started_ = false;
  std::optional<Sent> current_;
  std::optional<Sent> next_;
};

}  // namespace zablab::quorum
