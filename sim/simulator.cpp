#include "sim/simulator.h"

#include <algorithm>

#include "sim/check.h"

namespace zablab::sim {
namespace {

// std::push_heap builds a max-heap; "later" on top-of-max means earliest first.
struct Later {
  template <class E>
  bool operator()(const E& a, const E& b) const {
    return a.when != b.when ? a.when > b.when : a.id > b.id;
  }
};

}  // namespace

Simulator::Simulator(std::uint64_t seed) : seed_(seed), prng_(derive_seed(0)) {}

std::uint64_t Simulator::derive_seed(std::uint64_t stream) const {
  std::uint64_t state = seed_ ^ (stream * 0xD1B54A32D192ED03ULL);
  util::Prng::splitmix64(state);
  return util::Prng::splitmix64(state);
}

EventId Simulator::at(Nanos when, std::function<void()> fn) {
  ZL_SIM_ASSERT(when >= now_, "an event cannot be scheduled in the past");
  ZL_SIM_ASSERT(fn != nullptr, "an event needs something to run");
  const EventId id = next_id_++;
  heap_.push_back(Entry{when, id, std::move(fn)});
  live_.insert(id);
  std::push_heap(heap_.begin(), heap_.end(), Later{});
  return id;
}

void Simulator::cancel(EventId id) { live_.erase(id); }

void Simulator::skip_cancelled() {
  while (!heap_.empty() && !live_.count(heap_.front().id)) {
    std::pop_heap(heap_.begin(), heap_.end(), Later{});
    heap_.pop_back();
  }
}

bool Simulator::step() {
  skip_cancelled();
  if (heap_.empty()) return false;
  std::pop_heap(heap_.begin(), heap_.end(), Later{});
  Entry e = std::move(heap_.back());
  heap_.pop_back();
  live_.erase(e.id);
  ZL_SIM_ASSERT(e.when >= now_, "the clock never goes backwards");
  now_ = e.when;
  ++steps_;
  e.fn();
  return true;
}

std::optional<Nanos> Simulator::next_time() {
  skip_cancelled();
  if (heap_.empty()) return std::nullopt;
  return heap_.front().when;
}

void Simulator::advance_to(Nanos when) {
  ZL_SIM_ASSERT(when >= now_, "the clock never goes backwards");
  auto next = next_time();
  ZL_SIM_ASSERT(!next || *next >= when, "advance_to would skip a pending event");
  now_ = when;
}

std::uint64_t Simulator::record(TraceRecord r) {
  r.time_ns = now_;
  return trace_.add(std::move(r));
}

}  // namespace zablab::sim
