// zablab-sim: run failure scenarios in the deterministic simulator, fuzz random fault schedules,
// and look at recorded traces.
//
//   zablab-sim run scenarios/leader-crash.scn [--seed S] [--record out.db] [--verbose]
//   zablab-sim check scenarios/*.scn                 (parse only)
//   zablab-sim fuzz --seeds 200 [--jobs 2] [--faults all] [--bug NAME] [--shard K/N] ...
//   zablab-sim fuzz merge shard-*.jsonl
//   zablab-sim replay out.db [--from T --to T --node N --kind K] [--timeline] [--rerun]
//   zablab-sim export out.db --chrome out.json
//   zablab-sim bugs [--reveal [NAME]] | checks
//
// Exit status: 0 pass, 1 a violation or a failed expectation (or a fuzz finding), 2 bad usage or
// a scenario file with mistakes.
#include <boost/program_options.hpp>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "apps/sim/cli_common.h"
#include "apps/sim/fuzz_cli.h"
#include "apps/sim/recorded_run.h"
#include "apps/sim/trace_cli.h"
#include "sim/checkers/checkers.h"
#include "sim/scenario/bugs.h"
#include "sim/scenario/runner.h"
#include "sim/scenario/scenario.h"

namespace po = boost::program_options;
using namespace zablab;
using namespace zablab::sim;
using namespace zablab::simcli;

