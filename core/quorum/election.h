// Fast Leader Election (ZooKeeper's FastLeaderElection.lookForLeader), as a sans-I/O component
// of a quorum peer: it is fed notifications and timer firings and says when a leader is decided.
//
// Votes are ordered by (peer epoch, zxid, server id): the server with the most recent history
// wins, the largest id breaking ties. Rounds are numbered by the election epoch (logicalclock):
// a notification from a later round makes us join it; an earlier one is ignored (and a LOOKING
// sender gets our vote back). Once a quorum agrees with our proposal we wait finalizeWait (200 ms)
// for anything better; notifications of FOLLOWING/LEADING servers let a latecomer find the
// settled leader. Observers propose nothing and never count.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>

#include "core/env/env.h"
#include "core/quorum/messages.h"

namespace zablab::quorum {

struct Vote {
  std::int64_t leader = 0;
  std::int64_t zxid = 0;
  std::int64_t election_epoch = 0;
  std::int64_t peer_epoch = 0;
  bool operator==(const Vote&) const = default;
};

// ZooKeeper's totalOrderPredicate: is `a` a better leader than `b`?
bool better_vote(const Vote& a, const Vote& b);

// A vote as FastLeaderElection's maps keep it: with the state its sender was in and the version
// of the notification that carried it (0: a pre-3.4 sender, 28 or 40 bytes). As ZooKeeper builds
// its Votes, a LOOKING vote and a settled vote of our own round are kept with version 0; only the
// settled votes of other rounds (outofelection) and the vote being counted keep theirs.
struct HeardVote {
  Vote vote;
  PeerState state = PeerState::looking;
  std::int32_t version = 0;
};

// ZooKeeper's Vote.equals, by which votes are counted toward a quorum: a LOOKING vote on either
// side must match in leader, zxid, round and peer epoch; two settled (FOLLOWING/LEADING) votes
// match by leader and peer epoch (their zxid and round can differ, ZOOKEEPER-1805), and by leader
// alone when exactly one of them has version 0 (its peer epoch may be a pre-ZOOKEEPER-1732 one).
bool same_vote(const HeardVote& a, const HeardVote& b);

class Election {
 public:
  // `voters` are the participants' ids; `self` may be an observer (not in voters).
  Election(Env& env, std::int64_t self, std::set<std::int64_t> voters);

  // Enters a new round: proposes ourselves with our last zxid and current epoch, tells everyone.
  void start(std::int64_t last_zxid, std::int64_t current_epoch);
  // A notification arrived while LOOKING. Returns the decided leader's vote when the election ends.
  std::optional<Vote> on_notification(std::int64_t from, const Notification& n);
  // Our timer fired (finalize wait or retransmission). Returns a decision, if any.
  std::optional<Vote> on_timer(TimerId id);
  bool owns_timer(TimerId id) const { return id == finalize_timer_ || id == retry_timer_; }
  // Leaves LOOKING (decided, or shut down): cancels timers.
  void stop();

  bool running() const { return running_; }
  std::int64_t logical_clock() const { return logical_clock_; }
  const Vote& proposal() const { return proposal_; }
  // Who told us what in this round (ZooKeeper's recvset).
  const std::map<std::int64_t, HeardVote>& received() const { return received_; }

  // The notification we send: our state and current vote, and the ensemble's config_text().
  static std::string encode(PeerState state, const Vote& vote, const std::string& config = {});
  // The config our notifications carry (ZooKeeper's receivers read it; an empty one makes them
  // log an error per notification).
  void set_config_text(std::string text) { config_text_ = std::move(text); }
  const std::string& config_text() const { return config_text_; }

 private:
  bool is_voter(std::int64_t sid) const { return voters_.count(sid) > 0; }
  bool has_quorum(const std::map<std::int64_t, HeardVote>& votes, const HeardVote& v) const;
  bool leader_confirmed(const std::map<std::int64_t, HeardVote>& votes, std::int64_t leader, std::int64_t epoch) const;
  void broadcast();
  void arm_retry();
  void set_proposal(const Vote& v);
  std::optional<Vote> decide(const Vote& v);

  Env& env_;
  std::int64_t self_;
  std::set<std::int64_t> voters_;
  bool running_ = false;
  std::int64_t logical_clock_ = 0;
  Vote proposal_;
  Vote initial_;
  std::int64_t last_zxid_ = 0;
  std::int64_t current_epoch_ = 0;
  std::map<std::int64_t, HeardVote> received_;         // votes of this round, by sender (recvset)
  std::map<std::int64_t, HeardVote> out_of_election_;  // FOLLOWING/LEADING servers' votes (outofelection)
  TimerId finalize_timer_ = 0;
  TimerId retry_timer_ = 0;
  std::int64_t retry_ms_ = 200;
  std::string config_text_;
};

}  // namespace zablab::quorum
