// A tiny deterministic world for client tests: real ServerCore servers and real client::Clients
// on one manual clock, with a network between them that the test can break.
//
// Each server gets a zablab::Env and each client a client::ClientEnv, all backed by one event
// queue ordered by (time, sequence). Bytes take `latency_ms` to cross a link, in order. Nothing
// happens until the test calls run_for() / run_until().
//
//   ClientWorld w;
//   w.add_server("s1:2181");
//   auto& c = w.add_client({.hosts = {"s1:2181"}});
//   c.start();
//   w.run_for(10);                       // connected
//   w.cut("s1:2181");                    // bytes to and from s1 are silently dropped
//   w.drop_connections_of(c);            // both ends see the connection close
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "core/client/client.h"
#include "core/server/server_core.h"
#include "core/util/prng.h"
#include "tests/support/fake_env.h"

namespace zablab::test {

class ClientWorld {
 public:
  explicit ClientWorld(std::int64_t latency_ms = 1, std::uint64_t seed = 42) : latency_(latency_ms), prng_(seed) {}
  ClientWorld(const ClientWorld&) = delete;
  ClientWorld& operator=(const ClientWorld&) = delete;
  ~ClientWorld() {
    // Clients first: their destructors may call into their envs.
    clients_.clear();
  }

  static server::ServerConfig default_config() {
    server::ServerConfig cfg;
    cfg.tick_time_ms = 2000;  // sessions between 4 s and 40 s
    return cfg;
  }

  // A standalone server answering under `host` ("name:port").
  server::ServerCore& add_server(const std::string& host, server::ServerConfig cfg = default_config()) {
    auto s = std::make_unique<ServerSlot>(*this, host);
    s->server = std::make_unique<server::ServerCore>(s->env, cfg);
    s->server->start();
    auto& ref = *s->server;
    servers_[host] = std::move(s);
    return ref;
  }
  // Another name for an existing server (so a client can "move" to the same server).
  void alias(const std::string& host, const std::string& existing) { aliases_[host] = existing; }
  server::ServerCore& server(const std::string& host) { return *slot(host)->server; }

  client::Client& add_client(client::ClientOptions options) {
    auto c = std::make_unique<ClientSlot>(*this);
    c->client = std::make_unique<client::Client>(c->env, std::move(options));
    auto& ref = *c->client;
    clients_.push_back(std::move(c));
    return ref;
  }

  std::int64_t now() const { return now_; }

  // Runs every event due within the next `ms` milliseconds, then sets the clock to now + ms.
  void run_for(std::int64_t ms) {
    const std::int64_t until = now_ + ms;
    for (std::size_t guard = 0; guard < 10'000'000; ++guard) {
      if (queue_.empty() || queue_.begin()->first.first > until) break;
      step();
    }
    now_ = until;
  }
  // Runs events until `done()` holds or `max_ms` of virtual time passed. Returns done().
  bool run_until(const std::function<bool()>& done, std::int64_t max_ms = 60'000) {
    const std::int64_t until = now_ + max_ms;
    for (std::size_t guard = 0; guard < 10'000'000 && !done(); ++guard) {
      if (queue_.empty() || queue_.begin()->first.first > until) {
        now_ = until;
        break;
      }
      step();
    }
    return done();
  }

  // --- faults ---

  // From now on bytes to and from `host` vanish, and new connections to it never complete
  // (they hang until the client gives up). Existing connections stay "open".
  void cut(const std::string& host) { cut_.insert(canonical(host)); }
  void heal(const std::string& host) { cut_.erase(canonical(host)); }
  // From now on bytes to and from client `c` vanish and its new connections hang (a partition
  // around one client). Existing connections stay "open".
  void isolate(const client::Client& c, bool isolated = true) {
    for (auto& slot : clients_)
      if (slot->client.get() == &c) {
        if (isolated) {
          isolated_.insert(slot.get());
        } else {
          isolated_.erase(slot.get());
        }
      }
  }
  // Connections to `host` are refused at once.
  void set_down(const std::string& host, bool down) {
    if (down) {
      down_.insert(canonical(host));
    } else {
      down_.erase(canonical(host));
    }
  }
  // Both ends of every open connection of `c` learn, now, that it closed.
  void drop_connections_of(const client::Client& c) {
    for (auto& [id, link] : links_) {
      if (link.client->client.get() != &c) continue;
      if (link.server_open) {
        link.server_open = false;
        slot(link.host)->server->on_client_closed(link.server_conn);
      }
      if (link.client_open) {
        link.client_open = false;
        link.client->client->on_closed(id);
      }
    }
  }
  // Delivers raw bytes to `c` on its open connection(s), as if the server had sent them.
  void inject(const client::Client& c, const std::string& bytes) {
    for (auto& [id, link] : links_)
      if (link.client->client.get() == &c && link.client_open) link.client->client->on_bytes(id, bytes);
  }
  // Open connections of `c` (client side).
  std::size_t open_connections(const client::Client& c) const {
    std::size_t n = 0;
    for (const auto& [id, link] : links_) n += link.client->client.get() == &c && link.client_open ? 1 : 0;
    return n;
  }

