#include "sim/quorum_kind.h"

#include <cctype>

#include "core/quorum/quorum_peer.h"
#include "sim/check.h"

namespace zablab::sim {

ServerKind quorum_kind() {
  ServerKind kind;
  kind.name = "quorum";
  kind.make = [](Env& env, const server::ServerConfig& config) -> std::unique_ptr<Node> {
    return std::make_unique<quorum::QuorumPeer>(env, config);
  };
  kind.inspect = [](const Node& node, ServerState& state) {
    const auto* p = dynamic_cast<const quorum::QuorumPeer*>(&node);
    ZL_SIM_ASSERT(p != nullptr, "quorum_kind inspects only QuorumPeers");
    std::string role(quorum::state_name(p->state()));
    for (auto& ch : role) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    state.role = role;
    state.tree = &p->tree();
    state.last_zxid = p->tree().last_processed_zxid();
    state.znode_count = p->tree().node_count();
    state.connection_count = p->connection_count();
    for (const auto& [id, session] : p->sessions().sessions()) state.sessions.push_back({id, session.timeout_ms});
  };
  return kind;
}

void configure_ensemble(WorldOptions& options, int voters, int observers) {
  options.kind = quorum_kind();
  options.servers = voters + observers;
  options.server.quorum_servers.clear();
  for (int i = 1; i <= voters + observers; ++i) {
    server::QuorumServer s;
    s.sid = i;
    s.host = "s" + std::to_string(i);
    s.quorum_port = 2888;
    s.election_port = 3888;
    s.observer = i > voters;
    options.server.quorum_servers[i] = s;
  }
}

}  // namespace zablab::sim
