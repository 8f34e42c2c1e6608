// Zab's safety properties as ZooKeeper's TLA+ specification states them
// (zookeeper-specifications/protocol-spec/Zab.tla, system-spec/zk-3.7/ZkV3_7_0.tla), each under
// the name the specification gives it, over the per-server state CheckEngine rebuilds.
//
// The specification's variables, as read from the trace:
//   state, zabState    peer.state and peer.phase (ELECTION, DISCOVERY, SYNCHRONIZATION, BROADCAST)
//   currentEpoch       a leader's: the epoch it chose (zab.new_epoch), current once discovery ends
//   epochLeader        the leader of each epoch, recorded when its discovery ends (peer.phase
//                      SYNCHRONIZATION while LEADING)
//   history[1..lastCommitted]
//                      Server::delivered: a leader's history when it establishes, then each txn
//                      it commits; a learner's history when it is UPTODATE (COMMITLD), then each
//                      COMMIT / INFORM from its leader; cut by TRUNC, SNAP and restarts
//   proposalMsgsLog    proposals_: each zab.propose, per (leader, epoch), with the txn's digest
//
// A property can only change when what it reads changes, so each is evaluated at the records
// that change its inputs -- the same as after every event, without rescanning every history.
#include <iterator>

#include "sim/addresses.h"
#include "sim/checkers/checkers.h"
#include "sim/checkers/json_fields.h"
#include "sim/checkers/txn_digest.h"
#include "sim/checkers/words.h"

