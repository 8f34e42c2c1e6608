// Ensembles in the simulator: Fast Leader Election and Zab with real quorum peers and clients.
#include <catch2/catch.hpp>

#include "core/quorum/quorum_peer.h"
#include "sim/quorum_kind.h"
#include "sim/world.h"

using namespace zablab;
using namespace zablab::sim;

namespace {

WorldOptions ensemble(int voters, int observers = 0, std::uint64_t seed = 1) {
  WorldOptions o;
  o.seed = seed;
  o.server.tick_time_ms = 2000;
  configure_ensemble(o, voters, observers);
  return o;
}

int count_role(const World& w, const std::string& role) {
  int n = 0;
  for (const auto& s : w.server_states()) n += s.role == role ? 1 : 0;
  return n;
}

std::optional<EndpointId> leader_of(const World& w) {
  for (const auto& s : w.server_states())
    if (s.role == "leading") return s.id;
  return std::nullopt;
}

bool settled(const World& w, int voters) {
  return count_role(w, "leading") == 1 && count_role(w, "following") == voters - 1;
}

}  // namespace

TEST_CASE("zab/election: three fresh servers elect the largest id and establish epoch 1") {
  World w(ensemble(3));
  w.start();
  REQUIRE(w.run_until_within([&] { return settled(w, 3); }, seconds(10)));
  CHECK(leader_of(w) == EndpointId{3});
}

TEST_CASE("fle/observers: a voter still LOOKING answers an observer's notification with its vote") {
  // ZooKeeper's WorkerReceiver answers a non-voter at once, whatever its own state; the
  // observer learns the voters' round and votes while they are still electing.
  World w(ensemble(3, 1));
  w.start();
  REQUIRE(w.run_until_within([&] { return settled(w, 3) && count_role(w, "observing") == 1; }, seconds(10)));
  int answers_while_looking = 0;
  for (const auto& r : w.trace().records())
    if (r.kind == trace_kind::send && r.msg_type == "vote" && r.to == 4 && r.from >= 1 && r.from <= 3 &&
        r.detail.find("\"state\":\"LOOKING\"") != std::string::npos)
      ++answers_while_looking;
  CHECK(answers_while_looking > 0);
}

namespace {

const quorum::QuorumPeer& peer(World& w, EndpointId id) {
  return dynamic_cast<const quorum::QuorumPeer&>(*w.server_host(id).node());
}

// A client of the whole ensemble; waits until connected.
EndpointId connected_client(World& w, std::vector<std::string> hosts = {}) {
  client::ClientOptions o;
  o.hosts = std::move(hosts);
  o.session_timeout_ms = 10000;
  EndpointId c = w.add_client(o);
  REQUIRE(w.run_until_within([&] { return w.client(c).state() == client::State::connected; }, seconds(30)));
  return c;
}

// Issues `n` creates one after another and waits for them; returns how many succeeded.
int write_all(World& w, EndpointId c, const std::string& prefix, int n) {
  int ok = 0;
  for (int i = 0; i < n; ++i) {
    auto op = w.create(c, prefix + std::to_string(i), "v", 0);
    if (!w.run_until_within([&] { return w.done(op); }, seconds(30))) break;
    ok += w.op(op).err == Err::ok ? 1 : 0;
  }
  return ok;
}

// Every live server has the same data (same zxid, same paths).
bool converged(World& w) {
  std::optional<std::int64_t> zxid;
  for (const auto& s : w.server_states()) {
    if (!s.up) continue;
    if (zxid && *zxid != s.last_zxid) return false;
    zxid = s.last_zxid;
  }
  return true;
}

}  // namespace

TEST_CASE("zab/broadcast: writes through any server reach every server in the same order") {
  World w(ensemble(3));
  w.start();
  REQUIRE(w.run_until_within([&] { return settled(w, 3); }, seconds(10)));
  EndpointId c1 = connected_client(w, {"s1:2181"});
  EndpointId c3 = connected_client(w, {"s3:2181"});
  CHECK(write_all(w, c1, "/via-follower-", 5) == 5);
  CHECK(write_all(w, c3, "/via-leader-", 5) == 5);
  REQUIRE(w.run_until_within([&] { return converged(w); }, seconds(5)));
  for (EndpointId s : w.servers()) {
    CHECK(peer(w, s).tree().find("/via-follower-4") != nullptr);
    CHECK(peer(w, s).tree().find("/via-leader-4") != nullptr);
    CHECK(quorum::epoch_of(peer(w, s).tree().last_processed_zxid()) == 1);
  }
}

