// Fast Leader Election's finalize wait, as ZooKeeper 3.8's lookForLeader runs it: once a quorum
// backs our proposal we wait finalizeWait (200 ms) for a better vote; a notification that is not
// better is dropped unread (whatever its round or state) and the wait starts over; a better one
// ends the wait and is taken.
#include <catch2/catch.hpp>

#include <optional>

#include "core/quorum/election.h"
#include "core/quorum/messages.h"
#include "tests/support/fake_env.h"

using namespace zablab;
using zablab::quorum::Election;
using zablab::quorum::Notification;
using zablab::quorum::PeerState;
using zablab::quorum::Vote;

namespace {

constexpr std::int64_t kZxid = 0x100000005LL;

Notification looking(std::int64_t leader, std::int64_t zxid, std::int64_t round, std::int64_t peer_epoch = 1) {
  Notification n;
  n.state = static_cast<std::int32_t>(PeerState::looking);
  n.leader = leader;
  n.zxid = zxid;
  n.election_epoch = round;
  n.peer_epoch = peer_epoch;
  return n;
}

// Fires every timer due within `ms` (the election's own), returning a decision if one comes.
std::optional<Vote> advance(test::FakeEnv& env, Election& e, std::int64_t ms) {
  const std::int64_t until = env.now + ms;
  while (!env.timers.empty() && env.timers.begin()->first.first <= until) {
    auto [key, id] = *env.timers.begin();
    env.timers.erase(env.timers.begin());
    env.now = key.first;
    if (auto v = e.on_timer(id)) return v;
  }
  env.now = until;
  return std::nullopt;
}

// Within `ms` the election decides for `leader`.
void check_decides(test::FakeEnv& env, Election& e, std::int64_t ms, std::int64_t leader) {
  const auto decided = advance(env, e, ms);
  REQUIRE(decided);
  CHECK(decided->leader == leader);
}

// Server 3 of {1,2,3} with the best history, backed by server 2: the finalize wait is running.
struct Backed {
  test::FakeEnv env;
  Election e{env, 3, {1, 2, 3}};
  Backed() {
    e.start(kZxid, 1);
    REQUIRE_FALSE(e.on_notification(2, looking(3, kZxid, 1)));
  }
};

}  // namespace

TEST_CASE("fle/finalize-wait: a later round's vote that is not better is dropped and we decide") {
  Backed b;
  // Server 1 has moved to round 2 voting for itself with an older zxid. Outside the wait this
  // would pull us into round 2 and restart the count; during it ZooKeeper drops it.
  REQUIRE_FALSE(b.e.on_notification(1, looking(1, kZxid - 2, 2)));
  CHECK(b.e.logical_clock() == 1);
  check_decides(b.env, b.e, 200, 3);
}

TEST_CASE("fle/finalize-wait: each dropped notification starts the wait over") {
  Backed b;
  REQUIRE_FALSE(advance(b.env, b.e, 150));
  REQUIRE_FALSE(b.e.on_notification(1, looking(1, kZxid - 2, 1)));  // not better: dropped
  CHECK_FALSE(advance(b.env, b.e, 150));                           // 300 ms in, 150 since the drop
  check_decides(b.env, b.e, 50, 3);
}

TEST_CASE("fle/finalize-wait: a better vote ends the wait and is taken") {
  Backed b;
  REQUIRE_FALSE(advance(b.env, b.e, 100));
  // Server 1 has a later zxid: it is the better leader, and our proposal changes to it.
  REQUIRE_FALSE(b.e.on_notification(1, looking(1, kZxid + 1, 1)));
  CHECK(b.e.proposal().leader == 1);
  // The old wait (due at 200 ms) is gone: no decision for 3. Servers 1 and 3 are a quorum
  // behind 1, so a new wait runs from the change, and 1 is decided when it ends.
  CHECK_FALSE(advance(b.env, b.e, 150));
  check_decides(b.env, b.e, 50, 1);
}

TEST_CASE("fle/votes: a vote for a server that is not a voter is ignored") {
  test::FakeEnv env;
  Election e{env, 1, {1, 2, 3}};
  e.start(0, 0);
  // Server 2 votes for 9, which is no voter: it must not become our proposal.
  REQUIRE_FALSE(e.on_notification(2, looking(9, kZxid, 1)));
  CHECK(e.proposal().leader == 1);
  CHECK(e.received().count(2) == 0);
}
