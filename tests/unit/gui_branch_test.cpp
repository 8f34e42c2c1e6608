// The visualizer going back in a live world (a deterministic re-run), jumping to a record,
// manual delivery (the teacher picks which held message arrives next), the client console's
// commands, and recording the session to a trace.db -- all without a window.
#include <catch2/catch.hpp>

#include <filesystem>
#include <set>

#include "gui/model/controller.h"
#include "sim/sim_network.h"
#include "sim/world.h"

using namespace zablab;
using namespace zablab::gui;

namespace {

std::string temp_path(const std::string& name) {
  return (std::filesystem::temp_directory_path() / ("zablab_gui_branch_" + name)).string();
}

sim::World& world(LiveSource& s) { return s.mutable_world(); }

void advance_to_size(LiveSource& s, std::size_t n) {
  for (int i = 0; world(s).trace().size() < n && i < 1000000; ++i) REQUIRE(s.advance());
}

std::vector<TraceRecord> first(LiveSource& s, std::size_t n) {
  const auto& all = world(s).trace().records();
  return std::vector<TraceRecord>(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(std::min(n, all.size())));
}

std::vector<TraceRecord> head(const std::vector<TraceRecord>& v, std::size_t n) {
  return std::vector<TraceRecord>(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(std::min(n, v.size())));
}

}  // namespace

TEST_CASE("gui/branch: rewinding a live world re-runs it exactly up to the chosen record", "[gui]") {
  LiveOptions o;
  o.voters = 3;
  LiveSource s(o);
  advance_to_size(s, 900);
  s.run_to(world(s).trace().records().back().time_ns + 300 * sim::kMillisecond);
  Command crash;
  crash.kind = CommandKind::crash;
  crash.a = 3;
  std::string error;
  REQUIRE(s.apply(crash, error));
  const std::size_t crashed_at = world(s).trace().size();
  advance_to_size(s, crashed_at + 400);
  const auto before = first(s, world(s).trace().size());

  // Back to a record after the crash: the crash is replayed too.
  REQUIRE(s.rewind(crashed_at + 100, error));
  CHECK_FALSE(world(s).server_host(3).up());
  CHECK(first(s, crashed_at + 101) == head(before, crashed_at + 101));
  // Back to a record before the crash: the same records, and the world goes on as it did.
  REQUIRE(s.rewind(500, error));
  CHECK(world(s).trace().size() > 500);
  CHECK(world(s).trace().size() < 520);  // only the rest of record 500's step
  CHECK(first(s, world(s).trace().size()) == head(before, world(s).trace().size()));
  CHECK(world(s).server_host(3).up());
  // Replaying the same inputs again (here: nothing but steps) gives the same records.
  advance_to_size(s, 800);
  CHECK(first(s, 800) == head(before, 800));

  CHECK_FALSE(s.rewind(1u << 30, error));
  CHECK(error.find("not happened") != std::string::npos);
}

TEST_CASE("gui/branch: a command given at an earlier cursor branches the live world there", "[gui]") {
  LiveOptions o;
  Controller c(std::make_unique<LiveSource>(o));
  c.update(0);
  c.jump_to_time(3000 * sim::kMillisecond);
  c.update(0);
  const std::size_t long_size = c.timeline().size();
  REQUIRE(long_size > 300);
  // Jump to a record by number (the "go to #" field), then crash s1 there.
  c.ui().navigation.push_back(Navigation{Navigation::Kind::record, 200, 0, Category::zab});
  c.update(0);
  REQUIRE(c.ui().cursor == 200);
  Command crash;
  crash.kind = CommandKind::crash;
  crash.a = 1;
  c.ui().commands.push_back(crash);
  c.update(0);
  CHECK(c.timeline().size() < long_size);  // the old future is gone
  CHECK(c.ui().status.find("crash s1") != std::string::npos);
  bool crashed = false;
  for (std::size_t s = 200; s < c.timeline().size(); ++s)
    if (c.timeline().at(s).kind == sim::trace_kind::crash && c.timeline().at(s).node == 1) crashed = true;
  CHECK(crashed);
  // Stepping back in a replayed branch moves only the cursor; rewinding a replay is refused.
  c.step_back();
  c.update(0);
  CHECK(c.ui().cursor < 200 + 50);
}

