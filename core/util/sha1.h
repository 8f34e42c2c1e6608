// SHA-1 and base64, for ZooKeeper's digest auth ids: digest:user:BASE64(SHA1("user:password")).
// SHA-1 is used here only because ZooKeeper's wire format demands it.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace zablab::util {

std::array<std::uint8_t, 20> sha1(std::string_view data);
// Standard base64 with '=' padding.
std::string base64(std::string_view bytes);

}  // namespace zablab::util
