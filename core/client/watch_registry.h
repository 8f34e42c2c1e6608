// The client's side of watches: which local watchers wait on which path, like the Java client's
// ZKWatchManager. The server keeps one entry per connection and path; the client fans an event
// out to every local watcher registered for it.
//
//   data   getData(watch) that succeeded, exists(watch) that found the node   one-shot
//   exist  exists(watch) that got NoNode                                        one-shot
//   child  getChildren(watch) that succeeded                                    one-shot
//   persistent / persistent_recursive   addWatch                                until removed
//
// Events: NodeCreated and NodeDataChanged fire data + exist watchers; NodeChildrenChanged fires
// child watchers; NodeDeleted fires all three. Persistent watchers on the path see every event of
// the path; persistent-recursive watchers on the path or an ancestor see every event except
// NodeChildrenChanged. A watcher object registered several times for one event is called once.
//
// Deterministic: paths are kept in std::map, watchers in registration order; nothing depends on
// pointer values.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/jute/codes.h"

namespace zablab::client {

// What a watcher hears: a node event (type > 0, with its path) or a connection-state event
// (type event_type::none, path empty, state keeper_state::*).
struct WatchedEvent {
  std::int32_t type = event_type::none;
  std::int32_t state = keeper_state::sync_connected;
  std::string path;         // empty for connection-state events
  bool operator==(const WatchedEvent&) const = default;
};

using WatchFn = std::function<void(const WatchedEvent&)>;
// A watcher is an object with an identity (like a Java Watcher): registering the same Watcher
// twice on a path makes it fire once. Make one with make_watcher() and reuse it.
using Watcher = std::shared_ptr<const WatchFn>;
inline Watcher make_watcher(WatchFn fn) { return std::make_shared<const WatchFn>(std::move(fn)); }

enum class WatchKind { data, exist, child, persistent, persistent_recursive };

class WatchRegistry {
 public:
  void add(WatchKind kind, const std::string& path, const Watcher& watcher);

  // The watchers an event from the server reaches, in a fixed order (data, exist, child,
  // persistent, then recursive from the path up to the root), each once. One-shot registrations
  // it fires are removed.
  std::vector<Watcher> materialize(std::int32_t event_type, const std::string& path);

  // removeWatches: takes the watchers of `path` that `watcher_type` (watcher_type::children,
  // data or any) covers. children -> child; data -> data + exist; any -> all five kinds. Returns
  // the removed watchers with the event type each should be told (ChildWatchRemoved,
  // DataWatchRemoved, PersistentWatchRemoved), deduplicated per (watcher, type).
  struct Removed {
    Watcher watcher;
    std::int32_t event_type;
  };
  bool has(const std::string& path, std::int32_t watcher_type) const;
  std::vector<Removed> remove(const std::string& path, std::int32_t watcher_type);

  // Every watcher, each once (for the terminal Expired / Closed notice), then forgets them all.
  std::vector<Watcher> take_all();
  bool empty() const;
  std::size_t size() const;  // registrations

  // Paths per kind, sorted: what setWatches re-arms after a reconnect.
  std::vector<std::string> paths(WatchKind kind) const;

 private:
  using Table = std::map<std::string, std::vector<Watcher>>;
  Table& table(WatchKind kind);
  const Table& table(WatchKind kind) const;

  Table data_, exist_, child_, persistent_, recursive_;
};

}  // namespace zablab::client
