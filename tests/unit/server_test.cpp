// The standalone server state machine, driven byte by byte through a FakeEnv: handshake,
// operations and their error codes, watches and their ordering, sessions on a fake clock.
#include <catch2/catch.hpp>

#include "core/data/acl.h"
#include "core/server/session_tracker.h"
#include "core/server/server_core.h"
#include "core/util/hex.h"
#include "tests/support/txn_builders.h"
#include "tests/support/wire_client.h"

using namespace zablab;
using test::FakeEnv;
using test::WireClient;

namespace {

server::ServerConfig test_config() {
  server::ServerConfig c;
  c.tick_time_ms = 2000;
  c.four_letter_words = {"srvr", "stat", "mntr"};
  return c;
}

jute::CreateRequest create_req(const std::string& path, std::int32_t flags = 0,
                               jute::Bytes data = std::string("data")) {
  return jute::CreateRequest{path, std::move(data), data::open_acl_unsafe(), flags};
}

struct Fixture {
  FakeEnv env;
  server::ServerCore server{env, test_config()};
  Fixture() { server.start(); }
};

}  // namespace

TEST_CASE("server/session: a new session gets an id, its 16-byte password and a clamped timeout") {
  Fixture f;
  WireClient c(f.env, f.server, 1);
  auto resp = c.connect(1000);
  CHECK(resp.time_out == 4000);  // clamped to 2 x tickTime
  CHECK(resp.session_id != 0);
  REQUIRE(resp.passwd.has_value());
  CHECK(*resp.passwd == server::SessionTracker::password_for(resp.session_id));
  CHECK(resp.has_read_only);
  WireClient c2(f.env, f.server, 2);
  CHECK(c2.connect(1'000'000).time_out == 40000);  // clamped to 20 x tickTime
}

TEST_CASE("server/session: the password is java.util.Random(id ^ 0xB3415C00), as every ZooKeeper computes it") {
  CHECK(util::hex_bytes(server::SessionTracker::password_for(1)) == "054cc74a37327db215e702e20c73f005");
  CHECK(util::hex_bytes(server::SessionTracker::password_for(0x1000001a2b3c4d5LL)) ==
        "75f7b92fa39dd98d12e9a0f471d573ff");
}

TEST_CASE("server/crud: create, getData, setData with versions, getChildren, delete") {
  Fixture f;
  WireClient c(f.env, f.server, 1);
  c.connect();
  auto created = c.call(op::create, create_req("/a"));
  REQUIRE(created.err() == Err::ok);
  CHECK(created.as<jute::CreateResponse>().path == "/a");
  const std::int64_t create_zxid = created.header.zxid;
  CHECK(create_zxid == 2);  // createSession took zxid 1

  auto got = c.call(op::get_data, jute::GetDataRequest{"/a", false});
  REQUIRE(got.err() == Err::ok);
  auto data = got.as<jute::GetDataResponse>();
  CHECK(data.data == jute::Bytes("data"));
  CHECK(data.stat.czxid == create_zxid);
  CHECK(data.stat.version == 0);

  CHECK(c.call(op::set_data, jute::SetDataRequest{"/a", std::string("x"), 5}).err() == Err::bad_version);
  auto set = c.call(op::set_data, jute::SetDataRequest{"/a", std::string("x"), 0});
  REQUIRE(set.err() == Err::ok);
  auto st = set.as<jute::SetDataResponse>().stat;
  CHECK(st.version == 1);
  CHECK(st.mzxid == set.header.zxid);
  CHECK(st.mzxid > st.czxid);

  c.call(op::create, create_req("/a/b"));
  auto kids = c.call(op::get_children2, jute::GetChildren2Request{"/a", false});
  REQUIRE(kids.err() == Err::ok);
  auto k = kids.as<jute::GetChildren2Response>();
  CHECK(k.children == std::vector<std::string>{"b"});
  CHECK(k.stat.num_children == 1);
  CHECK(k.stat.cversion == 1);

  CHECK(c.call(op::remove, jute::DeleteRequest{"/a", -1}).err() == Err::not_empty);
  CHECK(c.call(op::remove, jute::DeleteRequest{"/a/b", 3}).err() == Err::bad_version);
  CHECK(c.call(op::remove, jute::DeleteRequest{"/a/b", 0}).err() == Err::ok);
  CHECK(c.call(op::remove, jute::DeleteRequest{"/a", -1}).err() == Err::ok);
  CHECK(c.call(op::exists, jute::ExistsRequest{"/a", false}).err() == Err::no_node);
}

