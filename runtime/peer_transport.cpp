#include "runtime/peer_transport.h"

#include <deque>
#include <stdexcept>

#include <boost/asio/buffer.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>

#include "core/jute/frame.h"
#include "core/quorum/messages.h"
#include "runtime/endpoint.h"
#include "runtime/peer_hello.h"

namespace zablab::runtime {

namespace asio = boost::asio;
using asio::ip::tcp;

namespace {

constexpr std::size_t kReadBufferBytes = 64 * 1024;
constexpr std::size_t kMaxBuffersPerWrite = 64;
// An accepted connection reads this much at a time until it has said who it is (an election
// header is ~30 bytes, a FOLLOWERINFO 40).
constexpr std::size_t kHelloReadBytes = 64;
// Refusals of unannounced connections are logged once per this many (a flood would flood the log).
constexpr std::size_t kRefusalsPerLogLine = 100;
constexpr auto kAcceptRetryDelay = std::chrono::milliseconds(100);

std::string host_port(const std::string& host, std::uint16_t port) {
  if (host.find(':') != std::string::npos) return "[" + host + "]:" + std::to_string(port);
  return host + ":" + std::to_string(port);
}

// Whether a quorum message is a learner's first packet (FOLLOWERINFO / OBSERVERINFO).
bool opens_learner_connection(std::string_view message) {
  if (message.size() < 4) return false;
  std::int32_t type = 0;
  for (std::size_t i = 0; i < 4; ++i) type = static_cast<std::int32_t>((static_cast<std::uint32_t>(type) << 8) |
                                                                        static_cast<unsigned char>(message[i]));
  return type == quorum::packet::followerinfo || type == quorum::packet::observerinfo;
}

std::string plural(std::size_t n, const char* what) {
  return std::to_string(n) + " " + what + (n == 1 ? "" : "s");
}

}  // namespace

std::string_view channel_name(PeerChannel channel) {
  return channel == PeerChannel::quorum ? "quorum" : "election";
}

// One TCP connection between this server and a peer.
//   connecting: outbound, being resolved or connected; messages queue up.
//   hello:      inbound, accepted; waiting for the peer's sid.
//   open:       writing what is queued and delivering what arrives (a wake-up only writes our sid).
//   dead:       closed and forgotten; handlers still in flight see this and do nothing.
struct PeerTransport::Link {
  enum class State { connecting, hello, open, dead };

  Link(std::uint64_t id_, asio::io_context& io, bool outbound_, Key key_, bool wake_up_ = false)
      : id(id_),
        outbound(outbound_),
        wake_up(wake_up_),
        key(key_),
        state(outbound_ ? State::connecting : State::hello),
        socket(io),
        timer(io),
        resolver(io),
        // An inbound connection reads only small pieces until it has said who it is: it costs a
        // few hundred bytes, not a 64 KiB buffer (on_read grows it).
        read_buffer(outbound_ ? kReadBufferBytes : kHelloReadBytes),
        frames(kMaxElectionMessage) {}

