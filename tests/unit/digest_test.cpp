// ZooKeeper's data tree digest (core/data/digest.h): the same number as ZooKeeper 3.8 for the same
// tree, kept incrementally; TxnDigest after a txn; the leader's prediction equal to the tree's
// digest after applying; snapshots sealed with the digest and checked on load.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "core/data/acl.h"
#include "core/data/data_tree.h"
#include "core/data/digest.h"
#include "core/data/path.h"
#include "core/data/txn.h"
#include "core/jute/codes.h"
#include "core/persist/snapshot.h"
#include "core/persist/snapshot_writer.h"
#include "core/server/prep.h"
#include "core/server/session_tracker.h"
#include "core/util/adler32.h"
#include "core/util/crc32.h"
#include "tests/support/txn_builders.h"

using namespace zablab;

namespace {

using test::txn_of;

// The txns DigestOracle.java applies to ZooKeeper 3.8.0's own DataTree (see the test below).
std::vector<data::Txn> oracle_txns() {
  const auto open = data::open_acl_unsafe();
  return {
      txn_of(0, 1, op::create, jute::CreateTxn{"/a", std::string("hello"), open, false, 1}),
      txn_of(0, 2, op::create, jute::CreateTxn{"/a/b", std::string("world"), open, false, 1}),
      txn_of(0, 3, op::set_data, jute::SetDataTxn{"/a", std::string("hello2"), 1}),
      txn_of(0x1234, 4, op::create, jute::CreateTxn{"/e", std::string(), open, true, 2}),
      txn_of(0, 5, op::set_acl, jute::SetACLTxn{"/a", data::read_acl_unsafe(), 1}),
      txn_of(0, 6, op::remove, jute::DeleteTxn{"/a/b"}),
      txn_of(0, 7, op::set_data, jute::SetDataTxn{"/", std::string("root"), 1}),
      txn_of(0, 8, op::create_container, jute::CreateContainerTxn{"/c", std::nullopt, open, 3}),
      txn_of(0x1234, 9, op::close_session, jute::CloseSessionTxn{{"/e"}}),
      txn_of(0, 10, op::create, jute::CreateTxn{"/zookeeper/x", std::string("q"), open, false, 1}),
  };
}

// The digest from scratch: every node's hash, summed by a walk of the whole tree.
std::int64_t digest_by_walk(const data::DataTree& tree) {
  std::uint64_t sum = 0;
  std::vector<std::string> stack{"/"};
  while (!stack.empty()) {
    const std::string path = stack.back();
    stack.pop_back();
    const data::DataNode* node = tree.find(path);
    REQUIRE(node != nullptr);
    sum += data::node_digest(path, node->data, node->stat);
    for (const auto& child : node->children) stack.push_back(data::child_path(path, child));
  }
  return static_cast<std::int64_t>(sum);
}

// A file whose digest block says `digest` instead: the same bytes with the digest and the second
// seal written again.
std::string with_digest(const std::string& file, const data::ZxidDigest& digest) {
  constexpr std::size_t kDigestAndSeal = 20 + 13;
  const std::string head = file.substr(0, file.size() - kDigestAndSeal);
  jute::Writer w;
  w.i64(digest.zxid);
  w.i32(digest.version);
  w.i64(digest.digest);
  util::Adler32 sum;
  sum.update(head);
  sum.update(w.data());
  w.i64(static_cast<std::int64_t>(sum.value()));
  w.bytes(std::string_view("/"));
  return head + w.data();
}

}  // namespace

TEST_CASE("digest/crc32: java.util.zip.CRC32's check value, and continuing a CRC is hashing the concatenation") {
  CHECK(util::crc32("123456789") == 0xCBF43926u);
  CHECK(util::crc32(util::crc32("12345"), "6789") == 0xCBF43926u);
  CHECK(util::crc32("") == 0u);
}