TEST_CASE("server/null data: null stays distinct from empty") {
  Fixture f;
  WireClient c(f.env, f.server, 1);
  c.connect();
  c.call(op::create, create_req("/null", 0, std::nullopt));
  c.call(op::create, create_req("/empty", 0, std::string()));
  CHECK_FALSE(c.call(op::get_data, jute::GetDataRequest{"/null", false}).as<jute::GetDataResponse>().data);
  CHECK(c.call(op::get_data, jute::GetDataRequest{"/empty", false}).as<jute::GetDataResponse>().data ==
        jute::Bytes(""));
}

TEST_CASE("server/sequential: %010d from the parent's counter, shared by prefixes, never reused") {
  Fixture f;
  WireClient c(f.env, f.server, 1);
  c.connect();
  c.call(op::create, create_req("/q"));
  CHECK(c.call(op::create, create_req("/q/job-", create_mode::persistent_sequential)).as<jute::CreateResponse>().path ==
        "/q/job-0000000000");
  CHECK(c.call(op::create, create_req("/q/x")).err() == Err::ok);
  auto third = c.call(op::create, create_req("/q/other-", create_mode::persistent_sequential));
  CHECK(third.as<jute::CreateResponse>().path == "/q/other-0000000002");
  c.call(op::remove, jute::DeleteRequest{"/q/other-0000000002", -1});
  CHECK(c.call(op::create, create_req("/q/job-", create_mode::persistent_sequential)).as<jute::CreateResponse>().path ==
        "/q/job-0000000003");
  // A trailing slash gives a bare number.
  CHECK(c.call(op::create, create_req("/q/", create_mode::persistent_sequential)).as<jute::CreateResponse>().path ==
        "/q/0000000004");
}

TEST_CASE("server/errors: ZooKeeper's codes, in ZooKeeper's check order") {
  Fixture f;
  WireClient c(f.env, f.server, 1);
  c.connect();
  CHECK(c.call(op::create, create_req("/a/b")).err() == Err::no_node);
  c.call(op::create, create_req("/a"));
  CHECK(c.call(op::create, create_req("/a")).err() == Err::node_exists);
  CHECK(c.call(op::create, create_req("/nothere/")).err() == Err::no_node);  // parent first
  CHECK(c.call(op::create, create_req("/a/")).err() == Err::bad_arguments);
  CHECK(c.call(op::create, create_req("/x", 99)).err() == Err::bad_arguments);
  CHECK(c.call(op::create, create_req("/ttl", create_mode::persistent_with_ttl)).err() == Err::unimplemented);
  CHECK(c.call(op::create, jute::CreateRequest{"/noacl", std::string(), {}, 0}).err() == Err::invalid_acl);
  // ACL is checked before the parent exists.
  CHECK(c.call(op::create, jute::CreateRequest{"/none/x", std::string(), {}, 0}).err() == Err::invalid_acl);
  c.call(op::create, create_req("/e", create_mode::ephemeral));
  CHECK(c.call(op::create, create_req("/e/child")).err() == Err::no_children_for_ephemerals);
  CHECK(c.call(op::remove, jute::DeleteRequest{"/zookeeper", -1}).err() == Err::bad_arguments);
  CHECK(c.call(op::remove, jute::DeleteRequest{"/", -1}).err() == Err::bad_arguments);
  CHECK(c.call(op::remove, jute::DeleteRequest{"/nope", -1}).err() == Err::no_node);
  // A failed write still consumes a zxid, as ZooKeeper logs an error txn.
  auto a = c.call(op::remove, jute::DeleteRequest{"/nope", -1});
  auto b = c.call(op::remove, jute::DeleteRequest{"/nope", -1});
  CHECK(b.header.zxid == a.header.zxid + 1);
}

