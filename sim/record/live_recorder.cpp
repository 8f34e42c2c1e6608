#include "sim/record/live_recorder.h"

#include <algorithm>

#include "sim/json.h"
#include "sim/process_trace.h"

namespace zablab::sim::record {
namespace {

RunInfo live_info(const std::string& description, std::string config_json, std::int64_t start_wall_ms) {
  RunInfo info;
  info.scenario_name = description;
  info.scenario_file = "";
  info.scenario_text = "";
  info.seed = "0";
  // The caller's settings plus where the times come from; `config_json` is an object.
  std::string extra = Json()
                          .str("source", "real")
                          .str("clock", "wall-ms")
                          .num("start_wall_ms", start_wall_ms)
                          .str("note", "recorded from a real server: time_ns = (wall ms - start_wall_ms) * 1e6")
                          .done();
  if (config_json.size() > 2 && config_json.front() == '{' && config_json.back() == '}') {
    config_json.pop_back();
    info.config = config_json + "," + extra.substr(1);
  } else {
    info.config = extra;
  }
  return info;
}

}  // namespace

LiveRecorder::LiveRecorder(const std::string& path, std::int64_t node, const std::string& description,
                           std::string config_json, std::int64_t start_wall_ms)
    : node_(node),
      start_ms_(start_wall_ms),
      last_flush_ms_(start_wall_ms),
      recorder_(path, live_info(description, std::move(config_json), start_wall_ms), 256) {
  trace_.set_retain(false);
  recorder_.attach(trace_);
  add_record(start_wall_ms, make_record("node.start", node_, kNoEndpoint, kNoEndpoint,
                                        Json().num("incarnation", 1).str("source", "real").done()));
}

void LiveRecorder::add_record(std::int64_t wall_ms, TraceRecord r) {
  // The wall clock may step back (NTP); a trace's time never does.
  last_ns_ = std::max(last_ns_, (wall_ms - start_ms_) * kMillisecond);
  r.time_ns = last_ns_;
  trace_.add(std::move(r));
  if (wall_ms - last_flush_ms_ >= 1000) {
    recorder_.flush();
    last_flush_ms_ = wall_ms;
  }
}

void LiveRecorder::add(std::int64_t wall_ms, const TraceEvent& event) { add_record(wall_ms, core_record(node_, event)); }

void LiveRecorder::finish(std::int64_t wall_ms, const std::string& reason) {
  add_record(wall_ms, make_record(trace_kind::shutdown, node_, kNoEndpoint, kNoEndpoint,
                                  Json().str("reason", reason).done()));
  recorder_.finish("live", "", trace_.hash_hex());
}

}  // namespace zablab::sim::record
