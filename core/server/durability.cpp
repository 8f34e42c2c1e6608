// The server core's durability (every role's): recovery at start, the txn log with group commit, and
// snapshots. The rule this file exists for: a txn is applied and acknowledged only after the
// fsync covering its log entry has completed, so kill -9 never loses an acknowledged write.
// (forceSync=no: after its log entry's write(2) has completed; a power cut may then lose it.)
#include "core/jute/codes.h"
#include "core/persist/disk_layout.h"
#include "core/persist/recovery.h"
#include "core/persist/snapshot.h"
#include "core/persist/txn_log.h"
#include "core/server/server_core.h"
#include "core/util/hex.h"

namespace zablab::server {

bool ServerCore::recover_from_disk() {
  Disk& disk = env_.disk();
  const std::string snap_dir = persist::version_dir(config_.data_dir);
  const std::string log_dir = persist::version_dir(config_.log_dir());
  if (!disk.make_dirs(snap_dir) || !disk.make_dirs(log_dir)) {
    fail("cannot create " + snap_dir + " or " + log_dir);
    return false;
  }
  persist::RecoveryReport report =
      persist::recover(disk, config_.data_dir, config_.log_dir(), config_.extended_types_enabled, tree_);
  for (const auto& note : report.notes) env_.log(LogLevel::info, "recovery: " + note);
  for (const auto& warning : report.warnings) env_.log(LogLevel::warn, "recovery: " + warning);
  stats_.digest_mismatches += report.digest_mismatches;
  if (!report.ok) {
    fail(report.error);
    return false;
  }
  prep_.set_recovered_from_disk(report.replayed > 0 || report.snapshot_zxid > 0);
  // Sessions from before the restart live on with fresh deadlines: their clients may reconnect.
  for (const auto& [sid, timeout] : tree_.sessions()) sessions_.add(sid, timeout, env_.now_ms());
  arm_session_timer();
  draw_snapshot_thresholds();
  // A snapshot a crash left half-written (ZooKeeper leaves these; nothing reads them).
  for (const auto& name : disk.list(snap_dir)) {
    if (name.rfind("snapshot.", 0) == 0 && name.size() > 4 && name.compare(name.size() - 4, 4, ".tmp") == 0 &&
        disk.remove(snap_dir + "/" + name))
      env_.log(LogLevel::info, "recovery: removed unfinished snapshot " + snap_dir + "/" + name);
  }
  // As ZooKeeper does after loading: a fresh snapshot, and the next txn starts a new log. Unlike
  // ZooKeeper, requests are served while it is written (see docs/formats/disk.md).
  if (report.replayed > 0 || report.snapshot_zxid == 0) start_snapshot();
  env_.log(LogLevel::info, "recovered to zxid " + util::hex(tree_.last_processed_zxid()) + " with " +
                               std::to_string(tree_.node_count()) + " nodes and " +
                               std::to_string(tree_.sessions().size()) + " sessions");
  return true;
}

void ServerCore::log_txn(data::Txn txn) {
  Disk& disk = env_.disk();
  if (current_log_.empty()) {
    current_log_ = persist::version_dir(config_.log_dir()) + "/" + persist::zxid_file_name("log", txn.zxid());
    disk.append(current_log_, persist::log_file_header(), next_token_++);
  }
  const DiskToken entry_token = next_token_++;
  std::string entry = persist::log_entry(data::encode_txn(txn));
  log_bytes_since_snapshot_ += static_cast<std::int64_t>(entry.size());
  disk.append(current_log_, std::move(entry), entry_token);
  appended_zxid_ = txn.zxid();
  unsynced_.push_back(std::move(txn));
  if (!config_.force_sync) {
    // forceSync=no, as ZooKeeper's FileTxnLog.commit: the entry is handed to the OS (write(2))
    // before it counts as logged; only the fsync is skipped. A killed process loses nothing
    // acknowledged, a power cut may.
    syncs_.emplace_back(entry_token, appended_zxid_);
    return;
  }
  // One fsync in flight at a time: what arrives meanwhile waits for the next, and shares it.
  if (syncs_.empty()) request_sync();
}

void ServerCore::request_sync() {
  if (current_log_.empty() || appended_zxid_ <= sync_requested_zxid_) return;
  const DiskToken token = next_token_++;
  syncs_.emplace_back(token, appended_zxid_);
  sync_requested_zxid_ = appended_zxid_;
  env_.disk().sync(current_log_, token);
}

void ServerCore::log_cut_back_to(std::int64_t zxid) {
  // A fuzzy snapshot above `zxid` would hold txns that are no longer anyone's history.
  if (snapshot_ && snapshot_->writer.zxid() > zxid) cancel_snapshot("the log was cut back to " + util::hex(zxid));
  appended_zxid_ = std::min(appended_zxid_, zxid);
  sync_requested_zxid_ = std::min(sync_requested_zxid_, zxid);
  for (auto& [token, upto] : syncs_) upto = std::min(upto, zxid);
}

void ServerCore::on_disk_done(DiskToken token, const DiskStatus& status) {
  if (failed_) return;
  if (!status.ok) {
    fail("disk write failed: " + status.error);
    return;
  }
  if (!syncs_.empty() && syncs_.front().first == token) {
    const std::int64_t upto = syncs_.front().second;
    syncs_.pop_front();
    on_logged(upto);
    if (syncs_.empty() && config_.force_sync) request_sync();
  }
  // Completions come in call order: everything issued up to `token` is done.
  completed_token_ = std::max(completed_token_, token);
  while (!after_disk_.empty() && after_disk_.begin()->first <= completed_token_) {
    auto then = std::move(after_disk_.begin()->second);
    after_disk_.erase(after_disk_.begin());
    for (auto& fn : then) fn();
  }
  if (snapshot_ && token == snapshot_->waiting) continue_snapshot();
  flush_dirty();
}

void ServerCore::after_disk(std::function<void()> then) {
  const DiskToken last_issued = next_token_ - 1;
  if (!persistent_ || last_issued <= completed_token_) {
    then();
    return;
  }
  after_disk_[last_issued].push_back(std::move(then));
}

void ServerCore::write_small_file(const std::string& name, std::string contents) {
  if (!persistent_) return;
  env_.disk().write_atomic(persist::version_dir(config_.data_dir) + "/" + name, std::move(contents), next_token_++);
}

std::optional<std::string> ServerCore::read_small_file(const std::string& name) {
  if (!persistent_) return std::nullopt;
  return env_.disk().read(persist::version_dir(config_.data_dir) + "/" + name);
}

void ServerCore::on_logged(std::int64_t upto_zxid) {
  // Standalone: logged is committed.
  while (!unsynced_.empty() && unsynced_.front().zxid() <= upto_zxid) {
    data::Txn txn = std::move(unsynced_.front());
    unsynced_.pop_front();
    commit(txn);
  }
}

void ServerCore::after_apply(const data::Txn& /*txn*/) {
  ++txns_since_snapshot_;
  if (persistent_) maybe_snapshot();
}

void ServerCore::fail(const std::string& why) {
  // Losing the ability to log means losing acknowledged writes: stop serving instead.
  failed_ = true;
  env_.log(LogLevel::error, "server stopped: " + why);
  std::vector<ConnId> ids;
  for (const auto& [id, c] : conns_) ids.push_back(id);
  for (ConnId id : ids) close_connection(id, "server stopped");
  env_.shutdown(why);
}

}  // namespace zablab::server
