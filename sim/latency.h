// Latency distributions for network links and disks, sampled with our own PRNG in integer math
// only, so a seed means the same delays on every machine (no std:: distributions, no floats).
//
//   fixed(d)                     always d
//   uniform(lo, hi)              uniform in [lo, hi]
//   long_tail(lo, hi, n, d, max) uniform in [lo, hi] most of the time; with probability n/d a
//                                tail sample: hi doubled k times, k >= 1 geometric (each further
//                                doubling with probability 1/2), capped at max, then uniform in
//                                [hi, that] -- a heavy tail like a congested link or a slow fsync.
#pragma once

#include <cstdint>
#include <string>

#include "core/util/prng.h"
#include "sim/time.h"

namespace zablab::sim {

struct Latency {
  enum class Kind { fixed, uniform, long_tail };
  Kind kind = Kind::fixed;
  Nanos lo = 0;
  Nanos hi = 0;
  std::uint64_t tail_numerator = 0;
  std::uint64_t tail_denominator = 1;
  Nanos tail_max = 0;

  static Latency fixed(Nanos d) { return {Kind::fixed, d, d, 0, 1, d}; }
  static Latency uniform(Nanos lo, Nanos hi) { return {Kind::uniform, lo, hi, 0, 1, hi}; }
  static Latency long_tail(Nanos lo, Nanos hi, std::uint64_t numerator, std::uint64_t denominator, Nanos max) {
    return {Kind::long_tail, lo, hi, numerator, denominator, max};
  }

  // One delay (>= 0). Uses the PRNG only for non-fixed kinds, so a fixed link draws nothing.
  Nanos sample(util::Prng& prng) const;
  // "fixed(1ms)", "uniform(1ms,5ms)", "long_tail(...)" for the trace.
  std::string describe() const;

  bool operator==(const Latency&) const = default;
};

}  // namespace zablab::sim