namespace {

const char* kUsageText =
    "usage: zablab-sim <command> [options]\n"
    "\n"
    "commands:\n"
    "  run FILE.scn [--seed S] [--bug NAME] [--record OUT.db] [--verbose] [--quiet]\n"
    "        play a scenario: prints a timeline and the verdict (--trace is --record's old name)\n"
    "  check FILE.scn...      parse scenarios and report mistakes as file:line:col\n"
    "  fuzz [--seeds N] [--first-seed S] [--jobs J] [--faults LIST] [--duration T] [--servers 3|5]\n"
    "       [--bug NAME] [--shard K/N] [--results FILE] [--keep-going] [--out DIR] [--no-shrink]\n"
    "        random fault schedules; shrinks a failure to a minimal scenario and saves it with its trace\n"
    "  fuzz --list-bugs       the bug names, one a line\n"
    "  fuzz merge FILE...     combine the result files of a sharded sweep [--out merged.jsonl]\n"
    "  replay TRACE.db [--from T] [--to T] [--node N] [--kind K] [--timeline] [--verbose] [--rerun]\n"
    "        print a recording's events, filtered; re-check it with the checkers\n"
    "  export TRACE.db --chrome OUT.json\n"
    "        Chrome / Perfetto trace-event JSON (ui.perfetto.dev, chrome://tracing)\n"
    "  bugs [--reveal [NAME]] the deliberate bugs --bug accepts; --reveal: what they do, what catches them\n"
    "  checks                 the invariants the checkers enforce\n"
    "\n"
    "`zablab-sim <command> --help` lists a command's options; more in docs/simulator.md and docs/scenarios.md.\n";

int cmd_run(const std::vector<std::string>& args) {
  po::options_description desc("run options");
  std::string file, trace, record;
  std::uint64_t seed = 0;
  std::string bug;
  desc.add_options()("file", po::value(&file)->required(), "scenario file")(
      "seed", po::value(&seed), "override the scenario's seed")("bug", po::value(&bug), "run with a deliberate bug")(
      "record", po::value(&record), "record the trace to this SQLite file")(
      "trace", po::value(&trace), "the same as --record")("verbose,v", "every Zab message in the timeline")(
      "quiet,q", "only the verdict");
  po::positional_options_description pos;
  pos.add("file", 1);
  if (print_help_if_asked(args, "zablab-sim run FILE.scn [options]", desc)) return kPass;
  po::variables_map vm;
  po::store(po::command_line_parser(args).options(desc).positional(pos).run(), vm);
  po::notify(vm);
  if (!record.empty() && !trace.empty() && record != trace) {
    std::cerr << "run: --record and --trace name the same thing; give one\n";
    return kUsage;
  }
  if (record.empty()) record = trace;

  auto s = load(file);
  if (!s) return kUsage;
  if (vm.count("bug") && !scenario::bug_by_name(bug)) {
    std::cerr << "unknown bug '" << bug << "' (zablab-sim fuzz --list-bugs lists them)\n";
    return kUsage;
  }
  scenario::RunOptions o;
  if (vm.count("seed")) o.seed = seed;
  if (vm.count("bug")) o.bug = bug;
  o.verbose = vm.count("verbose") > 0;
  std::ostringstream quiet_sink;
  o.out = vm.count("quiet") ? static_cast<std::ostream*>(&quiet_sink) : &std::cout;
  const RecordedRun rr = run_recorded(*s, file, o, record);
  if (!rr.ran) {
    std::cerr << rr.error << "\n";
    return kUsage;
  }
  const scenario::RunResult& r = rr.result;
  if (vm.count("quiet")) {
    std::cout << file << ": " << r.verdict();
    if (r.violation) std::cout << ": " << r.violation->describe();
    for (const auto& f : r.failures) std::cout << "\n  " << f;
    std::cout << "\n";
  }
  if (!rr.error.empty()) std::cerr << "recording: " << rr.error << "\n";
  if (!record.empty()) std::cout << "trace: " << rr.written << " records written to " << record << "\n";
  return r.passed ? kPass : kFail;
}

int cmd_check(const std::vector<std::string>& files) {
  if (files.empty()) {
    std::cerr << "check: name at least one scenario file\n";
    return kUsage;
  }
  int status = kPass;
  for (const auto& f : files) {
    if (auto s = load(f)) {
      std::cout << f << ": ok (" << s->steps.size() << " steps)\n";
    } else {
      status = kUsage;
    }
  }
  return status;
}

// Spoiler-free by default: Lab 4 students are given one bug name and must find out what it does.
int cmd_bugs(const std::vector<std::string>& args) {
  po::options_description desc("bugs options");
  std::string reveal;
  desc.add_options()("hide", "names only (the default)")(
      "reveal", po::value(&reveal)->implicit_value("all"), "what each bug does and what catches it (or only NAME's)");
  if (print_help_if_asked(args, "zablab-sim bugs [--hide | --reveal [NAME]]   (the deliberate bugs --bug accepts)",
                          desc))
    return kPass;
  po::variables_map vm;
  po::store(po::command_line_parser(args).options(desc).run(), vm);
  po::notify(vm);
  if (vm.count("hide") && vm.count("reveal")) {
    std::cerr << "bugs: --hide and --reveal contradict each other; give one\n";
    return kUsage;
  }
  if (!vm.count("reveal")) {
    for (const auto& b : scenario::bug_catalog()) std::cout << b.name << "\n";
    std::cout << "(what a bug does: zablab-sim bugs --reveal NAME; all of them: --reveal)\n";
    return kPass;
  }
  if (reveal != "all" && !scenario::bug_by_name(reveal)) {
    std::cerr << "bugs: unknown bug '" << reveal << "' (zablab-sim bugs lists them)\n";
    return kUsage;
  }
  for (const auto& b : scenario::bug_catalog())
    if (reveal == "all" || b.name == reveal)
      std::cout << b.name << "\n    " << b.description << "\n    caught by: " << b.caught_by << "\n";
  return kPass;
}

int cmd_checks() {
  for (const auto& i : check::invariants()) std::cout << i.name << "\n    " << i.description << "\n";
  return kPass;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << kUsageText;
    return kUsage;
  }
  const std::string cmd = argv[1];
  std::vector<std::string> args(argv + 2, argv + argc);
  try {
    // The commands without options of their own still answer --help with what they take.
    const po::options_description none("(no options)");
    if (cmd == "check" && print_help_if_asked(args, "zablab-sim check FILE.scn...   (parse only; mistakes as file:line:col)", none))
      return kPass;
    if (cmd == "checks" && print_help_if_asked(args, "zablab-sim checks   (the invariants the checkers enforce)", none))
      return kPass;
    if (cmd == "run") return cmd_run(args);
    if (cmd == "check") return cmd_check(args);
    if (cmd == "fuzz") return cmd_fuzz(args);
    if (cmd == "replay") return cmd_replay(args);
    if (cmd == "export") return cmd_export(args);
    if (cmd == "bugs") return cmd_bugs(args);
    if (cmd == "checks") return cmd_checks();
    if (cmd == "help" || cmd == "--help" || cmd == "-h") {
      std::cout << kUsageText;
      return kPass;
    }
  } catch (const po::error& e) {
    std::cerr << "zablab-sim " << cmd << ": " << e.what() << "\n\n" << kUsageText;
    return kUsage;
  } catch (const std::exception& e) {
    std::cerr << "zablab-sim " << cmd << ": " << e.what() << "\n";
    return kUsage;
  }
  std::cerr << "unknown command '" << cmd << "'\n\n" << kUsageText;
  return kUsage;
}
