#include "core/persist/txn_log.h"

#include "core/jute/records.h"
#include "core/persist/disk_layout.h"
#include "core/util/adler32.h"

namespace zablab::persist {
namespace {

bool all_zero(std::string_view bytes) {
  for (char c : bytes)
    if (c != 0) return false;
  return true;
}

// An entry longer than the limit that is nevertheless whole (checksum and end marker right): one
// logged before the server bounded txn sizes. It is read back rather than thrown away.
bool intact_entry(std::string_view bytes, std::size_t pos, std::size_t end, std::uint32_t checksum) {
  return end <= bytes.size() && static_cast<std::uint8_t>(bytes[end - 1]) == kEndOfRecord &&
         util::adler32(bytes.substr(pos + 12, end - pos - 13)) == checksum;
}

}  // namespace

std::string log_file_header() { return jute::encode(jute::FileHeader{kLogMagic, kFormatVersion, 0}); }

std::string log_entry(std::string_view txn_bytes) {
  jute::Writer w;
  w.i64(static_cast<std::int64_t>(util::adler32(txn_bytes)));
  w.bytes(txn_bytes);
  w.u8(kEndOfRecord);
  return w.take();
}

LogScan scan_log(std::string_view bytes, std::size_t max_entry) {
  LogScan scan;
  constexpr std::size_t kHeader = 16;
  if (bytes.size() < kHeader) {
    scan.problem = LogScan::Problem::torn_tail;
    scan.message = "file header incomplete (" + std::to_string(bytes.size()) + " of 16 bytes)";
    return scan;
  }
  const auto header = jute::decode<jute::FileHeader>(bytes.substr(0, kHeader));
  if (header.magic != kLogMagic || header.version != kFormatVersion) {
    scan.problem = LogScan::Problem::corrupt;
    scan.message = "not a txn log (bad magic or version)";
    return scan;
  }
  std::size_t pos = kHeader;
  scan.valid_end = pos;
  // A bad entry is a torn tail only if nothing but zeros follows where it claims to end.
  auto fail = [&](std::size_t claimed_end, std::string why) {
    const bool tail = claimed_end >= bytes.size() || all_zero(bytes.substr(claimed_end));
    scan.problem = tail ? LogScan::Problem::torn_tail : LogScan::Problem::corrupt;
    scan.problem_offset = pos;
    scan.message = std::move(why);
  };
  for (;;) {
    const std::size_t left = bytes.size() - pos;
    if (left == 0) break;
    if (left < 12) {
      if (!all_zero(bytes.substr(pos))) fail(bytes.size(), "entry header incomplete");
      break;
    }
    jute::Reader r(bytes.substr(pos), max_entry);
    const auto checksum = static_cast<std::uint32_t>(r.i64());
    const std::int32_t len = r.i32();
    if (len == 0 && checksum == 0) {
      // Zero-filled space after the last entry (ZooKeeper preallocates logs this way).
      if (!all_zero(bytes.substr(pos))) fail(bytes.size(), "data after a zero-length entry");
      break;
    }
    const std::size_t end = len < 0 ? 0 : pos + 12 + static_cast<std::size_t>(len) + 1;
    if (len < 0 || (static_cast<std::size_t>(len) > max_entry && !intact_entry(bytes, pos, end, checksum))) {
      // A crash mid-append leaves a prefix of the entry: its length is the true one, or cut short
      // with nothing (or zeros) after it. An impossible length with data after it is damage, and
      // the txns after it may have been acknowledged: ZooKeeper's "Unreasonable length" too.
      fail(pos + 12, "entry length " + std::to_string(len) + " out of range (0.." + std::to_string(max_entry) + ")");
      break;
    }
    if (end > bytes.size()) {
      fail(end, "entry of " + std::to_string(len) + " bytes cut short at end of file");
      break;
    }
    const std::string_view txn = bytes.substr(pos + 12, static_cast<std::size_t>(len));
    if (util::adler32(txn) != checksum) {
      fail(end, "checksum mismatch");
      break;
    }
    if (static_cast<std::uint8_t>(bytes[end - 1]) != kEndOfRecord) {
      fail(end, "missing end-of-record marker");
      break;
    }
    std::int64_t zxid = 0;
    try {
      zxid = jute::decode<jute::TxnHeader>(txn).zxid;
    } catch (const jute::DecodeError& e) {
      fail(end, std::string("txn header: ") + e.what());
      break;
    }
    scan.entries.push_back(LogEntry{zxid, std::string(txn), pos});
    pos = end;
    scan.valid_end = pos;
  }
  return scan;
}

}  // namespace zablab::persist
