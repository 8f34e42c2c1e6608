// Hand-written trace records for the checkers' unit tests: a Feed gives them dense seqs and
// hands them to a CheckEngine, with helpers for the records the core and the network make.
#pragma once

#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "sim/checkers/checkers.h"
#include "sim/checkers/txn_digest.h"
#include "sim/json.h"

namespace zablab::sim::check::test {

using namespace zablab::sim;
namespace core_event = zablab::core_event;

// Feeds records with dense seqs, as a trace would.
struct Feed {
  explicit Feed(CheckConfig c = {}) : engine(std::move(c)) {
    add(make_record(trace_kind::scenario_config, kNoEndpoint, kNoEndpoint, kNoEndpoint, R"({"voters":[1,2,3],"observers":[]})"));
  }
  std::uint64_t add(TraceRecord r, Nanos t = 0) {
    r.seq = seq++;
    r.time_ns = t;
    engine.on_record(r);
    return r.seq;
  }
  // `kind` by its name (core_event::...): a test may also feed a name no build emits.
  std::uint64_t core(EndpointId node, std::string_view kind, const std::string& detail, std::int64_t zxid = -1) {
    return add(make_record(trace_kind::core, node, kNoEndpoint, kNoEndpoint, detail, std::string(kind), zxid));
  }
  std::uint64_t state(EndpointId node, const char* to) {
    return core(node, core_event::peer_state, std::string(R"({"from":"LOOKING","to":")") + to + R"(","why":"test"})");
  }
  static std::string txn_json(std::int64_t zxid, const std::string& path) {
    return R"({"header":{"client_id":1,"cxid":1,"zxid":)" + std::to_string(zxid) +
           R"(,"time":0,"type":1},"ops":[{"type":"create","txn":{"path":")" + path + R"("}}]})";
  }
  std::uint64_t txn(EndpointId node, std::int64_t zxid, const std::string& path = "/a") {
    return core(node, core_event::txn_commit, txn_json(zxid, path), zxid);
  }
  // A leader's proposal, with the txn as the core writes it.
  std::uint64_t propose(EndpointId leader, std::int64_t zxid, const std::string& path = "/a") {
    return core(leader, core_event::zab_propose,
                R"({"zxid":"0x)" + hex(zxid) + R"(","type":"create","txn":)" + txn_json(zxid, path) + "}", zxid);
  }
  std::uint64_t phase(EndpointId node, const char* p) {
    return core(node, core_event::peer_phase, std::string(R"({"phase":")") + p + R"("})");
  }
  // A quorum message sent and delivered at once; a PROPOSAL carries the digest of txn(zxid, path).
  std::uint64_t message(EndpointId from, EndpointId to, const std::string& type, std::int64_t zxid,
                        const std::string& path = "/a") {
    Json frame;
    frame.str("type", type).str("zxid", "0x" + hex(zxid));
    if (type == "PROPOSAL" || type == "INFORM")
      frame.str("digest", "0x" + hex(static_cast<std::int64_t>(txn_digest(txn_json(zxid, path)))));
    const std::uint64_t sent =
        add(make_record(trace_kind::send, from, from, to, R"({"conn":1,"frames":[)" + frame.done() + "]}", type, zxid));
    return add(make_record(trace_kind::deliver, to, from, to, R"({"conn":1,"send_seq":)" + std::to_string(sent) + "}", type, zxid));
  }
  // The whole of Zab's recovery, as the spec sees it: `leader` leads `epoch`, every follower is UPTODATE.
  void lead(EndpointId leader, std::int64_t epoch, std::vector<EndpointId> followers) {
    for (EndpointId f : followers) {
      phase(f, "DISCOVERY");
      state(f, "FOLLOWING");
      core(f, core_event::fle_decide, R"({"leader":)" + std::to_string(leader) + "}");
    }
    phase(leader, "DISCOVERY");
    state(leader, "LEADING");
    core(leader, core_event::fle_decide, R"({"leader":)" + std::to_string(leader) + "}");
    core(leader, core_event::zab_new_epoch, R"({"epoch":)" + std::to_string(epoch) + "}");
    phase(leader, "SYNCHRONIZATION");
    for (EndpointId f : followers) phase(f, "SYNCHRONIZATION");
    phase(leader, "BROADCAST");
    core(leader, core_event::zab_established, R"({"epoch":)" + std::to_string(epoch) + "}");
    for (EndpointId f : followers) phase(f, "BROADCAST");
  }
  // A txn through broadcast: proposed, sent, ACKed by every follower, committed everywhere.
  void broadcast(EndpointId leader, std::int64_t zxid, std::vector<EndpointId> followers, const std::string& path = "/a") {
    propose(leader, zxid, path);
    add(make_record(trace_kind::disk_sync, leader, kNoEndpoint, kNoEndpoint, R"({"file":"log","latency_ns":0,"ok":true})"));
    for (EndpointId f : followers) message(leader, f, "PROPOSAL", zxid, path);
    for (EndpointId f : followers) message(f, leader, "ACK", zxid);
    core(leader, core_event::zab_commit, Json().str("zxid", "0x" + hex(zxid)).done(), zxid);
    txn(leader, zxid, path);
    for (EndpointId f : followers) {
      message(leader, f, "COMMIT", zxid);
      txn(f, zxid, path);
    }
  }
  std::uint64_t commit_at_leader(EndpointId leader, std::int64_t zxid, std::vector<EndpointId> ackers) {
    propose(leader, zxid);
    add(make_record(trace_kind::disk_sync, leader, kNoEndpoint, kNoEndpoint, R"({"file":"log","latency_ns":0,"ok":true})"));
    for (EndpointId a : ackers) add(make_record(trace_kind::deliver, leader, a, leader, "{}", "ACK", zxid));
    core(leader, core_event::zab_commit, Json().str("zxid", "0x" + hex(zxid)).done(), zxid);
    return txn(leader, zxid);
  }
  std::uint64_t deliver_commit(EndpointId learner, EndpointId leader, std::int64_t zxid) {
    message(leader, learner, "PROPOSAL", zxid);
    add(make_record(trace_kind::deliver, learner, leader, learner, "{}", "COMMIT", zxid));
    return txn(learner, zxid);
  }
  void establish(EndpointId leader, std::int64_t epoch, std::vector<EndpointId> followers) {
    for (EndpointId f : followers) {
      state(f, "FOLLOWING");
      core(f, core_event::fle_decide, R"({"leader":)" + std::to_string(leader) + "}");
    }
    state(leader, "LEADING");
    core(leader, core_event::fle_decide, R"({"leader":)" + std::to_string(leader) + "}");
    core(leader, core_event::zab_established, R"({"epoch":)" + std::to_string(epoch) + "}");
  }
  static std::string hex(std::int64_t v) {
    char buf[24];
    std::snprintf(buf, sizeof buf, "%llx", static_cast<unsigned long long>(v));
    return buf;
  }
  std::string first() const { return engine.violated() ? engine.violations().front().invariant : ""; }

  CheckEngine engine;
  std::uint64_t seq = 0;
};

constexpr std::int64_t z(std::int64_t epoch, std::int64_t counter) { return (epoch << 32) | counter; }


}  // namespace zablab::sim::check::test
