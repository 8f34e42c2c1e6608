// The fuzzer's recovery faults (crash-point, crash-at-message), a lenient `when` that never comes,
// and a real ZooKeeper bug the random crashes alone never found.
#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

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

TEST_CASE("scenario/fuzz: crashes are kills or power-offs, drawn per seed, and only armed crash points stay `crash`") {
  int kills = 0, power_offs = 0, styles_seen = 0;
  std::vector<std::string> styles;
  for (std::uint64_t seed = 1; seed <= 40; ++seed) {
    const FuzzCase fc = generate_fuzz_case(seed, 0, "none");
    INFO(fc.scenario);
    CHECK(generate_fuzz_case(seed, 0, "none").scenario == fc.scenario);
    const auto style = fc.swarm.substr(fc.swarm.find("; crashes: ") + 11);
    if (std::find(styles.begin(), styles.end(), style) == styles.end()) styles.push_back(style);
    std::istringstream in(fc.scenario);
    for (std::string line; std::getline(in, line);) {
      if (line.rfind("#", 0) == 0) continue;
      kills += line.find(": kill ") != std::string::npos || line.find("; kill ") != std::string::npos;
      power_offs += line.find(": power-off ") != std::string::npos || line.find("; power-off ") != std::string::npos;
      // Every `crash` left is an armed crash point ("crash lag1 at after-current-epoch").
      for (auto at = line.find("crash "); at != std::string::npos; at = line.find("crash ", at + 1)) {
        const auto end = line.find(';', at);
        CHECK(line.substr(at, end == std::string::npos ? std::string::npos : end - at).find(" at ") != std::string::npos);
      }
    }
    if (style == "kill") CHECK(fc.scenario.find("power-off ") == std::string::npos);
    if (style == "power-off") CHECK(fc.scenario.find(": kill ") == std::string::npos);
  }
  styles_seen = static_cast<int>(styles.size());
  CHECK(styles_seen == 3);  // kill, power-off, kill or power-off
  CHECK(kills > 10);
  CHECK(power_offs > 10);
}
