// The snapshot's body read incrementally (core/persist/snapshot_stream.h): any split of the bytes
// gives the same tree; the end is found without a length; damage is named by byte offset; a
// count that promises more than arrives allocates nothing and never completes.
#include <catch2/catch.hpp>

#include <string>

#include "core/data/acl.h"
#include "core/jute/codes.h"
#include "core/jute/io.h"
#include "core/persist/snapshot.h"
#include "core/persist/snapshot_stream.h"

using namespace zablab;

namespace {

data::DataTree sample_tree() {
  data::DataTree tree;
  tree.restore_session(0x1234, 30000);
  tree.restore_session(0x5678, 4000);
  for (int i = 0; i < 40; ++i) {
    data::DataNode n;
    n.data = std::string(static_cast<std::size_t>(i * 37), static_cast<char>('a' + i % 26));
    n.acl = i % 3 ? data::open_acl_unsafe() : data::Acl{jute::ACL{perm::read, jute::Id{"digest", "u:x" + std::to_string(i % 2)}}};
    n.stat.czxid = n.stat.mzxid = i + 1;
    REQUIRE(tree.restore_node("/n" + std::to_string(i), std::move(n)));
  }
  tree.set_last_processed_zxid(40);
  return tree;
}

std::string signed_stream(const data::DataTree& tree) {
  jute::Writer w;
  w.raw(persist::serialize_snapshot_body(tree));
  w.bytes(persist::kSnapshotSignature);
  return w.take();
}

}  // namespace

TEST_CASE("snapshot stream: every split of the bytes gives the same tree as the whole") {
  const data::DataTree tree = sample_tree();
  const std::string stream = signed_stream(tree);
  const std::string expected = persist::serialize_snapshot(tree);
  for (std::size_t piece : {std::size_t{1}, std::size_t{3}, std::size_t{64}, std::size_t{4096}, stream.size()}) {
    INFO("pieces of " << piece << " bytes");
    persist::SnapshotParser parser(false, true);
    for (std::size_t at = 0; at < stream.size(); at += piece) {
      CHECK_FALSE(parser.done());
      CHECK(parser.feed(std::string_view(stream).substr(at, piece)) == std::min(piece, stream.size() - at));
    }
    REQUIRE(parser.done());
    CHECK(persist::serialize_snapshot(parser.take_tree(40)) == expected);
  }
}

TEST_CASE("snapshot stream: the bytes after the signature are not taken") {
  const std::string stream = signed_stream(sample_tree());
  persist::SnapshotParser parser(false, true);
  CHECK(parser.feed(stream + "NEXT") == stream.size());
  CHECK(parser.done());
}

TEST_CASE("snapshot stream: a wrong signature is an error naming its offset") {
  std::string stream = signed_stream(sample_tree());
  stream[stream.size() - 1] = 'X';
  persist::SnapshotParser parser(false, true);
  try {
    parser.feed(stream);
    FAIL("no error");
  } catch (const persist::SnapshotError& e) {
    CHECK(e.offset() == stream.size() - 14);  // where the signature's length starts
    CHECK(std::string(e.what()).find("BenWasHere") != std::string::npos);
  }
}

TEST_CASE("snapshot stream: a count promising more than arrives allocates nothing and waits") {
  jute::Writer w;
  w.i32(0);            // no sessions
  w.i32(1);            // one ACL list...
  w.i64(1);            // ...key 1...
  w.i32(0x7fffffff);   // ...claiming two billion entries, with none behind it
  persist::SnapshotParser parser(false, true);
  CHECK(parser.feed(w.data()) == w.data().size());
  CHECK_FALSE(parser.done());
  CHECK(parser.consumed() == 8);  // the two counts; the ACL list waits for its bytes
}

TEST_CASE("snapshot stream: a length over the limit is an error, not an allocation") {
  jute::Writer w;
  w.i32(0);
  w.i32(0);
  w.i32(0x7ffffff0);  // a node path of 2 GB
  persist::SnapshotParser parser(false, true);
  CHECK_THROWS_AS(parser.feed(w.data()), persist::SnapshotError);
}
