#include "gui/model/explain.h"

#include <algorithm>

#include "core/util/hex.h"
#include "gui/model/vote_matrix.h"
#include "sim/addresses.h"

namespace zablab::gui {

namespace tk = sim::trace_kind;

namespace {

std::string srv(EndpointId id) { return "server " + std::to_string(id); }
std::string Srv(EndpointId id) { return "Server " + std::to_string(id); }
std::string who(EndpointId id) {
  if (sim::is_client(id)) return "client " + endpoint_name(id);
  if (sim::is_server(id)) return srv(id);
  return "the world";
}
std::string Who(EndpointId id) {
  std::string s = who(id);
  if (!s.empty()) s[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(s[0])));
  return s;
}
std::string hx(std::int64_t z) { return zxid_text(z); }
std::string num(std::int64_t v) { return std::to_string(v); }
std::string zxid_parts(std::int64_t z) {
  return "epoch " + num(static_cast<std::int64_t>(static_cast<std::uint64_t>(z) >> 32)) + ", counter " +
         num(z & 0xFFFFFFFFLL);
}
std::string list(const std::vector<EndpointId>& ids) {
  std::string out;
  for (std::size_t i = 0; i < ids.size(); ++i) {
    if (i) out += i + 1 == ids.size() ? " and " : ", ";
    out += num(ids[i]);
  }
  return out;
}

VoteInfo vote_of(const JsonValue& d) {
  VoteInfo v;
  v.valid = true;
  v.leader = d["leader"].int_or(0);
  v.zxid = d["zxid"].int_or(0);
  v.round = d["round"].int_or(0);
  v.peer_epoch = d["peer_epoch"].int_or(0);
  v.state = d["state"].str();
  return v;
}

// The `peer.state` reason recorded with this record's handler, if any.
std::string state_reason(const Timeline& tl, std::uint64_t seq) {
  const TraceRecord& r = tl.at(seq);
  for (std::uint64_t s = seq + 1; s < tl.size() && s < seq + 8; ++s) {
    const TraceRecord& n = tl.at(s);
    if (n.time_ns != r.time_ns) break;
    if (n.node == r.node && n.msg_type == core_event::peer_state) return tl.detail(s)["why"].str();
  }
  return {};
}

// What the node's next record in the same handler is (the consequence of a timer or a delivery).
std::string next_in_handler(const Timeline& tl, std::uint64_t seq) {
  const TraceRecord& r = tl.at(seq);
  for (std::uint64_t s = seq + 1; s < tl.size() && s < seq + 6; ++s) {
    const TraceRecord& n = tl.at(s);
    if (n.time_ns != r.time_ns) break;
    if (n.node != r.node) continue;
    return n.kind == tk::core ? n.msg_type : n.kind;
  }
  return {};
}

int quorum_of(int voters) { return voters / 2 + 1; }

Explanation explain_core_event(const Timeline& tl, std::uint64_t seq, const EnsembleState& before,
                       const EnsembleState& after) {
  const TraceRecord& r = tl.at(seq);
  const JsonValue d = tl.detail(seq);
  const std::string& t = r.msg_type;
  const EndpointId n = r.node;
  const ServerView* b = before.server(n);
  const ServerView* a = after.server(n);
  const int voters = std::max(1, after.voter_count());
  const int q = quorum_of(voters);
  Explanation e;
  auto why = [&](std::string s) { e.why.push_back(std::move(s)); };

  if (t == core_event::fle_start) {
    e.protocol = "Fast Leader Election";
    e.title = Srv(n) + " starts a leader election (round " + d["round"].str() + ")";
    const std::string reason = b && b->role != Role::looking && b->role != Role::unknown && b->role != Role::down
                                   ? "It was " + std::string(role_name(b->role)) + " and lost its leader or its quorum."
                                   : "It has no leader yet.";
    why(reason + " It is LOOKING and proposes itself: epoch " + d["epoch"].str() + ", last zxid " + d["zxid"].str() +
        ", id " + num(n) + ", and sends that vote to every other server.");
    why("Votes are ordered by (epoch, zxid, server id): the server with the most recent history wins, and the larger "
        "id breaks ties. A server switches to any better vote it hears and decides once a quorum (" + num(q) + " of " +
        num(voters) + ") agrees.");
  } else if (t == core_event::fle_vote_sent) {
    e.protocol = "Fast Leader Election";
    const VoteInfo v = vote_of(d);
    const bool changed = b && b->vote.valid && b->vote.leader != v.leader;
    if (changed) {
      e.title = Srv(n) + " changes its vote to " + num(v.leader);
      why("Candidate " + num(v.leader) + " beats its previous choice " + num(b->vote.leader) + ": " +
          why_better(v, b->vote) + ". It tells every server, so they can compare too.");
    } else {
      e.title = Srv(n) + " sends its vote for " + num(v.leader) + " (round " + d["round"].str() + ")";
      why("A notification carries the sender's state and current vote: leader " + num(v.leader) + ", zxid " +
          d["zxid"].str() + ", epoch " + d["peer_epoch"].str() + ". Servers resend when they change their vote, when a "
          "retransmission timer fires, or to answer a server that is behind.");
    }
  } else if (t == core_event::fle_vote_received) {
    e.protocol = "Fast Leader Election";
    const VoteInfo v = vote_of(d);
    const EndpointId from = d["from"].int_or(0);
    e.title = Srv(n) + " hears " + srv(from) + "'s vote for " + num(v.leader) + " (" + v.state + ", round " +
              num(v.round) + ")";
    if (!b || !b->vote.valid) {
      why("It has no vote of its own yet.");
    } else if (v.state != "LOOKING") {
      why(Srv(from) + " is already " + v.state + " with leader " + num(v.leader) + ". " + Srv(n) +
          " joins that leader once it sees both a quorum agreeing on it and the leader itself saying it leads "
          "(ZooKeeper's checkLeader): a late server does not restart the election.");
    } else if (v.round > b->round) {
      why("This vote comes from a later round (" + num(v.round) + " > " + num(b->round) + "): " + srv(n) +
          " drops the votes it has, joins round " + num(v.round) + " and adopts the better of its own initial vote and "
          "this one.");
    } else if (v.round < b->round) {
      why("This vote is from an older round (" + num(v.round) + " < " + num(b->round) + "), so it is ignored; " +
          srv(n) + " sends its own vote back so " + srv(from) + " catches up.");
    } else if (better_candidate(v, b->vote)) {
      why("Candidate " + num(v.leader) + " beats " + srv(n) + "'s candidate " + num(b->vote.leader) + ": " +
          why_better(v, b->vote) + ". So " + srv(n) + " switches its vote to " + num(v.leader) + " and tells everyone.");
    } else if (v.leader == b->vote.leader) {
      int agree = 1;
      if (a)
        for (const auto& [id, h] : a->heard) agree += id != n && h.leader == v.leader && h.round == a->round ? 1 : 0;
      why("It agrees: both vote for " + num(v.leader) + ". " + Srv(n) + " now knows of " + num(agree) + " of " +
          num(voters) + " voters for " + num(v.leader) + " (a quorum is " + num(q) + ")." +
          (agree >= q ? " That is a quorum: it waits finalizeWait (200 ms) for anything better, then decides."
                      : " Not yet a quorum."));
    } else {
      why(Srv(n) + "'s own candidate " + num(b->vote.leader) + " is better: " + why_better(b->vote, v) +
          ". It keeps its vote; " + srv(from) + " will switch when it hears it.");
    }
  } else if (t == core_event::fle_decide) {
    e.protocol = "Fast Leader Election";
    const EndpointId leader = d["leader"].int_or(0);
    std::vector<EndpointId> backers;
    if (b) {
      if (b->vote.leader == leader) backers.push_back(n);
      for (const auto& [id, h] : b->heard)
        if (id != n && h.leader == leader) backers.push_back(id);
      std::sort(backers.begin(), backers.end());
    }
    e.title = Srv(n) + " decides: " + srv(leader) + " is the leader";
    why("A quorum backs " + num(leader) + " (" + (backers.empty() ? std::string("?") : list(backers)) + "; " +
        num(q) + " of " + num(voters) + " needed) and no better vote arrived during the finalize wait. " +
        (leader == n ? "It is the winner, so it becomes LEADING and starts Zab's discovery."
                     : "It becomes FOLLOWING and connects to " + srv(leader) + "."));
  } else if (t == core_event::peer_state) {
    e.protocol = "Zab";
    const std::string to = d["to"].str();
    const std::string from = d["from"].str();
    e.title = Srv(n) + ": " + from + " -> " + to;
    if (!d["why"].str().empty()) why("Why: " + d["why"].str() + ".");
    if (to == "LEADING")
      why("A prospective leader must first learn the followers' epochs (discovery) and bring them up to date "
          "(synchronization) before it may propose anything.");
    else if (to == "FOLLOWING" || to == "OBSERVING")
      why("It connects to its leader's quorum port and sends " + std::string(to == "FOLLOWING" ? "FOLLOWERINFO" : "OBSERVERINFO") +
          " with the last epoch it accepted.");
    else if (to == "LOOKING" && from != "LOOKING")
      why("Without a leader it stops serving clients and starts a new election.");
  } else if (t == core_event::peer_phase) {
    e.protocol = "Zab";
    const auto p = parse_phase(d["phase"].str());
    e.title = Srv(n) + " enters " + d["phase"].str();
    if (p) why(phase_meaning(*p));
  } else if (t == core_event::zab_learner) {
    e.protocol = "Zab discovery";
    const EndpointId sid = d["sid"].int_or(0);
    const bool observer = d["observer"].as_bool();
    e.title = "Leader " + num(n) + " hears " + (observer ? "OBSERVERINFO" : "FOLLOWERINFO") + " from " + srv(sid);
    const int have = a ? static_cast<int>(1 + std::count_if(a->learners.begin(), a->learners.end(), [&](EndpointId l) {
                               const ServerView* s = after.server(l);
                               return !s || s->role != Role::observing;
                             }))
                       : 1;
    if (b && b->new_epoch >= 0)
      why("The new epoch is already chosen (" + num(b->new_epoch) + "): " + srv(sid) +
          " joined late and gets LEADERINFO at once.");
    else
      why(Srv(sid) + " last accepted epoch " + d["accepted_epoch"].str() + ". The leader waits for a quorum: it has " +
          num(have) + " of " + num(voters) + " voters (itself included; " + num(q) +
          " needed). Then it picks an epoch larger than every accepted epoch it has seen.");
  } else if (t == core_event::zab_new_epoch) {
    e.protocol = "Zab discovery";
    e.title = "Leader " + num(n) + " chooses epoch " + d["epoch"].str();
    why("It is one more than the largest epoch accepted by the leader and the quorum of followers that connected. "
        "Every zxid it proposes now starts with this epoch (" + util::hex(d["epoch"].int_or(0) << 32 | 1) +
        ", ...: the epoch is the high 32 bits, a counter the low 32), so nobody can confuse its txns with an older "
        "leader's.");
    why("It stores acceptedEpoch, then sends LEADERINFO; each follower stores the epoch too and answers ACKEPOCH "
        "with its current epoch and last zxid.");
  } else if (t == core_event::zab_sync) {
    e.protocol = "Zab synchronization";
    const EndpointId sid = d["sid"].int_or(0);
    const std::string mode = d["mode"].str();
    e.title = "Leader " + num(n) + " syncs " + srv(sid) + " with " + mode;
    const std::string peer = d["peer_zxid"].str();
    const std::string mine = d["leader_zxid"].str();
    if (mode == "DIFF")
      why(peer == mine ? "The follower already has everything (both at " + mine + "): an empty DIFF, then NEWLEADER."
                       : "The follower's log (" + peer + ") is a prefix of the leader's (" + mine +
                             "): the leader sends the missing txns as PROPOSAL + COMMIT pairs, then NEWLEADER.");
    else if (mode == "TRUNC")
      why("The follower is ahead of the leader's whole history (it is at " + peer + ", the leader at " + mine +
          "), within the same epoch: its extra txns were never committed by a quorum (a committed txn is in every "
          "new leader's history), so it must cut its log back to " + mine + " before it can follow.");
    else if (mode == "TRUNC+DIFF")
      why("The follower has txns (it is at " + peer + ") that the leader's history skips, in the same epoch as the "
          "leader's next txn: they were never committed, so it cuts its log back to the last txn they share; then "
          "the leader sends what it missed since (DIFF).");
    else if (mode == "SNAP")
      why(std::string(peer == "0x0" ? "The follower has no txn at all (0x0): there is nothing to send a DIFF after. "
                                    : "") +
          "A DIFF or TRUNC cannot bring the follower (at " + peer + ") to the leader's history (" + mine + ") when "
          "(a) it is older than the committed txns the leader keeps at hand (the last 500 in memory; ZooKeeper also "
          "reads its txn log on disk, when the log files to send are smaller than a third of its newest snapshot), or "
          "(b) it has txns of an older epoch that the leader's history does not have: ZooKeeper never sends a TRUNC "
          "across an epoch boundary (LearnerHandler: \"Cannot send TRUNC to peer ... from different epoch\"). It "
          "gets the whole data tree instead: the SNAP packet, then the tree itself streamed in pieces (\"snapshot\" "
          "messages), which replaces everything the follower had; it writes a snapshot before it ACKs NEWLEADER.");
    why("After the sync the leader sends NEWLEADER; the follower stores the new current epoch and ACKs it.");
  } else if (t == core_event::zab_established) {
    e.protocol = "Zab";
    e.title = "Leader " + num(n) + " has established epoch " + d["epoch"].str();
    why("A quorum has ACKed NEWLEADER: a quorum holds the leader's history and accepts its epoch. It sends UPTODATE and "
        "moves to BROADCAST: from now on it serves clients and proposes new txns.");
  } else if (t == core_event::zab_uptodate) {
    e.protocol = "Zab";
    e.title = Srv(n) + " is up to date with leader " + d["leader"].str();
    why("UPTODATE means the leader has a quorum behind its epoch. The follower starts serving its clients and now "
        "logs, ACKs and commits in BROADCAST.");
  } else if (t == core_event::zab_propose) {
    e.protocol = "Zab broadcast";
    const std::int64_t z = d["zxid"].int_or(0);
    e.title = "Leader " + num(n) + " proposes " + hx(z) + " (" + d["type"].str() + ")";
    why("Each write gets the next zxid (" + zxid_parts(z) + "). The leader logs it and sends PROPOSAL to every "
        "follower; it commits once a quorum (" + num(q) + " of " + num(voters) + ", the leader included) has "
        "logged it.");
  } else if (t == core_event::zab_ack) {
    e.protocol = "Zab broadcast";
    const std::int64_t z = d["zxid"].int_or(0);
    const EndpointId from = d["from"].int_or(0);
    const std::int64_t acks = d["acks"].int_or(0);
    e.title = "Leader " + num(n) + " gets ACK " + hx(z) + " from " + srv(from);
    why(Srv(from) + " has written " + hx(z) + " to its log and fsynced it. ACKs so far: " + num(acks) + " of " +
        num(voters) + " voters; a quorum is " + num(q) + "." +
        (acks >= q ? " Enough: the leader can commit." : " Not yet enough: it keeps waiting."));
  } else if (t == core_event::zab_commit) {
    e.protocol = "Zab broadcast";
    const std::int64_t z = d["zxid"].int_or(0);
    e.title = Srv(n) + " commits " + hx(z) + ": it has ACKs from " + d["acks"].str() + " of " + d["voters"].str();
    why("That is a majority: " + hx(z) + " is on the disk of a quorum, and every future leader's quorum overlaps this "
        "one, so it can never be lost. The leader sends COMMIT to its followers (INFORM to observers) and applies it. "
        "Commits happen strictly in zxid order.");
  } else if (t == core_event::zab_trunc) {
    e.protocol = "Zab synchronization";
    e.title = Srv(n) + " truncates its log to " + d["zxid"].str();
    why("Its log went to " + d["from"].str() + ", but those txns were never committed: the new leader does not have them, "
        "so they are erased before it follows.");
  } else if (t == core_event::zab_snap) {
    e.protocol = "Zab synchronization";
    e.title = Srv(n) + " loads the leader's snapshot at " + d["zxid"].str();
    why("It replaces its whole data tree (" + d["nodes"].str() + " znodes) with the leader's.");
  } else if (t == core_event::zab_learner_lost) {
    e.protocol = "Zab";
    e.title = "Leader " + num(n) + " lost " + srv(d["sid"].int_or(0));
    why("If it no longer hears a quorum of followers, it gives up at the next tick and goes LOOKING: a leader without "
        "a quorum must not keep serving.");
  } else if (t == core_event::zab_learner_dropped) {
    e.protocol = "Zab";
    const bool silent = d["why"].str() == "silent";
    e.title = "Leader " + num(n) + " drops " + srv(d["sid"].int_or(0)) +
              (silent ? ": nothing heard from it for syncLimit ticks" : ": proposal " + d["zxid"].str() + " unacknowledged");
    why(silent ? "A learner that sends nothing (no ACK, no PING reply) for syncLimit ticks is gone, as if its socket "
                 "timed out."
               : "ZooKeeper's SyncLimitCheck: a follower must ACK each proposal within syncLimit ticks, PINGs or not; "
                 "a follower whose disk cannot keep up is dropped, and must sync again.");
  } else if (t == core_event::txn_commit) {
    e.protocol = "Zab broadcast";
    const JsonValue& op = d["ops"].at(0);
    std::string what = op["type"].str();
    if (op["txn"].has("path")) what += " " + op["txn"]["path"].str();
    e.title = Srv(n) + " applies " + hx(r.zxid) + " (" + what + ") to its data tree";
    const bool leading = b && b->role == Role::leading;
    why(std::string(leading ? "The leader applies a txn as soon as it commits it." :
                              "A follower applies a txn when the leader's COMMIT arrives, in zxid order.") +
        " Its committed prefix now has " + num(a ? static_cast<std::int64_t>(a->committed.size()) : 0) +
        " txns and ends at " + hx(r.zxid) + "; every server's committed prefix is a prefix of every other's.");
  } else if (t == core_event::snapshot) {
    e.protocol = "recovery";
    e.title = Srv(n) + " has a snapshot at " + d["zxid"].str();
    why("On start a server loads its newest snapshot and replays its txn log after it.");
  } else if (t.rfind("session.", 0) == 0) {
    e.protocol = "sessions";
    e.title = Srv(n) + " " + t.substr(8) + " session " + d["session"].str();
    why("Sessions are global: creating or closing one is a txn (createSession / closeSession) that goes through the "
        "leader like any write.");
  } else if (t == core_event::client_state) {
    e.protocol = "client";
    e.title = Who(n) + " is " + d["state"].str() + " (session " + d["session"].str() + ")";
  } else if (t == core_event::client_connect) {
    e.protocol = "client";
    e.title = Who(n) + " connects to " + d["host"].str();
    why("A client picks a server from its connect string; any server can serve reads, writes go to the leader.");
  } else if (t == core_event::client_drop) {
    e.protocol = "client";
    e.title = Who(n) + " lost its connection";
    why("Reason: " + d["reason"].str() + ". It tries another server; its session survives if it reconnects in time.");
  } else {
    e.protocol = "trace";
    e.title = tl.summary(seq);
  }
  return e;
}

std::string delivery_consequence(const Message& m) {
  const std::string& t = m.type;
  const std::string to = srv(m.to);
  auto starts = [&](std::string_view p) { return t.rfind(p, 0) == 0; };
  if (t == "vote" || t == "NOTIFICATION" || t == "election")
    return Srv(m.to) + " compares this vote with its own (next event).";
  if (starts("PROPOSAL")) return Srv(m.to) + " appends the txn to its log; once the log is fsynced it sends ACK.";
  if (starts("ACK") && !starts("ACKEPOCH")) return "The leader counts the ACK; with a quorum it commits.";
  if (starts("COMMIT")) return Srv(m.to) + " applies the txn to its data tree.";
  if (t == "FOLLOWERINFO" || t == "OBSERVERINFO")
    return "The leader notes the learner's accepted epoch for choosing the new epoch.";
  if (t == "LEADERINFO") return Srv(m.to) + " stores the new epoch as acceptedEpoch and answers ACKEPOCH.";
  if (t == "ACKEPOCH") return "The leader now knows the follower's last zxid and picks DIFF, TRUNC or SNAP.";
  if (t == "NEWLEADER") return Srv(m.to) + " stores the new currentEpoch and ACKs NEWLEADER.";
  if (t == "UPTODATE") return Srv(m.to) + " starts serving clients.";
  if (t == "PING") return "Heartbeat: a silent leader or follower is noticed within syncLimit ticks.";
  if (t == "REQUEST") return "The leader turns the forwarded write into a txn and proposes it.";
  if (m.channel == Channel::client && sim::is_server(m.to))
    return "Reads are answered by this server; writes go through the leader (forwarded as REQUEST).";
  return {};
}

}  // namespace