  std::uint64_t id;
  bool outbound;
  bool wake_up;  // outbound to a larger id on the election port: announce our sid, then close
  Key key;  // for an inbound link, the peer is known only after its hello
  State state;
  tcp::socket socket;
  asio::steady_timer timer;  // connect timeout (outbound) / hello timeout (inbound)
  tcp::resolver resolver;
  std::string remote;        // "ip:port" of the other end, once known
  bool carried = false;      // a message was handed to it or came over it
  std::vector<char> read_buffer;
  std::string hello;         // inbound: the header (election) / first packet (quorum) so far
  jute::FrameDecoder frames;  // election messages; the quorum port is a stream (no frames)
  std::deque<std::string> queue;  // wire bytes to write (outbound election: our header first)
  std::size_t writing = 0;        // entries at the front of queue being written
  bool hello_queued = false;      // the front of queue is our hello, not a message
};

struct PeerTransport::Listener {
  explicit Listener(asio::io_context& io) : acceptor(io), retry(io) {}
  tcp::acceptor acceptor;
  asio::steady_timer retry;
  std::string where;
};

PeerTransport::PeerTransport(asio::io_context& io, PeerId self, NodeGetter node, Logger log)
    : io_(io), self_(self), node_(std::move(node)), log_(std::move(log)) {}

PeerTransport::~PeerTransport() { close(); }

std::string PeerTransport::describe(const Key& key) {
  return "peer " + std::to_string(key.first) + " (" + std::string(channel_name(key.second)) + ")";
}

void PeerTransport::log(LogLevel level, const std::string& message) const {
  if (log_) log_(level, message);
}

void PeerTransport::set_peer(PeerId id, PeerAddress address) { peers_[id] = std::move(address); }

// ----- listening ------------------------------------------------------------------------------

std::uint16_t PeerTransport::listen(PeerChannel channel, const std::string& address, std::uint16_t port) {
  const std::string host = address.empty() ? "0.0.0.0" : address;
  const std::string where = "listen for " + std::string(channel_name(channel)) + " on " + host_port(host, port);
  if (listeners_.contains(channel)) throw std::logic_error(where + ": this channel listens already");
  boost::system::error_code ec;
  tcp::endpoint endpoint;
  const auto ip = asio::ip::make_address(host, ec);
  if (!ec) {
    endpoint = tcp::endpoint(ip, port);
  } else {
    tcp::resolver resolver(io_);
    const auto results = resolver.resolve(host, std::to_string(port),
                                          tcp::resolver::passive | tcp::resolver::address_configured, ec);
    if (ec || results.empty()) {
      throw std::runtime_error(where + ": cannot resolve " + host + ": " +
                               (ec ? ec.message() : std::string("no address")));
    }
    endpoint = results.begin()->endpoint();
  }

  auto listener = std::make_unique<Listener>(io_);
  auto& acceptor = listener->acceptor;
  auto check = [&](const char* step) {
    if (ec) throw std::runtime_error(where + ": " + step + ": " + ec.message());
  };
  acceptor.open(endpoint.protocol(), ec);
  check("socket");
  acceptor.set_option(asio::socket_base::reuse_address(true), ec);  // restart while TIME_WAIT
  check("SO_REUSEADDR");
  acceptor.bind(endpoint, ec);
  check("bind");
  acceptor.listen(asio::socket_base::max_listen_connections, ec);
  check("listen");
  const tcp::endpoint bound = acceptor.local_endpoint(ec);
  check("getsockname");
  listener->where = endpoint_string(bound);
  // Unless told otherwise, the address our election header announces is where we listen.
  if (channel == PeerChannel::election && election_address_.empty()) election_address_ = listener->where;
  listeners_[channel] = std::move(listener);
  start_accept(channel);
  log(LogLevel::info, "listening for peers' " + std::string(channel_name(channel)) + " connections on " +
                          endpoint_string(bound));
  return bound.port();
}

std::string PeerTransport::listening_on(PeerChannel channel) const {
  const auto it = listeners_.find(channel);
  return it == listeners_.end() ? std::string() : it->second->where;
}

void PeerTransport::start_accept(PeerChannel channel) {
  const auto it = listeners_.find(channel);
  if (it == listeners_.end()) return;
  Listener* listener = it->second.get();
  listener->acceptor.async_accept([this, channel, listener](boost::system::error_code ec, tcp::socket socket) {
    if (ec == asio::error::operation_aborted || !listener->acceptor.is_open()) return;
    on_accept(channel, ec, std::move(socket));
  });
}

void PeerTransport::on_accept(PeerChannel channel, boost::system::error_code ec, tcp::socket socket) {
  Listener& listener = *listeners_.at(channel);
  if (ec) {
    log(LogLevel::warn, "accept on the " + std::string(channel_name(channel)) + " port: " + ec.message() +
                            "; retrying");
    listener.retry.expires_after(kAcceptRetryDelay);
    listener.retry.async_wait([this, channel](boost::system::error_code wait_ec) {
      if (!wait_ec) start_accept(channel);
    });
    return;
  }
  start_accept(channel);

  boost::system::error_code ignored;
  const tcp::endpoint remote = socket.remote_endpoint(ignored);
  if (ignored) {
    socket.close(ignored);
    return;
  }
  if (unannounced(channel) >= kMaxUnannounced) {
    // Whoever opens connections and says nothing gets no more of them than this at a time; a
    // real peer announces itself within microseconds, and retries if refused.
    if (refused_unannounced_++ % kRefusalsPerLogLine == 0) {
      log(LogLevel::warn, "closing a peer connection on the " + std::string(channel_name(channel)) + " port from " +
                              endpoint_string(remote) + ": " + std::to_string(kMaxUnannounced) +
                              " connections there have not announced a server id yet (" +
                              std::to_string(refused_unannounced_) + " refused so far)");
    }
    socket.close(ignored);
    return;
  }
  socket.set_option(tcp::no_delay(true), ignored);
  auto link = std::make_shared<Link>(next_link_id_++, io_, /*outbound=*/false, Key{0, channel});
  link->socket = std::move(socket);
  link->remote = endpoint_string(remote);
  links_.emplace(link->id, link);
  log(LogLevel::debug, "peer connection on the " + std::string(channel_name(channel)) + " port from " + link->remote);
  link->timer.expires_after(connect_timeout_);
  link->timer.async_wait([this, link](boost::system::error_code wait_ec) {
    if (wait_ec || link->state != Link::State::hello) return;
    lost(link, "did not announce its server id within " + std::to_string(connect_timeout_.count()) + " ms",
         LogLevel::warn);
  });
  start_read(link);
}

std::size_t PeerTransport::unannounced(PeerChannel channel) const {
  std::size_t n = 0;
  for (const auto& [id, link] : links_)
    n += !link->outbound && link->state == Link::State::hello && link->key.second == channel ? 1 : 0;
  return n;
}

// ----- sending --------------------------------------------------------------------------------

std::size_t PeerTransport::count_current(bool outbound) const {
  std::size_t n = 0;
  for (const auto& [key, link] : current_) n += link->outbound == outbound ? 1 : 0;
  return n;
}

void PeerTransport::send(PeerId peer, PeerChannel channel, std::string message) {
  const Key key{peer, channel};
  if (peer == self_) {
    log(LogLevel::debug, "message to " + describe(key) + " dropped: a server does not send to itself");
    return;
  }
  if (!peers_.contains(peer)) {
    if (warned_unknown_.insert(peer).second) {
      log(LogLevel::warn, "message to " + describe(key) + " dropped: no server." + std::to_string(peer) +
                              " line in the configuration");
    }
    return;
  }
  if (channel == PeerChannel::election && message.size() > kMaxElectionMessage) {
    log(LogLevel::error, "election message of " + std::to_string(message.size()) + " bytes to " + describe(key) +
                             " dropped: larger than the " + std::to_string(kMaxElectionMessage >> 10) +
                             " KiB a peer accepts");
    return;
  }
  // The election port frames each message with its length; the quorum port is a stream of
  // QuorumPackets (and a snapshot after SNAP), written as they are.
  std::string wire = channel == PeerChannel::election ? jute::frame(message) : std::move(message);
  if (channel == PeerChannel::election) last_vote_[peer] = wire;
  if (const auto it = current_.find(key); it != current_.end() && it->second->state == Link::State::open) {
    const LinkPtr link = it->second;
    link->carried = true;
    link->queue.push_back(std::move(wire));
    if (link->writing == 0) start_write(link);
    return;
  }
  if (channel == PeerChannel::quorum && !current_.contains(key) && !opens_learner_connection(wire)) {
    // Only a learner opens a quorum connection, and it starts with FOLLOWERINFO/OBSERVERINFO (the
    // leader learns its sid from it). Anything else is for a learner that is gone.
    log(LogLevel::debug, "message to " + describe(key) + " dropped: no connection (only a learner opens one)");
    report(key);
    return;
  }
  auto& waiting = waiting_[key];
  if (channel == PeerChannel::election && !waiting.empty()) {
    // As ZooKeeper's send queue of one: a newer vote supersedes the one not sent yet.
    log(LogLevel::debug, "election message to " + describe(key) + " superseded before a connection opened");
    waiting.clear();
  }
  waiting.push_back(std::move(wire));
  ensure_connection(key);
}

void PeerTransport::ensure_connection(const Key& key) {
  if (current_.contains(key) || waking_.contains(key)) return;
  // Only the larger id opens election connections: a smaller one asks it to.
  const bool wake_up = key.second == PeerChannel::election && key.first > self_;
  open_link(key, wake_up);
}

PeerTransport::LinkPtr PeerTransport::open_link(const Key& key, bool wake_up) {
  auto link = std::make_shared<Link>(next_link_id_++, io_, /*outbound=*/true, key, wake_up);
  links_.emplace(link->id, link);
  (wake_up ? waking_ : current_)[key] = link;
  if (key.second == PeerChannel::election) {
    link->queue.push_back(election_hello(self_, election_address_));
    link->hello_queued = true;
  }
  start_connect(link, peers_.at(key.first));
  return link;
}

void PeerTransport::flush(const LinkPtr& link) {
  const auto it = waiting_.find(link->key);
  if (it != waiting_.end() && !it->second.empty()) {
    for (auto& framed : it->second) link->queue.push_back(std::move(framed));
    link->carried = true;
  } else if (const auto last = last_vote_.find(link->key.first);
             link->key.second == PeerChannel::election && last != last_vote_.end()) {
    link->queue.push_back(last->second);
    link->carried = true;
  }
  if (it != waiting_.end()) waiting_.erase(it);
  if (link->state == Link::State::open && link->writing == 0 && !link->queue.empty()) start_write(link);
}

std::size_t PeerTransport::take_waiting(const Key& key) {
  const auto it = waiting_.find(key);
  if (it == waiting_.end()) return 0;
  const std::size_t n = it->second.size();
  waiting_.erase(it);
  return n;
}

void PeerTransport::start_connect(const LinkPtr& link, const PeerAddress& address) {
  const std::uint16_t port = address.port(link->key.second);
  const std::string target = host_port(address.host, port);
  log(LogLevel::debug, "connecting to " + describe(link->key) + " at " + target);
  link->timer.expires_after(connect_timeout_);
  link->timer.async_wait([this, link, target](boost::system::error_code ec) {
    if (ec || link->state != Link::State::connecting) return;
    lost(link, "connect to " + target + ": timed out after " + std::to_string(connect_timeout_.count()) + " ms");
  });

  boost::system::error_code ec;
  const auto ip = asio::ip::make_address(address.host, ec);
  if (!ec) {
    // async_connect reports even an immediate failure through its handler, never from here.
    connect_to(link, {tcp::endpoint(ip, port)}, 0, "");
    return;
  }
  link->resolver.async_resolve(
      address.host, std::to_string(port),
      [this, link, target](boost::system::error_code resolve_ec, tcp::resolver::results_type results) {
        if (link->state != Link::State::connecting) return;
        if (resolve_ec || results.empty()) {
          lost(link, "connect to " + target + ": cannot resolve: " +
                         (resolve_ec ? resolve_ec.message() : std::string("no address")));
          return;
        }
        std::vector<tcp::endpoint> endpoints;
        for (const auto& r : results) endpoints.push_back(r.endpoint());
        connect_to(link, endpoints, 0, "");
      });
}

void PeerTransport::connect_to(const LinkPtr& link, const std::vector<tcp::endpoint>& endpoints, std::size_t index,
                               const std::string& last_error) {
  if (index >= endpoints.size()) {
    // Only ever reached from a completion handler (the literal-address path has one endpoint).
    lost(link, "connect to " + link->remote + ": " + last_error);
    return;
  }
  boost::system::error_code ignored;
  link->socket.close(ignored);
  link->remote = endpoint_string(endpoints[index]);
  link->socket.async_connect(endpoints[index], [this, link, endpoints, index](boost::system::error_code ec) {
    if (link->state != Link::State::connecting) return;
    if (ec) {
      connect_to(link, endpoints, index + 1, ec.message());
      return;
    }
    on_connected(link);
  });
}

void PeerTransport::on_connected(const LinkPtr& link) {
  link->state = Link::State::open;
  link->timer.cancel();
  boost::system::error_code ignored;
  link->socket.set_option(tcp::no_delay(true), ignored);
  log(LogLevel::debug, std::string(link->wake_up ? "woke up " : "connected to ") + describe(link->key) + " at " +
                           link->remote);
  start_read(link);
  if (!link->wake_up) flush(link);
  if (link->writing == 0 && !link->queue.empty()) start_write(link);
}

void PeerTransport::start_write(const LinkPtr& link) {
  std::vector<asio::const_buffer> buffers;
  for (const auto& chunk : link->queue) {
    if (buffers.size() == kMaxBuffersPerWrite) break;
    buffers.emplace_back(asio::buffer(chunk));  // deque::push_back keeps these addresses valid
  }
  link->writing = buffers.size();
  asio::async_write(link->socket, buffers, [this, link](boost::system::error_code ec, std::size_t) {
    if (link->state == Link::State::dead) return;
    if (ec) {
      lost(link, "write: " + ec.message());
      return;
    }
    for (std::size_t i = 0; i < link->writing; ++i) {
      if (i > 0 || !link->hello_queued) tell_wire_listener(PeerWireEvent::Kind::sent, *link, link->queue.front());
      link->queue.pop_front();
    }
    link->hello_queued = false;
    link->writing = 0;
    if (link->wake_up) {
      // The larger id knows we want to talk: it closes this and connects back.
      destroy(link);
      return;
    }
    if (!link->queue.empty()) start_write(link);
  });
}

// ----- receiving ------------------------------------------------------------------------------

void PeerTransport::start_read(const LinkPtr& link) {
  link->socket.async_read_some(asio::buffer(link->read_buffer), [this, link](boost::system::error_code ec,
                                                                             std::size_t n) {
    if (link->state == Link::State::dead) return;
    if (ec) {
      lost(link, ec == asio::error::eof ? std::string("closed by the peer") : "read: " + ec.message());
      return;
    }
    on_read(link, n);
  });
}

void PeerTransport::on_read(const LinkPtr& link, std::size_t n) {
  std::string_view data(link->read_buffer.data(), n);
  if (link->wake_up) {  // nothing comes back on a wake-up; reading only notices its end
    start_read(link);
    return;
  }
  std::string first_bytes;  // an inbound quorum connection: its first packet and what came with it
  if (!link->outbound && link->state == Link::State::hello) {
    const PeerChannel channel = link->key.second;
    link->hello.append(data);
    const Hello hello = channel == PeerChannel::election ? parse_election_hello(link->hello)
                                                         : parse_learner_hello(link->hello);
    if (hello.status == Hello::Status::need_more) {
      if (link->hello.size() > kMaxHelloBytes) {
        lost(link, "sent " + std::to_string(link->hello.size()) + " bytes without saying which server it is",
             LogLevel::warn);
        return;
      }
      start_read(link);
      return;
    }
    if (hello.status == Hello::Status::bad) {
      lost(link, hello.error + "; closing", LogLevel::warn);
      return;
    }
    on_hello(link, hello.sid);
    // Reporting the end of an older connection may have made the node close this one.
    if (link->state != Link::State::open) return;
    if (channel == PeerChannel::election) {
      first_bytes = link->hello.substr(hello.length);
    } else {
      first_bytes = std::move(link->hello);  // the packet is the node's too
    }
    link->hello.clear();
    data = first_bytes;
  }
  if (!data.empty()) tell_wire_listener(PeerWireEvent::Kind::received, *link, data);
  if (link->key.second == PeerChannel::quorum) {
    if (!data.empty()) {
      link->carried = true;
      Node* node = node_();
      if (node == nullptr) return;  // shut down: deliver nothing more (and stop reading)
      node->on_peer_message(link->key.first, link->key.second, data);
      if (link->state != Link::State::open) return;  // the node disconnected it meanwhile
    }
    if (link->read_buffer.size() < kReadBufferBytes) link->read_buffer.assign(kReadBufferBytes, 0);
    start_read(link);
    return;
  }
  link->frames.feed(data);
  std::string message;
  for (;;) {
    const auto status = link->frames.next(message);
    if (status == jute::FrameDecoder::Status::need_more) break;
    if (status != jute::FrameDecoder::Status::frame) {
      const std::int32_t length = link->frames.bad_length();
      lost(link,
           status == jute::FrameDecoder::Status::too_large
               ? "message length " + std::to_string(length) + " exceeds the limit of " +
                     std::to_string(kMaxElectionMessage) + " bytes; closing"
               : "negative message length " + std::to_string(length) + "; closing",
           LogLevel::warn);
      return;
    }
    link->carried = true;
    Node* node = node_();
    if (node == nullptr) return;  // shut down: deliver nothing more (and stop reading)
    node->on_peer_message(link->key.first, link->key.second, message);
    if (link->state != Link::State::open) return;  // the node disconnected it meanwhile
  }
  // Announced: from now on it carries messages (`data`, which pointed into the buffer, is used up).
  if (link->read_buffer.size() < kReadBufferBytes) link->read_buffer.assign(kReadBufferBytes, 0);
  start_read(link);
}

void PeerTransport::on_hello(const LinkPtr& link, PeerId sid) {
  const PeerChannel channel = link->key.second;
  if (sid == self_ || !peers_.contains(sid)) {
    lost(link,
         "announces server id " + std::to_string(sid) + (sid == self_ ? ", ours" : ", not in the configuration") +
             "; closing",
         LogLevel::warn);
    return;
  }
  link->timer.cancel();
  const Key key{sid, channel};
  if (channel == PeerChannel::election && sid < self_) {
    // A smaller id asks us to connect: close its connection and open ours, unless we have one
    // (open or being made), as ZooKeeper's connectOne. A stale one breaks on its own.
    log(LogLevel::debug, describe(key) + " asks us to connect (only the larger id opens election connections)");
    destroy(link);
    if (!current_.contains(key)) open_link(key, /*wake_up=*/false);
    return;
  }
  bool report_old = false;
  if (const auto old = current_.find(key); old != current_.end()) {
    const LinkPtr previous = old->second;
    if (previous->outbound && self_ > sid) {
      log(LogLevel::debug, describe(key) + ": closing its connection from " + link->remote +
                               ", which crosses ours (the larger id's is kept)");
      destroy(link);
      return;
    }
    // The peer reconnected (its old connection is dead to it, so it is to us), or its connection
    // wins over the one we are making.
    report_old = previous->carried;
    log(LogLevel::debug, describe(key) + ": a new connection from " + link->remote + " replaces " +
                             (previous->outbound ? "ours to " : "the one from ") + previous->remote);
    destroy(previous);
  }
  link->key = key;
  link->state = Link::State::open;
  log(LogLevel::debug, describe(key) + " connected from " + link->remote);
  current_[key] = link;
  if (report_old) report(key);
  if (link->state == Link::State::open) flush(link);  // unless the report made the node close it
}

// ----- closing --------------------------------------------------------------------------------

void PeerTransport::disconnect(PeerId peer, PeerChannel channel) {
  const Key key{peer, channel};
  if (const std::size_t n = take_waiting(key); n > 0) {
    log(LogLevel::debug,
        plural(n, "message") + " to " + describe(key) + " dropped: disconnected before a connection opened");
  }
  for (auto* table : {&current_, &waking_}) {
    const auto it = table->find(key);
    if (it == table->end()) continue;
    const LinkPtr link = it->second;
    const std::size_t unsent = link->queue.size() - (link->hello_queued ? 1 : 0);
    log(LogLevel::debug, "closing the connection " + std::string(link->outbound ? "to " : "from ") + describe(key) +
                             (unsent > 0 ? " (" + plural(unsent, "queued message") + " dropped)" : ""));
    destroy(link);
  }
}

void PeerTransport::lost(const LinkPtr& link, const std::string& why, LogLevel level) {
  if (link->state == Link::State::dead) return;
  const bool announced = link->outbound || link->state != Link::State::hello;
  const bool was_connecting = link->state == Link::State::connecting;
  const Key key = link->key;
  const bool carried = link->carried;
  std::string what;
  if (!announced) {
    what = "peer connection on the " + std::string(channel_name(key.second)) + " port from " + link->remote;
  } else {
    what = (link->outbound ? "connection to " : "connection from ") + describe(key) +
           (link->remote.empty() ? std::string() : " at " + link->remote);
  }
  std::size_t unsent = link->queue.size() - (link->hello_queued ? 1 : 0);
  // A connection that could not be made (a wake-up too) loses what waited for it.
  const std::size_t lost_waiting = was_connecting ? take_waiting(key) : 0;
  unsent += lost_waiting;
  // A connection that worked and broke is news; one that could not be made is routine (the peer
  // is down) and the election retries it constantly.
  const LogLevel effective = (level == LogLevel::debug && announced && !was_connecting) ? LogLevel::info : level;
  log(effective, what + ": " + why + (unsent > 0 ? " (" + plural(unsent, "message") + " lost)" : ""));
  destroy(link);
  if ((announced && carried) || lost_waiting > 0) report(key);
}

void PeerTransport::destroy(const LinkPtr& link) {
  if (link->state == Link::State::dead) return;
  link->state = Link::State::dead;
  boost::system::error_code ignored;
  link->timer.cancel();
  link->resolver.cancel();
  link->socket.shutdown(tcp::socket::shutdown_both, ignored);
  link->socket.close(ignored);
  links_.erase(link->id);
  tell_wire_listener(PeerWireEvent::Kind::closed, *link, {});
  for (auto* table : {&current_, &waking_}) {
    if (const auto it = table->find(link->key); it != table->end() && it->second == link) table->erase(it);
  }
}

void PeerTransport::report(const Key& key) {
  if (Node* node = node_()) node->on_peer_disconnected(key.first, key.second);
}

void PeerTransport::tell_wire_listener(PeerWireEvent::Kind kind, const Link& link, std::string_view bytes) const {
  if (!wire_listener_ || link.wake_up) return;  // a wake-up carries only our header
  wire_listener_(PeerWireEvent{kind, link.id, link.key.first, link.key.second, bytes});
}

void PeerTransport::close() {
  boost::system::error_code ignored;
  for (auto& [channel, listener] : listeners_) {
    listener->acceptor.close(ignored);
    listener->retry.cancel();
  }
  std::vector<LinkPtr> all;
  for (const auto& [id, link] : links_) all.push_back(link);
  for (const auto& link : all) destroy(link);
  waiting_.clear();
  last_vote_.clear();
}

}  // namespace zablab::runtime
