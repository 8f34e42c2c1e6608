// `expect`: a step's assertions about the world (leader, data, sessions, client results) and the
// states they compare.
#include "sim/scenario/scenario_run.h"

#include "core/jute/codes.h"
#include "core/util/hex.h"
#include "sim/json.h"

namespace zablab::sim::scenario {

using quorum::PeerState;
using quorum::Phase;

bool ScenarioRun::converged() {
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

ScenarioRun::TreeImage ScenarioRun::image(const data::DataTree& tree) {
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

std::optional<std::string> ScenarioRun::same_data() {
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

bool ScenarioRun::client_done(EndpointId c) {
  for (const auto& wl : workloads_)
    if (wl->client == c && wl->issued < wl->total && w_->up(c)) return false;
  for (const auto& op : w_->history())
    if (op.client == c && !op.returned_ns) return false;
  return true;
}

bool ScenarioRun::holds(EndpointId c, const std::string& path) {
  for (const auto& r : recipes_)
    if (r->client == c && r->parent == path && r->holds && !r->dead) return true;
  return false;
}

std::optional<std::string> ScenarioRun::evaluate(const Expectation& x) {
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

void ScenarioRun::expect(const Expectation& x) {
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
  record(trace_kind::scenario_expect, kNoEndpoint, j.done(), why ? "failed" : "ok");
  if (why) stop_with_failure("expectation failed: " + current_text_ + " -- " + *why);
}

}  // namespace zablab::sim::scenario