TEST_CASE("gui/branch: manual delivery holds peer messages and delivers the chosen stream head", "[gui]") {
  auto run = [](std::vector<std::pair<ConnId, EndpointId>>* picks_out, const std::vector<std::pair<ConnId, EndpointId>>* picks_in) {
    LiveOptions o;
    o.clients = 0;
    auto src = std::make_unique<LiveSource>(o);
    LiveSource* s = src.get();
    Controller c(std::move(src));
    c.update(0);
    c.ui().manual_delivery = true;
    c.update(0);
    REQUIRE(s->manual_delivery());
    // The election starts: notifications are sent but none arrives by itself.
    for (int i = 0; i < 2000 && c.pending().size() < 3; ++i) {
      c.step_forward();
      c.update(0);
    }
    REQUIRE(c.pending().size() >= 3);
    // Heads are unique per stream.
    std::set<std::pair<ConnId, EndpointId>> streams;
    for (const auto& m : c.pending()) CHECK(streams.insert({m.conn, m.from}).second);
    // Deliver six messages, picking the last head each time (or the given picks).
    for (int k = 0; k < 6; ++k) {
      REQUIRE_FALSE(c.pending().empty());
      std::pair<ConnId, EndpointId> pick{c.pending().back().conn, c.pending().back().from};
      if (picks_in) pick = (*picks_in)[static_cast<std::size_t>(k)];
      const std::uint64_t send_seq = [&] {
        for (const auto& m : c.pending())
          if (m.conn == pick.first && m.from == pick.second) return m.send_seq;
        return std::uint64_t{0};
      }();
      REQUIRE(send_seq > 0);
      c.ui().deliveries.push_back({pick.first, pick.second});
      c.update(0);
      // The cursor shows the arrival of exactly that message.
      const auto& r = c.timeline().at(static_cast<std::uint64_t>(c.ui().cursor));
      CHECK((r.kind == sim::trace_kind::deliver || r.kind == sim::trace_kind::drop));
      CHECK(r.detail.find("\"send_seq\":" + std::to_string(send_seq)) != std::string::npos);
      if (picks_out) picks_out->push_back(pick);
    }
    // While held, time passes (timers fire, more is sent) but no peer message arrives by itself.
    const std::size_t mark = c.timeline().size();
    for (int i = 0; i < 100; ++i) {
      c.step_forward();
      c.update(0);
    }
    REQUIRE(c.timeline().size() > mark + 50);
    int peer_deliveries = 0;
    for (std::size_t k = mark; k < c.timeline().size(); ++k) {
      const auto& r = c.timeline().at(k);
      if (r.kind == sim::trace_kind::deliver && r.from < 1000 && r.to < 1000) ++peer_deliveries;
    }
    CHECK(peer_deliveries == 0);
    // Switching it off lets the rest go: the election finishes.
    c.ui().manual_delivery = false;
    c.update(0);
    CHECK_FALSE(s->manual_delivery());
    for (int i = 0; i < 20000 && !c.state().leader(); ++i) {
      c.step_forward();
      c.update(0);
    }
    CHECK(c.state().leader().has_value());
    return c.timeline().records();
  };
  std::vector<std::pair<ConnId, EndpointId>> picks;
  const auto a = run(&picks, nullptr);
  const auto b = run(nullptr, &picks);
  CHECK(a == b);  // the same choices make the same run
}

TEST_CASE("gui/branch: FIFO per stream: only a stream's head can be delivered", "[gui]") {
  sim::WorldOptions wo;
  sim::World w(wo);
  w.start();
  const EndpointId c1 = w.add_client(client::ClientOptions{});
  REQUIRE(w.run_until_within([&] { return w.client(c1).state() == client::State::connected; }, sim::seconds(10)));
  w.network().hold_deliveries(true);  // every port: the client's requests wait too
  w.create(c1, "/a", "1", 0);
  w.create(c1, "/b", "2", 0);
  w.run_for(sim::seconds(1));
  auto held = w.network().held_messages();
  REQUIRE(held.size() == 1);  // one stream, two messages: only the head is offered
  CHECK(held[0].from == c1);
  CHECK(held[0].queued == 2);
  CHECK_FALSE(w.network().deliver_held(held[0].conn, 1234));
  REQUIRE(w.network().deliver_held(held[0].conn, c1));
  w.run_for(sim::seconds(1));
  held = w.network().held_messages();
  // The second create is now the client's head; the server's reply to the first waits too.
  REQUIRE(held.size() == 2);
  w.network().hold_deliveries(false);
  REQUIRE(w.run_until_within([&] { return w.history().size() == 2 && w.done(1) && w.done(2); }, sim::seconds(5)));
  CHECK(w.network().held_messages().empty());
}

