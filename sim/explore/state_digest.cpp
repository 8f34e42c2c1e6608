#include "sim/explore/state_digest.h"

#include <string_view>

#include "sim/scenario/bugs.h"

namespace zablab::sim::explore {
namespace {

// FNV-1a, 64 bits: fixed, so a digest means the same in every process.
struct Fnv {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  void bytes(std::string_view s) {
    for (unsigned char c : s) {
      h ^= c;
      h *= 0x100000001b3ULL;
    }
    num(static_cast<std::int64_t>(s.size()));  // a separator no content can forge
  }
  void num(std::int64_t v) {
    for (int i = 0; i < 8; ++i) {
      h ^= static_cast<unsigned char>(v >> (8 * i));
      h *= 0x100000001b3ULL;
    }
  }
};

}  // namespace

std::uint64_t state_digest(World& w) {
  Fnv f;
  for (EndpointId id : w.servers()) {
    f.num(id);
    const bool up = w.up(id);
    f.num(up);
    ServerHost& host = w.server_host(id);
    for (const auto& p : host.armed_crash_points()) f.bytes(p);
    if (up) {
      const ServerState st = w.server_state(id);
      f.bytes(st.role);
      f.num(st.last_zxid);
      if (const auto* peer = scenario::quorum_peer_of(host.node())) {
        f.num(static_cast<std::int64_t>(peer->state()));
        f.num(static_cast<std::int64_t>(peer->phase()));
        f.num(peer->accepted_epoch());
        f.num(peer->current_epoch());
        f.num(peer->leader().value_or(-1));
        f.num(peer->last_logged_zxid());
        f.num(static_cast<std::int64_t>(peer->uncommitted()));
      }
    }
    SimDisk& disk = w.disk(id);
    for (const auto& [name, info] : disk.files()) {
      if (!info.durable_exists) continue;
      f.bytes(name);
      f.bytes(disk.durable_contents(name).value_or(""));
    }
  }
  for (const auto& [from, to] : w.network().blocked_links()) {
    f.num(from);
    f.num(to);
  }
  for (const ConnInfo& c : w.network().connections()) {
    f.num(c.initiator);
    f.num(c.acceptor);
    f.num(c.port);
    f.num(c.open);
    f.num(c.doomed);
    f.num(static_cast<std::int64_t>(c.in_flight_to_acceptor));
    f.num(static_cast<std::int64_t>(c.in_flight_to_initiator));
  }
  return f.h;
}

std::int64_t highest_accepted_epoch(World& w) {
  std::int64_t most = 0;
  for (EndpointId id : w.servers()) {
    if (!w.up(id)) continue;
    if (const auto* peer = scenario::quorum_peer_of(w.server_host(id).node()))
      most = std::max(most, peer->accepted_epoch());
  }
  return most;
}

}  // namespace zablab::sim::explore
