#include "sim/peer_links.h"

#include "sim/json.h"

namespace zablab::sim {

int port_of(PeerChannel channel) { return channel == PeerChannel::quorum ? port::quorum : port::election; }

std::optional<PeerChannel> channel_of(int port_number) {
  if (port_number == port::quorum) return PeerChannel::quorum;
  if (port_number == port::election) return PeerChannel::election;
  return std::nullopt;
}

void PeerLinks::send(PeerId peer, PeerChannel channel, std::string message) {
  if (peer == self_) {
    sim_.record(make_record(trace_kind::drop, self_, self_, peer,
                            Json()
                                .num("bytes", static_cast<std::int64_t>(message.size()))
                                .str("reason", "a server does not send to itself")
                                .done()));
    return;
  }
  const Key key{peer, channel};
  auto it = outbound_.find(key);
  if (it == outbound_.end()) {
    const ConnId conn = network_.connect(self_, peer, port_of(channel));
    links_.emplace(conn, Link(key, true));
    it = outbound_.emplace(key, conn).first;
  }
  Link& link = links_.at(it->second);
  link.carried = true;
  std::string framed = jute::frame(message);
  if (link.open) {
    network_.send(self_, it->second, std::move(framed));
  } else {
    link.queued.push_back(std::move(framed));
  }
}

void PeerLinks::disconnect(PeerId peer, PeerChannel channel) {
  const Key key{peer, channel};
  for (auto* table : {&outbound_, &inbound_}) {
    auto it = table->find(key);
    if (it == table->end()) continue;
    const ConnId conn = it->second;
    table->erase(it);
    drop_queued(links_.at(conn), "disconnected before the connection opened");
    links_.erase(conn);
    network_.close(self_, conn);
  }
}

std::vector<PeerLinks::Input> PeerLinks::accepted(ConnId conn, EndpointId from, PeerChannel channel) {
  std::vector<Input> out;
  const Key key{from, channel};
  if (auto old = inbound_.find(key); old != inbound_.end()) {
    // The peer reconnected: its old connection is dead to it, so it is to us.
    const ConnId old_conn = old->second;
    if (links_.at(old_conn).carried) out.push_back(Input{true, from, channel, {}});
    links_.erase(old_conn);
    inbound_.erase(old);
    network_.close(self_, old_conn);
  }
  Link link(key, false);
  link.open = true;
  links_.emplace(conn, std::move(link));
  inbound_[key] = conn;
  return out;
}

void PeerLinks::connected(ConnId conn) {
  auto it = links_.find(conn);
  if (it == links_.end()) return;
  Link& link = it->second;
  link.open = true;
  while (!link.queued.empty()) {
    network_.send(self_, conn, std::move(link.queued.front()));
    link.queued.pop_front();
  }
}

std::vector<PeerLinks::Input> PeerLinks::bytes(ConnId conn, std::string_view data) {
  std::vector<Input> out;
  auto it = links_.find(conn);
  if (it == links_.end()) return out;
  Link& link = it->second;
  link.frames.feed(data);
  for (;;) {
    std::string message;
    const auto status = link.frames.next(message);
    if (status == jute::FrameDecoder::Status::need_more) break;
    if (status != jute::FrameDecoder::Status::frame) {
      // Garbage from a peer is an operating error: drop the connection, as a broken one.
      const Key key = link.key;
      const bool carried = link.carried;
      if (inbound_.count(key) && inbound_[key] == conn) inbound_.erase(key);
      if (outbound_.count(key) && outbound_[key] == conn) outbound_.erase(key);
      links_.erase(it);
      network_.close(self_, conn);
      if (carried) out.push_back(Input{true, key.first, key.second, {}});
      return out;
    }
    link.carried = true;
    out.push_back(Input{false, link.key.first, link.key.second, std::move(message)});
  }
  return out;
}

std::vector<PeerLinks::Input> PeerLinks::closed(ConnId conn) {
  std::vector<Input> out;
  auto it = links_.find(conn);
  if (it == links_.end()) return out;
  Link& link = it->second;
  const Key key = link.key;
  auto& table = link.outbound ? outbound_ : inbound_;
  if (auto t = table.find(key); t != table.end() && t->second == conn) table.erase(t);
  drop_queued(link, "peer unreachable");
  if (link.carried) out.push_back(Input{true, key.first, key.second, {}});
  links_.erase(it);
  return out;
}

void PeerLinks::drop_queued(Link& link, const std::string& reason) {
  for (const auto& framed : link.queued)
    sim_.record(make_record(trace_kind::drop, self_, self_, link.key.first,
                            Json()
                                .num("bytes", static_cast<std::int64_t>(framed.size()))
                                .num("port", port_of(link.key.second))
                                .str("reason", reason)
                                .done()));
  link.queued.clear();
}

void PeerLinks::clear() {
  links_.clear();
  outbound_.clear();
  inbound_.clear();
}

}  // namespace zablab::sim
