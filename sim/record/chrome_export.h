// A recording as Chrome trace-event JSON, for chrome://tracing, Perfetto (ui.perfetto.dev) and
// speedscope: `zablab-sim export trace.db --chrome out.json`.
//
// Layout: one process (pid) per endpoint -- pid 0 the world and the script, 1..N the servers,
// 1001.. the clients -- with threads for what overlaps in time:
//   tid 1 "life"   X slices: up from node.start/node.restart to node.crash/node.shutdown
//   tid 2 "role"   X slices: LOOKING / FOLLOWING / LEADING / ... from the peer.state events
//   tid 3 "events" i instants: every other record (core events, disk, timers, faults, script)
//   tid 4 "net"    X slices of 1 ns for each message sent or delivered, joined by flow events
//                  (ph "s" at the send, "f" at the delivery, id = the send's seq)
//   tid 10+k       a client's operations, X from invoke to return, one lane per overlapping op
// Timestamps are microseconds of virtual time (of wall time since the start, for a recording
// of a real server). Every instant carries the record's seq, kind, zxid and detail in args.
#pragma once

#include <cstdint>
#include <map>
#include <ostream>
#include <set>
#include <string>
#include <vector>

#include "sim/record/trace_db.h"

namespace zablab::sim::record {

class ChromeTraceWriter {
 public:
  ChromeTraceWriter(std::ostream& out, const RunInfo& run);
  void add(const TraceRecord& r);
  // Closes the slices still open at the last record's time, and the JSON.
  void finish();
  std::uint64_t events() const { return events_; }

 private:
  struct Open {
    Nanos since = 0;
    std::string name;
  };
  void emit(const std::string& json);
  void meet(std::int64_t pid);
  void thread(std::int64_t pid, int tid, const std::string& name);
  void slice(std::int64_t pid, int tid, const std::string& name, const std::string& cat, Nanos from, Nanos to,
             const std::string& args = "{}");
  void close(std::map<std::int64_t, Open>& spans, std::int64_t pid, int tid, const std::string& cat, Nanos now);

  std::ostream& out_;
  bool first_ = true;
  std::uint64_t events_ = 0;
  Nanos last_ = 0;
  std::set<std::int64_t> pids_;
  std::set<std::pair<std::int64_t, int>> threads_;
  std::map<std::int64_t, Open> life_;
  std::map<std::int64_t, Open> role_;
  struct Op {
    std::int64_t pid;
    int lane;
    Nanos since;
    std::string name;
    std::string args;
  };
  std::map<std::int64_t, Op> ops_;                      // by op_id
  std::map<std::int64_t, std::vector<bool>> lanes_;     // per client: lanes in use
  bool finished_ = false;
};

// Reads the recording at `path` and writes it to `out`; returns the number of trace events.
std::uint64_t export_chrome_trace(const std::string& path, std::ostream& out);

}  // namespace zablab::sim::record
