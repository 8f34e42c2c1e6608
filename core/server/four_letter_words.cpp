// ZooKeeper's four-letter words on the client port: the first 4 bytes of a connection, unframed,
// answered in plain text, then the connection closes. Output follows ZooKeeper 3.8's layout so
// monitoring scripts that parse it keep working.
#include <cstdio>

#include "core/jute/codes.h"
#include "core/persist/disk_layout.h"
#include "core/server/server_core.h"
#include "core/util/hex.h"

namespace zablab::server {
namespace {

constexpr const char* kWords[] = {"conf", "cons", "crst", "dirs", "dump", "envi", "hash", "isro",
                                  "mntr", "ruok", "srst", "srvr", "stat", "wchc", "wchp", "wchs"};

constexpr const char* kNotServing = "This ZooKeeper instance is not currently serving requests";

constexpr const char* kVersion = "3.8.4-zablab-0.1.0, built on 2026-11-22 00:00 UTC";

bool known_word(const std::string& w) {
  for (const char* k : kWords)
    if (w == k) return true;
  return false;
}

}  // namespace

bool ServerCore::try_four_letter_word(Connection& c) {
  auto word = c.frames.first_word();
  if (!word || !known_word(*word)) return false;  // an unknown word falls through as a huge length
  const bool allowed = config_.four_letter_words.count("*") || config_.four_letter_words.count(*word);
  std::string text = allowed ? four_letter_text(*word)
                             : *word + " is not executed because it is not in the whitelist.\n";
  if (allowed && *word == "crst") {
    for (auto& [id, other] : conns_) other.received = other.sent = 0;
  }
  if (allowed && *word == "srst") stats_ = ServerStats{};
  // ZooKeeper counts the word as a packet received, on the server and on this connection.
  ++stats_.packets_received;
  ++c.received;
  env_.client_send(c.id, std::move(text));
  const ConnId id = c.id;
  conns_.erase(id);
  env_.client_close(id);
  return true;
}

std::optional<std::string> ServerCore::four_letter_word(const std::string& word) const {
  if (!known_word(word)) return std::nullopt;
  return four_letter_text(word);
}

std::string ServerCore::four_letter_text(const std::string& word) const {
  // Requests taken off connections and not yet answered (what globalOutstandingLimit bounds).
  const std::size_t outstanding = outstanding_;
  // ZooKeeper's node count includes the root twice (as "" and "/").
  const std::size_t node_count = tree_.node_count() + 1;
  const LatencySummary& latency = stats_.latency.all;
  auto connection_line = [&](const Connection& c, bool detailed) {
    std::string line = " /" + c.remote + "[" + (c.state == ConnState::open ? "1" : "0") +
                       "](queued=" + std::to_string(c.queue.size()) + ",recved=" + std::to_string(c.received) +
                       ",sent=" + std::to_string(c.sent);
    if (detailed && c.session_id) {
      line += ",sid=" + util::hex(c.session_id) + ",lop=" + c.last_op +
              ",est=" + std::to_string(c.established_ms) + ",to=" + std::to_string(c.timeout_ms) +
              ",lcxid=" + util::hex(c.last_cxid) + ",lzxid=" + util::hex(c.last_zxid);
    }
    return line + ")\n";
  };
  auto server_block = [&]() {
    return "Latency min/avg/max: " + std::to_string(latency.min()) + "/" + java_double(latency.avg()) + "/" +
           std::to_string(latency.max()) + "\nReceived: " + std::to_string(stats_.packets_received) +
           "\nSent: " + std::to_string(stats_.packets_sent) + "\nConnections: " + std::to_string(conns_.size()) +
           "\nOutstanding: " + std::to_string(outstanding) + "\nZxid: " +
           util::hex(std::max(tree_.last_processed_zxid(), last_zxid_)) +
           "\nMode: " + mode_name() + "\nNode count: " + std::to_string(node_count) + "\n";
  };

  // ZooKeeperServer.getDataDirSize / getLogDirSize (3.8.4 and later, ZOOKEEPER-4730): the
  // snapshot directory and the txn log directory, every file below each, summed. A server that
  // keeps nothing on disk has no database files: 0, as ZooKeeper's without a ZKDatabase.
  auto dir_size = [&](const std::string& dir) {
    return persistent_ ? std::to_string(env_.disk().dir_size(persist::version_dir(dir))) : std::string("0");
  };

  if (word == "ruok") return "imok";
  if (!serving() && (word == "srvr" || word == "stat" || word == "mntr" || word == "cons" || word == "dump" ||
                     word == "wchs" || word == "wchc" || word == "wchp" || word == "conf" || word == "dirs"))
    return std::string(kNotServing) + "\n";
  if (!serving() && word == "hash") return kNotServing;  // DigestCommand prints it without a line end
  if (word == "isro") return "rw";
  if (word == "srvr") return std::string("Zookeeper version: ") + kVersion + "\n" + server_block();
  if (word == "stat") {
    std::string out = std::string("Zookeeper version: ") + kVersion + "\nClients:\n";
    for (const auto& [id, c] : conns_) out += connection_line(c, false);
    return out + "\n" + server_block();
  }
  if (word == "cons") {
    std::string out;
    for (const auto& [id, c] : conns_) out += connection_line(c, true);
    return out + "\n";
  }
  if (word == "crst") return "Connection stats reset.\n";
  if (word == "srst") return "Server stats reset.\n";
  if (word == "conf") {
    return "clientPort=" + std::to_string(config_.client_port) + "\nsecureClientPort=-1\ndataDir=" +
           config_.data_dir + "/version-2\ndataDirSize=" + dir_size(config_.data_dir) + "\ndataLogDir=" +
           config_.log_dir() + "/version-2\ndataLogSize=" + dir_size(config_.log_dir()) +
           "\ntickTime=" + std::to_string(config_.tick_time_ms) +
           "\nmaxClientCnxns=" + std::to_string(config_.max_client_cnxns) +
           "\nminSessionTimeout=" + std::to_string(config_.min_session_timeout()) +
           "\nmaxSessionTimeout=" + std::to_string(config_.max_session_timeout()) +
           "\nclientPortListenBacklog=-1\nserverId=" + std::to_string(config_.server_id) + "\n";
  }
  if (word == "dirs")
    return "datadir_size: " + dir_size(config_.data_dir) + "\nlogdir_size: " + dir_size(config_.log_dir()) + "\n";
  if (word == "hash") {
    // DataTree.getDigestLog, oldest first: "<hex zxid>: <digest as a signed decimal>".
    std::string out;
    for (const data::ZxidDigest& d : tree_.digest_log()) {
      char zxid[32];
      std::snprintf(zxid, sizeof zxid, "%llx", static_cast<unsigned long long>(d.zxid));
      out += std::string(zxid) + ": " + std::to_string(d.digest) + "\n";
    }
    return out;
  }
  if (word == "envi") {
    return std::string("Environment:\nzookeeper.version=") + kVersion +
           "\nzablab.mode=" + mode_name() + "\nzablab.tickTime=" + std::to_string(config_.tick_time_ms) + "\n";
  }
  if (word == "mntr") {
    std::string out;
    auto kv = [&](const std::string& k, const std::string& v) { out += "zk_" + k + "\t" + v + "\n"; };
    kv("version", kVersion);
    kv("server_state", mode_name());
    kv("avg_latency", java_double(latency.avg()));
    kv("max_latency", std::to_string(latency.max()));
    kv("min_latency", std::to_string(latency.min()));
    kv("packets_received", std::to_string(stats_.packets_received));
    kv("packets_sent", std::to_string(stats_.packets_sent));
    kv("num_alive_connections", std::to_string(conns_.size()));
    kv("outstanding_requests", std::to_string(outstanding));
    kv("znode_count", std::to_string(node_count));
    kv("watch_count", std::to_string(watches_.watch_count()));
    kv("ephemerals_count", std::to_string(tree_.ephemeral_count()));
    kv("approximate_data_size", std::to_string(tree_.approximate_data_size()));
    kv("uptime", std::to_string(env_.now_ms() - started_ms_));
    kv("global_sessions", std::to_string(sessions_.sessions().size()));
    kv("local_sessions", "0");
    kv("digest_mismatches_count", std::to_string(stats_.digest_mismatches));
    for (const auto& [key, value] : stats_.latency.summary_lines()) kv(key, value);
    for (const auto& [key, value] : env_.host_metrics()) kv(key, value);
    return out;
  }
  if (word == "wchs") {
    const auto [conns, paths, watches] = watches_.data_watch_summary();
    return std::to_string(conns) + " connections watching " + std::to_string(paths) + " paths\nTotal watches:" +
           std::to_string(watches) + "\n";
  }
  if (word == "wchc") {
    std::string out;
    for (const auto& [conn, paths] : watches_.data_paths_by_connection()) {
      auto it = conns_.find(conn);
      out += util::hex(it != conns_.end() ? it->second.session_id : 0) + "\n";
      for (const auto& p : paths) out += "\t" + p + "\n";
    }
    return out + "\n";
  }
  if (word == "wchp") {
    std::string out;
    for (const auto& [path, conns] : watches_.data_connections_by_path()) {
      out += path + "\n";
      for (ConnId conn : conns) {
        auto it = conns_.find(conn);
        out += "\t" + util::hex(it != conns_.end() ? it->second.session_id : 0) + "\n";
      }
    }
    return out + "\n";
  }
  if (word == "dump") {
    std::string out = "SessionTracker dump:\nSession Sets (" + std::to_string(sessions_.sessions().size()) + "):\n";
    for (const auto& [sid, s] : sessions_.sessions())
      out += util::hex(sid) + "\ttimeout=" + std::to_string(s.timeout_ms) + (s.closing ? "\tclosing" : "") + "\n";
    const auto& eph = tree_.ephemerals_by_session();
    out += "ephemeral nodes dump:\nSessions with Ephemerals (" + std::to_string(eph.size()) + "):\n";
    for (const auto& [sid, paths] : eph) {
      out += util::hex(sid) + ":\n";
      for (const auto& p : paths) out += "\t" + p + "\n";
    }
    return out;
  }
  return {};
}

}  // namespace zablab::server
