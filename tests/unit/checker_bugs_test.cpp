// Each checker can fail: a deliberate bug (sim/scenario/bugs.h) makes a small scenario break
// exactly the invariant under test -- with only that checker on -- while the same scenario on the
// real code passes. A checker that never fires proves nothing.
#include <catch2/catch.hpp>

#include <string>

#include "sim/scenario/bugs.h"
#include "sim/scenario/runner.h"
#include "sim/scenario/scenario.h"

using namespace zablab::sim;
using namespace zablab::sim::scenario;

namespace {

RunResult run(const std::string& text, const std::string& bug) {
  ParseResult p = parse_scenario(text, "checker.scn");
  INFO(p.describe("checker.scn"));
  REQUIRE(p.scenario);
  RunOptions o;
  o.bug = bug;
  return run_scenario(*p.scenario, o);
}

// With the bug: the run stops at a violation of `invariant`. Without: it passes.
void require_caught(const std::string& text, const std::string& bug, const std::string& invariant) {
  const RunResult buggy = run(text, bug);
  INFO("bug " << bug << ": " << buggy.verdict());
  for (const auto& f : buggy.failures) INFO(f);
  REQUIRE(buggy.violation);
  CHECK(buggy.violation->invariant == invariant);
  CHECK_FALSE(buggy.passed);
  CHECK(buggy.violation->seq > 0);
  CHECK_FALSE(buggy.violation->message.empty());

  const RunResult clean = run(text, "none");
  INFO("real code: " << clean.verdict());
  for (const auto& f : clean.failures) INFO(f);
  CHECK_FALSE(clean.violation);
  CHECK(clean.passed);
}

}  // namespace

TEST_CASE("checker/one-leader-per-epoch: two halves with different ensemble views both establish epoch 1") {
  require_caught(R"(
ensemble 5
tick 500ms
seed 1
checks zab.one-leader-per-epoch
partition {s1, s2} | {rest}
after 20s: note "both sides had time to elect"
)",
                 "split-config", "zab.one-leader-per-epoch");
}

namespace {
// s3 falls behind in epoch 2, then wins an election that ignores zxids; only `check` runs.
std::string leader_without_latest_txns(const std::string& check) {
  return R"(
ensemble 3
tick 500ms
seed 1
checks )" + check + R"(
client c1 on s1 session 30s
expect leader elected within 10s
crash s3
expect leader elected within 10s
restart s3
expect converged within 20s
crash s3
c1 create /a "1"
when c1 done within 10s: crash leader
after 1s: restart s3
expect leader elected within 20s
c1 create /b "2"
after 3s: note "end"
)";
}
}  // namespace

TEST_CASE("checker/prefix-agreement: a leader elected without the latest txns commits past them") {
  require_caught(leader_without_latest_txns("zab.prefix-agreement"), "election-ignores-zxid", "zab.prefix-agreement");
}

namespace {
const char* kLyingDisks = R"(
ensemble 3
tick 500ms
seed 1
checks CHECK
client c1
expect leader elected within 10s
c1 create /a "1"
when c1 done within 10s: crash all
after 1s: restart s1; restart s2
after 10s: note "end"
)";
std::string with_check(std::string text, const std::string& check) {
  text.replace(text.find("CHECK"), 5, check);
  return text;
}
}  // namespace

TEST_CASE("checker/primary-integrity: followers that ACK before fsync lose a committed txn in an outage") {
  require_caught(with_check(kLyingDisks, "zab.primary-integrity"), "ack-before-fsync", "zab.primary-integrity");
}

TEST_CASE("checker/primary-integrity: a leader elected without the latest txns establishes without them") {
  require_caught(R"(
ensemble 3
tick 500ms
seed 1
checks zab.primary-integrity
client c1 on s1 session 30s
expect leader elected within 10s
crash s3
expect leader elected within 10s
restart s3
expect converged within 20s
crash s3
c1 create /a "1"
when c1 done within 10s: crash leader
after 1s: restart s3
expect leader elected within 20s
after 3s: note "end"
)",
                 "election-ignores-zxid", "zab.primary-integrity");
}

TEST_CASE("checker/delivery-order: an observer applies INFORMs in the order they come") {
  require_caught(R"(
ensemble 3 observers 1
tick 500ms
seed 1
checks zab.delivery-order
client c1
expect leader elected within 10s
c1 writes 50 per second for 2s on /w
after 3s: note "end"
)",
                 "reorder-inform", "zab.delivery-order");
}

