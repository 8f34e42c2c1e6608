#include "sim/trace.h"

#include <charconv>
#include <cstdio>

namespace zablab::sim {
namespace {

void put_text(std::string& out, std::string_view s) {
  for (char c : s) {
    switch (c) {
      case '\\': out += "\\\\"; break;
      case '\t': out += "\\t"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      default: out += c;
    }
  }
}

bool get_text(std::string_view in, std::string& out) {
  out.clear();
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (in[i] != '\\') {
      out += in[i];
      continue;
    }
    if (++i == in.size()) return false;
    switch (in[i]) {
      case '\\': out += '\\'; break;
      case 't': out += '\t'; break;
      case 'n': out += '\n'; break;
      case 'r': out += '\r'; break;
      default: return false;
    }
  }
  return true;
}

template <class T>
bool get_int(std::string_view in, T& out) {
  auto res = std::from_chars(in.data(), in.data() + in.size(), out);
  return res.ec == std::errc() && res.ptr == in.data() + in.size();
}

}  // namespace

std::string to_line(const TraceRecord& r) {
  std::string out;
  out.reserve(64 + r.kind.size() + r.msg_type.size() + r.detail.size());
  out += std::to_string(r.seq);
  out += '\t';
  out += std::to_string(r.time_ns);
  out += '\t';
  put_text(out, r.kind);
  out += '\t';
  out += std::to_string(r.node);
  out += '\t';
  out += std::to_string(r.from);
  out += '\t';
  out += std::to_string(r.to);
  out += '\t';
  put_text(out, r.msg_type);
  out += '\t';
  out += std::to_string(r.zxid);
  out += '\t';
  put_text(out, r.detail);
  return out;
}

std::optional<TraceRecord> from_line(std::string_view line) {
  std::string_view f[9];
  std::size_t n = 0, start = 0;
  for (std::size_t i = 0; i <= line.size(); ++i) {
    if (i == line.size() || line[i] == '\t') {
      if (n == 9) return std::nullopt;
      f[n++] = line.substr(start, i - start);
      start = i + 1;
    }
  }
  if (n != 9) return std::nullopt;
  TraceRecord r;
  if (!get_int(f[0], r.seq) || !get_int(f[1], r.time_ns) || !get_text(f[2], r.kind) || !get_int(f[3], r.node) ||
      !get_int(f[4], r.from) || !get_int(f[5], r.to) || !get_text(f[6], r.msg_type) || !get_int(f[7], r.zxid) ||
      !get_text(f[8], r.detail))
    return std::nullopt;
  return r;
}

std::uint64_t Trace::add(TraceRecord record) {
  record.seq = count_++;
  const std::string line = to_line(record);
  for (unsigned char c : line) hash_ = (hash_ ^ c) * 0x100000001b3ULL;
  hash_ = (hash_ ^ static_cast<unsigned char>('\n')) * 0x100000001b3ULL;
  for (const auto& listener : listeners_) listener(record);
  if (retain_) records_.push_back(std::move(record));
  return count_ - 1;
}

std::string Trace::hash_hex() const {
  char buf[20];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(hash_));
  return buf;
}

}  // namespace zablab::sim
