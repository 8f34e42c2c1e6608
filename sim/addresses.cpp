#include "sim/addresses.h"

#include <charconv>

namespace zablab::sim {
namespace {

std::optional<std::int64_t> number(std::string_view s) {
  std::int64_t v = 0;
  auto res = std::from_chars(s.data(), s.data() + s.size(), v);
  if (res.ec != std::errc() || res.ptr != s.data() + s.size() || s.empty()) return std::nullopt;
  return v;
}

}  // namespace

std::string name_of(EndpointId id) {
  if (is_server(id)) return "s" + std::to_string(id);
  if (is_client(id)) return "c" + std::to_string(id - kClientBase);
  return id == kNoEndpoint ? "world" : "?" + std::to_string(id);
}

std::string ip_of(EndpointId id) {
  if (is_server(id)) return "10.0.0." + std::to_string(id);
  const std::int64_t k = id - kClientBase;
  return "10.0." + std::to_string(1 + k / 256) + "." + std::to_string(k % 256);
}

std::string remote_of(EndpointId id, ConnId conn) { return ip_of(id) + ":" + std::to_string(32768 + conn % 28000); }

std::optional<std::pair<EndpointId, int>> resolve(const std::string& host_port) {
  const auto colon = host_port.rfind(':');
  if (colon == std::string::npos) return std::nullopt;
  const std::string_view host = std::string_view(host_port).substr(0, colon);
  const auto port_number = number(std::string_view(host_port).substr(colon + 1));
  if (!port_number) return std::nullopt;
  const int p = static_cast<int>(*port_number);
  if (host.size() > 1 && host[0] == 's') {
    if (auto n = number(host.substr(1)); n && is_server(*n)) return std::make_pair(*n, p);
    return std::nullopt;
  }
  if (host.size() > 1 && host[0] == 'c') {
    if (auto n = number(host.substr(1)); n && *n > 0) return std::make_pair(kClientBase + *n, p);
    return std::nullopt;
  }
  // Dotted: 10.0.0.N is server N; 10.0.B.K with B >= 1 is client (B-1)*256 + K.
  if (host.substr(0, 5) != "10.0.") return std::nullopt;
  const std::string_view rest = host.substr(5);
  const auto dot = rest.find('.');
  if (dot == std::string_view::npos) return std::nullopt;
  auto b = number(rest.substr(0, dot));
  auto k = number(rest.substr(dot + 1));
  if (!b || !k || *k < 0 || *k > 255) return std::nullopt;
  if (*b == 0) {
    if (!is_server(*k)) return std::nullopt;
    return std::make_pair(*k, p);
  }
  return std::make_pair(kClientBase + (*b - 1) * 256 + *k, p);
}

}  // namespace zablab::sim
