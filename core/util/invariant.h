// Always-on invariants, in the style of TigerBeetle's assertions: cheap checks that stay in
// release builds. One that does not hold means the code itself is wrong, and going on could
// corrupt what a server holds or make it tell its peers something false: the server stops
// instead (or, where a peer's packet would break one, refuses that packet). The message names
// the invariant and the values that broke it, so that a log line alone says what happened.
#pragma once

#include <optional>
#include <string>

namespace zablab::util {

// An invariant that did not hold: which one, and the values that broke it.
struct Breach {
  std::string invariant;  // what must hold, e.g. "a leader proposes above its last zxid"
  std::string values;     // what was found, e.g. "zxid 0x100000003, last 0x100000005"
};

// "invariant broken: <invariant> (<values>)"
std::string describe(const Breach& breach);

// nullopt when `holds`; the breach otherwise. `values` is called only then, so that building
// its text costs nothing while the invariant holds.
template <class Values>
std::optional<Breach> check(bool holds, const char* invariant, Values&& values) {
  if (holds) return std::nullopt;
  return Breach{invariant, values()};
}

}  // namespace zablab::util
