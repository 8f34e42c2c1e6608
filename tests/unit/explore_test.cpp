// The systematic explorer (sim/explore): bounds refused by name, partial-order reduction, a
// deliberate bug found with a counterexample that replays, and the correct code clean within
// small bounds.
#include <catch2/catch.hpp>

#include "sim/explore/bounds.h"
#include "sim/explore/choices.h"
#include "sim/explore/explorer.h"
#include "sim/scenario/fuzz.h"

using namespace zablab::sim;
using namespace zablab::sim::explore;

TEST_CASE("explore/bounds: an unknown bound is refused with the list of valid ones") {
  ExploreBounds b;
  auto err = parse_bounds("depth=4,max-crashs=2", b);
  REQUIRE(err);
  CHECK(err->find("unknown bound 'max-crashs'") != std::string::npos);
  CHECK(err->find("max-crashes") != std::string::npos);
  CHECK(err->find("max-epoch") != std::string::npos);
  CHECK(parse_bounds("depth=0", b)->find("between 1 and") != std::string::npos);
  CHECK_FALSE(parse_bounds("servers=5,max-crashes=3,depth=7", b));
  CHECK(b.servers == 5);
  CHECK(b.max_crashes == 3);
  CHECK(b.depth == 7);
}

namespace {

// Choices without crash points, partitions or writes, and `crashes` crashes.
ChoiceSpace space_with_crashes(int crashes) {
  ChoiceSpace space;
  space.bounds.max_crashes = crashes;
  space.bounds.max_crash_points = 0;
  space.bounds.max_partitions = 0;
  space.bounds.max_transactions = 0;
  return space;
}

}  // namespace

TEST_CASE("explore/choices: bounds limit the choices, and two same-instant crashes run in one order only") {
  ChoiceSpace space = space_with_crashes(1);
  const auto all_up = enabled_choices(space, {true, true, true}, {});
  int crashes = 0;
  for (const auto& c : all_up) crashes += c.kind == Choice::Kind::crash ? 1 : 0;
  CHECK(crashes == 3);
  Used one_crash;
  one_crash.crashes = 1;
  for (const auto& c : enabled_choices(space, {false, true, true}, one_crash)) {
    CHECK(c.kind != Choice::Kind::crash);
    CHECK(c.kind != Choice::Kind::crash_at_message);
  }
  const Choice crash1{Choice::Kind::crash, 1, "after 0s: crash s1"};
  const Choice crash2{Choice::Kind::crash, 2, "after 0s: crash s2"};
  const Choice wait{Choice::Kind::wait, 0, "after 3000ms: note \"wait\""};
  CHECK(redundant_order(crash2, crash1));
  CHECK_FALSE(redundant_order(crash1, crash2));
  CHECK_FALSE(redundant_order(wait, crash1));
}

TEST_CASE("explore: commit-without-quorum is found breadth-first with a shortest path that replays") {
  ExploreOptions o;
  o.bug = "commit-without-quorum";
  REQUIRE_FALSE(parse_bounds("max-crashes=0,max-restarts=0,max-crash-points=0,max-partitions=0,max-transactions=1,depth=2",
                             o.space.bounds));
  const ExploreResult r = zablab::sim::explore::explore(o);
  REQUIRE(r.found);
  CHECK(r.found->signature == "violation:zab.commit-quorum");
  CHECK(r.found->length <= 1);  // the session's own createSession may already do it
  const scenario::RunResult again = scenario::run_scenario_text(r.found->scenario);
  CHECK(scenario::failure_signature(again) == r.found->signature);
}

TEST_CASE("explore: the correct code is clean within small bounds, and the search says it finished") {
  ExploreOptions o;
  REQUIRE_FALSE(parse_bounds("max-crashes=1,max-restarts=1,max-crash-points=0,max-partitions=0,max-transactions=1,depth=2",
                             o.space.bounds));
  o.space.messages = {"UPTODATE"};
  const ExploreResult r = zablab::sim::explore::explore(o);
  CHECK_FALSE(r.found);
  CHECK(r.complete);
  CHECK(r.stats.states > 10);
  CHECK(r.stats.distinct > 5);
  CHECK(r.stats.distinct <= r.stats.states);
}

