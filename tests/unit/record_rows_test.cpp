// Recording: the same run recorded twice gives identical rows, column for column (the derived
// `epoch` included), and the tables are the documented `runs` and `events` (docs/trace.md).
#include <sqlite3.h>

#include <catch2/catch.hpp>

#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "sim/record/chrome_export.h"
#include "sim/record/trace_db.h"
#include "sim/scenario/runner.h"
#include "sim/scenario/scenario.h"

using namespace zablab::sim;

namespace {

const char* kScenario = R"(scenario "recorded twice"
ensemble 3
tick 500ms
seed 21
client c1
when leader elected within 10s: c1 writes 20 per second for 2s on /w
after 1s: crash leader
expect leader elected within 15s
after 3s: restart crashed
expect converged within 15s
)";

std::string temp_db(const std::string& name) {
  return (std::filesystem::temp_directory_path() / ("zablab-rows-" + name + ".db")).string();
}

void record_run(const std::string& path) {
  auto parsed = scenario::parse_scenario(kScenario, "twice.scn");
  REQUIRE(parsed.scenario);
  record::RunInfo info;
  info.scenario_name = parsed.scenario->title;
  info.scenario_file = "twice.scn";
  info.scenario_text = kScenario;
  info.seed = "21";
  info.config = R"({"voters":3})";
  record::TraceRecorder recorder(path, info, 500);
  scenario::RunOptions o;
  o.on_world = [&](World& w) { recorder.attach(w.trace()); };
  o.on_end = [&](World&, const scenario::RunResult& r) { recorder.finish(r.verdict(), "", r.trace_hash); };
  REQUIRE(scenario::run_scenario(*parsed.scenario, o).passed);
}

// Every row of `table`, every column as text ("NULL" for NULL), in rowid order.
std::vector<std::string> dump(const std::string& path, const std::string& table) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK);
  sqlite3_stmt* s = nullptr;
  const std::string sql = "SELECT * FROM " + table + " ORDER BY rowid";
  REQUIRE(sqlite3_prepare_v2(db, sql.c_str(), -1, &s, nullptr) == SQLITE_OK);
  std::vector<std::string> rows;
  while (sqlite3_step(s) == SQLITE_ROW) {
    std::string row;
    for (int i = 0; i < sqlite3_column_count(s); ++i) {
      const auto* t = reinterpret_cast<const char*>(sqlite3_column_text(s, i));
      row += t ? std::string(t, static_cast<std::size_t>(sqlite3_column_bytes(s, i))) : std::string("NULL");
      row += '\x1f';
    }
    rows.push_back(std::move(row));
  }
  sqlite3_finalize(s);
  sqlite3_close(db);
  return rows;
}

}  // namespace

TEST_CASE("record/rows: recording the same run twice gives identical rows") {
  const std::string a = temp_db("a"), b = temp_db("b");
  record_run(a);
  record_run(b);
  const auto runs_a = dump(a, "runs"), runs_b = dump(b, "runs");
  REQUIRE(runs_a.size() == 1);
  CHECK(runs_a == runs_b);
  const auto events_a = dump(a, "events"), events_b = dump(b, "events");
  CHECK(events_a.size() > 1000);
  REQUIRE(events_a.size() == events_b.size());
  std::size_t differ = 0;
  for (std::size_t i = 0; i < events_a.size(); ++i) differ += events_a[i] == events_b[i] ? 0 : 1;
  CHECK(differ == 0);
  // The epoch column is filled where a zxid says it.
  std::size_t with_epoch = 0;
  for (const auto& row : events_a) with_epoch += row.find("\x1fNULL\x1f") == std::string::npos ? 1 : 0;
  CHECK(with_epoch > 0);
  std::remove(a.c_str());
  std::remove(b.c_str());
}

TEST_CASE("record/rows: the Chrome export pairs every message flow and closes every slice") {
  const std::string a = temp_db("chrome");
  record_run(a);
  std::ostringstream out;
  const std::uint64_t n = record::export_chrome_trace(a, out);
  const std::string json = out.str();
  CHECK(n > 1000);
  CHECK(json.rfind("{\"displayTimeUnit\":\"ns\"", 0) == 0);
  CHECK(json.size() > 2);
  CHECK(json.substr(json.size() - 4) == "\n]}\n");
  auto count = [&](const std::string& needle) {
    std::size_t c = 0;
    for (auto at = json.find(needle); at != std::string::npos; at = json.find(needle, at + 1)) ++c;
    return c;
  };
  CHECK(count("\"ph\":\"s\"") > 0);
  // A delivery's flow end names a send that has a flow start (messages lost to the crash have none).
  CHECK(count("\"ph\":\"f\"") <= count("\"ph\":\"s\""));
  CHECK(count("\"ph\":\"f\"") > 0);
  CHECK(count("\"cat\":\"role\"") >= 3);        // each server was LOOKING then something
  CHECK(count("\"name\":\"LEADING\"") >= 2);    // two leaders: before and after the crash
  CHECK(count("\"name\":\"process_name\"") >= 4);  // the world and three servers at least
  std::remove(a.c_str());
}
