// A scenario file (scenarios/*.scn) as data: the world to build, then a script of steps.
//
// The language is described for teachers in docs/scenarios.md. In short: settings first
// (`ensemble 3`, `tick 2000ms`, `client c1 on s1,s2`, `seed 7`...), then one step per line,
// `[trigger:] action [; action]...`, where a trigger is `at 5s`, `after 500ms` (after the previous
// step) or `when <event> [within 10s]`, and actions are faults, client operations, workloads,
// recipes and expectations. parse_scenario() reports every mistake as `file:line:col: message`
// and a scenario with mistakes never runs.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "sim/time.h"

namespace zablab::sim::scenario {

struct Loc {
  int line = 0;
  int col = 0;
};

// Who an action or event is about. Resolved when the step runs.
struct Target {
  enum class Kind {
    server,     // s3
    client,     // c1 (index = 1)
    leader,     // the established leader now
    follower,   // the lowest-numbered follower now
    followers,  // every follower
    observer,   // the lowest-numbered observer
    all,        // every server
    crashed,    // every server that is down
    name,       // a name bound with `as NAME`
    rest,       // in a partition: every endpoint not listed in another group
    any,        // events: any server
    client_server,  // `server of c1`: the server the client is connected to now (index = client)
  };
  Kind kind = Kind::any;
  std::int64_t index = 0;  // server number, client number
  std::string name;
  Loc loc;
};

struct Event {
  enum class Kind {
    leader_elected,  // an epoch is established (zab.established)
    becomes,         // subject changes role: role = LEADING / FOLLOWING / OBSERVING / LOOKING
    sends,           // subject sends a message (packet = "PROPOSAL", "vote", ...)
    receives,        // subject receives a message
    logs,            // subject appends a txn to its log (leader proposes / learner gets a PROPOSAL)
    commits,         // subject applies a txn
    syncs,           // the leader syncs subject with mode (DIFF, TRUNC, TRUNC+DIFF, SNAP)
    truncates,       // subject truncates its log (zab.trunc)
    goes_down,       // subject crashes or shuts itself down
    session_expires, // a session expires (subject: the client whose session, or any)
    client_connected,
    client_disconnected,
    client_done,     // every operation of the client has returned
    client_holds,    // the client holds the lock / leadership at path (recipes)
    converged,       // one leader in broadcast, every live server up to date with the same zxid
    torn_write,      // subject crashed and its disk kept a torn (partial) last write
  };
  Kind kind = Kind::leader_elected;
  Target subject;           // who (sends/receives/...), or the client
  std::optional<Target> peer;  // sends ... to PEER / receives ... from PEER / connected to PEER
  std::string word;         // packet type, role, or sync mode
  std::optional<std::int64_t> zxid;
  std::string path;
  Loc loc;
};

struct Trigger {
  enum class Kind { immediately, at, after, when };
  Kind kind = Kind::immediately;
  Nanos time = 0;  // at: absolute; after: relative to the previous step
  Event event;     // when
  std::optional<Nanos> within;
  Loc loc;
};

struct Expectation {
  enum class Kind {
    leader_elected,       // [within]: waits for an epoch to be established
    leader_is,            // leader is [not] TARGET
    role_is,              // TARGET is leader|follower|observer|looking|down|up
    path_value,           // PATH = "v" | exists | missing [on TARGET]
    same_data,            // same data on live servers [within]
    converged,            // [within]
    no_acked_write_lost,
    verdict_ok,
    client_ok,            // every op of the client returned Ok
    client_last,          // the client's last op returned `word` ("Ok", "ConnectionLoss", ... or "failed")
    client_connected,     // [to TARGET] [within]
    client_session_kept,  // the client's session id never changed
    client_holds,         // [within]
    client_read,          // the client's last read returned `value`
    saw,                  // an event happened (since the start)
    never,                // an event never happened (so far)
    notifications,        // watch notifications since `reset counters` CMP N
  };
  Kind kind = Kind::verdict_ok;
  bool negate = false;
  Target target;
  std::optional<Target> server;     // client connected to SERVER
  std::string path;
  std::string word;                 // value, role, error name, comparison
  std::optional<std::string> value;  // path = "value"
  std::int64_t number = 0;
  Event event;
  std::optional<Nanos> within;
};

struct Action {
  enum class Kind {
    crash, restart, partition, isolate, cut, restore, heal, flap, latency, disk,
    disconnect, stop_client, client_op, workload, recipe, reset_counters, note, expect, end,
  };
  Kind kind = Kind::note;
  std::vector<Target> targets;               // crash/restart/isolate/cut/restore/flap/latency/disk/clients
  std::vector<std::vector<Target>> groups;   // partition
  bool both_ways = false;                    // cut/restore/flap/latency with <->
  std::string bind_as;                       // crash ... as NAME
  std::string crash_point;                   // crash ... at POINT / after writing currentEpoch (sim/crash_points.h)
  Nanos duration = 0, duration2 = 0;         // flap every/for, latency lo/hi, disk slow
  std::string word;                          // disk mode, client op, workload kind, note text; crash: "kill", "power-off" or ""
  std::string path;
  std::optional<std::string> data;
  std::int32_t flags = 0;                    // create mode
  std::int64_t count = 0;                    // workloads: rate or number of nodes
  bool herd = false;                         // recipes: every waiter watches the same node
  Expectation expect;
  std::string text;  // as written
  Loc loc;
};

struct Step {
  Trigger trigger;
  std::vector<Action> actions;
  std::string text;          // the line as written, for the timeline
  std::string trigger_text;  // "when s2 sends ACK within 5s" ("" when immediate)
  Loc loc;
};

struct ClientDecl {
  std::string name;                 // "c1"
  std::vector<std::int64_t> servers;  // empty: every server
  Nanos session_timeout = 10 * kSecond;
  Loc loc;
};

struct Scenario {
  std::string file = "<scenario>";
  std::string source;  // the whole text
  std::string title;
  int voters = 3;
  int observers = 0;
  std::int32_t tick_ms = 2000;
  int init_limit = 10;
  int sync_limit = 5;
  std::int64_t snap_count = 100000;
  std::string network = "lan";
  std::uint64_t seed = 1;
  Nanos time_limit = 600 * kSecond;
  std::string bug = "none";
  bool lenient = false;  // actions whose target does not exist right now are skipped, not failed
  std::vector<std::string> checks;  // empty: every invariant
  std::optional<std::string> expect_violation;
  std::vector<ClientDecl> clients;
  std::vector<Step> steps;
};

struct ParseError {
  Loc loc;
  std::string message;
};

struct ParseResult {
  std::optional<Scenario> scenario;  // set only when there are no errors
  std::vector<ParseError> errors;
  // "file:line:col: message" lines, one per error.
  std::string describe(const std::string& file) const;
};

ParseResult parse_scenario(const std::string& text, const std::string& file = "<scenario>");

// Network profiles by name ("lan", "wan", "slow", "long-tail"); false if unknown.
bool is_network_profile(const std::string& name);

}  // namespace zablab::sim::scenario
