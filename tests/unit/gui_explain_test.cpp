// The visualizer's words: explanations of trace records, and the election vote matrix.
#include <catch2/catch.hpp>

#include "core/quorum/election.h"
#include "gui/model/ensemble_state.h"
#include "gui/model/explain.h"
#include "gui/model/source.h"
#include "gui/model/vote_matrix.h"

using namespace zablab;
using namespace zablab::gui;

namespace {

VoteInfo vote(std::int64_t leader, std::int64_t zxid, std::int64_t epoch) {
  VoteInfo v;
  v.valid = true;
  v.leader = leader;
  v.zxid = zxid;
  v.peer_epoch = epoch;
  return v;
}

Timeline live(int ms) {
  LiveSource source(LiveOptions{});
  source.run_to(ms * sim::kMillisecond);
  Timeline t;
  source.pull(t);
  return t;
}

// The explanation of the first record of `kind`/`msg_type` (core event) in `t`.
Explanation first(const Timeline& t, std::string_view msg_type, std::uint64_t from = 0) {
  StateCache cache;
  for (std::uint64_t s = from; s < t.size(); ++s) {
    if (t.at(s).msg_type != msg_type) continue;
    const EnsembleState before = cache.at(t, static_cast<std::int64_t>(s) - 1);
    const EnsembleState after = cache.at(t, static_cast<std::int64_t>(s));
    return explain(t, s, before, after);
  }
  FAIL("no " << msg_type);
  return {};
}

std::string all_text(const Explanation& e) {
  std::string out = e.title;
  for (const auto& w : e.why) out += "\n" + w;
  return out;
}

}  // namespace

TEST_CASE("gui/votes: candidates are ordered as ZooKeeper's totalOrderPredicate orders them") {
  const std::vector<VoteInfo> votes{vote(1, 0, 0), vote(2, 0, 0), vote(3, 0, 0), vote(1, 5, 0),
                                    vote(2, 3, 1), vote(3, 0x100000001LL, 0), vote(1, 0, 2)};
  for (const auto& a : votes)
    for (const auto& b : votes) {
      const quorum::Vote qa{a.leader, a.zxid, 0, a.peer_epoch};
      const quorum::Vote qb{b.leader, b.zxid, 0, b.peer_epoch};
      INFO(vote_text(a) << " vs " << vote_text(b));
      CHECK(better_candidate(a, b) == quorum::better_vote(qa, qb));
    }
}

TEST_CASE("gui/votes: why one candidate wins, in words") {
  CHECK(why_better(vote(3, 0, 0), vote(2, 0, 0)) == "same epoch 0 and zxid 0x0, larger id (3 > 2)");
  CHECK(why_better(vote(1, 0x100000005LL, 1), vote(3, 0x100000003LL, 1)) ==
        "same epoch 1, higher zxid (0x100000005 > 0x100000003)");
  CHECK(why_better(vote(1, 0, 2), vote(3, 0x100000009LL, 1)) == "higher epoch (2 > 1)");
  CHECK(why_better(vote(2, 0, 0), vote(3, 0, 0)).empty());
}

TEST_CASE("gui/votes: the matrix during and after a three-server election") {
  const Timeline t = live(3000);
  StateCache cache;
  // Just before server 3 decides, it has heard both others vote for it.
  std::uint64_t decide = 0;
  for (std::uint64_t s = 0; s < t.size(); ++s)
    if (t.at(s).msg_type == core_event::fle_decide && t.at(s).node == 3) {
      decide = s;
      break;
    }
  REQUIRE(decide > 0);
  const VoteMatrix m = build_vote_matrix(cache.at(t, static_cast<std::int64_t>(decide) - 1));
  CHECK(m.voters == 3);
  CHECK(m.quorum == 2);
  REQUIRE(m.rows.size() == 3);
  const VoteRow& row3 = m.rows[2];
  CHECK(row3.id == 3);
  CHECK(row3.vote.leader == 3);
  CHECK(row3.cells[0].heard);
  CHECK(row3.cells[0].vote.leader == 3);
  CHECK(row3.cells[0].agrees);
  CHECK_FALSE(row3.cells[2].heard);  // a server does not hear itself
  CHECK(row3.support == 3);
  CHECK(row3.quorum);
  REQUIRE_FALSE(m.ranking.empty());
  CHECK(m.ranking[0].vote.leader == 3);
  CHECK(m.why.find("3") != std::string::npos);

  // Early on, when servers still vote for themselves, the ranking explains why 3 beats 2.
  std::uint64_t first_votes = 0;
  for (std::uint64_t s = 0; s < t.size(); ++s)
    if (t.at(s).msg_type == core_event::fle_vote_sent && t.at(s).node == 3) {
      first_votes = s;
      break;
    }
  const VoteMatrix early = build_vote_matrix(cache.at(t, static_cast<std::int64_t>(first_votes)));
  REQUIRE(early.ranking.size() >= 2);
  CHECK(early.ranking[0].vote.leader == 3);
  CHECK(early.why == "Server 3 beats 2: same epoch 0 and zxid 0x0, larger id (3 > 2).");
}

