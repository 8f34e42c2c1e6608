#include "runtime/client/asio_client_env.h"

#include <unistd.h>

#include <ctime>
#include <random>
#include <stdexcept>

#include <boost/asio/buffer.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>

namespace zablab::runtime {

namespace asio = boost::asio;
using asio::ip::tcp;

namespace {

constexpr std::size_t kReadBufferBytes = 64 * 1024;
constexpr std::size_t kMaxBuffersPerWrite = 64;

std::uint64_t seed_from_random_device() {
  std::random_device rd;  // allowed here (runtime/), never in core/ or sim/
  return (static_cast<std::uint64_t>(rd()) << 32) ^ static_cast<std::uint64_t>(rd());
}

std::string_view level_text(LogLevel level) {
  switch (level) {
    case LogLevel::debug: return "DEBUG";
    case LogLevel::info: return "INFO";
    case LogLevel::warn: return "WARN";
    case LogLevel::error: return "ERROR";
  }
  return "INFO";
}

std::string utc_timestamp() {
  const auto now = std::chrono::system_clock::now();
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
  const std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[40];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  char out[48];
  std::snprintf(out, sizeof out, "%s.%03dZ", buf, static_cast<int>(ms % 1000));
  return out;
}

std::string trim(std::string_view s) {
  std::size_t b = 0, e = s.size();
  while (b < e && (s[b] == ' ' || s[b] == '\t')) ++b;
  while (e > b && (s[e - 1] == ' ' || s[e - 1] == '\t')) --e;
  return std::string(s.substr(b, e - b));
}

}  // namespace

// ------------------------------------------------------------------------------------ hosts

std::pair<std::string, std::uint16_t> split_host_port(std::string_view host_port) {
  const std::string text(host_port);
  std::string host;
  std::string port_text;
  if (!text.empty() && text.front() == '[') {
    const auto close = text.find(']');
    if (close == std::string::npos) throw std::invalid_argument("'" + text + "': unterminated [IPv6 address]");
    host = text.substr(1, close - 1);
    if (close + 1 < text.size()) {
      if (text[close + 1] != ':') throw std::invalid_argument("'" + text + "': expected ':' after ']'");
      port_text = text.substr(close + 2);
    }
  } else {
    const auto colon = text.rfind(':');
    if (colon == std::string::npos) {
      host = text;
    } else {
      if (text.find(':') != colon)
        throw std::invalid_argument("'" + text + "': put IPv6 addresses in brackets, as [::1]:2181");
      host = text.substr(0, colon);
      port_text = text.substr(colon + 1);
    }
  }
  if (host.empty()) throw std::invalid_argument("'" + text + "': no host");
  if (port_text.empty()) return {host, 2181};
  unsigned long port = 0;
  for (char ch : port_text) {
    if (ch < '0' || ch > '9' || port > 65535) throw std::invalid_argument("'" + text + "': bad port '" + port_text + "'");
    port = port * 10 + static_cast<unsigned long>(ch - '0');
  }
  if (port == 0 || port > 65535) throw std::invalid_argument("'" + text + "': bad port '" + port_text + "'");
  return {host, static_cast<std::uint16_t>(port)};
}

std::vector<std::string> parse_hosts(std::string_view connect_string) {
  std::string text = trim(connect_string);
  // A chroot suffix starts at the first '/'.
  if (const auto slash = text.find('/'); slash != std::string::npos)
    throw std::invalid_argument("'" + text + "': chroot paths (" + text.substr(slash) + ") are not supported");
  std::vector<std::string> hosts;
  std::size_t start = 0;
  for (std::size_t guard = 0; guard <= text.size(); ++guard) {
    const auto comma = text.find(',', start);
    const std::string item = trim(std::string_view(text).substr(start, comma == std::string::npos ? std::string::npos
                                                                                                  : comma - start));
    if (!item.empty()) {
      auto [host, port] = split_host_port(item);
      hosts.push_back(host.find(':') != std::string::npos ? "[" + host + "]:" + std::to_string(port)
                                                          : host + ":" + std::to_string(port));
    }
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  if (hosts.empty()) throw std::invalid_argument("no server given (expected host:port[,host:port...])");
  return hosts;
}

// ------------------------------------------------------------------------------------ env

// One outgoing connection.
//   connecting: resolving / connecting; bytes sent meanwhile wait in write_queue.
//   open:       delivered to the node.
//   closing:    the node closed it; queued bytes are still being written.
//   dead:       closed and forgotten.
struct AsioClientEnv::Connection {
  enum class State { connecting, open, closing, dead };
  Connection(asio::io_context& io, ConnId id_, std::string host_port_)
      : id(id_), host_port(std::move(host_port_)), socket(io), resolver(io), connect_timer(io),
        read_buffer(kReadBufferBytes) {}
  ConnId id;
  std::string host_port;
  tcp::socket socket;
  tcp::resolver resolver;
  asio::steady_timer connect_timer;
  std::vector<char> read_buffer;
  std::deque<std::string> write_queue;
  std::size_t writing = 0;  // entries at the front of write_queue being written
  State state = State::connecting;
};

AsioClientEnv::AsioClientEnv(asio::io_context& io, LogLevel min_log_level)
    : io_(io), min_log_level_(min_log_level), prng_(seed_from_random_device()) {}

AsioClientEnv::~AsioClientEnv() {
  boost::system::error_code ec;
  for (auto& [id, conn] : conns_) {
    conn->state = Connection::State::dead;
    conn->resolver.cancel();
    conn->connect_timer.cancel();
    conn->socket.close(ec);
  }
  conns_.clear();
  for (auto& [id, timer] : timers_) timer->cancel();
  timers_.clear();
}

std::size_t AsioClientEnv::connection_count() const {
  std::size_t n = 0;
  for (const auto& [id, conn] : conns_)
    n += conn->state == Connection::State::connecting || conn->state == Connection::State::open ? 1 : 0;
  return n;
}

std::int64_t AsioClientEnv::now_ms() const {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now().time_since_epoch()).count();
}

TimerId AsioClientEnv::set_timer(std::int64_t delay_ms) {
  const TimerId id = next_timer_id_++;
  auto timer = std::make_unique<asio::steady_timer>(io_, std::chrono::milliseconds(delay_ms > 0 ? delay_ms : 0));
  timer->async_wait([this, id](boost::system::error_code ec) {
    if (ec == asio::error::operation_aborted) return;
    auto it = timers_.find(id);
    if (it == timers_.end()) return;  // cancelled after it fired, before this ran
    timers_.erase(it);
    if (node_) node_->on_timer(id);
  });
  timers_.emplace(id, std::move(timer));
  return id;
}

void AsioClientEnv::cancel_timer(TimerId id) {
  auto it = timers_.find(id);
  if (it == timers_.end()) return;
  it->second->cancel();
  timers_.erase(it);
}

ConnId AsioClientEnv::connect(const std::string& host_port) {
  const ConnId id = next_conn_id_++;
  auto conn = std::make_shared<Connection>(io_, id, host_port);
  conns_.emplace(id, conn);
  std::pair<std::string, std::uint16_t> where;
  try {
    where = split_host_port(host_port);
  } catch (const std::invalid_argument& e) {
    const std::string why = e.what();
    asio::post(io_, [this, conn, why] { lost(conn, why); });
    return id;
  }
  log(LogLevel::debug, "connecting to " + host_port + " (connection " + std::to_string(id) + ")");
  if (tcp_connect_timeout_ms_ > 0) {
    conn->connect_timer.expires_after(std::chrono::milliseconds(tcp_connect_timeout_ms_));
    conn->connect_timer.async_wait([this, conn](boost::system::error_code ec) {
      if (ec || conn->state != Connection::State::connecting) return;
      lost(conn, "connect to " + conn->host_port + " timed out after " + std::to_string(tcp_connect_timeout_ms_) +
                     " ms");
    });
  }
  conn->resolver.async_resolve(
      where.first, std::to_string(where.second),
      [this, conn](boost::system::error_code ec, const tcp::resolver::results_type& results) {
        if (conn->state != Connection::State::connecting) return;
        if (ec) {
          lost(conn, "cannot resolve " + conn->host_port + ": " + ec.message());
          return;
        }
        asio::async_connect(conn->socket, results, [this, conn](boost::system::error_code cec, const tcp::endpoint&) {
          if (conn->state != Connection::State::connecting) return;
          if (cec) {
            lost(conn, "cannot connect to " + conn->host_port + ": " + cec.message());
            return;
          }
          conn->connect_timer.cancel();
          conn->state = Connection::State::open;
          boost::system::error_code ignored;
          conn->socket.set_option(tcp::no_delay(true), ignored);
          if (node_) node_->on_connected(conn->id);
          if (conn->state != Connection::State::open && conn->state != Connection::State::closing) return;
          if (conn->state == Connection::State::open) start_read(conn);
          start_write(conn);
        });
      });
  return id;
}

void AsioClientEnv::send(ConnId id, std::string bytes) {
  auto it = conns_.find(id);
  if (it == conns_.end() || bytes.empty()) return;
  auto conn = it->second;
  if (conn->state != Connection::State::connecting && conn->state != Connection::State::open) return;
  conn->write_queue.push_back(std::move(bytes));
  if (conn->state == Connection::State::open) start_write(conn);
}

void AsioClientEnv::close(ConnId id) {
  auto it = conns_.find(id);
  if (it == conns_.end()) return;
  auto conn = it->second;
  if (conn->state == Connection::State::connecting) {
    destroy(conn);
    return;
  }
  if (conn->state != Connection::State::open) return;
  conn->state = Connection::State::closing;
  boost::system::error_code ignored;
  conn->socket.shutdown(tcp::socket::shutdown_receive, ignored);
  if (conn->writing == 0 && conn->write_queue.empty()) destroy(conn);
  // else: the write completion destroys it once the queue is empty
}

void AsioClientEnv::start_read(const std::shared_ptr<Connection>& conn) {
  conn->socket.async_read_some(asio::buffer(conn->read_buffer), [this, conn](boost::system::error_code ec, std::size_t n) {
    if (conn->state != Connection::State::open) return;
    if (ec) {
      lost(conn, ec == asio::error::eof ? conn->host_port + " closed the connection"
                                        : "read from " + conn->host_port + ": " + ec.message());
      return;
    }
    if (node_) node_->on_bytes(conn->id, std::string_view(conn->read_buffer.data(), n));
    if (conn->state == Connection::State::open) start_read(conn);
  });
}

void AsioClientEnv::start_write(const std::shared_ptr<Connection>& conn) {
  if (conn->writing > 0 || conn->write_queue.empty()) return;
  std::vector<asio::const_buffer> buffers;
  for (const auto& chunk : conn->write_queue) {
    if (buffers.size() == kMaxBuffersPerWrite) break;
    buffers.push_back(asio::buffer(chunk));
  }
  conn->writing = buffers.size();
  asio::async_write(conn->socket, buffers, [this, conn](boost::system::error_code ec, std::size_t) {
    for (std::size_t i = 0; i < conn->writing && !conn->write_queue.empty(); ++i) conn->write_queue.pop_front();
    conn->writing = 0;
    if (conn->state == Connection::State::dead) return;
    if (ec) {
      if (conn->state == Connection::State::open) {
        lost(conn, "write to " + conn->host_port + ": " + ec.message());
      } else {
        destroy(conn);
      }
      return;
    }
    if (!conn->write_queue.empty()) {
      start_write(conn);
    } else if (conn->state == Connection::State::closing) {
      destroy(conn);
    }
  });
}

void AsioClientEnv::lost(const std::shared_ptr<Connection>& conn, const std::string& why) {
  if (conn->state == Connection::State::dead || conn->state == Connection::State::closing) return;
  log(LogLevel::debug, "connection " + std::to_string(conn->id) + ": " + why);
  destroy(conn);
  if (node_) node_->on_closed(conn->id);
}

void AsioClientEnv::destroy(const std::shared_ptr<Connection>& conn) {
  conn->state = Connection::State::dead;
  conn->resolver.cancel();
  conn->connect_timer.cancel();
  boost::system::error_code ignored;
  conn->socket.close(ignored);
  conns_.erase(conn->id);
}

void AsioClientEnv::trace(const TraceEvent& event) {
  if (min_log_level_ > LogLevel::debug) return;
  log(LogLevel::debug, "trace " + std::string(event_name(event.kind)) + " " + event.detail);
}

void AsioClientEnv::log(LogLevel level, std::string_view message) {
  if (level < min_log_level_) return;
  if (log_sink_) {
    log_sink_(level, message);
    return;
  }
  std::string line = utc_timestamp() + " " + std::string(level_text(level)) + " zablab-client: " + std::string(message) + "\n";
  // One write per line so concurrent writers do not interleave mid-line.
  const char* p = line.data();
  std::size_t left = line.size();
  for (int guard = 0; guard < 100 && left > 0; ++guard) {
    const ssize_t n = ::write(2, p, left);
    if (n <= 0) break;
    p += n;
    left -= static_cast<std::size_t>(n);
  }
}

}  // namespace zablab::runtime
