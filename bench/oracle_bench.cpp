// zablab-oracle-bench: what the checkers cost. For each fuzz seed it runs the generated scenario
// (the checkers live, as always), keeps its trace, then feeds the same records to a fresh
// CheckEngine alone and times that. It prints, per seed and in total, the run's wall time, the
// checking's, and the checking's share of the run.
//
//   zablab-oracle-bench [--seeds 20] [--first-seed 1] [--servers 3]
//   zablab-oracle-bench --history 100000
//
// --history N: one long client history instead of fuzz seeds. Four clients on a 3-server ensemble
// write, read and sync+read for as long as it takes to invoke about N operations, and all four
// read-modify-write one shared znode (conditional sets that race); every few seconds one client's
// connection is reset, so writes in flight end in ConnectionLoss -- writes of unknown outcome for
// client.linearizable-writes' search. Then the whole trace is checked alone and the time printed
// with the number of operations in it: the issue's "a 100,000-operation client history checked in
// under 10 s".
//
// The wall clock is read here only, around whole runs; sim/ never reads it.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "sim/checkers/checkers.h"
#include "sim/scenario/fuzz.h"
#include "sim/scenario/runner.h"
#include "sim/scenario/scenario.h"
#include "sim/world.h"

namespace {

using namespace zablab::sim;
using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

// One scenario run with its checkers live, then its trace checked again by a fresh CheckEngine
// alone. nullopt (with the parse error printed) when the text does not parse.
struct Timed {
  scenario::RunResult result;
  std::vector<TraceRecord> records;
  double run_s = 0;
  double check_s = 0;
  std::vector<std::string> undecided;  // histories the bounded search gave up on
};
std::optional<Timed> run_and_check(const std::string& text, const char* name) {
  scenario::ParseResult p = scenario::parse_scenario(text, name);
  if (!p.scenario) {
    std::fprintf(stderr, "%s", p.describe(name).c_str());
    return std::nullopt;
  }
  Timed t;
  scenario::RunOptions o;
  o.on_end = [&](World& w, const scenario::RunResult&) { t.records = w.trace().records(); };
  const auto t0 = Clock::now();
  t.result = scenario::run_scenario(*p.scenario, o);
  t.run_s = seconds_since(t0);
  const auto t1 = Clock::now();
  check::CheckEngine engine;
  for (const auto& rec : t.records) engine.on_record(rec);
  t.check_s = seconds_since(t1);
  t.undecided = engine.undecided();
  return t;
}

// A fault-free scenario whose four clients invoke about `ops` operations: each client writes its
// own znode, reads it plainly and with a sync first, and reads another client's (the reads of
// another's writes are what the model tree checks hardest).
std::string history_scenario(long ops) {
  constexpr long kPerClientPerSecond = 340;  // 100 writes, 100 reads, 100 sync+reads (2 ops each), 20 updates (2 each)
  const long seconds = std::max(1L, ops / (4 * (kPerClientPerSecond + 100)));
  std::string s = "scenario \"oracle bench: a long client history\"\nensemble 3\nseed 1\n";
  for (int c = 1; c <= 4; ++c) s += "client c" + std::to_string(c) + " on s1,s2,s3 session 10s\n";
  s += "expect leader elected within 10s\n";
  for (int c = 1; c <= 4; ++c) s += "expect c" + std::to_string(c) + " connected within 10s\n";
  const std::string t = std::to_string(seconds) + "s";
  for (int c = 1; c <= 4; ++c) {
    const std::string me = "c" + std::to_string(c);
    const std::string path = "/k" + std::to_string(c);
    const std::string other = "/k" + std::to_string(c % 4 + 1);
    s += me + " writes 100 per second for " + t + " on " + path + "\n";
    s += me + " reads 50 per second for " + t + " on " + path + "\n";
    s += me + " reads 50 per second for " + t + " on " + other + "\n";
    s += me + " reads 100 per second for " + t + " on " + path + " with sync\n";
    s += me + " updates 20 per second for " + t + " on /shared\n";
  }
  // A connection reset every 5 s, each client in turn: its writes in flight end in ConnectionLoss.
  for (long at = 5, c = 1; at < seconds; at += 5, c = c % 4 + 1)
    s += "at " + std::to_string(at) + "s: disconnect c" + std::to_string(c) + "\n";
  s += "at " + std::to_string(seconds + 5) + "s: expect converged within 10s\n";
  return s;
}

int run_history(long ops) {
  const auto t = run_and_check(history_scenario(ops), "history.scn");
  if (!t) return 1;
  long invoked = 0, returned = 0, unknown = 0;
  for (const auto& rec : t->records) {
    if (rec.kind == trace_kind::client_invoke) ++invoked;
    if (rec.kind == trace_kind::client_return) {
      ++returned;
      const bool write = rec.msg_type == "setData" || rec.msg_type == "create" || rec.msg_type == "delete";
      if (write && rec.detail.find("\"ConnectionLoss\"") != std::string::npos) ++unknown;
    }
  }
  std::printf("history: %ld operations invoked, %ld returned, %ld writes of unknown outcome, %zu records; run %.3f s "
              "(checkers live included), checking alone %.3f s (%.1f%% of the run); verdict %s\n",
              invoked, returned, unknown, t->records.size(), t->run_s, t->check_s, 100.0 * t->check_s / t->run_s,
              t->result.verdict().c_str());
  std::printf("undecided: %zu\n", t->undecided.size());
  for (const auto& u : t->undecided) std::printf("  %s\n", u.c_str());
  return t->result.passed ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  int seeds = 20, servers = 3;
  std::uint64_t first = 1;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--seeds")) seeds = std::atoi(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--first-seed")) first = std::strtoull(argv[i + 1], nullptr, 10);
    else if (!std::strcmp(argv[i], "--servers")) servers = std::atoi(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--history")) return run_history(std::atol(argv[i + 1]));
    else {
      std::fprintf(stderr, "usage: zablab-oracle-bench [--seeds N] [--first-seed S] [--servers 3|5] | --history OPS\n");
      return 2;
    }
  }
  double run_total = 0, check_total = 0;
  std::uint64_t records_total = 0;
  std::printf("%6s %10s %10s %10s %8s  %s\n", "seed", "records", "run s", "check s", "share", "verdict");
  for (std::uint64_t seed = first; seed < first + static_cast<std::uint64_t>(seeds); ++seed) {
    const scenario::FuzzCase fc = scenario::generate_fuzz_case(seed, servers, "none");
    const auto t = run_and_check(fc.scenario, "fuzz.scn");
    if (!t) return 1;
    const double run_s = t->run_s, check_s = t->check_s;
    const auto& records = t->records;
    const scenario::RunResult& r = t->result;
    run_total += run_s;
    check_total += check_s;
    records_total += records.size();
    std::printf("%6llu %10zu %10.3f %10.3f %7.1f%%  %s\n", static_cast<unsigned long long>(seed), records.size(), run_s,
                check_s, 100.0 * check_s / run_s, r.verdict().c_str());
  }
  std::printf("total: %llu records, run %.3f s (checkers live included), checking alone %.3f s: %.1f%% of the run\n",
              static_cast<unsigned long long>(records_total), run_total, check_total, 100.0 * check_total / run_total);
  return 0;
}
