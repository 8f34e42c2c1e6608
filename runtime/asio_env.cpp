#include "runtime/asio_env.h"

#include <sys/resource.h>

#include <csignal>
#include <random>
#include <stdexcept>

#include <boost/asio/buffer.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/write.hpp>

#include "runtime/endpoint.h"
#include "runtime/log.h"

namespace zablab::runtime {

namespace asio = boost::asio;
using asio::ip::tcp;

namespace {

// Bytes read from a client socket per read call.
constexpr std::size_t kReadBufferBytes = 16 * 1024;
// Queued writes handed to one gathered async_write at most.
constexpr std::size_t kMaxBuffersPerWrite = 64;
// How long to wait before accepting again after accept() failed (e.g. out of descriptors).
constexpr auto kAcceptRetryDelay = std::chrono::milliseconds(100);

std::uint64_t seed_from_random_device() {
  std::random_device rd;  // allowed here (runtime/), never in core/ or sim/
  return (static_cast<std::uint64_t>(rd()) << 32) ^ static_cast<std::uint64_t>(rd());
}

}  // namespace

// One accepted client connection.
//   open:    visible to the node: its bytes are delivered, client_send() queues.
//   closing: the node no longer sees it (it called client_close(), or the client half-closed);
//            queued bytes are still being written, then the socket is closed.
//   dead:    socket closed, forgotten.
// Reading stops while the node asked for a pause (client_pause_reading) or while more than
// max_unsent_bytes of replies wait to be written (a client that sends and never reads), and
// starts again when neither holds: so neither the node's queues nor the write queue grow without
// bound, and TCP's window slows the client down. While more than max_unsent_bytes wait, the node
// also hears that the output is full (client_output_full) and makes no more replies for it; when
// a write brings it back under the bound, the node hears on_client_drained.
struct AsioEnv::Connection {
  enum class State { open, closing, dead };

  Connection(ConnId id_, tcp::socket socket_, std::string remote_)
      : id(id_), socket(std::move(socket_)), remote(std::move(remote_)), read_buffer(kReadBufferBytes) {}

  ConnId id;
  tcp::socket socket;
  std::string remote;
  std::vector<char> read_buffer;
  std::deque<std::string> write_queue;
  std::size_t writing = 0;  // how many entries at the front of write_queue are being written
  std::size_t unsent = 0;   // bytes in write_queue
  bool reading = false;     // an async_read_some is under way
  bool node_paused = false; // the node asked to stop reading
  bool full = false;        // unsent went over max_unsent_bytes; the node hears when it is not
  State state = State::open;
};

AsioEnv::AsioEnv(LogLevel min_log_level, std::filesystem::path disk_root)
    : work_(asio::make_work_guard(io_)),
      min_log_level_(min_log_level),
      wakeup_(io_),
      prng_(seed_from_random_device()),
      disk_(io_, std::move(disk_root)) {
  disk_.set_completion_handler([this](DiskToken token, const DiskStatus& status) {
    if (Node* node = live_node()) node->on_disk_done(token, status);
  });
}

AsioEnv::~AsioEnv() {
  boost::system::error_code ec;
  for (auto& acceptor : acceptors_) acceptor->close(ec);
  for (auto& [id, conn] : conns_) {
    conn->state = Connection::State::dead;
    conn->socket.close(ec);
  }
  conns_.clear();
  if (peers_) peers_->close();
  wakeup_.cancel();
  if (signals_) signals_->cancel(ec);
}

void AsioEnv::attach(Node& node) {
  if (node_ != nullptr) throw std::logic_error("AsioEnv::attach: a node is already attached");
  node_ = &node;
}

void AsioEnv::set_log_sink(LogSink sink) { log_sink_ = std::move(sink); }

std::size_t AsioEnv::connection_count() const {
  std::size_t n = 0;
  for (const auto& [id, conn] : conns_) {
    if (conn->state == Connection::State::open) ++n;
  }
  return n;
}

// ----- loop -----------------------------------------------------------------------------------

void AsioEnv::run() {
  if (node_ == nullptr) throw std::logic_error("AsioEnv::run: no node attached");
  try {
    io_.run();
  } catch (...) {
    io_.restart();
    throw;
  }
  io_.restart();  // each stop() ends one run(): this one, or the next if none is running
}

void AsioEnv::stop() { io_.stop(); }

void AsioEnv::stop_on_signals() {
  if (signals_) return;
  signals_ = std::make_unique<asio::signal_set>(io_, SIGINT, SIGTERM);
  signals_->async_wait([this](boost::system::error_code ec, int signal_number) {
    if (ec) return;
    log(LogLevel::info, std::string("received ") + (signal_number == SIGINT ? "SIGINT" : "SIGTERM") +
                            ", stopping");
    stop();
  });
}

// ----- time -----------------------------------------------------------------------------------

std::int64_t AsioEnv::now_ms() const {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now().time_since_epoch())
      .count();
}

