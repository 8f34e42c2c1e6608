// Snapshots of a server's tree, as ZooKeeper 3.8 takes them: every snapCount/2 + random txns the
// log rolls and a fuzzy snapshot starts, named by the last processed zxid. ZooKeeper writes it on
// a thread of its own while requests go on; here the event loop writes it a bounded piece at a
// time, each piece when the disk finished the last, so no request waits behind more than one
// piece -- and the simulator runs the same code, deterministically. Recovery replays the log
// from the snapshot's zxid, which brings every node the snapshot caught mid-change up to date.
#include "core/env/json_object.h"
#include "core/persist/disk_layout.h"
#include "core/persist/recovery.h"
#include "core/persist/snapshot.h"
#include "core/server/server_core.h"
#include "core/util/hex.h"

namespace zablab::server {
namespace {

}  // namespace

void ServerCore::draw_snapshot_thresholds() {
  // One draw for both (ZooKeeper makes two): the count part is its remainder, the size part comes
  // from its quotient, so a run's stream of random numbers is what it was before the size trigger.
  const std::uint64_t r = env_.random_u64();
  const auto roll_bound = static_cast<std::uint64_t>(std::max<std::int64_t>(1, config_.snap_count / 2));
  snapshot_rand_roll_ = static_cast<std::int64_t>(r % roll_bound);
  snapshot_rand_size_ = config_.snap_size_limit_bytes > 1
                            ? static_cast<std::int64_t>((r / roll_bound) %
                                                        static_cast<std::uint64_t>(config_.snap_size_limit_bytes / 2))
                            : 0;
}

bool ServerCore::snapshot_due() const {
  return txns_since_snapshot_ > config_.snap_count / 2 + snapshot_rand_roll_ ||
         (config_.snap_size_limit_bytes > 0 &&
          log_bytes_since_snapshot_ > config_.snap_size_limit_bytes / 2 + snapshot_rand_size_);
}

void ServerCore::maybe_snapshot() {
  if (!snapshot_due()) return;
  // As ZooKeeper: new random parts for the next one, whether this one can start or not.
  draw_snapshot_thresholds();
  if (snapshot_) {
    // As ZooKeeper: the log still rolls, and the next snapshot comes snapCount txns later.
    roll_log();
    env_.log(LogLevel::warn, "Too busy to snap, skipping");
    return;
  }
  start_snapshot();
}

void ServerCore::roll_log() {
  // Before rolling, make sure everything in the old log gets its fsync.
  request_sync();
  current_log_.clear();
  txns_since_snapshot_ = 0;
  log_bytes_since_snapshot_ = 0;
}

void ServerCore::take_snapshot() {
  // Single-threaded, so the tree is consistent at this instant; txns appended but not yet synced
  // are in the current log, which recovery replays after the snapshot.
  Disk& disk = env_.disk();
  const std::string path = persist::version_dir(config_.data_dir) + "/" +
                           persist::zxid_file_name("snapshot", tree_.last_processed_zxid());
  cancel_snapshot("a whole snapshot is taken instead", path);
  disk.write_atomic(path, persist::serialize_snapshot(tree_), next_token_++);
  roll_log();
  env_.trace({EventKind::snapshot, JsonObject().hex("zxid", tree_.last_processed_zxid()).done()});
  env_.log(LogLevel::info, "snapshot " + path);
  purge_old_files();
}

void ServerCore::start_snapshot() {
  roll_log();
  snapshot_.emplace(tree_, persist::version_dir(config_.data_dir) + "/" +
                               persist::zxid_file_name("snapshot", tree_.last_processed_zxid()));
  env_.log(LogLevel::info, "snapshotting " + util::hex(snapshot_->writer.zxid()) + " to " + snapshot_->path);
  write_snapshot_piece();
}

void ServerCore::write_snapshot_piece() {
  SnapshotInProgress& s = *snapshot_;
  Disk& disk = env_.disk();
  std::string piece;
  s.writer.next(piece, config_.snapshot_piece_bytes);
  s.unsynced += piece.size();
  s.waiting = next_token_++;
  disk.append(s.temp, std::move(piece), s.waiting);
  s.last_piece = s.writer.done();  // the rename waits for it: a Disk may read the file to rename it
  // The temporary file is fsynced every config.snapshot_sync_bytes (256 KiB), so that the fsync
  // before the rename -- and a txn log fdatasync queued behind any of them, or meeting the
  // snapshot's dirty pages in the file system's journal -- never waits for more than that to
  // reach the disk.
  if (!s.last_piece && s.unsynced >= config_.snapshot_sync_bytes) {
    s.unsynced = 0;
    s.waiting = next_token_++;
    disk.sync(s.temp, s.waiting);
  }
}

void ServerCore::continue_snapshot() {
  SnapshotInProgress& s = *snapshot_;
  if (s.renaming) {
    finish_snapshot();
  } else if (s.last_piece) {
    s.renaming = true;
    s.waiting = next_token_++;
    env_.disk().rename(s.temp, s.path, s.waiting);  // fsyncs what is not yet durable first
  } else {
    write_snapshot_piece();
  }
}

void ServerCore::finish_snapshot() {
  const std::int64_t zxid = snapshot_->writer.zxid();
  const std::uint64_t bytes = snapshot_->writer.written();
  const std::string path = snapshot_->path;
  snapshot_.reset();
  env_.trace({EventKind::snapshot, JsonObject().hex("zxid", zxid).done()});
  env_.log(LogLevel::info, "snapshot " + path + " written (" + std::to_string(bytes) + " bytes)");
  purge_old_files();
}

void ServerCore::purge_old_files() {
  if (config_.purge_interval_hours <= 0) return;
  Disk& disk = env_.disk();
  for (const auto& doomed :
       persist::purge_candidates(disk, config_.data_dir, config_.log_dir(), config_.snap_retain_count)) {
    disk.remove(doomed);
    env_.log(LogLevel::info, "purged " + doomed);
  }
}

void ServerCore::cancel_snapshot(const std::string& why, const std::string& keep) {
  if (!snapshot_) return;
  const std::string temp = snapshot_->temp;
  const std::string path = snapshot_->renaming && snapshot_->path != keep ? snapshot_->path : std::string();
  env_.log(LogLevel::info, "snapshot " + snapshot_->path + " abandoned: " + why);
  snapshot_.reset();
  // Its last operations are still queued: remove what they leave once they are done.
  after_disk([this, temp, path] {
    env_.disk().remove(temp);
    if (!path.empty()) env_.disk().remove(path);
  });
}

}  // namespace zablab::server