TEST_CASE("digest/ZooKeeper's numbers: a fresh tree and ten txns give the digests ZooKeeper 3.8's DataTree gives") {
  // Computed by ZooKeeper 3.8.0's own DataTree (Debian's zookeeper.jar) applying the same txns:
  //   javac -cp /usr/share/java/zookeeper.jar:/usr/share/java/zookeeper-jute.jar DigestOracle.java
  //   java -cp .:/usr/share/java/zookeeper.jar:/usr/share/java/zookeeper-jute.jar DigestOracle
  // (a dozen lines: new DataTree(), then processTxn(new TxnHeader(session, 1, zxid, 1000 + zxid,
  // type), record) for each txn of oracle_txns(), printing getTreeDigest() before and after each).
  // The fresh tree: "" and "/zookeeper" with empty data and zero stats (quota and config count 0).
  const std::vector<std::int64_t> zookeeper = {
      1371985504, 5756716860, 6325286434, 7501081017, 9071769413, 9262156548,
      4765019432, 7637775815, 9853178459, 4813348122, 6027649438,
  };
  data::DataTree tree;
  CHECK(tree.digest() == zookeeper.at(0));
  const auto txns = oracle_txns();
  for (std::size_t i = 0; i < txns.size(); ++i) {
    INFO("after zxid " << txns[i].zxid());
    tree.apply(txns[i]);
    CHECK(tree.digest() == zookeeper.at(i + 1));
    CHECK(tree.digest() == digest_by_walk(tree));
  }
}

TEST_CASE("digest/incremental: after any txns, even replayed ones that fail, the kept digest is the walk's") {
  data::DataTree tree;
  const auto open = data::open_acl_unsafe();
  for (std::int64_t zxid = 1; zxid <= 200; ++zxid) {
    const std::string path = "/n" + std::to_string(zxid % 17);
    const std::string child = path + "/c" + std::to_string(zxid % 5);
    switch (zxid % 6) {
      case 0: tree.apply(txn_of(0, zxid, op::create, jute::CreateTxn{path, std::string(zxid % 9, 'x'), open, false, -1})); break;
      case 1: tree.apply(txn_of(7, zxid, op::create, jute::CreateTxn{child, std::nullopt, open, false, -1})); break;
      case 2: tree.apply(txn_of(0, zxid, op::set_data, jute::SetDataTxn{path, std::string("d") + path, 3})); break;
      case 3: tree.apply(txn_of(0, zxid, op::remove, jute::DeleteTxn{child})); break;  // may be missing
      case 4: tree.apply(txn_of(0, zxid, op::set_acl, jute::SetACLTxn{path, data::read_acl_unsafe(), 2})); break;
      default: tree.apply(txn_of(0, zxid, op::create, jute::CreateTxn{path, std::string("again"), open, false, 99})); break;
    }
    REQUIRE(tree.digest() == digest_by_walk(tree));
  }
}

TEST_CASE("digest/txn: a TxnDigest follows the txn on the wire and reads back; a txn without one reads as none") {
  data::Txn t = txn_of(5, 0x100000001, op::create, jute::CreateTxn{"/x", std::string("v"), data::open_acl_unsafe(), false, 1});
  const std::string bare = data::encode_txn(t);
  CHECK_FALSE(data::decode_txn(bare).digest.has_value());
  t.digest = jute::TxnDigest{2, -1234567890123LL};
  const std::string with = data::encode_txn(t);
  CHECK(with.size() == bare.size() + 12);
  CHECK(with.substr(0, bare.size()) == bare);
  CHECK(data::decode_txn(with).digest == t.digest);

  data::Txn multi;
  multi.header = jute::TxnHeader{5, 2, 0x100000002, 1, op::multi};
  multi.ops = {{op::set_data, jute::SetDataTxn{"/x", std::string("w"), 1}}, {op::remove, jute::DeleteTxn{"/x"}}};
  multi.digest = jute::TxnDigest{2, 42};
  const data::Txn back = data::decode_txn(data::encode_txn(multi));
  CHECK(back.digest == multi.digest);
  CHECK(back.ops.size() == 2);
}

TEST_CASE("digest/compare: a txn whose digest disagrees with the tree's after applying it is reported") {
  data::DataTree tree;
  data::Txn t = txn_of(0, 1, op::create, jute::CreateTxn{"/a", std::string("v"), data::open_acl_unsafe(), false, 1});
  data::DataTree scratch;
  scratch.apply(t);
  t.digest = jute::TxnDigest{data::kDigestVersion, scratch.digest()};
  data::DataTree same;
  CHECK(same.apply(t).digest_mismatches.empty());
  t.digest->tree_digest += 1;
  const auto result = tree.apply(t);
  REQUIRE(result.digest_mismatches.size() == 1);
  CHECK(result.digest_mismatches[0].source == data::DigestMismatch::Source::txn);
  CHECK(result.digest_mismatches[0].expected == scratch.digest() + 1);
  CHECK(result.digest_mismatches[0].actual == scratch.digest());
  CHECK(data::describe(result.digest_mismatches[0]).find("Digests are not matching") == 0);
  // Another digest version is not compared (ZooKeeper: "Digest version not the same").
  t.header.zxid = 2;
  t.ops[0].body = jute::CreateTxn{"/b", std::string("v"), data::open_acl_unsafe(), false, 2};
  t.digest = jute::TxnDigest{1, 0};
  CHECK(tree.apply(t).digest_mismatches.empty());
}

