// The world as a client state machine sees it (the client-side twin of core/env/env.h).
//
// A zablab client is sans-I/O like the server: it is driven by ClientNode inputs and acts only
// through a ClientEnv. runtime/ implements ClientEnv over Boost.Asio for zablab-cli and the bench
// load generator; sim/ implements it over the simulated network so simulated clients run this
// very code. Calls into ClientEnv only queue work; nothing calls back while a handler runs.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/env/env.h"

namespace zablab::client {

class ClientEnv {
 public:
  virtual ~ClientEnv() = default;

  virtual std::int64_t now_ms() const = 0;
  virtual TimerId set_timer(std::int64_t delay_ms) = 0;
  virtual void cancel_timer(TimerId id) = 0;

  // Starts a TCP connection to "host:port". It completes later as ClientNode::on_connected(conn)
  // or, if it cannot be made, as on_closed(conn).
  virtual ConnId connect(const std::string& host_port) = 0;
  // Queues bytes on the connection, in call order.
  virtual void send(ConnId conn, std::string bytes) = 0;
  // Closes the connection after what was queued; no on_closed follows.
  virtual void close(ConnId conn) = 0;

  virtual std::uint64_t random_u64() = 0;
  virtual void trace(const TraceEvent& event) = 0;
  virtual void log(LogLevel level, std::string_view message) = 0;
};

// The inputs of a client state machine.
class ClientNode {
 public:
  virtual ~ClientNode() = default;
  virtual void on_connected(ConnId conn) = 0;
  virtual void on_bytes(ConnId conn, std::string_view bytes) = 0;
  virtual void on_closed(ConnId conn) = 0;
  virtual void on_timer(TimerId id) = 0;
};

}  // namespace zablab::client
