// The real Env: one Boost.Asio io_context, one event-loop thread (the one in run()), real TCP,
// POSIX files, the steady and system clocks.
//
// An AsioEnv hosts exactly one Node (attach()) and delivers every input to it on the loop thread,
// one handler at a time and never from inside a call the node makes into the Env: calls into the
// Env only queue work (a timer, a write, a disk job), whose outcome arrives later as an input.
// After Env::shutdown() the node gets no input at all.
//
// Usage (see apps/zablab_server_main.cpp):
//   AsioEnv env(LogLevel::info, data_dir);
//   const auto port = env.listen("127.0.0.1", 0);   // before run(); 0 = the OS picks a port
//   MyNode node(env, ...);
//   env.attach(node);
//   node.start();
//   env.stop_on_signals();                           // SIGINT / SIGTERM -> stop()
//   env.run();                                       // until stop()
//
// Thread safety: everything except stop() must be called on the loop thread (or before run()).
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>

#include "core/env/env.h"
#include "core/env/node.h"
#include "core/util/prng.h"
#include "runtime/peer_transport.h"
#include "runtime/posix_disk.h"

namespace zablab::runtime {

class AsioEnv final : public zablab::Env {
 public:
  // Receives every log line that passes the level filter, already formatted, without newline.
  using LogSink = std::function<void(LogLevel level, std::string_view line)>;

  // disk_root: where relative Disk file names live (empty: the working directory).
  explicit AsioEnv(LogLevel min_log_level = LogLevel::info, std::filesystem::path disk_root = {});
  ~AsioEnv() override;
  AsioEnv(const AsioEnv&) = delete;
  AsioEnv& operator=(const AsioEnv&) = delete;

  // The node that gets the inputs. Call once, before run().
  void attach(Node& node);

  // Opens the client port: binds `address` ("" = all interfaces, 0.0.0.0; a host name is
  // resolved) and `port` (0 = the OS picks) and starts accepting once run() runs. backlog -1 =
  // the system's maximum. Returns the bound port. Throws std::runtime_error
  // ("listen on 127.0.0.1:2181: Address already in use").
  std::uint16_t listen(const std::string& address, std::uint16_t port, int backlog = -1);
  // The address and port of the last listen() ("0.0.0.0:2181").
  std::string listening_on() const { return listening_on_; }

  // maxCnxns: connections beyond this many open ones are closed at accept, unseen by the node.
  // 0 = unlimited (the default).
  void set_max_connections(std::size_t max_connections) { max_connections_ = max_connections; }
  // Back-pressure on clients that do not read their replies: a connection is not read while more
  // than this many bytes wait to be written to it (the client's socket fills, then its writes
  // block), and the node hears its output is full (client_output_full), so it makes no more
  // replies for it. 0 = no bound. Default 4 MiB: several of the largest replies (jute.maxbuffer).
  void set_max_unsent_bytes(std::size_t bytes) { max_unsent_bytes_ = bytes; }
  // Whether a read is under way on a client connection (tests of the flow control).
  bool reading(ConnId conn) const;

  // Runs the event loop until stop(). Rethrows what a node handler throws. Requires attach().
  // run() may be called again afterwards; what was pending is still pending.
  void run();
  // Makes the current run() return soon, or the next one at once if none is running. Safe from
  // any thread and from inside a handler.
  void stop();
  // From now on SIGINT and SIGTERM call stop() (and log which signal).
  void stop_on_signals();

  void set_log_level(LogLevel level) { min_log_level_ = level; }
  LogLevel log_level() const { return min_log_level_; }
  // Default: one write(2) per line to stderr.
  void set_log_sink(LogSink sink);

  // Makes this process the ensemble member `self`: creates the peer transport (once; later calls
  // return the same one), which the caller then configures (set_peer, listen) before run().
  // Inputs from peers reach the attached node, like every other input.
  PeerTransport& enable_peer_transport(PeerId self);
  // nullptr until enable_peer_transport().
  PeerTransport* peer_transport() { return peers_.get(); }

  boost::asio::io_context& io_context() { return io_; }
  PosixDisk& posix_disk() { return disk_; }
  // Open client connections (not counting those being flushed after client_close()).
  std::size_t connection_count() const;

