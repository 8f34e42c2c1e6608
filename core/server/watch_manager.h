// The server's watch tables: for each path, which connections watch it and how.
//
// Two tables, as in ZooKeeper: data watches (getData, exists — even on a missing node) and child
// watches (getChildren). addWatch puts a persistent or persistent-recursive entry in both. One
// entry per connection+path+table; the last registration wins (ZooKeeper 3.8 behaves so).
// Standard watches are one-shot; persistent ones last until removed or the connection closes.
// Connections are iterated in id order, so who is notified first is deterministic.
// Each connection's own paths are indexed too, so that dropping a closed connection's watches
// costs what it held, not what everybody holds (a million watches of others made every close a
// 100 ms stall); and entries are counted per client address, for maxWatchesPerAddress.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "core/data/data_tree.h"
#include "core/env/env.h"

namespace zablab::server {

enum class WatchMode { standard, persistent, persistent_recursive };

struct WatchNotice {
  ConnId conn;
  std::int32_t type;  // event_type::*
  std::string path;
  // The watch that fired is persistent (or recursive): it was set once, on another node maybe,
  // so the server checks READ on the changed node before telling (ZooKeeper 3.8.4, CVE-2024-23944).
  bool persistent;
};

class WatchManager {
 public:
  void add_data_watch(ConnId conn, const std::string& path, WatchMode mode = WatchMode::standard);
  void add_child_watch(ConnId conn, const std::string& path, WatchMode mode = WatchMode::standard);
  // How many entries adding these would create (an existing entry is replaced, not added): what
  // the server checks against maxWatchesPerConnection / maxWatches first.
  std::size_t new_entries(ConnId conn, const std::string& path, bool data, bool child) const;

  // Who hears about `change`; one-shot entries are consumed. Order: connection id, no duplicates.
  std::vector<WatchNotice> trigger(const data::WatchTrigger& change);

  // checkWatches/removeWatches. `watcher_type`: 1 children, 2 data, 3 any, 4 persistent,
  // 5 persistent recursive. remove returns whether anything was removed.
  bool has_watch(ConnId conn, const std::string& path, std::int32_t watcher_type) const;
  bool remove_watch(ConnId conn, const std::string& path, std::int32_t watcher_type);
  // Forgets every watch of `conn`, and its address: O(its own entries x log).
  void remove_connection(ConnId conn);
  // The client address ("ip", no port) entries of `conn` count against, from now on (a
  // connection's address is set before it can set a watch).
  void set_address(ConnId conn, std::string address);

  // Entries in both tables: all together, of one connection, of one client address (O(log)).
  std::size_t watch_count() const { return total_; }
  std::size_t watch_count(ConnId conn) const;
  std::size_t address_watch_count(const std::string& address) const;
  // The data table alone, as ZooKeeper's wchs summarises it: (connections, paths, watches).
  std::tuple<std::size_t, std::size_t, std::size_t> data_watch_summary() const;
  // conn -> paths and path -> conns of the data table, for the wchc / wchp four-letter words
  // (ZooKeeper dumps only its data watches there, as it summarises only them in wchs).
  std::map<ConnId, std::set<std::string>> data_paths_by_connection() const;
  std::map<std::string, std::set<ConnId>> data_connections_by_path() const;

 private:
  using Table = std::map<std::string, std::map<ConnId, WatchMode>>;
  // What one connection holds: its paths in each table, and the address they count against.
  struct Holder {
    std::set<std::string> data, child;
    std::string address;
  };
  static bool matches(WatchMode mode, std::int32_t watcher_type);
  bool remove_from(Table& table, ConnId conn, const std::string& path, std::int32_t watcher_type);
  std::set<std::string>& paths_of(Holder& h, const Table& table) { return &table == &data_ ? h.data : h.child; }
  // Bookkeeping of one entry of `table` added / removed (the tables themselves are changed by the caller).
  void added(const Table& table, ConnId conn, const std::string& path);
  void removed(const Table& table, ConnId conn, const std::string& path);

  Table data_;
  Table child_;
  std::size_t recursive_entries_ = 0;  // lets trigger skip the ancestor walk when there are none
  std::map<ConnId, Holder> holders_;   // every connection with an address or an entry
  std::map<std::string, std::size_t> per_address_;  // entries per address (no zero counts kept)
  std::size_t total_ = 0;
};

}  // namespace zablab::server
