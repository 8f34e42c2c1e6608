// Length-prefixed framing: every ZooKeeper message, both directions, is an int32 big-endian
// length followed by that many payload bytes. The one exception is a four-letter word ("ruok"),
// whose 4 ASCII bytes arrive where a length prefix would; first_word() lets the server spot it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/jute/io.h"

namespace zablab::jute {

// The int32 big-endian length of `payload` followed by the payload.
std::string frame(std::string_view payload);

// Writes one frame in place: the length prefix is reserved first and filled in by take(), so the
// payload is built once and not copied. Every reply and request that is assembled field by field
// goes through this.
class FrameWriter : public Writer {
 public:
  FrameWriter() { i32(0); }
  // The finished frame (hides Writer::take, which would leave the prefix 0).
  std::string take();
};

// Cuts a byte stream into frame payloads. Sans-I/O: feed it whatever the socket produced, then
// call next() until need_more. A frame longer than max_frame (jute.maxbuffer) or with a negative
// length is refused before its payload is buffered; the connection should then be closed
// (ZooKeeper closes without a reply), so the error is sticky: next() keeps returning it.
class FrameDecoder {
 public:
  explicit FrameDecoder(std::size_t max_frame);

  // Appends bytes; amortized O(1) per byte (consumed bytes are dropped in bulk, not per frame).
  void feed(std::string_view bytes);

  enum class Status { need_more, frame, too_large, negative_length };
  // On `frame`, moves one payload into `out` (its previous contents are replaced).
  Status next(std::string& out);

  // The length prefix that caused too_large / negative_length (0 before any).
  std::int32_t bad_length() const { return bad_length_; }
  // Bytes received and not yet returned as a frame (including a partial length prefix).
  std::size_t buffered() const { return buf_.size() - head_; }
  // The first 4 bytes the connection ever sent, if at least 4 arrived and no frame was taken yet:
  // for four-letter words ("ruok"). A 4lw reads as a length far above any sane max, so next()
  // reports too_large for it; check first_word() then.
  std::optional<std::string> first_word() const;

 private:
  std::size_t max_frame_;
  std::string buf_;
  std::size_t head_ = 0;  // bytes of buf_ already consumed
  bool taken_ = false;    // a frame has been returned
  std::int32_t bad_length_ = 0;
  Status error_ = Status::need_more;  // too_large / negative_length once seen
};

}  // namespace zablab::jute
