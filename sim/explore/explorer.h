// Systematic bounded search over what can happen to an ensemble (`zablab-sim explore`).
//
// A state is the instant after a path of choices (sim/explore/choices.h) from a fresh ensemble
// with an elected leader. The simulator is deterministic, so a path is re-executed from the start
// to reach its state (replay from the prefix: simple and correct; the cost per state grows with
// the depth). The checkers look at every trace record of every run; the state's digest
// (sim/explore/state_digest.h) and the budget left go into the visited set, and a state seen
// before, as close to the root, is not expanded again. Timers pending at that instant are not in
// the digest: two states that differ only in them count as one. Breadth-first finds a shortest counterexample; depth-first reaches deep paths
// sooner. No wall clock here: the caller times, prints progress and asks to stop.
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
  std::uint64_t sim_events = 0;  // simulator events run, over all paths
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
  std::function<bool()> should_stop;                 // polled between states (Ctrl-C)
  std::function<void(const ExploreStats&)> on_progress;  // after every state
};

struct ExploreResult {
  ExploreStats stats;
  bool complete = false;  // every state within the bounds was explored
  bool stopped = false;   // should_stop() or max_states ended it
  std::optional<Counterexample> found;
};

// The scenario text of a path (also how the explorer runs it); `settle` lets one more step of
// virtual time pass after the last choice.
std::string path_scenario(const ExploreOptions& options, const std::vector<std::string>& lines, bool settle);

ExploreResult explore(const ExploreOptions& options);

}  // namespace zablab::sim::explore
