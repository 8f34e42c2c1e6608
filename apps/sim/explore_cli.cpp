#include "apps/sim/explore_cli.h"

#include <algorithm>
#include <boost/program_options.hpp>
#include <chrono>
#include <csignal>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <new>
#include <sstream>
#if __has_include(<sys/mman.h>) && !defined(__EMSCRIPTEN__)
#include <sys/mman.h>
#endif

#include "apps/sim/cli_common.h"
#include "apps/sim/recorded_run.h"
#include "sim/crash_points.h"
#include "sim/explore/explorer.h"
#include "sim/explore/fork_explorer.h"
#include "sim/scenario/bugs.h"
#include "sim/scenario/fuzz.h"

namespace zablab::simcli {
namespace {

namespace po = boost::program_options;
namespace ex = sim::explore;

std::vector<std::string> split(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  std::string item;
  while (std::getline(in, item, ','))
    if (!item.empty()) out.push_back(item);
  return out;
}

// What the search's forked processes share with this one (sim/explore/fork_explorer.h): when the
// progress line was last printed (any of them prints it), and whether SIGINT came (to whichever
// process: Ctrl-C reaches them all, `kill -INT` only this one). A plain struct where there is no
// mmap.
struct SharedCliState {
  double last_print = 0;
  volatile std::sig_atomic_t interrupted = 0;
};

class SharedCli {
 public:
  SharedCli() {
#if __has_include(<sys/mman.h>) && !defined(__EMSCRIPTEN__)
    void* p = ::mmap(nullptr, sizeof(SharedCliState), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (p != MAP_FAILED) state_ = new (p) SharedCliState();
#endif
  }
  ~SharedCli() {
#if __has_include(<sys/mman.h>) && !defined(__EMSCRIPTEN__)
    if (state_ != &local_) ::munmap(state_, sizeof(SharedCliState));
#endif
  }
  SharedCli(const SharedCli&) = delete;
  SharedCli& operator=(const SharedCli&) = delete;
  SharedCliState& operator*() { return *state_; }
  SharedCliState* operator->() { return state_; }

 private:
  SharedCliState local_;
  SharedCliState* state_ = &local_;
};

SharedCliState* g_shared = nullptr;
void on_sigint(int) {
  if (g_shared) g_shared->interrupted = 1;
}

std::string bug_list() {
  std::string out = "none";
  for (const auto& b : sim::scenario::bug_catalog()) out += ", " + std::string(b.name);
  return out;
}

// The tree the bounds allow, before the visited set and the reductions cut it: sum of b^k.
double tree_bound(double branching, int depth) {
  double total = 1, level = 1;
  for (int k = 1; k <= depth; ++k) {
    level *= std::max(1.0, branching);
    total += level;
  }
  return total;
}

std::string stats_line(const ex::ExploreStats& s, double seconds, int depth_bound) {
  char buf[320];
  std::snprintf(buf, sizeof buf,
                "depth %d  states %llu  distinct %llu  %.0f states/s  frontier %llu  (tree bound ~%.2g at depth %d)",
                s.depth, static_cast<unsigned long long>(s.states), static_cast<unsigned long long>(s.distinct),
                seconds > 0 ? static_cast<double>(s.states) / seconds : 0.0, static_cast<unsigned long long>(s.frontier),
                tree_bound(s.branching, depth_bound), depth_bound);
  return buf;
}

}  // namespace

int cmd_explore(const std::vector<std::string>& args) {
  po::options_description desc("explore options");
  std::string bug = "none", bounds_text, mode = "bfs", step_text = "3s", messages_text = "NEWLEADER,UPTODATE,DIFF",
              points_text, out_dir = ".";
  std::uint64_t max_states = 0;
  desc.add_options()("bug", po::value(&bug), "explore the code with a deliberate bug (default none)")(
      "bounds", po::value(&bounds_text),
      "NAME=VALUE,... among servers, max-epoch, max-transactions, max-reads, max-ephemerals, max-crashes, "
      "max-restarts, max-partitions, max-crash-points, depth")("mode", po::value(&mode), "bfs (a shortest counterexample) or dfs")(
      "step", po::value(&step_text), "virtual time a `wait` choice lets pass (default 3s)")(
      "messages", po::value(&messages_text), "packets a crash-at-message choice waits for (default NEWLEADER,UPTODATE,DIFF)")(
      "points", po::value(&points_text), "crash points a choice may arm (default: every one)")(
      "max-states", po::value(&max_states), "stop after this many states")(
      "out", po::value(&out_dir), "where a counterexample and its trace go (default .)")(
      "replay", "depth-first too: re-run every path from the start instead of forking at each state (the "
                "breadth-first way; slower, the same states)")(
      "quiet,q", "no progress line");
  if (print_help_if_asked(args, "zablab-sim explore [--bug NAME] [--bounds NAME=V,...] [--mode bfs|dfs] [options]", desc))
    return kPass;
  po::variables_map vm;
  po::store(po::command_line_parser(args).options(desc).run(), vm);
  po::notify(vm);

  ex::ExploreOptions o;
  if (!sim::scenario::bug_by_name(bug)) {
    std::cerr << "explore: unknown bug '" << bug << "'; valid bugs: " << bug_list() << "\n";
    return kUsage;
  }
  o.bug = bug;
  if (auto err = ex::parse_bounds(bounds_text, o.space.bounds)) {
    std::cerr << "explore: --bounds: " << *err << "\n";
    return kUsage;
  }
  if (mode != "bfs" && mode != "dfs") {
    std::cerr << "explore: --mode is bfs or dfs, got '" << mode << "'\n";
    return kUsage;
  }
  o.breadth_first = mode == "bfs";
  const auto step = parse_duration(step_text);
  if (!step || *step < 100 * sim::kMillisecond || *step > 60 * sim::kSecond) {
    std::cerr << "explore: --step wants a time between 100ms and 60s, got '" << step_text << "'\n";
    return kUsage;
  }
  o.space.step = *step;
  static const std::vector<std::string> kPackets = {"NEWLEADER", "UPTODATE", "DIFF", "TRUNC", "SNAP", "PROPOSAL",
                                                    "COMMIT", "LEADERINFO", "ACKEPOCH"};
  o.space.messages = split(messages_text);
  for (const auto& m : o.space.messages)
    if (std::find(kPackets.begin(), kPackets.end(), m) == kPackets.end()) {
      std::string valid;
      for (const auto& p : kPackets) valid += (valid.empty() ? "" : ", ") + p;
      std::cerr << "explore: --messages: unknown packet '" << m << "'; valid packets: " << valid << "\n";
      return kUsage;
    }
  for (const auto& p : split(points_text)) {
    auto name = sim::crash_point_named(p);
    if (!name) {
      std::string valid;
      for (const auto& c : sim::crash_points()) valid += (valid.empty() ? "" : ", ") + std::string(c.name);
      std::cerr << "explore: --points: unknown crash point '" << p << "'; valid points: " << valid << "\n";
      return kUsage;
    }
    o.space.crash_points.emplace_back(*name);
  }
  o.max_states = max_states;
  o.replay = vm.count("replay") > 0;
  const bool forks = !o.breadth_first && !o.replay && ex::fork_available();

  std::cout << "exploring " << (bug == "none" ? "the correct code" : "bug " + bug) << ", " << mode << ", bounds "
            << ex::describe(o.space.bounds) << ", step " << step_text << (forks ? ", forking at each state" : ", replaying each path")
            << "\n"
            << std::flush;
  const auto start = std::chrono::steady_clock::now();
  auto seconds = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(); };
  SharedCli shared;
  const bool quiet = vm.count("quiet") > 0;
  o.on_progress = [&](const ex::ExploreStats& s) {
    const double t = seconds();
    if (quiet || t - shared->last_print < 1.0) return;
    shared->last_print = t;
    std::cerr << "\r" << stats_line(s, t, o.space.bounds.depth) << "   " << std::flush;
  };
  g_shared = &*shared;
  auto previous = std::signal(SIGINT, on_sigint);
  o.should_stop = [&] { return shared->interrupted != 0; };
  const ex::ExploreResult r = ex::explore(o);
  std::signal(SIGINT, previous);
  g_shared = nullptr;
  const double took = seconds();
  if (!quiet && shared->last_print > 0) std::cerr << "\n";
  std::cout << stats_line(r.stats, took, o.space.bounds.depth) << "\n";
  char summary[200];
  std::snprintf(summary, sizeof summary, "%.1f s of wall time; %llu simulator records; pruned %llu orders, %llu epochs",
                took, static_cast<unsigned long long>(r.stats.sim_events),
                static_cast<unsigned long long>(r.stats.pruned_order), static_cast<unsigned long long>(r.stats.pruned_epoch));
  std::cout << summary << "\n";
  if (r.visited_full)
    std::cout << "note: the visited table filled up; later states were not deduplicated (distinct is an upper "
                 "bound, and states were expanded again)\n";
  if (!r.error.empty()) {
    std::cerr << "explore: the search failed: " << r.error << "\n";
    return kFail;
  }