TEST_CASE("server/acl: NoAuth until the client authenticates with digest") {
  Fixture f;
  WireClient owner(f.env, f.server, 1);
  owner.connect();
  CHECK(owner.call(op::auth, jute::AuthPacket{0, "digest", std::string("user:pass")}).err() == Err::ok);
  CHECK(owner.call(op::create, jute::CreateRequest{"/secret", std::string("s"), data::creator_all_acl(), 0}).err() ==
        Err::ok);
  WireClient other(f.env, f.server, 2);
  other.connect();
  CHECK(other.call(op::get_data, jute::GetDataRequest{"/secret", false}).err() == Err::no_auth);
  CHECK(other.call(op::set_data, jute::SetDataRequest{"/secret", std::string("x"), -1}).err() == Err::no_auth);
  auto acl = other.call(op::get_acl, jute::GetACLRequest{"/secret"});
  CHECK(acl.err() == Err::no_auth);
  other.call(op::auth, jute::AuthPacket{0, "digest", std::string("user:pass")});
  CHECK(other.call(op::get_data, jute::GetDataRequest{"/secret", false}).err() == Err::ok);
  auto got = owner.call(op::get_acl, jute::GetACLRequest{"/secret"}).as<jute::GetACLResponse>();
  REQUIRE(got.acl.size() == 1);
  CHECK(got.acl[0].id.id == "user:smGaoVKd/cQkjm7b88GyorAUz20=");
  // An unknown scheme fails the auth and closes the connection.
  WireClient third(f.env, f.server, 3);
  third.connect();
  CHECK(third.call(op::auth, jute::AuthPacket{0, "kerberos", std::string("x")}).err() == Err::auth_failed);
  CHECK(third.closed());
}

TEST_CASE("server/watches: the event reaches the client before the reply of the write that caused it") {
  Fixture f;
  WireClient c(f.env, f.server, 1);
  c.connect();
  c.call(op::create, create_req("/w"));
  c.call(op::get_data, jute::GetDataRequest{"/w", true});
  c.send(op::set_data, jute::SetDataRequest{"/w", std::string("new"), -1});
  auto frames = c.replies();
  REQUIRE(frames.size() == 2);
  CHECK(frames[0].header.xid == xid::notification);
  auto event = frames[0].as<jute::WatcherEvent>();
  CHECK(event.type == event_type::node_data_changed);
  CHECK(event.state == keeper_state::sync_connected);
  CHECK(event.path == "/w");
  CHECK(frames[1].err() == Err::ok);
  // One-shot: a second change fires nothing.
  c.send(op::set_data, jute::SetDataRequest{"/w", std::string("again"), -1});
  CHECK(c.replies().size() == 1);
}

TEST_CASE("server/watches: exists on a missing node, child watches, and NodeDeleted to both tables") {
  Fixture f;
  WireClient watcher(f.env, f.server, 1);
  watcher.connect();
  WireClient writer(f.env, f.server, 2);
  writer.connect();
  CHECK(watcher.call(op::exists, jute::ExistsRequest{"/later", true}).err() == Err::no_node);
  writer.call(op::create, create_req("/later"));
  auto events = watcher.replies();
  REQUIRE(events.size() == 1);
  CHECK(events[0].as<jute::WatcherEvent>().type == event_type::node_created);

  watcher.call(op::get_children, jute::GetChildrenRequest{"/later", true});
  watcher.call(op::get_data, jute::GetDataRequest{"/later", true});
  writer.call(op::create, create_req("/later/kid"));
  events = watcher.replies();
  REQUIRE(events.size() == 1);
  CHECK(events[0].as<jute::WatcherEvent>().type == event_type::node_children_changed);
  watcher.call(op::get_children, jute::GetChildrenRequest{"/later", true});
  writer.call(op::remove, jute::DeleteRequest{"/later/kid", -1});
  watcher.replies();
  watcher.call(op::get_children, jute::GetChildrenRequest{"/later", true});
  writer.call(op::remove, jute::DeleteRequest{"/later", -1});
  events = watcher.replies();
  REQUIRE(events.size() == 1);  // one NodeDeleted per connection, though both tables had a watch
  CHECK(events[0].as<jute::WatcherEvent>().type == event_type::node_deleted);
}

