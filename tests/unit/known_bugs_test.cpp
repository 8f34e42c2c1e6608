// Deliberate bugs -- two a student might write (skip-trunc,
// stale-follower-reads) and four real ZooKeeper bugs reproduced as modes of core/quorum
// (ZOOKEEPER-2845, -3911, -4643, -4646) -- each caught by the checkers in its scenario, and the
// same scenario clean on the correct code. Plus the crash points those scenarios rely on: a
// server armed with one crashes exactly there, and a scenario naming an unknown one is refused.
#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>
#include <string>

#include "core/quorum/quorum_peer.h"
#include "sim/crash_points.h"
#include "sim/quorum_kind.h"
#include "sim/scenario/bugs.h"
#include "sim/scenario/runner.h"
#include "sim/scenario/scenario.h"
#include "sim/world.h"

using namespace zablab;
using namespace zablab::sim;
using namespace zablab::sim::scenario;

namespace {

std::string read_scenario(const std::string& relative) {
  std::ifstream in(std::string(ZABLAB_SOURCE_DIR) + "/" + relative);
  INFO(relative);
  REQUIRE(in);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

RunResult run_file(const std::string& relative, const std::string& bug) {
  const std::string text = read_scenario(relative);
  ParseResult p = parse_scenario(text, relative);
  INFO(p.describe(relative));
  REQUIRE(p.scenario);
  RunOptions o;
  o.bug = bug;
  return run_scenario(*p.scenario, o);
}

// With its bug the scenario's expected violation happens; on the correct code nothing is
// violated and the only failure is that the expected violation did not happen.
void require_reproduced(const std::string& bug, const std::string& invariant) {
  const BugInfo* info = nullptr;
  for (const auto& b : bug_catalog())
    if (b.name == bug) info = &b;
  REQUIRE(info != nullptr);
  REQUIRE_FALSE(info->reproducer.empty());
  const std::string file(info->reproducer);
  CHECK(std::string(info->caught_by).find(invariant) != std::string::npos);

  const RunResult buggy = run_file(file, bug);
  INFO(file << " with " << bug << ": " << buggy.verdict());
  for (const auto& f : buggy.failures) INFO(f);
  REQUIRE(buggy.violation);
  CHECK(buggy.violation->invariant == invariant);
  CHECK(buggy.violation_expected);
  CHECK(buggy.passed);

  const RunResult clean = run_file(file, "none");
  INFO(file << " on the correct code: " << clean.verdict());
  for (const auto& f : clean.failures) INFO(f);
  CHECK_FALSE(clean.violation);
  REQUIRE(clean.failures.size() == 1);
  CHECK(clean.failures[0].find("expected a violation of " + invariant + ", but none happened") != std::string::npos);
}

}  // namespace

TEST_CASE("known-bugs/skip-trunc: a learner that ignores TRUNC serves a txn nobody committed") {
  require_reproduced("skip-trunc", "client.reads-committed");
}

TEST_CASE("known-bugs/stale-follower-reads: a cut-off follower serves reads past the staleness bound") {
  require_reproduced("stale-follower-reads", "client.bounded-staleness");
}

TEST_CASE("known-bugs/ZOOKEEPER-2845: the database kept across a TRUNC shows an uncommitted txn") {
  require_reproduced("zookeeper-2845", "client.reads-committed");
}

TEST_CASE("known-bugs/ZOOKEEPER-3911: DIFF txns logged only after UPTODATE are lost in an outage") {
  require_reproduced("zookeeper-3911", "zab.primary-integrity");
}

TEST_CASE("known-bugs/ZOOKEEPER-4643: currentEpoch written before the log lets a shorter log win and TRUNC") {
  require_reproduced("zookeeper-4643", "zab.primary-integrity");
}

TEST_CASE("known-bugs/ZOOKEEPER-4646: an ACK of NEWLEADER before the fsync loses committed txns") {
  require_reproduced("zookeeper-4646", "zab.primary-integrity");
}

TEST_CASE("known-bugs/every bug with a reproducer names a scenario file that exists") {
  for (const auto& b : bug_catalog()) {
    if (b.reproducer.empty()) continue;
    INFO(b.name);
    std::ifstream in(std::string(ZABLAB_SOURCE_DIR) + "/" + std::string(b.reproducer));
    CHECK(in.good());
  }
}

TEST_CASE("crash-points: an armed server crashes exactly at the point, and only once") {
  // s1 joins late, so the leader syncs it: it writes acceptedEpoch, then (correct order) fsyncs
  // the synced txns, writes currentEpoch and ACKs NEWLEADER.
  for (const char* point : {"after-accepted-epoch", "before-log-sync", "after-log-sync", "after-current-epoch",
                            "after-ack-newleader"}) {
    INFO(point);
    WorldOptions wo;
    wo.seed = 7;
    configure_ensemble(wo, 3);
    wo.server.tick_time_ms = 500;
    World w(wo);
    w.start();
    REQUIRE(w.run_until_within([&] { return w.server_state(3).role == "leading"; }, 10 * kSecond));
    w.crash(1);
    w.arm_crash_point(1, point);
    CHECK(w.server_host(1).armed_crash_points().count(point) == 1);
    w.restart(1);
    REQUIRE(w.run_until_within([&] { return !w.up(1); }, 10 * kSecond));
    CHECK(w.server_host(1).down_reason() == std::string("crash at ") + point);
    CHECK(w.server_host(1).armed_crash_points().empty());
    // The last thing s1 did was reach the point: no record of it after the point's own.
    const auto& records = w.trace().records();
    std::uint64_t point_seq = 0, crash_seq = 0;
    for (const auto& r : records) {
      if (r.node != 1) continue;
      if (r.msg_type == core_event::persist_point && crash_point_of(r.detail) == point) point_seq = r.seq;
      if (r.kind == trace_kind::crash) crash_seq = r.seq;
    }
    REQUIRE(point_seq > 0);
    REQUIRE(crash_seq > point_seq);
    for (const auto& r : records)
      if (r.node == 1 && r.seq > point_seq && r.seq < crash_seq) CHECK(r.kind != trace_kind::core);
    // Disarmed: restarted, it rejoins and stays up.
    w.restart(1);
    CHECK(w.run_until_within([&] { return w.server_state(1).role == "following"; }, 20 * kSecond));
    w.run_for(2 * kSecond);
    CHECK(w.up(1));
  }
}

TEST_CASE("crash-points: the correct order on NEWLEADER is log fsync, currentEpoch, ACK") {
  const auto& points = crash_points();
  REQUIRE(points.size() == 5);
  CHECK(crash_point_named("after writing currentEpoch") == std::optional<std::string_view>("after-current-epoch"));
  CHECK(crash_point_named("between ACK and fsync") == std::optional<std::string_view>("after-ack-newleader"));
  CHECK(crash_point_named("after-log-sync") == std::optional<std::string_view>("after-log-sync"));
  CHECK_FALSE(crash_point_named("after lunch"));
  CHECK(crash_point_of("{\"point\":\"before-log-sync\"}") == "before-log-sync");
}

TEST_CASE("crash-points: the scenario syntax, and file:line:col for a wrong one") {
  ParseResult ok = parse_scenario(R"(ensemble 3
crash s2 after writing currentEpoch
crash server 1 between ACK and fsync as victim
crash s3 at before-log-sync
)",
                                  "points.scn");
  INFO(ok.describe("points.scn"));
  REQUIRE(ok.scenario);
  REQUIRE(ok.scenario->steps.size() == 3);
  CHECK(ok.scenario->steps[0].actions[0].crash_point == "after-current-epoch");
  CHECK(ok.scenario->steps[1].actions[0].crash_point == "after-ack-newleader");
  CHECK(ok.scenario->steps[1].actions[0].bind_as == "victim");
  CHECK(ok.scenario->steps[2].actions[0].crash_point == "before-log-sync");

  ParseResult bad = parse_scenario("ensemble 3\ncrash s2 after writing the log\ncrash s1 at nowhere\n", "bad.scn");
  CHECK_FALSE(bad.scenario);
  const std::string d = bad.describe("bad.scn");
  CHECK(d.find("bad.scn:2:10: unknown crash point 'after writing the log'") != std::string::npos);
  CHECK(d.find("bad.scn:3:10: unknown crash point 'at nowhere'") != std::string::npos);
}
