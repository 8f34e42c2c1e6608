// The scenario language: what a good file parses to, and every kind of mistake reported as
// file:line:col with nothing to run.
#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>
#include <string>

#include "core/jute/codes.h"
#include "sim/scenario/scenario.h"
#include "tests/unit/scenario_files.h"

using namespace zablab;
using namespace zablab::sim;
using namespace zablab::sim::scenario;

TEST_CASE("scenario/parser: a teacher's file parses into settings and steps") {
  const std::string text = R"(# A comment line.
scenario "leader crash"
ensemble 5 observers 1
tick 500ms
init-limit 8
sync-limit 4
network wan
seed 42
time-limit 2m
client c1 on s1,s2 session 6s
client c2

when leader elected within 10s: c1 create /a "x y" ephemeral sequential   # trailing comment
at 1.5s: crash leader as old; partition {s1, c1} | {rest}
after 500ms: cut s2 -> s3; restore s3 <-> s4; latency leader -> s1 10ms..20ms
when s2 sends PROPOSAL to s3 zxid 0x100000003: heal
c2 writes 20 per second for 3s on /w
c2 reads 5 per second for 1s with sync
c1 creates 600 nodes under /bulk
c1 locks /lock herd
disk s1 slow 200ms; disk s2 full
flap s1 <-> s2 every 700ms for 10s
restart old
expect /a = "x y" on all within 5s
expect saw old receives TRUNC
expect c1 connected to s2 within 3s
expect notifications <= 1
expect violation zab.primary-integrity
)";
  ParseResult r = parse_scenario(text, "leader.scn");
  INFO(r.describe("leader.scn"));
  REQUIRE(r.errors.empty());
  REQUIRE(r.scenario);
  const Scenario& s = *r.scenario;
  CHECK(s.title == "leader crash");
  CHECK(s.voters == 5);
  CHECK(s.observers == 1);
  CHECK(s.tick_ms == 500);
  CHECK(s.init_limit == 8);
  CHECK(s.sync_limit == 4);
  CHECK(s.network == "wan");
  CHECK(s.seed == 42);
  CHECK(s.time_limit == 2 * kMinute);
  REQUIRE(s.clients.size() == 2);
  CHECK(s.clients[0].servers == std::vector<std::int64_t>{1, 2});
  CHECK(s.clients[0].session_timeout == 6 * kSecond);
  CHECK(s.clients[1].servers.empty());
  CHECK(s.expect_violation == std::optional<std::string>("zab.primary-integrity"));
  REQUIRE(s.steps.size() == 15);

  const Step& first = s.steps[0];
  CHECK(first.loc.line == 13);
  CHECK(first.trigger.kind == Trigger::Kind::when);
  CHECK(first.trigger.event.kind == Event::Kind::leader_elected);
  CHECK(first.trigger.within == 10 * kSecond);
  CHECK(first.trigger_text == "when leader elected within 10s");
  REQUIRE(first.actions.size() == 1);
  CHECK(first.actions[0].kind == Action::Kind::client_op);
  CHECK(first.actions[0].word == "create");
  CHECK(first.actions[0].data == std::optional<std::string>("x y"));
  CHECK(first.actions[0].flags == create_mode::ephemeral_sequential);
  CHECK(first.actions[0].text == "c1 create /a \"x y\" ephemeral sequential");

  const Step& crash = s.steps[1];
  CHECK(crash.trigger.kind == Trigger::Kind::at);
  CHECK(crash.trigger.time == 1500 * kMillisecond);
  REQUIRE(crash.actions.size() == 2);
  CHECK(crash.actions[0].kind == Action::Kind::crash);
  CHECK(crash.actions[0].targets[0].kind == Target::Kind::leader);
  CHECK(crash.actions[0].bind_as == "old");
  CHECK(crash.actions[1].kind == Action::Kind::partition);
  REQUIRE(crash.actions[1].groups.size() == 2);
  CHECK(crash.actions[1].groups[0].size() == 2);
  CHECK(crash.actions[1].groups[1][0].kind == Target::Kind::rest);

  const Step& links = s.steps[2];
  CHECK(links.trigger.kind == Trigger::Kind::after);
  REQUIRE(links.actions.size() == 3);
  CHECK_FALSE(links.actions[0].both_ways);
  CHECK(links.actions[1].both_ways);
  CHECK(links.actions[2].duration == 10 * kMillisecond);
  CHECK(links.actions[2].duration2 == 20 * kMillisecond);

  const Event& sends = s.steps[3].trigger.event;
  CHECK(sends.kind == Event::Kind::sends);
  CHECK(sends.word == "PROPOSAL");
  CHECK(sends.subject.index == 2);
  REQUIRE(sends.peer);
  CHECK(sends.peer->index == 3);
  CHECK(sends.zxid == std::optional<std::int64_t>(0x100000003));

  CHECK(s.steps[4].actions[0].kind == Action::Kind::workload);
  CHECK(s.steps[4].actions[0].count == 20);
  CHECK(s.steps[4].actions[0].path == "/w");
  CHECK(s.steps[5].actions[0].herd);  // reads ... with sync
  CHECK(s.steps[6].actions[0].word == "creates");
  CHECK(s.steps[7].actions[0].kind == Action::Kind::recipe);
  CHECK(s.steps[7].actions[0].herd);
  CHECK(s.steps[8].actions[1].word == "full");
  CHECK(s.steps[9].actions[0].kind == Action::Kind::flap);
  CHECK(s.steps[10].actions[0].targets[0].kind == Target::Kind::name);
  const Expectation& value = s.steps[11].actions[0].expect;
  CHECK(value.kind == Expectation::Kind::path_value);
  CHECK(value.value == std::optional<std::string>("x y"));
  CHECK(value.within == 5 * kSecond);
  CHECK(s.steps[12].actions[0].expect.event.kind == Event::Kind::receives);
  REQUIRE(s.steps[13].actions[0].expect.server);
  CHECK(s.steps[13].actions[0].expect.server->index == 2);
  CHECK(s.steps[14].actions[0].expect.word == "<=");
}

