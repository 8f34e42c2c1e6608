// zablab-fsync-interference-bench: what a txn log's fdatasync costs while a snapshot is written.
//
// The main thread does what a write one at a time does to the txn log: append a 120-byte record
// to a file whose blocks are reserved ahead (fallocate KEEP_SIZE, as zablab's log) and fdatasync
// it, --iterations times, timing each. With --snapshot-sync-kb N a second thread meanwhile writes a
// "snapshot" over and over, --piece-kb at a time, fdatasyncing it every N KiB, as
// core/server/snapshots.cpp does with snapshot_piece_bytes / snapshot_sync_bytes. The file
// system's journal makes a log fdatasync wait for the snapshot's dirty pages, so N decides the
// log's tail (bench/RESULTS.md, "Snapshot pieces"). Threads and the wall clock are fine here:
// this measures the disk, not zablab.
//
//   zablab-fsync-interference-bench --dir /var/tmp/x [--snapshot-sync-kb 256] [--piece-kb 16]
//                                   [--iterations 2000]
//
// Prints one JSON line: the log fdatasync's p50/p90/p99/max in us and the snapshot's MB/s.
#include <fcntl.h>
#include <linux/falloc.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

void must(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "zablab-fsync-interference-bench: %s: %s\n", what, std::strerror(errno));
    std::exit(1);
  }
}

// Writes 100 MiB files one after another until `stop`, fdatasyncing every `sync_bytes`.
void snapshot_writer(const std::string& dir, std::size_t piece, std::size_t sync_bytes, std::atomic<bool>& stop,
                     std::atomic<long long>& written) {
  const std::vector<char> bytes(piece, 'y');
  for (int k = 0; !stop; ++k) {
    const std::string path = dir + "/snapshot.bench." + std::to_string(k % 2);
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    must(fd >= 0, "open the snapshot file");
    std::size_t unsynced = 0;
    for (std::size_t done = 0; done < (std::size_t{100} << 20) && !stop; done += piece) {
      must(::write(fd, bytes.data(), piece) == static_cast<ssize_t>(piece), "write the snapshot");
      written += static_cast<long long>(piece);
      unsynced += piece;
      if (unsynced >= sync_bytes) {
        must(::fdatasync(fd) == 0, "fdatasync the snapshot");
        unsynced = 0;
      }
    }
    ::fsync(fd);
    ::close(fd);
    ::unlink(path.c_str());
  }
}

}  // namespace

int main(int argc, char** argv) {
  std::string dir;
  long sync_kb = 0, piece_kb = 16, iterations = 2000;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&]() -> const char* {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "zablab-fsync-interference-bench: %s needs a value\n", a.c_str());
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--dir") dir = value();
    else if (a == "--snapshot-sync-kb") sync_kb = std::atol(value());
    else if (a == "--piece-kb") piece_kb = std::atol(value());
    else if (a == "--iterations") iterations = std::atol(value());
    else {
      std::fprintf(stderr, "usage: zablab-fsync-interference-bench --dir D [--snapshot-sync-kb N] [--piece-kb K] "
                           "[--iterations I]\n");
      return 2;
    }
  }
  if (dir.empty() || piece_kb <= 0 || iterations <= 0 || sync_kb < 0) {
    std::fprintf(stderr, "zablab-fsync-interference-bench: --dir is required; sizes and counts must be positive\n");
    return 2;
  }
  const std::string log_path = dir + "/log.bench";
  const int log = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0644);
  must(log >= 0, "open the log file");
  must(::fallocate(log, FALLOC_FL_KEEP_SIZE, 0, off_t{64} << 20) == 0, "fallocate the log");
  ::fsync(log);

  std::atomic<bool> stop{false};
  std::atomic<long long> written{0};
  std::thread writer;
  const auto begin = Clock::now();
  if (sync_kb > 0)
    writer = std::thread(snapshot_writer, dir, static_cast<std::size_t>(piece_kb) << 10,
                         static_cast<std::size_t>(sync_kb) << 10, std::ref(stop), std::ref(written));
  char record[120];
  std::memset(record, 'x', sizeof record);
  std::vector<double> us;
  us.reserve(static_cast<std::size_t>(iterations));
  for (long i = 0; i < iterations; ++i) {
    const auto t0 = Clock::now();
    must(::write(log, record, sizeof record) == static_cast<ssize_t>(sizeof record), "append to the log");
    must(::fdatasync(log) == 0, "fdatasync the log");
    us.push_back(std::chrono::duration<double, std::micro>(Clock::now() - t0).count());
  }
  const double seconds = std::chrono::duration<double>(Clock::now() - begin).count();
  stop = true;
  if (writer.joinable()) writer.join();
  ::close(log);
  ::unlink(log_path.c_str());
  std::sort(us.begin(), us.end());
  auto at = [&](double q) { return us[std::min(us.size() - 1, static_cast<std::size_t>(q * static_cast<double>(us.size())))]; };
  std::printf("{\"snapshot_sync_kb\":%ld,\"piece_kb\":%ld,\"iterations\":%ld,\"log_fdatasync_p50_us\":%.0f,"
              "\"p90_us\":%.0f,\"p99_us\":%.0f,\"max_us\":%.0f,\"p99_over_p50\":%.1f,\"snapshot_mb_per_s\":%.0f}\n",
              sync_kb, piece_kb, iterations, at(0.5), at(0.9), at(0.99), us.back(), at(0.99) / at(0.5),
              static_cast<double>(written) / seconds / 1e6);
}
