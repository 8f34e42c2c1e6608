// client.watch-before-data and client.ephemeral-lifetime over hand-made traces: each fires on a
// bad history and stays quiet on a good one.
#include <catch2/catch.hpp>

#include "tests/unit/checker_feed.h"

using namespace zablab::sim;
using namespace zablab::sim::check;
using namespace zablab::sim::check::test;

namespace {

constexpr EndpointId kC1 = 1001, kC2 = 1002;
constexpr int kConn = 7;

CheckConfig only(const char* invariant) {
  CheckConfig c;
  c.enabled = {invariant};
  return c;
}

std::string header(std::int64_t session, std::int64_t zxid, int type, int cxid = 1) {
  return R"({"client_id":)" + std::to_string(session) + R"(,"cxid":)" + std::to_string(cxid) + R"(,"zxid":)" +
         std::to_string(zxid) + R"(,"time":0,"type":)" + std::to_string(type) + "}";
}

// The leader s1 commits a txn (its JSON as the core writes it): the model tree replays it.
void commit(Feed& f, std::int64_t zxid, const std::string& json) {
  f.core(1, core_event::zab_commit, Json().str("zxid", "0x" + Feed::hex(zxid)).done(), zxid);
  f.core(1, core_event::txn_commit, json, zxid);
}
void create(Feed& f, std::int64_t zxid, const std::string& path, std::int64_t session = 5, bool ephemeral = false) {
  commit(f, zxid,
         R"({"header":)" + header(session, zxid, 1) + R"(,"ops":[{"type":"create","txn":{"path":")" + path +
             R"(","data":"x","ephemeral":)" + (ephemeral ? "true" : "false") + "}}]}");
}
void set_data(Feed& f, std::int64_t zxid, const std::string& path) {
  commit(f, zxid,
         R"({"header":)" + header(5, zxid, 5) + R"(,"ops":[{"type":"setData","txn":{"path":")" + path +
             R"(","data":"y","version":1}}]})");
}
void close_session(Feed& f, std::int64_t zxid, std::int64_t session) {
  commit(f, zxid,
         R"({"header":)" + header(session, zxid, -11, 0) +
             R"(,"ops":[{"type":"closeSession","txn":{"paths2_delete":[]}}]})");
}

// The client's request frame on its connection to s1.
void request(Feed& f, EndpointId client, int xid, const char* type, const std::string& path, bool watch) {
  f.add(make_record(trace_kind::send, client, client, 1,
                    R"({"conn":)" + std::to_string(kConn + static_cast<int>(client - kC1)) + R"(,"frames":[{"type":")" +
                        type + R"(","xid":)" + std::to_string(xid) + R"(,"path":")" + path + "\"" +
                        (watch ? R"(,"watch":true)" : "") + "}]}",
                    type));
}
// s1 sends `frames` to the client, and the client gets them.
void to_client(Feed& f, EndpointId client, const std::string& frames, std::int64_t zxid = -1) {
  const std::string conn = std::to_string(kConn + static_cast<int>(client - kC1));
  const std::uint64_t sent =
      f.add(make_record(trace_kind::send, 1, 1, client, R"({"conn":)" + conn + R"(,"frames":[)" + frames + "]}", "x", zxid));
  f.add(make_record(trace_kind::deliver, client, 1, client, R"({"conn":)" + conn + R"(,"send_seq":)" + std::to_string(sent) + "}",
                    "x", zxid));
}
std::string reply(const char* type, int xid, std::int64_t zxid, const char* err = "Ok") {
  return R"({"type":"reply:)" + std::string(type) + R"(","xid":)" + std::to_string(xid) + R"(,"zxid":)" +
         std::to_string(zxid) + R"(,"err":")" + err + "\"}";
}
std::string event(int type, const std::string& path) {
  return R"({"type":"notification","event":)" + std::to_string(type) + R"(,"state":3,"path":")" + path + "\"}";
}

// c1 reads /a with a watch at zxid 2; /a changes at zxid 3.
Feed watched(const char* invariant = "client.watch-before-data") {
  Feed f(only(invariant));
  f.establish(1, 1, {2, 3});
  create(f, z(1, 1), "/a");
  create(f, z(1, 2), "/b");
  request(f, kC1, 1, "getData", "/a", true);
  to_client(f, kC1, reply("getData", 1, z(1, 2)), z(1, 2));
  set_data(f, z(1, 3), "/a");
  return f;
}

}  // namespace

TEST_CASE("client/watch-before-data: the watch event comes before a reply that shows the change") {
  SECTION("event first, then the reply: quiet") {
    Feed f = watched();
    to_client(f, kC1, event(3, "/a"));
    request(f, kC1, 2, "getData", "/a", false);
    to_client(f, kC1, reply("getData", 2, z(1, 3)), z(1, 3));
    CHECK(f.first().empty());
  }
  SECTION("event and reply in one segment, the event first: quiet") {
    Feed f = watched();
    request(f, kC1, 2, "getData", "/a", false);
    to_client(f, kC1, event(3, "/a") + "," + reply("getData", 2, z(1, 3)), z(1, 3));
    CHECK(f.first().empty());
  }
  SECTION("a reply from before the change, before the event: quiet") {
    Feed f = watched();
    request(f, kC1, 2, "getData", "/b", false);
    to_client(f, kC1, reply("getData", 2, z(1, 2)), z(1, 2));
    to_client(f, kC1, event(3, "/a"));
    CHECK(f.first().empty());
  }
  SECTION("the reply that shows the change before the event: fires") {
    Feed f = watched();
    request(f, kC1, 2, "getData", "/b", false);
    to_client(f, kC1, reply("getData", 2, z(1, 3)) + "," + event(3, "/a"), z(1, 3));
    CHECK(f.first() == "client.watch-before-data");
  }
  SECTION("another client's watch is not this client's: quiet") {
    Feed f = watched();
    request(f, kC2, 1, "getData", "/b", false);
    to_client(f, kC2, reply("getData", 1, z(1, 3)), z(1, 3));
    CHECK(f.first().empty());
  }
  SECTION("a read without a watch sets none: quiet") {
    Feed f(only("client.watch-before-data"));
    f.establish(1, 1, {2, 3});
    create(f, z(1, 1), "/a");
    request(f, kC1, 1, "getData", "/a", false);
    to_client(f, kC1, reply("getData", 1, z(1, 1)), z(1, 1));
    set_data(f, z(1, 2), "/a");
    request(f, kC1, 2, "getData", "/a", false);
    to_client(f, kC1, reply("getData", 2, z(1, 2)), z(1, 2));
    CHECK(f.first().empty());
  }
}

