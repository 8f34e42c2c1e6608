// The always-on invariants of core/quorum/zab_invariants.h: each holds for the values a correct
// peer has and is broken, with a message naming it and the values, for those it must refuse; a
// peer that finds one broken stops, and a follower told to TRUNC below what it knows committed
// refuses the TRUNC.
#include <catch2/catch.hpp>

#include "core/quorum/zab_invariants.h"
#include "tests/unit/zab_conversation.h"

using namespace zablab;
using namespace zablab::test::zab;
namespace inv = zablab::quorum::invariants;
namespace packet = zablab::quorum::packet;

namespace {

// The breach's message, or "" when the invariant held.
std::string message(const std::optional<util::Breach>& b) { return b ? util::describe(*b) : std::string(); }

}  // namespace

TEST_CASE("zab invariant: a leader proposes above its last zxid") {
  CHECK_FALSE(inv::proposal_above_last(make_zxid(1, 4), make_zxid(1, 3)));
  CHECK_FALSE(inv::proposal_above_last(make_zxid(2, 1), make_zxid(1, 9)));
  CHECK(message(inv::proposal_above_last(make_zxid(1, 3), make_zxid(1, 3))) ==
        "invariant broken: a leader proposes above its last zxid (proposal 0x100000003, last 0x100000003)");
  CHECK(inv::proposal_above_last(make_zxid(1, 2), make_zxid(1, 3)));
}

TEST_CASE("zab invariant: a learner logs proposals in zxid order") {
  CHECK_FALSE(inv::logged_in_order(make_zxid(1, 2), make_zxid(1, 1)));
  CHECK(message(inv::logged_in_order(make_zxid(1, 1), make_zxid(1, 2))) ==
        "invariant broken: a learner logs proposals in zxid order (proposal 0x100000001, last logged or applied "
        "0x100000002)");
}

TEST_CASE("zab invariant: an epoch on disk never goes backwards") {
  CHECK_FALSE(inv::epoch_never_backwards("acceptedEpoch", 3, 3));
  CHECK_FALSE(inv::epoch_never_backwards("acceptedEpoch", 4, 3));
  CHECK(message(inv::epoch_never_backwards("currentEpoch", 2, 3)) ==
        "invariant broken: an epoch on disk never goes backwards (currentEpoch 2 written over 3)");
}

TEST_CASE("zab invariant: currentEpoch is never above acceptedEpoch") {
  CHECK_FALSE(inv::current_within_accepted(3, 3));
  CHECK_FALSE(inv::current_within_accepted(2, 3));
  CHECK(message(inv::current_within_accepted(4, 3)) ==
        "invariant broken: currentEpoch is never above acceptedEpoch (currentEpoch 4, acceptedEpoch 3)");
}

TEST_CASE("zab invariant: a committed zxid is never above the logged one") {
  CHECK_FALSE(inv::commit_within_log(make_zxid(1, 3), make_zxid(1, 3)));
  CHECK(message(inv::commit_within_log(make_zxid(1, 4), make_zxid(1, 3))) ==
        "invariant broken: a committed zxid is never above the logged one (commit 0x100000004, last logged "
        "0x100000003)");
}

TEST_CASE("zab invariant: a TRUNC never goes below a committed zxid") {
  CHECK_FALSE(inv::trunc_keeps_committed(make_zxid(1, 3), make_zxid(1, 3)));
  CHECK(message(inv::trunc_keeps_committed(make_zxid(1, 2), make_zxid(1, 3))) ==
        "invariant broken: a TRUNC never goes below a committed zxid (TRUNC to 0x100000002, committed 0x100000003)");
}

TEST_CASE("zab invariant: a peer that finds one broken stops serving and says which") {
  Conversation c(ensemble(1, 3, false), 3);
  c.epoch_files(0, 0);
  c.start();
  CHECK(c.peer->holds(std::nullopt));
  CHECK(c.env.shutdown_reason.empty());
  CHECK_FALSE(c.peer->holds(inv::proposal_above_last(make_zxid(1, 1), make_zxid(1, 2))));
  CHECK(c.env.shutdown_reason.find("a leader proposes above its last zxid") != std::string::npos);
  CHECK(c.env.has_logged("invariant broken: a leader proposes above its last zxid (proposal 0x100000001"));
  bool traced = false;
  for (const auto& t : c.env.traces) traced = traced || t.kind == EventKind::invariant_broken;
  CHECK(traced);
}

TEST_CASE("zab invariant: a follower refuses a TRUNC below a txn it applied on its leader's COMMIT") {
  Conversation c(ensemble(1, 3, false), 3);
  c.epoch_files(0, 0);
  c.start();
  c.elect(3, 2);
  const std::int64_t z1 = make_zxid(1, 1);
  c.run({
      {"FOLLOWERINFO", {}, {{packet::followerinfo}}},
      {"LEADERINFO -> ACKEPOCH", {{packet::leaderinfo, make_zxid(1, 0), int32_data(quorum::kProtocolVersion)}},
       {{packet::ackepoch}}},
      {"DIFF, NEWLEADER, UPTODATE -> ACK, ACK",
       {{packet::diff, 0, std::string()}, {packet::newleader, make_zxid(1, 0)}, {packet::uptodate, 0}},
       {{packet::ack}, {packet::ack}}},
      {"PROPOSAL (1,1), COMMIT -> ACK; /a applied",
       {{packet::proposal, z1, data::encode_txn(create_txn(z1, "/a", "1"))}, {packet::commit, z1}},
       {{packet::ack, z1}},
       [](Conversation& c) { CHECK(c.data_of("/a") == "1"); }},
      {"TRUNC to 0 -> refused: the connection closes, /a stays", {{packet::trunc, 0}}, {},
       [](Conversation& c) {
         CHECK(c.peer->state() == PeerState::looking);
         CHECK(c.env.disconnected.count(3) == 1);
         CHECK(c.data_of("/a") == "1");
         CHECK(c.recovered().last_processed_zxid() == make_zxid(1, 1));
         CHECK(c.env.has_logged("a TRUNC never goes below a committed zxid (TRUNC to 0x0, committed 0x100000001)"));
         CHECK(c.env.shutdown_reason.empty());
       }},
  });
}
