// Zab.tla's invariants and "should not be triggered" flags, each over hand-written records: a
// correct run passes all of them, and each breaks on the situation the specification excludes.
#include <catch2/catch.hpp>

#include "tests/unit/checker_feed.h"

using namespace zablab::sim;
using namespace zablab::sim::check;
using namespace zablab::sim::check::test;

namespace {

CheckConfig only(std::string invariant) {
  CheckConfig c;
  c.enabled = {std::move(invariant)};
  return c;
}

// Starts the three servers' logs empty, as fle.start says after a fresh start.
void fresh(Feed& f) {
  for (EndpointId s = 1; s <= 3; ++s) f.core(s, core_event::fle_start, R"({"round":1,"zxid":"0x0"})");
}

}  // namespace

TEST_CASE("zab-spec: a correct broadcast over two epochs breaks no invariant and raises no flag") {
  Feed f;
  fresh(f);
  f.lead(3, 1, {1, 2});
  for (int i = 1; i <= 3; ++i) f.broadcast(3, z(1, i), {1, 2}, "/e1-" + std::to_string(i));
  f.state(3, "LOOKING");
  f.phase(3, "ELECTION");
  f.lead(2, 2, {1});
  f.broadcast(2, z(2, 1), {1}, "/e2");
  INFO((f.engine.violated() ? f.engine.violations().front().describe() : std::string()));
  CHECK(f.first().empty());
  CHECK(f.engine.unreadable_records().empty());
}

TEST_CASE("zab-spec: Leadership1 and Leadership2, two leaders of one epoch") {
  for (const char* inv : {"zab.Leadership1", "zab.Leadership2"}) {
    Feed f(only(inv));
    f.lead(3, 1, {});
    f.lead(2, 1, {});
    CHECK(f.first() == inv);
  }
  // One after the other, in different epochs: fine.
  Feed g;
  g.lead(3, 1, {});
  g.state(3, "LOOKING");
  g.lead(2, 2, {});
  CHECK(g.first().empty());
}

TEST_CASE("zab-spec: Leadership2 fires when discovery ends, before anyone establishes") {
  Feed f(only("zab.Leadership2"));
  f.lead(3, 1, {});
  f.phase(2, "DISCOVERY");
  f.state(2, "LEADING");
  f.core(2, core_event::zab_new_epoch, R"({"epoch":1})");
  const auto seq = f.phase(2, "SYNCHRONIZATION");
  REQUIRE(f.first() == "zab.Leadership2");
  CHECK(f.engine.violations().front().seq == seq);
}

TEST_CASE("zab-spec: PrefixConsistency and Integrity, a follower delivering another txn than the leader's") {
  for (const char* inv : {"zab.PrefixConsistency", "zab.Integrity"}) {
    Feed f(only(inv));
    fresh(f);
    f.lead(3, 1, {1});
    f.propose(3, z(1, 1), "/proposed");
    f.message(3, 1, "PROPOSAL", z(1, 1), "/proposed");
    f.message(1, 3, "ACK", z(1, 1));
    f.core(3, core_event::zab_commit, R"({"zxid":"0x100000001"})", z(1, 1));
    f.txn(3, z(1, 1), "/proposed");
    f.message(3, 1, "COMMIT", z(1, 1));
    f.txn(1, z(1, 1), "/something-else");
    CHECK(f.first() == inv);
  }
}

TEST_CASE("zab-spec: LocalPrimaryOrder, TotalOrder and GlobalPrimaryOrder, txns delivered out of order") {
  // s1 delivers the leader's second proposal before its first.
  for (const char* inv : {"zab.LocalPrimaryOrder", "zab.TotalOrder"}) {
    Feed f(only(inv));
    f.lead(3, 1, {1});
    f.propose(3, z(1, 1));
    f.propose(3, z(1, 2));
    f.core(3, core_event::zab_commit, R"({"zxid":"0x100000001"})", z(1, 1));
    f.txn(3, z(1, 1));
    f.core(3, core_event::zab_commit, R"({"zxid":"0x100000002"})", z(1, 2));
    f.txn(3, z(1, 2));
    f.add(make_record(trace_kind::deliver, 1, 3, 1, "{}", "COMMIT", z(1, 2)));
    f.txn(1, z(1, 2));
    f.add(make_record(trace_kind::deliver, 1, 3, 1, "{}", "COMMIT", z(1, 1)));
    f.txn(1, z(1, 1));
    CHECK(f.first() == inv);
  }
  Feed g(only("zab.GlobalPrimaryOrder"));
  g.lead(3, 2, {1});
  g.add(make_record(trace_kind::deliver, 1, 3, 1, "{}", "COMMIT", z(2, 1)));
  g.txn(1, z(2, 1));
  g.add(make_record(trace_kind::deliver, 1, 3, 1, "{}", "COMMIT", z(1, 7)));
  g.txn(1, z(1, 7));
  CHECK(g.first() == "zab.GlobalPrimaryOrder");
}

