// A pool of unique IDs 1..N (the labs' "unique IDs with recycling"): an ID is taken by creating
// the ephemeral node <dir>/<id>, so it returns to the pool by itself when its owner's session
// ends. One IdPool object holds at most one ID.
//
// acquire() tries IDs from a random starting point (Client::random_u64, so contenders rarely
// collide), skipping taken ones (NodeExists); when all N are taken it waits on a children watch.
// A create whose answer was lost is resolved by the node's ephemeralOwner and data (a token per
// IdPool object, as several pools may share a session): both ours -> the ID is ours. Holding follows the locks' rules (HoldEvent): not held while SUSPENDED, held again
// after a reconnect that finds the node still ours, lost when the session expired.
#pragma once

#include <cstdint>
#include <string>

#include "core/client/recipes/recipe_base.h"

namespace zablab::client::recipes {

class IdPool : private Guarded {
 public:
  IdPool(Client& client, std::string dir, int size);
  ~IdPool();
  // value = the ID, once held. Expiry while trying starts over in the new session.
  void acquire(Callback<int> cb);
  void release(DoneCallback cb = {});
  bool held() const { return held_; }
  int id() const { return id_; }
  bool acquiring() const { return pending_ != nullptr; }  // 0 when none (held() tells whether it may be used)
  void set_listener(HoldListener listener) { listener_ = std::move(listener); }

 private:
  void try_id(int id, int tried);
  void wait_for_free();
  void recheck();
  void hold(int id);
  void on_state(State s);
  void notify(HoldEvent e) {
    if (listener_) listener_(e);
  }
  std::string path_of(int id) const { return join_path(dir_, std::to_string(id)); }
  // Our node: this session's, and this object's token (two pools may share a session).
  bool mine(const jute::GetDataResponse& r) const {
    return r.stat.ephemeral_owner == client_.session_id() && r.data.value_or("") == token_;
  }

  Client& client_;
  std::string dir_;
  int size_;
  std::string token_;  // stored in our ID node
  HoldListener listener_;
  std::uint64_t listener_id_ = 0;
  std::uint64_t gen_ = 0;
  Callback<int> pending_;  // acquire waiting
  int id_ = 0;             // our node's ID (held, or suspended)
  std::int64_t session_ = 0;
  bool held_ = false;
};

}  // namespace zablab::client::recipes