namespace zablab::sim::check {
namespace {

bool leads_in(const std::string& role, const std::string& phase) {
  return role == "LEADING" && (phase == "SYNCHRONIZATION" || phase == "BROADCAST");
}

std::string txn_name(std::int64_t zxid, std::uint64_t digest) {
  return hx(zxid) + " (digest " + hx(static_cast<std::int64_t>(digest)) + ")";
}

}  // namespace

void CheckEngine::spec_on_new_epoch(const TraceRecord& r, EndpointId id, std::int64_t epoch) {
  Server& s = server(id);
  if (s.role != "LEADING" || s.phase != "DISCOVERY")
    report("zab.stateInconsistent", r, id,
           name_of(id) + " chose epoch " + std::to_string(epoch) + " while " + s.role + " in " + s.phase +
               " (a leader chooses its epoch in DISCOVERY only)");
  s.epoch = epoch;
}

void CheckEngine::spec_on_phase(const TraceRecord& r, EndpointId id, const std::string& phase) {
  Server& s = server(id);
  const std::string before = s.phase;
  s.phase = phase;
  const bool leader = s.role == "LEADING";
  const bool learner = s.role == "FOLLOWING" || s.role == "OBSERVING";
  // stateInconsistent: discovery, synchronization and broadcast come in that order.
  if ((leader && phase == "SYNCHRONIZATION" && before != "DISCOVERY") ||
      ((leader || learner) && phase == "BROADCAST" && before != "SYNCHRONIZATION"))
    report("zab.stateInconsistent", r, id,
           name_of(id) + " (" + s.role + ") went from " + before + " to " + phase);
  if (leader && phase == "SYNCHRONIZATION") {
    // Leadership2: the leader of an epoch is recorded as its discovery ends.
    if (auto it = epoch_leader_spec_.find(s.epoch); it != epoch_leader_spec_.end() && it->second.first != id) {
      report("zab.Leadership2", r, id,
             name_of(id) + " finished discovery for epoch " + std::to_string(s.epoch) + ", which " +
                 name_of(it->second.first) + " already led (discovery ended at seq " + std::to_string(it->second.second) +
                 ")");
    } else {
      epoch_leader_spec_[s.epoch] = {id, r.seq};
    }
  }
  if (leads_in(s.role, phase)) spec_check_leadership1(r, id);
  if (phase != "BROADCAST") return;
  // COMMITLD (UPTODATE) for a learner, the ACKLD quorum for a leader: its whole history is
  // committed from here on.
  spec_deliver_history(r, id);
  if (learner) {
    spec_check_primary_integrity(r, id);
  } else if (leader) {
    for (const auto& [j, f] : servers_)
      if (j != id && f.role == "FOLLOWING" && f.leader == id && f.phase == "BROADCAST") spec_check_primary_integrity(r, j);
  }
}

// Leadership1: no two servers lead one epoch in SYNCHRONIZATION or BROADCAST at once.
void CheckEngine::spec_check_leadership1(const TraceRecord& r, EndpointId id) {
  const Server& s = server(id);
  for (const auto& [j, o] : servers_) {
    if (j == id || !leads_in(o.role, o.phase) || o.epoch != s.epoch) continue;
    report("zab.Leadership1", r, id,
           name_of(id) + " and " + name_of(j) + " both lead epoch " + std::to_string(s.epoch) + " (" + s.phase + ", " +
               o.phase + ")");
    return;
  }
}

void CheckEngine::spec_on_propose(const TraceRecord& r, EndpointId id) {
  Server& s = server(id);
  const auto txn = json_member(r.detail, "txn");
  const std::int64_t zxid = r.zxid >= 0 ? r.zxid : json_int(r.detail, "zxid").value_or(-1);
  if (!txn || zxid < 0) {
    unreadable(r, "zab.propose without its txn (field \"txn\"): proposals cannot be compared by content");
    return;
  }
  const std::uint64_t digest = txn_digest(*txn);
  model_note_txn(digest, *txn);
  s.logged[zxid] = digest;
  const std::int64_t epoch = epoch_of(zxid);
  auto& mine = proposals_[{id, epoch}];
  if (auto [it, inserted] = mine.try_emplace(zxid, digest); !inserted && it->second != digest)
    report("zab.proposalInconsistent", r, id,
           name_of(id) + " proposed two different txns with zxid " + hx(zxid) + " in epoch " + std::to_string(epoch));
  auto& by = proposed_by_[Txn{zxid, digest}];
  if (std::find(by.begin(), by.end(), std::pair{id, epoch}) == by.end()) by.emplace_back(id, epoch);
  // commitInconsistent is checked against what is outstanding.
  s.pending[zxid] = digest;
}

void CheckEngine::spec_deliver_history(const TraceRecord& r, EndpointId id) {
  // Copied: spec_deliver may not touch the map, but reads the server's entry.
  const std::map<std::int64_t, std::uint64_t> hist = server(id).hist;
  for (const auto& [z, d] : hist) spec_deliver(r, id, Txn{z, d});
}

void CheckEngine::spec_deliver(const TraceRecord& r, EndpointId id, const Txn& t) {
  Server& s = server(id);
  if (s.delivered_at.count(t)) return;
  const std::size_t p = s.delivered.size();
  s.delivered.push_back(t);
  s.delivered_at[t] = p;
  for (const auto& [j, o] : servers_)
    if (j != id && o.delivered_at.count(t)) ++spec_common(id, j);
  const std::string who = name_of(id);

  // GlobalPrimaryOrder: txns of an older epoch are delivered before those of a newer one.
  if (epoch_of(t.zxid) < s.delivered_max_epoch)
    report("zab.GlobalPrimaryOrder", r, id,
           who + " delivered " + hx(t.zxid) + " of epoch " + std::to_string(epoch_of(t.zxid)) +
               " after a txn of epoch " + std::to_string(s.delivered_max_epoch));
  s.delivered_max_epoch = std::max(s.delivered_max_epoch, epoch_of(t.zxid));

  // Integrity: what a follower delivers, some leader proposed (the same txn).
  auto by = proposed_by_.find(t);
  if (s.role == "FOLLOWING" && by == proposed_by_.end() && !proposals_.empty())
    report("zab.Integrity", r, id, who + " delivered " + txn_name(t.zxid, t.digest) + ", which no leader proposed");

  // LocalPrimaryOrder: if a leader proposed a before b (in one epoch), whoever delivers b has
  // delivered a before it.
  if (by != proposed_by_.end()) {
    for (const auto& [leader, epoch] : by->second) {
      const auto& props = proposals_[{leader, epoch}];
      auto it = props.find(t.zxid);
      if (it == props.end()) continue;
      if (it != props.begin()) {
        const auto prev = std::prev(it);
        if (!s.delivered_at.count(Txn{prev->first, prev->second}))
          report("zab.LocalPrimaryOrder", r, id,
                 who + " delivered " + hx(t.zxid) + " without " + hx(prev->first) + ", which " + name_of(leader) +
                     " proposed before it in epoch " + std::to_string(epoch));
      }
      if (const auto next = std::next(it); next != props.end() && s.delivered_at.count(Txn{next->first, next->second}))
        report("zab.LocalPrimaryOrder", r, id,
               who + " delivered " + hx(t.zxid) + " after " + hx(next->first) + ", which " + name_of(leader) +
                   " proposed after it in epoch " + std::to_string(epoch));
    }
  }

  for (const auto& [j, o] : servers_)
    if (j != id) spec_check_pair(r, id, j, t, p);

  // PrimaryIntegrity, for a txn an UPTODATE follower delivers late.
  if (s.role == "FOLLOWING" && s.phase == "BROADCAST" && s.leader) {
    const Server& l = server(*s.leader);
    if (l.role == "LEADING" && l.phase == "BROADCAST" && epoch_of(t.zxid) < l.epoch && !l.delivered_at.count(t))
      report("zab.PrimaryIntegrity", r, id,
             who + " delivered " + txn_name(t.zxid, t.digest) + " of an earlier epoch, which its leader " +
                 name_of(*s.leader) + " (epoch " + std::to_string(l.epoch) + ") has not delivered");
  }
}

// The pairwise properties, as `i` delivers `t` at position `p` of its history.
void CheckEngine::spec_check_pair(const TraceRecord& r, EndpointId i, EndpointId j, const Txn& t, std::size_t p) {
  const Server& a = server(i);
  const Server& b = server(j);
  // PrefixConsistency: the committed prefixes of any two servers are the same.
  if (b.delivered.size() > p && b.delivered[p] != t)
    report("zab.PrefixConsistency", r, i,
           name_of(i) + "'s committed txn number " + std::to_string(p + 1) + " is " + txn_name(t.zxid, t.digest) +
               ", " + name_of(j) + "'s is " + txn_name(b.delivered[p].zxid, b.delivered[p].digest));
  // Agreement: if follower i delivers a and follower j delivers b, then j delivers a or i delivers b.
  if (a.role == "FOLLOWING" && b.role == "FOLLOWING" && !b.delivered_at.count(t) &&
      b.delivered.size() > spec_common(i, j))
    report("zab.Agreement", r, i,
           name_of(i) + " delivered " + hx(t.zxid) + ", which " + name_of(j) + " has not, while " + name_of(j) +
               " delivered txns " + name_of(i) + " has not");
  // TotalOrder: if one server delivers x before y, any server that delivers y delivers x before it.
  auto q = b.delivered_at.find(t);
  if (q == b.delivered_at.end()) return;
  if (p > 0) {
    const Txn& before = a.delivered[p - 1];
    auto at = b.delivered_at.find(before);
    if (at == b.delivered_at.end() || at->second > q->second)
      report("zab.TotalOrder", r, i,
             name_of(i) + " delivered " + hx(before.zxid) + " before " + hx(t.zxid) + ", " + name_of(j) + " delivered " +
                 hx(t.zxid) + (at == b.delivered_at.end() ? " without it" : " before it"));
  }
  if (q->second > 0) {
    const Txn& before = b.delivered[q->second - 1];
    if (!a.delivered_at.count(before))
      report("zab.TotalOrder", r, i,
             name_of(j) + " delivered " + hx(before.zxid) + " before " + hx(t.zxid) + ", " + name_of(i) +
                 " delivered " + hx(t.zxid) + " without it");
  }
  if (q->second + 1 < b.delivered.size()) {
    const Txn& after = b.delivered[q->second + 1];
    if (a.delivered_at.count(after))
      report("zab.TotalOrder", r, i,
             name_of(j) + " delivered " + hx(t.zxid) + " before " + hx(after.zxid) + ", " + name_of(i) +
                 " delivered them the other way round");
  }
}

// PrimaryIntegrity: a follower in BROADCAST has delivered nothing of an earlier epoch that its
// leader (in BROADCAST) has not.
void CheckEngine::spec_check_primary_integrity(const TraceRecord& r, EndpointId follower) {
  const Server& f = server(follower);
  if (f.role != "FOLLOWING" || !f.leader || !servers_.count(*f.leader)) return;
  const Server& l = server(*f.leader);
  if (l.role != "LEADING" || l.phase != "BROADCAST" || f.phase != "BROADCAST") return;
  for (const Txn& t : f.delivered) {
    if (epoch_of(t.zxid) >= l.epoch || l.delivered_at.count(t)) continue;
    report("zab.PrimaryIntegrity", r, follower,
           name_of(follower) + " has delivered " + txn_name(t.zxid, t.digest) + " of an earlier epoch, which its leader " +
               name_of(*f.leader) + " (epoch " + std::to_string(l.epoch) + ") has not");
    return;
  }
}

void CheckEngine::spec_cut(EndpointId id, std::int64_t zxid) {
  Server& s = server(id);
  std::vector<Txn> kept;
  for (const Txn& t : s.delivered) {
    if (t.zxid <= zxid) {
      kept.push_back(t);
      continue;
    }
    for (const auto& [j, o] : servers_)
      if (j != id && o.delivered_at.count(t)) --spec_common(id, j);
  }
  if (kept.size() == s.delivered.size()) return;
  s.delivered = std::move(kept);
  s.delivered_at.clear();
  s.delivered_max_epoch = -1;
  for (std::size_t k = 0; k < s.delivered.size(); ++k) {
    s.delivered_at[s.delivered[k]] = k;
    s.delivered_max_epoch = std::max(s.delivered_max_epoch, epoch_of(s.delivered[k].zxid));
  }
}

}  // namespace zablab::sim::check
