// The leader's liveness rules, as ZooKeeper 3.8's Leader.lead and LearnerHandler: every other
// half tick the learners heard from in time (tickOfNextAckDeadline) must be a quorum, else the
// leader steps down; at each PING a learner whose oldest unacknowledged proposal is syncLimit
// ticks old is dropped (SyncLimitCheck); a follower ACKs every proposal it logs, also one whose
// COMMIT came first.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "core/quorum/sync_limit_check.h"
#include "sim/scenario/runner.h"
#include "sim/scenario/scenario.h"
#include "sim/world.h"
#include "tests/unit/scenario_files.h"

using namespace zablab;
using namespace zablab::sim;
using namespace zablab::sim::scenario;

namespace {

struct Run {
  RunResult result;
  std::vector<TraceRecord> records;  // the core records: kind "core"
};

Run run_text(const std::string& text, const std::string& name) {
  ParseResult p = parse_scenario(text, name);
  INFO(p.describe(name));
  REQUIRE(p.scenario);
  Run out;
  RunOptions o;
  o.on_end = [&out](World& w, const RunResult&) {
    for (const auto& r : w.trace().records())
      if (r.kind == trace_kind::core) out.records.push_back(r);
  };
  out.result = run_scenario(*p.scenario, o);
  return out;
}

Run run_file(const std::string& name) {
  return run_text(zablab::test::read_text(std::string(ZABLAB_SOURCE_DIR) + "/scenarios/" + name), name);
}

std::vector<TraceRecord> of_type(const Run& run, std::string_view msg_type) {
  std::vector<TraceRecord> out;
  for (const auto& r : run.records)
    if (r.msg_type == msg_type) out.push_back(r);
  return out;
}

}  // namespace

TEST_CASE("zab/SyncLimitCheck: follows the oldest unACKed proposal and the latest after it, as ZooKeeper's") {
  quorum::SyncLimitCheck c;
  c.on_proposal(1, 0);  // before start(): the sync's proposals are not followed
  CHECK(c.ok(10'000, 2'500));
  c.start();
  c.on_proposal(2, 100);
  c.on_proposal(3, 200);
  c.on_proposal(4, 300);  // overwrites 3 as the latest
  CHECK(c.oldest_unacked() == 2);
  CHECK(c.ok(2'599, 2'500));
  CHECK_FALSE(c.ok(2'600, 2'500));  // 2 has waited syncLimit
  c.on_ack(3);                      // neither followed one: nothing changes
  CHECK(c.oldest_unacked() == 2);
  c.on_ack(2);  // the latest becomes the oldest, with its own send time
  CHECK(c.oldest_unacked() == 4);
  CHECK(c.ok(2'799, 2'500));
  CHECK_FALSE(c.ok(2'800, 2'500));
  c.on_ack(4);
  CHECK(c.oldest_unacked() == 0);
  CHECK(c.ok(1'000'000, 2'500));
  c.on_proposal(5, 400);
  c.on_proposal(6, 500);
  c.on_ack(6);  // the newer one ACKed first: forgotten, the older one still waits
  CHECK(c.oldest_unacked() == 5);
  c.on_ack(5);
  CHECK(c.ok(1'000'000, 2'500));
}

TEST_CASE("zab/liveness: a follower whose disk cannot ACK within syncLimit is dropped for the unACKed proposal, not for silence") {
  const Run run = run_file("follower-slow-disk-dropped.scn");
  INFO(run.result.verdict());
  for (const auto& f : run.result.failures) INFO(f);
  REQUIRE(run.result.passed);
  const auto dropped = of_type(run, core_event::zab_learner_dropped);
  REQUIRE(dropped.size() >= 1);
  CHECK(dropped.front().node == 3);
  CHECK(dropped.front().detail.find("\"sid\":1,\"why\":\"transaction timeout\"") != std::string::npos);
  for (const auto& d : dropped) CHECK(d.detail.find("silent") == std::string::npos);
  // The leader kept its quorum (s2) the whole time.
  for (const auto& s : of_type(run, core_event::peer_state)) CHECK(s.detail.find("\"from\":\"LEADING\"") == std::string::npos);
}

TEST_CASE("zab/liveness: a follower whose COMMITs overtake its fsync still ACKs each proposal and is never dropped") {
  const Run run = run_file("follower-acks-after-commit.scn");
  INFO(run.result.verdict());
  REQUIRE(run.result.passed);
  CHECK(of_type(run, core_event::zab_learner_dropped).empty());
  // s1's ACKs reach the leader after the COMMIT: they are not counted (zab.ack lists counted
  // ones), but they come, one per proposal.
  std::size_t proposals = of_type(run, core_event::zab_propose).size();
  REQUIRE(proposals >= 300);
  std::size_t follower_states = 0;
  for (const auto& s : of_type(run, core_event::peer_state))
    if (s.node == 1) ++follower_states;
  CHECK(follower_states == 2);  // LOOKING at the start, then FOLLOWING once, never again
}

TEST_CASE("zab/liveness: a leader whose synced voters are no quorum steps down on a full tick, with ZooKeeper's message") {
  const Run run = run_text(R"(scenario "isolated leader"
ensemble 3
tick 500ms
seed 3
when leader elected within 30s: expect leader is s3
after 1s: isolate s3
when s3 becomes looking within 10s: note "stepped down"
)", "isolated.scn");
  INFO(run.result.verdict());
  REQUIRE(run.result.passed);
  const auto established = of_type(run, core_event::zab_established);
  REQUIRE(established.size() == 1);
  const std::int64_t isolated_ns = established.front().time_ns + 1'000'000'000;
  bool stepped_down = false;
  for (const auto& s : of_type(run, core_event::peer_state)) {
    if (s.node != 3 || s.detail.find("\"from\":\"LEADING\"") == std::string::npos) continue;
    stepped_down = true;
    CHECK(s.detail.find("Not sufficient followers synced, only synced with sids: [ 3 ]") != std::string::npos);
    // The followers' last packets came just before the cut; each keeps them synced for syncLimit
    // (5) ticks of 500 ms, and the check runs on full ticks: 2.5 to 3.5 s later.
    CHECK(s.time_ns - isolated_ns >= 2'500'000'000);
    CHECK(s.time_ns - isolated_ns < 3'500'000'000);
  }
  CHECK(stepped_down);
}
