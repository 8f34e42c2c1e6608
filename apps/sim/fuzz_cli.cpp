#include "apps/sim/fuzz_cli.h"

#include <unistd.h>

#include <boost/program_options.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <set>

#include "apps/sim/cli_common.h"
#include "apps/sim/fuzz_results.h"
#include "apps/sim/progress.h"
#include "apps/sim/recorded_run.h"
#include "apps/sim/worker_pool.h"
#include "sim/checkers/json_fields.h"
#include "sim/json.h"
#include "sim/record/trace_db.h"
#include "sim/scenario/bugs.h"
#include "sim/scenario/fuzz.h"
#include "sim/scenario/timeline_printer.h"

namespace zablab::simcli {
namespace {

namespace po = boost::program_options;
using sim::Json;
using sim::check::json_int;
using sim::check::json_string;
namespace scn = sim::scenario;

// What a worker sends back for one seed.
struct Outcome {
  SeedLine line;
  std::string what;   // the violation or the first failure
  std::string swarm;  // the options the seed picked
};

std::string outcome_json(const Outcome& o) {
  return Json()
      .num("seed", static_cast<std::int64_t>(o.line.seed))
      .str("verdict", o.line.verdict)
      .str("signature", o.line.signature)
      .num("records", static_cast<std::int64_t>(o.line.records))
      .num("end_ns", o.line.end_ns)
      .str("trace_hash", o.line.trace_hash)
      .str("what", o.what)
      .str("swarm", o.swarm)
      .done();
}

Outcome outcome_from(const std::string& json) {
  Outcome o;
  o.line.seed = static_cast<std::uint64_t>(json_int(json, "seed").value_or(0));
  o.line.verdict = json_string(json, "verdict").value_or("?");
  o.line.signature = json_string(json, "signature").value_or("");
  o.line.records = static_cast<std::uint64_t>(json_int(json, "records").value_or(0));
  o.line.end_ns = json_int(json, "end_ns").value_or(0);
  o.line.trace_hash = json_string(json, "trace_hash").value_or("");
  o.what = json_string(json, "what").value_or("");
  o.swarm = json_string(json, "swarm").value_or("");
  return o;
}

Outcome run_seed(std::uint64_t seed, const scn::FuzzShape& shape) {
  const scn::FuzzCase fc = scn::generate_fuzz_case(seed, shape);
  scn::RunOptions ro;
  ro.retain_trace = false;  // generated scenarios never look back at the trace: keep it lean
  const scn::RunResult r = scn::run_scenario_text(fc.scenario, ro);
  Outcome o;
  o.line.seed = seed;
  o.line.verdict = r.verdict();
  o.line.signature = scn::failure_signature(r);
  o.line.records = r.records;
  o.line.end_ns = r.end_time;
  o.line.trace_hash = r.trace_hash;
  if (r.violation) {
    o.what = r.violation->describe();
  } else if (!r.failures.empty()) {
    o.what = r.failures.front();
  }
  o.swarm = fc.swarm;
  return o;
}

std::string join(const std::vector<std::string>& v, const char* sep) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : sep) + s;
  return out;
}

void print_failures(std::ostream& out, const std::vector<FailureLine>& failures) {
  for (const auto& f : failures) {
    out << "  seed " << f.seed << ": " << f.signature << "\n";
    if (!f.what.empty()) out << "      " << f.what << "\n";
    if (!f.scenario.empty())
      out << "      " << (f.shrunk ? "minimal scenario: " : "scenario: ") << f.scenario << "\n";
    if (!f.trace.empty()) out << "      trace: " << f.trace << "\n";
  }
}

