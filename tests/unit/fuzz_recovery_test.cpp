// The fuzzer's recovery faults (crash-point, crash-at-message), a lenient `when` that never comes,
// and a real ZooKeeper bug the random crashes alone never found.
#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>

#include "sim/scenario/fuzz.h"
#include "sim/scenario/runner.h"
#include "sim/scenario/scenario.h"

using namespace zablab::sim;
using namespace zablab::sim::scenario;

TEST_CASE("scenario/fuzz: crash-point and crash-at-message faults write scenarios that parse") {
  FuzzShape shape;
  shape.servers = 3;
  REQUIRE_FALSE(parse_fault_list("crash-point,crash-at-message", shape.faults));
  bool armed = false, at_message = false;
  for (std::uint64_t seed = 1; seed <= 12; ++seed) {
    const FuzzCase fc = generate_fuzz_case(seed, shape);
    ParseResult p = parse_scenario(fc.scenario, "fuzz.scn");
    INFO(fc.scenario << p.describe("fuzz.scn"));
    REQUIRE(p.scenario);
    armed = armed || fc.scenario.find(" at after-") != std::string::npos || fc.scenario.find(" at before-") != std::string::npos;
    at_message = at_message || fc.scenario.find(" receives ") != std::string::npos;
  }
  CHECK(armed);
  CHECK(at_message);
  std::vector<std::string> kinds;
  REQUIRE_FALSE(parse_fault_list("crash", kinds));
  CHECK(std::find(kinds.begin(), kinds.end(), "crash-point") != kinds.end());
  CHECK(swarm_picks("crash-at-message"));
}

TEST_CASE("scenario/lenient: a `when` whose event never comes skips its step; strict fails the run") {
  const std::string text = R"(scenario "never"
ensemble 3
tick 500ms
expect leader elected within 10s
when s1 receives TRUNC within 2s: crash s1
after 1s: expect s1 is up
)";
  const RunResult strict = run_scenario_text(text);
  REQUIRE(strict.failures.size() == 1);
  CHECK(strict.failures[0].find("timed out waiting for") != std::string::npos);
  const RunResult lenient = run_scenario_text("lenient\n" + text);
  INFO((lenient.failures.empty() ? "" : lenient.failures.front()));
  CHECK(lenient.passed);
}

TEST_CASE("scenario/fuzz: a rejoining follower crashed after writing currentEpoch shows zookeeper-3911") {
  FuzzOptions o;
  o.first_seed = 19;  // the first seed of `zablab-sim fuzz --bug zookeeper-3911` that fails
  o.seeds = 1;
  o.bug = "zookeeper-3911";
  o.shrink = false;
  o.out_dir = std::filesystem::temp_directory_path().string();
  const FuzzResult r = fuzz(o);
  REQUIRE(r.failing_seed);
  CHECK(r.signature == "violation:zab.primary-integrity");
  CHECK(r.original.find("crash lag1 at after-current-epoch") != std::string::npos);
  RunOptions correct;
  correct.bug = "none";
  CHECK(failure_signature(run_scenario_text(r.original, correct)).empty());
  if (!r.written_to.empty()) std::filesystem::remove(r.written_to);
}
