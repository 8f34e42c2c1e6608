// ID pool, barriers, queue, group membership and the config watcher inside the simulator, under
// crashes, partitions and session expiries, with the Zab/client checkers on. Invariants are
// judged on what each recipe believes at the virtual moment it learns it.
#include <catch2/catch.hpp>

#include <algorithm>
#include <map>
#include <set>

#include "core/client/recipes/barrier.h"
#include "core/client/recipes/config_watcher.h"
#include "core/client/recipes/group.h"
#include "core/client/recipes/id_pool.h"
#include "core/client/recipes/queue.h"
#include "tests/unit/recipe_sim_support.h"

using namespace zablab;
using namespace zablab::sim;
using namespace zablab::sim::test;
using client::recipes::HoldEvent;

TEST_CASE("recipes/sim: the ID pool never gives one ID to two live holders, under faults", "[recipes][sim]") {
  int seeds = recipe_seeds(40);
  std::uint64_t acquired = 0, lost = 0;
  for (int s = 1; s <= seeds; ++s) {
    // 5 clients, 3 IDs: always somebody waiting for an ID to come back.
    RecipeWorld rw({.seed = static_cast<std::uint64_t>(s), .clients = 5});
    std::map<int, int> owner;  // id -> client that believes it holds it
    std::string violation;
    std::vector<std::unique_ptr<client::recipes::IdPool>> pools;
    std::vector<Nanos> release_at(5, 0);
    for (int i = 0; i < 5; ++i) {
      pools.push_back(std::make_unique<client::recipes::IdPool>(rw.client(i), "/ids", 3));
      auto* p = pools.back().get();
      p->set_listener([&, i, p](HoldEvent e) {
        if (e == HoldEvent::acquired) {
          ++acquired;
          if (p->id() < 1 || p->id() > 3) violation = "ID out of range: " + std::to_string(p->id());
          auto [it, fresh] = owner.emplace(p->id(), i);
          if (!fresh && it->second != i && violation.empty())
            violation = "seed " + std::to_string(s) + ": ID " + std::to_string(p->id()) + " held by clients " +
                        std::to_string(it->second) + " and " + std::to_string(i) + " at " + std::to_string(rw.now());
          return;
        }
        lost += e == HoldEvent::lost;
        for (auto it = owner.begin(); it != owner.end();)
          it = it->second == i ? owner.erase(it) : std::next(it);
      });
    }
    auto each = [&] {
      for (int i = 0; i < 5; ++i) {
        auto& p = *pools[static_cast<std::size_t>(i)];
        auto ui = static_cast<std::size_t>(i);
        if (!p.held()) release_at[ui] = 0;
        if (p.held() && release_at[ui] == 0)
          release_at[ui] = rw.now() + ms(rw.rand(3) == 0 ? 1500 + static_cast<std::int64_t>(rw.rand(2500))
                                                           : 100 + static_cast<std::int64_t>(rw.rand(500)));
        if (p.held() && rw.now() >= release_at[ui]) {
          rw.on(i, [&](client::Client&) { p.release(); });
        } else if (!p.held() && p.id() == 0 && !p.acquiring()) {
          rw.on(i, [&](client::Client&) { p.acquire([](const client::Result<int>&) {}); });
        }
      }
    };
    rw.run(seconds(20), ms(50), each);
    INFO(violation);
    REQUIRE(violation.empty());
    rw.require_checkers_clean();
    rw.calm(seconds(6), ms(50), each);
    REQUIRE(violation.empty());
    rw.require_checkers_clean();
    pools.clear();
  }
  CHECK(acquired > static_cast<std::uint64_t>(seeds) * 10);
  CHECK(lost > 0);
  WARN("ID pool: " << seeds << " seeds, " << acquired << " IDs handed out, " << lost << " lost to expiry");
}

