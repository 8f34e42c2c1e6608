#include "runtime/posix_disk.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <future>
#include <system_error>

#include <boost/asio/post.hpp>

namespace zablab::runtime {

namespace {

// At most this many append descriptors stay open; a transaction log uses one or two.
constexpr std::size_t kMaxOpenFiles = 32;
// A batch of merged appends stops taking more at this size, so one write(2) stays moderate.
constexpr std::size_t kMaxBatchBytes = 1024 * 1024;

std::string errno_text(int err) { return std::generic_category().message(err); }

DiskStatus failure(const char* op, const std::string& path, int err) {
  return DiskStatus{false, std::string(op) + " " + path + ": " + errno_text(err)};
}

bool write_all(int fd, const std::string& bytes, int& err) {
  const char* p = bytes.data();
  std::size_t left = bytes.size();
  while (left > 0) {
    const ssize_t n = ::write(fd, p, left);
    if (n < 0) {
      if (errno == EINTR) continue;
      err = errno;
      return false;
    }
    p += n;
    left -= static_cast<std::size_t>(n);
  }
  return true;
}

int fsync_retry(int fd) {
  while (::fsync(fd) != 0) {
    if (errno != EINTR) return errno;
  }
  return 0;
}

// A data file's contents and the metadata needed to read them back (its size): what a commit needs.
int fdatasync_retry(int fd) {
  while (::fdatasync(fd) != 0) {
    if (errno != EINTR) return errno;
  }
  return 0;
}

// Below this much reserve left, the next append reserves more (ZooKeeper's FilePadding: 4 KiB).
constexpr std::uint64_t kReserveLowWater = 4096;

bool is_txn_log(const std::string& path) {
  return std::filesystem::path(path).filename().string().rfind("log.", 0) == 0;
}

std::string parent_of(const std::string& path) {
  std::string parent = std::filesystem::path(path).parent_path().string();
  return parent.empty() ? std::string(".") : parent;
}

// fsync of a directory makes the names inside it (created, renamed, removed) durable.
int fsync_dir(const std::string& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return errno;
  const int err = fsync_retry(fd);
  ::close(fd);
  return err;
}

}  // namespace

PosixDisk::PosixDisk(boost::asio::io_context& io, std::filesystem::path root)
    : io_(io),
      root_(std::move(root)),
      handler_(std::make_shared<CompletionHandler>()),
      worker_([this] { worker_loop(); }) {}

PosixDisk::~PosixDisk() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  worker_.join();
  for (const auto& [path, fd] : fds_) ::close(fd);
}

void PosixDisk::set_log_preallocation(std::uint64_t bytes) {
  std::lock_guard lock(mutex_);  // the worker reads it under the same lock when a job starts
  log_preallocation_ = bytes;
}

void PosixDisk::set_completion_handler(CompletionHandler handler) { *handler_ = std::move(handler); }

std::string PosixDisk::resolve(const std::string& file) const {
  if (root_.empty() || std::filesystem::path(file).is_absolute()) return file;
  return (root_ / file).string();
}

void PosixDisk::enqueue(Job job, std::shared_ptr<AppendBatch> batch) {
  {
    std::lock_guard lock(mutex_);
    jobs_.push_back(std::move(job));
    // Any other job closes the open batch: a later append must not overtake it.
    open_batch_ = std::move(batch);
  }
  wake_.notify_one();
}

std::uint64_t PosixDisk::append_batches() const {
  std::lock_guard lock(mutex_);
  return append_batches_;
}

void PosixDisk::worker_loop() {
  std::unique_lock lock(mutex_);
  while (true) {
    wake_.wait(lock, [this] { return stopping_ || !jobs_.empty(); });
    if (jobs_.empty()) return;  // stopping, and everything queued has run
    Job job = std::move(jobs_.front());
    jobs_.pop_front();
    busy_ = true;
    lock.unlock();
    job();
    lock.lock();
    busy_ = false;
    if (jobs_.empty()) idle_cv_.notify_all();
  }
}

