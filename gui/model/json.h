// A small JSON reader for trace records' `detail` objects (sim/json.h writes them). Only what the
// visualizer needs: objects, arrays, strings, numbers (kept as text too, so 64-bit ids survive),
// booleans and null. Never throws: malformed input gives a null value.
//
// Pure and single-threaded.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace zablab::gui {

class JsonValue {
 public:
  enum class Type { null, boolean, number, string, array, object };

  JsonValue() = default;
  static JsonValue parse(std::string_view text);

  Type type() const { return type_; }
  bool is_null() const { return type_ == Type::null; }
  bool is_object() const { return type_ == Type::object; }
  bool is_array() const { return type_ == Type::array; }
  bool is_string() const { return type_ == Type::string; }
  bool is_number() const { return type_ == Type::number; }

  // Members; a missing key or a non-object gives a shared null.
  const JsonValue& operator[](std::string_view key) const;
  const JsonValue& at(std::size_t index) const;
  std::size_t size() const;  // array elements or object members
  const std::vector<std::pair<std::string, JsonValue>>& members() const { return members_; }
  const std::vector<JsonValue>& elements() const { return elements_; }
  bool has(std::string_view key) const;

  // Scalars. A string holding a number ("0x100000002", "12") converts too: the trace writes
  // zxids and session ids as hex strings.
  std::optional<std::int64_t> as_int() const;
  std::int64_t int_or(std::int64_t fallback) const { return as_int().value_or(fallback); }
  std::string str() const;  // a string's text, a number's or boolean's text, "" otherwise
  bool as_bool() const { return type_ == Type::boolean ? boolean_ : false; }

  // Compact JSON again (for the inspector).
  std::string dump() const;

 private:
  friend class JsonParser;
  Type type_ = Type::null;
  bool boolean_ = false;
  std::string text_;  // string contents, or a number's literal
  std::vector<JsonValue> elements_;
  std::vector<std::pair<std::string, JsonValue>> members_;
};

// "0x1a" / "26" / "-1" -> value; nullopt if not an integer.
std::optional<std::int64_t> parse_int(std::string_view text);

}  // namespace zablab::gui
