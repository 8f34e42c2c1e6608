#include "sim/simulator.h"

#include <algorithm>

#include "sim/check.h"

namespace zablab::sim {
namespace {

// std::push_heap builds a max-heap; "later" on top-of-max means earliest first.
struct Later {
  template <class E>
  bool operator()(const E& a, const E& b) const {
    return a.when != b.when ? a.when > b.when : a.seq > b.seq;
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
  std::uint32_t slot;
  if (free_slots_.empty()) {
    ZL_SIM_ASSERT(slots_.size() < UINT32_MAX, "too many pending events");
    slot = static_cast<std::uint32_t>(slots_.size());
    slots_.emplace_back();
  } else {
    slot = free_slots_.back();
    free_slots_.pop_back();
  }
  Slot& s = slots_[slot];
  s.fn = std::move(fn);
  s.seq = next_seq_++;
  s.live = true;
  ++live_;
  heap_.push_back(Entry{when, s.seq, slot});
  std::push_heap(heap_.begin(), heap_.end(), Later{});
  return (std::uint64_t{s.generation} << 32) | slot;
}

void Simulator::release(std::uint32_t slot) {
  Slot& s = slots_[slot];
  s.live = false;
  s.fn = nullptr;
  ++s.generation;
  if (s.generation == 0) s.generation = 1;  // ids are never 0
  --live_;
  free_slots_.push_back(slot);
}

void Simulator::cancel(EventId id) {
  const auto slot = static_cast<std::uint32_t>(id & 0xFFFFFFFFu);
  const auto generation = static_cast<std::uint32_t>(id >> 32);
  if (slot >= slots_.size() || !slots_[slot].live || slots_[slot].generation != generation) return;
  release(slot);
}

void Simulator::skip_cancelled() {
  while (!heap_.empty() && stale(heap_.front())) {
    std::pop_heap(heap_.begin(), heap_.end(), Later{});
    heap_.pop_back();
  }
}

bool Simulator::step() {
  skip_cancelled();
  if (heap_.empty()) return false;
  std::pop_heap(heap_.begin(), heap_.end(), Later{});
  const Entry e = heap_.back();
  heap_.pop_back();
  std::function<void()> fn = std::move(slots_[e.slot].fn);
  release(e.slot);
  ZL_SIM_ASSERT(e.when >= now_, "the clock never goes backwards");
  now_ = e.when;
  ++steps_;
  fn();
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
