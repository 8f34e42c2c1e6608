// Running a scenario with its trace recorded to SQLite (zablab-sim run --record, and the trace
// fuzz saves next to a minimal failing scenario).
#pragma once

#include <cstdint>
#include <string>

#include "sim/scenario/runner.h"
#include "sim/scenario/scenario.h"

namespace zablab::simcli {

struct RecordedRun {
  sim::scenario::RunResult result;
  std::uint64_t written = 0;  // trace rows written
  bool ran = false;           // false: the trace file could not be created, nothing ran
  std::string error;          // why the recording failed, or empty
};

// Runs `s` (read from `file`) with `o`; when `trace_path` is not empty every trace record goes
// to that SQLite file, with the run row (scenario text, seed, bug, build id, config).
RecordedRun run_recorded(const sim::scenario::Scenario& s, const std::string& file, sim::scenario::RunOptions o,
                         const std::string& trace_path);

}  // namespace zablab::simcli
