// The conditions Zab.tla flags in `violatedInvariants` and requires never to happen
// (ShouldNotBeTriggered), each a checker under the specification's name:
//
//   commitInconsistent    a commit that is not of the next txn: a leader commits past an
//                         outstanding proposal, a follower gets a COMMIT that is not for its
//                         first pending proposal
//   proposalInconsistent  a follower gets a PROPOSAL that is neither the next zxid after its log
//                         nor one it has; a leader proposes two txns under one zxid
//   ackInconsistent       a leader gets an ACK for a txn it never proposed, or a learner's ACKs
//                         do not increase
//   stateInconsistent     a server in the wrong phase for what happens to it: a leader choosing
//                         an epoch outside DISCOVERY, phases out of order, a learner sent
//                         LEADERINFO outside DISCOVERY or NEWLEADER / UPTODATE outside
//                         SYNCHRONIZATION
//   messageIllegal        a message only the other role sends: a leader receiving a leader's
//                         message, a learner receiving a learner's
#include <array>
#include <string_view>

#include "sim/addresses.h"
#include "sim/checkers/checkers.h"
#include "sim/checkers/json_fields.h"
#include "sim/checkers/words.h"

namespace zablab::sim::check {
namespace {

// Quorum packets only a leader sends, and only a learner sends.
constexpr std::array<std::string_view, 9> kLeaderSends = {"LEADERINFO", "NEWLEADER", "UPTODATE", "PROPOSAL", "COMMIT",
                                                          "INFORM",     "DIFF",      "TRUNC",    "SNAP"};
constexpr std::array<std::string_view, 5> kLearnerSends = {"FOLLOWERINFO", "OBSERVERINFO", "ACKEPOCH", "ACK", "REQUEST"};

template <std::size_t N>
bool among(const std::array<std::string_view, N>& set, std::string_view type) {
  for (auto t : set)
    if (t == type) return true;
  return false;
}

// IsNextZxid: the first of a newer epoch, or the next in the same epoch.
bool is_next_zxid(std::int64_t current, std::int64_t next) {
  if (counter_of(next) == 1) return epoch_of(current) < epoch_of(next);
  return epoch_of(current) == epoch_of(next) && counter_of(current) + 1 == counter_of(next);
}

}  // namespace

void CheckEngine::flags_on_quorum_message(const TraceRecord& r, const std::string& type, std::int64_t zxid,
                                          std::uint64_t digest) {
  const EndpointId to = r.to;
  Server& s = server(to);
  const bool leader = s.role == "LEADING";
  const bool learner = s.role == "FOLLOWING" || s.role == "OBSERVING";
  // IsMyLearner / IsMyLeader: a learner may still be knocking at a server that no longer leads,
  // and a deposed leader still talking to its old learners; only a pair that agree on who
  // leads can exchange an illegal message.
  const Server& sender = server(r.from);
  if ((leader && sender.leader == to && among(kLeaderSends, type)) ||
      (learner && s.leader == r.from && among(kLearnerSends, type))) {
    report("zab.messageIllegal", r, to, name_of(to) + " (" + s.role + ") received " + type + " from " + name_of(r.from));
    return;
  }
  if (learner && s.leader == r.from) {
    if (type == "LEADERINFO" && s.phase != "DISCOVERY") {
      report("zab.stateInconsistent", r, to, name_of(to) + " received LEADERINFO from its leader in " + s.phase);
    } else if ((type == "NEWLEADER" || type == "UPTODATE") && s.phase != "SYNCHRONIZATION") {
      report("zab.stateInconsistent", r, to, name_of(to) + " received " + type + " from its leader in " + s.phase);
    } else if (type == "PROPOSAL" && s.role == "FOLLOWING" && zxid >= 0) {
      if (s.last_logged >= 0 && zxid > s.last_logged && !is_next_zxid(s.last_logged, zxid))
        report("zab.proposalInconsistent", r, to,
               name_of(to) + " received PROPOSAL " + hx(zxid) + " from its leader after logging " + hx(s.last_logged) +
                   ": neither the next zxid nor one it has");
      if (zxid > s.last_logged) {
        s.pending[zxid] = digest;
        if (s.last_logged >= 0) s.last_logged = zxid;
      }
    } else if (type == "COMMIT" && s.role == "FOLLOWING" && zxid >= 0 && s.last_applied >= 0 && zxid > s.last_applied) {
      if (s.pending.empty() || s.pending.begin()->first != zxid)
        report("zab.commitInconsistent", r, to,
               name_of(to) + " received COMMIT " + hx(zxid) + " while its next pending proposal is " +
                   (s.pending.empty() ? std::string("none") : hx(s.pending.begin()->first)));
      s.pending.erase(zxid);
    }
  }
  if (leader && type == "ACK" && zxid >= 0 && counter_of(zxid) != 0) {
    const bool proposed = s.pending.count(zxid) || s.hist.count(zxid);
    if (!proposed) {
      report("zab.ackInconsistent", r, to, name_of(to) + " received ACK " + hx(zxid) + " from " + name_of(r.from) +
                                               " for a txn it never proposed");
    } else if (auto it = s.last_ack.find(r.from); it != s.last_ack.end() && zxid <= it->second) {
      report("zab.ackInconsistent", r, to,
             name_of(to) + " received ACK " + hx(zxid) + " from " + name_of(r.from) + " after its ACK " + hx(it->second));
    }
    s.last_ack[r.from] = std::max(zxid, s.last_ack.count(r.from) ? s.last_ack[r.from] : zxid);
  }
}

void CheckEngine::flags_on_core(const TraceRecord& r, EndpointId id, EventKind what) {
  Server& s = server(id);
  if (what == EventKind::zab_commit && s.role == "LEADING") {
    const std::int64_t zxid = json_int(r.detail, "zxid").value_or(-1);
    // LeaderTryToCommit: the txn committed is the first one outstanding.
    if (!s.pending.empty() && s.pending.begin()->first != zxid)
      report("zab.commitInconsistent", r, id,
             "leader " + name_of(id) + " committed " + hx(zxid) + " before its outstanding proposal " +
                 hx(s.pending.begin()->first));
    s.pending.erase(s.pending.begin(), s.pending.upper_bound(zxid));
  } else if (what == EventKind::zab_learner) {
    if (auto sid = json_int(r.detail, "sid")) s.last_ack.erase(*sid);  // a learner (re)connected: its ACKs start over
  }
}

}  // namespace zablab::sim::check
