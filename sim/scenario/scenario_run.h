// One run of a scenario (run_scenario, sim/scenario/runner.h): the world, the checkers, and the
// script's interpreter. Internal to sim/scenario; each concern has its file:
//   runner.cpp                     setup, stepping the world, triggers, the verdict at the end
//   scenario_run_events.cpp        the trace listener and the events `when`/`saw` wait for
//   scenario_run_targets.cpp       which servers and clients a target (leader, s2, c1's server) is
//   scenario_run_actions.cpp       the script's actions and single client operations
//   scenario_run_workloads.cpp     background client workloads
//   scenario_run_recipes.cpp       lock / leader-election recipes over ephemeral-sequential nodes
//   scenario_run_expectations.cpp  `expect` and the world states it compares
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/quorum/quorum_peer.h"
#include "sim/addresses.h"
#include "sim/checkers/checkers.h"
#include "sim/scenario/runner.h"
#include "sim/scenario/scenario.h"
#include "sim/scenario/timeline_printer.h"
#include "sim/scenario/zab_wire_tap.h"
#include "sim/world.h"

namespace zablab::sim::scenario {

// Polling interval for conditions that need the world's state (converged, same data, ...).
inline constexpr Nanos kPoll = kMillisecond;

// "s1,s3"
std::string names_of(const std::vector<EndpointId>& ids);
// Whether a record's msg_type ("A" or "A+B" for a batch) includes `want`.
bool has_message(const std::string& msg_type, const std::string& want);

struct Stopped {};  // unwinds the script when the run must end now
struct Skipped {   // a lenient scenario skips an action whose target does not exist
  std::string why;
};

class ScenarioRun {
 public:
  ScenarioRun(const Scenario& s, const RunOptions& o);
  ~ScenarioRun();
  ScenarioRun(const ScenarioRun&) = delete;
  ScenarioRun& operator=(const ScenarioRun&) = delete;

  RunResult go();

  // One step at a time (SteppingRun, sim/scenario/stepping_run.h): begin() builds the world and
  // plays the scenario's own steps; play() plays one more step; result_now() is the verdict so
  // far and records nothing, so that the world can go on.
  void begin();
  // False once the run is over (a violation, a failed expectation or action).
  bool play(const Step& st);
  bool over() const { return over_; }
  RunResult result_now() const;
  World& world() { return *w_; }

 private:
  struct Workload {
    EndpointId client = kNoEndpoint;
    std::string kind;
    std::string path;
    std::int64_t total = 0;
    std::int64_t issued = 0;
    std::int64_t ok = 0;
    std::int64_t failed = 0;
    bool with_sync = false;
    Nanos period = 0;
    bool reported = false;
  };
  struct Recipe {
    EndpointId client = kNoEndpoint;
    std::string parent;
    std::string what;  // "lock" / "leadership"
    bool herd = false;
    std::string node;  // our child's name
    bool holds = false;
    bool dead = false;
  };
  using TreeImage = std::map<std::string, std::pair<std::string, std::int64_t>>;  // path -> (data, mzxid)

  // --- runner.cpp: setup, running, the end
  void build();
  // Waits for the step's trigger and runs its actions; throws Stopped when the run must end.
  void play_step(const Step& st);
  void record(std::string_view kind, EndpointId node, std::string detail, std::string msg_type = {});
  std::string where() const;
  [[noreturn]] void stop_with_failure(const std::string& message);
  void after_step();
  // Runs one event. False if the queue is empty.
  bool step_once();
  // Runs every event due by `t`, then moves the clock there.
  void advance_to(Nanos t);
  // Steps until `done()` holds (checked before each step, and at least every kPoll of virtual
  // time when `polled`); false when `deadline` passes first.
  bool run_until(const std::function<bool()>& done, Nanos deadline, bool every_step = false);
  // False when a lenient scenario's `when` timed out: the step is skipped (a fuzzer's
  // crash-at-message may wait for a message that never comes); a strict one fails the run.
  bool wait_for(const Trigger& t, Nanos prev);
  void describe_step(const Step& st);
  void action_record(const std::string& kind, const std::string& resolved = {});
  RunResult finish();

  // --- scenario_run_events.cpp
  void listen(const TraceRecord& r);
  bool zxid_ok(const Event& e, std::int64_t zxid) const { return !e.zxid || *e.zxid == zxid; }
  bool matches(const Event& e, const TraceRecord& r) const;
  bool is_condition(const Event& e) const;
  bool condition(const Event& e);

  // --- scenario_run_targets.cpp
  std::vector<EndpointId> resolve(const Target& t, bool required = true);
  bool subject_is(const Target& t, EndpointId id) const;
  // The server a client is connected to now.
  std::optional<EndpointId> server_of(EndpointId c) const;
  const quorum::QuorumPeer* peer(EndpointId id);
  std::optional<EndpointId> leader_now();
  std::vector<EndpointId> with_state(quorum::PeerState state, bool in_broadcast);

