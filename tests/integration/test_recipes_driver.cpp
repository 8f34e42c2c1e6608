// The C++ recipes (core/client/recipes) against a real server: `test_recipes_driver HOSTS NAME`
// plays one scenario with several real clients on one io_context (one thread, so the recipes'
// beliefs can be compared at every step) and exits 0, or 1 with "FAIL <name>: <why>" on stderr.
// Driven by test_recipes_real_server.py, which starts a zablab-server on a free port.
// Names: lock, lock-expiry, rwlock, semaphore, latch, election, barrier, double-barrier, queue,
// id-pool, group, config.
#include <algorithm>
#include <cstdio>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/client/recipes/barrier.h"
#include "core/client/recipes/config_watcher.h"
#include "core/client/recipes/group.h"
#include "core/client/recipes/id_pool.h"
#include "core/client/recipes/leader.h"
#include "core/client/recipes/queue.h"
#include "core/client/recipes/sequence_lock.h"
#include "core/data/acl.h"
#include "runtime/client/recipe_session.h"

using namespace zablab;
namespace recipes = zablab::client::recipes;
using runtime::RecipeSession;

namespace {

struct Failure : std::runtime_error {
  using std::runtime_error::runtime_error;
};
void expect(bool ok, const std::string& what) {
  if (!ok) throw Failure(what);
}

struct Rig {
  std::string hosts;
  std::string root;  // a fresh path per run
  std::shared_ptr<boost::asio::io_context> io = std::make_shared<boost::asio::io_context>();
  std::vector<std::unique_ptr<RecipeSession>> sessions;

