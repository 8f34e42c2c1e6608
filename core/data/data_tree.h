// The DataTree: every znode with its data, ACL and persisted stat, kept in memory; changed only by
// applying committed transactions, in zxid order. Applying is idempotent enough for log replay
// over a fuzzy snapshot (an existing create or a missing delete is reported, not fatal).
//
// Stat semantics follow ZooKeeper 3.8 (see the reference, section 5): the stored cversion counts
// child creates and is reported as 2*stored - numChildren; container and TTL nodes report
// ephemeralOwner 0.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/data/acl.h"
#include "core/data/child_set.h"
#include "core/data/digest.h"
#include "core/data/txn.h"
#include "core/jute/codes.h"
#include "core/jute/records.h"

namespace zablab::data {

enum class NodeKind { persistent, ephemeral, container, ttl };

struct DataNode {
  jute::Bytes data;  // null is kept distinct from empty (zkCli `get` prints "null")
  Acl acl;
  jute::StatPersisted stat;
  NodeKind kind = NodeKind::persistent;
  ChildSet children;  // names, sorted so every listing is deterministic
  // CRC-32 of the path and data (digest.h), kept by the DataTree: a stat-only change (a child
  // created or deleted) rehashes the node without reading its data again.
  std::uint32_t content_crc = 0;
};

// A watch to fire because a txn changed the tree: an event type from core/jute/codes.h + a path.
struct WatchTrigger {
  std::int32_t type;
  std::string path;
  bool operator==(const WatchTrigger&) const = default;
};

// What applying one op did: its error (ok unless replaying, or an error txn), the node's path
// (the sequential name for creates) and the node's stat afterwards.
struct OpResult {
  Err err = Err::ok;
  std::string path;
  jute::Stat stat;
};

struct ApplyResult {
  std::vector<OpResult> ops;            // one per txn op
  std::vector<WatchTrigger> triggers;   // in the order ZooKeeper fires them
  std::vector<DigestMismatch> digest_mismatches;  // empty unless a digest disagreed
};

class DataTree {
 public:
  DataTree();

  // The node at `path` ("" names the root too), or nullptr.
  const DataNode* find(std::string_view path) const;
  // The Stat a client sees for `node`.
  static jute::Stat stat_of(const DataNode& node);

  // Applies a committed txn; its zxid becomes last_processed_zxid. Then, as ZooKeeper's
  // DataTree.processTxn: a loaded snapshot's digest waiting for this zxid is compared, or else the
  // tree's digest is recorded as the last zxid digest; and the txn's TxnDigest, if it has one
  // (and no snapshot digest is still waiting), is compared with the tree's.
  ApplyResult apply(const Txn& txn);

  // The tree's digest (digest.h): the wrapping sum of every node's hash.
  std::int64_t digest() const { return static_cast<std::int64_t>(digest_); }
  // The digest after the last txn applied (DataTree.lastProcessedZxidDigest): what a snapshot
  // file ends with. None before the first txn, or while a loaded snapshot's digest waits.
  const std::optional<ZxidDigest>& last_zxid_digest() const { return last_zxid_digest_; }
  // The digests of the zxids that are multiples of kDigestLogInterval, recorded as the last zxid
  // digest is, the newest kDigestLogLimit of them, oldest first (DataTree.digestLog: the `hash`
  // four-letter word). A new or cleared tree has none.
  static constexpr std::int64_t kDigestLogInterval = 128;
  static constexpr std::size_t kDigestLogLimit = 1024;
  const std::deque<ZxidDigest>& digest_log() const { return digest_log_; }
  // A loaded snapshot's digest (DataTree.deserializeZxidDigest): kept if its zxid is not older
  // than the snapshot's, then compared at once if the tree is at that zxid already, else when
  // replay applies it. Until then txn digests are not compared (the tree is fuzzy).
  std::optional<DigestMismatch> expect_snapshot_digest(const ZxidDigest& digest);
  const std::optional<ZxidDigest>& snapshot_digest_pending() const { return snapshot_digest_; }

  std::int64_t last_processed_zxid() const { return last_processed_zxid_; }
  std::size_t node_count() const { return nodes_.size(); }
  // Every node strictly below `path` (getAllChildrenNumber).
  std::int32_t descendant_count(std::string_view path) const;
  std::size_t approximate_data_size() const;

  // Ephemeral paths owned by `session`, sorted.
  std::set<std::string> ephemerals(std::int64_t session) const;
  const std::map<std::int64_t, std::set<std::string>>& ephemerals_by_session() const { return ephemerals_; }
  std::size_t ephemeral_count() const;
  // Containers and TTL nodes, for the reaper.
  const std::set<std::string>& containers() const { return containers_; }
  const std::set<std::string>& ttl_nodes() const { return ttl_nodes_; }
  // Sessions created and not yet closed by a txn, with their timeouts (snapshots store these).
  const std::map<std::int64_t, std::int32_t>& sessions() const { return sessions_; }

  // --- loading a snapshot: an empty tree, then nodes parents-first ---
  void clear();
  // Adds (or for "/" replaces) a node; `node.children` is ignored and rebuilt from later nodes.
  // Returns false if the parent is missing.
  bool restore_node(const std::string& path, DataNode node);
  void restore_session(std::int64_t id, std::int32_t timeout_ms) { sessions_[id] = timeout_ms; }
  void set_last_processed_zxid(std::int64_t zxid) { last_processed_zxid_ = zxid; }
  // The kind a stored ephemeralOwner denotes (TTL encodings need extended types enabled).
  static NodeKind kind_of_owner(std::int64_t owner, bool extended_types_enabled);

  // The stored ephemeralOwner of a TTL node (ZooKeeper's EphemeralType.TTL encoding).
  static std::int64_t ttl_owner(std::int64_t ttl_ms);
  static std::int64_t ttl_of(const DataNode& node);

 private:
  OpResult apply_op(const jute::TxnHeader& header, const TxnOp& op, std::vector<WatchTrigger>& triggers);
  OpResult create_node(const std::string& path, const jute::Bytes& data, const Acl& acl, NodeKind kind,
                       std::int64_t owner, std::int32_t parent_cversion, const jute::TxnHeader& header,
                       std::vector<WatchTrigger>& triggers);
  OpResult delete_node(const std::string& path, std::int64_t zxid, std::vector<WatchTrigger>& triggers);
  DataNode* find_mut(std::string_view path);
  // Takes a node's hash out of the digest before it changes, and puts it back after
  // (ZooKeeper's NodeHashMap preChange / postChange).
  void unhash(std::string_view path, const DataNode& node);
  void rehash(std::string_view path, const DataNode& node);
  std::optional<DigestMismatch> check_snapshot_digest(std::int64_t zxid);

  std::unordered_map<std::string, DataNode> nodes_;  // never iterated where order could leak out
  std::map<std::int64_t, std::set<std::string>> ephemerals_;
  std::set<std::string> containers_;
  std::set<std::string> ttl_nodes_;
  std::map<std::int64_t, std::int32_t> sessions_;
  std::int64_t last_processed_zxid_ = 0;
  std::uint64_t digest_ = 0;  // wraps, as Java's long sum does
  std::optional<ZxidDigest> last_zxid_digest_;
  std::deque<ZxidDigest> digest_log_;
  std::optional<ZxidDigest> snapshot_digest_;
};

}  // namespace zablab::data
