// What a teacher did to a live world (steps, time jumps, faults, manual delivery, client-console
// commands: gui::LiveSource's inputs), written into the address as `do=...` and read back, so a
// link reopens "this moment of this run" with every action replayed. The simulator is
// deterministic: the same seed and the same inputs make the same records. Pure: no emscripten.
//
//   do=120,crash.1,300,hold,deliver.5.2,40,unhold,client_op.1001..create%2F/x..v1
//
// A bare number is that many steps; `@N` runs to virtual time N ns; `hold` / `unhold` switch
// manual delivery; `deliver.CONN.FROM` lets a held message go; any other word is a command
// (gui::CommandKind's name) with its fields, dot-separated and percent-encoded, trailing empty
// fields left out: a, b, groups (ids joined by '_', groups by '-'), text, op, data, flags
// ('e' ephemeral, 'w' watch).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "gui/model/source.h"

namespace zablab::web {

using Actions = std::vector<gui::LiveSource::Input>;

// Limits on what a link may ask a tab to run (a mistyped or hostile link must not hang it).
inline constexpr std::uint64_t kMaxLinkSteps = 1'000'000;
inline constexpr sim::Nanos kMaxLinkTime = 3600LL * 1'000'000'000LL;  // an hour of virtual time
inline constexpr std::size_t kMaxLinkActions = 10'000;

// The `do` value; "" when the inputs are only steps (the link's `at` says how far).
std::string format_actions(const Actions& actions);
// Reads a `do` value; false (and `error`, naming the bad entry) if it cannot.
bool parse_actions(std::string_view text, Actions& actions, std::string& error);

}  // namespace zablab::web