std::int64_t AsioEnv::wall_ms() const { return system_wall_ms(); }

TimerId AsioEnv::set_timer(std::int64_t delay_ms) {
  const TimerId id = next_timer_id_++;
  const auto deadline = Clock::now() + std::chrono::milliseconds(delay_ms > 0 ? delay_ms : 0);
  timers_.emplace(id, deadline);
  due_.emplace(deadline, id);
  arm_timer();
  return id;
}

void AsioEnv::cancel_timer(TimerId id) {
  const auto it = timers_.find(id);
  if (it == timers_.end()) return;  // fired already, cancelled already, or never set
  due_.erase({it->second, id});
  timers_.erase(it);
  // The asio timer may stay armed for it: waking up to find nothing due is harmless.
}

void AsioEnv::arm_timer() {
  if (due_.empty()) return;
  const auto earliest = due_.begin()->first;
  if (armed_for_ && *armed_for_ <= earliest) return;
  armed_for_ = earliest;
  const std::uint64_t generation = ++wakeup_generation_;
  wakeup_.expires_at(earliest);  // cancels an older wait, whose generation is then stale
  wakeup_.async_wait(
      [this, generation](boost::system::error_code ec) { on_timer_wait(generation, ec); });
}

void AsioEnv::on_timer_wait(std::uint64_t generation, boost::system::error_code ec) {
  if (generation != wakeup_generation_) return;  // superseded by an earlier deadline
  armed_for_.reset();
  if (ec == asio::error::operation_aborted) return;
  // Fire what is due now, in (deadline, id) order. A timer the node sets meanwhile is due later
  // than `now`, so it waits for the next round and other inputs get their turn.
  const auto now = Clock::now();
  while (!due_.empty() && due_.begin()->first <= now) {
    const TimerId id = due_.begin()->second;
    due_.erase(due_.begin());
    timers_.erase(id);
    if (Node* node = live_node()) node->on_timer(id);
  }
  arm_timer();
}

// ----- client port ----------------------------------------------------------------------------

std::uint16_t AsioEnv::listen(const std::string& address, std::uint16_t port, int backlog) {
  const std::string host = address.empty() ? "0.0.0.0" : address;
  const std::string where = host + ":" + std::to_string(port);
  boost::system::error_code ec;
  tcp::endpoint endpoint;
  const auto ip = asio::ip::make_address(host, ec);
  if (!ec) {
    endpoint = tcp::endpoint(ip, port);
  } else {
    tcp::resolver resolver(io_);
    const auto results =
        resolver.resolve(host, std::to_string(port), tcp::resolver::passive | tcp::resolver::address_configured, ec);
    if (ec || results.empty()) {
      throw std::runtime_error("listen on " + where + ": cannot resolve " + host + ": " +
                               (ec ? ec.message() : std::string("no address")));
    }
    endpoint = results.begin()->endpoint();
  }

  auto acceptor = std::make_unique<tcp::acceptor>(io_);
  auto check = [&](const char* step) {
    if (ec) throw std::runtime_error("listen on " + where + ": " + step + ": " + ec.message());
  };
  acceptor->open(endpoint.protocol(), ec);
  check("socket");
  acceptor->set_option(asio::socket_base::reuse_address(true), ec);  // restart while TIME_WAIT
  check("SO_REUSEADDR");
  acceptor->bind(endpoint, ec);
  check("bind");
  acceptor->listen(backlog > 0 ? backlog : asio::socket_base::max_listen_connections, ec);
  check("listen");
  const tcp::endpoint bound = acceptor->local_endpoint(ec);
  check("getsockname");

  listening_on_ = endpoint_string(bound);
  start_accept(*acceptor);
  acceptors_.push_back(std::move(acceptor));
  return bound.port();
}

void AsioEnv::start_accept(tcp::acceptor& acceptor) {
  acceptor.async_accept([this, &acceptor](boost::system::error_code ec, tcp::socket socket) {
    on_accept(acceptor, ec, std::move(socket));
  });
}