  RecipeSession& add(std::int32_t timeout_ms = 4000) {
    sessions.push_back(std::make_unique<RecipeSession>(hosts, timeout_ms, 15000, io));
    return *sessions.back();
  }
  RecipeSession& any() { return *sessions.front(); }
  bool run_until(const std::function<bool()>& pred, std::int64_t ms) { return any().run_until(pred, ms); }
  void run_for(std::int64_t ms) { any().run_for(ms); }
  // Waits until `dir` has n children, so that the next candidate to join queues behind those
  // already in line: a fixed pause does not promise that on a loaded machine.
  void wait_children(const std::string& dir, std::size_t n) {
    auto seen = std::make_shared<std::size_t>(0);
    for (int attempt = 0; attempt < 250 && *seen < n; ++attempt) {
      auto answered = std::make_shared<bool>(false);
      any().client().get_children(dir, nullptr, false, [seen, answered](const client::Result<client::ChildrenResult>& r) {
        *seen = r.ok() ? r.value.children.size() : 0;
        *answered = true;
      });
      run_until([&] { return *answered; }, 5000);
      if (*seen < n) run_for(20);
    }
    expect(*seen >= n, dir + " never had " + std::to_string(n) + " children");
  }
  // Ends s's session the way ZooKeeper's tests do: a second connection resumes it and closes
  // it. s's client learns it at its next contact: reset its connection so it asks now.
  void expire(RecipeSession& s) {
    client::ClientOptions o;
    o.hosts = runtime::parse_hosts(hosts);
    o.session_id = s.client().session_id();
    o.session_password = s.client().session_password();
    o.session_timeout_ms = s.client().negotiated_timeout_ms();
    o.renew_session = false;
    RecipeSession thief(o, 10000, io);
    thief.close();
  }
};

// --- locks -------------------------------------------------------------------------------------

void lock_scenario(Rig& env) {
  std::vector<std::unique_ptr<recipes::Lock>> locks;
  for (int i = 0; i < 3; ++i) {
    auto& s = env.add();
    locks.push_back(std::make_unique<recipes::Lock>(s.client(), env.root + "/lock", "c" + std::to_string(i)));
  }
  // Ask in order 0, 1, 2 (each request answered before the next asks): the lock is fair.
  std::vector<int> order;
  for (int i = 0; i < 3; ++i) {
    auto& lock = *locks[static_cast<std::size_t>(i)];
    lock.acquire([&order, i](Err e) {
      if (e == Err::ok) order.push_back(i);
    });
    expect(env.run_until([&] { return !lock.node().empty(); }, 5000), "c" + std::to_string(i) + " did not get in line");
  }
  for (int round = 0; round < 3; ++round) {
    expect(env.run_until([&] { return static_cast<int>(order.size()) == round + 1; }, 5000), "nobody got the lock");
    int holders = 0;
    for (auto& l : locks) holders += l->held();
    expect(holders == 1, "holders: " + std::to_string(holders));
    env.run_for(100);
    expect(static_cast<int>(order.size()) == round + 1, "a second holder while the first holds");
    auto& holder = *locks[static_cast<std::size_t>(order.back())];
    bool released = false;
    holder.release([&](Err e) { released = e == Err::ok; });
    expect(env.run_until([&] { return released; }, 5000), "release did not finish");
  }
  expect(order == std::vector<int>({0, 1, 2}), "not first come, first served");
  // No herd: each waiter watched one node, so the watch table of each client is that small.
  for (auto& s : env.sessions) expect(s->client().watches().size() <= 1, "a waiter watched more than one node");
  std::cout << "lock: fair order 0,1,2, one holder at a time\n";
}

void lock_expiry_scenario(Rig& env) {
  auto& a = env.add(4000);
  auto& b = env.add(4000);
  recipes::Lock la(a.client(), env.root + "/lock", "a"), lb(b.client(), env.root + "/lock", "b");
  std::vector<std::string> a_events;
  la.set_listener([&](recipes::HoldEvent e) { a_events.emplace_back(recipes::hold_event_name(e)); });
  bool a_has = false, b_has = false;
  la.acquire([&](Err e) { a_has = e == Err::ok; });
  expect(env.run_until([&] { return a_has; }, 5000), "a did not get the lock");
  lb.acquire([&](Err e) { b_has = e == Err::ok; });
  env.run_for(300);
  expect(!b_has, "b got a held lock");
  env.expire(a);
  expect(env.run_until([&] { return b_has; }, 10000), "b did not get the lock after a's session expired");
  // a is told (lost), and no longer believes it holds.
  expect(env.run_until([&] { return !la.held() && std::count(a_events.begin(), a_events.end(), "lost") == 1; }, 10000),
         "a was not told it lost the lock");
  expect(lb.held() && !la.held(), "two holders after expiry");
  std::cout << "lock-expiry: a's events:";
  for (auto& e : a_events) std::cout << " " << e;
  std::cout << "; b holds\n";
}

void rwlock_scenario(Rig& env) {
  auto& s1 = env.add();
  auto& s2 = env.add();
  auto& s3 = env.add();
  auto& s4 = env.add();
  auto dir = env.root + "/rw";
  recipes::ReadLock r1(s1.client(), dir), r2(s2.client(), dir), r4(s4.client(), dir);
  recipes::WriteLock w3(s3.client(), dir);
  r1.acquire({});
  r2.acquire({});
  expect(env.run_until([&] { return r1.held() && r2.held(); }, 5000), "two readers do not share");
  w3.acquire({});
  env.run_until([&] { return !w3.node().empty(); }, 5000);
  r4.acquire({});  // after the writer: waits for it (writers are not starved)
  env.run_for(300);
  expect(!w3.held() && !r4.held(), "the writer or the late reader got in with readers holding");
  r1.release();
  env.run_for(200);
  expect(!w3.held(), "the writer got in with a reader holding");
  r2.release();
  expect(env.run_until([&] { return w3.held(); }, 5000), "the writer did not get the lock");
  expect(!r4.held(), "a reader holds with the writer");
  w3.release();
  expect(env.run_until([&] { return r4.held(); }, 5000), "the late reader did not get in");
  std::cout << "rwlock: readers share, the writer waits for them, a later reader waits for the writer\n";
}

void semaphore_scenario(Rig& env) {
  std::vector<std::unique_ptr<recipes::Semaphore>> sem;
  for (int i = 0; i < 3; ++i) {
    auto& s = env.add();
    sem.push_back(std::make_unique<recipes::Semaphore>(s.client(), env.root + "/sem", 2));
    sem.back()->acquire({});
    env.run_until([&] { return !sem.back()->node().empty(); }, 5000);
  }
  auto holders = [&] {
    int n = 0;
    for (auto& x : sem) n += x->held();
    return n;
  };
  expect(env.run_until([&] { return holders() == 2; }, 5000), "two permits not handed out");
  env.run_for(300);
  expect(holders() == 2 && !sem[2]->held(), "more than two holders");
  sem[0]->release();
  expect(env.run_until([&] { return sem[2]->held(); }, 5000), "the third did not get the freed permit");
  expect(holders() == 2, "permits: " + std::to_string(holders()));
  std::cout << "semaphore: 2 permits, the third waits until one is released\n";
}

void latch_scenario(Rig& env) {
  std::vector<std::unique_ptr<recipes::LeaderLatch>> latches;
  std::map<int, int> changes;
  for (int i = 0; i < 3; ++i) {
    auto& s = env.add(4000);
    latches.push_back(std::make_unique<recipes::LeaderLatch>(s.client(), env.root + "/latch", "n" + std::to_string(i)));
    latches.back()->set_listener([&changes, i](bool) { ++changes[i]; });
    latches.back()->start();
    env.wait_children(env.root + "/latch", static_cast<std::size_t>(i) + 1);
  }
  auto leaders = [&] {
    std::vector<int> out;
    for (int i = 0; i < 3; ++i)
      if (latches[static_cast<std::size_t>(i)]->has_leadership()) out.push_back(i);
    return out;
  };
  expect(env.run_until([&] { return leaders().size() == 1; }, 5000), "no leader");
  int first = leaders()[0];
  expect(first == 0, "the first candidate does not lead");
  latches[0]->close();
  expect(env.run_until([&] { return leaders() == std::vector<int>{1}; }, 5000), "leadership did not pass to 1");
  expect(changes[2] == 0, "candidate 2 was woken by the change (herd)");
  env.expire(*env.sessions[1]);
  expect(env.run_until([&] { return leaders() == std::vector<int>{2}; }, 10000), "leadership did not pass to 2 on expiry");
  // 1 rejoins as a candidate in its new session, behind 2.
  env.run_for(500);
  expect(leaders() == std::vector<int>{2}, "two leaders after 1 rejoined");
  std::cout << "latch: 0 leads, then 1 (close), then 2 (expiry); 2 never woken before its turn\n";
}

void election_scenario(Rig& env) {
  std::vector<std::unique_ptr<recipes::LeaderElection>> e;
  std::vector<int> elected;
  for (int i = 0; i < 3; ++i) {
    auto& s = env.add();
    e.push_back(std::make_unique<recipes::LeaderElection>(s.client(), env.root + "/elect", "n" + std::to_string(i), true));
    e.back()->volunteer([&elected, i] { elected.push_back(i); });
    env.wait_children(env.root + "/elect", static_cast<std::size_t>(i) + 1);
  }
  // Each leader resigns after a while and requeues: 0, 1, 2, 0, 1.
  for (int k = 0; k < 5; ++k) {
    expect(env.run_until([&] { return static_cast<int>(elected.size()) == k + 1; }, 5000), "no new leader");
    int leaders = 0;
    for (auto& x : e) leaders += x->is_leader();
    expect(leaders == 1, "leaders: " + std::to_string(leaders));
    e[static_cast<std::size_t>(elected.back())]->resign();
  }
  expect(elected == std::vector<int>({0, 1, 2, 0, 1}), "leadership did not rotate in line");
  std::cout << "election: resign + requeue rotates leadership 0,1,2,0,1\n";
}

// --- barriers, queue, ids ----------------------------------------------------------------------

void barrier_scenario(Rig& env) {
  auto& a = env.add();
  auto& b = env.add();
  recipes::Barrier ba(a.client(), env.root + "/gate"), bb(b.client(), env.root + "/gate");
  bool up = false, passed = false, down = false;
  ba.create([&](Err e) { up = e == Err::ok; });
  expect(env.run_until([&] { return up; }, 5000), "barrier not created");
  bb.wait([&](Err e) { passed = e == Err::ok; });
  env.run_for(300);
  expect(!passed, "passed a barrier that is up");
  ba.remove([&](Err e) { down = e == Err::ok; });
  expect(env.run_until([&] { return down && passed; }, 5000), "not released when the barrier went");
  std::cout << "barrier: waiters held until remove()\n";
}

void double_barrier_scenario(Rig& env) {
  std::vector<std::unique_ptr<recipes::DoubleBarrier>> b;
  std::vector<bool> in(3, false), out(3, false);
  for (int i = 0; i < 3; ++i) {
    auto& s = env.add();
    b.push_back(std::make_unique<recipes::DoubleBarrier>(s.client(), env.root + "/db", 3, "m" + std::to_string(i)));
  }
  for (int i = 0; i < 3; ++i) {
    auto ui = static_cast<std::size_t>(i);
    b[ui]->enter([&in, ui](Err e) { in[ui] = e == Err::ok; });
    env.run_for(200);
    if (i < 2) expect(!in[0] && !in[1], "entered before all arrived");
  }
  expect(env.run_until([&] { return in[0] && in[1] && in[2]; }, 5000), "not all entered");
  for (int i = 0; i < 3; ++i) {
    auto ui = static_cast<std::size_t>(i);
    b[ui]->leave([&out, ui](Err e) { out[ui] = e == Err::ok; });
    env.run_for(200);
    if (i < 2) expect(!out[0] && !out[1], "left before all were leaving");
  }
  expect(env.run_until([&] { return out[0] && out[1] && out[2]; }, 5000), "not all left");
  std::cout << "double-barrier: enter waits for all 3, leave waits for all 3\n";
}

void queue_scenario(Rig& env) {
  auto& p = env.add();
  auto& c1 = env.add();
  auto& c2 = env.add();
  // The queue's folder first: a put that finds no folder makes it and tries again, so puts racing
  // the consumers' making of it could be sequenced out of put order (items behind later ones),
  // and FIFO below is checked against put order.
  bool folder = false;
  recipes::ensure_path(p.client(), env.root + "/q", [&](Err e) { folder = e == Err::ok; });
  expect(env.run_until([&] { return folder; }, 5000), "the queue's folder was not made");
  recipes::Queue qp(p.client(), env.root + "/q"), q1(c1.client(), env.root + "/q"), q2(c2.client(), env.root + "/q");
  std::vector<std::string> got1, got2;
  std::function<void()> take1 = [&] { q1.take([&](const client::Result<std::string>& r) { if (r.ok()) got1.push_back(r.value); take1(); }); };
  std::function<void()> take2 = [&] { q2.take([&](const client::Result<std::string>& r) { if (r.ok()) got2.push_back(r.value); take2(); }); };
  take1();
  take2();
  int put = 0;
  for (int i = 0; i < 40; ++i)
    qp.put("item" + std::to_string(100 + i), [&](const client::Result<std::string>& r) { put += r.ok(); });
  expect(env.run_until([&] { return got1.size() + got2.size() == 40; }, 10000), "not every item was taken");
  expect(put == 40, "puts failed");
  std::set<std::string> all(got1.begin(), got1.end());
  all.insert(got2.begin(), got2.end());
  expect(all.size() == 40, "an item was taken twice");
  expect(std::is_sorted(got1.begin(), got1.end()) && std::is_sorted(got2.begin(), got2.end()), "out of FIFO order");
  std::cout << "queue: 40 items, each taken once (" << got1.size() << " + " << got2.size() << "), in order\n";
}

void id_pool_scenario(Rig& env) {
  std::vector<std::unique_ptr<recipes::IdPool>> pools;
  std::vector<int> ids(4, 0);
  for (int i = 0; i < 4; ++i) {
    auto& s = env.add(4000);
    pools.push_back(std::make_unique<recipes::IdPool>(s.client(), env.root + "/ids", 3));
  }
  for (int i = 0; i < 3; ++i)
    pools[static_cast<std::size_t>(i)]->acquire([&ids, i](const client::Result<int>& r) { ids[static_cast<std::size_t>(i)] = r.value; });
  expect(env.run_until([&] { return ids[0] && ids[1] && ids[2]; }, 5000), "three IDs not handed out");
  expect(std::set<int>(ids.begin(), ids.begin() + 3).size() == 3, "an ID handed out twice");
  pools[3]->acquire([&ids](const client::Result<int>& r) { ids[3] = r.value; });
  env.run_for(300);
  expect(ids[3] == 0, "a fourth ID out of three");
  bool told = false;
  pools[0]->set_listener([&](recipes::HoldEvent e) { told = told || e == recipes::HoldEvent::lost; });
  env.expire(*env.sessions[0]);
  expect(env.run_until([&] { return ids[3] != 0; }, 10000), "the expired owner's ID was not recycled");
  expect(ids[3] == ids[0], "the waiter got another ID than the freed one");
  expect(env.run_until([&] { return told && !pools[0]->held(); }, 10000), "the expired owner was not told");
  std::cout << "id-pool: 3 IDs, the 4th waiter gets ID " << ids[3] << " when its owner's session expires\n";
}

// --- membership, config --------------------------------------------------------------------------

void group_scenario(Rig& env) {
  auto& a = env.add(4000);
  auto& b = env.add(4000);
  auto& watcher = env.add();
  recipes::ServiceRegistry ra(a.client(), env.root + "/services"), rb(b.client(), env.root + "/services");
  recipes::ServiceCache cache(watcher.client(), "web", env.root + "/services");
  recipes::GroupView::Members last;
  cache.start([&](const recipes::GroupView::Members& m) { last = m; });
  ra.register_instance("web", "a", "10.0.0.1:80");
  rb.register_instance("web", "b", "10.0.0.2:80");
  recipes::GroupView::Members both{{"a", "10.0.0.1:80"}, {"b", "10.0.0.2:80"}};
  expect(env.run_until([&] { return last == both; }, 5000), "the cache did not see both instances");
  // a's session expires: it vanishes, and comes back by itself in its new session.
  bool gone = false;
  env.expire(a);
  expect(env.run_until([&] {
           gone = gone || last.size() == 1;
           return gone && last == both;
         }, 10000),
         "an expired instance did not vanish and come back");
  rb.unregister_instance("web", "b");
  expect(env.run_until([&] { return last.size() == 1 && last.count("a"); }, 5000), "unregister not seen");
  std::cout << "group: the cache tracks register, expiry + re-register, unregister\n";
}

void config_scenario(Rig& env) {
  auto& w = env.add();
  auto& s = env.add();
  recipes::ConfigWatcher cw(w.client(), env.root + "/config");
  std::vector<std::string> seen;
  cw.start([&](const std::optional<std::string>& d, std::int32_t) { seen.push_back(d ? *d : "<none>"); });
  expect(env.run_until([&] { return seen.size() == 1; }, 5000), "no first value");
  expect(seen[0] == "<none>", "a missing node is not reported as missing");
  bool done = false;
  recipes::ensure_path(s.client(), env.root, [&](Err) { done = true; });
  env.run_until([&] { return done; }, 5000);
  s.client().create(env.root + "/config", std::string("v1"), data::open_acl_unsafe(), 0, [](const auto&) {});
  expect(env.run_until([&] { return seen.back() == "v1"; }, 5000), "creation not seen");
  s.client().set_data(env.root + "/config", std::string("v2"), -1, [](const auto&) {});
  expect(env.run_until([&] { return seen.back() == "v2"; }, 5000), "change not seen");
  s.client().remove(env.root + "/config", -1, [](Err) {});
  expect(env.run_until([&] { return seen.back() == "<none>"; }, 5000), "deletion not seen");
  std::cout << "config: missing -> v1 -> v2 -> missing\n";
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "usage: test_recipes_driver HOSTS SCENARIO\n";
    return 2;
  }
  std::map<std::string, void (*)(Rig&)> scenarios{
      {"lock", lock_scenario},           {"lock-expiry", lock_expiry_scenario},
      {"rwlock", rwlock_scenario},       {"semaphore", semaphore_scenario},
      {"latch", latch_scenario},         {"election", election_scenario},
      {"barrier", barrier_scenario},     {"double-barrier", double_barrier_scenario},
      {"queue", queue_scenario},         {"id-pool", id_pool_scenario},
      {"group", group_scenario},         {"config", config_scenario},
  };
  std::string name = argv[2];
  auto it = scenarios.find(name);
  if (it == scenarios.end()) {
    std::cerr << "unknown scenario " << name << "\n";
    return 2;
  }
  Rig env;
  env.hosts = argv[1];
  env.root = "/recipes-" + name;
  try {
    it->second(env);
  } catch (const std::exception& e) {
    std::cerr << "FAIL " << name << ": " << e.what() << "\n";
    return 1;
  }
  return 0;
}
