#include "core/persist/snapshot.h"

#include <map>
#include <vector>

#include "core/data/path.h"
#include "core/jute/records.h"
#include "core/persist/disk_layout.h"
#include "core/util/adler32.h"

namespace zablab::persist {

std::string serialize_snapshot(const data::DataTree& tree) {
  jute::Writer w;
  jute::write(w, jute::FileHeader{kSnapshotMagic, kFormatVersion, -1});
  w.i32(static_cast<std::int32_t>(tree.sessions().size()));
  for (const auto& [id, timeout] : tree.sessions()) {
    w.i64(id);
    w.i32(timeout);
  }

  // Depth-first, children in name order; ACLs numbered by first use.
  std::vector<std::string> order;
  std::vector<std::string> stack{"/"};
  while (!stack.empty()) {
    std::string path = std::move(stack.back());
    stack.pop_back();
    const data::DataNode* node = tree.find(path);
    if (!node) continue;
    for (auto it = node->children.rbegin(); it != node->children.rend(); ++it)
      stack.push_back(data::child_path(path, *it));
    order.push_back(std::move(path));
  }
  // ACL lists keyed by their encoded bytes (ACLs have no order of their own).
  auto acl_bytes = [](const data::Acl& acl) {
    jute::Writer aw;
    aw.i32(static_cast<std::int32_t>(acl.size()));
    for (const auto& entry : acl) jute::write(aw, entry);
    return aw.take();
  };
  std::map<std::string, std::int64_t> acl_keys;
  std::vector<std::string> acls;
  for (const auto& path : order) {
    std::string encoded = acl_bytes(tree.find(path)->acl);
    if (acl_keys.emplace(encoded, static_cast<std::int64_t>(acl_keys.size()) + 1).second) acls.push_back(encoded);
  }
  w.i32(static_cast<std::int32_t>(acls.size()));
  for (const auto& encoded : acls) {
    w.i64(acl_keys.at(encoded));
    w.raw(encoded);
  }
  for (const auto& path : order) {
    const data::DataNode& node = *tree.find(path);
    w.bytes(std::string_view(path == "/" ? std::string_view() : std::string_view(path)));
    w.bytes(node.data);
    w.i64(acl_keys.at(acl_bytes(node.acl)));
    jute::write(w, node.stat);
  }
  w.bytes(std::string_view("/"));
  const std::uint32_t checksum = util::adler32(w.data());
  w.i64(static_cast<std::int64_t>(checksum));
  w.bytes(std::string_view("/"));
  return w.take();
}

void load_snapshot(std::string_view bytes, std::int64_t zxid, bool extended_types_enabled, data::DataTree& tree) {
  jute::Reader r(bytes, bytes.size());
  try {
    jute::FileHeader header;
    jute::read(r, header);
    if (header.magic != kSnapshotMagic || header.version != kFormatVersion)
      throw SnapshotError(0, "not a snapshot (bad magic or version)");
    tree.clear();
    const std::int32_t sessions = r.count("sessions");
    for (std::int32_t i = 0; i < sessions; ++i) {
      const std::int64_t id = r.i64("session id");
      tree.restore_session(id, r.i32("session timeout"));
    }
    std::map<std::int64_t, data::Acl> acls;
    acls[-1] = data::open_acl_unsafe();  // ZooKeeper's implicit key for OPEN_ACL_UNSAFE
    const std::int32_t acl_count = r.count("acl map");
    for (std::int32_t i = 0; i < acl_count; ++i) {
      const std::int64_t key = r.i64("acl key");
      data::Acl acl(static_cast<std::size_t>(r.count("acl list")));
      for (auto& entry : acl) jute::read(r, entry);
      acls[key] = std::move(acl);
    }
    for (;;) {
      const std::size_t at = r.pos();
      std::string path = r.str("node path");
      if (path == "/") break;  // end of nodes
      data::DataNode node;
      node.data = r.bytes("node data");
      const std::int64_t acl_key = r.i64("node acl key");
      jute::read(r, node.stat);
      auto acl = acls.find(acl_key);
      if (acl == acls.end()) throw SnapshotError(at, "node " + path + ": unknown acl key " + std::to_string(acl_key));
      node.acl = acl->second;
      node.kind = data::DataTree::kind_of_owner(node.stat.ephemeral_owner, extended_types_enabled);
      if (!tree.restore_node(path.empty() ? "/" : path, std::move(node)))
        throw SnapshotError(at, "node " + path + " comes before its parent");
    }
    const std::size_t sum_at = r.pos();
    const auto expected = static_cast<std::uint32_t>(r.i64("checksum"));
    if (util::adler32(bytes.substr(0, sum_at)) != expected) throw SnapshotError(sum_at, "checksum mismatch");
    if (r.str("end marker") != "/") throw SnapshotError(r.pos(), "missing end marker");
  } catch (const jute::DecodeError& e) {
    throw SnapshotError(e.offset(), e.what());
  }
  tree.set_last_processed_zxid(zxid);
}

}  // namespace zablab::persist
