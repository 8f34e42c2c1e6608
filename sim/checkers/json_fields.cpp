#include "sim/checkers/json_fields.h"

#include <charconv>

namespace zablab::sim::check {
namespace {

void skip_ws(std::string_view s, std::size_t& i) {
  while (i < s.size() && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r')) ++i;
}

// Moves `i` past the string starting at s[i] == '"'. False if it does not end.
bool skip_string(std::string_view s, std::size_t& i) {
  ++i;
  while (i < s.size()) {
    if (s[i] == '\\') {
      i += 2;
      continue;
    }
    if (s[i] == '"') {
      ++i;
      return true;
    }
    ++i;
  }
  return false;
}

// Moves `i` past one value. Bounded by the input: every iteration consumes a byte.
bool skip_value(std::string_view s, std::size_t& i) {
  skip_ws(s, i);
  if (i >= s.size()) return false;
  if (s[i] == '"') return skip_string(s, i);
  if (s[i] == '{' || s[i] == '[') {
    int depth = 0;
    while (i < s.size()) {
      const char c = s[i];
      if (c == '"') {
        if (!skip_string(s, i)) return false;
        continue;
      }
      if (c == '{' || c == '[') ++depth;
      if (c == '}' || c == ']') {
        if (--depth == 0) {
          ++i;
          return true;
        }
      }
      ++i;
    }
    return false;
  }
  while (i < s.size() && s[i] != ',' && s[i] != '}' && s[i] != ']' && s[i] != ' ') ++i;
  return true;
}

void put_utf8(std::string& out, unsigned cp) {
  if (cp < 0x100) {  // json_string writes bytes outside printable ASCII as \u00XX: one byte each
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

std::optional<std::string> unescape(std::string_view raw) {
  if (raw.size() < 2 || raw.front() != '"' || raw.back() != '"') return std::nullopt;
  raw = raw.substr(1, raw.size() - 2);
  std::string out;
  out.reserve(raw.size());
  for (std::size_t i = 0; i < raw.size(); ++i) {
    if (raw[i] != '\\') {
      out += raw[i];
      continue;
    }
    if (++i >= raw.size()) return std::nullopt;
    switch (raw[i]) {
      case 'n': out += '\n'; break;
      case 't': out += '\t'; break;
      case 'r': out += '\r'; break;
      case 'b': out += '\b'; break;
      case 'f': out += '\f'; break;
      case 'u': {
        if (i + 4 >= raw.size()) return std::nullopt;
        unsigned cp = 0;
        auto res = std::from_chars(raw.data() + i + 1, raw.data() + i + 5, cp, 16);
        if (res.ec != std::errc() || res.ptr != raw.data() + i + 5) return std::nullopt;
        put_utf8(out, cp);
        i += 4;
        break;
      }
      default: out += raw[i]; break;  // \" \\ \/
    }
  }
  return out;
}

std::optional<std::int64_t> parse_int(std::string_view v) {
  if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
  int base = 10;
  bool negative = false;
  if (!v.empty() && v.front() == '-') {
    negative = true;
    v.remove_prefix(1);
  }
  if (v.size() > 2 && v[0] == '0' && (v[1] == 'x' || v[1] == 'X')) {
    v.remove_prefix(2);
    base = 16;
  }
  std::uint64_t u = 0;
  auto res = std::from_chars(v.data(), v.data() + v.size(), u, base);
  if (res.ec != std::errc() || res.ptr != v.data() + v.size() || v.empty()) return std::nullopt;
  const auto value = static_cast<std::int64_t>(u);
  return negative ? -value : value;
}

// Calls fn(raw element) for each element of a JSON array; false if `raw` is not one.
template <class F>
bool each_element(std::string_view raw, F&& fn) {
  std::size_t i = 0;
  skip_ws(raw, i);
  if (i >= raw.size() || raw[i] != '[') return false;
  ++i;
  skip_ws(raw, i);
  if (i < raw.size() && raw[i] == ']') return true;
  while (i < raw.size()) {
    skip_ws(raw, i);
    const std::size_t start = i;
    if (!skip_value(raw, i)) return false;
    if (!fn(raw.substr(start, i - start))) return false;
    skip_ws(raw, i);
    if (i < raw.size() && raw[i] == ',') {
      ++i;
      continue;
    }
    return i < raw.size() && raw[i] == ']';
  }
  return false;
}

}  // namespace

std::optional<std::string_view> json_member(std::string_view json, std::string_view key) {
  std::size_t i = 0;
  skip_ws(json, i);
  if (i >= json.size() || json[i] != '{') return std::nullopt;
  ++i;
  while (i < json.size()) {
    skip_ws(json, i);
    if (i >= json.size() || json[i] == '}') return std::nullopt;
    if (json[i] == ',') {
      ++i;
      continue;
    }
    if (json[i] != '"') return std::nullopt;
    const std::size_t key_start = i;
    if (!skip_string(json, i)) return std::nullopt;
    const std::string_view raw_key = json.substr(key_start + 1, i - key_start - 2);
    skip_ws(json, i);
    if (i >= json.size() || json[i] != ':') return std::nullopt;
    ++i;
    skip_ws(json, i);
    const std::size_t value_start = i;
    if (!skip_value(json, i)) return std::nullopt;
    if (raw_key == key) return json.substr(value_start, i - value_start);
  }
  return std::nullopt;
}

std::optional<std::int64_t> json_int(std::string_view json, std::string_view key) {
  auto raw = json_member(json, key);
  if (!raw) return std::nullopt;
  return parse_int(*raw);
}

std::optional<std::string> json_string(std::string_view json, std::string_view key) {
  auto raw = json_member(json, key);
  if (!raw) return std::nullopt;
  return unescape(*raw);
}

std::optional<std::vector<std::int64_t>> json_int_array(std::string_view json, std::string_view key) {
  auto raw = json_member(json, key);
  if (!raw) return std::nullopt;
  std::vector<std::int64_t> out;
  const bool ok = each_element(*raw, [&](std::string_view e) {
    auto v = parse_int(e);
    if (v) out.push_back(*v);
    return v.has_value();
  });
  if (!ok) return std::nullopt;
  return out;
}

std::optional<std::vector<std::string>> json_string_array(std::string_view json, std::string_view key) {
  auto raw = json_member(json, key);
  if (!raw) return std::nullopt;
  std::vector<std::string> out;
  const bool ok = each_element(*raw, [&](std::string_view e) {
    auto v = unescape(e);
    if (v) out.push_back(*v);
    return v.has_value();
  });
  if (!ok) return std::nullopt;
  return out;
}

std::optional<std::vector<std::string_view>> json_raw_array(std::string_view json, std::string_view key) {
  auto raw = json_member(json, key);
  if (!raw) return std::nullopt;
  std::vector<std::string_view> out;
  if (!each_element(*raw, [&](std::string_view e) {
        out.push_back(e);
        return true;
      }))
    return std::nullopt;
  return out;
}

}  // namespace zablab::sim::check
