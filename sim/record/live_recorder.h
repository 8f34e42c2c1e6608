// Recording a real server's trace (zablab-server --trace FILE) in the same SQLite schema as a
// simulated run (docs/trace.md), so `zablab-sim replay`/`export` and the visualizer read both.
//
// The server's core emits the same Env::trace events in both worlds; here each becomes a `core`
// record exactly as the simulator's hosts make it (sim/process_trace.h), with `time_ns` taken
// from the wall clock: milliseconds since the recording started, times 10^6 (so the resolution
// is 1 ms). runs.config says so: {"source":"real","clock":"wall-ms","start_wall_ms":...}.
// Besides what the core itself reports (plus node.start and node.shutdown around it), the peer
// messages this server exchanged, when the host passes on its connections' bytes
// (add_peer_bytes): each message, named as the simulator names it (sim/peer_wire_labels.h),
// becomes a net.send by its sender and a net.deliver at its receiver, back to back, so the
// visualizer draws it as an arrow between the two. Only this server's end is seen: both records
// carry the time it wrote or read the message, and "seen_by" = its id; a message between two
// other members is never seen. There is no disk record.
//
// Not thread-safe: call it from the thread that runs the node (the Asio loop).
#pragma once

#include <cstdint>
#include <string>

#include "core/env/env.h"
#include "sim/record/peer_streams.h"
#include "sim/record/trace_db.h"

namespace zablab::sim::record {

class LiveRecorder {
 public:
  // `node` is the server's id (myid; 1 for a standalone server); `config` a JSON object of the
  // server's settings, to which the real-clock fields are added.
  LiveRecorder(const std::string& path, std::int64_t node, const std::string& description, std::string config_json,
               std::int64_t start_wall_ms);
  void add(std::int64_t wall_ms, const TraceEvent& event);
  // How peer streams are read (the node's limits); before the first add_peer_bytes.
  void set_peer_limits(PeerStreams::Limits limits) { peer_streams_ = PeerStreams(limits); }
  // The next bytes connection `conn` with `peer` carried on `channel`, sent by this server
  // (`outgoing`) or received: a send and a delivery for each message they complete.
  void add_peer_bytes(std::int64_t wall_ms, std::uint64_t conn, PeerId peer, PeerChannel channel, bool outgoing,
                      std::string_view bytes);
  // The connection ended.
  void forget_peer_connection(std::uint64_t conn) { peer_streams_.forget(conn); }
  // Ends the recording: a node.shutdown record, the outcome row (verdict "live"), the indexes.
  void finish(std::int64_t wall_ms, const std::string& reason);
  std::uint64_t written() const { return recorder_.written(); }

 private:
  // Returns the record's seq.
  std::uint64_t add_record(std::int64_t wall_ms, TraceRecord r);

  std::int64_t node_;
  std::int64_t start_ms_;
  std::int64_t last_flush_ms_;
  Nanos last_ns_ = 0;
  PeerStreams peer_streams_;
  Trace trace_;
  TraceRecorder recorder_;
};

}  // namespace zablab::sim::record
