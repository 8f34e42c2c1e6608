#include "sim/explore/explorer.h"

#include <deque>
#include <unordered_map>

#include "sim/explore/fork_explorer.h"
#include "sim/explore/state_digest.h"
#include "sim/scenario/fuzz.h"

namespace zablab::sim::explore {
namespace {

struct Node {
  std::vector<Choice> path;
  Used used;
  std::vector<bool> up;
};

struct PathRun {
  scenario::RunResult result;
  std::uint64_t digest = 0;
  std::vector<bool> up;
  std::int64_t epoch = 0;
};

std::string ms(Nanos t) { return std::to_string(t / kMillisecond) + "ms"; }

PathRun run_path(const ExploreOptions& o, const std::vector<Choice>& path, bool settle) {
  std::vector<std::string> lines;
  for (const auto& c : path) lines.push_back(c.line);
  PathRun pr;
  scenario::RunOptions ro;
  ro.retain_trace = false;
  ro.on_end = [&](World& w, const scenario::RunResult&) {
    pr.digest = state_digest(w);
    for (EndpointId id : w.servers()) pr.up.push_back(w.up(id));
    pr.epoch = highest_accepted_epoch(w);
  };
  pr.result = scenario::run_scenario_text(path_scenario(o, lines, settle), ro);
  return pr;
}

}  // namespace

std::string path_scenario(const ExploreOptions& o, const std::vector<std::string>& lines, bool settle) {
  std::string s = "scenario \"explore\"\nensemble " + std::to_string(o.space.bounds.servers) +
                  "\ntick 500ms\nseed 1\nlenient\n";
  if (o.bug != "none") s += "bug " + o.bug + "\n";
  // The client talks to the highest-numbered server, the one the first election picks (FLE
  // prefers the higher id among equals), and has its session before the first choice.
  s += "client c1 on s" + std::to_string(o.space.bounds.servers) + " session 30s\n";
  // A reader on a follower, only when reads are explored (it changes every state: its session);
  // also with ephemerals, as clients are named in order.
  const bool c2 = o.space.bounds.max_reads > 0 || o.space.bounds.max_ephemerals > 0;
  if (c2) s += "client c2 on s1 session 30s\n";
  // The owner of ephemerals, only when they are explored, with a short session to expire.
  if (o.space.bounds.max_ephemerals > 0) s += "client c3 on s2 session 4s\n";
  s += "expect leader elected within 30s\nexpect c1 connected within 30s\n";
  if (c2) s += "expect c2 connected within 30s\n";
  if (o.space.bounds.max_ephemerals > 0) s += "expect c3 connected within 30s\n";
  for (const auto& l : lines) s += l + "\n";
  if (settle) s += "after " + ms(o.space.step) + ": note \"settle\"\n";
  return s;
}

std::uint64_t visited_key(std::uint64_t digest, const Used& u) {
  const int budget =
      1 + u.crashes +
      31 * (u.restarts +
            31 * (u.partitions + 31 * (u.crash_points + 31 * (u.transactions + 31 * (u.reads + 31 * (u.partitioned ? 1 : 0))))));
  // Terms that are 0 without ephemerals, so that the keys of the other bounds stay as they were.
  const std::uint64_t owner = static_cast<std::uint64_t>(u.ephemerals + 31 * (u.owner_stopped ? 1 : 0)) * 27512614111ULL;
  return digest ^ (0x9E3779B97F4A7C15ULL * (static_cast<std::uint64_t>(budget) + owner));
}

Counterexample make_counterexample(const ExploreOptions& o, const std::vector<Choice>& path, bool settle,
                                   const scenario::RunResult& result) {
  std::vector<std::string> lines;
  for (const auto& c : path) lines.push_back(c.line);
  Counterexample ce;
  ce.scenario = path_scenario(o, lines, settle);
  ce.signature = scenario::failure_signature(result);
  ce.what = result.violation ? result.violation->describe() : std::string();
  ce.length = static_cast<int>(path.size());
  return ce;
}

namespace {

ExploreResult explore_replaying(const ExploreOptions& o) {
  ExploreResult res;
  ExploreStats& st = res.stats;
  // Digest -> the shallowest depth it was reached at. A state reached again closer to the root is
  // expanded again (depth-first may reach it deep first, with fewer choices left).
  std::unordered_map<std::uint64_t, std::size_t> visited;
  std::deque<Node> frontier;
  std::uint64_t expanded = 0, choices_seen = 0;

  // Runs one path; false ends the search (a violation).
  auto visit = [&](Node node) -> bool {
    // A state is the instant after its last choice; its `wait` child lets time run on. A path at
    // the depth bound has no children: it settles for one step, so that the checkers see what its
    // last choice leads to.
    const bool leaf = static_cast<int>(node.path.size()) >= o.space.bounds.depth;
    const PathRun pr = run_path(o, node.path, leaf);
    ++st.states;
    st.sim_events += pr.result.records;
    if (pr.result.violation && !pr.result.violation_expected) {
      res.found = make_counterexample(o, node.path, leaf, pr.result);
      return false;
    }
    if (!pr.result.failures.empty()) {
      ++st.failed_runs;
      return true;
    }
    const std::size_t depth = node.path.size();
    const std::uint64_t key = visited_key(pr.digest, node.used);
    auto [it, fresh] = visited.try_emplace(key, depth);
    if (!fresh && it->second <= depth) return true;
    it->second = depth;
    if (fresh) ++st.distinct;
    st.depth = std::max(st.depth, static_cast<int>(node.path.size()));
    if (pr.epoch > o.space.bounds.max_epoch) {
      ++st.pruned_epoch;
      return true;
    }
    if (leaf) return true;
    node.up = pr.up;
    frontier.push_back(std::move(node));
    return true;
  };
  auto stop_now = [&] {
    return (o.should_stop && o.should_stop()) || (o.max_states && st.states >= o.max_states);
  };

  if (!visit(Node{})) return res;
  while (!frontier.empty()) {
    Node node;
    if (o.breadth_first) {
      node = std::move(frontier.front());
      frontier.pop_front();
    } else {
      node = std::move(frontier.back());
      frontier.pop_back();
    }
    const std::vector<Choice> choices = enabled_choices(o.space, node.up, node.used);
    ++expanded;
    choices_seen += choices.size();
    st.branching = static_cast<double>(choices_seen) / static_cast<double>(expanded);
    for (const Choice& c : choices) {
      if (!node.path.empty() && redundant_order(node.path.back(), c)) {
        ++st.pruned_order;
        continue;
      }
      if (stop_now()) {
        res.stopped = true;
        st.frontier = frontier.size() + 1;
        return res;
      }
      Node child;
      child.path = node.path;
      child.path.push_back(c);
      child.used = after(node.used, c);
      if (o.breadth_first) st.depth = static_cast<int>(child.path.size());
      const bool go_on = visit(std::move(child));
      st.frontier = frontier.size();
      if (o.on_progress) o.on_progress(st);
      if (!go_on) return res;
    }
  }
  res.complete = true;
  return res;
}

}  // namespace

ExploreResult explore(const ExploreOptions& o) {
  if (!o.breadth_first && !o.replay && fork_available()) return explore_forking(o);
  return explore_replaying(o);
}

}  // namespace zablab::sim::explore
