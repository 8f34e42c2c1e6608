// Recovery after a crash at every disk write boundary of a short workload: whatever the server
// had acknowledged is there after the restart, a torn tail is cut off, and the recovered tree is
// exactly the tree the server had applied up to its last durable txn.
#include <catch2/catch.hpp>
#include <set>

#include "core/persist/snapshot.h"
#include "sim_world_support.h"

using namespace zablab;
using namespace zablab::sim;
using namespace zablab::sim::test;

namespace {

std::size_t disk_completions(World& w) {
  std::size_t n = 0;
  for (const auto& r : w.trace().records())
    if (r.node == 1 && (r.kind == trace_kind::disk_append || r.kind == trace_kind::disk_sync ||
                        r.kind == trace_kind::disk_write))
      ++n;
  return n;
}

struct Run {
  std::set<std::string> acknowledged;
  std::size_t boundaries = 0;
};

// The workload: 12 creates and 6 setData, 3 at a time, with snapshots every few txns.
Run run_workload(World& w, std::size_t crash_after_boundary) {
  Run run;
  w.start();
  const EndpointId c = w.add_client(client_options(20000));
  REQUIRE(w.run_until_within([&] { return connected(w, c); }, seconds(5)));
  for (int i = 0; i < 18; ++i) {
    const std::string path = "/k" + std::to_string(i % 12);
    auto done = [&run, path](Err err) {
      if (err == Err::ok) run.acknowledged.insert(path);
    };
    if (i < 12) {
      w.create(c, path, "v" + std::to_string(i), create_mode::persistent,
               [done](const client::Result<client::CreateResult>& r) { done(r.err); });
    } else {
      w.set_data(c, path, "again", -1, [done](const client::Result<jute::Stat>& r) { done(r.err); });
    }
  }
  // Step until the chosen disk boundary (or the end of the workload).
  for (std::uint64_t steps = 0; steps < 1'000'000 && w.step(); ++steps) {
    run.boundaries = disk_completions(w);
    if (run.boundaries >= crash_after_boundary) break;
    if (w.history().size() == 18 && std::all_of(w.history().begin(), w.history().end(),
                                                [](const ClientOp& o) { return o.returned_ns.has_value(); }))
      break;
  }
  return run;
}

}  // namespace

TEST_CASE("persist/crash sweep: a crash at every disk write boundary loses nothing acknowledged") {
  auto options = [] {
    WorldOptions o = small_world(7);
    o.server.snap_count = 8;  // snapshots (and log rolls) inside the workload
    return o;
  };
  // How many boundaries the whole workload has.
  std::size_t total = 0;
  {
    World w(options());
    total = run_workload(w, SIZE_MAX).boundaries;
  }
  REQUIRE(total > 20);
  int torn_tails = 0;
  for (std::size_t boundary = 1; boundary <= total; ++boundary) {
    INFO("crash after disk completion " << boundary << " of " << total);
    World w(options());
    Run run = run_workload(w, boundary);
    w.crash(1);
    torn_tails += find_record(w, trace_kind::disk_crash, 1, "torn_file") ? 1 : 0;
    w.restart(1);
    REQUIRE(w.up(1));
    const ServerState s = w.server_state(1);
    REQUIRE(s.tree != nullptr);
    for (const auto& path : run.acknowledged) CHECK(s.tree->find(path) != nullptr);
  }
  CHECK(torn_tails > 0);  // the sweep did hit half-written entries
}

TEST_CASE("persist/replay: snapshot + log replay gives exactly the live tree") {
  WorldOptions o = small_world(11);
  o.server.snap_count = 6;
  World w(o);
  Run run = run_workload(w, SIZE_MAX);
  const std::string live = persist::serialize_snapshot(*w.server_state(1).tree);
  w.run_for(seconds(1));  // every fsync done
  w.crash(1);
  w.restart(1);
  // The sessions table may differ only if a session closed; none did here.
  CHECK(persist::serialize_snapshot(*w.server_state(1).tree) == live);
  CHECK(run.acknowledged.size() == 12);
}
