// Deliberate server bugs, kept as switches so that the simulator can show a checker catching
// each (sim/scenario/bugs.h). All off by default; nothing but the simulator's deliberate-bug
// mechanism turns one on, and a real server never does.
#pragma once

namespace zablab::server {

struct ServerBugs {
  // keep-expired-ephemerals: applying the closeSession of an expired session (the one a leader
  // makes itself, cxid 0) leaves the session's ephemerals in the tree, on every server.
  bool keep_expired_ephemerals = false;
};

}  // namespace zablab::server
