#include "runtime/zoo_config.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <limits>
#include <map>
#include <system_error>

namespace zablab::runtime {

namespace {

constexpr std::string_view kWhitespace = " \t\f\v\r\n";
constexpr std::int64_t kInt32Max = std::numeric_limits<std::int32_t>::max();
constexpr std::int64_t kInt64Max = std::numeric_limits<std::int64_t>::max();

std::string_view trim(std::string_view s) {
  const auto first = s.find_first_not_of(kWhitespace);
  if (first == std::string_view::npos) return {};
  const auto last = s.find_last_not_of(kWhitespace);
  return s.substr(first, last - first + 1);
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

std::string quoted(std::string_view s) { return "\"" + std::string(s) + "\""; }

// One `key=value` line being applied.
struct Line {
  const std::string& file;
  int number;
  std::string_view key;  // as written
  std::string_view value;

  [[noreturn]] void fail(const std::string& problem) const {
    throw ConfigError(file, number, std::string(key), problem);
  }
  void warn(ZooConfig& config, const std::string& what) const {
    config.warnings.push_back(file + ":" + std::to_string(number) + ": " + std::string(key) + ": " +
                              what);
  }
};

// A decimal integer (optional sign, like Java's Integer.parseInt) within [min, max].
std::int64_t parse_int(const Line& l, std::int64_t min, std::int64_t max) {
  std::string_view v = l.value;
  std::string_view digits = v;
  if (!digits.empty() && digits.front() == '+') digits.remove_prefix(1);  // from_chars refuses '+'
  if (digits.empty() || (digits.front() == '-' && digits.size() == 1)) {
    l.fail("expected an integer, got " + quoted(v));
  }
  std::int64_t out = 0;
  const char* end = digits.data() + digits.size();
  const auto [ptr, ec] = std::from_chars(digits.data(), end, out);
  if (ec == std::errc::result_out_of_range) l.fail("integer out of range: " + quoted(v));
  if (ec != std::errc() || ptr != end) l.fail("expected an integer, got " + quoted(v));
  if (out < min || out > max) {
    if (out < min && (max == kInt32Max || max == kInt64Max)) {
      if (min == 1) l.fail("must be a positive integer, got " + std::string(v));
      l.fail("must be >= " + std::to_string(min) + ", got " + std::string(v));
    }
    l.fail("must be between " + std::to_string(min) + " and " + std::to_string(max) + ", got " +
           std::string(v));
  }
  return out;
}

int parse_i32(const Line& l, std::int64_t min) {
  return static_cast<int>(parse_int(l, min, kInt32Max));
}

int parse_port(const Line& l, int min = 0) {
  std::int64_t v = 0;
  try {
    v = parse_int(l, std::numeric_limits<std::int64_t>::min(), kInt64Max);
  } catch (const ConfigError&) {
    l.fail("expected a port number, got " + quoted(l.value));
  }
  if (v < min || v > 65535) {
    l.fail("port must be between " + std::to_string(min) + " and 65535, got " + std::string(l.value));
  }
  return static_cast<int>(v);
}

bool parse_bool(const Line& l) {
  const std::string v = lower(l.value);
  if (v == "true" || v == "yes") return true;
  if (v == "false" || v == "no") return false;
  l.fail("expected true or false (or yes or no), got " + quoted(l.value));
}

// "1234" or "host:1234" or "[v6]:1234" -> (host, port). Returns false when malformed.
bool split_host_port(std::string_view s, std::string& host, std::string_view& port) {
  if (!s.empty() && s.front() == '[') {
    const auto close = s.find(']');
    if (close == std::string_view::npos || close + 1 >= s.size() || s[close + 1] != ':') return false;
    host = std::string(s.substr(1, close - 1));
    port = s.substr(close + 2);
    return !host.empty();
  }
  const auto colon = s.rfind(':');
  if (colon == std::string_view::npos) {
    host.clear();
    port = s;
    return true;
  }
  host = std::string(s.substr(0, colon));
  port = s.substr(colon + 1);
  return !host.empty() && host.find(':') == std::string::npos;
}

constexpr std::string_view kServerForm =
    "expected host:quorumPort:electionPort[:participant|:observer][;[clientHost:]clientPort]";

ServerEntry parse_server(const Line& l, std::int64_t id) {
  ServerEntry e;
  e.id = id;
  e.line = l.number;
  const std::string_view v = l.value;
  if (v.find('|') != std::string_view::npos) {
    l.fail("multiple addresses separated by '|' are not supported, got " + quoted(v));
  }
  const auto semi = v.find(';');
  const std::string_view server_part = trim(v.substr(0, semi));
  std::string_view client_part;
  if (semi != std::string_view::npos) {
    client_part = trim(v.substr(semi + 1));
    if (client_part.empty() || client_part.find(';') != std::string_view::npos) {
      l.fail(std::string(kServerForm) + ", got " + quoted(v));
    }
  }

  // host (maybe "[v6]"), then ':'-separated fields
  std::string_view rest = server_part;
  if (!rest.empty() && rest.front() == '[') {
    const auto close = rest.find(']');
    if (close == std::string_view::npos || close + 1 >= rest.size() || rest[close + 1] != ':') {
      l.fail(std::string(kServerForm) + ", got " + quoted(v));
    }
    e.host = std::string(rest.substr(1, close - 1));
    rest = rest.substr(close + 2);
  } else {
    if (std::count(rest.begin(), rest.end(), ':') > 3) {
      l.fail("too many ':' fields (an IPv6 address must be written in brackets): " +
             std::string(kServerForm) + ", got " + quoted(v));
    }
    const auto colon = rest.find(':');
    if (colon == std::string_view::npos) l.fail(std::string(kServerForm) + ", got " + quoted(v));
    e.host = std::string(rest.substr(0, colon));
    rest = rest.substr(colon + 1);
  }
  if (e.host.empty()) l.fail("missing host: " + std::string(kServerForm) + ", got " + quoted(v));

  std::vector<std::string_view> fields;
  while (true) {
    const auto colon = rest.find(':');
    fields.push_back(rest.substr(0, colon));
    if (colon == std::string_view::npos) break;
    rest = rest.substr(colon + 1);
  }
  if (fields.size() < 2 || fields.size() > 3) l.fail(std::string(kServerForm) + ", got " + quoted(v));
  auto port_field = [&](std::string_view text, const char* what) {
    Line sub{l.file, l.number, l.key, text};
    std::int64_t p = 0;
    try {
      p = parse_int(sub, std::numeric_limits<std::int64_t>::min(), kInt64Max);
    } catch (const ConfigError&) {
      l.fail(std::string(what) + " is not a port number: " + quoted(text) + " in " + quoted(v));
    }
    if (p < 1 || p > 65535) {
      l.fail(std::string(what) + " must be between 1 and 65535, got " + std::string(text) + " in " +
             quoted(v));
    }
    return static_cast<int>(p);
  };
  e.quorum_port = port_field(fields[0], "quorumPort");
  e.election_port = port_field(fields[1], "electionPort");
  if (fields.size() == 3) {
    const std::string type = lower(trim(fields[2]));
    if (type == "participant") {
      e.type = PeerType::participant;
    } else if (type == "observer") {
      e.type = PeerType::observer;
    } else {
      l.fail("peer type must be participant or observer, got " + quoted(fields[2]));
    }
  }

  if (!client_part.empty()) {
    std::string host;
    std::string_view port;
    if (!split_host_port(client_part, host, port)) {
      l.fail("client part must be [clientHost:]clientPort, got " + quoted(client_part));
    }
    Line sub{l.file, l.number, l.key, port};
    std::int64_t p = 0;
    try {
      p = parse_int(sub, std::numeric_limits<std::int64_t>::min(), kInt64Max);
    } catch (const ConfigError&) {
      l.fail("clientPort is not a port number: " + quoted(port) + " in " + quoted(v));
    }
    if (p < 0 || p > 65535) {
      l.fail("clientPort must be between 0 and 65535, got " + std::string(port) + " in " +
             quoted(v));
    }
    e.client_host = host;
    e.client_port = static_cast<int>(p);
  }
  return e;
}

using Apply = void (*)(ZooConfig&, const Line&);

struct KeyDef {
  std::string canonical;
  Apply apply;
  bool empty_ok = false;
};

// Keys ZooKeeper reads as Java system properties "zookeeper.<key>" may also be written with that
// prefix in zoo.cfg.
const std::map<std::string, KeyDef, std::less<>>& key_table() {
  static const std::map<std::string, KeyDef, std::less<>> table = [] {
    std::map<std::string, KeyDef, std::less<>> t;
    auto add = [&t](std::string key, Apply apply, bool empty_ok = false) {
      t.emplace(key, KeyDef{key, apply, empty_ok});
    };
    auto alias = [&t](const std::string& alias_key, const std::string& canonical) {
      KeyDef def = t.at(canonical);
      t.emplace(alias_key, def);
    };

    add("tickTime", [](ZooConfig& c, const Line& l) { c.tick_time_ms = parse_i32(l, 1); });
    add("dataDir", [](ZooConfig& c, const Line& l) { c.data_dir = std::string(l.value); });
    add("dataLogDir", [](ZooConfig& c, const Line& l) { c.data_log_dir = std::string(l.value); });
    add("clientPort", [](ZooConfig& c, const Line& l) { c.client_port = parse_port(l); });
    add("clientPortAddress",
        [](ZooConfig& c, const Line& l) { c.client_port_address = std::string(l.value); });
    add("clientPortListenBacklog", [](ZooConfig& c, const Line& l) {
      const int v = parse_i32(l, -1);
      if (v == 0) l.fail("must be -1 (system default) or a positive integer, got 0");
      c.client_port_listen_backlog = v;
    });
    add("initLimit", [](ZooConfig& c, const Line& l) { c.init_limit = parse_i32(l, 1); });
    add("syncLimit", [](ZooConfig& c, const Line& l) { c.sync_limit = parse_i32(l, 1); });
    add("maxClientCnxns", [](ZooConfig& c, const Line& l) { c.max_client_cnxns = parse_i32(l, 0); });
    add("maxCnxns", [](ZooConfig& c, const Line& l) { c.max_cnxns = parse_i32(l, 0); });
    add("minSessionTimeout", [](ZooConfig& c, const Line& l) {
      const int v = parse_i32(l, -1);
      if (v == 0) l.fail("must be -1 (2 x tickTime) or a positive integer, got 0");
      c.min_session_timeout_ms = v;
    });
    add("maxSessionTimeout", [](ZooConfig& c, const Line& l) {
      const int v = parse_i32(l, -1);
      if (v == 0) l.fail("must be -1 (20 x tickTime) or a positive integer, got 0");
      c.max_session_timeout_ms = v;
    });
    add("autopurge.snapRetainCount", [](ZooConfig& c, const Line& l) {
      int v = parse_i32(l, 0);
      if (v < 3) {  // as ZooKeeper's DatadirCleanupManager
        l.warn(c, "raised to the minimum 3 (was " + std::to_string(v) + ")");
        v = 3;
      }
      c.autopurge_snap_retain_count = v;
    });
    add("autopurge.purgeInterval",
        [](ZooConfig& c, const Line& l) { c.autopurge_purge_interval_hours = parse_i32(l, 0); });
    add(
        "4lw.commands.whitelist",
        [](ZooConfig& c, const Line& l) {
          std::set<std::string> words;
          std::string_view rest = l.value;
          while (true) {
            const auto comma = rest.find(',');
            const std::string_view word = trim(rest.substr(0, comma));
            if (!word.empty()) {
              if (word != "*" && !known_four_letter_words().contains(std::string(word))) {
                l.warn(c, "unknown four-letter word " + quoted(word));
              }
              words.insert(std::string(word));
            }
            if (comma == std::string_view::npos) break;
            rest = rest.substr(comma + 1);
          }
          words.insert("srvr");  // always on, as in ZooKeeper (zkServer.sh status relies on it)
          c.four_letter_words = std::move(words);
        },
        /*empty_ok=*/true);
    add("snapCount", [](ZooConfig& c, const Line& l) {
      std::int64_t v = parse_int(l, 0, kInt32Max);
      if (v < 2) {  // as ZooKeeper's SyncRequestProcessor
        l.warn(c, "raised to the minimum 2 (was " + std::to_string(v) + ")");
        v = 2;
      }
      c.snap_count = v;
    });
    add("snapSizeLimitInKb", [](ZooConfig& c, const Line& l) {
      c.snap_size_limit_kb = parse_int(l, -kInt64Max, kInt64Max / 1024);
    });
    add("preAllocSize",
        [](ZooConfig& c, const Line& l) { c.pre_alloc_size_kb = parse_int(l, 1, kInt64Max / 1024); });
    add("forceSync", [](ZooConfig& c, const Line& l) { c.force_sync = parse_bool(l); });
    add("standaloneEnabled", [](ZooConfig& c, const Line& l) { c.standalone_enabled = parse_bool(l); });
    add("reconfigEnabled", [](ZooConfig& c, const Line& l) { c.reconfig_enabled = parse_bool(l); });
    add("electionAlg", [](ZooConfig& c, const Line& l) {
      const std::int64_t v = parse_int(l, std::numeric_limits<std::int64_t>::min(), kInt64Max);
      if (v != 3) l.fail("only 3 (fast leader election over TCP) is supported, got " + std::string(l.value));
      c.election_alg = 3;
    });
    add("localSessionsEnabled",
        [](ZooConfig& c, const Line& l) { c.local_sessions_enabled = parse_bool(l); });
    add("admin.enableServer",
        [](ZooConfig& c, const Line& l) { c.admin_enable_server = parse_bool(l); });
    add("admin.serverPort", [](ZooConfig& c, const Line& l) { c.admin_server_port = parse_port(l); });
    add("jute.maxbuffer",
        [](ZooConfig& c, const Line& l) { c.jute_max_buffer = parse_int(l, 1, kInt32Max); });
    add("extendedTypesEnabled",
        [](ZooConfig& c, const Line& l) { c.extended_types_enabled = parse_bool(l); });
    add("skipACL", [](ZooConfig& c, const Line& l) { c.skip_acl = parse_bool(l); });
    add("DigestAuthenticationProvider.superDigest", [](ZooConfig& c, const Line& l) {
      const auto colon = l.value.find(':');
      if (colon == std::string_view::npos || colon == 0 || colon + 1 == l.value.size()) {
        l.fail("expected <user>:<base64 SHA-1 digest>, got " + quoted(l.value));
      }
      c.super_digest = std::string(l.value);
    });
    add("znode.container.checkIntervalMs", [](ZooConfig& c, const Line& l) {
      c.container_check_interval_ms = parse_int(l, 1, kInt64Max);
    });
    // ZooKeeper loads a Java class here (e.g. the Prometheus exporter). zablab has no pluggable
    // metrics providers: its metrics are the built-in ones `mntr` prints. Accepted so that
    // existing zoo.cfg files keep working; ignored with a warning.
    add("metricsProvider.className", [](ZooConfig& c, const Line& l) {
      l.warn(c, "ignored: zablab has no pluggable metrics providers (use the mntr four-letter word)");
    });
    add("peerType", [](ZooConfig& c, const Line& l) {
      const std::string v = lower(l.value);
      if (v == "participant") {
        c.peer_type = PeerType::participant;
      } else if (v == "observer") {
        c.peer_type = PeerType::observer;
      } else {
        l.fail("expected participant or observer, got " + quoted(l.value));
      }
    });
    add("syncEnabled", [](ZooConfig& c, const Line& l) { c.sync_enabled = parse_bool(l); });
    add("quorumListenOnAllIPs",
        [](ZooConfig& c, const Line& l) { c.quorum_listen_on_all_ips = parse_bool(l); });
    add("cnxTimeout", [](ZooConfig& c, const Line& l) { c.cnx_timeout_ms = parse_i32(l, 1); });
    add("globalOutstandingLimit",
        [](ZooConfig& c, const Line& l) { c.global_outstanding_limit = parse_i32(l, 1); });
    // zablab's own limits (docs/hardening.md); 0 = no bound.
    add("maxOutstandingPerConnection",
        [](ZooConfig& c, const Line& l) { c.max_outstanding_per_connection = parse_i32(l, 0); });
    add("maxWatchesPerConnection",
        [](ZooConfig& c, const Line& l) { c.max_watches_per_connection = parse_int(l, 0, kInt64Max); });
    add("maxWatches", [](ZooConfig& c, const Line& l) { c.max_watches = parse_int(l, 0, kInt64Max); });
    add("maxWatchesPerAddress",
        [](ZooConfig& c, const Line& l) { c.max_watches_per_address = parse_int(l, 0, kInt64Max); });
    add("maxAuthIdentitiesPerConnection",
        [](ZooConfig& c, const Line& l) { c.max_auth_identities = parse_int(l, 0, kInt64Max); });
    add("maxAuthBytes", [](ZooConfig& c, const Line& l) { c.max_auth_bytes = parse_int(l, 0, kInt64Max); });

    for (const char* key : {"extendedTypesEnabled", "skipACL", "DigestAuthenticationProvider.superDigest",
                            "4lw.commands.whitelist", "snapCount", "snapSizeLimitInKb", "preAllocSize", "forceSync",
                            "globalOutstandingLimit"}) {
      alias(std::string("zookeeper.") + key, key);
    }
    return t;
  }();
  return table;
}

// The key as a reader would name it on a line that has no '=': up to the first blank or ':'.
std::string key_of_bad_line(std::string_view line) {
  const auto end = line.find_first_of(" \t\f:");
  std::string key(line.substr(0, end));
  if (key.size() > 60) key = key.substr(0, 57) + "...";
  return key;
}

}  // namespace

ConfigError::ConfigError(std::string file, int line, std::string key, std::string problem)
    : std::runtime_error(file + (line > 0 ? ":" + std::to_string(line) : std::string()) + ": " +
                         (key.empty() ? std::string() : key + ": ") + problem),
      file_(std::move(file)),
      line_(line),
      key_(std::move(key)),
      problem_(std::move(problem)) {}

bool ZooConfig::distributed() const {
  if (servers.empty()) return false;
  if (!standalone_enabled) return true;
  int participants = 0;
  for (const auto& s : servers) {
    if (s.type == PeerType::participant) ++participants;
  }
  return participants > 1;
}

const std::set<std::string>& known_four_letter_words() {
  static const std::set<std::string> words{"conf", "cons", "crst", "dirs", "dump", "envi",
                                           "gtmk", "hash", "isro", "mntr", "ruok", "srst",
                                           "srvr", "stat", "stmk", "wchc", "wchp", "wchs"};
  return words;
}

ZooConfig parse_zoo_cfg(std::string_view text, const std::string& file) {
  ZooConfig config;
  config.file = file;
  std::map<std::string, int> seen;  // canonical key -> line
  std::map<std::int64_t, ServerEntry> servers;
  bool data_log_dir_set = false;

  int number = 0;
  std::size_t pos = 0;
  while (pos < text.size()) {
    auto nl = text.find('\n', pos);
    if (nl == std::string_view::npos) nl = text.size();
    std::string_view raw = text.substr(pos, nl - pos);
    pos = nl + 1;
    ++number;
    if (number == 1 && raw.starts_with("\xEF\xBB\xBF")) raw.remove_prefix(3);  // UTF-8 BOM
    const std::string_view line = trim(raw);
    if (line.empty() || line.front() == '#' || line.front() == '!') continue;

    const auto eq = line.find('=');
    if (eq == std::string_view::npos) {
      throw ConfigError(file, number, key_of_bad_line(line), "expected key=value");
    }
    const std::string_view key = trim(line.substr(0, eq));
    const std::string_view value = trim(line.substr(eq + 1));
    if (key.empty()) throw ConfigError(file, number, "(empty key)", "expected key=value");
    const Line l{file, number, key, value};

    std::size_t trailing_backslashes = 0;
    while (trailing_backslashes < line.size() &&
           line[line.size() - 1 - trailing_backslashes] == '\\') {
      ++trailing_backslashes;
    }
    if (trailing_backslashes % 2 == 1) {
      l.fail("line continuations (a '\\' at the end of the line) are not supported");
    }

    if (key.starts_with("server.")) {
      const std::string_view n = key.substr(7);
      std::int64_t id = 0;
      const auto [ptr, ec] = std::from_chars(n.data(), n.data() + n.size(), id);
      if (n.empty() || ec != std::errc() || ptr != n.data() + n.size() || id < 1 || id > 255) {
        l.fail("server id must be an integer between 1 and 255, got " + quoted(n));
      }
      if (value.empty()) l.fail("empty value");
      if (const auto it = servers.find(id); it != servers.end()) {
        l.fail("server id " + std::to_string(id) + " is already defined on line " +
               std::to_string(it->second.line));
      }
      servers.emplace(id, parse_server(l, id));
      continue;
    }
    if (key.starts_with("metricsProvider.") && key != "metricsProvider.className") {
      // Settings of a metrics provider (e.g. metricsProvider.httpPort); see className below.
      l.warn(config, "ignored: zablab has no pluggable metrics providers");
      continue;
    }

    const auto& table = key_table();
    const auto it = table.find(key);
    if (it == table.end()) l.fail("unknown key");
    const KeyDef& def = it->second;
    if (value.empty() && !def.empty_ok) l.fail("empty value");
    if (const auto prev = seen.find(def.canonical); prev != seen.end()) {
      l.warn(config, "set again; this value replaces the one on line " + std::to_string(prev->second));
    }
    seen[def.canonical] = number;
    if (def.canonical == "dataLogDir") data_log_dir_set = true;
    def.apply(config, l);
  }

  for (auto& [id, entry] : servers) config.servers.push_back(std::move(entry));

  // Whole-file checks.
  if (config.data_dir.empty()) throw ConfigError(file, 0, "dataDir", "missing required key");
  if (!data_log_dir_set) config.data_log_dir = config.data_dir;
  if (config.distributed()) {
    if (config.init_limit == 0) {
      throw ConfigError(file, 0, "initLimit", "missing required key (an ensemble needs it)");
    }
    if (config.sync_limit == 0) {
      throw ConfigError(file, 0, "syncLimit", "missing required key (an ensemble needs it)");
    }
  } else if (config.client_port < 0) {
    throw ConfigError(file, 0, "clientPort", "missing required key");
  }
  const std::int64_t min_timeout = config.min_session_timeout_ms > 0
                                       ? config.min_session_timeout_ms
                                       : 2LL * config.tick_time_ms;
  const std::int64_t max_timeout = config.max_session_timeout_ms > 0
                                       ? config.max_session_timeout_ms
                                       : 20LL * config.tick_time_ms;
  if (min_timeout > max_timeout) {
    const bool min_set = seen.contains("minSessionTimeout");
    const std::string key = min_set ? "minSessionTimeout" : "maxSessionTimeout";
    throw ConfigError(file, seen.contains(key) ? seen[key] : 0, key,
                      "minSessionTimeout (" + std::to_string(min_timeout) +
                          " ms) must not be larger than maxSessionTimeout (" +
                          std::to_string(max_timeout) + " ms)");
  }
  return config;
}

namespace {

// The whole file, or ConfigError "<path>: cannot read: <errno text><hint>".
std::string read_text_file(const std::string& path, const std::string& hint = "") {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    throw ConfigError(path, 0, "", "cannot read: " + std::generic_category().message(errno) + hint);
  }
  std::string text;
  char buf[8192];
  while (true) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int err = errno;
      ::close(fd);
      throw ConfigError(path, 0, "", "cannot read: " + std::generic_category().message(err) + hint);
    }
    if (n == 0) break;
    text.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return text;
}

}  // namespace

