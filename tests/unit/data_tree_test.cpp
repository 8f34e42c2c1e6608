// DataTree semantics: stat fields, cversion reporting, sequential counters, ephemerals, idempotent replay.
#include <catch2/catch.hpp>

#include "core/data/acl.h"
#include "core/data/data_tree.h"
#include "core/data/path.h"
#include "core/jute/codes.h"

using namespace zablab;
using data::DataTree;

namespace {

data::Txn create_txn(std::int64_t zxid, const std::string& path, std::int32_t parent_cversion,
                     bool ephemeral = false, std::int64_t session = 0) {
  data::Txn t;
  t.header = jute::TxnHeader{session, 1, zxid, 1000 + zxid, op::create};
  t.ops.push_back({op::create, jute::CreateTxn{path, std::string("v"), data::open_acl_unsafe(), ephemeral,
                                               parent_cversion}});
  return t;
}

data::Txn delete_txn(std::int64_t zxid, const std::string& path) {
  data::Txn t;
  t.header = jute::TxnHeader{0, 1, zxid, 1000 + zxid, op::remove};
  t.ops.push_back({op::remove, jute::DeleteTxn{path}});
  return t;
}

}  // namespace

TEST_CASE("data_tree/initial: a fresh tree reports ZooKeeper's stats for / and /zookeeper") {
  DataTree tree;
  REQUIRE(tree.find("/") != nullptr);
  REQUIRE(tree.find("") == tree.find("/"));
  CHECK(DataTree::stat_of(*tree.find("/")).cversion == -1);
  CHECK(DataTree::stat_of(*tree.find("/zookeeper")).cversion == -2);
  CHECK(tree.find("/zookeeper/config") != nullptr);
  CHECK(tree.descendant_count("/") == 3);
}

TEST_CASE("data_tree/create: czxid, mzxid, pzxid, ctime and the parent's cversion and pzxid") {
  DataTree tree;
  auto r = tree.apply(create_txn(5, "/a", 1));
  REQUIRE(r.ops.front().err == Err::ok);
  const jute::Stat s = r.ops.front().stat;
  CHECK(s.czxid == 5);
  CHECK(s.mzxid == 5);
  CHECK(s.pzxid == 5);
  CHECK(s.ctime == 1005);
  CHECK(s.mtime == 1005);
  CHECK(s.version == 0);
  CHECK(s.data_length == 1);
  CHECK(s.ephemeral_owner == 0);
  const jute::Stat root = DataTree::stat_of(*tree.find("/"));
  CHECK(root.pzxid == 5);
  CHECK(root.num_children == 2);
  CHECK(tree.last_processed_zxid() == 5);
  // Triggers: NodeCreated(/a), then NodeChildrenChanged(/)
  REQUIRE(r.triggers.size() == 2);
  CHECK(r.triggers[0] == data::WatchTrigger{event_type::node_created, "/a"});
  CHECK(r.triggers[1] == data::WatchTrigger{event_type::node_children_changed, "/"});
}

TEST_CASE("data_tree/cversion: reported as child creates plus child deletes") {
  DataTree tree;
  tree.apply(create_txn(1, "/p", 1));
  tree.apply(create_txn(2, "/p/a", 1));
  tree.apply(create_txn(3, "/p/b", 2));
  CHECK(DataTree::stat_of(*tree.find("/p")).cversion == 2);
  tree.apply(delete_txn(4, "/p/a"));
  const jute::Stat s = DataTree::stat_of(*tree.find("/p"));
  CHECK(s.cversion == 3);  // 2 creates + 1 delete
  CHECK(s.num_children == 1);
  CHECK(s.pzxid == 4);
}

TEST_CASE("data_tree/replay: an existing create or a missing delete is reported, not applied twice") {
  DataTree tree;
  tree.apply(create_txn(1, "/a", 1));
  CHECK(tree.apply(create_txn(1, "/a", 1)).ops.front().err == Err::node_exists);
  CHECK(tree.apply(delete_txn(2, "/nope")).ops.front().err == Err::no_node);
  CHECK(DataTree::stat_of(*tree.find("/")).cversion == 0);  // one create at / besides /zookeeper
}