std::string phase_meaning(Phase p) {
  switch (p) {
    case Phase::election:
      return "ELECTION: servers exchange votes (Fast Leader Election) until a quorum agrees on the server with the "
             "most recent history.";
    case Phase::discovery:
      return "DISCOVERY: the prospective leader collects a quorum of followers' accepted epochs and chooses a new, "
             "larger epoch (LEADERINFO / ACKEPOCH).";
    case Phase::synchronization:
      return "SYNCHRONIZATION: the leader brings each follower's log in line with its own (DIFF, TRUNC or SNAP), then "
             "NEWLEADER; a quorum of ACKs establishes the epoch.";
    case Phase::broadcast:
      return "BROADCAST: the leader proposes each write, followers log and ACK it, and the leader commits once a "
             "quorum has logged it.";
    case Phase::down:
      return "The server is down.";
  }
  return {};
}

std::string message_meaning(std::string_view type) {
  auto starts = [&](std::string_view p) { return type.substr(0, p.size()) == p; };
  if (type == "vote" || type == "NOTIFICATION" || type == "election")
    return "Fast Leader Election notification: the sender's state (LOOKING, FOLLOWING, LEADING), its current vote "
           "(leader id, zxid, epoch) and its election round.";
  if (type == "FOLLOWERINFO" || type == "OBSERVERINFO")
    return "A learner's first packet to its leader: its id and the last epoch it accepted (in the zxid's high 32 bits).";
  if (type == "LEADERINFO") return "The new epoch the leader chose, for the follower to accept.";
  if (type == "ACKEPOCH") return "The follower accepted the new epoch; it reports its current epoch and last zxid.";
  if (type == "DIFF") return "Sync by difference: the txns the follower lacks follow as PROPOSAL + COMMIT pairs.";
  if (type == "TRUNC") return "Sync by truncation: the follower must drop its log after this zxid.";
  if (type == "SNAP") return "Sync by snapshot: the whole data tree follows.";
  if (type == "NEWLEADER") return "End of sync: the follower stores the new current epoch and ACKs.";
  if (type == "UPTODATE") return "The leader's epoch is established: the follower may serve clients.";
  if (starts("PROPOSAL")) return "The leader asks followers to log a txn (identified by its zxid).";
  if (starts("ACKEPOCH")) return "";
  if (starts("ACK")) return "The follower has logged (and fsynced) the txn with this zxid.";
  if (starts("COMMIT")) return "A quorum has logged the txn: the follower applies it to its data tree.";
  if (starts("INFORM")) return "Tells an observer about a committed txn (observers never vote).";
  if (type == "PING") return "Leader-follower heartbeat; the follower's reply carries its clients' session touches.";
  if (type == "REQUEST") return "A follower forwards a client's write (or session change) to the leader.";
  if (type == "SYNC") return "Answer to a forwarded sync: every proposal before it has committed.";
  if (type == "quorum") return "A Zab packet (this trace was recorded without the decoding tap).";
  if (type == "ConnectRequest") return "A client opens or resumes a session.";
  if (type == "ConnectResponse") return "The server's answer: the session id and negotiated timeout.";
  if (starts("reply:")) return "A server's answer to a client request.";
  if (type == "ping") return "Client heartbeat keeping the session alive.";
  if (type == "notification") return "A watch event sent to a client.";
  return {};
}

