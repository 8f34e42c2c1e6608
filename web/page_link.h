// What the page's address keeps: the source (a shipped scenario or a live ensemble), its seed, the
// record the cursor is on and whether it plays, as the fragment after '#':
//
//   #scenario=leader-crash-committed-on-some&seed=1&at=123
//   #live=5&seed=7&at=40&play=1
//   #live=3&observers=1&at=200
//   #live=3&seed=1&do=120,crash.1,300&at=420
//
// and, for a live world, every action taken in it (`do`, web/page_actions.h),
// so a teacher can hand out a link to one moment of one run. Pure: no emscripten here.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace zablab::web {

struct Link {
  std::string scenario;                 // a shipped scenario's name (scenarios/NAME.scn), or ""
  int live = 0;                         // or a live world of this many voters (0: not live)
  int observers = 0;                    // and observers (live only)
  std::optional<std::uint64_t> seed;    // the seed ("" = the scenario's own, 1 for a live world)
  std::string actions;                  // live: what was done to the world (page_actions.h), unread here
  std::optional<std::uint64_t> at;      // the cursor's record (its seq, as the event list shows it)
  bool play = false;

  // Reads "a=1&b=2" (a leading '#' is skipped); unknown keys and bad numbers are ignored, and
  // named in `ignored` so the page can say so.
  static Link parse(const std::string& fragment, std::string& ignored);
  // The fragment without '#'; "" for a source a link cannot name (an opened file, the editor).
  std::string format() const;
  bool names_a_source() const { return !scenario.empty() || live > 0; }
  // The source for people: "leader-crash.scn, seed 3", "live world of 5".
  std::string source_name() const;
};

}  // namespace zablab::web
