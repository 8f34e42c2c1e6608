// client.fifo-order and client.sequential-names over hand-made traces: each fires on a bad one
// and stays quiet on a good one.
#include <catch2/catch.hpp>

#include "tests/unit/checker_feed.h"

using namespace zablab::sim;
using namespace zablab::sim::check;
using namespace zablab::sim::check::test;

namespace {

// A server's reply to a client, as the client-protocol tap writes its net.send.
void reply(Feed& f, EndpointId server, EndpointId client, int conn, int xid, const char* type = "reply:getData") {
  f.add(make_record(trace_kind::send, server, server, client,
                    R"({"conn":)" + std::to_string(conn) + R"(,"bytes":20,"frames":[{"type":")" + type +
                        R"(","xid":)" + std::to_string(xid) + R"(,"zxid":4294967297,"err":"Ok"}]})",
                    type, z(1, 1)));
}

void invoke(Feed& f, EndpointId client, std::uint64_t op, const char* what, const std::string& path) {
  f.add(make_record(trace_kind::client_invoke, client, kNoEndpoint, kNoEndpoint,
                    R"({"op_id":)" + std::to_string(op) + R"(,"path":")" + path + R"("})", what));
}

void ret(Feed& f, EndpointId client, std::uint64_t op, const char* what, const char* err, std::int64_t zxid) {
  f.add(make_record(trace_kind::client_return, client, kNoEndpoint, kNoEndpoint,
                    R"({"op_id":)" + std::to_string(op) + R"(,"err":")" + err + R"("})", what, zxid));
}

// A sequential create of parent + "/n-" by c1, answered with `name` at `zxid`.
void seq_create(Feed& f, std::uint64_t op, const std::string& name, std::int64_t zxid) {
  invoke(f, 1001, op, "create", "/q/n-");
  ret(f, 1001, op, "create", "Ok", zxid);
  f.add(make_record(trace_kind::op_result, kNoEndpoint, kNoEndpoint, kNoEndpoint,
                    R"({"op_id":)" + std::to_string(op) + R"(,"err":"Ok","path":")" + name + R"("})"));
}

CheckConfig only(const char* invariant) {
  CheckConfig c;
  c.enabled = {invariant};
  return c;
}

}  // namespace

TEST_CASE("client/fifo-order: a server's replies on one connection must follow the request order") {
  Feed good(only("client.fifo-order"));
  reply(good, 1, 1001, 7, 1);
  reply(good, 1, 1001, 7, 2, "reply:setData");
  reply(good, 1, 1001, 7, -2, "reply:ping");  // pings and notifications are not numbered requests
  reply(good, 2, 1001, 8, 1);                 // another connection has its own order
  reply(good, 1, 1001, 7, 3);
  CHECK(good.first().empty());

  Feed bad(only("client.fifo-order"));
  reply(bad, 1, 1001, 7, 1);
  reply(bad, 1, 1001, 7, 3);
  reply(bad, 1, 1001, 7, 2, "reply:setData");
  REQUIRE(bad.first() == "client.fifo-order");
  CHECK(bad.engine.violations().front().message ==
        "s1 answered c1's request xid 2 (reply:setData) on connection 7 after its request xid 3 (answered at seq 2), "
        "which the client sent later");
}

TEST_CASE("client/fifo-order: a client's operations return in the order it invoked them") {
  Feed good(only("client.fifo-order"));
  invoke(good, 1001, 1, "setData", "/a");
  invoke(good, 1001, 2, "getData", "/a");
  invoke(good, 1002, 3, "getData", "/a");
  ret(good, 1002, 3, "getData", "Ok", z(1, 1));  // another client's: no order between clients
  ret(good, 1001, 1, "setData", "Ok", z(1, 1));
  ret(good, 1001, 2, "getData", "Ok", z(1, 1));
  CHECK(good.first().empty());

  Feed lost(only("client.fifo-order"));  // a connection loss fails pending ops in any order
  invoke(lost, 1001, 1, "setData", "/a");
  invoke(lost, 1001, 2, "getData", "/a");
  ret(lost, 1001, 2, "getData", "ConnectionLoss", -1);
  ret(lost, 1001, 1, "setData", "ConnectionLoss", -1);
  CHECK(lost.first().empty());

  Feed bad(only("client.fifo-order"));
  invoke(bad, 1001, 1, "setData", "/a");
  invoke(bad, 1001, 2, "getData", "/a");
  ret(bad, 1001, 2, "getData", "Ok", z(1, 1));
  ret(bad, 1001, 1, "setData", "BadVersion", z(1, 1));
  REQUIRE(bad.first() == "client.fifo-order");
  CHECK(bad.engine.violations().front().message ==
        "c1's setData /a (op 1) returned after its getData /a (op 2), which it invoked later");
}

TEST_CASE("client/sequential-names: unique under a parent, increasing in commit order") {
  Feed good(only("client.sequential-names"));
  seq_create(good, 1, "/q/n-0000000000", z(1, 1));
  seq_create(good, 2, "/q/n-0000000003", z(1, 5));  // gaps are fine: deletes bump the counter too
  seq_create(good, 3, "/p/n-0000000000", z(1, 6));  // another parent counts on its own
  seq_create(good, 4, "/q/n-0000000002", z(1, 4));  // answered late, but committed in between
  CHECK(good.first().empty());

  Feed reused(only("client.sequential-names"));
  seq_create(reused, 1, "/q/n-0000000000", z(1, 1));
  seq_create(reused, 2, "/q/n-0000000001", z(1, 2));
  seq_create(reused, 3, "/q/n-0000000001", z(2, 1));  // a counter reused (after a restart, say)
  REQUIRE(reused.first() == "client.sequential-names");
  CHECK(reused.engine.violations().front().message ==
        "create /q/n-0000000001 by c1 (zxid 0x200000001) got a counter not above that of /q/n-0000000001, created "
        "earlier (zxid 0x100000002)");

  Feed backwards(only("client.sequential-names"));
  seq_create(backwards, 1, "/q/n-0000000007", z(1, 3));
  seq_create(backwards, 2, "/q/n-0000000005", z(1, 4));
  CHECK(backwards.first() == "client.sequential-names");
}