TEST_CASE("recipes/sim: the double barrier releases nobody before all arrived, under faults", "[recipes][sim]") {
  int seeds = recipe_seeds(50);
  int rounds_done = 0;
  for (int s = 1; s <= seeds; ++s) {
    RecipeWorld rw({.seed = static_cast<std::uint64_t>(s), .clients = 4});
    // Two rounds, each on a fresh path; members arrive at random moments.
    for (int round = 0; round < 2; ++round) {
      std::string path = "/barrier/round" + std::to_string(round);
      std::vector<std::unique_ptr<client::recipes::DoubleBarrier>> b;
      std::vector<Nanos> arrive(4), entered(4, -1), left(4, -1), leave_called(4, -1);
      for (int i = 0; i < 4; ++i) {
        b.push_back(std::make_unique<client::recipes::DoubleBarrier>(rw.client(i), path, 4, "m" + std::to_string(i)));
        arrive[static_cast<std::size_t>(i)] = rw.now() + ms(static_cast<std::int64_t>(rw.rand(3000)));
      }
      std::vector<bool> asked(4, false);
      // A member whose session expires has left, as far as the others can tell (its node is
      // gone): the leave rule only binds the members that stayed.
      std::vector<bool> expired(4, false);
      std::vector<std::uint64_t> listeners;
      for (int i = 0; i < 4; ++i)
        listeners.push_back(rw.client(i).add_state_listener([&expired, i](client::State st) {
          if (st == client::State::lost) expired[static_cast<std::size_t>(i)] = true;
        }));
      auto each = [&] {
        for (int i = 0; i < 4; ++i) {
          auto ui = static_cast<std::size_t>(i);
          if (!asked[ui] && rw.now() >= arrive[ui]) {
            asked[ui] = true;
            arrive[ui] = rw.now();
            rw.on(i, [&, ui](client::Client&) {
              b[ui]->enter([&, ui](Err e) {
                if (e == Err::ok) entered[ui] = rw.now();
              });
            });
          }
          if (entered[ui] >= 0 && leave_called[ui] < 0 && rw.now() >= entered[ui] + ms(static_cast<std::int64_t>(rw.rand(1500)))) {
            leave_called[ui] = rw.now();
            rw.on(i, [&, ui](client::Client&) {
              b[ui]->leave([&, ui](Err e) {
                if (e == Err::ok) left[ui] = rw.now();
              });
            });
          }
        }
      };
      rw.run(seconds(10), ms(50), each);
      rw.calm(seconds(15), ms(50), each);
      Nanos last_arrival = *std::max_element(arrive.begin(), arrive.end());
      Nanos last_leave_call = 0;
      for (std::size_t i = 0; i < 4; ++i)
        if (!expired[i]) last_leave_call = std::max(last_leave_call, leave_called[i]);
      for (std::size_t i = 0; i < 4; ++i) {
        INFO("seed " << s << " round " << round << " member " << i);
        REQUIRE(entered[i] >= 0);          // everybody got through (liveness, after the faults)
        CHECK(entered[i] >= last_arrival);  // safety: nobody before the last arrival
        REQUIRE(left[i] >= 0);
        if (!expired[i]) CHECK(left[i] >= last_leave_call);  // nobody left before the last one started leaving
      }
      rw.require_checkers_clean();
      for (int i = 0; i < 4; ++i) rw.client(i).remove_state_listener(listeners[static_cast<std::size_t>(i)]);
      b.clear();
      ++rounds_done;
    }
  }
  CHECK(rounds_done == 2 * seeds);
}

TEST_CASE("recipes/sim: a barrier holds its waiters until removed", "[recipes][sim]") {
  for (int s = 1; s <= recipe_seeds(20); ++s) {
    RecipeWorld rw({.seed = static_cast<std::uint64_t>(s), .clients = 3});
    client::recipes::Barrier b0(rw.client(0), "/gate"), b1(rw.client(1), "/gate"), b2(rw.client(2), "/gate");
    bool created = false;
    rw.on(0, [&](client::Client&) { b0.create([&](Err e) { created = e == Err::ok; }); });
    REQUIRE(rw.world().run_until_within([&] { return created; }, seconds(10)));
    Nanos passed1 = -1, passed2 = -1, removed = -1;
    rw.on(1, [&](client::Client&) { b1.wait([&](Err e) { passed1 = e == Err::ok ? rw.now() : -2; }); });
    rw.on(2, [&](client::Client&) { b2.wait([&](Err e) { passed2 = e == Err::ok ? rw.now() : -2; }); });
    rw.run(seconds(8), ms(50), [] {});
    CHECK(passed1 == -1);
    CHECK(passed2 == -1);
    rw.calm(seconds(2), ms(50), [] {});
    // The waiters may hear of the deletion before the remover hears its answer: judge by the
    // moment remove() was called.
    Nanos remove_called = rw.now();
    rw.on(0, [&](client::Client&) { b0.remove([&](Err e) { removed = e == Err::ok ? rw.now() : -2; }); });
    rw.calm(seconds(8), ms(50), [] {});
    INFO("seed " << s);
    REQUIRE(removed > 0);
    CHECK(passed1 >= remove_called);
    CHECK(passed2 >= remove_called);
    rw.require_checkers_clean();
  }
}