void PosixDisk::drain() {
  std::unique_lock lock(mutex_);
  idle_cv_.wait(lock, [this] { return jobs_.empty() && !busy_; });
}

template <class Result, class Fn>
Result PosixDisk::run_on_worker(Fn fn) {
  std::promise<Result> promise;
  std::future<Result> future = promise.get_future();
  enqueue([&promise, &fn] { promise.set_value(fn()); });
  return future.get();
}

void PosixDisk::complete(DiskToken token, DiskStatus status) {
  boost::asio::post(io_, [handler = handler_, token, status = std::move(status)] {
    if (*handler) (*handler)(token, status);
  });
}

void PosixDisk::complete_all(std::vector<DiskToken> tokens, DiskStatus status) {
  boost::asio::post(io_, [handler = handler_, tokens = std::move(tokens), status = std::move(status)] {
    for (const DiskToken token : tokens) {
      if (*handler) (*handler)(token, status);
    }
  });
}

void PosixDisk::append(const std::string& file, std::string bytes, DiskToken token) {
  std::string path = resolve(file);
  {
    std::lock_guard lock(mutex_);
    if (open_batch_ && open_batch_->path == path && open_batch_->bytes.size() < kMaxBatchBytes) {
      open_batch_->bytes += bytes;
      open_batch_->tokens.push_back(token);
      return;  // its job is queued and the worker was woken for it
    }
  }
  auto batch = std::make_shared<AppendBatch>();
  batch->path = std::move(path);
  batch->bytes = std::move(bytes);
  batch->tokens.push_back(token);
  enqueue(
      [this, batch] {
        std::optional<DiskToken> sync_token;
        {
          std::lock_guard lock(mutex_);  // from here on nothing joins this batch
          if (open_batch_ == batch) open_batch_.reset();
          ++append_batches_;
          sync_token = batch->sync_token;
        }
        DiskStatus status = do_append(batch->path, batch->bytes);
        if (!sync_token) {
          complete_all(std::move(batch->tokens), std::move(status));
          return;
        }
        DiskStatus synced = do_sync(batch->path);  // as a job of its own would, even after a failed write
        boost::asio::post(io_, [handler = handler_, tokens = std::move(batch->tokens), status = std::move(status),
                                token = *sync_token, synced = std::move(synced)] {
          if (!*handler) return;
          for (const DiskToken t : tokens) (*handler)(t, status);
          (*handler)(token, synced);
        });
      },
      batch);
}

void PosixDisk::sync(const std::string& file, DiskToken token) {
  std::string path = resolve(file);
  {
    std::lock_guard lock(mutex_);
    if (open_batch_ && open_batch_->path == path && !open_batch_->sync_token) {
      open_batch_->sync_token = token;
      open_batch_.reset();  // later appends go after this sync, in a batch of their own
      return;
    }
  }
  enqueue([this, path = std::move(path), token] { complete(token, do_sync(path)); });
}

void PosixDisk::write_atomic(const std::string& file, std::string bytes, DiskToken token) {
  enqueue([this, path = resolve(file), bytes = std::move(bytes), token] {
    complete(token, do_write_atomic(path, bytes));
  });
}

void PosixDisk::rename(const std::string& from, const std::string& to, DiskToken token) {
  enqueue([this, from = resolve(from), to = resolve(to), token] { complete(token, do_rename(from, to)); });
}

std::optional<std::string> PosixDisk::read(const std::string& file) {
  return run_on_worker<std::optional<std::string>>([path = resolve(file)]() -> std::optional<std::string> {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return std::nullopt;
    std::string out;
    char buf[64 * 1024];
    while (true) {
      const ssize_t n = ::read(fd, buf, sizeof buf);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        ::close(fd);
        return std::nullopt;
      }
      if (n == 0) break;
      out.append(buf, static_cast<std::size_t>(n));
    }
    ::close(fd);
    return out;
  });
}

