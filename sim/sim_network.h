// The simulated network: TCP-like connections between endpoints (servers and clients).
//
// A connection is two FIFO byte streams. Each send() is one segment that arrives after the link's
// latency, never before an earlier segment of the same direction; nothing is lost silently: a
// lost segment is traced as net.drop with its reason, and an end whose connection is lost always
// hears about it (net_closed), as a real TCP socket does:
//   - close(): the peer gets net_closed once the bytes sent before it (and the FIN) arrive.
//   - a partition (blocked link): bytes in flight across it, and bytes sent across it later, are
//     lost; the stream now has a hole, so nothing more gets through that way. Data flowing the
//     other way still arrives, but its acknowledgements cannot come back. Either way the
//     connection is doomed: both ends see it break `break_timeout` later (retransmission giving
//     up), even if the partition heals meanwhile. A connection idle across a partition notices
//     nothing until someone sends, as with TCP without keepalive.
//   - connect() across a blocked link: the SYN is lost; the initiator gets net_closed after
//     `connect_timeout`. Nobody listening (a crashed server): an RST, net_closed one round trip on.
//   - reset(conn): an injected RST; both ends see net_closed one latency later.
//   - stall(conn): the connection stops moving (bytes are held, not lost) until unstalled.
//   - endpoint_down(id): a process died. Its ends detach silently; its kernel resets the rest, so
//     each peer gets net_closed after what was already on the wire (or a break, if cut off).
//   - power_off(id): the whole machine stopped. Its ends detach and nobody sends a FIN or RST:
//     what reaches it is lost unacknowledged, so a peer notices only when its TCP gives up
//     (`break_timeout` after it next sends; an idle connection looks fine), and a SYN to it goes
//     unanswered (`connect_timeout`). power_on(id) ends that: it answers with resets again.
//
// Calls only schedule events: no NetEndpoint method runs inside a SimNetwork call, so an endpoint
// may call back into the network from its handlers. Single-threaded.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/env/env.h"
#include "core/util/prng.h"
#include "sim/latency.h"
#include "sim/simulator.h"

namespace zablab::sim {

// The well-known ports. The network routes by (endpoint, port); it attaches no meaning to them.
namespace port {
inline constexpr int client = 2181;
inline constexpr int quorum = 2888;
inline constexpr int election = 3888;
}  // namespace port

// What an endpoint (a server host, a client host) hears from the network.
class NetEndpoint {
 public:
  virtual ~NetEndpoint() = default;
  // Whether a SYN to `port` would be accepted now (something listening, the node up). No side
  // effects: a refusal is answered with an RST and the endpoint hears nothing.
  virtual bool net_listening(int port) const = 0;
  // A connection to `port` from `from` is open at this end.
  virtual void net_accepted(ConnId conn, EndpointId from, int port) = 0;
  // The connect() this endpoint made is open.
  virtual void net_connected(ConnId conn) = 0;
  virtual void net_bytes(ConnId conn, std::string_view bytes) = 0;
  // The connection is gone (peer closed, reset, broke, connect failed). Not called for a close
  // this end asked for.
  virtual void net_closed(ConnId conn) = 0;
};

// Decodes bytes for the trace. Sees every data segment of a connection in stream order.
struct WireInfo {
  std::string msg_type;  // e.g. "getData", "reply:getData", "ConnectRequest"; "" if unknown
  std::int64_t zxid = -1;
  std::string frames;  // a JSON array of decoded frames, or "" for none
};
class WireTap {
 public:
  virtual ~WireTap() = default;
  virtual WireInfo describe(ConnId conn, int port, bool from_initiator, std::string_view bytes) = 0;
  virtual void forget(ConnId conn) = 0;
};

struct NetworkOptions {
  Latency default_latency = Latency::uniform(us(100), us(400));  // one way, a LAN
  // Linux gives up retransmitting after ~15 minutes; shorter here so lessons need not wait.
  Nanos break_timeout = seconds(10);
  Nanos connect_timeout = seconds(10);
};

// A connection as the visualizer and checkers see it.
struct ConnInfo {
  ConnId id = 0;
  EndpointId initiator = kNoEndpoint;
  EndpointId acceptor = kNoEndpoint;
  int port = 0;
  bool open = false;    // handshake done
  bool doomed = false;  // will break at break_at
  Nanos break_at = 0;
  bool stalled = false;
  std::size_t in_flight_to_acceptor = 0;
  std::size_t in_flight_to_initiator = 0;
};

// A message held back by hold_deliveries(): the head of one direction of one connection (TCP
// delivers in order, so only a stream's head can be delivered next).
struct HeldMessage {
  ConnId conn = 0;
  EndpointId from = kNoEndpoint;
  EndpointId to = kNoEndpoint;
  int port = 0;
  std::string msg_type;
  std::int64_t zxid = -1;
  std::uint64_t send_seq = 0;  // the net.send record
  std::size_t queued = 0;      // held segments in this direction, the head included
};

class SimNetwork {
 public:
  SimNetwork(Simulator& sim, NetworkOptions options);
  SimNetwork(const SimNetwork&) = delete;
  SimNetwork& operator=(const SimNetwork&) = delete;

  // Registers who handles `id`'s connections (replacing any earlier one). Not owned.
  void attach(EndpointId id, NetEndpoint* endpoint);
  void set_tap(WireTap* tap) { tap_ = tap; }

