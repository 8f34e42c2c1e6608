// Big-endian integers as ZooKeeper's jute writes them, for the small raw-protocol bench tools
// (zablab-null-server, zablab-rtt) that stay free of zablab's own libraries.
#pragma once

#include <cstdint>
#include <string>

namespace zablab::bench {

inline void put_i32(std::string& s, std::int32_t v) {
  const auto u = static_cast<std::uint32_t>(v);
  for (int shift = 24; shift >= 0; shift -= 8) s.push_back(static_cast<char>((u >> shift) & 0xff));
}
inline void put_i64(std::string& s, std::int64_t v) {
  put_i32(s, static_cast<std::int32_t>(static_cast<std::uint64_t>(v) >> 32));
  put_i32(s, static_cast<std::int32_t>(static_cast<std::uint64_t>(v) & 0xffffffffu));
}
inline std::int32_t get_i32(const std::string& s, std::size_t at) {
  std::uint32_t u = 0;
  for (std::size_t i = 0; i < 4; ++i) u = (u << 8) | static_cast<unsigned char>(s[at + i]);
  return static_cast<std::int32_t>(u);
}

}  // namespace zablab::bench
