// The machine a simulated client runs on: its ClientEnv over the simulated network, with
// virtual time, timers and a seeded PRNG, hosting any client::ClientNode (normally the real
// client::Client, so simulated clients run the same code as real ones).
//
// connect("s2:2181") resolves simulated names and addresses (sim/addresses.h); an unknown host
// gets a connection that is refused. Inputs reach the client one handler at a time; calls into
// the ClientEnv only schedule events.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "core/client/client_env.h"
#include "core/util/prng.h"
#include "sim/process_trace.h"
#include "sim/server_host.h"
#include "sim/sim_network.h"
#include "sim/timer_table.h"

namespace zablab::sim {

class ClientHost final : public client::ClientEnv, public NetEndpoint {
 public:
  using Factory = std::function<std::unique_ptr<client::ClientNode>(client::ClientEnv& env)>;

  ClientHost(Simulator& sim, SimNetwork& network, EndpointId id, HostOptions options);
  ~ClientHost() override;
  ClientHost(const ClientHost&) = delete;
  ClientHost& operator=(const ClientHost&) = delete;

  // Builds the client node. `boot` (e.g. Client::start) runs as its first handler.
  void start(const Factory& factory, const std::function<void(client::ClientNode&)>& boot);
  // The process dies: timers cancelled, connections reset by its kernel, node destroyed.
  void stop(const std::string& reason);
  // Runs `fn` against the node as one handler (API calls from a test or a workload), so the
  // callbacks it queues run before the next input. From inside one of the client's callbacks it
  // simply runs `fn` (the client allows callbacks to call it again).
  void invoke(const std::function<void(client::ClientNode&)>& fn);

  EndpointId id() const { return id_; }
  bool up() const { return node_ != nullptr; }
  client::ClientNode* node() { return node_.get(); }
  const LogTail& logs() const { return logs_; }
  // Connections this client has open or opening, by id.
  std::vector<ConnId> connections() const { return network_.connections_of(id_); }

  // --- ClientEnv ---
  std::int64_t now_ms() const override { return sim_.now() / kMillisecond; }
  TimerId set_timer(std::int64_t delay_ms) override;
  void cancel_timer(TimerId id) override { timers_.cancel(id); }
  ConnId connect(const std::string& host_port) override;
  void send(ConnId conn, std::string bytes) override { network_.send(id_, conn, std::move(bytes)); }
  void close(ConnId conn) override { network_.close(id_, conn); }
  std::uint64_t random_u64() override { return prng_.next(); }
  void trace(const TraceEvent& event) override;
  void log(LogLevel level, std::string_view message) override;

  // --- NetEndpoint ---
  bool net_listening(int) const override { return false; }
  void net_accepted(ConnId, EndpointId, int) override {}
  void net_connected(ConnId conn) override;
  void net_bytes(ConnId conn, std::string_view bytes) override;
  void net_closed(ConnId conn) override;

 private:
  template <class F>
  void dispatch(F&& handler);

  Simulator& sim_;
  SimNetwork& network_;
  EndpointId id_;
  HostOptions options_;
  TimerTable timers_;
  util::Prng prng_;
  LogTail logs_;
  std::unique_ptr<client::ClientNode> node_;
  bool in_handler_ = false;
};

}  // namespace zablab::sim
