// Running scenarios: determinism (same scenario + seed => the same trace, record for record),
// expectations that fail say where, actions on what does not exist, and the fuzzer's output.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "sim/scenario/fuzz.h"
#include "sim/scenario/runner.h"
#include "sim/scenario/scenario.h"
#include "tests/unit/scenario_files.h"

using namespace zablab::sim;
using namespace zablab::sim::scenario;

namespace {

RunResult run(const std::string& text, std::optional<std::uint64_t> seed = std::nullopt) {
  ParseResult p = parse_scenario(text, "t.scn");
  INFO(p.describe("t.scn"));
  REQUIRE(p.scenario);
  RunOptions o;
  o.seed = seed;
  return run_scenario(*p.scenario, o);
}

const char* kBusy = R"(scenario "busy"
ensemble 5 observers 1
tick 500ms
seed 4
client c1
client c2 on s6
when leader elected within 10s: c1 writes 30 per second for 4s on /w; c2 reads 10 per second for 4s on /w with sync
at 1s: crash leader as old
at 2s: partition {s1, c1} | {rest}
at 3s: heal; restart old; disk s2 slow 50ms
when c1 done within 30s: expect converged within 30s
expect same data
expect no acknowledged write lost
)";

}  // namespace

TEST_CASE("scenario/determinism: the same scenario and seed give the same trace hash") {
  const RunResult a = run(kBusy);
  const RunResult b = run(kBusy);
  INFO(a.verdict());
  REQUIRE(a.passed);
  CHECK(a.records > 1000);
  CHECK(a.trace_hash == b.trace_hash);
  CHECK(a.records == b.records);
  CHECK(a.end_time == b.end_time);
  const RunResult c = run(kBusy, 5);
  CHECK(c.trace_hash != a.trace_hash);
}

TEST_CASE("scenario/determinism: every file in scenarios/ replays identically") {
  for (const auto& path : zablab::test::shipped_scenarios()) {
    const std::string text = zablab::test::read_text(path);
    const RunResult a = run(text);
    const RunResult b = run(text);
    INFO(path.filename().string() << ": " << a.verdict());
    CHECK(a.verdict() == b.verdict());
    CHECK(a.records == b.records);
    CHECK(a.trace_hash == b.trace_hash);
  }
}

TEST_CASE("scenario/runner: a failed expectation stops the run and says where and when") {
  const RunResult r = run(R"(ensemble 3
tick 500ms
client c1
when leader elected within 10s: c1 create /a "1"
when c1 done within 5s: expect /a = "2"
c1 create /never "x"
)");
  CHECK_FALSE(r.passed);
  CHECK(r.verdict() == "FAIL");
  REQUIRE(r.failures.size() == 1);
  CHECK(r.failures[0].rfind("t.scn:5:1: at ", 0) == 0);
  CHECK(r.failures[0].find("expectation failed: expect /a = \"2\" -- /a is \"1\" on s1") != std::string::npos);
  CHECK(r.ops_ok == 1);  // the step after the failure never ran
}

TEST_CASE("scenario/runner: waiting for an event that never comes times out") {
  const RunResult r = run(R"(ensemble 3
tick 500ms
when s1 receives SNAP within 3s: heal
)");
  REQUIRE(r.failures.size() == 1);
  CHECK(r.failures[0].find("t.scn:3:1: at 3.") == 0);
  CHECK(r.failures[0].find("timed out waiting for: when s1 receives SNAP within 3s: heal") != std::string::npos);
}

TEST_CASE("scenario/runner: an action on something that does not exist fails, or is skipped when lenient") {
  const std::string text = R"(ensemble 3
tick 500ms
crash observer
after 1s: note "went on"
)";
  const RunResult strict = run(text);
  REQUIRE(strict.failures.size() == 1);
  CHECK(strict.failures[0].find("there is no observer right now") != std::string::npos);
  const RunResult lenient = run("lenient\n" + text);
  CHECK(lenient.passed);
  CHECK(lenient.end_time == 1'000'000'000);
}

TEST_CASE("scenario/fuzz: a seed always writes the same scenario, and it parses") {
  for (std::uint64_t seed : {1, 2, 3, 77}) {
    const FuzzCase a = generate_fuzz_case(seed, 0, "none");
    const FuzzCase b = generate_fuzz_case(seed, 0, "none");
    CHECK(a.scenario == b.scenario);
    CHECK(a.swarm.rfind("seed " + std::to_string(seed) + ":", 0) == 0);
    ParseResult p = parse_scenario(a.scenario, "fuzz.scn");
    INFO(p.describe("fuzz.scn"));
    CHECK(p.scenario.has_value());
  }
  CHECK(generate_fuzz_case(1, 3, "none").scenario.find("ensemble 3") != std::string::npos);
  CHECK(generate_fuzz_case(1, 0, "split-config").scenario.find("ensemble 5") != std::string::npos);
}

TEST_CASE("scenario/fuzz: a failing seed shrinks to a smaller scenario that fails the same way") {
  FuzzOptions o;
  o.first_seed = 1;
  o.seeds = 3;
  o.bug = "commit-without-quorum";
  o.out_dir = std::filesystem::temp_directory_path().string();
  const FuzzResult r = fuzz(o);
  REQUIRE(r.failing_seed);
  CHECK(r.signature == "violation:zab.commit-quorum");
  CHECK(r.minimal.size() < r.original.size());
  ParseResult p = parse_scenario(r.minimal, "minimal.scn");
  REQUIRE(p.scenario);
  const RunResult again = run_scenario(*p.scenario);
  CHECK(failure_signature(again) == r.signature);
  if (!r.written_to.empty()) std::filesystem::remove(r.written_to);
}

TEST_CASE("scenario/runner: kill and power-off are told apart by the followers and by the disk") {
  // A killed leader's kernel resets its connections: the followers elect a new leader at once.
  // A powered-off one sends nothing: they wait syncLimit ticks of silence first.
  const std::string body = R"(
tick 500ms
seed 2
client c1
when leader elected within 10s: c1 writes 20 per second for 1s on /w
when c1 done within 10s: HOW leader as old
expect leader elected within 1500ms
restart old
expect converged within 20s
expect same data
expect no acknowledged write lost
)";
  auto with = [&](const std::string& how) {
    std::string text = "ensemble 3" + body;
    text.replace(text.find("HOW"), 3, how);
    return run(text);
  };
  const RunResult kill = with("kill");
  const std::string first_failure = kill.failures.empty() ? std::string() : kill.failures[0];
  INFO(first_failure);
  CHECK(kill.passed);
  const RunResult power = with("power-off");
  REQUIRE(power.failures.size() == 1);
  CHECK(power.failures[0].find("expect leader elected within 1500ms") != std::string::npos);
  // Given the time, the powered-off leader's followers get there too.
  std::string patient = "ensemble 3" + body;
  patient.replace(patient.find("HOW"), 3, "power-off");
  patient.replace(patient.find("1500ms"), 6, "15s");
  CHECK(run(patient).passed);
}
