#include "core/persist/recovery.h"

#include <algorithm>

#include "core/data/txn.h"
#include "core/persist/disk_layout.h"
#include "core/persist/snapshot.h"
#include "core/persist/txn_log.h"
#include "core/util/hex.h"

namespace zablab::persist {
namespace {

// (zxid, file name) of every `prefix.<hex>` file in `dir`, by zxid.
std::vector<std::pair<std::int64_t, std::string>> files_by_zxid(Disk& disk, const std::string& dir,
                                                               std::string_view prefix) {
  std::vector<std::pair<std::int64_t, std::string>> out;
  for (const auto& name : disk.list(dir))
    if (auto zxid = zxid_of_file(name, prefix)) out.emplace_back(*zxid, name);
  std::sort(out.begin(), out.end());
  return out;
}

// Index of the first log that may hold txns after `zxid`: the last one starting at or before
// zxid + 1 (earlier logs end before it).
std::size_t first_needed_log(const std::vector<std::pair<std::int64_t, std::string>>& logs, std::int64_t zxid) {
  std::size_t first = 0;
  for (std::size_t i = 0; i < logs.size(); ++i)
    if (logs[i].first <= zxid + 1) first = i;
  return first;
}

// How much of a snapshot file recovery holds at a time.
constexpr std::size_t kSnapshotReadPiece = std::size_t{1} << 20;

}  // namespace

RecoveryReport recover(Disk& disk, const std::string& data_dir, const std::string& data_log_dir,
                       bool extended_types_enabled, data::DataTree& tree) {
  RecoveryReport report;
  const std::string snap_dir = version_dir(data_dir);
  const std::string log_dir = version_dir(data_log_dir);

  auto snaps = files_by_zxid(disk, snap_dir, "snapshot");
  std::string invalid;  // why each snapshot tried was refused
  bool loaded = false;
  for (auto it = snaps.rbegin(); it != snaps.rend() && !loaded; ++it) {
    const std::string path = snap_dir + "/" + it->second;
    try {
      SnapshotLoader loader(extended_types_enabled);
      if (!disk.read_pieces(path, kSnapshotReadPiece, [&loader](std::string_view piece) { loader.feed(piece); })) {
        invalid += "; " + path + ": cannot be read";
        continue;
      }
      const SnapshotDigestCheck check = loader.finish(it->first, tree);
      report.snapshot_zxid = it->first;
      report.notes.push_back("loaded snapshot " + path + " (" + std::to_string(tree.node_count()) + " nodes)");
      (check.mismatch || check.missing ? report.warnings : report.notes).push_back(path + ": " + check.note);
      if (check.mismatch) ++report.digest_mismatches;
      loaded = true;
    } catch (const SnapshotError& e) {
      // An invalid snapshot (say, a crash while writing it) is skipped for an older one.
      report.warnings.push_back("skipping invalid snapshot " + path + ": " + e.what());
      invalid += "; " + path + ": " + e.what();
      tree = data::DataTree();
    }
  }
  if (!snaps.empty() && !loaded) {
    // Starting from an empty tree plus whatever logs remain would serve less than was
    // acknowledged. ZooKeeper refuses too ("Not able to find valid snapshots").
    report.ok = false;
    report.error = "no valid snapshot in " + snap_dir + ", refusing to start" + invalid;
    return report;
  }

  auto logs = files_by_zxid(disk, log_dir, "log");
  for (std::size_t i = logs.empty() ? 0 : first_needed_log(logs, tree.last_processed_zxid()); i < logs.size(); ++i) {
    const std::string path = log_dir + "/" + logs[i].second;
    const bool newest = i + 1 == logs.size();
    auto bytes = disk.read(path);
    if (!bytes) continue;
    LogScan scan = scan_log(*bytes);
    for (const auto& entry : scan.entries) {
      if (entry.zxid <= tree.last_processed_zxid()) continue;
      try {
        for (const auto& mismatch : tree.apply(data::decode_txn(entry.txn)).digest_mismatches) {
          report.warnings.push_back(path + ": " + data::describe(mismatch));
          ++report.digest_mismatches;
        }
      } catch (const jute::DecodeError& e) {
        report.ok = false;
        report.error = path + ": byte " + std::to_string(entry.offset) + ": undecodable txn " +
                       util::hex(entry.zxid) + ": " + e.what();
        return report;
      }
      ++report.replayed;
    }
    if (scan.problem == LogScan::Problem::none) continue;
    const std::string where = path + ": byte " + std::to_string(scan.problem_offset) + ": " + scan.message;
    if (scan.problem == LogScan::Problem::corrupt || !newest) {
      report.ok = false;
      report.error = "corrupt txn log before its tail, refusing to start: " + where;
      return report;
    }
    if (scan.valid_end <= 16) {
      disk.remove(path);
      report.warnings.push_back("removed torn txn log " + path + " with no complete entry (" + scan.message + ")");
    } else {
      disk.truncate(path, scan.valid_end);
      report.warnings.push_back("truncated torn tail of " + path + " at byte " + std::to_string(scan.valid_end) + " (" +
                             where + ")");
    }
  }
  if (const auto& waiting = tree.snapshot_digest_pending())
    report.warnings.push_back("highest txn zxid " + util::hex(tree.last_processed_zxid()) +
                              " is not covering the snapshot digest zxid " + util::hex(waiting->zxid) +
                              ", which might lead to inconsistent state (its digest was not compared)");
  if (report.replayed)
    report.notes.push_back("replayed " + std::to_string(report.replayed) + " txns up to zxid " +
                           util::hex(tree.last_processed_zxid()));
  return report;
}

std::vector<LogEntry> read_log_entries(Disk& disk, const std::string& data_log_dir, std::int64_t after_zxid) {
  std::vector<LogEntry> out;
  const std::string log_dir = version_dir(data_log_dir);
  for (const auto& [start, name] : files_by_zxid(disk, log_dir, "log")) {
    auto bytes = disk.read(log_dir + "/" + name);
    if (!bytes) continue;
    for (auto& entry : scan_log(*bytes).entries)
      if (entry.zxid > after_zxid) out.push_back(std::move(entry));
  }
  return out;
}

void truncate_after(Disk& disk, const std::string& data_dir, const std::string& data_log_dir, std::int64_t zxid) {
  const std::string snap_dir = version_dir(data_dir);
  for (const auto& [snap_zxid, name] : files_by_zxid(disk, snap_dir, "snapshot"))
    if (snap_zxid > zxid) disk.remove(snap_dir + "/" + name);
  const std::string log_dir = version_dir(data_log_dir);
  for (const auto& [start, name] : files_by_zxid(disk, log_dir, "log")) {
    const std::string path = log_dir + "/" + name;
    if (start > zxid) {
      disk.remove(path);
      continue;
    }
    auto bytes = disk.read(path);
    if (!bytes) continue;
    for (const auto& entry : scan_log(*bytes).entries) {
      if (entry.zxid > zxid) {
        disk.truncate(path, entry.offset);
        break;
      }
    }
  }
}

std::vector<std::string> superseded_files(Disk& disk, const std::string& data_dir, const std::string& data_log_dir,
                                          const std::string& keep_snapshot) {
  std::vector<std::string> out;
  const std::string snap_dir = version_dir(data_dir);
  for (const auto& [zxid, name] : files_by_zxid(disk, snap_dir, "snapshot"))
    if (snap_dir + "/" + name != keep_snapshot) out.push_back(snap_dir + "/" + name);
  const std::string log_dir = version_dir(data_log_dir);
  for (const auto& [zxid, name] : files_by_zxid(disk, log_dir, "log")) out.push_back(log_dir + "/" + name);
  return out;
}

std::vector<std::string> purge_candidates(Disk& disk, const std::string& data_dir, const std::string& data_log_dir,
                                          int retain) {
  std::vector<std::string> doomed;
  const std::string snap_dir = version_dir(data_dir);
  const std::string log_dir = version_dir(data_log_dir);
  auto snaps = files_by_zxid(disk, snap_dir, "snapshot");
  if (retain < 3) retain = 3;  // ZooKeeper's minimum
  if (snaps.size() <= static_cast<std::size_t>(retain)) return doomed;
  const std::size_t keep_from = snaps.size() - static_cast<std::size_t>(retain);
  for (std::size_t i = 0; i < keep_from; ++i) doomed.push_back(snap_dir + "/" + snaps[i].second);
  auto logs = files_by_zxid(disk, log_dir, "log");
  const std::size_t first = logs.empty() ? 0 : first_needed_log(logs, snaps[keep_from].first);
  for (std::size_t i = 0; i < first; ++i) doomed.push_back(log_dir + "/" + logs[i].second);
  return doomed;
}

}  // namespace zablab::persist