Explanation explain(const Timeline& tl, std::uint64_t seq, const EnsembleState& before, const EnsembleState& after) {
  const TraceRecord& r = tl.at(seq);
  const std::string_view kind = r.kind;
  if (kind == tk::core) return explain_core_event(tl, seq, before, after);
  const JsonValue d = tl.detail(seq);
  Explanation e;
  auto why = [&](std::string s) {
    if (!s.empty()) e.why.push_back(std::move(s));
  };
  if (auto mi = tl.message_of(seq); mi && (kind == tk::send || kind == tk::deliver || kind == tk::drop)) {
    const Message& m = tl.message(*mi);
    e.protocol = m.channel == Channel::election ? "Fast Leader Election" : m.channel == Channel::quorum ? "Zab" : "client";
    if (kind == tk::send) {
      e.title = Who(m.from) + " sends " + m.label + " to " + who(m.to);
      why(message_meaning(m.type));
      if (m.fate == Message::Fate::dropped) why("This one will be lost: " + m.reason + ".");
    } else if (kind == tk::deliver) {
      e.title = Who(m.to) + " receives " + m.label + " from " + who(m.from);
      why("It spent " + time_text(m.ended_ns - m.sent_ns) + " on the wire.");
      why(delivery_consequence(m));
    } else {
      e.title = m.label + " from " + who(m.from) + " to " + who(m.to) + " is lost";
      why("Reason: " + m.reason + ". A partition drops packets silently: TCP does not tell the sender at once; the "
          "connection breaks later, when retransmissions time out.");
    }
    if (m.inferred) why("(Label inferred from the events around it: the trace was recorded without message decoding.)");
    return e;
  }
  const std::string node = Who(r.node);
  if (kind == tk::crash) {
    e.protocol = "fault";
    const ServerView* b = before.server(r.node);
    const std::string how = d["how"].str();
    const bool silent = how == "power-off";
    if (how == "kill") {
      e.title = node + " is killed";
      why("The process dies (as by SIGKILL) but the machine runs on: its memory (votes, sessions, pending proposals) "
          "is gone, yet every write it made is still in the kernel's page cache and survives, fsynced or not. The "
          "kernel resets its connections at once, so its peers know right away.");
    } else if (silent) {
      e.title = node + " loses power";
      why("The machine stops: its memory is gone and so is every write it had not fsynced (the last append may "
          "survive cut short, a torn write). Nobody sends a FIN or a reset: its peers notice only when it stops "
          "answering.");
    } else {
      e.title = node + " crashes";
      why("Its memory (votes, sessions, pending proposals) is gone, and so is every write it had not fsynced, as "
          "in a power loss; but its peers see its connections reset at once, as for a killed process. (`crash` "
          "combines the two; `kill` and `power-off` are each one of them.)");
    }
    if (b && b->role == Role::leading)
      why(silent ? "It was the leader: each follower gives up on it after syncLimit ticks without a packet from it "
                   "(its read timeout) and starts a new election."
                 : "It was the leader: a follower whose connection resets starts a new election at once; one cut off "
                   "from it by the network hears nothing and gives up only after syncLimit ticks of silence.");
    else if (b && b->role == Role::following)
      why(silent ? "The leader notices when the follower's ACKs and PING replies stop for syncLimit ticks; it keeps "
                   "its quorum as long as a majority of voters still answers."
                 : "The leader drops the follower when the connection resets; it keeps its quorum as long as a "
                   "majority of voters is still up.");
  } else if (kind == tk::restart || kind == tk::start) {
    e.protocol = "fault";
    e.title = node + (kind == tk::restart ? " restarts" : " starts") +
              (d.has("incarnation") ? " (incarnation " + d["incarnation"].str() + ")" : "");
    if (sim::is_server(r.node))
      why("It recovers its data from the snapshot and txn log on disk, reads its epochs, and starts LOOKING.");
  } else if (kind == tk::shutdown) {
    e.protocol = "fault";
    e.title = node + " shuts down: " + d["reason"].str();
  } else if (kind == tk::partition) {
    e.protocol = "fault";
    if (d.has("groups")) {
      e.title = "The network is partitioned: " + d["groups"].dump();
      why("Packets between servers in different groups are lost; only a group holding a quorum can elect a leader or "
          "commit.");
    } else {
      e.title = "The link " + endpoint_name(r.from) + " -> " + endpoint_name(r.to) + " is cut (one way)";
      why("Packets from " + endpoint_name(r.from) + " to " + endpoint_name(r.to) +
          " are lost, the other direction still works: TCP connections break when their data is never acknowledged.");
    }
  } else if (kind == tk::heal) {
    e.protocol = "fault";
    e.title = r.from != kNoEndpoint ? "The link " + endpoint_name(r.from) + " -> " + endpoint_name(r.to) + " is restored"
                                    : "The network heals";
    why("Servers reconnect; a server that was cut off rejoins through an election and syncs from the leader.");
  } else if (kind == tk::timer) {
    e.protocol = "timer";
    const std::string next = next_in_handler(tl, seq);
    e.title = node + "'s timer fires";
    if (next == core_event::fle_decide)
      why("The finalize wait (200 ms) is over and nothing better arrived: the election can end.");
    else if (next == core_event::fle_vote_sent)
      why("The election's retransmission timer: it resends its vote in case a notification was lost.");
    else if (next == core_event::peer_state || next == core_event::fle_start)
      why("A tick found the leader or quorum silent for too long: " + state_reason(tl, seq));
    else
      why("Ticks drive heartbeats (PING) and failure detection (initLimit, syncLimit), and sessions' expiry.");
  } else if (kind == tk::disk_sync) {
    e.protocol = "disk";
    e.title = node + "'s fsync of " + d["file"].str() + " completes";
    why("Everything appended before it is now durable. A follower ACKs a proposal, and the leader counts its own "
        "vote, only after this.");
  } else if (kind == tk::disk_append || kind == tk::disk_write || kind == tk::disk_truncate || kind == tk::disk_remove) {
    e.protocol = "disk";
    e.title = node + " " + std::string(kind) + " " + d["file"].str();
    if (kind == tk::disk_append) why("Appended, but not durable until the next fsync.");
    if (d["file"].str().find("Epoch") != std::string::npos)
      why("Epochs are stored in their own files: a server must never forget an epoch it promised to follow.");
  } else if (kind == tk::client_invoke) {
    e.protocol = "client";
    e.title = node + " calls " + r.msg_type + " " + d["path"].str();
  } else if (kind == tk::client_return) {
    e.protocol = "client";
    e.title = node + "'s " + r.msg_type + " returns " + d["err"].str();
    if (r.zxid >= 0) why("The client has now seen zxid " + hx(r.zxid) + "; it never reads an older state after this.");
  } else if (kind.substr(0, 9) == "scenario.") {
    e.protocol = "scenario";
    const std::string what = d.has("what") ? d["what"].str() : r.msg_type;
    e.title = "The script: " + (what.empty() ? std::string(kind) : what);
    if (d.has("line")) why("Scenario line " + d["line"].str() + ".");
    if (kind == tk::scenario_fail) why("A step of the scenario failed: " + r.detail);
  } else if (kind == tk::check_violation) {
    e.protocol = "checker";
    e.title = "Invariant violated: " + r.msg_type;
    why("The checkers watch every record; this one broke " + r.msg_type + ". Details: " + r.detail);
  } else if (kind == tk::world_config) {
    e.protocol = "world";
    e.title = "A world of " + d["servers"].str() + " servers, seed " + d["seed"].str();
    why("Everything that follows is deterministic: the same seed and the same commands give the same trace.");
  } else {
    e.protocol = "network";
    e.title = tl.summary(seq);
    if (kind == tk::connect || kind == tk::accept || kind == tk::connected)
      why("TCP plumbing: servers open one connection per peer and channel (quorum port 2888, election port 3888).");
  }
  return e;
}

}  // namespace zablab::gui
