#include "apps/sim/fuzz_results.h"

#include <algorithm>
#include <fstream>
#include <map>
#include <set>
#include <stdexcept>

#include "sim/checkers/json_fields.h"
#include "sim/json.h"

namespace zablab::simcli {

using sim::Json;
using sim::check::json_int;
using sim::check::json_string;

std::optional<Shard> parse_shard(const std::string& text, std::string& error) {
  const auto slash = text.find('/');
  Shard s;
  try {
    if (slash == std::string::npos) throw std::invalid_argument("no slash");
    std::size_t used = 0;
    s.index = std::stoull(text.substr(0, slash), &used);
    if (used != slash) throw std::invalid_argument("trailing");
    const std::string n = text.substr(slash + 1);
    s.count = std::stoull(n, &used);
    if (used != n.size()) throw std::invalid_argument("trailing");
  } catch (const std::exception&) {
    error = "--shard wants K/N (this is shard K of N, 1 <= K <= N), got '" + text + "'";
    return std::nullopt;
  }
  if (s.count == 0 || s.index == 0 || s.index > s.count) {
    error = "--shard " + text + ": K must be between 1 and N";
    return std::nullopt;
  }
  return s;
}

std::vector<std::uint64_t> shard_seeds(std::uint64_t first, std::uint64_t seeds, const Shard& shard) {
  std::vector<std::uint64_t> out;
  for (std::uint64_t i = shard.index - 1; i < seeds; i += shard.count) out.push_back(first + i);
  return out;
}

void write_sweep_line(std::ostream& out, const SweepInfo& s) {
  out << Json()
             .str("type", "sweep")
             .num("first_seed", static_cast<std::int64_t>(s.first_seed))
             .num("seeds", static_cast<std::int64_t>(s.seeds))
             .str("shard", s.shard)
             .num("servers", s.servers)
             .str("bug", s.bug)
             .str("faults", s.faults)
             .num("fault_phase_ms", s.fault_phase_ms)
             .str("stop", s.stop)
             .str("build", s.build)
             .done()
      << "\n";
}

void write_seed_line(std::ostream& out, const SeedLine& l) {
  out << Json()
             .str("type", "seed")
             .num("seed", static_cast<std::int64_t>(l.seed))
             .str("verdict", l.verdict)
             .str("signature", l.signature)
             .num("records", static_cast<std::int64_t>(l.records))
             .num("end_ns", l.end_ns)
             .str("trace_hash", l.trace_hash)
             .done()
      << "\n";
}

void write_failure_line(std::ostream& out, const FailureLine& f) {
  out << Json()
             .str("type", "failure")
             .num("seed", static_cast<std::int64_t>(f.seed))
             .str("signature", f.signature)
             .str("what", f.what)
             .str("scenario", f.scenario)
             .str("trace", f.trace)
             .boolean("shrunk", f.shrunk)
             .done()
      << "\n";
}

void write_done_line(std::ostream& out, std::uint64_t runs, std::uint64_t failures) {
  out << Json()
             .str("type", "done")
             .num("runs", static_cast<std::int64_t>(runs))
             .num("failures", static_cast<std::int64_t>(failures))
             .done()
      << "\n";
}

void write_results(std::ostream& out, const Results& r) {
  write_sweep_line(out, r.sweep);
  for (const auto& l : r.seeds) write_seed_line(out, l);
  for (const auto& f : r.failures) write_failure_line(out, f);
  if (r.done) write_done_line(out, r.seeds.size(), r.failures.size());
}

Results read_results(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error(path + ": cannot read the file");
  Results r;
  bool have_sweep = false;
  std::string line;
  int number = 0;
  auto fail = [&](const std::string& why) -> std::runtime_error {
    return std::runtime_error(path + ":" + std::to_string(number) + ": " + why);
  };
  auto need_int = [&](const std::string& key) {
    auto v = json_int(line, key);
    if (!v) throw fail("no number \"" + key + "\"");
    return *v;
  };
  auto need_str = [&](const std::string& key) {
    auto v = json_string(line, key);
    if (!v) throw fail("no string \"" + key + "\"");
    return *v;
  };
  while (std::getline(in, line)) {
    ++number;
    if (line.empty()) continue;
    const auto type = json_string(line, "type");
    if (!type) throw fail("not a fuzz result line (no \"type\"): " + line.substr(0, 80));
    if (*type == "sweep") {
      if (have_sweep) throw fail("a second sweep line: one file per shard");
      have_sweep = true;
      r.sweep.first_seed = static_cast<std::uint64_t>(need_int("first_seed"));
      r.sweep.seeds = static_cast<std::uint64_t>(need_int("seeds"));
      r.sweep.shard = need_str("shard");
      r.sweep.servers = static_cast<int>(need_int("servers"));
      r.sweep.bug = need_str("bug");
      r.sweep.faults = need_str("faults");
      r.sweep.fault_phase_ms = need_int("fault_phase_ms");
      r.sweep.stop = need_str("stop");
      r.sweep.build = need_str("build");
      continue;
    }
    if (!have_sweep) throw fail("the first line must be the sweep line");
    if (*type == "seed") {
      SeedLine l;
      l.seed = static_cast<std::uint64_t>(need_int("seed"));
      l.verdict = need_str("verdict");
      l.signature = need_str("signature");
      l.records = static_cast<std::uint64_t>(need_int("records"));
      l.end_ns = need_int("end_ns");
      l.trace_hash = json_string(line, "trace_hash").value_or("");  // absent in files from older builds
      r.seeds.push_back(std::move(l));
    } else if (*type == "failure") {
      FailureLine f;
      f.seed = static_cast<std::uint64_t>(need_int("seed"));
      f.signature = need_str("signature");
      f.what = need_str("what");
      f.scenario = need_str("scenario");
      f.trace = need_str("trace");
      f.shrunk = line.find("\"shrunk\":true") != std::string::npos;
      r.failures.push_back(std::move(f));
    } else if (*type == "done") {
      r.done = true;
    } else {
      throw fail("unknown line type '" + *type + "'");
    }
  }
  if (!have_sweep) throw std::runtime_error(path + ": empty, not a fuzz result file");
  return r;
}

MergeReport merge_results(const std::vector<std::pair<std::string, Results>>& files) {
  MergeReport m;
  if (files.empty()) return m;
  const SweepInfo& first = files.front().second.sweep;
  m.merged.sweep = first;
  m.merged.sweep.shard = "merged";
  m.merged.done = true;
  std::map<std::uint64_t, SeedLine> seeds;
  std::map<std::uint64_t, FailureLine> failures;
  std::map<std::uint64_t, int> runs;
  // Shards that stopped at a failure: seeds after it were never meant to run.
  std::set<std::string> shards_seen;
  std::uint64_t stopped_before = 0;
  for (const auto& [path, r] : files) {
    const SweepInfo& s = r.sweep;
    auto differs = [&](const std::string& what, const std::string& a, const std::string& b) {
      if (a != b) m.problems.push_back(path + ": " + what + " " + b + ", but " + files.front().first + " has " + a);
    };
    differs("first seed", std::to_string(first.first_seed), std::to_string(s.first_seed));
    differs("seeds", std::to_string(first.seeds), std::to_string(s.seeds));
    differs("servers", std::to_string(first.servers), std::to_string(s.servers));
    differs("bug", first.bug, s.bug);
    differs("faults", first.faults, s.faults);
    differs("fault phase (ms)", std::to_string(first.fault_phase_ms), std::to_string(s.fault_phase_ms));
    differs("stop", first.stop, s.stop);
    differs("build", first.build, s.build);
    if (!shards_seen.insert(s.shard).second) m.problems.push_back(path + ": shard " + s.shard + " appears twice");
    if (!r.done) m.problems.push_back(path + ": unfinished (no done line): the shard did not complete");
    for (const auto& l : r.seeds) {
      ++runs[l.seed];
      seeds.emplace(l.seed, l);
    }
    for (const auto& f : r.failures) failures.emplace(f.seed, f);
    if (s.stop == "first" && !r.failures.empty()) {
      // This shard's seeds after its failure.
      std::string err;
      if (auto shard = parse_shard(s.shard, err)) {
        for (std::uint64_t seed : shard_seeds(s.first_seed, s.seeds, *shard))
          if (seed > r.failures.front().seed && runs.find(seed) == runs.end()) ++stopped_before;
      }
    }
  }
  for (const auto& [seed, n] : runs)
    if (n > 1) {
      ++m.duplicated;
      if (m.duplicated <= 5) m.problems.push_back("seed " + std::to_string(seed) + " ran " + std::to_string(n) + " times");
    }
  std::uint64_t in_range = 0;
  for (const auto& [seed, n] : runs)
    if (seed >= first.first_seed && seed - first.first_seed < first.seeds) ++in_range;
  const std::uint64_t expected = first.seeds > stopped_before ? first.seeds - stopped_before : 0;
  if (in_range < expected) {
    m.missing = expected - in_range;
    m.problems.push_back(std::to_string(m.missing) + " seed(s) of " + std::to_string(first.first_seed) + ".." +
                         std::to_string(first.first_seed + first.seeds - 1) + " in no file (a shard missing?)");
  }
  for (auto& [seed, l] : seeds) m.merged.seeds.push_back(l);
  for (auto& [seed, f] : failures) m.merged.failures.push_back(f);
  return m;
}

}  // namespace zablab::simcli
