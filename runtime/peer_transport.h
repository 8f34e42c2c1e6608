// The real peer transport behind AsioEnv::peer_send / peer_disconnect: whole messages between the
// members of an ensemble over TCP, on the quorum and election ports of their server.N lines.
//
// It behaves as the simulator's (sim/peer_links.h):
// - Each server sends to a peer over a connection it opened itself, one per (peer, channel), made
//   on demand by the first send; it receives over the connections its peers opened to it. Every
//   connection thus carries messages one way, and two servers connecting to each other at once
//   never collide.
// - Messages sent while a connection is being made are queued and go out once it is open. If it
//   cannot be made (refused, unreachable, not open within the connect timeout) they are lost, with
//   a debug log line; the next send tries again.
// - When a connection that carried a message breaks (either direction: EOF, reset, a write error,
//   a bad frame), the node hears Node::on_peer_disconnected(peer, channel) once for it. A failed
//   connection attempt counts: its queued messages were handed to it.
// - A newer incoming connection from the same peer and channel replaces the older one, whose end
//   is reported first, so "disconnected" always comes before any message of a later connection.
// - disconnect() closes our connection to the peer on the channel and the one from it, reporting
//   nothing to ourselves (as Env::client_close).
//
// Wire format, per connection: first the sender's sid (int64, big-endian, 8 bytes), then each
// message as an int32 big-endian length and that many bytes. A length above max_message (64 MiB)
// or below 0 closes the connection with a log line. A connection announcing a sid that is not a
// configured peer is closed with a warning. TCP_NODELAY everywhere.
//
// Everything runs on the io_context's loop thread; inputs are delivered through the Node the
// host returns (none after Env::shutdown), never from inside a call the node makes.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "core/env/env.h"
#include "core/env/node.h"

namespace zablab::runtime {

// Where a peer listens: the host and ports of its server.N line.
struct PeerAddress {
  std::string host;
  std::uint16_t quorum_port = 0;
  std::uint16_t election_port = 0;

  std::uint16_t port(PeerChannel channel) const {
    return channel == PeerChannel::quorum ? quorum_port : election_port;
  }
};

std::string_view channel_name(PeerChannel channel);

class PeerTransport {
 public:
  // The largest message accepted from a peer (the frame length); larger ones close the connection.
  static constexpr std::size_t kMaxMessage = std::size_t{64} << 20;

  // The node to deliver to, or nullptr when nothing may be delivered any more.
  using NodeGetter = std::function<Node*()>;
  using Logger = std::function<void(LogLevel, std::string_view)>;

  PeerTransport(boost::asio::io_context& io, PeerId self, NodeGetter node, Logger log);
  ~PeerTransport();
  PeerTransport(const PeerTransport&) = delete;
  PeerTransport& operator=(const PeerTransport&) = delete;

  PeerId self() const { return self_; }

  // Where peer `id` listens (replaces what was set before; open connections are kept).
  void set_peer(PeerId id, PeerAddress address);
  // How long making a connection (name resolution included) may take; also how long a peer that
  // connected to us may take to announce its sid. Default 5 s (ZooKeeper's cnxTimeout).
  void set_connect_timeout(std::chrono::milliseconds timeout) { connect_timeout_ = timeout; }

  // Opens the port for `channel`: binds `host` ("" = all interfaces; a name is resolved) and `port`
  // (0 = the OS picks). Accepts once the loop runs. Returns the bound port. Throws
  // std::runtime_error ("listen for election on 127.0.0.1:3888: bind: Address already in use").
  std::uint16_t listen(PeerChannel channel, const std::string& host, std::uint16_t port);
  // "127.0.0.1:3888" for a channel that listens, "" otherwise.
  std::string listening_on(PeerChannel channel) const;

  // Env::peer_send and Env::peer_disconnect.
  void send(PeerId peer, PeerChannel channel, std::string message);
  void disconnect(PeerId peer, PeerChannel channel);

  // Closes the listening ports and every connection, reporting nothing.
  void close();

  // For tests: open or opening connections we made / peers made to us (announced ones).
  std::size_t outbound_count() const { return outbound_.size(); }
  std::size_t inbound_count() const { return inbound_.size(); }

 private:
  using Key = std::pair<PeerId, PeerChannel>;
  struct Link;
  using LinkPtr = std::shared_ptr<Link>;

  static std::string describe(const Key& key);
  void start_accept(PeerChannel channel);
  void on_accept(PeerChannel channel, boost::system::error_code ec, boost::asio::ip::tcp::socket socket);
  void start_connect(const LinkPtr& link, const PeerAddress& address);
  void connect_to(const LinkPtr& link, const std::vector<boost::asio::ip::tcp::endpoint>& endpoints,
                  std::size_t index, const std::string& last_error);
  void on_connected(const LinkPtr& link);
  void start_read(const LinkPtr& link);
  void on_read(const LinkPtr& link, std::size_t n);
  void on_hello(const LinkPtr& link, PeerId sid);
  void start_write(const LinkPtr& link);
  // The link broke (or could not be made): forget it and report it if it carried a message.
  // Logged at `level`, except that the default (debug) becomes info for a connection that was open.
  void lost(const LinkPtr& link, const std::string& why, LogLevel level = LogLevel::debug);
  // Forgets the link and closes its socket; reports nothing.
  void destroy(const LinkPtr& link);
  void report(const Key& key);
  void log(LogLevel level, const std::string& message) const;

  boost::asio::io_context& io_;
  PeerId self_;
  NodeGetter node_;
  Logger log_;
  std::chrono::milliseconds connect_timeout_{5000};
  std::map<PeerId, PeerAddress> peers_;
  std::set<PeerId> warned_unknown_;

  struct Listener;
  std::map<PeerChannel, std::unique_ptr<Listener>> listeners_;

  std::uint64_t next_link_id_ = 1;
  std::map<std::uint64_t, LinkPtr> links_;  // every live link, announced or not
  std::map<Key, LinkPtr> outbound_;
  std::map<Key, LinkPtr> inbound_;
};

}  // namespace zablab::runtime
