// Names and addresses of the simulated machines. Servers are endpoints 1..N (their myid),
// "s<N>", IP 10.0.0.<N>; clients are endpoints kClientBase + k, "c<k>", IP 10.0.1.<k>
// (10.0.<1 + k/256>.<k%256> beyond 255). Pure functions: the GUI and checkers use them too.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>

#include "core/env/env.h"
#include "sim/trace.h"

namespace zablab::sim {

inline constexpr EndpointId kClientBase = 1000;

inline bool is_client(EndpointId id) { return id > kClientBase; }
inline bool is_server(EndpointId id) { return id > 0 && id < kClientBase; }

// "s1", "c3"; "world" for kNoEndpoint.
std::string name_of(EndpointId id);
// "10.0.0.1" / "10.0.1.3".
std::string ip_of(EndpointId id);
// A client port's remote address as a server sees it: the client's IP and an ephemeral port
// derived from the connection id, "10.0.1.3:40007".
std::string remote_of(EndpointId id, ConnId conn);
// "s2:2181", "10.0.0.2:2181", "c1:..." -> (endpoint, port); nullopt if malformed or unknown form.
std::optional<std::pair<EndpointId, int>> resolve(const std::string& host_port);

}  // namespace zablab::sim
