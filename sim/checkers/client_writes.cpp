// client.linearizable-writes: the writes clients made (create, setData, delete), with what each
// returned, fit one total order per znode that agrees with real time -- including the writes
// whose outcome the client never learned, which may or may not have taken effect. A black-box
// check over the client history alone: the invocations (client.invoke, with the arguments the
// scenario runner's op.args record gives: expected version, create flags), the returns
// (op.result: the error, a setData's new version). The search itself is lin_search.h.
//
// Left out, as this model cannot judge them: sequential creates (their name is the server's
// choice; client.sequential-names checks those) and the paths they name, ephemeral znodes (their
// session's end deletes them without a client's write), and any path a write without op.args
// touched (a trace from an older build, or a client driven outside the scenario runner).
#include "sim/addresses.h"
#include "sim/checkers/checkers.h"
#include "sim/checkers/json_fields.h"
#include "sim/checkers/words.h"

namespace zablab::sim::check {
namespace {

constexpr std::int64_t kSequential = 2;  // the sequential bit of ZooKeeper's CreateMode

std::optional<lin::Kind> kind_of(const std::string& op) {
  if (op == "create") return lin::Kind::create;
  if (op == "setData") return lin::Kind::set;
  if (op == "delete") return lin::Kind::remove;
  return std::nullopt;
}

bool outcome_unknown(const std::string& err) {
  return err == "ConnectionLoss" || err == "SessionExpired" || err == "OperationTimeout" || err == "RequestTimeout";
}

std::string describe_write(const lin::Write& w) {
  std::string s;
  if (w.kind != lin::Kind::create && w.expected != -1) s += " expecting version " + std::to_string(w.expected);
  switch (w.outcome) {
    case lin::Outcome::ok: s += " -> Ok"; break;
    case lin::Outcome::node_exists: s += " -> NodeExists"; break;
    case lin::Outcome::no_node: s += " -> NoNode"; break;
    case lin::Outcome::bad_version: s += " -> BadVersion"; break;
    case lin::Outcome::unknown: s += " -> outcome unknown"; break;
  }
  if (w.outcome == lin::Outcome::ok && w.kind == lin::Kind::set && w.version >= 0)
    s += " (version " + std::to_string(w.version) + ")";
  return s;
}

std::string describe_state(const lin::State& s) {
  return s.exists ? "version " + std::to_string(s.version) : "no node";
}

}  // namespace

void CheckEngine::lin_on_args(const TraceRecord& r) {
  const auto op_id = json_int(r.detail, "op_id");
  if (!op_id) return;
  OpArgs& a = op_args_[static_cast<std::uint64_t>(*op_id)];
  a.version = static_cast<std::int32_t>(json_int(r.detail, "version").value_or(-1));
  a.flags = json_int(r.detail, "flags").value_or(0);
}

void CheckEngine::lin_on_invoke(const TraceRecord& r, std::uint64_t op_id, const Op& op) {
  const auto kind = kind_of(op.op);
  if (!kind || !enabled("client.linearizable-writes")) return;
  auto args = op_args_.find(op_id);
  if (args == op_args_.end()) {
    lin_paths_[op.path].excluded = true;  // what it expected is not known
    return;
  }
  const OpArgs a = args->second;
  op_args_.erase(args);
  if (*kind == lin::Kind::create && (a.flags & kSequential)) return;  // its name: see lin_on_result
  if (*kind == lin::Kind::create && (a.flags != 0 && !(a.flags & kSequential))) {
    lin_paths_[op.path].excluded = true;  // ephemeral, container or TTL: they go without a write
    return;
  }
  lin::Write w;
  w.id = op_id;
  w.client = static_cast<std::uint64_t>(op.client) + 1;  // 0 means not known
  w.kind = *kind;
  w.expected = *kind == lin::Kind::create ? -1 : a.version;
  w.invoked = r.seq;
  ++lin_paths_[op.path].in_flight;
  lin_in_flight_.emplace(op_id, w);
}

void CheckEngine::lin_on_result(const TraceRecord& r, std::uint64_t op_id, const Op& op) {
  if (op.op == "create" && op.err == "Ok")
    if (const auto name = json_string(r.detail, "path"); name && *name != op.path)
      lin_paths_[*name].excluded = true;  // a sequential name (lin_on_invoke)
  auto it = lin_in_flight_.find(op_id);
  if (it == lin_in_flight_.end()) return;
  lin::Write w = it->second;
  lin_in_flight_.erase(it);
  // op.result follows its client.return with no invocation in between: its seq stands for the return.
  w.returned = r.seq;
  bool counts = true;  // a write that changed nothing and says nothing of the znode does not
  if (op.err == "Ok") {
    w.outcome = lin::Outcome::ok;
    w.version = static_cast<std::int32_t>(json_int(r.detail, "version").value_or(-1));
  } else if (op.err == "NodeExists") {
    w.outcome = lin::Outcome::node_exists;
  } else if (op.err == "NoNode") {
    w.outcome = lin::Outcome::no_node;
    counts = w.kind != lin::Kind::create;  // a create's NoNode is about its parent
  } else if (op.err == "BadVersion") {
    w.outcome = lin::Outcome::bad_version;
  } else if (outcome_unknown(op.err)) {
    w.outcome = lin::Outcome::unknown;
    w.returned = lin::kNever;
  } else {
    counts = false;  // NotEmpty, NoAuth, ...: refused, nothing changed
  }
  lin_complete(r, op.path, counts ? std::optional<lin::Write>(w) : std::nullopt);
}

void CheckEngine::lin_on_client_crash(const TraceRecord& r, EndpointId client) {
  // Its writes in flight never return: their outcome is unknown.
  for (auto it = lin_in_flight_.begin(); it != lin_in_flight_.end();) {
    auto op = ops_.find(it->first);
    if (op == ops_.end() || op->second.client != client) {
      ++it;
      continue;
    }
    lin::Write w = it->second;
    it = lin_in_flight_.erase(it);
    w.outcome = lin::Outcome::unknown;
    w.returned = lin::kNever;
    lin_complete(r, op->second.path, w);
  }
}

void CheckEngine::lin_complete(const TraceRecord& r, const std::string& path, std::optional<lin::Write> w) {
  LinPath& p = lin_paths_[path];
  if (p.in_flight) --p.in_flight;
  if (w) p.segment.push_back(*w);
  if (p.in_flight > 0) return;
  std::vector<lin::Write> segment = std::move(p.segment);
  p.segment.clear();
  if (p.excluded || segment.empty()) return;
  for (const auto& piece : lin::split_at_quiet_points(std::move(segment)))
    if (!lin_check_segment(r, path, p, piece)) return;
}

bool CheckEngine::lin_check_segment(const TraceRecord& r, const std::string& path, LinPath& p,
                                    const std::vector<lin::Write>& segment) {
  const std::vector<lin::Config> starts = p.history.configs();
  const lin::Verdict v = p.history.add_segment(segment);
  if (v.is == lin::Verdict::Is::undecided) {
    if (undecided_.size() < 32)
      undecided_.push_back("client.linearizable-writes on " + path + " from seq " + std::to_string(r.seq) + ": " + v.why);
    return false;
  }
  if (v.is != lin::Verdict::Is::violation) return true;
  std::string msg = "the writes to " + path + " cannot be put in one order that agrees with real time and with what "
                    "each returned; the smallest window (" + std::to_string(v.window.size()) + " writes, " + v.why + "), from " +
                    (starts.size() == 1 ? describe_state(starts.front().state)
                                        : "any of " + std::to_string(starts.size()) + " possible states") + ":";
  std::vector<std::uint64_t> window;
  EndpointId who = kNoEndpoint;
  for (const lin::Write& w2 : v.window) {
    const Op& op = ops_[w2.id];
    if (who == kNoEndpoint) who = op.client;
    window.push_back(w2.id);
    msg += " [op " + std::to_string(w2.id) + " " + name_of(op.client) + " " + op.op + describe_write(w2) + ", invoked " +
           at_time(op.invoked_ns) + (op.returned ? ", returned " + at_time(op.returned_ns) : ", never returned") + "]";
  }
  const std::size_t before = violations_.size();
  report("client.linearizable-writes", r, who, msg);
  if (violations_.size() > before) violations_.back().ops = std::move(window);
  return false;
}

}  // namespace zablab::sim::check
