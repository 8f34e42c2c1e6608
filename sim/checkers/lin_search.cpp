#include "sim/checkers/lin_search.h"

#include <algorithm>
#include <map>
#include <set>
#include <tuple>

namespace zablab::sim::check::lin {
namespace {

bool version_matches(std::int32_t expected, const State& s) { return expected == -1 || expected == s.version; }

// A write of unknown outcome that takes effect: it succeeds (a write that failed changed nothing,
// which is the same as one that never took effect).
bool take_effect(const State& s, Kind kind, std::int32_t expected, State& after) {
  switch (kind) {
    case Kind::create:
      if (s.exists) return false;
      after = State{true, 0};
      return true;
    case Kind::set:
      if (!s.exists || !version_matches(expected, s)) return false;
      after = State{true, s.version + 1};
      return true;
    case Kind::remove:
      if (!s.exists || !version_matches(expected, s)) return false;
      after = State{};
      return true;
  }
  return false;
}

class Search {
 public:
  Search(const std::vector<Write>& known, const std::vector<Write>& maybe, std::uint64_t& steps, bool& exhausted)
      : known_(known), maybe_(maybe), steps_(steps), exhausted_(exhausted) {
    // Unknown writes in groups of alike ones (kind, expected version), each in invocation order:
    // of two alike, the earlier can go wherever the later can, so the search takes a group's in
    // that order only, and which of them took effect is a count per group.
    std::stable_sort(maybe_.begin(), maybe_.end(), [](const Write& a, const Write& b) { return a.invoked < b.invoked; });
    std::map<Config::Key, std::size_t> group_of;
    for (const Write& m : maybe_) {
      const auto g = group_of.try_emplace({m.kind, m.expected}, groups_.size()).first->second;
      if (g == groups_.size()) groups_.emplace_back();
      groups_[g].push_back(m);
    }
    // The known writes as chains, one per client in invocation order (FIFO); a write whose client
    // is not known is a chain of its own.
    std::map<std::uint64_t, std::size_t> chain_of;
    for (std::size_t k = 0; k < known_.size(); ++k) {
      std::size_t c = chains_.size();
      if (known_[k].client != 0) c = chain_of.try_emplace(known_[k].client, chains_.size()).first->second;
      if (c == chains_.size()) chains_.emplace_back();
      chains_[c].push_back(k);
    }
    for (auto& chain : chains_)
      std::stable_sort(chain.begin(), chain.end(),
                       [&](std::size_t a, std::size_t b) { return known_[a].invoked < known_[b].invoked; });
    // Per chain, the earliest return among its writes from position p on.
    suffix_return_.resize(chains_.size());
    for (std::size_t c = 0; c < chains_.size(); ++c) {
      suffix_return_[c].assign(chains_[c].size() + 1, kNever);
      for (std::size_t p = chains_[c].size(); p-- > 0;)
        suffix_return_[c][p] = std::min(suffix_return_[c][p + 1], known_[chains_[c][p]].returned);
    }
  }

  void run(const Config& c) {
    visit(c, std::vector<std::uint32_t>(chains_.size(), 0), std::vector<std::uint32_t>(groups_.size(), 0));
  }
  std::vector<Config> ends() const { return {ends_.begin(), ends_.end()}; }