void AsioEnv::on_accept(tcp::acceptor& acceptor, boost::system::error_code ec, tcp::socket socket) {
  if (ec == asio::error::operation_aborted || !acceptor.is_open()) return;
  if (ec) {
    // Out of descriptors and the like: keep the port open and try again a little later.
    log(LogLevel::warn, "accept: " + ec.message() + "; retrying");
    auto retry = std::make_shared<asio::steady_timer>(io_, kAcceptRetryDelay);
    retry->async_wait([this, retry, &acceptor](boost::system::error_code wait_ec) {
      if (!wait_ec && acceptor.is_open()) start_accept(acceptor);
    });
    return;
  }
  start_accept(acceptor);

  boost::system::error_code ignored;
  const tcp::endpoint remote_endpoint = socket.remote_endpoint(ignored);
  if (ignored) {  // already gone
    socket.close(ignored);
    return;
  }
  const std::string remote = endpoint_string(remote_endpoint);
  if (max_connections_ > 0 && connection_count() >= max_connections_) {
    log(LogLevel::warn, "too many connections (maxCnxns=" + std::to_string(max_connections_) +
                            "): closing the one from " + remote);
    socket.close(ignored);
    return;
  }
  socket.set_option(tcp::no_delay(true), ignored);

  Node* node = live_node();
  if (node == nullptr) {  // shut down: the port stays open until the loop stops, nobody answers
    socket.close(ignored);
    return;
  }
  const ConnId id = next_conn_id_++;
  auto conn = std::make_shared<Connection>(id, std::move(socket), remote);
  conns_.emplace(id, conn);
  log(LogLevel::debug, "client connection " + std::to_string(id) + " from " + remote);
  node->on_client_connected(id, remote);
  maybe_read(conn);
}

void AsioEnv::maybe_read(const std::shared_ptr<Connection>& conn) {
  if (conn->state != Connection::State::open || conn->reading || conn->node_paused) return;
  if (max_unsent_bytes_ > 0 && conn->unsent > max_unsent_bytes_) return;
  start_read(conn);
}

void AsioEnv::client_pause_reading(ConnId id, bool paused) {
  const auto it = conns_.find(id);
  if (it == conns_.end()) return;
  it->second->node_paused = paused;
  if (!paused) maybe_read(it->second);
}

bool AsioEnv::reading(ConnId id) const {
  const auto it = conns_.find(id);
  return it != conns_.end() && it->second->reading;
}

void AsioEnv::start_read(const std::shared_ptr<Connection>& conn) {
  conn->reading = true;
  conn->socket.async_read_some(
      asio::buffer(conn->read_buffer),
      [this, conn](boost::system::error_code ec, std::size_t n) {
        conn->reading = false;
        if (conn->state != Connection::State::open) return;  // the node closed it meanwhile
        if (ec) {
          if (ec == asio::error::eof) {
            connection_lost(conn, "closed by the client", /*flush=*/true);
          } else {
            connection_lost(conn, "read: " + ec.message(), /*flush=*/false);
          }
          return;
        }
        Node* node = live_node();
        if (node == nullptr) return;
        node->on_client_bytes(conn->id, std::string_view(conn->read_buffer.data(), n));
        maybe_read(conn);
      });
}

void AsioEnv::client_send(ConnId id, std::string bytes) {
  const auto it = conns_.find(id);
  if (it == conns_.end() || it->second->state != Connection::State::open) return;
  if (bytes.empty()) return;
  const auto& conn = it->second;
  conn->unsent += bytes.size();
  if (max_unsent_bytes_ > 0 && conn->unsent > max_unsent_bytes_) conn->full = true;
  conn->write_queue.push_back(std::move(bytes));
  if (conn->writing == 0) start_write(conn);
}

bool AsioEnv::client_output_full(ConnId id) const {
  const auto it = conns_.find(id);
  return it != conns_.end() && it->second->full;
}

void AsioEnv::start_write(const std::shared_ptr<Connection>& conn) {
  std::vector<asio::const_buffer> buffers;
  for (const auto& chunk : conn->write_queue) {
    if (buffers.size() == kMaxBuffersPerWrite) break;
    buffers.emplace_back(asio::buffer(chunk));  // deque::push_back keeps these addresses valid
  }
  conn->writing = buffers.size();
  asio::async_write(conn->socket, buffers, [this, conn](boost::system::error_code ec, std::size_t) {
    if (conn->state == Connection::State::dead) return;
    if (ec) {
      if (conn->state == Connection::State::open) {
        connection_lost(conn, "write: " + ec.message(), /*flush=*/false);
      } else {
        destroy(conn);
      }
      return;
    }
    for (std::size_t i = 0; i < conn->writing; ++i) {
      conn->unsent -= conn->write_queue.front().size();
      conn->write_queue.pop_front();
    }
    conn->writing = 0;
    if (!conn->write_queue.empty()) {
      start_write(conn);
    } else if (conn->state == Connection::State::closing) {
      destroy(conn);
      return;
    }
    if (conn->full && conn->unsent <= max_unsent_bytes_) {
      conn->full = false;
      if (Node* node = live_node(); node != nullptr && conn->state == Connection::State::open) {
        node->on_client_drained(conn->id);  // it may send (and fill the output) again
      }
    }
    maybe_read(conn);  // the client read its replies: read its requests again
  });
}

