#include "gui/model/flight_bundles.h"

#include <map>
#include <utility>

namespace zablab::gui {

std::vector<FlightBundle> bundle_flights(const std::vector<Message>& all, const std::vector<std::size_t>& messages) {
  std::map<std::pair<EndpointId, EndpointId>, FlightBundle> by_lane;
  for (const std::size_t index : messages) {
    const Message& m = all[index];
    auto [it, fresh] = by_lane.try_emplace({m.from, m.to});
    FlightBundle& b = it->second;
    if (fresh) {
      b.from = m.from;
      b.to = m.to;
      b.oldest = b.newest = index;
    }
    ++b.count;
    if (m.send_seq < all[b.oldest].send_seq) b.oldest = index;
    if (m.send_seq > all[b.newest].send_seq) b.newest = index;
  }
  std::vector<FlightBundle> out;
  out.reserve(by_lane.size());
  for (auto& [lane, bundle] : by_lane) out.push_back(bundle);
  return out;
}

}  // namespace zablab::gui
