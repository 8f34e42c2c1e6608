// Who can reach whom, and whether a quorum can form, over the network's current links.
//
// A LinkGraph is a snapshot: an undirected graph whose vertices are the endpoints that are up and
// whose edges join two endpoints whose link is open in BOTH directions (a TCP connection needs
// both). Boost.Graph's connected_components groups them. Links are direct in the simulator (no
// routing through a third endpoint), so "same component" means "connected through a chain of
// endpoints"; direct() and quorum_leader() answer the direct, star-shaped question Zab asks.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <vector>

#include "sim/sim_network.h"

namespace zablab::sim {

class LinkGraph {
 public:
  // Whether traffic from the first endpoint to the second is cut.
  using Blocked = std::function<bool(EndpointId from, EndpointId to)>;
  LinkGraph(const SimNetwork& network, std::vector<EndpointId> up);
  // Over any record of cut links (the visualizer folds them from a trace).
  LinkGraph(Blocked blocked, std::vector<EndpointId> up);

  // Each component's members, sorted; components ordered by their smallest member.
  const std::vector<std::vector<EndpointId>>& components() const { return components_; }
  // Index into components(), or -1 if `id` is not up.
  int component_of(EndpointId id) const;
  bool same_component(EndpointId a, EndpointId b) const;
  // Both directions between a and b open (and both up).
  bool direct(EndpointId a, EndpointId b) const;

  // Whether one component holds a strict majority of `ensemble` (all voters, up or not).
  bool quorum_component(const std::vector<EndpointId>& ensemble) const;
  // The lowest-numbered up member of `ensemble` that talks directly, both ways, with a strict
  // majority of it (counting itself): a server that could lead. nullopt if none.
  std::optional<EndpointId> quorum_leader(const std::vector<EndpointId>& ensemble) const;

 private:
  Blocked blocked_;
  std::vector<EndpointId> up_;  // sorted
  std::map<EndpointId, int> component_;
  std::vector<std::vector<EndpointId>> components_;
};

}  // namespace zablab::sim
