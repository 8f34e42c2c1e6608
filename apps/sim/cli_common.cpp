#include "apps/sim/cli_common.h"

#include <cmath>
#include <fstream>
#include <iostream>
#include <sstream>

#include "sim/json.h"

namespace zablab::simcli {

bool read_file(const std::string& path, std::string& out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::ostringstream ss;
  ss << in.rdbuf();
  out = ss.str();
  return true;
}

std::optional<sim::scenario::Scenario> load(const std::string& path) {
  std::string text;
  if (!read_file(path, text)) {
    std::cerr << path << ": cannot read the file\n";
    return std::nullopt;
  }
  sim::scenario::ParseResult p = sim::scenario::parse_scenario(text, path);
  if (!p.scenario) {
    std::cerr << p.describe(path);
    return std::nullopt;
  }
  return std::move(*p.scenario);
}

std::string config_json(const sim::scenario::Scenario& s, std::uint64_t seed, const std::string& bug) {
  return sim::Json()
      .str("source", "simulator")
      .num("voters", s.voters)
      .num("observers", s.observers)
      .num("tick_ms", s.tick_ms)
      .num("init_limit", s.init_limit)
      .num("sync_limit", s.sync_limit)
      .num("snap_count", s.snap_count)
      .str("network", s.network)
      .str("seed", std::to_string(seed))
      .str("bug", bug)
      .num("clients", static_cast<std::int64_t>(s.clients.size()))
      .done();
}

std::optional<sim::Nanos> parse_duration(const std::string& text) {
  std::size_t used = 0;
  double value = 0;
  try {
    value = std::stod(text, &used);
  } catch (const std::exception&) {
    return std::nullopt;
  }
  if (!std::isfinite(value) || value < 0) return std::nullopt;
  const std::string unit = text.substr(used);
  double scale = 0;
  if (unit.empty() || unit == "s") {
    scale = 1e9;
  } else if (unit == "ms") {
    scale = 1e6;
  } else if (unit == "us") {
    scale = 1e3;
  } else if (unit == "ns") {
    scale = 1;
  } else if (unit == "m" || unit == "min") {
    scale = 60e9;
  } else {
    return std::nullopt;
  }
  const double ns = value * scale;
  if (ns > 9e18) return std::nullopt;
  return static_cast<sim::Nanos>(std::llround(ns));
}

bool print_help_if_asked(const std::vector<std::string>& args, const char* usage,
                         const boost::program_options::options_description& desc) {
  for (const auto& a : args) {
    if (a == "--help" || a == "-h") {
      std::cout << "usage: " << usage << "\n\n" << desc;
      return true;
    }
  }
  return false;
}

}  // namespace zablab::simcli
