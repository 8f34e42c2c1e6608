// The real ClientEnv: TCP over a Boost.Asio io_context, the steady clock, randomness seeded from
// std::random_device. It hosts one client::ClientNode (attach()) and delivers every input to it
// from asio handlers, i.e. on the thread that runs the io_context, never from inside a call the
// node makes into the env (calls only start asynchronous work).
//
//   boost::asio::io_context io;
//   runtime::AsioClientEnv env(io);
//   client::Client c(env, options);
//   env.attach(c);
//   c.start();
//   io.run();
//
// Thread safety: none. Everything, construction aside, must happen on the io_context's thread
// (BlockingClient takes care of that).
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include "core/client/client_env.h"
#include "core/util/prng.h"

namespace zablab::runtime {

class AsioClientEnv final : public client::ClientEnv {
 public:
  // Receives each log line that passes the level filter (without newline).
  using LogSink = std::function<void(LogLevel level, std::string_view line)>;

  explicit AsioClientEnv(boost::asio::io_context& io, LogLevel min_log_level = LogLevel::warn);
  ~AsioClientEnv() override;
  AsioClientEnv(const AsioClientEnv&) = delete;
  AsioClientEnv& operator=(const AsioClientEnv&) = delete;

  // The node that gets the inputs. Call once, before anything can complete.
  void attach(client::ClientNode& node) { node_ = &node; }
  // Default: "2024-05-01T12:00:00.123Z WARN zablab-client: message" on stderr, one write per line.
  void set_log_sink(LogSink sink) { log_sink_ = std::move(sink); }
  void set_log_level(LogLevel level) { min_log_level_ = level; }
  // A TCP connect (name resolution included) that takes longer fails as on_closed. The client's
  // own connect timeout usually gives up first. Default 10 s; <= 0 = none.
  void set_tcp_connect_timeout_ms(std::int64_t ms) { tcp_connect_timeout_ms_ = ms; }
  // Connections being made or open (not those flushing after close()).
  std::size_t connection_count() const;

  // --- client::ClientEnv ---
  std::int64_t now_ms() const override;
  TimerId set_timer(std::int64_t delay_ms) override;
  void cancel_timer(TimerId id) override;
  // "host:port"; the host may be a name (resolved asynchronously) or an IPv4/IPv6 literal
  // ("[::1]:2181").
  ConnId connect(const std::string& host_port) override;
  void send(ConnId conn, std::string bytes) override;
  void close(ConnId conn) override;
  std::uint64_t random_u64() override { return prng_.next(); }
  // Logged at debug level: "trace <kind> <detail>".
  void trace(const TraceEvent& event) override;
  void log(LogLevel level, std::string_view message) override;

 private:
  struct Connection;
  using Clock = std::chrono::steady_clock;

  void start_read(const std::shared_ptr<Connection>& conn);
  void start_write(const std::shared_ptr<Connection>& conn);
  // The connection failed or the server closed it: forget it and tell the node (once).
  void lost(const std::shared_ptr<Connection>& conn, const std::string& why);
  void destroy(const std::shared_ptr<Connection>& conn);

  boost::asio::io_context& io_;
  client::ClientNode* node_ = nullptr;
  LogLevel min_log_level_;
  LogSink log_sink_;
  std::int64_t tcp_connect_timeout_ms_ = 10000;
  util::Prng prng_;

  TimerId next_timer_id_ = 1;
  std::map<TimerId, std::unique_ptr<boost::asio::steady_timer>> timers_;
  ConnId next_conn_id_ = 1;
  std::map<ConnId, std::shared_ptr<Connection>> conns_;
};

// "h1:p1,h2:p2" -> {"h1:p1", "h2:p2"}: surrounding blanks trimmed, port 2181 when missing
// ("localhost" -> "localhost:2181"), IPv6 literals in brackets. Throws std::invalid_argument
// naming the problem (empty list, bad port, a chroot suffix "/app", which zablab does not support).
std::vector<std::string> parse_hosts(std::string_view connect_string);

// "host:port" -> {"host", port}; "[::1]:2181" -> {"::1", 2181}. Throws std::invalid_argument.
std::pair<std::string, std::uint16_t> split_host_port(std::string_view host_port);

}  // namespace zablab::runtime
