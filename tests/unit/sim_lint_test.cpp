// Determinism lint: core/ and sim/ must not read a wall clock, use the standard library's
// randomness or start threads. (The simulator could not replay a run that did.) A text search,
// like TigerBeetle's tidy.zig; ZABLAB_SOURCE_DIR is the source tree, set by the build.
#include <algorithm>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#ifndef ZABLAB_SOURCE_DIR
#error "ZABLAB_SOURCE_DIR must name the source tree (target_compile_definitions in tests/CMakeLists.txt)"
#endif

namespace {

const std::vector<std::string> kBanned = {
    "system_clock",
    "steady_clock",
    "high_resolution_clock",
    "random_device",
    "std::thread",
    "std::async",
    "rand(",
    "srand(",
    "uniform_int_distribution",
    "uniform_real_distribution",
    "normal_distribution",
    "time(nullptr)",
    "gettimeofday",
    "clock_gettime",
};

bool identifier_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

// "file:line: token" for every banned token that starts a word (so "operand(" is not "rand(").
std::vector<std::string> violations(const std::filesystem::path& file) {
  std::vector<std::string> out;
  std::ifstream in(file);
  std::string line;
  for (int number = 1; std::getline(in, line); ++number)
    for (const auto& token : kBanned)
      for (auto at = line.find(token); at != std::string::npos; at = line.find(token, at + 1))
        if (at == 0 || !identifier_char(line[at - 1]))
          out.push_back(file.string() + ":" + std::to_string(number) + ": " + token);
  return out;
}

std::vector<std::filesystem::path> sources_under(const std::filesystem::path& dir) {
  std::vector<std::filesystem::path> out;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir)) {
    const auto ext = entry.path().extension();
    if (entry.is_regular_file() && (ext == ".h" || ext == ".cpp" || ext == ".hpp" || ext == ".cc"))
      out.push_back(entry.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

TEST_CASE("sim/lint: no wall clock, std randomness or threads in core/ and sim/") {
  const std::filesystem::path root(ZABLAB_SOURCE_DIR);
  std::size_t scanned = 0;
  std::vector<std::string> found;
  for (const char* dir : {"core", "sim"}) {
    REQUIRE(std::filesystem::is_directory(root / dir));
    for (const auto& file : sources_under(root / dir)) {
      ++scanned;
      for (auto& v : violations(file)) found.push_back(std::move(v));
    }
  }
  CHECK(scanned > 20);
  std::ostringstream report;
  for (const auto& v : found) report << v << "\n";
  INFO(report.str());
  CHECK(found.empty());
}

TEST_CASE("sim/lint: the scanner finds what it must and spares lookalikes") {
  const auto dir = std::filesystem::temp_directory_path() / "zablab_sim_lint_probe";
  std::filesystem::create_directories(dir);
  const auto file = dir / "probe.cpp";
  {
    std::ofstream out(file);
    out << "int a = rand();\nint b = operand(1);\nauto t = std::chrono::steady_clock::now();\nmy_srand(3);\n";
  }
  const auto v = violations(file);
  std::filesystem::remove_all(dir);
  REQUIRE(v.size() == 2);
  CHECK(v[0].find(":1: rand(") != std::string::npos);
  CHECK(v[1].find(":3: steady_clock") != std::string::npos);
}