 private:
  void visit(const Config& c, const std::vector<std::uint32_t>& pos, const std::vector<std::uint32_t>& used) {
    if (exhausted_) return;
    if (++steps_ > PathHistory::kMaxSteps) {
      exhausted_ = true;
      return;
    }
    if (!seen_.emplace(c, pos, used).second) return;
    // Real time: a write may go next only if it was invoked before every write still to place
    // (of known outcome) returned.
    std::uint64_t first_return = kNever;
    bool all_placed = true;
    for (std::size_t k = 0; k < chains_.size(); ++k) {
      first_return = std::min(first_return, suffix_return_[k][pos[k]]);
      all_placed = all_placed && pos[k] == chains_[k].size();
    }
    if (all_placed) {
      // Every write of known outcome is placed: the unknown ones of this segment not placed yet
      // may still take effect later.
      Config end = c;
      for (std::size_t g = 0; g < groups_.size(); ++g)
        for (std::size_t m = used[g]; m < groups_[g].size(); ++m) end.add_pending({groups_[g][m].kind, groups_[g][m].expected});
      ends_.insert(std::move(end));
      return;
    }
    for (std::size_t k = 0; k < chains_.size(); ++k) {
      if (pos[k] == chains_[k].size()) continue;
      const Write& w = known_[chains_[k][pos[k]]];  // the chain's next: FIFO
      if (w.invoked >= first_return) continue;
      State after;
      if (!step(c.state, w, after)) continue;
      Config next = c;
      next.state = after;
      std::vector<std::uint32_t> moved = pos;
      ++moved[k];
      visit(next, moved, used);
    }
    for (std::size_t g = 0; g < groups_.size(); ++g) {
      if (used[g] == groups_[g].size()) continue;
      const Write& m = groups_[g][used[g]];
      if (m.invoked >= first_return) continue;
      State after;
      if (!take_effect(c.state, m.kind, m.expected, after)) continue;
      Config next = c;
      next.state = after;
      std::vector<std::uint32_t> more = used;
      ++more[g];
      visit(next, pos, more);
    }
    for (std::size_t i = 0; i < c.pending.size(); ++i) {
      State after;
      if (!take_effect(c.state, c.pending[i].first.first, c.pending[i].first.second, after)) continue;
      Config next = c;
      next.state = after;
      next.take_pending(i);
      visit(next, pos, used);
    }
  }

