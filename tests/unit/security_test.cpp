// Security of the standalone server (docs/hardening.md): ACL checks on every path a client can
// learn something through (reads, multiRead, multi, watches of every kind, setWatches), digest
// passwords never in a log line or trace, the four-letter-word whitelist, super only from config.
#include <catch2/catch.hpp>

#include <algorithm>

#include "core/data/acl.h"
#include "core/server/server_core.h"
#include "tests/support/wire_client.h"

using namespace zablab;
using test::FakeEnv;
using test::WireClient;
using test::events_of;

namespace {

server::ServerConfig config_with(std::string super_digest = {}) {
  server::ServerConfig c;
  c.tick_time_ms = 2000;
  c.super_digest = std::move(super_digest);
  return c;
}

struct Fixture {
  explicit Fixture(server::ServerConfig config = config_with()) : server(env, config) { server.start(); }
  FakeEnv env;
  server::ServerCore server;
};

jute::CreateRequest create_req(const std::string& path, data::Acl acl = data::open_acl_unsafe()) {
  return jute::CreateRequest{path, std::string("payload"), std::move(acl), 0};
}

std::string multi_frame(std::int32_t xid, std::int32_t type,
                        const std::vector<std::pair<std::int32_t, std::string>>& ops) {
  jute::Writer w;
  jute::write(w, jute::RequestHeader{xid, type});
  for (const auto& [t, body] : ops) {
    jute::write(w, jute::MultiHeader{t, false, -1});
    w.raw(body);
  }
  jute::write(w, jute::MultiHeader{-1, true, -1});
  return jute::frame(w.data());
}

// An owner (digest alice) with /secret readable only by alice, /open readable by all, and an
// outsider without credentials.
struct Scene : Fixture {
  Scene() : owner(env, server, 1), outsider(env, server, 2, "127.0.0.2:40000") {
    owner.connect();
    outsider.connect();
    REQUIRE(owner.call(op::auth, jute::AuthPacket{0, "digest", std::string("alice:pw-alice")}).err() == Err::ok);
    REQUIRE(owner.call(op::create, create_req("/secret", data::creator_all_acl())).err() == Err::ok);
    REQUIRE(owner.call(op::create, create_req("/open")).err() == Err::ok);
  }
  WireClient owner;
  WireClient outsider;
};

}  // namespace

TEST_CASE("security/watches: a read refused by the ACL sets no watch (getData, exists, getChildren, multiRead)") {
  Scene s;
  CHECK(s.outsider.call(op::get_data, jute::GetDataRequest{"/secret", true}).err() == Err::no_auth);
  CHECK(s.outsider.call(op::exists, jute::ExistsRequest{"/secret", true}).err() == Err::no_auth);
  CHECK(s.outsider.call(op::get_children, jute::GetChildrenRequest{"/secret", true}).err() == Err::no_auth);
  s.env.out[2].clear();
  s.outsider.send_raw(multi_frame(40, op::multi_read,
                                  {{op::get_data, jute::encode(jute::GetDataRequest{"/secret", true})},
                                   {op::get_children, jute::encode(jute::GetChildrenRequest{"/secret", true})}}));
  auto rep = s.outsider.replies();
  REQUIRE(rep.size() == 1);
  jute::Reader r(rep[0].body);
  for (int i = 0; i < 2; ++i) {
    jute::MultiHeader h;
    jute::read(r, h);
    CHECK(h.type == op::error);
    CHECK(h.err == static_cast<std::int32_t>(Err::no_auth));
    jute::ErrorResponse e;
    jute::read(r, e);
  }
  CHECK(s.server.watches().watch_count(2) == 0);
  // So the owner's changes tell the outsider nothing.
  s.owner.call(op::set_data, jute::SetDataRequest{"/secret", std::string("new"), -1});
  s.owner.call(op::create, create_req("/secret/kid", data::creator_all_acl()));
  s.owner.call(op::remove, jute::DeleteRequest{"/secret/kid", -1});
  s.owner.call(op::remove, jute::DeleteRequest{"/secret", -1});
  CHECK(s.outsider.replies().empty());
}

