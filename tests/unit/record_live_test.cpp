// Recording a real server's trace (zablab-server --trace): core events in the simulator's
// schema, wall-clock milliseconds as time, and a run row that says it is real.
#include <catch2/catch.hpp>

#include <cstdio>
#include <filesystem>
#include <string>

#include "sim/checkers/json_fields.h"
#include "sim/record/live_recorder.h"
#include "sim/record/trace_db.h"

using namespace zablab;
using namespace zablab::sim;

TEST_CASE("record/live: a real server's events read back in order, with wall-clock times") {
  const std::string path = (std::filesystem::temp_directory_path() / "zablab-live-recorder.db").string();
  const std::int64_t start = 1'700'000'000'000;
  {
    record::LiveRecorder rec(path, 2, "test server", R"({"myid":2})", start);
    rec.add(start + 5, TraceEvent{EventKind::peer_state, R"({"from":"LOOKING","to":"LEADING"})"});
    rec.add(start + 1500, TraceEvent{EventKind::txn_commit, R"({"zxid":"0x100000001","type":"create"})"});
    rec.add(start + 1400, TraceEvent{EventKind::session_create, "not json"});  // the clock stepped back
    rec.finish(start + 2000, "stopped");
    CHECK(rec.written() == 5);
  }
  const record::Recording back = record::read_recording(path);
  CHECK(back.run.verdict == "live");
  CHECK(back.run.scenario_name == "test server");
  CHECK(check::json_string(back.run.config, "source") == std::optional<std::string>("real"));
  CHECK(check::json_int(back.run.config, "myid") == std::optional<std::int64_t>(2));
  CHECK(check::json_int(back.run.config, "start_wall_ms") == std::optional<std::int64_t>(start));
  REQUIRE(back.events.size() == 5);
  CHECK(back.events[0].kind == trace_kind::start);
  CHECK(back.events[1].kind == trace_kind::core);
  CHECK(back.events[1].msg_type == core_event::peer_state);
  CHECK(back.events[1].node == 2);
  CHECK(back.events[1].time_ns == 5 * kMillisecond);
  CHECK(back.events[2].zxid == 0x100000001);
  CHECK(back.events[2].time_ns == 1500 * kMillisecond);
  CHECK(back.events[3].time_ns == 1500 * kMillisecond);  // never back in time
  CHECK(back.events[3].detail == R"({"text":"not json"})");
  CHECK(back.events[4].kind == trace_kind::shutdown);
  CHECK(back.events[4].time_ns == 2000 * kMillisecond);
  Trace again;
  again.set_retain(false);
  for (const auto& e : back.events) again.add(e);
  CHECK(again.hash_hex() == back.run.trace_hash);
  std::remove(path.c_str());
}
