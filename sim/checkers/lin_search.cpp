#include "sim/checkers/lin_search.h"

#include <algorithm>
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
    all_known_ = known_.size() == 64 ? ~0ULL : (1ULL << known_.size()) - 1;
    // In invocation order: of two unknown writes alike (kind, expected version), the earlier one
    // can go wherever the later one can, so the search takes them in that order only.
    std::stable_sort(maybe_.begin(), maybe_.end(), [](const Write& a, const Write& b) { return a.invoked < b.invoked; });
  }

  void run(const Config& c) { visit(c, 0, 0); }
  std::vector<Config> ends() const { return {ends_.begin(), ends_.end()}; }

 private:
  void visit(const Config& c, std::uint64_t placed, std::uint64_t used) {
    if (exhausted_) return;
    if (++steps_ > PathHistory::kMaxSteps) {
      exhausted_ = true;
      return;
    }
    if (!seen_.emplace(c, placed, used).second) return;
    if (placed == all_known_) {
      // Every write of known outcome is placed: the unknown ones of this segment not placed yet
      // may still take effect later.
      Config end = c;
      for (std::size_t m = 0; m < maybe_.size(); ++m)
        if (!(used >> m & 1)) end.add_pending({maybe_[m].kind, maybe_[m].expected});
      ends_.insert(std::move(end));
      return;
    }
    // Real time: a write may go next only if it was invoked before every write still to place
    // (of known outcome) returned.
    std::uint64_t first_return = kNever;
    for (std::size_t k = 0; k < known_.size(); ++k)
      if (!(placed >> k & 1)) first_return = std::min(first_return, known_[k].returned);
    for (std::size_t k = 0; k < known_.size(); ++k) {
      if (placed >> k & 1 || known_[k].invoked >= first_return) continue;
      State after;
      if (!step(c.state, known_[k], after)) continue;
      Config next = c;
      next.state = after;
      visit(next, placed | 1ULL << k, used);
    }
    for (std::size_t m = 0; m < maybe_.size(); ++m) {
      if (used >> m & 1 || maybe_[m].invoked >= first_return || alike_unused_before(m, used)) continue;
      State after;
      if (!take_effect(c.state, maybe_[m].kind, maybe_[m].expected, after)) continue;
      Config next = c;
      next.state = after;
      visit(next, placed, used | 1ULL << m);
    }
    for (std::size_t i = 0; i < c.pending.size(); ++i) {
      State after;
      if (!take_effect(c.state, c.pending[i].first.first, c.pending[i].first.second, after)) continue;
      Config next = c;
      next.state = after;
      next.take_pending(i);
      visit(next, placed, used);
    }
  }

  bool alike_unused_before(std::size_t m, std::uint64_t used) const {
    for (std::size_t e = 0; e < m; ++e)
      if (!(used >> e & 1) && maybe_[e].kind == maybe_[m].kind && maybe_[e].expected == maybe_[m].expected) return true;
    return false;
  }

  const std::vector<Write>& known_;
  std::vector<Write> maybe_;
  std::uint64_t& steps_;
  bool& exhausted_;
  std::uint64_t all_known_ = 0;
  std::set<std::tuple<Config, std::uint64_t, std::uint64_t>> seen_;
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
  if (segment.size() > kMaxSegment)
    return give_up(std::to_string(segment.size()) + " writes overlap in time, more than the search takes (" +
                   std::to_string(kMaxSegment) + ")");
  std::vector<Write> known, maybe;
  for (const Write& w : segment) (w.outcome == Outcome::unknown ? maybe : known).push_back(w);
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
  auto fails = [&](const std::vector<Write>& must, const std::vector<Write>& may) {
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
