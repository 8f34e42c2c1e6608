// The config of an election notification, checked as ZooKeeper's receiver parses it
// (core/quorum/fle_config.h): what parses, what does not and why, and the Properties format under it.
#include <catch2/catch.hpp>

#include <optional>
#include <string>

#include "core/quorum/fle_config.h"
#include "core/quorum/messages.h"

using zablab::quorum::notification_config_problem;
using zablab::quorum::parse_properties;

namespace {

struct ConfigRow {
  const char* config;
  std::optional<std::string> problem;  // nullopt: it parses
};

}  // namespace

TEST_CASE("fle config: what ZooKeeper's notification receiver parses, and what it refuses") {
  const ConfigRow rows[] = {
      {"", std::nullopt},  // an empty QuorumMaj: ZooKeeper takes it
      {"server.1=127.0.0.1:2888:3888:participant\nserver.2=127.0.0.1:2889:3889:participant;127.0.0.1:2181\nversion=0",
       std::nullopt},
      {"server.1=a:1:2\nserver.2=b:1:2:observer\nserver.3=c:1:2:Participant ;2181\nversion=100000000", std::nullopt},
      {"server.1=[::1]:2888:3888\nserver.2=[::1]:2889:3889;[::1]:2181", std::nullopt},
      {"# a comment\n! another\n  server.1 = a:1:2\\\n   ;2181\nserver.2:b:1:2\ngroup.1=1:2\nweight.1=1\n", std::nullopt},
      {"my very invalid config string", "Unrecognised parameter: my"},
      {"server.1=a:1:2\nclientPort=2181", "Unrecognised parameter: clientPort"},
      {"server.x=a:1:2", "server.x: server id is not a number"},
      {"server.1=a:1", "server.1=a:1: a:1 does not have the form host:port:port[:type][;[host:]port]"},
      {"server.1=a:1:2:3:4", "server.1=a:1:2:3:4: a:1:2:3:4 does not have the form host:port:port[:type][;[host:]port]"},
      {"server.1=a:b:2", "server.1=a:b:2: quorum port \"b\" is not a number"},
      {"server.1=a:1:70000", "server.1=a:1:70000: election port 70000 out of range"},
      {"server.1=a:2888:2888", "server.1=a:2888:2888: quorum and election port must differ"},
      {"server.1=a:1:2:voter", "server.1=a:1:2:voter: Unrecognised peertype: voter"},
      {"server.1=a:1:2;x:y", "server.1=a:1:2;x:y: client port \"y\" is not a number"},
      {"server.1=a:1:2|b:1:2", "server.1=a:1:2|b:1:2: more than one address for a server (multiAddress is off by default)"},
      {"server.1=[::1:2888:3888", "server.1=[::1:2888:3888: [::1:2888:3888 starts with '[' but has no matching ']:'"},
      {"server.1=a:1:2\nversion=zz", "version=zz: not a hexadecimal number"},
      {"server.1=a:1:2:observer\nserver.2=b:1:2:observer", "observers without participants"},
      {"server.1=a:1:2\nserver.2=b:1:2:observer", "observers without a quorum (one participant)"},
      {"server.1=a:1:2\\u00zz", "malformed \\uxxxx escape"},
  };
  for (const ConfigRow& row : rows) {
    INFO(row.config);
    CHECK(notification_config_problem(row.config) == row.problem);
  }
}

TEST_CASE("fle config: zablab's own notification config parses") {
  std::map<std::int64_t, zablab::server::QuorumServer> servers;
  servers[1] = {1, "127.0.0.1", 2888, 3888, false, "127.0.0.1:2181"};
  servers[2] = {2, "::1", 2889, 3889, false, ""};
  servers[3] = {3, "127.0.0.1", 2890, 3890, true, "2183"};
  const std::string text = zablab::quorum::config_text(servers);
  INFO(text);
  CHECK(notification_config_problem(text) == std::nullopt);
}

TEST_CASE("fle config: Properties lines, separators, escapes and continuations") {
  const auto p = parse_properties("a=1\n b : 2\r\nc 3\rd\\=e=4\nf=x\\\n   y\ng=\\t\\u0041\na=5\n#h=6\n");
  REQUIRE(p);
  CHECK(p->at("a") == "5");  // the last one wins
  CHECK(p->at("b") == "2");
  CHECK(p->at("c") == "3");
  CHECK(p->at("d=e") == "4");
  CHECK(p->at("f") == "xy");
  CHECK(p->at("g") == "\tA");
  CHECK(p->count("#h") == 0);
  CHECK(p->size() == 6);
}
