// Every scenario file the project ships (scenarios/*.scn and scenarios/known-bugs/*.scn), for the
// tests that promise something of "every file in scenarios/": found by listing the folders, so a
// new file is covered the day it is added, and an empty or missing folder fails.
#pragma once

#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace zablab::test {

inline std::vector<std::filesystem::path> shipped_scenarios() {
  namespace fs = std::filesystem;
  std::vector<fs::path> out;
  for (const char* sub : {"scenarios", "scenarios/known-bugs"}) {
    const fs::path dir = fs::path(ZABLAB_SOURCE_DIR) / sub;
    INFO("scenario folder " << dir.string());
    REQUIRE(fs::is_directory(dir));
    for (const auto& e : fs::directory_iterator(dir))
      if (e.is_regular_file() && e.path().extension() == ".scn") out.push_back(e.path());
  }
  std::sort(out.begin(), out.end());
  REQUIRE(out.size() >= 20);
  return out;
}

inline std::string read_text(const std::filesystem::path& p) {
  std::ifstream in(p);
  REQUIRE(in);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace zablab::test
