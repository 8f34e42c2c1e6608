// The forking explorer (sim/explore/fork_explorer.h) against the replaying one: the same states,
// distinct states, counters and counterexample for the same bug and bounds; a visited table that
// fills up says so and the search still ends.
#include <catch2/catch.hpp>

#include "sim/explore/explorer.h"
#include "sim/explore/fork_explorer.h"

using namespace zablab::sim;
using namespace zablab::sim::explore;

namespace {

ExploreOptions depth_first(const std::string& bug, const std::string& bounds, std::vector<std::string> messages = {}) {
  ExploreOptions o;
  o.bug = bug;
  o.breadth_first = false;
  o.space.messages = std::move(messages);  // crash-at-message choices (a `when` step)
  REQUIRE_FALSE(parse_bounds(bounds, o.space.bounds));
  return o;
}

void require_same_search(const ExploreResult& forked, const ExploreResult& replayed) {
  CHECK(forked.forked);
  CHECK_FALSE(replayed.forked);
  CHECK(forked.error.empty());
  CHECK(forked.stats.states == replayed.stats.states);
  CHECK(forked.stats.distinct == replayed.stats.distinct);
  CHECK(forked.stats.pruned_order == replayed.stats.pruned_order);
  CHECK(forked.stats.pruned_epoch == replayed.stats.pruned_epoch);
  CHECK(forked.stats.failed_runs == replayed.stats.failed_runs);
  CHECK(forked.stats.depth == replayed.stats.depth);
  CHECK(forked.stats.frontier == replayed.stats.frontier);
  CHECK(forked.stats.branching == replayed.stats.branching);
  CHECK(forked.complete == replayed.complete);
  CHECK(forked.stopped == replayed.stopped);
  REQUIRE(forked.found.has_value() == replayed.found.has_value());
  if (forked.found) {
    CHECK(forked.found->signature == replayed.found->signature);
    CHECK(forked.found->length == replayed.found->length);
    CHECK(forked.found->scenario == replayed.found->scenario);
    CHECK(forked.found->what == replayed.found->what);
  }
}

ExploreResult replaying(ExploreOptions o) {
  o.replay = true;
  return zablab::sim::explore::explore(o);
}

}  // namespace

TEST_CASE("explore/fork: the same states, counts and counterexample as replaying each path") {
  REQUIRE(fork_available());  // Linux and macOS; the web build, which has none, builds no tests
  struct Case {
    std::string bug, bounds;
    std::vector<std::string> messages;
    std::vector<std::string> points;
  };
  const std::vector<Case> cases = {
      {"none", "max-crashes=1,max-restarts=1,max-crash-points=1,max-partitions=1,max-transactions=1,max-reads=1,depth=2",
       {"UPTODATE"}, {"after-current-epoch"}},
      {"reorder-proposal", "max-crashes=0,max-restarts=0,max-crash-points=0,max-partitions=0,max-transactions=2,depth=4", {}, {}},
      {"election-ignores-zxid",
       "max-crashes=2,max-restarts=2,max-crash-points=0,max-partitions=0,max-transactions=1,depth=9", {}, {}},
  };
  for (const auto& [bug, bounds, messages, points] : cases) {
    INFO(bug << " " << bounds);
    ExploreOptions o = depth_first(bug, bounds, messages);
    o.space.crash_points = points;
    const ExploreResult forked = zablab::sim::explore::explore(o);
    const ExploreResult replayed = replaying(o);
    require_same_search(forked, replayed);
    CHECK(forked.found.has_value() == (bug != "none"));
    CHECK(forked.stats.states > 3);
  }
}

TEST_CASE("explore/fork: --max-states stops both searches at the same state with the same frontier") {
  REQUIRE(fork_available());  // Linux and macOS; the web build, which has none, builds no tests
  ExploreOptions o = depth_first("none", "max-crashes=1,max-restarts=1,max-crash-points=0,max-partitions=1,max-transactions=1,depth=4");
  o.max_states = 40;
  const ExploreResult forked = zablab::sim::explore::explore(o);
  require_same_search(forked, replaying(o));
  CHECK(forked.stopped);
  CHECK(forked.stats.states == 40);
  CHECK(forked.stats.frontier > 0);
}

TEST_CASE("explore/fork: a full visited table is reported, and the search goes on without deduplicating") {
  REQUIRE(fork_available());  // Linux and macOS; the web build, which has none, builds no tests
  ExploreOptions o = depth_first("none", "max-crashes=1,max-restarts=1,max-crash-points=0,max-partitions=0,max-transactions=1,depth=3");
  const ExploreResult roomy = zablab::sim::explore::explore(o);
  o.visited_slots = 16;  // twelve keys, then full
  const ExploreResult cramped = zablab::sim::explore::explore(o);
  CHECK_FALSE(roomy.visited_full);
  REQUIRE(roomy.stats.distinct > 12);
  CHECK(cramped.visited_full);
  CHECK(cramped.error.empty());
  CHECK(cramped.complete);
  CHECK(cramped.stats.states >= roomy.stats.states);
  CHECK(cramped.stats.distinct >= roomy.stats.distinct);
}