bool PosixDisk::read_pieces(const std::string& file, std::size_t piece,
                            const std::function<void(std::string_view)>& fn) {
  // The worker runs only what the node's thread queues, and that thread is here: once drained it
  // stays idle, so reading here sees every earlier write and races with nothing.
  drain();
  const std::string path = resolve(file);
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  std::string buf(std::max<std::size_t>(piece, 1), '\0');
  while (true) {
    const ssize_t n = ::read(fd, buf.data(), buf.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return false;
    if (n == 0) return true;
    fn(std::string_view(buf.data(), static_cast<std::size_t>(n)));
  }
}

std::vector<std::string> PosixDisk::list(const std::string& dir) {
  return run_on_worker<std::vector<std::string>>([path = resolve(dir)] {
    std::vector<std::string> names;
    std::error_code ec;
    for (std::filesystem::directory_iterator it(path, ec), end; !ec && it != end; it.increment(ec)) {
      names.push_back(it->path().filename().string());
    }
    std::sort(names.begin(), names.end());
    return names;
  });
}

std::uint64_t PosixDisk::dir_size(const std::string& dir) {
  return run_on_worker<std::uint64_t>([path = resolve(dir)] {
    std::uint64_t total = 0;
    std::error_code ec;
    for (std::filesystem::recursive_directory_iterator it(path, ec), end; !ec && it != end; it.increment(ec)) {
      std::error_code size_ec;
      if (it->is_regular_file(size_ec)) {
        const std::uintmax_t size = it->file_size(size_ec);
        if (!size_ec) total += size;
      }
    }
    return total;
  });
}

bool PosixDisk::truncate(const std::string& file, std::uint64_t size) {
  return run_on_worker<bool>([this, path = resolve(file), size] {
    reserves_.erase(path);  // ftruncate frees the reserve beyond the new end; the next append re-reads it
    const int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
    if (fd < 0) return false;
    bool ok = ::ftruncate(fd, static_cast<off_t>(size)) == 0 && fsync_retry(fd) == 0;
    ::close(fd);
    return ok;  // an open append descriptor (O_APPEND) keeps working: it writes at the new end
  });
}

bool PosixDisk::remove(const std::string& file) {
  return run_on_worker<bool>([this, path = resolve(file)] {
    forget_fd(path);
    if (std::remove(path.c_str()) != 0) return false;
    dirs_to_sync_.erase(path);
    fsync_dir(parent_of(path));
    return true;
  });
}

bool PosixDisk::make_dirs(const std::string& dir) {
  return run_on_worker<bool>([path = resolve(dir)] {
    std::error_code ec;
    const bool created = std::filesystem::create_directories(path, ec);
    if (ec) return false;
    if (created) fsync_dir(parent_of(std::filesystem::path(path).lexically_normal().string()));
    return std::filesystem::is_directory(path, ec);
  });
}

// ----- helper thread ---------------------------------------------------------------------------

int PosixDisk::open_for_append(const std::string& path, DiskStatus& status) {
  if (const auto it = fds_.find(path); it != fds_.end()) return it->second;
  int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
  if (fd < 0 && errno == ENOENT) {
    fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd >= 0) dirs_to_sync_.insert(path);  // its name is durable only once the dir is synced
  }
  if (fd < 0) {
    status = failure("append", path, errno);
    return -1;
  }
  if (fds_.size() >= kMaxOpenFiles) {
    reserves_.erase(fds_.begin()->first);
    ::close(fds_.begin()->second);
    fds_.erase(fds_.begin());
  }
  fds_.emplace(path, fd);
  return fd;
}

void PosixDisk::forget_fd(const std::string& path) {
  reserves_.erase(path);
  if (const auto it = fds_.find(path); it != fds_.end()) {
    ::close(it->second);
    fds_.erase(it);
  }
}

