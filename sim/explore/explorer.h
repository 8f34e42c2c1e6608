// Systematic bounded search over what can happen to an ensemble (`zablab-sim explore`).
//
// A state is the instant after a path of choices (sim/explore/choices.h) from a fresh ensemble
// with an elected leader. The checkers look at every trace record; the state's digest
// (sim/explore/state_digest.h) and the budget left go into the visited set, and a state seen
// before, as close to the root, is not expanded again. Timers pending at that instant are not in
// the digest: two states that differ only in them count as one. Breadth-first finds a shortest
// counterexample; depth-first reaches deep paths sooner. No wall clock here: the caller times,
// prints progress and asks to stop.
//
// Two ways to reach a state, with the same states, counts and counterexample for the same bounds:
//  - replay (breadth-first, `--replay`, and where there is no fork()): the path is re-run as a
//    scenario from the start; simple, and the cost of a state grows with its depth;
//  - fork (depth-first, sim/explore/fork_explorer.h): the process holding a state forks a copy of
//    itself per choice, which plays that one step on its live world; a state costs one step.
//
//   ExploreOptions o;  o.bug = "commit-without-quorum";
//   ExploreResult r = explore(o);   // r.found->scenario replays with `zablab-sim run`
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "sim/explore/choices.h"
#include "sim/scenario/runner.h"

namespace zablab::sim::explore {

struct ExploreStats {
  std::uint64_t states = 0;     // paths run (each a state reached), the root included
  std::uint64_t distinct = 0;   // states with a digest not seen before
  std::uint64_t pruned_order = 0;  // choices left out by partial-order reduction
  std::uint64_t pruned_epoch = 0;  // states not expanded: an epoch above max-epoch
  std::uint64_t failed_runs = 0;   // paths whose run failed for another reason than a violation
  int depth = 0;                // the depth being explored (breadth-first) or the deepest reached
  std::uint64_t frontier = 0;   // states waiting to be expanded
  double branching = 0;         // mean choices per expanded state
  std::uint64_t sim_events = 0;  // trace records made: replay, by every path's whole run; fork,
                                 // by the steps run (a state's path prefix runs once)
};

struct Counterexample {
  std::string scenario;   // the path as a scenario (header, steps; a settling step at the depth bound)
  std::string signature;  // "violation:zab.primary-integrity"
  std::string what;       // the violation described
  int length = 0;         // choices on the path
};

struct ExploreOptions {
  ChoiceSpace space;
  std::string bug = "none";
  bool breadth_first = true;
  std::uint64_t max_states = 0;                      // 0: no limit (the bounds still apply)
  // Polled between states (Ctrl-C). Depth-first, it is called in forked processes: what it reads
  // must be shared with them (the CLI keeps its SIGINT flag in shared memory).
  std::function<bool()> should_stop;
  std::function<void(const ExploreStats&)> on_progress;  // after every state (forked processes too)
  // Depth-first re-runs every path from the start instead of forking (breadth-first always does).
  bool replay = false;
  // Forking search: slots of the visited table every process shares (a power of two, 16 bytes
  // each, touched as they fill); at three quarters full it stops deduplicating and says so.
  std::uint64_t visited_slots = std::uint64_t{1} << 23;
};

struct ExploreResult {
  ExploreStats stats;
  bool complete = false;  // every state within the bounds was explored
  bool stopped = false;   // should_stop() or max_states ended it
  std::optional<Counterexample> found;
  bool forked = false;        // reached states by forking (else by replaying paths)
  bool visited_full = false;  // the visited table filled: later states were not deduplicated, and
                              // `distinct` counts them all (an upper bound)
  std::string error;          // the search itself failed (a search process died): what and where
};

// The scenario text of a path (also how the explorer runs it); `settle` lets one more step of
// virtual time pass after the last choice.
std::string path_scenario(const ExploreOptions& options, const std::vector<std::string>& lines, bool settle);

// The visited set's key for a state: its digest and the budget left. The same servers with more
// crashes to spend lead further (as TLC counts its fault counters among the variables).
std::uint64_t visited_key(std::uint64_t digest, const Used& used);

// The counterexample a violating run at the end of `path` makes.
Counterexample make_counterexample(const ExploreOptions& options, const std::vector<Choice>& path, bool settle,
                                   const scenario::RunResult& result);

// Depth-first forks where the platform can (unless `replay`); breadth-first replays.
ExploreResult explore(const ExploreOptions& options);

}  // namespace zablab::sim::explore
