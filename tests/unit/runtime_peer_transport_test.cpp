// The real peer transport (runtime/peer_transport.h) behind AsioEnv::peer_send/peer_disconnect:
// two or three AsioEnvs in this process, each hosting a tiny recording node, exchange messages over
// loopback on OS-chosen ports, on Apache ZooKeeper's wire: election messages framed after the
// opener's header, quorum packets as a stream after the learner's FOLLOWERINFO. Messages in order,
// both channels; loss and a disconnect report when a peer cannot be reached; reports when a
// connection breaks, never for our own disconnect; a newer connection replacing an older one (its
// end reported first); bad frames, bad headers and strangers closed. Also zoo.cfg -> ServerConfig
// for ensembles and the myid file. Every loop is bounded.
#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <tuple>
#include <algorithm>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/env/node.h"
#include "core/jute/frame.h"
#include "core/quorum/messages.h"
#include "core/quorum/quorum_stream.h"
#include "runtime/asio_env.h"
#include "runtime/peer_hello.h"
#include "runtime/peer_transport.h"
#include "runtime/zoo_config.h"

using zablab::ConnId;
using zablab::DiskStatus;
using zablab::DiskToken;
using zablab::LogLevel;
using zablab::PeerChannel;
using zablab::PeerId;
using zablab::TimerId;
using zablab::runtime::AsioEnv;
using zablab::runtime::PeerAddress;
using zablab::runtime::PeerTransport;

namespace {

constexpr auto kDeadline = std::chrono::seconds(5);

std::string ch(PeerChannel c) { return c == PeerChannel::quorum ? "q" : "e"; }

// Records what the transport delivers, as strings: "msg <from> <q|e> <payload>" (payloads longer
// than 32 bytes as "#<size>"), "disc <peer> <q|e>". Checks no input arrives while another runs.
// Election messages are payloads as they are; the quorum stream is cut into QuorumPackets, each
// recorded as its data ("info" for a FOLLOWERINFO).
class PeerNode : public zablab::Node {
 public:
  std::vector<std::string> events;
  std::vector<std::string> payloads;  // every message, whole
  std::function<void(PeerId, PeerChannel, std::string_view)> message_hook;
  std::function<void(PeerId, PeerChannel)> disconnect_hook;
  bool reentered = false;

  void start() override {}
  void on_client_connected(ConnId, std::string) override {}
  void on_client_bytes(ConnId, std::string_view) override {}
  void on_client_closed(ConnId) override {}
  void on_timer(TimerId) override {}
  void on_disk_done(DiskToken, const DiskStatus&) override {}

  void on_peer_message(PeerId from, PeerChannel channel, std::string_view message) override {
    Busy busy(*this);
    if (channel == PeerChannel::election) {
      record(from, channel, message);
      return;
    }
    streams.try_emplace(from, std::size_t{64} << 20).first->second.feed(message);
    while (streams.count(from)) {  // a hook that disconnects drops the rest
      const auto packet = streams.at(from).next_packet();
      if (!packet) break;
      const auto p = zablab::jute::decode<zablab::jute::QuorumPacket>(*packet);
      record(from, channel, p.type == zablab::quorum::packet::followerinfo ? "info" : p.data.value_or(""));
    }
  }
  void record(PeerId from, PeerChannel channel, std::string_view message) {
    payloads.emplace_back(message);
    events.push_back("msg " + std::to_string(from) + " " + ch(channel) + " " +
                     (message.size() > 32 ? "#" + std::to_string(message.size()) : std::string(message)));
    if (message_hook) message_hook(from, channel, message);
  }
  std::map<PeerId, zablab::quorum::QuorumStream> streams;
  void on_peer_disconnected(PeerId peer, PeerChannel channel) override {
    Busy busy(*this);
    if (channel == PeerChannel::quorum) streams.erase(peer);
    events.push_back("disc " + std::to_string(peer) + " " + ch(channel));
    if (disconnect_hook) disconnect_hook(peer, channel);
  }
  std::size_t count(const std::string& prefix) const {
    std::size_t n = 0;
    for (const auto& e : events) n += e.rfind(prefix, 0) == 0 ? 1 : 0;
    return n;
  }

