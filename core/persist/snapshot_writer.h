// A snapshot serialized a bounded piece at a time, so that a server goes on applying txns between
// the pieces -- ZooKeeper's fuzzy snapshot: named by the last processed zxid when it starts, each
// node written as it is when the writer reaches it. Recovery loads it and replays the log from
// that zxid on, which brings every node to where the log says (see docs/formats/disk.md).
//
// The bytes are those of snapshot.h (a file) or of snapshot_stream.h's body (the quorum port after
// SNAP): a writer run to its end with no change in between writes exactly serialize_snapshot /
// serialize_snapshot_body's bytes (those two, defined in snapshot_writer.cpp, are such runs).
//
// Order of work (the format wants the ACL map before the nodes): the sessions, as they are at the
// start; one pass over the nodes that numbers their ACLs by first use; the ACL map; a second pass
// that writes the nodes depth-first, children in name order; the "/" end path; for a file, the
// trailer (write_snapshot_trailer: the checksum and end marker, the tree's digest, a second seal).
//
// A fuzzy writer leaves out every node created after the start (czxid above its zxid) together
// with its subtree: the log recreates them, so replay never meets a create of a node the snapshot
// holds. A node whose ACL is new since the first pass (a setACL after the start) is written with
// key -1 (OPEN_ACL_UNSAFE); the setACL in the log restores it.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "core/data/data_tree.h"
#include "core/util/adler32.h"

namespace zablab::persist {

class SnapshotWriter {
 public:
  enum class Form {
    file,  // FileHeader, body, trailer: a snapshot.<zxid> file
    body,  // the body alone: what a leader streams after SNAP
  };
  // `tree` must outlive the writer; between pieces it may change only by applying txns (fuzzy)
  // or, if not fuzzy, not at all.
  SnapshotWriter(const data::DataTree& tree, Form form, bool fuzzy);

  // The last processed zxid when the writer started: the snapshot's name.
  std::int64_t zxid() const { return zxid_; }
  // Appends the next piece to `out`: about `budget` bytes, or the work of reading about that
  // many bytes of nodes (the first pass writes nothing). Returns false once the end is written.
  bool next(std::string& out, std::size_t budget);
  bool done() const { return stage_ == Stage::done; }
  // Bytes written so far.
  std::uint64_t written() const { return written_; }

 private:
  enum class Stage { acl_pass, node_pass, done };
  struct Frame {
    std::string path;
    std::string last_child;  // the child visited last; empty before the first
    bool started = false;
  };

  // The next node in depth-first name order (its path in `path`), or nullptr at the end.
  const data::DataNode* advance(std::string& path);
  void restart_walk();
  std::int64_t acl_key(const data::Acl& acl, bool may_add);
  void emit(std::string& out, std::size_t from);

  const data::DataTree& tree_;
  Form form_;
  bool fuzzy_;
  std::int64_t zxid_;
  Stage stage_ = Stage::acl_pass;
  std::vector<Frame> walk_;
  bool root_pending_ = true;
  std::map<std::string, std::int64_t> acl_keys_;  // encoded ACL list -> key, numbered by first use
  std::vector<const std::string*> acls_in_order_;
  data::Acl cached_acl_;  // the last ACL looked up, with its key: most nodes share one
  std::int64_t cached_key_ = 0;
  std::string head_;  // header and sessions, written before the first pass's first piece
  util::Adler32 checksum_;
  std::uint64_t written_ = 0;
};

// The end of a snapshot file after its last node, as ZooKeeper 3.6+ writes it: the Adler-32 of every
// byte before it (`checksum` has taken them all) and the string "/"; the tree's last zxid digest
// (an empty one, zxid 0, before the tree applied a txn, as ZooKeeper writes); the Adler-32 again,
// now of everything before it, and "/". A fuzzy snapshot's digest is the tree's when the writer
// ends, at a zxid at or above the snapshot's: recovery compares it when replay reaches that zxid.
void write_snapshot_trailer(std::string& out, util::Adler32 checksum, const data::DataTree& tree);

}  // namespace zablab::persist