TEST_CASE("data_tree/ephemerals: owned by the session and deleted by its closeSession") {
  DataTree tree;
  tree.apply(create_txn(1, "/e1", 1, true, 42));
  tree.apply(create_txn(2, "/e2", 2, true, 42));
  CHECK(tree.ephemerals(42) == std::set<std::string>{"/e1", "/e2"});
  CHECK(DataTree::stat_of(*tree.find("/e1")).ephemeral_owner == 42);
  data::Txn close;
  close.header = jute::TxnHeader{42, 0, 3, 2000, op::close_session};
  close.ops.push_back({op::close_session, jute::CloseSessionTxn{{"/e1"}}});
  auto r = tree.apply(close);
  CHECK(tree.find("/e1") == nullptr);
  CHECK(tree.find("/e2") == nullptr);  // not listed, but still the session's: deleted too
  CHECK(tree.ephemerals(42).empty());
  CHECK(DataTree::stat_of(*tree.find("/")).pzxid == 3);
  CHECK(r.triggers.size() == 4);
}

TEST_CASE("data_tree/containers and TTL nodes report ephemeralOwner 0") {
  DataTree tree;
  data::Txn t;
  t.header = jute::TxnHeader{7, 1, 1, 1000, op::create_container};
  t.ops.push_back({op::create_container, jute::CreateContainerTxn{"/c", std::string(), data::open_acl_unsafe(), 1}});
  tree.apply(t);
  t.header = jute::TxnHeader{7, 2, 2, 1000, op::create_ttl};
  t.ops = {{op::create_ttl, jute::CreateTTLTxn{"/t", std::string(), data::open_acl_unsafe(), 2, 5000}}};
  tree.apply(t);
  CHECK(DataTree::stat_of(*tree.find("/c")).ephemeral_owner == 0);
  CHECK(DataTree::stat_of(*tree.find("/t")).ephemeral_owner == 0);
  CHECK(DataTree::ttl_of(*tree.find("/t")) == 5000);
  CHECK(tree.containers().count("/c") == 1);
  CHECK(tree.ttl_nodes().count("/t") == 1);
}

TEST_CASE("data_tree/txn: encode and decode round trip, including a multi") {
  data::Txn t = create_txn(9, "/x", 3, true, 77);
  data::Txn back = data::decode_txn(data::encode_txn(t));
  CHECK(back.header == t.header);
  REQUIRE(back.ops.size() == 1);
  CHECK(std::get<jute::CreateTxn>(back.ops[0].body) == std::get<jute::CreateTxn>(t.ops[0].body));

  data::Txn m;
  m.header = jute::TxnHeader{1, 2, 3, 4, op::multi};
  m.ops.push_back({op::set_data, jute::SetDataTxn{"/a", std::string("z"), 2}});
  m.ops.push_back({op::error, jute::ErrorTxn{-101}});
  data::Txn mb = data::decode_txn(data::encode_txn(m));
  REQUIRE(mb.ops.size() == 2);
  CHECK(mb.ops[1].type == op::error);
  CHECK(std::get<jute::ErrorTxn>(mb.ops[1].body).err == -101);
}