TEST_CASE("gui/explain: election events in plain words") {
  const Timeline t = live(3000);
  const auto start = all_text(first(t, core_event::fle_start));
  CHECK(start.find("Server 1 starts a leader election (round 1)") != std::string::npos);
  CHECK(start.find("(epoch, zxid, server id)") != std::string::npos);

  // Server 1 (the smallest id) hears a vote for a larger id: better than its own by id, so it
  // switches. (Which vote reaches it first depends on who opens election connections: the
  // larger ids do.)
  StateCache cache;
  bool found = false;
  for (std::uint64_t s = 0; s < t.size() && !found; ++s) {
    const auto& r = t.at(s);
    if (r.msg_type != core_event::fle_vote_received || r.node != 1) continue;
    const auto d = t.detail(s);
    const auto leader = d["leader"].int_or(0);
    if (leader <= 1) continue;
    const auto text = all_text(explain(t, s, cache.at(t, static_cast<std::int64_t>(s) - 1), cache.at(t, static_cast<std::int64_t>(s))));
    if (text.find("switches its vote") == std::string::npos) continue;
    found = true;
    const std::string l = std::to_string(leader);
    CHECK(text.find("Server 1 hears server ") != std::string::npos);
    CHECK(text.find("vote for " + l) != std::string::npos);
    CHECK(text.find("larger id (" + l + " > 1)") != std::string::npos);
    CHECK(text.find("switches its vote to " + l) != std::string::npos);
  }
  CHECK(found);

  const auto decide = all_text(first(t, core_event::fle_decide));
  CHECK(decide.find("is the leader") != std::string::npos);
  CHECK(decide.find("2 of 3 needed") != std::string::npos);
}

TEST_CASE("gui/explain: Zab events in plain words") {
  const Timeline t = live(3000);
  CHECK(first(t, core_event::zab_new_epoch).title == "Leader 3 chooses epoch 1");
  CHECK(all_text(first(t, core_event::zab_sync)).find("DIFF") != std::string::npos);
  CHECK(first(t, core_event::zab_established).title == "Leader 3 has established epoch 1");
  const auto commit = first(t, core_event::zab_commit);
  CHECK(commit.title == "Server 3 commits 0x100000001: it has ACKs from 2 of 3");
  CHECK(all_text(commit).find("can never be lost") != std::string::npos);
  const auto ack = all_text(first(t, core_event::zab_ack));
  CHECK(ack.find("gets ACK 0x100000001 from server") != std::string::npos);
  CHECK(ack.find("a quorum is 2") != std::string::npos);
  const auto propose = all_text(first(t, core_event::zab_propose));
  CHECK(propose.find("proposes 0x100000001 (createSession)") != std::string::npos);
  CHECK(propose.find("epoch 1, counter 1") != std::string::npos);

  // A PROPOSAL's delivery says what the follower does next.
  for (const auto& m : t.messages()) {
    if (m.label.rfind("PROPOSAL", 0) != 0 || m.end_seq < 0) continue;
    StateCache cache;
    const auto s = static_cast<std::uint64_t>(m.end_seq);
    const auto e = explain(t, s, cache.at(t, m.end_seq - 1), cache.at(t, m.end_seq));
    CHECK(e.title.find("receives PROPOSAL 0x1000000") != std::string::npos);
    CHECK(all_text(e).find("ACK") != std::string::npos);
    break;
  }
  CHECK_FALSE(message_meaning("COMMIT 0x100000002").empty());
  CHECK_FALSE(phase_meaning(Phase::synchronization).empty());
}

