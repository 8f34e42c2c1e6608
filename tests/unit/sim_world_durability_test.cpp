// Servers in the simulator: crash and restart from the simulated disk, a full disk, and a client
// cut off by a partition.
#include <catch2/catch.hpp>
#include <set>

#include "sim_world_support.h"

using namespace zablab;
using namespace zablab::sim;
using namespace zablab::sim::test;

TEST_CASE("sim/world: after a crash and restart every acknowledged write is still there") {
  int unacknowledged_at_crash = 0, lost_after_crash = 0, torn = 0;
  for (std::uint64_t seed = 1; seed <= 30; ++seed) {
    INFO("seed " << seed);
    World w(small_world(seed));
    w.start();
    const EndpointId c = w.add_client(client_options(20000));
    REQUIRE(w.run_until_within([&] { return connected(w, c); }, seconds(5)));
    const std::int64_t session = w.client(c).session_id();

    std::set<std::string> acknowledged;
    for (int i = 0; i < 40; ++i) {
      const std::string path = "/k" + std::to_string(i);
      w.create(c, path, "v", create_mode::persistent,
               [&acknowledged, path](const client::Result<client::CreateResult>& r) {
                 if (r.ok()) acknowledged.insert(path);
               });
    }
    // Crash somewhere in the middle of the group commits (fsync takes 0.5-2 ms).
    w.run_for(us(w.sim().prng().uniform(200, 6000)));
    unacknowledged_at_crash += 40 - static_cast<int>(acknowledged.size());
    w.crash(1);
    CHECK_FALSE(w.up(1));
    CHECK(w.server_state(1).role == "down");
    torn += find_record(w, trace_kind::disk_crash, 1, "torn_file") ? 1 : 0;
    w.run_for(seconds(1));
    w.restart(1);
    REQUIRE(w.up(1));
    CHECK(w.server_state(1).incarnation == 2);

    // Replies already on the wire still arrive after the crash: those writes count as acknowledged
    // too, and by now every reply sent before the crash has arrived.
    const ServerState s = w.server_state(1);
    for (const auto& path : acknowledged) CHECK(s.tree->find(path) != nullptr);
    for (int i = 0; i < 40; ++i) lost_after_crash += s.tree->find("/k" + std::to_string(i)) ? 0 : 1;
    // The session was logged before it was acknowledged, so it survives too.
    bool session_recovered = false;
    for (const auto& si : s.sessions) session_recovered |= si.id == session;
    CHECK(session_recovered);
    // The client gets back in with its session; its last zxid is not ahead of the server's.
    REQUIRE(w.run_until_within([&] { return connected(w, c); }, seconds(30)));
    CHECK(w.client(c).session_id() == session);
    // Writes the server never acknowledged failed with ConnectionLoss: the client cannot know.
    for (const auto& o : w.history())
      if (o.returned_ns && !acknowledged.count(o.path)) CHECK(o.err == Err::connection_loss);
  }
  // The test exercised something: writes were in flight at the crash, some were lost, some tails torn.
  CHECK(unacknowledged_at_crash > 0);
  CHECK(lost_after_crash > 0);
  CHECK(torn > 0);
}

TEST_CASE("sim/world: a full disk makes the server stop, and the world marks it crashed") {
  World w(small_world(21));
  w.start();
  const EndpointId c = w.add_client(client_options());
  REQUIRE(w.run_until_within([&] { return connected(w, c); }, seconds(5)));
  const auto before = w.create(c, "/before", "", create_mode::persistent);
  REQUIRE(w.run_until_within([&] { return w.done(before); }, seconds(5)));
  REQUIRE(w.op(before).err == Err::ok);

  w.disk(1).set_full(true);
  const auto doomed = w.create(c, "/after", "", create_mode::persistent);
  REQUIRE(w.run_until_within([&] { return !w.up(1); }, seconds(5)));
  const ServerState s = w.server_state(1);
  CHECK(s.role == "down");
  CHECK(s.down_reason.find(kNoSpace) != std::string::npos);
  CHECK(find_record(w, trace_kind::shutdown, 1, kNoSpace) != nullptr);
  REQUIRE(w.run_until_within([&] { return w.done(doomed); }, seconds(5)));
  CHECK(w.op(doomed).err == Err::connection_loss);
  CHECK(w.client(c).state() == client::State::suspended);

  // An operator frees space and restarts it: what was acknowledged is there, the rest is not.
  w.disk(1).set_full(false);
  w.restart(1);
  CHECK(w.server_state(1).tree->find("/before") != nullptr);
  CHECK(w.server_state(1).tree->find("/after") == nullptr);
  REQUIRE(w.run_until_within([&] { return connected(w, c); }, seconds(30)));
}

