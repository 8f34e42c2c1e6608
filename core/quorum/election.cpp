#include "core/quorum/election.h"

#include <algorithm>

#include "core/env/json_object.h"
#include "core/util/hex.h"

namespace zablab::quorum {
namespace {
constexpr std::int64_t kFinalizeWaitMs = 200;
constexpr std::int64_t kMaxRetryMs = 60000;
// An observer's proposal: below every real vote, so it adopts the first one it hears.
constexpr std::int64_t kNoVote = INT64_MIN;
}  // namespace

bool better_vote(const Vote& a, const Vote& b) {
  if (a.peer_epoch != b.peer_epoch) return a.peer_epoch > b.peer_epoch;
  if (a.zxid != b.zxid) return a.zxid > b.zxid;
  return a.leader > b.leader;
}

bool same_vote(const HeardVote& a, const HeardVote& b) {
  if (a.state == PeerState::looking || b.state == PeerState::looking) return a.vote == b.vote;
  if ((a.version > 0) != (b.version > 0)) return a.vote.leader == b.vote.leader;
  return a.vote.leader == b.vote.leader && a.vote.peer_epoch == b.vote.peer_epoch;
}

Election::Election(Env& env, std::int64_t self, std::set<std::int64_t> voters)
    : env_(env), self_(self), voters_(std::move(voters)) {}

std::string Election::encode(PeerState state, const Vote& vote, const std::string& config) {
  return jute::encode(Notification{static_cast<std::int32_t>(state), vote.leader, vote.zxid, vote.election_epoch,
                                   vote.peer_epoch, 2, config});
}

void Election::start(std::int64_t last_zxid, std::int64_t current_epoch) {
  stop();
  running_ = true;
  ++logical_clock_;
  last_zxid_ = last_zxid;
  current_epoch_ = current_epoch;
  initial_ = is_voter(self_) ? Vote{self_, last_zxid, logical_clock_, current_epoch}
                             : Vote{kNoVote, kNoVote, logical_clock_, kNoVote};
  proposal_ = initial_;
  received_.clear();
  out_of_election_.clear();
  retry_ms_ = kFinalizeWaitMs;
  env_.trace({EventKind::fle_start,
              JsonObject().num("round", logical_clock_).hex("zxid", last_zxid).num("epoch", current_epoch).done()});
  broadcast();
  arm_retry();
}

void Election::stop() {
  running_ = false;
  if (finalize_timer_) env_.cancel_timer(finalize_timer_);
  if (retry_timer_) env_.cancel_timer(retry_timer_);
  finalize_timer_ = retry_timer_ = 0;
}

void Election::broadcast() {
  env_.trace({EventKind::fle_vote_sent, JsonObject()
                                              .num("leader", proposal_.leader)
                                              .hex("zxid", proposal_.zxid)
                                              .num("round", logical_clock_)
                                              .num("peer_epoch", proposal_.peer_epoch)
                                              .done()});
  const std::string n = encode(PeerState::looking, Vote{proposal_.leader, proposal_.zxid, logical_clock_, proposal_.peer_epoch}, config_text_);
  for (std::int64_t sid : voters_)
    if (sid != self_) env_.peer_send(sid, PeerChannel::election, n);
}

void Election::arm_retry() {
  if (retry_timer_) env_.cancel_timer(retry_timer_);
  retry_timer_ = env_.set_timer(retry_ms_);
}

bool Election::has_quorum(const std::map<std::int64_t, HeardVote>& votes, const HeardVote& v) const {
  // ZooKeeper's getVoteTracker: the voters whose vote equals v (same_vote) are a majority.
  std::size_t agree = 0;
  for (const auto& [sid, heard] : votes)
    if (is_voter(sid) && same_vote(v, heard)) ++agree;
  return agree * 2 > voters_.size();
}

bool Election::leader_confirmed(const std::map<std::int64_t, HeardVote>& votes, std::int64_t leader,
                                std::int64_t epoch) const {
  // ZooKeeper's checkLeader: follow another server only if its own vote in this map says it
  // leads; if the vote is for us, only in the round we are in.
  if (leader != self_) {
    auto it = votes.find(leader);
    return it != votes.end() && it->second.state == PeerState::leading;
  }
  return logical_clock_ == epoch;
}

void Election::set_proposal(const Vote& v) {
  // A changed proposal needs its own quorum and its own finalize wait.
  if (finalize_timer_) env_.cancel_timer(finalize_timer_);
  finalize_timer_ = 0;
  proposal_ = v;
}

std::optional<Vote> Election::decide(const Vote& v) {
  stop();
  env_.trace({EventKind::fle_decide,
              JsonObject().num("leader", v.leader).hex("zxid", v.zxid).num("round", v.election_epoch).done()});
  return v;
}

std::optional<Vote> Election::on_notification(std::int64_t from, const Notification& n) {
  if (!running_) return std::nullopt;
  // Votes of observers (or of strangers) never count.
  if (!is_voter(from)) return std::nullopt;
  const Vote vote{n.leader, n.zxid, n.election_epoch, n.peer_epoch};
  const auto state = static_cast<PeerState>(n.state);
  env_.trace({EventKind::fle_vote_received, JsonObject()
                                                  .num("from", from)
                                                  .str("state", state_name(state))
                                                  .num("leader", n.leader)
                                                  .hex("zxid", n.zxid)
                                                  .num("round", n.election_epoch)
                                                  .num("peer_epoch", n.peer_epoch)
                                                  .done()});
  if (!is_voter(n.leader)) return std::nullopt;  // a vote for a non-voter: ZooKeeper ignores it
  if (finalize_timer_ && !better_vote(vote, proposal_)) {
    // A quorum backs our proposal and we are waiting finalizeWait for a better vote: as in
    // ZooKeeper's lookForLeader, anything not better is dropped unread (a later round, a settled
    // server's answer alike), and the wait starts over.
    env_.cancel_timer(finalize_timer_);
    finalize_timer_ = env_.set_timer(kFinalizeWaitMs);
    return std::nullopt;
  }
  arm_retry();  // we heard something: wait again before retransmitting

  switch (state) {
    case PeerState::looking: {
      if (n.election_epoch > logical_clock_) {
        // A later round: join it, starting over from the better of our own vote and theirs.
        logical_clock_ = n.election_epoch;
        received_.clear();
        set_proposal(better_vote(vote, initial_) && vote.leader != kNoVote ? vote : initial_);
        proposal_.election_epoch = logical_clock_;
        broadcast();
      } else if (n.election_epoch < logical_clock_) {
        // An earlier round: tell the sender where we are.
        env_.peer_send(from, PeerChannel::election,
                       encode(PeerState::looking, Vote{proposal_.leader, proposal_.zxid, logical_clock_, proposal_.peer_epoch}, config_text_));
        return std::nullopt;
      } else if (better_vote(vote, proposal_) || proposal_.leader == kNoVote) {
        set_proposal(vote);
        broadcast();
      }
      // ZooKeeper keeps LOOKING votes whatever their version ("don't care about the version").
      const HeardVote mine{{proposal_.leader, proposal_.zxid, logical_clock_, proposal_.peer_epoch}, PeerState::looking, 0};
      received_[from] = HeardVote{vote, PeerState::looking, 0};
      if (is_voter(self_)) received_[self_] = mine;
      if (mine.vote.leader != kNoVote && has_quorum(received_, mine)) {
        // A quorum agrees with us: wait a little for anything better, then decide.
        if (finalize_timer_) env_.cancel_timer(finalize_timer_);
        finalize_timer_ = env_.set_timer(kFinalizeWaitMs);
      }
      return std::nullopt;
    }
    case PeerState::observing:
      return std::nullopt;
    case PeerState::following:
    case PeerState::leading: {
      // Someone has already settled: if a quorum follows that leader, join it. The vote counted
      // keeps its notification's version; a settled vote of our round is kept with version 0
      // (ZooKeeper's receivedFollowingNotification), so that against a current notification
      // those match by leader alone.
      const HeardVote settled{vote, state, n.version};
      if (n.election_epoch == logical_clock_) {
        received_[from] = HeardVote{vote, state, 0};
        if (has_quorum(received_, settled) && leader_confirmed(received_, vote.leader, vote.election_epoch))
          return decide(vote);
      }
      out_of_election_[from] = settled;
      if (has_quorum(out_of_election_, settled) && leader_confirmed(out_of_election_, vote.leader, vote.election_epoch)) {
        logical_clock_ = n.election_epoch;
        return decide(vote);
      }
      return std::nullopt;
    }
  }
  return std::nullopt;
}

std::optional<Vote> Election::on_timer(TimerId id) {
  if (!running_) return std::nullopt;
  if (id == finalize_timer_) {
    finalize_timer_ = 0;
    const Vote mine{proposal_.leader, proposal_.zxid, logical_clock_, proposal_.peer_epoch};
    if (mine.leader != kNoVote && has_quorum(received_, HeardVote{mine, PeerState::looking, 0})) return decide(mine);
    return std::nullopt;
  }
  if (id == retry_timer_) {
    // Nothing heard for a while: say it again, and wait twice as long next time.
    retry_timer_ = 0;
    broadcast();
    retry_ms_ = std::min(retry_ms_ * 2, kMaxRetryMs);
    arm_retry();
  }
  return std::nullopt;
}

}  // namespace zablab::quorum
