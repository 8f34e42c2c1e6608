// The explorer's choices: what may happen next in a state, each one a scenario step, so that a
// path of choices is a scenario `zablab-sim run` replays as is.
//
// Actions happen at once ("after 0s: crash s2"); only `wait` lets virtual time pass (timers fire,
// messages arrive, elections run). A crash at a message ("when s1 receives UPTODATE within 3s:
// crash s1") waits for that message instead.
#pragma once

#include <string>
#include <vector>

#include "sim/explore/bounds.h"
#include "sim/time.h"

namespace zablab::sim::explore {

// What the search has used so far along a path (the bounds limit these).
struct Used {
  int crashes = 0;
  int restarts = 0;
  int partitions = 0;
  int crash_points = 0;
  int transactions = 0;
  int reads = 0;
  bool partitioned = false;
  int ephemerals = 0;
  bool owner_stopped = false;  // c3's process died (its session expires)
};

struct Choice {
  enum class Kind { wait, crash, crash_at_message, crash_point, restart, isolate, heal, write, read, ephemeral, stop_owner };
  Kind kind = Kind::wait;
  int server = 0;     // 1-based; 0 when it names none
  std::string line;   // the scenario step (a read after a sync is two: the sync, then the read once it returned)
};

struct ChoiceSpace {
  ExploreBounds bounds;
  Nanos step = 3 * kSecond;                 // how long `wait` lets time run
  std::vector<std::string> messages = {"NEWLEADER", "UPTODATE", "DIFF"};  // crash-at-message packets
  std::vector<std::string> crash_points;    // names (sim/crash_points.h); empty: all of them
};

// Every choice enabled in a state where `up[i]` says whether server i+1 runs.
std::vector<Choice> enabled_choices(const ChoiceSpace& space, const std::vector<bool>& up, const Used& used);
// `used` after taking `c`.
Used after(const Used& used, const Choice& c);

// Partial-order reduction: two instant actions on different servers commute (nothing runs between
// them), so of the two orders only the one by ascending server is explored. False when `next`,
// taken right after `previous`, is the order left out.
bool redundant_order(const Choice& previous, const Choice& next);

}  // namespace zablab::sim::explore