TEST_CASE("zab-spec: Agreement, two followers each delivering a txn the other has not") {
  Feed f(only("zab.Agreement"));
  f.lead(3, 1, {1, 2});
  f.add(make_record(trace_kind::deliver, 1, 3, 1, "{}", "COMMIT", z(1, 1)));
  f.txn(1, z(1, 1), "/x");
  CHECK(f.first().empty());  // s2 has delivered nothing s1 has not
  f.add(make_record(trace_kind::deliver, 2, 3, 2, "{}", "COMMIT", z(1, 1)));
  f.txn(2, z(1, 1), "/y");
  CHECK(f.first() == "zab.Agreement");
}

TEST_CASE("zab-spec: PrimaryIntegrity, a follower keeping an old txn its new leader lacks") {
  {
    Feed f(only("zab.PrimaryIntegrity"));
    f.lead(3, 1, {1, 2});
    f.broadcast(3, z(1, 1), {1, 2});
    f.add(make_record(trace_kind::deliver, 1, 3, 1, "{}", "COMMIT", z(1, 2)));
    f.txn(1, z(1, 2), "/only-s1");  // s1 alone: a txn nobody else has
    f.state(3, "LOOKING");
    f.state(1, "LOOKING");
    f.state(2, "LOOKING");
    // s2 leads epoch 2 without it, and s1 follows it (never TRUNCated).
    f.lead(2, 2, {1});
    CHECK(f.first() == "zab.PrimaryIntegrity");
  }
}

TEST_CASE("zab-spec: the flags, each on the message the specification says cannot come") {
  SECTION("commitInconsistent: a COMMIT that is not for the first pending proposal") {
    Feed f(only("zab.commitInconsistent"));
    fresh(f);
    f.lead(3, 1, {1});
    f.message(3, 1, "PROPOSAL", z(1, 1));
    f.message(3, 1, "PROPOSAL", z(1, 2));
    f.message(3, 1, "COMMIT", z(1, 2));
    CHECK(f.first() == "zab.commitInconsistent");
  }
  SECTION("proposalInconsistent: a PROPOSAL that skips a zxid") {
    Feed f(only("zab.proposalInconsistent"));
    fresh(f);
    f.lead(3, 1, {1});
    f.message(3, 1, "PROPOSAL", z(1, 1));
    f.message(3, 1, "PROPOSAL", z(1, 3));
    CHECK(f.first() == "zab.proposalInconsistent");
  }
  SECTION("ackInconsistent: an ACK for a txn the leader never proposed, and ACKs going backwards") {
    Feed f(only("zab.ackInconsistent"));
    f.lead(3, 1, {1});
    f.message(1, 3, "ACK", z(1, 5));
    CHECK(f.first() == "zab.ackInconsistent");
    Feed g(only("zab.ackInconsistent"));
    g.lead(3, 1, {1});
    g.propose(3, z(1, 1));
    g.propose(3, z(1, 2));
    g.message(1, 3, "ACK", z(1, 2));
    g.message(1, 3, "ACK", z(1, 1));
    CHECK(g.first() == "zab.ackInconsistent");
  }
  SECTION("stateInconsistent: LEADERINFO to a learner in BROADCAST") {
    Feed f(only("zab.stateInconsistent"));
    f.lead(3, 1, {1});
    f.message(3, 1, "LEADERINFO", z(1, 0));
    CHECK(f.first() == "zab.stateInconsistent");
  }
  SECTION("messageIllegal: a leader receiving a COMMIT") {
    Feed f(only("zab.messageIllegal"));
    f.lead(3, 1, {1});
    f.message(1, 3, "COMMIT", z(1, 1));
    CHECK(f.first() == "zab.messageIllegal");
  }
}

TEST_CASE("zab-spec: commit-quorum counts the leader's own ACK only once its fsync covers the txn") {
  Feed f(only("zab.commit-quorum"));
  f.lead(3, 1, {1, 2});
  f.add(make_record(trace_kind::deliver, 3, 1, 3, "{}", "ACK", z(1, 1)), 5);
  f.propose(3, z(1, 1));  // at t=0: no fsync yet
  f.core(3, core_event::zab_commit, R"({"zxid":"0x100000001"})", z(1, 1));
  f.txn(3, z(1, 1));
  REQUIRE(f.first() == "zab.commit-quorum");
  CHECK(f.engine.violations().front().message.find("not yet fsynced") != std::string::npos);

  Feed g(only("zab.commit-quorum"));
  g.lead(3, 1, {1, 2});
  g.propose(3, z(1, 1));
  g.add(make_record(trace_kind::disk_sync, 3, kNoEndpoint, kNoEndpoint, R"({"file":"log","latency_ns":0,"ok":true})"));
  g.add(make_record(trace_kind::deliver, 3, 1, 3, "{}", "ACK", z(1, 1)));
  g.core(3, core_event::zab_commit, R"({"zxid":"0x100000001"})", z(1, 1));
  g.txn(3, z(1, 1));
  CHECK(g.first().empty());
}

