// A trace.db read on a second thread, batch by batch, while the view indexes (gui/model/
// background_reader): the records arrive whole, in seq order, bounded in count; a restart reads
// them again from the first; a replay fills a second timeline alike.
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "gui/model/background_reader.h"
#include "gui/model/source.h"
#include "sim/record/trace_db.h"

using namespace zablab;
using namespace zablab::gui;

namespace {

struct RecordedRun {
  std::vector<TraceRecord> records;
  std::string path;
  RecordedRun() {
    LiveSource live(LiveOptions{});
    REQUIRE(live.run_to(2 * sim::kSecond));
    Timeline t;
    while (live.pull(t) > 0) {
    }
    records = t.records();
    path = (std::filesystem::temp_directory_path() /
            ("zablab_gui_reader_" + std::to_string(::getpid()) + ".db")).string();
    sim::record::RunInfo info;
    info.scenario_name = "reader test";
    sim::record::TraceRecorder recorder(path, info);
    for (const auto& r : records) recorder.add(r);
    recorder.finish("PASS", "", "0");
  }
  ~RecordedRun() { std::filesystem::remove(path); }
};

}  // namespace

TEST_CASE("gui/background reader: every record, in order, in whole batches, then again after a restart") {
  RecordedRun run;
  REQUIRE(run.records.size() > 100);
  BackgroundReader reader(std::make_unique<sim::record::EventReader>(run.path), 7, 2);
  CHECK(reader.count() == run.records.size());
  CHECK(reader.run().scenario_name == "reader test");

  std::vector<TraceRecord> got;
  for (int i = 0; i < 100000 && !reader.done(); ++i) {
    const std::size_t n = reader.take(30, got);
    CHECK(n <= 30);                        // never more than asked (batches of 7 fit)
    if (!reader.done()) CHECK(n % 7 == 0);  // whole batches; only the last is shorter
  }
  REQUIRE(reader.done());
  CHECK(reader.error().empty());
  REQUIRE(got.size() == run.records.size());
  for (std::size_t i = 0; i < got.size(); ++i) CHECK(got[i].seq == run.records[i].seq);
  CHECK(got == run.records);
  CHECK(reader.take(30, got) == 0);  // at the end: nothing more, and no waiting

  // Half-way, then back to the start.
  std::vector<TraceRecord> again;
  reader.restart();
  reader.take(30, again);
  reader.restart();
  again.clear();
  for (int i = 0; i < 100000 && !reader.done(); ++i) reader.take(1000, again);
  CHECK(again == run.records);
}

TEST_CASE("gui/background reader: a replayed trace.db fills a second, fresh timeline alike") {
  RecordedRun run;
  std::string error;
  auto source = ReplaySource::open(run.path, error);
  INFO(error);
  REQUIRE(source);
  Timeline first, second;
  for (int i = 0; i < 1000 && source->loading(); ++i) source->pull(first);
  CHECK_FALSE(source->loading());
  CHECK(first.records() == run.records);
  for (int i = 0; i < 1000 && (i == 0 || source->loading()); ++i) source->pull(second);
  CHECK(second.records() == run.records);
  CHECK(second.messages().size() == first.messages().size());
}

TEST_CASE("gui/background reader: a file that is not a recording is refused when opened") {
  const std::string path =
      (std::filesystem::temp_directory_path() / ("zablab_gui_reader_bad_" + std::to_string(::getpid()) + ".db")).string();
  { sim::record::TraceRecorder recorder(path, sim::record::RunInfo{}); }
  std::string error;
  // An empty recording opens (zero records); a text file that is not a trace does not.
  auto empty = ReplaySource::open(path, error);
  REQUIRE(empty);
  Timeline t;
  empty->pull(t);
  CHECK(t.size() == 0);
  CHECK_FALSE(empty->loading());
  std::filesystem::remove(path);
  { std::ofstream(path) << "not a trace\n"; }
  CHECK_FALSE(ReplaySource::open(path, error));
  CHECK(error.find(path + ":1") != std::string::npos);
  std::filesystem::remove(path);
}
