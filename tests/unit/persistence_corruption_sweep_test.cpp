// Damage at every offset class of a txn log and of a snapshot: file header, entry checksum,
// entry length, entry payload, end-of-record marker, snapshot counts and lengths, checksum,
// end marker -- flipped, zeroed, given an impossible length, or cut off there. After each, a
// restarted server either has every acknowledged write with its value, or refuses to start
// naming the file and the byte offset. It never starts with less, with one exception that no
// reader can tell from a crash: damage to the newest log's last entry, or a cut through the
// newest log, looks exactly like a torn append; that tail is dropped with a warning, and only
// a suffix of the newest log's txns may be missing.
#include <catch2/catch.hpp>

#include <algorithm>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "core/data/acl.h"
#include "core/persist/disk_layout.h"
#include "core/persist/txn_log.h"
#include "core/server/server_core.h"
#include "tests/support/wire_client.h"

using namespace zablab;
using test::FakeEnv;
using test::WireClient;

namespace {

constexpr int kWrites = 12;

server::ServerConfig sweep_config() {
  server::ServerConfig c;
  c.tick_time_ms = 2000;
  c.data_dir = "/data";
  c.snap_count = 10;  // a snapshot with data part-way: two logs, two snapshots
  return c;
}

std::string value_of(int i) { return "value-" + std::to_string(i) + std::string(static_cast<std::size_t>(i) * 7, 'x'); }

// The files of a server that acknowledged kWrites creates, and which zxid each path got.
struct Pristine {
  std::map<std::string, std::string> files;
  std::map<std::string, std::int64_t> zxid_of;  // "/c3" -> its create's zxid
};

Pristine make_pristine() {
  FakeEnv env;
  server::ServerCore s(env, sweep_config());
  s.start();
  env.complete_disk(s);
  WireClient c(env, s, 1);
  c.connect();
  Pristine p;
  for (int i = 0; i < kWrites; ++i) {
    const std::string path = "/c" + std::to_string(i);
    auto reply = c.call(op::create, jute::CreateRequest{path, value_of(i), data::open_acl_unsafe(), 0});
    REQUIRE(reply.err() == Err::ok);
    p.zxid_of[path] = s.tree().find(path)->stat.czxid;
  }
  p.files = env.mem_disk.files;
  return p;
}

std::vector<std::string> files_under(const Pristine& p, const std::string& prefix) {
  std::vector<std::string> out;
  for (const auto& [path, bytes] : p.files)
    if (path.rfind(prefix, 0) == 0) out.push_back(path);
  return out;  // sorted by name: log.1 before log.8 for the single-digit zxids here
}

struct Damage {
  std::string what;  // for the failure message
  std::string file;
  std::size_t offset = 0;
  std::function<void(std::string&)> apply;
  // Set where the damage may pass for a torn append: txns above this zxid may be missing.
  std::optional<std::int64_t> tail_after_zxid;
  // A cut exactly between two entries leaves a well-formed shorter log: nothing to warn about.
  bool clean_cut = false;
};

Damage flip(std::string file, std::size_t at, std::string what) {
  return {what + " flipped", file, at, [at](std::string& b) { b[at] = static_cast<char>(b[at] ^ 0x01); }, {}};
}
Damage zero(std::string file, std::size_t at, std::string what) {
  return {what + " zeroed", file, at, [at](std::string& b) {
            for (std::size_t i = at; i < std::min(b.size(), at + 4); ++i) b[i] = 0;
          }, {}};
}
Damage huge(std::string file, std::size_t at, std::string what) {
  return {what + " set to 0x7fffffff", file, at, [at](std::string& b) {
            b[at] = 0x7f;
            for (int i = 1; i < 4; ++i) b[at + static_cast<std::size_t>(i)] = static_cast<char>(0xff);
          }, {}};
}
Damage cut(std::string file, std::size_t at, std::string what) {
  return {"cut at " + what, file, at, [at](std::string& b) { b.resize(at); }, {}};
}

// Restarts a server on the damaged files and checks the rule in this file's header.
void check_restart(const Pristine& p, const Damage& d) {
  INFO(d.what << " in " << d.file << " at byte " << d.offset);
  FakeEnv env;
  env.mem_disk.files = p.files;
  d.apply(env.mem_disk.files.at(d.file));
  server::ServerCore s(env, sweep_config());
  s.start();
  if (!env.shutdown_reason.empty()) {
    INFO("refused: " << env.shutdown_reason);
    CHECK(env.shutdown_reason.find(d.file) != std::string::npos);
    CHECK(env.shutdown_reason.find("byte ") != std::string::npos);
    return;
  }
  std::optional<std::int64_t> first_missing;
  for (const auto& [path, zxid] : p.zxid_of) {
    const data::DataNode* n = s.tree().find(path);
    if (n == nullptr) {
      INFO(path << " (zxid " << zxid << ") is missing");
      REQUIRE(d.tail_after_zxid.has_value());
      CHECK(zxid > *d.tail_after_zxid);
      first_missing = std::min(first_missing.value_or(zxid), zxid);
      continue;
    }
    CHECK(n->data == value_of(std::stoi(path.substr(2))));
  }
  if (first_missing) {
    // Only a suffix may go, and never silently.
    for (const auto& [path, zxid] : p.zxid_of)
      if (zxid > *first_missing) CHECK(s.tree().find(path) == nullptr);
    if (!d.clean_cut) CHECK(env.has_logged("torn"));
  }
}

}  // namespace

