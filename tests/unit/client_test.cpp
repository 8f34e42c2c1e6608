// The sans-I/O client (core/client) against the real standalone server state machine, both on
// one manual clock (tests/unit/client_fake.h): handshake, CRUD, watches, reconnects that keep the
// session and re-arm watches, expiry, pings over virtual minutes, queued requests, hostile bytes.
#include <catch2/catch.hpp>

#include <algorithm>

#include "core/data/acl.h"
#include "core/util/prng.h"
#include "tests/unit/client_fake.h"

using namespace zablab;
using client::Client;
using client::State;
using client::WatchedEvent;
using test::ClientWorld;
using test::Got;
using test::GotErr;

namespace {

client::ClientOptions options_for(std::string host = "s1:2181", std::int32_t timeout_ms = 10000) {
  client::ClientOptions o;
  o.hosts = {std::move(host)};
  o.session_timeout_ms = timeout_ms;
  o.shuffle_hosts = false;
  return o;
}

// Records everything a watcher hears.
struct Recorder {
  std::vector<WatchedEvent> events;
  client::Watcher watcher = client::make_watcher([this](const WatchedEvent& e) { events.push_back(e); });
  std::size_t count(std::int32_t type, const std::string& path) const {
    return static_cast<std::size_t>(std::count_if(events.begin(), events.end(), [&](const WatchedEvent& e) {
      return e.type == type && e.path == path;
    }));
  }
};

// A started client that reached CONNECTED.
Client& connected_client(ClientWorld& w, client::ClientOptions o = options_for()) {
  Client& c = w.add_client(std::move(o));
  c.start();
  REQUIRE(w.run_until([&] { return c.state() == State::connected; }, 1000));
  return c;
}

// Synchronous helpers: issue, run until answered.
template <class T>
client::Result<T> wait(ClientWorld& w, Got<T>& got) {
  REQUIRE(w.run_until([&] { return got.done; }, 60'000));
  return got.result;
}

Err create(ClientWorld& w, Client& c, const std::string& path, jute::Bytes data = std::string("x"),
           std::int32_t flags = 0) {
  Got<client::CreateResult> got;
  c.create(path, std::move(data), data::open_acl_unsafe(), flags, got.cb());
  return wait(w, got).err;
}

Err set(ClientWorld& w, Client& c, const std::string& path, const std::string& data, std::int32_t version = -1) {
  Got<jute::Stat> got;
  c.set_data(path, data, version, got.cb());
  return wait(w, got).err;
}

Err remove(ClientWorld& w, Client& c, const std::string& path, std::int32_t version = -1) {
  GotErr got;
  c.remove(path, version, got.cb());
  REQUIRE(w.run_until([&] { return got.done; }));
  return got.err;
}

client::Result<jute::GetDataResponse> get(ClientWorld& w, Client& c, const std::string& path,
                                          client::Watcher watcher = nullptr) {
  Got<jute::GetDataResponse> got;
  c.get_data(path, std::move(watcher), got.cb());
  return wait(w, got);
}

std::size_t count_sent(ClientWorld& w, Client& c, std::int32_t xid, std::int32_t type) {
  auto h = w.sent_headers(c);
  return static_cast<std::size_t>(std::count(h.begin(), h.end(), std::make_pair(xid, type)));
}

}  // namespace

// ------------------------------------------------------------------------------------ session

TEST_CASE("client/session: start connects, negotiates the timeout and reports CONNECTED") {
  ClientWorld w;
  w.add_server("s1:2181");
  Client& c = w.add_client(options_for("s1:2181", 100000));  // clamped to 20 x tickTime
  std::vector<State> states;
  c.add_state_listener([&](State s) { states.push_back(s); });
  Recorder def;
  c.set_default_watcher(def.watcher);
  CHECK(c.state() == State::idle);
  c.start();
  CHECK(c.state() == State::connecting);
  w.run_for(10);
  REQUIRE(c.state() == State::connected);
  CHECK(c.session_id() != 0);
  CHECK(c.session_password().size() == 16);
  CHECK(c.negotiated_timeout_ms() == 40000);
  CHECK(c.connected_host() == "s1:2181");
  CHECK(states == std::vector<State>{State::connecting, State::connected});
  REQUIRE(def.events.size() == 1);
  CHECK(def.events[0] == WatchedEvent{event_type::none, keeper_state::sync_connected, ""});
  CHECK(w.server("s1:2181").sessions().find(c.session_id()) != nullptr);
  CHECK(c.last_zxid() == 0);  // the ConnectResponse carries no zxid
}

TEST_CASE("client/session: requests issued before the session exists wait for it") {
  ClientWorld w;
  w.add_server("s1:2181");
  Client& c = w.add_client(options_for());
  Got<client::CreateResult> got;
  c.create("/early", std::string("x"), data::open_acl_unsafe(), 0, got.cb());  // before start()
  CHECK(c.queued_count() == 1);
  c.start();
  CHECK(wait(w, got).err == Err::ok);
  CHECK(got.value().path == "/early");
}

TEST_CASE("client/session: unreachable hosts are skipped round robin") {
  ClientWorld w;
  w.add_server("s1:2181");
  w.set_down("down:1", true);
  auto o = options_for();
  o.hosts = {"down:1", "nowhere:2", "s1:2181"};
  Client& c = w.add_client(o);
  c.start();
  REQUIRE(w.run_until([&] { return c.state() == State::connected; }, 5000));
  CHECK(c.connected_host() == "s1:2181");
  CHECK(c.stats().connect_attempts == 3);
}

TEST_CASE("client/session: fail_queued_after_failed_round fails waiting requests once every host failed") {
  ClientWorld w;
  w.set_down("a:1", true);
  w.set_down("b:1", true);
  auto o = options_for();
  o.hosts = {"a:1", "b:1"};
  o.fail_queued_after_failed_round = true;
  o.reconnect_jitter_ms = 0;
  o.round_delay_ms = 1000;
  Client& c = w.add_client(o);
  c.start();
  Got<jute::Stat> got;
  c.exists("/", nullptr, got.cb());
  w.run_for(1);
  CHECK_FALSE(got.done);  // a refused, b not tried yet
  w.run_for(1);
  CHECK(got.done);
  CHECK(got.err() == Err::connection_loss);
  CHECK(c.state() == State::connecting);
  // Without the option the request waits for a server.
  ClientWorld w2;
  w2.set_down("a:1", true);
  w2.set_down("b:1", true);
  o.fail_queued_after_failed_round = false;
  Client& c2 = w2.add_client(o);
  c2.start();
  Got<jute::Stat> waits;
  c2.exists("/", nullptr, waits.cb());
  w2.run_for(10000);
  CHECK_FALSE(waits.done);
  w2.add_server("b:1");
  w2.set_down("b:1", false);
  REQUIRE(w2.run_until([&] { return waits.done; }, 5000));
  CHECK(waits.err() == Err::ok);
}

TEST_CASE("client/session: a host that never answers is given up after the connect timeout") {
  ClientWorld w;
  w.add_server("s1:2181");
  w.add_server("hang:1");
  w.cut("hang:1");
  auto o = options_for();
  o.hosts = {"hang:1", "s1:2181"};
  o.connect_timeout_ms = 3000;
  o.reconnect_jitter_ms = 0;
  Client& c = w.add_client(o);
  c.start();
  w.run_for(2900);
  CHECK(c.state() == State::connecting);
  REQUIRE(w.run_until([&] { return c.state() == State::connected; }, 200));
  CHECK(c.connected_host() == "s1:2181");
}

TEST_CASE("client/session: shuffling the hosts uses only the env's randomness") {
  auto order = [](std::uint64_t seed) {
    ClientWorld w(1, seed);
    for (int i = 0; i < 5; ++i) w.add_server("s" + std::to_string(i) + ":1");
    auto o = options_for();
    o.hosts = {"s0:1", "s1:1", "s2:1", "s3:1", "s4:1"};
    o.shuffle_hosts = true;
    Client& c = w.add_client(o);
    c.start();
    w.run_for(10);
    return c.connected_host();
  };
  CHECK(order(7) == order(7));
  std::set<std::string> firsts;
  for (std::uint64_t seed = 1; seed < 40; ++seed) firsts.insert(order(seed));
  CHECK(firsts.size() > 1);
}

// ------------------------------------------------------------------------------------ CRUD

TEST_CASE("client/crud: create, get, set with versions, exists, children, delete") {
  ClientWorld w;
  w.add_server("s1:2181");
  Client& c = connected_client(w);

  Got<client::CreateResult> created;
  c.create("/a", std::string("hello"), data::open_acl_unsafe(), 0, created.cb());
  REQUIRE(wait(w, created).err == Err::ok);
  CHECK(created.value().path == "/a");
  CHECK_FALSE(created.value().stat.has_value());
  CHECK(c.last_zxid() > 0);

  Got<client::CreateResult> created2;
  c.create2("/a/b", std::nullopt, data::open_acl_unsafe(), 0, created2.cb());
  REQUIRE(wait(w, created2).err == Err::ok);
  REQUIRE(created2.value().stat.has_value());
  CHECK(created2.value().stat->czxid == c.last_zxid());

  CHECK(create(w, c, "/a") == Err::node_exists);
  CHECK(create(w, c, "/missing/child") == Err::no_node);

  auto g = get(w, c, "/a");
  REQUIRE(g.ok());
  CHECK(g.value.data == std::optional<std::string>("hello"));
  CHECK(g.value.stat.version == 0);
  CHECK(g.value.stat.num_children == 1);
  // null data stays null
  auto gn = get(w, c, "/a/b");
  REQUIRE(gn.ok());
  CHECK_FALSE(gn.value.data.has_value());

  CHECK(set(w, c, "/a", "v1", 5) == Err::bad_version);
  Got<jute::Stat> st;
  c.set_data("/a", std::string("v1"), 0, st.cb());
  REQUIRE(wait(w, st).err == Err::ok);
  CHECK(st.value().version == 1);

  Got<jute::Stat> ex;
  c.exists("/a", nullptr, ex.cb());
  REQUIRE(wait(w, ex).err == Err::ok);
  CHECK(ex.value().version == 1);
  Got<jute::Stat> ex2;
  c.exists("/nope", nullptr, ex2.cb());
  CHECK(wait(w, ex2).err == Err::no_node);

  Got<client::ChildrenResult> kids;
  c.get_children("/", nullptr, false, kids.cb());
  REQUIRE(wait(w, kids).err == Err::ok);
  auto names = kids.value().children;
  std::sort(names.begin(), names.end());
  CHECK(names == std::vector<std::string>{"a", "zookeeper"});
  CHECK_FALSE(kids.value().stat.has_value());
  Got<client::ChildrenResult> kids2;
  c.get_children("/a", nullptr, true, kids2.cb());
  REQUIRE(wait(w, kids2).err == Err::ok);
  CHECK(kids2.value().children == std::vector<std::string>{"b"});
  REQUIRE(kids2.value().stat.has_value());
  CHECK(kids2.value().stat->num_children == 1);

  CHECK(remove(w, c, "/a") == Err::not_empty);
  CHECK(remove(w, c, "/a/b", 3) == Err::bad_version);
  CHECK(remove(w, c, "/a/b", 0) == Err::ok);
  CHECK(remove(w, c, "/a") == Err::ok);
  CHECK(remove(w, c, "/a") == Err::no_node);
  // The in-order check: xids went out 1, 2, 3, ...
  auto h = w.sent_headers(c);
  for (std::size_t i = 0; i < h.size(); ++i) CHECK(h[i].first == static_cast<std::int32_t>(i + 1));
}

TEST_CASE("client/crud: sequential, ephemeral, container and TTL creates") {
  ClientWorld w;
  auto cfg = ClientWorld::default_config();
  cfg.extended_types_enabled = true;
  w.add_server("s1:2181", cfg);
  Client& c = connected_client(w);

  Got<client::CreateResult> s1, s2;
  c.create("/q-", std::nullopt, data::open_acl_unsafe(), create_mode::persistent_sequential, s1.cb());
  c.create("/q-", std::nullopt, data::open_acl_unsafe(), create_mode::persistent_sequential, s2.cb());
  REQUIRE(w.run_until([&] { return s1.done && s2.done; }));
  CHECK(s1.value().path == "/q-0000000000");
  CHECK(s2.value().path == "/q-0000000001");

  Got<client::CreateResult> e;
  c.create2("/eph", std::string("e"), data::open_acl_unsafe(), create_mode::ephemeral, e.cb());
  REQUIRE(wait(w, e).ok());
  CHECK(e.value().stat->ephemeral_owner == c.session_id());

  Got<client::CreateResult> ct;
  c.create("/box", std::nullopt, data::open_acl_unsafe(), create_mode::container, ct.cb());
  REQUIRE(wait(w, ct).ok());
  CHECK(ct.value().stat.has_value());  // op 19 answers with a Stat

  Got<client::CreateResult> ttl;
  c.create("/ttl", std::nullopt, data::open_acl_unsafe(), create_mode::persistent_with_ttl, ttl.cb(), 5000);
  REQUIRE(wait(w, ttl).ok());
  CHECK(ttl.value().path == "/ttl");

  Got<std::vector<std::string>> eph;
  c.get_ephemerals("/", eph.cb());
  REQUIRE(wait(w, eph).ok());
  CHECK(eph.value() == std::vector<std::string>{"/eph"});

  Got<std::int32_t> n;
  c.get_all_children_number("/", n.cb());
  REQUIRE(wait(w, n).ok());
  CHECK(n.value() == 8);  // every node below /: q-0, q-1, eph, box, ttl, zookeeper, its quota and config
}

TEST_CASE("client/crud: invalid paths and empty ACLs fail locally, nothing is sent") {
  ClientWorld w;
  w.add_server("s1:2181");
  Client& c = connected_client(w);
  const auto before = w.sent_headers(c).size();
  Got<client::CreateResult> a, b, d;
  c.create("noslash", std::nullopt, data::open_acl_unsafe(), 0, a.cb());
  c.create("/trailing/", std::nullopt, data::open_acl_unsafe(), 0, b.cb());
  c.create("/x", std::nullopt, {}, 0, d.cb());
  // Answered before the call returned: no round trip.
  CHECK(a.done);
  CHECK(a.err() == Err::bad_arguments);
  CHECK(b.err() == Err::bad_arguments);
  CHECK(d.err() == Err::invalid_acl);
  // A sequential create may end in '/': the server appends the number.
  Got<client::CreateResult> seq;
  c.create("/", std::nullopt, data::open_acl_unsafe(), create_mode::persistent_sequential, seq.cb());
  CHECK(wait(w, seq).ok());
  CHECK(seq.value().path == "/0000000000");
  CHECK(w.sent_headers(c).size() == before + 1);
}

TEST_CASE("client/crud: ACLs, digest auth, whoAmI, sync") {
  ClientWorld w;
  w.add_server("s1:2181");
  Client& c = connected_client(w);
  GotErr auth;
  c.add_auth("digest", "user:pass", auth.cb());
  REQUIRE(w.run_until([&] { return auth.done; }));
  CHECK(auth.err == Err::ok);

  Got<client::CreateResult> cr;
  c.create("/secret", std::string("s"), data::creator_all_acl(), 0, cr.cb());
  REQUIRE(wait(w, cr).ok());
  Got<jute::GetACLResponse> acl;
  c.get_acl("/secret", acl.cb());
  REQUIRE(wait(w, acl).ok());
  REQUIRE(acl.value().acl.size() == 1);
  CHECK(acl.value().acl[0].id == jute::Id{"digest", data::digest_id("user:pass")});

  Got<std::vector<jute::ClientInfo>> who;
  c.who_am_i(who.cb());
  REQUIRE(wait(w, who).ok());
  CHECK(who.value().size() == 2);
  CHECK(who.value()[1] == jute::ClientInfo{"digest", "user"});

  // Another client without the credential is refused.
  Client& other = connected_client(w);
  CHECK(get(w, other, "/secret").err == Err::no_auth);

  Got<jute::Stat> sa;
  c.set_acl("/secret", data::read_acl_unsafe(), 0, sa.cb());
  REQUIRE(wait(w, sa).ok());
  CHECK(sa.value().aversion == 1);
  CHECK(get(w, other, "/secret").ok());
  Got<jute::Stat> sa2;
  c.set_acl("/secret", data::open_acl_unsafe(), 1, sa2.cb());  // no ADMIN any more
  CHECK(wait(w, sa2).err == Err::no_auth);

  Got<std::string> sy;
  c.sync("/secret", sy.cb());
  REQUIRE(wait(w, sy).ok());
  CHECK(sy.value() == "/secret");

  GotErr bad;
  c.add_auth("nosuchscheme", "x", bad.cb());
  REQUIRE(w.run_until([&] { return bad.done; }));
  CHECK(bad.err == Err::auth_failed);
  // The server closes after a failed auth, so the client leaves at once: what it is asked next
  // waits for the next connection, which resumes the session without the refused credential.
  CHECK(c.state() == State::suspended);
  Got<jute::GetDataResponse> next;
  c.get_data("/secret", nullptr, next.cb());
  CHECK(wait(w, next).ok());
  CHECK(c.state() == State::connected);
  CHECK(c.stats().sessions_established == 2);
}

TEST_CASE("client/crud: multi applies all or nothing, with per-op results") {
  ClientWorld w;
  w.add_server("s1:2181");
  Client& c = connected_client(w);
  REQUIRE(create(w, c, "/m") == Err::ok);

  Got<std::vector<client::OpResult>> ok;
  c.multi({client::CreateOp{"/m/a", std::string("1")}, client::SetDataOp{"/m", std::string("v"), 0},
           client::CheckOp{"/m", 1}, client::DeleteOp{"/m/a", 0}},
          ok.cb());
  REQUIRE(wait(w, ok).err == Err::ok);
  REQUIRE(ok.value().size() == 4);
  CHECK(ok.value()[0].type == op::create);
  CHECK(ok.value()[0].path == "/m/a");
  CHECK(ok.value()[1].type == op::set_data);
  CHECK(ok.value()[1].stat->version == 1);
  CHECK(ok.value()[2].type == op::check);
  CHECK(ok.value()[3].type == op::remove);

  Got<std::vector<client::OpResult>> bad;
  c.multi({client::CreateOp{"/m/b", std::nullopt}, client::CheckOp{"/m", 7}, client::DeleteOp{"/m", -1}}, bad.cb());
  REQUIRE(wait(w, bad).err == Err::bad_version);
  REQUIRE(bad.value().size() == 3);
  CHECK(bad.value()[0].err == Err::ok);
  CHECK(bad.value()[1].err == Err::bad_version);
  CHECK(bad.value()[2].err == Err::runtime_inconsistency);
  Got<jute::Stat> ex;
  c.exists("/m/b", nullptr, ex.cb());
  CHECK(wait(w, ex).err == Err::no_node);  // rolled back

  Got<std::vector<client::OpResult>> empty;
  c.multi({}, empty.cb());
  REQUIRE(wait(w, empty).ok());
  CHECK(empty.value().empty());
}

// ------------------------------------------------------------------------------------ watches

TEST_CASE("client/watches: data, exist and child watches fire the right watchers once") {
  ClientWorld w;
  w.add_server("s1:2181");
  Client& a = connected_client(w);
  Client& b = connected_client(w);
  REQUIRE(create(w, a, "/x", std::string("0")) == Err::ok);

  Recorder data, exist, child, other;
  REQUIRE(get(w, a, "/x", data.watcher).ok());
  REQUIRE(get(w, a, "/x", data.watcher).ok());  // same watcher twice: fires once
  Got<jute::Stat> ex;
  a.exists("/y", exist.watcher, ex.cb());
  REQUIRE(wait(w, ex).err == Err::no_node);  // the watch is kept on NoNode
  Got<client::ChildrenResult> kids;
  a.get_children("/x", child.watcher, false, kids.cb());
  REQUIRE(wait(w, kids).ok());
  REQUIRE(get(w, a, "/x", other.watcher).ok());
  CHECK(a.watches().size() == 4);

  REQUIRE(set(w, b, "/x", "1") == Err::ok);
  w.run_for(10);
  CHECK(data.events == std::vector<WatchedEvent>{{event_type::node_data_changed, keeper_state::sync_connected, "/x"}});
  CHECK(other.count(event_type::node_data_changed, "/x") == 1);
  REQUIRE(set(w, b, "/x", "2") == Err::ok);  // one-shot: nothing more
  w.run_for(10);
  CHECK(data.events.size() == 1);

  REQUIRE(create(w, b, "/y") == Err::ok);
  w.run_for(10);
  CHECK(exist.events == std::vector<WatchedEvent>{{event_type::node_created, keeper_state::sync_connected, "/y"}});

  REQUIRE(create(w, b, "/x/c") == Err::ok);
  w.run_for(10);
  CHECK(child.events ==
        std::vector<WatchedEvent>{{event_type::node_children_changed, keeper_state::sync_connected, "/x"}});
  CHECK(a.watches().empty());
}

TEST_CASE("client/watches: NodeDeleted reaches data and child watchers") {
  ClientWorld w;
  w.add_server("s1:2181");
  Client& a = connected_client(w);
  REQUIRE(create(w, a, "/d") == Err::ok);
  Recorder r1, r2;
  REQUIRE(get(w, a, "/d", r1.watcher).ok());
  Got<client::ChildrenResult> kids;
  a.get_children("/d", r2.watcher, false, kids.cb());
  REQUIRE(wait(w, kids).ok());
  REQUIRE(remove(w, a, "/d") == Err::ok);
  CHECK(r1.count(event_type::node_deleted, "/d") == 1);
  CHECK(r2.count(event_type::node_deleted, "/d") == 1);
  CHECK(a.watches().empty());
}

TEST_CASE("client/watches: an event arrives before the reply of the write that caused it") {
  ClientWorld w;
  w.add_server("s1:2181");
  Client& a = connected_client(w);
  REQUIRE(create(w, a, "/o") == Err::ok);
  std::vector<std::string> order;
  auto watcher = client::make_watcher([&](const WatchedEvent&) { order.push_back("event"); });
  REQUIRE(get(w, a, "/o", watcher).ok());
  a.set_data("/o", std::string("z"), -1, [&](const client::Result<jute::Stat>&) { order.push_back("reply"); });
  w.run_for(10);
  CHECK(order == std::vector<std::string>{"event", "reply"});
}

TEST_CASE("client/watches: persistent and recursive watches stay until removed") {
  ClientWorld w;
  w.add_server("s1:2181");
  Client& a = connected_client(w);
  Client& b = connected_client(w);
  REQUIRE(create(w, a, "/r") == Err::ok);
  REQUIRE(create(w, a, "/p") == Err::ok);
  Recorder rec, per;
  GotErr aw1, aw2;
  a.add_watch("/r", add_watch_mode::persistent_recursive, rec.watcher, aw1.cb());
  a.add_watch("/p", add_watch_mode::persistent, per.watcher, aw2.cb());
  REQUIRE(w.run_until([&] { return aw1.done && aw2.done; }));
  CHECK(aw1.err == Err::ok);
  CHECK(aw2.err == Err::ok);

  REQUIRE(create(w, b, "/r/a") == Err::ok);
  REQUIRE(set(w, b, "/r/a", "1") == Err::ok);
  REQUIRE(create(w, b, "/r/a/deep") == Err::ok);
  REQUIRE(set(w, b, "/r", "2") == Err::ok);
  REQUIRE(remove(w, b, "/r/a/deep") == Err::ok);
  REQUIRE(create(w, b, "/p/c") == Err::ok);
  REQUIRE(set(w, b, "/p", "1") == Err::ok);
  REQUIRE(set(w, b, "/p/c", "1") == Err::ok);
  REQUIRE(set(w, b, "/p", "2") == Err::ok);
  w.run_for(10);
  CHECK(rec.count(event_type::node_created, "/r/a") == 1);
  CHECK(rec.count(event_type::node_data_changed, "/r/a") == 1);
  CHECK(rec.count(event_type::node_created, "/r/a/deep") == 1);
  CHECK(rec.count(event_type::node_deleted, "/r/a/deep") == 1);
  CHECK(rec.count(event_type::node_data_changed, "/r") == 1);
  CHECK(rec.events.size() == 5);  // never NodeChildrenChanged for a recursive watch
  // Persistent: the node's own changes and its children list, not the children's data.
  CHECK(per.count(event_type::node_children_changed, "/p") == 1);
  CHECK(per.count(event_type::node_data_changed, "/p") == 2);
  CHECK(per.events.size() == 3);

  GotErr rm;
  a.remove_watches("/r", watcher_type::any, rm.cb());
  REQUIRE(w.run_until([&] { return rm.done; }));
  CHECK(rm.err == Err::ok);
  CHECK(rec.count(event_type::persistent_watch_removed, "/r") == 1);
  CHECK(a.watches().size() == 1);
  const auto seen = rec.events.size();
  REQUIRE(set(w, b, "/r", "3") == Err::ok);
  w.run_for(10);
  CHECK(rec.events.size() == seen);

  GotErr again;
  const auto sent = w.sent_headers(a).size();
  a.remove_watches("/r", watcher_type::any, again.cb());
  CHECK(again.done);  // no round trip
  CHECK(again.err == Err::no_watcher);
  CHECK(w.sent_headers(a).size() == sent);
}

TEST_CASE("client/watches: remove_watches of one kind leaves the others") {
  ClientWorld w;
  w.add_server("s1:2181");
  Client& a = connected_client(w);
  REQUIRE(create(w, a, "/k") == Err::ok);
  Recorder d, ch;
  REQUIRE(get(w, a, "/k", d.watcher).ok());
  Got<client::ChildrenResult> kids;
  a.get_children("/k", ch.watcher, false, kids.cb());
  REQUIRE(wait(w, kids).ok());
  GotErr rm;
  a.remove_watches("/k", watcher_type::data, rm.cb());
  REQUIRE(w.run_until([&] { return rm.done; }));
  CHECK(rm.err == Err::ok);
  CHECK(d.count(event_type::data_watch_removed, "/k") == 1);
  REQUIRE(create(w, a, "/k/c") == Err::ok);
  REQUIRE(set(w, a, "/k", "x") == Err::ok);
  CHECK(ch.count(event_type::node_children_changed, "/k") == 1);
  CHECK(d.count(event_type::node_data_changed, "/k") == 0);
}

// ------------------------------------------------------------------------------------ reconnects

TEST_CASE("client/reconnect: a dropped connection suspends, then resumes the same session and re-arms watches") {
  ClientWorld w;
  w.add_server("s1:2181");
  Client& a = connected_client(w);
  Client& b = connected_client(w);
  std::vector<State> states;
  a.add_state_listener([&](State s) { states.push_back(s); });
  Recorder def;
  a.set_default_watcher(def.watcher);
  REQUIRE(create(w, a, "/x") == Err::ok);
  Recorder data, exist, child;
  REQUIRE(get(w, a, "/x", data.watcher).ok());
  Got<jute::Stat> ex;
  a.exists("/later", exist.watcher, ex.cb());
  REQUIRE(wait(w, ex).err == Err::no_node);
  Got<client::ChildrenResult> kids;
  a.get_children("/", child.watcher, false, kids.cb());
  REQUIRE(wait(w, kids).ok());
  const auto sid = a.session_id();

  Got<jute::GetDataResponse> in_flight;
  a.get_data("/x", nullptr, in_flight.cb());
  w.drop_connections_of(a);  // before the reply could come back
  CHECK(a.state() == State::suspended);
  CHECK(in_flight.done);
  CHECK(in_flight.err() == Err::connection_loss);
  REQUIRE(w.run_until([&] { return a.state() == State::connected; }, 5000));
  CHECK(a.session_id() == sid);
  CHECK(states == std::vector<State>{State::suspended, State::connected});
  CHECK(def.count(event_type::none, "") == 2);  // Disconnected, SyncConnected
  CHECK(def.events[0].state == keeper_state::disconnected);
  CHECK(def.events[1].state == keeper_state::sync_connected);
  CHECK(count_sent(w, a, xid::set_watches, op::set_watches) == 1);
  CHECK(a.stats().set_watches_sent == 1);

  // The re-armed watches fire for changes made after the reconnect.
  REQUIRE(set(w, b, "/x", "new") == Err::ok);
  REQUIRE(create(w, b, "/later") == Err::ok);
  w.run_for(10);
  CHECK(data.count(event_type::node_data_changed, "/x") == 1);
  CHECK(exist.count(event_type::node_created, "/later") == 1);
  CHECK(child.count(event_type::node_children_changed, "/") == 1);
}

TEST_CASE("client/reconnect: changes made while disconnected fire on reconnect (setWatches relative zxid)") {
  ClientWorld w;
  w.add_server("s1:2181");
  Client& a = connected_client(w);
  Client& b = connected_client(w);
  REQUIRE(create(w, a, "/x") == Err::ok);
  REQUIRE(create(w, a, "/gone") == Err::ok);
  Recorder data, gone;
  REQUIRE(get(w, a, "/x", data.watcher).ok());
  REQUIRE(get(w, a, "/gone", gone.watcher).ok());

  w.isolate(a);
  w.drop_connections_of(a);
  REQUIRE(set(w, b, "/x", "changed") == Err::ok);
  REQUIRE(remove(w, b, "/gone") == Err::ok);
  w.run_for(100);
  CHECK(data.events.empty());  // a cannot hear anything now
  w.isolate(a, false);
  REQUIRE(w.run_until([&] { return a.state() == State::connected; }, 5000));
  w.run_for(10);
  CHECK(data.count(event_type::node_data_changed, "/x") == 1);
  CHECK(gone.count(event_type::node_deleted, "/gone") == 1);
  CHECK(a.watches().empty());
}

TEST_CASE("client/reconnect: persistent watches are re-armed with setWatches2 (105)") {
  ClientWorld w;
  w.add_server("s1:2181");
  Client& a = connected_client(w);
  Client& b = connected_client(w);
  Recorder rec;
  GotErr aw;
  a.add_watch("/", add_watch_mode::persistent_recursive, rec.watcher, aw.cb());
  REQUIRE(w.run_until([&] { return aw.done; }));
  w.drop_connections_of(a);
  REQUIRE(w.run_until([&] { return a.state() == State::connected; }, 5000));
  CHECK(count_sent(w, a, xid::set_watches, op::set_watches2) == 1);
  REQUIRE(create(w, b, "/p") == Err::ok);
  w.run_for(10);
  CHECK(rec.count(event_type::node_created, "/p") == 1);
}

TEST_CASE("client/reconnect: credentials are replayed first, then setWatches, then queued requests") {
  ClientWorld w;
  w.add_server("s1:2181");
  Client& a = connected_client(w);
  GotErr auth;
  a.add_auth("digest", "u:p", auth.cb());
  REQUIRE(w.run_until([&] { return auth.done; }));
  Got<client::CreateResult> cr;
  a.create("/mine", std::string("m"), data::creator_all_acl(), 0, cr.cb());
  REQUIRE(wait(w, cr).ok());
  Recorder rec;
  REQUIRE(get(w, a, "/mine", rec.watcher).ok());

  w.isolate(a);
  w.drop_connections_of(a);
  Got<jute::GetDataResponse> queued;
  a.get_data("/mine", nullptr, queued.cb());
  CHECK(a.queued_count() == 1);
  const auto before = w.sent_headers(a).size();
  w.run_for(3000);
  CHECK_FALSE(queued.done);
  w.isolate(a, false);
  REQUIRE(wait(w, queued).ok());  // needs the replayed digest identity
  auto h = w.sent_headers(a);
  REQUIRE(h.size() >= before + 3);
  CHECK(h[before] == std::make_pair(xid::auth, op::auth));
  CHECK(h[before + 1] == std::make_pair(xid::set_watches, op::set_watches));
  CHECK(h[before + 2].second == op::get_data);
}

TEST_CASE("client/reconnect: requests in flight fail with ConnectionLoss when the server goes silent") {
  ClientWorld w;
  w.add_server("s1:2181");
  Client& a = connected_client(w);
  std::vector<State> states;
  a.add_state_listener([&](State s) { states.push_back(s); });
  w.isolate(a);
  Got<jute::GetDataResponse> lost;
  a.get_data("/zookeeper", nullptr, lost.cb());
  CHECK(a.in_flight_count() == 1);
  // Nothing heard for 2/3 of the 10 s timeout: the connection is dropped.
  w.run_for(6000);
  CHECK(a.state() == State::connected);
  REQUIRE(w.run_until([&] { return lost.done; }, 1000));
  CHECK(lost.err() == Err::connection_loss);
  CHECK(a.state() == State::suspended);
  w.isolate(a, false);
  REQUIRE(w.run_until([&] { return a.state() == State::connected; }, 5000));
  CHECK(states == std::vector<State>{State::suspended, State::connected});
}

TEST_CASE("client/reconnect: a server behind the client's zxid is skipped for one that is not") {
  ClientWorld w;
  w.add_server("s1:2181");
  w.add_server("s2:2181");  // an independent server: zxid 0
  auto o = options_for();
  o.hosts = {"s1:2181", "s2:2181"};
  o.reconnect_jitter_ms = 0;
  o.round_delay_ms = 500;
  Client& a = connected_client(w, o);
  for (int i = 0; i < 5; ++i) REQUIRE(create(w, a, "/n" + std::to_string(i)) == Err::ok);
  const auto sid = a.session_id();
  w.set_down("s1:2181", true);
  w.drop_connections_of(a);
  w.run_for(1000);
  CHECK(a.state() == State::suspended);  // s2 refuses: it has not seen our zxid
  CHECK(a.stats().connect_attempts >= 3);
  w.set_down("s1:2181", false);
  REQUIRE(w.run_until([&] { return a.state() == State::connected; }, 5000));
  CHECK(a.connected_host() == "s1:2181");
  CHECK(a.session_id() == sid);
}

// ------------------------------------------------------------------------------------ expiry

TEST_CASE("client/expiry: a session that expired while partitioned goes LOST, then a new one starts") {
  ClientWorld w;
  w.add_server("s1:2181");
  Client& a = connected_client(w);
  std::vector<State> states;
  a.add_state_listener([&](State s) { states.push_back(s); });
  Recorder def, data;
  a.set_default_watcher(def.watcher);
  Got<client::CreateResult> eph;
  a.create("/eph", std::nullopt, data::open_acl_unsafe(), create_mode::ephemeral, eph.cb());
  REQUIRE(wait(w, eph).ok());
  REQUIRE(get(w, a, "/eph", data.watcher).ok());
  const auto old_sid = a.session_id();

  w.isolate(a);
  w.run_for(8000);
  CHECK(a.state() == State::suspended);
  Got<jute::GetDataResponse> queued;
  a.get_data("/eph", nullptr, queued.cb());
  w.run_for(10000);  // the server expires the session meanwhile
  CHECK(w.server("s1:2181").sessions().find(old_sid) == nullptr);
  w.isolate(a, false);
  // The attempt that hangs in the partition must time out first (connect timeout 10 s).
  REQUIRE(w.run_until([&] { return a.state() == State::lost; }, 15000));
  CHECK(queued.done);
  CHECK(queued.err() == Err::session_expired);
  // While LOST, requests fail at once.
  Got<jute::GetDataResponse> during;
  a.get_data("/", nullptr, during.cb());
  CHECK(during.done);
  CHECK(during.err() == Err::session_expired);
  // Every watcher heard Expired, once; the registry is empty.
  CHECK(data.events == std::vector<WatchedEvent>{{event_type::none, keeper_state::expired, ""}});
  CHECK(def.events.back().state == keeper_state::expired);
  CHECK(a.watches().empty());

  REQUIRE(w.run_until([&] { return a.state() == State::connected; }, 5000));
  CHECK(a.session_id() != old_sid);
  CHECK(a.session_id() != 0);
  CHECK(states == std::vector<State>{State::suspended, State::lost, State::connected});
  Got<jute::Stat> ex;
  a.exists("/eph", nullptr, ex.cb());
  CHECK(wait(w, ex).err == Err::no_node);  // the ephemeral died with the old session
}

TEST_CASE("client/expiry: without renew_session a LOST client stays LOST") {
  ClientWorld w;
  w.add_server("s1:2181");
  auto o = options_for("s1:2181", 4000);
  o.renew_session = false;
  Client& a = connected_client(w, o);
  w.isolate(a);
  w.run_for(20000);
  w.isolate(a, false);
  REQUIRE(w.run_until([&] { return a.state() == State::lost; }, 15000));
  w.run_for(30000);
  CHECK(a.state() == State::lost);
  CHECK(w.open_connections(a) == 0);
  Got<jute::Stat> ex;
  a.exists("/", nullptr, ex.cb());
  CHECK(ex.err() == Err::session_expired);
  GotErr closed;
  a.close(closed.cb());
  CHECK(closed.done);
  CHECK(a.state() == State::closed);
}

TEST_CASE("client/expiry: resuming a session id the server does not know is LOST") {
  ClientWorld w;
  w.add_server("s1:2181");
  auto o = options_for();
  o.session_id = 0x1234;
  o.session_password = std::string(16, 'x');
  Client& a = w.add_client(o);
  std::vector<State> states;
  a.add_state_listener([&](State s) { states.push_back(s); });
  a.start();
  REQUIRE(w.run_until([&] { return a.state() == State::connected; }, 5000));
  CHECK(states == std::vector<State>{State::connecting, State::lost, State::connected});
  CHECK(a.session_id() != 0x1234);
}

TEST_CASE("client/expiry: pings keep a session alive over virtual minutes") {
  ClientWorld w;
  w.add_server("s1:2181");
  Client& a = connected_client(w);
  const auto sid = a.session_id();
  w.run_for(10 * 60 * 1000);
  CHECK(a.state() == State::connected);
  CHECK(a.session_id() == sid);
  CHECK(a.stats().connections_dropped == 0);
  // One ping per ~timeout/3 of silence: 600 s / 3.33 s.
  CHECK(a.stats().pings_sent >= 170);
  CHECK(a.stats().pings_sent <= 190);
  CHECK(w.server("s1:2181").sessions().find(sid) != nullptr);
  // Busy clients need no pings.
  const auto pings = a.stats().pings_sent;
  for (int i = 0; i < 50; ++i) {
    REQUIRE(get(w, a, "/").ok());
    w.run_for(1000);
  }
  CHECK(a.stats().pings_sent == pings);
}

// ------------------------------------------------------------------------------------ close

TEST_CASE("client/close: closeSession ends the session, its ephemerals and its watchers") {
  ClientWorld w;
  w.add_server("s1:2181");
  Client& a = connected_client(w);
  Client& b = connected_client(w);
  Got<client::CreateResult> eph;
  a.create("/e", std::nullopt, data::open_acl_unsafe(), create_mode::ephemeral, eph.cb());
  REQUIRE(wait(w, eph).ok());
  Recorder def, data;
  a.set_default_watcher(def.watcher);
  REQUIRE(get(w, a, "/e", data.watcher).ok());
  const auto sid = a.session_id();
  GotErr closed;
  a.close(closed.cb());
  REQUIRE(w.run_until([&] { return closed.done; }));
  CHECK(closed.err == Err::ok);
  CHECK(a.state() == State::closed);
  CHECK(w.sent_headers(a).back().second == op::close_session);
  CHECK(w.sent_headers(a).back().first > 0);  // a normal xid
  // The session's end deleted /e: its watcher heard that (before the closeSession reply), so
  // nothing was left to tell about the close.
  CHECK(data.events == std::vector<WatchedEvent>{{event_type::node_deleted, keeper_state::sync_connected, "/e"}});
  CHECK(def.events.back().state == keeper_state::closed);
  CHECK(w.server("s1:2181").sessions().find(sid) == nullptr);
  Got<jute::Stat> ex;
  b.exists("/e", nullptr, ex.cb());
  CHECK(wait(w, ex).err == Err::no_node);
  Got<jute::Stat> after;
  a.exists("/", nullptr, after.cb());
  CHECK(after.err() == Err::connection_loss);
  w.run_for(60000);
  CHECK(w.open_connections(a) == 0);
}

TEST_CASE("client/close: closing while disconnected is immediate and fails what waited") {
  ClientWorld w;
  w.add_server("s1:2181");
  w.set_down("s1:2181", true);
  Client& a = w.add_client(options_for());
  a.start();
  Got<jute::Stat> waiting;
  a.exists("/", nullptr, waiting.cb());
  w.run_for(100);
  GotErr closed;
  a.close(closed.cb());
  CHECK(closed.done);
  CHECK(a.state() == State::closed);
  CHECK(waiting.err() == Err::connection_loss);
}

TEST_CASE("client/close: callbacks may call the client again") {
  ClientWorld w;
  w.add_server("s1:2181");
  Client& a = connected_client(w);
  bool second = false;
  a.create("/chain", std::nullopt, data::open_acl_unsafe(), 0, [&](const client::Result<client::CreateResult>& r) {
    REQUIRE(r.ok());
    a.get_data("/chain", nullptr, [&](const client::Result<jute::GetDataResponse>& g) {
      second = g.ok();
      a.close();
    });
  });
  REQUIRE(w.run_until([&] { return a.state() == State::closed; }));
  CHECK(second);
}

// ------------------------------------------------------------------------------------ timeouts

TEST_CASE("client/timeouts: request_timeout_ms fails unanswered and unsent requests") {
  ClientWorld w;
  w.add_server("s1:2181");
  auto o = options_for("s1:2181", 30000);
  o.request_timeout_ms = 2000;
  Client& a = connected_client(w, o);
  w.isolate(a);
  Got<jute::Stat> slow;
  a.exists("/", nullptr, slow.cb());
  w.run_for(1990);
  CHECK_FALSE(slow.done);
  w.run_for(20);
  CHECK(slow.err() == Err::request_timeout);
  CHECK(a.state() == State::suspended);  // the connection is given up with it
  Got<jute::Stat> unsent;
  a.exists("/", nullptr, unsent.cb());
  REQUIRE(w.run_until([&] { return unsent.done; }, 2100));
  CHECK(unsent.err() == Err::connection_loss);
}

// ------------------------------------------------------------------------------------ hostile bytes

TEST_CASE("client/robustness: bytes that make no sense drop the connection, never the client") {
  ClientWorld w;
  w.add_server("s1:2181");
  Client& a = connected_client(w);
  const auto sid = a.session_id();

  SECTION("an unexpected xid") {
    jute::Writer body;
    jute::write(body, jute::ReplyHeader{999, 5, 0});
    w.inject(a, jute::frame(body.data()));
    CHECK(a.stats().protocol_errors == 1);
  }
  SECTION("a truncated reply header") { w.inject(a, jute::frame("\x00\x00\x00\x01")); }
  SECTION("a negative frame length") { w.inject(a, std::string("\xff\xff\xff\xfe", 4)); }
  SECTION("an oversized frame length") { w.inject(a, std::string("\x7f\x00\x00\x00", 4)); }
  SECTION("an auth reply nobody asked for") {
    jute::Writer body;
    jute::write(body, jute::ReplyHeader{xid::auth, 0, 0});
    w.inject(a, jute::frame(body.data()));
  }
  SECTION("a reply body that does not decode fails its request") {
    Got<jute::GetDataResponse> got;
    w.isolate(a);
    a.get_data("/", nullptr, got.cb());
    jute::Writer body;
    jute::write(body, jute::ReplyHeader{w.sent_headers(a).back().first, 9, 0});
    body.i32(1000);  // a data length with nothing behind it
    w.inject(a, jute::frame(body.data()));
    w.isolate(a, false);
    CHECK(got.done);
    CHECK(got.err() == Err::connection_loss);
  }
  CHECK(a.stats().protocol_errors >= 1);
  CHECK(a.state() == State::suspended);
  CHECK(w.client_logs(a).size() > 0);
  REQUIRE(w.run_until([&] { return a.state() == State::connected; }, 5000));
  CHECK(a.session_id() == sid);
  CHECK(get(w, a, "/").ok());
}

TEST_CASE("client/robustness: random garbage in any state never crashes the client") {
  ClientWorld w;
  w.add_server("s1:2181");
  Client& a = connected_client(w);
  util::Prng prng(1234);
  for (int round = 0; round < 300; ++round) {
    std::string junk;
    const auto len = prng.uniform(0, 64);
    for (int i = 0; i < len; ++i) junk.push_back(static_cast<char>(prng.uniform(0, 255)));
    if (round % 3 == 0) {
      // Plausible frames: a length that matches.
      junk = jute::frame(junk);
    }
    w.inject(a, junk);
    w.run_for(prng.uniform(0, 50));
  }
  REQUIRE(w.run_until([&] { return a.state() == State::connected; }, 10000));
  CHECK(get(w, a, "/").ok());
}

// ------------------------------------------------------------------------------------ determinism

TEST_CASE("client/determinism: the same scenario gives the same trace") {
  auto run = [] {
    ClientWorld w(1, 99);
    w.add_server("s1:2181");
    w.alias("s2:2181", "s1:2181");
    auto o = options_for();
    o.hosts = {"s1:2181", "s2:2181"};
    o.shuffle_hosts = true;
    Client& a = connected_client(w, o);
    Recorder rec;
    REQUIRE(create(w, a, "/d") == Err::ok);
    REQUIRE(get(w, a, "/d", rec.watcher).ok());
    for (int i = 0; i < 3; ++i) {
      w.drop_connections_of(a);
      w.run_for(3000);
    }
    REQUIRE(set(w, a, "/d", "x") == Err::ok);
    std::string out;
    for (const auto& t : w.client_traces(a)) out += std::string(event_name(t.kind)) + " " + t.detail + "\n";
    for (const auto& l : w.client_logs(a)) out += l + "\n";
    out += std::to_string(rec.events.size());
    return out;
  };
  const std::string first = run();
  CHECK(first == run());
  CHECK(first.find(core_event::client_drop) != std::string::npos);
}
