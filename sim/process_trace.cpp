#include "sim/process_trace.h"

#include <charconv>

#include "sim/json.h"

namespace zablab::sim {

std::int64_t zxid_in(std::string_view detail) {
  static constexpr std::string_view kKey = "\"zxid\":";
  const auto at = detail.find(kKey);
  if (at == std::string_view::npos) return -1;
  std::string_view v = detail.substr(at + kKey.size());
  int base = 10;
  if (v.size() > 3 && v.substr(0, 3) == "\"0x") {
    v.remove_prefix(3);
    base = 16;
  }
  std::int64_t zxid = -1;
  auto res = std::from_chars(v.data(), v.data() + v.size(), zxid, base);
  return res.ec == std::errc() ? zxid : -1;
}

TraceRecord core_record(EndpointId node, const TraceEvent& event) {
  const bool object = !event.detail.empty() && event.detail.front() == '{' && event.detail.back() == '}';
  return make_record(trace_kind::core, node, kNoEndpoint, kNoEndpoint,
                     object ? event.detail : Json().str("text", event.detail).done(), std::string(event_name(event.kind)),
                     zxid_in(event.detail));
}

void LogTail::add(Simulator& sim, EndpointId node, LogLevel level, std::string_view message, bool trace_logs) {
  static constexpr const char* kLevels[] = {"DEBUG", "INFO", "WARN", "ERROR"};
  const char* name = kLevels[static_cast<int>(level)];
  std::string line = std::to_string(sim.now() / kMillisecond) + "ms " + name + " " + std::string(message);
  if (trace_logs)
    sim.record(make_record(trace_kind::log, node, kNoEndpoint, kNoEndpoint,
                           Json().str("level", name).str("message", message).done()));
  if (keep_ == 0) return;
  if (lines_.size() == keep_) lines_.pop_front();
  lines_.push_back(std::move(line));
}

}  // namespace zablab::sim
