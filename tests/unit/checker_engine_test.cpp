// The checkers over hand-written trace records: each rule, what it ignores, and the reading of
// detail JSON it relies on.
#include <catch2/catch.hpp>

#include "sim/checkers/json_fields.h"
#include "tests/unit/checker_feed.h"

using namespace zablab::sim;
using namespace zablab::sim::check;
using namespace zablab::sim::check::test;

TEST_CASE("checker/json: top-level members only, hex zxids, escapes, arrays") {
  const std::string txn = R"({"header":{"client_id":7,"zxid":4294967297},"zxid":"0x100000002","s":"a\"b\u00ff","n":-3})";
  CHECK(json_int(txn, "zxid") == 0x100000002);  // not the header's
  CHECK(json_int(txn, "n") == -3);
  CHECK(json_string(txn, "s") == std::string("a\"b\xff"));
  CHECK_FALSE(json_int(txn, "client_id"));
  CHECK_FALSE(json_member("not json", "x"));
  CHECK(json_int_array(R"({"voters":[1, 2,3],"x":1})", "voters") == std::vector<std::int64_t>{1, 2, 3});
  CHECK(json_string_array(R"({"c":["c1","c2"]})", "c") == std::vector<std::string>{"c1", "c2"});
  CHECK(json_int_array(R"({"voters":[]})", "voters") == std::vector<std::int64_t>{});
}


TEST_CASE("checker/engine: a correct broadcast passes every rule") {
  Feed f;
  for (EndpointId s = 1; s <= 3; ++s) f.add(make_record(trace_kind::start, s, kNoEndpoint, kNoEndpoint, "{}"));
  f.establish(3, 1, {1, 2});
  for (int i = 1; i <= 3; ++i) {
    f.commit_at_leader(3, z(1, i), {1});
    f.deliver_commit(1, 3, z(1, i));
    f.deliver_commit(2, 3, z(1, i));
  }
  INFO((f.engine.violated() ? f.engine.violations().front().describe() : std::string()));
  CHECK(f.first().empty());
  CHECK(f.engine.committed().size() == 3);
  CHECK(f.engine.server_has(2, z(1, 3)));
}

TEST_CASE("checker/engine: two leaders establishing one epoch") {
  Feed f;
  f.establish(3, 1, {});
  const auto seq = f.seq;
  f.establish(2, 1, {});
  REQUIRE(f.first() == "zab.one-leader-per-epoch");
  CHECK(f.engine.violations().front().seq == seq + 2);  // the second zab.established
  CHECK(f.engine.violations().front().message == "s2 established epoch 1, which s3 already established at seq 3");
}

TEST_CASE("checker/engine: a server whose always-on assertion fired fails the run (zab.assertion)") {
  Feed f;
  f.establish(3, 1, {1, 2});
  REQUIRE_FALSE(f.engine.violated());
  f.core(2, core_event::invariant_broken, R"({"invariant":"a follower logs proposals in zxid order","values":"last 0x100000002, got 0x100000001"})");
  REQUIRE(f.first() == "zab.assertion");
  CHECK(f.engine.violations().front().message ==
        "s2 stopped: invariant broken: a follower logs proposals in zxid order (last 0x100000002, got 0x100000001)");
}

TEST_CASE("checker/engine: a commit without a quorum of delivered ACKs") {
  Feed f;
  f.establish(3, 1, {1, 2});
  f.commit_at_leader(3, z(1, 1), {});
  CHECK(f.first() == "zab.commit-quorum");
}

TEST_CASE("checker/engine: what a learner applies while stepping down is not a delivery") {
  // ZooKeeper applies a learner's logged proposals when it goes LOOKING; a new leader may TRUNC
  // them. Neither is a violation: they were never committed.
  Feed f;
  f.establish(3, 1, {1, 2});
  f.commit_at_leader(3, z(1, 1), {1});
  f.deliver_commit(1, 3, z(1, 1));
  f.deliver_commit(2, 3, z(1, 1));
  f.add(make_record(trace_kind::deliver, 1, 3, 1, "{}", "PROPOSAL", z(1, 2)));
  f.add(make_record(trace_kind::closed, 1, kNoEndpoint, kNoEndpoint, "{}"));
  f.txn(1, z(1, 2), "/tentative");  // go_looking applies the pending proposal
  f.state(1, "LOOKING");
  f.establish(2, 2, {1});
  f.core(1, core_event::zab_trunc, R"({"zxid":"0x100000001","from":"0x100000002"})");
  CHECK(f.first().empty());
  CHECK_FALSE(f.engine.server_has(1, z(1, 2)));
}

