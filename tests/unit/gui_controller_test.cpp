// The visualizer driven without a window: stepping, playing, commands between steps, replay of a
// saved trace (text and SQLite), filters and the messages in flight.
#include <catch2/catch.hpp>

#include <filesystem>

#include "gui/model/controller.h"
#include "sim/record/trace_db.h"
#include "sim/trace.h"

using namespace zablab;
using namespace zablab::gui;

namespace {

std::unique_ptr<Controller> live_controller(int voters = 3) {
  LiveOptions o;
  o.voters = voters;
  return std::make_unique<Controller>(std::make_unique<LiveSource>(o));
}

std::string temp_path(const std::string& name) {
  return (std::filesystem::temp_directory_path() / ("zablab_gui_" + name)).string();
}

bool step_until(Controller& c, const std::function<bool()>& done, int max_steps = 20000) {
  for (int i = 0; i < max_steps; ++i) {
    if (done()) return true;
    const auto was = c.ui().cursor;
    c.step_forward();
    c.update(0);
    if (c.ui().cursor == was) return false;
  }
  return done();
}

}  // namespace

TEST_CASE("gui/controller: stepping a live world through its first election") {
  auto c = live_controller();
  c->update(0);
  REQUIRE(c->ui().cursor >= 0);
  REQUIRE(step_until(*c, [&] { return c->state().leader().has_value(); }));
  CHECK(c->state().leader() == std::optional<EndpointId>(3));
  CHECK(c->explanation().title.find("3") != std::string::npos);
  // Stepping back and forth shows the same records and states.
  const auto here = c->ui().cursor;
  c->step_back();
  c->update(0);
  CHECK(c->ui().cursor < here);
  CHECK_FALSE(c->state().leader().has_value());
  c->step_forward();
  c->update(0);
  CHECK(c->ui().cursor == here);
  CHECK(c->state().leader() == std::optional<EndpointId>(3));
  // Hidden categories are never the cursor.
  for (int i = 0; i < 200; ++i) {
    c->step_forward();
    c->update(0);
    const Category cat = c->timeline().category(static_cast<std::uint64_t>(c->ui().cursor));
    REQUIRE(c->ui().filter.visible(cat));
  }
}

TEST_CASE("gui/controller: playing advances at the chosen speed and animates messages") {
  auto c = live_controller();
  c->ui().speed = 10;
  c->play(true);
  const auto start = c->visible().rank(c->ui().cursor);
  for (int i = 0; i < 60; ++i) c->update(1.0 / 60);  // one second
  const auto moved = c->visible().rank(c->ui().cursor) - start;
  CHECK(moved >= 9);
  CHECK(moved <= 11);
  // Somewhere during the election, notifications are in flight between their send and delivery.
  bool saw_flight = false;
  for (int i = 0; i < 600 && !saw_flight; ++i) {
    c->update(1.0 / 60);
    for (const auto& f : c->flights()) {
      const Message& m = c->timeline().message(f.message);
      CHECK(f.progress >= 0);
      CHECK(f.progress <= 1);
      CHECK(static_cast<std::int64_t>(m.send_seq) <= c->ui().cursor);
      saw_flight = saw_flight || (!f.lost && f.progress > 0 && f.progress < 1);
    }
  }
  CHECK(saw_flight);
}

TEST_CASE("gui/controller: commands apply between steps and show their consequences") {
  auto c = live_controller();
  c->jump_to_time(3 * sim::kSecond);
  c->update(0);
  REQUIRE(c->state().leader() == std::optional<EndpointId>(3));
  Command crash;
  crash.kind = CommandKind::crash;
  crash.a = 3;
  c->ui().commands.push_back(crash);
  c->update(0);
  CHECK(c->ui().status == "crash s3");
  CHECK(c->timeline().at(static_cast<std::uint64_t>(c->ui().cursor)).kind != "");
  // The followers notice, elect 2, and it establishes epoch 2 (within initLimit).
  c->jump_to_time(40 * sim::kSecond);
  c->update(0);
  CHECK(c->state().leader() == std::optional<EndpointId>(2));
  CHECK(c->state().servers.at(2).current_epoch == 2);
  CHECK(c->state().servers.at(1).current_epoch == 2);
  // A replay refuses commands.
  std::vector<TraceRecord> records = c->timeline().records();
  Controller replay(std::make_unique<ReplaySource>("x", records));
  replay.ui().commands.push_back(crash);
  replay.update(0);
  CHECK(replay.ui().status.find("cannot be changed") != std::string::npos);
}

TEST_CASE("gui/controller: a saved trace replays to the same states, from text and from SQLite") {
  auto c = live_controller();
  c->jump_to_time(3 * sim::kSecond);
  c->update(0);
  const auto& records = c->timeline().records();

  const std::string text = temp_path("trace.txt");
  std::string error;
  REQUIRE(save_trace_text(text, records, error));
  auto from_text = ReplaySource::open(text, error);
  REQUIRE(from_text);

  // A trace.db as sim/record writes it.
  const std::string db_path = temp_path("trace.db");
  {
    sim::record::RunInfo info;
    info.scenario_name = "gui test";
    info.seed = "1";
    sim::record::TraceRecorder recorder(db_path, info);
    for (const auto& r : records) recorder.add(r);
    recorder.finish("PASS", "", "0");
  }
  auto from_db = ReplaySource::open(db_path, error);
  INFO(error);
  REQUIRE(from_db);
  CHECK(from_db->description().find("gui test") != std::string::npos);

  for (auto* source : {static_cast<TraceSource*>(from_text.get()), static_cast<TraceSource*>(from_db.get())}) {
    Timeline t;
    source->pull(t);
    REQUIRE(t.size() == records.size());
    CHECK(t.records() == records);
  }
  Controller replay(std::move(from_db));
  replay.jump_to_end();
  replay.update(0);
  c->jump_to_end();
  c->update(0);
  CHECK(replay.state().leader() == c->state().leader());
  CHECK(replay.state().servers.at(1).last_committed == c->state().servers.at(1).last_committed);
  CHECK(replay.timeline().messages().size() == c->timeline().messages().size());
  std::filesystem::remove(text);
  std::filesystem::remove(db_path);
}

TEST_CASE("gui/controller: filters, jumps and the next-event search") {
  auto c = live_controller(5);
  c->jump_to_next(Category::txn);
  c->update(0);
  REQUIRE(c->ui().cursor >= 0);
  CHECK(c->timeline().at(static_cast<std::uint64_t>(c->ui().cursor)).msg_type == core_event::txn_commit);
  Filter only_zab{};
  only_zab.set(Category::zab, true);
  c->set_filter(only_zab);
  c->update(0);
  for (auto s : c->visible().seqs()) REQUIRE(c->timeline().category(s) == Category::zab);
  c->jump_to_start();
  c->update(0);
  CHECK(c->timeline().category(static_cast<std::uint64_t>(c->ui().cursor)) == Category::zab);
  c->ui().filter = Filter::all();
  c->update(0);
  CHECK(c->visible().count() == c->timeline().size());
}
