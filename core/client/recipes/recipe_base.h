// What every recipe shares: a lifetime guard for callbacks, protected (GUID-tagged) sequential
// node names, sorting by sequence number, and creating a recipe's parent path.
//
// Recipes (docs/client.md, "Recipes") are event-driven state machines over the asynchronous
// client::Client: no threads, no clock, no randomness but Client::random_u64. They run unchanged
// over a real connection (runtime/client) and inside the simulator (sim/), where tests check
// their invariants under crashes and partitions. Every method must be called on the client's
// thread (the io thread; in the simulator, from ClientHost::invoke or a client callback), and
// every callback a recipe makes runs there too.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/client/client.h"

namespace zablab::client::recipes {

// Owns a token that callbacks check, so a recipe may be destroyed while the client still holds
// its callbacks and watchers: they then do nothing.
class Guarded {
 public:
  Guarded() = default;
  Guarded(const Guarded&) = delete;
  Guarded& operator=(const Guarded&) = delete;

 protected:
  // Wraps f so that it runs only while this object lives.
  template <class F>
  auto guard(F f) const {
    return [w = std::weak_ptr<const char>(alive_), f = std::move(f)](auto&&... args) mutable {
      if (!w.expired()) f(std::forward<decltype(args)>(args)...);
    };
  }

 private:
  std::shared_ptr<const char> alive_ = std::make_shared<const char>(0);
};

// "_c_<32 hex digits>-": the prefix Curator puts before a protected node's name, so that a
// create whose answer was lost (ConnectionLoss) can find its node among the children.
std::string new_protection_prefix(Client& client);
// The 10-digit sequence suffix of a sequential node's name; nullopt if it has none.
std::optional<std::int64_t> sequence_of(std::string_view name);
// The name without the protection prefix: "_c_<guid>-lock-0000000003" -> "lock-0000000003".
std::string_view strip_protection(std::string_view name);
// Names that (after the protection prefix) start with one of `prefixes` and end in a sequence
// number, sorted by that number.
std::vector<std::string> sorted_by_sequence(const std::vector<std::string>& names,
                                            const std::vector<std::string>& prefixes);
// "/a/b" + "c" -> "/a/b/c".
std::string join_path(std::string_view dir, std::string_view name);
// The last component of a path.
std::string_view base_name(std::string_view path);

// Creates `path` and its missing ancestors as persistent nodes (NodeExists is fine), retrying
// after ConnectionLoss. cb(Ok) when the path exists, otherwise the first other error.
void ensure_path(Client& client, const std::string& path, DoneCallback cb);

// Err values a recipe retries rather than reports: the request's outcome is unknown or it never
// reached a server, and the client is reconnecting.
// Never after close(): a closed client fails every request at once, and retrying would spin.
inline bool retryable(const Client& client, Err e) {
  return (e == Err::connection_loss || e == Err::operation_timeout || e == Err::request_timeout) &&
         client.state() != State::closed;
}

// How a recipe holding something (a lock, leadership, an ID) hears about the connection, in
// Curator's terms: SUSPENDED may mean it is lost (do not act as holder), RECONNECTED after the
// recipe re-checked that it still holds, LOST for good (the session expired).
enum class HoldEvent {
  acquired,     // now held (also after a re-check on reconnect)
  suspended,    // connection gone: held() is false until re-checked or lost
  lost,         // the session expired (or the node vanished): it is not held any more
  released,     // released by the owner
};
std::string_view hold_event_name(HoldEvent e);
using HoldListener = std::function<void(HoldEvent)>;

}  // namespace zablab::client::recipes
