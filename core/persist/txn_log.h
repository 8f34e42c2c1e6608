// The transaction log's byte format: a FileHeader{"ZKLG", 2, dbid 0}, then per txn
// `long Adler32(buffer)` + `buffer(TxnHeader + txn)` + byte 0x42. Pure functions over bytes; the
// server appends through Env::disk() and reads files back at start-up.
//
// scan_log() tells a torn tail (a crash mid-append: the last entry incomplete or garbled, nothing
// valid after it) from corruption before the tail (a bad entry followed by more data), because
// recovery truncates the first and must refuse to start on the second.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace zablab::persist {

std::string log_file_header();
std::string log_entry(std::string_view txn_bytes);

struct LogEntry {
  std::int64_t zxid = 0;
  std::string txn;  // TxnHeader + body, as data::decode_txn reads it
  std::size_t offset = 0;
};

struct LogScan {
  enum class Problem { none, torn_tail, corrupt };
  std::vector<LogEntry> entries;
  std::size_t valid_end = 0;  // where the last good entry ends (or the header)
  Problem problem = Problem::none;
  std::size_t problem_offset = 0;
  std::string message;  // what is wrong at problem_offset
};

// `max_entry` bounds one entry's length (jute.maxbuffer plus room for the txn header).
LogScan scan_log(std::string_view bytes, std::size_t max_entry = 0xFFFFF * 2);

}  // namespace zablab::persist
