#include "sim/explore/fork_explorer.h"

#if defined(__unix__) && !defined(__EMSCRIPTEN__)
#define ZABLAB_EXPLORE_FORKS 1
#else
#define ZABLAB_EXPLORE_FORKS 0  // emscripten has no fork(): the explorer replays
#endif

#if ZABLAB_EXPLORE_FORKS
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <memory>
#include <new>

#include "sim/explore/state_digest.h"
#include "sim/scenario/stepping_run.h"
#ifdef __linux__
#include <sys/prctl.h>
#endif
#endif

namespace zablab::sim::explore {

#if !ZABLAB_EXPLORE_FORKS

bool fork_available() { return false; }

ExploreResult explore_forking(const ExploreOptions&) {
  ExploreResult r;
  r.error = "this platform has no fork(): explore replays paths instead";
  return r;
}

#else

bool fork_available() { return true; }

namespace {

// How a search process ends (its exit status). Not 0-2, so that an exit from elsewhere (a
// library's exit(1)) is not taken for an answer.
enum class Code : int {
  done = 40,      // expanded: every state below was explored
  stopped = 41,   // should_stop() or max_states
  found = 42,     // a violation; the counterexample is in the shared area
  failed = 43,    // the search itself failed; the error is in the shared area
  expand = 44,    // a visited state to expand
  settled = 45,   // a visited state not to expand (seen, a leaf, pruned, a failed run)
};

constexpr std::size_t kTextBytes = std::size_t{4} << 20;  // a counterexample's scenario; an error

// What every process of the search shares (a MAP_SHARED anonymous mapping). One process runs at a
// time, so nothing here needs a lock.
struct Shared {
  ExploreStats stats;
  std::uint64_t expanded = 0;
  std::uint64_t choices_seen = 0;
  std::uint64_t frontier = 0;     // states to expand: pushed (a visit said `expand`), not yet popped
  std::uint64_t table_used = 0;
  bool table_full = false;
  bool stop_asked = false;        // a process saw should_stop(): every process stops
  bool failed = false;
  int ce_length = 0;
  char signature[256] = {};
  char what[8192] = {};
  char text[kTextBytes] = {};     // the counterexample's scenario, or the error
};

struct Slot {
  std::uint64_t key;
  std::uint32_t depth_plus_one;  // 0: empty
  std::uint32_t unused;
};

template <typename T>
T* map_shared(std::size_t bytes) {
  void* p = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  return p == MAP_FAILED ? nullptr : static_cast<T*>(p);
}

void copy_text(char* to, std::size_t size, const std::string& from) {
  const std::size_t n = std::min(size - 1, from.size());
  std::memcpy(to, from.data(), n);
  to[n] = '\0';
}

class ForkSearch {
 public:
  ForkSearch(const ExploreOptions& o, Shared* shared, Slot* table, std::uint64_t slots)
      : o_(o), sh_(shared), table_(table), mask_(slots - 1), limit_(slots / 4 * 3) {}

  Code run_root() {
    scenario::RunOptions ro;
    ro.retain_trace = false;
    run_ = std::make_unique<scenario::SteppingRun>(path_scenario(o_, {}, false), ro);
    settle_ = "after " + std::to_string(o_.space.step / kMillisecond) + "ms: note \"settle\"";
    if (run_->error() || !run_->parse(settle_)) return fail(run_->error().value_or("the settling step does not parse"));
    // The root state (the replaying explorer's first run): a leaf only when depth is 0.
    const Code code = visit(o_.space.bounds.depth <= 0, 0);
    return code == Code::expand ? expand() : code == Code::settled ? Code::done : code;
  }