TEST_CASE("checker/commit-quorum: a leader that counts its followers' ACKs before they come") {
  require_caught(R"(
ensemble 3
tick 500ms
seed 1
checks zab.commit-quorum
client c1
expect leader elected within 10s
c1 create /a "1"
after 2s: note "end"
)",
                 "commit-without-quorum", "zab.commit-quorum");
}

TEST_CASE("checker/acked-writes-survive: an acknowledged write is gone after an outage") {
  require_caught(with_check(kLyingDisks, "client.acked-writes-survive"), "ack-before-fsync",
                 "client.acked-writes-survive");
}

TEST_CASE("checker/real-time-order: a cut-off leader that keeps committing acknowledges an older zxid later") {
  require_caught(R"(
ensemble 3
tick 500ms
seed 1
checks client.real-time-order
client c1 on s1,s2
client c2 on s3
expect leader elected within 10s
expect c1 connected within 10s; expect c2 connected within 10s
partition {s3, c2} | {rest}
when s2 becomes leader within 15s: note "s2 leads the majority"
expect leader elected within 10s
c1 create /x "majority"
when c1 done within 10s: c2 create /y "minority"
after 5s: note "end"
)",
                 "commit-without-quorum", "client.real-time-order");
}

TEST_CASE("checker/monotonic-zxid: a server behind the client takes it on reconnect") {
  require_caught(R"(
ensemble 3
tick 500ms
seed 3
checks client.monotonic-zxid
client c1 on s1,s2
when leader elected within 10s: cut c1 <-> s1
expect c1 connected to s2 within 20s
latency leader -> s1 1s
c1 create /x "1"
when c1 done within 5s: restore c1 <-> s1; cut c1 <-> s2; disconnect c1
when c1 connected to s1 within 20s: c1 get /x
after 3s: note "end"
)",
                 "stale-reconnect", "client.monotonic-zxid");
}

TEST_CASE("checker/sync-linearizable: a follower that answers sync without the leader serves a stale read") {
  require_caught(R"(
ensemble 3
tick 500ms
seed 2
checks client.sync-linearizable
client c1 on s2
client c2 on s1
expect leader elected within 10s
expect c1 connected within 10s; expect c2 connected within 10s
c1 create /x "v1"
when c1 done within 10s: expect converged within 5s
latency leader -> s1 400ms
c1 set /x "v2"
when c1 done within 10s: c2 sync /x
when c2 done within 10s: c2 get /x
after 2s: note "end"
)",
                 "sync-no-barrier", "client.sync-linearizable");
}

TEST_CASE("checker/bugs: every bug in the catalog names the invariants that catch it") {
  for (const auto& b : bug_catalog()) {
    INFO(b.name);
    CHECK(bug_by_name(b.name) == b.bug);
    CHECK_FALSE(b.description.empty());
    CHECK_FALSE(b.caught_by.empty());
  }
  CHECK_FALSE(bug_by_name("no-such-bug"));
}

TEST_CASE("checker/verdict: a scenario that expects a violation passes only when it happens") {
  const std::string text = R"(
ensemble 3
tick 500ms
seed 1
bug commit-without-quorum
expect violation zab.commit-quorum
client c1
expect leader elected within 10s
c1 create /a "1"
after 2s: note "end"
)";
  const RunResult r = run(text, "commit-without-quorum");
  REQUIRE(r.violation);
  CHECK(r.violation_expected);
  CHECK(r.passed);
  CHECK(r.verdict() == "PASS (expected violation of zab.commit-quorum)");
  const RunResult clean = run(text, "none");
  CHECK_FALSE(clean.passed);
  REQUIRE(clean.failures.size() == 1);
  CHECK(clean.failures[0].find("expected a violation of zab.commit-quorum, but none happened") != std::string::npos);
}

// --- Zab.tla's invariants and flags, each caught alone by the checker meant for it ---

namespace {
const char* kWrites = R"(
ensemble 3
tick 500ms
seed 1
checks CHECK
client c1
expect leader elected within 10s
c1 writes 50 per second for 2s on /w
after 3s: note "end"
)";
}  // namespace

TEST_CASE("checker/Leadership1 and Leadership2: two halves with different ensemble views both lead epoch 1") {
  for (const std::string inv : {"zab.Leadership1", "zab.Leadership2"}) {
    require_caught(R"(
ensemble 5
tick 500ms
seed 1
checks )" + inv + R"(
partition {s1, s2} | {rest}
after 20s: note "both sides had time to elect"
)",
                   "split-config", inv);
  }
}

