#include "sim/scenario/timeline_printer.h"

#include <cstdio>

#include "core/util/hex.h"
#include "sim/addresses.h"
#include "sim/checkers/json_fields.h"

namespace zablab::sim::scenario {

using check::json_int;
using check::json_string;

std::string format_time(Nanos t) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%lld.%06llds", static_cast<long long>(t / kSecond),
                static_cast<long long>((t % kSecond) / kMicrosecond));
  return buf;
}

void TimelinePrinter::line(Nanos t, const std::string& who, const std::string& text) {
  char head[64];
  std::snprintf(head, sizeof head, "%14s  %-7s ", format_time(t).c_str(), who.c_str());
  out_ << head << text << '\n';
  ++lines_;
}

void TimelinePrinter::on_record(const TraceRecord& r) {
  const std::string who = r.node == kNoEndpoint ? "world" : name_of(r.node);
  const std::string& k = r.kind;
  const std::string& m = r.msg_type;
  if (k == trace_kind::world_config) {
    line(r.time_ns, "world",
         "seed " + json_string(r.detail, "seed").value_or("?") + ", " +
             std::to_string(json_int(r.detail, "servers").value_or(0)) + " servers (" +
             json_string(r.detail, "kind").value_or("?") + "), latency " + json_string(r.detail, "latency").value_or("?") +
             ", fsync " + json_string(r.detail, "fsync").value_or("?"));
  } else if (k == trace_kind::scenario_config) {
    std::string text = "scenario \"" + json_string(r.detail, "title").value_or("") + "\" from " +
                       json_string(r.detail, "file").value_or("?");
    const std::string bug = json_string(r.detail, "bug").value_or("none");
    if (bug != "none") text += ", with bug " + bug;
    line(r.time_ns, "world", text);
  } else if (k == trace_kind::scenario_action) {
    line(r.time_ns, "script", json_string(r.detail, "what").value_or(m));
  } else if (k == trace_kind::scenario_expect) {
    const bool ok = r.detail.find("\"ok\":true") != std::string::npos;
    std::string text = std::string(ok ? "ok: " : "FAILED: ") + json_string(r.detail, "what").value_or("");
    if (!ok) text += " -- " + json_string(r.detail, "why").value_or("");
    line(r.time_ns, "expect", text);
  } else if (k == trace_kind::check_violation) {
    line(r.time_ns, "CHECK", "VIOLATION of " + json_string(r.detail, "invariant").value_or("?") + " at seq " +
                                 std::to_string(json_int(r.detail, "seq").value_or(-1)) + ": " +
                                 json_string(r.detail, "message").value_or(""));
  } else if (k == trace_kind::recipe_holds) {
    line(r.time_ns, who, "holds " + json_string(r.detail, "what").value_or("") + " " +
                             json_string(r.detail, "path").value_or("") + " (" +
                             json_string(r.detail, "node").value_or("") + ")");
  } else if (k == trace_kind::workload_done) {
    line(r.time_ns, who, json_string(r.detail, "summary").value_or(""));
  } else if (k == trace_kind::start) {
    if (is_server(r.node) || verbose_) line(r.time_ns, who, "starts");
  } else if (k == trace_kind::restart) {
    line(r.time_ns, who, "restarts (incarnation " + std::to_string(json_int(r.detail, "incarnation").value_or(0)) + ")");
  } else if (k == trace_kind::crash) {
    line(r.time_ns, who, "is down (" + json_string(r.detail, "reason").value_or("") + ")");
  } else if (k == trace_kind::shutdown) {
    line(r.time_ns, who, "shuts itself down: " + json_string(r.detail, "reason").value_or(""));
  } else if (k == trace_kind::core) {
    if (m == core_event::peer_state) {
      if (json_string(r.detail, "why").value_or("") == "start") return;  // "starts" said it
      line(r.time_ns, who, json_string(r.detail, "from").value_or("?") + " -> " + json_string(r.detail, "to").value_or("?") +
                               " (" + json_string(r.detail, "why").value_or("") + ")");
    } else if (m == core_event::zab_established) {
      line(r.time_ns, who, "established epoch " + std::to_string(json_int(r.detail, "epoch").value_or(-1)) + ": leading");
    } else if (m == core_event::zab_sync) {
      line(r.time_ns, who, "syncs " + name_of(json_int(r.detail, "sid").value_or(-1)) + " with " +
                               json_string(r.detail, "mode").value_or("?") + " (it has " +
                               json_string(r.detail, "peer_zxid").value_or("?") + ", the leader " +
                               json_string(r.detail, "leader_zxid").value_or("?") + ")");
    } else if (m == core_event::zab_trunc) {
      line(r.time_ns, who, "truncates its log to " + json_string(r.detail, "zxid").value_or("?") + " (had " +
                               json_string(r.detail, "from").value_or("?") + ")");
    } else if (m == core_event::zab_snap) {
      line(r.time_ns, who, "loads a SNAP of the leader's tree at " + json_string(r.detail, "zxid").value_or("?"));
    } else if (m == core_event::session_expire) {
      line(r.time_ns, who, "expires session " + json_string(r.detail, "session").value_or("?"));
    } else if (m == core_event::client_state) {
      line(r.time_ns, who, json_string(r.detail, "state").value_or("?") + " (session " +
                               json_string(r.detail, "session").value_or("?") + ")");
    } else if (m == core_event::zab_uptodate) {
      if (verbose_) line(r.time_ns, who, "up to date with leader " + std::to_string(json_int(r.detail, "leader").value_or(-1)));
    } else if (verbose_ && (m == core_event::zab_propose || m == core_event::zab_commit || m == core_event::zab_new_epoch || m == core_event::fle_decide ||
                            m == core_event::session_create || m == core_event::session_close || m == core_event::snapshot)) {
      line(r.time_ns, who, m + " " + r.detail);
    } else if (verbose_ && m == core_event::txn_commit) {
      line(r.time_ns, who, "applies " + util::hex(r.zxid));
    }
  } else if (k == trace_kind::client_invoke) {
    const auto op = json_int(r.detail, "op_id");
    if (!op) return;
    invoked_[static_cast<std::uint64_t>(*op)] = {m, json_string(r.detail, "path").value_or("")};
  } else if (k == trace_kind::client_return) {
    const auto op = json_int(r.detail, "op_id");
    if (!op) return;
    const auto id = static_cast<std::uint64_t>(*op);
    auto it = invoked_.find(id);
    if (it == invoked_.end()) return;
    if (!quiet_.count(id) || verbose_) {
      std::string text = it->second.op + " " + it->second.path + " -> " + json_string(r.detail, "err").value_or("?");
      if (it->second.op == "getData" && json_string(r.detail, "err").value_or("") == "Ok") {
        pending_read_[id] = {r.time_ns, who, text};  // printed with the data, from op.result
      } else {
        if (r.zxid > 0 && json_string(r.detail, "err").value_or("") == "Ok") text += " (zxid " + util::hex(r.zxid) + ")";
        line(r.time_ns, who, text);
      }
    }
    invoked_.erase(it);
  } else if (k == trace_kind::op_result) {
    const auto op = json_int(r.detail, "op_id");
    if (!op) return;
    auto it = pending_read_.find(static_cast<std::uint64_t>(*op));
    if (it == pending_read_.end()) return;
    std::string text = it->second.text + " \"" + json_string(r.detail, "data").value_or("") + "\"";
    if (auto mzxid = json_int(r.detail, "mzxid")) text += " (mzxid " + util::hex(*mzxid) + ")";
    line(it->second.time, it->second.who, text);
    pending_read_.erase(it);
  } else if (verbose_ && (k == trace_kind::send || k == trace_kind::drop) && is_server(r.from) && is_server(r.to) && !m.empty()) {
    std::string text = m;
    if (r.zxid >= 0 && m != "vote") text += " " + util::hex(r.zxid);
    if (k == trace_kind::drop) text += " LOST (" + json_string(r.detail, "reason").value_or("") + ")";
    line(r.time_ns, name_of(r.from), "-> " + name_of(r.to) + " " + text);
  } else if (verbose_ && (k == trace_kind::partition || k == trace_kind::heal || k == trace_kind::disk_fault)) {
    line(r.time_ns, who, k + " " + r.detail);
  }
}

}  // namespace zablab::sim::scenario