TEST_CASE("zab/failover: the leader crashes, the others elect a new one in a later epoch, nothing acknowledged is lost") {
  World w(ensemble(3));
  w.start();
  REQUIRE(w.run_until_within([&] { return settled(w, 3); }, seconds(10)));
  EndpointId c = connected_client(w);
  REQUIRE(write_all(w, c, "/before-", 5) == 5);
  const EndpointId old_leader = *leader_of(w);
  w.crash(old_leader);
  REQUIRE(w.run_until_within(
      [&] {
        auto l = leader_of(w);
        return l && count_role(w, "following") == 1 && peer(w, *l).phase() == quorum::Phase::broadcast;
      },
      seconds(30)));
  const EndpointId new_leader = *leader_of(w);
  CHECK(new_leader != old_leader);
  CHECK(peer(w, new_leader).current_epoch() == 2);
  CHECK(write_all(w, c, "/after-", 3) == 3);
  for (EndpointId s : w.servers()) {
    if (s == old_leader) continue;
    for (int i = 0; i < 5; ++i) CHECK(peer(w, s).tree().find("/before-" + std::to_string(i)) != nullptr);
  }
  // The old leader comes back as a follower and catches up.
  w.restart(old_leader);
  REQUIRE(w.run_until_within([&] { return settled(w, 3) && converged(w); }, seconds(30)));
  CHECK(peer(w, old_leader).tree().find("/after-2") != nullptr);
  CHECK(peer(w, old_leader).state() == quorum::PeerState::following);
}

TEST_CASE("zab/minority: a partitioned leader without a quorum steps down; the majority elects and serves") {
  World w(ensemble(5));
  w.start();
  REQUIRE(w.run_until_within([&] { return settled(w, 5); }, seconds(10)));
  const EndpointId old_leader = *leader_of(w);
  std::vector<EndpointId> minority{old_leader}, majority;
  for (EndpointId s : w.servers())
    if (s != old_leader) (minority.size() < 2 ? minority : majority).push_back(s);
  w.partition({minority, majority});
  REQUIRE(w.run_until_within(
      [&] {
        int leaders = 0;
        for (EndpointId s : majority) leaders += peer(w, s).state() == quorum::PeerState::leading ? 1 : 0;
        return leaders == 1 && peer(w, old_leader).state() == quorum::PeerState::looking;
      },
      seconds(60)));
  w.heal();
  REQUIRE(w.run_until_within([&] { return settled(w, 5) && converged(w); }, seconds(60)));
  CHECK(leader_of(w) != old_leader);
}

TEST_CASE("zab/sync: a far-behind follower gets SNAP, a near one DIFF") {
  WorldOptions o = ensemble(3);
  World w(o);
  w.start();
  REQUIRE(w.run_until_within([&] { return settled(w, 3); }, seconds(10)));
  EndpointId c = connected_client(w, {"s3:2181"});
  w.crash(1);
  REQUIRE(write_all(w, c, "/while-down-", 3) == 3);
  w.restart(1);
  REQUIRE(w.run_until_within([&] { return settled(w, 3) && converged(w); }, seconds(30)));
  bool saw_diff = false;
  for (const auto& r : w.trace().records())
    if (r.msg_type == core_event::zab_sync && r.detail.find("\"mode\":\"DIFF\"") != std::string::npos) saw_diff = true;
  CHECK(saw_diff);
  CHECK(peer(w, 1).tree().find("/while-down-2") != nullptr);
}

TEST_CASE("zab/observers: an observer serves reads, forwards writes, never votes") {
  World w(ensemble(3, 1));
  w.start();
  REQUIRE(w.run_until_within([&] { return settled(w, 3) && count_role(w, "observing") == 1; }, seconds(20)));
  EndpointId c = connected_client(w, {"s4:2181"});
  CHECK(write_all(w, c, "/from-observer-", 3) == 3);
  REQUIRE(w.run_until_within([&] { return converged(w); }, seconds(5)));
  CHECK(peer(w, 4).tree().find("/from-observer-2") != nullptr);
  CHECK(peer(w, 4).state() == quorum::PeerState::observing);
}

