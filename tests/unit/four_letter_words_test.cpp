// The four-letter words that read the server's disk and its digest history: `dirs` and `conf`'s
// directory sizes (ZooKeeperServer.getDataDirSize / getLogDirSize, 3.8.4 and later) and `hash`
// (DigestCommand over DataTree.getDigestLog), each on a server that serves and on one that does not.
#include <catch2/catch.hpp>

#include <cstdio>
#include <map>
#include <string>

#include "core/data/acl.h"
#include "core/quorum/quorum_peer.h"
#include "core/server/server_core.h"
#include "sim/quorum_kind.h"
#include "tests/support/wire_client.h"

using namespace zablab;
using test::FakeEnv;
using test::WireClient;

namespace {

server::ServerConfig all_words(const std::string& data_dir, const std::string& log_dir) {
  server::ServerConfig c;
  c.tick_time_ms = 2000;
  c.data_dir = data_dir;
  c.data_log_dir = log_dir;
  c.four_letter_words = {"*"};
  return c;
}

// The word's answer over a fresh connection (the server closes it after answering).
std::string ask(FakeEnv& env, Node& server, ConnId id, const std::string& word) {
  server.on_client_connected(id, "127.0.0.1:1");
  server.on_client_bytes(id, word);
  CHECK(env.closed.count(id));
  return env.out[id];
}

std::uint64_t bytes_below(const FakeEnv& env, const std::string& dir) {
  std::uint64_t total = 0;
  for (const auto& [path, bytes] : env.mem_disk.files)
    if (path.rfind(dir + "/", 0) == 0) total += bytes.size();
  return total;
}

std::map<std::string, std::string> conf_fields(const std::string& text) {
  std::map<std::string, std::string> out;
  std::size_t at = 0;
  while (at < text.size()) {
    const std::size_t end = text.find('\n', at);
    const std::string line = text.substr(at, end - at);
    if (const std::size_t eq = line.find('='); eq != std::string::npos) out[line.substr(0, eq)] = line.substr(eq + 1);
    at = end == std::string::npos ? text.size() : end + 1;
  }
  return out;
}

// A standalone server, started, with `nodes` znodes created by one client (a createSession
// txn, then one create each).
struct Standalone {
  FakeEnv env;
  server::ServerCore s;
  Standalone(const std::string& data_dir, const std::string& log_dir, int nodes)
      : s(env, all_words(data_dir, log_dir)) {
    s.start();
    env.complete_disk(s);
    WireClient c(env, s, 1000);
    c.connect();
    for (int i = 0; i < nodes; ++i)
      REQUIRE(c.call(op::create, jute::CreateRequest{"/n" + std::to_string(i), std::string("v"),
                                                     data::open_acl_unsafe(), 0})
                  .err() == Err::ok);
  }
  std::string ask(ConnId id, const std::string& word) { return ::ask(env, s, id, word); }
};

}  // namespace

TEST_CASE("4lw dirs: the snapshot directory's and the txn log directory's bytes, as on disk") {
  Standalone z("/data", "/logs", 20);
  const std::uint64_t snaps = bytes_below(z.env, "/data/version-2");
  const std::uint64_t logs = bytes_below(z.env, "/logs/version-2");
  CHECK(logs > 0);  // the log of the 21 txns
  CHECK(z.ask(1, "dirs") ==
        "datadir_size: " + std::to_string(snaps) + "\nlogdir_size: " + std::to_string(logs) + "\n");
  const auto conf = conf_fields(z.ask(2, "conf"));
  CHECK(conf.at("dataDir") == "/data/version-2");
  CHECK(conf.at("dataDirSize") == std::to_string(snaps));
  CHECK(conf.at("dataLogDir") == "/logs/version-2");
  CHECK(conf.at("dataLogSize") == std::to_string(logs));
}

TEST_CASE("4lw dirs: with one directory for both, both sizes are its size; without a disk, 0") {
  Standalone z("/data", "", 3);
  const std::string total = std::to_string(bytes_below(z.env, "/data/version-2"));
  CHECK(z.ask(1, "dirs") == "datadir_size: " + total + "\nlogdir_size: " + total + "\n");
  CHECK(conf_fields(z.ask(2, "conf")).at("dataLogDir") == "/data/version-2");
  Standalone memory_only("", "", 0);
  CHECK(memory_only.ask(1, "dirs") == "datadir_size: 0\nlogdir_size: 0\n");
}

TEST_CASE("4lw hash: every 128th zxid's digest, oldest first, as <hex zxid>: <signed decimal>") {
  Standalone none("", "", 0);
  CHECK(none.ask(1, "hash").empty());  // no zxid of 128 yet
  Standalone z("", "", 300);  // a createSession, then 300 creates: zxids 0x1 .. 0x12d
  const auto& log = z.s.tree().digest_log();
  REQUIRE(log.size() == 2);
  CHECK(log[0].zxid == 0x80);
  CHECK(log[1].zxid == 0x100);
  CHECK(z.ask(2, "hash") ==
        "80: " + std::to_string(log[0].digest) + "\n100: " + std::to_string(log[1].digest) + "\n");
}

TEST_CASE("4lw dirs, conf and hash: a server not serving says so, hash without a line end") {
  FakeEnv env;
  server::ServerConfig c = all_words("/data", "");
  c.server_id = 1;
  sim::WorldOptions o;
  sim::configure_ensemble(o, 3);
  c.quorum_servers = o.server.quorum_servers;
  quorum::QuorumPeer peer(env, c);
  peer.start();
  env.complete_disk(peer);
  REQUIRE(peer.state() == quorum::PeerState::looking);
  const std::string not_serving = "This ZooKeeper instance is not currently serving requests";
  CHECK(ask(env, peer, 1, "dirs") == not_serving + "\n");
  CHECK(ask(env, peer, 2, "conf") == not_serving + "\n");
  CHECK(ask(env, peer, 3, "hash") == not_serving);
}
