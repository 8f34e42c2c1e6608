// Helpers shared by the sim_world_* tests: a small world, and waiting for client states.
#pragma once

#include <string>
#include <vector>

#include "core/client/client.h"
#include "sim/world.h"

namespace zablab::sim::test {

inline WorldOptions small_world(std::uint64_t seed, int servers = 1) {
  WorldOptions o;
  o.seed = seed;
  o.servers = servers;
  o.server.tick_time_ms = 2000;  // session timeouts clamp to [4 s, 40 s]
  return o;
}

inline client::ClientOptions client_options(std::int32_t session_timeout_ms = 10000) {
  client::ClientOptions o;
  o.hosts = {"s1:2181"};
  o.session_timeout_ms = session_timeout_ms;
  return o;
}

// Every state a client went through, in order.
struct StateLog {
  StateLog(World& w, EndpointId c) {
    w.client(c).add_state_listener([this](client::State s) { states.push_back(s); });
  }
  bool saw(client::State s) const {
    for (auto x : states)
      if (x == s) return true;
    return false;
  }
  std::vector<client::State> states;
};

inline bool connected(World& w, EndpointId c) { return w.client(c).state() == client::State::connected; }

// The first trace record of `kind` at `node` whose detail contains `needle`, at or after `from_seq`.
inline const TraceRecord* find_record(World& w, std::string_view kind, EndpointId node, std::string_view needle = "",
                                      std::uint64_t from_seq = 0) {
  for (const auto& r : w.trace().records())
    if (r.seq >= from_seq && r.kind == kind && (node == kNoEndpoint || r.node == node) &&
        r.detail.find(needle) != std::string::npos)
      return &r;
  return nullptr;
}

}  // namespace zablab::sim::test
