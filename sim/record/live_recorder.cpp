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
      recorder_(path, live_info(description, std::move(config_json), start_wall_ms)) {
  trace_.set_retain(false);
  recorder_.attach(trace_);
  add_record(start_wall_ms, make_record(trace_kind::start, node_, kNoEndpoint, kNoEndpoint,
                                        Json().num("incarnation", 1).str("source", "real").done()));
}

std::uint64_t LiveRecorder::add_record(std::int64_t wall_ms, TraceRecord r) {
  // The wall clock may step back (NTP); a trace's time never does.
  last_ns_ = std::max(last_ns_, (wall_ms - start_ms_) * kMillisecond);
  r.time_ns = last_ns_;
  const std::uint64_t seq = trace_.add(std::move(r));
  if (wall_ms - last_flush_ms_ >= 1000) {
    recorder_.flush();
    last_flush_ms_ = wall_ms;
  }
  return seq;
}

void LiveRecorder::add_peer_bytes(std::int64_t wall_ms, std::uint64_t conn, PeerId peer, PeerChannel channel,
                                  bool outgoing, std::string_view bytes) {
  const EndpointId from = outgoing ? node_ : peer;
  const EndpointId to = outgoing ? peer : node_;
  for (const auto& m : peer_streams_.feed(conn, channel, outgoing, bytes)) {
    // The simulator's records of a message (sim/sim_network.cpp), with the one end seen.
    const std::int64_t zxid = m.frame.carries_zxid ? m.frame.zxid : -1;
    const auto size = static_cast<std::int64_t>(m.wire_bytes);
    const std::uint64_t sent =
        add_record(wall_ms, make_record(trace_kind::send, from, from, to,
                                        Json()
                                            .num("conn", static_cast<std::int64_t>(conn))
                                            .num("bytes", size)
                                            .raw("frames", "[" + m.frame.json + "]")
                                            .num("seen_by", node_)
                                            .done(),
                                        m.frame.name, zxid));
    add_record(wall_ms, make_record(trace_kind::deliver, to, from, to,
                                    Json()
                                        .num("conn", static_cast<std::int64_t>(conn))
                                        .num("bytes", size)
                                        .num("send_seq", static_cast<std::int64_t>(sent))
                                        .num("seen_by", node_)
                                        .done(),
                                    m.frame.name, zxid));
  }
}

void LiveRecorder::add(std::int64_t wall_ms, const TraceEvent& event) { add_record(wall_ms, core_record(node_, event)); }

void LiveRecorder::finish(std::int64_t wall_ms, const std::string& reason) {
  add_record(wall_ms, make_record(trace_kind::shutdown, node_, kNoEndpoint, kNoEndpoint,
                                  Json().str("reason", reason).done()));
  recorder_.finish("live", "", trace_.hash_hex());
}

}  // namespace zablab::sim::record
