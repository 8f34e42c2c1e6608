#include "sim/record/chrome_export.h"

#include <cstdio>

#include "sim/checkers/json_fields.h"
#include "sim/json.h"

namespace zablab::sim::record {
namespace {

constexpr int kLife = 1;
constexpr int kRole = 2;
constexpr int kEvents = 3;
constexpr int kNet = 4;
constexpr int kOps = 10;

// Microseconds with the nanoseconds as three decimals: exact, and what the format expects.
std::string us(Nanos ns) {
  char buf[40];
  const char* sign = ns < 0 ? "-" : "";
  const std::uint64_t a = ns < 0 ? static_cast<std::uint64_t>(-ns) : static_cast<std::uint64_t>(ns);
  std::snprintf(buf, sizeof buf, "%s%llu.%03llu", sign, static_cast<unsigned long long>(a / 1000),
                static_cast<unsigned long long>(a % 1000));
  return buf;
}

std::int64_t pid_of(EndpointId node) { return node < 0 ? 0 : node; }

std::string endpoint_name(std::int64_t pid) {
  if (pid == 0) return "world / script";
  if (pid >= 1000) return "c" + std::to_string(pid - 1000);
  return "s" + std::to_string(pid);
}

std::string hex(std::int64_t v) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(v));
  return buf;
}

std::string record_args(const TraceRecord& r) {
  Json j;
  j.num("seq", static_cast<std::int64_t>(r.seq)).str("kind", r.kind);
  if (!r.msg_type.empty()) j.str("msg_type", r.msg_type);
  if (r.zxid >= 0) j.str("zxid", hex(r.zxid));
  if (r.from >= 0) j.str("from", endpoint_name(r.from));
  if (r.to >= 0) j.str("to", endpoint_name(r.to));
  j.str("detail", r.detail);
  return j.done();
}

}  // namespace

ChromeTraceWriter::ChromeTraceWriter(std::ostream& out, const RunInfo& run) : out_(out) {
  out_ << "{\"displayTimeUnit\":\"ns\",\"otherData\":"
       << Json()
              .str("scenario", run.scenario_name)
              .str("file", run.scenario_file)
              .str("seed", run.seed)
              .str("bug", run.bug)
              .str("build", run.build_id)
              .str("verdict", run.verdict)
              .raw("config", run.config.empty() ? "{}" : run.config)
              .done()
       << ",\"traceEvents\":[\n";
}

void ChromeTraceWriter::emit(const std::string& json) {
  out_ << (first_ ? "" : ",\n") << json;
  first_ = false;
  ++events_;
}

void ChromeTraceWriter::meet(std::int64_t pid) {
  if (!pids_.insert(pid).second) return;
  emit("{\"ph\":\"M\",\"name\":\"process_name\",\"pid\":" + std::to_string(pid) +
       ",\"tid\":0,\"args\":{\"name\":" + json_quote(endpoint_name(pid)) + "}}");
  emit("{\"ph\":\"M\",\"name\":\"process_sort_index\",\"pid\":" + std::to_string(pid) +
       ",\"tid\":0,\"args\":{\"sort_index\":" + std::to_string(pid) + "}}");
}

void ChromeTraceWriter::thread(std::int64_t pid, int tid, const std::string& name) {
  meet(pid);
  if (!threads_.insert({pid, tid}).second) return;
  emit("{\"ph\":\"M\",\"name\":\"thread_name\",\"pid\":" + std::to_string(pid) + ",\"tid\":" + std::to_string(tid) +
       ",\"args\":{\"name\":" + json_quote(name) + "}}");
}

void ChromeTraceWriter::slice(std::int64_t pid, int tid, const std::string& name, const std::string& cat, Nanos from,
                              Nanos to, const std::string& args) {
  emit("{\"ph\":\"X\",\"name\":" + json_quote(name) + ",\"cat\":" + json_quote(cat) + ",\"pid\":" +
       std::to_string(pid) + ",\"tid\":" + std::to_string(tid) + ",\"ts\":" + us(from) + ",\"dur\":" +
       us(to > from ? to - from : 1) + ",\"args\":" + args + "}");
}

void ChromeTraceWriter::close(std::map<std::int64_t, Open>& spans, std::int64_t pid, int tid, const std::string& cat,
                              Nanos now) {
  auto it = spans.find(pid);
  if (it == spans.end()) return;
  slice(pid, tid, it->second.name, cat, it->second.since, now);
  spans.erase(it);
}

