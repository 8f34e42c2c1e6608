// sim::World: a whole deployment in one deterministic process -- N servers, M clients running the
// real client library, the simulated network and disks, one event queue, one trace.
//
//   WorldOptions o;  o.seed = 7;  o.servers = 1;
//   World w(o);
//   w.start();
//   EndpointId c = w.add_client({});                      // client::Client on every server
//   w.run_until([&] { return w.client(c).state() == client::State::connected; });
//   w.create(c, "/a", "x", create_mode::persistent);       // traced client.invoke / client.return
//   w.crash(1);  w.run_for(seconds(1));  w.restart(1);
//
// Faults are applied between steps; state is read between steps (server_state(), client()).
// Single-threaded; the same options and calls give the same trace, record for record.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/client/client.h"
#include "core/server/server_config.h"
#include "sim/addresses.h"
#include "sim/client_host.h"
#include "sim/client_protocol_tap.h"
#include "sim/reachability.h"
#include "sim/server_host.h"
#include "sim/server_kind.h"
#include "sim/sim_disk.h"
#include "sim/sim_network.h"
#include "sim/simulator.h"
#include "sim/wire_taps.h"

namespace zablab::sim {

struct WorldOptions {
  std::uint64_t seed = 1;
  int servers = 1;
  // Every server's settings; server_id is set to the server's number when the kind needs it
  // (standalone keeps 0), and an empty data_dir becomes "/data" when `persistent`.
  server::ServerConfig server;
  bool persistent = true;
  ServerKind kind = standalone_kind();
  NetworkOptions network;
  DiskOptions disk;
  HostOptions host;
  bool retain_trace = true;  // false: only count and hash the trace (benchmarks)
};

// One client operation from invoke to return, for history checkers.
struct ClientOp {
  std::uint64_t id = 0;
  EndpointId client = kNoEndpoint;
  std::string op;  // "create", "getData", ...
  std::string path;
  std::string data;  // written (create/setData) or read (getData) bytes
  Nanos invoked_ns = 0;
  std::optional<Nanos> returned_ns;  // nullopt while outstanding
  Err err = Err::ok;
  std::int64_t zxid = -1;  // the client's last zxid seen when the answer came
};

class World {
 public:
  static constexpr std::uint64_t kDefaultMaxSteps = 50'000'000;

  explicit World(WorldOptions options);
  ~World();
  World(const World&) = delete;
  World& operator=(const World&) = delete;

  // Starts every server (once).
  void start();

  // --- clients ---
  // A client::Client, started at once. Hosts are simulated names ("s2:2181") or addresses
  // ("10.0.0.2:2181"); empty hosts, or ClientOptions' default {"127.0.0.1:2181"}, mean every
  // server ("s1:2181,s2:2181,...").
  EndpointId add_client(client::ClientOptions options);
  // Any other client state machine (a raw protocol driver, a misbehaving client).
  EndpointId add_client_node(const ClientHost::Factory& factory,
                             const std::function<void(client::ClientNode&)>& boot = {});
  client::Client& client(EndpointId id);
  ClientHost& client_host(EndpointId id);
  void stop_client(EndpointId id);

  // --- client operations, traced as client.invoke / client.return and kept in history() ---
  // Callbacks are optional; each returns the operation's id.
  std::uint64_t create(EndpointId c, std::string path, std::string data, std::int32_t flags,
                       client::Callback<client::CreateResult> cb = {});
  // `watch`: the read also sets a one-shot watch (a no-op watcher; the trace shows its event).
  std::uint64_t get_data(EndpointId c, std::string path, client::Callback<jute::GetDataResponse> cb = {},
                         bool watch = false);
  std::uint64_t set_data(EndpointId c, std::string path, std::string data, std::int32_t version = -1,
                         client::Callback<jute::Stat> cb = {});
  std::uint64_t remove(EndpointId c, std::string path, std::int32_t version = -1, client::DoneCallback cb = {});
  std::uint64_t exists(EndpointId c, std::string path, client::Callback<jute::Stat> cb = {}, bool watch = false);
  // `with_stat`: getChildren2, the children with the parent's Stat.
  std::uint64_t get_children(EndpointId c, std::string path, client::Callback<client::ChildrenResult> cb = {},
                             bool watch = false, bool with_stat = false);
  std::uint64_t get_acl(EndpointId c, std::string path, client::Callback<jute::GetACLResponse> cb = {});
  std::uint64_t sync(EndpointId c, std::string path, client::Callback<std::string> cb = {});
  std::uint64_t close_session(EndpointId c, client::DoneCallback cb = {});
  const std::vector<ClientOp>& history() const { return history_; }
  const ClientOp& op(std::uint64_t id) const;
  bool done(std::uint64_t op_id) const { return op(op_id).returned_ns.has_value(); }