TEST_CASE("checker/PrefixConsistency: a leader elected without the latest txns commits others in their place") {
  require_caught(leader_without_latest_txns("zab.PrefixConsistency"), "election-ignores-zxid", "zab.PrefixConsistency");
}

TEST_CASE("checker/LocalPrimaryOrder and TotalOrder: an observer applying INFORMs in the order they come") {
  for (const std::string inv : {"zab.LocalPrimaryOrder", "zab.TotalOrder"}) {
    require_caught(R"(
ensemble 3 observers 1
tick 500ms
seed 1
checks )" + inv + R"(
client c1
expect leader elected within 10s
c1 writes 50 per second for 2s on /w
after 3s: note "end"
)",
                   "reorder-inform", inv);
  }
}

TEST_CASE("checker/quorum-link bugs: each is caught, alone, by the check meant for it") {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"corrupt-proposal", "zab.Integrity"},            // followers deliver a txn no leader proposed
      {"leader-ack-before-fsync", "zab.commit-quorum"},  // a leader's own ACK before its fsync
      {"reorder-commit", "zab.commitInconsistent"},     // COMMITs sent out of order
      {"reorder-proposal", "zab.proposalInconsistent"}, // PROPOSALs sent out of order
      {"reorder-ack", "zab.ackInconsistent"},           // a follower's ACKs going backwards
      {"echo-commit", "zab.messageIllegal"},            // a follower sending COMMITs to its leader
      {"repeat-leaderinfo", "zab.stateInconsistent"},   // LEADERINFO to a learner past discovery
  };
  for (const auto& [bug, invariant] : cases) {
    DYNAMIC_SECTION(bug << " -> " << invariant) { require_caught(with_check(kWrites, invariant), bug, invariant); }
  }
}

namespace {
// s3 leads alone with c1's write /lost, which nobody else logs, and crashes; back before the new
// leader writes anything (a TRUNC never crosses epochs: ZooKeeper sends a SNAP then), it is told
// to TRUNC /lost away, and c1 reads /lost from it.
const char* kSkippedTrunc = R"(
ensemble 3
tick 500ms
seed 3
checks CHECK
client c1 on s3 session 30s
client c2 on s1,s2
when leader elected within 10s: c1 create /a "1"
when c1 done within 5s: expect c1 ok; expect leader is s3
partition {leader, c1} | {rest}
c1 create /lost "never committed"
when s3 logs within 5s: note "s3 has the proposal for /lost in its own log only"
after 200ms: crash s3
expect leader elected within 15s
heal; restart s3
when s3 receives TRUNC within 20s: note "the new leader tells s3 to cut /lost away"
expect c1 connected to s3 within 20s
c1 get /lost
when c1 done within 10s: note "read"
c2 set /a "2"
when c2 done within 10s: expect c2 ok
after 3s: note "end"
)";
}  // namespace

TEST_CASE("checker/PrimaryIntegrity: a learner that ignores TRUNC follows the new leader with a txn it lacks") {
  require_caught(with_check(kSkippedTrunc, "zab.PrimaryIntegrity"), "skip-trunc", "zab.PrimaryIntegrity");
}

TEST_CASE("checker/linearizable-reads: a learner that ignores TRUNC serves a node the committed history never made") {
  require_caught(with_check(kSkippedTrunc, "client.linearizable-reads"), "skip-trunc", "client.linearizable-reads");
}

TEST_CASE("checker/fifo-order: a server that answers a client's requests out of order") {
  const std::string pipelined = R"(
ensemble 3
tick 500ms
seed 2
CHECKS
client c1 on s1
expect leader elected within 10s
c1 writes 20 per second for 2s on /f/a
after 0s: c1 reads 20 per second for 2s on /f/a
after 3s: note "end"
)";
  auto with = [&](const std::string& checks) {
    std::string text = pipelined;
    return text.replace(text.find("CHECKS"), 6, checks);
  };
  require_caught(with("checks client.fifo-order"), "reorder-replies", "client.fifo-order");
  // With every check on, it is the one that stops the run: nothing else fires first.
  const RunResult all = run(with(""), "reorder-replies");
  REQUIRE(all.violation);
  CHECK(all.violation->invariant == "client.fifo-order");
}

