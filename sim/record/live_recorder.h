// Recording a real server's trace (zablab-server --trace FILE) in the same SQLite schema as a
// simulated run (docs/trace.md), so `zablab-sim replay`/`export` and the visualizer read both.
//
// The server's core emits the same Env::trace events in both worlds; here each becomes a `core`
// record exactly as the simulator's hosts make it (sim/process_trace.h), with `time_ns` taken
// from the wall clock: milliseconds since the recording started, times 10^6 (so the resolution
// is 1 ms). runs.config says so: {"source":"real","clock":"wall-ms","start_wall_ms":...}.
// There is no network or disk record: only what the core itself reports, plus node.start and
// node.shutdown around it.
//
// Not thread-safe: call it from the thread that runs the node (the Asio loop).
#pragma once

#include <cstdint>
#include <string>

#include "core/env/env.h"
#include "sim/record/trace_db.h"

namespace zablab::sim::record {

class LiveRecorder {
 public:
  // `node` is the server's id (myid; 1 for a standalone server); `config` a JSON object of the
  // server's settings, to which the real-clock fields are added.
  LiveRecorder(const std::string& path, std::int64_t node, const std::string& description, std::string config_json,
               std::int64_t start_wall_ms);
  void add(std::int64_t wall_ms, const TraceEvent& event);
  // Ends the recording: a node.shutdown record, the outcome row (verdict "live"), the indexes.
  void finish(std::int64_t wall_ms, const std::string& reason);
  std::uint64_t written() const { return recorder_.written(); }

 private:
  void add_record(std::int64_t wall_ms, TraceRecord r);

  std::int64_t node_;
  std::int64_t start_ms_;
  std::int64_t last_flush_ms_;
  Nanos last_ns_ = 0;
  Trace trace_;
  TraceRecorder recorder_;
};

}  // namespace zablab::sim::record
