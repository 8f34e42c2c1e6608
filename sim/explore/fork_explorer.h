// Depth-first search that reaches each state by forking the process that holds its parent state,
// instead of re-running its path from the start (sim/explore/explorer.h has the search itself).
//
// The process holding a state forks one child per enabled choice, in the choices' order, and
// waits for each before forking the next: the child plays that one step on its copy of the live
// world (copy-on-write), the checkers look at what it made, and it counts the state, writes its
// digest into the visited table and exits, saying whether the state is to be expanded. Then, in
// reverse order (the replaying explorer's stack pops the last pushed first), the parent forks one
// child per state to expand; that child plays the step again (same world, same step: the same
// state) and does the same from there. Only one process runs at any time, the counters and the
// visited table live in a shared mapping, and every process touches them in the order the
// replaying explorer does: the search, its counts and the counterexample it finds are the same.
// No threads; a fork is a copy of a deterministic, single-threaded process.
//
// A child dies with its parent (PR_SET_PDEATHSIG), so Ctrl-C or a killed explorer leaves no
// processes behind. Where there is no fork() (the web build), fork_available() is false and the
// explorer replays.
#pragma once

#include "sim/explore/explorer.h"

namespace zablab::sim::explore {

bool fork_available();

// Depth-first only (`options.breadth_first` is ignored). Without fork(), returns an error.
ExploreResult explore_forking(const ExploreOptions& options);

}  // namespace zablab::sim::explore
