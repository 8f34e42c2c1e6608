// The snapshot's byte format (ZooKeeper 3.8's FileSnap): FileHeader{"ZKSN", 2, -1}; sessions
// (int n; long id, int timeout); the ACL map (int n; long key, vector<ACL>); nodes depth-first
// (ustring path, the root as ""; buffer data; long aclKey; StatPersisted) ending with path "/";
// then long Adler32 of everything before it and the string "/".
//
// Children are written in name order, ACL keys numbered by first use, so a tree always
// serializes to the same bytes.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

#include "core/data/data_tree.h"

namespace zablab::persist {

class SnapshotError : public std::runtime_error {
 public:
  SnapshotError(std::size_t offset, const std::string& what)
      : std::runtime_error("byte " + std::to_string(offset) + ": " + what), offset_(offset) {}
  std::size_t offset() const { return offset_; }

 private:
  std::size_t offset_;
};

// The whole file at once (a SnapshotWriter run to its end: core/persist/snapshot_writer.h, which
// also writes one a piece at a time while the tree changes).
std::string serialize_snapshot(const data::DataTree& tree);
// Replaces `tree` with the snapshot's contents (last processed zxid = `zxid`, from the file name).
// Throws SnapshotError naming the byte offset on anything malformed, including a bad checksum.
void load_snapshot(std::string_view bytes, std::int64_t zxid, bool extended_types_enabled, data::DataTree& tree);

}  // namespace zablab::persist
