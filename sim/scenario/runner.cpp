// run_scenario and the heart of a run: building the world and the checkers, stepping virtual time
// to each step's trigger, and the verdict at the end (sim/scenario/scenario_run.h lists the rest).
#include "sim/scenario/runner.h"

#include <algorithm>

#include "sim/json.h"
#include "sim/quorum_kind.h"
#include "sim/scenario/bugs.h"
#include "sim/scenario/scenario_run.h"

namespace zablab::sim::scenario {

Latency network_latency(const std::string& profile) {
  if (profile == "wan") return Latency::uniform(ms(20), ms(60));
  if (profile == "slow") return Latency::uniform(ms(5), ms(20));
  if (profile == "long-tail") return Latency::long_tail(us(100), us(400), 1, 50, ms(300));
  return Latency::uniform(us(100), us(400));  // lan, the simulator's default
}

std::string RunResult::verdict() const {
  if (violation && !violation_expected) return "VIOLATION " + violation->invariant;
  if (!failures.empty()) return "FAIL";
  if (violation) return "PASS (expected violation of " + violation->invariant + ")";
  return "PASS";
}

std::string names_of(const std::vector<EndpointId>& ids) {
  std::string out;
  for (EndpointId id : ids) out += (out.empty() ? "" : ",") + name_of(id);
  return out;
}

bool has_message(const std::string& msg_type, const std::string& want) {
  std::size_t start = 0;
  while (start <= msg_type.size()) {
    const std::size_t plus = msg_type.find('+', start);
    const std::string part = msg_type.substr(start, plus == std::string::npos ? std::string::npos : plus - start);
    if (part == want) return true;
    if (plus == std::string::npos) break;
    start = plus + 1;
  }
  return false;
}

ScenarioRun::ScenarioRun(const Scenario& s, const RunOptions& o) : s_(s), o_(o) {
  if (o_.out) timeline_ = std::make_unique<TimelinePrinter>(*o_.out, o_.verbose);
  for (const auto& st : s_.steps)
    for (const auto& a : st.actions)
      if (a.kind == Action::Kind::expect &&
          (a.expect.kind == Expectation::Kind::saw || a.expect.kind == Expectation::Kind::never))
        watched_[&a.expect.event] = std::nullopt;
}

ScenarioRun::~ScenarioRun() {
  closing_ = true;  // the world's teardown still makes records: nobody listens any more
  w_.reset();
}

RunResult ScenarioRun::go() {
  build();
  prev_ = w_->now();
  try {
    for (const Step& st : s_.steps) play_step(st);
    step_ = nullptr;
  } catch (const Stopped&) {
  }
  return finish();
}

void ScenarioRun::begin() {
  build();
  prev_ = w_->now();
  for (const Step& st : s_.steps)
    if (!play(st)) break;
}

bool ScenarioRun::play(const Step& st) {
  if (over_) return false;
  try {
    play_step(st);
  } catch (const Stopped&) {
    over_ = true;
  }
  step_ = nullptr;
  return !over_;
}

void ScenarioRun::play_step(const Step& st) {
  step_ = &st;
  const bool came = wait_for(st.trigger, prev_);
  describe_step(st);
  if (came) {
    for (const Action& a : st.actions) execute(a);
  } else {
    current_text_ = st.text;
    action_record("skip", "skipped: the event did not come in time");
  }
  prev_ = w_->now();  // `after D` counts from the end of the previous step
}

void ScenarioRun::build() {
  WorldOptions wo;
  wo.seed = o_.seed.value_or(s_.seed);
  wo.server.tick_time_ms = s_.tick_ms;
  wo.server.init_limit = s_.init_limit;
  wo.server.sync_limit = s_.sync_limit;
  wo.server.snap_count = s_.snap_count;
  configure_ensemble(wo, s_.voters, s_.observers);
  bug_ = o_.bug.value_or(s_.bug);
  wo.kind = buggy_quorum_kind(bug_by_name(bug_).value_or(Bug::none));
  wo.network.default_latency = network_latency(s_.network);
  w_ = std::make_unique<World>(wo);
  w_->network().set_tap(&taps_);

  check::CheckConfig cc;
  for (EndpointId i = 1; i <= s_.voters; ++i) cc.voters.push_back(i);
  for (EndpointId i = s_.voters + 1; i <= s_.voters + s_.observers; ++i) cc.observers.push_back(i);
  for (const auto& c : s_.checks) cc.enabled.insert(c);
  Nanos longest_session = s_.clients.empty() ? 10 * kSecond : 0;
  for (const auto& c : s_.clients) longest_session = std::max(longest_session, c.session_timeout);
  cc.staleness_bound = static_cast<Nanos>(s_.sync_limit) * s_.tick_ms * kMillisecond + longest_session;
  engine_ = std::make_unique<check::CheckEngine>(cc);

  for (const auto& r : w_->trace().records()) listen(r);
  w_->trace().subscribe([this](const TraceRecord& r) { listen(r); });

  Json checks_json;
  std::string voters = "[", observers = "[", clients = "[", checks = "[";
  for (EndpointId v : cc.voters) voters += (voters.size() > 1 ? "," : "") + std::to_string(v);
  for (EndpointId v : cc.observers) observers += (observers.size() > 1 ? "," : "") + std::to_string(v);
  for (const auto& c : s_.clients) clients += (clients.size() > 1 ? "," : "") + json_quote(c.name);
  for (const auto& c : s_.checks) checks += (checks.size() > 1 ? "," : "") + json_quote(c);
  record(trace_kind::scenario_config, kNoEndpoint,
         Json()
             .str("title", s_.title)
             .str("file", s_.file)
             .raw("voters", voters + "]")
             .raw("observers", observers + "]")
             .raw("clients", clients + "]")
             .str("bug", bug_)
             .raw("checks", checks + "]")
             .num("tick_ms", s_.tick_ms)
             .num("init_limit", s_.init_limit)
             .num("sync_limit", s_.sync_limit)
             .num("session_ms", longest_session / kMillisecond)
             .str("network", s_.network)
             .done());
  if (o_.on_world) o_.on_world(*w_);
  w_->start();
  for (const auto& decl : s_.clients) {
    client::ClientOptions co;
    co.hosts.clear();  // empty: every server
    for (std::int64_t srv : decl.servers) co.hosts.push_back(name_of(srv) + ":2181");
    co.session_timeout_ms = static_cast<std::int32_t>(decl.session_timeout / kMillisecond);
    w_->add_client(co);
  }
}

void ScenarioRun::record(std::string_view kind, EndpointId node, std::string detail, std::string msg_type) {
  w_->sim().record(make_record(kind, node, kNoEndpoint, kNoEndpoint, std::move(detail), std::move(msg_type)));
}

std::string ScenarioRun::where() const {
  const Loc loc = step_ ? step_->loc : Loc{0, 0};
  return s_.file + ":" + std::to_string(loc.line) + ":" + std::to_string(loc.col) + ": at " + format_time(w_->now()) + ": ";
}

[[noreturn]] void ScenarioRun::stop_with_failure(const std::string& message) {
  failures_.push_back(where() + message);
  record(trace_kind::scenario_fail, kNoEndpoint,
         Json().num("line", step_ ? step_->loc.line : 0).str("message", message).done());
  throw Stopped{};
}

void ScenarioRun::after_step() {
  if (engine_->violated() && !violation_handled_) {
    violation_handled_ = true;
    const check::Violation& v = engine_->violations().front();
    record(trace_kind::check_violation, v.node, v.to_json(), v.invariant);
    throw Stopped{};
  }
  if (w_->now() > s_.time_limit) stop_with_failure("the scenario's time limit (" + format_time(s_.time_limit) + ") was reached");
}

bool ScenarioRun::step_once() {
  if (!w_->step()) return false;
  after_step();
  return true;
}

void ScenarioRun::advance_to(Nanos t) {
  if (t > s_.time_limit) t = s_.time_limit + 1;
  for (;;) {
    const auto next = w_->sim().next_time();
    if (!next || *next > t) break;
    step_once();
  }
  if (t > w_->now()) w_->sim().advance_to(t);
  after_step();
}

bool ScenarioRun::run_until(const std::function<bool()>& done, Nanos deadline, bool every_step) {
  Nanos next_poll = w_->now();
  for (;;) {
    if (every_step || w_->now() >= next_poll) {
      if (done()) return true;
      next_poll = w_->now() + kPoll;
    }
    if (w_->now() >= deadline) return done();
    const auto next = w_->sim().next_time();
    const Nanos target = std::min(deadline, next_poll);
    if (!next || *next > target) {
      w_->sim().advance_to(std::max(w_->now(), target));
      after_step();
      continue;
    }
    step_once();
  }
}

bool ScenarioRun::wait_for(const Trigger& t, Nanos prev) {
  switch (t.kind) {
    case Trigger::Kind::immediately: return true;
    case Trigger::Kind::at: advance_to(std::max(w_->now(), t.time)); return true;
    case Trigger::Kind::after: advance_to(prev + t.time); return true;
    case Trigger::Kind::when: break;
  }
  const Nanos deadline = t.within ? w_->now() + *t.within : s_.time_limit;
  bool ok = false;
  if (is_condition(t.event)) {
    ok = run_until([&] { return condition(t.event); }, deadline);
  } else {
    armed_ = &t.event;
    armed_hit_ = false;
    ok = run_until([&] { return armed_hit_; }, deadline, true);
    armed_ = nullptr;
  }
  if (!ok && !s_.lenient) stop_with_failure("timed out waiting for: " + step_->text);
  return ok;
}

void ScenarioRun::describe_step(const Step& st) {
  current_line_ = st.loc.line;
  first_action_ = true;
  trigger_text_ = st.trigger_text;
}

void ScenarioRun::action_record(const std::string& kind, const std::string& resolved) {
  std::string what = current_text_;
  if (!resolved.empty()) what += "   [" + resolved + "]";
  if (first_action_ && !trigger_text_.empty()) what = "(" + trigger_text_ + ") " + what;
  first_action_ = false;
  record(trace_kind::scenario_action, kNoEndpoint, Json().num("line", current_line_).str("what", what).done(), kind);
}

RunResult ScenarioRun::result_now() const {
  RunResult res;
  res.seed = o_.seed.value_or(s_.seed);
  res.failures = failures_;
  // The checkers never pass what they could not read.
  for (const auto& what : engine_->unreadable_records()) res.failures.push_back("the checkers could not read " + what);
  if (engine_->violated()) {
    res.violation = engine_->violations().front();
    res.violation_expected = s_.expect_violation && *s_.expect_violation == res.violation->invariant;
  } else if (s_.expect_violation && failures_.empty()) {
    res.failures.push_back(s_.file + ": expected a violation of " + *s_.expect_violation + ", but none happened");
  }
  res.passed = res.failures.empty() && (!res.violation || res.violation_expected);
  res.records = w_->trace().size();
  res.end_time = w_->now();
  res.ops_ok = ops_ok_;
  res.ops_failed = ops_failed_;
  return res;
}

RunResult ScenarioRun::finish() {
  for (auto& wl : workloads_) report_workload(*wl);
  RunResult res = result_now();
  record(trace_kind::scenario_end, kNoEndpoint,
         Json().str("verdict", res.verdict()).num("failures", static_cast<std::int64_t>(res.failures.size())).done(),
         res.passed ? "pass" : "fail");
  res.records = w_->trace().size();
  res.trace_hash = w_->trace().hash_hex();
  closing_ = true;  // nothing after this changes the verdict
  if (o_.on_end) o_.on_end(*w_, res);
  if (o_.out) {
    std::ostream& out = *o_.out;
    out << "\n";
    if (res.violation) {
      out << (res.violation_expected ? "expected violation: " : "VIOLATION: ") << res.violation->describe() << "\n";
      out << "  (trace record " << res.violation->seq << "; replay a recording with --trace to inspect it)\n";
    }
    for (const auto& f : res.failures) out << "FAILED: " << f << "\n";
    for (const auto& u : engine_->undecided()) out << "undecided (not checked): " << u << "\n";
    out << "verdict: " << res.verdict() << "  (seed " << res.seed << ", " << res.records << " trace records, hash "
        << res.trace_hash << ", " << format_time(res.end_time) << " virtual, " << ops_ok_ << " ops ok, "
        << ops_failed_ << " failed)\n";
  }
  return res;
}

RunResult run_scenario(const Scenario& scenario, const RunOptions& options) {
  ScenarioRun run(scenario, options);
  return run.go();
}

}  // namespace zablab::sim::scenario
