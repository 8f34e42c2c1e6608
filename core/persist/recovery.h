// Start-up recovery: the newest valid snapshot, then every logged txn after it, replayed in order.
// A torn tail of the newest log (a crash mid-append) is truncated and reported; anything corrupt
// before that refuses the start, naming the file and byte offset, because acknowledged
// transactions could be missing.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/data/data_tree.h"
#include "core/env/disk.h"
#include "core/persist/txn_log.h"

namespace zablab::persist {

struct RecoveryReport {
  bool ok = true;
  std::string error;               // why the server must not start (file, offset, what)
  std::vector<std::string> notes;     // what was loaded and replayed
  std::vector<std::string> warnings;  // what was skipped or cut off (a torn tail, an invalid snapshot)
  std::int64_t snapshot_zxid = 0;
  std::size_t replayed = 0;
  // Digests that disagreed with the tree's (each also a warning): the snapshot's, the txns'.
  // ZooKeeper counts them and starts all the same.
  std::uint64_t digest_mismatches = 0;
};

RecoveryReport recover(Disk& disk, const std::string& data_dir, const std::string& data_log_dir,
                       bool extended_types_enabled, data::DataTree& tree);

// Every intact log entry after `after_zxid`, in order (a leader's history for DIFF syncs).
std::vector<LogEntry> read_log_entries(Disk& disk, const std::string& data_log_dir, std::int64_t after_zxid);

// Zab's TRUNC: drops every logged txn after `zxid` (truncating or removing log files) and every
// snapshot taken after it, so that recovery then ends exactly at `zxid`.
void truncate_after(Disk& disk, const std::string& data_dir, const std::string& data_log_dir, std::int64_t zxid);

// Every log file, and every snapshot other than `keep_snapshot` (paths), for a learner that was
// sent a whole snapshot (SNAP): its old history may diverge from the leader's.
std::vector<std::string> superseded_files(Disk& disk, const std::string& data_dir, const std::string& data_log_dir,
                                          const std::string& keep_snapshot);

// Files to delete so that only the newest `retain` snapshots and the logs they need remain.
std::vector<std::string> purge_candidates(Disk& disk, const std::string& data_dir, const std::string& data_log_dir,
                                          int retain);

}  // namespace zablab::persist
