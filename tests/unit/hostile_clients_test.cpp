// Clients that try to hurt the server (docs/hardening.md), at the
// level of the sans-I/O core: unread replies, watch events past the ACL, one address holding the
// watches, identities and credentials without bound, client text in log lines.
#include <catch2/catch.hpp>

#include <algorithm>

#include <boost/asio/ip/address.hpp>

#include "core/data/acl.h"
#include "core/server/server_core.h"
#include "core/util/log_text.h"
#include "runtime/endpoint.h"
#include "tests/support/wire_client.h"

using namespace zablab;
using test::FakeEnv;
using test::WireClient;
using test::request_frame;
using test::events_of;

namespace {

jute::CreateRequest create_req(const std::string& path, std::string data = "d",
                               data::Acl acl = data::open_acl_unsafe()) {
  return jute::CreateRequest{path, std::move(data), std::move(acl), 0};
}

server::ServerConfig config() {
  server::ServerConfig c;
  c.tick_time_ms = 2000;
  return c;
}

std::vector<jute::ClientInfo> who_am_i(WireClient& c) {
  c.send_header(op::who_am_i);
  const auto replies = c.replies();
  REQUIRE_FALSE(replies.empty());
  return replies.back().as<jute::WhoAmIResponse>().client_info;
}

jute::AuthPacket auth(std::string scheme, std::string data) { return jute::AuthPacket{0, std::move(scheme), std::move(data)}; }

}  // namespace

// ----- item 6 ------------------------------------------------------------------------------------

TEST_CASE("hostile/output: reads stop while a connection's replies are unread and go on when it drains") {
  FakeEnv env;
  server::ServerCore server(env, config());
  server.start();
  WireClient c(env, server, 1);
  c.connect();
  REQUIRE(c.call(op::create, create_req("/big", std::string(5000, 'v'))).err() == Err::ok);
  env.output_limit = 10000;  // two replies fit, the third fills it

  std::string pipelined;
  for (int xid = 1; xid <= 50; ++xid) pipelined += request_frame(xid, op::get_data, jute::GetDataRequest{"/big", false});
  c.send_raw(pipelined);
  // Only what fills the output was made; the rest waits, and so does reading.
  CHECK(env.out[1].size() <= 10000 + 5200);
  CHECK(server.reading_paused(1));

  std::vector<std::int32_t> xids;
  for (int round = 0; round < 100 && xids.size() < 50; ++round) {
    const auto got = c.replies();  // the client reads what is there...
    REQUIRE_FALSE(got.empty());
    for (const auto& r : got) {
      CHECK(r.err() == Err::ok);
      xids.push_back(r.header.xid);
    }
    server.on_client_drained(1);  // ...and the Env says so
  }
  REQUIRE(xids.size() == 50);
  for (int i = 0; i < 50; ++i) CHECK(xids[static_cast<std::size_t>(i)] == i + 1);  // all, in order
  CHECK(server.outstanding_requests() == 0);
  CHECK_FALSE(server.reading_paused(1));
}

// ----- item 7 ------------------------------------------------------------------------------------

TEST_CASE("hostile/watches: one-shot watch events are checked against the node's ACL when they fire") {
  FakeEnv env;
  server::ServerCore server(env, config());
  server.start();
  WireClient owner(env, server, 1);
  WireClient outsider(env, server, 2, "127.0.0.2:40000");
  owner.connect();
  outsider.connect();
  REQUIRE(owner.call(op::auth, auth("digest", "alice:pw")).err() == Err::ok);

  // exists on a missing node sets a watch without any ACL to check: NodeCreated of a node only
  // alice may read must not tell the outsider it exists.
  CHECK(outsider.call(op::exists, jute::ExistsRequest{"/hidden", true}).err() == Err::no_node);
  REQUIRE(owner.call(op::create, create_req("/hidden", "x", data::creator_all_acl())).err() == Err::ok);
  CHECK(events_of(outsider.replies()).empty());
  CHECK(server.watches().watch_count(2) == 0);  // used up, as in ZooKeeper

  // A node readable when watched, then closed: its later change and deletion are not told.
  REQUIRE(owner.call(op::create, create_req("/was-open")).err() == Err::ok);
  REQUIRE(outsider.call(op::get_data, jute::GetDataRequest{"/was-open", true}).err() == Err::ok);
  REQUIRE(outsider.call(op::get_children, jute::GetChildrenRequest{"/was-open", true}).err() == Err::ok);
  REQUIRE(owner.call(op::set_acl, jute::SetACLRequest{"/was-open", data::creator_all_acl(), -1}).err() == Err::ok);
  owner.call(op::create, create_req("/was-open/kid"));        // NodeChildrenChanged: parent's ACL
  owner.call(op::set_data, jute::SetDataRequest{"/was-open", std::string("y"), -1});
  CHECK(events_of(outsider.replies()).empty());

  // What the outsider may read it hears about: NodeDeleted follows the ACL the node had.
  REQUIRE(owner.call(op::create, create_req("/public")).err() == Err::ok);
  REQUIRE(outsider.call(op::exists, jute::ExistsRequest{"/public", true}).err() == Err::ok);
  owner.call(op::remove, jute::DeleteRequest{"/public", -1});
  const auto events = events_of(outsider.replies());
  REQUIRE(events.size() == 1);
  CHECK(events[0].type == event_type::node_deleted);
  CHECK(events[0].path == "/public");
}