namespace {

// The one error a text produces, as "file:line:col: message".
std::string only_error(const std::string& text) {
  ParseResult r = parse_scenario(text, "bad.scn");
  CHECK_FALSE(r.scenario);  // nothing runs
  REQUIRE(r.errors.size() == 1);
  return r.describe("bad.scn");
}

const std::string kHead = "ensemble 3\nclient c1\n";  // two lines: steps below start on line 3

}  // namespace

TEST_CASE("scenario/parser: each mistake is reported with file, line and column") {
  struct Case {
    std::string text;
    std::string error;
  };
  const std::vector<Case> cases = {
      {kHead + "explode s1\n", "bad.scn:3:1: unknown action 'explode'\n"},
      {kHead + "at 5s crash s1\n", "bad.scn:3:7: expected ':', found 'crash'\n"},
      {kHead + "at 5xs: crash s1\n", "bad.scn:3:5: unknown time unit 'xs' (use ms, s, m or h)\n"},
      {kHead + "at 5: crash s1\n", "bad.scn:3:4: expected a time with a unit (e.g. 500ms, 2s), found '5'\n"},
      {kHead + "c9 create /a\n", "bad.scn:3:1: unknown client 'c9' (declare it with `client c9`)\n"},
      {kHead + "crash s7\n", "bad.scn:3:7: there is no server s7: the ensemble has 3 servers\n"},
      {kHead + "c1 create /a \"oops\n", "bad.scn:3:14: unterminated string\n"},
      {kHead + "c1 create a\n", "bad.scn:3:11: expected a znode path starting with '/', found 'a'\n"},
      {kHead + "c1 create /a/\n", "bad.scn:3:11: a znode path does not end with '/'\n"},
      {kHead + "restart foo\n", "bad.scn:3:9: unknown name 'foo' (bind one with `crash ... as foo`)\n"},
      {kHead + "crash leader as leader\n", "bad.scn:3:17: 'leader' is reserved; pick another name\n"},
      {kHead + "partition {s1,s2}\n", "bad.scn:3:1: a partition needs at least two groups: partition {s1} | {s2,s3}\n"},
      {kHead + "when s2 sends PROPOSL: heal\n", "bad.scn:3:15: unknown message type 'PROPOSL'\n"},
      {kHead + "when s2 dances: heal\n", "bad.scn:3:9: expected what the server does: becomes, sends, receives, logs, "
                                          "commits, truncates, goes down, has a torn write; found 'dances'\n"},
      {kHead + "expect s1 is sleepy\n", "bad.scn:3:14: unknown role 'sleepy' (leader, follower, observer, looking, down, up)\n"},
      {kHead + "expect c1 last Kaboom\n", "bad.scn:3:16: unknown result 'Kaboom' (ok, failed, or an error such as ConnectionLoss, NoNode)\n"},
      {kHead + "expect notifications ~ 3\n", "bad.scn:3:22: unexpected character '~'\n"},
      {kHead + "heal extra\n", "bad.scn:3:6: unexpected 'extra' at the end of the statement\n"},
      {kHead + "heal\nseed 4\n", "bad.scn:4:1: settings come before the first step ('seed')\n"},
      {"ensemble 3\nclient c2\nheal\n", "bad.scn:2:8: clients are named c1, c2, ... in order: expected 'c1'\n"},
      {"ensemble 3\nbug segfault\nheal\n", "bad.scn:2:5: unknown bug 'segfault' (zablab-sim bugs lists them)\n"},
      {"ensemble 3\nchecks zab.everything\nheal\n",
       "bad.scn:2:8: unknown invariant 'zab.everything' (zablab-sim checks lists them)\n"},
      {"ensemble 12\nheal\n", "bad.scn:1:10: the number of voters must be between 1 and 9\n"},
      {"ensemble 3\nensemble 5\nheal\n", "bad.scn:2:1: the ensemble is declared twice\n"},
      {"ensemble 3\ntick 5ms\nheal\n", "bad.scn:2:6: the tick time is a whole number of ms, at least 10ms\n"},
      {"ensemble 3\nnetwork moon\nheal\n", "bad.scn:2:9: unknown network profile 'moon' (lan, wan, slow, long-tail)\n"},
      {"ensemble 3\n", "bad.scn:2:1: the scenario has no steps\n"},
  };
  for (const auto& c : cases) {
    INFO(c.text);
    CHECK(only_error(c.text) == c.error);
  }
}

