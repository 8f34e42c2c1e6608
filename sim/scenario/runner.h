// Runs a parsed scenario in a fresh sim::World: builds the ensemble and clients, then plays the
// script step by step while the checkers look at every trace record. The run stops at the first
// invariant violation (reported with the record's seq), at a failed expectation or action, at
// `end`, or after the last step.
//
// The script's actions, expectations and the details of client replies are added to the trace
// (kinds scenario.action, scenario.expect, op.result, recipe.holds, check.violation), so a
// recording of the run says what happened and why, and can be checked again without the
// simulator (zablab-sim replay).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "sim/checkers/checkers.h"
#include "sim/scenario/scenario.h"
#include "sim/world.h"

namespace zablab::sim::scenario {

struct RunOptions {
  std::optional<std::uint64_t> seed;  // overrides the scenario's
  std::optional<std::string> bug;     // overrides the scenario's (a name from bug_catalog, or "none")
  std::ostream* out = nullptr;        // the timeline and the verdict; nullptr: silent
  bool verbose = false;               // every Zab message and commit in the timeline
  // Called once the world is built, before it starts (a trace recorder subscribes here).
  std::function<void(World&)> on_world;
  // Called when the run is over, before the world is torn down (whose teardown still makes trace
  // records: a recorder finishes here so that it keeps exactly the run's records).
  std::function<void(World&, const struct RunResult&)> on_end;
  // Keep every trace record in memory (expectations `saw`/`never` and replay-free tests need it).
  bool retain_trace = true;
};

struct RunResult {
  bool passed = false;
  std::optional<check::Violation> violation;  // the first one found
  bool violation_expected = false;            // the scenario said `expect violation` for it
  std::vector<std::string> failures;          // "file:line:col: at 12.3s: ..." (expectations, actions)
  std::uint64_t seed = 0;
  std::uint64_t records = 0;
  std::string trace_hash;
  Nanos end_time = 0;
  std::uint64_t ops_ok = 0;
  std::uint64_t ops_failed = 0;

  // "PASS", "PASS (expected violation of X)", "VIOLATION X", "FAIL".
  std::string verdict() const;
};

RunResult run_scenario(const Scenario& scenario, const RunOptions& options = {});

// The names of the network profiles' latencies, for docs and `zablab-sim profiles`.
Latency network_latency(const std::string& profile);

}  // namespace zablab::sim::scenario