 private:
  // This process's state: its path from the root, the budget it used, which servers are up.
  Code visit(bool leaf, std::uint64_t records_before) {
    ExploreStats& st = sh_->stats;
    const scenario::RunResult r = run_->result();
    ++st.states;
    st.sim_events += r.records - records_before;
    if (r.violation && !r.violation_expected) {
      const Counterexample ce = make_counterexample(o_, path_, leaf, r);
      sh_->ce_length = ce.length;
      copy_text(sh_->signature, sizeof sh_->signature, ce.signature);
      copy_text(sh_->what, sizeof sh_->what, ce.what);
      if (ce.scenario.size() >= kTextBytes) return fail("the counterexample is longer than the shared buffer");
      copy_text(sh_->text, kTextBytes, ce.scenario);
      return Code::found;
    }
    if (!r.failures.empty()) {
      ++st.failed_runs;
      return Code::settled;
    }
    World& w = run_->world();
    const std::size_t depth = path_.size();
    if (!seen_first_here(visited_key(state_digest(w), used_), depth)) return Code::settled;
    st.depth = std::max(st.depth, static_cast<int>(depth));
    if (highest_accepted_epoch(w) > o_.space.bounds.max_epoch) {
      ++st.pruned_epoch;
      return Code::settled;
    }
    return leaf ? Code::settled : Code::expand;
  }

  // The replaying explorer's visited map, as an open-addressing table: a key not seen, or seen
  // only deeper (depth-first may reach a state deep first, with fewer choices left), is to be
  // expanded. A full table stops storing new keys: they all count as fresh.
  bool seen_first_here(std::uint64_t key, std::size_t depth) {
    const auto d = static_cast<std::uint32_t>(depth + 1);
    for (std::uint64_t i = key & mask_;; i = (i + 1) & mask_) {
      Slot& s = table_[i];
      if (s.depth_plus_one == 0) {
        if (sh_->table_used >= limit_) {
          sh_->table_full = true;
        } else {
          s.key = key;
          s.depth_plus_one = d;
          ++sh_->table_used;
        }
        ++sh_->stats.distinct;
        return true;
      }
      if (s.key == key) {
        if (s.depth_plus_one <= d) return false;
        s.depth_plus_one = d;
        return true;
      }
    }
  }

  bool stop_now() {
    if (o_.should_stop && o_.should_stop()) sh_->stop_asked = true;
    return sh_->stop_asked || (o_.max_states && sh_->stats.states >= o_.max_states);
  }

  // Plays one choice on this process's world (a leaf also lets one more step of time pass).
  void take(const Choice& c, bool leaf) {
    path_.push_back(c);
    used_ = after(used_, c);
    if (run_->play(c.line) && leaf) run_->play(settle_);
  }

  std::vector<bool> servers_up() {
    World& w = run_->world();
    std::vector<bool> up;
    for (EndpointId id : w.servers()) up.push_back(w.up(id));
    return up;
  }

  // Expands this process's state: visits every child in order, then expands the ones to expand,
  // the last first.
  Code expand() {
    ExploreStats& st = sh_->stats;
    const std::vector<Choice> choices = enabled_choices(o_.space, servers_up(), used_);
    ++sh_->expanded;
    sh_->choices_seen += choices.size();
    st.branching = static_cast<double>(sh_->choices_seen) / static_cast<double>(sh_->expanded);
    // Parsed here, once, so that every child and its descendants inherit the parsed steps.
    for (const Choice& c : choices)
      if (!run_->parse(c.line)) return fail(run_->error().value_or("a choice does not parse"));
    const bool leaf = static_cast<int>(path_.size()) + 1 >= o_.space.bounds.depth;
    const std::uint64_t records = run_->world().trace().size();
    std::vector<const Choice*> to_expand;
    for (const Choice& c : choices) {
      if (!path_.empty() && redundant_order(path_.back(), c)) {
        ++st.pruned_order;
        continue;
      }
      if (stop_now()) {
        st.frontier = sh_->frontier + 1;
        return Code::stopped;
      }
      const Code code = in_child(c, [&] {
        take(c, leaf);
        return visit(leaf, records);
      });
      if (code == Code::expand) ++sh_->frontier;
      st.frontier = sh_->frontier;
      if (o_.on_progress) o_.on_progress(st);
      if (code == Code::expand) to_expand.push_back(&c);
      else if (code != Code::settled) return code;
    }
    for (std::size_t i = to_expand.size(); i-- > 0;) {
      --sh_->frontier;
      const Choice& c = *to_expand[i];
      auto expand_child = [&] {
        take(c, false);
        return expand();
      };
      // The last one needs no copy: this process's state is not needed after it.
      if (i == 0) return expand_child();
      const Code code = in_child(c, expand_child);
      if (code != Code::done) return code;
    }
    return Code::done;
  }

