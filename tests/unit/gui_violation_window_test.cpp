// The violation window in the visualizer's model: a check.violation's "ops" resolved to the
// client, invocation and return of each operation, for the client lanes and the events list.
#include <catch2/catch.hpp>

#include "gui/model/violation_window.h"

using namespace zablab;
using namespace zablab::gui;

namespace {

void add(Timeline& t, std::string_view kind, EndpointId node, std::string detail, std::string msg_type = {}) {
  TraceRecord r = sim::make_record(kind, node, kNoEndpoint, kNoEndpoint, std::move(detail), std::move(msg_type));
  r.seq = t.size();
  r.time_ns = static_cast<Nanos>(t.size()) * 1000;
  t.append(std::move(r));
}

}  // namespace

TEST_CASE("gui/violation window: the ops a violation names are found on their clients' invocations and returns",
          "[gui]") {
  Timeline t;
  ViolationWindows w;
  add(t, "client.invoke", 1001, R"({"op_id":1,"path":"/f/a","bytes":2})", "setData");   // seq 0
  add(t, "client.invoke", 1002, R"({"op_id":2,"path":"/f/a","bytes":2})", "setData");   // seq 1
  add(t, "client.invoke", 1001, R"({"op_id":3,"path":"/f/b","bytes":0})", "getData");   // seq 2
  add(t, "client.return", 1001, R"({"op_id":1,"err":"Ok"})", "setData");                // seq 3
  add(t, "client.return", 1001, R"({"op_id":3,"err":"Ok"})", "getData");                // seq 4
  w.follow(t);
  CHECK(w.windows().empty());
  CHECK(w.first() == nullptr);

  // A violation without ops names no window; one with ops does, even before all of them returned.
  add(t, "check.violation", 1001, R"({"invariant":"client.monotonic-zxid","seq":4})", "client.monotonic-zxid");  // 5
  add(t, "check.violation", 1001, R"({"invariant":"client.linearizable-writes","seq":6,"ops":[2,1,9]})",
      "client.linearizable-writes");  // seq 6
  w.follow(t);
  REQUIRE(w.windows().size() == 1);
  const ViolationWindow* first = w.first();
  REQUIRE(first);
  CHECK(first->violation_seq == 6);
  CHECK(first->invariant == "client.linearizable-writes");
  REQUIRE(first->ops.size() == 3);
  CHECK(first->ops[0].op_id == 2);
  CHECK(first->ops[0].client == 1002);
  CHECK(first->ops[0].op == "setData");
  CHECK(first->ops[0].path == "/f/a");
  CHECK(first->ops[0].invoke_seq == 1);
  CHECK(first->ops[0].return_seq == -1);  // still in flight at the violation
  CHECK(first->ops[1].client == 1001);
  CHECK(first->ops[1].invoke_seq == 0);
  CHECK(first->ops[1].return_seq == 3);
  CHECK(first->ops[2].client == kNoEndpoint);  // op 9 is not in the trace
  CHECK(w.marks(0));
  CHECK(w.marks(1));
  CHECK(w.marks(3));
  CHECK_FALSE(w.marks(2));  // op 3 is not in the window
  CHECK_FALSE(w.marks(4));

  // Op 2 returns after the violation: its band closes there.
  add(t, "client.return", 1002, R"({"op_id":2,"err":"ConnectionLoss"})", "setData");  // seq 7
  w.follow(t);
  CHECK(w.first()->ops[0].return_seq == 7);
  CHECK(w.marks(7));
}
