// Recording a simulator trace to SQLite, and reading it back without loss.
//
// One database per recording (layout in docs/trace.md): a one-row `runs` table (the
// scenario's text, seed, build id, configuration and, once finished, the verdict and the trace
// hash) and an `events` table with one row per TraceRecord (seq, virtual time, kind, node, from,
// to, message type, epoch, zxid, detail JSON). Rows are written in batched transactions through
// prepared statements; indexes are built once, at finish().
//
//   record::TraceRecorder rec("out.db", info);
//   rec.attach(world.trace());          // records already in the trace, then every new one
//   ... run ...
//   rec.finish(verdict, violation_json, world.trace().hash_hex());
//   auto recording = record::read_recording("out.db");   // the same records, field for field
//
// Only this library links SQLite. Errors (cannot open, disk full) throw RecordError.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "sim/trace.h"

namespace zablab::sim::record {

// 2: tables `runs` and `events` (1 named them `run` and `event`; still read).
inline constexpr int kFormatVersion = 2;

class RecordError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct RunInfo {
  int format_version = kFormatVersion;
  std::string scenario_name;
  std::string scenario_file;
  std::string scenario_text;
  std::string seed;        // decimal; a uint64 does not fit SQLite's signed integers
  std::string build_id;    // build_id() by default
  std::string config;      // JSON: the world's settings
  std::string bug = "none";
  // Filled in by finish(); empty while the run is going (or if it never finished).
  std::string verdict;
  std::string violation;   // JSON of the first violation, or empty
  std::string trace_hash;
  std::int64_t event_count = 0;
};

// "zablab <version> (<git commit>, <compiler>, <build type>)", fixed at configure time.
std::string build_id();

class TraceRecorder {
 public:
  // Creates the database at `path`, replacing any file there. `batch` rows per transaction.
  TraceRecorder(const std::string& path, RunInfo info, std::size_t batch = 4096);
  ~TraceRecorder();
  TraceRecorder(const TraceRecorder&) = delete;
  TraceRecorder& operator=(const TraceRecorder&) = delete;

  // Writes the records `trace` already holds, then every record it gets from now on. The
  // subscription stays harmless after finish() or destruction (it then writes nothing).
  void attach(Trace& trace);
  void add(const TraceRecord& record);
  // Commits the rows of the open batch now (a live recording does so every second, so a killed
  // server leaves a readable file).
  void flush();
  // Flushes, builds the indexes and fills in the run row's outcome. Idempotent.
  void finish(const std::string& verdict, const std::string& violation_json, const std::string& trace_hash);
  std::uint64_t written() const;

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

struct Recording {
  RunInfo run;
  std::vector<TraceRecord> events;  // by seq
};

// Reads a whole recording. Throws RecordError if the file is not one.
Recording read_recording(const std::string& path);
// Reads only the run row.
RunInfo read_run_info(const std::string& path);
// Calls `fn` with every event in seq order without holding them all in memory.
void for_each_event(const std::string& path, const std::function<void(const TraceRecord&)>& fn);

// Reads a recording's events in seq order a batch at a time, keeping the database open between
// batches: zablab-viz shows a million-event trace after its first batch and indexes the rest
// frame by frame, never holding a second copy of the whole trace.
class EventReader {
 public:
  // Throws RecordError if `path` is not a recording.
  explicit EventReader(const std::string& path);
  ~EventReader();
  EventReader(const EventReader&) = delete;
  EventReader& operator=(const EventReader&) = delete;

  const RunInfo& run() const;
  // How many events the recording holds (counted when the run row does not say).
  std::uint64_t count() const;
  // Appends up to `max` further events to `out`; returns how many (0 once every event was read).
  std::size_t read(std::size_t max, std::vector<TraceRecord>& out);
  bool done() const;
  // Back to the first event.
  void restart();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace zablab::sim::record
