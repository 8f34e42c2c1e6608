// Recovery after a crash at every disk write boundary of a short workload: whatever the server
// had acknowledged is there after the restart, a torn tail is cut off, and the recovered tree is
// exactly the tree the server had applied up to its last durable txn. Snapshots are written in
// pieces of 128 bytes, so txns apply while one is being written (a fuzzy snapshot) and crashes
// land inside it too; small enough to crash inside one, large enough that a snapshot taken after
// setData values completes within the workload and some restarts recover from it.
#include <catch2/catch.hpp>
#include <algorithm>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <vector>

#include "core/persist/snapshot.h"
#include "sim_world_support.h"

using namespace zablab;
using namespace zablab::sim;
using namespace zablab::sim::test;

namespace {

std::size_t disk_completions(World& w) {
  std::size_t n = 0;
  for (const auto& r : w.trace().records())
    if (r.node == 1 && (r.kind == trace_kind::disk_append || r.kind == trace_kind::disk_sync ||
                        r.kind == trace_kind::disk_write || r.kind == trace_kind::disk_rename))
      ++n;
  return n;
}

// The zxid of the snapshot server 1 last recovered from (its log says which), 0 if none.
std::int64_t recovered_snapshot_zxid(World& w) {
  std::int64_t zxid = 0;
  for (const auto& line : w.server_host(1).logs().lines()) {
    const auto at = line.find("recovery: loaded snapshot ");
    if (at == std::string::npos) continue;
    const auto name = line.find("snapshot.", at + 26);
    if (name != std::string::npos) zxid = std::stoll(line.substr(name + 9), nullptr, 16);
  }
  return zxid;
}

struct Run {
  std::set<std::string> acknowledged;
  // Per path, the values written to it in issue order, and how many of those were acknowledged
  // (a write is acknowledged only after every earlier write on the path was).
  std::map<std::string, std::vector<std::string>> written;
  std::map<std::string, std::size_t> acked_writes;
  std::size_t boundaries = 0;
};

// The workload: 12 creates, then 36 setData (k0..k11 again, three times), 3 at a time, with
// snapshots every few txns: enough setData that a snapshot starts after some of them.
constexpr int kCreates = 12;
constexpr int kWrites = 48;
// Returns what was acknowledged when the chosen disk boundary completed.
Run run_workload(World& w, std::size_t crash_after_boundary) {
  // Shared with the clients' callbacks, which outlive this call (a crash fails what is in flight);
  // once `stopped`, a callback sends nothing more.
  struct State {
    Run run;
    int next = 0;
    bool stopped = false;
    std::function<void()> issue;
  };
  auto st = std::make_shared<State>();
  w.start();
  const EndpointId c = w.add_client(client_options(20000));
  REQUIRE(w.run_until_within([&] { return connected(w, c); }, seconds(5)));
  // At most 3 writes in flight: each acknowledgement sends the next, so acknowledgements and
  // fsyncs interleave and a crash at a boundary has acknowledged writes behind it to check.
  std::weak_ptr<State> weak = st;
  st->issue = [&w, c, weak] {
    auto st = weak.lock();
    if (!st || st->stopped || st->next >= kWrites) return;
    const int i = st->next++;
    const std::string path = "/k" + std::to_string(i % kCreates);
    const std::string value = (i < kCreates ? "v" : "again") + std::to_string(i);
    st->run.written[path].push_back(value);
    const std::size_t nth = st->run.written[path].size();
    auto done = [weak, path, nth](Err err) {
      auto st = weak.lock();
      if (!st || st->stopped) return;
      if (err == Err::ok) {
        st->run.acknowledged.insert(path);
        st->run.acked_writes[path] = std::max(st->run.acked_writes[path], nth);
      }
      st->issue();
    };
    if (i < kCreates) {
      w.create(c, path, value, create_mode::persistent,
               [done](const client::Result<client::CreateResult>& r) { done(r.err); });
    } else {
      w.set_data(c, path, value, -1, [done](const client::Result<jute::Stat>& r) { done(r.err); });
    }
  };
  for (int k = 0; k < 3; ++k) st->issue();
  // Step until the chosen disk boundary, or a second after the last write was answered (the
  // snapshot under way completes meanwhile, so crashes land after it too).
  std::optional<Nanos> answered_at;
  for (std::uint64_t steps = 0; steps < 1'000'000 && w.step(); ++steps) {
    st->run.boundaries = disk_completions(w);
    if (st->run.boundaries >= crash_after_boundary) break;
    if (!answered_at && w.history().size() == static_cast<std::size_t>(kWrites) &&
        std::all_of(w.history().begin(), w.history().end(),
                    [](const ClientOp& o) { return o.returned_ns.has_value(); }))
      answered_at = w.now();
    if (answered_at && w.now() > *answered_at + seconds(1)) break;
  }
  st->stopped = true;
  Run run = st->run;
  st->issue = nullptr;  // breaks the State -> issue -> (weak) State loop explicitly
  return run;
}

}  // namespace

