#include "sim/scenario/runner.h"

#include <algorithm>
#include <map>
#include <memory>
#include <set>

#include "core/jute/codes.h"
#include "core/quorum/quorum_peer.h"
#include "core/util/hex.h"
#include "sim/addresses.h"
#include "sim/checkers/json_fields.h"
#include "sim/json.h"
#include "sim/quorum_kind.h"
#include "sim/scenario/bugs.h"
#include "sim/scenario/timeline_printer.h"
#include "sim/scenario/zab_wire_tap.h"

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

namespace {

using quorum::PeerState;
using quorum::Phase;

// Polling interval for conditions that need the world's state (converged, same data, ...).
constexpr Nanos kPoll = kMillisecond;

std::string join(const std::vector<EndpointId>& ids) {
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

struct Stopped {};  // unwinds the script when the run must end now
struct Skipped {   // a lenient scenario skips an action whose target does not exist
  std::string why;
};

class Run {
 public:
  Run(const Scenario& s, const RunOptions& o) : s_(s), o_(o) {
    if (o_.out) timeline_ = std::make_unique<TimelinePrinter>(*o_.out, o_.verbose);
    for (const auto& st : s_.steps)
      for (const auto& a : st.actions)
        if (a.kind == Action::Kind::expect &&
            (a.expect.kind == Expectation::Kind::saw || a.expect.kind == Expectation::Kind::never))
          watched_[&a.expect.event] = std::nullopt;
  }

  ~Run() {
    closing_ = true;  // the world's teardown still makes records: nobody listens any more
    w_.reset();
  }
  Run(const Run&) = delete;
  Run& operator=(const Run&) = delete;

  RunResult go() {
    build();
    try {
      Nanos prev = w_->now();
      for (const Step& st : s_.steps) {
        step_ = &st;
        const bool came = wait_for(st.trigger, prev);
        describe_step(st);
        if (came) {
          for (const Action& a : st.actions) execute(a);
        } else {
          current_text_ = st.text;
          action_record("skip", "skipped: the event did not come in time");
        }
        prev = w_->now();  // `after D` counts from the end of the previous step
      }
      step_ = nullptr;
    } catch (const Stopped&) {
    }
    return finish();
  }

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

  // ------------------------------------------------------------------------ setup

  void build() {
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
    record(check::record_kind::config, kNoEndpoint,
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

  // ------------------------------------------------------------------------ trace listener

  void listen(const TraceRecord& r) {
    if (closing_) return;
    engine_->on_record(r);
    if (timeline_) timeline_->on_record(r);
    // Events first (they see roles as they were when the record was made), then roles.
    if (armed_ && !armed_hit_ && matches(*armed_, r)) armed_hit_ = true;
    for (auto& [event, seq] : watched_)
      if (!seq && matches(*event, r)) seq = r.seq;
    if (r.kind == trace_kind::deliver && is_client(r.to) && has_message(r.msg_type, "notification")) ++notifications_;
    if (r.kind == trace_kind::core && r.msg_type == "peer.state") {
      role_[r.node] = check::json_string(r.detail, "to").value_or("LOOKING");
    } else if (r.kind == trace_kind::crash && is_server(r.node)) {
      role_[r.node] = "DOWN";
    } else if ((r.kind == "node.start" || r.kind == trace_kind::restart) && is_server(r.node)) {
      role_[r.node] = "LOOKING";
    } else if (r.kind == trace_kind::core && r.msg_type == "client.state") {
      auto session = check::json_string(r.detail, "session");
      if (session && *session != "0x0") {
        session_of_[r.node] = *session;
        if (!first_session_.count(r.node)) first_session_[r.node] = *session;
      }
    }
  }

  bool subject_is(const Target& t, EndpointId id) const {
    auto role = [&](const char* want) {
      auto it = role_.find(id);
      return it != role_.end() && it->second == want;
    };
    switch (t.kind) {
      case Target::Kind::server: return id == t.index;
      case Target::Kind::client: return id == kClientBase + t.index;
      case Target::Kind::any: return is_server(id);
      case Target::Kind::leader: return role("LEADING");
      case Target::Kind::follower:
      case Target::Kind::followers: return role("FOLLOWING");
      case Target::Kind::observer: return role("OBSERVING");
      case Target::Kind::name: {
        auto it = names_.find(t.name);
        return it != names_.end() && it->second == id;
      }
      case Target::Kind::client_server: {
        auto s = server_of(kClientBase + t.index);
        return s && *s == id;
      }
      default: return false;
    }
  }

  // The server a client is connected to now.
  std::optional<EndpointId> server_of(EndpointId c) const {
    if (!w_->up(c)) return std::nullopt;
    const std::string host = w_->client(c).connected_host();
    if (host.size() < 2 || host[0] != 's') return std::nullopt;
    const std::int64_t n = std::atoll(host.c_str() + 1);
    if (n <= 0) return std::nullopt;
    return n;
  }

  bool zxid_ok(const Event& e, std::int64_t zxid) const { return !e.zxid || *e.zxid == zxid; }

  bool matches(const Event& e, const TraceRecord& r) const {
    const bool core = r.kind == trace_kind::core;
    switch (e.kind) {
      case Event::Kind::leader_elected: return core && r.msg_type == "zab.established";
      case Event::Kind::becomes:
        return core && r.msg_type == "peer.state" && subject_is(e.subject, r.node) &&
               check::json_string(r.detail, "to").value_or("") == e.word;
      case Event::Kind::sends:
        return r.kind == trace_kind::send && has_message(r.msg_type, e.word) && subject_is(e.subject, r.from) &&
               (!e.peer || subject_is(*e.peer, r.to)) && zxid_ok(e, r.zxid);
      case Event::Kind::receives:
        return r.kind == trace_kind::deliver && has_message(r.msg_type, e.word) && subject_is(e.subject, r.to) &&
               (!e.peer || subject_is(*e.peer, r.from)) && zxid_ok(e, r.zxid);
      case Event::Kind::logs:
        return ((core && r.msg_type == "zab.propose" && subject_is(e.subject, r.node)) ||
                (r.kind == trace_kind::deliver && has_message(r.msg_type, "PROPOSAL") && subject_is(e.subject, r.to))) &&
               zxid_ok(e, r.zxid);
      case Event::Kind::commits:
        return core && r.msg_type == "txn.commit" && subject_is(e.subject, r.node) && zxid_ok(e, r.zxid);
      case Event::Kind::truncates: return core && r.msg_type == "zab.trunc" && subject_is(e.subject, r.node);
      case Event::Kind::goes_down: return r.kind == trace_kind::crash && is_server(r.node) && subject_is(e.subject, r.node);
      case Event::Kind::torn_write:
        return r.kind == trace_kind::disk_crash && subject_is(e.subject, r.node) &&
               r.detail.find("\"torn_file\"") != std::string::npos;
      case Event::Kind::client_holds:
        return r.kind == "recipe.holds" && r.node == kClientBase + e.subject.index &&
               check::json_string(r.detail, "path").value_or("") == e.path;
      case Event::Kind::session_expires: {
        if (!core || r.msg_type != "session.expire") return false;
        if (e.subject.kind != Target::Kind::client) return true;
        auto it = session_of_.find(kClientBase + e.subject.index);
        return it != session_of_.end() && check::json_string(r.detail, "session").value_or("") == it->second;
      }
      default: return false;  // conditions are polled, not matched
    }
  }

  bool is_condition(const Event& e) const {
    switch (e.kind) {
      case Event::Kind::client_connected:
      case Event::Kind::client_disconnected:
      case Event::Kind::client_done:
      case Event::Kind::client_holds:
      case Event::Kind::converged: return true;
      default: return false;
    }
  }

  bool condition(const Event& e) {
    const EndpointId c = kClientBase + e.subject.index;
    switch (e.kind) {
      case Event::Kind::client_connected: {
        if (!w_->up(c) || w_->client(c).state() != client::State::connected) return false;
        if (!e.peer) return true;
        auto ids = resolve(*e.peer, false);
        return !ids.empty() && w_->client(c).connected_host() == name_of(ids.front()) + ":2181";
      }
      case Event::Kind::client_disconnected: return !w_->up(c) || w_->client(c).state() != client::State::connected;
      case Event::Kind::client_done: return client_done(c);
      case Event::Kind::client_holds: return holds(c, e.path);
      case Event::Kind::converged: return converged();
      default: return false;
    }
  }

  // ------------------------------------------------------------------------ the world's state

  const quorum::QuorumPeer* peer(EndpointId id) {
    if (!w_->up(id)) return nullptr;
    return quorum_peer_of(w_->server_host(id).node());
  }

  std::optional<EndpointId> leader_now() {
    std::optional<EndpointId> best;
    std::int64_t best_epoch = -1;
    for (EndpointId id : w_->servers()) {
      const auto* p = peer(id);
      if (!p || p->state() != PeerState::leading || p->phase() != Phase::broadcast) continue;
      if (p->current_epoch() > best_epoch) {
        best = id;
        best_epoch = p->current_epoch();
      }
    }
    return best;
  }

  std::vector<EndpointId> with_state(PeerState state, bool in_broadcast) {
    std::vector<EndpointId> out;
    for (EndpointId id : w_->servers()) {
      const auto* p = peer(id);
      if (p && p->state() == state && (!in_broadcast || p->phase() == Phase::broadcast)) out.push_back(id);
    }
    return out;
  }

  bool converged() {
    auto leader = leader_now();
    if (!leader) return false;
    const auto* lp = peer(*leader);
    if (lp->uncommitted() != 0) return false;
    const std::int64_t zxid = lp->tree().last_processed_zxid();
    for (EndpointId id : w_->servers()) {
      if (id == *leader || !w_->up(id)) continue;
      const auto* p = peer(id);
      if (!p || (p->state() != PeerState::following && p->state() != PeerState::observing)) return false;
      if (p->phase() != Phase::broadcast || p->leader() != *leader) return false;
      if (p->tree().last_processed_zxid() != zxid) return false;
    }
    return true;
  }

  using TreeImage = std::map<std::string, std::pair<std::string, std::int64_t>>;  // path -> (data, mzxid)
  static TreeImage image(const data::DataTree& tree) {
    TreeImage out;
    std::vector<std::string> stack{"/"};
    while (!stack.empty()) {
      std::string p = stack.back();
      stack.pop_back();
      const auto* n = tree.find(p);
      if (!n) continue;
      out[p] = {n->data.value_or(""), n->stat.mzxid};
      for (const auto& c : n->children) stack.push_back(p == "/" ? "/" + c : p + "/" + c);
    }
    return out;
  }

  std::optional<std::string> same_data() {
    std::optional<TreeImage> first;
    EndpointId first_id = kNoEndpoint;
    for (EndpointId id : w_->servers()) {
      const auto* p = peer(id);
      if (!p) continue;
      TreeImage img = image(p->tree());
      if (!first) {
        first = std::move(img);
        first_id = id;
        continue;
      }
      if (img == *first) continue;
      for (const auto& [path, v] : *first) {
        auto it = img.find(path);
        if (it == img.end()) return path + " is on " + name_of(first_id) + " but not on " + name_of(id);
        if (it->second != v) return path + " differs between " + name_of(first_id) + " and " + name_of(id);
      }
      for (const auto& [path, v] : img)
        if (!first->count(path)) return path + " is on " + name_of(id) + " but not on " + name_of(first_id);
    }
    if (!first) return "no server is up";
    return std::nullopt;
  }

  bool client_done(EndpointId c) {
    for (const auto& wl : workloads_)
      if (wl->client == c && wl->issued < wl->total && w_->up(c)) return false;
    for (const auto& op : w_->history())
      if (op.client == c && !op.returned_ns) return false;
    return true;
  }

  bool holds(EndpointId c, const std::string& path) {
    for (const auto& r : recipes_)
      if (r->client == c && r->parent == path && r->holds && !r->dead) return true;
    return false;
  }

  // ------------------------------------------------------------------------ running

  void record(std::string_view kind, EndpointId node, std::string detail, std::string msg_type = {}) {
    w_->sim().record(make_record(kind, node, kNoEndpoint, kNoEndpoint, std::move(detail), std::move(msg_type)));
  }

  std::string where() const {
    const Loc loc = step_ ? step_->loc : Loc{0, 0};
    return s_.file + ":" + std::to_string(loc.line) + ":" + std::to_string(loc.col) + ": at " + format_time(w_->now()) + ": ";
  }

  [[noreturn]] void stop_with_failure(const std::string& message) {
    failures_.push_back(where() + message);
    record("scenario.fail", kNoEndpoint,
           Json().num("line", step_ ? step_->loc.line : 0).str("message", message).done());
    throw Stopped{};
  }

  void after_step() {
    if (engine_->violated() && !violation_handled_) {
      violation_handled_ = true;
      const check::Violation& v = engine_->violations().front();
      record(check::record_kind::violation, v.node, v.to_json(), v.invariant);
      throw Stopped{};
    }
    if (w_->now() > s_.time_limit) stop_with_failure("the scenario's time limit (" + format_time(s_.time_limit) + ") was reached");
  }

  // Runs one event. False if the queue is empty.
  bool step_once() {
    if (!w_->step()) return false;
    after_step();
    return true;
  }

  // Runs every event due by `t`, then moves the clock there.
  void advance_to(Nanos t) {
    if (t > s_.time_limit) t = s_.time_limit + 1;
    for (;;) {
      const auto next = w_->sim().next_time();
      if (!next || *next > t) break;
      step_once();
    }
    if (t > w_->now()) w_->sim().advance_to(t);
    after_step();
  }

  // Steps until `done()` holds (checked before each step, and at least every kPoll of virtual
  // time when `polled`); false when `deadline` passes first.
  bool run_until(const std::function<bool()>& done, Nanos deadline, bool every_step = false) {
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

  // False when a lenient scenario's `when` timed out: the step is skipped (a fuzzer's
  // crash-at-message may wait for a message that never comes); a strict one fails the run.
  bool wait_for(const Trigger& t, Nanos prev) {
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

  // ------------------------------------------------------------------------ actions

  std::vector<EndpointId> resolve(const Target& t, bool required = true) {
    std::vector<EndpointId> out;
    switch (t.kind) {
      case Target::Kind::server: out.push_back(t.index); break;
      case Target::Kind::client: out.push_back(kClientBase + t.index); break;
      case Target::Kind::leader:
        if (auto l = leader_now()) out.push_back(*l);
        break;
      case Target::Kind::follower: {
        auto f = with_state(PeerState::following, true);
        if (f.empty()) f = with_state(PeerState::following, false);
        if (!f.empty()) out.push_back(f.front());
        break;
      }
      case Target::Kind::followers: out = with_state(PeerState::following, false); break;
      case Target::Kind::observer: {
        auto f = with_state(PeerState::observing, false);
        if (!f.empty()) out.push_back(f.front());
        break;
      }
      case Target::Kind::all: out = w_->servers(); break;
      case Target::Kind::crashed:
        for (EndpointId id : w_->servers())
          if (!w_->up(id)) out.push_back(id);
        break;
      case Target::Kind::name:
        if (auto it = names_.find(t.name); it != names_.end()) out.push_back(it->second);
        break;
      case Target::Kind::client_server:
        if (auto srv = server_of(kClientBase + t.index)) out.push_back(*srv);
        break;
      case Target::Kind::rest:
      case Target::Kind::any: break;
    }
    if (required && out.empty() && t.kind != Target::Kind::crashed && t.kind != Target::Kind::followers) {
      static const char* kWhat[] = {"server", "client", "leader", "follower", "followers", "observer", "servers",
                                    "crashed servers", "name", "rest", "any", "server the client is connected to"};
      const std::string why = std::string("there is no ") + kWhat[static_cast<int>(t.kind)] + " right now";
      if (s_.lenient) throw Skipped{why};
      stop_with_failure(why);
    }
    return out;
  }

  void describe_step(const Step& st) {
    current_line_ = st.loc.line;
    first_action_ = true;
    trigger_text_ = st.trigger_text;
  }

  void action_record(const std::string& kind, const std::string& resolved = {}) {
    std::string what = current_text_;
    if (!resolved.empty()) what += "   [" + resolved + "]";
    if (first_action_ && !trigger_text_.empty()) what = "(" + trigger_text_ + ") " + what;
    first_action_ = false;
    record("scenario.action", kNoEndpoint, Json().num("line", current_line_).str("what", what).done(), kind);
  }

  void execute(const Action& a) {
    current_text_ = a.text;
    try {
      execute_action(a);
    } catch (const Skipped& skip) {
      action_record("skip", "skipped: " + skip.why);
    }
  }

  void execute_action(const Action& a) {
    switch (a.kind) {
      case Action::Kind::crash: {
        auto ids = resolve(a.targets[0]);
        if (!a.bind_as.empty()) names_[a.bind_as] = ids.front();
        if (!a.crash_point.empty()) {
          // Armed, not done: the server crashes itself when it reaches the point (sim/crash_points.h).
          action_record("crash", "crash " + join(ids) + " when it reaches " + a.crash_point);
          for (EndpointId id : ids) w_->arm_crash_point(id, a.crash_point);
          break;
        }
        const std::string how = a.word.empty() ? "crash" : a.word;
        action_record("crash", how + " " + join(ids));
        for (EndpointId id : ids) {
          if (how == "kill") {
            w_->server_host(id).kill("kill");
          } else if (how == "power-off") {
            w_->server_host(id).power_off("power-off");
          } else {
            w_->crash(id);
          }
        }
        break;
      }
      case Action::Kind::restart: {
        std::vector<EndpointId> down;
        for (EndpointId id : resolve(a.targets[0]))
          if (!w_->up(id)) down.push_back(id);
        action_record("restart", down.empty() ? "nothing to restart" : "restart " + join(down));
        for (EndpointId id : down) w_->restart(id);
        break;
      }
      case Action::Kind::partition: {
        std::vector<std::vector<EndpointId>> groups;
        std::set<EndpointId> listed;
        int rest_group = -1;
        for (const auto& g : a.groups) {
          std::vector<EndpointId> ids;
          for (const auto& t : g) {
            if (t.kind == Target::Kind::rest) {
              rest_group = static_cast<int>(groups.size());
              continue;
            }
            for (EndpointId id : resolve(t)) {
              ids.push_back(id);
              listed.insert(id);
            }
          }
          groups.push_back(std::move(ids));
        }
        if (rest_group >= 0) {
          for (EndpointId id : w_->servers())
            if (!listed.count(id)) groups[rest_group].push_back(id);
          for (EndpointId id : w_->clients())
            if (!listed.count(id)) groups[rest_group].push_back(id);
        }
        std::string text;
        for (const auto& g : groups) text += (text.empty() ? "{" : " | {") + join(g) + "}";
        action_record("partition", text);
        w_->partition(groups);
        break;
      }
      case Action::Kind::isolate: {
        auto ids = resolve(a.targets[0]);
        action_record("isolate", "isolate " + join(ids));
        w_->isolate(ids.front());
        break;
      }
      case Action::Kind::cut:
      case Action::Kind::restore:
      case Action::Kind::latency: {
        auto from = resolve(a.targets[0]);
        auto to = resolve(a.targets[1]);
        const char* arrow = a.both_ways ? " <-> " : " -> ";
        const char* name = a.kind == Action::Kind::cut ? "cut" : a.kind == Action::Kind::restore ? "restore" : "latency";
        action_record(name, std::string(name) + " " + join(from) + arrow + join(to));
        for (EndpointId x : from) {
          for (EndpointId y : to) {
            if (x == y) continue;
            for (int dir = 0; dir < (a.both_ways ? 2 : 1); ++dir) {
              const EndpointId src = dir ? y : x, dst = dir ? x : y;
              if (a.kind == Action::Kind::cut) {
                w_->block(src, dst);
              } else if (a.kind == Action::Kind::restore) {
                w_->unblock(src, dst);
              } else {
                w_->network().set_latency(src, dst, a.duration == a.duration2 ? Latency::fixed(a.duration)
                                                                              : Latency::uniform(a.duration, a.duration2));
              }
            }
          }
        }
        break;
      }
      case Action::Kind::heal:
        action_record("heal");
        w_->heal();
        break;
      case Action::Kind::flap: {
        const EndpointId x = resolve(a.targets[0]).front(), y = resolve(a.targets[1]).front();
        action_record("flap", "flap " + name_of(x) + " <-> " + name_of(y));
        const Nanos start = w_->now();
        const std::int64_t toggles = a.duration2 / a.duration;
        for (std::int64_t i = 0; i <= toggles; ++i) {
          const bool cut = i % 2 == 0 && i < toggles;
          w_->sim().at(start + i * a.duration, [this, x, y, cut] {
            if (cut) {
              w_->block(x, y);
              w_->block(y, x);
            } else {
              w_->unblock(x, y);
              w_->unblock(y, x);
            }
          });
        }
        break;
      }
      case Action::Kind::disk: {
        auto ids = resolve(a.targets[0]);
        action_record("disk", "disk " + join(ids) + " " + a.word);
        for (EndpointId id : ids) {
          SimDisk& d = w_->disk(id);
          if (a.word == "full") {
            d.set_full(true);
          } else if (a.word == "ok") {
            d.set_full(false);
            d.set_sync_error(false);
            d.set_sync_latency(DiskOptions().sync_latency);
          } else if (a.word == "slow") {
            d.set_sync_latency(Latency::fixed(a.duration));
          } else if (a.word == "fast") {
            d.set_sync_latency(DiskOptions().sync_latency);
          } else if (a.word == "sync-errors") {
            d.set_sync_error(true);
          }
        }
        break;
      }
      case Action::Kind::disconnect: {
        const EndpointId c = live_client(a.targets[0]);
        action_record("disconnect", std::to_string(w_->drop_connections(c)) + " connection(s) reset");
        break;
      }
      case Action::Kind::stop_client: {
        const EndpointId c = resolve(a.targets[0]).front();
        action_record("stop");
        for (auto& r : recipes_)
          if (r->client == c) r->dead = true;
        if (w_->up(c)) w_->stop_client(c);
        break;
      }
      case Action::Kind::client_op: client_op(a); break;
      case Action::Kind::workload: workload(a); break;
      case Action::Kind::recipe: recipe(a); break;
      case Action::Kind::reset_counters:
        action_record("reset");
        notifications_base_ = notifications_;
        break;
      case Action::Kind::note:
        current_text_ = a.word;
        action_record("note");
        break;
      case Action::Kind::end:
        action_record("end");
        throw Stopped{};
      case Action::Kind::expect: expect(a.expect); break;
    }
  }

  EndpointId live_client(const Target& t) {
    const EndpointId c = kClientBase + t.index;
    if (!w_->up(c)) {
      if (s_.lenient) throw Skipped{name_of(c) + " is stopped"};
      stop_with_failure(name_of(c) + " is stopped");
    }
    return c;
  }

  void result_record(std::uint64_t op_id, Err err, const std::optional<jute::Stat>& stat,
                     const std::optional<std::string>& data = std::nullopt, const std::string& path = {}) {
    Json j;
    j.num("op_id", static_cast<std::int64_t>(op_id)).str("err", err_name(err));
    if (stat) j.num("mzxid", stat->mzxid).num("version", stat->version);
    if (data) j.str("data", *data);
    if (!path.empty()) j.str("path", path);
    record(check::record_kind::op_result, kNoEndpoint, j.done());
  }

  // Issues one operation; `quiet` ones (workloads) stay out of the timeline.
  std::uint64_t issue(EndpointId c, const std::string& op, const std::string& path, const std::string& data,
                      std::int32_t flags, bool quiet, std::function<void(Err)> then = {}, bool internal = false) {
    const std::uint64_t id = w_->history().size() + 1;  // the id World is about to give it
    if (quiet && timeline_) timeline_->quiet(id);
    auto done = [this, then, internal](Err err) {
      if (!internal) ++(err == Err::ok ? ops_ok_ : ops_failed_);
      if (then) then(err);
    };
    if (op == "create") {
      w_->create(c, path, data, flags, [this, id, done](const client::Result<client::CreateResult>& r) {
        result_record(id, r.err, r.value.stat, std::nullopt, r.ok() ? r.value.path : std::string());
        done(r.err);
      });
    } else if (op == "set") {
      w_->set_data(c, path, data, -1, [this, id, done](const client::Result<jute::Stat>& r) {
        result_record(id, r.err, r.ok() ? std::optional<jute::Stat>(r.value) : std::nullopt);
        done(r.err);
      });
    } else if (op == "get") {
      w_->get_data(c, path, [this, id, c, done](const client::Result<jute::GetDataResponse>& r) {
        last_read_[c] = r.ok() ? std::optional<std::string>(r.value.data.value_or("")) : std::nullopt;
        result_record(id, r.err, r.ok() ? std::optional<jute::Stat>(r.value.stat) : std::nullopt,
                      r.ok() ? std::optional<std::string>(r.value.data.value_or("")) : std::nullopt);
        done(r.err);
      });
    } else if (op == "delete") {
      w_->remove(c, path, -1, [done](Err err) { done(err); });
    } else if (op == "sync") {
      w_->sync(c, path, [done](const client::Result<std::string>& r) { done(r.err); });
    } else if (op == "exists") {
      w_->exists(c, path, [this, id, done](const client::Result<jute::Stat>& r) {
        result_record(id, r.err, r.ok() ? std::optional<jute::Stat>(r.value) : std::nullopt);
        done(r.err);
      });
    } else if (op == "children") {
      w_->get_children(c, path, [done](const client::Result<client::ChildrenResult>& r) { done(r.err); });
    } else if (op == "close") {
      w_->close_session(c, [done](Err err) { done(err); });
    }
    return id;
  }

  void client_op(const Action& a) {
    const EndpointId c = live_client(a.targets[0]);
    action_record("op");
    issue(c, a.word, a.path, a.data.value_or(""), a.flags, false);
  }

  void workload(const Action& a) {
    const EndpointId c = live_client(a.targets[0]);
    auto wl = std::make_shared<Workload>();
    wl->client = c;
    wl->kind = a.word;
    wl->path = a.path;
    wl->with_sync = a.herd;
    workloads_.push_back(wl);
    action_record("workload");
    if (a.word == "creates") {
      wl->total = a.count;
      ensure_path(c, a.path);
      for (std::int64_t i = 0; i < a.count; ++i) {
        ++wl->issued;
        issue(c, "create", a.path + "/n-" + std::to_string(i), "v", 0, true, [this, wl](Err e) { count(wl, e); });
      }
      return;
    }
    wl->total = a.count * a.duration / kSecond;
    wl->period = kSecond / a.count;
    if (a.word == "writes") ensure_path(c, a.path);
    schedule_tick(wl, w_->now());
  }

  // Creates `path` and its ancestors; NodeExists is fine. Not the script's ops: expectations on a
  // client's results ignore them.
  void ensure_path(EndpointId c, const std::string& path) {
    for (std::size_t at = path.find('/', 1); at != std::string::npos; at = path.find('/', at + 1))
      internal_ops_.insert(issue(c, "create", path.substr(0, at), "", 0, true, {}, true));
    internal_ops_.insert(issue(c, "create", path, "", 0, true, {}, true));
  }

  void schedule_tick(const std::shared_ptr<Workload>& wl, Nanos at) {
    if (wl->issued >= wl->total) return;
    w_->sim().at(at, [this, wl, at] {
      if (!w_->up(wl->client)) return;
      const std::int64_t i = wl->issued++;
      if (wl->kind == "writes") {
        issue(wl->client, "set", wl->path, name_of(wl->client) + "-" + std::to_string(i), 0, true,
              [this, wl](Err e) { count(wl, e); });
      } else if (wl->with_sync) {
        issue(wl->client, "sync", wl->path, "", 0, true, [this, wl](Err e) {
          if (e != Err::ok || !w_->up(wl->client)) {
            count(wl, e);
            return;
          }
          issue(wl->client, "get", wl->path, "", 0, true, [this, wl](Err e2) { count(wl, e2); });
        });
      } else {
        issue(wl->client, "get", wl->path, "", 0, true, [this, wl](Err e) { count(wl, e); });
      }
      schedule_tick(wl, at + wl->period);
    });
  }

  void count(const std::shared_ptr<Workload>& wl, Err e) {
    ++(e == Err::ok || (wl->kind == "reads" && e == Err::no_node) ? wl->ok : wl->failed);
    if (wl->ok + wl->failed == wl->total) report_workload(*wl);
  }

  void report_workload(Workload& wl) {
    if (wl.reported) return;
    wl.reported = true;
    std::string what = wl.kind == "creates" ? "creates under " : wl.kind == "writes" ? "writes to " : wl.with_sync ? "sync+reads of " : "reads of ";
    record("workload.done", wl.client,
           Json()
               .str("summary", what + wl.path + ": " + std::to_string(wl.issued) + " issued, " + std::to_string(wl.ok) +
                                   " ok, " + std::to_string(wl.failed) + " failed, " +
                                   std::to_string(wl.issued - wl.ok - wl.failed) + " unanswered")
               .num("issued", wl.issued)
               .num("ok", wl.ok)
               .num("failed", wl.failed)
               .done());
  }

  // --- recipes: a lock / leader election with ephemeral-sequential nodes ---

  void recipe(const Action& a) {
    const EndpointId c = live_client(a.targets[0]);
    auto r = std::make_shared<Recipe>();
    r->client = c;
    r->parent = a.path;
    r->herd = a.herd;
    r->what = a.word == "election" ? "leadership of" : "the lock";
    recipes_.push_back(r);
    action_record("recipe");
    ensure_path(c, a.path);
    const std::uint64_t id = w_->history().size() + 1;
    issue(c, "create", a.path + "/n-", "", create_mode::ephemeral_sequential, false, [this, r, id](Err err) {
      if (err != Err::ok || r->dead) {
        r->dead = true;
        return;
      }
      const std::string& created = w_->op(id).data;
      r->node = created.substr(created.rfind('/') + 1);
      check_holder(r);
    });
  }

  void check_holder(const std::shared_ptr<Recipe>& r) {
    if (r->dead || !w_->up(r->client)) return;
    auto watcher = client::make_watcher([this, r](const client::WatchedEvent& e) {
      if (e.type != event_type::none) check_holder(r);
    });
    w_->client_host(r->client).invoke([this, r, watcher](client::ClientNode&) {
      w_->client(r->client).get_children(r->parent, r->herd ? watcher : nullptr, false,
                                         [this, r](const client::Result<client::ChildrenResult>& res) {
                                           on_children(r, res);
                                         });
    });
  }

  void on_children(const std::shared_ptr<Recipe>& r, const client::Result<client::ChildrenResult>& res) {
    if (r->dead) return;
    if (!res.ok()) {
      if (res.err == Err::connection_loss) w_->sim().after(500 * kMillisecond, [this, r] { check_holder(r); });
      return;
    }
    std::vector<std::string> kids = res.value.children;
    std::sort(kids.begin(), kids.end());
    auto me = std::find(kids.begin(), kids.end(), r->node);
    if (me == kids.end()) {
      r->dead = true;  // our node is gone (the session expired)
      return;
    }
    if (me == kids.begin()) {
      if (!r->holds) {
        r->holds = true;
        record("recipe.holds", r->client,
               Json().str("what", r->what).str("path", r->parent).str("node", r->parent + "/" + r->node).done());
      }
      return;
    }
    if (r->herd) return;  // the children watch set by getChildren wakes us
    const std::string predecessor = r->parent + "/" + *(me - 1);
    auto watcher = client::make_watcher([this, r](const client::WatchedEvent& e) {
      if (e.type != event_type::none) check_holder(r);
    });
    w_->client(r->client).exists(predecessor, watcher, [this, r](const client::Result<jute::Stat>& st) {
      if (r->dead) return;
      if (st.err == Err::no_node) check_holder(r);  // it went away meanwhile
      if (st.err == Err::connection_loss) w_->sim().after(500 * kMillisecond, [this, r] { check_holder(r); });
    });
  }

  // ------------------------------------------------------------------------ expectations

  std::optional<std::string> evaluate(const Expectation& x) {
    switch (x.kind) {
      case Expectation::Kind::leader_elected:
        if (leader_now()) return std::nullopt;
        return "no leader";
      case Expectation::Kind::leader_is: {
        auto l = leader_now();
        auto want = resolve(x.target);
        if (!l) return "there is no leader";
        if ((*l == want.front()) == x.negate) return "the leader is " + name_of(*l);
        return std::nullopt;
      }
      case Expectation::Kind::role_is: {
        for (EndpointId id : resolve(x.target)) {
          const ServerState st = w_->server_state(id);
          static const std::map<std::string, std::string> kRoles = {
              {"leader", "leading"}, {"follower", "following"}, {"observer", "observing"}, {"looking", "looking"},
              {"down", "down"}};
          const bool is = x.word == "up" ? st.up : st.role == kRoles.at(x.word);
          if (is == x.negate) return name_of(id) + " is " + st.role;
        }
        return std::nullopt;
      }
      case Expectation::Kind::path_value: {
        std::vector<EndpointId> ids;
        if (x.target.kind == Target::Kind::all) {
          for (EndpointId id : w_->servers())
            if (w_->up(id)) ids.push_back(id);
        } else {
          ids = resolve(x.target);
        }
        if (ids.empty()) return "no server is up";
        for (EndpointId id : ids) {
          const auto* p = peer(id);
          if (!p) return name_of(id) + " is down";
          const auto* n = p->tree().find(x.path);
          if (x.word == "missing") {
            if (n) return x.path + " exists on " + name_of(id);
          } else if (!n) {
            return x.path + " is missing on " + name_of(id);
          } else if (x.value && n->data.value_or("") != *x.value) {
            return x.path + " is \"" + n->data.value_or("") + "\" on " + name_of(id);
          }
        }
        return std::nullopt;
      }
      case Expectation::Kind::same_data: return same_data();
      case Expectation::Kind::converged:
        if (converged()) return std::nullopt;
        return "the live servers have not converged";
      case Expectation::Kind::no_acked_write_lost: {
        auto l = leader_now();
        if (!l) return "there is no leader to check against";
        for (const auto& op : w_->history()) {
          if (!op.returned_ns || op.err != Err::ok || op.zxid <= 0) continue;
          if (op.op != "create" && op.op != "setData" && op.op != "delete") continue;
          if (!engine_->server_has(*l, op.zxid))
            return op.op + " " + op.path + " (zxid " + util::hex(op.zxid) + ", acknowledged to " + name_of(op.client) +
                   ") is not in the history of leader " + name_of(*l);
        }
        return std::nullopt;
      }
      case Expectation::Kind::verdict_ok:
        if (engine_->violated()) return engine_->violations().front().describe();
        return std::nullopt;
      case Expectation::Kind::client_ok: {
        const EndpointId c = kClientBase + x.target.index;
        for (const auto& op : w_->history()) {
          if (op.client != c || internal_ops_.count(op.id)) continue;
          if (!op.returned_ns) return op.op + " " + op.path + " has not returned";
          if (op.err != Err::ok && !(op.op == "getData" && op.err == Err::no_node))
            return op.op + " " + op.path + " returned " + std::string(err_name(op.err));
        }
        return std::nullopt;
      }
      case Expectation::Kind::client_last: {
        const EndpointId c = kClientBase + x.target.index;
        const ClientOp* last = nullptr;
        for (const auto& op : w_->history())
          if (op.client == c && !internal_ops_.count(op.id)) last = &op;
        if (!last) return name_of(c) + " issued nothing";
        if (!last->returned_ns) return last->op + " " + last->path + " has not returned";
        const std::string got(err_name(last->err));
        if (x.word == "failed" ? last->err != Err::ok : got == x.word) return std::nullopt;
        return last->op + " " + last->path + " returned " + got;
      }
      case Expectation::Kind::client_connected: {
        Event e;
        e.kind = Event::Kind::client_connected;
        e.subject = x.target;
        e.peer = x.server;
        if (condition(e)) return std::nullopt;
        const EndpointId c = kClientBase + x.target.index;
        if (!w_->up(c)) return name_of(c) + " is stopped";
        return name_of(c) + " is " + std::string(client::state_name(w_->client(c).state())) +
               (w_->client(c).connected_host().empty() ? "" : " to " + w_->client(c).connected_host());
      }
      case Expectation::Kind::client_session_kept: {
        const EndpointId c = kClientBase + x.target.index;
        if (!w_->up(c)) return name_of(c) + " is stopped";
        const std::string now = util::hex(w_->client(c).session_id());
        auto first = first_session_.find(c);
        if (first == first_session_.end()) return name_of(c) + " never had a session";
        if (now != first->second) return "session " + now + " replaced the first one, " + first->second;
        return std::nullopt;
      }
      case Expectation::Kind::client_holds:
        if (holds(kClientBase + x.target.index, x.path)) return std::nullopt;
        return name_of(kClientBase + x.target.index) + " does not hold " + x.path;
      case Expectation::Kind::client_read: {
        auto it = last_read_.find(kClientBase + x.target.index);
        if (it == last_read_.end()) return name_of(kClientBase + x.target.index) + " has read nothing";
        if (!it->second) return "its last read failed";
        if (*it->second != *x.value) return "it read \"" + *it->second + "\"";
        return std::nullopt;
      }
      case Expectation::Kind::saw: {
        auto it = watched_.find(&x.event);
        if (it != watched_.end() && it->second) return std::nullopt;
        return "it never happened";
      }
      case Expectation::Kind::never: {
        auto it = watched_.find(&x.event);
        if (it == watched_.end() || !it->second) return std::nullopt;
        return "it happened (seq " + std::to_string(*it->second) + ")";
      }
      case Expectation::Kind::notifications: {
        const std::int64_t n = static_cast<std::int64_t>(notifications_ - notifications_base_);
        const std::string& c = x.word;
        const bool ok = c == "=" ? n == x.number : c == "!=" ? n != x.number : c == "<" ? n < x.number
                        : c == "<=" ? n <= x.number : c == ">" ? n > x.number : n >= x.number;
        info_ = std::to_string(n) + " watch notification" + (n == 1 ? "" : "s");
        if (ok) return std::nullopt;
        return std::to_string(n) + " watch notifications reached clients";
      }
    }
    return "unknown expectation";
  }

  void expect(const Expectation& x) {
    info_.clear();
    std::optional<std::string> why = evaluate(x);
    if (why && x.within) {
      const bool ok = run_until([&] { return !evaluate(x).has_value(); }, w_->now() + *x.within);
      why = ok ? std::nullopt : evaluate(x);
      if (why) *why += " (waited " + format_time(*x.within) + ")";
    }
    Json j;
    std::string what = current_text_;
    if (first_action_ && !trigger_text_.empty()) what = "(" + trigger_text_ + ") " + what;
    first_action_ = false;
    if (!why && !info_.empty()) what += "   [" + info_ + "]";
    j.num("line", current_line_).str("what", what).boolean("ok", !why);
    if (why) j.str("why", *why);
    record("scenario.expect", kNoEndpoint, j.done(), why ? "failed" : "ok");
    if (why) stop_with_failure("expectation failed: " + current_text_ + " -- " + *why);
  }

  // ------------------------------------------------------------------------ the end

  RunResult finish() {
    for (auto& wl : workloads_) report_workload(*wl);
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
    record("scenario.end", kNoEndpoint,
           Json().str("verdict", res.verdict()).num("failures", static_cast<std::int64_t>(res.failures.size())).done(),
           res.passed ? "pass" : "fail");
    res.records = w_->trace().size();
    res.trace_hash = w_->trace().hash_hex();
    res.end_time = w_->now();
    res.ops_ok = ops_ok_;
    res.ops_failed = ops_failed_;
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
      out << "verdict: " << res.verdict() << "  (seed " << res.seed << ", " << res.records << " trace records, hash "
          << res.trace_hash << ", " << format_time(res.end_time) << " virtual, " << ops_ok_ << " ops ok, "
          << ops_failed_ << " failed)\n";
    }
    return res;
  }

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
  const Event* armed_ = nullptr;
  bool armed_hit_ = false;
  std::map<const Event*, std::optional<std::uint64_t>> watched_;
  std::map<EndpointId, std::string> role_;
  std::map<EndpointId, std::string> session_of_;
  std::map<std::string, EndpointId> names_;
  std::map<EndpointId, std::string> first_session_;
  std::set<std::uint64_t> internal_ops_;  // creates of parents the script did not ask for
  std::map<EndpointId, std::optional<std::string>> last_read_;  // per client: its last getData's data
  std::uint64_t notifications_ = 0;
  std::uint64_t notifications_base_ = 0;
  std::uint64_t ops_ok_ = 0;
  std::uint64_t ops_failed_ = 0;
  std::vector<std::shared_ptr<Workload>> workloads_;
  std::vector<std::shared_ptr<Recipe>> recipes_;
};

}  // namespace

RunResult run_scenario(const Scenario& scenario, const RunOptions& options) {
  Run run(scenario, options);
  return run.go();
}

}  // namespace zablab::sim::scenario
