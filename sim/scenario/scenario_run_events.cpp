// A scenario run's trace listener (checkers, timeline, roles, sessions) and the events a step's
// `when` and an expectation's `saw`/`never` wait for: matched against records, or polled.
#include "sim/scenario/scenario_run.h"

#include "sim/checkers/json_fields.h"

namespace zablab::sim::scenario {

void ScenarioRun::listen(const TraceRecord& r) {
  if (closing_) return;
  engine_->on_record(r);
  if (timeline_) timeline_->on_record(r);
  // Events first (they see roles as they were when the record was made), then roles.
  if (armed_ && !armed_hit_ && matches(*armed_, r)) armed_hit_ = true;
  for (auto& [event, seq] : watched_)
    if (!seq && matches(*event, r)) seq = r.seq;
  if (r.kind == trace_kind::deliver && is_client(r.to) && has_message(r.msg_type, "notification")) ++notifications_;
  if (r.kind == trace_kind::core && r.msg_type == core_event::peer_state) {
    role_[r.node] = check::json_string(r.detail, "to").value_or("LOOKING");
  } else if (r.kind == trace_kind::crash && is_server(r.node)) {
    role_[r.node] = "DOWN";
  } else if ((r.kind == trace_kind::start || r.kind == trace_kind::restart) && is_server(r.node)) {
    role_[r.node] = "LOOKING";
  } else if (r.kind == trace_kind::core && r.msg_type == core_event::client_state) {
    auto session = check::json_string(r.detail, "session");
    if (session && *session != "0x0") {
      session_of_[r.node] = *session;
      if (!first_session_.count(r.node)) first_session_[r.node] = *session;
    }
  }
}

bool ScenarioRun::matches(const Event& e, const TraceRecord& r) const {
  const bool core = r.kind == trace_kind::core;
  switch (e.kind) {
    case Event::Kind::leader_elected: return core && r.msg_type == core_event::zab_established;
    case Event::Kind::becomes:
      return core && r.msg_type == core_event::peer_state && subject_is(e.subject, r.node) &&
             check::json_string(r.detail, "to").value_or("") == e.word;
    case Event::Kind::sends:
      return r.kind == trace_kind::send && has_message(r.msg_type, e.word) && subject_is(e.subject, r.from) &&
             (!e.peer || subject_is(*e.peer, r.to)) && zxid_ok(e, r.zxid);
    case Event::Kind::receives:
      return r.kind == trace_kind::deliver && has_message(r.msg_type, e.word) && subject_is(e.subject, r.to) &&
             (!e.peer || subject_is(*e.peer, r.from)) && zxid_ok(e, r.zxid);
    case Event::Kind::logs:
      return ((core && r.msg_type == core_event::zab_propose && subject_is(e.subject, r.node)) ||
              (r.kind == trace_kind::deliver && has_message(r.msg_type, "PROPOSAL") && subject_is(e.subject, r.to))) &&
             zxid_ok(e, r.zxid);
    case Event::Kind::commits:
      return core && r.msg_type == core_event::txn_commit && subject_is(e.subject, r.node) && zxid_ok(e, r.zxid);
    case Event::Kind::truncates: return core && r.msg_type == core_event::zab_trunc && subject_is(e.subject, r.node);
    case Event::Kind::goes_down: return r.kind == trace_kind::crash && is_server(r.node) && subject_is(e.subject, r.node);
    case Event::Kind::torn_write:
      return r.kind == trace_kind::disk_crash && subject_is(e.subject, r.node) &&
             r.detail.find("\"torn_file\"") != std::string::npos;
    case Event::Kind::client_holds:
      return r.kind == trace_kind::recipe_holds && r.node == kClientBase + e.subject.index &&
             check::json_string(r.detail, "path").value_or("") == e.path;
    case Event::Kind::session_expires: {
      if (!core || r.msg_type != core_event::session_expire) return false;
      if (e.subject.kind != Target::Kind::client) return true;
      auto it = session_of_.find(kClientBase + e.subject.index);
      return it != session_of_.end() && check::json_string(r.detail, "session").value_or("") == it->second;
    }
    default: return false;  // conditions are polled, not matched
  }
}

bool ScenarioRun::is_condition(const Event& e) const {
  switch (e.kind) {
    case Event::Kind::client_connected:
    case Event::Kind::client_disconnected:
    case Event::Kind::client_done:
    case Event::Kind::client_holds:
    case Event::Kind::converged: return true;
    default: return false;
  }
}

bool ScenarioRun::condition(const Event& e) {
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

}  // namespace zablab::sim::scenario
