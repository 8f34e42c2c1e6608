#include "core/data/acl.h"

#include <algorithm>
#include <cstdint>

#include "core/jute/codes.h"
#include "core/util/sha1.h"

namespace zablab::data {
namespace {

std::optional<std::uint32_t> parse_ipv4(std::string_view s) {
  std::uint32_t value = 0;
  int parts = 0;
  std::size_t i = 0;
  while (parts < 4) {
    if (i >= s.size() || s[i] < '0' || s[i] > '9') return std::nullopt;
    std::uint32_t octet = 0;
    std::size_t digits = 0;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9' && digits < 4) {
      octet = octet * 10 + static_cast<std::uint32_t>(s[i] - '0');
      ++i;
      ++digits;
    }
    if (octet > 255) return std::nullopt;
    value = (value << 8) | octet;
    ++parts;
    if (parts < 4) {
      if (i >= s.size() || s[i] != '.') return std::nullopt;
      ++i;
    }
  }
  if (i != s.size()) return std::nullopt;
  return value;
}

// Splits "a.b.c.d/bits"; bits defaults to 32.
std::optional<std::pair<std::uint32_t, int>> parse_ipv4_mask(std::string_view id) {
  std::size_t slash = id.find('/');
  auto addr = parse_ipv4(id.substr(0, slash));
  if (!addr) return std::nullopt;
  int bits = 32;
  if (slash != std::string_view::npos) {
    std::string_view b = id.substr(slash + 1);
    if (b.empty() || b.size() > 2) return std::nullopt;
    bits = 0;
    for (char c : b) {
      if (c < '0' || c > '9') return std::nullopt;
      bits = bits * 10 + (c - '0');
    }
    if (bits > 32) return std::nullopt;
  }
  return std::make_pair(*addr, bits);
}

bool digest_id_valid(std::string_view id) {
  // Java: id.split(":").length == 2 (trailing empty parts dropped).
  std::size_t colon = id.find(':');
  if (colon == std::string_view::npos) return false;
  if (id.find(':', colon + 1) != std::string_view::npos) return false;
  return colon + 1 < id.size();
}

}  // namespace

Acl open_acl_unsafe() { return {jute::ACL{perm::all, jute::Id{"world", "anyone"}}}; }
Acl creator_all_acl() { return {jute::ACL{perm::all, jute::Id{"auth", ""}}}; }
Acl read_acl_unsafe() { return {jute::ACL{perm::read, jute::Id{"world", "anyone"}}}; }

bool acl_allows(const Acl& acl, std::int32_t wanted, const Identities& ids) {
  if (acl.empty()) return true;
  for (const auto& id : ids)
    if (id.scheme == "super") return true;
  for (const auto& entry : acl) {
    if ((entry.perms & wanted) == 0) continue;
    if (entry.id.scheme == "world" && entry.id.id == "anyone") return true;
    for (const auto& id : ids) {
      if (id.scheme != entry.id.scheme) continue;
      if (id.scheme == "digest" && id.id == entry.id.id) return true;
      if (id.scheme == "ip" && ip_matches(entry.id.id, id.id)) return true;
    }
  }
  return false;
}

std::optional<Acl> fixup_acl(const Acl& requested, const Identities& ids) {
  Acl unique;
  for (const auto& entry : requested)
    if (std::find(unique.begin(), unique.end(), entry) == unique.end()) unique.push_back(entry);
  if (unique.empty()) return std::nullopt;
  Acl out;
  for (const auto& entry : unique) {
    const auto& scheme = entry.id.scheme;
    if (scheme == "world" && entry.id.id == "anyone") {
      out.push_back(entry);
    } else if (scheme == "auth") {
      // One entry per identity whose provider says it is authenticated: digest yes, ip no.
      bool any = false;
      for (const auto& id : ids) {
        if (id.scheme != "digest") continue;
        jute::ACL expanded{entry.perms, id};
        if (std::find(out.begin(), out.end(), expanded) == out.end()) out.push_back(expanded);
        any = true;
      }
      if (!any) return std::nullopt;
    } else if (scheme == "digest") {
      if (!digest_id_valid(entry.id.id)) return std::nullopt;
      out.push_back(entry);
    } else if (scheme == "ip") {
      if (!valid_ip_id(entry.id.id)) return std::nullopt;
      out.push_back(entry);
    } else {
      return std::nullopt;  // "world" with another id, or a scheme without a provider
    }
  }
  return out;
}

std::string digest_id(std::string_view user_colon_password) {
  std::size_t colon = user_colon_password.find(':');
  std::string user(user_colon_password.substr(0, colon));
  auto hash = util::sha1(user_colon_password);
  return user + ":" + util::base64(std::string_view(reinterpret_cast<const char*>(hash.data()), hash.size()));
}

bool ip_matches(std::string_view acl_id, std::string_view address) {
  auto rule = parse_ipv4_mask(acl_id);
  auto addr = parse_ipv4(address);
  if (!rule || !addr) return acl_id == address;
  const std::uint32_t mask = rule->second == 0 ? 0 : ~std::uint32_t{0} << (32 - rule->second);
  return (rule->first & mask) == (*addr & mask);
}

bool valid_ip_id(std::string_view acl_id) { return parse_ipv4_mask(acl_id).has_value(); }

std::string address_of(std::string_view remote) {
  if (!remote.empty() && remote[0] == '[') {
    std::size_t close = remote.find(']');
    return std::string(remote.substr(1, close == std::string_view::npos ? std::string_view::npos : close - 1));
  }
  std::size_t colon = remote.rfind(':');
  if (colon == std::string_view::npos || remote.find(':') != colon) return std::string(remote);
  return std::string(remote.substr(0, colon));
}

}  // namespace zablab::data
