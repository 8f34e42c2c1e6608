// zablab-cli: a zkCli-compatible shell (see docs/cli.md).
//
//   zablab-cli [-server host:port[,host:port...]] [-timeout ms] [-r] [-c "cmd"]... [cmd args...]
//
// With -c or a trailing command it runs those and exits; otherwise it reads commands from stdin:
// interactively (prompt, line editing when built with readline) on a terminal, one per line
// otherwise ('#' starts a comment). Exit status 1 when any command failed, 2 on bad usage.
#include <unistd.h>

#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include <boost/program_options.hpp>

#include "apps/cli/line_reader.h"
#include "apps/cli/shell.h"

namespace po = boost::program_options;
using namespace zablab;

namespace {

// zkCli's options take one dash ("-server"); --server works too. Options end at the first word
// that is not one (the command), so "create -e /x" keeps its -e.
const std::vector<std::string> kValued = {"server", "timeout", "c", "client-configuration", "log-level"};
const std::vector<std::string> kFlags = {"r", "waitforconnection", "h", "help", "version"};

bool is_option(const std::string& word, const std::vector<std::string>& names) {
  std::string w = word;
  if (w.rfind("--", 0) == 0) {
    w = w.substr(2);
  } else if (w.rfind('-', 0) == 0) {
    w = w.substr(1);
  } else {
    return false;
  }
  for (const auto& n : names)
    if (w == n) return true;
  return false;
}

std::optional<LogLevel> parse_level(const std::string& s) {
  if (s == "debug") return LogLevel::debug;
  if (s == "info") return LogLevel::info;
  if (s == "warn" || s == "warning") return LogLevel::warn;
  if (s == "error") return LogLevel::error;
  return std::nullopt;
}

}  // namespace

int main(int argc, char** argv) {
  // Split argv: options first, then the command (if any) with its own arguments.
  std::vector<std::string> option_words;
  std::vector<std::string> command_words;
  for (int i = 1; i < argc; ++i) {
    const std::string w = argv[i];
    if (!command_words.empty()) {
      command_words.push_back(w);
    } else if (is_option(w, kValued)) {
      option_words.push_back(w);
      if (i + 1 < argc) option_words.push_back(argv[++i]);
    } else if (is_option(w, kFlags)) {
      option_words.push_back(w);
    } else if (w.size() > 1 && w[0] == '-') {
      std::cerr << "zablab-cli: unknown option " << w << " (try -help)\n";
      return 2;
    } else {
      command_words.push_back(w);
    }
  }

  po::options_description desc(
      "zablab-cli [-server host:port[,host:port...]] [-timeout ms] [-r] [-c \"cmd\"]... [cmd args...]\n"
      "A ZooKeeper shell compatible with zkCli 3.8. Options");
  // clang-format off
  desc.add_options()
      ("server", po::value<std::string>()->default_value("localhost:2181"), "servers to connect to, host:port[,host:port...]")
      ("timeout", po::value<std::int32_t>()->default_value(30000), "session timeout in ms")
      ("r", "read-only: may use a read-only server")
      ("c", po::value<std::vector<std::string>>()->composing(), "run this command line (repeatable), then exit")
      ("waitforconnection", "wait for the connection before the first command (always done)")
      ("client-configuration", po::value<std::string>(), "accepted for zkCli compatibility; ignored")
      ("log-level", po::value<std::string>()->default_value("error"), "client library log lines on stderr: debug|info|warn|error")
      ("help,h", "this help")
      ("version", "print the version");
  // clang-format on
  po::variables_map vm;
  try {
    std::vector<const char*> av{argv[0]};
    for (const auto& w : option_words) av.push_back(w.c_str());
    po::store(po::command_line_parser(static_cast<int>(av.size()), const_cast<char**>(av.data()))
                  .options(desc)
                  .style(po::command_line_style::unix_style | po::command_line_style::allow_long_disguise)
                  .run(),
              vm);
    po::notify(vm);
  } catch (const po::error& e) {
    std::cerr << "zablab-cli: " << e.what() << "\n" << desc << "\n";
    return 2;
  }
  if (vm.count("help")) {
    std::cout << desc << "\nCommands: run `zablab-cli help`.\n";
    return 0;
  }
  if (vm.count("version")) {
    std::cout << "zablab-cli 0.1.0 (ZooKeeper 3.8 compatible)\n";
    return 0;
  }
  cli::ShellOptions so;
  so.server = vm["server"].as<std::string>();
  so.timeout_ms = vm["timeout"].as<std::int32_t>();
  so.read_only = vm.count("r") > 0;
  auto level = parse_level(vm["log-level"].as<std::string>());
  if (!level) {
    std::cerr << "zablab-cli: --log-level must be debug, info, warn or error\n";
    return 2;
  }
  so.log_level = *level;

  std::vector<std::string> scripted;
  if (vm.count("c")) scripted = vm["c"].as<std::vector<std::string>>();
  if (!command_words.empty()) {
    // zkCli joins the trailing words into one command line; quote words that need it.
    std::string line;
    for (const auto& w : command_words) {
      if (!line.empty()) line += ' ';
      const bool needs_quotes = w.empty() || w.find_first_of(" \t") != std::string::npos;
      line += needs_quotes ? (w.find('"') == std::string::npos ? "\"" + w + "\"" : "'" + w + "'") : w;
    }
    scripted.push_back(line);
  }

  cli::Output output;
  cli::Shell shell(output, so);
  const bool interactive = scripted.empty() && ::isatty(0) == 1;
  std::unique_ptr<cli::LineReader> reader;
  if (scripted.empty()) reader = cli::make_line_reader(output, interactive);
  output.out("Connecting to " + so.server + "\n");
  if (interactive) {
    output.out("Welcome to zablab-cli! Line editing: " + std::string(reader->editing()) +
               ". Type help for the commands.\n");
  }
  if (!shell.connect(so.server)) return 2;

  bool all_ok = true;
  if (!scripted.empty()) {
    for (const auto& line : scripted) {
      all_ok = shell.execute(line) && all_ok;
      if (shell.quit_requested()) break;
    }
    shell.close_quietly();
    return all_ok ? 0 : 1;
  }

  for (std::size_t guard = 0; guard < (std::size_t{1} << 40); ++guard) {
    auto line = reader->read_line(shell.prompt());
    if (!line) break;
    reader->add_history(*line);
    all_ok = shell.execute(*line) && all_ok;
    if (shell.quit_requested()) break;
  }
  shell.close_quietly();
  return all_ok ? 0 : 1;
}
