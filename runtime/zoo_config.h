// zoo.cfg: the configuration file of a real server, parsed strictly.
//
// The format is the subset of Java properties that zoo.cfg files use: one `key=value` per line,
// whitespace around key and value trimmed, blank lines and lines starting with `#` or `!` ignored.
// Not supported (refused or taken literally, see docs/configuration.md): `key: value` and
// `key value` separators, backslash escapes, line continuations.
//
// Unlike Apache ZooKeeper, which turns every unknown key into a system property and carries on,
// zablab refuses anything it does not know, and any malformed value, with a message naming the
// file, the line and the key:
//   zoo.cfg:7: tickTim: unknown key
//   zoo.cfg:3: clientPort: port must be between 0 and 65535, got 70000
//   zoo.cfg: dataDir: missing required key
// Paths are kept as written: a relative dataDir is relative to the server's working directory
// (as in ZooKeeper), not to the config file's directory.
//
// Everything here is pure (no I/O) except load_zoo_cfg(), which reads the file.
#pragma once

#include <cstdint>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "core/server/server_config.h"

namespace zablab::runtime {

// A zoo.cfg that cannot be used. what() is the full message, "<file>:<line>: <key>: <problem>"
// (or "<file>: <key>: <problem>" when no single line is to blame, or "<file>: <problem>" when
// the file itself cannot be read).
class ConfigError : public std::runtime_error {
 public:
  ConfigError(std::string file, int line, std::string key, std::string problem);
  const std::string& file() const { return file_; }
  int line() const { return line_; }  // 0 when the message names no line
  const std::string& key() const { return key_; }
  const std::string& problem() const { return problem_; }

 private:
  std::string file_;
  int line_;
  std::string key_;
  std::string problem_;
};

enum class PeerType { participant, observer };

// One `server.N=host:quorumPort:electionPort[:participant|:observer][;[clientHost:]clientPort]`.
struct ServerEntry {
  std::int64_t id = 0;            // N, 1..255
  std::string host;               // as written; an IPv6 literal without its brackets
  int quorum_port = 0;            // 1..65535
  int election_port = 0;          // 1..65535
  PeerType type = PeerType::participant;
  std::string client_host;        // empty when the client part names no host
  int client_port = -1;           // -1 when there is no `;clientPort` part
  int line = 0;                   // where it was written, for later error messages
};

// Every key zablab accepts, with Apache ZooKeeper 3.8's defaults. See docs/configuration.md.
struct ZooConfig {
  std::string file;  // the name used in error messages

  std::int32_t tick_time_ms = 3000;
  std::string data_dir;             // required
  std::string data_log_dir;         // = data_dir when absent
  int client_port = -1;             // -1 = not set; 0 = let the OS pick
  std::string client_port_address;  // empty = all interfaces
  int client_port_listen_backlog = -1;  // -1 = the system's default
  std::int32_t init_limit = 0;      // ticks; 0 = not set (required in an ensemble)
  std::int32_t sync_limit = 0;      // ticks; 0 = not set (required in an ensemble)
  int max_client_cnxns = 60;        // per client IP; 0 = unlimited
  int max_cnxns = 0;                // all clients together; 0 = unlimited
  std::int32_t min_session_timeout_ms = -1;  // -1 = 2 x tickTime
  std::int32_t max_session_timeout_ms = -1;  // -1 = 20 x tickTime
  int autopurge_snap_retain_count = 3;       // at least 3
  int autopurge_purge_interval_hours = 0;    // 0 = autopurge off
  std::set<std::string> four_letter_words{"srvr"};  // "*" = all; srvr is always in
  std::int64_t snap_count = 100000;          // at least 2
  std::int64_t snap_size_limit_kb = 4194304;  // <= 0: no size trigger
  std::int64_t pre_alloc_size_kb = 65536;
  bool force_sync = true;
  bool standalone_enabled = true;
  bool reconfig_enabled = false;
  int election_alg = 3;
  bool local_sessions_enabled = false;
  bool admin_enable_server = true;  // accepted; zablab has no admin server
  int admin_server_port = 8080;
  std::int64_t jute_max_buffer = 0xFFFFF;
  bool extended_types_enabled = false;
  bool skip_acl = false;
  std::string super_digest;         // "super:<base64 sha1>"
  std::int64_t container_check_interval_ms = 60000;
  std::vector<ServerEntry> servers;  // sorted by id
  PeerType peer_type = PeerType::participant;
  bool sync_enabled = true;
  bool quorum_listen_on_all_ips = false;
  int cnx_timeout_ms = 5000;
  int global_outstanding_limit = 1000;
  int max_outstanding_per_connection = 500;       // zablab; 0 = no per-connection bound
  std::int64_t max_watches_per_connection = 100000;  // zablab; 0 = unlimited
  std::int64_t max_watches = 2000000;             // zablab; 0 = unlimited
  std::int64_t max_watches_per_address = 200000;  // zablab; 0 = unlimited
  std::int64_t max_auth_identities = 32;          // zablab, per connection; 0 = unlimited
  std::int64_t max_auth_bytes = 1024;             // zablab, auth data of one addAuth; 0 = unlimited

  // Things that were accepted but deserve a log line ("<file>:<line>: <key>: ..."): ignored keys,
  // values raised to their minimum, a key set twice (the last one wins, as in Java).
  std::vector<std::string> warnings;

  // True when this configuration describes an ensemble rather than a standalone server: some
  // server.N lines and either standaloneEnabled=false or more than one participant
  // (ZooKeeper's QuorumPeerConfig.isDistributed()).
  bool distributed() const;
};

// Parses zoo.cfg text. `file` is only used in messages. Throws ConfigError.
ZooConfig parse_zoo_cfg(std::string_view text, const std::string& file);

// Reads and parses the file at `path` (named as given in messages). Throws ConfigError, also when
// the file cannot be read ("<path>: cannot read: No such file or directory").
ZooConfig load_zoo_cfg(const std::string& path);

// The settings the core needs: every key, plus the ensemble (quorum_servers, init_limit,
// sync_limit) when there are server.N lines. client_port is 0 when not set.
//
// myid = 0 (standalone): server_id is 0.
// myid > 0 (one member of an ensemble, see read_myid): server_id = myid, which must name a
// server.N line; the client port and address come from clientPort / clientPortAddress or from
// that line's `;[clientHost:]clientPort` part (both given: the ports must agree). Throws
// ConfigError: myid not among the server.N lines (named by `myid_file`, the file it came from), no
// client port at all, or two different ones.
zablab::server::ServerConfig to_server_config(const ZooConfig& config, std::int64_t myid = 0,
                                              const std::string& myid_file = "myid");

// Where an ensemble member's id is written: `<dataDir>/myid` (dataDir as written in zoo.cfg).
std::string myid_path(const ZooConfig& config);

// Reads a myid file: a decimal server id, 1-255, optionally surrounded by whitespace (ZooKeeper
// writes it with a newline). Throws ConfigError naming the file:
//   data/myid: cannot read: No such file or directory (an ensemble member needs its id, the N of its server.N line, here)
//   data/myid: expected a server id (a decimal number between 1 and 255), got "abc"
std::int64_t read_myid(const std::string& path);

// The four-letter words ZooKeeper 3.8 knows, sorted (what `*` stands for).
const std::set<std::string>& known_four_letter_words();

}  // namespace zablab::runtime