TEST_CASE("server/watches: persistent recursive watches see every change below, never ChildrenChanged") {
  Fixture f;
  WireClient watcher(f.env, f.server, 1);
  watcher.connect();
  WireClient writer(f.env, f.server, 2);
  writer.connect();
  writer.call(op::create, create_req("/r"));
  CHECK(watcher.call(op::add_watch, jute::AddWatchRequest{"/r", add_watch_mode::persistent_recursive}).err() ==
        Err::ok);
  writer.call(op::create, create_req("/r/a"));
  writer.call(op::set_data, jute::SetDataRequest{"/r/a", std::string("1"), -1});
  writer.call(op::set_data, jute::SetDataRequest{"/r/a", std::string("2"), -1});
  auto events = watcher.replies();
  REQUIRE(events.size() == 3);
  CHECK(events[0].as<jute::WatcherEvent>().type == event_type::node_created);
  CHECK(events[1].as<jute::WatcherEvent>().path == "/r/a");
  CHECK(events[2].as<jute::WatcherEvent>().type == event_type::node_data_changed);
  CHECK(watcher.call(op::remove_watches, jute::RemoveWatchesRequest{"/r", watcher_type::any}).err() == Err::ok);
  CHECK(watcher.call(op::remove_watches, jute::RemoveWatchesRequest{"/r", watcher_type::any}).err() ==
        Err::no_watcher);
}

TEST_CASE("server/setWatches: a reconnecting client learns what it missed since its last zxid") {
  Fixture f;
  WireClient c(f.env, f.server, 1);
  c.connect();
  c.call(op::create, create_req("/s"));
  const std::int64_t seen = c.call(op::exists, jute::ExistsRequest{"/s", false}).header.zxid;
  c.call(op::set_data, jute::SetDataRequest{"/s", std::string("changed"), -1});
  c.send(op::set_watches, jute::SetWatches{seen, {"/s"}, {"/missing"}, {}}, xid::set_watches);
  auto frames = c.replies();
  REQUIRE(frames.size() == 2);
  CHECK(frames[0].as<jute::WatcherEvent>().type == event_type::node_data_changed);
  CHECK(frames[1].header.xid == xid::set_watches);
}

TEST_CASE("server/sessions: expiry on the fake clock deletes ephemerals and tells watchers") {
  Fixture f;
  WireClient owner(f.env, f.server, 1);
  auto session = owner.connect(4000);
  owner.call(op::create, create_req("/eph", create_mode::ephemeral));
  WireClient watcher(f.env, f.server, 2);
  watcher.connect(40000);
  watcher.call(op::exists, jute::ExistsRequest{"/eph", true});

  // Pings keep it alive...
  for (int i = 0; i < 5; ++i) {
    f.env.advance(f.server, 2000);
    watcher.send_header(op::ping, xid::ping);
    owner.send_header(op::ping, xid::ping);
  }
  CHECK(f.server.tree().find("/eph") != nullptr);
  // ...silence past the timeout expires it.
  f.env.advance(f.server, 4000);
  watcher.replies();
  f.env.advance(f.server, 2500);
  CHECK(f.server.tree().find("/eph") == nullptr);
  CHECK(owner.closed());
  auto events = watcher.replies();
  REQUIRE_FALSE(events.empty());
  CHECK(events.back().as<jute::WatcherEvent>().type == event_type::node_deleted);
  // Reconnecting with the old id gets the expired answer: timeout 0, then close.
  WireClient again(f.env, f.server, 3);
  auto resp = again.connect(4000, session.session_id, *session.passwd);
  CHECK(resp.time_out == 0);
  CHECK(resp.session_id == 0);
  CHECK(again.closed());
}

