#include "sim/sim_network.h"

#include <algorithm>

#include "sim/check.h"
#include "sim/json.h"

namespace zablab::sim {
namespace {

bool carries_bytes(int kind_index) { return kind_index == 3 || kind_index == 4; }  // data, fin

}  // namespace

SimNetwork::SimNetwork(Simulator& sim, NetworkOptions options)
    : sim_(sim), options_(std::move(options)), prng_(sim.derive_seed(1)) {}

void SimNetwork::attach(EndpointId id, NetEndpoint* endpoint) { endpoints_[id] = endpoint; }

NetEndpoint* SimNetwork::endpoint(EndpointId id) const {
  auto it = endpoints_.find(id);
  return it == endpoints_.end() ? nullptr : it->second;
}

SimNetwork::Conn* SimNetwork::find(ConnId id) {
  auto it = conns_.find(id);
  return it == conns_.end() ? nullptr : &it->second;
}

int SimNetwork::end_of(const Conn& c, EndpointId who) const {
  if (c.dir[0].src == who) return 0;
  if (c.dir[1].src == who) return 1;
  return -1;
}

Nanos SimNetwork::latency(EndpointId from, EndpointId to) {
  auto it = latency_.find({from, to});
  return (it == latency_.end() ? options_.default_latency : it->second).sample(prng_);
}

// ------------------------------------------------------------------------------ endpoint calls

ConnId SimNetwork::connect(EndpointId from, EndpointId to, int port_number) {
  const ConnId id = next_conn_++;
  Conn& c = conns_[id];
  c.id = id;
  c.port = port_number;
  c.dir[0].src = c.dir[1].dst = from;
  c.dir[0].dst = c.dir[1].src = to;
  sim_.record(make_record(trace_kind::connect, from, from, to,
                          Json().num("conn", static_cast<std::int64_t>(id)).num("port", port_number).done()));
  Segment syn;
  syn.kind = SegKind::syn;
  enqueue(c, 0, std::move(syn));
  return id;
}

void SimNetwork::send(EndpointId from, ConnId id, std::string bytes) {
  Conn* c = find(id);
  const int e = c ? end_of(*c, from) : -1;
  if (!c || e < 0 || !c->attached[e] || c->closing[e]) {
    const char* why = !c || e < 0 ? "no such connection" : c->closing[e] ? "connection reset" : "sent after close";
    sim_.record(make_record(trace_kind::drop, from, from, kNoEndpoint,
                            Json()
                                .num("conn", static_cast<std::int64_t>(id))
                                .num("bytes", static_cast<std::int64_t>(bytes.size()))
                                .str("reason", why)
                                .done()));
    return;
  }
  Segment seg;
  seg.kind = SegKind::data;
  Json detail;
  detail.num("conn", static_cast<std::int64_t>(id)).num("bytes", static_cast<std::int64_t>(bytes.size()));
  if (tap_) {
    WireInfo info = tap_->describe(id, c->port, e == 0, bytes);
    seg.msg_type = std::move(info.msg_type);
    seg.zxid = info.zxid;
    if (!info.frames.empty()) detail.raw("frames", info.frames);
  }
  seg.send_seq =
      sim_.record(make_record(trace_kind::send, from, from, c->dir[e].dst, detail.done(), seg.msg_type, seg.zxid));
  seg.bytes = std::move(bytes);
  enqueue(*c, e, std::move(seg));
}

void SimNetwork::close(EndpointId from, ConnId id) {
  Conn* c = find(id);
  const int e = c ? end_of(*c, from) : -1;
  if (!c || e < 0 || !c->attached[e]) return;  // already gone: nothing to close
  sim_.record(make_record(trace_kind::close, from, from, c->dir[e].dst,
                          Json().num("conn", static_cast<std::int64_t>(id)).done()));
  const bool reset_pending = c->closing[e];
  c->attached[e] = false;
  c->closing[e] = true;
  if (e == 0 && !c->accepted) {
    finish(id, "closed before the SYN was answered");  // nobody else knows about it
    return;
  }
  if (!c->attached[1 - e]) {
    finish(id, "both ends closed");
    return;
  }
  if (reset_pending) return;  // the RST is already on its way to the other end
  Segment fin;
  fin.kind = SegKind::fin;
  fin.why = "peer closed";
  enqueue(*c, e, std::move(fin));
}

void SimNetwork::endpoint_down(EndpointId who) {
  for (ConnId id : connections_of(who)) {
    Conn& c = conns_.at(id);
    const int e = end_of(c, who);
    if (e < 0) continue;  // connections_of() lists only conns `who` is an end of
    c.attached[e] = false;
    const bool was_closing = c.closing[e];
    c.closing[e] = true;
    if (e == 0 && !c.accepted) {
      finish(id, "initiator crashed");
    } else if (!c.attached[1 - e]) {
      finish(id, "both ends gone");
    } else if (!was_closing) {
      // The dead process's kernel resets the connection after what is already on the wire.
      Segment rst;
      rst.kind = SegKind::fin;
      rst.why = "peer crashed";
      enqueue(c, e, std::move(rst));
    }
  }
}

void SimNetwork::power_off(EndpointId who) {
  powered_off_.insert(who);
  for (ConnId id : connections_of(who)) {
    Conn& c = conns_.at(id);
    const int e = end_of(c, who);
    if (e < 0) continue;
    c.attached[e] = false;
    c.closing[e] = true;  // no FIN: a machine without power sends nothing
    if (e == 0 && !c.accepted) {
      finish(id, "initiator lost power");
    } else if (!c.attached[1 - e]) {
      finish(id, "both ends gone");
    } else if (std::any_of(c.dir[1 - e].in_flight.begin(), c.dir[1 - e].in_flight.end(),
                           [](const Segment& s) { return carries_bytes(static_cast<int>(s.kind)); })) {
      doom(c, options_.break_timeout);  // on its way to a dead machine: never acknowledged
    }
  }
}

// ------------------------------------------------------------------------------ segments

void SimNetwork::enqueue(Conn& c, int d, Segment seg, bool force) {
  seg.serial = next_serial_++;
  Direction& dir = c.dir[d];
  if (!force && (dir.hole || blocked(dir.src, dir.dst))) {
    trace_segment(trace_kind::drop, c, d, seg, dir.src, dir.hole ? "stream broken by an earlier loss" : "partition");
    dir.hole = true;
    doom(c, c.open ? options_.break_timeout : options_.connect_timeout);
    return;
  }
  const bool needs_ack = carries_bytes(static_cast<int>(seg.kind));
  dir.in_flight.push_back(std::move(seg));
  if (!c.stalled && !must_hold(c, d)) schedule(c, d, dir.in_flight.back());
  // It arrives, but the acknowledgements cannot come back: the sender's TCP will give up.
  if (!force && needs_ack && blocked(dir.dst, dir.src)) doom(c, options_.break_timeout);
}

void SimNetwork::schedule(Conn& c, int d, Segment& seg) {
  Direction& dir = c.dir[d];
  const Nanos arrival = std::max(sim_.now() + latency(dir.src, dir.dst), dir.last_arrival);
  dir.last_arrival = arrival;
  seg.event = sim_.at(arrival, [this, id = c.id, d, serial = seg.serial] { arrive(id, d, serial); });
}

void SimNetwork::arrive(ConnId id, int d, std::uint64_t serial) {
  Conn* c = find(id);
  ZL_SIM_ASSERT(c != nullptr, "a finished connection's segments are cancelled");
  Direction& dir = c->dir[d];
  ZL_SIM_ASSERT(!dir.in_flight.empty() && dir.in_flight.front().serial == serial, "segments arrive in FIFO order");
  Segment seg = std::move(dir.in_flight.front());
  dir.in_flight.pop_front();
  const int to_end = 1 - d;
  const EndpointId src = dir.src, dst = dir.dst;
  NetEndpoint* ep = endpoint(dst);
  switch (seg.kind) {
    case SegKind::syn: {
      if (powered_off(dst)) {  // no machine answers: the initiator's connect times out
        doom(*c, options_.connect_timeout);
        return;
      }
      if (!ep || !ep->net_listening(c->port)) {
        sim_.record(make_record(trace_kind::refused, dst, src, dst,
                                Json().num("conn", static_cast<std::int64_t>(id)).num("port", c->port).done()));
        Segment rst;
        rst.kind = SegKind::rst;
        rst.why = "connection refused";
        enqueue(*c, 1, std::move(rst));
        return;
      }
      c->accepted = true;
      c->attached[1] = true;
      sim_.record(make_record(trace_kind::accept, dst, src, dst,
                              Json().num("conn", static_cast<std::int64_t>(id)).num("port", c->port).done()));
      Segment synack;
      synack.kind = SegKind::synack;
      enqueue(*c, 1, std::move(synack));  // first, so it arrives before anything the acceptor sends
      const int port_number = c->port;
      ep->net_accepted(id, src, port_number);
      return;
    }
    case SegKind::synack:
      if (!c->attached[0]) return;  // the initiator gave up meanwhile; its close is on the way
      c->open = true;
      sim_.record(
          make_record(trace_kind::connected, dst, src, dst, Json().num("conn", static_cast<std::int64_t>(id)).done()));
      if (ep) ep->net_connected(id);
      return;
    case SegKind::data:
      if (!c->attached[to_end] && powered_off(dst)) {
        trace_segment(trace_kind::drop, *c, d, seg, dst, "receiver powered off");
        doom(*c, options_.break_timeout);  // never acknowledged: the sender's TCP gives up
        return;
      }
      if (!c->attached[to_end]) {
        trace_segment(trace_kind::drop, *c, d, seg, dst, "receiver closed");
        // Its kernel answers data for a socket that is gone with a reset, as a real one does; so
        // a half-open connection (the FIN lost to a partition) ends when the sender next writes,
        // not at the break timeout.
        // (A reset is not part of the byte stream: an earlier loss on it does not hold it back.)
        if (c->attached[d] && !blocked(dst, src)) {
          Segment rst;
          rst.kind = SegKind::rst;
          rst.why = "connection reset by peer";
          enqueue(*c, to_end, std::move(rst), /*force=*/true);
        }
        return;
      }
      sim_.record(make_record(trace_kind::deliver, dst, src, dst,
                              Json()
                                  .num("conn", static_cast<std::int64_t>(id))
                                  .num("bytes", static_cast<std::int64_t>(seg.bytes.size()))
                                  .num("send_seq", static_cast<std::int64_t>(seg.send_seq))
                                  .done(),
                              seg.msg_type, seg.zxid));
      if (ep) ep->net_bytes(id, seg.bytes);
      return;
    case SegKind::fin:
    case SegKind::rst: {
      if (!c->attached[to_end]) {
        finish_if_done(id, "both ends closed");
        return;
      }
      const EndpointId who = detach(*c, to_end, seg.why);
      finish_if_done(id, "both ends closed");
      tell_closed(who, id);
      return;
    }
  }
}

void SimNetwork::trace_segment(std::string_view kind, const Conn& c, int d, const Segment& seg, EndpointId node,
                               const std::string& reason) {
  static constexpr const char* kNames[] = {"syn", "synack", "rst", "data", "fin"};
  Json detail;
  detail.num("conn", static_cast<std::int64_t>(c.id));
  if (seg.kind == SegKind::data) {
    detail.num("bytes", static_cast<std::int64_t>(seg.bytes.size()));
    detail.num("send_seq", static_cast<std::int64_t>(seg.send_seq));
  } else {
    detail.str("segment", kNames[static_cast<int>(seg.kind)]);
  }
  detail.str("reason", reason);
  sim_.record(make_record(kind, node, c.dir[d].src, c.dir[d].dst, detail.done(), seg.msg_type, seg.zxid));
}

void SimNetwork::lose(Conn& c, int d, const std::string& reason) {
  Direction& dir = c.dir[d];
  for (auto& seg : dir.in_flight) {
    if (seg.event) sim_.cancel(seg.event);
    trace_segment(trace_kind::drop, c, d, seg, dir.src, reason);
  }
  dir.in_flight.clear();
  dir.hole = true;
  doom(c, c.open ? options_.break_timeout : options_.connect_timeout);
}

void SimNetwork::doom(Conn& c, Nanos timeout) {
  if (c.doomed) return;
  c.doomed = true;
  c.break_at = sim_.now() + timeout;
  c.break_event = sim_.at(c.break_at, [this, id = c.id] { on_break(id); });
}

void SimNetwork::on_break(ConnId id) {
  Conn* c = find(id);
  ZL_SIM_ASSERT(c != nullptr, "a finished connection's break is cancelled");
  c->break_event = 0;
  std::vector<EndpointId> tell;
  for (int e = 0; e < 2; ++e)
    if (c->attached[e]) tell.push_back(detach(*c, e, c->open || e == 1 ? "timeout" : "connect timeout"));
  finish(id, "connection broke");
  for (EndpointId who : tell) tell_closed(who, id);
}

EndpointId SimNetwork::detach(Conn& c, int end, const std::string& reason) {
  c.attached[end] = false;
  c.closing[end] = true;
  const EndpointId who = c.dir[end].src;
  sim_.record(make_record(trace_kind::closed, who, c.dir[end].dst, who,
                          Json().num("conn", static_cast<std::int64_t>(c.id)).str("reason", reason).done()));
  return who;
}

void SimNetwork::tell_closed(EndpointId who, ConnId id) {
  if (NetEndpoint* ep = endpoint(who)) ep->net_closed(id);
}

void SimNetwork::finish_if_done(ConnId id, const std::string& reason) {
  Conn* c = find(id);
  if (c && !c->attached[0] && !c->attached[1]) finish(id, reason);
}

void SimNetwork::finish(ConnId id, const std::string& reason) {
  auto it = conns_.find(id);
  if (it == conns_.end()) return;
  Conn& c = it->second;
  for (int d = 0; d < 2; ++d)
    for (auto& seg : c.dir[d].in_flight) {
      if (seg.event) sim_.cancel(seg.event);
      if (seg.kind == SegKind::data) trace_segment(trace_kind::drop, c, d, seg, c.dir[d].src, reason);
    }
  if (c.break_event) sim_.cancel(c.break_event);
  if (tap_) tap_->forget(id);
  conns_.erase(it);
}

// ------------------------------------------------------------------------------ faults

void SimNetwork::set_latency(EndpointId from, EndpointId to, Latency l) {
  latency_[{from, to}] = l;
  sim_.record(make_record(trace_kind::latency, kNoEndpoint, from, to, Json().str("latency", l.describe()).done()));
}

void SimNetwork::set_default_latency(Latency l) {
  options_.default_latency = l;
  sim_.record(make_record(trace_kind::latency, kNoEndpoint, kNoEndpoint, kNoEndpoint,
                          Json().str("latency", l.describe()).boolean("default", true).done()));
}

void SimNetwork::block(EndpointId from, EndpointId to) {
  blocked_.insert({from, to});
  sim_.record(make_record(trace_kind::partition, kNoEndpoint, from, to, Json().str("change", "block").done()));
  apply_links();
}

void SimNetwork::unblock(EndpointId from, EndpointId to) {
  blocked_.erase({from, to});
  sim_.record(make_record(trace_kind::heal, kNoEndpoint, from, to, Json().str("change", "unblock").done()));
}

void SimNetwork::partition(const std::vector<std::vector<EndpointId>>& groups) {
  std::string text = "[";
  for (std::size_t i = 0; i < groups.size(); ++i) {
    text += i ? ",[" : "[";
    for (std::size_t k = 0; k < groups[i].size(); ++k) text += (k ? "," : "") + std::to_string(groups[i][k]);
    text += "]";
    for (std::size_t j = i + 1; j < groups.size(); ++j)
      for (EndpointId a : groups[i])
        for (EndpointId b : groups[j]) {
          blocked_.insert({a, b});
          blocked_.insert({b, a});
        }
  }
  text += "]";
  sim_.record(
      make_record(trace_kind::partition, kNoEndpoint, kNoEndpoint, kNoEndpoint,
                  Json().raw("groups", text).num("blocked_links", static_cast<std::int64_t>(blocked_.size())).done()));
  apply_links();
}

void SimNetwork::heal() {
  blocked_.clear();
  sim_.record(make_record(trace_kind::heal, kNoEndpoint, kNoEndpoint, kNoEndpoint, Json().str("change", "all").done()));
}

void SimNetwork::apply_links() {
  for (auto& [id, c] : conns_) {
    for (int d = 0; d < 2; ++d) {
      Direction& dir = c.dir[d];
      if (dir.in_flight.empty()) continue;
      if (blocked(dir.src, dir.dst)) {
        lose(c, d, "partition");
      } else if (blocked(dir.dst, dir.src) &&
                 std::any_of(dir.in_flight.begin(), dir.in_flight.end(),
                             [](const Segment& s) { return carries_bytes(static_cast<int>(s.kind)); })) {
        doom(c, options_.break_timeout);  // in flight, but never acknowledged
      }
    }
  }
}

bool SimNetwork::reset(ConnId id) {
  Conn* c = find(id);
  if (!c) return false;
  sim_.record(make_record(trace_kind::reset, kNoEndpoint, c->dir[0].src, c->dir[0].dst,
                          Json().num("conn", static_cast<std::int64_t>(id)).done()));
  for (int d = 0; d < 2; ++d) {
    for (auto& seg : c->dir[d].in_flight) {
      if (seg.event) sim_.cancel(seg.event);
      if (seg.kind == SegKind::data) trace_segment(trace_kind::drop, *c, d, seg, c->dir[d].src, "reset");
    }
    c->dir[d].in_flight.clear();
    c->dir[d].last_arrival = 0;
  }
  if (c->break_event) sim_.cancel(c->break_event);
  c->break_event = 0;
  c->doomed = false;
  c->stalled = false;
  for (int e = 0; e < 2; ++e) {
    if (!c->attached[e] || c->closing[e]) continue;
    c->closing[e] = true;  // sends from now on are dropped
    Segment rst;
    rst.kind = SegKind::rst;
    rst.why = "reset";
    enqueue(*c, 1 - e, std::move(rst), /*force=*/true);
  }
  return true;
}

bool SimNetwork::stall(ConnId id, bool stalled) {
  Conn* c = find(id);
  if (!c || c->stalled == stalled) return c != nullptr;
  c->stalled = stalled;
  sim_.record(make_record(stalled ? trace_kind::stall : trace_kind::unstall, kNoEndpoint, c->dir[0].src, c->dir[0].dst,
                          Json().num("conn", static_cast<std::int64_t>(id)).done()));
  for (int d = 0; d < 2; ++d)
    for (auto& seg : c->dir[d].in_flight) {
      if (stalled) {
        sim_.cancel(seg.event);
        seg.event = 0;
      } else {
        schedule(*c, d, seg);  // in order, each after the one before
      }
    }
  return true;
}

// ------------------------------------------------------------------------------ manual delivery

bool SimNetwork::must_hold(const Conn& c, int d) const {
  if (!hold_) return false;
  const auto& q = c.dir[d].in_flight;
  // Behind a held segment everything waits (FIFO); otherwise only data on the chosen ports.
  if (q.size() >= 2 && q[q.size() - 2].event == 0) return true;
  if (q.back().kind != SegKind::data) return false;
  return hold_ports_.empty() || std::find(hold_ports_.begin(), hold_ports_.end(), c.port) != hold_ports_.end();
}

void SimNetwork::hold_deliveries(bool on, std::vector<int> ports) {
  hold_ = on;
  hold_ports_ = std::move(ports);
  if (on) return;
  for (auto& [id, c] : conns_) {
    if (c.stalled) continue;  // unstall() schedules them
    for (int d = 0; d < 2; ++d)
      for (auto& seg : c.dir[d].in_flight)
        if (seg.event == 0) schedule(c, d, seg);  // in order, each after the one before
  }
}

std::vector<HeldMessage> SimNetwork::held_messages() const {
  std::vector<HeldMessage> out;
  for (const auto& [id, c] : conns_) {
    if (c.stalled) continue;
    for (int d = 0; d < 2; ++d) {
      const auto& q = c.dir[d].in_flight;
      if (q.empty() || q.front().event != 0) continue;
      HeldMessage m;
      m.conn = id;
      m.from = c.dir[d].src;
      m.to = c.dir[d].dst;
      m.port = c.port;
      m.msg_type = q.front().msg_type;
      m.zxid = q.front().zxid;
      m.send_seq = q.front().send_seq;
      m.queued = static_cast<std::size_t>(
          std::count_if(q.begin(), q.end(), [](const Segment& s) { return s.event == 0; }));
      out.push_back(std::move(m));
    }
  }
  return out;
}

bool SimNetwork::deliver_held(ConnId id, EndpointId from) {
  Conn* c = find(id);
  if (!c || c->stalled) return false;
  const int d = end_of(*c, from);
  if (d < 0) return false;
  Direction& dir = c->dir[d];
  if (dir.in_flight.empty() || dir.in_flight.front().event != 0) return false;
  // Nothing of this stream is ahead of its head, so arriving now keeps the stream in order.
  dir.last_arrival = std::max(dir.last_arrival, sim_.now());
  for (std::size_t i = 0; i < dir.in_flight.size(); ++i) {
    Segment& seg = dir.in_flight[i];
    if (seg.event != 0) break;
    if (i > 0 && seg.kind == SegKind::data) break;  // the next message waits for its own turn
    seg.event = sim_.at(dir.last_arrival, [this, id, d, serial = seg.serial] { arrive(id, d, serial); });
  }
  return true;
}

// ------------------------------------------------------------------------------ inspection

std::vector<ConnInfo> SimNetwork::connections() const {
  std::vector<ConnInfo> out;
  for (const auto& [id, c] : conns_) {
    out.push_back(ConnInfo{id, c.dir[0].src, c.dir[0].dst, c.port, c.open, c.doomed, c.break_at, c.stalled,
                           c.dir[0].in_flight.size(), c.dir[1].in_flight.size()});
  }
  return out;
}

std::vector<ConnId> SimNetwork::connections_of(EndpointId who) const {
  std::vector<ConnId> out;
  for (const auto& [id, c] : conns_) {
    const int e = end_of(c, who);
    if (e >= 0 && c.attached[e]) out.push_back(id);
  }
  return out;
}

std::vector<EndpointId> SimNetwork::endpoints() const {
  std::vector<EndpointId> out;
  for (const auto& [id, ep] : endpoints_) out.push_back(id);
  return out;
}

}  // namespace zablab::sim
