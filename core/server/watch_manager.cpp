#include "core/server/watch_manager.h"

#include <algorithm>

#include "core/data/path.h"
#include "core/jute/codes.h"

namespace zablab::server {

void WatchManager::added(const Table& table, ConnId conn, const std::string& path) {
  Holder& h = holders_[conn];
  paths_of(h, table).insert(path);
  ++per_address_[h.address];
  ++total_;
}

void WatchManager::removed(const Table& table, ConnId conn, const std::string& path) {
  auto it = holders_.find(conn);
  if (it == holders_.end() || paths_of(it->second, table).erase(path) == 0) return;
  if (auto a = per_address_.find(it->second.address); a != per_address_.end() && --a->second == 0) per_address_.erase(a);
  --total_;
}

void WatchManager::set_address(ConnId conn, std::string address) {
  Holder& h = holders_[conn];
  const std::size_t held = h.data.size() + h.child.size();
  if (held > 0) {  // not expected (the address comes first), but keep the counts right
    if (auto a = per_address_.find(h.address); a != per_address_.end()) {
      a->second -= std::min(a->second, held);
      if (a->second == 0) per_address_.erase(a);
    }
    per_address_[address] += held;
  }
  h.address = std::move(address);
}

std::size_t WatchManager::watch_count(ConnId conn) const {
  auto it = holders_.find(conn);
  return it == holders_.end() ? 0 : it->second.data.size() + it->second.child.size();
}

std::size_t WatchManager::address_watch_count(const std::string& address) const {
  auto it = per_address_.find(address);
  return it == per_address_.end() ? 0 : it->second;
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
  if (it == slot.end()) added(data_, conn, path);
  if (it != slot.end() && it->second == WatchMode::persistent_recursive) --recursive_entries_;
  slot[conn] = mode;
  if (mode == WatchMode::persistent_recursive) ++recursive_entries_;
}

void WatchManager::add_child_watch(ConnId conn, const std::string& path, WatchMode mode) {
  auto& slot = child_[path];
  if (!slot.count(conn)) added(child_, conn, path);
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
        removed(table, w->first, change.path);
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
  removed(table, conn, path);
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
  auto h = holders_.find(conn);
  if (h == holders_.end()) return;
  for (Table* table : {&data_, &child_}) {
    for (const auto& path : paths_of(h->second, *table)) {
      auto it = table->find(path);
      if (it == table->end()) continue;  // not expected: the index follows the table
      auto w = it->second.find(conn);
      if (w != it->second.end()) {
        if (table == &data_ && w->second == WatchMode::persistent_recursive) --recursive_entries_;
        it->second.erase(w);
      }
      if (it->second.empty()) table->erase(it);
    }
  }
  const std::size_t held = h->second.data.size() + h->second.child.size();
  if (auto a = per_address_.find(h->second.address); a != per_address_.end()) {
    a->second -= std::min(a->second, held);
    if (a->second == 0) per_address_.erase(a);
  }
  total_ -= std::min(total_, held);
  holders_.erase(h);
}

std::tuple<std::size_t, std::size_t, std::size_t> WatchManager::data_watch_summary() const {
  std::size_t conns = 0, watches = 0;
  for (const auto& [conn, h] : holders_) {
    conns += h.data.empty() ? 0 : 1;
    watches += h.data.size();
  }
  return {conns, data_.size(), watches};
}

std::map<ConnId, std::set<std::string>> WatchManager::data_paths_by_connection() const {
  std::map<ConnId, std::set<std::string>> out;
  for (const auto& [conn, h] : holders_)
    if (!h.data.empty()) out.emplace(conn, h.data);
  return out;
}

std::map<std::string, std::set<ConnId>> WatchManager::data_connections_by_path() const {
  std::map<std::string, std::set<ConnId>> out;
  for (const auto& [path, watchers] : data_)
    for (const auto& [conn, mode] : watchers) out[path].insert(conn);
  return out;
}

}  // namespace zablab::server
