// A state's fingerprint for the explorer's visited set: every server's protocol state (up or
// down, role, epochs, last logged and applied zxid, armed crash points), its durable disk (the
// bytes a power loss keeps, file by file), and the network (blocked links; per connection its
// ends, port and the bytes in flight each way). Virtual time, connection and session ids and
// trace seqs are left out: two paths that reach the same servers, disks and wires by different
// routes are one state.
#pragma once

#include <cstdint>

#include "sim/world.h"

namespace zablab::sim::explore {

std::uint64_t state_digest(World& world);

// The highest epoch any server has accepted (0 when none is up or it is not a quorum peer).
std::int64_t highest_accepted_epoch(World& world);

}  // namespace zablab::sim::explore
