// Replays every input kept in tests/fuzz/regressions/<target>/ through the fuzz target's own entry
// point (tests/fuzz/targets/*.h), in the normal build: a crash a fuzzer once found stays fixed.
// Add a file there (any name; its bytes are the input) when a fuzzer finds something; see
// docs/hardening.md. Each folder also keeps a few of the seed corpus (seed-*, from
// tests/fuzz/make_seeds.cpp), so that every target has inputs here to replay.
#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <string>
#include <vector>

#include "tests/fuzz/targets/jute.h"
#include "tests/fuzz/targets/persist.h"
#include "tests/fuzz/targets/quorum.h"
#include "tests/fuzz/targets/scenario.h"
#include "tests/fuzz/targets/server.h"
#include "tests/fuzz/targets/zoo_cfg.h"

namespace fs = std::filesystem;

namespace {

std::vector<fs::path> regression_inputs(const std::string& target) {
  std::vector<fs::path> files;
  const fs::path dir = fs::path(ZABLAB_SOURCE_DIR) / "tests" / "fuzz" / "regressions" / target;
  // Every target keeps at least a few seed inputs here: a folder that is missing (renamed, not
  // checked out) must fail the test rather than replay nothing.
  INFO("regression folder " << dir.string());
  REQUIRE(fs::is_directory(dir));
  for (const auto& entry : fs::directory_iterator(dir))
    if (entry.is_regular_file() && entry.path().filename().string()[0] != '.' &&
        entry.path().extension() != ".md")
      files.push_back(entry.path());
  std::sort(files.begin(), files.end());
  REQUIRE_FALSE(files.empty());
  return files;
}

std::string read_bytes(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
}

void replay(const std::string& target, const std::function<int(const std::uint8_t*, std::size_t)>& one) {
  for (const auto& file : regression_inputs(target)) {
    INFO("tests/fuzz/regressions/" << target << "/" << file.filename().string());
    const std::string bytes = read_bytes(file);
    CHECK_NOTHROW(one(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()));
  }
}

}  // namespace

TEST_CASE("fuzz/regressions: every kept input passes its target (jute, server, quorum, txn_log, snapshot, zoo_cfg, scenario)") {
  replay("jute", zablab::fuzz::jute_one);
  replay("server", zablab::fuzz::server_one);
  replay("quorum", zablab::fuzz::quorum_one);
  replay("txn_log", zablab::fuzz::txn_log_one);
  replay("snapshot", zablab::fuzz::snapshot_one);
  replay("zoo_cfg", zablab::fuzz::zoo_cfg_one);
  replay("scenario", zablab::fuzz::scenario_one);
}

TEST_CASE("fuzz/harness: each target accepts the empty input and a few trivial ones") {
  const std::uint8_t inputs[][6] = {{0, 0, 0, 0, 0, 0}, {0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF}, {1, 0, 0, 0, 4, 'r'}};
  for (auto one : {zablab::fuzz::jute_one, zablab::fuzz::server_one, zablab::fuzz::quorum_one,
                   zablab::fuzz::txn_log_one, zablab::fuzz::snapshot_one, zablab::fuzz::zoo_cfg_one,
                   zablab::fuzz::scenario_one}) {
    CHECK_NOTHROW(one(nullptr, 0));
    for (const auto& in : inputs) CHECK_NOTHROW(one(in, sizeof in));
  }
}
