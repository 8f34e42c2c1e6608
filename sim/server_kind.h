// What kind of server a world runs, as a plug: how to build one Node and how to read its state.
// The kinds: the standalone server (standalone_kind, below), the ensemble member (quorum_kind,
// sim/quorum_kind.h: roles "leading"/"following"/"observing"/"looking") and the deliberately
// buggy members of sim/scenario/bugs.h. A kind brings its own roles and state without touching
// the hosts or the World.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/data/data_tree.h"
#include "core/env/node.h"
#include "core/server/server_config.h"
#include "sim/trace.h"

namespace zablab::sim {

struct SessionInfo {
  std::int64_t id = 0;
  std::int32_t timeout_ms = 0;
  bool operator==(const SessionInfo&) const = default;
};

// One server as checkers and the visualizer see it. Pointers are valid until the world steps.
struct ServerState {
  EndpointId id = kNoEndpoint;
  std::string name;  // "s1"
  bool up = false;
  int incarnation = 0;                // 1 after the first start, +1 per restart
  std::string down_reason;            // why it is down: "crash", or what Env::shutdown said
  std::string role;                   // "standalone", ...; "down" when not up
  std::int64_t last_zxid = -1;        // the last zxid applied to its data tree
  std::vector<SessionInfo> sessions;  // live sessions, by id
  std::size_t znode_count = 0;
  std::size_t connection_count = 0;
  const data::DataTree* tree = nullptr;  // nullptr when down
};

struct ServerKind {
  std::string name;
  std::function<std::unique_ptr<Node>(Env& env, const server::ServerConfig& config)> make;
  // Fills role, zxids, sessions, tree... from a running node built by `make`.
  std::function<void(const Node& node, ServerState& state)> inspect;
};

// server::ServerCore run alone: the standalone server, role "standalone".
ServerKind standalone_kind();

}  // namespace zablab::sim
