// Fuzz targets `txn_log` and `snapshot`: the on-disk formats, read as recovery reads them.
//
// Both inputs are one flags byte, then the file.
//   bit 0  the harness rewrites the Adler-32 checksums to match (txn log: of every entry it can
//          walk; snapshot: the 8 bytes before the trailing 5-byte "/" marker), so that mutations get
//          past the checksum into the parsers behind it
//   bit 1  zookeeper.extendedTypesEnabled
//
// txn_log: scan_log() never throws, its valid_end and entry offsets are consistent, scanning just
// the valid prefix finds the same entries and no problem; every entry is then decoded and applied
// to a DataTree as recovery does; then persist::recover() runs over a disk holding the file.
// snapshot: load_snapshot() throws nothing but SnapshotError; a loaded tree serializes to bytes that
// load again and serialize identically; then persist::recover() runs over a disk holding the file
// (and a small valid log after it).
#pragma once

#include "core/data/data_tree.h"
#include "core/data/txn.h"
#include "core/jute/codes.h"
#include "core/persist/disk_layout.h"
#include "core/persist/recovery.h"
#include "core/persist/snapshot.h"
#include "core/persist/txn_log.h"
#include "core/util/adler32.h"
#include "tests/fuzz/common.h"

namespace zablab::fuzz {

inline void put_i64(std::string& s, std::size_t at, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) s[at + i] = static_cast<char>((v >> (56 - 8 * i)) & 0xFF);
}
inline std::int64_t get_i32(const std::string& s, std::size_t at) {
  std::uint32_t u = 0;
  for (int i = 0; i < 4; ++i) u = (u << 8) | static_cast<unsigned char>(s[at + i]);
  return static_cast<std::int32_t>(u);
}

inline void fix_log_checksums(std::string& log) {
  std::size_t pos = 16;
  while (pos + 12 <= log.size()) {
    const std::int64_t len = get_i32(log, pos + 8);
    if (len <= 0 || pos + 12 + static_cast<std::size_t>(len) > log.size()) break;
    put_i64(log, pos, util::adler32(std::string_view(log).substr(pos + 12, static_cast<std::size_t>(len))));
    pos += 12 + static_cast<std::size_t>(len) + 1;
  }
}

inline void fix_snapshot_checksum(std::string& snap) {
  if (snap.size() < 13) return;
  const std::size_t sum_at = snap.size() - 13;
  put_i64(snap, sum_at, util::adler32(std::string_view(snap).substr(0, sum_at)));
}

// Applies what recovery would apply; decoding may refuse, applying must not throw.
inline void apply_entries(const std::vector<persist::LogEntry>& entries, data::DataTree& tree) {
  for (const auto& e : entries) {
    if (e.zxid <= tree.last_processed_zxid()) continue;
    data::Txn txn;
    try {
      txn = data::decode_txn(e.txn);
    } catch (const jute::DecodeError&) {
      continue;
    }
    tree.apply(txn);
  }
}

inline int txn_log_one(const std::uint8_t* data, std::size_t size) {
  Input in(data, size);
  const std::uint8_t flags = in.u8();
  std::string log(in.rest());
  if (flags & 0x01) fix_log_checksums(log);

  const persist::LogScan scan = persist::scan_log(log);
  ZL_FUZZ_CHECK(scan.valid_end <= log.size(), "valid_end past the end of the file");
  std::size_t last = 0;
  for (const auto& e : scan.entries) {
    ZL_FUZZ_CHECK(e.offset >= 16 && e.offset < scan.valid_end, "entry offset outside the valid part");
    ZL_FUZZ_CHECK(last == 0 || e.offset > last, "entry offsets not increasing");
    last = e.offset;
  }
  if (scan.problem != persist::LogScan::Problem::none) {
    ZL_FUZZ_CHECK(scan.problem_offset <= log.size(), "problem_offset past the end of the file");
    ZL_FUZZ_CHECK(!scan.message.empty(), "a problem without a message");
  }
  if (scan.valid_end >= 16) {
    // What recovery keeps after truncating a torn tail must scan clean, to the same entries.
    const persist::LogScan again = persist::scan_log(std::string_view(log).substr(0, scan.valid_end));
    ZL_FUZZ_CHECK(again.problem == persist::LogScan::Problem::none, "the valid prefix scans with a problem: " + again.message);
    ZL_FUZZ_CHECK(again.entries.size() == scan.entries.size(), "the valid prefix has other entries");
  }

  data::DataTree tree;
  apply_entries(scan.entries, tree);

  test::MemDisk disk;
  disk.files["/data/version-2/log.1"] = log;
  data::DataTree recovered;
  const persist::RecoveryReport report = persist::recover(disk, "/data", "/data", (flags & 0x02) != 0, recovered);
  if (!report.ok) ZL_FUZZ_CHECK(!report.error.empty(), "recovery refused without saying why");
  return 0;
}

inline int snapshot_one(const std::uint8_t* data, std::size_t size) {
  Input in(data, size);
  const std::uint8_t flags = in.u8();
  const bool extended = (flags & 0x02) != 0;
  std::string snap(in.rest());
  if (flags & 0x01) fix_snapshot_checksum(snap);
  constexpr std::int64_t kZxid = 0x100000010;

  data::DataTree tree;
  bool loaded = false;
  try {
    persist::load_snapshot(snap, kZxid, extended, tree);
    loaded = true;
  } catch (const persist::SnapshotError&) {
  }
  if (loaded) {
    const std::string again = persist::serialize_snapshot(tree);
    data::DataTree tree2;
    try {
      persist::load_snapshot(again, kZxid, extended, tree2);
    } catch (const persist::SnapshotError& e) {
      fail(__FILE__, __LINE__, std::string("a loaded tree's own snapshot does not load: ") + e.what());
    }
    ZL_FUZZ_CHECK(tree2.node_count() == tree.node_count(), "reloading changed the node count");
    ZL_FUZZ_CHECK(persist::serialize_snapshot(tree2) == again, "snapshot serialization is not a fixpoint");
  }

  // Recovery over the snapshot, then a log with one txn after it.
  test::MemDisk disk;
  disk.files["/data/version-2/snapshot.100000010"] = snap;
  data::Txn txn;
  txn.header = jute::TxnHeader{0x77, 1, kZxid + 1, 1700000000000, op::create};
  txn.ops.push_back(data::TxnOp{op::create, jute::CreateTxn{"/after-snapshot", std::string("x"), {}, false, 1}});
  disk.files["/data/version-2/log.100000011"] = persist::log_file_header() + persist::log_entry(data::encode_txn(txn));
  data::DataTree recovered;
  const persist::RecoveryReport report = persist::recover(disk, "/data", "/data", extended, recovered);
  if (!report.ok) ZL_FUZZ_CHECK(!report.error.empty(), "recovery refused without saying why");
  return 0;
}

}  // namespace zablab::fuzz