TEST_CASE("digest/snapshot: a file ends with the tree's zxid digest, sealed again; loading compares it") {
  data::DataTree tree;
  for (const auto& t : oracle_txns()) tree.apply(t);
  const std::string file = persist::serialize_snapshot(tree);
  {
    // The tail: seal (checksum, "/"), ZxidDigest{zxid, 2, digest}, seal.
    jute::Reader r(std::string_view(file).substr(file.size() - 46));
    const auto first_sum = static_cast<std::uint32_t>(r.i64());
    CHECK(r.str() == "/");
    CHECK(first_sum == util::adler32(std::string_view(file).substr(0, file.size() - 46)));
    CHECK(r.i64() == 10);
    CHECK(r.i32() == 2);
    CHECK(r.i64() == tree.digest());
    CHECK(static_cast<std::uint32_t>(r.i64()) == util::adler32(std::string_view(file).substr(0, file.size() - 13)));
    CHECK(r.str() == "/");
  }
  data::DataTree loaded;
  const persist::SnapshotDigestCheck ok = persist::load_snapshot(file, 10, false, loaded);
  CHECK_FALSE(ok.mismatch);
  CHECK_FALSE(ok.missing);
  CHECK(ok.note.find("matches the tree") != std::string::npos);
  CHECK(loaded.digest() == tree.digest());
  CHECK_FALSE(loaded.snapshot_digest_pending());

  // A wrong digest is reported and the snapshot still loads (ZooKeeper counts it and goes on).
  data::DataTree wrong;
  const auto bad = persist::load_snapshot(with_digest(file, {10, 2, tree.digest() ^ 1}), 10, false, wrong);
  CHECK(bad.mismatch);
  CHECK(bad.note.find("Digests are not matching") == 0);
  CHECK(wrong.node_count() == tree.node_count());

  // An empty digest (zxid 0: no txn applied before the snapshot) is not compared.
  data::DataTree empty;
  const auto none = persist::load_snapshot(with_digest(file, {0, 2, 0}), 10, false, empty);
  CHECK_FALSE(none.mismatch);
  CHECK(none.note.find("empty") != std::string::npos);

  // A snapshot of ZooKeeper 3.5 (or of zablab before digests): nothing after the first seal.
  data::DataTree old;
  const auto missing = persist::load_snapshot(file.substr(0, file.size() - 33), 10, false, old);
  CHECK(missing.missing);
  CHECK(old.node_count() == tree.node_count());

  // A digest without its seal is a file cut short: refused, as ZooKeeper's checkSealIntegrity does.
  data::DataTree cut;
  CHECK_THROWS_AS(persist::load_snapshot(file.substr(0, file.size() - 13), 10, false, cut), persist::SnapshotError);
  std::string tampered = file;
  tampered[tampered.size() - 20] ^= 1;  // inside the digest: the second seal no longer matches
  CHECK_THROWS_AS(persist::load_snapshot(tampered, 10, false, cut), persist::SnapshotError);
}

TEST_CASE("digest/fuzzy snapshot: a digest of a later zxid waits for replay, txn digests unchecked until then") {
  data::DataTree tree;
  const auto txns = oracle_txns();
  for (std::size_t i = 0; i < 5; ++i) tree.apply(txns[i]);
  std::string file = persist::serialize_snapshot(tree);  // named zxid 5
  data::DataTree at7 = tree;
  at7.apply(txns[5]);
  at7.apply(txns[6]);
  file = with_digest(file, {7, 2, at7.digest()});  // as if zxids 6 and 7 were applied while writing

  data::DataTree loaded;
  const auto check = persist::load_snapshot(file, 5, false, loaded);
  CHECK(check.note.find("compared once replay reaches") != std::string::npos);
  REQUIRE(loaded.snapshot_digest_pending());
  data::Txn six = txns[5];
  six.digest = jute::TxnDigest{2, 999};  // wrong, but the tree is fuzzy: not compared
  CHECK(loaded.apply(six).digest_mismatches.empty());
  CHECK_FALSE(loaded.last_zxid_digest().has_value());
  CHECK(loaded.apply(txns[6]).digest_mismatches.empty());  // the snapshot's digest matches at zxid 7
  CHECK_FALSE(loaded.snapshot_digest_pending());
  CHECK(loaded.last_zxid_digest() == std::nullopt);  // ZooKeeper records none for the txn that compared
  loaded.apply(txns[7]);
  CHECK(loaded.last_zxid_digest() == data::ZxidDigest{8, 2, loaded.digest()});

  // The same file whose digest disagrees: reported when replay reaches zxid 7.
  data::DataTree bad;
  persist::load_snapshot(with_digest(file, {7, 2, at7.digest() + 5}), 5, false, bad);
  CHECK(bad.apply(txns[5]).digest_mismatches.empty());
  const auto at_seven = bad.apply(txns[6]);
  REQUIRE(at_seven.digest_mismatches.size() == 1);
  CHECK(at_seven.digest_mismatches[0].source == data::DigestMismatch::Source::snapshot);
}