 private:
  bool busy_ = false;
  struct Busy {
    PeerNode& n;
    explicit Busy(PeerNode& node) : n(node) {
      if (n.busy_) n.reentered = true;
      n.busy_ = true;
    }
    ~Busy() { n.busy_ = false; }
  };
};

// One ensemble member: an AsioEnv, its node, its transport listening on two OS-chosen ports.
struct Member {
  PeerId id;
  std::unique_ptr<AsioEnv> env;
  PeerNode node;
  PeerTransport* transport = nullptr;
  PeerAddress address;
  std::vector<std::string> logs;

  explicit Member(PeerId id_) : id(id_), env(std::make_unique<AsioEnv>(LogLevel::debug)) {
    env->set_log_sink([this](LogLevel, std::string_view line) { logs.emplace_back(line); });
    env->attach(node);
    transport = &env->enable_peer_transport(id);
    address.host = "127.0.0.1";
    address.quorum_port = transport->listen(PeerChannel::quorum, "127.0.0.1", 0);
    address.election_port = transport->listen(PeerChannel::election, "127.0.0.1", 0);
  }
  // The process dies: every socket closes at once, nothing more is delivered.
  void crash() {
    env.reset();
    transport = nullptr;
  }
  bool logged(const std::string& text) const {
    for (const auto& l : logs)
      if (l.find(text) != std::string::npos) return true;
    return false;
  }
};

void introduce(Member& a, Member& b) {
  a.transport->set_peer(b.id, b.address);
  b.transport->set_peer(a.id, a.address);
}

// Runs every member's loop a little at a time until `done` or the deadline; returns done().
bool pump(const std::vector<Member*>& members, const std::function<bool()>& done,
          std::chrono::milliseconds limit = std::chrono::duration_cast<std::chrono::milliseconds>(kDeadline)) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    for (Member* m : members)
      if (m->env) m->env->io_context().run_for(std::chrono::milliseconds(1));
  }
  return true;
}

// Pumps for a fixed time (to show that something does NOT happen).
void settle(const std::vector<Member*>& members, std::chrono::milliseconds how_long) {
  pump(members, [] { return false; }, how_long);
}

std::uint16_t closed_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

// A hand-made peer: a raw loopback connection to a member's port, non-blocking reads.
struct RawPeer {
  int fd = -1;
  explicit RawPeer(std::uint16_t port) {
    fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
      ::close(fd);
      throw std::runtime_error("connect");
    }
  }
  ~RawPeer() {
    if (fd >= 0) ::close(fd);
  }
  RawPeer(const RawPeer&) = delete;
  RawPeer& operator=(const RawPeer&) = delete;
  void send(const std::string& bytes) {
    REQUIRE(::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(bytes.size()));
  }
  // The other end closed (EOF or reset) by now.
  bool closed_by_peer() {
    char c;
    const ssize_t n = ::recv(fd, &c, 1, MSG_DONTWAIT);
    return n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK);
  }
};

// The header Apache ZooKeeper 3.8 sends on an election connection it opens.
std::string hello(PeerId sid) { return zablab::runtime::election_hello(sid, "127.0.0.1:3888"); }

// The pre-3.5 election header: the sid alone.
std::string old_hello(PeerId sid) {
  std::string out(8, '\0');
  auto v = static_cast<std::uint64_t>(sid);
  for (int i = 7; i >= 0; --i) {
    out[static_cast<std::size_t>(i)] = static_cast<char>(v & 0xFF);
    v >>= 8;
  }
  return out;
}

// A learner's first packet on the quorum port: FOLLOWERINFO with its sid (LearnerInfo).
std::string info(PeerId sid) {
  zablab::jute::Writer w;
  zablab::jute::write(w, zablab::jute::LearnerInfo{sid, 0x10000, 0});
  return zablab::quorum::encode_packet(zablab::quorum::packet::followerinfo, 0, w.take());
}

// Any later quorum packet, carrying `text` as its data.
std::string pkt(std::string_view text) {
  return zablab::quorum::encode_packet(zablab::quorum::packet::ping, 0, std::string(text));
}

std::string length_prefix(std::uint32_t n) {
  return std::string{static_cast<char>(n >> 24), static_cast<char>(n >> 16), static_cast<char>(n >> 8),
                     static_cast<char>(n)};
}

}  // namespace

