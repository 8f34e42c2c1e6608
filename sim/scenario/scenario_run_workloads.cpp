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
  if (a.word == "writes" || a.word == "ephemerals" || a.word == "updates") ensure_path(c, a.path);
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
    if (wl->kind == "watches") {
      watch_tick(wl, i);
    } else if (wl->kind == "ephemerals") {
      ephemeral_tick(wl, i);
    } else if (wl->kind == "updates") {
      update_tick(wl, i);
    } else if (wl->kind == "writes") {
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

// getData, exists and getChildren by turns, each setting a one-shot watch: on the path, and on
// its parent's children (every other time getChildren2, whose Stat of the parent is checked too).
void ScenarioRun::watch_tick(const std::shared_ptr<Workload>& wl, std::int64_t i) {
  static const char* const kReads[] = {"get", "exists", "children", "get", "exists", "children2"};
  const char* what = kReads[i % 6];
  const std::string parent = wl->path.rfind('/') > 0 ? wl->path.substr(0, wl->path.rfind('/')) : "/";
  issue(wl->client, what, i % 3 == 2 ? parent : wl->path, "", 0, true, [this, wl](Err e) { count(wl, e); }, false,
        true);
}

// Round m of four: create the ephemeral <client>-e<m>, create an ephemeral-sequential
// <client>-q-, exists (with a watch) on the ephemeral of an earlier round, and delete that of the
// round before in every other round (in the others exists, or every other time getACL, on the
// parent, whose Stat counts its children). So this client's session holds ephemerals that only
// its end removes, and its reads come back to them -- after a new session, to those of the old one.
void ScenarioRun::ephemeral_tick(const std::shared_ptr<Workload>& wl, std::int64_t i) {
  const std::int64_t m = i / 4;
  const std::string base = wl->path + (wl->path == "/" ? "" : "/") + name_of(wl->client);
  auto done = [this, wl](Err e) { count(wl, e); };
  switch (i % 4) {
    case 0:
      issue(wl->client, "create", base + "-e" + std::to_string(m), "v", create_mode::ephemeral, true, done);
      break;
    case 1:
      issue(wl->client, "create", base + "-q-", "v", create_mode::ephemeral_sequential, true, done);
      break;
    case 2: {
      // An earlier round, spread over all of them (a multiplicative hash of m).
      const std::uint64_t spread = static_cast<std::uint64_t>(m) * 0x9E3779B97F4A7C15ULL >> 20;
      const std::int64_t k = m == 0 ? 0 : static_cast<std::int64_t>(spread % static_cast<std::uint64_t>(m));
      issue(wl->client, "exists", base + "-e" + std::to_string(k), "", 0, true, done, false, true);
      break;
    }
    default:
      if (m >= 1 && m % 2 == 0) {
        issue(wl->client, "delete", base + "-e" + std::to_string(m - 1), "", 0, true, done);
      } else {
        issue(wl->client, m % 4 == 3 ? "acl" : "exists", wl->path, "", 0, true, done);
      }
      break;
  }
}

// A read-modify-write: the data read, with this client's mark appended, written back only if no
// one wrote in between (setData expecting the version read). Two clients doing it on one znode
// race: one of them must get BadVersion, or an update is lost.
void ScenarioRun::update_tick(const std::shared_ptr<Workload>& wl, std::int64_t i) {
  const EndpointId c = wl->client;
  issue(c, "get", wl->path, "", 0, true, [this, wl, c, i](Err e) {
    if (e != Err::ok || !w_->up(c)) {
      count(wl, e);
      return;
    }
    const std::string data = last_read_[c].value_or("").substr(0, 64) + "+" + name_of(c) + "-" + std::to_string(i);
    issue(c, "set", wl->path, data, 0, true, [this, wl](Err e2) { count(wl, e2); }, false, false,
          last_read_version_[c]);
  });
}

void ScenarioRun::count(const std::shared_ptr<Workload>& wl, Err e) {
  ++(e == Err::ok || ((wl->kind == "reads" || wl->kind == "watches" || wl->kind == "ephemerals") && e == Err::no_node) ||
             (wl->kind == "updates" && e == Err::bad_version)
         ? wl->ok
         : wl->failed);
  if (wl->ok + wl->failed == wl->total) report_workload(*wl);
}

void ScenarioRun::report_workload(Workload& wl) {
  if (wl.reported) return;
  wl.reported = true;
  std::string what = wl.kind == "creates"      ? "creates under "
                     : wl.kind == "writes"     ? "writes to "
                     : wl.kind == "watches"    ? "watching reads of "
                     : wl.kind == "ephemerals" ? "ephemerals under "
                     : wl.kind == "updates"    ? "read-modify-writes of "
                     : wl.with_sync            ? "sync+reads of "
                                               : "reads of ";
  record(trace_kind::workload_done, wl.client,
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
