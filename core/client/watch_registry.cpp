#include "core/client/watch_registry.h"

#include <algorithm>

#include "core/data/path.h"

namespace zablab::client {
namespace {

void add_unique(std::vector<Watcher>& out, const Watcher& w) {
  if (w && std::find(out.begin(), out.end(), w) == out.end()) out.push_back(w);
}

}  // namespace

WatchRegistry::Table& WatchRegistry::table(WatchKind kind) {
  switch (kind) {
    case WatchKind::data: return data_;
    case WatchKind::exist: return exist_;
    case WatchKind::child: return child_;
    case WatchKind::persistent: return persistent_;
    case WatchKind::persistent_recursive: return recursive_;
  }
  return data_;
}

const WatchRegistry::Table& WatchRegistry::table(WatchKind kind) const {
  return const_cast<WatchRegistry*>(this)->table(kind);
}

void WatchRegistry::add(WatchKind kind, const std::string& path, const Watcher& watcher) {
  if (!watcher) return;
  add_unique(table(kind)[path], watcher);
}

std::vector<Watcher> WatchRegistry::materialize(std::int32_t type, const std::string& path) {
  std::vector<Watcher> out;
  auto take = [&](Table& t) {
    auto it = t.find(path);
    if (it == t.end()) return;
    for (const auto& w : it->second) add_unique(out, w);
    t.erase(it);
  };
  auto peek = [&](const Table& t, const std::string& p) {
    auto it = t.find(p);
    if (it == t.end()) return;
    for (const auto& w : it->second) add_unique(out, w);
  };
  switch (type) {
    case event_type::node_created:
    case event_type::node_data_changed:
      take(data_);
      take(exist_);
      break;
    case event_type::node_children_changed:
      take(child_);
      break;
    case event_type::node_deleted:
      take(data_);
      take(exist_);
      take(child_);
      break;
    default:
      return out;  // not a node event: no path watcher hears it
  }
  peek(persistent_, path);
  if (type != event_type::node_children_changed && !recursive_.empty()) {
    // The path itself, then each ancestor up to "/". Bounded by the path's depth.
    std::string p = path;
    for (std::size_t guard = 0; guard <= path.size() && !p.empty(); ++guard) {
      peek(recursive_, p);
      p = std::string(data::parent_path(p));
    }
  }
  return out;
}

bool WatchRegistry::has(const std::string& path, std::int32_t watcher_type) const {
  auto in = [&](const Table& t) { return t.count(path) > 0; };
  switch (watcher_type) {
    case watcher_type::children: return in(child_);
    case watcher_type::data: return in(data_) || in(exist_);
    case watcher_type::any:
      return in(child_) || in(data_) || in(exist_) || in(persistent_) || in(recursive_);
    default: return false;
  }
}

std::vector<WatchRegistry::Removed> WatchRegistry::remove(const std::string& path, std::int32_t watcher_type) {
  std::vector<Removed> out;
  auto take = [&](Table& t, std::int32_t event) {
    auto it = t.find(path);
    if (it == t.end()) return;
    for (const auto& w : it->second) {
      bool seen = std::any_of(out.begin(), out.end(),
                              [&](const Removed& r) { return r.watcher == w && r.event_type == event; });
      if (!seen) out.push_back({w, event});
    }
    t.erase(it);
  };
  const bool any = watcher_type == watcher_type::any;
  if (watcher_type == watcher_type::data || any) {
    take(data_, event_type::data_watch_removed);
    take(exist_, event_type::data_watch_removed);
  }
  if (watcher_type == watcher_type::children || any) take(child_, event_type::child_watch_removed);
  if (any) {
    take(persistent_, event_type::persistent_watch_removed);
    take(recursive_, event_type::persistent_watch_removed);
  }
  return out;
}

std::vector<Watcher> WatchRegistry::take_all() {
  std::vector<Watcher> out;
  for (Table* t : {&data_, &exist_, &child_, &persistent_, &recursive_}) {
    for (const auto& [path, ws] : *t)
      for (const auto& w : ws) add_unique(out, w);
    t->clear();
  }
  return out;
}

bool WatchRegistry::empty() const {
  return data_.empty() && exist_.empty() && child_.empty() && persistent_.empty() && recursive_.empty();
}

std::size_t WatchRegistry::size() const {
  std::size_t n = 0;
  for (const Table* t : {&data_, &exist_, &child_, &persistent_, &recursive_})
    for (const auto& [path, ws] : *t) n += ws.size();
  return n;
}

std::vector<std::string> WatchRegistry::paths(WatchKind kind) const {
  std::vector<std::string> out;
  for (const auto& [path, ws] : table(kind)) out.push_back(path);
  return out;
}

}  // namespace zablab::client