TEST_CASE("gui/explain: a new epoch's first zxid is written in hex, epoch in the high 32 bits") {
  // Epoch 10 starts at 0xa00000001; writing the epoch in decimal before "00000001" gave 0x1000000001.
  Timeline t;
  sim::TraceRecord r;
  r.seq = 0;
  r.kind = sim::trace_kind::core;
  r.node = 1;
  r.msg_type = core_event::zab_new_epoch;
  r.detail = R"({"epoch":10})";
  t.append(r);
  StateCache cache;
  const auto text = all_text(explain(t, 0, cache.at(t, -1), cache.at(t, 0)));
  CHECK(text.find("(0xa00000001, ...") != std::string::npos);
  CHECK(text.find("0x1000000001") == std::string::npos);
}


namespace {

// The explanation of a single synthetic record (kind, node, detail), with `role` the node's role
// before it (set by a peer.state record first).
std::string explain_one(std::string_view kind, std::string_view msg_type, std::string detail, std::string role = "") {
  Timeline t;
  std::uint64_t seq = 0;
  if (!role.empty()) {
    sim::TraceRecord s;
    s.seq = seq++;
    s.kind = sim::trace_kind::core;
    s.node = 3;
    s.msg_type = core_event::peer_state;
    s.detail = R"({"from":"LOOKING","to":")" + role + R"(","why":"elected"})";
    t.append(s);
  }
  sim::TraceRecord r;
  r.seq = seq;
  r.kind = kind;
  r.node = 3;
  r.msg_type = msg_type;
  r.detail = std::move(detail);
  t.append(r);
  StateCache cache;
  return all_text(explain(t, seq, cache.at(t, static_cast<std::int64_t>(seq) - 1), cache.at(t, static_cast<std::int64_t>(seq))));
}

}  // namespace

TEST_CASE("gui/explain: a kill, a power-off and a crash each say what survives and who notices when") {
  const std::string kill = explain_one(sim::trace_kind::crash, "", R"({"reason":"kill","incarnation":1,"how":"kill"})", "LEADING");
  CHECK(kill.find("Server 3 is killed") == 0);
  CHECK(kill.find("page cache and survives, fsynced or not") != std::string::npos);
  CHECK(kill.find("resets its connections at once") != std::string::npos);
  CHECK(kill.find("starts a new election at once") != std::string::npos);

  const std::string power = explain_one(sim::trace_kind::crash, "", R"({"reason":"power-off","incarnation":1,"how":"power-off"})",
                                        "LEADING");
  CHECK(power.find("Server 3 loses power") == 0);
  CHECK(power.find("every write it had not fsynced") != std::string::npos);
  CHECK(power.find("torn write") != std::string::npos);
  CHECK(power.find("after syncLimit ticks without a packet") != std::string::npos);
  CHECK(power.find("at once") == std::string::npos);

  const std::string crash = explain_one(sim::trace_kind::crash, "", R"({"reason":"crash","incarnation":1})");
  CHECK(crash.find("Server 3 crashes") == 0);
  CHECK(crash.find("as in a power loss") != std::string::npos);
  CHECK(crash.find("as for a killed process") != std::string::npos);
}

TEST_CASE("gui/explain: each sync mode names the zxids in hex and ZooKeeper's reason") {
  const auto sync = [](const std::string& mode, const std::string& peer, const std::string& mine) {
    return explain_one(sim::trace_kind::core, core_event::zab_sync,
                       R"({"sid":1,"mode":")" + mode + R"(","peer_zxid":")" + peer + R"(","leader_zxid":")" + mine + R"("})");
  };
  const std::string diff = sync("DIFF", "0x100000016", "0x100000053");
  CHECK(diff.find("Leader 3 syncs server 1 with DIFF") == 0);
  CHECK(diff.find("(0x100000016) is a prefix of the leader's (0x100000053)") != std::string::npos);
  CHECK(sync("DIFF", "0x100000003", "0x100000003").find("an empty DIFF") != std::string::npos);

  const std::string trunc = sync("TRUNC", "0x100000003", "0x100000002");
  CHECK(trunc.find("ahead of the leader's whole history (it is at 0x100000003, the leader at 0x100000002)") !=
        std::string::npos);
  CHECK(trunc.find("within the same epoch") != std::string::npos);
  CHECK(trunc.find("cut its log back to 0x100000002") != std::string::npos);

  const std::string empty = sync("SNAP", "0x0", "0x1000002be");
  CHECK(empty.find("no txn at all (0x0)") != std::string::npos);
  const std::string old_epoch = sync("SNAP", "0x100000003", "0x200000002");
  CHECK(old_epoch.find("the follower (at 0x100000003) to the leader's history (0x200000002)") != std::string::npos);
  CHECK(old_epoch.find("never sends a TRUNC across an epoch boundary") != std::string::npos);
  CHECK(old_epoch.find("the last 500 in memory") != std::string::npos);
  CHECK(old_epoch.find("txn log on disk") != std::string::npos);
  CHECK(old_epoch.find("no txn at all") == std::string::npos);
}