int cmd_merge(const std::vector<std::string>& args) {
  po::options_description desc("fuzz merge options");
  std::vector<std::string> files;
  std::string out_path;
  desc.add_options()("files", po::value(&files), "result files")("out,o", po::value(&out_path),
                                                                   "write the merged result file here");
  po::positional_options_description pos;
  pos.add("files", -1);
  if (print_help_if_asked(args, "zablab-sim fuzz merge FILE... [--out merged.jsonl]", desc)) return kPass;
  po::variables_map vm;
  po::store(po::command_line_parser(args).options(desc).positional(pos).run(), vm);
  po::notify(vm);
  if (files.empty()) {
    std::cerr << "fuzz merge: name the shards' result files (fuzz --shard K/N --results FILE)\n";
    return kUsage;
  }
  std::vector<std::pair<std::string, Results>> read;
  for (const auto& f : files) {
    try {
      read.emplace_back(f, read_results(f));
    } catch (const std::exception& e) {
      std::cerr << e.what() << "\n";
      return kUsage;
    }
  }
  const MergeReport m = merge_results(read);
  const SweepInfo& s = m.merged.sweep;
  std::cout << "merged " << files.size() << " result file(s): seeds " << s.first_seed << ".."
            << s.first_seed + s.seeds - 1 << ", " << m.merged.seeds.size() << " run, " << m.merged.failures.size()
            << (m.merged.failures.size() == 1 ? " failure\n" : " failures\n");
  print_failures(std::cout, m.merged.failures);
  for (const auto& p : m.problems) std::cout << "problem: " << p << "\n";
  if (!out_path.empty()) {
    std::ofstream out(out_path);
    write_results(out, m.merged);
    if (!out) {
      std::cerr << out_path << ": cannot write the merged results\n";
      return kUsage;
    }
    std::cout << "merged results written to " << out_path << "\n";
  }
  return m.merged.failures.empty() && m.problems.empty() ? kPass : kFail;
}

std::string scenario_header(const scn::FuzzShape& shape, const FailureLine& f, const std::string& swarm,
                            const std::string& faults_text, bool shrunk) {
  std::string cmd = "zablab-sim fuzz --first-seed " + std::to_string(f.seed) + " --seeds 1";
  if (shape.servers) cmd += " --servers " + std::to_string(shape.servers);
  if (shape.bug != "none") cmd += " --bug " + shape.bug;
  if (faults_text != "swarm") cmd += " --faults " + faults_text;
  if (shape.fault_phase > 0) cmd += " --duration " + std::to_string(shape.fault_phase / sim::kMillisecond) + "ms";
  std::string h = std::string(shrunk ? "# Minimal scenario" : "# Failing scenario (not shrunk)") + " found by: " + cmd +
                  "\n# Fails with " + f.signature;
  if (!f.what.empty()) h += ": " + f.what;
  return h + "\n# " + swarm + "\n";
}

}  // namespace

