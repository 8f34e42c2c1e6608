// How a simulated process's Env::trace and Env::log calls become trace records; shared by the
// server and client hosts.
#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <string_view>

#include "core/env/env.h"
#include "sim/simulator.h"

namespace zablab::sim {

// The zxid a semantic event's detail names ("zxid":123 or "zxid":"0x7b"), or -1.
std::int64_t zxid_in(std::string_view detail);

// A core event as a record: kind "core", msg_type = the event's kind, detail = its JSON object
// (plain text is wrapped as {"text": ...}).
TraceRecord core_record(EndpointId node, const TraceEvent& event);

// The last log lines of one process, for the visualizer; bounded.
class LogTail {
 public:
  explicit LogTail(std::size_t keep) : keep_(keep) {}
  // Keeps the line, and traces it too when `trace_logs`.
  void add(Simulator& sim, EndpointId node, LogLevel level, std::string_view message, bool trace_logs);
  const std::deque<std::string>& lines() const { return lines_; }

 private:
  std::size_t keep_;
  std::deque<std::string> lines_;
};

}  // namespace zablab::sim