TEST_CASE("gui/explain: each Zab message type, sent and received, says what it carries and what comes next") {
  // One live run (election, discovery, sync, broadcast): the first delivery of each type.
  const Timeline t = live(3000);
  struct Expect {
    const char* type;
    const char* meaning;  // in the send's explanation (message_meaning)
    const char* next;     // in the delivery's explanation (what the receiver does)
    bool zxid;            // the label carries a zxid, in hex
  };
  const std::vector<Expect> expects = {
      {"FOLLOWERINFO", "last epoch it accepted", "accepted epoch", false},
      {"LEADERINFO", "new epoch", "acceptedEpoch and answers ACKEPOCH", false},
      {"ACKEPOCH", "last zxid", "DIFF, TRUNC or SNAP", false},
      {"DIFF", "PROPOSAL + COMMIT pairs", "", false},
      {"NEWLEADER", "current epoch", "stores the new currentEpoch and ACKs NEWLEADER", false},
      {"UPTODATE", "may serve clients", "starts serving clients", false},
      {"PROPOSAL", "log a txn", "once the log is fsynced it sends ACK", true},
      {"ACK", "logged (and fsynced)", "with a quorum it commits", true},
      {"COMMIT", "quorum has logged", "applies the txn", true},
      {"PING", "heartbeat", "syncLimit ticks", false},
  };
  for (const auto& x : expects) {
    INFO(x.type);
    bool found = false;
    for (const auto& m : t.messages()) {
      if (m.type != x.type || m.end_seq < 0 || m.fate != Message::Fate::delivered) continue;
      found = true;
      StateCache cache;
      const auto sent = all_text(explain(t, m.send_seq, cache.at(t, static_cast<std::int64_t>(m.send_seq) - 1),
                                         cache.at(t, static_cast<std::int64_t>(m.send_seq))));
      const auto got = all_text(explain(t, static_cast<std::uint64_t>(m.end_seq), cache.at(t, m.end_seq - 1),
                                        cache.at(t, m.end_seq)));
      INFO(sent << "\n--\n" << got);
      CHECK(sent.find(" sends " + m.label + " to ") != std::string::npos);
      CHECK(sent.find(x.meaning) != std::string::npos);
      CHECK(got.find(" receives " + m.label + " from ") != std::string::npos);
      CHECK(got.find(x.next) != std::string::npos);
      if (x.zxid) {
        CHECK(m.label.find(" 0x") != std::string::npos);
        CHECK(m.label.find(zxid_text(m.zxid)) != std::string::npos);
      }
      break;
    }
    CHECK(found);
  }
}

TEST_CASE("gui/explain: a learner dropped by its leader says why: silence, or a proposal unACKed (SyncLimitCheck)") {
  const auto timeout = explain_one(sim::trace_kind::core, core_event::zab_learner_dropped,
                                   R"({"sid":1,"why":"transaction timeout","zxid":"0x100000007"})", "LEADING");
  CHECK(timeout.find("drops server 1") != std::string::npos);
  CHECK(timeout.find("proposal 0x100000007 unacknowledged") != std::string::npos);
  CHECK(timeout.find("SyncLimitCheck") != std::string::npos);
  const auto silent = explain_one(sim::trace_kind::core, core_event::zab_learner_dropped, R"({"sid":2,"why":"silent"})", "LEADING");
  CHECK(silent.find("drops server 2: nothing heard from it for syncLimit ticks") != std::string::npos);
  CHECK(silent.find("SyncLimitCheck") == std::string::npos);
}
