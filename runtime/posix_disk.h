// zablab::Disk over real POSIX files.
//
// File names are paths: absolute ones are used as they are, relative ones are taken under `root`
// (or the working directory when root is empty).
//
// Threading: every operation runs on ONE helper thread, in call order, so a slow fsync never
// blocks the event loop. The asynchronous operations (append, sync, write_atomic, rename) post their
// completion to the io_context, where the completion handler gets (token, status) in call order.
// The synchronous ones (read, list, truncate, remove, make_dirs) queue behind the asynchronous
// ones and the caller waits for them, so they see every earlier append on disk. One queue for all
// files: completions arrive in call order across files too. All methods are
// meant to be called from the io_context's thread (the node's thread).
//
// Batching: appends to one file that queue up behind an operation still running (typically the
// fsync of the previous group commit) are merged into one write(2) and one posted completion
// handler, which delivers each token's completion in call order. A sync of that file called while
// the batch still waits joins it too (the usual commit: append the entries, then sync): the job
// writes, fdatasyncs and posts one completion handler for all of it. Under a steady write load this
// turns one write(2), one cross-thread post (with an epoll_ctl to wake the loop when it sleeps)
// and one loop wake-up per transaction into one of each per group commit.
//
// Durability: sync(file) makes the file's data durable with fdatasync(2) (as ZooKeeper's
// FileTxnLog.commit, FileChannel.force(false)), and fsyncs its directory if append() created the
// file since the last sync.
//
// Preallocation (ZooKeeper's preAllocSize): a transaction log ("log.*") gets its blocks reserved
// ahead of the writes, a step beyond the write at hand whenever that write would leave less than
// 4 KiB of the reserve (ZooKeeper's FilePadding). The reserve is fallocate(2) with FALLOC_FL_KEEP_SIZE: the file's
// size stays that of what was written (no zero padding for a reader to skip), but the append
// under a commit finds its blocks already allocated, so the commit's fdatasync rarely has block
// allocation to journal. A file system that cannot preallocate just grows as written. write_atomic writes "<file>.tmp", fsyncs it, renames it over <file> and
// fsyncs the directory; rename(from, to) fsyncs `from`, renames it over `to` and fsyncs the
// directory. truncate and remove are made durable before they return.
//
// Errors come back as DiskStatus{false, "<operation> <path>: <strerror text>"}.
#pragma once

#include <condition_variable>
#include <deque>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/io_context.hpp>

#include "core/env/disk.h"

namespace zablab::runtime {

class PosixDisk final : public zablab::Disk {
 public:
  using CompletionHandler = std::function<void(DiskToken, const DiskStatus&)>;

  explicit PosixDisk(boost::asio::io_context& io, std::filesystem::path root = {});
  // Runs every queued operation to its end (completions not yet delivered are dropped), then stops
  // the helper thread and closes the files.
  ~PosixDisk() override;
  PosixDisk(const PosixDisk&) = delete;
  PosixDisk& operator=(const PosixDisk&) = delete;

  // The transaction-log preallocation step in bytes (0: none). ZooKeeper's default is 64 MiB.
  void set_log_preallocation(std::uint64_t bytes);

  // Who gets the completions of append / sync / write_atomic (on the io_context's thread).
  void set_completion_handler(CompletionHandler handler);

  // The path actually used for `file`.
  std::string resolve(const std::string& file) const;

  // Waits until every operation queued so far has run (their completions may still be queued on
  // the io_context).
  void drain();
  // How many write(2) batches append() has issued so far (tests of the batching).
  std::uint64_t append_batches() const;