TEST_CASE("persist/crash sweep: after a crash at every disk write boundary, every acknowledged write's value is there") {
  auto options = [] {
    WorldOptions o = small_world(7);
    o.server.snap_count = 8;  // snapshots (and log rolls) inside the workload
    o.server.snapshot_piece_bytes = 128;  // see the top of the file
    o.server.snapshot_sync_bytes = 4 * 128;
    return o;
  };
  // How many boundaries the whole workload has.
  std::size_t total = 0;
  {
    World w(options());
    total = run_workload(w, SIZE_MAX).boundaries;
  }
  REQUIRE(total > 20);
  int torn_tails = 0;
  int from_snapshot_with_set_data = 0;  // recoveries whose snapshot was taken after a setData
  std::size_t values_checked = 0;
  for (std::size_t boundary = 1; boundary <= total; ++boundary) {
    INFO("crash after disk completion " << boundary << " of " << total);
    World w(options());
    Run run = run_workload(w, boundary);
    w.crash(1);
    torn_tails += find_record(w, trace_kind::disk_crash, 1, "torn_file") ? 1 : 0;
    w.restart(1);
    REQUIRE(w.up(1));
    // zxid 1 is the session, then the creates: a later snapshot holds setData values.
    from_snapshot_with_set_data += recovered_snapshot_zxid(w) > 1 + kCreates ? 1 : 0;
    const ServerState s = w.server_state(1);
    REQUIRE(s.tree != nullptr);
    for (const auto& path : run.acknowledged) {
      // The value is the last acknowledged write's, or a later one's that reached the disk in
      // time -- never an older value, never one nobody wrote.
      const data::DataNode* node = s.tree->find(path);
      REQUIRE(node != nullptr);
      const auto& values = run.written.at(path);
      const auto first_allowed = values.begin() + static_cast<std::ptrdiff_t>(run.acked_writes.at(path) - 1);
      INFO(path << " holds '" << node->data.value_or("<null>") << "', last acknowledged '" << *first_allowed << "'");
      CHECK(std::find(first_allowed, values.end(), node->data) != values.end());
      ++values_checked;
    }
  }
  CHECK(values_checked > total);  // most crash points had acknowledged values to check
  CHECK(torn_tails > 0);  // the sweep did hit half-written entries
  CHECK(from_snapshot_with_set_data > 0);  // values came back from a snapshot, not only the log
}

TEST_CASE("persist/replay: a fuzzy snapshot + log replay gives exactly the live tree") {
  WorldOptions o = small_world(11);
  o.server.snap_count = 6;
  o.server.snapshot_piece_bytes = 40;
  o.server.snapshot_sync_bytes = 4 * 40;
  World w(o);
  Run run = run_workload(w, SIZE_MAX);
  // Some txn was applied between a snapshot's first piece and its rename: the snapshot is fuzzy.
  std::size_t commits_during_snapshots = 0;
  bool writing = false;
  for (const auto& r : w.trace().records()) {
    if (r.node != 1) continue;
    if (r.kind == trace_kind::disk_append && r.detail.find(".tmp\"") != std::string::npos) writing = true;
    if (r.kind == trace_kind::disk_rename) writing = false;
    if (writing && r.kind == trace_kind::core && r.msg_type == core_event::txn_commit) ++commits_during_snapshots;
  }
  CHECK(commits_during_snapshots > 0);
  // (Bodies: the digest a snapshot of each would end with depends on what each tree applied last.)
  const std::string live = persist::serialize_snapshot_body(*w.server_state(1).tree);
  const std::int64_t live_digest = w.server_state(1).tree->digest();
  w.run_for(seconds(1));  // every fsync done
  w.crash(1);
  w.restart(1);
  // The sessions table may differ only if a session closed; none did here.
  CHECK(persist::serialize_snapshot_body(*w.server_state(1).tree) == live);
  CHECK(w.server_state(1).tree->digest() == live_digest);
  CHECK(run.acknowledged.size() == static_cast<std::size_t>(kCreates));
}
