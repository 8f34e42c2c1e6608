#include "core/jute/frame.h"

#include <limits>
#include <stdexcept>

#include "core/jute/io.h"

namespace zablab::jute {

std::string frame(std::string_view payload) {
  if (payload.size() > static_cast<std::size_t>(std::numeric_limits<std::int32_t>::max()))
    throw std::length_error("jute frame: payload does not fit an int32 length");
  Writer w;
  w.i32(static_cast<std::int32_t>(payload.size()));
  w.raw(payload);
  return w.take();
}

std::string FrameWriter::take() {
  const std::size_t payload = size() - 4;
  if (payload > static_cast<std::size_t>(std::numeric_limits<std::int32_t>::max()))
    throw std::length_error("jute frame: payload does not fit an int32 length");
  patch_i32(0, static_cast<std::int32_t>(payload));
  return Writer::take();
}

FrameDecoder::FrameDecoder(std::size_t max_frame) : max_frame_(max_frame) {}

void FrameDecoder::feed(std::string_view bytes) {
  // Drop consumed bytes only once they are at least half the buffer: each byte is then moved at
  // most once per byte consumed before it, which keeps the cost amortized O(1).
  if (head_ > 0 && head_ >= buf_.size() - head_) {
    buf_.erase(0, head_);
    head_ = 0;
  }
  buf_.append(bytes);
}

FrameDecoder::Status FrameDecoder::next(std::string& out) {
  if (error_ != Status::need_more) return error_;
  if (buffered() < 4) return Status::need_more;
  std::int32_t len = Reader(std::string_view(buf_).substr(head_, 4)).i32();
  if (len < 0) {
    bad_length_ = len;
    return error_ = Status::negative_length;
  }
  if (static_cast<std::size_t>(len) > max_frame_) {
    bad_length_ = len;
    return error_ = Status::too_large;
  }
  auto n = static_cast<std::size_t>(len);
  if (buffered() - 4 < n) return Status::need_more;
  out.assign(buf_, head_ + 4, n);
  head_ += 4 + n;
  taken_ = true;
  return Status::frame;
}

std::optional<std::string> FrameDecoder::first_word() const {
  // Nothing has been consumed before the first frame, so the stream still starts at buf_[0].
  if (taken_ || buf_.size() < 4) return std::nullopt;
  return buf_.substr(0, 4);
}

}  // namespace zablab::jute
