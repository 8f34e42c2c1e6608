#include "sim/world.h"

#include "sim/addresses.h"
#include "sim/check.h"
#include "sim/json.h"

namespace zablab::sim {

World::World(WorldOptions options)
    : options_(std::move(options)), sim_(options_.seed), network_(sim_, options_.network) {
  ZL_SIM_ASSERT(options_.servers >= 0 && options_.servers < kClientBase, "server count out of range");
  sim_.trace().set_retain(options_.retain_trace);
  taps_.set(port::client, &client_tap_);
  taps_.set(port::quorum, &peer_tap_);
  taps_.set(port::election, &peer_tap_);
  network_.set_tap(&taps_);
  // The seed and the shape of the world come first, so a trace says how to reproduce it.
  sim_.record(make_record(trace_kind::world_config, kNoEndpoint, kNoEndpoint, kNoEndpoint,
                          Json()
                              .str("seed", std::to_string(options_.seed))
                              .num("servers", options_.servers)
                              .str("kind", options_.kind.name)
                              .boolean("persistent", options_.persistent)
                              .str("latency", options_.network.default_latency.describe())
                              .str("fsync", options_.disk.sync_latency.describe())
                              .done()));
  for (EndpointId id = 1; id <= options_.servers; ++id) {
    server::ServerConfig config = options_.server;
    if (options_.persistent && config.data_dir.empty()) config.data_dir = "/data";
    if (!options_.persistent) config.data_dir.clear();
    if (options_.kind.name != "standalone") config.server_id = id;
    servers_.emplace(id, std::make_unique<ServerHost>(sim_, network_, id, std::move(config), options_.kind,
                                                      options_.disk, options_.host));
  }
}

World::~World() = default;

void World::start() {
  ZL_SIM_ASSERT(!started_, "the world starts once");
  started_ = true;
  for (auto& [id, host] : servers_) host->start();
}

// ------------------------------------------------------------------------------ clients

EndpointId World::add_client(client::ClientOptions options) {
  if (options.hosts.empty() || (options.hosts.size() == 1 && options.hosts[0] == "127.0.0.1:2181")) {
    options.hosts.clear();
    for (const auto& [id, host] : servers_) options.hosts.push_back(name_of(id) + ":" + std::to_string(port::client));
  }
  return add_client_node([options](client::ClientEnv& env) { return std::make_unique<client::Client>(env, options); },
                         [](client::ClientNode& node) { static_cast<client::Client&>(node).start(); });
}

EndpointId World::add_client_node(const ClientHost::Factory& factory,
                                  const std::function<void(client::ClientNode&)>& boot) {
  const EndpointId id = kClientBase + static_cast<EndpointId>(clients_.size()) + 1;
  auto host = std::make_unique<ClientHost>(sim_, network_, id, options_.host);
  ClientHost& h = *host;
  clients_.emplace(id, std::move(host));
  h.start(factory, boot);
  return id;
}

ClientHost& World::client_host(EndpointId id) {
  auto it = clients_.find(id);
  ZL_SIM_ASSERT(it != clients_.end(), "no client " + std::to_string(id));
  return *it->second;
}

client::Client& World::client(EndpointId id) {
  auto* c = dynamic_cast<client::Client*>(client_host(id).node());
  ZL_SIM_ASSERT(c != nullptr, name_of(id) + " is not a running client::Client");
  return *c;
}

void World::stop_client(EndpointId id) { client_host(id).stop("stopped"); }

// ------------------------------------------------------------------------------ client operations

namespace {
// The watcher of a watching read: the event is in the trace (its net.deliver), nothing to do here.
const client::Watcher& quiet_watcher() {
  static const client::Watcher w = client::make_watcher([](const client::WatchedEvent&) {});
  return w;
}
}  // namespace

std::uint64_t World::invoke(EndpointId c, std::string op_name, std::string path, std::string data, bool watch) {
  ClientOp o;
  o.id = history_.size() + 1;
  o.client = c;
  o.op = std::move(op_name);
  o.path = std::move(path);
  o.data = std::move(data);
  o.invoked_ns = sim_.now();
  Json detail;
  detail.num("op_id", static_cast<std::int64_t>(o.id)).str("path", o.path);
  if (!o.data.empty()) detail.num("bytes", static_cast<std::int64_t>(o.data.size()));
  if (watch) detail.boolean("watch", true);
  sim_.record(make_record(trace_kind::client_invoke, c, kNoEndpoint, kNoEndpoint, detail.done(), o.op));
  history_.push_back(std::move(o));
  return history_.back().id;
}

void World::returned(std::uint64_t op_id, Err err, std::string data) {
  ClientOp& o = history_.at(op_id - 1);
  o.returned_ns = sim_.now();
  o.err = err;
  if (!data.empty()) o.data = std::move(data);
  if (auto* c = dynamic_cast<client::Client*>(client_host(o.client).node())) o.zxid = c->last_zxid();
  sim_.record(make_record(trace_kind::client_return, o.client, kNoEndpoint, kNoEndpoint,
                          Json()
                              .num("op_id", static_cast<std::int64_t>(op_id))
                              .str("err", err_name(err))
                              .num("latency_ns", *o.returned_ns - o.invoked_ns)
                              .done(),
                          o.op, o.zxid));
}

const ClientOp& World::op(std::uint64_t id) const {
  ZL_SIM_ASSERT(id >= 1 && id <= history_.size(), "no operation " + std::to_string(id));
  return history_[id - 1];
}

std::uint64_t World::create(EndpointId c, std::string path, std::string data, std::int32_t flags,
                            client::Callback<client::CreateResult> cb) {
  const std::uint64_t id = invoke(c, "create", path, data);
  client_host(c).invoke([&](client::ClientNode&) {
    client(c).create(path, data, data::open_acl_unsafe(), flags,
                     [this, id, cb](const client::Result<client::CreateResult>& r) {
                       returned(id, r.err, r.ok() ? r.value.path : std::string());
                       if (cb) cb(r);
                     });
  });
  return id;
}

std::uint64_t World::get_data(EndpointId c, std::string path, client::Callback<jute::GetDataResponse> cb, bool watch) {
  const std::uint64_t id = invoke(c, "getData", path, {}, watch);
  client_host(c).invoke([&](client::ClientNode&) {
    client(c).get_data(path, watch ? quiet_watcher() : nullptr, [this, id, cb](const client::Result<jute::GetDataResponse>& r) {
      returned(id, r.err, r.ok() ? r.value.data.value_or(std::string()) : std::string());
      if (cb) cb(r);
    });
  });
  return id;
}

std::uint64_t World::set_data(EndpointId c, std::string path, std::string data, std::int32_t version,
                              client::Callback<jute::Stat> cb) {
  const std::uint64_t id = invoke(c, "setData", path, data);
  client_host(c).invoke([&](client::ClientNode&) {
    client(c).set_data(path, data, version, [this, id, cb](const client::Result<jute::Stat>& r) {
      returned(id, r.err);
      if (cb) cb(r);
    });
  });
  return id;
}

std::uint64_t World::remove(EndpointId c, std::string path, std::int32_t version, client::DoneCallback cb) {
  const std::uint64_t id = invoke(c, "delete", path, {});
  client_host(c).invoke([&](client::ClientNode&) {
    client(c).remove(path, version, [this, id, cb](Err err) {
      returned(id, err);
      if (cb) cb(err);
    });
  });
  return id;
}

std::uint64_t World::exists(EndpointId c, std::string path, client::Callback<jute::Stat> cb, bool watch) {
  const std::uint64_t id = invoke(c, "exists", path, {}, watch);
  client_host(c).invoke([&](client::ClientNode&) {
    client(c).exists(path, watch ? quiet_watcher() : nullptr, [this, id, cb](const client::Result<jute::Stat>& r) {
      returned(id, r.err);
      if (cb) cb(r);
    });
  });
  return id;
}

std::uint64_t World::get_children(EndpointId c, std::string path, client::Callback<client::ChildrenResult> cb,
                                  bool watch, bool with_stat) {
  const std::uint64_t id = invoke(c, with_stat ? "getChildren2" : "getChildren", path, {}, watch);
  client_host(c).invoke([&](client::ClientNode&) {
    client(c).get_children(path, watch ? quiet_watcher() : nullptr, with_stat, [this, id, cb](const client::Result<client::ChildrenResult>& r) {
      returned(id, r.err);
      if (cb) cb(r);
    });
  });
  return id;
}

std::uint64_t World::get_acl(EndpointId c, std::string path, client::Callback<jute::GetACLResponse> cb) {
  const std::uint64_t id = invoke(c, "getACL", path, {});
  client_host(c).invoke([&](client::ClientNode&) {
    client(c).get_acl(path, [this, id, cb](const client::Result<jute::GetACLResponse>& r) {
      returned(id, r.err);
      if (cb) cb(r);
    });
  });
  return id;
}

std::uint64_t World::sync(EndpointId c, std::string path, client::Callback<std::string> cb) {
  const std::uint64_t id = invoke(c, "sync", path, {});
  client_host(c).invoke([&](client::ClientNode&) {
    client(c).sync(path, [this, id, cb](const client::Result<std::string>& r) {
      returned(id, r.err);
      if (cb) cb(r);
    });
  });
  return id;
}

std::uint64_t World::close_session(EndpointId c, client::DoneCallback cb) {
  const std::uint64_t id = invoke(c, "close", {}, {});
  client_host(c).invoke([&](client::ClientNode&) {
    client(c).close([this, id, cb](Err err) {
      returned(id, err);
      if (cb) cb(err);
    });
  });
  return id;
}

// ------------------------------------------------------------------------------ running

bool World::step() { return sim_.step(); }

std::uint64_t World::run_until(Nanos when, std::uint64_t max_steps) {
  std::uint64_t steps = 0;
  for (;;) {
    const auto next = sim_.next_time();
    if (!next || *next > when) {
      if (when > sim_.now()) sim_.advance_to(when);
      return steps;
    }
    if (steps == max_steps) return steps;
    sim_.step();
    ++steps;
  }
}

bool World::run_until(const std::function<bool()>& done, std::uint64_t max_steps, Nanos deadline) {
  for (std::uint64_t steps = 0;; ++steps) {
    if (done()) return true;
    if (steps == max_steps) return false;
    const auto next = sim_.next_time();
    if (!next || *next > deadline) {
      if (deadline != INT64_MAX && deadline > sim_.now()) sim_.advance_to(deadline);
      return false;
    }
    sim_.step();
  }
}

// ------------------------------------------------------------------------------ faults

void World::crash(EndpointId server) { server_host(server).crash("crash"); }

void World::restart(EndpointId server) {
  ServerHost& h = server_host(server);
  ZL_SIM_ASSERT(!h.up(), name_of(server) + " is running; crash it first");
  h.start();
}

void World::partition(const std::vector<std::vector<EndpointId>>& groups) { network_.partition(groups); }

void World::isolate(EndpointId id) {
  std::vector<EndpointId> rest;
  for (const auto& [sid, h] : servers_)
    if (sid != id) rest.push_back(sid);
  for (const auto& [cid, h] : clients_)
    if (cid != id) rest.push_back(cid);
  network_.partition({{id}, rest});
}

std::size_t World::drop_connections(EndpointId id) {
  const auto conns = network_.connections_of(id);
  for (ConnId conn : conns) network_.reset(conn);
  return conns.size();
}

SimDisk& World::disk(EndpointId server) { return server_host(server).sim_disk(); }

// ------------------------------------------------------------------------------ inspection

std::vector<EndpointId> World::servers() const {
  std::vector<EndpointId> out;
  for (const auto& [id, h] : servers_) out.push_back(id);
  return out;
}

std::vector<EndpointId> World::clients() const {
  std::vector<EndpointId> out;
  for (const auto& [id, h] : clients_) out.push_back(id);
  return out;
}

bool World::up(EndpointId id) const {
  if (auto it = servers_.find(id); it != servers_.end()) return it->second->up();
  if (auto it = clients_.find(id); it != clients_.end()) return it->second->up();
  return false;
}

ServerHost& World::server_host(EndpointId id) {
  auto it = servers_.find(id);
  ZL_SIM_ASSERT(it != servers_.end(), "no server " + std::to_string(id));
  return *it->second;
}

ServerState World::server_state(EndpointId id) const {
  auto it = servers_.find(id);
  ZL_SIM_ASSERT(it != servers_.end(), "no server " + std::to_string(id));
  return it->second->state();
}

std::vector<ServerState> World::server_states() const {
  std::vector<ServerState> out;
  for (const auto& [id, h] : servers_) out.push_back(h->state());
  return out;
}

LinkGraph World::links() const {
  std::vector<EndpointId> up_ids;
  for (const auto& [id, h] : servers_)
    if (h->up()) up_ids.push_back(id);
  for (const auto& [id, h] : clients_)
    if (h->up()) up_ids.push_back(id);
  return LinkGraph(network_, std::move(up_ids));
}

bool World::quorum_reachable() const { return links().quorum_leader(servers()).has_value(); }

std::string World::connect_string() const {
  std::string out;
  for (const auto& [id, h] : servers_)
    out += (out.empty() ? "" : ",") + name_of(id) + ":" + std::to_string(port::client);
  return out;
}

}  // namespace zablab::sim
