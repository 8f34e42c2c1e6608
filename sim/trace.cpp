#include "sim/trace.h"

#include <bit>
#include <charconv>
#include <cstdio>
#include <cstring>

namespace zablab::sim {
namespace {

// Whether the 8 bytes of `w` may hold one of the four bytes put_text escapes: a byte below 0x0E
// (tab, newline and carriage return are) or a backslash. Exact when false, which is what matters.
bool may_need_escape(std::uint64_t w) {
  constexpr std::uint64_t ones = 0x0101010101010101ULL, highs = 0x8080808080808080ULL;
  const std::uint64_t backslashes = w ^ (ones * '\\');
  return (((w - ones * 0x0E) & ~w) | ((backslashes - ones) & ~backslashes)) & highs;
}

void put_text(std::string& out, std::string_view s) {
  // Plain runs are copied whole: traces are mostly ASCII JSON without these four bytes, which a
  // word at a time finds out (every record's text passes here for the trace hash).
  std::size_t run = 0;
  for (std::size_t i = 0; i < s.size();) {
    if (i + 8 <= s.size()) {
      std::uint64_t w;
      std::memcpy(&w, s.data() + i, 8);
      if (!may_need_escape(w)) {
        i += 8;
        continue;
      }
    }
    const char c = s[i];
    if (c == '\\' || c == '\t' || c == '\n' || c == '\r') {
      out.append(s.substr(run, i - run));
      out += c == '\\' ? "\\\\" : c == '\t' ? "\\t" : c == '\n' ? "\\n" : "\\r";
      run = i + 1;
    }
    ++i;
  }
  out.append(s.substr(run));
}

// The running hash: each line as 8-byte little-endian words (the last 0-7 bytes zero-padded),
// then its length, each mixed in with a multiply and a rotate. Byte order is spelled out, so the
// value is the same on every machine; words, not bytes, because the trace hashes every event.
std::uint64_t mix_line(std::uint64_t h, std::string_view line) {
  auto word = [&line](std::size_t at, std::size_t n) {
    std::uint64_t w = 0;
    if constexpr (std::endian::native == std::endian::little) {
      std::memcpy(&w, line.data() + at, n);  // the same value as below, one load
    } else {
      for (std::size_t i = 0; i < n; ++i) w |= std::uint64_t{static_cast<unsigned char>(line[at + i])} << (8 * i);
    }
    return w;
  };
  auto step = [&h](std::uint64_t w) {
    h = (h ^ w) * 0x9E3779B97F4A7C15ULL;
    h = (h << 29) | (h >> 35);
  };
  std::size_t at = 0;
  for (; at + 8 <= line.size(); at += 8) step(word(at, 8));
  step(word(at, line.size() - at));
  step(line.size());  // so zero padding cannot alias a line that ends in zero bytes
  return h;
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
      case '\\':
        out += '\\';
        break;
      case 't':
        out += '\t';
        break;
      case 'n':
        out += '\n';
        break;
      case 'r':
        out += '\r';
        break;
      default:
        return false;
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

namespace {

template <class T>
void put_int(std::string& out, T v) {
  char buf[24];
  const auto res = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, static_cast<std::size_t>(res.ptr - buf));
}

// The line of `r` appended to `out` (which the trace reuses: no allocation per record).
void append_line(std::string& out, const TraceRecord& r) {
  put_int(out, r.seq);
  out += '\t';
  put_int(out, r.time_ns);
  out += '\t';
  put_text(out, r.kind);
  out += '\t';
  put_int(out, r.node);
  out += '\t';
  put_int(out, r.from);
  out += '\t';
  put_int(out, r.to);
  out += '\t';
  put_text(out, r.msg_type);
  out += '\t';
  put_int(out, r.zxid);
  out += '\t';
  put_text(out, r.detail);
}

}  // namespace

std::string to_line(const TraceRecord& r) {
  std::string out;
  out.reserve(64 + r.kind.size() + r.msg_type.size() + r.detail.size());
  append_line(out, r);
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
  line_.clear();
  append_line(line_, record);
  hash_ = mix_line(hash_, line_);
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
