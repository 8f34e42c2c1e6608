// Adler-32, the checksum ZooKeeper puts on every txn log entry and at the end of a snapshot.
#pragma once

#include <cstdint>
#include <algorithm>
#include <string_view>

namespace zablab::util {

class Adler32 {
 public:
  void update(std::string_view bytes) {
    constexpr std::uint32_t kMod = 65521;
    for (std::size_t i = 0; i < bytes.size();) {
      // 5552 bytes is the most that can be summed before a 32-bit overflow.
      const std::size_t n = std::min<std::size_t>(bytes.size() - i, 5552);
      for (std::size_t k = 0; k < n; ++k) {
        a_ += static_cast<unsigned char>(bytes[i + k]);
        b_ += a_;
      }
      a_ %= kMod;
      b_ %= kMod;
      i += n;
    }
  }
  std::uint32_t value() const { return (b_ << 16) | a_; }

 private:
  std::uint32_t a_ = 1;
  std::uint32_t b_ = 0;
};

inline std::uint32_t adler32(std::string_view bytes) {
  Adler32 a;
  a.update(bytes);
  return a.value();
}

}  // namespace zablab::util
