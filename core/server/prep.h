// Turning a client's write request into a transaction (ZooKeeper's PrepRequestProcessor).
//
// Every check runs here, in ZooKeeper's order, against the tree as it will be once every txn
// already prepared has committed: prepared-but-uncommitted changes are kept as change records,
// so a pipeline of writes (or the ops of one multi) sees each other's effects. A failed check
// still yields a txn -- an error txn -- that consumes a zxid, as in ZooKeeper.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/data/acl.h"
#include "core/data/data_tree.h"
#include "core/data/txn.h"
#include "core/server/server_bugs.h"
#include "core/server/server_config.h"
#include "core/server/session_tracker.h"

namespace zablab::server {

struct WriteRequest {
  std::int32_t type = 0;  // create, create2, createContainer, createTTL, delete, setData, setACL, multi, closeSession
  std::string_view body;  // the request record's bytes
  std::int64_t session_id = 0;
  std::int32_t cxid = 0;
  const data::Identities* identities = nullptr;
};

struct PrepOutcome {
  // Set when the body did not decode (MarshallingError): no txn, no zxid consumed.
  std::optional<std::string> malformed;
  // Set (to the txn's size) when the txn would exceed max_txn_bytes(): the txn is an error txn
  // (BADARGUMENTS) and nothing of the request is applied.
  std::optional<std::size_t> oversized;
  data::Txn txn;
};

class Prep {
 public:
  Prep(const data::DataTree& tree, const ServerConfig& config, SessionTracker& sessions)
      : tree_(tree), config_(config), sessions_(sessions) {}

  // `zxid` and `time_ms` are the new txn's; the caller consumes the zxid unless malformed.
  PrepOutcome prep(const WriteRequest& request, std::int64_t zxid, std::int64_t time_ms);
  // A txn for the session tracker's own decisions: createSession and closeSession (expiry).
  data::Txn create_session_txn(std::int64_t session_id, std::int32_t timeout_ms, std::int64_t zxid,
                               std::int64_t time_ms);
  data::Txn close_session_txn(std::int64_t session_id, std::int64_t zxid, std::int64_t time_ms);
  // A txn deleting an empty container or expired TTL node (the container reaper's deleteContainer).
  data::Txn delete_container_txn(const std::string& path, std::int64_t zxid, std::int64_t time_ms);

  // The largest txn (TxnHeader + record) this server logs and proposes: what every reader of the
  // log and of PROPOSALs accepts, 2 x jute.maxbuffer.
  std::size_t max_txn_bytes() const { return config_.max_buffer * 2; }

  // The txn with this zxid was applied to the tree: its change records (and predicted digest) are
  // no longer needed.
  void committed(std::int64_t zxid);
  std::size_t outstanding_changes() const { return changes_.size(); }

  // Deliberate bugs (server_bugs.h), and whether the tree came back from this server's disk.
  void set_bugs(const ServerBugs& bugs) { bugs_ = bugs; }
  void set_recovered_from_disk(bool recovered) { recovered_from_disk_ = recovered; }

 private:
  struct Record {
    std::int64_t zxid = 0;
    bool exists = false;
    jute::StatPersisted stat;
    std::int32_t child_count = 0;
    data::Acl acl;
    data::NodeKind kind = data::NodeKind::persistent;
    std::uint32_t content_crc = 0;  // of path and data (core/data/digest.h)
  };
  using Changes = std::map<std::string, Record>;
  // The request being prepared, before the checks of its size: what prep() returns otherwise.
  PrepOutcome prep_request(const WriteRequest& request, std::int64_t zxid, std::int64_t time_ms);
  // Undoes every change record the request being prepared made (a failed multi, a txn too large).
  void roll_back();
  struct Failed {
    Err err;
  };

  Record record(const std::string& path) const;
  Record existing(const std::string& path) const;  // throws Failed{no_node}
  // Records `rec` as the node at `path` once `zxid` commits, moving the predicted digest by the
  // node's new hash less its old one (ZooKeeper's precalculateDigest).
  void put(const std::string& path, Record rec, std::int64_t zxid);
  // The tree's digest once every txn prepared so far is applied.
  std::int64_t predicted_digest() const;
  // Starts a txn's prediction from predicted_digest(); finish_txn sets the txn's TxnDigest to where
  // its changes took it and keeps that until the txn commits.
  void begin_txn();
  void finish_txn(data::Txn& txn);
  // The node at `path` will be gone (and its parent one child short) once `zxid` commits.
  void record_removal(const std::string& path, std::int64_t zxid);
  void check_session(std::int64_t session_id) const;
  void check_perm(const Record& rec, std::int32_t perm, const data::Identities& ids) const;
  data::Acl fixed_acl(const data::Acl& acl, const data::Identities& ids) const;

  // One op; throws Failed on a failed check. Adds change records under `zxid`.
  data::TxnOp prep_op(std::int32_t type, jute::Reader& body, const WriteRequest& request, std::int64_t zxid,
                      std::int64_t time_ms);
  data::TxnOp prep_create(std::int32_t type, jute::Reader& body, const WriteRequest& request, std::int64_t zxid,
                          std::int64_t time_ms);
  data::TxnOp prep_delete(jute::Reader& body, const WriteRequest& request, std::int64_t zxid);
  data::TxnOp prep_set_data(jute::Reader& body, const WriteRequest& request, std::int64_t zxid,
                            std::int64_t time_ms);
  data::TxnOp prep_set_acl(jute::Reader& body, const WriteRequest& request, std::int64_t zxid);
  data::TxnOp prep_check(jute::Reader& body, const WriteRequest& request);
  PrepOutcome prep_multi(const WriteRequest& request, std::int64_t zxid, std::int64_t time_ms);

  const data::DataTree& tree_;
  const ServerConfig& config_;
  SessionTracker& sessions_;
  Changes changes_;
  // What each path's change record was before the request being prepared touched it.
  std::vector<std::pair<std::string, std::optional<Record>>> undo_;
  // The digest each prepared, uncommitted txn leaves the tree with, by zxid; and the txn being
  // prepared's, from its start (what roll_back returns to) to where its changes took it so far.
  std::map<std::int64_t, std::int64_t> digests_;
  std::int64_t digest_at_begin_ = 0;
  std::uint64_t digest_ = 0;
  ServerBugs bugs_;
  bool recovered_from_disk_ = false;
};

}  // namespace zablab::server
