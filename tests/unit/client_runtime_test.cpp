// runtime/client: connect-string parsing, and BlockingClient over real loopback TCP against a
// ServerCore hosted by an AsioEnv on its own thread (in memory, no disk).
#include <catch2/catch.hpp>

#include <atomic>
#include <mutex>
#include <thread>

#include <boost/asio/post.hpp>

#include "core/data/acl.h"
#include "core/server/server_core.h"
#include "runtime/asio_env.h"
#include "runtime/client/blocking_client.h"

using namespace zablab;

namespace {

// A standalone server on 127.0.0.1:<free port>, running on its own loop thread.
struct LoopbackServer {
  runtime::AsioEnv env{LogLevel::error};
  server::ServerConfig config = [] {
    server::ServerConfig c;
    c.tick_time_ms = 500;  // sessions between 1 s and 10 s
    return c;
  }();
  std::uint16_t port = env.listen("127.0.0.1", 0);
  server::ServerCore node{env, config};
  std::thread loop;
  LoopbackServer() {
    env.attach(node);
    node.start();
    loop = std::thread([this] { env.run(); });
  }
  ~LoopbackServer() {
    env.stop();
    loop.join();
  }
  std::string address() const { return "127.0.0.1:" + std::to_string(port); }
};

runtime::BlockingClient::Options options_for(const std::string& hosts) {
  runtime::BlockingClient::Options o;
  o.client.hosts = runtime::parse_hosts(hosts);
  o.client.session_timeout_ms = 4000;
  o.client.request_timeout_ms = 5000;
  o.log_level = LogLevel::error;
  return o;
}

}  // namespace

TEST_CASE("client/runtime: connect strings", "[client][runtime]") {
  CHECK(runtime::parse_hosts("127.0.0.1:2181") == std::vector<std::string>{"127.0.0.1:2181"});
  CHECK(runtime::parse_hosts(" a:1 , b ,[::1]:3") == std::vector<std::string>{"a:1", "b:2181", "[::1]:3"});
  CHECK(runtime::split_host_port("[::1]:2182") == std::make_pair(std::string("::1"), std::uint16_t{2182}));
  CHECK(runtime::split_host_port("localhost") == std::make_pair(std::string("localhost"), std::uint16_t{2181}));
  CHECK_THROWS_WITH(runtime::parse_hosts("a:1/chroot"), Catch::Contains("chroot"));
  CHECK_THROWS_AS(runtime::parse_hosts(""), std::invalid_argument);
  CHECK_THROWS_AS(runtime::parse_hosts(" , "), std::invalid_argument);
  CHECK_THROWS_WITH(runtime::parse_hosts("a:70000"), Catch::Contains("bad port"));
  CHECK_THROWS_WITH(runtime::parse_hosts("a:x"), Catch::Contains("bad port"));
  CHECK_THROWS_WITH(runtime::parse_hosts("::1:2181"), Catch::Contains("brackets"));
}

TEST_CASE("client/runtime: BlockingClient does CRUD and watches over TCP", "[client][runtime]") {
  LoopbackServer server;
  std::mutex mu;
  std::vector<client::WatchedEvent> events;
  auto o = options_for(server.address());
  o.default_watcher = client::make_watcher([&](const client::WatchedEvent& e) {
    std::lock_guard<std::mutex> lock(mu);
    events.push_back(e);
  });
  runtime::BlockingClient zk(o);
  REQUIRE(zk.wait_connected(5000));
  CHECK(zk.session_id() != 0);
  CHECK(zk.negotiated_timeout_ms() == 4000);
  CHECK(zk.connected_host() == server.address());

  auto created = zk.create("/a", std::string("hello"), data::open_acl_unsafe(), create_mode::persistent);
  REQUIRE(created.ok());
  CHECK(created.value.path == "/a");
  CHECK(zk.create("/a", std::nullopt, data::open_acl_unsafe(), 0).err == Err::node_exists);
  auto got = zk.get_data("/a", o.default_watcher);
  REQUIRE(got.ok());
  CHECK(got.value.data == std::optional<std::string>("hello"));
  REQUIRE(zk.set_data("/a", std::string("x"), 0).ok());  // fires the watch before it answers
  {
    std::lock_guard<std::mutex> lock(mu);
    REQUIRE(events.size() == 2);
    CHECK(events[0].state == keeper_state::sync_connected);
    CHECK(events[1] == client::WatchedEvent{event_type::node_data_changed, keeper_state::sync_connected, "/a"});
  }
  auto kids = zk.get_children("/", nullptr, true);
  REQUIRE(kids.ok());
  CHECK(kids.value.stat.has_value());
  auto multi = zk.multi({client::CreateOp{"/a/b", std::nullopt}, client::DeleteOp{"/a/b", 0}});
  REQUIRE(multi.ok());
  CHECK(multi.value.size() == 2);
  CHECK(zk.sync("/a").value == "/a");
  CHECK(zk.add_auth("digest", "u:p") == Err::ok);
  CHECK(zk.who_am_i().value.size() == 2);
  CHECK(zk.remove("/a", 7) == Err::bad_version);
  CHECK(zk.remove("/a") == Err::ok);

  // Calling back into the blocking API from a watcher would deadlock: it throws instead.
  std::atomic<bool> threw{false};
  zk.run_on_io([&](client::Client&) {
    try {
      zk.exists("/");
    } catch (const std::logic_error&) {
      threw = true;
    }
  });
  CHECK(threw);

  CHECK(zk.close() == Err::ok);
  CHECK(zk.state() == client::State::closed);
  CHECK(zk.exists("/").err == Err::connection_loss);
  CHECK(zk.close() == Err::ok);  // idempotent
}

TEST_CASE("client/runtime: with no server, requests fail fast when asked to", "[client][runtime]") {
  // A free port nobody listens on: take one from a listener that is then closed.
  std::uint16_t port = 0;
  {
    runtime::AsioEnv probe{LogLevel::error};
    port = probe.listen("127.0.0.1", 0);
  }
  auto o = options_for("127.0.0.1:" + std::to_string(port));
  o.client.fail_queued_after_failed_round = true;
  runtime::BlockingClient zk(o);
  CHECK_FALSE(zk.wait_connected_or_unreachable(5000));
  CHECK(zk.state() == client::State::connecting);
  CHECK(zk.exists("/").err == Err::connection_loss);
}

TEST_CASE("client/runtime: the session survives a server-side connection drop", "[client][runtime]") {
  LoopbackServer server;
  auto o = options_for(server.address());
  o.client.reconnect_jitter_ms = 10;
  std::atomic<int> suspended{0};
  o.state_listener = [&](client::State s) {
    if (s == client::State::suspended) ++suspended;
  };
  runtime::BlockingClient zk(o);
  REQUIRE(zk.wait_connected(5000));
  const auto sid = zk.session_id();
  REQUIRE(zk.create("/e", std::nullopt, data::open_acl_unsafe(), create_mode::ephemeral).ok());
  // The server's env drops the connection (its first, id 1) under the node's feet: the client
  // sees the socket close, suspends, reconnects and resumes the session.
  boost::asio::post(server.env.io_context(), [&server] { server.env.client_close(1); });
  for (int i = 0; i < 200 && suspended.load() == 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  CHECK(suspended.load() == 1);
  REQUIRE(zk.wait_connected(5000));
  CHECK(zk.session_id() == sid);
  CHECK(zk.exists("/e").ok());
}
