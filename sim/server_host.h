// The machine a simulated server runs on: its Env (virtual clock, timers, client port on the
// simulated network, the simulated disk, a seeded PRNG) and its life cycle (start, crash,
// restart). The disk outlives the process: a restart builds a fresh Node over the same SimDisk,
// which recovers from what the crash left.
//
// Peer messages travel over sim/peer_links.h. Inputs reach the node one handler at a time; calls
// the node makes into the Env only schedule events. Env::shutdown() from inside a handler stops the process once that
// handler returns.
#pragma once

#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <string_view>

#include "core/env/env.h"
#include "core/env/node.h"
#include "core/util/prng.h"
#include "sim/peer_links.h"
#include "sim/process_trace.h"
#include "sim/server_kind.h"
#include "sim/sim_disk.h"
#include "sim/sim_network.h"
#include "sim/timer_table.h"

namespace zablab::sim {

struct HostOptions {
  std::int64_t wall_epoch_ms = 1'700'000'000'000;  // Env::wall_ms() at virtual time 0
  bool trace_logs = false;                         // Env::log lines into the trace too
  std::size_t log_lines_kept = 200;
};

class ServerHost final : public Env, public NetEndpoint {
 public:
  ServerHost(Simulator& sim, SimNetwork& network, EndpointId id, server::ServerConfig config, ServerKind kind,
             DiskOptions disk_options, HostOptions options);
  ~ServerHost() override;
  ServerHost(const ServerHost&) = delete;
  ServerHost& operator=(const ServerHost&) = delete;

  // Starts a new incarnation: builds the node and calls its start(). Requires !up().
  void start();
  // Three ways to stop a server against its will (docs/scenarios.md, "Crashes"):
  // crash(): the process is gone (timers, connections: the peers get a reset at once) and the
  //   disk keeps only what a power loss keeps -- the mix `crash` has always meant in scenarios.
  //   On a node that is already down it only power-cycles the disk.
  void crash(const std::string& reason);
  // kill(): the process dies (SIGKILL, OOM killer) but the machine lives: the kernel keeps the
  //   page cache, so un-fsynced writes survive and queued ones still complete, and it resets
  //   every connection at once. Nothing to do on a node that is already down.
  void kill(const std::string& reason);
  // power_off(): the machine stops. Un-fsynced writes are lost (a torn tail possible) and nobody
  //   tells the peers: they notice only by their timeouts. On a node that is already down (killed)
  //   it loses what the page cache still held.
  void power_off(const std::string& reason);
  // Crash (as crash() does) the next time the node reaches the named persistence point
  // (sim/crash_points.h), in this incarnation or a later one. Each arming fires once.
  void arm_crash_point(const std::string& point) { armed_points_.insert(point); }
  void disarm_crash_points() { armed_points_.clear(); }
  const std::multiset<std::string>& armed_crash_points() const { return armed_points_; }

  EndpointId id() const { return id_; }
  bool up() const { return up_; }
  int incarnation() const { return incarnation_; }
  const std::string& down_reason() const { return down_reason_; }
  Node* node() { return node_.get(); }
  const Node* node() const { return node_.get(); }
  SimDisk& sim_disk() { return disk_; }
  const LogTail& logs() const { return logs_; }
  const server::ServerConfig& config() const { return config_; }
  ServerState state() const;

  // --- Env ---
  // Once the node has hit an armed crash point, its calls reach nothing: the process is dead
  // from that instruction on, and stops for good when the running handler returns.
  std::int64_t now_ms() const override { return sim_.now() / kMillisecond; }
  std::int64_t wall_ms() const override { return options_.wall_epoch_ms + now_ms(); }
  TimerId set_timer(std::int64_t delay_ms) override;
  void cancel_timer(TimerId id) override { timers_.cancel(id); }
  void client_send(ConnId conn, std::string bytes) override {
    if (dying_.empty()) network_.send(id_, conn, std::move(bytes));
  }
  void client_close(ConnId conn) override {
    if (dying_.empty()) network_.close(id_, conn);
  }
  void peer_send(PeerId peer, PeerChannel channel, std::string message) override {
    if (dying_.empty()) peers_.send(peer, channel, std::move(message));
  }
  void peer_disconnect(PeerId peer, PeerChannel channel) override {
    if (dying_.empty()) peers_.disconnect(peer, channel);
  }
  Disk& disk() override { return dying_.empty() ? static_cast<Disk&>(disk_) : static_cast<Disk&>(dead_disk_); }
  std::uint64_t random_u64() override { return prng_.next(); }
  void shutdown(std::string_view reason) override;
  void trace(const TraceEvent& event) override;
  void log(LogLevel level, std::string_view message) override;

  // --- NetEndpoint ---
  // A running server listens on its client port and both peer ports.
  bool net_listening(int port_number) const override {
    return up_ && (port_number == port::client || channel_of(port_number).has_value());
  }
  void net_accepted(ConnId conn, EndpointId from, int port_number) override;
  void net_connected(ConnId conn) override;
  void net_bytes(ConnId conn, std::string_view bytes) override;
  void net_closed(ConnId conn) override;

 private:
  // Runs one node handler, then carries out a shutdown it asked for.
  template <class F>
  void dispatch(F&& handler);
  // crash and power_off: the disk crashes right after (disk_.crash()); kill: the machine lives
  // on; exit: the process shut itself down (e.g. on a full disk), the machine lives on.
  enum class StopHow { crash, kill, power_off, exit };
  void stop_process(const std::string& reason, StopHow how = StopHow::crash);
  void deliver_peer_inputs(std::vector<PeerLinks::Input> inputs);

  // The disk a dead process writes to: nothing it does reaches the SimDisk (reads still see it).
  class DeadDisk final : public Disk {
   public:
    explicit DeadDisk(SimDisk& real) : real_(real) {}
    void append(const std::string&, std::string, DiskToken) override {}
    void sync(const std::string&, DiskToken) override {}
    void write_atomic(const std::string&, std::string, DiskToken) override {}
    void rename(const std::string&, const std::string&, DiskToken) override {}
    std::optional<std::string> read(const std::string& file) override { return real_.read(file); }
    std::vector<std::string> list(const std::string& dir) override { return real_.list(dir); }
    bool truncate(const std::string&, std::uint64_t) override { return false; }
    bool remove(const std::string&) override { return false; }
    bool make_dirs(const std::string&) override { return false; }

   private:
    SimDisk& real_;
  };

  Simulator& sim_;
  SimNetwork& network_;
  EndpointId id_;
  server::ServerConfig config_;
  ServerKind kind_;
  HostOptions options_;
  SimDisk disk_;
  TimerTable timers_;
  util::Prng prng_;
  LogTail logs_;
  PeerLinks peers_;
  std::unique_ptr<Node> node_;
  bool up_ = false;
  bool in_handler_ = false;
  int incarnation_ = 0;
  std::string down_reason_;
  std::string shutdown_requested_;  // non-empty: stop once the running handler returns
  std::multiset<std::string> armed_points_;  // crash points armed (sim/crash_points.h)
  std::string dying_;  // non-empty: hit this armed crash point; power loss once the handler returns
  DeadDisk dead_disk_{disk_};
};

}  // namespace zablab::sim
