// Crash points: named boundaries in a server's persistence sequence where a scenario can crash it
// exactly (`crash s2 after writing currentEpoch`), instead of hoping a random crash lands there.
//
// The core marks each boundary with a trace event EventKind::persist_point (persist.point, detail
// {"point":"NAME"}) -- QuorumPeer::persistence_point. A ServerHost with that point armed crashes
// the moment it is reached: nothing the handler does after it leaves the machine (no message, no
// disk write, no trace), and the disk keeps only what was durable, as in a power loss.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace zablab::sim {

struct CrashPoint {
  std::string_view name;                  // as the core names it: "after-current-epoch"
  std::vector<std::string_view> phrases;  // how a scenario may say it: "after writing currentEpoch"
  std::string_view where;                 // for docs and error messages
};

// Every point, in the order a learner reaches them when the code is correct.
const std::vector<CrashPoint>& crash_points();
// By name or by phrase (exact words); nullopt if neither.
std::optional<std::string_view> crash_point_named(std::string_view name_or_phrase);
// The name out of a persist.point detail; empty if there is none.
std::string crash_point_of(std::string_view detail);

}  // namespace zablab::sim
