#include "sim/latency.h"

#include <algorithm>

#include "sim/check.h"

namespace zablab::sim {
namespace {

std::string nanos_text(Nanos n) {
  if (n % kMillisecond == 0) return std::to_string(n / kMillisecond) + "ms";
  if (n % kMicrosecond == 0) return std::to_string(n / kMicrosecond) + "us";
  return std::to_string(n) + "ns";
}

}  // namespace

Nanos Latency::sample(util::Prng& prng) const {
  ZL_SIM_ASSERT(lo >= 0 && lo <= hi, "latency bounds must satisfy 0 <= lo <= hi");
  switch (kind) {
    case Kind::fixed:
      return lo;
    case Kind::uniform:
      return prng.uniform(lo, hi);
    case Kind::long_tail: {
      if (!prng.chance(tail_numerator, tail_denominator)) return prng.uniform(lo, hi);
      const Nanos cap = std::max(tail_max, hi);
      Nanos top = std::max<Nanos>(hi, 1);
      // Bounded: at most 62 doublings fit in an int64.
      for (int k = 0; k < 62 && top <= cap / 2; ++k) {
        top *= 2;
        if (!prng.chance(1, 2)) break;
      }
      return prng.uniform(hi, std::min(top, cap));
    }
  }
  return lo;
}

std::string Latency::describe() const {
  switch (kind) {
    case Kind::fixed:
      return "fixed(" + nanos_text(lo) + ")";
    case Kind::uniform:
      return "uniform(" + nanos_text(lo) + "," + nanos_text(hi) + ")";
    case Kind::long_tail:
      return "long_tail(" + nanos_text(lo) + "," + nanos_text(hi) + "," + std::to_string(tail_numerator) + "/" +
             std::to_string(tail_denominator) + "," + nanos_text(tail_max) + ")";
  }
  return "?";
}

}  // namespace zablab::sim
