// How the checkers write zxids, times and epochs in a violation's message. Internal to sim/checkers.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>

#include "core/util/hex.h"
#include "sim/time.h"

namespace zablab::sim::check {

inline std::string hx(std::int64_t zxid) { return util::hex(zxid); }

inline std::string at_time(Nanos t) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%lld.%06llds", static_cast<long long>(t / kSecond),
                static_cast<long long>((t % kSecond) / kMicrosecond));
  return buf;
}

inline std::int64_t epoch_of(std::int64_t zxid) {
  return static_cast<std::int64_t>(static_cast<std::uint64_t>(zxid) >> 32);
}
inline std::int64_t counter_of(std::int64_t zxid) { return zxid & 0xffffffffLL; }

}  // namespace zablab::sim::check
