// Messages in flight grouped by direction, for views too crowded to draw one line per message.
// With hundreds of messages in flight (a backlog, a write storm, manual delivery) the space-time
// diagram shows one bundle per (sender, receiver): the oldest message (the next to arrive, FIFO)
// and the newest, with a count. That stays readable, and a frame's cost on software GL follows
// the pixels drawn: hundreds of long overlapping lines cost several full screens.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "gui/model/timeline.h"

namespace zablab::gui {

struct FlightBundle {
  EndpointId from = kNoEndpoint;
  EndpointId to = kNoEndpoint;
  std::size_t count = 0;
  std::size_t oldest = 0;  // message index with the smallest send seq
  std::size_t newest = 0;  // message index with the largest send seq
};

// Groups `messages` (indices into `all`) by (from, to), in (from, to) order.
std::vector<FlightBundle> bundle_flights(const std::vector<Message>& all, const std::vector<std::size_t>& messages);

}  // namespace zablab::gui
