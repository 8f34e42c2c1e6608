// Trace recording: a run written to SQLite reads back record for record, with its run row.
#include <catch2/catch.hpp>

#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "sim/checkers/checkers.h"
#include "sim/record/trace_db.h"
#include "sim/scenario/runner.h"
#include "sim/scenario/scenario.h"

using namespace zablab::sim;

namespace {

std::string temp_db(const std::string& name) {
  return (std::filesystem::temp_directory_path() / ("zablab-" + name + ".db")).string();
}

const char* kScenario = R"(scenario "round trip"
ensemble 3
tick 500ms
seed 9
client c1
when leader elected within 10s: c1 create /a "bytes \t\n with \\ and \"quotes\""
when c1 done within 5s: crash leader as old; c1 writes 10 per second for 1s on /w
expect leader elected within 15s
when c1 done within 10s: restart old
expect converged within 15s
)";

}  // namespace

TEST_CASE("record/roundtrip: every trace record of a run comes back unchanged") {
  auto parsed = scenario::parse_scenario(kScenario, "roundtrip.scn");
  REQUIRE(parsed.scenario);
  const std::string path = temp_db("roundtrip");
  record::RunInfo info;
  info.scenario_name = parsed.scenario->title;
  info.scenario_file = "roundtrip.scn";
  info.scenario_text = kScenario;
  info.seed = "18446744073709551615";  // a uint64 that no SQLite integer holds
  info.config = R"({"voters":3})";
  record::TraceRecorder recorder(path, info, 100);  // small batches: many transactions

  std::vector<TraceRecord> live;
  scenario::RunOptions o;
  bool over = false;
  o.on_world = [&](World& w) {
    recorder.attach(w.trace());
    live = w.trace().records();
    w.trace().subscribe([&](const TraceRecord& r) {
      if (!over) live.push_back(r);
    });
  };
  o.on_end = [&](World&, const scenario::RunResult& r) {
    recorder.finish(r.verdict(), "", r.trace_hash);
    over = true;
  };
  const scenario::RunResult r = scenario::run_scenario(*parsed.scenario, o);
  REQUIRE(r.passed);
  CHECK(recorder.written() == live.size());

  const record::Recording back = record::read_recording(path);
  CHECK(back.run.scenario_name == "round trip");
  CHECK(back.run.scenario_text == kScenario);
  CHECK(back.run.seed == "18446744073709551615");
  CHECK(back.run.config == R"({"voters":3})");
  CHECK(back.run.build_id == record::build_id());
  CHECK(back.run.verdict == "PASS");
  CHECK(back.run.trace_hash == r.trace_hash);
  CHECK(back.run.event_count == static_cast<std::int64_t>(live.size()));
  REQUIRE(back.events.size() == live.size());
  std::size_t mismatches = 0;
  for (std::size_t i = 0; i < live.size(); ++i) mismatches += back.events[i] == live[i] ? 0 : 1;
  CHECK(mismatches == 0);

  // The same hash, recomputed from what was read.
  Trace again;
  again.set_retain(false);
  for (const auto& e : back.events) again.add(e);
  CHECK(again.hash_hex() == r.trace_hash);

  // And the checkers reach the same verdict over the recording as they did live.
  check::CheckEngine engine;
  record::for_each_event(path, [&](const TraceRecord& e) { engine.on_record(e); });
  CHECK_FALSE(engine.violated());
  CHECK(engine.records_seen() == live.size());
  std::remove(path.c_str());
}

TEST_CASE("record/roundtrip: odd bytes in every text column survive") {
  const std::string path = temp_db("bytes");
  record::RunInfo info;
  info.scenario_text = std::string("nul\0inside", 10);
  {
    record::TraceRecorder rec(path, info);
    TraceRecord r = make_record("kind\twith\ttabs", 3, 1, 2, std::string("{\"x\":\"\xff\x01\"}"), "msg\n", -7);
    r.seq = 0;
    r.time_ns = 123456789012345;
    rec.add(r);
    TraceRecord s = r;
    s.seq = 1;
    s.zxid = 0x7fffffffffffffffLL;
    s.detail = "";
    rec.add(s);
    rec.finish("PASS", R"({"invariant":"x"})", "00");
  }
  const auto back = record::read_recording(path);
  REQUIRE(back.events.size() == 2);
  CHECK(back.run.scenario_text == std::string("nul\0inside", 10));
  CHECK(back.run.violation == R"({"invariant":"x"})");
  CHECK(back.events[0].kind == "kind\twith\ttabs");
  CHECK(back.events[0].detail == std::string("{\"x\":\"\xff\x01\"}"));
  CHECK(back.events[0].msg_type == "msg\n");
  CHECK(back.events[0].zxid == -7);
  CHECK(back.events[0].time_ns == 123456789012345);
  CHECK(back.events[1].zxid == 0x7fffffffffffffffLL);
  CHECK(back.events[1].detail.empty());
  std::remove(path.c_str());
}

TEST_CASE("record/roundtrip: a file that is not a recording is refused") {
  const std::string path = temp_db("not-a-recording");
  {
    std::FILE* f = std::fopen(path.c_str(), "w");
    REQUIRE(f);
    std::fputs("hello", f);
    std::fclose(f);
  }
  CHECK_THROWS_AS(record::read_recording(path), record::RecordError);
  CHECK_THROWS_AS(record::read_recording(temp_db("does-not-exist")), record::RecordError);
  std::remove(path.c_str());
}
