// Barriers (kazoo Barrier and DoubleBarrier, the ZooKeeper recipes).
//
//   Barrier: one node holds everybody up. create() raises it, remove() lowers it, wait() answers
//     once the node does not exist (an exists watch; no polling).
//   DoubleBarrier(n): enter() answers once n members have entered (the member that completes the
//     count creates "ready", the others watch for it; "ready" stays, so use a fresh path per
//     round); leave() answers once every member has left
//     (the lowest member waits for the highest, the others delete their node and wait for the
//     lowest: each waits on one node, so no herd).
// Members are ephemeral nodes named by their id; a create retried after ConnectionLoss that
// meets NodeExists checks the node's ephemeralOwner is its own session.
#pragma once

#include <string>
#include <vector>

#include "core/client/recipes/recipe_base.h"

namespace zablab::client::recipes {

class Barrier : private Guarded {
 public:
  Barrier(Client& client, std::string path);
  ~Barrier();
  void create(DoneCallback cb);  // NodeExists is fine
  void remove(DoneCallback cb);  // NoNode is fine
  void wait(DoneCallback cb);    // Ok once the barrier node is gone

 private:
  void arm();   // sync, then look()
  void look();  // exists + watch; answers the waiters when the node is gone
  Client& client_;
  std::string path_;
  std::vector<DoneCallback> waiters_;
  std::uint64_t listener_id_ = 0;
};

class DoubleBarrier : private Guarded {
 public:
  DoubleBarrier(Client& client, std::string path, int members, std::string id);
  ~DoubleBarrier();
  void enter(DoneCallback cb);
  void leave(DoneCallback cb);
  bool entered() const { return entered_; }

 private:
  void start_enter();  // ensure the path, then create_member()
  void create_member();
  void check_ready();
  void count_members();
  void leave_step();
  void on_state(State s);
  std::string member_path() const { return join_path(path_, id_); }
  std::string ready_path() const { return join_path(path_, "ready"); }

  Client& client_;
  std::string path_;
  int members_;
  std::string id_;
  std::uint64_t listener_id_ = 0;
  std::uint64_t gen_ = 0;  // bumped per phase: older answers are stale
  bool entering_ = false, entered_ = false, leaving_ = false;
  DoneCallback enter_cb_, leave_cb_;
};

}  // namespace zablab::client::recipes
