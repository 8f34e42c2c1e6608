// The snapshot's byte format (ZooKeeper 3.8's FileSnap): FileHeader{"ZKSN", 2, -1}; sessions
// (int n; long id, int timeout); the ACL map (int n; long key, vector<ACL>); nodes depth-first
// (ustring path, the root as ""; buffer data; long aclKey; StatPersisted) ending with path "/";
// then long Adler32 of everything before it and the string "/"; then the tree's digest
// (ZxidDigest: long zxid, int version, long digest; core/data/digest.h) sealed again by the
// Adler32 of everything before it (the first seal included) and "/" (FileSnap.serialize, 3.6+).
//
// Children are written in name order, ACL keys numbered by first use, so a tree always
// serializes to the same bytes.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/data/data_tree.h"
#include "core/persist/snapshot_error.h"
#include "core/persist/snapshot_stream.h"
#include "core/util/adler32.h"

namespace zablab::persist {

// The whole file at once (a SnapshotWriter run to its end: core/persist/snapshot_writer.h, which
// also writes one a piece at a time while the tree changes).
std::string serialize_snapshot(const data::DataTree& tree);
// What a loaded snapshot's digest said (ZooKeeper's FileSnap.deserialize and DataTree's
// deserializeZxidDigest / compareSnapshotDigests): a line for the log, whether it disagreed with
// the tree, and whether there was none (an older writer: ZooKeeper's "Got EOF exception while
// reading the digest"). A mismatch does not refuse the snapshot: ZooKeeper counts and logs it.
struct SnapshotDigestCheck {
  std::string note;
  bool mismatch = false;
  bool missing = false;
};

// A snapshot file read a piece at a time (recovery reads it from disk in pieces, so that the file
// is never in memory whole beside the tree it becomes): feed() the bytes in order, then finish().
// Both throw SnapshotError naming the byte offset of anything malformed, a bad checksum included.
class SnapshotLoader {
 public:
  explicit SnapshotLoader(bool extended_types_enabled);
  void feed(std::string_view bytes);
  // Replaces `tree` with the snapshot's contents (last processed zxid = `zxid`, from the file name)
  // and hands it the snapshot's digest (DataTree::expect_snapshot_digest).
  SnapshotDigestCheck finish(std::int64_t zxid, data::DataTree& tree);

 private:
  std::string header_;   // the FileHeader's 16 bytes, as they arrive
  SnapshotParser parser_;
  util::Adler32 sum_;    // over the header and the body
  std::string trailer_;  // the seals and the digest after the body
  std::size_t seen_ = 0;
};

// The whole file at once: a SnapshotLoader fed it in pieces.
SnapshotDigestCheck load_snapshot(std::string_view bytes, std::int64_t zxid, bool extended_types_enabled,
                                  data::DataTree& tree);

}  // namespace zablab::persist
