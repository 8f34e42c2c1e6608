// The one-line JSON objects in trace records' `detail`: built with core's JsonObject, one
// builder for core's events and the simulator's records alike.
#pragma once

#include <string>
#include <string_view>

#include "core/env/json_object.h"
#include "core/jute/records.h"

namespace zablab::sim {

// The same builder as core's trace events use (core/env/json_object.h).
using Json = JsonObject;

// `s` as a JSON string literal.
inline std::string json_quote(std::string_view s) {
  std::string out;
  jute::detail::json_string(out, s);
  return out;
}

}  // namespace zablab::sim
