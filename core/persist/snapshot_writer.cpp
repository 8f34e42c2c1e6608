#include "core/persist/snapshot_writer.h"

#include "core/data/path.h"
#include "core/jute/records.h"
#include "core/persist/disk_layout.h"
#include "core/persist/snapshot.h"
#include "core/persist/snapshot_stream.h"

namespace zablab::persist {
namespace {

// What visiting a node costs, counted against a piece's budget like that many bytes written: the
// first pass writes nothing, yet a piece of it must stay as short as a piece of the second.
constexpr std::size_t kVisitCost = 256;

std::string encode_acl(const data::Acl& acl) {
  jute::Writer w;
  w.i32(static_cast<std::int32_t>(acl.size()));
  for (const auto& entry : acl) jute::write(w, entry);
  return w.take();
}

}  // namespace

SnapshotWriter::SnapshotWriter(const data::DataTree& tree, Form form, bool fuzzy)
    : tree_(tree), form_(form), fuzzy_(fuzzy), zxid_(tree.last_processed_zxid()) {
  // The sessions as they are now: the log after zxid_ creates and closes the others.
  jute::Writer w;
  if (form_ == Form::file) jute::write(w, jute::FileHeader{kSnapshotMagic, kFormatVersion, -1});
  w.i32(static_cast<std::int32_t>(tree.sessions().size()));
  for (const auto& [id, timeout] : tree.sessions()) {
    w.i64(id);
    w.i32(timeout);
  }
  head_ = w.take();
}

void SnapshotWriter::restart_walk() {
  walk_.clear();
  root_pending_ = true;
}

const data::DataNode* SnapshotWriter::advance(std::string& path) {
  if (root_pending_) {
    root_pending_ = false;
    const data::DataNode* root = tree_.find("/");
    if (!root) return nullptr;
    walk_.push_back(Frame{"/", {}, false});
    path.assign(1, '/');
    return root;
  }
  // Resumes each level after the child it visited last, by name: whatever was created or deleted
  // since, the walk neither repeats a node nor loses one that stayed.
  while (!walk_.empty()) {
    Frame& top = walk_.back();
    const data::DataNode* parent = tree_.find(top.path);
    if (!parent) {  // deleted since (with its children, which went first)
      walk_.pop_back();
      continue;
    }
    auto it = top.started ? parent->children.upper_bound(top.last_child) : parent->children.begin();
    if (it == parent->children.end()) {
      walk_.pop_back();
      continue;
    }
    top.last_child = *it;
    top.started = true;
    std::string child = data::child_path(top.path, *it);
    const data::DataNode* node = tree_.find(child);
    if (!node) continue;
    // Created after the start, and so is everything under it: the log recreates them.
    if (fuzzy_ && node->stat.czxid > zxid_) continue;
    walk_.push_back(Frame{child, {}, false});
    path = std::move(child);
    return node;
  }
  return nullptr;
}

std::int64_t SnapshotWriter::acl_key(const data::Acl& acl, bool may_add) {
  if (cached_key_ != 0 && acl == cached_acl_) return cached_key_;
  std::string encoded = encode_acl(acl);
  std::int64_t key = -1;  // OPEN_ACL_UNSAFE: a placeholder the log's setACL replaces
  if (auto it = acl_keys_.find(encoded); it != acl_keys_.end()) {
    key = it->second;
  } else if (may_add) {
    key = static_cast<std::int64_t>(acl_keys_.size()) + 1;
    acls_in_order_.push_back(&acl_keys_.emplace(std::move(encoded), key).first->first);
  }
  cached_acl_ = acl;
  cached_key_ = key;
  return key;
}

void SnapshotWriter::emit(std::string& out, std::size_t from) {
  const std::string_view piece = std::string_view(out).substr(from);
  checksum_.update(piece);
  written_ += piece.size();
}

bool SnapshotWriter::next(std::string& out, std::size_t budget) {
  if (done()) return false;
  const std::size_t from = out.size();
  out += head_;
  head_.clear();
  head_.shrink_to_fit();
  jute::Writer w;
  std::size_t work = 0;
  std::string path;
  while (w.size() < budget && work < budget) {
    const data::DataNode* node = advance(path);
    if (stage_ == Stage::acl_pass) {
      if (node) {
        acl_key(node->acl, true);
        work += kVisitCost;
        continue;
      }
      w.i32(static_cast<std::int32_t>(acls_in_order_.size()));
      for (std::size_t i = 0; i < acls_in_order_.size(); ++i) {
        w.i64(static_cast<std::int64_t>(i) + 1);
        w.raw(*acls_in_order_[i]);
      }
      restart_walk();
      stage_ = Stage::node_pass;
      continue;
    }
    if (!node) {
      w.bytes(std::string_view("/"));  // the end of the nodes
      stage_ = Stage::done;
      break;
    }
    w.bytes(std::string_view(path == "/" ? std::string_view() : std::string_view(path)));
    w.bytes(node->data);
    w.i64(acl_key(node->acl, false));
    jute::write(w, node->stat);
    work += kVisitCost;
  }
  out += w.data();
  emit(out, from);
  if (done() && form_ == Form::file) {
    const std::size_t trailer_from = out.size();
    write_snapshot_trailer(out, checksum_, tree_);
    written_ += out.size() - trailer_from;
  }
  return !done();
}

void write_snapshot_trailer(std::string& out, util::Adler32 checksum, const data::DataTree& tree) {
  jute::Writer w;
  w.i64(static_cast<std::int64_t>(checksum.value()));
  w.bytes(std::string_view("/"));
  const data::ZxidDigest digest = tree.last_zxid_digest().value_or(data::ZxidDigest{});
  w.i64(digest.zxid);
  w.i32(digest.version);
  w.i64(digest.digest);
  checksum.update(w.data());  // the second seal covers the first and the digest too
  w.i64(static_cast<std::int64_t>(checksum.value()));
  w.bytes(std::string_view("/"));
  out += w.data();
}

namespace {

std::string serialize_whole(const data::DataTree& tree, SnapshotWriter::Form form) {
  SnapshotWriter writer(tree, form, false);
  std::string out;
  while (writer.next(out, std::size_t{1} << 30)) {
  }
  return out;
}

}  // namespace

std::string serialize_snapshot(const data::DataTree& tree) {
  return serialize_whole(tree, SnapshotWriter::Form::file);
}

std::string serialize_snapshot_body(const data::DataTree& tree) {
  return serialize_whole(tree, SnapshotWriter::Form::body);
}

}  // namespace zablab::persist
