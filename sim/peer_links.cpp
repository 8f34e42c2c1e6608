#include "sim/peer_links.h"

#include "sim/json.h"

namespace zablab::sim {

int port_of(PeerChannel channel) { return channel == PeerChannel::quorum ? port::quorum : port::election; }

std::optional<PeerChannel> channel_of(int port_number) {
  if (port_number == port::quorum) return PeerChannel::quorum;
  if (port_number == port::election) return PeerChannel::election;
  return std::nullopt;
}

void PeerLinks::trace_drop(const Key& key, std::size_t bytes, const std::string& reason) {
  sim_.record(make_record(trace_kind::drop, self_, self_, key.first,
                          Json()
                              .num("bytes", static_cast<std::int64_t>(bytes))
                              .num("port", port_of(key.second))
                              .str("reason", reason)
                              .done()));
}

void PeerLinks::send(PeerId peer, PeerChannel channel, std::string message) {
  const Key key{peer, channel};
  if (peer == self_) {
    trace_drop(key, message.size(), "a server does not send to itself");
    return;
  }
  std::string framed = jute::frame(message);
  if (channel == PeerChannel::election) last_vote_[peer] = framed;
  if (auto it = current_.find(key); it != current_.end()) {
    Link& link = links_.at(it->second);
    if (link.open) {
      link.carried = true;
      network_.send(self_, it->second, std::move(framed));
      return;
    }
  }
  auto& queue = waiting_[key];
  if (channel == PeerChannel::election && queue.size() >= kElectionQueue) {
    trace_drop(key, queue.front().size(), "superseded by a newer election message before a connection opened");
    queue.pop_front();
  }
  queue.push_back(std::move(framed));
  ensure_connection(key);
}

void PeerLinks::ensure_connection(const Key& key) {
  if (current_.count(key) || waking_.count(key)) return;
  if (key.second == PeerChannel::election && key.first > self_) {
    // Only the larger id opens election connections: ask it to (QuorumCnxManager's challenge).
    const ConnId conn = network_.connect(self_, key.first, port_of(key.second));
    links_.emplace(conn, Link(key, true, Role::wake_up));
    waking_[key] = conn;
    return;
  }
  open_link(key);
}

void PeerLinks::open_link(const Key& key) {
  const ConnId conn = network_.connect(self_, key.first, port_of(key.second));
  links_.emplace(conn, Link(key, true, Role::link));
  current_[key] = conn;
}

void PeerLinks::flush(ConnId conn, Link& link) {
  auto it = waiting_.find(link.key);
  if (it == waiting_.end() || it->second.empty()) {
    if (link.key.second != PeerChannel::election) return;
    const auto last = last_vote_.find(link.key.first);
    if (last == last_vote_.end()) return;
    link.carried = true;
    network_.send(self_, conn, std::string(last->second));
    return;
  }
  for (auto& framed : it->second) network_.send(self_, conn, std::move(framed));
  if (!it->second.empty()) link.carried = true;
  waiting_.erase(it);
}

bool PeerLinks::drop_link(ConnId conn) {
  auto it = links_.find(conn);
  if (it == links_.end()) return false;
  const Key key = it->second.key;
  const bool carried = it->second.carried;
  if (auto c = current_.find(key); c != current_.end() && c->second == conn) current_.erase(c);
  if (auto w = waking_.find(key); w != waking_.end() && w->second == conn) waking_.erase(w);
  links_.erase(it);
  network_.close(self_, conn);
  return carried;
}

bool PeerLinks::drop_waiting(const Key& key, const std::string& reason) {
  auto it = waiting_.find(key);
  if (it == waiting_.end()) return false;
  const bool any = !it->second.empty();
  for (const auto& framed : it->second) trace_drop(key, framed.size(), reason);
  waiting_.erase(it);
  return any;
}

void PeerLinks::disconnect(PeerId peer, PeerChannel channel) {
  const Key key{peer, channel};
  drop_waiting(key, "disconnected before a connection opened");
  if (auto it = current_.find(key); it != current_.end()) drop_link(it->second);
  if (auto it = waking_.find(key); it != waking_.end()) drop_link(it->second);
}

std::vector<PeerLinks::Input> PeerLinks::accepted(ConnId conn, EndpointId from, PeerChannel channel) {
  std::vector<Input> out;
  const Key key{from, channel};
  if (channel == PeerChannel::election && from < self_) {
    // A smaller id asks us to connect: refuse its connection and open ours, as ZooKeeper's
    // QuorumCnxManager.handleConnection. An open connection of ours to it is dropped first
    // ("this replica might still believe that the connection to sid is up": the peer lost power
    // and came back, and no reset ever told us); one being made is kept (connectOne's
    // in-progress check). Its messages cross ours at start-up.
    network_.close(self_, conn);
    if (auto it = current_.find(key); it != current_.end() && links_.at(it->second).open)
      if (drop_link(it->second)) out.push_back(Input{true, from, channel, {}});
    if (!current_.count(key)) open_link(key);
    return out;
  }
  if (auto it = current_.find(key); it != current_.end()) {
    const Link& existing = links_.at(it->second);
    if (existing.outbound && self_ > from) {
      // Crossing connections: the larger id's wins on both sides.
      network_.close(self_, conn);
      return out;
    }
    // The peer reconnected (its old connection is dead to it, so it is to us), or its
    // connection wins over the one we are making.
    if (drop_link(it->second)) out.push_back(Input{true, from, channel, {}});
  }
  Link link(key, false, Role::link);
  link.open = true;
  auto& placed = links_.emplace(conn, std::move(link)).first->second;
  current_[key] = conn;
  flush(conn, placed);
  return out;
}

void PeerLinks::connected(ConnId conn) {
  auto it = links_.find(conn);
  if (it == links_.end()) return;
  Link& link = it->second;
  if (link.role == Role::wake_up) {
    // The larger id has seen us (the SYN reached it): its own connection will follow.
    drop_link(conn);
    return;
  }
  link.open = true;
  flush(conn, link);
}

std::vector<PeerLinks::Input> PeerLinks::bytes(ConnId conn, std::string_view data) {
  std::vector<Input> out;
  auto it = links_.find(conn);
  if (it == links_.end() || it->second.role == Role::wake_up) return out;
  Link& link = it->second;
  link.frames.feed(data);
  for (;;) {
    std::string message;
    const auto status = link.frames.next(message);
    if (status == jute::FrameDecoder::Status::need_more) break;
    if (status != jute::FrameDecoder::Status::frame) {
      // Garbage from a peer is an operating error: drop the connection, as a broken one.
      const Key key = link.key;
      if (drop_link(conn)) out.push_back(Input{true, key.first, key.second, {}});
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
  const Key key = it->second.key;
  const bool open = it->second.open;
  const bool wake_up = it->second.role == Role::wake_up;
  bool report = drop_link(conn);
  // Could not be made: what waited for it is lost. (A refused wake-up means the same.)
  if (wake_up || !open) report = drop_waiting(key, "peer unreachable") || report;
  if (report) out.push_back(Input{true, key.first, key.second, {}});
  return out;
}

void PeerLinks::clear() {
  links_.clear();
  current_.clear();
  waking_.clear();
  waiting_.clear();
  last_vote_.clear();
}

}  // namespace zablab::sim