TEST_CASE("security/watches: persistent watches tell only about nodes the watcher may READ") {
  for (const std::int32_t mode : {add_watch_mode::persistent_recursive, add_watch_mode::persistent}) {
    Scene s;
    // addWatch itself is not checked (as in ZooKeeper: the path may not even exist yet).
    const std::string root = mode == add_watch_mode::persistent ? "/secret" : "/";
    CHECK(s.outsider.call(op::add_watch, jute::AddWatchRequest{root, mode}).err() == Err::ok);
    s.owner.call(op::set_data, jute::SetDataRequest{"/secret", std::string("v2"), -1});
    s.owner.call(op::create, create_req("/secret/hidden-name", data::creator_all_acl()));
    s.owner.call(op::set_data, jute::SetDataRequest{"/secret/hidden-name", std::string("x"), -1});
    s.owner.call(op::remove, jute::DeleteRequest{"/secret/hidden-name", -1});
    CHECK(events_of(s.outsider.replies()).empty());
    // What it may read it hears about, with the same watch.
    s.owner.call(op::set_acl, jute::SetACLRequest{"/secret", data::open_acl_unsafe(), -1});
    s.owner.call(op::set_data, jute::SetDataRequest{"/secret", std::string("v3"), -1});
    auto events = events_of(s.outsider.replies());
    REQUIRE(events.size() == 1);
    CHECK(events[0].path == "/secret");
    CHECK(events[0].type == event_type::node_data_changed);
    // The owner, who may read everything, heard nothing because it set no watch; give it one.
    CHECK(s.owner.call(op::add_watch, jute::AddWatchRequest{"/", add_watch_mode::persistent_recursive}).err() ==
          Err::ok);
    s.owner.send(op::create, create_req("/open/kid", data::creator_all_acl()));
    events = events_of(s.owner.replies());
    REQUIRE(events.size() == 1);
    CHECK(events[0].path == "/open/kid");
    if (mode == add_watch_mode::persistent_recursive) {
      CHECK(events_of(s.outsider.replies()).empty());  // /open/kid is alice's only
      // A NodeDeleted is checked against the ACL the node had.
      s.owner.call(op::create, create_req("/open/public"));
      s.owner.call(op::remove, jute::DeleteRequest{"/open/public", -1});
      events = events_of(s.outsider.replies());
      REQUIRE(events.size() == 2);
      CHECK(events[1].type == event_type::node_deleted);
      CHECK(events[1].path == "/open/public");
    }
  }
}

TEST_CASE("security/watches: an ephemeral's NodeDeleted at session close follows its ACL") {
  Scene s;
  WireClient holder(s.env, s.server, 3, "127.0.0.3:1");
  holder.connect();
  holder.call(op::auth, jute::AuthPacket{0, "digest", std::string("bob:pw-bob")});
  REQUIRE(holder.call(op::create, jute::CreateRequest{"/open/eph", std::string(), data::creator_all_acl(),
                                                      create_mode::ephemeral})
              .err() == Err::ok);
  CHECK(s.outsider.call(op::add_watch, jute::AddWatchRequest{"/open", add_watch_mode::persistent_recursive}).err() ==
        Err::ok);
  holder.send_header(op::close_session);
  s.env.complete_disk(s.server);
  CHECK(s.server.tree().find("/open/eph") == nullptr);
  CHECK(events_of(s.outsider.replies()).empty());
}

TEST_CASE("security/watches: setWatches re-arms nothing and tells nothing about unreadable nodes") {
  Scene s;
  s.owner.call(op::set_data, jute::SetDataRequest{"/secret", std::string("changed"), -1});
  // A client that reconnects claiming old watches on /secret (zxid 0: it "missed" every change).
  s.outsider.send(op::set_watches, jute::SetWatches{0, {"/secret"}, {"/secret"}, {"/secret"}}, xid::set_watches);
  auto rep = s.outsider.replies();
  REQUIRE(rep.size() == 1);
  CHECK(rep[0].header.xid == xid::set_watches);
  CHECK(rep[0].err() == Err::ok);
  CHECK(s.server.watches().watch_count(2) == 0);
  s.owner.call(op::set_data, jute::SetDataRequest{"/secret", std::string("again"), -1});
  CHECK(s.outsider.replies().empty());
  // A readable node is re-armed as before.
  s.outsider.send(op::set_watches, jute::SetWatches{std::int64_t{1} << 40, {"/open"}, {}, {}}, xid::set_watches);
  s.outsider.replies();
  s.owner.call(op::set_data, jute::SetDataRequest{"/open", std::string("x"), -1});
  CHECK(events_of(s.outsider.replies()).size() == 1);
}

TEST_CASE("security/multi: every op of a multi is checked; one refusal fails it whole") {
  Scene s;
  s.owner.call(op::create, create_req("/ro", data::read_acl_unsafe()));
  s.outsider.send_raw(multi_frame(41, op::multi,
                                  {{op::create, jute::encode(create_req("/open/fine"))},
                                   {op::create, jute::encode(create_req("/ro/child"))}}));
  auto rep = s.outsider.replies();
  REQUIRE(rep.size() == 1);
  jute::Reader r(rep[0].body);
  jute::MultiHeader h;
  jute::read(r, h);
  CHECK(h.type == op::error);
  jute::ErrorResponse first;
  jute::read(r, first);
  CHECK(first.err == 0);  // ZooKeeper's result for an op before the one that failed
  jute::read(r, h);
  CHECK(h.type == op::error);
  jute::ErrorResponse second;
  jute::read(r, second);
  CHECK(second.err == static_cast<std::int32_t>(Err::no_auth));
  CHECK(s.server.tree().find("/open/fine") == nullptr);
  CHECK(s.server.tree().find("/ro/child") == nullptr);
  // setData / delete / check inside a multi too.
  s.outsider.send_raw(multi_frame(42, op::multi,
                                  {{op::set_data, jute::encode(jute::SetDataRequest{"/secret", std::string("x"), -1})}}));
  rep = s.outsider.replies();
  REQUIRE(rep.size() == 1);
  jute::Reader r2(rep[0].body);
  jute::read(r2, h);
  CHECK(h.type == op::error);
  CHECK(h.err == static_cast<std::int32_t>(Err::no_auth));
}

