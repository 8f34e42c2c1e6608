#include "core/data/path.h"

#include <cstdint>
#include <vector>

namespace zablab::data {
namespace {

// Decodes UTF-8 into UTF-16 code units, as Java holds the path: a malformed sequence becomes
// U+FFFD, which the rules refuse, the same outcome as Java decoding the bytes with replacement;
// a code point above U+FFFF (an emoji) becomes its surrogate pair, which the rules refuse too, as
// ZooKeeper's PathUtils does. Positions in the messages are these units' indexes, as ZooKeeper's.
std::vector<std::uint32_t> code_points(std::string_view s) {
  std::vector<std::uint32_t> out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size();) {
    auto b = static_cast<unsigned char>(s[i]);
    int extra = b < 0x80 ? 0 : (b >> 5) == 6 ? 1 : (b >> 4) == 14 ? 2 : (b >> 3) == 30 ? 3 : -1;
    const bool truncated = extra > 0 && i + static_cast<std::size_t>(extra) >= s.size();
    if (extra < 0 || truncated) {
      out.push_back(0xFFFD);
      ++i;
      continue;
    }
    std::uint32_t cp = extra == 0 ? b : b & (0x3F >> extra);
    bool ok = true;
    for (int k = 1; k <= extra; ++k) {
      auto c = static_cast<unsigned char>(s[i + static_cast<std::size_t>(k)]);
      if ((c >> 6) != 2) {
        ok = false;
        break;
      }
      cp = (cp << 6) | (c & 0x3F);
    }
    if (!ok) {
      out.push_back(0xFFFD);
      ++i;
      continue;
    }
    if (cp > 0xFFFF) {
      out.push_back(0xD800 + ((cp - 0x10000) >> 10));
      out.push_back(0xDC00 + ((cp - 0x10000) & 0x3FF));
    } else {
      out.push_back(cp);
    }
    i += static_cast<std::size_t>(extra) + 1;
  }
  return out;
}

bool forbidden(std::uint32_t c) {
  return (c > 0x0000 && c <= 0x001F) || (c >= 0x007F && c <= 0x009F) || (c >= 0xD800 && c <= 0xF8FF) ||
         (c >= 0xFFF0 && c <= 0xFFFF);
}

}  // namespace

std::string path_error(std::string_view path) {
  if (path.empty()) return "Path length must be > 0";
  if (path[0] != '/') return "Path must start with / character";
  if (path.size() == 1) return {};
  if (path.back() == '/') return "Path must not end with / character";
  const std::vector<std::uint32_t> cp = code_points(path);
  const std::size_t n = cp.size();
  for (std::size_t i = 1; i < n; ++i) {
    const std::uint32_t c = cp[i];
    const std::uint32_t last = cp[i - 1];
    const bool segment_ends = i + 1 == n || cp[i + 1] == '/';
    if (c == 0) return "null character not allowed @" + std::to_string(i);
    if (c == '/' && last == '/') return "empty node name specified @" + std::to_string(i);
    if (c == '.' && last == '.' && i >= 2 && cp[i - 2] == '/' && segment_ends)
      return "relative paths not allowed @" + std::to_string(i);
    if (c == '.' && last == '/' && segment_ends) return "relative paths not allowed @" + std::to_string(i);
    if (forbidden(c)) return "invalid character @" + std::to_string(i);
  }
  return {};
}

std::string_view parent_path(std::string_view path) {
  if (path.size() <= 1) return {};
  std::size_t slash = path.rfind('/');
  if (slash == 0) return path.substr(0, 1);
  if (slash == std::string_view::npos) return {};
  return path.substr(0, slash);
}

std::string_view base_name(std::string_view path) {
  std::size_t slash = path.rfind('/');
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

std::string child_path(std::string_view parent, std::string_view name) {
  std::string out(parent);
  if (out != "/") out.push_back('/');
  out.append(name);
  return out;
}

}  // namespace zablab::data
