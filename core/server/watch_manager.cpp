#include "core/server/watch_manager.h"

#include <algorithm>

#include "core/data/path.h"
#include "core/jute/codes.h"

namespace zablab::server {

void WatchManager::added(ConnId conn) {
  ++per_conn_[conn];
  ++total_;
}

void WatchManager::removed(ConnId conn, std::size_t n) {
  auto it = per_conn_.find(conn);
  if (it == per_conn_.end()) return;
  n = std::min(n, it->second);
  it->second -= n;
  total_ -= n;
  if (it->second == 0) per_conn_.erase(it);
}

std::size_t WatchManager::watch_count(ConnId conn) const {
  auto it = per_conn_.find(conn);
  return it == per_conn_.end() ? 0 : it->second;
}

std::size_t WatchManager::new_entries(ConnId conn, const std::string& path, bool data, bool child) const {
  auto absent = [&](const Table& table) {
    auto it = table.find(path);
    return it == table.end() || !it->second.count(conn);
  };
  return (data && absent(data_) ? 1 : 0) + (child && absent(child_) ? 1 : 0);
}

void WatchManager::add_data_watch(ConnId conn, const std::string& path, WatchMode mode) {
  auto& slot = data_[path];
  auto it = slot.find(conn);
  if (it == slot.end()) added(conn);
  if (it != slot.end() && it->second == WatchMode::persistent_recursive) --recursive_entries_;
  slot[conn] = mode;
  if (mode == WatchMode::persistent_recursive) ++recursive_entries_;
}

void WatchManager::add_child_watch(ConnId conn, const std::string& path, WatchMode mode) {
  auto& slot = child_[path];
  if (!slot.count(conn)) added(conn);
  slot[conn] = mode;
}

std::vector<WatchNotice> WatchManager::trigger(const data::WatchTrigger& change) {
  std::vector<WatchNotice> out;
  std::set<ConnId> told;
  const bool children_changed = change.type == event_type::node_children_changed;

  auto fire_exact = [&](Table& table) {
    auto it = table.find(change.path);
    if (it == table.end()) return;
    auto& watchers = it->second;
    for (auto w = watchers.begin(); w != watchers.end();) {
      // A recursive watch never reports NodeChildrenChanged.
      if (children_changed && w->second == WatchMode::persistent_recursive) {
        ++w;
        continue;
      }
      if (told.insert(w->first).second)
        out.push_back({w->first, change.type, change.path, w->second != WatchMode::standard});
      if (w->second == WatchMode::standard) {
        removed(w->first);
        w = watchers.erase(w);
      } else {
        ++w;
      }
    }
    if (watchers.empty()) table.erase(it);
  };

  if (!children_changed) fire_exact(data_);
  if (change.type == event_type::node_deleted || children_changed) fire_exact(child_);

  // Persistent-recursive watches on an ancestor see creates, deletes and data changes below it.
  if (!children_changed && recursive_entries_ > 0) {
    std::string_view p = data::parent_path(change.path);
    while (!p.empty()) {
      auto it = data_.find(std::string(p));
      if (it != data_.end())
        for (const auto& [conn, mode] : it->second)
          if (mode == WatchMode::persistent_recursive && told.insert(conn).second)
            out.push_back({conn, change.type, change.path, true});
      p = data::parent_path(p);
    }
    std::sort(out.begin(), out.end(), [](const WatchNotice& a, const WatchNotice& b) { return a.conn < b.conn; });
  }
  return out;
}

bool WatchManager::matches(WatchMode mode, std::int32_t watcher_type) {
  switch (watcher_type) {
    case watcher_type::children:
    case watcher_type::data:
      return mode == WatchMode::standard;
    case watcher_type::any:
      return true;
    case 4:
      return mode == WatchMode::persistent;
    case 5:
      return mode == WatchMode::persistent_recursive;
    default:
      return false;
  }
}

bool WatchManager::has_watch(ConnId conn, const std::string& path, std::int32_t watcher_type) const {
  auto look = [&](const Table& table) {
    auto it = table.find(path);
    if (it == table.end()) return false;
    auto w = it->second.find(conn);
    return w != it->second.end() && matches(w->second, watcher_type);
  };
  if (watcher_type == watcher_type::children) return look(child_);
  if (watcher_type == watcher_type::data) return look(data_);
  return look(data_) || look(child_);
}

bool WatchManager::remove_from(Table& table, ConnId conn, const std::string& path, std::int32_t watcher_type) {
  auto it = table.find(path);
  if (it == table.end()) return false;
  auto w = it->second.find(conn);
  if (w == it->second.end() || !matches(w->second, watcher_type)) return false;
  it->second.erase(w);
  removed(conn);
  if (it->second.empty()) table.erase(it);
  return true;
}

bool WatchManager::remove_watch(ConnId conn, const std::string& path, std::int32_t watcher_type) {
  bool removed = false;
  if (watcher_type != watcher_type::children) {
    auto it = data_.find(path);
    bool recursive = it != data_.end() && it->second.count(conn) &&
                     it->second.at(conn) == WatchMode::persistent_recursive;
    if (remove_from(data_, conn, path, watcher_type)) {
      removed = true;
      if (recursive) --recursive_entries_;
    }
  }
  if (watcher_type != watcher_type::data && remove_from(child_, conn, path, watcher_type)) removed = true;
  return removed;
}

void WatchManager::remove_connection(ConnId conn) {
  for (Table* table : {&data_, &child_}) {
    for (auto it = table->begin(); it != table->end();) {
      auto w = it->second.find(conn);
      if (w != it->second.end()) {
        if (table == &data_ && w->second == WatchMode::persistent_recursive) --recursive_entries_;
        it->second.erase(w);
        removed(conn);
      }
      it = it->second.empty() ? table->erase(it) : std::next(it);
    }
  }
}

std::tuple<std::size_t, std::size_t, std::size_t> WatchManager::data_watch_summary() const {
  std::set<ConnId> conns;
  std::size_t watches = 0;
  for (const auto& [path, watchers] : data_) {
    watches += watchers.size();
    for (const auto& [conn, mode] : watchers) conns.insert(conn);
  }
  return {conns.size(), data_.size(), watches};
}

std::map<ConnId, std::set<std::string>> WatchManager::data_paths_by_connection() const {
  std::map<ConnId, std::set<std::string>> out;
  for (const auto& [path, watchers] : data_)
    for (const auto& [conn, mode] : watchers) out[conn].insert(path);
  return out;
}

std::map<std::string, std::set<ConnId>> WatchManager::data_connections_by_path() const {
  std::map<std::string, std::set<ConnId>> out;
  for (const auto& [path, watchers] : data_)
    for (const auto& [conn, mode] : watchers) out[path].insert(conn);
  return out;
}

}  // namespace zablab::server
