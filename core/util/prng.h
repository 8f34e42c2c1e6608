// Our own seeded PRNG: xoshiro256** seeded through splitmix64, with our own value mapping.
// The standard distributions differ between standard libraries, so a seed would not mean the
// same run on every machine; these functions do. No floating point.
#pragma once

#include <cstdint>

namespace zablab::util {

class Prng {
 public:
  explicit Prng(std::uint64_t seed) {
    for (auto& word : s_) word = splitmix64(seed);
  }

  std::uint64_t next() {
    const std::uint64_t result = rotl(s_[1] * 5, 7) * 9;
    const std::uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return result;
  }

  // Uniform in [lo, hi] (inclusive), unbiased (rejection sampling). Requires lo <= hi.
  std::int64_t uniform(std::int64_t lo, std::int64_t hi) {
    const std::uint64_t span = static_cast<std::uint64_t>(hi) - static_cast<std::uint64_t>(lo) + 1;
    if (span == 0) return static_cast<std::int64_t>(next());  // the whole 64-bit range
    const std::uint64_t limit = UINT64_MAX - (UINT64_MAX % span);
    std::uint64_t v;
    do {
      v = next();
    } while (v >= limit);
    return static_cast<std::int64_t>(static_cast<std::uint64_t>(lo) + v % span);
  }

  // True with probability numerator/denominator.
  bool chance(std::uint64_t numerator, std::uint64_t denominator) {
    if (numerator >= denominator) return true;
    return static_cast<std::uint64_t>(uniform(0, static_cast<std::int64_t>(denominator) - 1)) < numerator;
  }

  static std::uint64_t splitmix64(std::uint64_t& state) {
    std::uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }

 private:
  static std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  std::uint64_t s_[4];
};

}  // namespace zablab::util
