#include "core/data/data_tree.h"

#include "core/data/path.h"

namespace zablab::data {
namespace {
template <class... F>
struct Overloaded : F... {
  using F::operator()...;
};
template <class... F>
Overloaded(F...) -> Overloaded<F...>;
}  // namespace

DataTree::DataTree() {
  // The initial tree of a fresh ZooKeeper: /, /zookeeper, /zookeeper/quota, /zookeeper/config.
  auto add = [this](const std::string& path, Acl acl, ChildSet children) {
    DataNode node;
    node.data = std::string();
    node.acl = std::move(acl);
    node.children = std::move(children);
    node.content_crc = content_crc(path, node.data);
    rehash(path, node);
    nodes_.emplace(path, std::move(node));
  };
  add("/", open_acl_unsafe(), {"zookeeper"});
  add("/zookeeper", open_acl_unsafe(), {"config", "quota"});
  add("/zookeeper/quota", open_acl_unsafe(), {});
  add("/zookeeper/config", read_acl_unsafe(), {});
}

const DataNode* DataTree::find(std::string_view path) const {
  if (path.empty()) path = "/";
  auto it = nodes_.find(std::string(path));
  return it == nodes_.end() ? nullptr : &it->second;
}

DataNode* DataTree::find_mut(std::string_view path) { return const_cast<DataNode*>(find(path)); }

void DataTree::unhash(std::string_view path, const DataNode& node) {
  if (!digest_excluded(path)) digest_ -= node_digest(node.content_crc, node.stat);
}

void DataTree::rehash(std::string_view path, const DataNode& node) {
  if (!digest_excluded(path)) digest_ += node_digest(node.content_crc, node.stat);
}

jute::Stat DataTree::stat_of(const DataNode& node) {
  const auto& s = node.stat;
  jute::Stat out;
  out.czxid = s.czxid;
  out.mzxid = s.mzxid;
  out.ctime = s.ctime;
  out.mtime = s.mtime;
  out.version = s.version;
  const auto num_children = static_cast<std::int32_t>(node.children.size());
  // Stored cversion counts creates; reporting 2*creates - live children makes it creates + deletes.
  out.cversion = s.cversion * 2 - num_children;
  out.aversion = s.aversion;
  out.ephemeral_owner = node.kind == NodeKind::ephemeral ? s.ephemeral_owner : 0;
  out.data_length = node.data ? static_cast<std::int32_t>(node.data->size()) : 0;
  out.num_children = num_children;
  out.pzxid = s.pzxid;
  return out;
}

std::int64_t DataTree::ttl_owner(std::int64_t ttl_ms) { return ttl_owner_mask | ttl_ms; }
std::int64_t DataTree::ttl_of(const DataNode& node) {
  return node.kind == NodeKind::ttl ? (node.stat.ephemeral_owner & ~ttl_owner_mask) : 0;
}

ApplyResult DataTree::apply(const Txn& txn) {
  ApplyResult result;
  for (const auto& op : txn.ops) result.ops.push_back(apply_op(txn.header, op, result.triggers));
  const std::int64_t zxid = txn.header.zxid;
  if (zxid > last_processed_zxid_) last_processed_zxid_ = zxid;
  if (snapshot_digest_) {
    if (auto m = check_snapshot_digest(zxid)) result.digest_mismatches.push_back(*m);
  } else {
    // Recorded only once the tree is no longer fuzzy.
    last_zxid_digest_ = ZxidDigest{zxid, kDigestVersion, digest()};
    if (zxid % kDigestLogInterval == 0) {
      digest_log_.push_back(*last_zxid_digest_);
      if (digest_log_.size() > kDigestLogLimit) digest_log_.pop_front();
    }
  }
  // ZooKeeper's compareDigest: not while a snapshot's digest waits, nor across digest versions.
  if (txn.digest && !snapshot_digest_ && txn.digest->version == kDigestVersion &&
      txn.digest->tree_digest != digest())
    result.digest_mismatches.push_back({DigestMismatch::Source::txn, zxid, txn.digest->tree_digest, digest()});
  return result;
}

std::optional<DigestMismatch> DataTree::expect_snapshot_digest(const ZxidDigest& digest) {
  // Zxid 0 is an empty digest (a snapshot taken before any txn); one older than the snapshot
  // (a new leader's snapshot at (epoch, 0)) names no state of this tree.
  snapshot_digest_.reset();
  if (digest.zxid > 0 && digest.zxid >= last_processed_zxid_) snapshot_digest_ = digest;
  return snapshot_digest_ ? check_snapshot_digest(last_processed_zxid_) : std::nullopt;
}

std::optional<DigestMismatch> DataTree::check_snapshot_digest(std::int64_t zxid) {
  // ZooKeeper's compareSnapshotDigests: only at the digest's own zxid; a replay that skips past it
  // leaves it waiting (and txn digests unchecked), as there.
  if (zxid != snapshot_digest_->zxid) return std::nullopt;
  const ZxidDigest expected = *snapshot_digest_;
  snapshot_digest_.reset();
  if (expected.version != kDigestVersion || expected.digest == digest()) return std::nullopt;
  return DigestMismatch{DigestMismatch::Source::snapshot, zxid, expected.digest, digest()};
}

OpResult DataTree::apply_op(const jute::TxnHeader& header, const TxnOp& op, std::vector<WatchTrigger>& triggers) {
  return std::visit(
      Overloaded{
          [&](const jute::CreateTxn& t) {
            OpResult r = create_node(t.path, t.data, t.acl, t.ephemeral ? NodeKind::ephemeral : NodeKind::persistent,
                                     t.ephemeral ? header.client_id : 0, t.parent_cversion, header, triggers);
            // Replay over a fuzzy snapshot may meet a node deleted and created again by another
            // session after the parent was written: as ZooKeeper's processTxn (for a txn of type
            // create only), the parent's cversion and pzxid still move forward.
            if (r.err == Err::node_exists && header.type == op::create) {
              DataNode* parent = find_mut(parent_path(t.path));
              const std::int32_t cversion = t.parent_cversion == -1 ? parent->stat.cversion + 1 : t.parent_cversion;
              if (cversion > parent->stat.cversion) {
                const std::string parent_name(parent_path(t.path));
                unhash(parent_name, *parent);
                parent->stat.cversion = cversion;
                parent->stat.pzxid = header.zxid;
                rehash(parent_name, *parent);
              }
            }
            return r;
          },
          [&](const jute::CreateContainerTxn& t) {
            return create_node(t.path, t.data, t.acl, NodeKind::container, container_owner, t.parent_cversion,
                               header, triggers);
          },
          [&](const jute::CreateTTLTxn& t) {
            return create_node(t.path, t.data, t.acl, NodeKind::ttl, ttl_owner(t.ttl), t.parent_cversion, header,
                               triggers);
          },
          [&](const jute::DeleteTxn& t) { return delete_node(t.path, header.zxid, triggers); },
          [&](const jute::SetDataTxn& t) {
            OpResult r{Err::ok, t.path, {}};
            DataNode* node = find_mut(t.path);
            if (!node) {
              r.err = Err::no_node;
              return r;
            }
            unhash(t.path, *node);
            node->data = t.data;
            node->content_crc = content_crc(t.path, node->data);
            node->stat.version = t.version;
            node->stat.mzxid = header.zxid;
            node->stat.mtime = header.time;
            rehash(t.path, *node);
            r.stat = stat_of(*node);
            triggers.push_back({event_type::node_data_changed, t.path});
            return r;
          },
          [&](const jute::SetACLTxn& t) {
            OpResult r{Err::ok, t.path, {}};
            DataNode* node = find_mut(t.path);
            if (!node) {
              r.err = Err::no_node;
              return r;
            }
            unhash(t.path, *node);
            node->acl = t.acl;
            node->stat.aversion = t.version;
            rehash(t.path, *node);
            r.stat = stat_of(*node);
            return r;
          },
          [&](const jute::CheckVersionTxn& t) {
            OpResult r{Err::ok, t.path, {}};
            if (const DataNode* node = find(t.path)) r.stat = stat_of(*node);
            return r;
          },
          [&](const jute::CreateSessionTxn& t) {
            sessions_[header.client_id] = t.time_out;
            return OpResult{};
          },
          [&](const jute::CloseSessionTxn& t) {
            // Delete the listed paths, then anything else the session still owns, in path order.
            std::set<std::string> doomed(t.paths2_delete.begin(), t.paths2_delete.end());
            for (const auto& p : ephemerals(header.client_id)) doomed.insert(p);
            // Children before parents cannot happen for ephemerals (they have no children), so
            // sorted order is a fine deterministic order.
            for (const auto& p : doomed) delete_node(p, header.zxid, triggers);
            sessions_.erase(header.client_id);
            return OpResult{};
          },
          [&](const jute::ErrorTxn& t) { return OpResult{static_cast<Err>(t.err), {}, {}}; },
      },
      op.body);
}

OpResult DataTree::create_node(const std::string& path, const jute::Bytes& data, const Acl& acl, NodeKind kind,
                               std::int64_t owner, std::int32_t parent_cversion, const jute::TxnHeader& header,
                               std::vector<WatchTrigger>& triggers) {
  OpResult r{Err::ok, path, {}};
  const std::string parent_name(parent_path(path));
  DataNode* parent = find_mut(parent_name);
  if (!parent) {
    r.err = Err::no_node;
    return r;
  }
  if (nodes_.count(path)) {
    r.err = Err::node_exists;
    return r;
  }
  if (parent_cversion == -1) parent_cversion = parent->stat.cversion + 1;
  if (parent_cversion > parent->stat.cversion) {
    unhash(parent_name, *parent);
    parent->stat.cversion = parent_cversion;
    parent->stat.pzxid = header.zxid;
    rehash(parent_name, *parent);
  }
  DataNode node;
  node.data = data;
  node.content_crc = content_crc(path, node.data);
  node.acl = acl;
  node.kind = kind;
  node.stat.czxid = node.stat.mzxid = node.stat.pzxid = header.zxid;
  node.stat.ctime = node.stat.mtime = header.time;
  node.stat.ephemeral_owner = owner;
  parent->children.insert(std::string(base_name(path)));
  r.stat = stat_of(node);
  rehash(path, node);
  nodes_.emplace(path, std::move(node));
  if (kind == NodeKind::ephemeral) ephemerals_[owner].insert(path);
  if (kind == NodeKind::container) containers_.insert(path);
  if (kind == NodeKind::ttl) ttl_nodes_.insert(path);
  triggers.push_back({event_type::node_created, path});
  triggers.push_back({event_type::node_children_changed, parent_name});
  return r;
}

OpResult DataTree::delete_node(const std::string& path, std::int64_t zxid, std::vector<WatchTrigger>& triggers) {
  OpResult r{Err::ok, path, {}};
  auto it = nodes_.find(path);
  if (it == nodes_.end()) {
    // Replaying a log over a fuzzy snapshot: the child may be gone already, written out before
    // the parent was (or never written), yet the parent's pzxid must still reach this delete's
    // zxid -- ZooKeeper 3.8's deleteNode moves it before it looks for the child.
    const std::string_view parent_name = parent_path(path);
    if (DataNode* parent = find_mut(parent_name); parent && zxid > parent->stat.pzxid) {
      unhash(parent_name, *parent);
      parent->stat.pzxid = zxid;
      rehash(parent_name, *parent);
    }
    r.err = Err::no_node;
    return r;
  }
  const DataNode& node = it->second;
  if (node.kind == NodeKind::ephemeral) {
    auto eph = ephemerals_.find(node.stat.ephemeral_owner);
    if (eph != ephemerals_.end()) {
      eph->second.erase(path);
      if (eph->second.empty()) ephemerals_.erase(eph);
    }
  }
  containers_.erase(path);
  ttl_nodes_.erase(path);
  unhash(path, node);
  nodes_.erase(it);
  const std::string parent_name(parent_path(path));
  if (DataNode* parent = find_mut(parent_name)) {
    parent->children.erase(std::string(base_name(path)));
    if (zxid > parent->stat.pzxid) {
      unhash(parent_name, *parent);
      parent->stat.pzxid = zxid;
      rehash(parent_name, *parent);
    }
  }
  triggers.push_back({event_type::node_deleted, path});
  triggers.push_back({event_type::node_children_changed, parent_name});
  return r;
}

void DataTree::clear() {
  nodes_.clear();
  ephemerals_.clear();
  containers_.clear();
  ttl_nodes_.clear();
  sessions_.clear();
  last_processed_zxid_ = 0;
  digest_ = 0;
  last_zxid_digest_.reset();
  digest_log_.clear();
  snapshot_digest_.reset();
}

bool DataTree::restore_node(const std::string& path, DataNode node) {
  node.children.clear();
  node.content_crc = content_crc(path, node.data);
  if (path == "/" || path.empty()) {
    if (const DataNode* old = find("/")) unhash("/", *old);
    rehash("/", node);
    nodes_["/"] = std::move(node);
    return true;
  }
  DataNode* parent = find_mut(parent_path(path));
  if (!parent) return false;
  if (const DataNode* old = find(path)) unhash(path, *old);
  rehash(path, node);
  parent->children.insert(std::string(base_name(path)));
  if (node.kind == NodeKind::ephemeral) ephemerals_[node.stat.ephemeral_owner].insert(path);
  if (node.kind == NodeKind::container) containers_.insert(path);
  if (node.kind == NodeKind::ttl) ttl_nodes_.insert(path);
  nodes_[path] = std::move(node);
  return true;
}

NodeKind DataTree::kind_of_owner(std::int64_t owner, bool extended_types_enabled) {
  if (owner == 0) return NodeKind::persistent;
  if (owner == container_owner) return NodeKind::container;
  if (extended_types_enabled && (owner & ttl_owner_mask) == ttl_owner_mask) return NodeKind::ttl;
  return NodeKind::ephemeral;
}

std::int32_t DataTree::descendant_count(std::string_view path) const {
  const DataNode* start = find(path);
  if (!start) return 0;
  std::int32_t count = 0;
  std::vector<std::string> stack{std::string(path.empty() ? "/" : path)};
  while (!stack.empty()) {
    std::string p = std::move(stack.back());
    stack.pop_back();
    const DataNode* n = find(p);
    if (!n) continue;
    for (const auto& c : n->children) {
      ++count;
      stack.push_back(child_path(p, c));
    }
  }
  return count;
}

std::size_t DataTree::approximate_data_size() const {
  std::size_t total = 0;
  for (const auto& [path, node] : nodes_) total += path.size() + (node.data ? node.data->size() : 0);
  return total;
}

std::set<std::string> DataTree::ephemerals(std::int64_t session) const {
  auto it = ephemerals_.find(session);
  return it == ephemerals_.end() ? std::set<std::string>{} : it->second;
}

std::size_t DataTree::ephemeral_count() const {
  std::size_t n = 0;
  for (const auto& [sid, paths] : ephemerals_) n += paths.size();
  return n;
}

}  // namespace zablab::data