namespace {
// c2 watches /w (getData, exists, getChildren of / by turns) while c1 writes it; only CHECKS run.
const std::string kWatchedWrites = R"(
ensemble 3
tick 500ms
seed 1
CHECKS
client c1 on s1
client c2 on s1
expect leader elected within 10s
c1 create /w "0"
when c1 done within 10s: c2 watches 10 per second for 3s on /w
after 0s: c1 writes 5 per second for 3s on /w
after 4s: note "end"
)";
// c1's ephemeral /e outlives c1's session (cut off longer than its timeout); c2 then looks at it.
const std::string kExpiredOwner = R"(
ensemble 3
tick 500ms
seed 1
CHECKS
client c1 on s1 session 4s
client c2 on s2
expect leader elected within 10s
c1 create /e "x" ephemeral
when c1 done within 10s: isolate c1
after 8s: heal
after 1s: c2 exists /e
after 2s: note "end"
)";
std::string with_checks(std::string text, const std::string& checks) { return text.replace(text.find("CHECKS"), 6, checks); }
// Caught by `invariant` alone; and with every check on, it is the one that stops the run.
void require_caught_first(const std::string& text, const std::string& bug, const std::string& invariant) {
  require_caught(with_checks(text, "checks " + invariant), bug, invariant);
  const RunResult all = run(with_checks(text, ""), bug);
  REQUIRE(all.violation);
  CHECK(all.violation->invariant == invariant);
}
}  // namespace

TEST_CASE("checker/watch-before-data: a server that sends a watch event after its next reply") {
  require_caught_first(kWatchedWrites, "watch-after-reply", "client.watch-before-data");
}

TEST_CASE("checker/ephemeral-lifetime: servers that keep an expired session's ephemerals") {
  require_caught_first(kExpiredOwner, "keep-expired-ephemerals", "client.ephemeral-lifetime");
}

namespace {
// Three servers, c1 on s1 and c2 on s2, a leader: the start of the scenarios below.
const std::string kTwoClients = R"(
ensemble 3
tick 500ms
seed 1
CHECKS
client c1 on s1
client c2 on s2
expect leader elected within 10s
)";
// c1 and c2 read-modify-write /u on the same ticks: their conditional sets race.
const std::string kRacingUpdates = kTwoClients + R"(c1 updates 10 per second for 3s on /u
after 0s: c2 updates 10 per second for 3s on /u
after 4s: note "end"
)";
// /q gets two children and a sequential one (n-0000000002), the two are deleted (the cversion
// stays ahead of the child count), every server restarts from its disk, and c1 creates one more
// sequential child: n-0000000003, or, counted from the children found, n-0000000001.
const std::string kSequenceAfterRestart = R"(
ensemble 3
tick 500ms
seed 1
CHECKS
client c1 session 30s
expect leader elected within 10s
c1 create /q ""
when c1 done within 10s: c1 create /q/a ""
when c1 done within 10s: c1 create /q/b ""
when c1 done within 10s: c1 create /q/n- "" sequential
when c1 done within 10s: c1 delete /q/a
when c1 done within 10s: c1 delete /q/b
when c1 done within 10s: kill all
after 1s: restart all
when leader elected within 30s: c1 create /q/n- "" sequential
when c1 done within 30s: note "end"
)";
}  // namespace

TEST_CASE("checker/linearizable-writes: a leader that ignores setData's expected version loses an update") {
  require_caught_first(kRacingUpdates, "ignore-set-version", "client.linearizable-writes");
}

TEST_CASE("checker/sequential-names: a restarted leader numbers sequential children from a stale counter") {
  require_caught_first(kSequenceAfterRestart, "reuse-sequence-after-restart", "client.sequential-names");
}

namespace {
// c1 makes and deletes ephemerals under /w (and reads /w's ACL); c2 reads /w/x and, by turns,
// /w's children, every other time with getChildren2: a Stat of /w after children were deleted.
const std::string kChildrenAfterDeletes = kTwoClients + R"(c1 ephemerals 8 per second for 4s under /w
after 1s: c2 watches 10 per second for 3s on /w/x
after 4s: note "end"
)";
}  // namespace

TEST_CASE("checker/linearizable-reads: getChildren2 answered with a cversion that misses the deletes") {
  require_caught_first(kChildrenAfterDeletes, "stale-cversion", "client.linearizable-reads");
}
