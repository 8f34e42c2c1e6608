// Length-prefixed framing (core/jute/frame.h).
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "core/jute/frame.h"

using namespace zablab::jute;
using Status = FrameDecoder::Status;

namespace {

std::vector<std::string> drain(FrameDecoder& d) {
  std::vector<std::string> out;
  std::string p;
  while (d.next(p) == Status::frame) out.push_back(p);
  return out;
}

}  // namespace

TEST_CASE("jute/frame: frame() prefixes a big-endian length", "[jute]") {
  CHECK(frame("abc") == std::string("\0\0\0\3abc", 7));
  CHECK(frame("") == std::string(4, '\0'));
  CHECK(frame(std::string(256, 'x')).substr(0, 4) == std::string("\0\0\1\0", 4));
}

TEST_CASE("jute/frame: joined frames", "[jute]") {
  FrameDecoder d(100);
  d.feed(frame("one") + frame("") + frame("three"));
  CHECK(drain(d) == std::vector<std::string>{"one", "", "three"});
  CHECK(d.buffered() == 0);
  std::string p = "untouched";
  CHECK(d.next(p) == Status::need_more);
  CHECK(p == "untouched");
}

TEST_CASE("jute/frame: split frames fed byte by byte", "[jute]") {
  FrameDecoder d(100);
  const std::string stream = frame("hello") + frame(std::string("\0\xff", 2)) + frame("z");
  std::vector<std::string> got;
  std::string p;
  for (std::size_t i = 0; i < stream.size(); ++i) {
    d.feed(stream.substr(i, 1));
    while (d.next(p) == Status::frame) got.push_back(p);
  }
  CHECK(got == std::vector<std::string>{"hello", std::string("\0\xff", 2), "z"});
  CHECK(d.buffered() == 0);
}

TEST_CASE("jute/frame: a partial frame stays buffered", "[jute]") {
  FrameDecoder d(100);
  const std::string f = frame("abcdef");
  d.feed(f.substr(0, 6));
  std::string p;
  CHECK(d.next(p) == Status::need_more);
  CHECK(d.buffered() == 6);
  d.feed(f.substr(6) + f.substr(0, 2));
  CHECK(d.next(p) == Status::frame);
  CHECK(p == "abcdef");
  CHECK(d.buffered() == 2);
  CHECK(d.next(p) == Status::need_more);
}

TEST_CASE("jute/frame: exactly max is accepted, max+1 is too large", "[jute]") {
  FrameDecoder ok(8);
  ok.feed(frame("12345678"));
  std::string p;
  CHECK(ok.next(p) == Status::frame);
  CHECK(p == "12345678");

  FrameDecoder big(8);
  big.feed(frame("123456789").substr(0, 4));  // the prefix alone is enough to refuse
  CHECK(big.next(p) == Status::too_large);
  CHECK(big.bad_length() == 9);
  // Sticky: the connection is to be closed.
  big.feed("123456789");
  CHECK(big.next(p) == Status::too_large);
}

TEST_CASE("jute/frame: jute.maxbuffer default", "[jute]") {
  FrameDecoder d(0xFFFFF);
  d.feed(std::string("\x00\x10\x00\x00", 4));  // 1,048,576 = maxbuffer + 1
  std::string p;
  CHECK(d.next(p) == Status::too_large);
  CHECK(d.bad_length() == 0x100000);
}

TEST_CASE("jute/frame: negative length", "[jute]") {
  FrameDecoder d(100);
  d.feed(std::string("\xff\xff\xff\xfe", 4));
  std::string p;
  CHECK(d.next(p) == Status::negative_length);
  CHECK(d.bad_length() == -2);
  CHECK(d.next(p) == Status::negative_length);
}

TEST_CASE("jute/frame: first_word spots a four-letter word", "[jute]") {
  FrameDecoder d(0xFFFFF);
  CHECK_FALSE(d.first_word());
  d.feed("ru");
  CHECK_FALSE(d.first_word());
  d.feed("ok");
  REQUIRE(d.first_word());
  CHECK(*d.first_word() == "ruok");
  std::string p;
  CHECK(d.next(p) == Status::too_large);  // "ruok" = 0x72756F6B as a length
  CHECK(d.bad_length() == 0x72756F6B);
  CHECK(*d.first_word() == "ruok");
}

TEST_CASE("jute/frame: first_word is gone once a frame was taken", "[jute]") {
  FrameDecoder d(100);
  d.feed(frame("abcd") + "ruok");
  CHECK(d.first_word() == std::string("\0\0\0\4", 4));
  std::string p;
  CHECK(d.next(p) == Status::frame);
  CHECK_FALSE(d.first_word());
}

TEST_CASE("jute/frame: many frames through one decoder", "[jute]") {
  FrameDecoder d(1000);
  std::string p;
  std::size_t count = 0;
  for (int i = 0; i < 5000; ++i) {
    // Feed one and a half frames at a time so consumed bytes and leftovers interleave.
    std::string payload(static_cast<std::size_t>(i % 97), static_cast<char>('a' + i % 26));
    std::string f = frame(payload);
    d.feed(f.substr(0, f.size() / 2));
    while (d.next(p) == Status::frame) ++count;
    d.feed(f.substr(f.size() / 2));
    while (d.next(p) == Status::frame) {
      CHECK(p == payload);
      ++count;
    }
  }
  CHECK(count == 5000);
  CHECK(d.buffered() == 0);
}
