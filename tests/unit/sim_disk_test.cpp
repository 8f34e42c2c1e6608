// The simulated disk: volatile appends, durable syncs, crashes with torn tails, faults.
#include "sim/sim_disk.h"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

using namespace zablab;
using namespace zablab::sim;

namespace {

struct Rig {
  explicit Rig(std::uint64_t seed = 3, DiskOptions o = options()) : sim(seed), disk(sim, 1, seed, o) {
    disk.set_completion([this](DiskToken t, const DiskStatus& s) {
      done.push_back(t);
      if (!s.ok) errors.push_back(s.error);
    });
  }
  static DiskOptions options() {
    DiskOptions o;
    o.append_latency = Latency::uniform(us(1), us(50));
    o.sync_latency = Latency::uniform(us(10), ms(3));
    return o;
  }
  void run() {
    while (sim.step()) {
    }
  }
  Simulator sim;
  SimDisk disk;
  std::vector<DiskToken> done;
  std::vector<std::string> errors;
};

}  // namespace

TEST_CASE("sim/disk: completions come in call order, across files, whatever the latencies") {
  Rig r;
  DiskToken t = 1;
  for (int i = 0; i < 50; ++i) {
    r.disk.append(i % 2 ? "/a" : "/b", "x", t++);
    if (i % 7 == 0) r.disk.sync("/a", t++);
  }
  r.run();
  REQUIRE(r.done.size() == t - 1);
  for (std::size_t i = 0; i < r.done.size(); ++i) CHECK(r.done[i] == i + 1);
}

TEST_CASE("sim/disk: an append is readable once complete but durable only after a sync") {
  Rig r;
  r.disk.append("/log", "one", 1);
  CHECK_FALSE(r.disk.read("/log"));  // not yet written
  r.run();
  CHECK(r.disk.read("/log") == "one");
  CHECK_FALSE(r.disk.durable_contents("/log"));  // never synced: a crash loses the file
  r.disk.sync("/log", 2);
  r.disk.append("/log", "two", 3);
  r.run();
  CHECK(r.disk.read("/log") == "onetwo");
  CHECK(r.disk.durable_contents("/log") == "one");
  CHECK(r.disk.files().at("/log").durable_size == 3);
}

TEST_CASE("sim/disk: a crash keeps the durable prefix, may tear the last write, and loses queued operations") {
  int torn = 0, clean = 0;
  for (std::uint64_t seed = 1; seed <= 40; ++seed) {
    Rig r(seed);
    r.disk.append("/log", "AAAA", 1);
    r.disk.sync("/log", 2);
    r.disk.append("/other", "never synced", 3);
    r.disk.append("/log", "BBBBBBBB", 4);
    r.run();
    r.disk.append("/log", "queued, never written", 5);
    r.disk.crash();
    r.run();
    CHECK(r.done.size() == 4);  // the queued append never completes
    CHECK_FALSE(r.disk.read("/other"));
    const std::string log = r.disk.read("/log").value();
    REQUIRE(log.size() >= 4);
    CHECK(log.substr(0, 4) == "AAAA");
    CHECK(std::string("AAAABBBBBBBB").substr(0, log.size()) == log);  // a prefix, never garbage
    (log.size() > 4 ? torn : clean)++;
    CHECK(r.disk.durable_contents("/log") == log);  // what survived is durable now
  }
  CHECK(torn > 5);  // the seed decides: both outcomes happen
  CHECK(clean > 5);
}

TEST_CASE("sim/disk: write_atomic is durable at completion; a crash before it keeps the old file") {
  Rig r;
  r.disk.write_atomic("/snap", "v1", 1);
  r.run();
  r.disk.write_atomic("/snap", "v2", 2);
  r.disk.crash();
  CHECK(r.disk.read("/snap") == "v1");
}