void AsioEnv::client_close(ConnId id) {
  const auto it = conns_.find(id);
  if (it == conns_.end() || it->second->state != Connection::State::open) return;
  const auto conn = it->second;
  conn->state = Connection::State::closing;
  log(LogLevel::debug, "client connection " + std::to_string(id) + " closed by the server");
  if (conn->writing == 0 && conn->write_queue.empty()) destroy(conn);
}

void AsioEnv::connection_lost(const std::shared_ptr<Connection>& conn, const std::string& why,
                              bool flush) {
  if (conn->state != Connection::State::open) return;
  log(LogLevel::debug, "client connection " + std::to_string(conn->id) + " from " + conn->remote +
                           ": " + why);
  if (flush && (conn->writing > 0 || !conn->write_queue.empty())) {
    // A client that only half-closed may still read: finish writing what was queued.
    conn->state = Connection::State::closing;
  } else {
    destroy(conn);
  }
  if (Node* node = live_node()) node->on_client_closed(conn->id);
}

void AsioEnv::destroy(const std::shared_ptr<Connection>& conn) {
  conn->state = Connection::State::dead;
  boost::system::error_code ignored;
  conn->socket.shutdown(tcp::socket::shutdown_both, ignored);
  conn->socket.close(ignored);
  conns_.erase(conn->id);
}

// ----- peers, randomness, observability --------------------------------------------------------

PeerTransport& AsioEnv::enable_peer_transport(PeerId self) {
  if (!peers_) {
    peers_ = std::make_unique<PeerTransport>(
        io_, self, [this] { return live_node(); },
        [this](LogLevel level, std::string_view message) { log(level, message); });
  }
  return *peers_;
}

void AsioEnv::peer_send(PeerId peer, PeerChannel channel, std::string message) {
  if (peers_) {
    peers_->send(peer, channel, std::move(message));
    return;
  }
  log(LogLevel::error, "peer_send to " + std::to_string(peer) + ": no quorum transport (standalone)");
}

void AsioEnv::peer_disconnect(PeerId peer, PeerChannel channel) {
  if (peers_) peers_->disconnect(peer, channel);
}

std::vector<std::pair<std::string, std::string>> AsioEnv::host_metrics() const {
  std::vector<std::pair<std::string, std::string>> metrics;
  std::error_code ec;
  std::size_t entries = 0;
  for (std::filesystem::directory_iterator it("/proc/self/fd", ec), end; !ec && it != end;
       it.increment(ec)) {
    ++entries;
  }
  if (!ec && entries > 0) {
    // One of the entries is the descriptor the iterator itself holds open.
    metrics.emplace_back("open_file_descriptor_count", std::to_string(entries - 1));
  }
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) == 0) {
    metrics.emplace_back("max_file_descriptor_count", limit.rlim_cur == RLIM_INFINITY
                                                          ? std::string("-1")
                                                          : std::to_string(limit.rlim_cur));
  }
  return metrics;
}

std::uint64_t AsioEnv::random_u64() { return prng_.next(); }

void AsioEnv::shutdown(std::string_view reason) {
  if (shutdown_reason_) return;
  shutdown_reason_ = std::string(reason);
  log(LogLevel::error, "shutdown: " + *shutdown_reason_);
  stop();
}

void AsioEnv::trace(const TraceEvent& event) {
  if (trace_listener_) trace_listener_(event);
  if (static_cast<int>(LogLevel::debug) < static_cast<int>(min_log_level_)) return;
  log(LogLevel::debug, "trace " + std::string(event_name(event.kind)) + (event.detail.empty() ? "" : " " + event.detail));
}

void AsioEnv::log(LogLevel level, std::string_view message) {
  if (static_cast<int>(level) < static_cast<int>(min_log_level_)) return;
  const std::string line = format_log_line(wall_ms(), level, message);
  if (log_sink_) {
    log_sink_(level, line);
  } else {
    write_stderr_line(line);
  }
}

}  // namespace zablab::runtime
