// The data tree's digest history (ZooKeeper's DataTree.digestLog, read by the `hash` four-letter
// word): the digest after every zxid that is a multiple of 128, the newest 1024, none while a
// loaded snapshot's digest waits (the tree is fuzzy), none after the tree is cleared.
#include <catch2/catch.hpp>

#include <cstdint>
#include <vector>

#include "core/data/acl.h"
#include "core/data/data_tree.h"
#include "core/jute/codes.h"
#include "tests/support/txn_builders.h"

using namespace zablab;
using data::DataTree;
using data::ZxidDigest;

namespace {

// setData of /n to a value that changes with the zxid (so does the digest).
void set_n(DataTree& tree, std::int64_t zxid) {
  tree.apply(test::txn_of(1, zxid, op::set_data, jute::SetDataTxn{"/n", std::to_string(zxid), 0}));
}

DataTree tree_with_n() {
  DataTree tree;
  tree.apply(test::txn_of(1, 1, op::create, jute::CreateTxn{"/n", std::string("v"), data::open_acl_unsafe(), false, 1}));
  return tree;
}

std::vector<std::int64_t> zxids(const DataTree& tree) {
  std::vector<std::int64_t> out;
  for (const ZxidDigest& d : tree.digest_log()) out.push_back(d.zxid);
  return out;
}

}  // namespace

TEST_CASE("digest log: the tree's digest after each zxid that is a multiple of 128") {
  DataTree tree = tree_with_n();
  std::vector<ZxidDigest> expected;
  for (std::int64_t zxid = 2; zxid <= 300; ++zxid) {
    set_n(tree, zxid);
    if (zxid % 128 == 0) expected.push_back({zxid, data::kDigestVersion, tree.digest()});
  }
  CHECK(std::vector<ZxidDigest>(tree.digest_log().begin(), tree.digest_log().end()) == expected);
  CHECK((zxids(tree) == std::vector<std::int64_t>{128, 256}));
  // A new epoch's counter restarts: (1, 128) is the next one.
  set_n(tree, (std::int64_t{1} << 32) + 128);
  CHECK(zxids(tree).back() == (std::int64_t{1} << 32) + 128);
}

TEST_CASE("digest log: the newest 1024 are kept, the oldest dropped first") {
  DataTree tree = tree_with_n();
  const std::int64_t last = (1024 + 3) * 128;
  for (std::int64_t zxid = 2; zxid <= last; ++zxid) set_n(tree, zxid);
  REQUIRE(tree.digest_log().size() == 1024);
  CHECK(tree.digest_log().front().zxid == 4 * 128);
  CHECK(tree.digest_log().back().zxid == last);
  tree.clear();
  CHECK(tree.digest_log().empty());
}

TEST_CASE("digest log: nothing is recorded while a loaded snapshot's digest waits, nor at its zxid") {
  DataTree tree = tree_with_n();
  CHECK_FALSE((tree.expect_snapshot_digest(ZxidDigest{256, data::kDigestVersion, 12345})));
  REQUIRE(tree.snapshot_digest_pending());
  for (std::int64_t zxid = 2; zxid <= 400; ++zxid) set_n(tree, zxid);
  // 128: the tree is fuzzy; 256: compared with the snapshot's digest instead (DataTree.processTxn).
  CHECK((zxids(tree) == std::vector<std::int64_t>{384}));
}