TEST_CASE("runtime/peer_transport: whole messages, in order, on both channels and both ways",
          "[runtime][peer_transport]") {
  Member a(1), b(2);
  introduce(a, b);
  std::vector<std::string> sent{"info"};
  a.env->peer_send(2, PeerChannel::quorum, info(1));  // a learner's connection starts so
  for (int i = 0; i < 300; ++i) {
    std::string m = "m" + std::to_string(i);
    if (i == 7) m.clear();                                // empty data exists
    if (i == 100) m.assign(std::size_t{1} << 20, 'x');    // 1 MiB, many reads
    if (i == 200) m.assign(70000, '\0');                  // binary, spans read buffers
    sent.push_back(m);
    a.env->peer_send(2, PeerChannel::quorum, pkt(m));
  }
  a.env->peer_send(2, PeerChannel::election, "vote");
  b.env->peer_send(1, PeerChannel::election, "vote back");
  REQUIRE(b.node.payloads.empty());  // nothing is delivered inside the sending call
  REQUIRE(pump({&a, &b}, [&] { return b.node.payloads.size() == 302 && a.node.payloads.size() == 1; }));

  std::vector<std::string> quorum;
  for (std::size_t i = 0; i < b.node.events.size(); ++i)
    if (b.node.events[i].rfind("msg 1 q ", 0) == 0) quorum.push_back(b.node.payloads[i]);
  CHECK(quorum == sent);
  CHECK(b.node.count("msg 1 e vote") == 1);
  CHECK(a.node.events == std::vector<std::string>{"msg 2 e vote back"});
  CHECK(b.node.count("disc") == 0);
  CHECK_FALSE(a.node.reentered);
  CHECK_FALSE(b.node.reentered);
  // One connection per channel, both ways: a opened the quorum one (it sent first), b the
  // election one (only the larger id opens those; a's send woke b up).
  CHECK(a.transport->outbound_count() == 1);
  CHECK(a.transport->inbound_count() == 1);
  CHECK(b.transport->outbound_count() == 1);
  CHECK(b.transport->inbound_count() == 1);
}

// What a wire listener (zablab-server --trace) heard on one member: the bytes per connection and
// direction, concatenated, and the connections whose end it heard.
struct WireLog {
  std::map<std::tuple<std::uint64_t, PeerId, PeerChannel, bool>, std::string> bytes;  // (conn, peer, channel, sent)
  std::vector<std::uint64_t> closed;
  void listen(PeerTransport& t) {
    t.set_wire_listener([this](const zablab::runtime::PeerWireEvent& e) {
      using Kind = zablab::runtime::PeerWireEvent::Kind;
      if (e.kind == Kind::closed) {
        closed.push_back(e.conn);
        return;
      }
      bytes[{e.conn, e.peer, e.channel, e.kind == Kind::sent}] += e.bytes;
    });
  }
  // Everything carried with `peer` on `channel` one way, over every connection.
  std::string carried(PeerId peer, PeerChannel channel, bool sent) const {
    std::string out;
    for (const auto& [key, b] : bytes)
      if (std::get<1>(key) == peer && std::get<2>(key) == channel && std::get<3>(key) == sent) out += b;
    return out;
  }
};

TEST_CASE("runtime/peer_transport: a wire listener hears the message bytes both ways, headers left out, and each end",
          "[runtime][peer_transport]") {
  Member a(1), b(2);
  introduce(a, b);
  WireLog wa, wb;
  wa.listen(*a.transport);
  wb.listen(*b.transport);
  const std::string quorum = info(1) + pkt("one") + pkt(std::string(100000, 'x'));
  a.env->peer_send(2, PeerChannel::quorum, info(1));
  a.env->peer_send(2, PeerChannel::quorum, pkt("one"));
  a.env->peer_send(2, PeerChannel::quorum, pkt(std::string(100000, 'x')));
  a.env->peer_send(2, PeerChannel::election, "vote");  // a wake-up first: b (larger) connects back
  REQUIRE(pump({&a, &b}, [&] { return b.node.payloads.size() == 4; }));
  b.env->peer_send(1, PeerChannel::quorum, pkt("back"));  // on a's connection (a leader answering)
  REQUIRE(pump({&a, &b}, [&] { return a.node.payloads.size() == 1; }));

  // The quorum stream as written and as read; the election message with its length and without
  // b's header (nor a's wake-up header).
  CHECK(wa.carried(2, PeerChannel::quorum, true) == quorum);
  CHECK(wb.carried(1, PeerChannel::quorum, false) == quorum);
  CHECK(wb.carried(1, PeerChannel::quorum, true) == pkt("back"));
  CHECK(wa.carried(2, PeerChannel::quorum, false) == pkt("back"));
  CHECK(wa.carried(2, PeerChannel::election, true) == zablab::jute::frame("vote"));
  CHECK(wb.carried(1, PeerChannel::election, false) == zablab::jute::frame("vote"));
  CHECK(wb.carried(1, PeerChannel::election, true).empty());
  CHECK(wa.closed.empty());

  b.crash();
  REQUIRE(pump({&a}, [&] { return a.node.count("disc") == 2; }));
  std::set<std::uint64_t> carrying;
  for (const auto& [key, bytes] : wa.bytes) carrying.insert(std::get<0>(key));
  CHECK(carrying.size() == 2);  // one connection per channel
  for (const std::uint64_t conn : carrying) CHECK(std::count(wa.closed.begin(), wa.closed.end(), conn) == 1);
}

