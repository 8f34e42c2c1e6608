// A distributed FIFO queue (kazoo Queue, Curator SimpleDistributedQueue) where each item is taken
// exactly once, even when a take's answer is lost.
//
// put() creates a persistent-sequential "entry-" node. take() lists the entries, reads the
// lowest and, in one multi, deletes it and creates an ephemeral "claim-<entry>" node of its own
// session. If the multi's answer is lost (ConnectionLoss) the claim says whether it happened:
// there, owned by our session -> the item is ours; absent -> it was not executed (or another
// consumer won), so take looks again. A plain delete could not tell "I deleted it" from "someone
// else did". take() waits with a children watch while the queue is empty.
#pragma once

#include <deque>
#include <string>

#include "core/client/recipes/recipe_base.h"

namespace zablab::client::recipes {

class Queue : private Guarded {
 public:
  Queue(Client& client, std::string dir);
  ~Queue();
  // value = the entry's path.
  void put(std::string data, Callback<std::string> cb);
  // value = the item's data; waits while the queue is empty. Takes are served one at a time.
  // (Items a take won after a reconnect started a newer look are kept for the next take(); they
  // are lost if the Queue is destroyed first.)
  void take(Callback<std::string> cb);
  // value = entries waiting (claims aside).
  void size(Callback<std::int32_t> cb);

 private:
  void next_take();
  void list();
  void try_take(std::uint64_t g, std::vector<std::string> entries, std::size_t i);
  void resolve_claim(std::uint64_t g, std::vector<std::string> entries, std::size_t i, std::string data);
  void took(std::uint64_t g, const std::string& entry, std::string data);

  Client& client_;
  std::string dir_;
  std::deque<Callback<std::string>> takers_;
  std::deque<std::string> ready_;  // items won by a superseded look, for the next take()
  bool taking_ = false;
  std::uint64_t listener_id_ = 0;
  std::uint64_t gen_ = 0;
};

}  // namespace zablab::client::recipes
