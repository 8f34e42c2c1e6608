// SteppingRun (sim/scenario/stepping_run.h): steps played one at a time on a live world reach
// what run_scenario reaches with the whole text; what does not parse is refused.
#include <catch2/catch.hpp>

#include "sim/explore/state_digest.h"
#include "sim/scenario/fuzz.h"
#include "sim/scenario/stepping_run.h"

using namespace zablab::sim;
using namespace zablab::sim::scenario;

namespace {

const char* kPrologue =
    "scenario \"steps\"\nensemble 3\ntick 500ms\nseed 1\nlenient\nclient c1 on s3 session 30s\n"
    "expect leader elected within 30s\nexpect c1 connected within 30s\n";
const std::vector<std::string> kSteps = {"after 0s: c1 create /a \"1\"", "after 0s: crash s3", "after 3000ms: note \"wait\"",
                                         "after 0s: restart s3", "after 3000ms: note \"settle\""};

}  // namespace

TEST_CASE("scenario/stepping: steps played one at a time reach the world a whole run reaches") {
  std::string whole = kPrologue;
  for (const auto& s : kSteps) whole += s + "\n";
  std::uint64_t whole_digest = 0, whole_records = 0;
  RunOptions ro;
  ro.retain_trace = false;
  ro.on_end = [&](World& w, const RunResult& r) {
    whole_digest = explore::state_digest(w);
    whole_records = r.records;
  };
  const RunResult whole_run = run_scenario_text(whole, ro);
  REQUIRE(whole_run.verdict() == "PASS");

  SteppingRun run(kPrologue, ro);
  REQUIRE_FALSE(run.error());
  for (const auto& s : kSteps) REQUIRE(run.play(s));
  const RunResult now = run.result();
  CHECK(now.verdict() == "PASS");
  CHECK(now.ops_ok == whole_run.ops_ok);
  CHECK(now.end_time == whole_run.end_time);
  CHECK(now.records + 1 == whole_records);  // all but the whole run's scenario.end
  CHECK(explore::state_digest(run.world()) == whole_digest);
}

TEST_CASE("scenario/stepping: a step that does not parse is refused with a message, and the run is untouched") {
  SteppingRun run(kPrologue);
  REQUIRE_FALSE(run.error());
  const Nanos before = run.world().now();
  CHECK_FALSE(run.play("after 0s: crash s9"));
  REQUIRE(run.error());
  CHECK(run.error()->find("no server s9") != std::string::npos);
  CHECK(run.world().now() == before);
  CHECK_FALSE(run.over());

  SteppingRun broken("ensemble 3\nfrobnicate\n");
  CHECK(broken.error());
  CHECK(broken.over());
  CHECK_FALSE(broken.play("after 0s: crash s1"));
}
