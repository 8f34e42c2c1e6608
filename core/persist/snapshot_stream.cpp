#include "core/persist/snapshot_stream.h"

#include <map>
#include <optional>
#include <vector>

#include "core/data/path.h"
#include "core/jute/records.h"
#include "core/persist/snapshot.h"

namespace zablab::persist {
namespace {

constexpr std::size_t kStatSize = 60;  // StatPersisted: 6 longs, 3 ints

std::int32_t be32(std::string_view in, std::size_t at) {
  std::uint32_t u = 0;
  for (int i = 0; i < 4; ++i) u = (u << 8) | static_cast<unsigned char>(in[at + i]);
  return static_cast<std::int32_t>(u);
}

}  // namespace

SnapshotParser::SnapshotParser(bool extended_types_enabled, bool signed_stream, std::size_t base_offset,
                               std::size_t max_field)
    : extended_types_enabled_(extended_types_enabled),
      signed_stream_(signed_stream),
      base_offset_(base_offset),
      max_field_(max_field) {
  acls_[-1] = data::open_acl_unsafe();  // ZooKeeper's implicit key for OPEN_ACL_UNSAFE
  tree_.clear();  // the snapshot holds every node, /zookeeper too: nothing of a fresh tree stays
}

void SnapshotParser::malformed(std::size_t at, const std::string& what) const {
  throw SnapshotError(base_offset_ + at, what);
}

std::size_t SnapshotParser::feed(std::string_view bytes) {
  if (done()) return 0;
  const std::size_t before = pending_at_ + pending_.size();
  pending_.append(bytes);
  while (step()) {
  }
  if (done()) {
    // The snapshot ended inside these bytes: the rest is not ours.
    const std::size_t end = consumed_;
    pending_.clear();
    return end - before;
  }
  return bytes.size();
}

bool SnapshotParser::step() {
  const std::string_view in = pending_;
  const std::size_t at = consumed_ - pending_at_;  // where the next record starts in pending_
  const std::size_t avail = in.size() - at;
  // The size of a buffer/ustring starting `off` bytes into the record, once its length is here.
  auto field = [&](std::size_t off, const char* what) -> std::optional<std::size_t> {
    if (avail < off + 4) return std::nullopt;
    const std::int32_t len = be32(in, at + off);
    if (len == -1) return 4;
    if (len < 0 || static_cast<std::size_t>(len) > max_field_)
      malformed(consumed_ + off, std::string(what) + ": length " + std::to_string(len) + " out of range");
    return 4 + static_cast<std::size_t>(len);
  };
  auto reader = [&](std::size_t size) { return jute::Reader(in.substr(at, size), max_field_); };
  std::size_t size = 0;
  try {
    switch (stage_) {
      case Stage::session_count:
      case Stage::acl_count: {
        if (avail < 4) return false;
        const std::int32_t n = be32(in, at);
        if (n < -1) malformed(consumed_, std::string(stage_ == Stage::acl_count ? "acl map" : "sessions") +
                                             ": negative count " + std::to_string(n));
        left_ = n < 0 ? 0 : n;
        size = 4;
        stage_ = stage_ == Stage::acl_count ? Stage::acls : Stage::sessions;
        break;
      }
      case Stage::sessions: {
        if (left_ == 0) {
          stage_ = Stage::acl_count;
          return true;
        }
        if (avail < 12) return false;
        auto r = reader(12);
        const std::int64_t id = r.i64("session id");
        tree_.restore_session(id, r.i32("session timeout"));
        size = 12;
        --left_;
        break;
      }
      case Stage::acls: {
        if (left_ == 0) {
          stage_ = Stage::nodes;
          return true;
        }
        // long key, int count, then (int perms, ustring scheme, ustring id) per entry.
        if (avail < 12) return false;
        const std::int32_t n = be32(in, at + 8);
        if (n < -1) malformed(consumed_ + 8, "acl list: negative count " + std::to_string(n));
        size = 12;
        for (std::int32_t i = 0; i < n; ++i) {
          size += 4;
          for (const char* what : {"acl scheme", "acl id"}) {
            const auto f = field(size, what);
            if (!f) return false;
            size += *f;
          }
          if (avail < size) return false;
        }
        auto r = reader(size);
        const std::int64_t key = r.i64("acl key");
        data::Acl acl(static_cast<std::size_t>(r.count("acl list")));
        for (auto& entry : acl) jute::read(r, entry);
        acls_[key] = std::move(acl);
        --left_;
        break;
      }
      case Stage::nodes: {
        const auto path_size = field(0, "node path");
        if (!path_size || avail < *path_size) return false;
        std::string path = reader(*path_size).str("node path");
        if (path == "/") {  // the end of the nodes
          size = *path_size;
          stage_ = signed_stream_ ? Stage::signature : Stage::done;
          break;
        }
        const auto data_size = field(*path_size, "node data");
        if (!data_size) return false;
        size = *path_size + *data_size + 8 + kStatSize;
        if (avail < size) return false;
        auto r = reader(size);
        r.skip(*path_size);
        data::DataNode node;
        node.data = r.bytes("node data");
        const std::int64_t acl_key = r.i64("node acl key");
        jute::read(r, node.stat);
        auto acl = acls_.find(acl_key);
        if (acl == acls_.end()) malformed(consumed_, "node " + path + ": unknown acl key " + std::to_string(acl_key));
        node.acl = acl->second;
        node.kind = data::DataTree::kind_of_owner(node.stat.ephemeral_owner, extended_types_enabled_);
        if (!tree_.restore_node(path.empty() ? "/" : path, std::move(node)))
          malformed(consumed_, "node " + path + " comes before its parent");
        break;
      }
      case Stage::signature: {
        const auto sig_size = field(0, "signature");
        if (!sig_size || avail < *sig_size) return false;
        if (reader(*sig_size).str("signature") != kSnapshotSignature)
          malformed(consumed_, "missing signature \"BenWasHere\" after the snapshot");
        size = *sig_size;
        stage_ = Stage::done;
        break;
      }
      case Stage::done:
        return false;
    }
  } catch (const jute::DecodeError& e) {
    malformed(consumed_ + e.offset(), e.what());
  }
  consumed_ += size;
  // Drop what was read once it is most of the buffer (keeps appends amortized O(1)).
  const std::size_t read = consumed_ - pending_at_;
  if (read > (1u << 16) && read * 2 > pending_.size()) {
    pending_.erase(0, read);
    pending_at_ = consumed_;
  }
  return stage_ != Stage::done;
}

data::DataTree SnapshotParser::take_tree(std::int64_t zxid) {
  tree_.set_last_processed_zxid(zxid);
  return std::move(tree_);
}

}  // namespace zablab::persist
