#include "core/client/recipes/leader.h"

namespace zablab::client::recipes {

namespace {
SequenceLockOptions candidate_options(std::string dir, std::string prefix, std::string id) {
  SequenceLockOptions o;
  o.dir = std::move(dir);
  o.prefix = prefix;
  o.family = {prefix};
  o.rule = SequenceLockOptions::Rule::exclusive;
  o.data = std::move(id);
  return o;
}
}  // namespace

LeaderLatch::LeaderLatch(Client& client, std::string dir, std::string id)
    : lock_(client, candidate_options(std::move(dir), "latch-", std::move(id))) {
  lock_.set_listener(guard([this](HoldEvent e) {
    if (e == HoldEvent::acquired) {
      if (listener_) listener_(true);
      return;
    }
    if (listener_) listener_(false);
    // Still a candidate: after expiry (or our node vanishing) join again, as a new one.
    if (e == HoldEvent::lost && started_) lock_.acquire({});
  }));
}

void LeaderLatch::start() {
  if (started_) return;
  started_ = true;
  lock_.acquire({});
}

void LeaderLatch::close(DoneCallback cb) {
  started_ = false;
  lock_.release(std::move(cb));
}

LeaderElection::LeaderElection(Client& client, std::string dir, std::string id, bool requeue)
    : lock_(client, candidate_options(std::move(dir), "candidate-", std::move(id))), requeue_(requeue) {
  lock_.set_listener(guard([this](HoldEvent e) {
    if (e == HoldEvent::acquired) {
      if (on_elected_) on_elected_();
      return;
    }
    if (e == HoldEvent::released) return;  // resign(): the caller knows
    if (on_revoked_) on_revoked_();
    // Revoked: Curator's LeaderSelector interrupts the leader; we also give up the node so the
    // next candidate need not wait for our session to expire, and requeue if asked to.
    if (e == HoldEvent::suspended) {
      lock_.release({});
      if (requeue_ && joined_) join();
    } else if (e == HoldEvent::lost && requeue_ && joined_) {
      join();
    }
  }));
}

void LeaderElection::volunteer(std::function<void()> on_elected, std::function<void()> on_revoked) {
  on_elected_ = std::move(on_elected);
  on_revoked_ = std::move(on_revoked);
  joined_ = true;
  join();
}

void LeaderElection::join() { lock_.acquire({}); }

void LeaderElection::resign(DoneCallback cb) {
  lock_.release(std::move(cb));
  if (requeue_ && joined_) join();
}

void LeaderElection::cancel(DoneCallback cb) {
  joined_ = false;
  lock_.release(std::move(cb));
}

}  // namespace zablab::client::recipes
