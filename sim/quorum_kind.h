// Ensembles in the simulator: quorum peers (FLE + Zab) as a World's server kind.
#pragma once

#include "sim/server_kind.h"
#include "sim/world.h"

namespace zablab::sim {

// quorum::QuorumPeer; roles "looking", "following", "leading", "observing".
ServerKind quorum_kind();

// Sets `options` up for an ensemble: servers 1..voters vote, the next `observers` observe.
void configure_ensemble(WorldOptions& options, int voters, int observers = 0);

}  // namespace zablab::sim
