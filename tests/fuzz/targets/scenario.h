// Fuzz target `scenario`: the scenario language's parser (sim/scenario/scenario.h).
//
// Input: the file's text. Properties: parse_scenario() throws nothing; it yields a scenario
// exactly when it reports no error; every error has a message; describe() works.
#pragma once

#include "sim/scenario/scenario.h"
#include "tests/fuzz/common.h"

namespace zablab::fuzz {

inline int scenario_one(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  const auto result = sim::scenario::parse_scenario(text, "fuzz.scn");
  ZL_FUZZ_CHECK(result.scenario.has_value() == result.errors.empty(),
                "a scenario must come exactly when there are no errors");
  for (const auto& e : result.errors) ZL_FUZZ_CHECK(!e.message.empty(), "an error without a message");
  (void)result.describe("fuzz.scn");
  return 0;
}

}  // namespace zablab::fuzz
