// A snapshot's body -- sessions, the ACL map, the nodes depth-first, the "/" end path -- read
// incrementally, as bytes arrive.
//
// The same body is inside a snapshot file (after its FileHeader, before its checksum) and on the
// quorum port after a SNAP packet, where ZooKeeper's leader writes it straight onto the stream and
// ends it with the string "BenWasHere" (LearnerHandler / Learner.syncWithLeader). A learner cannot
// take a snapshot of hundreds of MB as one message, so it feeds the parser each piece as it comes;
// the parser keeps only the record it is in the middle of.
//
// Nothing is allocated for what has not arrived: a count (sessions, ACL entries) is taken as a
// promise, and each element is read only once its bytes are here, so a lying count costs nothing.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "core/data/acl.h"
#include "core/data/data_tree.h"
#include "core/persist/snapshot_error.h"

namespace zablab::persist {

// The signature ZooKeeper's leader writes after the snapshot on the quorum port.
inline constexpr std::string_view kSnapshotSignature = "BenWasHere";

// The whole body at once; SnapshotWriter (snapshot_writer.h, Form::body) gives it piece by piece.
std::string serialize_snapshot_body(const data::DataTree& tree);

class SnapshotParser {
 public:
  // `signed_stream`: a "BenWasHere" string follows the body (the quorum port); a file's body ends
  // at the "/" path. `base_offset` is added to every offset an error names (a file's header).
  SnapshotParser(bool extended_types_enabled, bool signed_stream, std::size_t base_offset = 0,
                 std::size_t max_field = 0xFFFFF * 2);

  // Takes the next bytes. Returns how many of them belong to the snapshot: all of them until it
  // ends, then those up to its end (what follows is not the parser's). Throws SnapshotError naming
  // the byte offset of anything malformed.
  std::size_t feed(std::string_view bytes);
  bool done() const { return stage_ == Stage::done; }
  // Bytes of the snapshot taken so far.
  std::size_t consumed() const { return consumed_; }
  // The tree read, once done(); its last processed zxid is `zxid`.
  data::DataTree take_tree(std::int64_t zxid);

 private:
  enum class Stage { session_count, sessions, acl_count, acls, nodes, signature, done };
  // Reads as many whole records from pending_ as are there; returns false when it needs more.
  bool step();
  [[noreturn]] void malformed(std::size_t at, const std::string& what) const;

  bool extended_types_enabled_;
  bool signed_stream_;
  std::size_t base_offset_;
  std::size_t max_field_;
  Stage stage_ = Stage::session_count;
  std::string pending_;       // bytes fed and not yet read
  std::size_t pending_at_ = 0;  // offset of pending_[0] in the snapshot
  std::size_t consumed_ = 0;
  std::int64_t left_ = 0;       // sessions or ACL lists still to read
  data::DataTree tree_;
  std::map<std::int64_t, data::Acl> acls_;
};

}  // namespace zablab::persist