  // Every frame any client sent, as (request type) — for checking what went on the wire.
  // Only frames of open connections after the handshake are decoded: {xid, type}.
  std::vector<std::pair<std::int32_t, std::int32_t>> sent_headers(const client::Client& c) const {
    for (const auto& slot : clients_)
      if (slot->client.get() == &c) return slot->sent_headers;
    return {};
  }
  std::vector<std::string> client_logs(const client::Client& c) const {
    for (const auto& slot : clients_)
      if (slot->client.get() == &c) return slot->logs;
    return {};
  }
  std::vector<TraceEvent> client_traces(const client::Client& c) const {
    for (const auto& slot : clients_)
      if (slot->client.get() == &c) return slot->traces;
    return {};
  }

 private:
  struct ServerSlot;
  struct ClientSlot;

  struct Link {
    ClientSlot* client = nullptr;
    std::string host;  // canonical
    ConnId server_conn = 0;
    bool client_open = true;
    bool server_open = true;
    bool handshake_seen = false;  // the first client frame (ConnectRequest) went by
    std::string client_out;       // undecoded bytes the client sent (for sent_headers)
  };

  struct ServerEnv final : public Env {
    ServerEnv(ClientWorld& w, std::string h) : world(w), host(std::move(h)) {}
    std::int64_t now_ms() const override { return world.now_; }
    std::int64_t wall_ms() const override { return 1'700'000'000'000 + world.now_; }
    TimerId set_timer(std::int64_t delay_ms) override {
      const TimerId id = world.next_timer_++;
      world.at(world.now_ + delay_ms, [this, id] {
        if (world.cancelled_.erase(id)) return;
        world.slot(host)->server->on_timer(id);
      });
      return id;
    }
    void cancel_timer(TimerId id) override { world.cancelled_.insert(id); }
    void client_send(ConnId conn, std::string bytes) override {
      ConnId cid = world.client_conn_for(host, conn);
      if (cid == 0) return;
      world.at(world.now_ + world.latency_, [this, cid, bytes = std::move(bytes)] {
        auto it = world.links_.find(cid);
        if (it == world.links_.end() || !it->second.client_open || world.blocked(it->second)) return;
        it->second.client->client->on_bytes(cid, bytes);
      });
    }
    void client_close(ConnId conn) override {
      ConnId cid = world.client_conn_for(host, conn);
      if (cid == 0) return;
      world.links_[cid].server_open = false;
      world.at(world.now_ + world.latency_, [this, cid] {
        auto it = world.links_.find(cid);
        if (it == world.links_.end() || !it->second.client_open || world.blocked(it->second)) return;
        it->second.client_open = false;
        it->second.client->client->on_closed(cid);
      });
    }
    void peer_send(PeerId, PeerChannel, std::string) override {}
    void peer_disconnect(PeerId, PeerChannel) override {}
    Disk& disk() override { return mem_disk; }
    std::uint64_t random_u64() override { return world.prng_.next(); }
    void shutdown(std::string_view reason) override { shutdown_reason = std::string(reason); }
    void trace(const TraceEvent&) override {}
    void log(LogLevel, std::string_view message) override { logs.emplace_back(message); }

    ClientWorld& world;
    std::string host;
    MemDisk mem_disk;
    std::string shutdown_reason;
    std::vector<std::string> logs;
  };

  struct ClientEnvImpl final : public client::ClientEnv {
    ClientEnvImpl(ClientWorld& w, ClientSlot& s) : world(w), slot(s) {}
    std::int64_t now_ms() const override { return world.now_; }
    TimerId set_timer(std::int64_t delay_ms) override {
      const TimerId id = world.next_timer_++;
      world.at(world.now_ + delay_ms, [this, id] {
        if (world.cancelled_.erase(id)) return;
        slot.client->on_timer(id);
      });
      return id;
    }
    void cancel_timer(TimerId id) override { world.cancelled_.insert(id); }
    ConnId connect(const std::string& host_port) override {
      const ConnId cid = world.next_conn_++;
      const std::string host = world.canonical(host_port);
      world.at(world.now_ + world.latency_, [this, cid, host] {
        if (world.closed_early_.erase(cid)) return;  // the client gave up already
        if (world.cut_.count(host) || world.isolated_.count(&slot)) return;  // hangs until the client gives up
        auto* s = world.servers_.count(host) ? world.servers_[host].get() : nullptr;
        if (!s || world.down_.count(host)) {
          slot.client->on_closed(cid);
          return;
        }
        Link link;
        link.client = &slot;
        link.host = host;
        link.server_conn = world.next_server_conn_++;
        world.links_[cid] = link;
        s->server->on_client_connected(link.server_conn, "127.0.0.1:" + std::to_string(40000 + cid));
        slot.client->on_connected(cid);
      });
      return cid;
    }
    void send(ConnId conn, std::string bytes) override {
      auto it = world.links_.find(conn);
      if (it == world.links_.end() || !it->second.client_open) return;
      record(it->second, bytes);
      world.at(world.now_ + world.latency_, [this, conn, bytes = std::move(bytes)] {
        auto it2 = world.links_.find(conn);
        if (it2 == world.links_.end() || !it2->second.server_open || world.blocked(it2->second)) return;
        world.slot(it2->second.host)->server->on_client_bytes(it2->second.server_conn, bytes);
      });
    }
    void close(ConnId conn) override {
      auto it = world.links_.find(conn);
      if (it == world.links_.end()) {
        world.closed_early_.insert(conn);
        return;
      }
      it->second.client_open = false;
      world.at(world.now_ + world.latency_, [this, conn] {
        auto it2 = world.links_.find(conn);
        if (it2 == world.links_.end() || !it2->second.server_open || world.blocked(it2->second)) return;
        it2->second.server_open = false;
        world.slot(it2->second.host)->server->on_client_closed(it2->second.server_conn);
      });
    }
    std::uint64_t random_u64() override { return world.prng_.next(); }
    void trace(const TraceEvent& event) override { slot.traces.push_back(event); }
    void log(LogLevel, std::string_view message) override { slot.logs.emplace_back(message); }

