// The real peer transport behind AsioEnv::peer_send / peer_disconnect: whole messages between the
// members of an ensemble over TCP, on the quorum and election ports of their server.N lines.
//
// It behaves as the simulator's (sim/peer_links.h), and as ZooKeeper's QuorumCnxManager:
// - Between two servers there is at most one connection per channel, carrying messages both ways.
//   On the quorum port whoever sends first opens it (in Zab, the learner with FOLLOWERINFO).
// - Election port: only the larger id opens connections. A smaller server with something to send
//   opens a "wake-up" connection that only announces its sid and is closed; the larger server
//   closes such a connection and connects back. Until then the smaller keeps only its newest
//   election message (ZooKeeper's send queue holds one). Every new election connection starts with
//   the last message sent to that peer if nothing waits (ZooKeeper's lastMessageSent), so a vote
//   lost with a broken connection is not lost for good.
// - Two connections of one channel crossing: the one opened by the larger id is kept.
// - Messages sent while no connection is open wait for one. If it cannot be made (refused,
//   unreachable, not open within the connect timeout) they are lost, with a debug log line, and
//   the node hears on_peer_disconnected; the next send tries again.
// - When a connection that carried a message breaks (EOF, reset, a write error, a bad frame), the
//   node hears Node::on_peer_disconnected(peer, channel) once for it.
// - A newer connection from the same peer and channel replaces the older one, whose end is
//   reported first, so "disconnected" always comes before any message of a later connection.
// - disconnect() closes the connection with the peer on the channel, reporting nothing to
//   ourselves (as Env::client_close); the peer hears it.
//
// Wire format: Apache ZooKeeper 3.8's (runtime/peer_hello.h), so zablab and Apache members share an
// ensemble. An election connection starts with the opener's header (protocol version, sid, its
// election address), then carries messages as an int32 big-endian length and that many bytes
// (at most 512 KiB; a longer one closes the connection). A quorum connection has no header and no
// frames: the learner's QuorumPackets and the leader's follow each other on the stream, and the
// node cuts them apart (core/quorum/quorum_stream.h); the leader learns the learner's sid from its
// first packet, FOLLOWERINFO or OBSERVERINFO. Only a learner opens a quorum connection (a
// quorum message with no connection that is not one of those is dropped and reported as a
// disconnection). A connection announcing a sid that is not a configured peer, an unknown
// election protocol version or a first quorum packet of another type is closed with a warning.
// TCP_NODELAY everywhere.
//
// An accepted connection that has not announced its sid yet reads 64 bytes at a time (no 64 KiB
// buffer until it has; at most 8 KiB before it must have), and at most kMaxUnannounced of them
// per port wait at once (each until the connect timeout): beyond that a new connection is closed
// at once, with a warning now and then.
//
// Everything runs on the io_context's loop thread; inputs are delivered through the Node the
// host returns (none after Env::shutdown), never from inside a call the node makes.
//
// A wire listener (zablab-server --trace) hears the bytes each connection carries: ours once
// written to the socket, the peer's as read (before the node gets them), the election header
// excluded both ways; then the connection's end.
#pragma once

#include <chrono>
#include <deque>
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

// What one peer connection carried, for a wire listener. `bytes` is valid during the call only.
struct PeerWireEvent {
  enum class Kind { sent, received, closed };
  Kind kind = Kind::sent;
  std::uint64_t conn = 0;  // the connection's number, never reused in this process
  PeerId peer = 0;
  PeerChannel channel = PeerChannel::quorum;
  std::string_view bytes;  // sent / received: the wire bytes (election messages with their length)
};

class PeerTransport {
 public:
  // The largest election message accepted from a peer (the frame length; QuorumCnxManager's
  // PACKETMAXSIZE); larger ones close the connection. The quorum port has no frames.
  static constexpr std::size_t kMaxElectionMessage = std::size_t{512} << 10;
  // An accepted connection that sends more than this without saying who it is is closed.
  static constexpr std::size_t kMaxHelloBytes = 8192;
  // Accepted connections per port that may wait for their sid at once (a real ensemble has one
  // per peer, briefly).
  static constexpr std::size_t kMaxUnannounced = 64;

  // The node to deliver to, or nullptr when nothing may be delivered any more.
  using NodeGetter = std::function<Node*()>;
  using Logger = std::function<void(LogLevel, std::string_view)>;
  using WireListener = std::function<void(const PeerWireEvent&)>;

  PeerTransport(boost::asio::io_context& io, PeerId self, NodeGetter node, Logger log);
  ~PeerTransport();
  PeerTransport(const PeerTransport&) = delete;
  PeerTransport& operator=(const PeerTransport&) = delete;

  PeerId self() const { return self_; }

  // Where peer `id` listens (replaces what was set before; open connections are kept).
  void set_peer(PeerId id, PeerAddress address);
  // Our own election address ("host:port"), announced in the header of election connections we
  // open (Apache members connect back to it).
  void set_election_address(std::string address) { election_address_ = std::move(address); }
  // How long making a connection (name resolution included) may take; also how long a peer that
  // connected to us may take to announce its sid. Default 5 s (ZooKeeper's cnxTimeout).
  void set_connect_timeout(std::chrono::milliseconds timeout) { connect_timeout_ = timeout; }
  // Hears every connection's bytes and end (see above); nullptr: nobody. It must not call back
  // into the transport.
  void set_wire_listener(WireListener listener) { wire_listener_ = std::move(listener); }

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

  // For tests: connections in use (open or being opened) that we made / that peers made to us.
  std::size_t outbound_count() const { return count_current(true); }
  std::size_t inbound_count() const { return count_current(false); }

 private:
  using Key = std::pair<PeerId, PeerChannel>;
  struct Link;
  using LinkPtr = std::shared_ptr<Link>;

  static std::string describe(const Key& key);
  std::size_t count_current(bool outbound) const;
  // Accepted connections on `channel`'s port still waiting for their hello.
  std::size_t unannounced(PeerChannel channel) const;
  // Opens what `key` needs for its waiting messages (a connection or a wake-up), unless under way.
  void ensure_connection(const Key& key);
  LinkPtr open_link(const Key& key, bool wake_up);
  // Hands the waiting messages of the link's key to it.
  void flush(const LinkPtr& link);
  // Forgets the messages waiting for a connection to `key`; returns how many there were.
  std::size_t take_waiting(const Key& key);
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
  void tell_wire_listener(PeerWireEvent::Kind kind, const Link& link, std::string_view bytes) const;
  void log(LogLevel level, const std::string& message) const;

  boost::asio::io_context& io_;
  PeerId self_;
  NodeGetter node_;
  Logger log_;
  WireListener wire_listener_;
  std::chrono::milliseconds connect_timeout_{5000};
  std::map<PeerId, PeerAddress> peers_;
  std::set<PeerId> warned_unknown_;
  std::size_t refused_unannounced_ = 0;

  struct Listener;
  std::map<PeerChannel, std::unique_ptr<Listener>> listeners_;

  std::uint64_t next_link_id_ = 1;
  std::map<std::uint64_t, LinkPtr> links_;  // every live link, announced or not
  std::map<Key, LinkPtr> current_;  // the connection in use: open, or ours being opened
  std::map<Key, LinkPtr> waking_;   // a wake-up connection under way (election, to a larger id)
  std::map<Key, std::deque<std::string>> waiting_;  // framed messages waiting for a connection
  std::map<PeerId, std::string> last_vote_;         // framed: the last election message to each peer
  std::string election_address_;
};

}  // namespace zablab::runtime