  const std::vector<Write>& known_;
  std::vector<Write> maybe_;
  std::uint64_t& steps_;
  bool& exhausted_;
  std::vector<std::vector<Write>> groups_;                 // unknown writes alike, in invocation order
  std::vector<std::vector<std::size_t>> chains_;          // indices into known_, per client, FIFO
  std::vector<std::vector<std::uint64_t>> suffix_return_;  // per chain and position
  std::set<std::tuple<Config, std::vector<std::uint32_t>, std::vector<std::uint32_t>>> seen_;
  std::set<Config> ends_;
};

}  // namespace

void Config::add_pending(Key key) {
  auto it = std::lower_bound(pending.begin(), pending.end(), key,
                             [](const std::pair<Key, std::uint32_t>& p, const Key& k) { return p.first < k; });
  if (it != pending.end() && it->first == key) {
    ++it->second;
  } else {
    pending.insert(it, {key, 1});
  }
}

void Config::take_pending(std::size_t at) {
  if (--pending[at].second == 0) pending.erase(pending.begin() + static_cast<std::ptrdiff_t>(at));
}

bool step(const State& s, const Write& w, State& after) {
  after = s;
  switch (w.kind) {
    case Kind::create:
      if (w.outcome == Outcome::ok) return take_effect(s, w.kind, -1, after);
      if (w.outcome == Outcome::node_exists) return s.exists;
      return w.outcome == Outcome::no_node;  // the parent is missing: another path's state
    case Kind::set:
    case Kind::remove:
      if (w.outcome == Outcome::ok) {
        if (!take_effect(s, w.kind, w.expected, after)) return false;
        return w.kind == Kind::remove || w.version == -1 || w.version == after.version;
      }
      if (w.outcome == Outcome::no_node) return !s.exists;
      if (w.outcome == Outcome::bad_version) return s.exists && !version_matches(w.expected, s);
      return false;
  }
  return false;
}

std::vector<std::vector<Write>> split_at_quiet_points(std::vector<Write> writes) {
  std::stable_sort(writes.begin(), writes.end(), [](const Write& a, const Write& b) { return a.invoked < b.invoked; });
  std::vector<std::vector<Write>> out;
  // The latest return of a known write in the current segment: a known write invoked after it
  // starts a new one (no known write was in flight in between).
  std::uint64_t open_until = 0;
  bool any_known = false;
  for (const Write& w : writes) {
    const bool known = w.outcome != Outcome::unknown;
    if (out.empty() || (known && any_known && w.invoked > open_until)) {
      out.emplace_back();
      any_known = false;
      open_until = 0;
    }
    out.back().push_back(w);
    if (known) {
      any_known = true;
      open_until = std::max(open_until, w.returned);
    }
  }
  return out;
}

std::vector<Config> search_segment(const std::vector<Config>& starts, const std::vector<Write>& known,
                                   const std::vector<Write>& maybe, std::uint64_t& steps, bool& exhausted) {
  Search s(known, maybe, steps, exhausted);
  for (const Config& c : starts) s.run(c);
  return s.ends();
}

Verdict PathHistory::add_segment(const std::vector<Write>& segment) {
  Verdict v;
  if (given_up_ || segment.empty()) return v;
  auto give_up = [&](std::string why) {
    given_up_ = true;
    v.is = Verdict::Is::undecided;
    v.why = std::move(why);
    return v;
  };
  std::vector<Write> known, maybe;
  for (const Write& w : segment) (w.outcome == Outcome::unknown ? maybe : known).push_back(w);
  if (known.size() > kMaxSegment)
    return give_up(std::to_string(known.size()) + " writes overlap in time, more than the search takes (" +
                   std::to_string(kMaxSegment) + ")");
  if (maybe.size() > kMaxUnknown)
    return give_up(std::to_string(maybe.size()) + " writes of unknown outcome in one segment, more than the search takes (" +
                   std::to_string(kMaxUnknown) + ")");
  std::uint64_t steps = 0;
  bool exhausted = false;
  std::vector<Config> ends = search_segment(configs_, known, maybe, steps, exhausted);
  if (exhausted) return give_up("the search took more than " + std::to_string(kMaxSteps) + " steps");
  if (!ends.empty()) {
    if (ends.size() > kMaxConfigs)
      return give_up(std::to_string(ends.size()) + " possible states after a segment, more than the search keeps (" +
                     std::to_string(kMaxConfigs) + ")");
    configs_ = std::move(ends);
    return v;
  }
  // No order fits. The smallest window: the shortest prefix of the segment's known writes (by
  // return) that already fails with every other write invoked before its last return taken as
  // optional (it may or may not have taken effect, whatever it returned); then each write of the
  // prefix whose result the contradiction does not need is made optional too. What is left are
  // writes whose results no order reconciles, whatever the others did.
  given_up_ = true;
  v.is = Verdict::Is::violation;
  v.window = known;
  v.why = "too many writes overlapping it to narrow the window";
  auto fails = [&](const std::vector<Write>& must, const std::vector<Write>& may) {
    if (may.size() > kMaxUnknown) return false;  // too many optional writes to search: not shown to fail
    std::uint64_t n = 0;
    bool out = false;
    return search_segment(configs_, must, may, n, out).empty() && !out;
  };
  auto in = [](const std::vector<Write>& ws, std::uint64_t id) {
    return std::any_of(ws.begin(), ws.end(), [&](const Write& w) { return w.id == id; });
  };
  std::vector<Write> by_return = known;
  std::sort(by_return.begin(), by_return.end(), [](const Write& a, const Write& b) { return a.returned < b.returned; });
  for (std::size_t j = 1; j <= by_return.size(); ++j) {
    std::vector<Write> prefix(by_return.begin(), by_return.begin() + static_cast<std::ptrdiff_t>(j));
    const std::uint64_t until = prefix.back().returned;
    std::vector<Write> optional;
    for (const Write& w : segment)
      if (w.invoked < until && !in(prefix, w.id)) optional.push_back(w);
    if (!fails(prefix, optional)) continue;
    for (std::size_t k = 0; k < prefix.size() && prefix.size() > 1;) {
      std::vector<Write> fewer = prefix;
      fewer.erase(fewer.begin() + static_cast<std::ptrdiff_t>(k));
      std::vector<Write> more = optional;
      more.push_back(prefix[k]);
      if (fails(fewer, more)) {
        prefix = std::move(fewer);
        optional = std::move(more);
      } else {
        ++k;
      }
    }
    v.window = std::move(prefix);
    v.why = "whatever " + std::to_string(optional.size()) + " other writes overlapping it did";
    return v;
  }
  return v;
}

}  // namespace zablab::sim::check::lin
