// The simulated network: TCP-like streams, their faults, and reachability.
#include "sim/sim_network.h"

#include <catch2/catch.hpp>
#include <set>
#include <map>
#include <string>
#include <vector>

#include "sim/reachability.h"

using namespace zablab;
using namespace zablab::sim;

namespace {

// Records what it hears as "<ms>ms <event> <conn>[ <bytes>]".
struct Probe : NetEndpoint {
  Probe(Simulator& s, bool listen) : sim(s), listening(listen) {}
  bool net_listening(int p) const override { return listening && p == port::client; }
  void net_accepted(ConnId c, EndpointId from, int) override { log("accepted", c, "from " + std::to_string(from)); }
  void net_connected(ConnId c) override { log("connected", c); }
  void net_bytes(ConnId c, std::string_view b) override {
    log("bytes", c, std::string(b));
    received[c] += b;
  }
  void net_closed(ConnId c) override { log("closed", c); }
  void log(const std::string& what, ConnId c, const std::string& extra = "") {
    events.push_back(std::to_string(sim.now() / kMillisecond) + "ms " + what + " " + std::to_string(c) +
                     (extra.empty() ? "" : " " + extra));
  }
  bool heard(const std::string& what) const {
    for (const auto& e : events)
      if (e.find(what) != std::string::npos) return true;
    return false;
  }
  Simulator& sim;
  bool listening;
  std::vector<std::string> events;
  std::map<ConnId, std::string> received;
};

struct Net {
  explicit Net(NetworkOptions o = fixed_options()) : sim(5), net(sim, o), server(sim, true), client(sim, false) {
    net.attach(1, &server);
    net.attach(1001, &client);
  }
  static NetworkOptions fixed_options() {
    NetworkOptions o;
    o.default_latency = Latency::fixed(ms(1));
    o.break_timeout = seconds(10);
    o.connect_timeout = seconds(5);
    return o;
  }
  void run() {
    while (sim.step()) {
    }
  }
  void run_to(Nanos t) {
    while (sim.next_time() && *sim.next_time() <= t) sim.step();
  }
  std::size_t count(std::string_view kind) const {
    std::size_t n = 0;
    for (const auto& r : const_cast<Simulator&>(sim).trace().records()) n += r.kind == kind ? 1 : 0;
    return n;
  }
  Simulator sim;
  SimNetwork net;
  Probe server, client;
};

}  // namespace

TEST_CASE("sim/network: connect, then bytes arrive in order, one latency later") {
  Net n;
  const ConnId c = n.net.connect(1001, 1, port::client);
  n.run();
  CHECK(n.server.events == std::vector<std::string>{"1ms accepted 1 from 1001"});
  CHECK(n.client.events == std::vector<std::string>{"2ms connected 1"});
  n.net.send(1001, c, "hello ");
  n.net.send(1001, c, "world");
  n.net.send(1, c, "hi");
  n.run();
  CHECK(n.server.received[c] == "hello world");
  CHECK(n.client.received[c] == "hi");
  CHECK(n.count(trace_kind::send) == 3);
  CHECK(n.count(trace_kind::deliver) == 3);
}

TEST_CASE("sim/network: FIFO holds even when a later segment samples a shorter latency") {
  NetworkOptions o = Net::fixed_options();
  o.default_latency = Latency::uniform(us(1), ms(50));
  Net n(o);
  const ConnId c = n.net.connect(1001, 1, port::client);
  n.run();
  std::string expected;
  for (int i = 0; i < 200; ++i) {
    n.net.send(1001, c, std::to_string(i) + ",");
    expected += std::to_string(i) + ",";
  }
  n.run();
  CHECK(n.server.received[c] == expected);
}

TEST_CASE("sim/network: close delivers what was sent, then the peer hears closed") {
  Net n;
  const ConnId c = n.net.connect(1001, 1, port::client);
  n.run();
  n.net.send(1001, c, "last words");
  n.net.close(1001, c);
  n.net.send(1001, c, "after close");  // dropped: traced, never delivered
  n.run();
  CHECK(n.server.received[c] == "last words");
  CHECK(n.server.events.back() == "3ms closed 1");
  CHECK_FALSE(n.client.heard("closed"));  // no net_closed for a close this end asked for
  CHECK(n.net.connections().empty());
  CHECK(n.count(trace_kind::drop) == 1);
}

TEST_CASE("sim/network: nobody listening means refused one round trip later") {
  Net n;
  n.server.listening = false;
  n.net.connect(1001, 1, port::client);
  n.net.connect(1001, 77, port::client);  // no such endpoint
  n.run();
  CHECK(n.client.events == std::vector<std::string>{"2ms closed 1", "2ms closed 2"});
  CHECK(n.count(trace_kind::refused) == 2);
  CHECK(n.net.connections().empty());
}