ZooConfig load_zoo_cfg(const std::string& path) { return parse_zoo_cfg(read_text_file(path), path); }

std::string myid_path(const ZooConfig& config) {
  std::string dir = config.data_dir;
  while (dir.size() > 1 && dir.back() == '/') dir.pop_back();
  return dir == "/" ? "/myid" : dir + "/myid";
}

std::int64_t read_myid(const std::string& path) {
  const std::string text = read_text_file(
      path, " (an ensemble member needs its id, the N of its server.N line, in this file)");
  if (text.size() > 64) {
    throw ConfigError(path, 0, "",
                      "expected a server id (a decimal number between 1 and 255), got " +
                          std::to_string(text.size()) + " bytes");
  }
  const std::string_view v = trim(text);
  std::int64_t id = 0;
  const auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), id);
  if (v.empty() || ec != std::errc() || ptr != v.data() + v.size() || id < 1 || id > 255) {
    std::string shown;
    for (const char c : v) shown += (c >= 0x20 && c < 0x7F) ? c : '?';
    throw ConfigError(path, 0, "",
                      "expected a server id (a decimal number between 1 and 255), got " + quoted(shown));
  }
  return id;
}

zablab::server::ServerConfig to_server_config(const ZooConfig& config, std::int64_t myid,
                                              const std::string& myid_file) {
  zablab::server::ServerConfig s;
  s.server_id = 0;
  s.tick_time_ms = config.tick_time_ms;
  s.min_session_timeout_ms = config.min_session_timeout_ms;
  s.max_session_timeout_ms = config.max_session_timeout_ms;
  s.max_buffer = static_cast<std::size_t>(config.jute_max_buffer);
  s.extended_types_enabled = config.extended_types_enabled;
  s.container_check_interval_ms = config.container_check_interval_ms;
  s.four_letter_words = config.four_letter_words;
  s.max_client_cnxns = config.max_client_cnxns;
  s.global_outstanding_limit = config.global_outstanding_limit;
  s.max_outstanding_per_connection = config.max_outstanding_per_connection;
  s.max_watches_per_connection = static_cast<std::size_t>(config.max_watches_per_connection);
  s.max_watches = static_cast<std::size_t>(config.max_watches);
  s.max_watches_per_address = static_cast<std::size_t>(config.max_watches_per_address);
  s.max_auth_identities = static_cast<std::size_t>(config.max_auth_identities);
  s.max_auth_bytes = static_cast<std::size_t>(config.max_auth_bytes);
  s.super_digest = config.super_digest;
  s.skip_acl = config.skip_acl;
  s.data_dir = config.data_dir;
  s.data_log_dir = config.data_log_dir;
  s.client_port_address = config.client_port_address;
  s.client_port = config.client_port < 0 ? 0 : config.client_port;
  s.snap_count = config.snap_count;
  s.snap_size_limit_bytes = config.snap_size_limit_kb > 0 ? config.snap_size_limit_kb * 1024 : 0;
  s.snap_retain_count = config.autopurge_snap_retain_count;
  s.purge_interval_hours = config.autopurge_purge_interval_hours;
  s.force_sync = config.force_sync;

  for (const auto& e : config.servers) {
    zablab::server::QuorumServer q;
    q.sid = e.id;
    q.host = e.host;
    q.quorum_port = e.quorum_port;
    q.election_port = e.election_port;
    q.observer = e.type == PeerType::observer;
    if (e.client_port >= 0) {
      const std::string host = e.client_host.empty() ? "0.0.0.0" : e.client_host;
      q.client_address = (host.find(':') != std::string::npos ? "[" + host + "]" : host) + ":" +
                         std::to_string(e.client_port);
    }
    s.quorum_servers.emplace(e.id, std::move(q));
  }
  if (config.init_limit > 0) s.init_limit = config.init_limit;
  if (config.sync_limit > 0) s.sync_limit = config.sync_limit;

  if (myid == 0) return s;
  const auto me = std::find_if(config.servers.begin(), config.servers.end(),
                               [&](const ServerEntry& e) { return e.id == myid; });
  if (me == config.servers.end()) {
    std::string ids;
    for (const auto& e : config.servers) ids += (ids.empty() ? "server." : ", server.") + std::to_string(e.id);
    throw ConfigError(myid_file, 0, "",
                      "server id " + std::to_string(myid) + " has no server." + std::to_string(myid) + " line in " +
                          config.file + " (it has " + (ids.empty() ? std::string("none") : ids) + ")");
  }
  s.server_id = myid;
  const std::string key = "server." + std::to_string(myid);
  if (me->client_port >= 0) {
    if (config.client_port >= 0 && config.client_port != me->client_port) {
      throw ConfigError(config.file, me->line, key,
                        "client port " + std::to_string(me->client_port) + " differs from clientPort=" +
                            std::to_string(config.client_port));
    }
    s.client_port = me->client_port;
    if (config.client_port_address.empty()) s.client_port_address = me->client_host;
  } else if (config.client_port < 0) {
    throw ConfigError(config.file, 0, "clientPort",
                      "missing: set clientPort, or give " + key + " a ;clientPort part");
  }
  return s;
}

}  // namespace zablab::runtime