TEST_CASE("server/sessions: reconnect keeps the session; a wrong password is refused") {
  Fixture f;
  WireClient first(f.env, f.server, 1);
  auto s = first.connect(10000);
  first.call(op::create, create_req("/mine", create_mode::ephemeral));
  WireClient wrong(f.env, f.server, 2);
  CHECK(wrong.connect(10000, s.session_id, std::string(16, 'x')).time_out == 0);
  CHECK(wrong.closed());
  WireClient second(f.env, f.server, 3);
  auto again = second.connect(10000, s.session_id, *s.passwd, 2);
  CHECK(again.session_id == s.session_id);
  CHECK(again.time_out == 10000);
  CHECK(first.closed());  // the old connection of the session is closed
  CHECK(f.server.tree().find("/mine") != nullptr);
  // A client that has seen a newer zxid than the server is sent away.
  WireClient future(f.env, f.server, 4);
  future.connect(10000, s.session_id, *s.passwd, 1000);
  CHECK(future.closed());
}

TEST_CASE("server/closeSession: answered, then the ephemerals are gone and the connection closed") {
  Fixture f;
  WireClient c(f.env, f.server, 1);
  c.connect();
  c.call(op::create, create_req("/bye", create_mode::ephemeral_sequential));
  c.send_header(op::close_session);
  auto frames = c.replies();
  REQUIRE(frames.size() == 1);
  CHECK(frames[0].err() == Err::ok);
  CHECK(c.closed());
  CHECK(f.server.tree().ephemeral_count() == 0);
  CHECK(f.server.sessions().sessions().empty());
}

namespace {
std::string multi_body(const std::vector<std::pair<std::int32_t, std::string>>& ops) {
  return test::multi_request_body(ops);
}
}  // namespace

TEST_CASE("server/multi: all or nothing, with ZooKeeper's per-op results") {
  Fixture f;
  WireClient c(f.env, f.server, 1);
  c.connect();
  c.call(op::create, create_req("/m"));
  const std::string failing = multi_body({{op::create, jute::encode(create_req("/m/a"))},
                                          {op::check, jute::encode(jute::CheckVersionRequest{"/m", 7})},
                                          {op::remove, jute::encode(jute::DeleteRequest{"/m", -1})}});
  jute::Writer w;
  jute::write(w, jute::RequestHeader{50, op::multi});
  w.raw(failing);
  c.send_raw(jute::frame(w.data()));
  auto rep = c.replies();
  REQUIRE(rep.size() == 1);
  CHECK(rep[0].err() == Err::ok);  // the header err stays 0 for a failed multi
  jute::Reader r(rep[0].body);
  std::vector<std::int32_t> errs;
  for (int i = 0; i < 3; ++i) {
    jute::MultiHeader h;
    jute::read(r, h);
    CHECK(h.type == op::error);
    jute::ErrorResponse e;
    jute::read(r, e);
    errs.push_back(e.err);
  }
  CHECK(errs == std::vector<std::int32_t>{0, -103, -2});
  CHECK(f.server.tree().find("/m/a") == nullptr);

  const std::string good = multi_body({{op::create, jute::encode(create_req("/m/a"))},
                                       {op::set_data, jute::encode(jute::SetDataRequest{"/m/a", std::string("v"), 0})},
                                       {op::check, jute::encode(jute::CheckVersionRequest{"/m/a", 1})}});
  jute::Writer w2;
  jute::write(w2, jute::RequestHeader{51, op::multi});
  w2.raw(good);
  c.send_raw(jute::frame(w2.data()));
  rep = c.replies();
  REQUIRE(rep.size() == 1);
  jute::Reader r2(rep[0].body);
  jute::MultiHeader h;
  jute::read(r2, h);
  CHECK(h.type == op::create);
  jute::CreateResponse created;
  jute::read(r2, created);
  CHECK(created.path == "/m/a");
  CHECK(f.server.tree().find("/m/a")->stat.version == 1);
}