TEST_CASE("persist/corruption sweep: damage anywhere in a txn log recovers every acknowledged write or refuses naming file and offset") {
  const Pristine p = make_pristine();
  const auto logs = files_under(p, "/data/version-2/log.");
  REQUIRE(logs.size() >= 2);  // the snapshots part-way started new logs
  std::vector<Damage> cases;
  for (std::size_t li = 0; li < logs.size(); ++li) {
    const std::string& log = logs[li];
    const bool newest = li + 1 == logs.size();
    const persist::LogScan scan = persist::scan_log(p.files.at(log));
    REQUIRE(scan.problem == persist::LogScan::Problem::none);
    REQUIRE(scan.entries.size() >= 3);
    for (std::size_t at : {std::size_t{0}, std::size_t{4}, std::size_t{8}}) {
      cases.push_back(flip(log, at, "file header"));
      cases.push_back(cut(log, at, "file header"));
      if (newest) cases.back().tail_after_zxid = scan.entries[0].zxid - 1;  // a log cut before its first entry
    }
    // The second entry (a middle one) and the last one.
    for (std::size_t ei : {std::size_t{1}, scan.entries.size() - 1}) {
      const persist::LogEntry& e = scan.entries[ei];
      const std::size_t end = e.offset + 12 + e.txn.size() + 1;
      const bool last = ei + 1 == scan.entries.size();
      const std::string name = std::string(last ? "last" : "middle") + " entry's ";
      std::vector<Damage> here = {
          flip(log, e.offset + 7, name + "checksum"), zero(log, e.offset + 4, name + "checksum"),
          flip(log, e.offset + 8, name + "length"),   flip(log, e.offset + 11, name + "length"),
          zero(log, e.offset + 8, name + "length"),   huge(log, e.offset + 8, name + "length"),
          flip(log, e.offset + 12, name + "txn header"), flip(log, e.offset + 12 + e.txn.size() - 1, name + "payload"),
          flip(log, end - 1, name + "end marker"),    cut(log, e.offset, name + "start"),
          cut(log, e.offset + 10, name + "length"),   cut(log, e.offset + 12 + e.txn.size() / 2, name + "payload"),
      };
      for (auto& d : here) {
        // A damaged last entry of the newest log, or any cut through the newest log, is what a
        // torn append leaves: the txns from this entry on may be dropped.
        const bool cut_damage = d.what.rfind("cut at", 0) == 0;
        if (newest && (last || cut_damage)) d.tail_after_zxid = e.zxid - 1;
        d.clean_cut = cut_damage && d.offset == e.offset;
        cases.push_back(std::move(d));
      }
    }
  }
  for (const auto& d : cases) check_restart(p, d);
  CHECK(cases.size() > 50);
}

TEST_CASE("persist/corruption sweep: damage anywhere in a snapshot falls back to an older one with every acknowledged write, or refuses naming file and offset") {
  const Pristine p = make_pristine();
  const auto snaps = files_under(p, "/data/version-2/snapshot.");
  REQUIRE(snaps.size() >= 2);
  // The newest snapshot (by zxid) has the most data; older ones and every log after them are
  // still there, so falling back loses nothing.
  std::string snap = snaps.front();
  for (const auto& s : snaps)
    if (persist::zxid_of_file(s.substr(s.rfind('/') + 1), "snapshot") > persist::zxid_of_file(snap.substr(snap.rfind('/') + 1), "snapshot"))
      snap = s;
  const std::string& bytes = p.files.at(snap);
  REQUIRE(bytes.size() > 100);
  std::vector<Damage> cases;
  const std::size_t sum_at = bytes.size() - 13;
  struct Spot {
    std::size_t at;
    const char* what;
  };
  // Header (magic, version, dbid), the session count, the ACL map's count, the first node's
  // path length, the middle of the nodes, the checksum and the end marker.
  for (const Spot& s : {Spot{0, "magic"}, Spot{4, "version"}, Spot{16, "session count"}, Spot{bytes.size() / 2, "a node"},
                        Spot{sum_at, "checksum"}, Spot{sum_at + 8, "end marker length"}, Spot{bytes.size() - 1, "end marker"}}) {
    cases.push_back(flip(snap, s.at, s.what));
    cases.push_back(cut(snap, s.at, s.what));
    if (s.at + 4 <= bytes.size()) {
      cases.push_back(zero(snap, s.at, s.what));
      cases.push_back(huge(snap, s.at, s.what));
    }
  }
  for (const auto& d : cases) check_restart(p, d);

  SECTION("with no older snapshot to fall back on, a damaged one refuses the start") {
    Pristine only = p;
    for (const auto& other : snaps)
      if (other != snap) only.files.erase(other);
    check_restart(only, flip(snap, bytes.size() / 2, "a node"));
    FakeEnv env;
    env.mem_disk.files = only.files;
    env.mem_disk.files.at(snap)[bytes.size() / 2] ^= 0x01;
    server::ServerCore s(env, sweep_config());
    s.start();
    CHECK(env.shutdown_reason.find("no valid snapshot") != std::string::npos);
    CHECK(env.shutdown_reason.find(snap) != std::string::npos);
  }
}