  // --- what endpoints call ---
  ConnId connect(EndpointId from, EndpointId to, int port);
  void send(EndpointId from, ConnId conn, std::string bytes);
  void close(EndpointId from, ConnId conn);
  void endpoint_down(EndpointId id);
  void power_off(EndpointId id);
  void power_on(EndpointId id) { powered_off_.erase(id); }
  bool powered_off(EndpointId id) const { return powered_off_.count(id) > 0; }

  // --- faults ---
  void set_latency(EndpointId from, EndpointId to, Latency latency);  // one direction
  void set_default_latency(Latency latency);
  void block(EndpointId from, EndpointId to);  // one way
  void unblock(EndpointId from, EndpointId to);
  // Blocks every link between endpoints of different groups, both ways; links of endpoints in no
  // group are left as they are. Adds to the links already blocked.
  void partition(const std::vector<std::vector<EndpointId>>& groups);
  void heal();  // unblocks every link
  bool reset(ConnId conn);
  bool stall(ConnId conn, bool stalled);

  // --- manual delivery (the visualizer's teacher picks the next message) ---
  // While on, data segments sent on `ports` (every port if empty) are not scheduled: they wait,
  // in stream order, until deliver_held() releases a stream's head. Turning it off sends every
  // held segment on its way as if it had just been sent. Other faults still apply (a crash or a
  // partition loses held bytes like any in flight). Determinism holds: which head is released,
  // and when, is an input like any other fault.
  void hold_deliveries(bool on, std::vector<int> ports = {});
  bool holding() const { return hold_; }
  // The heads of the streams that have held messages, by connection then direction.
  std::vector<HeldMessage> held_messages() const;
  // Releases the head of `conn`'s stream from `from`: it arrives now (after events already due
  // now), followed by any non-data segments (FIN/RST) queued right behind it. False if that
  // stream has no held head.
  bool deliver_held(ConnId conn, EndpointId from);

  // --- inspection ---
  bool blocked(EndpointId from, EndpointId to) const { return blocked_.count({from, to}) > 0; }
  const std::set<std::pair<EndpointId, EndpointId>>& blocked_links() const { return blocked_; }
  std::vector<ConnInfo> connections() const;                // by id
  std::vector<ConnId> connections_of(EndpointId id) const;  // where `id` is a live end, by id
  std::vector<EndpointId> endpoints() const;
  const NetworkOptions& options() const { return options_; }

 private:
  enum class SegKind { syn, synack, rst, data, fin };
  struct Segment {
    std::uint64_t serial = 0;
    SegKind kind = SegKind::data;
    std::string bytes;
    std::string msg_type;
    std::int64_t zxid = -1;
    std::uint64_t send_seq = 0;  // the trace record of the send
    std::string why;             // fin: "closed" or "crashed"
    EventId event = 0;           // 0 while held by a stall
  };
  struct Direction {
    EndpointId src = kNoEndpoint;
    EndpointId dst = kNoEndpoint;
    std::deque<Segment> in_flight;
    Nanos last_arrival = 0;
    bool hole = false;  // a segment was lost: nothing more gets through this way
  };
  struct Conn {
    ConnId id = 0;
    int port = 0;
    bool open = false;                 // SYN-ACK reached the initiator
    bool accepted = false;             // SYN reached a listener
    bool attached[2] = {true, false};  // end 0 = initiator, 1 = acceptor: still hears events
    bool closing[2] = {false, false};  // the end closed or died; sends no more
    Direction dir[2];                  // dir[e] carries bytes from end e to end 1-e
    bool stalled = false;
    bool doomed = false;
    EventId break_event = 0;
    Nanos break_at = 0;
  };

  Conn* find(ConnId id);
  int end_of(const Conn& c, EndpointId who) const;
  // Puts a segment on its way, or loses it (a blocked link, a hole). `force` ignores both: an
  // injected RST comes from a box next to each end.
  void enqueue(Conn& c, int d, Segment seg, bool force = false);
  void schedule(Conn& c, int d, Segment& seg);
  // hold_deliveries(): whether a segment just queued at the back of `d` must wait.
  bool must_hold(const Conn& c, int d) const;
  void arrive(ConnId id, int d, std::uint64_t serial);
  void lose(Conn& c, int d, const std::string& reason);
  void doom(Conn& c, Nanos timeout);
  void on_break(ConnId id);
  // Marks `end` as gone for good and traces why; returns who must hear net_closed (after the
  // caller has finished touching `c`).
  EndpointId detach(Conn& c, int end, const std::string& reason);
  void tell_closed(EndpointId who, ConnId id);
  void finish_if_done(ConnId id, const std::string& reason);
  void finish(ConnId id, const std::string& reason);
  void apply_links();
  Nanos latency(EndpointId from, EndpointId to);
  void trace_segment(std::string_view kind, const Conn& c, int d, const Segment& seg, EndpointId node,
                     const std::string& reason);
  NetEndpoint* endpoint(EndpointId id) const;

  Simulator& sim_;
  NetworkOptions options_;
  util::Prng prng_;
  WireTap* tap_ = nullptr;
  std::map<EndpointId, NetEndpoint*> endpoints_;
  std::map<ConnId, Conn> conns_;
  std::map<std::pair<EndpointId, EndpointId>, Latency> latency_;
  std::set<std::pair<EndpointId, EndpointId>> blocked_;
  std::set<EndpointId> powered_off_;  // machines that answer nothing (power_off)
  ConnId next_conn_ = 1;
  std::uint64_t next_serial_ = 1;
  bool hold_ = false;
  std::vector<int> hold_ports_;
};

}  // namespace zablab::sim
