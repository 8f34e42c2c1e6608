#include "core/quorum/fle_config.h"

#include <algorithm>
#include <limits>
#include <vector>

namespace zablab::quorum {
namespace {

bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\f'; }

// Properties.load's logical lines: natural lines joined where one ends in an odd number of
// backslashes (that backslash dropped, the next line's leading blanks too).
std::vector<std::string> logical_lines(std::string_view text) {
  std::vector<std::string> out;
  std::string line;
  bool continuing = false;
  std::size_t at = 0;
  while (at <= text.size()) {
    std::size_t end = text.find_first_of("\r\n", at);
    if (end == std::string_view::npos) end = text.size();
    std::string_view natural = text.substr(at, end - at);
    at = end + (end < text.size() && text[end] == '\r' && end + 1 < text.size() && text[end + 1] == '\n' ? 2 : 1);
    if (continuing) {
      while (!natural.empty() && is_blank(natural.front())) natural.remove_prefix(1);
    } else {
      std::size_t first = 0;
      while (first < natural.size() && is_blank(natural[first])) ++first;
      if (first == natural.size() || natural[first] == '#' || natural[first] == '!') continue;
    }
    std::size_t backslashes = 0;
    while (backslashes < natural.size() && natural[natural.size() - 1 - backslashes] == '\\') ++backslashes;
    continuing = backslashes % 2 == 1;
    line += natural.substr(0, natural.size() - (continuing ? 1 : 0));
    if (!continuing) {
      out.push_back(std::move(line));
      line.clear();
    }
  }
  if (continuing) out.push_back(std::move(line));
  return out;
}

// Resolves Properties escapes in `s`; false on a malformed \uXXXX.
bool unescape(std::string_view s, std::string& out) {
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '\\' || i + 1 == s.size()) {
      out += s[i];
      continue;
    }
    const char c = s[++i];
    if (c == 'u') {
      if (i + 4 >= s.size()) return false;
      unsigned code = 0;
      for (int k = 1; k <= 4; ++k) {
        const char h = s[i + k];
        const int d = h >= '0' && h <= '9' ? h - '0' : h >= 'a' && h <= 'f' ? h - 'a' + 10 : h >= 'A' && h <= 'F' ? h - 'A' + 10 : -1;
        if (d < 0) return false;
        code = code * 16 + static_cast<unsigned>(d);
      }
      i += 4;
      // As UTF-8 (a lone surrogate stays three bytes: the config is only checked, never used).
      if (code < 0x80) {
        out += static_cast<char>(code);
      } else if (code < 0x800) {
        out += static_cast<char>(0xC0 | (code >> 6));
        out += static_cast<char>(0x80 | (code & 0x3F));
      } else {
        out += static_cast<char>(0xE0 | (code >> 12));
        out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (code & 0x3F));
      }
    } else {
      out += c == 't' ? '\t' : c == 'n' ? '\n' : c == 'r' ? '\r' : c == 'f' ? '\f' : c;
    }
  }
  return true;
}

// Java's String.split on one character: trailing empty parts dropped.
std::vector<std::string> java_split(const std::string& s, char sep) {
  std::vector<std::string> parts;
  std::size_t at = 0;
  for (;;) {
    const std::size_t end = s.find(sep, at);
    parts.push_back(s.substr(at, end == std::string::npos ? std::string::npos : end - at));
    if (end == std::string::npos) break;
    at = end + 1;
  }
  while (parts.size() > 1 && parts.back().empty()) parts.pop_back();
  if (parts.size() == 1 && parts[0].empty() && !s.empty()) parts.clear();  // "::".split(":") is empty
  return parts;
}

// Long.parseLong(s, radix): an optional sign, then digits, within 64 bits.
std::optional<std::int64_t> java_long(std::string_view s, int radix = 10) {
  bool negative = false;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
    negative = s[0] == '-';
    s.remove_prefix(1);
  }
  if (s.empty()) return std::nullopt;
  const std::uint64_t limit = negative ? std::uint64_t{1} << 63 : (std::uint64_t{1} << 63) - 1;
  std::uint64_t v = 0;
  for (char c : s) {
    const int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'z' ? c - 'a' + 10 : c >= 'A' && c <= 'Z' ? c - 'A' + 10 : 99;
    if (d >= radix) return std::nullopt;
    if (v > (limit - static_cast<std::uint64_t>(d)) / static_cast<std::uint64_t>(radix)) return std::nullopt;
    v = v * static_cast<std::uint64_t>(radix) + static_cast<std::uint64_t>(d);
  }
  return negative ? static_cast<std::int64_t>(~v + 1) : static_cast<std::int64_t>(v);
}

// Integer.parseInt of a port, then InetSocketAddress's range check.
std::optional<std::string> port_problem(const std::string& port) {
  const auto v = java_long(port);
  if (!v || *v < std::numeric_limits<std::int32_t>::min() || *v > std::numeric_limits<std::int32_t>::max())
    return "port \"" + port + "\" is not a number";
  if (*v < 0 || *v > 65535) return "port " + port + " out of range";
  return std::nullopt;
}

