// zablab-json-read-bench: what reading trace-record JSON costs, zablab's reader
// (sim/checkers/json_fields.h) against nlohmann::json (Debian's nlohmann-json3-dev), on the
// `detail` objects of real runs. The checkers read a few members of every record's detail after
// every event, so this is the hot path the choice of JSON library decides.
//
//   zablab-json-read-bench [--seeds 5] [--rounds 20]
//
// Per record it reads the members the checkers read most ("to", "session", "zxid"), once with
// each library, and prints ns per record. The wall clock is read here only.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "sim/checkers/json_fields.h"
#include "sim/scenario/fuzz.h"
#include "sim/scenario/runner.h"
#include "sim/scenario/scenario.h"
#include "sim/world.h"

using namespace zablab::sim;

int main(int argc, char** argv) {
  using Clock = std::chrono::steady_clock;
  const auto elapsed = [](Clock::time_point since) {
    return std::chrono::duration<double>(Clock::now() - since).count();
  };
  int rounds = 20, seeds = 5;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--seeds")) seeds = std::atoi(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--rounds")) rounds = std::atoi(argv[i + 1]);
    else {
      std::fprintf(stderr, "usage: zablab-json-read-bench [--seeds N] [--rounds R]\n");
      return 2;
    }
  }
  std::vector<std::string> details;
  for (std::uint64_t seed = 1; seed <= static_cast<std::uint64_t>(seeds); ++seed) {
    const scenario::FuzzCase fc = scenario::generate_fuzz_case(seed, 3, "none");
    scenario::ParseResult p = scenario::parse_scenario(fc.scenario, "fuzz.scn");
    if (!p.scenario) return 1;
    scenario::RunOptions o;
    o.on_end = [&](World& w, const scenario::RunResult&) {
      for (const auto& r : w.trace().records())
        if (!r.detail.empty()) details.push_back(r.detail);
    };
    scenario::run_scenario(*p.scenario, o);
  }
  std::uint64_t found_ours = 0, found_nlohmann = 0;
  auto t0 = Clock::now();
  for (int round = 0; round < rounds; ++round)
    for (const auto& d : details) {
      found_ours += check::json_string(d, "to").has_value();
      found_ours += check::json_string(d, "session").has_value();
      found_ours += check::json_int(d, "zxid").has_value();
    }
  const double ours_s = elapsed(t0);
  t0 = Clock::now();
  for (int round = 0; round < rounds; ++round)
    for (const auto& d : details) {
      const nlohmann::json j = nlohmann::json::parse(d, nullptr, false);
      if (!j.is_object()) continue;
      auto to = j.find("to");
      found_nlohmann += to != j.end() && to->is_string();
      auto session = j.find("session");
      found_nlohmann += session != j.end() && session->is_string();
      auto zxid = j.find("zxid");
      found_nlohmann += zxid != j.end() && (zxid->is_number() || zxid->is_string());
    }
  const double nlohmann_s = elapsed(t0);
  const double n = static_cast<double>(details.size()) * rounds;
  std::printf("%zu details x %d rounds\n", details.size(), rounds);
  std::printf("zablab json_fields: %8.1f ns/record (%llu members found)\n", ours_s * 1e9 / n,
              static_cast<unsigned long long>(found_ours));
  std::printf("nlohmann::json:     %8.1f ns/record (%llu members found)\n", nlohmann_s * 1e9 / n,
              static_cast<unsigned long long>(found_nlohmann));
  return 0;
}