TEST_CASE("checker/engine: a TRUNC that discards a committed txn") {
  Feed f;
  f.establish(3, 1, {1, 2});
  f.commit_at_leader(3, z(1, 1), {1});
  f.deliver_commit(1, 3, z(1, 1));
  f.core(1, core_event::zab_trunc, R"({"zxid":"0x0","from":"0x100000001"})");
  CHECK(f.first() == "zab.primary-integrity");
}

TEST_CASE("checker/engine: a new leader without a committed txn") {
  Feed f;
  f.establish(3, 1, {1, 2});
  f.commit_at_leader(3, z(1, 1), {1});
  f.deliver_commit(1, 3, z(1, 1));
  f.state(2, "LOOKING");
  f.establish(2, 2, {});  // s2 never got the COMMIT nor the PROPOSAL
  CHECK(f.first() == "zab.primary-integrity");
}

TEST_CASE("checker/engine: applying out of zxid order, and two txns with one zxid") {
  Feed order;
  order.establish(3, 1, {1});
  order.txn(1, z(1, 2));
  order.txn(1, z(1, 1));
  CHECK(order.first() == "zab.delivery-order");

  Feed twins;
  twins.establish(3, 1, {1});
  twins.txn(3, z(1, 1), "/a");
  twins.txn(1, z(1, 1), "/b");
  CHECK(twins.first() == "zab.prefix-agreement");
}

TEST_CASE("checker/engine: client zxids going backwards, and writes against real time") {
  Feed f;
  f.add(make_record(trace_kind::deliver, 1001, 2, 1001, "{}", "reply:getData", z(1, 5)));
  f.add(make_record(trace_kind::deliver, 1001, 1, 1001, "{}", "reply:getData", z(1, 3)));
  CHECK(f.first() == "client.monotonic-zxid");

  Feed g;
  g.add(make_record(trace_kind::client_invoke, 1001, kNoEndpoint, kNoEndpoint, R"({"op_id":1,"path":"/x"})", "create"), 10);
  g.add(make_record(trace_kind::client_return, 1001, kNoEndpoint, kNoEndpoint, R"({"op_id":1,"err":"Ok"})", "create", z(2, 1)), 20);
  g.add(make_record(trace_kind::client_invoke, 1002, kNoEndpoint, kNoEndpoint, R"({"op_id":2,"path":"/y"})", "create"), 30);
  g.add(make_record(trace_kind::client_return, 1002, kNoEndpoint, kNoEndpoint, R"({"op_id":2,"err":"Ok"})", "create", z(1, 9)), 40);
  CHECK(g.first() == "client.real-time-order");

  // Concurrent writes may commit in either order.
  Feed h;
  h.add(make_record(trace_kind::client_invoke, 1001, kNoEndpoint, kNoEndpoint, R"({"op_id":1,"path":"/x"})", "create"), 10);
  h.add(make_record(trace_kind::client_invoke, 1002, kNoEndpoint, kNoEndpoint, R"({"op_id":2,"path":"/y"})", "create"), 15);
  h.add(make_record(trace_kind::client_return, 1001, kNoEndpoint, kNoEndpoint, R"({"op_id":1,"err":"Ok"})", "create", z(1, 2)), 20);
  h.add(make_record(trace_kind::client_return, 1002, kNoEndpoint, kNoEndpoint, R"({"op_id":2,"err":"Ok"})", "create", z(1, 1)), 40);
  CHECK(h.first().empty());
}

TEST_CASE("checker/engine: only the enabled invariants report") {
  CheckConfig c;
  c.enabled = {"zab.delivery-order"};
  Feed f(c);
  f.establish(3, 1, {});
  f.establish(2, 1, {});
  CHECK(f.first().empty());
  CHECK(invariants().size() == 32);
  CHECK(is_invariant("client.sync-linearizable"));
  CHECK_FALSE(is_invariant("zab.everything"));
}