TEST_CASE("scenario/parser: every mistake in a file is reported, in order, and nothing runs") {
  const std::string text =
      "ensemble 3\n"
      "client c1\n"
      "at 1s: crash s9\n"
      "c1 frobnicate /a\n"
      "expect violation zab.nope\n";
  ParseResult r = parse_scenario(text, "many.scn");
  CHECK_FALSE(r.scenario);
  CHECK(r.describe("many.scn") ==
        "many.scn:3:14: there is no server s9: the ensemble has 3 servers\n"
        "many.scn:4:4: unknown client operation 'frobnicate' (create, set, get, delete, sync, exists, children, close, "
        "writes, reads, watches, ephemerals, updates, creates, locks, joins election)\n"
        "many.scn:5:18: unknown invariant 'zab.nope' (zablab-sim checks lists them)\n");
}

TEST_CASE("scenario/parser: every file in scenarios/ parses") {
  for (const auto& path : zablab::test::shipped_scenarios()) {
    ParseResult r = parse_scenario(zablab::test::read_text(path), path.string());
    INFO(r.describe(path.string()));
    CHECK(r.scenario.has_value());
  }
}

TEST_CASE("scenario/parser: kill and power-off are crashes of a named kind; crash points only for crash") {
  ParseResult p = parse_scenario("ensemble 3\nkill s1 as a\npower-off leader\ncrash s2\n", "k.scn");
  REQUIRE(p.scenario);
  const auto& steps = p.scenario->steps;
  REQUIRE(steps.size() == 3);
  CHECK(steps[0].actions[0].kind == Action::Kind::crash);
  CHECK(steps[0].actions[0].word == "kill");
  CHECK(steps[0].actions[0].bind_as == "a");
  CHECK(steps[1].actions[0].word == "power-off");
  CHECK(steps[2].actions[0].word.empty());
  ParseResult bad = parse_scenario("ensemble 3\nkill s1 after writing currentEpoch\n", "k.scn");
  CHECK_FALSE(bad.scenario);
}