namespace {

jute::CreateRequest create_request(const std::string& path, std::int32_t flags, std::string data = "d") {
  return jute::CreateRequest{path, std::move(data), data::open_acl_unsafe(), flags};
}

}  // namespace

TEST_CASE("digest/prediction: every txn the leader prepares carries the digest the tree has once it is applied") {
  data::DataTree tree;
  server::ServerConfig config;
  server::SessionTracker sessions(1, 2000, 0);
  const std::int64_t session = 0x100;
  sessions.add(session, 30000, 0);
  server::Prep prep(tree, config, sessions);
  const data::Identities ids;
  std::int64_t zxid = 0;
  std::vector<data::Txn> prepared;
  auto request = [&](std::int32_t type, std::string body) {
    const server::WriteRequest req{type, body, session, static_cast<std::int32_t>(zxid + 1), &ids};
    ++zxid;
    server::PrepOutcome out = prep.prep(req, zxid, 5000 + zxid);
    REQUIRE_FALSE(out.malformed);
    REQUIRE(out.txn.digest.has_value());
    prepared.push_back(out.txn);
  };
  auto apply_prepared = [&] {
    // Applied only after several were prepared: the prediction runs ahead of the tree.
    for (const auto& txn : prepared) {
      INFO("txn " << data::txn_to_json(txn));
      const data::ApplyResult r = tree.apply(txn);
      CHECK(r.digest_mismatches.empty());
      CHECK(txn.digest->tree_digest == tree.digest());
      prep.committed(txn.zxid());
    }
    prepared.clear();
  };
  prepared.push_back(prep.create_session_txn(session, 30000, ++zxid, 5000));
  request(op::create, jute::encode(create_request("/app", create_mode::persistent, std::string(300, 'p'))));
  request(op::create, jute::encode(create_request("/app/seq-", create_mode::persistent_sequential)));
  request(op::create, jute::encode(create_request("/app/eph", create_mode::ephemeral)));
  request(op::create_container, jute::encode(create_request("/box", create_mode::container)));
  request(op::create, jute::encode(create_request("/box/item", create_mode::persistent)));
  request(op::set_data, jute::encode(jute::SetDataRequest{"/app", std::string("new"), -1}));
  request(op::set_data, jute::encode(jute::SetDataRequest{"/", std::string("root data"), -1}));
  request(op::set_acl, jute::encode(jute::SetACLRequest{"/app", data::read_acl_unsafe(), -1}));
  request(op::create, jute::encode(create_request("/app", create_mode::persistent)));  // NODEEXISTS: error txn
  apply_prepared();

  request(op::multi, test::multi_request_body({{op::create, jute::encode(create_request("/m", create_mode::persistent))},
                               {op::create, jute::encode(create_request("/m/a", create_mode::persistent))},
                               {op::set_data, jute::encode(jute::SetDataRequest{"/m", std::string("x"), -1})}}));
  request(op::multi, test::multi_request_body({{op::remove, jute::encode(jute::DeleteRequest{"/m/a", -1})},
                               {op::check, jute::encode(jute::CheckVersionRequest{"/m", 99})}}));  // rolled back
  request(op::remove, jute::encode(jute::DeleteRequest{"/box/item", -1}));
  apply_prepared();
  prepared.push_back(prep.delete_container_txn("/box", ++zxid, 7000));
  prepared.push_back(prep.close_session_txn(session, ++zxid, 7000));  // deletes /app/eph
  apply_prepared();
  CHECK(tree.find("/app/eph") == nullptr);
  CHECK(tree.find("/box") == nullptr);
  CHECK(tree.digest() == digest_by_walk(tree));
}
