// The simulator's event trace: one plain record per thing that happened, in execution order.
//
// Every executed event (a delivery, a timer, a disk completion, a fault) and every action a node
// takes that leaves it (a send, a disk call outcome, a semantic Env::trace event) becomes one
// TraceRecord. The record is flat on purpose: sim/record stores it as one SQLite row (columns
// = members) and reads it back unchanged; to_line()/from_line() are the same lossless mapping to
// text. The trace keeps a running hash of every record's line, so two runs compare by one number
// even when the records themselves are not kept (benchmarks).
//
// Single-threaded, like the rest of sim/.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sim/time.h"

namespace zablab::sim {

// Who is who in the world: servers are 1..N (their myid), clients kClientBase+1, +2, ...
using EndpointId = std::int64_t;
inline constexpr EndpointId kNoEndpoint = -1;

struct TraceRecord {
  std::uint64_t seq = 0;          // position in the trace, from 0, dense
  Nanos time_ns = 0;              // virtual time it happened
  std::string kind;               // what happened: one of trace_kind below
  EndpointId node = kNoEndpoint;  // where it happened (-1: the world itself)
  EndpointId from = kNoEndpoint;  // messages: sender
  EndpointId to = kNoEndpoint;    // messages: receiver
  std::string msg_type;           // decoded message type ("getData", "ConnectRequest"), core event kind
  std::int64_t zxid = -1;         // the zxid the event is about, -1 if none
  std::string detail = "{}";      // a JSON object with the rest (conn, bytes, file, reason...)

  bool operator==(const TraceRecord&) const = default;
};

// The values of TraceRecord::kind. Stable strings: scenarios, checkers and the GUI match on them.
namespace trace_kind {
inline constexpr std::string_view send = "net.send";            // bytes queued on a connection
inline constexpr std::string_view deliver = "net.deliver";      // bytes handed to the receiver
inline constexpr std::string_view drop = "net.drop";            // bytes lost (detail.reason)
inline constexpr std::string_view connect = "net.connect";      // connect() called (SYN sent)
inline constexpr std::string_view accept = "net.accept";        // SYN reached a listening node
inline constexpr std::string_view connected = "net.connected";  // the initiator learns it is open
inline constexpr std::string_view refused = "net.refused";      // nobody listening: RST
inline constexpr std::string_view close = "net.close";          // an end closed (FIN queued)
inline constexpr std::string_view closed = "net.closed";        // an end learns the connection is gone
inline constexpr std::string_view reset = "net.reset";          // fault: RST injected
inline constexpr std::string_view stall = "net.stall";          // fault: connection stops moving
inline constexpr std::string_view unstall = "net.unstall";
inline constexpr std::string_view partition = "net.partition";  // link set changed (detail.blocked)
inline constexpr std::string_view heal = "net.heal";
inline constexpr std::string_view latency = "net.latency";      // a link's latency changed
inline constexpr std::string_view timer = "timer";              // a node's timer fired
inline constexpr std::string_view disk_append = "disk.append";  // completions, in call order
inline constexpr std::string_view disk_sync = "disk.sync";
inline constexpr std::string_view disk_write = "disk.write_atomic";
inline constexpr std::string_view disk_rename = "disk.rename";  // detail.file -> detail.to
inline constexpr std::string_view disk_truncate = "disk.truncate";  // synchronous, durable at once
inline constexpr std::string_view disk_remove = "disk.remove";
inline constexpr std::string_view disk_crash = "disk.crash";  // volatile bytes dropped / torn
inline constexpr std::string_view disk_fault = "disk.fault";  // full / sync error switched
inline constexpr std::string_view crash = "node.crash";
inline constexpr std::string_view restart = "node.restart";
inline constexpr std::string_view shutdown = "node.shutdown";  // the node gave up (Env::shutdown)
inline constexpr std::string_view client_invoke = "client.invoke";
inline constexpr std::string_view client_return = "client.return";
inline constexpr std::string_view core = "core";  // Env::trace: msg_type = its kind
inline constexpr std::string_view log = "log";    // Env::log, when enabled
}  // namespace trace_kind

// A record with the given fields (seq and time are filled in when it is added). Positional,
// because g++ 12 warns about designated initializers that leave members out.
inline TraceRecord make_record(std::string_view kind, EndpointId node, EndpointId from, EndpointId to,
                               std::string detail, std::string msg_type = {}, std::int64_t zxid = -1) {
  TraceRecord r;
  r.kind = std::string(kind);
  r.node = node;
  r.from = from;
  r.to = to;
  r.msg_type = std::move(msg_type);
  r.zxid = zxid;
  r.detail = std::move(detail);
  return r;
}

// One line, no newline: the fields in declaration order separated by tabs; text fields escape
// backslash, tab, newline and carriage return. from_line(to_line(r)) == r for every record.
std::string to_line(const TraceRecord& record);
std::optional<TraceRecord> from_line(std::string_view line);

class Trace {
 public:
  // Keep the records in memory (the default) or only count and hash them.
  void set_retain(bool retain) { retain_ = retain; }
  bool retain() const { return retain_; }

  // Appends `record` with the next seq; returns that seq.
  std::uint64_t add(TraceRecord record);

  const std::vector<TraceRecord>& records() const { return records_; }
  std::uint64_t size() const { return count_; }
  // A 64-bit hash of every record's to_line(), in order (see trace.cpp for the exact function,
  // which is fixed: a trace hash means the same on every machine). Independent of retain().
  std::uint64_t hash() const { return hash_; }
  std::string hash_hex() const;

  // Called with every record as it is added (checkers, a live GUI, the SQLite recorder later).
  void subscribe(std::function<void(const TraceRecord&)> listener) { listeners_.push_back(std::move(listener)); }

 private:
  bool retain_ = true;
  std::vector<TraceRecord> records_;
  std::string line_;  // add()'s scratch: the record's line, hashed (kept to reuse its capacity)
  std::uint64_t count_ = 0;
  std::uint64_t hash_ = 0xcbf29ce484222325ULL;
  std::vector<std::function<void(const TraceRecord&)>> listeners_;
};

}  // namespace zablab::sim