    // Decodes the RequestHeaders of what the client sends (after the ConnectRequest).
    void record(Link& link, const std::string& bytes) {
      link.client_out += bytes;
      for (int guard = 0; guard < 100000 && link.client_out.size() >= 4; ++guard) {
        jute::Reader len(link.client_out);
        const auto n = static_cast<std::size_t>(len.i32());
        if (link.client_out.size() < 4 + n) break;
        std::string frame = link.client_out.substr(4, n);
        link.client_out.erase(0, 4 + n);
        if (!link.handshake_seen) {
          link.handshake_seen = true;
          continue;
        }
        auto h = jute::decode<jute::RequestHeader>(frame);
        slot.sent_headers.emplace_back(h.xid, h.type);
      }
    }

    ClientWorld& world;
    ClientSlot& slot;
  };

  struct ServerSlot {
    ServerSlot(ClientWorld& w, const std::string& host) : env(w, host) {}
    ServerEnv env;
    std::unique_ptr<server::ServerCore> server;
  };

  struct ClientSlot {
    explicit ClientSlot(ClientWorld& w) : env(w, *this) {}
    ~ClientSlot() { client.reset(); }
    ClientEnvImpl env;
    std::unique_ptr<client::Client> client;
    std::vector<std::pair<std::int32_t, std::int32_t>> sent_headers;
    std::vector<std::string> logs;
    std::vector<TraceEvent> traces;
  };

  std::string canonical(const std::string& host) const {
    auto it = aliases_.find(host);
    return it == aliases_.end() ? host : it->second;
  }
  bool blocked(const Link& link) const { return cut_.count(link.host) > 0 || isolated_.count(link.client) > 0; }
  ServerSlot* slot(const std::string& host) { return servers_.at(canonical(host)).get(); }
  ConnId client_conn_for(const std::string& host, ConnId server_conn) const {
    for (const auto& [cid, link] : links_)
      if (link.host == host && link.server_conn == server_conn) return cid;
    return 0;
  }

  void at(std::int64_t when, std::function<void()> fn) { queue_.emplace(std::make_pair(when, next_seq_++), std::move(fn)); }
  void step() {
    auto it = queue_.begin();
    now_ = std::max(now_, it->first.first);
    auto fn = std::move(it->second);
    queue_.erase(it);
    fn();
  }

  std::int64_t latency_;
  util::Prng prng_;
  std::int64_t now_ = 0;
  std::uint64_t next_seq_ = 0;
  TimerId next_timer_ = 1;
  ConnId next_conn_ = 1;
  ConnId next_server_conn_ = 1;
  std::map<std::pair<std::int64_t, std::uint64_t>, std::function<void()>> queue_;
  std::set<TimerId> cancelled_;
  std::set<ConnId> closed_early_;
  std::map<std::string, std::unique_ptr<ServerSlot>> servers_;
  std::map<std::string, std::string> aliases_;
  std::vector<std::unique_ptr<ClientSlot>> clients_;
  std::map<ConnId, Link> links_;
  std::set<std::string> cut_;
  std::set<std::string> down_;
  std::set<const ClientSlot*> isolated_;
};

// Captures one asynchronous answer.
template <class T>
struct Got {
  bool done = false;
  client::Result<T> result;
  client::Callback<T> cb() {
    return [this](const client::Result<T>& r) {
      done = true;
      result = r;
    };
  }
  Err err() const { return result.err; }
  const T& value() const { return result.value; }
};

struct GotErr {
  bool done = false;
  Err err = Err::system_error;
  client::DoneCallback cb() {
    return [this](Err e) {
      done = true;
      err = e;
    };
  }
};

}  // namespace zablab::test
