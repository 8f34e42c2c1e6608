#include "gui/model/sessions.h"

#include <algorithm>
#include <map>

#include "sim/addresses.h"

namespace zablab::gui {

const SessionSpan* SessionTimeline::session(std::int64_t id) const {
  for (const auto& s : sessions)
    if (s.id == id) return &s;
  return nullptr;
}

std::string watch_event_name(std::int64_t type) {
  switch (type) {
    case 1: return "NodeCreated";
    case 2: return "NodeDeleted";
    case 3: return "NodeDataChanged";
    case 4: return "NodeChildrenChanged";
    case 5: return "DataWatchRemoved";
    case 6: return "ChildWatchRemoved";
    case 7: return "PersistentWatchRemoved";
    default: return "event " + std::to_string(type);
  }
}

namespace {

bool is_read(std::string_view type) {
  return type == "getData" || type == "exists" || type == "getChildren" || type == "getChildren2" ||
         type == "addWatch";
}

constexpr std::int64_t kCreateSession = -10;
constexpr std::int64_t kCloseSession = -11;

}  // namespace

SessionTimeline build_session_timeline(const Timeline& timeline, std::int64_t upto) {
  SessionTimeline out;
  upto = std::min<std::int64_t>(upto, static_cast<std::int64_t>(timeline.size()) - 1);
  out.upto = upto;
  std::map<std::int64_t, std::size_t> by_id;      // session -> index in out.sessions
  std::map<EndpointId, std::int64_t> session_of;  // client -> its current session
  auto span = [&](std::int64_t id, const TraceRecord& r) -> SessionSpan& {
    auto it = by_id.find(id);
    if (it != by_id.end()) return out.sessions[it->second];
    SessionSpan s;
    s.id = id;
    s.created_seq = r.seq;
    s.created_ns = r.time_ns;
    s.last_heard_ns = r.time_ns;
    for (const auto& [client, sid] : session_of)
      if (sid == id) s.client = client;
    by_id[id] = out.sessions.size();
    out.sessions.push_back(std::move(s));
    return out.sessions.back();
  };
  auto end = [&](SessionSpan& s, const TraceRecord& r, const char* how) {
    if (!s.alive()) return;
    s.ended_seq = static_cast<std::int64_t>(r.seq);
    s.ended_ns = r.time_ns;
    s.end = how;
  };

  for (std::int64_t k = 0; k <= upto; ++k) {
    const TraceRecord& r = timeline.at(static_cast<std::uint64_t>(k));
    if (r.kind == sim::trace_kind::deliver) {
      // A packet from a client to a server renews its session there.
      if (sim::is_server(r.to) && !sim::is_server(r.from)) {
        auto it = session_of.find(r.from);
        if (it != session_of.end())
          if (auto s = by_id.find(it->second); s != by_id.end()) out.sessions[s->second].last_heard_ns = r.time_ns;
      }
      continue;
    }
    if (r.kind != sim::trace_kind::core) continue;
    const std::string& what = r.msg_type;
    if (what == core_event::session_create) {
      const JsonValue d = JsonValue::parse(r.detail);
      SessionSpan& s = span(d["session"].int_or(0), r);
      s.timeout_ms = static_cast<std::int32_t>(d["timeout_ms"].int_or(s.timeout_ms));
    } else if (what == core_event::session_expire || what == core_event::session_close) {
      const JsonValue d = JsonValue::parse(r.detail);
      auto it = by_id.find(d["session"].int_or(0));
      if (it != by_id.end()) end(out.sessions[it->second], r, what == core_event::session_expire ? "expired" : "closed");
    } else if (what == core_event::client_state) {
      const JsonValue d = JsonValue::parse(r.detail);
      const std::int64_t sid = d["session"].int_or(0);
      if (sid == 0) continue;
      session_of[r.node] = sid;
      if (auto it = by_id.find(sid); it != by_id.end()) {
        SessionSpan& s = out.sessions[it->second];
        s.client = r.node;
        s.last_heard_ns = std::max(s.last_heard_ns, r.time_ns);
      }
    } else if (what == core_event::txn_commit) {
      // Ephemeral creations and the close that removes them, as the first server to apply them
      // saw them (later servers apply the same txns).
      const JsonValue d = JsonValue::parse(r.detail);
      const std::int64_t sid = d["header"]["client_id"].int_or(0);
      const std::int64_t type = d["header"]["type"].int_or(0);
      const JsonValue& op = d["ops"].at(0);
      if (type == kCreateSession) {
        SessionSpan& s = span(sid, r);
        if (s.timeout_ms == 0) s.timeout_ms = static_cast<std::int32_t>(op["txn"]["time_out"].int_or(0));
      } else if (type == kCloseSession) {
        auto it = by_id.find(sid);
        if (it == by_id.end()) continue;
        SessionSpan& s = out.sessions[it->second];
        for (const auto& p : op["txn"]["paths2_delete"].elements()) {
          const std::string path = p.str();
          if (std::find(s.ephemerals_removed.begin(), s.ephemerals_removed.end(), path) != s.ephemerals_removed.end())
            continue;
          s.ephemerals_removed.push_back(path);
          s.ephemerals.erase(std::remove(s.ephemerals.begin(), s.ephemerals.end(), path), s.ephemerals.end());
        }
        end(s, r, "closed");
      } else {
        for (const auto& o : d["ops"].elements()) {
          if (!o["txn"]["ephemeral"].as_bool()) continue;
          auto it = by_id.find(sid);
          if (it == by_id.end()) continue;
          SessionSpan& s = out.sessions[it->second];
          const std::string path = o["txn"]["path"].str();
          if (std::find(s.ephemerals.begin(), s.ephemerals.end(), path) == s.ephemerals.end())
            s.ephemerals.push_back(path);
        }
      }
    }
  }

  // Watches, from the joined messages: reads by clients, notifications back to them.
  std::map<std::pair<EndpointId, std::string>, std::pair<std::uint64_t, std::string>> last_read;
  for (const Message& m : timeline.messages()) {
    if (static_cast<std::int64_t>(m.send_seq) > upto) break;
    if (m.channel != Channel::client || m.frames.empty()) continue;
    const JsonValue frames = JsonValue::parse(m.frames);
    for (const auto& f : frames.elements()) {
      const std::string type = f["type"].str();
      if (is_read(type) && !sim::is_server(m.from)) {
        last_read[{m.from, f["path"].str()}] = {m.send_seq, type};
      } else if (type == "notification") {
        WatchSpan w;
        w.client = m.to;
        w.server = m.from;
        w.path = f["path"].str();
        w.event = watch_event_name(f["event"].int_or(0));
        w.fired_seq = m.send_seq;
        w.fired_ns = m.sent_ns;
        auto it = last_read.find({m.to, w.path});
        if (it != last_read.end()) {
          w.set_seq = static_cast<std::int64_t>(it->second.first);
          w.set_ns = timeline.at(it->second.first).time_ns;
          w.read = it->second.second;
          last_read.erase(it);  // a watch fires once; the next one needs a new read
        }
        if (m.fate == Message::Fate::delivered && m.end_seq >= 0 && m.end_seq <= upto) {
          w.delivered_seq = m.end_seq;
          w.delivered_ns = m.ended_ns;
        }
        out.watches.push_back(std::move(w));
      }
    }
  }
  return out;
}

}  // namespace zablab::gui