TEST_CASE("runtime/peer_transport: election connections are opened by the larger id only",
          "[runtime][peer_transport]") {
  Member a(1), b(2), c(3);
  introduce(a, b);
  introduce(a, c);
  introduce(b, c);
  // Every pair talks both ways on the election channel, the smaller ids first.
  a.env->peer_send(2, PeerChannel::election, "a>b");
  a.env->peer_send(3, PeerChannel::election, "a>c");
  b.env->peer_send(3, PeerChannel::election, "b>c");
  REQUIRE(pump({&a, &b, &c}, [&] { return b.node.payloads.size() == 1 && c.node.payloads.size() == 2; }));
  c.env->peer_send(1, PeerChannel::election, "c>a");
  b.env->peer_send(1, PeerChannel::election, "b>a");
  c.env->peer_send(2, PeerChannel::election, "c>b");
  REQUIRE(pump({&a, &b, &c}, [&] { return a.node.payloads.size() == 2 && b.node.payloads.size() == 2; }));
  settle({&a, &b, &c}, std::chrono::milliseconds(30));
  CHECK(a.transport->outbound_count() == 0);  // the smallest opens none
  CHECK(a.transport->inbound_count() == 2);
  CHECK(b.transport->outbound_count() == 1);  // to 1
  CHECK(b.transport->inbound_count() == 1);   // from 3
  CHECK(c.transport->outbound_count() == 2);
  CHECK(c.transport->inbound_count() == 0);
  CHECK(a.logged("woke up peer 2 (election)"));
  CHECK(c.logged("peer 1 (election) asks us to connect"));
  for (auto* m : {&a, &b, &c}) CHECK(m->node.count("disc") == 0);

  // A smaller id's own connection (a wake-up with a message after its sid) is closed unread.
  RawPeer raw(c.address.election_port);
  raw.send(hello(1) + zablab::jute::frame("ignored"));
  REQUIRE(pump({&c}, [&] { return raw.closed_by_peer(); }));
  CHECK(c.node.count("msg 1 e ignored") == 0);
}

TEST_CASE("runtime/peer_transport: an unreachable peer loses the messages, is reported, and is retried",
          "[runtime][peer_transport]") {
  Member a(1), b(2);
  const PeerAddress real = b.address;
  PeerAddress wrong = real;
  wrong.quorum_port = closed_port();
  a.transport->set_peer(2, wrong);
  b.transport->set_peer(1, a.address);

  a.env->peer_send(2, PeerChannel::quorum, info(1));
  a.env->peer_send(2, PeerChannel::quorum, pkt("lost 2"));
  REQUIRE(a.node.events.empty());
  REQUIRE(pump({&a, &b}, [&] { return a.node.count("disc") > 0; }));
  settle({&a, &b}, std::chrono::milliseconds(50));
  CHECK(a.node.events == std::vector<std::string>{"disc 2 q"});  // once, for the failed connection
  CHECK(b.node.events.empty());
  CHECK(a.logged("connect to 127.0.0.1:" + std::to_string(wrong.quorum_port)));
  CHECK(a.logged("(2 messages lost)"));
  CHECK(a.transport->outbound_count() == 0);

  // The next send tries again.
  a.transport->set_peer(2, real);
  a.env->peer_send(2, PeerChannel::quorum, info(1));
  a.env->peer_send(2, PeerChannel::quorum, pkt("arrives"));
  REQUIRE(pump({&a, &b}, [&] { return b.node.events.size() == 2; }));
  CHECK(b.node.events == std::vector<std::string>{"msg 1 q info", "msg 1 q arrives"});
}