// ----- item 8 ------------------------------------------------------------------------------------

TEST_CASE("hostile/watches: maxWatchesPerAddress bounds all connections of one address together") {
  FakeEnv env;
  server::ServerConfig cfg = config();
  cfg.max_watches_per_connection = 3;
  cfg.max_watches_per_address = 4;
  cfg.max_watches = 100;
  server::ServerCore server(env, cfg);
  server.start();
  WireClient a1(env, server, 1, "10.0.0.1:1000");
  WireClient a2(env, server, 2, "10.0.0.1:1001");
  WireClient b(env, server, 3, "10.0.0.2:1000");
  a1.connect();
  a2.connect();
  b.connect();
  for (const char* p : {"/1", "/2", "/3"}) CHECK(a1.call(op::exists, jute::ExistsRequest{p, true}).err() == Err::no_node);
  CHECK(a2.call(op::exists, jute::ExistsRequest{"/4", true}).err() == Err::no_node);
  CHECK(a2.call(op::exists, jute::ExistsRequest{"/5", true}).err() == Err::quota_exceeded);
  CHECK(env.has_logged("maxWatchesPerAddress is 4"));
  a2.send(op::set_watches, jute::SetWatches{0, {}, {"/6"}, {}}, xid::set_watches);
  CHECK(a2.replies().at(0).err() == Err::quota_exceeded);
  // Another address is not affected.
  for (const char* p : {"/1", "/2", "/3"}) CHECK(b.call(op::exists, jute::ExistsRequest{p, true}).err() == Err::no_node);
  // A closed connection gives its share back.
  server.on_client_closed(1);
  CHECK(server.watches().address_watch_count("10.0.0.1") == 1);
  CHECK(a2.call(op::exists, jute::ExistsRequest{"/5", true}).err() == Err::no_node);
}

TEST_CASE("hostile/watches: closing a connection removes its own entries and leaves the others' working") {
  server::WatchManager w;
  w.set_address(1, "10.0.0.1");
  w.set_address(2, "10.0.0.2");
  for (int i = 0; i < 1000; ++i) w.add_data_watch(1, "/n" + std::to_string(i));
  w.add_data_watch(2, "/n7");
  w.add_child_watch(2, "/n7");
  w.add_data_watch(2, "/r", server::WatchMode::persistent_recursive);
  CHECK(w.watch_count() == 1003);
  w.remove_connection(2);
  CHECK(w.watch_count() == 1000);
  CHECK(w.watch_count(2) == 0);
  CHECK(w.address_watch_count("10.0.0.2") == 0);
  CHECK(w.address_watch_count("10.0.0.1") == 1000);
  // The recursive count went with it (no ancestor walk finds a stale entry), and 1's watch fires.
  const auto fired = w.trigger({event_type::node_data_changed, "/r/x/n7"});
  CHECK(fired.empty());
  const auto n7 = w.trigger({event_type::node_data_changed, "/n7"});
  REQUIRE(n7.size() == 1);
  CHECK(n7[0].conn == 1);
  CHECK(w.watch_count(1) == 999);
  w.remove_connection(1);
  CHECK(w.watch_count() == 0);
  CHECK(std::get<2>(w.data_watch_summary()) == 0);
}

// ----- items 11 and 2 ----------------------------------------------------------------------------

TEST_CASE("hostile/auth: a repeated addAuth adds its identity once (ip, digest, super)") {
  FakeEnv env;
  server::ServerConfig cfg = config();
  cfg.super_digest = data::digest_id("super:secret");
  server::ServerCore server(env, cfg);
  server.start();
  WireClient c(env, server, 1);
  c.connect();
  for (int i = 0; i < 50; ++i) {
    REQUIRE(c.call(op::auth, auth("ip", "")).err() == Err::ok);
    REQUIRE(c.call(op::auth, auth("digest", "bob:pw")).err() == Err::ok);
    REQUIRE(c.call(op::auth, auth("digest", "super:secret")).err() == Err::ok);
  }
  const auto who = who_am_i(c);
  CHECK(who.size() == 4);  // ip, digest bob, super, digest super
}