int cmd_fuzz(const std::vector<std::string>& args) {
  if (!args.empty() && args.front() == "merge") return cmd_merge(std::vector<std::string>(args.begin() + 1, args.end()));

  po::options_description desc("fuzz options");
  std::uint64_t seeds = 100;
  std::uint64_t first_seed = 1;
  int servers = 0;
  int jobs = 1;
  std::uint64_t max_shrink = 3;
  std::string bug = "none", faults_text, duration_text, shard_text, results_path, out_dir = ".", progress = "auto";
  desc.add_options()("seeds", po::value(&seeds), "how many seeds (default 100)")(
      "first-seed", po::value(&first_seed), "the first seed (default 1)")(
      "servers", po::value(&servers), "3 or 5 voters (default: each seed picks)")(
      "bug", po::value(&bug), "run with a deliberate bug")("faults", po::value(&faults_text),
                                                           "fault kinds to use, comma-separated, or all")(
      "duration", po::value(&duration_text), "how long faults strike per seed (virtual), e.g. 10s")(
      "jobs,j", po::value(&jobs), "seeds run in parallel (worker processes)")(
      "shard", po::value(&shard_text), "run shard K/N of the seeds")(
      "results", po::value(&results_path), "write the result file (JSON lines) here")(
      "out", po::value(&out_dir), "where failing scenarios and their traces go (default .)")(
      "no-shrink", "save failing scenarios as generated")("keep-going", "run every seed, not only up to the first failure")(
      "max-shrink", po::value(&max_shrink), "with --keep-going: shrink at most this many failures (default 3)")(
      "progress", po::value(&progress), "auto, bar, lines or none")("list-bugs", "the bug names, one a line")(
      "print", po::value<std::uint64_t>(), "only print the scenario this seed generates");
  if (print_help_if_asked(args, "zablab-sim fuzz [options]   (zablab-sim fuzz merge --help: merging shards)", desc)) return kPass;
  po::variables_map vm;
  po::store(po::command_line_parser(args).options(desc).run(), vm);
  po::notify(vm);

  if (vm.count("list-bugs")) {
    for (const auto& b : scn::bug_catalog()) std::cout << b.name << "\n";
    return kPass;
  }
  if (servers != 0 && servers != 3 && servers != 5) {
    std::cerr << "fuzz: --servers is 3 or 5\n";
    return kUsage;
  }
  if (!scn::bug_by_name(bug)) {
    std::cerr << "fuzz: unknown bug '" << bug << "' (zablab-sim fuzz --list-bugs lists them)\n";
    return kUsage;
  }
  scn::FuzzShape shape;
  shape.servers = servers;
  shape.bug = bug;
  if (vm.count("faults")) {
    if (auto err = scn::parse_fault_list(faults_text, shape.faults)) {
      std::cerr << "fuzz: --faults: " << *err << "\n";
      return kUsage;
    }
    faults_text = join(shape.faults, ",");
  } else {
    faults_text = "swarm";
  }
  if (vm.count("duration")) {
    const auto d = parse_duration(duration_text);
    if (!d || *d < sim::kSecond || *d > 3600 * sim::kSecond) {
      std::cerr << "fuzz: --duration wants a time between 1s and 1h, e.g. 10s or 2m, got '" << duration_text << "'\n";
      return kUsage;
    }
    shape.fault_phase = *d;
  }
  if (jobs < 1 || jobs > 256) {
    std::cerr << "fuzz: --jobs is between 1 and 256\n";
    return kUsage;
  }
  Shard shard;
  if (vm.count("shard")) {
    std::string err;
    auto s = parse_shard(shard_text, err);
    if (!s) {
      std::cerr << "fuzz: " << err << "\n";
      return kUsage;
    }
    shard = *s;
    if (results_path.empty()) results_path = out_dir + "/fuzz-shard-" + std::to_string(shard.index) + "-of-" +
                                             std::to_string(shard.count) + ".jsonl";
  }
  if (progress != "auto" && progress != "bar" && progress != "lines" && progress != "none") {
    std::cerr << "fuzz: --progress is auto, bar, lines or none\n";
    return kUsage;
  }
  if (vm.count("print")) {
    std::cout << scn::generate_fuzz_case(vm["print"].as<std::uint64_t>(), shape).scenario;
    return kPass;
  }
  const bool keep_going = vm.count("keep-going") > 0;
  const bool shrink = vm.count("no-shrink") == 0;
  if (!keep_going) max_shrink = 1;
  std::error_code ec;
  std::filesystem::create_directories(out_dir, ec);

  const std::vector<std::uint64_t> list = shard_seeds(first_seed, seeds, shard);
  const bool bar = progress == "bar" || (progress == "auto" && is_terminal(2) && is_terminal(1));
  const bool lines = progress == "lines" || (progress == "auto" && !is_terminal(1));

  std::cout << "fuzzing seeds " << first_seed << ".." << first_seed + seeds - 1;
  if (shard.count > 1) std::cout << ", shard " << shard.text() << " (" << list.size() << " seeds)";
  std::cout << "; servers " << (servers ? std::to_string(servers) : "picked per seed") << ", faults " << faults_text
            << ", fault phase "
            << (shape.fault_phase ? scn::format_time(shape.fault_phase) : std::string("picked per seed (30..70s)"));
  if (bug != "none") std::cout << ", bug " << bug;
  std::cout << (keep_going ? ", every seed" : ", up to the first failure") << "\n" << std::flush;

  Results results;
  results.sweep.first_seed = first_seed;
  results.sweep.seeds = seeds;
  results.sweep.shard = shard.text();
  results.sweep.servers = servers;
  results.sweep.bug = bug;
  results.sweep.faults = faults_text;
  results.sweep.fault_phase_ms = shape.fault_phase / sim::kMillisecond;
  results.sweep.stop = keep_going ? "all" : "first";
  results.sweep.build = sim::record::build_id();
  // The result file grows as seeds finish (in seed order), so a shard that dies leaves what it
  // did; `fuzz merge` reports it unfinished.
  std::ofstream results_file;
  if (!results_path.empty()) {
    results_file.open(results_path);
    write_sweep_line(results_file, results.sweep);
    results_file.flush();
    if (!results_file) {
      std::cerr << "fuzz: cannot write " << results_path << "\n";
      return kUsage;
    }
  }

  // --- the sweep ---
  std::vector<std::optional<Outcome>> outcomes(list.size());
  std::optional<std::size_t> first_failure;
  std::size_t printed = 0, finished = 0, failures_seen = 0;
  ProgressBar progress_bar(std::cerr, bar, list.size(), "seeds");
  auto print_ready = [&] {
    // In seed order, whatever order the workers finish in: the output is the same for any --jobs.
    while (printed < outcomes.size() && outcomes[printed]) {
      if (first_failure && !keep_going && printed > *first_failure) return;
      const Outcome& o = *outcomes[printed];
      if (lines) {
        std::cout << o.swarm << " -> " << o.line.verdict << " (" << o.line.records << " records, "
                  << scn::format_time(o.line.end_ns) << ")\n";
      }
      if (results_file.is_open()) {
        write_seed_line(results_file, o.line);
        results_file.flush();
      }
      ++printed;
    }
  };
  run_jobs(
      list.size(), jobs, [&](std::size_t i) { return outcome_json(run_seed(list[i], shape)); },
      [&](std::size_t i) { return keep_going || !first_failure || i < *first_failure; },
      [&](std::size_t i, const JobResult& jr) {
        Outcome o;
        if (jr.ok) {
          o = outcome_from(jr.line);
        } else {
          o.line.seed = list[i];
          o.line.verdict = "CRASH";
          o.line.signature = "crash:" + jr.why;
          o.what = "the simulator crashed on this seed (" + jr.why + ")";
          o.swarm = scn::generate_fuzz_case(list[i], shape).swarm;
        }
        if (!o.line.signature.empty()) {
          ++failures_seen;
          if (!first_failure || i < *first_failure) first_failure = i;
        }
        outcomes[i] = std::move(o);
        ++finished;
        if (lines) progress_bar.clear();  // only when lines and the bar are both asked for
        print_ready();
        progress_bar.update(finished, failures_seen);
      });
  progress_bar.update(finished, failures_seen, true);
  progress_bar.clear();
  const double sweep_seconds = progress_bar.seconds();

  // What counts: every seed, or those up to the first failure.
  const std::size_t counted = keep_going || !first_failure ? list.size() : *first_failure + 1;
  std::vector<const Outcome*> failed;
  for (std::size_t i = 0; i < counted; ++i) {
    if (!outcomes[i]) {
      std::cerr << "fuzz: internal error: seed " << list[i] << " has no result\n";
      return kUsage;
    }
    results.seeds.push_back(outcomes[i]->line);
    if (!outcomes[i]->line.signature.empty()) failed.push_back(&*outcomes[i]);
  }
  std::cout << "ran " << counted << " seed" << (counted == 1 ? "" : "s") << ": " << failed.size()
            << (failed.size() == 1 ? " failure\n" : " failures\n");

  // --- shrink: the first failure of each kind, up to max_shrink, in parallel too ---
  std::vector<std::size_t> to_shrink;
  {
    std::set<std::string> kinds;
    for (std::size_t k = 0; k < failed.size() && shrink && to_shrink.size() < max_shrink; ++k)
      if (kinds.insert(failed[k]->line.signature).second && failed[k]->line.verdict != "CRASH") to_shrink.push_back(k);
  }
  std::map<std::size_t, std::string> minimal;  // index into failed -> minimal text
  if (!to_shrink.empty()) {
    std::cout << "shrinking " << to_shrink.size() << " failing scenario" << (to_shrink.size() == 1 ? "" : "s") << "...\n"
              << std::flush;
    ProgressBar shrink_bar(std::cerr, bar, to_shrink.size(), "shrunk");
    std::size_t shrunk = 0;
    run_jobs(
        to_shrink.size(), jobs,
        [&](std::size_t k) {
          const Outcome& o = *failed[to_shrink[k]];
          const std::string text = scn::generate_fuzz_case(o.line.seed, shape).scenario;
          std::uint64_t runs = 0;
          const std::string small = scn::shrink_scenario(text, o.line.signature, &runs, nullptr);
          return Json().str("minimal", small).num("runs", static_cast<std::int64_t>(runs)).done();
        },
        [](std::size_t) { return true; },
        [&](std::size_t k, const JobResult& jr) {
          if (jr.ok) minimal[to_shrink[k]] = json_string(jr.line, "minimal").value_or("");
          shrink_bar.update(++shrunk, 0);
        });
    shrink_bar.clear();
  }

  // --- save every failing scenario; the shrunk ones with their trace ---
  for (std::size_t k = 0; k < failed.size(); ++k) {
    const Outcome& o = *failed[k];
    FailureLine f;
    f.seed = o.line.seed;
    f.signature = o.line.signature;
    f.what = o.what;
    auto it = minimal.find(k);
    f.shrunk = it != minimal.end() && !it->second.empty();
    std::string body = f.shrunk ? it->second : scn::generate_fuzz_case(o.line.seed, shape).scenario;
    if (body.rfind("# Generated", 0) == 0) body = body.substr(body.find('\n') + 1);
    if (f.shrunk) {
      // Describe how the minimal scenario fails (its seq numbers differ from the original's).
      const scn::RunResult again = scn::run_scenario_text(body);
      if (again.violation) {
        f.what = again.violation->describe();
      } else if (!again.failures.empty()) {
        f.what = again.failures.front();
      }
    }
    const std::string text = scenario_header(shape, f, o.swarm, faults_text, f.shrunk) + body;
    const std::string base = out_dir + "/fuzz-seed-" + std::to_string(f.seed);
    {
      std::ofstream file(base + ".scn");
      file << text;
      if (file) f.scenario = base + ".scn";
    }
    if (f.shrunk && !f.scenario.empty()) {
      auto parsed = scn::parse_scenario(text, f.scenario);
      if (parsed.scenario) {
        const RecordedRun rr = run_recorded(*parsed.scenario, f.scenario, {}, base + ".db");
        if (rr.ran && rr.error.empty()) f.trace = base + ".db";
      }
    }
    results.failures.push_back(std::move(f));
  }
  results.done = true;
  print_failures(std::cout, results.failures);
  if (!results.failures.empty()) {
    const auto& f = results.failures.front();
    if (!f.scenario.empty()) std::cout << "replay it: zablab-sim run " << f.scenario << "\n";
  }
  if (results_file.is_open()) {
    for (const auto& f : results.failures) write_failure_line(results_file, f);
    write_done_line(results_file, results.seeds.size(), results.failures.size());
    results_file.close();
    if (!results_file) {
      std::cerr << "fuzz: cannot write " << results_path << "\n";
      return kUsage;
    }
    std::cout << "results: " << results_path << "\n";
  }
  // The one line that depends on the machine, last, so that the rest compares across runs.
  char speed[160];
  std::snprintf(speed, sizeof speed, "speed: %zu seeds in %.2f s of wall time (%.0f seeds/min, --jobs %d)\n",
                finished, sweep_seconds, sweep_seconds > 0 ? static_cast<double>(finished) * 60 / sweep_seconds : 0.0,
                jobs);
  std::cout << speed;
  return results.failures.empty() ? kPass : kFail;
}

}  // namespace zablab::simcli