TEST_CASE("zab/sessions: an ephemeral vanishes everywhere when its session expires; a client fails over keeping its session") {
  World w(ensemble(3));
  w.start();
  REQUIRE(w.run_until_within([&] { return settled(w, 3); }, seconds(10)));
  EndpointId c = connected_client(w, {"s1:2181", "s2:2181"});
  auto op = w.create(c, "/eph", "x", create_mode::ephemeral);
  REQUIRE(w.run_until_within([&] { return w.done(op); }, seconds(10)));
  REQUIRE(w.op(op).err == Err::ok);
  const std::int64_t session = w.client(c).session_id();
  // Its server dies: the client moves to another one, same session, ephemeral kept.
  const EndpointId first = w.client(c).connected_host() == "s1:2181" ? 1 : 2;
  w.crash(first);
  REQUIRE(w.run_until_within([&] { return w.client(c).state() != client::State::connected; }, seconds(30)));
  REQUIRE(w.run_until_within([&] { return w.client(c).state() == client::State::connected; }, seconds(30)));
  CHECK(w.client(c).session_id() == session);
  auto ex = w.exists(c, "/eph");
  REQUIRE(w.run_until_within([&] { return w.done(ex); }, seconds(30)));
  CHECK(w.op(ex).err == Err::ok);
  // The client goes away for good: the leader expires the session and the node vanishes everywhere.
  w.stop_client(c);
  w.run_for(seconds(40));
  for (EndpointId s : w.servers())
    if (w.up(s)) CHECK(peer(w, s).tree().find("/eph") == nullptr);
}

namespace {

// The same znodes with the same stats on every live server.
bool trees_identical(World& w) {
  std::optional<std::map<std::string, std::int64_t>> first;
  for (EndpointId s : w.servers()) {
    if (!w.up(s)) continue;
    std::map<std::string, std::int64_t> nodes;
    std::vector<std::string> stack{"/"};
    const auto& tree = peer(w, s).tree();
    while (!stack.empty()) {
      std::string p = stack.back();
      stack.pop_back();
      const auto* n = tree.find(p);
      if (!n) continue;
      nodes[p] = n->stat.mzxid;
      for (const auto& c : n->children) stack.push_back(p == "/" ? "/" + c : p + "/" + c);
    }
    if (!first) {
      first = nodes;
    } else if (*first != nodes) {
      return false;
    }
  }
  return true;
}

}  // namespace

TEST_CASE("zab/election: 3, 5 and 7 servers converge on one leader for many seeds, from fresh and after crashes") {
  for (int size : {3, 5, 7}) {
    for (std::uint64_t seed = 1; seed <= 6; ++seed) {
      World w(ensemble(size, 0, seed));
      w.start();
      INFO("size " << size << " seed " << seed);
      REQUIRE(w.run_until_within([&] { return settled(w, size); }, seconds(20)));
      // A minority crashes, the leader among them; the rest converge again.
      const EndpointId leader = *leader_of(w);
      w.crash(leader);
      if (size > 3) w.crash(leader == 1 ? 2 : 1);
      const int alive = size - (size > 3 ? 2 : 1);
      REQUIRE(w.run_until_within(
          [&] { return count_role(w, "leading") == 1 && count_role(w, "following") == alive - 1; }, seconds(60)));
      CHECK(leader_of(w) != leader);
    }
  }
}