// ConfigUtils.getHostAndPort: "[v6 literal]:rest" or a plain split on ':'.
std::optional<std::vector<std::string>> host_and_port(const std::string& s, std::string& problem) {
  if (s.empty() || s[0] != '[') return java_split(s, ':');
  const std::size_t close = s.find(']');
  if (close == std::string::npos) {
    problem = s + " starts with '[' but has no matching ']:'";
    return std::nullopt;
  }
  if (close + 2 == s.size()) {
    problem = s + " doesn't have a port after colon";
    return std::nullopt;
  }
  std::vector<std::string> parts{s.substr(1, close - 1)};
  if (close + 2 < s.size())
    for (auto& p : java_split(s.substr(close + 2), ':')) parts.push_back(std::move(p));
  return parts;
}

enum class Role { participant, observer };

// QuorumServer(sid, "host:quorumPort:electionPort[:role][;[clientHost:]clientPort]").
std::optional<std::string> server_problem(const std::string& value, Role& role) {
  const std::string wrong = value + " does not have the form host:port:port[:type][;[host:]port]";
  const std::vector<std::string> server_client = java_split(value, ';');
  if (server_client.empty() || server_client.size() > 2) return wrong;
  std::string problem;
  if (server_client.size() == 2) {
    const auto client = host_and_port(server_client[1], problem);
    if (!client) return problem;
    if (client->empty() || client->size() > 2) return wrong;
    if (auto p = port_problem(client->back())) return "client " + *p;
  }
  if (server_client[0].find('|') != std::string::npos)
    return "more than one address for a server (multiAddress is off by default)";
  const auto parts = host_and_port(server_client[0], problem);
  if (!parts) return problem;
  if (parts->size() < 3 || parts->size() > 4) return wrong;
  if (auto p = port_problem((*parts)[1])) return "quorum " + *p;
  if (auto p = port_problem((*parts)[2])) return "election " + *p;
  if (*java_long((*parts)[1]) == *java_long((*parts)[2])) return "quorum and election port must differ";
  if (parts->size() == 4) {
    std::string type = (*parts)[3];
    while (!type.empty() && static_cast<unsigned char>(type.back()) <= ' ') type.pop_back();
    std::size_t first = 0;
    while (first < type.size() && static_cast<unsigned char>(type[first]) <= ' ') ++first;
    type = type.substr(first);
    for (char& c : type) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
    if (type == "observer") {
      role = Role::observer;
    } else if (type != "participant") {
      return "Unrecognised peertype: " + (*parts)[3];
    }
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::map<std::string, std::string>> parse_properties(std::string_view text) {
  std::map<std::string, std::string> props;
  for (const std::string& line : logical_lines(text)) {
    std::size_t at = 0;
    while (at < line.size() && is_blank(line[at])) ++at;
    std::size_t key_end = at;
    while (key_end < line.size() && line[key_end] != '=' && line[key_end] != ':' && !is_blank(line[key_end]))
      key_end += line[key_end] == '\\' ? 2 : 1;
    key_end = std::min(key_end, line.size());
    std::size_t value_at = key_end;
    while (value_at < line.size() && is_blank(line[value_at])) ++value_at;
    if (value_at < line.size() && (line[value_at] == '=' || line[value_at] == ':')) ++value_at;
    while (value_at < line.size() && is_blank(line[value_at])) ++value_at;
    std::string key, value;
    if (!unescape(std::string_view(line).substr(at, key_end - at), key) ||
        !unescape(std::string_view(line).substr(value_at), value))
      return std::nullopt;
    props[std::move(key)] = std::move(value);
  }
  return props;
}

std::optional<std::string> notification_config_problem(std::string_view text) {
  const auto props = parse_properties(text);
  if (!props) return "malformed \\uxxxx escape";
  std::map<std::int64_t, Role> members;
  for (const auto& [key, value] : *props) {
    std::string_view k = key;
    while (!k.empty() && static_cast<unsigned char>(k.back()) <= ' ') k.remove_suffix(1);
    if (k.starts_with("group") || k.starts_with("weight")) continue;  // hierarchical: not read
    if (k == "version") {
      if (!java_long(value, 16)) return "version=" + value + ": not a hexadecimal number";
      continue;
    }
    if (!k.starts_with("server.")) return "Unrecognised parameter: " + std::string(k);
    const auto sid = java_long(key.substr(key.find('.') + 1));
    if (!sid) return key + ": server id is not a number";
    Role role = Role::participant;
    if (auto p = server_problem(value, role)) return key + "=" + value + ": " + *p;
    members[*sid] = role;
  }
  std::size_t participants = 0;
  for (const auto& [sid, role] : members)
    if (role == Role::participant) ++participants;
  if (participants < 2 && members.size() > participants)
    return participants == 0 ? "observers without participants" : "observers without a quorum (one participant)";
  return std::nullopt;
}

}  // namespace zablab::quorum
