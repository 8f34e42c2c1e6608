#include "core/server/prep.h"

#include <cstdio>

#include "core/data/digest.h"
#include "core/data/path.h"
#include "core/jute/codes.h"

namespace zablab::server {
namespace {

bool is_system_path(std::string_view path) {
  return path == "/" || path == "/zookeeper" || path == "/zookeeper/quota" || path == "/zookeeper/config";
}

}  // namespace

Prep::Record Prep::record(const std::string& path) const {
  auto it = changes_.find(path);
  if (it != changes_.end()) return it->second;
  Record rec;
  if (const data::DataNode* node = tree_.find(path)) {
    rec.exists = true;
    rec.stat = node->stat;
    rec.child_count = static_cast<std::int32_t>(node->children.size());
    rec.acl = node->acl;
    rec.kind = node->kind;
    rec.content_crc = node->content_crc;
  }
  return rec;
}

Prep::Record Prep::existing(const std::string& path) const {
  Record rec = record(path);
  if (!rec.exists) throw Failed{Err::no_node};
  return rec;
}

void Prep::put(const std::string& path, Record rec, std::int64_t zxid) {
  rec.zxid = zxid;
  auto it = changes_.find(path);
  if (!data::digest_excluded(path)) {
    // The node's hash as it stands (prepared or in the tree) out, its hash as recorded in.
    if (it != changes_.end()) {
      if (it->second.exists) digest_ -= data::node_digest(it->second.content_crc, it->second.stat);
    } else if (const data::DataNode* node = tree_.find(path)) {
      digest_ -= data::node_digest(node->content_crc, node->stat);
    }
    if (rec.exists) digest_ += data::node_digest(rec.content_crc, rec.stat);
  }
  if (it == changes_.end()) {
    undo_.emplace_back(path, std::nullopt);
    changes_.emplace(path, std::move(rec));
  } else {
    undo_.emplace_back(path, std::move(it->second));
    it->second = std::move(rec);
  }
}

void Prep::roll_back() {
  for (auto it = undo_.rbegin(); it != undo_.rend(); ++it) {
    if (it->second) {
      changes_[it->first] = std::move(*it->second);
    } else {
      changes_.erase(it->first);
    }
  }
  undo_.clear();
  digest_ = static_cast<std::uint64_t>(digest_at_begin_);
}

std::int64_t Prep::predicted_digest() const {
  return digests_.empty() ? tree_.digest() : digests_.rbegin()->second;
}

void Prep::begin_txn() {
  digest_at_begin_ = predicted_digest();
  digest_ = static_cast<std::uint64_t>(digest_at_begin_);
}

void Prep::finish_txn(data::Txn& txn) {
  const auto digest = static_cast<std::int64_t>(digest_);
  txn.digest = jute::TxnDigest{data::kDigestVersion, digest};
  digests_[txn.zxid()] = digest;
}

void Prep::record_removal(const std::string& path, std::int64_t zxid) {
  const std::string parent_name(data::parent_path(path));
  Record parent = record(parent_name);
  if (parent.exists) {
    parent.child_count -= 1;
    parent.stat.pzxid = zxid;
    put(parent_name, parent, zxid);
  }
  put(path, Record{}, zxid);  // exists = false
}

void Prep::check_session(std::int64_t session_id) const {
  const Session* s = sessions_.find(session_id);
  if (!s) throw Failed{Err::unknown_session};
  if (s->closing) throw Failed{Err::session_expired};
}

void Prep::check_perm(const Record& rec, std::int32_t perm, const data::Identities& ids) const {
  if (config_.skip_acl) return;
  if (!data::acl_allows(rec.acl, perm, ids)) throw Failed{Err::no_auth};
}

data::Acl Prep::fixed_acl(const data::Acl& acl, const data::Identities& ids) const {
  auto fixed = data::fixup_acl(acl, ids);
  if (!fixed) throw Failed{Err::invalid_acl};
  return *fixed;
}

void Prep::committed(std::int64_t zxid) {
  for (auto it = changes_.begin(); it != changes_.end();) it = it->second.zxid <= zxid ? changes_.erase(it) : std::next(it);
  digests_.erase(digests_.begin(), digests_.upper_bound(zxid));
}

PrepOutcome Prep::prep(const WriteRequest& request, std::int64_t zxid, std::int64_t time_ms) {
  undo_.clear();
  begin_txn();
  PrepOutcome out = prep_request(request, zxid, time_ms);
  // A malformed request consumes no zxid, but a leader turns it into an error txn: its digest is
  // the unchanged prediction.
  finish_txn(out.txn);
  // A closeSession cannot be refused (its session is closing already); ZOOKEEPER-4306 bounds it
  // at the creates instead, which zablab does not yet.
  if (out.malformed || out.txn.header.type == op::error || request.type == op::close_session) {
    undo_.clear();
    return out;
  }
  // A txn is logged, proposed and read back whole, by this server and by every follower, each
  // bounding a record as ZooKeeper's readers do: jute.maxbuffer plus jute.maxbuffer.extrasize
  // (equal to it by default), i.e. twice jute.maxbuffer. A request can grow on its way to a txn
  // (an "auth" ACL becomes every identity of the connection, once per create of a multi), so the
  // txn itself is measured, TxnDigest included: one too large to read back is refused here, never
  // acknowledged.
  // (ZooKeeper 3.8 logs and proposes it: ZOOKEEPER-2101 / 3496; docs/fidelity.md.)
  const std::size_t size = data::encode_txn(out.txn).size();
  if (size > max_txn_bytes()) {
    roll_back();
    out.oversized = size;
    out.txn.header.type = op::error;
    out.txn.ops = {data::TxnOp{op::error, jute::ErrorTxn{static_cast<std::int32_t>(Err::bad_arguments)}}};
    finish_txn(out.txn);
  }
  undo_.clear();
  return out;
}

PrepOutcome Prep::prep_request(const WriteRequest& request, std::int64_t zxid, std::int64_t time_ms) {
  PrepOutcome out;
  out.txn.header = jute::TxnHeader{request.session_id, request.cxid, zxid, time_ms, request.type};
  if (request.type == op::multi) return prep_multi(request, zxid, time_ms);
  if (request.type == op::close_session) {
    out.txn = close_session_txn(request.session_id, zxid, time_ms);
    out.txn.header.cxid = request.cxid;
    return out;
  }
  // A single op records its changes only after every check passed: nothing to roll back.
  jute::Reader body(request.body, config_.max_buffer * 2);
  try {
    out.txn.ops.push_back(prep_op(request.type, body, request, zxid, time_ms));
  } catch (const Failed& f) {
    out.txn.header.type = op::error;
    out.txn.ops = {data::TxnOp{op::error, jute::ErrorTxn{static_cast<std::int32_t>(f.err)}}};
  } catch (const jute::DecodeError& e) {
    out.malformed = std::string(op::name(request.type)) + " request: " + e.what();
  }
  return out;
}

data::TxnOp Prep::prep_op(std::int32_t type, jute::Reader& body, const WriteRequest& request, std::int64_t zxid,
                          std::int64_t time_ms) {
  switch (type) {
    case op::create:
    case op::create2:
    case op::create_container:
    case op::create_ttl:
      return prep_create(type, body, request, zxid, time_ms);
    case op::remove:
      return prep_delete(body, request, zxid);
    case op::set_data:
      return prep_set_data(body, request, zxid, time_ms);
    case op::set_acl:
      return prep_set_acl(body, request, zxid);
    case op::check:
      return prep_check(body, request);
    default:
      throw jute::DecodeError(0, "not a write op: " + std::to_string(type));
  }
}

data::TxnOp Prep::prep_create(std::int32_t type, jute::Reader& body, const WriteRequest& request,
                              std::int64_t zxid, std::int64_t time_ms) {
  jute::CreateTTLRequest req;
  if (type == op::create_ttl) {
    jute::read(body, req);
  } else {
    jute::CreateRequest plain;
    jute::read(body, plain);
    req = jute::CreateTTLRequest{plain.path, plain.data, plain.acl, plain.flags, -1};
  }
  const std::int32_t mode = req.flags;
  if (mode < create_mode::persistent || mode > create_mode::persistent_sequential_with_ttl)
    throw Failed{Err::bad_arguments};
  const bool ttl = mode == create_mode::persistent_with_ttl || mode == create_mode::persistent_sequential_with_ttl;
  const bool container = mode == create_mode::container;
  const bool ephemeral = mode == create_mode::ephemeral || mode == create_mode::ephemeral_sequential;
  const bool sequential = mode == create_mode::persistent_sequential || mode == create_mode::ephemeral_sequential ||
                          mode == create_mode::persistent_sequential_with_ttl;
  if (ttl && !config_.extended_types_enabled) throw Failed{Err::unimplemented};
  if (ttl ? (req.ttl <= 0 || req.ttl > max_ttl) : req.ttl >= 0) throw Failed{Err::bad_arguments};
  check_session(request.session_id);

  std::string path = req.path;
  const std::size_t last_slash = path.rfind('/');
  if (last_slash == std::string::npos || path.find('\0') != std::string::npos) throw Failed{Err::bad_arguments};
  const data::Acl acl = fixed_acl(req.acl, *request.identities);
  const std::string parent_name(last_slash == 0 ? "/" : path.substr(0, last_slash));
  Record parent = existing(parent_name);
  check_perm(parent, perm::create, *request.identities);
  const std::int32_t parent_cversion = parent.stat.cversion;
  if (sequential) {
    char suffix[16];
    std::snprintf(suffix, sizeof suffix, "%010d",
                  bugs_.reuse_sequence_after_restart && recovered_from_disk_ ? parent.child_count : parent_cversion);
    path += suffix;
  }
  if (!data::valid_path(path)) throw Failed{Err::bad_arguments};
  if (record(path).exists) throw Failed{Err::node_exists};
  if (parent.kind == data::NodeKind::ephemeral) throw Failed{Err::no_children_for_ephemerals};

  const std::int32_t new_cversion = parent_cversion + 1;
  parent.stat.cversion = new_cversion;
  parent.stat.pzxid = zxid;
  parent.child_count += 1;
  put(parent_name, parent, zxid);

  Record node;
  node.exists = true;
  node.acl = acl;
  node.content_crc = data::content_crc(path, req.data);
  node.stat.czxid = node.stat.mzxid = node.stat.pzxid = zxid;
  node.stat.ctime = node.stat.mtime = time_ms;
  node.kind = ephemeral ? data::NodeKind::ephemeral
              : container ? data::NodeKind::container
              : ttl       ? data::NodeKind::ttl
                          : data::NodeKind::persistent;
  node.stat.ephemeral_owner = ephemeral ? request.session_id
                              : container ? container_owner
                              : ttl       ? data::DataTree::ttl_owner(req.ttl)
                                          : 0;
  put(path, node, zxid);

  if (container) return {type, jute::CreateContainerTxn{path, req.data, acl, new_cversion}};
  if (ttl) return {type, jute::CreateTTLTxn{path, req.data, acl, new_cversion, req.ttl}};
  return {type, jute::CreateTxn{path, req.data, acl, ephemeral, new_cversion}};
}

data::TxnOp Prep::prep_delete(jute::Reader& body, const WriteRequest& request, std::int64_t zxid) {
  jute::DeleteRequest req;
  jute::read(body, req);
  check_session(request.session_id);
  const std::string& path = req.path;
  const std::size_t last_slash = path.rfind('/');
  if (last_slash == std::string::npos || path.find('\0') != std::string::npos || is_system_path(path))
    throw Failed{Err::bad_arguments};
  const std::string parent_name(last_slash == 0 ? "/" : path.substr(0, last_slash));
  Record parent = existing(parent_name);
  // ZooKeeper checks DELETE on the parent before looking the node up.
  check_perm(parent, perm::remove, *request.identities);
  Record node = existing(path);
  if (req.version != -1 && req.version != node.stat.version) throw Failed{Err::bad_version};
  if (node.child_count > 0) throw Failed{Err::not_empty};

  record_removal(path, zxid);
  return {op::remove, jute::DeleteTxn{path}};
}

data::TxnOp Prep::prep_set_data(jute::Reader& body, const WriteRequest& request, std::int64_t zxid,
                                std::int64_t time_ms) {
  jute::SetDataRequest req;
  jute::read(body, req);
  check_session(request.session_id);
  if (!data::valid_path(req.path)) throw Failed{Err::bad_arguments};
  Record node = existing(req.path);
  check_perm(node, perm::write, *request.identities);
  if (!bugs_.ignore_set_version && req.version != -1 && req.version != node.stat.version)
    throw Failed{Err::bad_version};
  node.stat.version += 1;
  node.stat.mzxid = zxid;
  node.stat.mtime = time_ms;
  node.content_crc = data::content_crc(req.path, req.data);
  const std::int32_t version = node.stat.version;
  put(req.path, node, zxid);
  return {op::set_data, jute::SetDataTxn{req.path, req.data, version}};
}

data::TxnOp Prep::prep_set_acl(jute::Reader& body, const WriteRequest& request, std::int64_t zxid) {
  jute::SetACLRequest req;
  jute::read(body, req);
  check_session(request.session_id);
  if (!data::valid_path(req.path)) throw Failed{Err::bad_arguments};
  const data::Acl acl = fixed_acl(req.acl, *request.identities);
  Record node = existing(req.path);
  check_perm(node, perm::admin, *request.identities);
  if (req.version != -1 && req.version != node.stat.aversion) throw Failed{Err::bad_version};
  node.stat.aversion += 1;
  node.acl = acl;
  const std::int32_t aversion = node.stat.aversion;
  put(req.path, node, zxid);
  return {op::set_acl, jute::SetACLTxn{req.path, acl, aversion}};
}

data::TxnOp Prep::prep_check(jute::Reader& body, const WriteRequest& request) {
  jute::CheckVersionRequest req;
  jute::read(body, req);
  check_session(request.session_id);
  if (!data::valid_path(req.path)) throw Failed{Err::bad_arguments};
  Record node = existing(req.path);
  check_perm(node, perm::read, *request.identities);
  if (req.version != -1 && req.version != node.stat.version) throw Failed{Err::bad_version};
  return {op::check, jute::CheckVersionTxn{req.path, req.version}};
}

PrepOutcome Prep::prep_multi(const WriteRequest& request, std::int64_t zxid, std::int64_t time_ms) {
  PrepOutcome out;
  out.txn.header = jute::TxnHeader{request.session_id, request.cxid, zxid, time_ms, op::multi};
  jute::Reader body(request.body, config_.max_buffer * 2);
  std::optional<std::size_t> failed_at;
  try {
    for (std::size_t i = 0;; ++i) {
      jute::MultiHeader h;
      jute::read(body, h);
      if (h.done) break;
      switch (h.type) {
        case op::create:
        case op::create2:
        case op::create_container:
        case op::create_ttl:
        case op::remove:
        case op::set_data:
        case op::check:
          break;
        default:
          // A read op or an unknown one inside multi: the whole request is malformed.
          throw jute::DecodeError(body.pos(), "multi: op type " + std::to_string(h.type) + " not allowed");
      }
      if (failed_at) {
        // After a failure the rest is still decoded (to find the end), then reported rolled
        // back; whatever change records it adds are dropped with the rest below.
        try {
          prep_op(h.type, body, request, zxid, time_ms);
        } catch (const Failed&) {
        }
        out.txn.ops.push_back({op::error, jute::ErrorTxn{static_cast<std::int32_t>(Err::runtime_inconsistency)}});
        continue;
      }
      try {
        out.txn.ops.push_back(prep_op(h.type, body, request, zxid, time_ms));
      } catch (const Failed& f) {
        failed_at = i;
        out.txn.ops.push_back({op::error, jute::ErrorTxn{static_cast<std::int32_t>(f.err)}});
      }
    }
  } catch (const jute::DecodeError& e) {
    roll_back();
    out.malformed = std::string("multi request: ") + e.what();
    return out;
  }
  if (failed_at) {
    // All or nothing: the ops before the failure are reported as rolled back (0), the failing op
    // with its code, the ones after as -2; nothing is applied.
    roll_back();
    for (std::size_t i = 0; i < *failed_at; ++i)
      out.txn.ops[i] = {op::error, jute::ErrorTxn{static_cast<std::int32_t>(Err::ok)}};
  }
  return out;
}

data::Txn Prep::create_session_txn(std::int64_t session_id, std::int32_t timeout_ms, std::int64_t zxid,
                                   std::int64_t time_ms) {
  begin_txn();
  data::Txn txn;
  txn.header = jute::TxnHeader{session_id, 0, zxid, time_ms, op::create_session};
  txn.ops.push_back({op::create_session, jute::CreateSessionTxn{timeout_ms}});
  finish_txn(txn);
  return txn;
}

data::Txn Prep::close_session_txn(std::int64_t session_id, std::int64_t zxid, std::int64_t time_ms) {
  // (Also the body of a closeSession request's prep: begun already, nothing put yet.)
  begin_txn();
  // The session's ephemerals as they will be once everything prepared commits.
  std::set<std::string> doomed = tree_.ephemerals(session_id);
  for (const auto& [path, rec] : changes_) {
    if (!rec.exists) {
      doomed.erase(path);
    } else if (rec.kind == data::NodeKind::ephemeral && rec.stat.ephemeral_owner == session_id) {
      doomed.insert(path);
    }
  }
  for (const auto& path : doomed) record_removal(path, zxid);
  undo_.clear();
  sessions_.set_closing(session_id);
  data::Txn txn;
  txn.header = jute::TxnHeader{session_id, 0, zxid, time_ms, op::close_session};
  txn.ops.push_back(
      {op::close_session, jute::CloseSessionTxn{std::vector<std::string>(doomed.begin(), doomed.end())}});
  finish_txn(txn);
  return txn;
}

data::Txn Prep::delete_container_txn(const std::string& path, std::int64_t zxid, std::int64_t time_ms) {
  begin_txn();
  record_removal(path, zxid);
  undo_.clear();
  data::Txn txn;
  txn.header = jute::TxnHeader{0, 0, zxid, time_ms, op::delete_container};
  txn.ops.push_back({op::delete_container, jute::DeleteTxn{path}});
  finish_txn(txn);
  return txn;
}

}  // namespace zablab::server