// An old leader, cut off with a proposal only it logged, comes back to the majority's new leader.
// Returns how the new leader synced it ("TRUNC", "SNAP", ...). With `new_epoch_write` the new
// leader commits a txn of its own epoch before the old one returns.
std::string isolated_leader_rejoins(bool new_epoch_write) {
  World w(ensemble(3));
  w.start();
  REQUIRE(w.run_until_within([&] { return settled(w, 3); }, seconds(10)));
  const EndpointId old_leader = *leader_of(w);
  EndpointId c = connected_client(w, {"s" + std::to_string(old_leader) + ":2181"});
  REQUIRE(write_all(w, c, "/committed-", 3) == 3);
  // The leader and its client on one side, the other servers on the other.
  std::vector<EndpointId> rest;
  for (EndpointId s : w.servers())
    if (s != old_leader) rest.push_back(s);
  w.partition({{old_leader, c}, rest});
  auto lost = w.create(c, "/never-committed", "x", 0);
  REQUIRE(w.run_until_within([&] { return peer(w, old_leader).uncommitted() > 0; }, seconds(5)));
  // The majority moves on in a new epoch; the old leader gives up its leadership. (Had the
  // partition healed before the majority elected anyone, the old leader's longer history could
  // win and commit the proposal everywhere instead: also correct Zab.)
  EndpointId new_leader = 0;
  REQUIRE(w.run_until_within(
      [&] {
        if (peer(w, old_leader).state() != quorum::PeerState::looking) return false;
        for (EndpointId s : rest)
          if (peer(w, s).state() == quorum::PeerState::leading && peer(w, s).phase() == quorum::Phase::broadcast) {
            new_leader = s;
            return true;
          }
        return false;
      },
      seconds(60)));
  if (new_epoch_write) {
    EndpointId c2 = connected_client(w, {"s" + std::to_string(new_leader) + ":2181"});
    REQUIRE(write_all(w, c2, "/new-epoch-", 1) == 1);
  }
  // A restart brings it back at once (a server long alone in LOOKING waits up to a minute
  // between notification rounds, and meanwhile its client's session would expire: a txn).
  w.crash(old_leader);
  w.heal();
  w.restart(old_leader);
  REQUIRE(w.run_until_within([&] { return settled(w, 3) && converged(w); }, seconds(60)));
  REQUIRE(w.run_until_within([&] { return w.done(lost); }, seconds(60)));
  CHECK(w.op(lost).err != Err::ok);
  for (EndpointId s : w.servers()) CHECK(peer(w, s).tree().find("/never-committed") == nullptr);
  CHECK(trees_identical(w));
  std::string mode;
  for (const auto& r : w.trace().records())
    if (r.msg_type == core_event::zab_sync && r.detail.find("\"sid\":" + std::to_string(old_leader) + ",") != std::string::npos &&
        r.detail.find("\"mode\":\"DIFF\"") == std::string::npos)
      mode = r.detail.find("TRUNC") != std::string::npos ? "TRUNC" : "SNAP";
  return mode;
}

TEST_CASE("zab/trunc: an old leader back before the new epoch has txns is TRUNCated to the shared history") {
  CHECK(isolated_leader_rejoins(false) == "TRUNC");
}

TEST_CASE("zab/snap: an old leader back after the new epoch has txns gets a SNAP (no TRUNC across epochs)") {
  CHECK(isolated_leader_rejoins(true) == "SNAP");
}

TEST_CASE("zab/snap: a follower that missed more than the leader keeps in memory gets a SNAP") {
  World w(ensemble(3));
  w.start();
  REQUIRE(w.run_until_within([&] { return settled(w, 3); }, seconds(10)));
  const EndpointId leader = *leader_of(w);
  const EndpointId behind = leader == 1 ? 2 : 1;
  EndpointId c = connected_client(w, {"s" + std::to_string(leader) + ":2181"});
  w.crash(behind);
  // More than the 500 committed txns a leader keeps for DIFFs.
  std::vector<std::uint64_t> ops;
  for (int i = 0; i < 520; ++i) ops.push_back(w.create(c, "/bulk-" + std::to_string(i), "v", 0));
  REQUIRE(w.run_until_within([&] { return w.done(ops.back()); }, seconds(120)));
  w.restart(behind);
  REQUIRE(w.run_until_within([&] { return settled(w, 3) && converged(w); }, seconds(60)));
  bool saw_snap = false;
  for (const auto& r : w.trace().records())
    if (r.msg_type == core_event::zab_sync && r.detail.find("\"mode\":\"SNAP\"") != std::string::npos) saw_snap = true;
  CHECK(saw_snap);
  CHECK(peer(w, behind).tree().find("/bulk-519") != nullptr);
  CHECK(trees_identical(w));
  // And it survives its own restart from what the SNAP left on its disk.
  w.crash(behind);
  w.restart(behind);
  REQUIRE(w.run_until_within([&] { return settled(w, 3) && converged(w); }, seconds(60)));
  CHECK(peer(w, behind).tree().find("/bulk-519") != nullptr);
}

