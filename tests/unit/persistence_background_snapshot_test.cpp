// A snapshot is written while requests are served (core/server/snapshots.cpp): the disk's
// completions are delivered one at a time, and a read, a session and a write are all answered
// while most of a big snapshot is still to be written; the finished file plus the log then
// recover the tree the server had.
#include <catch2/catch.hpp>

#include "core/data/acl.h"
#include "core/persist/disk_layout.h"
#include "core/persist/snapshot.h"
#include "core/server/server_core.h"
#include "tests/support/wire_client.h"

using namespace zablab;
using test::FakeEnv;
using test::WireClient;

namespace {

constexpr int kNodes = 1000;
constexpr std::size_t kValueBytes = 1024;
constexpr std::size_t kPieceBytes = 4096;

server::ServerConfig config() {
  server::ServerConfig c;
  c.data_dir = "/data";
  c.snap_count = 1000000;  // no snapshot but the one after recovery
  c.snapshot_piece_bytes = kPieceBytes;
  c.snapshot_sync_bytes = 4 * kPieceBytes;
  return c;
}

// Delivers the oldest queued disk completion; false when none is queued.
bool complete_one(FakeEnv& env, Node& node) {
  if (env.mem_disk.done.empty()) return false;
  const auto d = env.mem_disk.done.front();
  env.mem_disk.done.erase(env.mem_disk.done.begin());
  node.on_disk_done(d.token, d.status);
  return true;
}

}  // namespace

TEST_CASE("persist/background snapshot: requests are answered while a big snapshot is still being written") {
  FakeEnv env;
  {
    server::ServerCore s(env, config());
    s.start();
    env.complete_disk(s);
    WireClient c(env, s, 1);
    c.connect();
    for (int i = 0; i < kNodes; ++i)
      REQUIRE(c.call(op::create, jute::CreateRequest{"/n" + std::to_string(i), std::string(kValueBytes, 'v'),
                                                     data::open_acl_unsafe(), 0})
                  .err() == Err::ok);
  }
  // The restart replays the log, then snapshots the ~1 MB tree in pieces of 4 KB.
  server::ServerCore s(env, config());
  s.start();
  const std::int64_t zxid = s.tree().last_processed_zxid();
  const std::string final_name = persist::version_dir("/data") + "/" + persist::zxid_file_name("snapshot", zxid);
  const std::string temp_name = final_name + ".tmp";
  REQUIRE(env.mem_disk.files.count(temp_name) == 1);
  auto snapshot_written = [&] { return env.mem_disk.files.count(final_name) == 1; };
  auto temp_bytes = [&] { return env.mem_disk.files.count(temp_name) ? env.mem_disk.files.at(temp_name).size() : 0; };
  const std::size_t whole = kNodes * kValueBytes;

  // A read is answered at once, with no disk completion at all.
  WireClient reader(env, s, 2);
  reader.send_raw(jute::frame(jute::encode(jute::ConnectRequest{0, 0, 30000, 0, std::string(16, '\0'), false, true})));
  int completions = 0;
  while (reader.take_frames().empty() && complete_one(env, s)) ++completions;  // the session's txn
  CHECK(completions < 10);
  reader.send(op::get_data, jute::GetDataRequest{"/n7", false});
  auto replies = reader.replies();
  REQUIRE(replies.size() == 1);
  CHECK(replies[0].err() == Err::ok);
  CHECK(replies[0].as<jute::GetDataResponse>().data == jute::Bytes(std::string(kValueBytes, 'v')));
  CHECK_FALSE(snapshot_written());
  CHECK(temp_bytes() < whole / 10);

  // A write waits only for its own fsync, not for the snapshot.
  reader.send(op::create, jute::CreateRequest{"/during", std::string("d"), data::open_acl_unsafe(), 0});
  completions = 0;
  while ((replies = reader.replies()).empty() && complete_one(env, s)) ++completions;
  REQUIRE(replies.size() == 1);
  CHECK(replies[0].err() == Err::ok);
  CHECK(completions < 10);
  CHECK_FALSE(snapshot_written());
  CHECK(temp_bytes() < whole / 10);

  // The rest of the snapshot, a piece per completion: hundreds of them.
  completions = 0;
  while (complete_one(env, s)) ++completions;
  CHECK(completions > static_cast<int>(whole / kPieceBytes) / 2);
  REQUIRE(snapshot_written());
  CHECK(env.mem_disk.files.count(temp_name) == 0);
  CHECK(env.mem_disk.files.at(final_name).size() > whole);

  // The file (fuzzy: taken before /during) plus the log give back the live tree.
  // (Bodies: the digest a snapshot of each would end with depends on what each tree applied last.)
  const std::string live = persist::serialize_snapshot_body(s.tree());
  server::ServerCore restarted(env, config());
  restarted.start();
  env.complete_disk(restarted);
  CHECK(restarted.tree().find("/during") != nullptr);
  CHECK(persist::serialize_snapshot_body(restarted.tree()) == live);
  CHECK(restarted.tree().digest() == s.tree().digest());
  CHECK(restarted.stats().digest_mismatches == 0);
}
