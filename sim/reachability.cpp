#include "sim/reachability.h"

#include <algorithm>
#include <boost/graph/adjacency_list.hpp>
#include <boost/graph/connected_components.hpp>

namespace zablab::sim {

LinkGraph::LinkGraph(const SimNetwork& network, std::vector<EndpointId> up)
    : LinkGraph([&network](EndpointId from, EndpointId to) { return network.blocked(from, to); }, std::move(up)) {}

LinkGraph::LinkGraph(Blocked blocked, std::vector<EndpointId> up) : blocked_(std::move(blocked)), up_(std::move(up)) {
  std::sort(up_.begin(), up_.end());
  up_.erase(std::unique(up_.begin(), up_.end()), up_.end());
  using Graph = boost::adjacency_list<boost::vecS, boost::vecS, boost::undirectedS>;
  Graph g(up_.size());
  for (std::size_t i = 0; i < up_.size(); ++i)
    for (std::size_t j = i + 1; j < up_.size(); ++j)
      if (!blocked_(up_[i], up_[j]) && !blocked_(up_[j], up_[i])) boost::add_edge(i, j, g);
  std::vector<int> raw(up_.size());
  const int count = up_.empty() ? 0 : boost::connected_components(g, raw.data());
  // Renumber by smallest member, so the numbering does not depend on Boost's traversal order.
  std::vector<int> renumber(static_cast<std::size_t>(count), -1);
  int next = 0;
  components_.assign(static_cast<std::size_t>(count), {});
  for (std::size_t i = 0; i < up_.size(); ++i) {  // up_ is sorted, so first seen = smallest
    auto& n = renumber[static_cast<std::size_t>(raw[i])];
    if (n < 0) n = next++;
    component_[up_[i]] = n;
    components_[static_cast<std::size_t>(n)].push_back(up_[i]);
  }
}

int LinkGraph::component_of(EndpointId id) const {
  auto it = component_.find(id);
  return it == component_.end() ? -1 : it->second;
}

bool LinkGraph::same_component(EndpointId a, EndpointId b) const {
  const int ca = component_of(a);
  return ca >= 0 && ca == component_of(b);
}

bool LinkGraph::direct(EndpointId a, EndpointId b) const {
  if (component_of(a) < 0 || component_of(b) < 0) return false;
  return a == b || (!blocked_(a, b) && !blocked_(b, a));
}

bool LinkGraph::quorum_component(const std::vector<EndpointId>& ensemble) const {
  for (const auto& members : components_) {
    std::size_t voters = 0;
    for (EndpointId id : ensemble) voters += std::binary_search(members.begin(), members.end(), id) ? 1 : 0;
    if (2 * voters > ensemble.size()) return true;
  }
  return false;
}

std::optional<EndpointId> LinkGraph::quorum_leader(const std::vector<EndpointId>& ensemble) const {
  std::vector<EndpointId> sorted = ensemble;
  std::sort(sorted.begin(), sorted.end());
  for (EndpointId candidate : sorted) {
    if (component_of(candidate) < 0) continue;
    std::size_t reach = 0;
    for (EndpointId other : sorted) reach += direct(candidate, other) ? 1 : 0;
    if (2 * reach > sorted.size()) return candidate;
  }
  return std::nullopt;
}

}  // namespace zablab::sim
