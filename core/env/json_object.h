// A builder for the one-line JSON objects of trace events' details (and of the simulator's trace
// records, sim/json.h): fields by name, numbers, zxids as ZooKeeper prints them, strings escaped
// once. Keys are written as given (callers use plain snake_case); strings are escaped byte-wise
// by jute's json_string, so any bytes survive. Field order is call order, which keeps a trace
// deterministic.
#pragma once

#include <charconv>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/jute/records.h"

namespace zablab {

class JsonObject {
 public:
  JsonObject& num(std::string_view key, std::int64_t value) {
    key_(key);
    char buf[24];
    const auto res = std::to_chars(buf, buf + sizeof buf, value);
    out_.append(buf, static_cast<std::size_t>(res.ptr - buf));
    return *this;
  }
  // A zxid or session id as a string in ZooKeeper's hex ("0x100000002", util::hex).
  JsonObject& hex(std::string_view key, std::int64_t value) {
    key_(key);
    char buf[24];
    const auto res = std::to_chars(buf, buf + sizeof buf, static_cast<std::uint64_t>(value), 16);
    out_ += "\"0x";
    out_.append(buf, static_cast<std::size_t>(res.ptr - buf));
    out_ += '"';
    return *this;
  }
  JsonObject& str(std::string_view key, std::string_view value) {
    key_(key);
    jute::detail::json_string(out_, value);
    return *this;
  }
  JsonObject& boolean(std::string_view key, bool value) {
    key_(key);
    out_ += value ? "true" : "false";
    return *this;
  }
  // `json` must already be valid JSON (an object, array, number...).
  JsonObject& raw(std::string_view key, std::string_view json) {
    key_(key);
    out_ += json;
    return *this;
  }
  // The object, closed. Takes the text out (no copy: every trace record's detail is built here),
  // so call it once, last.
  std::string done() {
    out_ += '}';
    return std::move(out_);
  }

 private:
  void key_(std::string_view key) {
    if (out_.size() > 1) out_ += ',';
    out_ += '"';
    out_ += key;
    out_ += "\":";
  }
  std::string out_ = start();
  // Room for a typical detail up front, so that the object grows without reallocating.
  static std::string start() {
    std::string s;
    s.reserve(112);
    s += '{';
    return s;
  }
};

}  // namespace zablab
