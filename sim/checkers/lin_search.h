// The search behind client.linearizable-writes: do the writes clients made to one znode fit one
// total order, consistent with real time and with what each write returned? In the manner of
// Wing & Gong and Porcupine, over the client history alone (invocations and returns, never the
// servers' commit records).
//
// A path's history is checked in segments. A segment ends whenever no write to the path is in
// flight: every write invoked before that moment has returned, so every write whose outcome is
// known must take effect (or fail) before it. Writes whose outcome the client never learned
// (ConnectionLoss, SessionExpired, a timeout, a client that died) may take effect at any moment
// after their invocation, or never: they stay pending across segments. What a segment leaves is
// the set of configurations it can end in -- the znode's state (exists, version) and which pending
// writes could still take effect -- and the next segment starts from any of them. Within a
// segment the search tries every order real time and each client's FIFO order allow, memoizing
// (configuration, how many of each client's writes are placed, how many of each group of alike
// unknown ones took effect) as
// Porcupine does its (state, set of writes placed), and gives up as "undecided" past a bound
// rather than hang.
//
// The model is ZooKeeper's per-znode semantics of the three writes: create (NodeExists when the
// node is there, version 0 after), setData with an expected version (NoNode; BadVersion when the
// expected version is not -1 and not the node's; Ok returns the version + 1) and delete with an
// expected version (NoNode; BadVersion; Ok). P-compositionality: a znode's writes touch no other
// znode's state in this model, so each path is a history of its own.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace zablab::sim::check::lin {

enum class Kind : std::uint8_t { create, set, remove };
enum class Outcome : std::uint8_t { ok, node_exists, no_node, bad_version, unknown };

inline constexpr std::uint64_t kNever = UINT64_MAX;  // the return of a write whose outcome is unknown

struct Write {
  std::uint64_t id = 0;  // the client op's id, for messages and the violation's window
  // The client that made it (0: not known). ZooKeeper executes one client's requests in the order
  // it sent them, so of two writes of known outcome by one client the earlier-invoked one takes
  // effect first: if they overlapped in time they went over one connection (a connection's loss
  // fails every request pending on it, with an outcome unknown).
  std::uint64_t client = 0;
  Kind kind = Kind::set;
  std::int32_t expected = -1;  // setData / delete: the expected version (-1: any)
  Outcome outcome = Outcome::unknown;
  std::int32_t version = -1;  // setData answered Ok: the version its Stat carried (-1: not known)
  std::uint64_t invoked = 0;  // real time as the trace orders it: the invoke's and the return's seq
  std::uint64_t returned = kNever;
};

struct State {
  bool exists = false;
  std::int32_t version = 0;
  auto operator<=>(const State&) const = default;
};

// A place the search may stand between segments: the znode's state, and how many writes of each
// kind (kind, expected version) of unknown outcome could still take effect.
struct Config {
  using Key = std::pair<Kind, std::int32_t>;
  State state;
  std::vector<std::pair<Key, std::uint32_t>> pending;  // sorted by key, counts > 0
  // Spelled out, not `<=> = default`: the web build's libc++ has no <=> for vector and pair.
  bool operator==(const Config& o) const { return state == o.state && pending == o.pending; }
  bool operator<(const Config& o) const {
    if (state != o.state) return state < o.state;
    return pending < o.pending;
  }
  void add_pending(Key key);
  void take_pending(std::size_t at);  // one of pending[at] took effect
};

struct Verdict {
  enum class Is { linearizable, violation, undecided } is = Is::linearizable;
  // A violation: the smallest window -- writes of the segment whose results no order reconciles,
  // whatever the other writes invoked before the last of them returned did (took effect or not);
  // `why` then says how many those were. Undecided: why.
  std::vector<Write> window;
  std::string why;
};

// Whether `w`, placed on `s`, gives what it returned; and the state after it.
bool step(const State& s, const Write& w, State& after);

class PathHistory {
 public:
  // Bounds: configurations kept between segments, writes per segment, search steps per segment.
  static constexpr std::size_t kMaxConfigs = 512;
  // Writes of known outcome per segment (they are searched as one chain per client, in FIFO order,
  // so the search state is a position per client, not a subset), and writes of unknown outcome.
  static constexpr std::size_t kMaxSegment = 4000;
  static constexpr std::size_t kMaxUnknown = 4000;
  static constexpr std::uint64_t kMaxSteps = 200000;

  // The next segment: the writes that completed since the last one, none in flight now.
  Verdict add_segment(const std::vector<Write>& segment);
  // A path the search gave up on (undecided) is not checked any more.
  bool given_up() const { return given_up_; }
  const std::vector<Config>& configs() const { return configs_; }

 private:
  std::vector<Config> configs_{Config{}};  // a path starts absent
  bool given_up_ = false;
};

// The writes that completed since no write to the path was in flight, cut into the segments the
// search takes one by one: a cut wherever no write of known outcome is in flight. A write whose
// outcome is unknown does not hold a cut back (a write in flight across an outage, say, that ends
// in ConnectionLoss): it goes with the segment in which it was invoked, and may take effect there
// or, as a pending write, in any later one -- as it could have in the whole. In invocation order.
std::vector<std::vector<Write>> split_at_quiet_points(std::vector<Write> writes);

// One segment's search from `starts`: the configurations it can end in (empty: no order fits).
// `steps` counts the search's steps; past kMaxSteps it stops, with `exhausted` set.
// `optional` writes of known outcome are treated as if their outcome were unknown (a relaxation
// used to find the smallest window).
std::vector<Config> search_segment(const std::vector<Config>& starts, const std::vector<Write>& known,
                                   const std::vector<Write>& maybe, std::uint64_t& steps, bool& exhausted);

}  // namespace zablab::sim::check::lin