TEST_CASE("client/watch-before-data: exists and children watches") {
  SECTION("exists on no node, then its creation shown before NodeCreated: fires") {
    Feed f(only("client.watch-before-data"));
    f.establish(1, 1, {2, 3});
    create(f, z(1, 1), "/b");
    request(f, kC1, 1, "exists", "/a", true);
    to_client(f, kC1, reply("exists", 1, z(1, 1), "NoNode"), z(1, 1));
    create(f, z(1, 2), "/a");
    request(f, kC1, 2, "getData", "/b", false);
    to_client(f, kC1, reply("getData", 2, z(1, 2)), z(1, 2));
    CHECK(f.first() == "client.watch-before-data");
  }
  SECTION("a children watch hears of a new child first: quiet; after: fires") {
    for (bool event_first : {true, false}) {
      Feed f(only("client.watch-before-data"));
      f.establish(1, 1, {2, 3});
      create(f, z(1, 1), "/p");
      request(f, kC1, 1, "getChildren", "/p", true);
      to_client(f, kC1, reply("getChildren", 1, z(1, 1)), z(1, 1));
      set_data(f, z(1, 2), "/p");  // the parent's data: no children event
      request(f, kC1, 2, "getData", "/p", false);
      to_client(f, kC1, reply("getData", 2, z(1, 2)), z(1, 2));
      create(f, z(1, 3), "/p/c");
      request(f, kC1, 3, "getData", "/p", false);
      if (event_first) to_client(f, kC1, event(4, "/p"));
      to_client(f, kC1, reply("getData", 3, z(1, 3)), z(1, 3));
      CHECK(f.first() == (event_first ? "" : "client.watch-before-data"));
    }
  }
}

TEST_CASE("client/watch-before-data: a one-shot watch fires at most once") {
  Feed f = watched();
  to_client(f, kC1, event(3, "/a"));
  CHECK(f.first().empty());
  to_client(f, kC1, event(3, "/a"));
  CHECK(f.first() == "client.watch-before-data");
}

TEST_CASE("client/watch-before-data: a new session drops the old one's watches") {
  Feed f = watched();
  to_client(f, kC1, R"({"type":"ConnectResponse","time_out":4000,"session_id":0})");
  to_client(f, kC1, R"({"type":"ConnectResponse","time_out":4000,"session_id":77})");
  request(f, kC1, 1, "getData", "/a", false);
  to_client(f, kC1, reply("getData", 1, z(1, 3)), z(1, 3));
  CHECK(f.first().empty());
}

TEST_CASE("client/ephemeral-lifetime: a server that applied a session's close holds none of its ephemerals") {
  Feed f(only("client.ephemeral-lifetime"));
  f.core(2, core_event::session_close, R"({"session":"0x5","ephemerals_left":0})");
  CHECK(f.first().empty());
  f.core(2, core_event::session_close, R"({"session":"0x6","ephemerals_left":2})");
  CHECK(f.first() == "client.ephemeral-lifetime");
}

TEST_CASE("client/ephemeral-lifetime: no ephemeral is created for a closed session") {
  Feed f(only("client.ephemeral-lifetime"));
  f.establish(1, 1, {2, 3});
  create(f, z(1, 1), "/e1", 9, true);
  close_session(f, z(1, 2), 9);
  create(f, z(1, 3), "/e2", 8, true);  // another session's: fine
  CHECK(f.first().empty());
  create(f, z(1, 4), "/e3", 9, true);
  CHECK(f.first() == "client.ephemeral-lifetime");
}

TEST_CASE("client/ephemeral-lifetime: no read finds an ephemeral after its session's close") {
  for (bool after_close : {false, true}) {
    Feed f(only("client.ephemeral-lifetime"));
    f.establish(1, 1, {2, 3});
    create(f, z(1, 1), "/e", 9, true);
    close_session(f, z(1, 2), 9);
    const std::int64_t at = after_close ? z(1, 2) : z(1, 1);
    f.add(make_record(trace_kind::client_invoke, kC2, kNoEndpoint, kNoEndpoint, R"({"op_id":1,"path":"/e"})", "exists"));
    f.add(make_record(trace_kind::client_return, kC2, kNoEndpoint, kNoEndpoint, R"({"op_id":1,"err":"Ok"})", "exists", at));
    f.add(make_record(trace_kind::op_result, kNoEndpoint, kNoEndpoint, kNoEndpoint,
                      R"({"op_id":1,"err":"Ok","mzxid":)" + std::to_string(z(1, 1)) + R"(,"version":0})"));
    CHECK(f.first() == (after_close ? "client.ephemeral-lifetime" : ""));
  }
}
