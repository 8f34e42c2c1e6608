// Resource limits of the standalone server (core/server/limits.cpp, docs/hardening.md):
// throttling of outstanding requests per connection and globally (the server stops taking frames
// and asks the Env to pause reading, then reads on), and the bounds on watch entries.
#include <catch2/catch.hpp>

#include "core/data/acl.h"
#include "core/server/server_core.h"
#include "runtime/zoo_config.h"
#include "tests/support/wire_client.h"

using namespace zablab;
using test::FakeEnv;
using test::WireClient;
using test::request_frame;

namespace {

jute::CreateRequest create_req(const std::string& path) {
  return jute::CreateRequest{path, std::string("d"), data::open_acl_unsafe(), 0};
}

// `n` creates of /k<first>.. in one chunk of bytes, xids first..first+n-1.
std::string creates(int first, int n) {
  std::string bytes;
  for (int i = first; i < first + n; ++i) bytes += request_frame(i, op::create, create_req("/k" + std::to_string(i)));
  return bytes;
}

// Persistent (in FakeEnv's memory disk): a write is answered only once the test completes the
// disk, so requests stay outstanding as long as the test wants.
server::ServerConfig persistent_config(int per_connection, int global) {
  server::ServerConfig c;
  c.tick_time_ms = 2000;
  c.data_dir = "/data";
  c.max_outstanding_per_connection = per_connection;
  c.global_outstanding_limit = global;
  return c;
}

std::vector<std::int32_t> xids_of(const std::vector<test::Reply>& replies) {
  std::vector<std::int32_t> out;
  for (const auto& r : replies)
    if (r.header.xid != xid::notification) out.push_back(r.header.xid);
  return out;
}

}  // namespace

TEST_CASE("limits/outstanding: a connection over maxOutstandingPerConnection is paused, then read on") {
  FakeEnv env;
  server::ServerCore server(env, persistent_config(10, 1000));
  server.start();
  env.complete_disk(server);
  WireClient c(env, server, 1);
  c.connect();

  c.send_raw(creates(1, 50));  // 50 pipelined writes in one read
  CHECK(server.outstanding_requests() == 10);
  CHECK(server.reading_paused(1));
  CHECK(env.reading_paused.count(1));
  CHECK(c.replies().empty());  // nothing durable yet

  // Each fsync answers what it covers; the answers let the server take the next frames.
  env.complete_disk(server);
  const auto got = xids_of(c.replies());
  REQUIRE(got.size() == 50);
  for (int i = 0; i < 50; ++i) CHECK(got[static_cast<std::size_t>(i)] == i + 1);  // all, in order
  CHECK(server.outstanding_requests() == 0);
  CHECK_FALSE(server.reading_paused(1));
  CHECK(env.reading_paused.empty());
  CHECK(server.tree().find("/k50") != nullptr);
}

TEST_CASE("limits/outstanding: a flood of reads is answered in one go and never left paused") {
  FakeEnv env;
  server::ServerConfig config = persistent_config(4, 8);
  server::ServerCore server(env, config);
  server.start();
  env.complete_disk(server);
  WireClient c(env, server, 1);
  c.connect();
  std::string bytes;
  for (int i = 1; i <= 1000; ++i) bytes += request_frame(i, op::exists, jute::ExistsRequest{"/", false});
  c.send_raw(bytes);
  CHECK(xids_of(c.replies()).size() == 1000);
  CHECK(server.outstanding_requests() == 0);
  CHECK_FALSE(server.reading_paused(1));
  CHECK(env.reading_paused.empty());
}

TEST_CASE("limits/outstanding: over globalOutstandingLimit, busy connections pause; an idle one is still served") {
  FakeEnv env;
  server::ServerCore server(env, persistent_config(0, 20));
  server.start();
  env.complete_disk(server);
  WireClient flood(env, server, 1);
  flood.connect();
  WireClient polite(env, server, 2, "127.0.0.2:40000");
  polite.connect();

  flood.send_raw(creates(1, 100));
  CHECK(server.outstanding_requests() == 20);
  CHECK(server.reading_paused(1));

  // The polite client has nothing outstanding: its read is taken and answered at once.
  polite.send(op::exists, jute::ExistsRequest{"/", false});
  auto rep = polite.replies();
  REQUIRE(rep.size() == 1);
  CHECK(rep[0].err() == Err::ok);
  CHECK_FALSE(server.reading_paused(2));
  // Its write is taken too (it had nothing outstanding), then it waits like everyone.
  polite.send(op::create, create_req("/polite"));
  CHECK(server.outstanding_requests() == 21);
  CHECK(server.reading_paused(2));

  env.complete_disk(server);
  CHECK(xids_of(flood.replies()).size() == 100);
  CHECK(xids_of(polite.replies()).size() == 1);
  CHECK(server.outstanding_requests() == 0);
  CHECK(env.reading_paused.empty());
}

TEST_CASE("limits/outstanding: closing a throttled connection frees its share of the global budget") {
  FakeEnv env;
  server::ServerCore server(env, persistent_config(0, 10));
  server.start();
  env.complete_disk(server);
  WireClient a(env, server, 1);
  a.connect();
  WireClient b(env, server, 2, "127.0.0.2:40000");
  b.connect();
  a.send_raw(creates(1, 30));
  b.send_raw(creates(100, 5));  // one taken (b had none outstanding), the rest wait
  CHECK(server.outstanding_requests() == 11);
  CHECK(server.reading_paused(2));
  server.on_client_closed(1);
  // b reads on at once: its other four requests are taken.
  CHECK(server.outstanding_requests() == 5);
  CHECK_FALSE(server.reading_paused(2));
  env.complete_disk(server);
  CHECK(xids_of(b.replies()).size() == 5);
  CHECK_FALSE(env.reading_paused.count(2));
}