TEST_CASE("security/logging: digest passwords never reach a log line or a trace event") {
  Fixture f(config_with(data::digest_id("super:pw-super")));
  f.env.logs.clear();
  WireClient c(f.env, f.server, 1);
  c.connect();
  c.call(op::auth, jute::AuthPacket{0, "digest", std::string("carol:pw-carol")});
  c.call(op::auth, jute::AuthPacket{0, "digest", std::string("super:pw-super")});
  c.call(op::create, jute::CreateRequest{"/c", std::string("d"), data::creator_all_acl(), 0});
  c.call(op::set_acl, jute::SetACLRequest{"/c", data::creator_all_acl(), -1});
  c.call(op::get_data, jute::GetDataRequest{"/c", true});
  WireClient d(f.env, f.server, 2, "127.0.0.2:1");
  d.connect();
  d.call(op::auth, jute::AuthPacket{0, "digest", std::string("dave:pw-dave")});
  d.call(op::get_data, jute::GetDataRequest{"/c", false});
  // Malformed and refused auth packets are logged; their credentials must not be.
  jute::Writer w;
  jute::write(w, jute::RequestHeader{xid::auth, op::auth});
  w.i32(0);
  w.bytes(std::string_view("digest"));
  w.i32(1000);  // a credential length with too few bytes behind it
  w.raw("pw-broken");
  d.send_raw(jute::frame(w.data()));
  d.call(op::auth, jute::AuthPacket{0, "sasl-unknown", std::string("pw-unknown-scheme")});
  CHECK(d.closed());
  REQUIRE_FALSE(f.env.logs.empty());
  for (const char* secret : {"pw-carol", "pw-super", "pw-dave", "pw-broken", "pw-unknown-scheme"}) {
    INFO(secret);
    for (const auto& line : f.env.logs) CHECK(line.find(secret) == std::string::npos);
    for (const auto& t : f.env.traces) CHECK(t.detail.find(secret) == std::string::npos);
  }
  CHECK(f.env.has_logged("no authentication provider for scheme 'sasl-unknown'"));
}

TEST_CASE("security/super: super comes only from the configured digest") {
  SECTION("no superDigest configured: digest super:anything is just a user called super") {
    Fixture f;
    WireClient owner(f.env, f.server, 1);
    owner.connect();
    owner.call(op::auth, jute::AuthPacket{0, "digest", std::string("alice:pw")});
    owner.call(op::create, create_req("/mine", data::creator_all_acl()));
    WireClient c(f.env, f.server, 2, "127.0.0.2:1");
    c.connect();
    CHECK(c.call(op::auth, jute::AuthPacket{0, "digest", std::string("super:test")}).err() == Err::ok);
    CHECK(c.call(op::get_data, jute::GetDataRequest{"/mine", false}).err() == Err::no_auth);
  }
  SECTION("configured: only the right password is super") {
    Fixture f(config_with(data::digest_id("super:test")));
    WireClient owner(f.env, f.server, 1);
    owner.connect();
    owner.call(op::auth, jute::AuthPacket{0, "digest", std::string("alice:pw")});
    owner.call(op::create, create_req("/mine", data::creator_all_acl()));
    WireClient wrong(f.env, f.server, 2, "127.0.0.2:1");
    wrong.connect();
    wrong.call(op::auth, jute::AuthPacket{0, "digest", std::string("super:guess")});
    CHECK(wrong.call(op::get_data, jute::GetDataRequest{"/mine", false}).err() == Err::no_auth);
    WireClient right(f.env, f.server, 3, "127.0.0.3:1");
    right.connect();
    right.call(op::auth, jute::AuthPacket{0, "digest", std::string("super:test")});
    CHECK(right.call(op::get_data, jute::GetDataRequest{"/mine", false}).err() == Err::ok);
  }
  SECTION("the super scheme itself cannot be claimed by a client") {
    Fixture f(config_with(data::digest_id("super:test")));
    WireClient c(f.env, f.server, 1);
    c.connect();
    CHECK(c.call(op::auth, jute::AuthPacket{0, "super", std::string("")}).err() == Err::auth_failed);
    CHECK(c.closed());
  }
}

TEST_CASE("security/4lw: by default only srvr answers; the words that reveal or reset are refused") {
  Fixture f;  // the default whitelist
  ConnId id = 10;
  for (const std::string word : {"dump", "wchc", "wchp", "wchs", "cons", "conf", "envi", "crst", "srst", "stat",
                                 "mntr", "ruok", "dirs", "isro"}) {
    INFO(word);
    f.server.on_client_connected(id, "127.0.0.1:1");
    f.server.on_client_bytes(id, word);
    CHECK(f.env.out[id] == word + " is not executed because it is not in the whitelist.\n");
    CHECK(f.env.closed.count(id));
    ++id;
  }
  f.server.on_client_connected(id, "127.0.0.1:1");
  f.server.on_client_bytes(id, "srvr");
  CHECK(f.env.out[id].rfind("Zookeeper version: ", 0) == 0);
}
