// Which servers and clients a script's target names right now: s2, c1, leader, a follower, the
// observers, c1's server, a bound name.
#include "sim/scenario/scenario_run.h"

#include "sim/scenario/bugs.h"

namespace zablab::sim::scenario {

using quorum::PeerState;
using quorum::Phase;

bool ScenarioRun::subject_is(const Target& t, EndpointId id) const {
  auto role = [&](const char* want) {
    auto it = role_.find(id);
    return it != role_.end() && it->second == want;
  };
  switch (t.kind) {
    case Target::Kind::server: return id == t.index;
    case Target::Kind::client: return id == kClientBase + t.index;
    case Target::Kind::any: return is_server(id);
    case Target::Kind::leader: return role("LEADING");
    case Target::Kind::follower:
    case Target::Kind::followers: return role("FOLLOWING");
    case Target::Kind::observer: return role("OBSERVING");
    case Target::Kind::name: {
      auto it = names_.find(t.name);
      return it != names_.end() && it->second == id;
    }
    case Target::Kind::client_server: {
      auto s = server_of(kClientBase + t.index);
      return s && *s == id;
    }
    default: return false;
  }
}

std::optional<EndpointId> ScenarioRun::server_of(EndpointId c) const {
  if (!w_->up(c)) return std::nullopt;
  const std::string host = w_->client(c).connected_host();
  if (host.size() < 2 || host[0] != 's') return std::nullopt;
  const std::int64_t n = std::atoll(host.c_str() + 1);
  if (n <= 0) return std::nullopt;
  return n;
}

const quorum::QuorumPeer* ScenarioRun::peer(EndpointId id) {
  if (!w_->up(id)) return nullptr;
  return quorum_peer_of(w_->server_host(id).node());
}

std::optional<EndpointId> ScenarioRun::leader_now() {
  std::optional<EndpointId> best;
  std::int64_t best_epoch = -1;
  for (EndpointId id : w_->servers()) {
    const auto* p = peer(id);
    if (!p || p->state() != PeerState::leading || p->phase() != Phase::broadcast) continue;
    if (p->current_epoch() > best_epoch) {
      best = id;
      best_epoch = p->current_epoch();
    }
  }
  return best;
}

std::vector<EndpointId> ScenarioRun::with_state(PeerState state, bool in_broadcast) {
  std::vector<EndpointId> out;
  for (EndpointId id : w_->servers()) {
    const auto* p = peer(id);
    if (p && p->state() == state && (!in_broadcast || p->phase() == Phase::broadcast)) out.push_back(id);
  }
  return out;
}

std::vector<EndpointId> ScenarioRun::resolve(const Target& t, bool required) {
  std::vector<EndpointId> out;
  switch (t.kind) {
    case Target::Kind::server: out.push_back(t.index); break;
    case Target::Kind::client: out.push_back(kClientBase + t.index); break;
    case Target::Kind::leader:
      if (auto l = leader_now()) out.push_back(*l);
      break;
    case Target::Kind::follower: {
      auto f = with_state(PeerState::following, true);
      if (f.empty()) f = with_state(PeerState::following, false);
      if (!f.empty()) out.push_back(f.front());
      break;
    }
    case Target::Kind::followers: out = with_state(PeerState::following, false); break;
    case Target::Kind::observer: {
      auto f = with_state(PeerState::observing, false);
      if (!f.empty()) out.push_back(f.front());
      break;
    }
    case Target::Kind::all: out = w_->servers(); break;
    case Target::Kind::crashed:
      for (EndpointId id : w_->servers())
        if (!w_->up(id)) out.push_back(id);
      break;
    case Target::Kind::name:
      if (auto it = names_.find(t.name); it != names_.end()) out.push_back(it->second);
      break;
    case Target::Kind::client_server:
      if (auto srv = server_of(kClientBase + t.index)) out.push_back(*srv);
      break;
    case Target::Kind::rest:
    case Target::Kind::any: break;
  }
  if (required && out.empty() && t.kind != Target::Kind::crashed && t.kind != Target::Kind::followers) {
    static const char* kWhat[] = {"server", "client", "leader", "follower", "followers", "observer", "servers",
                                  "crashed servers", "name", "rest", "any", "server the client is connected to"};
    const std::string why = std::string("there is no ") + kWhat[static_cast<int>(t.kind)] + " right now";
    if (s_.lenient) throw Skipped{why};
    stop_with_failure(why);
  }
  return out;
}

}  // namespace zablab::sim::scenario