DiskStatus PosixDisk::do_append(const std::string& path, const std::string& bytes) {
  DiskStatus status;
  const int fd = open_for_append(path, status);
  if (fd < 0) return status;
  preallocate_if_short(path, fd, bytes.size());
  int err = 0;
  if (!write_all(fd, bytes, err)) {
    forget_fd(path);
    return failure("append", path, err);
  }
  if (const auto it = reserves_.find(path); it != reserves_.end()) it->second.end += bytes.size();
  return status;
}

void PosixDisk::preallocate_if_short(const std::string& path, int fd, std::uint64_t writing) {
  std::uint64_t step = 0;
  {
    std::lock_guard lock(mutex_);
    step = log_preallocation_;
  }
  if (step == 0 || !is_txn_log(path)) return;
  auto [it, fresh] = reserves_.try_emplace(path);
  Reserve& reserve = it->second;
  if (fresh) {
    struct stat st {};
    if (::fstat(fd, &st) != 0) {
      reserve.unsupported = true;
      return;
    }
    reserve.end = static_cast<std::uint64_t>(st.st_size);
    reserve.reserved = reserve.end;  // what lies beyond the end from an earlier run is not counted
  }
  if (reserve.unsupported || reserve.end + writing + kReserveLowWater < reserve.reserved) return;
  // Blocks for this write and a step beyond it; the file's size does not change.
  const std::uint64_t length = writing + step;
  const std::uint64_t upto = reserve.end + length;
  if (::fallocate(fd, FALLOC_FL_KEEP_SIZE, static_cast<off_t>(reserve.end), static_cast<off_t>(length)) != 0) {
    reserve.unsupported = true;  // EOPNOTSUPP (tmpfs, some network file systems), ENOSPC: grow as written
    return;
  }
  reserve.reserved = upto;
}

DiskStatus PosixDisk::do_sync(const std::string& path) {
  int err = 0;
  if (const auto it = fds_.find(path); it != fds_.end()) {
    err = fdatasync_retry(it->second);
  } else {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return failure("sync", path, errno);
    err = fdatasync_retry(fd);
    ::close(fd);
  }
  if (err != 0) return failure("sync", path, err);
  if (dirs_to_sync_.contains(path)) {
    const std::string dir = parent_of(path);
    if (const int dir_err = fsync_dir(dir); dir_err != 0) return failure("sync", dir, dir_err);
    dirs_to_sync_.erase(path);
  }
  return {};
}

DiskStatus PosixDisk::do_write_atomic(const std::string& path, const std::string& bytes) {
  const std::string tmp = path + ".tmp";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return failure("write_atomic", tmp, errno);
  int err = 0;
  if (!write_all(fd, bytes, err) || (err = fsync_retry(fd)) != 0) {
    ::close(fd);
    ::unlink(tmp.c_str());
    return failure("write_atomic", tmp, err);
  }
  if (::close(fd) != 0) {
    err = errno;
    ::unlink(tmp.c_str());
    return failure("write_atomic", tmp, err);
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    err = errno;
    ::unlink(tmp.c_str());
    return failure("write_atomic", path, err);
  }
  forget_fd(path);  // a cached descriptor would point at the replaced file
  dirs_to_sync_.erase(path);
  const std::string dir = parent_of(path);
  if ((err = fsync_dir(dir)) != 0) return failure("write_atomic", dir, err);
  return {};
}

DiskStatus PosixDisk::do_rename(const std::string& from, const std::string& to) {
  if (DiskStatus synced = do_sync(from); !synced.ok) return synced;
  forget_fd(from);
  if (::rename(from.c_str(), to.c_str()) != 0) return failure("rename", from, errno);
  forget_fd(to);  // a cached descriptor would point at the replaced file
  dirs_to_sync_.erase(from);
  dirs_to_sync_.erase(to);
  const std::string dir = parent_of(to);
  if (const int err = fsync_dir(dir); err != 0) return failure("rename", dir, err);
  return {};
}

}  // namespace zablab::runtime
