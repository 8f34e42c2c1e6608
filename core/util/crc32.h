// CRC-32 (IEEE 802.3, the polynomial of zlib and java.util.zip.CRC32), the hash ZooKeeper's
// DigestCalculator takes of every znode. A value can be continued: crc32(crc32(a), b) is the CRC
// of a followed by b, as Java's CRC32.update called twice.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

namespace zablab::util {

namespace detail {
constexpr std::array<std::uint32_t, 256> make_crc32_table() {
  std::array<std::uint32_t, 256> table{};
  for (std::uint32_t i = 0; i < 256; ++i) {
    std::uint32_t c = i;
    for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
    table[i] = c;
  }
  return table;
}
inline constexpr std::array<std::uint32_t, 256> kCrc32Table = make_crc32_table();
}  // namespace detail

// The CRC of `bytes` continued from `crc`, the CRC of what came before (0 for nothing).
inline std::uint32_t crc32(std::uint32_t crc, std::string_view bytes) {
  std::uint32_t c = ~crc;
  for (char ch : bytes) c = detail::kCrc32Table[(c ^ static_cast<unsigned char>(ch)) & 0xFFu] ^ (c >> 8);
  return ~c;
}

inline std::uint32_t crc32(std::string_view bytes) { return crc32(0, bytes); }

}  // namespace zablab::util