  if (r.found) {
    const ex::Counterexample& ce = *r.found;
    std::cout << "VIOLATION after " << ce.length << " choices: " << ce.what << "\n";
    std::string text = ce.scenario;
    if (!o.breadth_first) {
      std::cout << "shrinking the depth-first path...\n";
      text = sim::scenario::shrink_scenario(text, ce.signature);
    }
    std::error_code ec;
    std::filesystem::create_directories(out_dir, ec);
    const std::string base = out_dir + "/explore-" + bug;
    const std::string header = "# Counterexample found by: zablab-sim explore --bug " + bug + " --mode " + mode +
                               " --bounds " + ex::describe(o.space.bounds) + "\n# Fails with " + ce.signature + ": " +
                               ce.what + "\n";
    {
      std::ofstream f(base + ".scn");
      f << header << text;
    }
    auto parsed = sim::scenario::parse_scenario(header + text, base + ".scn");
    if (parsed.scenario) {
      const RecordedRun rr = run_recorded(*parsed.scenario, base + ".scn", {}, base + ".db");
      if (rr.ran && rr.error.empty()) std::cout << "trace: " << base << ".db\n";
    }
    std::cout << "counterexample: " << base << ".scn\nreplay it: zablab-sim run " << base << ".scn\n";
    return kFail;
  }
  if (r.stopped) {
    std::cout << (shared->interrupted ? "interrupted" : "stopped at --max-states") << ": covered " << r.stats.states
              << " states (" << r.stats.distinct << " distinct) up to depth " << r.stats.depth << ", "
              << r.stats.frontier << " still to expand; no violation among them\n";
    return kPass;
  }
  std::cout << "no violation: every state within bounds " << ex::describe(o.space.bounds) << " explored ("
            << r.stats.states << " states, " << r.stats.distinct << " distinct), every invariant held after every step\n";
  return kPass;
}

}  // namespace zablab::simcli
