// What every zablab-sim command shares: exit codes, reading scenario files, a run's config JSON,
// durations on the command line.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include <vector>

#include <boost/program_options/options_description.hpp>

#include "sim/scenario/scenario.h"
#include "sim/time.h"

namespace zablab::simcli {

constexpr int kPass = 0;
constexpr int kFail = 1;
constexpr int kUsage = 2;

bool read_file(const std::string& path, std::string& out);
// Parses a scenario file; prints file:line:col mistakes (or why it cannot be read) to stderr.
std::optional<sim::scenario::Scenario> load(const std::string& path);
// The `config` column of a recording: the world's settings.
std::string config_json(const sim::scenario::Scenario& s, std::uint64_t seed, const std::string& bug);
// "10s", "250ms", "1.5s", "2m", "500us", "42ns"; a bare number is seconds. nullopt if malformed.
std::optional<sim::Nanos> parse_duration(const std::string& text);

// `--help` or `-h` among a command's arguments: prints `usage` and the command's own options to
// stdout and returns true (the command then exits 0), before anything is parsed or required.
bool print_help_if_asked(const std::vector<std::string>& args, const char* usage,
                         const boost::program_options::options_description& desc);

}  // namespace zablab::simcli