TEST_CASE("runtime/peer_transport: a connection that cannot be made in time is given up",
          "[runtime][peer_transport]") {
  // A listener that never accepts, its queue full: Linux then drops further SYNs, so a connect
  // hangs until our timeout ends it.
  const int listener = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  REQUIRE(::listen(listener, 0) == 0);
  socklen_t len = sizeof addr;
  ::getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len);
  const std::uint16_t port = ntohs(addr.sin_port);
  std::vector<int> fillers;
  for (int i = 0; i < 3; ++i) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);  // EINPROGRESS or done
    fillers.push_back(fd);
  }

  Member a(1);
  a.transport->set_peer(9, PeerAddress{"127.0.0.1", port, port});
  a.transport->set_connect_timeout(std::chrono::milliseconds(200));
  const auto t0 = std::chrono::steady_clock::now();
  a.env->peer_send(9, PeerChannel::election, "hello?");
  REQUIRE(pump({&a}, [&] { return !a.node.events.empty(); }, std::chrono::milliseconds(3000)));
  const auto took = std::chrono::steady_clock::now() - t0;
  for (const int fd : fillers) ::close(fd);
  ::close(listener);
  CHECK(a.node.events == std::vector<std::string>{"disc 9 e"});
  CHECK(a.logged("timed out after 200 ms (1 message lost)"));  // a wake-up: 9 is the larger id
  // Not before its timeout; how soon after is a machine's load, not a property (no upper bound).
  CHECK(took >= std::chrono::milliseconds(190));
}

TEST_CASE("runtime/peer_transport: a crashed peer is reported once per connection that carried messages",
          "[runtime][peer_transport]") {
  Member a(1), b(2), c(3);
  introduce(a, b);
  introduce(a, c);
  introduce(b, c);
  // a -> b on quorum (a's outbound), c -> a on election (a's inbound); b <-> c untouched by a.
  a.env->peer_send(2, PeerChannel::quorum, info(1));
  c.env->peer_send(1, PeerChannel::election, "from c");
  b.env->peer_send(3, PeerChannel::quorum, info(2));
  REQUIRE(pump({&a, &b, &c}, [&] { return b.node.payloads.size() == 1 && a.node.payloads.size() == 1 &&
                                           c.node.payloads.size() == 1; }));

  b.crash();
  REQUIRE(pump({&a, &c}, [&] { return a.node.count("disc") == 1 && c.node.count("disc") == 1; }));
  c.crash();
  REQUIRE(pump({&a}, [&] { return a.node.count("disc") == 2; }));
  settle({&a}, std::chrono::milliseconds(50));
  CHECK(a.node.events == std::vector<std::string>{"msg 3 e from c", "disc 2 q", "disc 3 e"});
  CHECK(a.transport->outbound_count() == 0);
  CHECK(a.transport->inbound_count() == 0);
  CHECK_FALSE(a.node.reentered);
}

TEST_CASE("runtime/peer_transport: peer_disconnect reports nothing to the closer, the other end hears it",
          "[runtime][peer_transport]") {
  Member a(1), b(2);
  introduce(a, b);
  a.env->peer_send(2, PeerChannel::quorum, info(1));
  a.env->peer_send(2, PeerChannel::quorum, pkt("one"));
  REQUIRE(pump({&a, &b}, [&] { return b.node.payloads.size() == 2; }));

  // From inside a handler, as a node would: b drops a's connection on a message it dislikes.
  b.node.message_hook = [&](PeerId from, PeerChannel channel, std::string_view m) {
    if (m != "bad") return;
    b.env->peer_disconnect(from, channel);
    b.node.streams.erase(from);
  };
  a.env->peer_send(2, PeerChannel::quorum, pkt("bad"));
  a.env->peer_send(2, PeerChannel::quorum, pkt("after bad, same connection: never delivered"));
  REQUIRE(pump({&a, &b}, [&] { return a.node.count("disc") == 1; }));
  settle({&a, &b}, std::chrono::milliseconds(50));
  CHECK(b.node.events == std::vector<std::string>{"msg 1 q info", "msg 1 q one", "msg 1 q bad"});  // no report to b
  CHECK(a.node.events == std::vector<std::string>{"disc 2 q"});                                    // a heard it

  // A quorum message with no connection that does not open one (only a learner's FOLLOWERINFO
  // does) is dropped and reported.
  a.env->peer_send(2, PeerChannel::quorum, pkt("to a learner that is gone"));
  REQUIRE(pump({&a, &b}, [&] { return a.node.count("disc") == 2; }));
  CHECK(a.logged("only a learner opens one"));

  // a's next FOLLOWERINFO opens a new connection; and a closing its own outbound tells b only.
  a.env->peer_send(2, PeerChannel::quorum, info(1));
  a.env->peer_send(2, PeerChannel::quorum, pkt("two"));
  REQUIRE(pump({&a, &b}, [&] { return b.node.payloads.size() == 5; }));
  a.env->peer_disconnect(2, PeerChannel::quorum);
  a.env->peer_disconnect(2, PeerChannel::election);  // nothing there: harmless
  REQUIRE(pump({&a, &b}, [&] { return b.node.count("disc") == 1; }));
  settle({&a, &b}, std::chrono::milliseconds(50));
  CHECK(b.node.events == std::vector<std::string>{"msg 1 q info", "msg 1 q one", "msg 1 q bad", "msg 1 q info",
                                                  "msg 1 q two", "disc 1 q"});
  CHECK(a.node.events == std::vector<std::string>{"disc 2 q", "disc 2 q"});
  CHECK_FALSE(a.node.reentered);
  CHECK_FALSE(b.node.reentered);
}

