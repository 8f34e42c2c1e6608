// Durability of the standalone server over an in-memory disk: acknowledgement only after fsync,
// group commit, snapshots, recovery, torn tails and corruption.
#include <algorithm>
#include <set>

#include <catch2/catch.hpp>

#include "core/data/acl.h"
#include "core/persist/disk_layout.h"
#include "core/persist/snapshot.h"
#include "core/persist/txn_log.h"
#include "core/server/server_core.h"
#include "tests/support/wire_client.h"

using namespace zablab;
using test::FakeEnv;
using test::WireClient;

namespace {

server::ServerConfig disk_config(std::int64_t snap_count = 100000) {
  server::ServerConfig c;
  c.tick_time_ms = 2000;
  c.data_dir = "/data";
  c.snap_count = snap_count;
  return c;
}

jute::CreateRequest create_req(const std::string& path, std::int32_t flags = 0) {
  return jute::CreateRequest{path, std::string("v"), data::open_acl_unsafe(), flags};
}

std::vector<std::string> files_with_prefix(const FakeEnv& env, const std::string& prefix) {
  std::vector<std::string> out;
  for (const auto& [path, bytes] : env.mem_disk.files)
    if (path.rfind(prefix, 0) == 0) out.push_back(path);
  return out;
}

}  // namespace

TEST_CASE("persist/ack: a write is answered only after the fsync covering it completes") {
  FakeEnv env;
  server::ServerCore s(env, disk_config());
  s.start();
  env.complete_disk(s);
  WireClient c(env, s, 1);
  c.connect();
  c.send(op::create, create_req("/durable"));
  CHECK(c.replies().empty());
  CHECK(s.tree().find("/durable") == nullptr);
  env.complete_disk(s);
  auto rep = c.replies();
  REQUIRE(rep.size() == 1);
  CHECK(rep[0].err() == Err::ok);
  CHECK(s.tree().find("/durable") != nullptr);
}

TEST_CASE("persist/forceSync=no: a write is answered once its log entry is written, without an fsync") {
  FakeEnv env;
  server::ServerConfig config = disk_config();
  config.force_sync = false;
  server::ServerCore s(env, config);
  s.start();
  env.complete_disk(s);
  WireClient c(env, s, 1);
  c.connect();
  const int syncs_before = env.mem_disk.syncs;
  c.send(op::create, create_req("/written"));
  // The append is issued but has not completed (write(2) not done): no answer yet.
  CHECK(c.replies().empty());
  CHECK(s.tree().find("/written") == nullptr);
  env.complete_disk(s);
  auto rep = c.replies();
  REQUIRE(rep.size() == 1);
  CHECK(rep[0].err() == Err::ok);
  CHECK(s.tree().find("/written") != nullptr);
  CHECK(env.mem_disk.syncs == syncs_before);
}

TEST_CASE("persist/group commit: writes that arrive during an fsync share the next one") {
  FakeEnv env;
  server::ServerCore s(env, disk_config());
  s.start();
  env.complete_disk(s);
  WireClient c(env, s, 1);
  c.connect();
  env.mem_disk.done.clear();
  for (int i = 0; i < 10; ++i) c.send(op::create, create_req("/g" + std::to_string(i)));
  // 10 appends + 1 fsync so far: the first write's; the other 9 wait for the next one.
  CHECK(env.mem_disk.done.size() == 11);
  env.complete_disk(s);
  CHECK(c.replies().size() == 10);
}

TEST_CASE("persist/recovery: a restarted server has every acknowledged write and its sessions") {
  FakeEnv env;
  std::int64_t session = 0;
  {
    server::ServerCore s(env, disk_config());
    s.start();
    env.complete_disk(s);
    WireClient c(env, s, 1);
    session = c.connect(20000).session_id;
    c.call(op::create, create_req("/a"));
    c.call(op::create, create_req("/a/b", create_mode::persistent_sequential));
    c.call(op::create, create_req("/eph", create_mode::ephemeral));
    c.call(op::set_data, jute::SetDataRequest{"/a", std::string("new"), 0});
  }
  server::ServerCore restarted(env, disk_config());
  restarted.start();
  env.complete_disk(restarted);
  const auto* a = restarted.tree().find("/a");
  REQUIRE(a != nullptr);
  CHECK(a->data == jute::Bytes("new"));
  CHECK(a->stat.version == 1);
  CHECK(restarted.tree().find("/a/b0000000000") != nullptr);
  CHECK(restarted.tree().find("/eph") != nullptr);  // its session is alive until it expires
  CHECK(restarted.sessions().find(session) != nullptr);
  CHECK(restarted.tree().last_processed_zxid() == 5);
  // The session can come back...
  WireClient c(env, restarted, 2);
  auto resp = c.connect(20000, session, server::SessionTracker::password_for(session), 5);
  CHECK(resp.session_id == session);
  // ...and new writes continue after the old zxids.
  CHECK(c.call(op::create, create_req("/after")).header.zxid == 6);
}