TEST_CASE("explore/choices: reads are choices only under max-reads, by both clients, plain and after a sync") {
  ChoiceSpace space;
  space.bounds.max_crashes = 0;
  space.bounds.max_crash_points = 0;
  space.bounds.max_partitions = 0;
  auto reads_in = [&](const Used& used) {
    std::vector<std::string> lines;
    for (const auto& c : enabled_choices(space, {true, true, true}, used))
      if (c.kind == Choice::Kind::read) lines.push_back(c.line);
    return lines;
  };
  CHECK(reads_in({}).empty());  // max-reads defaults to 0: the old state spaces stay as they were
  space.bounds.max_reads = 1;
  Used two_writes;
  two_writes.transactions = 2;
  const auto lines = reads_in(two_writes);
  REQUIRE(lines.size() == 4);
  CHECK(lines[0] == "after 0s: c1 get /t2");  // the newest write's znode
  CHECK(lines[1] == "after 0s: c1 sync /t2\nwhen c1 done within 3000ms: c1 get /t2");
  CHECK(lines[2] == "after 0s: c2 get /t2");
  const Choice read{Choice::Kind::read, 0, lines[3]};
  CHECK(after(two_writes, read).reads == 1);
  CHECK(reads_in(after(two_writes, read)).empty());

  // A path with a synced read by the follower's client runs, and the correct code passes it.
  ExploreOptions o;
  o.space = space;
  Used one_write;
  one_write.transactions = 1;
  const std::string text = path_scenario(o, {"after 0s: c1 create /t1 \"1\"", reads_in(one_write)[3]}, true);
  CHECK(text.find("client c2 on s1") != std::string::npos);
  const scenario::RunResult r = scenario::run_scenario_text(text);
  INFO(text);
  CHECK(r.verdict() == "PASS");
  CHECK(r.ops_ok >= 3);  // the create, the sync and the read
}

TEST_CASE("explore: an expired session's ephemerals are choices under max-ephemerals, and keep-expired-ephemerals is found") {
  ChoiceSpace space = space_with_crashes(0);
  auto lines = [&](const Used& used) {
    std::vector<std::string> out;
    for (const auto& c : enabled_choices(space, {true, true, true}, used))
      if (c.kind == Choice::Kind::ephemeral || c.kind == Choice::Kind::stop_owner) out.push_back(c.line);
    return out;
  };
  CHECK(lines({}).empty());  // max-ephemerals defaults to 0
  space.bounds.max_ephemerals = 1;
  REQUIRE(lines({}) == std::vector<std::string>{"after 0s: c3 create /e1 \"1\" ephemeral"});
  Used one;
  one.ephemerals = 1;
  CHECK(lines(one) == std::vector<std::string>{"after 0s: stop c3"});
  CHECK(lines(after(one, {Choice::Kind::stop_owner, 0, "after 0s: stop c3"})).empty());

  ExploreOptions o;
  o.space = space;
  o.space.bounds.depth = 4;
  o.breadth_first = false;
  const ExploreResult clean = zablab::sim::explore::explore(o);
  CHECK_FALSE(clean.found);
  CHECK(clean.complete);
  CHECK(clean.stats.states > 5);
  o.bug = "keep-expired-ephemerals";
  const ExploreResult r = zablab::sim::explore::explore(o);
  REQUIRE(r.found);
  CHECK(r.found->signature == "violation:client.ephemeral-lifetime");
  CHECK(r.found->scenario.find("stop c3") != std::string::npos);
  const scenario::RunResult again = scenario::run_scenario_text(r.found->scenario);
  CHECK(scenario::failure_signature(again) == r.found->signature);
}
