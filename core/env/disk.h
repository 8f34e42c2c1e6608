// The disk as a core state machine sees it: named files under the node's data directories.
//
// Writes are volatile until synced. append() and sync() complete asynchronously: the result comes
// back as Node::on_disk_done(token, status), in the order the calls were made (across files too:
// an fsync's completion means every earlier append and sync completed).
// Zab's durability rule lives in the callers: nothing is acknowledged before its sync completes.
// Reads are synchronous; they are used at start-up (recovery) and for snapshots sent to learners.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace zablab {

using DiskToken = std::uint64_t;

struct DiskStatus {
  bool ok = true;
  std::string error;  // e.g. "No space left on device" -- empty when ok
};

class Disk {
 public:
  virtual ~Disk() = default;

  // Appends to `file` (created if absent). Completes as on_disk_done(token) once written
  // (not yet durable).
  virtual void append(const std::string& file, std::string bytes, DiskToken token) = 0;
  // Makes everything appended to `file` so far durable; completes as on_disk_done(token).
  virtual void sync(const std::string& file, DiskToken token) = 0;
  // Writes `file` whole and durably via a temporary file and rename; completes as on_disk_done.
  virtual void write_atomic(const std::string& file, std::string bytes, DiskToken token) = 0;
  // Gives `from` (written with append) the name `to` durably: fsyncs `from`, renames it over `to`,
  // fsyncs the directory; completes as on_disk_done. A big file (a snapshot) is appended a piece at
  // a time under a temporary name and renamed once whole, so that it never sits in memory whole.
  // The fallback, for a Disk that only wraps another, rewrites the file through write_atomic.
  virtual void rename(const std::string& from, const std::string& to, DiskToken token) {
    write_atomic(to, read(from).value_or(std::string()), token);
    remove(from);
  }

  // Synchronous helpers for recovery and housekeeping.
  virtual std::optional<std::string> read(const std::string& file) = 0;
  // Reads `file` in order, at most `piece` bytes at a time, handing each piece to `fn` (which may
  // throw: the exception reaches the caller). False when the file cannot be read. Recovery reads a
  // snapshot this way so that the file is never in memory whole beside the tree it becomes. The
  // fallback reads it whole.
  virtual bool read_pieces(const std::string& file, std::size_t piece,
                           const std::function<void(std::string_view)>& fn) {
    const auto bytes = read(file);
    if (!bytes) return false;
    for (std::size_t at = 0; at < bytes->size(); at += piece) fn(std::string_view(*bytes).substr(at, piece));
    return true;
  }
  // File names (not paths) directly inside `dir`, sorted.
  virtual std::vector<std::string> list(const std::string& dir) = 0;
  // The bytes of every file below `dir`, subdirectories included, as they are now (written,
  // synced or not): ZooKeeper's ZooKeeperServer.getDirSize, for the `dirs` and `conf`
  // four-letter words. 0 when `dir` does not exist. The fallback reads each file list() names.
  virtual std::uint64_t dir_size(const std::string& dir) {
    std::uint64_t total = 0;
    for (const auto& name : list(dir))
      if (const auto bytes = read(dir + "/" + name)) total += bytes->size();
    return total;
  }
  virtual bool truncate(const std::string& file, std::uint64_t size) = 0;
  virtual bool remove(const std::string& file) = 0;
  virtual bool make_dirs(const std::string& dir) = 0;
};

}  // namespace zablab