TEST_CASE("sim/world: a client cut off from its server sees the connection break after the timeout") {
  WorldOptions o = small_world(31);
  o.network.break_timeout = seconds(3);
  World w(o);
  w.start();
  const EndpointId c = w.add_client(client_options(30000));  // pings every 10 s, gives up after 20 s
  StateLog states(w, c);
  REQUIRE(w.run_until_within([&] { return connected(w, c); }, seconds(5)));
  const std::uint64_t mark = w.trace().size();

  w.isolate(c);
  const Nanos cut_at = w.now();
  REQUIRE(w.run_until_within([&] { return states.saw(client::State::suspended); }, seconds(30)));
  // The next ping is lost, and TCP gives up break_timeout later: both ends hear it.
  const TraceRecord* lost_ping = find_record(w, trace_kind::drop, c, "partition", mark);
  REQUIRE(lost_ping != nullptr);
  const TraceRecord* client_side = find_record(w, trace_kind::closed, c, "timeout", mark);
  const TraceRecord* server_side = find_record(w, trace_kind::closed, 1, "timeout", mark);
  REQUIRE(client_side != nullptr);
  REQUIRE(server_side != nullptr);
  CHECK(client_side->time_ns == lost_ping->time_ns + seconds(3));
  CHECK(server_side->time_ns == client_side->time_ns);
  CHECK(client_side->time_ns - cut_at <= seconds(10) + seconds(3));
  CHECK(w.links().component_of(c) != w.links().component_of(1));

  // Healed, it reconnects to the same session (30 s timeout not yet passed).
  const std::int64_t session = w.client(c).session_id();
  w.heal();
  REQUIRE(w.run_until_within([&] { return connected(w, c); }, seconds(15)));
  CHECK(w.client(c).session_id() == session);
}

namespace {

// Writes 40 znodes and stops server 1 `how` ("kill" or "power-off") in the middle of the group
// commits; restarts it once its client has heard of it. Returns what the kill or power loss did.
struct StopResult {
  int acknowledged = 0;      // creates the client was told succeeded
  int recovered = 0;         // of the 40, the znodes the restarted server has
  bool bytes_kept = true;    // every file kept at least what was readable at the stop
  Nanos client_heard = -1;   // how long after the stop the client's connection closed
};

StopResult stop_server(std::uint64_t seed, const std::string& how) {
  WorldOptions o = small_world(seed);
  o.network.break_timeout = seconds(3);
  World w(o);
  w.start();
  const EndpointId c = w.add_client(client_options(30000));
  REQUIRE(w.run_until_within([&] { return connected(w, c); }, seconds(5)));
  StopResult out;
  for (int i = 0; i < 40; ++i)
    w.create(c, "/k" + std::to_string(i), "v", create_mode::persistent,
             [&out](const client::Result<client::CreateResult>& r) { out.acknowledged += r.ok() ? 1 : 0; });
  w.run_for(us(w.sim().prng().uniform(200, 6000)));
  const auto before = w.disk(1).files();
  const std::uint64_t mark = w.trace().size();
  const Nanos stopped_at = w.now();
  if (how == "kill") {
    w.server_host(1).kill("kill");
  } else {
    w.server_host(1).power_off("power-off");
  }
  CHECK_FALSE(w.up(1));
  // The client learns of it when its connection closes under it (closed), or when it gives up
  // itself (close: its read timeout).
  auto heard = [&] {
    const TraceRecord* r = find_record(w, trace_kind::closed, c, "", mark);
    return r ? r : find_record(w, trace_kind::close, c, "", mark);
  };
  REQUIRE(w.run_until_within([&] { return heard() != nullptr; }, seconds(60)));
  out.client_heard = heard()->time_ns - stopped_at;
  const auto after = w.disk(1).files();
  for (const auto& [file, info] : before)
    out.bytes_kept = out.bytes_kept && after.count(file) && after.at(file).size >= info.size;
  w.restart(1);
  const ServerState s = w.server_state(1);
  for (int i = 0; i < 40; ++i) out.recovered += s.tree->find("/k" + std::to_string(i)) ? 1 : 0;
  return out;
}

}  // namespace

TEST_CASE("sim/world: a killed server keeps its un-fsynced writes and its client hears the reset at once") {
  int beyond_acknowledged = 0;
  for (std::uint64_t seed = 1; seed <= 10; ++seed) {
    INFO("seed " << seed);
    const StopResult r = stop_server(seed, "kill");
    CHECK(r.bytes_kept);  // the page cache survives: nothing readable is lost
    CHECK(r.recovered >= r.acknowledged);
    CHECK(r.client_heard <= ms(5));  // the kernel resets the connection: one network hop
    beyond_acknowledged += r.recovered - r.acknowledged;
  }
  CHECK(beyond_acknowledged > 0);  // writes never fsynced (so never acknowledged) survived a kill
}

TEST_CASE("sim/world: a powered-off server loses its un-fsynced writes and its client notices only by timeout") {
  int lost_unsynced = 0;
  for (std::uint64_t seed = 1; seed <= 10; ++seed) {
    INFO("seed " << seed);
    const StopResult kill = stop_server(seed, "kill");
    const StopResult power = stop_server(seed, "power-off");
    CHECK(power.recovered >= power.acknowledged);  // fsynced means durable, either way
    CHECK(power.recovered <= kill.recovered);
    lost_unsynced += kill.recovered - power.recovered;
    // No FIN, no reset: the client's next ping is never acknowledged and its TCP gives up
    // break_timeout (3 s) later, or its own read timeout fires first.
    CHECK(power.client_heard > seconds(1));
  }
  CHECK(lost_unsynced > 0);
}
