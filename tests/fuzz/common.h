// Shared plumbing of the fuzz targets (docs/hardening.md).
//
// Each target is one function `int <name>_one(const std::uint8_t*, std::size_t)` in
// tests/fuzz/targets/<name>.h, header-only so that two builds use the very same code:
//   - the libFuzzer binaries (tests/fuzz/fuzz_<name>.cpp, built with ZABLAB_FUZZ=ON under clang);
//   - tests/unit/fuzz_regressions_test.cpp in the normal build, which replays every input kept in
//     tests/fuzz/regressions/<name>/ through the same function.
//
// A target fails in one of two ways: the code under test crashes or lets an exception escape that
// its contract does not allow (libFuzzer reports the abort; the Catch2 test reports the exception),
// or the harness finds a broken property and calls ZL_FUZZ_CHECK, which aborts in a fuzzer build
// and throws FuzzFailure in the unit tests.
#pragma once

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "tests/support/fake_env.h"

namespace zablab::fuzz {

class FuzzFailure : public std::logic_error {
 public:
  using std::logic_error::logic_error;
};

[[noreturn]] inline void fail(const char* file, int line, const std::string& what) {
#ifdef ZABLAB_FUZZING
  std::fprintf(stderr, "\n%s:%d: fuzz property broken: %s\n", file, line, what.c_str());
  std::abort();
#else
  throw FuzzFailure(std::string(file) + ":" + std::to_string(line) + ": " + what);
#endif
}

#define ZL_FUZZ_CHECK(cond, what)                                     \
  do {                                                                \
    if (!(cond)) ::zablab::fuzz::fail(__FILE__, __LINE__, (what));    \
  } while (0)

// Consumes a fuzz input front to back; past the end every read yields zeros / empty.
class Input {
 public:
  Input(const std::uint8_t* data, std::size_t size) : data_(data), size_(size) {}
  bool empty() const { return pos_ >= size_; }
  std::size_t remaining() const { return pos_ < size_ ? size_ - pos_ : 0; }
  std::uint8_t u8() { return pos_ < size_ ? data_[pos_++] : 0; }
  std::uint16_t u16() {
    std::uint16_t hi = u8();
    return static_cast<std::uint16_t>((hi << 8) | u8());
  }
  // Up to n bytes (fewer at the end).
  std::string_view take(std::size_t n) {
    n = std::min(n, remaining());
    std::string_view v(reinterpret_cast<const char*>(data_) + pos_, n);
    pos_ += n;
    return v;
  }
  std::string_view rest() { return take(remaining()); }

 private:
  const std::uint8_t* data_;
  std::size_t size_;
  std::size_t pos_ = 0;
};

// Builds inputs in the formats the targets read (the seed generator writes them).
class InputWriter {
 public:
  void u8(std::uint8_t v) { out_.push_back(static_cast<char>(v)); }
  void u16(std::uint16_t v) {
    u8(static_cast<std::uint8_t>(v >> 8));
    u8(static_cast<std::uint8_t>(v & 0xFF));
  }
  void raw(std::string_view v) { out_.append(v); }
  const std::string& data() const { return out_; }
  std::size_t size() const { return out_.size(); }

 private:
  std::string out_;
};

// A FakeEnv that also keeps which channel each peer message went out on (FakeEnv drops it).
class PeerEnv : public test::FakeEnv {
 public:
  struct Sent {
    PeerId to;
    PeerChannel channel;
    std::string bytes;
  };
  void peer_send(PeerId peer, PeerChannel channel, std::string bytes) override {
    if (keep_peer_output) sent.push_back({peer, channel, std::move(bytes)});
  }
  void peer_disconnect(PeerId peer, PeerChannel channel) override {
    if (keep_peer_output) disconnects.emplace_back(peer, channel);
  }
  bool keep_peer_output = true;
  std::vector<Sent> sent;
  std::vector<std::pair<PeerId, PeerChannel>> disconnects;
};

}  // namespace zablab::fuzz