  // zablab::Disk
  void append(const std::string& file, std::string bytes, DiskToken token) override;
  void sync(const std::string& file, DiskToken token) override;
  void write_atomic(const std::string& file, std::string bytes, DiskToken token) override;
  void rename(const std::string& from, const std::string& to, DiskToken token) override;
  // nullopt when the file cannot be read (absent, a directory, an I/O error).
  std::optional<std::string> read(const std::string& file) override;
  // Waits for everything queued before, then reads on the caller's thread (`fn` runs there, so
  // what it throws reaches the caller), one piece in memory at a time.
  bool read_pieces(const std::string& file, std::size_t piece,
                   const std::function<void(std::string_view)>& fn) override;
  // Names of everything directly inside `dir` (files and directories), sorted; empty when `dir`
  // does not exist.
  std::vector<std::string> list(const std::string& dir) override;
  // The sizes (st_size) of the regular files below `dir`, summed; 0 when it does not exist.
  std::uint64_t dir_size(const std::string& dir) override;
  // Cuts (or zero-extends) `file` to `size` bytes and fsyncs it; false on error (e.g. absent).
  bool truncate(const std::string& file, std::uint64_t size) override;
  // Removes a file (or an empty directory); false when there was nothing to remove or on error.
  bool remove(const std::string& file) override;
  // Creates `dir` and its parents; true when it exists as a directory afterwards.
  bool make_dirs(const std::string& dir) override;

 private:
  using Job = std::function<void()>;
  // Appends to one file, merged while they wait for the worker (see "Batching" above).
  struct AppendBatch {
    std::string path;
    std::string bytes;
    std::vector<DiskToken> tokens;
    // A sync of the same file called while the batch still waited: it runs right after the
    // write, in the same job, and its completion is posted with the appends' (one wake-up of the
    // loop per commit instead of two). Read and written under mutex_.
    std::optional<DiskToken> sync_token;
  };

  // `batch`: the job writes this batch, which later appends may still join until the job starts.
  void enqueue(Job job, std::shared_ptr<AppendBatch> batch = nullptr);
  // Runs `fn` on the helper thread after everything queued before, and returns its result.
  template <class Result, class Fn>
  Result run_on_worker(Fn fn);
  void complete(DiskToken token, DiskStatus status);
  void complete_all(std::vector<DiskToken> tokens, DiskStatus status);
  void worker_loop();

  // Helper-thread-only state and operations.
  int open_for_append(const std::string& path, DiskStatus& status);
  void forget_fd(const std::string& path);
  DiskStatus do_append(const std::string& path, const std::string& bytes);
  DiskStatus do_sync(const std::string& path);
  DiskStatus do_write_atomic(const std::string& path, const std::string& bytes);
  DiskStatus do_rename(const std::string& from, const std::string& to);

  boost::asio::io_context& io_;
  std::filesystem::path root_;
  // Shared with the posted completions, so one that runs late finds a live handler.
  std::shared_ptr<CompletionHandler> handler_;

  mutable std::mutex mutex_;
  std::condition_variable wake_;     // the worker: a job arrived or stopping
  std::condition_variable idle_cv_;  // drain(): the queue ran empty
  std::deque<Job> jobs_;
  bool busy_ = false;
  bool stopping_ = false;
  std::shared_ptr<AppendBatch> open_batch_;  // the last queued job's batch, until the job starts
  std::uint64_t append_batches_ = 0;

  // Before writing `writing` bytes at the end of `path`: reserves blocks if the reserve runs short.
  void preallocate_if_short(const std::string& path, int fd, std::uint64_t writing);
  std::uint64_t log_preallocation_ = 0;     // set before the first append; read by the worker

  std::map<std::string, int> fds_;          // open append descriptors, by path (worker only)
  // For preallocated logs with an open descriptor: where the file ends and how far its blocks are
  // reserved (worker only; forgotten with the descriptor).
  struct Reserve {
    std::uint64_t end = 0;
    std::uint64_t reserved = 0;
    bool unsupported = false;  // fallocate failed once: the file system cannot, stop trying
  };
  std::map<std::string, Reserve> reserves_;
  std::set<std::string> dirs_to_sync_;      // parents of files created since their last sync
  std::thread worker_;                      // last: started once everything above exists
};

}  // namespace zablab::runtime
