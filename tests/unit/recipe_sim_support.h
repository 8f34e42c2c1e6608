// The recipe tests' simulated deployment: a 3-server ensemble with the Zab/client checkers
// listening to every trace record, N clients running the real client::Client, and a seeded
// fault schedule (server crashes and restarts, a server cut off, a client cut off long enough
// for its session to expire, connections reset). Recipes run on the simulated clients; the test
// records what each recipe *believes* (e.g. "I hold the lock") at the virtual time it learns it
// -- the omniscient view no real deployment has -- and checks the recipe-level invariant on it.
#pragma once

#include <catch2/catch.hpp>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/client/client.h"
#include "core/util/prng.h"
#include "sim/checkers/checkers.h"
#include "sim/quorum_kind.h"
#include "sim/world.h"

namespace zablab::sim::test {

struct RecipeWorldOptions {
  std::uint64_t seed = 1;
  int clients = 4;
  bool faults = true;
  std::int32_t session_timeout_ms = 3000;
};

class RecipeWorld {
 public:
  explicit RecipeWorld(RecipeWorldOptions o) : opts_(o), prng_(o.seed * 7919 + 17), world_(make_options(o.seed)) {
    world_.trace().subscribe([this](const TraceRecord& r) { engine_.on_record(r); });
    world_.start();
    for (int i = 0; i < o.clients; ++i) {
      client::ClientOptions co;
      co.session_timeout_ms = o.session_timeout_ms;
      co.reconnect_jitter_ms = 100;
      co.round_delay_ms = 200;
      clients_.push_back(world_.add_client(co));
      world_.client(clients_.back()).add_state_listener([this](client::State s) {
        sessions_lost_ += s == client::State::lost;
      });
    }
    // Everybody connected before the recipes start (the servers elect a leader first).
    REQUIRE(world_.run_until_within(
        [&] {
          for (auto c : clients_)
            if (world_.client(c).state() != client::State::connected) return false;
          return true;
        },
        seconds(30)));
  }

  World& world() { return world_; }
  client::Client& client(int i) { return world_.client(clients_[static_cast<std::size_t>(i)]); }
  // Runs fn as one handler of client i (so its callbacks run before the next event).
  void on(int i, const std::function<void(client::Client&)>& fn) {
    world_.client_host(clients_[static_cast<std::size_t>(i)]).invoke([&](client::ClientNode&) { fn(client(i)); });
  }
  int clients() const { return static_cast<int>(clients_.size()); }
  Nanos now() const { return world_.now(); }
  util::Prng& prng() { return prng_; }
  std::uint64_t rand(std::uint64_t n) { return prng_.next() % n; }

  // Runs `duration` of virtual time in slices of `slice`; between slices `each` may act (issue
  // recipe calls) and the fault schedule advances.
  void run(Nanos duration, Nanos slice, const std::function<void()>& each) {
    Nanos end = now() + duration;
    while (now() < end) {
      if (opts_.faults) fault_step();
      each();
      world_.run_for(slice);
    }
  }
  // Ends every fault and lets things settle (for liveness checks).
  void calm(Nanos duration, Nanos slice, const std::function<void()>& each) {
    end_fault();
    opts_.faults = false;
    run(duration, slice, each);
  }

  // The checkers saw no violation of Zab or of the client guarantees.
  void require_checkers_clean() {
    std::string all;
    for (const auto& v : engine_.violations()) all += v.describe() + "\n";
    INFO(all);
    REQUIRE(!engine_.violated());
  }
  std::uint64_t faults_injected() const { return faults_; }
  std::uint64_t expiries_forced() const { return expiries_; }
  // Sessions the clients were told had expired.
  std::uint64_t sessions_lost() const { return sessions_lost_; }

 private:
  static WorldOptions make_options(std::uint64_t seed) {
    WorldOptions o;
    o.seed = seed;
    o.server.tick_time_ms = 500;  // sessions 1 s .. 10 s; an election takes a few hundred ms
    configure_ensemble(o, 3);
    return o;
  }

  void fault_step() {
    if (fault_ != Fault::none) {
      if (now() >= fault_end_) end_fault();
      return;
    }
    if (rand(100) >= 8) return;  // about one fault every ~12 slices
    auto servers = world_.servers();
    switch (rand(5)) {
      case 0:  // a server loses power
        fault_server_ = servers[rand(servers.size())];
        world_.crash(fault_server_);
        fault_ = Fault::crash;
        fault_end_ = now() + ms(500 + static_cast<std::int64_t>(rand(2500)));
        break;
      case 1:  // a server is cut off (a leader in a minority must step down)
        fault_server_ = servers[rand(servers.size())];
        world_.isolate(fault_server_);
        fault_ = Fault::partition;
        fault_end_ = now() + ms(500 + static_cast<std::int64_t>(rand(4000)));
        break;
      case 2: {  // a client is cut off past its session timeout: its session expires
        auto c = clients_[rand(clients_.size())];
        world_.isolate(c);
        fault_ = Fault::partition;
        fault_end_ = now() + ms(opts_.session_timeout_ms + 1500 + static_cast<std::int64_t>(rand(1000)));
        ++expiries_;
        break;
      }
      case 3: {  // a client is cut off briefly: suspended, same session afterwards
        auto c = clients_[rand(clients_.size())];
        world_.isolate(c);
        fault_ = Fault::partition;
        fault_end_ = now() + ms(200 + static_cast<std::int64_t>(rand(800)));
        break;
      }
      default:  // connections reset
        world_.drop_connections(clients_[rand(clients_.size())]);
        break;
    }
    ++faults_;
  }

  void end_fault() {
    if (fault_ == Fault::crash) world_.restart(fault_server_);
    if (fault_ == Fault::partition) world_.heal();
    fault_ = Fault::none;
  }

  enum class Fault { none, crash, partition };
  RecipeWorldOptions opts_;
  util::Prng prng_;
  check::CheckEngine engine_;  // before world_: the world's last records reach it
  World world_;
  std::vector<EndpointId> clients_;
  Fault fault_ = Fault::none;
  Nanos fault_end_ = 0;
  EndpointId fault_server_ = kNoEndpoint;
  std::uint64_t faults_ = 0, expiries_ = 0, sessions_lost_ = 0;
};

// How many seeds each family runs: ZABLAB_RECIPE_SEEDS overrides (a long soak).
inline int recipe_seeds(int fallback) {
  if (const char* s = std::getenv("ZABLAB_RECIPE_SEEDS")) return std::max(1, std::atoi(s));
  return fallback;
}

}  // namespace zablab::sim::test
