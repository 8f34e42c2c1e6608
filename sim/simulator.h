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

  // Schedules `fn` to run at `when` (>= now). Returns an id for cancel() (never 0; an id says
  // nothing about order: events run by time, then by when they were scheduled).
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
  std::size_t pending() const { return live_; }

  Trace& trace() { return trace_; }
  // Adds `record` to the trace at the current virtual time; returns its seq.
  std::uint64_t record(TraceRecord record);

 private:
  // The heap holds small plain entries; the callables stay put in slots (reused through a free
  // list), so an event costs no hashing and the heap moves 24 bytes per swap. An id is a slot and
  // that slot's generation: a stale id (its event ran or was cancelled, the slot reused) matches
  // no live event.
  struct Entry {
    Nanos when;
    std::uint64_t seq;   // scheduling order: ties at one instant run in this order
    std::uint32_t slot;  // where its callable waits; stale when that slot now holds another seq
  };
  struct Slot {
    std::function<void()> fn;
    std::uint64_t seq = 0;
    std::uint32_t generation = 1;
    bool live = false;
  };
  // Empties `slot` for reuse; a later id naming its old generation cancels nothing.
  void release(std::uint32_t slot);
  // Drops cancelled entries from the top of the heap (cancel() leaves them in place).
  void skip_cancelled();
  bool stale(const Entry& e) const { return !slots_[e.slot].live || slots_[e.slot].seq != e.seq; }

  std::uint64_t seed_;
  util::Prng prng_;
  Nanos now_ = 0;
  std::uint64_t next_seq_ = 1;
  std::uint64_t steps_ = 0;
  std::size_t live_ = 0;       // events scheduled and neither run nor cancelled
  std::vector<Entry> heap_;    // a binary min-heap on (when, seq); may hold cancelled entries
  std::vector<Slot> slots_;
  std::vector<std::uint32_t> free_slots_;
  Trace trace_;
};

}  // namespace zablab::sim