TEST_CASE("runtime/peer_transport: a newer connection from a peer replaces the older, whose end comes first",
          "[runtime][peer_transport]") {
  Member b(2);
  b.transport->set_peer(1, PeerAddress{"127.0.0.1", 1, 1});  // never dialled here
  RawPeer first(b.address.quorum_port);
  first.send(info(1) + pkt("old"));
  REQUIRE(pump({&b}, [&] { return b.node.payloads.size() == 2; }));
  RawPeer second(b.address.quorum_port);
  second.send(info(1) + pkt("new"));
  REQUIRE(pump({&b}, [&] { return b.node.payloads.size() == 4; }));
  CHECK(b.node.events == std::vector<std::string>{"msg 1 q info", "msg 1 q old", "disc 1 q", "msg 1 q info", "msg 1 q new"});
  REQUIRE(pump({&b}, [&] { return first.closed_by_peer(); }));
  CHECK_FALSE(second.closed_by_peer());
  CHECK(b.transport->inbound_count() == 1);

  // A replaced connection that never carried a message is not reported. (Election connections
  // come from larger ids only: peer 3 here.)
  b.transport->set_peer(3, PeerAddress{"127.0.0.1", 1, 1});
  RawPeer silent(b.address.election_port);
  silent.send(hello(3));
  REQUIRE(pump({&b}, [&] { return b.transport->inbound_count() == 2; }));
  RawPeer third(b.address.election_port);
  third.send(old_hello(3) + zablab::jute::frame("e"));  // the pre-3.5 header is understood too
  REQUIRE(pump({&b}, [&] { return b.node.payloads.size() == 5; }));
  CHECK(b.node.events == std::vector<std::string>{"msg 1 q info", "msg 1 q old", "disc 1 q", "msg 1 q info",
                                                  "msg 1 q new", "msg 3 e e"});
}