  // Runs `body` in a forked copy of this process and waits for its answer.
  template <typename F>
  Code in_child(const Choice& c, F&& body) {
    std::cout.flush();  // nothing buffered is written twice
    std::cerr.flush();
    std::fflush(nullptr);
    const pid_t parent = ::getpid();
    const pid_t pid = ::fork();
    if (pid < 0) return fail(std::string("fork failed: ") + std::strerror(errno));
    if (pid == 0) {
#ifdef __linux__
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);  // dies with its parent (Ctrl-C, kill, a crash)
      if (::getppid() != parent) ::_exit(static_cast<int>(Code::stopped));
#endif
      Code code = Code::failed;
      try {
        code = body();
      } catch (const std::exception& e) {
        code = fail(std::string("exception: ") + e.what());
      } catch (...) {
        code = fail("an unknown exception");
      }
      ::_exit(static_cast<int>(code));  // no destructors: the world's teardown is the parent's
    }
    int status = 0;
    while (::waitpid(pid, &status, 0) != pid)
      if (errno != EINTR) return fail(std::string("waitpid failed: ") + std::strerror(errno));
    if (WIFEXITED(status)) {
      const int s = WEXITSTATUS(status);
      if (s >= static_cast<int>(Code::done) && s <= static_cast<int>(Code::settled)) return static_cast<Code>(s);
    }
    std::string lines;
    for (const auto& p : path_) lines += "  " + p.line + "\n";
    lines += "  " + c.line + "\n";
    const std::string how = WIFSIGNALED(status) ? "died of signal " + std::to_string(WTERMSIG(status))
                                                : "exited with status " + std::to_string(WEXITSTATUS(status));
    return fail("the search process for this path " + how + ":\n" + lines);
  }

  Code fail(const std::string& what) {
    if (!sh_->failed) {
      sh_->failed = true;
      copy_text(sh_->text, kTextBytes, what);
    }
    return Code::failed;
  }

  const ExploreOptions& o_;
  Shared* sh_;
  Slot* table_;
  std::uint64_t mask_;
  std::uint64_t limit_;
  std::unique_ptr<scenario::SteppingRun> run_;
  std::string settle_;
  std::vector<Choice> path_;
  Used used_;
};

}  // namespace

ExploreResult explore_forking(const ExploreOptions& o) {
  ExploreResult res;
  res.forked = true;
  std::uint64_t slots = 16;
  while (slots < o.visited_slots) slots *= 2;
  Shared* sh = map_shared<Shared>(sizeof(Shared));
  Slot* table = map_shared<Slot>(slots * sizeof(Slot));
  if (!sh || !table) {
    res.error = std::string("could not map the shared visited table: ") + std::strerror(errno);
  } else {
    new (sh) Shared();
    ForkSearch search(o, sh, table, slots);
    const Code code = search.run_root();
    res.stats = sh->stats;
    res.visited_full = sh->table_full;
    res.complete = code == Code::done;
    res.stopped = code == Code::stopped;
    if (code == Code::found) {
      Counterexample ce;
      ce.scenario = sh->text;
      ce.signature = sh->signature;
      ce.what = sh->what;
      ce.length = sh->ce_length;
      res.found = std::move(ce);
    }
    if (code == Code::failed) res.error = sh->text;
  }
  if (sh) ::munmap(sh, sizeof(Shared));
  if (table) ::munmap(table, slots * sizeof(Slot));
  return res;
}

#endif

}  // namespace zablab::sim::explore