TEST_CASE("limits/watches: maxWatchesPerConnection refuses a new watch with QUOTAEXCEEDED and sets nothing") {
  FakeEnv env;
  server::ServerConfig config;
  config.max_watches_per_connection = 3;
  config.max_watches = 5;
  server::ServerCore server(env, config);
  server.start();
  WireClient c(env, server, 1);
  c.connect();
  c.call(op::create, create_req("/a"));
  CHECK(c.call(op::get_data, jute::GetDataRequest{"/a", true}).err() == Err::ok);
  CHECK(c.call(op::exists, jute::ExistsRequest{"/b", true}).err() == Err::no_node);
  CHECK(c.call(op::get_children, jute::GetChildrenRequest{"/a", true}).err() == Err::ok);
  CHECK(server.watches().watch_count(1) == 3);
  // A fourth entry is refused, the read with it; the same watch again is not a new entry.
  CHECK(c.call(op::exists, jute::ExistsRequest{"/c", true}).err() == Err::quota_exceeded);
  CHECK(c.call(op::get_data, jute::GetDataRequest{"/a", true}).err() == Err::ok);
  CHECK(c.call(op::add_watch, jute::AddWatchRequest{"/", add_watch_mode::persistent_recursive}).err() ==
        Err::quota_exceeded);
  CHECK(c.call(op::get_data, jute::GetDataRequest{"/a", false}).err() == Err::ok);  // no watch: fine
  CHECK(server.watches().watch_count(1) == 3);
  CHECK(env.has_logged("maxWatchesPerConnection is 3"));

  // A fired one-shot watch frees its entry.
  WireClient writer(env, server, 2, "127.0.0.2:1");
  writer.connect();
  writer.call(op::set_data, jute::SetDataRequest{"/a", std::string("x"), -1});
  CHECK(server.watches().watch_count(1) == 2);
  CHECK(c.call(op::exists, jute::ExistsRequest{"/c", true}).err() == Err::no_node);

  // maxWatches counts every connection: the writer may add two, not three.
  CHECK(writer.call(op::exists, jute::ExistsRequest{"/w1", true}).err() == Err::no_node);
  CHECK(writer.call(op::exists, jute::ExistsRequest{"/w2", true}).err() == Err::no_node);
  CHECK(writer.call(op::exists, jute::ExistsRequest{"/w3", true}).err() == Err::quota_exceeded);
  CHECK(env.has_logged("maxWatches is 5"));
  CHECK(server.watches().watch_count() == 5);
  // A closed connection's watches are gone, and so is their count.
  server.on_client_closed(1);
  CHECK(server.watches().watch_count() == 2);
  CHECK(writer.call(op::exists, jute::ExistsRequest{"/w3", true}).err() == Err::no_node);
}

TEST_CASE("limits/watches: a setWatches over the limit is refused whole") {
  FakeEnv env;
  server::ServerConfig config;
  config.max_watches_per_connection = 2;
  server::ServerCore server(env, config);
  server.start();
  WireClient c(env, server, 1);
  c.connect();
  c.send(op::set_watches, jute::SetWatches{0, {"/x"}, {"/y"}, {"/z"}}, xid::set_watches);
  auto rep = c.replies();
  REQUIRE(rep.size() == 1);
  CHECK(rep[0].err() == Err::quota_exceeded);
  CHECK(server.watches().watch_count() == 0);
  c.send(op::set_watches, jute::SetWatches{std::int64_t{1} << 40, {}, {"/y"}, {"/"}}, xid::set_watches);
  rep = c.replies();
  REQUIRE(rep.size() == 1);
  CHECK(rep[0].err() == Err::ok);
  CHECK(server.watches().watch_count() == 2);
}

TEST_CASE("limits/zoo.cfg: globalOutstandingLimit and zablab's own limits reach the server config") {
  const auto defaults = runtime::to_server_config(runtime::parse_zoo_cfg("dataDir=/d\nclientPort=2181\n", "zoo.cfg"));
  CHECK(defaults.global_outstanding_limit == 1000);
  CHECK(defaults.max_outstanding_per_connection == 500);
  CHECK(defaults.max_watches_per_connection == 100000);
  CHECK(defaults.max_watches == 2000000);
  CHECK(defaults.max_watches_per_address == 200000);
  CHECK(defaults.max_auth_identities == 32);
  CHECK(defaults.max_auth_bytes == 1024);
  CHECK(defaults.max_client_cnxns == 60);
  CHECK(defaults.max_buffer == 0xFFFFF);
  const auto set = runtime::to_server_config(runtime::parse_zoo_cfg(
      "dataDir=/d\nclientPort=2181\nzookeeper.globalOutstandingLimit=50\nmaxOutstandingPerConnection=0\n"
      "maxWatchesPerConnection=7\nmaxWatches=0\nmaxWatchesPerAddress=9\nmaxAuthIdentitiesPerConnection=3\n"
      "maxAuthBytes=0\n",
      "zoo.cfg"));
  CHECK(set.global_outstanding_limit == 50);
  CHECK(set.max_outstanding_per_connection == 0);
  CHECK(set.max_watches_per_connection == 7);
  CHECK(set.max_watches == 0);
  CHECK(set.max_watches_per_address == 9);
  CHECK(set.max_auth_identities == 3);
  CHECK(set.max_auth_bytes == 0);
  CHECK_THROWS_WITH(runtime::parse_zoo_cfg("dataDir=/d\nclientPort=2181\nmaxWatches=-1\n", "zoo.cfg"),
                    Catch::Contains("zoo.cfg:3: maxWatches"));
}