TEST_CASE("persist/snapshots: taken every snapCount/2..snapCount txns, then recovery uses them") {
  FakeEnv env;
  {
    server::ServerCore s(env, disk_config(10));
    s.start();
    env.complete_disk(s);
    WireClient c(env, s, 1);
    c.connect();
    for (int i = 0; i < 25; ++i) c.call(op::create, create_req("/n" + std::to_string(i)));
  }
  const auto snaps = files_with_prefix(env, "/data/version-2/snapshot.");
  CHECK(snaps.size() >= 3);  // one at start, then every 5..10 txns
  CHECK(files_with_prefix(env, "/data/version-2/log.").size() >= 2);  // the log rolls with each snapshot
  server::ServerCore restarted(env, disk_config(10));
  restarted.start();
  for (int i = 0; i < 25; ++i) CHECK(restarted.tree().find("/n" + std::to_string(i)) != nullptr);
  CHECK(env.has_logged("loaded snapshot"));
}

// The zxid a snapshot file is named by, for each snapshot file, in order.
std::vector<std::int64_t> snapshot_zxids(const FakeEnv& env) {
  std::vector<std::int64_t> out;
  for (const auto& f : files_with_prefix(env, "/data/version-2/snapshot."))
    if (f.find(".tmp") == std::string::npos) out.push_back(std::stoll(f.substr(f.rfind('.') + 1), nullptr, 16));
  std::sort(out.begin(), out.end());
  return out;
}

// A server on env's disk that creates /n0 .. /n<count-1>, each holding `value`, one at a time.
void create_nodes(FakeEnv& env, const server::ServerConfig& config, int count, const std::string& value) {
  server::ServerCore s(env, config);
  s.start();
  env.complete_disk(s);
  WireClient c(env, s, 1);
  c.connect();
  for (int i = 0; i < count; ++i)
    c.call(op::create, jute::CreateRequest{"/n" + std::to_string(i), value, data::open_acl_unsafe(), 0});
  env.complete_disk(s);
}

TEST_CASE("persist/snapshots: the random part of snapCount is drawn again after each snapshot, as ZooKeeper's") {
  FakeEnv env;
  create_nodes(env, disk_config(40), 200, "v");
  const std::vector<std::int64_t> zxids = snapshot_zxids(env);
  REQUIRE(zxids.size() >= 5);
  std::set<std::int64_t> gaps;
  for (std::size_t i = 2; i < zxids.size(); ++i) {
    const std::int64_t gap = zxids[i] - zxids[i - 1];
    CHECK(gap > 20);  // more than snapCount/2 txns...
    CHECK(gap <= 41);  // ...and at most snapCount/2 + (snapCount/2 - 1) + 1
    gaps.insert(gap);
  }
  CHECK(gaps.size() >= 2);  // one draw at start-up only would space them all alike
}

TEST_CASE("persist/snapshots: snapSizeLimitInKb takes a snapshot by bytes of log, whatever snapCount") {
  FakeEnv env;
  server::ServerConfig config = disk_config(1000000);
  config.snap_size_limit_bytes = 4096;  // a snapshot after 2-4 KiB of log entries
  create_nodes(env, config, 40, std::string(500, 'v'));
  // 40 entries of ~0.6 KiB: 24 KiB of log, a snapshot every 4-7 entries.
  CHECK(snapshot_zxids(env).size() >= 4);
}

TEST_CASE("persist/snapshot: serialize and load give back the same tree") {
  data::DataTree tree;
  data::Txn t;
  t.header = jute::TxnHeader{9, 1, 1, 100, op::create};
  t.ops.push_back({op::create, jute::CreateTxn{"/x", std::nullopt, data::read_acl_unsafe(), false, 1}});
  tree.apply(t);
  t.header.zxid = 2;
  t.ops = {{op::create, jute::CreateTxn{"/x/e", std::string("d"), data::open_acl_unsafe(), true, 1}}};
  tree.apply(t);
  const std::string bytes = persist::serialize_snapshot(tree);
  data::DataTree loaded;
  CHECK(persist::load_snapshot(bytes, 2, false, loaded).note.find("matches the tree") != std::string::npos);
  // Its own snapshot would end with an empty digest (no txn applied since the load), as ZooKeeper's.
  CHECK(persist::serialize_snapshot_body(loaded) == persist::serialize_snapshot_body(tree));
  CHECK(loaded.digest() == tree.digest());
  CHECK_FALSE(loaded.find("/x")->data.has_value());
  CHECK(loaded.find("/x")->acl == data::read_acl_unsafe());
  CHECK(loaded.ephemerals(9) == std::set<std::string>{"/x/e"});
  std::string bad = bytes;
  bad[bad.size() / 2] ^= 0x5A;
  CHECK_THROWS_AS(persist::load_snapshot(bad, 2, false, loaded), persist::SnapshotError);
}

