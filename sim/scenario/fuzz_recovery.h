// The fuzzer's recovery faults: a follower misses txns, comes back, and something crashes at a
// chosen step of its resynchronisation -- where the real Zab bugs live (ZOOKEEPER-3911, -4643,
// -4646). A random crash almost never lands there; these faults aim for it.
//
//   crash-at-message   ... when lag1 receives UPTODATE within 20s: power-off all; restart lag1; restart oth1
//   crash-point        ... crash lag1 at after-current-epoch; restart lag1
//                      when lag1 goes down within 20s: kill all; restart lag1; restart oth1
//
// (each crash a `kill` or a `power-off`, as the fuzzer draws it; an armed crash point is a `crash`)
//
// Each starts by crashing the lowest-numbered follower (bound as lagN) and, often, a second one
// (othN) so that the leader loses its quorum and the lagging server's ACK counts in a new epoch.
// The scenario must be `lenient`: a step whose target or event never comes is skipped.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "core/util/prng.h"
#include "sim/time.h"

namespace zablab::sim::scenario {

struct RecoveryFault {
  std::string kind;  // "crash-at-message" or "crash-point"
  Nanos at = 0;      // when the first crash happens (absolute)
  int number = 1;    // names this fault's servers lagN / othN (unique within a scenario)
  int servers = 3;   // voters + observers, for picking a random server
  bool arm_point = true;  // crash-point: false turns it into a plain crash-at-message
  // The word for each crash it writes, "kill" or "power-off" (the fuzzer draws it from a stream
  // of its own); unset writes "crash". An armed crash point is always a `crash ... at POINT`.
  std::function<std::string()> crash_word;
};

// The step lines of one recovery fault, each ending in "\n". Draws from `rng` only (and whatever
// `crash_word` draws from).
std::string recovery_fault_steps(util::Prng& rng, const RecoveryFault& fault);

}  // namespace zablab::sim::scenario
