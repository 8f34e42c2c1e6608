// Fuzz target `server`: arbitrary bytes as a client connection's byte stream into a live
// ServerCore (through a FakeEnv, no I/O), then a well-behaved second client that must still
// be served.
//
// Input: one flags byte, then the stream.
//   bit 0   each fuzzed connection starts with a valid ConnectRequest frame the harness writes (so
//           the stream is requests of an open session); clear: the stream is the raw handshake too
//   bit 1   persistent server (txn log + snapshots on the in-memory disk, snapCount 8)
//   bit 2   zookeeper.extendedTypesEnabled (TTL nodes)
//   bit 3   disk completions only at the end (writes stay pending, reads queue behind them), and
//           tight limits so that throttling and the watch bounds are exercised: 3 outstanding
//           requests per connection, 5 in all, 4 watches per connection, 6 in all
//   bits 4-5  chunking: the whole stream at once / 1-byte / 7-byte / 61-byte chunks
//   bit 6   the clock advances 1.5 s after each chunk (sessions expire, containers are reaped)
//   bit 7   every four-letter word is allowed
// When the server closes the fuzzed connection, the rest of the stream goes to a new one (at most
// 8). Properties: no crash, no escaping exception, the server never shuts itself down, and a fresh
// client then connects, gets an answer to exists("/") and to a create.
#pragma once

#include "core/data/acl.h"
#include "core/jute/codes.h"
#include "core/jute/frame.h"
#include "core/server/server_core.h"
#include "tests/fuzz/common.h"
#include "tests/support/wire_client.h"

namespace zablab::fuzz {

inline std::string valid_connect_frame() {
  jute::ConnectRequest req{0, 0, 30000, 0, std::string(16, '\0'), false, true};
  return jute::frame(jute::encode(req));
}

inline server::ServerConfig fuzz_server_config(std::uint8_t flags) {
  server::ServerConfig c;
  c.tick_time_ms = 2000;
  if (flags & 0x02) {
    c.data_dir = "/data";
    c.snap_count = 8;
  }
  c.extended_types_enabled = (flags & 0x04) != 0;
  c.four_letter_words = (flags & 0x80) ? std::set<std::string>{"*"} : std::set<std::string>{"srvr"};
  c.container_check_interval_ms = 1000;
  if (flags & 0x08) {
    c.max_outstanding_per_connection = 3;
    c.global_outstanding_limit = 5;
    c.max_watches_per_connection = 4;
    c.max_watches = 6;
  }
  return c;
}

// The probe: a second, well-behaved client must be served whatever the first one did.
inline void probe_server(test::FakeEnv& env, server::ServerCore& server, ConnId id) {
  test::WireClient probe(env, server, id, "10.255.0.1:61000");
  ZL_FUZZ_CHECK(!probe.closed(), "a new connection was refused");
  auto resp = probe.connect(10000);
  ZL_FUZZ_CHECK(resp.session_id != 0, "a new client got no session");
  ZL_FUZZ_CHECK(!probe.closed(), "a new client was disconnected after the handshake");
  auto exists = probe.call(op::exists, jute::ExistsRequest{"/", false});
  ZL_FUZZ_CHECK(exists.header.xid == 1, "exists(\"/\") got no reply");
  ZL_FUZZ_CHECK(exists.err() == Err::ok, "exists(\"/\") failed: " + std::string(err_name(exists.err())));
  auto created = probe.call(op::create, jute::CreateRequest{"/zl-probe-", std::string("p"), data::open_acl_unsafe(),
                                                            create_mode::ephemeral_sequential});
  ZL_FUZZ_CHECK(created.header.xid == 2, "create got no reply");
  const Err e = created.err();
  ZL_FUZZ_CHECK(e == Err::ok || e == Err::no_auth || e == Err::node_exists,
                "create failed: " + std::string(err_name(e)));
  ZL_FUZZ_CHECK(!probe.closed(), "the probe client was disconnected");
}

inline int server_one(const std::uint8_t* data, std::size_t size) {
  Input in(data, size);
  const std::uint8_t flags = in.u8();
  const std::string_view stream = in.rest();

  test::FakeEnv env;
  server::ServerCore server(env, fuzz_server_config(flags));
  server.start();
  env.complete_disk(server);
  ZL_FUZZ_CHECK(env.shutdown_reason.empty(), "the server did not start: " + env.shutdown_reason);

  static constexpr std::size_t kChunk[4] = {0, 1, 7, 61};
  const std::size_t chunk = kChunk[(flags >> 4) & 3];
  const bool handshake = flags & 0x01;
  const bool late_disk = flags & 0x08;
  const bool tick = flags & 0x40;

  ConnId conn = 1;
  int connections = 0;
  auto open = [&] {
    ++connections;
    server.on_client_connected(conn, "10.0.0.7:" + std::to_string(40000 + conn));
    if (handshake) server.on_client_bytes(conn, valid_connect_frame());
  };
  open();
  std::size_t at = 0;
  while (at < stream.size()) {
    if (env.closed.count(conn)) {
      if (connections >= 8) break;
      ++conn;
      open();
    }
    const std::size_t n = chunk == 0 ? stream.size() - at : std::min(chunk, stream.size() - at);
    server.on_client_bytes(conn, stream.substr(at, n));
    at += n;
    if (!late_disk) env.complete_disk(server);
    if (tick) env.advance(server, 1500);
  }
  env.complete_disk(server);
  ZL_FUZZ_CHECK(env.shutdown_reason.empty(), "a client made the server shut down: " + env.shutdown_reason);

  probe_server(env, server, 1000);
  // The fuzzed client goes away; the server must cope with whatever it left behind.
  if (!env.closed.count(conn)) server.on_client_closed(conn);
  env.advance(server, 120000);  // every session of the fuzzed client expires
  env.complete_disk(server);
  ZL_FUZZ_CHECK(env.shutdown_reason.empty(), "the server shut down: " + env.shutdown_reason);
  return 0;
}

}  // namespace zablab::fuzz
