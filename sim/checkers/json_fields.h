// Reading members of the flat JSON objects in trace records' `detail` (sim/json.h writes them).
//
// Only top-level members are looked at: a key nested inside an inner object or array (a txn's
// "zxid" inside its header, say) is never confused with one of the object's own. Strings are
// unescaped as jute's json_string escaped them (\u00XX is one byte). Pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace zablab::sim::check {

// The raw JSON text of the top-level member `key` of the object `json`; nullopt if there is no
// such member or `json` is not an object.
std::optional<std::string_view> json_member(std::string_view json, std::string_view key);
// A member that is a number, or a string holding a number ("0x1a" hex, or decimal).
std::optional<std::int64_t> json_int(std::string_view json, std::string_view key);
// A member that is a string, unescaped.
std::optional<std::string> json_string(std::string_view json, std::string_view key);
// A member that is an array of numbers.
std::optional<std::vector<std::int64_t>> json_int_array(std::string_view json, std::string_view key);
// A member that is an array of strings.
std::optional<std::vector<std::string>> json_string_array(std::string_view json, std::string_view key);
// A member that is an array of anything (objects, say): each element's raw JSON text.
std::optional<std::vector<std::string_view>> json_raw_array(std::string_view json, std::string_view key);

}  // namespace zablab::sim::check