TEST_CASE("zab-spec: a trace without txn contents is reported as unreadable, never as checked") {
  Feed f;
  f.lead(3, 1, {1});
  f.core(3, core_event::zab_propose, R"({"zxid":"0x100000001","type":"create"})", z(1, 1));  // an older build's record
  f.add(make_record(trace_kind::send, 3, 3, 1, R"({"conn":1,"frames":[{"type":"PROPOSAL","zxid":"0x100000001"}]})",
                    "PROPOSAL", z(1, 1)));
  REQUIRE(f.engine.unreadable_records().size() == 2);
  CHECK(f.engine.unreadable_records()[0].find("field \"txn\"") != std::string::npos);
  CHECK(f.engine.unreadable_records()[1].find("frames[0].digest") != std::string::npos);
}

namespace {
// A client's read and what it got back, answered at `at` (the reply's zxid).
void read(Feed& f, std::uint64_t op, const std::string& path, std::int64_t at, const std::string& result) {
  f.add(make_record(trace_kind::client_invoke, 1001, kNoEndpoint, kNoEndpoint,
                    R"({"op_id":)" + std::to_string(op) + R"(,"path":")" + path + R"("})", "getData"));
  const bool ok = result.find("NoNode") == std::string::npos;
  f.add(make_record(trace_kind::client_return, 1001, kNoEndpoint, kNoEndpoint,
                    R"({"op_id":)" + std::to_string(op) + R"(,"err":")" + (ok ? "Ok" : "NoNode") + R"("})", "getData", at));
  f.add(make_record(trace_kind::op_result, kNoEndpoint, kNoEndpoint, kNoEndpoint,
                    R"({"op_id":)" + std::to_string(op) + "," + result + "}"));
}
}  // namespace

TEST_CASE("client-model: reads must match the committed tree at the zxid of their reply") {
  CheckConfig c;
  c.enabled = {"client.linearizable-reads"};
  Feed f(c);
  // create /a "x" at z(1,1), then set it to "y" (version 1) at z(1,2).
  const std::string create = R"({"header":{"client_id":7,"cxid":1,"zxid":4294967297,"time":0,"type":1},)"
                             R"("ops":[{"type":"create","txn":{"path":"/a","data":"x","ephemeral":true}}]})";
  const std::string set = R"({"header":{"client_id":7,"cxid":2,"zxid":4294967298,"time":0,"type":5},)"
                          R"("ops":[{"type":"setData","txn":{"path":"/a","data":"y","version":1}}]})";
  const std::string close = R"({"header":{"client_id":7,"cxid":3,"zxid":4294967299,"time":0,"type":-11},)"
                            R"("ops":[{"type":"closeSession","txn":{}}]})";
  auto commit_all = [&](Feed& feed) {
    feed.lead(3, 1, {});
    for (const auto& [zxid, txn] : {std::pair{z(1, 1), create}, std::pair{z(1, 2), set}, std::pair{z(1, 3), close}}) {
      feed.core(3, core_event::zab_commit, Json().str("zxid", "0x" + Feed::hex(zxid)).done(), zxid);
      feed.core(3, core_event::txn_commit, txn, zxid);
    }
  };
  commit_all(f);
  read(f, 1, "/a", z(1, 1), R"("err":"Ok","mzxid":4294967297,"version":0,"data":"x")");
  read(f, 2, "/a", z(1, 2), R"("err":"Ok","mzxid":4294967298,"version":1,"data":"y")");
  read(f, 3, "/a", z(1, 3), R"("err":"NoNode")");  // the ephemeral went with its session
  REQUIRE(f.first().empty());
  read(f, 4, "/a", z(1, 2), R"("err":"Ok","mzxid":4294967298,"version":1,"data":"x")");
  REQUIRE(f.first() == "client.linearizable-reads");
  CHECK(f.engine.violations().front().message.find("data that differ") != std::string::npos);
  Feed g(c);
  commit_all(g);
  read(g, 1, "/a", z(1, 3), R"("err":"Ok","mzxid":4294967298,"version":1,"data":"y")");  // kept past its session
  CHECK(g.first() == "client.linearizable-reads");

  // A read answered at a zxid the committed history has not reached waits until it has: here
  // z(1,4) is never committed, and the next committed txn (z(2,1)) shows /a gone by z(1,4).
  Feed h(c);
  commit_all(h);
  read(h, 1, "/a", z(1, 4), R"("err":"Ok","mzxid":4294967298,"version":1,"data":"y")");
  REQUIRE(h.first().empty());
  h.core(3, core_event::zab_commit, Json().str("zxid", "0x" + Feed::hex(z(2, 1))).done(), z(2, 1));
  h.txn(3, z(2, 1), "/b");
  CHECK(h.first() == "client.linearizable-reads");
}
