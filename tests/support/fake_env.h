// A hand-driven Env for unit tests of core state machines: a manual clock, timers that fire only
// when the test advances time, client output captured per connection, and an in-memory disk
// whose completions are delivered when the test asks. Nothing calls into the node by itself.
#pragma once

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "core/env/env.h"
#include "core/env/node.h"

namespace zablab::test {

class MemDisk : public Disk {
 public:
  struct Done {
    DiskToken token;
    DiskStatus status;
  };
  void append(const std::string& file, std::string bytes, DiskToken token) override {
    files[file] += bytes;
    done.push_back({token, {}});
  }
  void sync(const std::string&, DiskToken token) override {
    ++syncs;
    done.push_back({token, {}});
  }
  void write_atomic(const std::string& file, std::string bytes, DiskToken token) override {
    files[file] = std::move(bytes);
    done.push_back({token, {}});
  }
  void rename(const std::string& from, const std::string& to, DiskToken token) override {
    auto it = files.find(from);
    if (it == files.end()) {
      done.push_back({token, {false, "No such file or directory"}});
      return;
    }
    files[to] = std::move(it->second);
    files.erase(from);
    done.push_back({token, {}});
  }
  std::optional<std::string> read(const std::string& file) override {
    auto it = files.find(file);
    if (it == files.end()) return std::nullopt;
    return it->second;
  }
  std::vector<std::string> list(const std::string& dir) override {
    std::vector<std::string> out;
    const std::string prefix = dir + "/";
    for (const auto& [path, bytes] : files)
      if (path.rfind(prefix, 0) == 0 && path.find('/', prefix.size()) == std::string::npos)
        out.push_back(path.substr(prefix.size()));
    return out;
  }
  bool truncate(const std::string& file, std::uint64_t size) override {
    auto it = files.find(file);
    if (it == files.end()) return false;
    it->second.resize(size);
    return true;
  }
  bool remove(const std::string& file) override { return files.erase(file) > 0; }
  bool make_dirs(const std::string&) override { return true; }

  std::map<std::string, std::string> files;
  std::vector<Done> done;
  int syncs = 0;  // sync() calls so far
};

class FakeEnv : public Env {
 public:
  std::int64_t now_ms() const override { return now; }
  std::int64_t wall_ms() const override { return 1'700'000'000'000 + now; }
  TimerId set_timer(std::int64_t delay_ms) override {
    TimerId id = next_timer++;
    timers.emplace(std::make_pair(now + delay_ms, id), id);
    return id;
  }
  void cancel_timer(TimerId id) override {
    for (auto it = timers.begin(); it != timers.end(); ++it)
      if (it->second == id) {
        timers.erase(it);
        return;
      }
  }
  void client_send(ConnId conn, std::string bytes) override { out[conn] += bytes; }
  void client_close(ConnId conn) override { closed.insert(conn); }
  void client_pause_reading(ConnId conn, bool paused) override {
    if (paused) {
      reading_paused.insert(conn);
    } else {
      reading_paused.erase(conn);
    }
  }
  // A connection's output is full while more than output_limit bytes sent to it wait in out[conn]
  // (a test "reads" them by taking them, then calls Node::on_client_drained). 0: never full.
  bool client_output_full(ConnId conn) const override {
    const auto it = out.find(conn);
    return output_limit > 0 && it != out.end() && it->second.size() > output_limit;
  }
  void peer_send(PeerId peer, PeerChannel, std::string bytes) override { peer_out[peer].push_back(std::move(bytes)); }
  void peer_disconnect(PeerId, PeerChannel) override {}
  Disk& disk() override { return mem_disk; }
  std::uint64_t random_u64() override { return ++random_state * 0x9E3779B97F4A7C15ULL; }
  void shutdown(std::string_view reason) override { shutdown_reason = std::string(reason); }
  void trace(const TraceEvent& event) override { traces.push_back(event); }
  void log(LogLevel, std::string_view message) override { logs.emplace_back(message); }

  // Moves the clock forward, firing due timers in (time, id) order.
  void advance(Node& node, std::int64_t ms) {
    const std::int64_t until = now + ms;
    for (int guard = 0; guard < 100000; ++guard) {
      if (timers.empty() || timers.begin()->first.first > until) break;
      auto [key, id] = *timers.begin();
      timers.erase(timers.begin());
      now = key.first;
      node.on_timer(id);
    }
    now = until;
  }
  // Delivers queued disk completions.
  void complete_disk(Node& node) {
    for (int guard = 0; guard < 100000 && !mem_disk.done.empty(); ++guard) {
      auto batch = std::move(mem_disk.done);
      mem_disk.done.clear();
      for (const auto& d : batch) node.on_disk_done(d.token, d.status);
    }
  }
  bool has_logged(std::string_view needle) const {
    return std::any_of(logs.begin(), logs.end(), [&](const std::string& l) { return l.find(needle) != std::string::npos; });
  }

  std::int64_t now = 0;
  TimerId next_timer = 1;
  std::map<std::pair<std::int64_t, TimerId>, TimerId> timers;
  std::map<ConnId, std::string> out;
  std::set<ConnId> closed;
  std::set<ConnId> reading_paused;  // connections the node asked not to read
  std::size_t output_limit = 0;     // see client_output_full
  std::map<PeerId, std::vector<std::string>> peer_out;
  MemDisk mem_disk;
  std::uint64_t random_state = 0;
  std::vector<TraceEvent> traces;
  std::vector<std::string> logs;
  std::string shutdown_reason;
};

}  // namespace zablab::test
