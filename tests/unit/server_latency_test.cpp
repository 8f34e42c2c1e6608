// Request latency in srvr and mntr, as ZooKeeper 3.8 reports it: whole ms from a request's arrival
// to its reply; min/avg/max over all requests, and mntr's readlatency / updatelatency summaries
// with their percentiles (core/server/latency_stats.h).
#include <catch2/catch.hpp>

#include <map>
#include <sstream>

#include "core/server/latency_stats.h"
#include "core/server/server_core.h"
#include "tests/support/wire_client.h"

using namespace zablab;
using test::FakeEnv;
using test::WireClient;

namespace {

std::map<std::string, std::string> mntr(FakeEnv& env, server::ServerCore& server, ConnId id) {
  server.on_client_connected(id, "127.0.0.1:9");
  server.on_client_bytes(id, "mntr");
  std::map<std::string, std::string> out;
  std::istringstream lines(env.out[id]);
  for (std::string line; std::getline(lines, line);) {
    const auto tab = line.find('\t');
    if (tab != std::string::npos) out[line.substr(0, tab)] = line.substr(tab + 1);
  }
  return out;
}

}  // namespace

TEST_CASE("server/latency: srvr and mntr show min/avg/max and the read and update percentiles as ZooKeeper") {
  FakeEnv env;
  server::ServerConfig config;
  config.data_dir = "/data";  // writes wait for their fsync: the test decides how long
  config.four_letter_words = {"*"};
  server::ServerCore server(env, config);
  server.start();
  env.complete_disk(server);
  WireClient c(env, server, 1);
  c.connect();
  for (int i = 0; i < 20; ++i) c.call(op::exists, jute::ExistsRequest{"/", false});  // answered at once: 0 ms
  for (int ms = 1; ms <= 10; ++ms) {
    c.send(op::create, jute::CreateRequest{"/n" + std::to_string(ms), std::string("x"), data::open_acl_unsafe(), 0});
    env.advance(server, ms);  // the fsync takes `ms`
    env.complete_disk(server);
    REQUIRE(c.replies().back().err() == Err::ok);
  }

  const auto m = mntr(env, server, 2);
  CHECK(m.at("zk_min_latency") == "0");
  CHECK(m.at("zk_avg_latency") == "1.8333");  // 55 ms over 30 requests, 4 decimals as ZooKeeper
  CHECK(m.at("zk_max_latency") == "10");
  CHECK(m.at("zk_cnt_readlatency") == "20");
  CHECK(m.at("zk_p99_readlatency") == "0");
  CHECK(m.at("zk_avg_updatelatency") == "5.5");
  CHECK(m.at("zk_min_updatelatency") == "1");
  CHECK(m.at("zk_max_updatelatency") == "10");
  CHECK(m.at("zk_cnt_updatelatency") == "10");
  CHECK(m.at("zk_sum_updatelatency") == "55");
  CHECK(m.at("zk_p50_updatelatency") == "6");  // rank 5.5 of 1..10, rounded as Math.round
  CHECK(m.at("zk_p95_updatelatency") == "10");
  CHECK(m.at("zk_p99_updatelatency") == "10");
  CHECK(m.at("zk_p999_updatelatency") == "10");

  server.on_client_connected(3, "127.0.0.1:9");
  server.on_client_bytes(3, "srvr");
  CHECK(env.out[3].find("Latency min/avg/max: 0/1.8333/10\n") != std::string::npos);

  // srst starts the figures over.
  server.on_client_connected(4, "127.0.0.1:9");
  server.on_client_bytes(4, "srst");
  const auto reset = mntr(env, server, 5);
  CHECK(reset.at("zk_max_latency") == "0");
  CHECK(reset.at("zk_avg_latency") == "0.0");
  CHECK(reset.at("zk_cnt_updatelatency") == "0");
  CHECK(reset.at("zk_p99_updatelatency") == "0");
}

TEST_CASE("server/latency: percentiles interpolate between ranks as Dropwizard's UniformSnapshot") {
  server::LatencySummary s;
  for (std::int64_t v : {5, 1, 3, 2, 4}) s.add(v);
  CHECK(s.percentile(0.5) == 3);    // rank 3
  CHECK(s.percentile(0.25) == 2);   // rank 1.5: between 1 and 2, rounds up
  CHECK(s.percentile(0.1) == 1);    // below rank 1: the smallest
  CHECK(s.percentile(0.99) == 5);   // past the last rank: the largest
  s.add(-1);                        // a clock that went backwards: not counted
  CHECK(s.count() == 5);
  CHECK(s.avg() == 3.0);
}

TEST_CASE("server/latency: averages print as Java's Double.toString") {
  CHECK(server::java_double(0.0) == "0.0");
  CHECK(server::java_double(12.0) == "12.0");
  CHECK(server::java_double(2.5) == "2.5");
  CHECK(server::java_double(0.1234) == "0.1234");
  CHECK(server::java_double(0.0001) == "1.0E-4");
  CHECK(server::java_double(0.0025) == "0.0025");
}