TEST_CASE("runtime/peer_transport: strangers, bad frames and silent connections are closed",
          "[runtime][peer_transport]") {
  Member b(2);
  b.transport->set_peer(1, PeerAddress{"127.0.0.1", 1, 1});
  b.transport->set_connect_timeout(std::chrono::milliseconds(200));

  b.transport->set_peer(3, PeerAddress{"127.0.0.1", 1, 1});

  SECTION("a sid that is no peer, or our own") {
    RawPeer stranger(b.address.quorum_port);
    stranger.send(info(7) + pkt("hi"));
    RawPeer impostor(b.address.election_port);
    impostor.send(hello(2));
    REQUIRE(pump({&b}, [&] { return stranger.closed_by_peer() && impostor.closed_by_peer(); }));
    CHECK(b.node.events.empty());
    CHECK(b.logged("announces server id 7, not in the configuration"));
    CHECK(b.logged("announces server id 2, ours"));
  }
  SECTION("a quorum connection that does not start with FOLLOWERINFO or OBSERVERINFO") {
    RawPeer p(b.address.quorum_port);
    p.send(pkt("who am I?"));
    REQUIRE(pump({&b}, [&] { return p.closed_by_peer(); }));
    CHECK(b.node.events.empty());
    CHECK(b.logged("first packet is PING (type 5), not FOLLOWERINFO or OBSERVERINFO"));
  }
  SECTION("garbage where the first quorum packet should be") {
    RawPeer p(b.address.quorum_port);
    p.send(std::string(12, '\x01') + length_prefix(0xFFFFFFF0u));
    REQUIRE(pump({&b}, [&] { return p.closed_by_peer(); }));
    CHECK(b.node.events.empty());
    CHECK(b.logged("data: negative length"));
  }
  SECTION("an unknown election protocol version, an unreasonable address length") {
    RawPeer p(b.address.election_port);
    p.send(std::string(7, '\xFF') + std::string(1, '\x00'));  // -256: neither V1 nor V2
    zablab::jute::Writer w;
    w.i64(zablab::runtime::kElectionProtocolV1);
    w.i64(3);
    w.i32(5000);
    RawPeer q(b.address.election_port);
    q.send(w.take());
    REQUIRE(pump({&b}, [&] { return p.closed_by_peer() && q.closed_by_peer(); }));
    CHECK(b.node.events.empty());
    CHECK(b.logged("unknown election protocol version -256"));
    CHECK(b.logged("server 3 announces an election address of 5000 bytes (1..2048)"));
  }
  SECTION("an election length above 512 KiB, after a good message: reported") {
    RawPeer p(b.address.election_port);
    p.send(hello(3) + zablab::jute::frame("ok") + length_prefix((512u << 10) + 1));
    REQUIRE(pump({&b}, [&] { return p.closed_by_peer(); }));
    settle({&b}, std::chrono::milliseconds(20));
    CHECK(b.node.events == std::vector<std::string>{"msg 3 e ok", "disc 3 e"});
    CHECK(b.logged("exceeds the limit of 524288 bytes"));
  }
  SECTION("a negative length before any message: closed, nothing to report") {
    RawPeer p(b.address.election_port);
    p.send(hello(3) + length_prefix(0xFFFFFFF0u));
    REQUIRE(pump({&b}, [&] { return p.closed_by_peer(); }));
    settle({&b}, std::chrono::milliseconds(20));
    CHECK(b.node.events.empty());
    CHECK(b.logged("negative message length"));
  }
  SECTION("no sid within the connect timeout") {
    RawPeer p(b.address.election_port);
    p.send("abc");  // 3 of the 8 bytes
    REQUIRE(pump({&b}, [&] { return p.closed_by_peer(); }, std::chrono::milliseconds(2000)));
    CHECK(b.node.events.empty());
    CHECK(b.logged("did not announce its server id within 200 ms"));
  }
}

TEST_CASE("runtime/peer_transport: sends to ourselves or to unknown peers are dropped quietly",
          "[runtime][peer_transport]") {
  Member a(1);
  a.env->peer_send(1, PeerChannel::quorum, "me");
  a.env->peer_send(42, PeerChannel::quorum, "who?");
  a.env->peer_send(42, PeerChannel::election, "who?");
  settle({&a}, std::chrono::milliseconds(30));
  CHECK(a.node.events.empty());
  CHECK(a.transport->outbound_count() == 0);
  CHECK(a.logged("no server.42 line"));
  CHECK(a.logged("a server does not send to itself"));
}

TEST_CASE("runtime/peer_transport: after shutdown nothing more is delivered", "[runtime][peer_transport]") {
  Member a(1), b(2);
  introduce(a, b);
  a.env->peer_send(2, PeerChannel::quorum, info(1));
  a.env->peer_send(2, PeerChannel::quorum, pkt("first"));
  REQUIRE(pump({&a, &b}, [&] { return b.node.payloads.size() == 2; }));
  b.env->shutdown("test");
  a.env->peer_send(2, PeerChannel::quorum, pkt("second"));
  settle({&a, &b}, std::chrono::milliseconds(50));
  CHECK(b.node.events == std::vector<std::string>{"msg 1 q info", "msg 1 q first"});
}

TEST_CASE("runtime/peer_transport: listening on a taken port fails with a clear message",
          "[runtime][peer_transport]") {
  Member a(1);
  AsioEnv other;
  auto& t = other.enable_peer_transport(2);
  CHECK_THROWS_WITH(t.listen(PeerChannel::quorum, "127.0.0.1", a.address.quorum_port),
                    Catch::Contains("listen for quorum on 127.0.0.1:" + std::to_string(a.address.quorum_port) +
                                    ": bind: Address already in use"));
}

