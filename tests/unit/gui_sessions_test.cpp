// The session and watch timeline, from a scenario's trace: a lock holder's session expires, its
// ephemeral node goes with it, and the waiter's watch fires and is delivered.
#include <catch2/catch.hpp>

#include "gui/model/controller.h"
#include "gui/model/sessions.h"

using namespace zablab;
using namespace zablab::gui;

TEST_CASE("gui/sessions: expiry removes ephemerals and fires the waiter's watch", "[gui]") {
  std::string error;
  auto source = run_scenario_file(std::string(ZABLAB_SOURCE_DIR) + "/scenarios/session-expiry-lock.scn", std::nullopt, error);
  REQUIRE(source);
  Controller c(std::move(source));
  c.update(0);
  const Timeline& t = c.timeline();
  const auto all = build_session_timeline(t, static_cast<std::int64_t>(t.size()) - 1);
  REQUIRE(all.sessions.size() == 2);
  const SessionSpan* expired = nullptr;
  for (const auto& s : all.sessions)
    if (s.end == "expired") expired = &s;
  REQUIRE(expired);
  CHECK(expired->client == 1001);
  CHECK(expired->timeout_ms == 4000);
  REQUIRE(expired->ephemerals_removed.size() == 1);
  CHECK(expired->ephemerals_removed[0].rfind("/lock/n-", 0) == 0);
  CHECK(expired->ephemerals.empty());
  // The server expired it once the client had been silent for its whole timeout.
  CHECK(expired->remaining_ms(expired->ended_ns) <= 0);
  CHECK(expired->remaining_ms(expired->ended_ns) > -1000);  // within a couple of 500 ms ticks

  // The other client waited on the holder's node: its watch fired NodeDeleted and arrived.
  REQUIRE_FALSE(all.watches.empty());
  const WatchSpan& w = all.watches.front();
  CHECK(w.client == 1002);
  CHECK(w.path == expired->ephemerals_removed[0]);
  CHECK(w.event == "NodeDeleted");
  CHECK(w.read == "exists");
  CHECK(w.set_seq >= 0);
  CHECK(static_cast<std::uint64_t>(w.set_seq) < w.fired_seq);
  CHECK(w.delivered_seq > static_cast<std::int64_t>(w.fired_seq));

  // Earlier, at the cursor of the expiry itself, the session is still ticking and the watch is
  // not fired yet.
  const auto before = build_session_timeline(t, expired->ended_seq - 1);
  const SessionSpan* s = before.session(expired->id);
  REQUIRE(s);
  CHECK(s->alive());
  CHECK(s->ephemerals.size() == 1);
  CHECK(before.watches.empty());
  CHECK(watch_event_name(3) == "NodeDataChanged");
}
