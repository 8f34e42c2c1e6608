// zablab-sim-bench: how fast the deterministic simulator runs. For 1, 3, 5 and 7 standalone
// servers, each with its own clients under a steady closed-loop load (every client keeps one
// request in flight: setData, getData, create/delete in turn), it runs a fixed span of virtual
// time and prints simulator events per wall second and simulated seconds per wall second.
//
//   zablab-sim-bench [--seconds 60] [--clients-per-server 4] [--seed 1]
//
// The wall clock is read here only, around whole runs; sim/ never reads it.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <string>
#include <vector>

#include "core/jute/codes.h"
#include "sim/world.h"

namespace {

using namespace zablab;
using namespace zablab::sim;

struct Row {
  int servers = 0;
  int clients = 0;
  std::uint64_t events = 0;
  std::uint64_t ops = 0;
  std::uint64_t records = 0;
  double wall_s = 0;
  double cpu_s = 0;  // process CPU time: steadier than wall time on a shared machine
  double sim_s = 0;
  std::string hash;
};

// One client's closed loop: the next request goes out when the last one answers.
struct Loop {
  World* world;
  EndpointId client;
  std::string path;
  std::uint64_t* ops;
  int step = 0;
  void next() {
    ++*ops;
    switch (step++ % 4) {
      case 0:
        world->set_data(client, path, "value-" + std::to_string(step), -1, [this](const auto&) { next(); });
        break;
      case 1:
        world->get_data(client, path, [this](const auto&) { next(); });
        break;
      case 2:
        world->create(client, path + "/child", "c", create_mode::ephemeral, [this](const auto&) { next(); });
        break;
      default:
        world->remove(client, path + "/child", -1, [this](Err) { next(); });
        break;
    }
  }
};

Row run(int servers, int clients_per_server, std::int64_t seconds_to_run, std::uint64_t seed) {
  WorldOptions o;
  o.seed = seed;
  o.servers = servers;
  o.retain_trace = false;  // hash every record, keep none: memory stays flat
  World w(o);
  w.start();
  std::vector<EndpointId> clients;
  for (int s = 1; s <= servers; ++s)
    for (int k = 0; k < clients_per_server; ++k) {
      client::ClientOptions co;
      co.hosts = {"s" + std::to_string(s) + ":2181"};
      co.session_timeout_ms = 10000;
      clients.push_back(w.add_client(co));
    }
  w.run_for(kSecond);  // sessions established
  std::uint64_t ops = 0;
  std::vector<Loop> loops;
  loops.reserve(clients.size());
  for (EndpointId c : clients) {
    const std::string path = "/bench-" + name_of(c);
    w.create(c, path, "", create_mode::persistent);
    loops.push_back(Loop{&w, c, path, &ops});
  }
  w.run_for(kSecond);
  for (auto& loop : loops) loop.next();

  const std::uint64_t events_before = w.sim().steps();
  const Nanos sim_before = w.now();
  const auto start = std::chrono::steady_clock::now();
  const std::clock_t cpu_start = std::clock();
  w.run_for(seconds(seconds_to_run));
  const std::clock_t cpu_stop = std::clock();
  const auto stop = std::chrono::steady_clock::now();

  Row row;
  row.servers = servers;
  row.clients = static_cast<int>(clients.size());
  row.events = w.sim().steps() - events_before;
  row.ops = ops;
  row.records = w.trace().size();
  row.wall_s = std::chrono::duration<double>(stop - start).count();
  row.cpu_s = static_cast<double>(cpu_stop - cpu_start) / CLOCKS_PER_SEC;
  row.sim_s = static_cast<double>(w.now() - sim_before) / static_cast<double>(kSecond);
  row.hash = w.trace().hash_hex();
  return row;
}

long arg(int argc, char** argv, const char* name, long fallback) {
  for (int i = 1; i + 1 < argc; ++i)
    if (std::strcmp(argv[i], name) == 0) return std::strtol(argv[i + 1], nullptr, 10);
  return fallback;
}

}  // namespace

int main(int argc, char** argv) {
  const long seconds_to_run = arg(argc, argv, "--seconds", 60);
  const long per_server = arg(argc, argv, "--clients-per-server", 4);
  const auto seed = static_cast<std::uint64_t>(arg(argc, argv, "--seed", 1));
  std::printf("zablab-sim-bench: %ld simulated s per row, %ld clients per server, seed %llu\n", seconds_to_run,
              per_server, static_cast<unsigned long long>(seed));
  std::printf("%7s %7s %11s %10s %8s %8s %13s %13s %12s %10s  %s\n", "servers", "clients", "events", "client ops",
              "wall s", "cpu s", "events/wall s", "sim s/wall s", "events/cpu s", "ops/sim s", "trace hash");
  for (int servers : {1, 3, 5, 7}) {
    const Row r = run(servers, static_cast<int>(per_server), seconds_to_run, seed);
    std::printf("%7d %7d %11llu %10llu %8.3f %8.3f %13.0f %13.1f %12.0f %10.0f  %s\n", r.servers, r.clients,
                static_cast<unsigned long long>(r.events), static_cast<unsigned long long>(r.ops), r.wall_s, r.cpu_s,
                static_cast<double>(r.events) / r.wall_s, r.sim_s / r.wall_s, static_cast<double>(r.events) / r.cpu_s,
                static_cast<double>(r.ops) / r.sim_s, r.hash.c_str());
  }
  return 0;
}