TEST_CASE("zab/snap: a snapshot larger than jute.maxbuffer reaches the follower in pieces, and it joins") {
  // Three 900 KB znodes: 2.7 MB of tree, more than a learner reads in one packet (2 x jute.maxbuffer).
  World w(ensemble(3));
  w.start();
  REQUIRE(w.run_until_within([&] { return settled(w, 3); }, seconds(10)));
  const EndpointId leader = *leader_of(w);
  const EndpointId behind = leader == 1 ? 2 : 1;
  EndpointId c = connected_client(w, {"s" + std::to_string(leader) + ":2181"});
  w.crash(behind);
  std::vector<std::uint64_t> ops;
  for (int i = 0; i < 3; ++i) ops.push_back(w.create(c, "/big-" + std::to_string(i), std::string(900'000, static_cast<char>('a' + i)), 0));
  for (int i = 0; i < 520; ++i) ops.push_back(w.create(c, "/bulk-" + std::to_string(i), "v", 0));
  REQUIRE(w.run_until_within([&] { return w.done(ops.back()); }, seconds(120)));
  w.restart(behind);
  REQUIRE(w.run_until_within([&] { return settled(w, 3) && converged(w); }, seconds(60)));
  bool saw_snap = false;
  for (const auto& r : w.trace().records())
    if (r.msg_type == core_event::zab_sync && r.detail.find("\"mode\":\"SNAP\"") != std::string::npos) saw_snap = true;
  CHECK(saw_snap);
  const data::DataNode* big = peer(w, behind).tree().find("/big-2");
  REQUIRE(big != nullptr);
  CHECK(big->data == std::string(900'000, 'c'));
  CHECK(trees_identical(w));
}

TEST_CASE("zab/outage: every server crashes and restarts; nothing acknowledged is lost") {
  World w(ensemble(3));
  w.start();
  REQUIRE(w.run_until_within([&] { return settled(w, 3); }, seconds(10)));
  EndpointId c = connected_client(w);
  REQUIRE(write_all(w, c, "/durable-", 10) == 10);
  for (EndpointId s : w.servers()) w.crash(s);
  w.run_for(seconds(5));
  for (EndpointId s : w.servers()) w.restart(s);
  REQUIRE(w.run_until_within([&] { return settled(w, 3) && converged(w); }, seconds(60)));
  for (EndpointId s : w.servers())
    for (int i = 0; i < 10; ++i) CHECK(peer(w, s).tree().find("/durable-" + std::to_string(i)) != nullptr);
  CHECK(trees_identical(w));
}

TEST_CASE("zab/sessions: a reconnect through a follower asks the leader (REVALIDATE); an expired session is refused") {
  World w(ensemble(3));
  w.start();
  REQUIRE(w.run_until_within([&] { return settled(w, 3); }, seconds(10)));
  const EndpointId leader = *leader_of(w);
  std::vector<std::string> followers;
  for (EndpointId s : w.servers())
    if (s != leader) followers.push_back("s" + std::to_string(s) + ":2181");
  EndpointId c = connected_client(w, followers);
  const std::int64_t session = w.client(c).session_id();
  const EndpointId first = w.client(c).connected_host() == followers[0] ? std::stoi(followers[0].substr(1))
                                                                         : std::stoi(followers[1].substr(1));
  const std::size_t mark = w.trace().records().size();
  w.crash(first);
  REQUIRE(w.run_until_within([&] { return w.client(c).state() != client::State::connected; }, seconds(30)));
  REQUIRE(w.run_until_within([&] { return w.client(c).state() == client::State::connected; }, seconds(30)));
  CHECK(w.client(c).session_id() == session);
  // The other follower asked the leader, which said the session lives.
  bool asked = false, answered = false;
  const auto& records = w.trace().records();
  for (std::size_t i = mark; i < records.size(); ++i) {
    const auto& r = records[i];
    if (r.kind != trace_kind::core) continue;
    asked = asked || (r.msg_type == core_event::zab_revalidate && r.node != leader && r.node != first);
    answered = answered || (r.msg_type == core_event::zab_revalidated && r.node == leader &&
                            r.detail.find("\"valid\":true") != std::string::npos);
  }
  CHECK(asked);
  CHECK(answered);

  // Cut off from every server past its timeout: the leader expires the session, and when the
  // client comes back through the follower the leader's answer is "invalid".
  w.isolate(c);
  w.run_for(seconds(30));
  const std::size_t mark2 = w.trace().records().size();
  w.heal();
  REQUIRE(w.run_until_within([&] { return w.client(c).state() == client::State::lost; }, seconds(30)));
  bool refused = false;
  for (std::size_t i = mark2; i < w.trace().records().size(); ++i) {
    const auto& r = w.trace().records()[i];
    refused = refused || (r.kind == trace_kind::core && r.msg_type == core_event::zab_revalidated &&
                          r.detail.find("\"valid\":false") != std::string::npos);
  }
  CHECK(refused);  // a learner asks even when it has applied the closeSession itself
}