TEST_CASE("server/bad input: an oversized frame closes only that connection") {
  Fixture f;
  WireClient good(f.env, f.server, 1);
  good.connect();
  WireClient bad(f.env, f.server, 2);
  bad.connect();
  jute::Writer w;
  w.i32(0x100000);  // 1 MiB > jute.maxbuffer (1 MiB - 1)
  bad.send_raw(w.data());
  CHECK(bad.closed());
  CHECK(f.env.has_logged("exceeds jute.maxbuffer"));
  CHECK(good.call(op::create, create_req("/still-fine")).err() == Err::ok);
}

TEST_CASE("server/bad input: a malformed body gets MarshallingError; an unknown opcode Unimplemented and close") {
  Fixture f;
  WireClient c(f.env, f.server, 1);
  c.connect();
  jute::Writer w;
  jute::write(w, jute::RequestHeader{9, op::get_data});
  w.i32(100);  // a path length with no path behind it
  c.send_raw(jute::frame(w.data()));
  auto rep = c.replies();
  REQUIRE(rep.size() == 1);
  CHECK(rep[0].err() == Err::marshalling_error);
  CHECK(rep[0].body.empty());
  CHECK_FALSE(c.closed());
  c.send_header(999);
  rep = c.replies();
  REQUIRE(rep.size() == 1);
  CHECK(rep[0].err() == Err::unimplemented);
  CHECK(c.closed());
  // A garbage ConnectRequest closes without an answer.
  WireClient g(f.env, f.server, 2);
  g.send_raw(jute::frame("xx"));
  CHECK(g.closed());
}

TEST_CASE("server/4lw: srvr answers; a word outside the whitelist says so") {
  Fixture f;
  f.server.on_client_connected(7, "127.0.0.1:1");
  f.server.on_client_bytes(7, "srvr");
  CHECK(f.env.out[7].rfind("Zookeeper version: ", 0) == 0);
  CHECK(f.env.out[7].find("Mode: standalone\n") != std::string::npos);
  CHECK(f.env.closed.count(7));
  f.server.on_client_connected(8, "127.0.0.1:2");
  f.server.on_client_bytes(8, "ruok");
  CHECK(f.env.out[8] == "ruok is not executed because it is not in the whitelist.\n");
}

TEST_CASE("server/reads: getAllChildrenNumber, getEphemerals, whoAmI, sync") {
  Fixture f;
  WireClient c(f.env, f.server, 1);
  c.connect();
  c.call(op::create, create_req("/n"));
  c.call(op::create, create_req("/n/a", create_mode::ephemeral));
  c.call(op::create, create_req("/n/b"));
  CHECK(c.call(op::get_all_children_number, jute::GetAllChildrenNumberRequest{"/n"})
            .as<jute::GetAllChildrenNumberResponse>()
            .total_number == 2);
  CHECK(c.call(op::get_ephemerals, jute::GetEphemeralsRequest{"/n"}).as<jute::GetEphemeralsResponse>().ephemerals ==
        std::vector<std::string>{"/n/a"});
  auto who = c.call(op::sync, jute::SyncRequest{"/n"});
  CHECK(who.as<jute::SyncResponse>().path == "/n");
  c.send_header(op::who_am_i);
  auto me = c.replies().back().as<jute::WhoAmIResponse>();
  REQUIRE(me.client_info.size() == 1);
  CHECK(me.client_info[0].auth_scheme == "ip");
  CHECK(me.client_info[0].user == "127.0.0.1");
}

TEST_CASE("server/containers: an emptied container is reaped; a never-used one stays") {
  FakeEnv env;
  auto cfg = test_config();
  cfg.container_check_interval_ms = 1000;
  server::ServerCore s(env, cfg);
  s.start();
  WireClient c(env, s, 1);
  c.connect();
  CHECK(c.call(op::create_container, create_req("/c", create_mode::container)).err() == Err::ok);
  CHECK(c.call(op::create_container, create_req("/unused", create_mode::container)).err() == Err::ok);
  c.call(op::create, create_req("/c/x"));
  c.call(op::remove, jute::DeleteRequest{"/c/x", -1});
  env.advance(s, 1500);
  CHECK(s.tree().find("/c") == nullptr);
  CHECK(s.tree().find("/unused") != nullptr);
}