TEST_CASE("sim/network: a partition loses bytes in flight and both ends see a break after the timeout") {
  Net n;
  const ConnId c = n.net.connect(1001, 1, port::client);
  n.run();  // open at 2ms
  n.net.send(1001, c, "in flight");
  n.net.partition({{1}, {1001}});
  CHECK(n.net.blocked(1, 1001));
  CHECK(n.net.blocked(1001, 1));
  n.net.send(1, c, "also lost");
  n.run();
  CHECK(n.server.received[c].empty());
  CHECK(n.client.received[c].empty());
  CHECK(n.server.events.back() == "10002ms closed 1");  // 2ms + break_timeout
  CHECK(n.client.events.back() == "10002ms closed 1");
  CHECK(n.count(trace_kind::drop) == 2);
  CHECK(n.net.connections().empty());
}

TEST_CASE("sim/network: healing does not save a connection that lost bytes") {
  Net n;
  const ConnId c = n.net.connect(1001, 1, port::client);
  n.run();
  n.net.partition({{1}, {1001}});
  n.net.send(1001, c, "lost");
  n.net.heal();
  n.net.send(1001, c, "behind the hole");  // TCP would hold it behind the lost bytes
  n.run();
  CHECK(n.server.received[c].empty());
  CHECK(n.server.heard("closed"));
  CHECK(n.client.heard("closed"));
}

TEST_CASE("sim/network: an idle connection across a partition notices nothing until it sends") {
  Net n;
  const ConnId c = n.net.connect(1001, 1, port::client);
  n.run();
  n.net.partition({{1}, {1001}});
  n.run_to(seconds(60));
  CHECK(n.net.connections().size() == 1);
  n.net.heal();
  n.net.send(1001, c, "still fine");
  n.run();
  CHECK(n.server.received[c] == "still fine");
}

TEST_CASE("sim/network: one-way partition: bytes the open way arrive, but the sender's TCP gives up") {
  Net n;
  const ConnId c = n.net.connect(1001, 1, port::client);
  n.run();
  n.net.block(1, 1001);  // server -> client cut; client -> server open
  CHECK_FALSE(n.net.blocked(1001, 1));
  n.net.send(1001, c, "request");
  n.net.send(1, c, "reply");
  n.run();
  CHECK(n.server.received[c] == "request");
  CHECK(n.client.received[c].empty());
  CHECK(n.server.heard("10002ms closed 1"));
  CHECK(n.client.heard("10002ms closed 1"));
}

TEST_CASE("sim/network: connect across a partition fails after the connect timeout") {
  Net n;
  n.net.partition({{1}, {1001}});
  n.net.connect(1001, 1, port::client);
  n.run();
  CHECK(n.server.events.empty());
  CHECK(n.client.events == std::vector<std::string>{"5000ms closed 1"});
}

TEST_CASE("sim/network: reset drops what is in flight and both ends hear closed") {
  Net n;
  const ConnId c = n.net.connect(1001, 1, port::client);
  n.run();
  n.net.send(1001, c, "doomed");
  CHECK(n.net.reset(c));
  n.net.send(1, c, "too late");
  n.run();
  CHECK(n.server.received[c].empty());
  CHECK(n.server.events.back() == "3ms closed 1");
  CHECK(n.client.events.back() == "3ms closed 1");
  CHECK_FALSE(n.net.reset(c));
}

TEST_CASE("sim/network: a stalled connection holds its bytes until unstalled") {
  Net n;
  const ConnId c = n.net.connect(1001, 1, port::client);
  n.run();
  n.net.send(1001, c, "a");
  n.net.stall(c, true);
  n.net.send(1001, c, "b");
  n.run_to(seconds(100));
  CHECK(n.server.received[c].empty());
  CHECK(n.net.connections().at(0).stalled);
  n.net.stall(c, false);
  n.run();
  CHECK(n.server.received[c] == "ab");
}

TEST_CASE("sim/network: a crashed endpoint's peers are reset after what was on the wire") {
  Net n;
  const ConnId c = n.net.connect(1001, 1, port::client);
  n.run();
  n.net.send(1, c, "sent before the crash");
  n.net.endpoint_down(1);
  n.net.send(1001, c, "to a dead process");
  n.run();
  CHECK(n.client.received[c] == "sent before the crash");
  CHECK(n.client.events.back() == "3ms closed 1");
  CHECK(n.server.events.size() == 1);  // only the accept: a dead process hears nothing
}