TEST_CASE("persist/snapshot: fed in pieces of any size a snapshot loads the same tree; cut short anywhere it is refused") {
  data::DataTree tree;
  data::Txn t;
  for (int i = 1; i <= 40; ++i) {
    t.header = jute::TxnHeader{9, 1, i, 100, op::create};
    t.ops = {{op::create, jute::CreateTxn{"/n" + std::to_string(i), std::string(i * 7, 'v'), data::open_acl_unsafe(),
                                           false, i}}};
    tree.apply(t);
  }
  const std::string bytes = persist::serialize_snapshot(tree);
  for (const std::size_t piece : {std::size_t{1}, std::size_t{7}, std::size_t{16}, std::size_t{4096}, bytes.size()}) {
    INFO("pieces of " << piece << " bytes");
    persist::SnapshotLoader loader(false);
    for (std::size_t at = 0; at < bytes.size(); at += piece) loader.feed(std::string_view(bytes).substr(at, piece));
    data::DataTree loaded;
    CHECK_FALSE(loader.finish(40, loaded).mismatch);
    CHECK(persist::serialize_snapshot_body(loaded) == persist::serialize_snapshot_body(tree));
    CHECK(loaded.digest() == tree.digest());
  }
  for (const std::size_t cut : {std::size_t{0}, std::size_t{10}, std::size_t{16}, bytes.size() / 2, bytes.size() - 13,
                                bytes.size() - 1}) {
    INFO("cut at byte " << cut << " of " << bytes.size());
    persist::SnapshotLoader loader(false);
    loader.feed(std::string_view(bytes).substr(0, cut));
    data::DataTree loaded;
    CHECK_THROWS_AS(loader.finish(40, loaded), persist::SnapshotError);
  }
}

TEST_CASE("persist/torn tail: a crash mid-append is truncated at the last whole entry and reported") {
  FakeEnv env;
  {
    server::ServerCore s(env, disk_config());
    s.start();
    env.complete_disk(s);
    WireClient c(env, s, 1);
    c.connect();
    c.call(op::create, create_req("/kept"));
    c.call(op::create, create_req("/torn"));
  }
  auto logs = files_with_prefix(env, "/data/version-2/log.");
  REQUIRE(logs.size() == 1);
  std::string& log = env.mem_disk.files[logs[0]];
  const std::size_t full = log.size();
  log.resize(full - 7);  // the last entry loses its tail
  server::ServerCore restarted(env, disk_config());
  restarted.start();
  CHECK(env.shutdown_reason.empty());
  CHECK(restarted.tree().find("/kept") != nullptr);
  CHECK(restarted.tree().find("/torn") == nullptr);
  CHECK(env.has_logged("truncated torn tail of " + logs[0]));
  CHECK(env.mem_disk.files[logs[0]].size() < full - 7);
}

TEST_CASE("persist/corruption: a bad entry before the tail refuses to start, naming file and offset") {
  FakeEnv env;
  {
    server::ServerCore s(env, disk_config());
    s.start();
    env.complete_disk(s);
    WireClient c(env, s, 1);
    c.connect();
    for (int i = 0; i < 5; ++i) c.call(op::create, create_req("/c" + std::to_string(i)));
  }
  auto logs = files_with_prefix(env, "/data/version-2/log.");
  REQUIRE(logs.size() == 1);
  std::string& log = env.mem_disk.files[logs[0]];
  auto scan = persist::scan_log(log);
  REQUIRE(scan.entries.size() >= 5);
  log[scan.entries[1].offset + 20] ^= 0x01;  // inside the second entry's txn bytes
  server::ServerCore restarted(env, disk_config());
  restarted.start();
  CHECK(env.shutdown_reason.find(logs[0]) != std::string::npos);
  CHECK(env.shutdown_reason.find("byte " + std::to_string(scan.entries[1].offset)) != std::string::npos);
  CHECK(env.shutdown_reason.find("checksum") != std::string::npos);
}

TEST_CASE("persist/disk failure: the server stops serving instead of acknowledging") {
  FakeEnv env;
  server::ServerCore s(env, disk_config());
  s.start();
  env.complete_disk(s);
  WireClient c(env, s, 1);
  c.connect();
  c.send(op::create, create_req("/lost"));
  s.on_disk_done(999999, DiskStatus{false, "No space left on device"});
  CHECK(env.shutdown_reason.find("No space left on device") != std::string::npos);
  CHECK(c.closed());
}