TEST_CASE("recipes/sim: the queue hands each item to one consumer, under faults", "[recipes][sim]") {
  int seeds = recipe_seeds(40);
  std::uint64_t taken_total = 0;
  for (int s = 1; s <= seeds; ++s) {
    RecipeWorld rw({.seed = static_cast<std::uint64_t>(s), .clients = 4});
    // Clients 0, 1 produce 30 items each; 2, 3 consume.
    std::vector<std::unique_ptr<client::recipes::Queue>> q;
    for (int i = 0; i < 4; ++i) q.push_back(std::make_unique<client::recipes::Queue>(rw.client(i), "/queue"));
    std::map<std::string, int> taken;  // item -> times taken
    std::set<std::string> put_ok;
    int next_item[2] = {0, 0}, attempt[2] = {0, 0};
    bool busy[4] = {false, false, false, false};
    auto each = [&] {
      for (int p = 0; p < 2; ++p)
        if (!busy[p] && next_item[p] < 30) {
          busy[p] = true;
          // Unique per attempt: a put retried after ConnectionLoss may land twice, and that
          // duplicate is the producer's, not a double take.
          std::string item = "p" + std::to_string(p) + "-" + std::to_string(next_item[p]) + "-a" + std::to_string(attempt[p]++);
          rw.on(p, [&, p, item](client::Client&) {
            q[static_cast<std::size_t>(p)]->put(item, [&, p, item](const client::Result<std::string>& r) {
              busy[p] = false;
              if (r.ok()) {
                put_ok.insert(item);
                ++next_item[p];
              }  // else: unknown outcome; the next put is another item, a duplicate is possible
            });
          });
        }
      for (int c = 2; c < 4; ++c)
        if (!busy[c]) {
          busy[c] = true;
          rw.on(c, [&, c](client::Client&) {
            q[static_cast<std::size_t>(c)]->take([&, c](const client::Result<std::string>& r) {
              busy[c] = false;
              if (r.ok()) ++taken[r.value];
            });
          });
        }
    };
    rw.run(seconds(15), ms(50), each);
    rw.calm(seconds(10), ms(50), each);
    for (const auto& [item, n] : taken) {
      INFO("seed " << s << " item " << item);
      CHECK(n == 1);  // never twice
    }
    // Every acknowledged put reached a consumer, unless its taker's session expired between
    // the take's commit and its answer (then the item is gone: at most once).
    std::size_t missing = 0;
    for (const auto& item : put_ok) missing += taken.count(item) == 0;
    CHECK(missing <= rw.sessions_lost());
    taken_total += taken.size();
    rw.require_checkers_clean();
    q.clear();
  }
  CHECK(taken_total > static_cast<std::uint64_t>(seeds) * 50);
}

TEST_CASE("recipes/sim: group views and config watchers converge after faults", "[recipes][sim]") {
  for (int s = 1; s <= recipe_seeds(20); ++s) {
    RecipeWorld rw({.seed = static_cast<std::uint64_t>(s), .clients = 4});
    // Clients 0..2 join; client 3 watches the group and the config node.
    std::vector<std::unique_ptr<client::recipes::Member>> members;
    for (int i = 0; i < 3; ++i) {
      members.push_back(std::make_unique<client::recipes::Member>(rw.client(i), "/group", "m" + std::to_string(i),
                                                                  "host" + std::to_string(i)));
      rw.on(i, [&](client::Client&) { members.back()->join(); });
    }
    client::recipes::GroupView view(rw.client(3), "/group");
    client::recipes::ConfigWatcher config(rw.client(3), "/config");
    int views = 0;
    std::vector<std::optional<std::string>> seen;
    rw.on(3, [&](client::Client&) {
      view.start([&](const client::recipes::GroupView::Members&) { ++views; });
      config.start([&](const std::optional<std::string>& d, std::int32_t) { seen.push_back(d); });
    });
    int writes = 0;
    bool writing = false;
    auto each = [&] {
      if (!writing && writes < 20 && rw.rand(4) == 0) {
        writing = true;
        std::string v = "v" + std::to_string(writes);
        rw.on(0, [&, v](client::Client& c) {
          auto done = [&](Err) {
            writing = false;
            ++writes;
          };
          c.set_data("/config", v, -1, [&, v, done](const client::Result<jute::Stat>& r) {
            if (r.err == Err::no_node)
              return rw.client(0).create("/config", v, data::open_acl_unsafe(), 0,
                                         [done](const client::Result<client::CreateResult>& cr) { done(cr.err); });
            done(r.err);
          });
        });
      }
    };
    rw.run(seconds(15), ms(50), each);
    rw.calm(seconds(12), ms(50), [] {});
    // A last write after the faults (an earlier one may have failed with an unknown outcome).
    bool final_done = false;
    rw.on(0, [&](client::Client& c) {
      c.set_data("/config", std::string("final"), -1, [&](const client::Result<jute::Stat>& r) { final_done = r.ok(); });
    });
    rw.calm(seconds(3), ms(50), [] {});
    INFO("seed " << s);
    REQUIRE(final_done);
    // Every member rejoined after its expiries; the view shows exactly them, with their data.
    client::recipes::GroupView::Members want{{"m0", "host0"}, {"m1", "host1"}, {"m2", "host2"}};
    CHECK(view.members() == want);
    CHECK(views >= 1);
    // The watcher ends on the last value written (and it saw it change along the way).
    REQUIRE(!seen.empty());
    CHECK(config.data() == std::optional<std::string>("final"));
    CHECK(seen.size() >= 2);
    rw.require_checkers_clean();
    members.clear();
  }
}
