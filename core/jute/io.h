// Jute, ZooKeeper's binary encoding: big-endian ints and longs, one-byte booleans, length-prefixed
// buffers and UTF-8 strings (-1 = null), length-prefixed vectors (-1 = null), records as their
// fields in declaration order. See docs/formats/jute.md.
//
// Writer appends; Reader consumes with bounds checks and throws DecodeError naming the byte offset
// and the field, so a caller can log exactly what was wrong with a client's bytes.
#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace zablab::jute {

// A buffer or string that may be null on the wire (length -1), kept distinct from empty.
using Bytes = std::optional<std::string>;

class DecodeError : public std::runtime_error {
 public:
  DecodeError(std::size_t offset, const std::string& what)
      : std::runtime_error("byte " + std::to_string(offset) + ": " + what), offset_(offset) {}
  std::size_t offset() const { return offset_; }

 private:
  std::size_t offset_;
};

class Writer {
 public:
  void i32(std::int32_t v) {
    auto u = static_cast<std::uint32_t>(v);
    for (int s = 24; s >= 0; s -= 8) out_.push_back(static_cast<char>((u >> s) & 0xFF));
  }
  void i64(std::int64_t v) {
    auto u = static_cast<std::uint64_t>(v);
    for (int s = 56; s >= 0; s -= 8) out_.push_back(static_cast<char>((u >> s) & 0xFF));
  }
  void boolean(bool v) { out_.push_back(v ? 1 : 0); }
  void u8(std::uint8_t v) { out_.push_back(static_cast<char>(v)); }
  // A buffer (or ustring): int32 length + bytes.
  void bytes(std::string_view v) {
    i32(static_cast<std::int32_t>(v.size()));
    out_.append(v);
  }
  // A nullable buffer: null is written as length -1.
  void bytes(const Bytes& v) {
    if (!v) {
      i32(-1);
    } else {
      bytes(std::string_view(*v));
    }
  }
  void raw(std::string_view v) { out_.append(v); }

  std::size_t size() const { return out_.size(); }
  const std::string& data() const { return out_; }
  std::string take() { return std::move(out_); }
  // Overwrites 4 bytes at `at` (used to fill a length prefix after the payload is written).
  void patch_i32(std::size_t at, std::int32_t v) {
    auto u = static_cast<std::uint32_t>(v);
    for (int i = 0; i < 4; ++i) out_[at + i] = static_cast<char>((u >> (24 - 8 * i)) & 0xFF);
  }

 private:
  std::string out_;
};

class Reader {
 public:
  // `max_field` bounds any single buffer/string/vector length (jute.maxbuffer in ZooKeeper).
  explicit Reader(std::string_view in, std::size_t max_field = 0xFFFFF * 2)
      : in_(in), max_field_(max_field) {}

  std::int32_t i32(const char* field = "int") {
    need(4, field);
    std::uint32_t u = 0;
    for (int i = 0; i < 4; ++i) u = (u << 8) | static_cast<unsigned char>(in_[pos_ + i]);
    pos_ += 4;
    return static_cast<std::int32_t>(u);
  }
  std::int64_t i64(const char* field = "long") {
    need(8, field);
    std::uint64_t u = 0;
    for (int i = 0; i < 8; ++i) u = (u << 8) | static_cast<unsigned char>(in_[pos_ + i]);
    pos_ += 8;
    return static_cast<std::int64_t>(u);
  }
  // Java reads any non-zero byte as true; so do we.
  bool boolean(const char* field = "boolean") {
    need(1, field);
    return in_[pos_++] != 0;
  }
  std::uint8_t u8(const char* field = "byte") {
    need(1, field);
    return static_cast<std::uint8_t>(in_[pos_++]);
  }
  // A nullable buffer or ustring.
  Bytes bytes(const char* field = "buffer") {
    std::size_t at = pos_;
    std::int32_t len = i32(field);
    if (len == -1) return std::nullopt;
    if (len < 0) throw DecodeError(at, std::string(field) + ": negative length " + std::to_string(len));
    if (static_cast<std::size_t>(len) > max_field_)
      throw DecodeError(at, std::string(field) + ": length " + std::to_string(len) + " exceeds limit " +
                                std::to_string(max_field_));
    need(static_cast<std::size_t>(len), field);
    std::string v(in_.substr(pos_, static_cast<std::size_t>(len)));
    pos_ += static_cast<std::size_t>(len);
    return v;
  }
  // A ustring where null reads as "" (paths, schemes: kazoo writes "" as null).
  std::string str(const char* field = "ustring") { return bytes(field).value_or(std::string()); }
  // A vector count: -1 (null) reads as 0 elements. Bounded so a hostile count cannot allocate.
  std::int32_t count(const char* field = "vector") {
    std::size_t at = pos_;
    std::int32_t n = i32(field);
    if (n == -1) return 0;
    if (n < 0) throw DecodeError(at, std::string(field) + ": negative count " + std::to_string(n));
    // Every element takes at least one byte, so a count above what is left is a lie.
    if (static_cast<std::size_t>(n) > remaining())
      throw DecodeError(at, std::string(field) + ": count " + std::to_string(n) + " exceeds the " +
                                std::to_string(remaining()) + " bytes left");
    return n;
  }

  std::size_t pos() const { return pos_; }
  std::size_t remaining() const { return in_.size() - pos_; }
  bool at_end() const { return pos_ == in_.size(); }
  std::string_view rest() const { return in_.substr(pos_); }
  void skip(std::size_t n) {
    need(n, "skip");
    pos_ += n;
  }

 private:
  void need(std::size_t n, const char* field) {
    if (in_.size() - pos_ < n)
      throw DecodeError(pos_, std::string(field) + ": need " + std::to_string(n) + " bytes, have " +
                                  std::to_string(in_.size() - pos_));
  }

  std::string_view in_;
  std::size_t pos_ = 0;
  std::size_t max_field_;
};

}  // namespace zablab::jute