// ----- zoo.cfg for ensembles ------------------------------------------------------------------

namespace {

using zablab::runtime::ConfigError;
using zablab::runtime::parse_zoo_cfg;
using zablab::runtime::read_myid;
using zablab::runtime::to_server_config;

std::string config_error(const std::function<void()>& f) {
  try {
    f();
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "(no error)";
}

struct TempDir {
  std::filesystem::path path;
  TempDir() {
    path = std::filesystem::temp_directory_path() /
           ("zablab-myid-" + std::to_string(::getpid()) + "-" +
            std::to_string(std::chrono::steady_clock::now().time_since_epoch().count()));
    std::filesystem::create_directories(path);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
  std::string write(const std::string& name, const std::string& text) const {
    std::ofstream(path / name) << text;
    return (path / name).string();
  }
};

const std::string kEnsemble =
    "dataDir=/d\ninitLimit=7\nsyncLimit=3\n"
    "server.1=127.0.0.1:2888:3888\n"
    "server.2=zk2:2889:3889;2182\n"
    "server.3=[::1]:2890:3890:observer;127.0.0.3:2183\n";

}  // namespace

TEST_CASE("runtime/zoo_config: an ensemble member's ServerConfig", "[runtime][zoo_config][ensemble]") {
  const auto c = parse_zoo_cfg(kEnsemble + "clientPort=2181\n", "zoo.cfg");
  const auto standalone_view = to_server_config(c);  // no myid: the ensemble is described anyway
  CHECK(standalone_view.server_id == 0);
  CHECK(standalone_view.quorum_servers.size() == 3);

  const auto s = to_server_config(c, 1, "/d/myid");
  CHECK(s.server_id == 1);
  CHECK(s.init_limit == 7);
  CHECK(s.sync_limit == 3);
  CHECK(s.client_port == 2181);
  REQUIRE(s.quorum_servers.size() == 3);
  const auto& one = s.quorum_servers.at(1);
  CHECK(one.sid == 1);
  CHECK(one.host == "127.0.0.1");
  CHECK(one.quorum_port == 2888);
  CHECK(one.election_port == 3888);
  CHECK_FALSE(one.observer);
  CHECK(one.client_address.empty());
  CHECK(s.quorum_servers.at(2).client_address == "0.0.0.0:2182");
  CHECK(s.quorum_servers.at(3).observer);
  CHECK(s.quorum_servers.at(3).host == "::1");
  CHECK(s.quorum_servers.at(3).client_address == "127.0.0.3:2183");

  // The client port may come from the member's own line only.
  const auto c2 = parse_zoo_cfg(kEnsemble, "zoo.cfg");
  const auto s3 = to_server_config(c2, 3, "/d/myid");
  CHECK(s3.client_port == 2183);
  CHECK(s3.client_port_address == "127.0.0.3");
  CHECK(config_error([&] { to_server_config(c2, 1, "/d/myid"); }) ==
        "zoo.cfg: clientPort: missing: set clientPort, or give server.1 a ;clientPort part");
  CHECK(config_error([&] { to_server_config(c, 2, "/d/myid"); }) ==
        "zoo.cfg:5: server.2: client port 2182 differs from clientPort=2181");
  CHECK(config_error([&] { to_server_config(c, 4, "/d/myid"); }) ==
        "/d/myid: server id 4 has no server.4 line in zoo.cfg (it has server.1, server.2, server.3)");
}

TEST_CASE("runtime/zoo_config: the myid file", "[runtime][zoo_config][ensemble]") {
  TempDir dir;
  CHECK(read_myid(dir.write("a", "3\n")) == 3);
  CHECK(read_myid(dir.write("b", "  255 \r\n")) == 255);
  const std::string missing = (dir.path / "nope").string();
  CHECK(config_error([&] { read_myid(missing); }) ==
        missing + ": cannot read: No such file or directory (an ensemble member needs its id, the N of its "
                  "server.N line, in this file)");
  for (const std::string bad : {"", "abc", "0", "256", "-1", "1 2", "0x3", "3x"}) {
    const std::string path = dir.write("bad", bad);
    CHECK(config_error([&] { read_myid(path); }) ==
          path + ": expected a server id (a decimal number between 1 and 255), got \"" + bad + "\"");
  }
  CHECK(zablab::runtime::myid_path(parse_zoo_cfg(kEnsemble + "clientPort=1\n", "zoo.cfg")) == "/d/myid");
}