TEST_CASE("gui/branch: client console commands and dropping a client's connection", "[gui]") {
  LiveOptions o;
  o.clients = 1;
  o.write_every_ms = 1000000;  // only the console writes
  auto src = std::make_unique<LiveSource>(o);
  LiveSource* s = src.get();
  Controller c(std::move(src));
  c.jump_to_time(3000 * sim::kMillisecond);
  c.update(0);
  const EndpointId client = s->mutable_world().clients().front();
  auto op = [&](std::string name, std::string path, std::string data = "", bool ephemeral = false, bool watch = false) {
    Command k;
    k.kind = CommandKind::client_op;
    k.a = client;
    k.op = std::move(name);
    k.text = std::move(path);
    k.data = std::move(data);
    k.ephemeral = ephemeral;
    k.watch = watch;
    c.ui().commands.push_back(k);
    c.update(0);
    c.jump_to_time(c.timeline().end_time() + 500 * sim::kMillisecond);
    c.update(0);
  };
  op("create", "/lesson", "hello");
  op("get", "/lesson", "", false, true);
  op("set", "/lesson", "again");  // fires the watch
  op("sync", "/");
  op("create", "/eph", "e", true);
  op("bogus", "/x");
  CHECK(c.ui().status.find("unknown operation") != std::string::npos);
  bool notified = false;
  for (const auto& r : c.timeline().records())
    if (r.kind == sim::trace_kind::deliver && r.msg_type == "notification" && r.to == client) notified = true;
  CHECK(notified);
  const ServerView* leader = c.state().server(*c.state().leader());
  REQUIRE(leader);
  CHECK(leader->tree.count("/lesson") == 1);
  CHECK(leader->tree.at("/lesson").data == "again");
  CHECK(leader->tree.at("/eph").ephemeral_owner != 0);
  // Dropping the client's connection: it reconnects and keeps its session.
  const auto session = c.state().client(client)->session;
  Command drop;
  drop.kind = CommandKind::drop_client;
  drop.a = client;
  c.ui().commands.push_back(drop);
  c.update(0);
  c.jump_to_time(c.timeline().end_time() + 3000 * sim::kMillisecond);
  c.update(0);
  CHECK(c.state().client(client)->session == session);
  CHECK(c.state().client(client)->state == "CONNECTED");
}

TEST_CASE("gui/branch: the session so far is recorded to a trace.db that replays alike", "[gui]") {
  LiveOptions o;
  Controller c(std::make_unique<LiveSource>(o));
  c.jump_to_time(2500 * sim::kMillisecond);
  c.update(0);
  const std::string path = temp_path("session.db");
  std::string error;
  REQUIRE(c.record_session(path, error));
  auto replay = ReplaySource::open(path, error);
  REQUIRE(replay);
  Controller r(std::move(replay));
  r.update(0);
  CHECK(r.timeline().records() == c.timeline().records());
  CHECK_FALSE(c.record_session("/nonexistent-dir/x.db", error));
  CHECK(error.find("/nonexistent-dir/x.db") != std::string::npos);
  std::filesystem::remove(path);
}

TEST_CASE("gui/commands: kill and power off stop a server as the scenario language does, and replay on rewind", "[gui]") {
  for (const auto kind : {CommandKind::kill, CommandKind::power_off}) {
    const std::string how = kind == CommandKind::kill ? "kill" : "power-off";
    INFO(how);
    LiveOptions o;
    o.voters = 3;
    LiveSource s(o);
    advance_to_size(s, 900);
    Command c;
    c.kind = kind;
    c.a = 2;
    CHECK(describe(c) == how + " s2");
    std::string error;
    REQUIRE(s.apply(c, error));
    CHECK_FALSE(world(s).server_host(2).up());
    const std::size_t stopped_at = world(s).trace().size();
    bool recorded = false;
    for (const auto& r : world(s).trace().records())
      if (r.kind == sim::trace_kind::crash && r.node == 2 && r.detail.find("\"how\":\"" + how + "\"") != std::string::npos)
        recorded = true;
    CHECK(recorded);
    // A second stop of a server that is down is refused with a reason.
    CHECK_FALSE(s.apply(c, error));
    CHECK(error == "s2 is already down");
    // Going back past the stop and forward again replays it.
    advance_to_size(s, stopped_at + 200);
    REQUIRE(s.rewind(stopped_at + 50, error));
    CHECK_FALSE(world(s).server_host(2).up());
  }
}
