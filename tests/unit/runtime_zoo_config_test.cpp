// zoo.cfg parsing: defaults, every key, server.N forms, and the exact error messages.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <string>

#include "runtime/zoo_config.h"

using zablab::runtime::ConfigError;
using zablab::runtime::load_zoo_cfg;
using zablab::runtime::parse_zoo_cfg;
using zablab::runtime::PeerType;
using zablab::runtime::to_server_config;
using zablab::runtime::ZooConfig;

namespace {

const std::string kMinimal = "dataDir=/var/lib/zk\nclientPort=2181\n";

// The message of the ConfigError that parsing `text` throws ("" if none).
std::string error_of(const std::string& text) {
  try {
    parse_zoo_cfg(text, "zoo.cfg");
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("runtime/zoo_config: minimal file gets ZooKeeper 3.8 defaults", "[runtime][zoo_config]") {
  const ZooConfig c = parse_zoo_cfg(kMinimal, "zoo.cfg");
  CHECK(c.file == "zoo.cfg");
  CHECK(c.data_dir == "/var/lib/zk");
  CHECK(c.data_log_dir == "/var/lib/zk");  // = dataDir
  CHECK(c.client_port == 2181);
  CHECK(c.client_port_address.empty());
  CHECK(c.client_port_listen_backlog == -1);
  CHECK(c.tick_time_ms == 3000);
  CHECK(c.init_limit == 0);
  CHECK(c.sync_limit == 0);
  CHECK(c.max_client_cnxns == 60);
  CHECK(c.max_cnxns == 0);
  CHECK(c.min_session_timeout_ms == -1);
  CHECK(c.max_session_timeout_ms == -1);
  CHECK(c.autopurge_snap_retain_count == 3);
  CHECK(c.autopurge_purge_interval_hours == 0);
  CHECK(c.four_letter_words == std::set<std::string>{"srvr"});
  CHECK(c.snap_count == 100000);
  CHECK(c.pre_alloc_size_kb == 65536);
  CHECK(c.force_sync);
  CHECK(c.standalone_enabled);
  CHECK_FALSE(c.reconfig_enabled);
  CHECK(c.election_alg == 3);
  CHECK_FALSE(c.local_sessions_enabled);
  CHECK(c.admin_enable_server);
  CHECK(c.admin_server_port == 8080);
  CHECK(c.jute_max_buffer == 0xFFFFF);
  CHECK_FALSE(c.extended_types_enabled);
  CHECK_FALSE(c.skip_acl);
  CHECK(c.super_digest.empty());
  CHECK(c.container_check_interval_ms == 60000);
  CHECK(c.servers.empty());
  CHECK(c.peer_type == PeerType::participant);
  CHECK(c.sync_enabled);
  CHECK_FALSE(c.quorum_listen_on_all_ips);
  CHECK(c.cnx_timeout_ms == 5000);
  CHECK(c.global_outstanding_limit == 1000);
  CHECK(c.warnings.empty());
  CHECK_FALSE(c.distributed());
}

TEST_CASE("runtime/zoo_config: comments, blank lines, whitespace, CRLF", "[runtime][zoo_config]") {
  const ZooConfig c = parse_zoo_cfg(
      "\xEF\xBB\xBF# a comment\r\n"
      "! also a comment\n"
      "\n"
      "   \t\n"
      "  tickTime   =  2000  \r\n"
      "dataDir = /tmp/zk data \n"
      "clientPort=0",  // no final newline; 0 = the OS picks
      "zoo.cfg");
  CHECK(c.tick_time_ms == 2000);
  CHECK(c.data_dir == "/tmp/zk data");
  CHECK(c.client_port == 0);
}

TEST_CASE("runtime/zoo_config: every key sets its field", "[runtime][zoo_config]") {
  const ZooConfig c = parse_zoo_cfg(
      "tickTime=2000\n"
      "dataDir=data\n"
      "dataLogDir=logs\n"
      "clientPort=12181\n"
      "clientPortAddress=127.0.0.1\n"
      "initLimit=10\n"
      "syncLimit=5\n"
      "maxClientCnxns=0\n"
      "minSessionTimeout=1000\n"
      "maxSessionTimeout=90000\n"
      "autopurge.snapRetainCount=5\n"
      "autopurge.purgeInterval=24\n"
      "4lw.commands.whitelist=ruok, stat ,mntr\n"
      "snapCount=5000\n"
      "preAllocSize=1024\n"
      "forceSync=no\n"
      "standaloneEnabled=false\n"
      "reconfigEnabled=true\n"
      "electionAlg=3\n"
      "localSessionsEnabled=TRUE\n"
      "admin.enableServer=false\n"
      "admin.serverPort=9090\n"
      "jute.maxbuffer=4194304\n"
      "extendedTypesEnabled=true\n"
      "skipACL=yes\n"
      "DigestAuthenticationProvider.superDigest=super:D/InIHSb7yEEbrWz8b9l71RjZJU=\n"
      "znode.container.checkIntervalMs=1000\n"
      "metricsProvider.className=org.apache.zookeeper.metrics.prometheus.PrometheusMetricsProvider\n"
      "metricsProvider.httpPort=7000\n"
      "peerType=observer\n"
      "syncEnabled=false\n"
      "quorumListenOnAllIPs=true\n"
      "cnxTimeout=2000\n"
      "globalOutstandingLimit=500\n"
      "maxCnxns=100\n"
      "clientPortListenBacklog=128\n",
      "zoo.cfg");
  CHECK(c.tick_time_ms == 2000);
  CHECK(c.data_dir == "data");  // kept relative: resolved against the working directory
  CHECK(c.data_log_dir == "logs");
  CHECK(c.client_port == 12181);
  CHECK(c.client_port_address == "127.0.0.1");
  CHECK(c.init_limit == 10);
  CHECK(c.sync_limit == 5);
  CHECK(c.max_client_cnxns == 0);
  CHECK(c.min_session_timeout_ms == 1000);
  CHECK(c.max_session_timeout_ms == 90000);
  CHECK(c.autopurge_snap_retain_count == 5);
  CHECK(c.autopurge_purge_interval_hours == 24);
  CHECK(c.four_letter_words == std::set<std::string>{"mntr", "ruok", "srvr", "stat"});
  CHECK(c.snap_count == 5000);
  CHECK(c.pre_alloc_size_kb == 1024);
  CHECK_FALSE(c.force_sync);
  CHECK_FALSE(c.standalone_enabled);
  CHECK(c.reconfig_enabled);
  CHECK(c.local_sessions_enabled);
  CHECK_FALSE(c.admin_enable_server);
  CHECK(c.admin_server_port == 9090);
  CHECK(c.jute_max_buffer == 4194304);
  CHECK(c.extended_types_enabled);
  CHECK(c.skip_acl);
  CHECK(c.super_digest == "super:D/InIHSb7yEEbrWz8b9l71RjZJU=");
  CHECK(c.container_check_interval_ms == 1000);
  CHECK(c.peer_type == PeerType::observer);
  CHECK_FALSE(c.sync_enabled);
  CHECK(c.quorum_listen_on_all_ips);
  CHECK(c.cnx_timeout_ms == 2000);
  CHECK(c.global_outstanding_limit == 500);
  CHECK(c.max_cnxns == 100);
  CHECK(c.client_port_listen_backlog == 128);
  REQUIRE(c.warnings.size() == 2);  // the two metricsProvider lines
  CHECK(c.warnings[0].starts_with("zoo.cfg:28: metricsProvider.className: ignored"));
  CHECK(c.warnings[1].starts_with("zoo.cfg:29: metricsProvider.httpPort: ignored"));
}

TEST_CASE("runtime/zoo_config: zookeeper.-prefixed property names", "[runtime][zoo_config]") {
  const ZooConfig c = parse_zoo_cfg(kMinimal +
                                        "zookeeper.extendedTypesEnabled=true\n"
                                        "zookeeper.skipACL=true\n"
                                        "zookeeper.4lw.commands.whitelist=ruok\n"
                                        "zookeeper.snapCount=10\n",
                                    "zoo.cfg");
  CHECK(c.extended_types_enabled);
  CHECK(c.skip_acl);
  CHECK(c.four_letter_words == std::set<std::string>{"ruok", "srvr"});
  CHECK(c.snap_count == 10);
}

TEST_CASE("runtime/zoo_config: 4lw whitelist", "[runtime][zoo_config]") {
  auto words = [](const std::string& value) {
    return parse_zoo_cfg(kMinimal + "4lw.commands.whitelist=" + value + "\n", "zoo.cfg")
        .four_letter_words;
  };
  CHECK(words("*") == std::set<std::string>{"*", "srvr"});
  CHECK(words(" * ") == std::set<std::string>{"*", "srvr"});
  CHECK(words("") == std::set<std::string>{"srvr"});  // srvr is always on
  CHECK(words("ruok,,isro,") == std::set<std::string>{"isro", "ruok", "srvr"});
  CHECK(words("srvr") == std::set<std::string>{"srvr"});

  const ZooConfig c = parse_zoo_cfg(kMinimal + "4lw.commands.whitelist=ruok,boom\n", "zoo.cfg");
  CHECK(c.four_letter_words == std::set<std::string>{"boom", "ruok", "srvr"});
  REQUIRE(c.warnings.size() == 1);
  CHECK(c.warnings[0] == "zoo.cfg:3: 4lw.commands.whitelist: unknown four-letter word \"boom\"");
}

TEST_CASE("runtime/zoo_config: warnings for clamped values and repeated keys", "[runtime][zoo_config]") {
  const ZooConfig c = parse_zoo_cfg(kMinimal +
                                        "autopurge.snapRetainCount=1\n"
                                        "snapCount=1\n"
                                        "tickTime=1000\n"
                                        "tickTime=2000\n",
                                    "zoo.cfg");
  CHECK(c.autopurge_snap_retain_count == 3);
  CHECK(c.snap_count == 2);
  CHECK(c.tick_time_ms == 2000);  // the last one wins
  REQUIRE(c.warnings.size() == 3);
  CHECK(c.warnings[0] == "zoo.cfg:3: autopurge.snapRetainCount: raised to the minimum 3 (was 1)");
  CHECK(c.warnings[1] == "zoo.cfg:4: snapCount: raised to the minimum 2 (was 1)");
  CHECK(c.warnings[2] == "zoo.cfg:6: tickTime: set again; this value replaces the one on line 5");
}

TEST_CASE("runtime/zoo_config: server.N forms", "[runtime][zoo_config]") {
  const ZooConfig c = parse_zoo_cfg(
      "dataDir=/d\n"
      "initLimit=10\n"
      "syncLimit=5\n"
      "server.3=zk3.example.com:2888:3888:observer\n"
      "server.1=127.0.0.1:2888:3888\n"
      "server.2=zk2:2889:3889:participant;2182\n"
      "server.4=[::1]:2890:3890;0.0.0.0:2184\n"
      "server.5=host5:2891:3891:Observer;[fe80::1]:2185\n",
      "zoo.cfg");
  REQUIRE(c.servers.size() == 5);
  const auto& s1 = c.servers[0];  // sorted by id
  CHECK(s1.id == 1);
  CHECK(s1.host == "127.0.0.1");
  CHECK(s1.quorum_port == 2888);
  CHECK(s1.election_port == 3888);
  CHECK(s1.type == PeerType::participant);
  CHECK(s1.client_port == -1);
  CHECK(s1.client_host.empty());
  CHECK(s1.line == 5);
  const auto& s2 = c.servers[1];
  CHECK(s2.id == 2);
  CHECK(s2.host == "zk2");
  CHECK(s2.type == PeerType::participant);
  CHECK(s2.client_port == 2182);
  CHECK(s2.client_host.empty());
  const auto& s3 = c.servers[2];
  CHECK(s3.id == 3);
  CHECK(s3.host == "zk3.example.com");
  CHECK(s3.type == PeerType::observer);
  const auto& s4 = c.servers[3];
  CHECK(s4.host == "::1");
  CHECK(s4.quorum_port == 2890);
  CHECK(s4.election_port == 3890);
  CHECK(s4.client_host == "0.0.0.0");
  CHECK(s4.client_port == 2184);
  const auto& s5 = c.servers[4];
  CHECK(s5.type == PeerType::observer);
  CHECK(s5.client_host == "fe80::1");
  CHECK(s5.client_port == 2185);

  CHECK(c.distributed());  // three participants
  CHECK(c.client_port == -1);  // not required in an ensemble (it may come from server.N)
}

TEST_CASE("runtime/zoo_config: distributed() follows ZooKeeper's isDistributed", "[runtime][zoo_config]") {
  const std::string one = kMinimal + "server.1=127.0.0.1:2888:3888\n";
  CHECK_FALSE(parse_zoo_cfg(one, "zoo.cfg").distributed());  // one participant, standaloneEnabled
  CHECK(parse_zoo_cfg(one + "standaloneEnabled=false\ninitLimit=5\nsyncLimit=2\n", "zoo.cfg")
            .distributed());
  CHECK_FALSE(parse_zoo_cfg(one + "server.2=127.0.0.1:2889:3889:observer\n", "zoo.cfg").distributed());
}

TEST_CASE("runtime/zoo_config: error messages name file, line and key", "[runtime][zoo_config]") {
  // unknown key, no '='
  CHECK(error_of(kMinimal + "tickTim=2000\n") == "zoo.cfg:3: tickTim: unknown key");
  CHECK(error_of(kMinimal + "\n# c\n  tickTime 2000\n") == "zoo.cfg:5: tickTime: expected key=value");
  CHECK(error_of(kMinimal + "tickTime: 2000\n") == "zoo.cfg:3: tickTime: expected key=value");
  CHECK(error_of(kMinimal + "=5\n") == "zoo.cfg:3: (empty key): expected key=value");
  CHECK(error_of(kMinimal + "tickTime=\n") == "zoo.cfg:3: tickTime: empty value");
  CHECK(error_of(kMinimal + "dataLogDir=/a\\\n") ==
        "zoo.cfg:3: dataLogDir: line continuations (a '\\' at the end of the line) are not supported");
  // integers
  CHECK(error_of(kMinimal + "tickTime=abc\n") == "zoo.cfg:3: tickTime: expected an integer, got \"abc\"");
  CHECK(error_of(kMinimal + "tickTime=20 00\n") == "zoo.cfg:3: tickTime: expected an integer, got \"20 00\"");
  CHECK(error_of(kMinimal + "tickTime=2000 # two s\n") ==
        "zoo.cfg:3: tickTime: expected an integer, got \"2000 # two s\"");
  CHECK(error_of(kMinimal + "tickTime=0x10\n") == "zoo.cfg:3: tickTime: expected an integer, got \"0x10\"");
  CHECK(error_of(kMinimal + "tickTime=-\n") == "zoo.cfg:3: tickTime: expected an integer, got \"-\"");
  CHECK(error_of(kMinimal + "tickTime=0\n") == "zoo.cfg:3: tickTime: must be a positive integer, got 0");
  CHECK(error_of(kMinimal + "tickTime=3000000000\n") ==
        "zoo.cfg:3: tickTime: must be between 1 and 2147483647, got 3000000000");
  CHECK(error_of(kMinimal + "tickTime=99999999999999999999\n") ==
        "zoo.cfg:3: tickTime: integer out of range: \"99999999999999999999\"");
  CHECK(error_of(kMinimal + "maxClientCnxns=-1\n") == "zoo.cfg:3: maxClientCnxns: must be >= 0, got -1");
  CHECK(error_of(kMinimal + "minSessionTimeout=0\n") ==
        "zoo.cfg:3: minSessionTimeout: must be -1 (2 x tickTime) or a positive integer, got 0");
  CHECK(error_of(kMinimal + "minSessionTimeout=5000\nmaxSessionTimeout=4000\n") ==
        "zoo.cfg:3: minSessionTimeout: minSessionTimeout (5000 ms) must not be larger than "
        "maxSessionTimeout (4000 ms)");
  CHECK(error_of(kMinimal + "maxSessionTimeout=1000\n") ==
        "zoo.cfg:3: maxSessionTimeout: minSessionTimeout (6000 ms) must not be larger than "
        "maxSessionTimeout (1000 ms)");
  CHECK(error_of(kMinimal + "electionAlg=1\n") ==
        "zoo.cfg:3: electionAlg: only 3 (fast leader election over TCP) is supported, got 1");
  // ports
  CHECK(error_of("dataDir=/d\nclientPort=-1\n") ==
        "zoo.cfg:2: clientPort: port must be between 0 and 65535, got -1");
  CHECK(error_of("dataDir=/d\nclientPort=65536\n") ==
        "zoo.cfg:2: clientPort: port must be between 0 and 65535, got 65536");
  CHECK(error_of("dataDir=/d\nclientPort=http\n") ==
        "zoo.cfg:2: clientPort: expected a port number, got \"http\"");
  CHECK(error_of(kMinimal + "admin.serverPort=70000\n") ==
        "zoo.cfg:3: admin.serverPort: port must be between 0 and 65535, got 70000");
  // booleans and enums
  CHECK(error_of(kMinimal + "forceSync=maybe\n") ==
        "zoo.cfg:3: forceSync: expected true or false (or yes or no), got \"maybe\"");
  CHECK(error_of(kMinimal + "standaloneEnabled=1\n") ==
        "zoo.cfg:3: standaloneEnabled: expected true or false (or yes or no), got \"1\"");
  CHECK(error_of(kMinimal + "peerType=leader\n") ==
        "zoo.cfg:3: peerType: expected participant or observer, got \"leader\"");
  CHECK(error_of(kMinimal + "DigestAuthenticationProvider.superDigest=abc\n") ==
        "zoo.cfg:3: DigestAuthenticationProvider.superDigest: expected <user>:<base64 SHA-1 digest>, "
        "got \"abc\"");
  // missing required keys
  CHECK(error_of("clientPort=2181\n") == "zoo.cfg: dataDir: missing required key");
  CHECK(error_of("dataDir=/d\n") == "zoo.cfg: clientPort: missing required key");
  CHECK(error_of("dataDir=/d\nserver.1=a:1:2\nserver.2=b:1:2\nsyncLimit=2\n") ==
        "zoo.cfg: initLimit: missing required key (an ensemble needs it)");
  CHECK(error_of("dataDir=/d\nserver.1=a:1:2\nserver.2=b:1:2\ninitLimit=2\n") ==
        "zoo.cfg: syncLimit: missing required key (an ensemble needs it)");
}

TEST_CASE("runtime/zoo_config: bad server.N lines", "[runtime][zoo_config]") {
  auto server_error = [](const std::string& line) { return error_of(kMinimal + line + "\n"); };
  const std::string form =
      "expected host:quorumPort:electionPort[:participant|:observer][;[clientHost:]clientPort]";
  CHECK(server_error("server.x=a:1:2") ==
        "zoo.cfg:3: server.x: server id must be an integer between 1 and 255, got \"x\"");
  CHECK(server_error("server.0=a:1:2") ==
        "zoo.cfg:3: server.0: server id must be an integer between 1 and 255, got \"0\"");
  CHECK(server_error("server.256=a:1:2") ==
        "zoo.cfg:3: server.256: server id must be an integer between 1 and 255, got \"256\"");
  CHECK(server_error("server.=a:1:2") ==
        "zoo.cfg:3: server.: server id must be an integer between 1 and 255, got \"\"");
  CHECK(server_error("server.1=") == "zoo.cfg:3: server.1: empty value");
  CHECK(server_error("server.1=host") == "zoo.cfg:3: server.1: " + form + ", got \"host\"");
  CHECK(server_error("server.1=host:2888") == "zoo.cfg:3: server.1: " + form + ", got \"host:2888\"");
  CHECK(server_error("server.1=:2888:3888") ==
        "zoo.cfg:3: server.1: missing host: " + form + ", got \":2888:3888\"");
  CHECK(server_error("server.1=host:2888:3888:leader") ==
        "zoo.cfg:3: server.1: peer type must be participant or observer, got \"leader\"");
  CHECK(server_error("server.1=host:abc:3888") ==
        "zoo.cfg:3: server.1: quorumPort is not a port number: \"abc\" in \"host:abc:3888\"");
  CHECK(server_error("server.1=host:2888:0") ==
        "zoo.cfg:3: server.1: electionPort must be between 1 and 65535, got 0 in \"host:2888:0\"");
  CHECK(server_error("server.1=host:2888:70000") ==
        "zoo.cfg:3: server.1: electionPort must be between 1 and 65535, got 70000 in \"host:2888:70000\"");
  CHECK(server_error("server.1=host:2888:3888;") == "zoo.cfg:3: server.1: " + form +
                                                        ", got \"host:2888:3888;\"");
  CHECK(server_error("server.1=host:2888:3888;x") ==
        "zoo.cfg:3: server.1: clientPort is not a port number: \"x\" in \"host:2888:3888;x\"");
  CHECK(server_error("server.1=host:2888:3888;-5") ==
        "zoo.cfg:3: server.1: clientPort must be between 0 and 65535, got -5 in \"host:2888:3888;-5\"");
  CHECK(server_error("server.1=::1:2888:3888") ==
        "zoo.cfg:3: server.1: too many ':' fields (an IPv6 address must be written in brackets): " +
            form + ", got \"::1:2888:3888\"");
  CHECK(server_error("server.1=a:1:2|b:3:4") ==
        "zoo.cfg:3: server.1: multiple addresses separated by '|' are not supported, got \"a:1:2|b:3:4\"");
  CHECK(error_of(kMinimal + "server.1=a:1:2\nserver.01=b:1:2\n") ==
        "zoo.cfg:4: server.01: server id 1 is already defined on line 3");
}

TEST_CASE("runtime/zoo_config: to_server_config", "[runtime][zoo_config]") {
  const ZooConfig c = parse_zoo_cfg(
      "tickTime=2000\ndataDir=d\ndataLogDir=l\nclientPort=0\nclientPortAddress=127.0.0.1\n"
      "maxClientCnxns=7\nminSessionTimeout=3000\njute.maxbuffer=100\nextendedTypesEnabled=true\n"
      "znode.container.checkIntervalMs=50\n4lw.commands.whitelist=*\nskipACL=true\n"
      "DigestAuthenticationProvider.superDigest=super:xyz=\n"
      "snapCount=1000\nautopurge.snapRetainCount=4\nautopurge.purgeInterval=1\nforceSync=no\n",
      "zoo.cfg");
  const auto s = to_server_config(c);
  CHECK(s.snap_count == 1000);
  CHECK(s.snap_retain_count == 4);
  CHECK(s.purge_interval_hours == 1);
  CHECK_FALSE(s.force_sync);
  CHECK(s.server_id == 0);
  CHECK(s.tick_time_ms == 2000);
  CHECK(s.min_session_timeout() == 3000);
  CHECK(s.max_session_timeout() == 40000);
  CHECK(s.max_buffer == 100);
  CHECK(s.extended_types_enabled);
  CHECK(s.container_check_interval_ms == 50);
  CHECK(s.four_letter_words.contains("*"));
  CHECK(s.max_client_cnxns == 7);
  CHECK(s.skip_acl);
  CHECK(s.super_digest == "super:xyz=");
  CHECK(s.data_dir == "d");
  CHECK(s.data_log_dir == "l");
  CHECK(s.client_port_address == "127.0.0.1");
  CHECK(s.client_port == 0);
}

TEST_CASE("runtime/zoo_config: load_zoo_cfg reads a file and names it in errors", "[runtime][zoo_config]") {
  const auto dir = std::filesystem::temp_directory_path() /
                   ("zablab-zoocfg-" + std::to_string(::getpid()) + "-" +
                    std::to_string(std::random_device{}()));
  std::filesystem::create_directories(dir);
  struct Cleanup {
    std::filesystem::path p;
    ~Cleanup() {
      std::error_code ec;
      std::filesystem::remove_all(p, ec);
    }
  } cleanup{dir};

  const std::string good = (dir / "good.cfg").string();
  std::ofstream(good) << "dataDir=/x\nclientPort=1234\n";
  CHECK(load_zoo_cfg(good).client_port == 1234);

  const std::string bad = (dir / "bad.cfg").string();
  std::ofstream(bad) << "dataDir=/x\nclientPort=1234\nbogus=1\n";
  try {
    load_zoo_cfg(bad);
    FAIL("no error");
  } catch (const ConfigError& e) {
    CHECK(std::string(e.what()) == bad + ":3: bogus: unknown key");
    CHECK(e.file() == bad);
    CHECK(e.line() == 3);
    CHECK(e.key() == "bogus");
    CHECK(e.problem() == "unknown key");
  }

  const std::string missing = (dir / "missing.cfg").string();
  try {
    load_zoo_cfg(missing);
    FAIL("no error");
  } catch (const ConfigError& e) {
    CHECK(std::string(e.what()) == missing + ": cannot read: No such file or directory");
  }
}