  // --- zablab::Env ---
  std::int64_t now_ms() const override;
  std::int64_t wall_ms() const override;
  TimerId set_timer(std::int64_t delay_ms) override;
  void cancel_timer(TimerId id) override;
  void client_send(ConnId conn, std::string bytes) override;
  void client_close(ConnId conn) override;
  void client_pause_reading(ConnId conn, bool paused) override;
  bool client_output_full(ConnId conn) const override;
  // Through the peer transport (enable_peer_transport()); without one (standalone) peer_send
  // logs an error and drops the message, and peer_disconnect does nothing.
  void peer_send(PeerId peer, PeerChannel channel, std::string message) override;
  void peer_disconnect(PeerId peer, PeerChannel channel) override;
  Disk& disk() override { return disk_; }
  std::uint64_t random_u64() override;
  // Logs "shutdown: <reason>" at error level, delivers nothing more to the node and stops run().
  // The caller (main) sees shutdown_reason() and exits with an error.
  void shutdown(std::string_view reason) override;
  const std::optional<std::string>& shutdown_reason() const { return shutdown_reason_; }
  // open_file_descriptor_count (entries of /proc/self/fd) and max_file_descriptor_count (the soft
  // RLIMIT_NOFILE; -1 when unlimited), as the JVM reports them to ZooKeeper's mntr.
  std::vector<std::pair<std::string, std::string>> host_metrics() const override;
  // Logged at debug level: "trace <kind> <detail>"; and handed to the trace listener, if any.
  void trace(const TraceEvent& event) override;
  // zablab-server --trace: every core trace event also goes here (on the loop's thread).
  void set_trace_listener(std::function<void(const TraceEvent&)> listener) { trace_listener_ = std::move(listener); }
  void log(LogLevel level, std::string_view message) override;

 private:
  struct Connection;
  using Clock = std::chrono::steady_clock;

  void start_accept(boost::asio::ip::tcp::acceptor& acceptor);
  void on_accept(boost::asio::ip::tcp::acceptor& acceptor, boost::system::error_code ec,
                 boost::asio::ip::tcp::socket socket);
  void start_read(const std::shared_ptr<Connection>& conn);
  // Starts a read unless one is under way or reading is paused (by the node or the unsent bound).
  void maybe_read(const std::shared_ptr<Connection>& conn);
  void start_write(const std::shared_ptr<Connection>& conn);
  // The connection broke or the client closed it: tell the node (once) unless the node closed it.
  // flush: write what is still queued before closing (the client only half-closed, at EOF).
  void connection_lost(const std::shared_ptr<Connection>& conn, const std::string& why, bool flush);
  // Closes the socket now and forgets the connection.
  void destroy(const std::shared_ptr<Connection>& conn);

  void arm_timer();
  void on_timer_wait(std::uint64_t generation, boost::system::error_code ec);

  // The node, while it may still get inputs (attached, and not shut down).
  Node* live_node() const { return shutdown_reason_ ? nullptr : node_; }

  Node* node_ = nullptr;
  std::optional<std::string> shutdown_reason_;
  std::function<void(const TraceEvent&)> trace_listener_;
  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_;
  LogLevel min_log_level_;
  LogSink log_sink_;

  // Timers: due in (deadline, id) order, so timers due at the same instant fire in the order
  // they were set. One asio timer is armed for the earliest.
  boost::asio::steady_timer wakeup_;
  std::uint64_t wakeup_generation_ = 0;
  std::optional<Clock::time_point> armed_for_;
  TimerId next_timer_id_ = 1;
  std::set<std::pair<Clock::time_point, TimerId>> due_;
  std::map<TimerId, Clock::time_point> timers_;

  std::vector<std::unique_ptr<boost::asio::ip::tcp::acceptor>> acceptors_;
  std::string listening_on_;
  std::size_t max_connections_ = 0;
  std::size_t max_unsent_bytes_ = 4 * 1024 * 1024;
  ConnId next_conn_id_ = 1;
  std::map<ConnId, std::shared_ptr<Connection>> conns_;
  std::unique_ptr<PeerTransport> peers_;  // ensembles only

  std::unique_ptr<boost::asio::signal_set> signals_;
  util::Prng prng_;
  PosixDisk disk_;  // after io_: its destructor may still post completions to io_
};

}  // namespace zablab::runtime
