// Sessions in simulated time: expiry over an hour of virtual time, ephemeral cleanup seen by
// another client, and a reconnect that keeps the session.
#include <catch2/catch.hpp>

#include "sim_world_support.h"

using namespace zablab;
using namespace zablab::sim;
using namespace zablab::sim::test;

TEST_CASE("sim/world: a healthy session lives through an hour of virtual time") {
  World w(small_world(11));
  w.start();
  const EndpointId c = w.add_client(client_options());
  REQUIRE(w.run_until_within([&] { return connected(w, c); }, seconds(5)));
  const std::int64_t session = w.client(c).session_id();
  w.run_for(kHour);
  CHECK(w.now() >= kHour);
  CHECK(connected(w, c));
  CHECK(w.client(c).session_id() == session);
  CHECK(w.client(c).stats().pings_sent > 1000);  // every timeout/3
  REQUIRE(w.server_state(1).sessions.size() == 1);
  CHECK(w.server_state(1).sessions[0].id == session);
}

TEST_CASE("sim/world: a client cut off for an hour loses its session; another client sees its ephemeral go") {
  World w(small_world(12));
  w.start();
  const EndpointId owner = w.add_client(client_options(6000));
  const EndpointId watcher = w.add_client(client_options());
  StateLog owner_states(w, owner);
  REQUIRE(w.run_until_within([&] { return connected(w, owner) && connected(w, watcher); }, seconds(5)));
  const std::int64_t old_session = w.client(owner).session_id();

  const auto created = w.create(owner, "/lock", "me", create_mode::ephemeral);
  REQUIRE(w.run_until_within([&] { return w.done(created); }, seconds(5)));
  REQUIRE(w.op(created).err == Err::ok);
  const auto seen = w.exists(watcher, "/lock");
  REQUIRE(w.run_until_within([&] { return w.done(seen); }, seconds(5)));
  CHECK(w.op(seen).err == Err::ok);

  w.isolate(owner);
  const Nanos cut_at = w.now();
  w.run_for(kHour);

  // The server expired the session and deleted its ephemeral...
  const TraceRecord* expiry = find_record(w, trace_kind::core, 1, "\"session\"");
  for (const auto& r : w.trace().records())
    if (r.kind == trace_kind::core && r.msg_type == core_event::session_expire) expiry = &r;
  REQUIRE(expiry != nullptr);
  CHECK(expiry->msg_type == core_event::session_expire);
  CHECK(expiry->time_ns - cut_at <= seconds(6) + seconds(2) + seconds(1));  // timeout + a tick bucket + slack
  for (const auto& s : w.server_state(1).sessions) CHECK(s.id != old_session);
  CHECK(w.server_state(1).tree->find("/lock") == nullptr);
  // ...which the other client sees.
  const auto gone = w.exists(watcher, "/lock");
  REQUIRE(w.run_until_within([&] { return w.done(gone); }, seconds(5)));
  CHECK(w.op(gone).err == Err::no_node);
  // The cut-off client noticed it lost the connection; back on the network it learns of the expiry.
  CHECK(owner_states.saw(client::State::suspended));
  w.heal();
  REQUIRE(w.run_until_within([&] { return owner_states.saw(client::State::lost); }, seconds(30)));
  REQUIRE(w.run_until_within([&] { return connected(w, owner); }, seconds(30)));
  CHECK(w.client(owner).session_id() != old_session);  // renewed: a brand new session
}

TEST_CASE("sim/world: a client reconnecting after a dropped connection keeps its session and ephemerals") {
  World w(small_world(13));
  w.start();
  const EndpointId c = w.add_client(client_options());
  StateLog states(w, c);
  REQUIRE(w.run_until_within([&] { return connected(w, c); }, seconds(5)));
  const std::int64_t session = w.client(c).session_id();
  const auto created = w.create(c, "/mine", "", create_mode::ephemeral);
  REQUIRE(w.run_until_within([&] { return w.done(created); }, seconds(5)));

  CHECK(w.drop_connections(c) == 1);
  REQUIRE(w.run_until_within([&] { return states.saw(client::State::suspended); }, seconds(1)));
  REQUIRE(w.run_until_within([&] { return connected(w, c); }, seconds(10)));
  CHECK(w.client(c).session_id() == session);
  CHECK_FALSE(states.saw(client::State::lost));
  CHECK(w.client(c).stats().sessions_established == 2);
  CHECK(w.server_state(1).tree->find("/mine") != nullptr);
  const auto read = w.get_data(c, "/mine");
  REQUIRE(w.run_until_within([&] { return w.done(read); }, seconds(5)));
  CHECK(w.op(read).err == Err::ok);
}
