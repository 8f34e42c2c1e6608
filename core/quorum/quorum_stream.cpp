#include "core/quorum/quorum_stream.h"

#include <cstdint>

#include "core/jute/io.h"

namespace zablab::quorum {
namespace {

// Reads big-endian ints from a prefix that may be cut short; `at` walks forward.
struct Cursor {
  std::string_view in;
  std::size_t base;  // offset of in[0] in the stream, for errors
  std::size_t at = 0;

  bool has(std::size_t n) const { return in.size() - at >= n; }
  std::int32_t i32() {
    std::uint32_t u = 0;
    for (int i = 0; i < 4; ++i) u = (u << 8) | static_cast<unsigned char>(in[at + i]);
    at += 4;
    return static_cast<std::int32_t>(u);
  }
  // A length-prefixed field (buffer or ustring): false if it has not all arrived.
  bool skip_field(const char* name, std::size_t max_field) {
    if (!has(4)) return false;
    const std::size_t field_at = at;
    const std::int32_t length = i32();
    if (length == -1) return true;  // null
    if (length < 0) throw jute::DecodeError(base + field_at, std::string(name) + ": negative length " + std::to_string(length));
    if (static_cast<std::size_t>(length) > max_field)
      throw jute::DecodeError(base + field_at, std::string(name) + ": length " + std::to_string(length) +
                                            " exceeds the limit of " + std::to_string(max_field));
    if (!has(static_cast<std::size_t>(length))) return false;
    at += static_cast<std::size_t>(length);
    return true;
  }
};

}  // namespace

std::optional<std::size_t> quorum_packet_size(std::string_view bytes, std::size_t max_field, std::size_t base_offset) {
  Cursor c{bytes, base_offset};
  if (!c.has(4 + 8)) return std::nullopt;
  c.at = 12;  // int type, long zxid
  if (!c.skip_field("data", max_field)) return std::nullopt;
  if (!c.has(4)) return std::nullopt;
  const std::size_t count_at = c.at;
  const std::int32_t ids = c.i32();
  if (ids < -1) throw jute::DecodeError(base_offset + count_at, "authinfo: negative count " + std::to_string(ids));
  // An Id is at least two empty ustrings: a count larger than the field limit allows is a lie.
  if (ids > 0 && static_cast<std::size_t>(ids) > max_field / 8)
    throw jute::DecodeError(base_offset + count_at, "authinfo: count " + std::to_string(ids) + " exceeds the limit");
  for (std::int32_t i = 0; i < ids; ++i) {
    if (!c.skip_field("authinfo scheme", max_field)) return std::nullopt;
    if (!c.skip_field("authinfo id", max_field)) return std::nullopt;
  }
  return c.at;
}

std::optional<std::string> QuorumStream::next_packet() {
  const std::string_view rest = unread();
  const std::optional<std::size_t> size = quorum_packet_size(rest, max_field_, offset());
  if (!size) {
    compact();
    return std::nullopt;
  }
  std::string packet(rest.substr(0, *size));
  skip(*size);
  return packet;
}

void QuorumStream::skip(std::size_t n) {
  read_ += n;
  if (read_ == buffer_.size()) compact();
}

void QuorumStream::compact() {
  // Dropping the taken bytes once per arrival keeps a chunk of many packets linear.
  if (read_ == 0) return;
  buffer_.erase(0, read_);
  taken_ += read_;
  read_ = 0;
}

}  // namespace zablab::quorum