void ChromeTraceWriter::add(const TraceRecord& r) {
  last_ = std::max(last_, r.time_ns);
  const std::int64_t pid = pid_of(r.node);
  const std::string& k = r.kind;
  if (k == trace_kind::start || k == trace_kind::restart) {
    thread(pid, kLife, "life");
    close(life_, pid, kLife, "life", r.time_ns);
    life_[pid] = Open{r.time_ns, k == trace_kind::start ? "up" : "up (restarted)"};
  } else if (k == trace_kind::crash || k == trace_kind::shutdown) {
    close(life_, pid, kLife, "life", r.time_ns);
    close(role_, pid, kRole, "role", r.time_ns);
  }
  if (k == trace_kind::core && r.msg_type == core_event::peer_state) {
    thread(pid, kRole, "role");
    close(role_, pid, kRole, "role", r.time_ns);
    role_[pid] = Open{r.time_ns, check::json_string(r.detail, "to").value_or("?")};
  }
  if (k == trace_kind::client_invoke) {
    const auto op = check::json_int(r.detail, "op_id");
    if (op) {
      auto& used = lanes_[pid];
      int lane = 0;
      while (lane < static_cast<int>(used.size()) && used[static_cast<std::size_t>(lane)]) ++lane;
      if (lane == static_cast<int>(used.size())) used.push_back(false);
      used[static_cast<std::size_t>(lane)] = true;
      thread(pid, kOps + lane, lane == 0 ? "ops" : "ops " + std::to_string(lane + 1));
      const std::string path = check::json_string(r.detail, "path").value_or("");
      ops_[*op] = Op{pid, lane, r.time_ns, r.msg_type + (path.empty() ? "" : " " + path), record_args(r)};
      return;
    }
  }
  if (k == trace_kind::client_return) {
    const auto op = check::json_int(r.detail, "op_id");
    auto it = op ? ops_.find(*op) : ops_.end();
    if (it != ops_.end()) {
      const Op& o = it->second;
      const std::string err = check::json_string(r.detail, "err").value_or("");
      slice(o.pid, kOps + o.lane, o.name + (err.empty() || err == "ok" ? "" : " -> " + err), "client", o.since,
            r.time_ns, record_args(r));
      lanes_[o.pid][static_cast<std::size_t>(o.lane)] = false;
      ops_.erase(it);
      return;
    }
  }
  if (k == trace_kind::send || k == trace_kind::deliver) {
    thread(pid, kNet, "net");
    const std::string name = (k == trace_kind::send ? "send " : "deliver ") + (r.msg_type.empty() ? "bytes" : r.msg_type);
    slice(pid, kNet, name, k, r.time_ns, r.time_ns + 1, record_args(r));
    const std::string ts = us(r.time_ns);
    if (k == trace_kind::send) {
      emit("{\"ph\":\"s\",\"name\":\"message\",\"cat\":\"net\",\"id\":" + std::to_string(r.seq) + ",\"pid\":" +
           std::to_string(pid) + ",\"tid\":" + std::to_string(kNet) + ",\"ts\":" + ts + "}");
    } else if (const auto from = check::json_int(r.detail, "send_seq")) {
      emit("{\"ph\":\"f\",\"bp\":\"e\",\"name\":\"message\",\"cat\":\"net\",\"id\":" + std::to_string(*from) +
           ",\"pid\":" + std::to_string(pid) + ",\"tid\":" + std::to_string(kNet) + ",\"ts\":" + ts + "}");
    }
    return;
  }
  thread(pid, kEvents, "events");
  const std::string name = k == trace_kind::core ? r.msg_type : (r.msg_type.empty() ? k : k + " " + r.msg_type);
  emit("{\"ph\":\"i\",\"s\":\"t\",\"name\":" + json_quote(name) + ",\"cat\":" + json_quote(k) + ",\"pid\":" +
       std::to_string(pid) + ",\"tid\":" + std::to_string(kEvents) + ",\"ts\":" + us(r.time_ns) +
       ",\"args\":" + record_args(r) + "}");
}

void ChromeTraceWriter::finish() {
  if (finished_) return;
  finished_ = true;
  while (!life_.empty()) close(life_, life_.begin()->first, kLife, "life", last_);
  while (!role_.empty()) close(role_, role_.begin()->first, kRole, "role", last_);
  for (const auto& [id, o] : ops_) slice(o.pid, kOps + o.lane, o.name + " (no reply)", "client", o.since, last_, o.args);
  ops_.clear();
  out_ << "\n]}\n";
}

std::uint64_t export_chrome_trace(const std::string& path, std::ostream& out) {
  const RunInfo info = read_run_info(path);
  ChromeTraceWriter w(out, info);
  for_each_event(path, [&](const TraceRecord& r) { w.add(r); });
  w.finish();
  return w.events();
}

}  // namespace zablab::sim::record
