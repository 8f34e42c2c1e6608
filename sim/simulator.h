// The deterministic simulator's heart: a virtual clock, one event queue and a seeded PRNG.
//
// Events run one at a time in a total, stable order: by time, then by the sequence number they
// got when scheduled (so two events at the same instant run in the order they were scheduled).
// When nothing is due, the clock jumps to the next event: an hour of idle virtual time costs as
// many steps as there are timers in it. Nothing here reads a wall clock or starts a thread, so
// the same seed and the same calls give the same run, record for record.
//
// Usage:
//   Simulator sim(42);
//   sim.after(ms(5), [&] { sim.record({.kind = "timer"}); });
//   while (sim.step()) {}
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <unordered_set>
#include <vector>

#include "core/util/prng.h"
#include "sim/time.h"
#include "sim/trace.h"

namespace zablab::sim {

using EventId = std::uint64_t;

class Simulator {
 public:
  explicit Simulator(std::uint64_t seed);
  Simulator(const Simulator&) = delete;
  Simulator& operator=(const Simulator&) = delete;

  Nanos now() const { return now_; }
  std::uint64_t seed() const { return seed_; }
  // A seed for an independent stream (a node's Env::random_u64, a disk's tears, the network's
  // latencies), derived from the world seed and a stream number, so adding one stream does not
  // shift the numbers another sees.
  std::uint64_t derive_seed(std::uint64_t stream) const;
  // The simulator's own stream, for world-level choices.
  util::Prng& prng() { return prng_; }

  // Schedules `fn` to run at `when` (>= now). Returns an id for cancel().
  EventId at(Nanos when, std::function<void()> fn);
  EventId after(Nanos delay, std::function<void()> fn) { return at(now_ + delay, std::move(fn)); }
  // A cancelled event never runs; cancelling one that ran or was cancelled does nothing.
  void cancel(EventId id);

  // Runs the next event, moving the clock to its time. False if the queue is empty.
  bool step();
  // The time of the next event that will run, if any.
  std::optional<Nanos> next_time();
  // Moves the clock to `when` without running anything; requires no event before `when`.
  void advance_to(Nanos when);

  std::uint64_t steps() const { return steps_; }
  std::size_t pending() const { return live_.size(); }

  Trace& trace() { return trace_; }
  // Adds `record` to the trace at the current virtual time; returns its seq.
  std::uint64_t record(TraceRecord record);

 private:
  struct Entry {
    Nanos when;
    EventId id;  // also the tie-breaking sequence number
    std::function<void()> fn;
  };
  // Drops cancelled entries from the top of the heap (cancel() leaves them in place).
  void skip_cancelled();

  std::uint64_t seed_;
  util::Prng prng_;
  Nanos now_ = 0;
  EventId next_id_ = 1;
  std::uint64_t steps_ = 0;
  std::vector<Entry> heap_;           // a binary min-heap on (when, id); may hold cancelled entries
  std::unordered_set<EventId> live_;  // ids scheduled and neither run nor cancelled; never iterated
  Trace trace_;
};

}  // namespace zablab::sim
