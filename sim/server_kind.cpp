#include "sim/server_kind.h"

#include "core/server/server_core.h"
#include "sim/check.h"

namespace zablab::sim {

ServerKind standalone_kind() {
  ServerKind kind;
  kind.name = "standalone";
  kind.make = [](Env& env, const server::ServerConfig& config) -> std::unique_ptr<Node> {
    return std::make_unique<server::ServerCore>(env, config);
  };
  kind.inspect = [](const Node& node, ServerState& state) {
    const auto* s = dynamic_cast<const server::ServerCore*>(&node);
    ZL_SIM_ASSERT(s != nullptr, "standalone_kind inspects only a ServerCore");
    state.role = "standalone";
    state.tree = &s->tree();
    state.last_zxid = s->tree().last_processed_zxid();
    state.znode_count = s->tree().node_count();
    state.connection_count = s->connection_count();
    for (const auto& [id, session] : s->sessions().sessions()) state.sessions.push_back({id, session.timeout_ms});
  };
  return kind;
}

}  // namespace zablab::sim
