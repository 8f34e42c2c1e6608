// The result file of a fuzz sweep (or of one shard of it), and merging shards' files.
//
// JSON lines, one object a line, so a shard that dies half-way still leaves a readable prefix
// and `cat`/`grep`/`jq` work on it:
//
//   {"type":"sweep","first_seed":1,"seeds":1000,"shard":"2/4","servers":3,"bug":"none",
//    "faults":"all","fault_phase_ms":10000,"stop":"first","build":"zablab 0.1 (...)"}
//   {"type":"seed","seed":2,"verdict":"PASS","signature":"","records":61347,"end_ns":63721000000}
//   ... one "seed" line per seed this shard ran, in seed order ...
//   {"type":"failure","seed":14,"signature":"violation:prefix","what":"...",
//    "scenario":"out/fuzz-seed-14.scn","trace":"out/fuzz-seed-14.db","shrunk":true}
//   {"type":"done","runs":250,"failures":1}
//
// Nothing in it depends on the machine, the time or --jobs: the same sweep gives the same bytes.
#pragma once

#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

namespace zablab::simcli {

struct Shard {
  std::uint64_t index = 1;  // 1..count
  std::uint64_t count = 1;
  std::string text() const { return std::to_string(index) + "/" + std::to_string(count); }
};

// "K/N" with 1 <= K <= N; nullopt and `error` set otherwise.
std::optional<Shard> parse_shard(const std::string& text, std::string& error);
// The seeds of [first, first + seeds) that shard K/N runs: every N-th, starting with the K-th,
// so that the N shards together run each seed exactly once and get similar mixes of seeds.
std::vector<std::uint64_t> shard_seeds(std::uint64_t first, std::uint64_t seeds, const Shard& shard);

struct SweepInfo {
  std::uint64_t first_seed = 1;
  std::uint64_t seeds = 0;
  std::string shard = "1/1";  // "merged" after fuzz merge
  int servers = 0;
  std::string bug = "none";
  std::string faults = "swarm";  // the --faults list, or "swarm" (each seed picks)
  std::int64_t fault_phase_ms = 0;
  std::string stop = "first";  // "first" (stop at the first failure) or "all" (--keep-going)
  std::string build;
};

struct SeedLine {
  std::uint64_t seed = 0;
  std::string verdict;
  std::string signature;  // empty: passed
  std::uint64_t records = 0;
  std::int64_t end_ns = 0;
  std::string trace_hash;  // the run's whole trace, hashed (the same in every process)
};

struct FailureLine {
  std::uint64_t seed = 0;
  std::string signature;
  std::string what;      // the violation or failed expectation, one line
  std::string scenario;  // the saved .scn (minimal when shrunk)
  std::string trace;     // the saved trace of that scenario, or empty
  bool shrunk = false;
};

struct Results {
  SweepInfo sweep;
  std::vector<SeedLine> seeds;
  std::vector<FailureLine> failures;
  bool done = false;  // the "done" line was there
};

void write_results(std::ostream& out, const Results& r);
// The same lines one at a time, for writing a file as the sweep goes.
void write_sweep_line(std::ostream& out, const SweepInfo& s);
void write_seed_line(std::ostream& out, const SeedLine& l);
void write_failure_line(std::ostream& out, const FailureLine& f);
void write_done_line(std::ostream& out, std::uint64_t runs, std::uint64_t failures);
// Throws std::runtime_error("path:line: why") for a file that is not a result file.
Results read_results(const std::string& path);

struct MergeReport {
  Results merged;                     // seeds and failures in seed order, shard "merged"
  std::vector<std::string> problems;  // differing sweeps, seeds run twice or never, unfinished files
  std::uint64_t missing = 0;
  std::uint64_t duplicated = 0;
};

// Combines shards' results. Seeds a shard stopped before (stop "first" after a failure) are not
// counted as missing.
MergeReport merge_results(const std::vector<std::pair<std::string, Results>>& files);

}  // namespace zablab::simcli