  // --- scenario_run_actions.cpp
  void execute(const Action& a);
  void execute_action(const Action& a);
  EndpointId live_client(const Target& t);
  // The op.result record: what the reply carried, whole (the Stat, data, children, ACL), for
  // client.linearizable-reads to compare with its model.
  void result_record(std::uint64_t op_id, Err err, const std::optional<jute::Stat>& stat,
                     const std::optional<std::string>& data = std::nullopt, const std::string& path = {},
                     const std::vector<std::string>* children = nullptr, const std::vector<jute::ACL>* acl = nullptr);
  // Issues one operation; `quiet` ones (workloads) stay out of the timeline. `watch`: a get,
  // exists or children that sets a one-shot watch.
  // Reads: "get", "exists", "children", "children2" (getChildren2), "acl" (getACL).
  // `version`: a set's or delete's expected version (-1: any). Writes are preceded by an op.args
  // record (expected version, create flags), which client.linearizable-writes reads.
  std::uint64_t issue(EndpointId c, const std::string& op, const std::string& path, const std::string& data,
                      std::int32_t flags, bool quiet, std::function<void(Err)> then = {}, bool internal = false,
                      bool watch = false, std::int32_t version = -1);
  void client_op(const Action& a);

  // --- scenario_run_workloads.cpp
  void workload(const Action& a);
  // Creates `path` and its ancestors; NodeExists is fine. Not the script's ops: expectations on a
  // client's results ignore them.
  void ensure_path(EndpointId c, const std::string& path);
  void schedule_tick(const std::shared_ptr<Workload>& wl, Nanos at);
  // One tick of a `watches` or `ephemerals` workload (the i-th operation).
  void watch_tick(const std::shared_ptr<Workload>& wl, std::int64_t i);
  void ephemeral_tick(const std::shared_ptr<Workload>& wl, std::int64_t i);
  // One read-modify-write of an `updates` workload: getData, then setData expecting the version read.
  void update_tick(const std::shared_ptr<Workload>& wl, std::int64_t i);
  void count(const std::shared_ptr<Workload>& wl, Err e);
  void report_workload(Workload& wl);

  // --- scenario_run_recipes.cpp
  void recipe(const Action& a);
  void check_holder(const std::shared_ptr<Recipe>& r);
  void on_children(const std::shared_ptr<Recipe>& r, const client::Result<client::ChildrenResult>& res);

  // --- scenario_run_expectations.cpp
  std::optional<std::string> evaluate(const Expectation& x);
  void expect(const Expectation& x);
  bool converged();
  static TreeImage image(const data::DataTree& tree);
  std::optional<std::string> same_data();
  bool client_done(EndpointId c);
  bool holds(EndpointId c, const std::string& path);

  const Scenario& s_;
  RunOptions o_;
  ZabPortTaps taps_;  // before the world: it must outlive it
  std::unique_ptr<World> w_;
  std::unique_ptr<check::CheckEngine> engine_;
  std::unique_ptr<TimelinePrinter> timeline_;
  std::string bug_;
  const Step* step_ = nullptr;
  std::string current_text_;
  std::string trigger_text_;
  bool first_action_ = false;
  std::string info_;  // what an expectation saw, when it passed
  int current_line_ = 0;
  std::vector<std::string> failures_;
  bool violation_handled_ = false;
  bool closing_ = false;
  bool over_ = false;  // stepping: Stopped was thrown
  Nanos prev_ = 0;     // when the previous step ended (`after D` counts from there)
  const Event* armed_ = nullptr;
  bool armed_hit_ = false;
  std::map<const Event*, std::optional<std::uint64_t>> watched_;
  std::map<EndpointId, std::string> role_;
  std::map<EndpointId, std::string> session_of_;
  std::map<std::string, EndpointId> names_;
  std::map<EndpointId, std::string> first_session_;
  std::set<std::uint64_t> internal_ops_;  // creates of parents the script did not ask for
  std::map<EndpointId, std::optional<std::string>> last_read_;  // per client: its last getData's data
  std::map<EndpointId, std::int32_t> last_read_version_;         // and the version it read (-1: none)
  std::uint64_t notifications_ = 0;
  std::uint64_t notifications_base_ = 0;
  std::uint64_t ops_ok_ = 0;
  std::uint64_t ops_failed_ = 0;
  std::vector<std::shared_ptr<Workload>> workloads_;
  std::vector<std::shared_ptr<Recipe>> recipes_;
};

}  // namespace zablab::sim::scenario