TEST_CASE("path/validation: ZooKeeper's rules") {
  using data::valid_path;
  CHECK(valid_path("/"));
  CHECK(valid_path("/a/b"));
  CHECK(valid_path("/a.b/..c"));
  CHECK_FALSE(valid_path(""));
  CHECK_FALSE(valid_path("a"));
  CHECK_FALSE(valid_path("/a/"));
  CHECK_FALSE(valid_path("/a//b"));
  CHECK_FALSE(valid_path("/a/./b"));
  CHECK_FALSE(valid_path("/a/.."));
  CHECK_FALSE(valid_path(std::string("/a\0b", 4)));
  CHECK_FALSE(valid_path("/a\x01"));
  CHECK_FALSE(valid_path("/\xef\xbf\xbf"));  // U+FFFF
  CHECK_FALSE(valid_path("/\xff"));          // not UTF-8
  // Outside the Basic Multilingual Plane: Java holds U+1F600 as a surrogate pair, which PathUtils
  // refuses at the pair's first unit.
  CHECK_FALSE(valid_path("/ok/\xf0\x9f\x98\x80"));
  CHECK(data::path_error("/ok/\xf0\x9f\x98\x80x") == "invalid character @4");
  CHECK(data::path_error("/\xe2\x82\xac/\xf0\x9f\x98\x80") == "invalid character @3");  // U+20AC is one unit
  CHECK(valid_path("/caf\xc3\xa9"));         // é
  CHECK(data::parent_path("/a/b") == "/a");
  CHECK(data::parent_path("/a") == "/");
  CHECK(data::parent_path("/").empty());
}

TEST_CASE("acl/digest: ids and checks as ZooKeeper computes them") {
  CHECK(data::digest_id("user:pass") == "user:smGaoVKd/cQkjm7b88GyorAUz20=");
  data::Acl acl{jute::ACL{perm::read, jute::Id{"digest", "user:smGaoVKd/cQkjm7b88GyorAUz20="}}};
  data::Identities anonymous{jute::Id{"ip", "127.0.0.1"}};
  data::Identities user{jute::Id{"ip", "127.0.0.1"}, jute::Id{"digest", "user:smGaoVKd/cQkjm7b88GyorAUz20="}};
  CHECK_FALSE(data::acl_allows(acl, perm::read, anonymous));
  CHECK(data::acl_allows(acl, perm::read, user));
  CHECK_FALSE(data::acl_allows(acl, perm::write, user));
  CHECK(data::acl_allows(acl, perm::write, {jute::Id{"super", ""}}));
  CHECK(data::ip_matches("10.0.0.0/8", "10.1.2.3"));
  CHECK_FALSE(data::ip_matches("10.0.0.0/8", "11.1.2.3"));
  // "auth" expands to the caller's digest identities; with none it is invalid.
  CHECK_FALSE(data::fixup_acl(data::creator_all_acl(), anonymous).has_value());
  auto fixed = data::fixup_acl(data::creator_all_acl(), user);
  REQUIRE(fixed.has_value());
  CHECK(fixed->front().id.scheme == "digest");
  CHECK_FALSE(data::fixup_acl({jute::ACL{perm::all, jute::Id{"world", "someone"}}}, user).has_value());
  CHECK_FALSE(data::fixup_acl({}, user).has_value());
}

TEST_CASE("data_tree/replay: a delete of a missing child still moves its parent's pzxid forward, as ZooKeeper 3.8") {
  // Replay over a fuzzy snapshot: the parent was written before the child's delete, the child
  // (deleted by then) was not written at all.
  DataTree tree;
  tree.apply(create_txn(1, "/p", 1));
  CHECK(tree.apply(delete_txn(7, "/p/gone")).ops.front().err == Err::no_node);
  CHECK(tree.find("/p")->stat.pzxid == 7);
  tree.apply(delete_txn(5, "/p/older"));  // never backwards
  CHECK(tree.find("/p")->stat.pzxid == 7);
}

TEST_CASE("data_tree/replay: a create of a node that exists still moves its parent's cversion and pzxid forward") {
  DataTree tree;
  tree.apply(create_txn(1, "/p", 1));
  tree.apply(create_txn(2, "/p/a", 1));
  // The snapshot has /p at cversion 1 but already holds a later /p/a; the log's create comes again.
  auto again = create_txn(9, "/p/a", 3);
  CHECK(tree.apply(again).ops.front().err == Err::node_exists);
  CHECK(tree.find("/p")->stat.cversion == 3);
  CHECK(tree.find("/p")->stat.pzxid == 9);
  CHECK(tree.apply(create_txn(10, "/p/a", 2)).ops.front().err == Err::node_exists);  // an older cversion: no change
  CHECK(tree.find("/p")->stat.cversion == 3);
  CHECK(tree.find("/p")->stat.pzxid == 9);
}