TEST_CASE("hostile/auth: more identities than maxAuthIdentitiesPerConnection fail with AUTHFAILED and close") {
  FakeEnv env;
  server::ServerConfig cfg = config();
  cfg.max_auth_identities = 4;
  server::ServerCore server(env, cfg);
  server.start();
  WireClient c(env, server, 1);
  c.connect();
  for (int i = 0; i < 3; ++i) CHECK(c.call(op::auth, auth("digest", "u" + std::to_string(i) + ":pw")).err() == Err::ok);
  CHECK(c.call(op::auth, auth("digest", "u3:pw")).err() == Err::auth_failed);
  CHECK(c.closed());
  CHECK(env.has_logged("maxAuthIdentitiesPerConnection is 4"));
}

TEST_CASE("hostile/auth: an oversized scheme or credential fails with AUTHFAILED, is logged with the connection, and closes") {
  for (const bool long_scheme : {false, true}) {
    FakeEnv env;
    server::ServerCore server(env, config());
    server.start();
    WireClient c(env, server, 1, "127.0.0.9:4242");
    c.connect();
    const auto packet = long_scheme ? auth(std::string(100, 's'), "x") : auth("digest", std::string(900000, 'u') + ":pw");
    CHECK(c.call(op::auth, packet).err() == Err::auth_failed);
    CHECK(c.closed());
    const std::string what = long_scheme ? "scheme of 100 bytes" : "auth data of 900003 bytes";
    CHECK(std::any_of(env.logs.begin(), env.logs.end(), [&](const std::string& l) {
      return l.find("127.0.0.9:4242") != std::string::npos && l.find(what) != std::string::npos && l.size() < 1024;
    }));
  }
}

// ----- item 9 ------------------------------------------------------------------------------------

TEST_CASE("hostile/address: connections are counted by address without the port, IPv4 and IPv6") {
  CHECK(data::address_of("127.0.0.1:5000") == "127.0.0.1");
  CHECK(data::address_of("[::1]:55044") == "::1");
  CHECK(data::address_of("[2001:db8::7]:1") == "2001:db8::7");
  FakeEnv env;
  server::ServerConfig cfg = config();
  cfg.max_client_cnxns = 2;
  server::ServerCore server(env, cfg);
  server.start();
  WireClient a(env, server, 1, "[::1]:50001");
  WireClient b(env, server, 2, "[::1]:50002");
  WireClient c(env, server, 3, "[::1]:50003");
  CHECK_FALSE(a.closed());
  CHECK_FALSE(b.closed());
  CHECK(c.closed());
  a.connect();
  const auto who = who_am_i(a);
  REQUIRE(who.size() == 1);
  CHECK(who[0].user == "::1");
}

TEST_CASE("hostile/address: the runtime names IPv6 endpoints bracketed and v4-mapped ones as IPv4") {
  using boost::asio::ip::make_address;
  using boost::asio::ip::tcp;
  const auto name = [](const char* ip, unsigned short port) {
    return runtime::endpoint_string(tcp::endpoint(make_address(ip), port));
  };
  CHECK(name("::1", 55044) == "[::1]:55044");
  CHECK(name("::ffff:10.1.2.3", 7) == "10.1.2.3:7");
  CHECK(name("127.0.0.1", 5) == "127.0.0.1:5");
  // What the core makes of them: one address per host, whatever the port.
  CHECK(data::address_of(name("::1", 1)) == data::address_of(name("::1", 2)));
  CHECK(data::address_of(name("::ffff:127.0.0.1", 9)) == "127.0.0.1");
}

// ----- item 10 -----------------------------------------------------------------------------------

TEST_CASE("hostile/logging: client text is escaped and bounded before it reaches a log line") {
  CHECK(util::loggable("plain /path") == "plain /path");
  CHECK(util::loggable("a\nb\r\tc\x01\x7f\\") == "a\\nb\\r\\tc\\x01\\x7f\\\\");
  CHECK(util::loggable("caf\xc3\xa9") == "caf\xc3\xa9");                      // UTF-8 kept
  CHECK(util::loggable("\xc3(\xff") == "\\xc3(\\xff");                         // not UTF-8
  CHECK(util::loggable("x\xe2\x80\xa8y\xc2\x85") == "x\\xe2\\x80\\xa8y\\xc2\\x85");  // U+2028, NEL
  CHECK(util::loggable(std::string(300, 'a')) == std::string(256, 'a') + "...(300 bytes)");
  CHECK(util::loggable(std::string(500000, '\n')).size() < 256 * 2 + 32);
  CHECK(util::one_line("a\nb\\c") == "a\\x0ab\\c");

  // An unknown scheme with a newline: the warning stays one line.
  FakeEnv env;
  server::ServerCore server(env, config());
  server.start();
  WireClient c(env, server, 1);
  c.connect();
  CHECK(c.call(op::auth, auth("evil\n2026-01-01T00:00:00.000Z INFO forged", "x")).err() == Err::auth_failed);
  for (const auto& line : env.logs) CHECK(line.find('\n') == std::string::npos);
  CHECK(env.has_logged("evil\\n2026"));
}
