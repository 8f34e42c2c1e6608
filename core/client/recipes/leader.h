// Leader election, in Curator's two shapes, both on the sequence-lock engine (ephemeral-sequential
// candidates, each watching only its predecessor: no herd, a failure wakes one candidate).
//
//   LeaderLatch: a candidate until close(); has_leadership() says whether it leads right now.
//     Leadership stops at SUSPENDED (the session may be expiring) and comes back after the
//     reconnect if the candidate's node is still first; after expiry it rejoins as a new
//     candidate, at the end of the line.
//   LeaderElection (Curator LeaderSelector, kazoo Election): volunteer(on_elected, on_revoked);
//     the leader keeps leading until it calls resign() or is revoked (SUSPENDED or LOST); with
//     requeue it then volunteers again.
#pragma once

#include <functional>
#include <string>

#include "core/client/recipes/sequence_lock.h"

namespace zablab::client::recipes {

class LeaderLatch : private Guarded {
 public:
  // `id` is stored in the candidate's node (participants() lists node names).
  LeaderLatch(Client& client, std::string dir, std::string id = {});
  void start();
  void close(DoneCallback cb = {});
  bool has_leadership() const { return lock_.held(); }
  // true when it becomes leader, false when it stops (suspended, lost, closed).
  void set_listener(std::function<void(bool)> listener) { listener_ = std::move(listener); }
  void participants(Callback<std::vector<std::string>> cb) { lock_.contenders(std::move(cb)); }

 private:
  SequenceLock lock_;
  std::function<void(bool)> listener_;
  bool started_ = false;
};

class LeaderElection : private Guarded {
 public:
  LeaderElection(Client& client, std::string dir, std::string id = {}, bool requeue = false);
  // Joins the election. on_elected runs when this candidate becomes leader; on_revoked when it
  // stops being one without resigning (connection suspended, session lost).
  void volunteer(std::function<void()> on_elected, std::function<void()> on_revoked = {});
  // Leaves the election (leader or not). With requeue it volunteers again at once.
  void resign(DoneCallback cb = {});
  // Leaves for good.
  void cancel(DoneCallback cb = {});
  bool is_leader() const { return lock_.held(); }

 private:
  void join();
  SequenceLock lock_;
  bool requeue_;
  bool joined_ = false;
  std::function<void()> on_elected_, on_revoked_;
};

}  // namespace zablab::client::recipes
