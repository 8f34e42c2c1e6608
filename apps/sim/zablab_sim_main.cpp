// zablab-sim: run failure scenarios in the deterministic simulator, fuzz random fault schedules,
// and re-check recorded traces.
//
//   zablab-sim run scenarios/leader-crash.scn [--seed S] [--trace out.db] [--verbose]
//   zablab-sim check scenarios/*.scn                 (parse only)
//   zablab-sim fuzz --seeds 200 [--servers 3|5] [--bug NAME] [--first-seed S] [--out DIR]
//   zablab-sim replay out.db [--timeline] [--rerun]
//   zablab-sim bugs | checks
//
// Exit status: 0 pass, 1 a violation or a failed expectation (or a fuzz finding), 2 bad usage or
// a scenario file with mistakes.
#include <boost/program_options.hpp>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "sim/checkers/checkers.h"
#include "sim/checkers/json_fields.h"
#include "sim/json.h"
#include "sim/record/trace_db.h"
#include "sim/scenario/bugs.h"
#include "sim/scenario/fuzz.h"
#include "sim/scenario/runner.h"
#include "sim/scenario/scenario.h"
#include "sim/scenario/timeline.h"

namespace po = boost::program_options;
using namespace zablab;
using namespace zablab::sim;

namespace {

constexpr int kPass = 0;
constexpr int kFail = 1;
constexpr int kUsage = 2;

const char* kUsageText =
    "usage: zablab-sim <command> [options]\n"
    "\n"
    "commands:\n"
    "  run FILE.scn [--seed S] [--bug NAME] [--trace OUT.db] [--verbose] [--quiet]\n"
    "        play a scenario: prints a timeline and the verdict\n"
    "  check FILE.scn...      parse scenarios and report mistakes as file:line:col\n"
    "  fuzz --seeds N [--first-seed S] [--servers 3|5] [--bug NAME] [--out DIR] [--no-shrink]\n"
    "        random fault schedules; stops at the first failure and shrinks it to a minimal scenario\n"
    "  replay TRACE.db [--timeline] [--verbose] [--rerun]\n"
    "        re-check a recorded trace with the checkers (and optionally run it again)\n"
    "  bugs                   the deliberate bugs --bug accepts\n"
    "  checks                 the invariants the checkers enforce\n";

bool read_file(const std::string& path, std::string& out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::ostringstream ss;
  ss << in.rdbuf();
  out = ss.str();
  return true;
}

std::optional<scenario::Scenario> load(const std::string& path) {
  std::string text;
  if (!read_file(path, text)) {
    std::cerr << path << ": cannot read the file\n";
    return std::nullopt;
  }
  scenario::ParseResult p = scenario::parse_scenario(text, path);
  if (!p.scenario) {
    std::cerr << p.describe(path);
    return std::nullopt;
  }
  return std::move(*p.scenario);
}

std::string config_json(const scenario::Scenario& s, std::uint64_t seed, const std::string& bug) {
  return Json()
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

int cmd_run(const std::vector<std::string>& args) {
  po::options_description desc("run options");
  std::string file, trace;
  std::uint64_t seed = 0;
  std::string bug;
  desc.add_options()("file", po::value(&file)->required(), "scenario file")(
      "seed", po::value(&seed), "override the scenario's seed")("bug", po::value(&bug), "run with a deliberate bug")(
      "trace", po::value(&trace), "record the trace to this SQLite file")("verbose,v", "every Zab message in the timeline")(
      "quiet,q", "only the verdict");
  po::positional_options_description pos;
  pos.add("file", 1);
  po::variables_map vm;
  po::store(po::command_line_parser(args).options(desc).positional(pos).run(), vm);
  po::notify(vm);

  auto s = load(file);
  if (!s) return kUsage;
  if (vm.count("bug") && !scenario::bug_by_name(bug)) {
    std::cerr << "unknown bug '" << bug << "' (zablab-sim bugs lists them)\n";
    return kUsage;
  }
  scenario::RunOptions o;
  if (vm.count("seed")) o.seed = seed;
  if (vm.count("bug")) o.bug = bug;
  o.verbose = vm.count("verbose") > 0;
  std::ostringstream quiet_sink;
  o.out = vm.count("quiet") ? static_cast<std::ostream*>(&quiet_sink) : &std::cout;
  const std::uint64_t used_seed = o.seed.value_or(s->seed);
  const std::string used_bug = o.bug.value_or(s->bug);

  std::unique_ptr<record::TraceRecorder> recorder;
  if (!trace.empty()) {
    record::RunInfo info;
    info.scenario_name = s->title;
    info.scenario_file = file;
    info.scenario_text = s->source;
    info.seed = std::to_string(used_seed);
    info.config = config_json(*s, used_seed, used_bug);
    info.bug = used_bug;
    try {
      recorder = std::make_unique<record::TraceRecorder>(trace, info);
    } catch (const record::RecordError& e) {
      std::cerr << e.what() << "\n";
      return kUsage;
    }
    o.on_world = [&recorder](World& w) { recorder->attach(w.trace()); };
    o.on_end = [&recorder](World&, const scenario::RunResult& r) {
      try {
        recorder->finish(r.verdict(), r.violation ? r.violation->to_json() : std::string(), r.trace_hash);
      } catch (const record::RecordError& e) {
        std::cerr << e.what() << "\n";
      }
    };
  }
  const scenario::RunResult r = scenario::run_scenario(*s, o);
  if (vm.count("quiet")) {
    std::cout << file << ": " << r.verdict();
    if (r.violation) std::cout << ": " << r.violation->describe();
    for (const auto& f : r.failures) std::cout << "\n  " << f;
    std::cout << "\n";
  }
  if (recorder) std::cout << "trace: " << recorder->written() << " records written to " << trace << "\n";
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

int cmd_fuzz(const std::vector<std::string>& args) {
  po::options_description desc("fuzz options");
  scenario::FuzzOptions o;
  desc.add_options()("seeds", po::value(&o.seeds)->default_value(100), "how many seeds")(
      "first-seed", po::value(&o.first_seed)->default_value(1), "the first seed")(
      "servers", po::value(&o.servers)->default_value(0), "3 or 5 voters (default: each seed picks)")(
      "bug", po::value(&o.bug)->default_value("none"), "run with a deliberate bug")(
      "out", po::value(&o.out_dir)->default_value("."), "where to write the minimal scenario")(
      "no-shrink", "report the failing scenario as generated")(
      "print", po::value<std::uint64_t>(), "only print the scenario this seed generates");
  po::variables_map vm;
  po::store(po::command_line_parser(args).options(desc).run(), vm);
  po::notify(vm);
  if (o.servers != 0 && o.servers != 3 && o.servers != 5) {
    std::cerr << "--servers is 3 or 5\n";
    return kUsage;
  }
  if (!scenario::bug_by_name(o.bug)) {
    std::cerr << "unknown bug '" << o.bug << "' (zablab-sim bugs lists them)\n";
    return kUsage;
  }
  if (vm.count("print")) {
    std::cout << scenario::generate_fuzz_case(vm["print"].as<std::uint64_t>(), o.servers, o.bug).scenario;
    return kPass;
  }
  o.shrink = vm.count("no-shrink") == 0;
  o.out = &std::cout;
  std::cout << "fuzzing seeds " << o.first_seed << ".." << o.first_seed + o.seeds - 1;
  if (o.bug != "none") std::cout << " with bug " << o.bug;
  std::cout << "\n";
  const scenario::FuzzResult r = scenario::fuzz(o);
  if (!r.failing_seed) {
    std::cout << "\nno failure in " << r.runs << " seeds\n";
    return kPass;
  }
  std::cout << "failure at seed " << *r.failing_seed << " after " << r.runs << " seeds: " << r.signature << "\n";
  return kFail;
}

int cmd_replay(const std::vector<std::string>& args) {
  po::options_description desc("replay options");
  std::string file;
  desc.add_options()("file", po::value(&file)->required(), "trace database")("timeline", "print the timeline")(
      "verbose,v", "every Zab message in the timeline")("rerun", "run the recorded scenario again and compare traces");
  po::positional_options_description pos;
  pos.add("file", 1);
  po::variables_map vm;
  po::store(po::command_line_parser(args).options(desc).positional(pos).run(), vm);
  po::notify(vm);

  record::RunInfo info;
  try {
    info = record::read_run_info(file);
  } catch (const record::RecordError& e) {
    std::cerr << e.what() << "\n";
    return kUsage;
  }
  std::cout << "recording of \"" << info.scenario_name << "\" (" << info.scenario_file << "), seed " << info.seed
            << ", bug " << info.bug << "\n  built by " << info.build_id << "\n  recorded verdict: "
            << (info.verdict.empty() ? "(unfinished)" : info.verdict) << ", " << info.event_count << " events\n";
  check::CheckEngine engine;
  std::unique_ptr<scenario::Timeline> timeline;
  if (vm.count("timeline") || vm.count("verbose")) timeline = std::make_unique<scenario::Timeline>(std::cout, vm.count("verbose") > 0);
  Trace rehash;
  rehash.set_retain(false);
  std::uint64_t count = 0;
  bool dense = true;
  std::optional<std::string> expected_violation;
  if (auto p = scenario::parse_scenario(info.scenario_text, info.scenario_file); p.scenario)
    expected_violation = p.scenario->expect_violation;
  try {
    record::for_each_event(file, [&](const TraceRecord& r) {
      if (r.seq != count) dense = false;
      ++count;
      rehash.add(r);
      if (timeline) timeline->on_record(r);
      if (r.kind == check::record_kind::violation) return;  // the recorded verdict: derived again below
      engine.on_record(r);
    });
  } catch (const record::RecordError& e) {
    std::cerr << e.what() << "\n";
    return kUsage;
  }
  int status = kPass;
  if (!dense || rehash.hash_hex() != info.trace_hash) {
    std::cout << "the events do not hash to the recorded trace hash (" << rehash.hash_hex() << " vs "
              << (info.trace_hash.empty() ? "none" : info.trace_hash) << "): the recording is incomplete or altered\n";
    status = kFail;
  } else {
    std::cout << "trace hash " << info.trace_hash << " matches the events\n";
  }
  std::size_t enabled = 0;
  for (const auto& inv : check::invariants()) enabled += engine.enabled(inv.name) ? 1 : 0;
  std::cout << "re-checked " << count << " events with " << enabled << " of " << check::invariants().size()
            << " invariants\n";
  if (engine.violated()) {
    const auto& v = engine.violations().front();
    const bool expected = expected_violation && *expected_violation == v.invariant;
    std::cout << (expected ? "expected violation: " : "VIOLATION: ") << v.describe() << "\n";
    if (!expected) status = kFail;
  } else {
    std::cout << "no violation\n";
    if (expected_violation) status = kFail;
  }
  if (vm.count("rerun")) {
    auto p = scenario::parse_scenario(info.scenario_text, info.scenario_file);
    if (!p.scenario) {
      std::cerr << p.describe(info.scenario_file);
      return kUsage;
    }
    scenario::RunOptions o;
    o.seed = std::stoull(info.seed);
    o.bug = info.bug;
    const scenario::RunResult r = scenario::run_scenario(*p.scenario, o);
    const bool same = r.trace_hash == info.trace_hash && static_cast<std::int64_t>(r.records) == info.event_count;
    std::cout << "rerun: " << r.verdict() << ", " << r.records << " records, hash " << r.trace_hash
              << (same ? " -- identical to the recording\n" : " -- DIFFERS from the recording (hash " + info.trace_hash + ")\n");
    if (!same) status = kFail;
  }
  return status;
}

int cmd_bugs() {
  for (const auto& b : scenario::bug_catalog())
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
    if (cmd == "run") return cmd_run(args);
    if (cmd == "check") return cmd_check(args);
    if (cmd == "fuzz") return cmd_fuzz(args);
    if (cmd == "replay") return cmd_replay(args);
    if (cmd == "bugs") return cmd_bugs();
    if (cmd == "checks") return cmd_checks();
    if (cmd == "help" || cmd == "--help" || cmd == "-h") {
      std::cout << kUsageText;
      return kPass;
    }
  } catch (const po::error& e) {
    std::cerr << "zablab-sim " << cmd << ": " << e.what() << "\n\n" << kUsageText;
    return kUsage;
  }
  std::cerr << "unknown command '" << cmd << "'\n\n" << kUsageText;
  return kUsage;
}
