// Virtual time in the simulator: signed 64-bit nanoseconds since the world started (about 292
// years of range). Only sim/ uses nanoseconds; the core sees milliseconds through Env::now_ms().
#pragma once

#include <cstdint>

namespace zablab::sim {

using Nanos = std::int64_t;

inline constexpr Nanos kMicrosecond = 1'000;
inline constexpr Nanos kMillisecond = 1'000'000;
inline constexpr Nanos kSecond = 1'000'000'000;
inline constexpr Nanos kMinute = 60 * kSecond;
inline constexpr Nanos kHour = 60 * kMinute;

constexpr Nanos us(std::int64_t v) { return v * kMicrosecond; }
constexpr Nanos ms(std::int64_t v) { return v * kMillisecond; }
constexpr Nanos seconds(std::int64_t v) { return v * kSecond; }

}  // namespace zablab::sim