  // --- running ---
  // Runs one event. False if nothing is left to run.
  bool step();
  // Runs every event due at or before `when`, then moves the clock to `when`. Stops early after
  // max_steps (the clock then stays at the last event). Returns the steps run.
  std::uint64_t run_until(Nanos when, std::uint64_t max_steps = kDefaultMaxSteps);
  std::uint64_t run_for(Nanos duration, std::uint64_t max_steps = kDefaultMaxSteps) {
    return run_until(now() + duration, max_steps);
  }
  // Steps until `done()` holds (checked before every step): true if it did, false if the queue
  // ran dry, `max_steps` ran or the next event lies beyond `deadline`.
  bool run_until(const std::function<bool()>& done, std::uint64_t max_steps = kDefaultMaxSteps,
                 Nanos deadline = INT64_MAX);
  // run_until(done) bounded by virtual time too.
  bool run_until_within(const std::function<bool()>& done, Nanos duration, std::uint64_t max_steps = kDefaultMaxSteps) {
    return run_until(done, max_steps, now() + duration);
  }
  Nanos now() const { return sim_.now(); }

  // --- faults ---
  void crash(EndpointId server);    // power loss: volatile state and un-synced writes lost
  void restart(EndpointId server);  // a new process recovering from the simulated disk
  // Crash `server` when it next reaches a persistence point (sim/crash_points.h), up or down now.
  void arm_crash_point(EndpointId server, const std::string& point) { server_host(server).arm_crash_point(point); }
  void partition(const std::vector<std::vector<EndpointId>>& groups);
  void isolate(EndpointId id);  // cut off from every other endpoint, both ways
  void block(EndpointId from, EndpointId to) { network_.block(from, to); }
  void unblock(EndpointId from, EndpointId to) { network_.unblock(from, to); }
  void heal() { network_.heal(); }
  // Resets every connection of `id` (a client or a server); returns how many.
  std::size_t drop_connections(EndpointId id);
  SimDisk& disk(EndpointId server);

  // --- inspection ---
  std::vector<EndpointId> servers() const;  // by id
  std::vector<EndpointId> clients() const;  // by id
  bool up(EndpointId id) const;
  ServerHost& server_host(EndpointId id);
  ServerState server_state(EndpointId id) const;
  std::vector<ServerState> server_states() const;
  // The link graph over the endpoints that are up.
  LinkGraph links() const;
  // Some up server talks directly, both ways, with a majority of the ensemble.
  bool quorum_reachable() const;
  std::string connect_string() const;  // "s1:2181,s2:2181,..."

  Simulator& sim() { return sim_; }
  SimNetwork& network() { return network_; }
  Trace& trace() { return sim_.trace(); }
  const WorldOptions& options() const { return options_; }

 private:
  std::uint64_t invoke(EndpointId c, std::string op, std::string path, std::string data, bool watch = false);
  void returned(std::uint64_t op_id, Err err, std::string data = {});

  WorldOptions options_;
  Simulator sim_;
  SimNetwork network_;
  ClientProtocolTap client_tap_;
  PeerFrameTap peer_tap_;
  PortTaps taps_;
  std::map<EndpointId, std::unique_ptr<ServerHost>> servers_;
  std::map<EndpointId, std::unique_ptr<ClientHost>> clients_;
  std::vector<ClientOp> history_;
  bool started_ = false;
};

}  // namespace zablab::sim
