// PosixDisk on a real temporary directory: completions in call order, durable writes, the
// synchronous helpers, and error texts that name the path.
#include <catch2/catch.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include <boost/asio/io_context.hpp>

#include "runtime/posix_disk.h"

using zablab::DiskStatus;
using zablab::DiskToken;
using zablab::runtime::PosixDisk;

namespace {

// A fresh directory under the system's temp dir, removed with everything in it at scope exit.
struct TempDir {
  std::filesystem::path path;
  TempDir() {
    path = std::filesystem::temp_directory_path() /
           ("zablab-disk-" + std::to_string(::getpid()) + "-" + std::to_string(std::random_device{}()));
    std::filesystem::create_directories(path);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
};

// A PosixDisk whose completions are collected by running its io_context.
struct Harness {
  TempDir dir;
  boost::asio::io_context io;
  std::vector<std::pair<DiskToken, DiskStatus>> done;
  PosixDisk disk{io, dir.path};

  Harness() {
    disk.set_completion_handler(
        [this](DiskToken token, const DiskStatus& status) { done.emplace_back(token, status); });
  }
  // Delivers every completion of the operations called so far.
  void deliver() {
    disk.drain();
    io.restart();
    io.run();
  }
  std::vector<DiskToken> tokens() const {
    std::vector<DiskToken> out;
    for (const auto& [token, status] : done) out.push_back(token);
    return out;
  }
};

}  // namespace

TEST_CASE("runtime/posix_disk: append, sync, read; completions in call order", "[runtime][disk]") {
  Harness h;
  h.disk.append("a.log", "hello", 1);
  h.disk.append("b.log", "other", 2);
  h.disk.append("a.log", " world", 3);
  h.disk.sync("a.log", 4);
  h.disk.sync("b.log", 5);
  // Synchronous reads queue behind the appends, so they see them.
  CHECK(h.disk.read("a.log") == std::optional<std::string>("hello world"));
  CHECK(h.disk.read("b.log") == std::optional<std::string>("other"));
  h.deliver();
  CHECK(h.tokens() == std::vector<DiskToken>{1, 2, 3, 4, 5});
  for (const auto& [token, status] : h.done) {
    INFO("token " << token << ": " << status.error);
    CHECK(status.ok);
    CHECK(status.error.empty());
  }
  // Files land under the root; a read of something absent is nullopt.
  CHECK(std::filesystem::file_size(h.dir.path / "a.log") == 11);
  CHECK_FALSE(h.disk.read("absent").has_value());
}

TEST_CASE("runtime/posix_disk: rename puts an appended file over another, in call order", "[runtime][disk]") {
  Harness h;
  h.disk.write_atomic("snapshot.1", "old", 1);
  h.disk.append("snapshot.1.tmp", "new ", 2);
  h.disk.append("snapshot.1.tmp", "whole", 3);
  h.disk.rename("snapshot.1.tmp", "snapshot.1", 4);
  h.disk.append("log.1", "after", 5);
  h.deliver();
  CHECK(h.tokens() == std::vector<DiskToken>{1, 2, 3, 4, 5});
  for (const auto& [token, status] : h.done) CHECK(status.ok);
  CHECK(h.disk.read("snapshot.1") == "new whole");
  CHECK_FALSE(h.disk.read("snapshot.1.tmp"));
  // An append to the old temporary name starts a new file, not the renamed one.
  h.disk.append("snapshot.1.tmp", "x", 6);
  h.disk.rename("no-such-file", "snapshot.2", 7);
  h.deliver();
  CHECK(h.disk.read("snapshot.1") == "new whole");
  CHECK(h.disk.read("snapshot.1.tmp") == "x");
  REQUIRE(h.done.size() == 7);
  CHECK_FALSE(h.done.back().second.ok);
  CHECK(h.done.back().second.error.find("no-such-file") != std::string::npos);
}

TEST_CASE("runtime/posix_disk: write_atomic replaces the whole file", "[runtime][disk]") {
  Harness h;
  h.disk.write_atomic("currentEpoch", "1", 10);
  h.disk.write_atomic("currentEpoch", "22", 11);
  CHECK(h.disk.read("currentEpoch") == std::optional<std::string>("22"));
  h.deliver();
  REQUIRE(h.done.size() == 2);
  CHECK(h.done[0].second.ok);
  CHECK(h.done[1].second.ok);
  CHECK(h.disk.list("") == std::vector<std::string>{"currentEpoch"});  // no .tmp left behind

  // An append after write_atomic goes to the new file, not to a stale descriptor.
  h.disk.append("currentEpoch", "3", 12);
  CHECK(h.disk.read("currentEpoch") == std::optional<std::string>("223"));
}

TEST_CASE("runtime/posix_disk: make_dirs and list (sorted names)", "[runtime][disk]") {
  Harness h;
  CHECK(h.disk.make_dirs("version-2/sub"));
  CHECK(h.disk.make_dirs("version-2/sub"));  // already there: still true
  for (const char* name : {"log.200", "snapshot.100", "log.100", "acceptedEpoch"}) {
    h.disk.append(std::string("version-2/") + name, "x", 1);
  }
  CHECK(h.disk.list("version-2") ==
        std::vector<std::string>{"acceptedEpoch", "log.100", "log.200", "snapshot.100", "sub"});
  CHECK(h.disk.list("nowhere").empty());
  h.disk.append("plain", "x", 2);
  CHECK_FALSE(h.disk.make_dirs("plain/below"));  // a file is in the way
}

TEST_CASE("runtime/posix_disk: dir_size sums the files below a directory, subdirectories too", "[runtime][disk]") {
  Harness h;
  CHECK(h.disk.make_dirs("version-2/sub"));
  h.disk.append("version-2/snapshot.100", std::string(100, 'x'), 1);
  h.disk.append("version-2/sub/acceptedEpoch", "2\n", 2);
  h.disk.append("version-22", "xyz", 3);  // a sibling whose name begins the same: not below
  CHECK(h.disk.dir_size("version-2") == 102);
  CHECK(h.disk.dir_size(".") == 105);
  CHECK(h.disk.dir_size("nowhere") == 0);
}

TEST_CASE("runtime/posix_disk: truncate and remove", "[runtime][disk]") {
  Harness h;
  h.disk.append("log", "0123456789", 1);
  CHECK(h.disk.truncate("log", 4));
  CHECK(h.disk.read("log") == std::optional<std::string>("0123"));
  h.disk.append("log", "x", 2);  // the cached O_APPEND descriptor writes at the new end
  CHECK(h.disk.read("log") == std::optional<std::string>("0123x"));
  CHECK(h.disk.truncate("log", 0));
  CHECK(h.disk.read("log") == std::optional<std::string>(""));
  CHECK_FALSE(h.disk.truncate("absent", 0));

  CHECK(h.disk.remove("log"));
  CHECK_FALSE(h.disk.read("log").has_value());
  CHECK_FALSE(h.disk.remove("log"));
  h.disk.append("log", "new", 3);  // recreated, not written through a stale descriptor
  CHECK(h.disk.read("log") == std::optional<std::string>("new"));
}

TEST_CASE("runtime/posix_disk: errors carry the operation, the path and strerror", "[runtime][disk]") {
  Harness h;
  const std::string missing_dir = (h.dir.path / "no-such-dir" / "log").string();
  h.disk.append("no-such-dir/log", "x", 1);
  h.disk.sync("no-such-dir/log", 2);
  h.disk.write_atomic("no-such-dir/snap", "x", 3);
  h.deliver();
  REQUIRE(h.done.size() == 3);
  CHECK_FALSE(h.done[0].second.ok);
  CHECK(h.done[0].second.error == "append " + missing_dir + ": No such file or directory");
  CHECK_FALSE(h.done[1].second.ok);
  CHECK(h.done[1].second.error == "sync " + missing_dir + ": No such file or directory");
  CHECK_FALSE(h.done[2].second.ok);
  CHECK(h.done[2].second.error ==
        "write_atomic " + (h.dir.path / "no-such-dir" / "snap.tmp").string() +
            ": No such file or directory");
}

TEST_CASE("runtime/posix_disk: absolute names ignore the root", "[runtime][disk]") {
  Harness h;
  TempDir other;
  const std::string abs = (other.path / "f").string();
  CHECK(h.disk.resolve(abs) == abs);
  CHECK(h.disk.resolve("f") == (h.dir.path / "f").string());
  h.disk.append(abs, "abs", 1);
  CHECK(h.disk.read(abs) == std::optional<std::string>("abs"));
  CHECK(std::filesystem::exists(other.path / "f"));
  CHECK_FALSE(std::filesystem::exists(h.dir.path / "f"));
}

TEST_CASE("runtime/posix_disk: destruction finishes queued writes", "[runtime][disk]") {
  TempDir dir;
  {
    boost::asio::io_context io;
    PosixDisk disk(io, dir.path);
    for (int i = 0; i < 100; ++i) disk.append("log", "0123456789", static_cast<DiskToken>(i));
    disk.sync("log", 100);
  }  // no io.run(): completions are dropped, the bytes are still written
  CHECK(std::filesystem::file_size(dir.path / "log") == 1000);
}

TEST_CASE("runtime/posix_disk: appends waiting for the worker share one write, completions stay per token",
          "[runtime][disk]") {
  Harness h;
  // The worker is first given a 128 MB file to write and fsync, so the appends after it queue up
  // while it is busy -- whatever else the machine is doing -- and must be merged into batches. A
  // sync or another file closes a batch.
  constexpr int kAppends = 10000;
  h.disk.write_atomic("big", std::string(std::size_t{128} << 20, 'b'), 0);
  std::string expected;
  for (int i = 1; i <= kAppends; ++i) {
    const std::string bytes = std::to_string(i) + ",";
    h.disk.append("log", bytes, static_cast<DiskToken>(i));
    expected += bytes;
  }
  h.disk.sync("log", kAppends + 1);
  h.disk.append("log", "after-sync", kAppends + 2);
  h.disk.append("other", "x", kAppends + 3);
  h.disk.append("log", "!", kAppends + 4);
  h.deliver();
  CHECK(h.disk.read("log") == std::optional<std::string>(expected + "after-sync!"));
  CHECK(h.disk.read("other") == std::optional<std::string>("x"));
  std::vector<DiskToken> want;
  for (int i = 0; i <= kAppends + 4; ++i) want.push_back(static_cast<DiskToken>(i));
  CHECK(h.tokens() == want);  // each token once, in call order
  for (const auto& [token, status] : h.done) CHECK(status.ok);
  // Fewer writes than appends (merged), and at least the 4 the sync and the other file force.
  const auto batches = h.disk.append_batches();
  INFO("write batches: " << batches);
  CHECK(batches < static_cast<std::uint64_t>(kAppends) / 2);
  CHECK(batches >= 4);
}

TEST_CASE("runtime/posix_disk: a sync called while its file's appends wait runs in their job, one completion post",
          "[runtime][disk]") {
  Harness h;
  // As above, the worker is kept busy first, so the appends and syncs below queue up behind it.
  h.disk.write_atomic("big", std::string(std::size_t{64} << 20, 'b'), 0);
  h.disk.append("log", "a", 1);
  h.disk.append("log", "b", 2);
  h.disk.sync("log", 3);
  h.disk.append("log", "c", 4);  // after the sync: a batch of its own, with the next sync
  h.disk.sync("log", 5);
  h.disk.drain();
  h.io.restart();
  const std::size_t posts = h.io.run();
  CHECK(h.tokens() == std::vector<DiskToken>{0, 1, 2, 3, 4, 5});
  for (const auto& [token, status] : h.done) CHECK(status.ok);
  CHECK(posts == 3);  // the big write; a,b + sync; c + sync (without the merge: 5)
  CHECK(h.disk.read("log") == std::optional<std::string>("abc"));
}

TEST_CASE("runtime/posix_disk: a failed batched write fails every append in it", "[runtime][disk]") {
  Harness h;
  std::filesystem::create_directories(h.dir.path / "dir");
  for (int i = 0; i < 50; ++i) h.disk.append("dir", "x", static_cast<DiskToken>(i));  // a directory
  h.disk.append("ok.log", "y", 50);
  h.deliver();
  REQUIRE(h.done.size() == 51);
  for (int i = 0; i < 50; ++i) {
    CHECK(h.done[static_cast<std::size_t>(i)].first == static_cast<DiskToken>(i));
    CHECK_FALSE(h.done[static_cast<std::size_t>(i)].second.ok);
    CHECK(h.done[static_cast<std::size_t>(i)].second.error.find("append") == 0);
  }
  CHECK(h.done[50].second.ok);
  CHECK(h.disk.read("ok.log") == std::optional<std::string>("y"));
}

namespace {
std::uint64_t allocated_bytes(const std::filesystem::path& file) {
  struct stat st {};
  REQUIRE(::stat(file.c_str(), &st) == 0);
  return static_cast<std::uint64_t>(st.st_blocks) * 512;
}
}  // namespace

TEST_CASE("runtime/posix_disk: a txn log's blocks are reserved preAllocSize ahead, its size stays what was written",
          "[runtime][disk]") {
  Harness h;
  constexpr std::uint64_t kStep = 1 << 20;
  h.disk.set_log_preallocation(kStep);
  h.disk.append("log.100000001", std::string(100, 'a'), 1);
  h.disk.append("snapshot.1.tmp", std::string(100, 's'), 2);  // not a txn log: no reserve
  h.disk.sync("log.100000001", 3);
  h.deliver();
  const auto log = h.dir.path / "log.100000001";
  CHECK(std::filesystem::file_size(log) == 100);  // no padding a reader would have to skip
  CHECK(allocated_bytes(log) >= kStep);
  CHECK(allocated_bytes(h.dir.path / "snapshot.1.tmp") < kStep);
  CHECK(h.disk.read("log.100000001") == std::optional<std::string>(std::string(100, 'a')));

  // A write that would leave less than 4 KiB of the reserve reserves another step beyond itself.
  h.disk.append("log.100000001", std::string(kStep - 100 - 1000, 'b'), 4);
  h.deliver();
  CHECK(std::filesystem::file_size(log) == kStep - 1000);
  CHECK(allocated_bytes(log) >= 2 * kStep - 1000);

  // A cut frees the reserve beyond the new end; the next append reserves again from there.
  CHECK(h.disk.truncate("log.100000001", 10));
  h.disk.append("log.100000001", "d", 6);
  h.deliver();
  CHECK(h.disk.read("log.100000001") == std::optional<std::string>("aaaaaaaaaad"));
  CHECK(allocated_bytes(log) >= kStep);
}

TEST_CASE("runtime/posix_disk: without preAllocSize a txn log holds only what was written", "[runtime][disk]") {
  Harness h;
  h.disk.append("log.100000001", std::string(100, 'a'), 1);
  h.deliver();
  CHECK(allocated_bytes(h.dir.path / "log.100000001") < 64 * 1024);
}