TEST_CASE("sim/disk: rename makes a file durable under its new name; a crash before it keeps the old one") {
  Rig r;
  r.disk.write_atomic("/snap", "old", 1);
  r.disk.append("/snap.tmp", "new ", 2);
  r.disk.append("/snap.tmp", "whole", 3);
  r.run();
  r.disk.rename("/snap.tmp", "/snap", 4);
  r.disk.crash();  // before the rename completed: the old file (the temporary one may be torn)
  CHECK(r.disk.read("/snap") == "old");
  r.disk.remove("/snap.tmp");

  r.disk.append("/snap.tmp", "new whole", 5);
  r.disk.rename("/snap.tmp", "/snap", 6);
  r.run();
  CHECK(r.done.back() == 6);
  r.disk.crash();  // after it: the new file, durable although never synced before the rename
  CHECK(r.disk.read("/snap") == "new whole");
  CHECK_FALSE(r.disk.read("/snap.tmp"));
  r.disk.rename("/nothing", "/snap", 7);
  r.run();
  CHECK(r.errors == std::vector<std::string>{kNoSuchFile});
  CHECK(r.disk.read("/snap") == "new whole");
}

TEST_CASE("sim/disk: a full disk fails appends with ENOSPC; fsync errors are reported") {
  Rig r;
  r.disk.append("/log", "fits", 1);
  r.run();  // a fault applies to operations completing after it is switched on
  r.disk.set_full(true);
  r.disk.append("/log", "does not", 2);
  r.disk.write_atomic("/snap", "nor this", 3);
  r.run();
  CHECK(r.disk.read("/log") == "fits");
  CHECK_FALSE(r.disk.read("/snap"));
  CHECK(r.errors == std::vector<std::string>{kNoSpace, kNoSpace});
  r.disk.set_full(false);
  r.disk.set_capacity(6);
  r.disk.append("/log", "ab", 4);  // 4 + 2 bytes: fits exactly
  r.disk.append("/log", "c", 5);   // over
  r.disk.set_sync_error(true);
  r.disk.sync("/log", 6);
  r.errors.clear();
  r.run();
  CHECK(r.errors == std::vector<std::string>{kNoSpace, kIoError});
  CHECK(r.disk.used_bytes() == 6);
}

TEST_CASE("sim/disk: a killed process's queued operations never happen; what completed stays, unsynced") {
  Rig r;
  r.disk.append("/log", "x", 1);
  r.run();  // completed: in the page cache, not synced
  r.disk.append("/log", "y", 2);
  r.disk.sync("/log", 3);
  CHECK(r.disk.drop_pending() == 2);
  r.run();
  CHECK(r.done == std::vector<DiskToken>{1});
  CHECK(r.disk.read("/log") == "x");  // the kill kept the page cache; "y" never reached it
  // A restart's new operations are not held behind the dropped ones.
  r.disk.append("/log", "z", 4);
  r.run();
  CHECK(r.disk.read("/log") == "xz");
}

TEST_CASE("sim/disk: list, truncate and remove are synchronous") {
  Rig r;
  r.disk.write_atomic("/d/version-2/snapshot.0", "s", 1);
  r.disk.append("/d/version-2/log.1", "0123456789", 2);
  r.disk.append("/d/other/x", "x", 3);
  r.run();
  CHECK(r.disk.list("/d/version-2") == std::vector<std::string>{"log.1", "snapshot.0"});
  CHECK(r.disk.truncate("/d/version-2/log.1", 4));
  CHECK(r.disk.read("/d/version-2/log.1") == "0123");
  CHECK(r.disk.remove("/d/other/x"));
  CHECK_FALSE(r.disk.remove("/d/other/x"));
  CHECK(r.disk.list("/d/other").empty());
}

TEST_CASE("sim/disk: dir_size sums the files below a directory as they are now, synced or not") {
  Rig r;
  r.disk.append("/d/version-2/log.1", std::string(100, 'x'), 1);
  r.disk.write_atomic("/d/version-2/sub/acceptedEpoch", "2\n", 2);
  r.disk.append("/d/version-22", "xyz", 3);  // a sibling whose name begins the same: not below
  CHECK(r.disk.dir_size("/d/version-2") == 0);  // nothing has completed yet
  r.run();
  CHECK(r.disk.dir_size("/d/version-2") == 102);
  CHECK(r.disk.dir_size("/d") == 105);
  CHECK(r.disk.dir_size("/nowhere") == 0);
}
