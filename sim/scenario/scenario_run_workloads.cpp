// Background client workloads: a client writing or reading in a loop, counted and reported.
#include "sim/scenario/scenario_run.h"

#include "sim/json.h"

namespace zablab::sim::scenario {

void ScenarioRun::workload(const Action& a) {
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

void ScenarioRun::ensure_path(EndpointId c, const std::string& path) {
  for (std::size_t at = path.find('/', 1); at != std::string::npos; at = path.find('/', at + 1))
    internal_ops_.insert(issue(c, "create", path.substr(0, at), "", 0, true, {}, true));
  internal_ops_.insert(issue(c, "create", path, "", 0, true, {}, true));
}

void ScenarioRun::schedule_tick(const std::shared_ptr<Workload>& wl, Nanos at) {
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

void ScenarioRun::count(const std::shared_ptr<Workload>& wl, Err e) {
  ++(e == Err::ok || (wl->kind == "reads" && e == Err::no_node) ? wl->ok : wl->failed);
  if (wl->ok + wl->failed == wl->total) report_workload(*wl);
}

void ScenarioRun::report_workload(Workload& wl) {
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

}  // namespace zablab::sim::scenario