TEST_CASE("sim/network: a powered-off endpoint's peers hear nothing until their TCP gives up") {
  Net n;
  const ConnId c = n.net.connect(1001, 1, port::client);
  n.run();
  n.net.power_off(1);
  // Idle: no FIN, no reset, nothing -- the connection looks fine for as long as nobody sends.
  n.run_to(seconds(60));
  CHECK_FALSE(n.client.heard("closed"));
  // Sending: never acknowledged, so the sender's TCP gives up break_timeout (10 s) after the
  // segment reached the dead machine (1 ms on).
  const Nanos sent_at = n.sim.now();
  n.net.send(1001, c, "to a dead machine");
  n.run();
  CHECK(n.client.events.back() == std::to_string((sent_at + ms(1) + seconds(10)) / kMillisecond) + "ms closed 1");
  CHECK(n.server.events.size() == 1);  // only the accept
}

TEST_CASE("sim/network: a SYN to a powered-off machine goes unanswered; once back it resets old streams") {
  Net n;
  const ConnId old = n.net.connect(1001, 1, port::client);
  n.run();
  n.net.power_off(1);
  const Nanos syn_at = n.sim.now();
  const ConnId fresh = n.net.connect(1001, 1, port::client);
  n.run_to(seconds(1));
  CHECK_FALSE(n.client.heard("closed " + std::to_string(fresh)));  // not refused: nobody answers
  n.run_to(seconds(6));
  // connect_timeout (5 s) after the SYN reached the dead machine
  CHECK(n.client.heard(std::to_string((syn_at + ms(1) + seconds(5)) / kMillisecond) + "ms closed " +
                       std::to_string(fresh)));
  n.net.power_on(1);
  const Nanos sent_at = n.sim.now();
  n.net.send(1001, old, "after the reboot");
  n.run();
  // The rebooted kernel knows no such connection: it answers with a reset, one round trip on.
  CHECK(n.client.events.back() == std::to_string((sent_at + ms(2)) / kMillisecond) + "ms closed " + std::to_string(old));
}

TEST_CASE("sim/reachability: components, one-way cuts and quorums") {
  Simulator sim(1);
  SimNetwork net(sim, NetworkOptions{});
  const std::vector<EndpointId> ensemble{1, 2, 3, 4, 5};
  {
    LinkGraph g(net, {1, 2, 3, 4, 5});
    CHECK(g.components().size() == 1);
    CHECK(g.quorum_component(ensemble));
    CHECK(g.quorum_leader(ensemble) == 1);
  }
  net.partition({{1, 2}, {3, 4, 5}});
  {
    LinkGraph g(net, {1, 2, 3, 4, 5});
    CHECK(g.components() == std::vector<std::vector<EndpointId>>{{1, 2}, {3, 4, 5}});
    CHECK(g.component_of(4) == 1);
    CHECK_FALSE(g.same_component(2, 3));
    CHECK(g.quorum_component(ensemble));
    CHECK(g.quorum_leader(ensemble) == 3);
  }
  {
    LinkGraph g(net, {1, 2, 3});  // 4 and 5 crashed: no side holds 3 of 5
    CHECK_FALSE(g.quorum_component(ensemble));
    CHECK_FALSE(g.quorum_leader(ensemble));
    CHECK(g.component_of(4) == -1);
  }
  net.heal();
  net.block(1, 2);  // one way is enough to cut a TCP link
  {
    LinkGraph g(net, {1, 2, 3});
    CHECK_FALSE(g.direct(1, 2));
    CHECK(g.same_component(1, 2));           // through 3
    CHECK(g.quorum_leader({1, 2, 3}) == 1);  // 1 reaches 3: two of three
  }
}

TEST_CASE("sim/reachability: any record of cut links can be grouped (the visualizer's)") {
  // Cut both ways between {1, 2} and {3}, and one way 4 -> 1 (4 still reaches the rest).
  const std::set<std::pair<EndpointId, EndpointId>> cut{{1, 3}, {3, 1}, {2, 3}, {3, 2}, {4, 1}};
  const LinkGraph g([&](EndpointId from, EndpointId to) { return cut.count({from, to}) > 0; }, {4, 3, 2, 1});
  CHECK(g.components() == std::vector<std::vector<EndpointId>>{{1, 2, 3, 4}});  // 1-2-4-3 chained
  CHECK_FALSE(g.direct(1, 4));
  const LinkGraph split([&](EndpointId from, EndpointId to) { return cut.count({from, to}) > 0; }, {1, 2, 3});
  CHECK(split.components() == std::vector<std::vector<EndpointId>>{{1, 2}, {3}});
}
