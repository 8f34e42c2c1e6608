// Seed fuzzing: random fault schedules written as scenario files, and shrinking a failing one to
// a minimal scenario that still fails the same way.
//
// Each seed picks its options first ("swarm testing", as TigerBeetle's VOPR does): ensemble size,
// tick, observers, clients, which kinds of fault are allowed at all, how often they strike, the
// workload. Then it writes a scenario: workloads on a few paths (writes, sync+reads), a schedule
// of faults at absolute times (crashes, restarts, partitions, one-way cuts, slow links and disks,
// dropped client connections, total outages), and a liveness phase at the end: heal everything,
// restart every server, and require a leader, convergence and every acknowledged write. The
// checkers watch all of it.
//
// A failing scenario is shrunk by deleting steps (delta debugging) and then by making workloads
// smaller, keeping each change that still fails with the same signature (the same invariant, or
// the same failed expectation). Everything is deterministic: a seed always gives the same file.
#pragma once

#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "sim/scenario/runner.h"

namespace zablab::sim::scenario {

// What every seed of a sweep shares; the rest each seed picks itself.
struct FuzzShape {
  int servers = 0;                  // 3 or 5; 0 lets each seed pick
  std::string bug = "none";
  std::vector<std::string> faults;  // fault kinds every seed uses; empty lets each seed pick some
  Nanos fault_phase = 0;            // how long faults strike (virtual); 0 lets each seed pick 30..70 s
};

struct FuzzOptions {
  std::uint64_t first_seed = 1;
  std::uint64_t seeds = 100;
  int servers = 0;          // 3 or 5; 0 lets each seed pick
  std::string bug = "none";
  std::vector<std::string> faults;  // as in FuzzShape
  Nanos fault_phase = 0;
  bool shrink = true;
  std::ostream* out = nullptr;  // progress and the minimal scenario
  std::string out_dir = ".";    // where the minimal scenario file is written
};

struct FuzzCase {
  std::uint64_t seed = 0;
  std::string swarm;     // the options this seed picked, one line
  std::string scenario;  // the scenario file's text
};

// The scenario a seed generates.
FuzzCase generate_fuzz_case(std::uint64_t seed, int servers, const std::string& bug);
FuzzCase generate_fuzz_case(std::uint64_t seed, const FuzzShape& shape);

// The fault kinds the generator knows, in its order ("crash-leader", "partition", ...). A seed
// turns on those the swarm picks from itself (swarm_picks); a FuzzShape that names kinds overrides
// the pick.
const std::vector<std::string>& fuzz_fault_kinds();
bool swarm_picks(const std::string& kind);
// Parses "crash-leader,partition" (or "all", or a group: "crash", "network", "disk", "client")
// into kinds; on an unknown name returns an error message that lists the valid ones.
std::optional<std::string> parse_fault_list(const std::string& text, std::vector<std::string>& out);

// Runs a scenario's text (as the fuzzer and the shrinker do); a text that does not parse fails.
RunResult run_scenario_text(const std::string& text, const RunOptions& options = {});

// How a run failed, for comparing runs while shrinking: "violation:INVARIANT" or
// "fail:<the failing step's text>"; empty when the run passed.
std::string failure_signature(const RunResult& result);

// Deletes steps and shrinks workloads while `run(text)` keeps failing with `signature`.
// Returns the smallest text found; `runs` counts the scenario runs it took.
std::string shrink_scenario(const std::string& text, const std::string& signature, std::uint64_t* runs = nullptr,
                            std::ostream* progress = nullptr);

struct FuzzResult {
  std::uint64_t runs = 0;  // seeds run (not counting shrinking)
  std::optional<std::uint64_t> failing_seed;
  std::string signature;
  std::string original;  // the failing seed's scenario
  std::string minimal;   // after shrinking (== original without shrinking)
  std::string written_to;
  std::uint64_t shrink_runs = 0;
};

FuzzResult fuzz(const FuzzOptions& options);

}  // namespace zablab::sim::scenario
