// Where and how a server keeps its state on disk, as ZooKeeper 3.8 lays it out (see
// docs/formats/disk.md): <dataLogDir>/version-2/log.<hex first zxid> and
// <dataDir>/version-2/snapshot.<hex zxid>, plus acceptedEpoch/currentEpoch beside the snapshots.
#pragma once

#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <string_view>

namespace zablab::persist {

inline constexpr std::int32_t kLogMagic = 0x5A4B4C47;       // "ZKLG"
inline constexpr std::int32_t kSnapshotMagic = 0x5A4B534E;  // "ZKSN"
inline constexpr std::int32_t kFormatVersion = 2;
inline constexpr std::uint8_t kEndOfRecord = 0x42;  // 'B', after every log entry
inline constexpr const char* kVersionDir = "version-2";

inline std::string version_dir(const std::string& dir) { return dir + "/" + kVersionDir; }

inline std::string zxid_file_name(std::string_view prefix, std::int64_t zxid) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*s.%llx", static_cast<int>(prefix.size()), prefix.data(),
                static_cast<unsigned long long>(zxid));
  return buf;
}

// "log.1a" with prefix "log" -> 0x1a; anything else -> nullopt.
inline std::optional<std::int64_t> zxid_of_file(std::string_view name, std::string_view prefix) {
  if (name.size() <= prefix.size() + 1 || name.substr(0, prefix.size()) != prefix || name[prefix.size()] != '.')
    return std::nullopt;
  std::uint64_t v = 0;
  const std::string_view hex = name.substr(prefix.size() + 1);
  if (hex.size() > 16) return std::nullopt;
  for (char c : hex) {
    int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
    if (d < 0) return std::nullopt;
    v = v * 16 + static_cast<std::uint64_t>(d);
  }
  return static_cast<std::int64_t>(v);
}

}  // namespace zablab::persist
