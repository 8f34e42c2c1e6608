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

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/env/trace_kinds.h"
#include "sim/time.h"

namespace zablab::sim {

// Who is who in the world: servers are 1..N (their myid), clients kClientBase+1, +2, ...
using EndpointId = std::int64_t;
inline constexpr EndpointId kNoEndpoint = -1;

struct TraceRecord {
  std::uint64_t seq = 0;          // position in the trace, from 0, dense
  Nanos time_ns = 0;              // virtual time it happened
  std::string kind;               // what happened: one of the RecordKind names below
  EndpointId node = kNoEndpoint;  // where it happened (-1: the world itself)
  EndpointId from = kNoEndpoint;  // messages: sender
  EndpointId to = kNoEndpoint;    // messages: receiver
  std::string msg_type;           // decoded message type ("getData", "ConnectRequest"), core event kind
  std::int64_t zxid = -1;         // the zxid the event is about, -1 if none
  std::string detail = "{}";      // a JSON object with the rest (conn, bytes, file, reason...)

  bool operator==(const TraceRecord&) const = default;
};

// The values of TraceRecord::kind, listed once: X(enum value, stable name, meaning). Stable
// strings: a trace.db stores them, and scenarios, checkers, timelines and the GUI match on them.
// `core` records carry a core event (core/env/trace_kinds.h) in msg_type.
#define ZABLAB_RECORD_KINDS(X)                                                                        \
  X(send, "net.send", "bytes queued on a connection")                                                  \
  X(deliver, "net.deliver", "bytes handed to the receiver")                                            \
  X(drop, "net.drop", "bytes lost (detail.reason)")                                                    \
  X(connect, "net.connect", "connect() called (SYN sent)")                                             \
  X(accept, "net.accept", "SYN reached a listening node")                                              \
  X(connected, "net.connected", "the initiator learns it is open")                                     \
  X(refused, "net.refused", "nobody listening: RST")                                                   \
  X(close, "net.close", "an end closed (FIN queued)")                                                  \
  X(closed, "net.closed", "an end learns the connection is gone")                                      \
  X(reset, "net.reset", "fault: RST injected")                                                         \
  X(stall, "net.stall", "fault: connection stops moving")                                              \
  X(unstall, "net.unstall", "fault: a stalled connection moves again")                                 \
  X(partition, "net.partition", "link set changed (detail.blocked)")                                   \
  X(heal, "net.heal", "every link works again")                                                        \
  X(latency, "net.latency", "a link's latency changed")                                                \
  X(timer, "timer", "a node's timer fired")                                                            \
  X(disk_append, "disk.append", "an append completed (completions come in call order)")                \
  X(disk_sync, "disk.sync", "an fsync completed")                                                      \
  X(disk_write, "disk.write_atomic", "a whole-file write completed")                                   \
  X(disk_rename, "disk.rename", "a rename completed (detail.file -> detail.to)")                       \
  X(disk_truncate, "disk.truncate", "a truncate: synchronous, durable at once")                        \
  X(disk_remove, "disk.remove", "a file removed")                                                      \
  X(disk_crash, "disk.crash", "volatile bytes dropped / torn at a crash")                              \
  X(disk_fault, "disk.fault", "full / sync error switched")                                            \
  X(start, "node.start", "a node started for the first time")                                          \
  X(crash, "node.crash", "a node crashed")                                                             \
  X(restart, "node.restart", "a crashed node started again")                                           \
  X(shutdown, "node.shutdown", "the node gave up (Env::shutdown)")                                     \
  X(client_invoke, "client.invoke", "a client operation began (msg_type: the operation)")              \
  X(client_return, "client.return", "a client operation returned")                                     \
  X(core, "core", "Env::trace: msg_type = the core event's kind")                                      \
  X(log, "log", "Env::log, when enabled")                                                              \
  X(world_config, "world.config", "the world's set-up (first record)")                                 \
  X(scenario_config, "scenario.config", "the scenario's ensemble, clients, bug and checks")            \
  X(scenario_action, "scenario.action", "a scenario step's action (msg_type: the action)")             \
  X(scenario_expect, "scenario.expect", "a scenario expectation's outcome (msg_type: ok / failed)")     \
  X(scenario_fail, "scenario.fail", "an action or wait of the scenario failed")                        \
  X(scenario_end, "scenario.end", "the run's verdict (last record)")                                   \
  X(op_result, "op.result", "a client op's reply details (mzxid, data, path)")                         \
  X(op_args, "op.args", "a client write's arguments (expected version, flags), before its invoke")     \
  X(recipe_holds, "recipe.holds", "a client holds a lock / leadership")                                \
  X(workload_done, "workload.done", "a workload finished (summary, issued, ok, failed)")                \
  X(check_violation, "check.violation", "a checker found an invariant broken")

enum class RecordKind : std::uint8_t {
#define ZABLAB_RECORD_KIND_ENUM(id, name, meaning) id,
  ZABLAB_RECORD_KINDS(ZABLAB_RECORD_KIND_ENUM)
#undef ZABLAB_RECORD_KIND_ENUM
};

struct RecordKindInfo {
  RecordKind kind;
  std::string_view name;
  std::string_view meaning;
};

// Every kind, in enum order.
inline constexpr std::array kRecordKinds = {
#define ZABLAB_RECORD_KIND_INFO(id, name, meaning) RecordKindInfo{RecordKind::id, name, meaning},
    ZABLAB_RECORD_KINDS(ZABLAB_RECORD_KIND_INFO)
#undef ZABLAB_RECORD_KIND_INFO
};

constexpr std::string_view record_kind_name(RecordKind kind) {
  return kRecordKinds[static_cast<std::size_t>(kind)].name;
}
// The kind with that name; nullopt for one this build does not write (a hand-edited trace).
constexpr std::optional<RecordKind> record_kind_named(std::string_view name) {
  for (const auto& k : kRecordKinds)
    if (k.name == name) return k.kind;
  return std::nullopt;
}

// The names as constants, for code that writes or compares the text: trace_kind::send is "net.send".
namespace trace_kind {
#define ZABLAB_RECORD_KIND_NAME(id, name, meaning) inline constexpr std::string_view id = name;
ZABLAB_RECORD_KINDS(ZABLAB_RECORD_KIND_NAME)
#undef ZABLAB_RECORD_KIND_NAME
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
