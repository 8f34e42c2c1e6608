// One node's simulated disk behind zablab::Disk: files in memory, each with a durable prefix.
//
// append/sync/write_atomic go into one FIFO queue per node and complete in call order (across
// files too), each after its latency, so a sync's completion means every earlier operation of
// this node completed -- the server's group commit relies on that. An operation takes effect when
// it completes: an append makes its bytes readable but volatile; a sync makes the file's bytes so
// far durable; write_atomic replaces a file durably (temp file + rename + fsync); rename makes a
// file durable and moves it over another, durably (a crash before it completes keeps both as
// they were). truncate,
// remove and make_dirs are synchronous and durable at once (metadata, used at recovery and purge).
//
// crash() is what the machine losing power does: queued operations vanish, every file falls back
// to its durable prefix (a file never synced disappears), and the file that took the last append
// may keep a random part of its un-synced tail instead -- a torn write, cut anywhere, even inside
// a log entry. The seed decides whether and where.
//
// Faults: full (appends and writes fail with ENOSPC), a capacity in bytes, fsync errors, slow
// fsync (a latency distribution). Single-threaded.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/env/disk.h"
#include "core/util/prng.h"
#include "sim/latency.h"
#include "sim/simulator.h"

namespace zablab::sim {

struct DiskOptions {
  Latency append_latency = Latency::fixed(us(10));          // write(2) into the page cache
  Latency sync_latency = Latency::uniform(us(500), ms(2));  // fsync(2) on an SSD
  // On a crash, the file that took the last append keeps part of its un-synced tail with this
  // probability (a torn write); otherwise it keeps exactly its durable prefix.
  std::uint64_t tear_numerator = 1;
  std::uint64_t tear_denominator = 2;
  std::uint64_t capacity_bytes = 0;  // 0 = unlimited
};

inline constexpr const char* kNoSpace = "No space left on device";
inline constexpr const char* kIoError = "Input/output error";
inline constexpr const char* kNoSuchFile = "No such file or directory";

class SimDisk final : public Disk {
 public:
  using Completion = std::function<void(DiskToken, const DiskStatus&)>;

  SimDisk(Simulator& sim, EndpointId node, std::uint64_t seed, DiskOptions options);
  SimDisk(const SimDisk&) = delete;
  SimDisk& operator=(const SimDisk&) = delete;

  // Who hears each completion (the node's host).
  void set_completion(Completion completion) { completion_ = std::move(completion); }

  // --- Disk ---
  void append(const std::string& file, std::string bytes, DiskToken token) override;
  void sync(const std::string& file, DiskToken token) override;
  void write_atomic(const std::string& file, std::string bytes, DiskToken token) override;
  void rename(const std::string& from, const std::string& to, DiskToken token) override;
  std::optional<std::string> read(const std::string& file) override;
  std::vector<std::string> list(const std::string& dir) override;
  std::uint64_t dir_size(const std::string& dir) override;
  bool truncate(const std::string& file, std::uint64_t size) override;
  bool remove(const std::string& file) override;
  bool make_dirs(const std::string& dir) override;

  // The machine lost power: see the top of this file.
  void crash();
  // The process died but the machine did not. What completed stays, synced or not (the page
  // cache keeps it); the operations still queued never happen: like zablab's runtime, which
  // carries them out one by one on a helper thread of the process, they had not reached the
  // kernel (the one under way is taken as not begun). So a restarted process never sees its
  // predecessor's writes land after it has read the disk. Returns how many were dropped.
  std::size_t drop_pending();

  // --- faults ---
  void set_full(bool full);
  void set_sync_error(bool failing);
  void set_capacity(std::uint64_t bytes) { options_.capacity_bytes = bytes; }
  void set_sync_latency(Latency latency) { options_.sync_latency = latency; }
  void set_append_latency(Latency latency) { options_.append_latency = latency; }

  // --- inspection ---
  struct FileInfo {
    std::uint64_t size = 0;          // readable bytes
    std::uint64_t durable_size = 0;  // bytes a crash keeps (before any tear)
    bool durable_exists = false;     // survives a crash at all
  };
  std::map<std::string, FileInfo> files() const;
  // What the file would hold after a crash that tears nothing; nullopt if it would not exist.
  std::optional<std::string> durable_contents(const std::string& file) const;
  std::uint64_t used_bytes() const { return used_; }
  std::size_t pending_ops() const { return queue_.size(); }
  bool full() const { return full_; }

 private:
  enum class OpKind { append, sync, write_atomic, rename };
  struct Op {
    OpKind kind;
    std::string file;
    std::string bytes;
    DiskToken token;
    EventId event = 0;
    Nanos called_at = 0;
    std::string target;   // rename: the new name
  };
  struct File {
    std::string content;
    std::uint64_t durable_size = 0;
    bool durable_exists = false;
  };

  void submit(Op op, const Latency& latency);
  void complete();
  DiskStatus apply(const Op& op);

  Simulator& sim_;
  EndpointId node_;
  util::Prng prng_;
  DiskOptions options_;
  Completion completion_;
  std::map<std::string, File> files_;
  std::set<std::string> dirs_;
  std::deque<Op> queue_;
  Nanos last_completion_ = 0;
  std::uint64_t used_ = 0;
  std::optional<std::string> last_append_file_;
  bool full_ = false;
  bool sync_error_ = false;
};

}  // namespace zablab::sim
