// Settings of one server, as plain data. runtime/ fills it from zoo.cfg; sim/ from a scenario.
// Defaults are Apache ZooKeeper 3.8's.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>

namespace zablab::server {

// One `server.N=host:quorumPort:electionPort[:observer][;clientPort]` line.
struct QuorumServer {
  std::int64_t sid = 0;
  std::string host;
  int quorum_port = 0;
  int election_port = 0;
  bool observer = false;
  std::string client_address;  // "host:port" clients use, if given
};

// The longest auth scheme name an addAuth may carry (the built-in ones are at most 6 bytes).
inline constexpr std::size_t kMaxAuthSchemeBytes = 64;

struct ServerConfig {
  std::int64_t server_id = 0;  // myid; 0 when standalone
  std::int32_t tick_time_ms = 3000;
  // Negotiated session timeouts are clamped to [min, max]; -1 means 2x / 20x tickTime.
  std::int32_t min_session_timeout_ms = -1;
  std::int32_t max_session_timeout_ms = -1;
  // jute.maxbuffer: the largest frame a client may send (1 MiB - 1 by default).
  std::size_t max_buffer = 0xFFFFF;
  // zookeeper.extendedTypesEnabled: allows TTL nodes.
  bool extended_types_enabled = false;
  // znode.container.checkIntervalMs: how often empty containers and expired TTL nodes are reaped.
  std::int64_t container_check_interval_ms = 60000;
  // 4lw.commands.whitelist; "*" allows every word.
  std::set<std::string> four_letter_words{"srvr"};
  // maxClientCnxns per client IP; 0 = unlimited.
  int max_client_cnxns = 60;
  // Throttling (docs/hardening.md). A request is outstanding from the moment its frame is taken
  // off the connection until its reply is handed to the Env. Past a limit the server takes no
  // more frames from the connection and asks the Env to stop reading it (Env::client_pause_reading);
  // it reads on once answers went out. Nothing is refused: a flooding client is slowed down.
  // globalOutstandingLimit: over all connections; when it is reached every connection that has a
  // request outstanding is paused (ZooKeeper's shouldThrottle). 0 = none.
  int global_outstanding_limit = 1000;
  // maxOutstandingPerConnection (zablab; ZooKeeper has only the global one): one connection's
  // outstanding requests, so that one client cannot use up the global budget. 0 = none.
  int max_outstanding_per_connection = 500;
  // maxWatchesPerConnection / maxWatches (zablab; ZooKeeper has no bound): watch entries one
  // connection may hold, and all together. A read that would set a watch beyond them fails with
  // QUOTAEXCEEDED and sets nothing. 0 = unlimited.
  std::size_t max_watches_per_connection = 100000;
  std::size_t max_watches = 2000000;
  // maxWatchesPerAddress (zablab): watch entries of all connections from one client address
  // together, so that one host cannot take the whole of maxWatches (and so every other client's
  // watched reads). Same refusal. 0 = unlimited.
  std::size_t max_watches_per_address = 200000;
  // maxAuthIdentitiesPerConnection (zablab): identities one connection may hold (its ip one
  // included; an identity it has already is not added again, as ZooKeeper's set). An addAuth that
  // would add one more fails with AUTHFAILED and closes the connection. 0 = unlimited.
  std::size_t max_auth_identities = 32;
  // maxAuthBytes (zablab): the longest auth data an addAuth may carry ("user:password" for
  // digest); longer fails with AUTHFAILED and closes, before anything is hashed or stored. The
  // scheme name is bounded by kMaxAuthSchemeBytes. 0 = unlimited.
  std::size_t max_auth_bytes = 1024;
  // zookeeper.DigestAuthenticationProvider.superDigest ("super:<base64 sha1>"), empty = none.
  std::string super_digest;
  // zookeeper.skipACL
  bool skip_acl = false;

  // Where the txn log and snapshots live, as paths for Env::disk(). An empty data_dir keeps
  // everything in memory (unit tests of the request pipeline use that).
  std::string data_dir;
  std::string data_log_dir;  // empty = data_dir
  // A snapshot once more than snapCount/2 + random[0, snapCount/2) txns, or more than
  // snapSizeLimitInKb/2 + random[0, snapSizeLimitInKb/2) KiB of them, went to the log since the last
  // one; both random parts drawn again after each snapshot (ZooKeeper's SyncRequestProcessor).
  std::int64_t snap_count = 100000;
  std::int64_t snap_size_limit_bytes = std::int64_t{4194304} * 1024;  // <= 0: no size trigger
  // Not zoo.cfg keys: how much of a snapshot is serialized at a time between requests, and how much
  // of it may wait for an fsync (see core/server/snapshots.cpp). A request that arrives while a
  // piece is serialized waits for it: 16 KiB is about 0.1 ms of CPU, near a get's own p50 (1 MiB
  // was 2-6 ms). A txn log fdatasync that meets the snapshot's dirty pages waits for them: with an
  // fsync every 256 KiB a log fdatasync's p99 stayed within 3x its p50 while a snapshot was
  // written, against 30-75x with one every 4 MiB (bench/RESULTS.md, "Snapshot pieces").
  // Tests make both small so that txns interleave with a small tree's snapshot.
  std::size_t snapshot_piece_bytes = std::size_t{16} << 10;
  std::size_t snapshot_sync_bytes = std::size_t{256} << 10;
  // autopurge.snapRetainCount / autopurge.purgeInterval (hours; 0 = off). zablab purges right
  // after each snapshot when the interval is set.
  int snap_retain_count = 3;
  int purge_interval_hours = 0;
  // forceSync: fsync the log before acknowledging a write. Off, a write is acknowledged once its
  // log entry is written to the OS (write(2)), as ZooKeeper does: it survives a killed process,
  // not a power cut.
  bool force_sync = true;

  // The ensemble: every server.N line, by N. Empty for a standalone server.
  std::map<std::int64_t, QuorumServer> quorum_servers;
  // initLimit / syncLimit, in ticks: how long a learner may take to connect and sync, and how far
  // it may fall behind (silent) before it is dropped.
  int init_limit = 10;
  int sync_limit = 5;

  // Echoed by the `conf` four-letter word.
  std::string client_port_address;
  int client_port = 0;

  const std::string& log_dir() const { return data_log_dir.empty() ? data_dir : data_log_dir; }
  std::int32_t min_session_timeout() const {
    return min_session_timeout_ms > 0 ? min_session_timeout_ms : 2 * tick_time_ms;
  }
  std::int32_t max_session_timeout() const {
    return max_session_timeout_ms > 0 ? max_session_timeout_ms : 20 * tick_time_ms;
  }
};

}  // namespace zablab::server
