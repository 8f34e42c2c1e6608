#include "sim/checkers/checkers.h"

#include <algorithm>
#include <cstdio>

#include "core/util/hex.h"
#include "sim/addresses.h"
#include "sim/checkers/json_fields.h"
#include "sim/json.h"

namespace zablab::sim::check {
namespace {

constexpr std::size_t kMaxViolations = 32;

const std::vector<Invariant> kInvariants = {
    {"zab.one-leader-per-epoch", "at most one leader establishes each epoch"},
    {"zab.prefix-agreement",
     "servers apply committed txns as one sequence: one txn per zxid, none skipped, none foreign in between"},
    {"zab.primary-integrity",
     "a committed txn is never lost: every new leader has it, and no TRUNC or SNAP removes it from a server"},
    {"zab.delivery-order", "a server applies txns in strictly increasing zxid order"},
    {"zab.commit-quorum", "a leader commits a txn only once a quorum of voters has ACKed it"},
    {"client.acked-writes-survive", "a write acknowledged to a client is in the history of every later leader"},
    {"client.monotonic-zxid", "the zxids a client sees never go backwards, across reconnects too"},
    {"client.real-time-order", "a write acknowledged before another began has the lower zxid"},
    {"client.sync-linearizable",
     "a read right after sync(path) sees every write to path acknowledged before the sync, when the sync was "
     "answered in the write's epoch or later"},
    {"client.reads-committed", "a read never sees a txn that no leader committed"},
    {"client.bounded-staleness",
     "a read sees every write to its path acknowledged more than syncLimit x tick + the session timeout before it"},
};

// FNV-1a over the txn's JSON: the same txn gives the same text on every server.
std::uint64_t digest_of(std::string_view text) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : text) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  return h == 0 ? 1 : h;  // 0 means "unknown"
}

std::string hx(std::int64_t zxid) { return util::hex(zxid); }

std::string at_time(Nanos t) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%lld.%06llds", static_cast<long long>(t / kSecond),
                static_cast<long long>((t % kSecond) / kMicrosecond));
  return buf;
}

bool is_write_op(std::string_view op) { return op == "create" || op == "setData" || op == "delete"; }

bool digests_agree(std::uint64_t a, std::uint64_t b) { return a == 0 || b == 0 || a == b; }

}  // namespace

const std::vector<Invariant>& invariants() { return kInvariants; }

bool is_invariant(std::string_view name) {
  for (const auto& i : kInvariants)
    if (i.name == name) return true;
  return false;
}

std::string Violation::to_json() const {
  return Json()
      .str("invariant", invariant)
      .num("seq", static_cast<std::int64_t>(seq))
      .num("time_ns", time_ns)
      .num("node", node)
      .str("message", message)
      .done();
}

std::string Violation::describe() const {
  return "seq " + std::to_string(seq) + " at " + at_time(time_ns) + ": " + invariant + ": " + message;
}

CheckEngine::CheckEngine(CheckConfig config) : config_(std::move(config)) {
  configured_ = !config_.voters.empty();
}

bool CheckEngine::enabled(std::string_view invariant) const {
  return config_.enabled.empty() || config_.enabled.count(std::string(invariant)) > 0;
}

bool CheckEngine::is_voter(EndpointId id) const {
  return std::find(config_.voters.begin(), config_.voters.end(), id) != config_.voters.end();
}

void CheckEngine::report(std::string_view invariant, const TraceRecord& r, EndpointId node, std::string message) {
  if (!enabled(invariant) || violations_.size() >= kMaxViolations) return;
  Violation v;
  v.invariant = std::string(invariant);
  v.seq = r.seq;
  v.time_ns = r.time_ns;
  v.node = node;
  v.message = std::move(message);
  violations_.push_back(std::move(v));
}

bool CheckEngine::server_has(EndpointId server, std::int64_t zxid) const {
  auto it = servers_.find(server);
  return it != servers_.end() && it->second.hist.count(zxid) > 0;
}

std::optional<EndpointId> CheckEngine::leader_of_epoch(std::int64_t epoch) const {
  auto it = epoch_leader_.find(epoch);
  if (it == epoch_leader_.end()) return std::nullopt;
  return it->second.first;
}

void CheckEngine::configure(const TraceRecord& r) {
  if (r.kind == record_kind::config && config_.staleness_bound == 0) {
    const std::int64_t tick = json_int(r.detail, "tick_ms").value_or(2000);
    const std::int64_t sync_limit = json_int(r.detail, "sync_limit").value_or(5);
    const std::int64_t session = json_int(r.detail, "session_ms").value_or(10000);
    config_.staleness_bound = (sync_limit * tick + session) * kMillisecond;
  }
  if (configured_) return;
  if (r.kind == record_kind::config) {
    if (auto v = json_int_array(r.detail, "voters")) config_.voters = *v;
    if (auto o = json_int_array(r.detail, "observers")) config_.observers = *o;
    if (config_.enabled.empty())
      if (auto c = json_string_array(r.detail, "checks"))
        for (auto& name : *c) config_.enabled.insert(name);
    configured_ = !config_.voters.empty();
  } else if (r.kind == "world.config") {
    // Without a scenario.config (a plain World's trace): every server votes.
    if (auto n = json_int(r.detail, "servers"))
      for (EndpointId id = 1; id <= *n; ++id) config_.voters.push_back(id);
    // Not final: a scenario.config right after it may still say who observes.
  }
}

void CheckEngine::on_record(const TraceRecord& r) {
  ++records_seen_;
  if (r.kind == record_kind::config || r.kind == "world.config") {
    configure(r);
    return;
  }
  const EndpointId node = r.node;
  if (r.kind == trace_kind::core) {
    if (is_server(node)) on_core(r, node);
  } else if (r.kind == trace_kind::deliver) {
    on_deliver(r);
  } else if (r.kind == "node.start" || r.kind == trace_kind::restart) {
    if (is_server(node)) {
      Server& s = server(node);
      s.role = "LOOKING";
      s.established = false;
      s.awaiting_recovery = true;
      s.last_applied = -1;
      s.acks.clear();
    }
  } else if (r.kind == trace_kind::crash) {
    if (is_server(node)) {
      Server& s = server(node);
      s.role = "DOWN";
      s.established = false;
      s.acks.clear();
    }
  } else if (r.kind == trace_kind::client_invoke) {
    on_invoke(r);
  } else if (r.kind == trace_kind::client_return) {
    on_return(r);
  } else if (r.kind == record_kind::op_result) {
    on_op_result(r);
  }
  if (is_server(node)) server(node).prev_seq = r.seq;
}

// ------------------------------------------------------------------------------ Zab

void CheckEngine::on_core(const TraceRecord& r, EndpointId id) {
  Server& s = server(id);
  const std::string& what = r.msg_type;
  if (what == "txn.commit") {
    on_apply(r, id);
  } else if (what == "zab.propose") {
    if (r.zxid >= 0) s.logged.insert(r.zxid);
  } else if (what == "zab.commit") {
    s.commit_marker_seq = r.seq;
    s.commit_marker_zxid = json_int(r.detail, "zxid").value_or(-1);
  } else if (what == "peer.state") {
    s.role = json_string(r.detail, "to").value_or("LOOKING");
    s.established = false;
    s.acks.clear();
    if (s.role == "LOOKING") s.leader.reset();
  } else if (what == "fle.start") {
    const std::int64_t zxid = json_int(r.detail, "zxid").value_or(0);
    if (s.awaiting_recovery) {
      on_recovered(id, zxid);
      s.awaiting_recovery = false;
    } else {
      s.last_applied = zxid;  // what the server says it has applied: trust it
    }
  } else if (what == "fle.decide") {
    if (auto leader = json_int(r.detail, "leader")) s.leader = *leader;
  } else if (what == "zab.established") {
    on_established(r, id, json_int(r.detail, "epoch").value_or(-1));
  } else if (what == "zab.sync") {
    if (auto learner = json_int(r.detail, "sid")) server(static_cast<EndpointId>(*learner)).sync_chosen_seq = r.seq;
  } else if (what == "zab.trunc") {
    on_trunc(r, id, json_int(r.detail, "zxid").value_or(0));
  } else if (what == "zab.snap") {
    on_snap(r, id, json_int(r.detail, "zxid").value_or(0));
  }
}

void CheckEngine::on_deliver(const TraceRecord& r) {
  const EndpointId to = r.to;
  if (is_client(to)) {
    // Every reply carries the zxid of the server's view when it answered.
    if (r.zxid <= 0 || r.msg_type.find("reply") == std::string::npos) return;
    Client& c = clients_[to];
    c.last_from = r.from;
    if (r.zxid < c.max_zxid) {
      report("client.monotonic-zxid", r, to,
             name_of(to) + " got a reply from " + name_of(r.from) + " with zxid " + hx(r.zxid) +
                 " after it had seen " + hx(c.max_zxid) + " (from " + name_of(c.max_from) + ", seq " +
                 std::to_string(c.max_seq) + ")");
      return;
    }
    c.max_zxid = r.zxid;
    c.max_from = r.from;
    c.max_seq = r.seq;
    return;
  }
  if (!is_server(to)) return;
  Server& s = server(to);
  if ((r.msg_type == "PROPOSAL" || r.msg_type == "INFORM") && r.zxid >= 0) s.logged.insert(r.zxid);
  if (r.msg_type == "COMMIT" || r.msg_type == "INFORM") {
    s.delivery_marker_seq = r.seq;
    s.delivery_marker_zxid = r.zxid;
    s.delivery_marker_from = r.from;
  } else if (r.msg_type == "ACK" && s.role == "LEADING") {
    s.acks[r.zxid].insert(r.from);
  }
}

void CheckEngine::add_committed(std::int64_t zxid, std::uint64_t digest, EndpointId by, std::uint64_t seq) {
  if (digest == 0)
    if (auto t = txn_digest_.find(zxid); t != txn_digest_.end()) digest = t->second;
  auto [it, inserted] = committed_.try_emplace(zxid, Committed{digest, by, seq});
  if (!inserted && it->second.digest == 0) it->second.digest = digest;
}

void CheckEngine::on_apply(const TraceRecord& r, EndpointId id) {
  Server& s = server(id);
  const std::int64_t z = r.zxid;
  const std::uint64_t d = digest_of(r.detail);
  const bool leader_commit = s.role == "LEADING" && s.established && s.commit_marker_seq == s.prev_seq &&
                             s.prev_seq != UINT64_MAX && s.commit_marker_zxid == z;
  const bool learner_delivery = (s.role == "FOLLOWING" || s.role == "OBSERVING") &&
                                s.delivery_marker_seq == s.prev_seq && s.prev_seq != UINT64_MAX &&
                                s.delivery_marker_zxid == z && s.leader && s.delivery_marker_from == *s.leader;

  // One txn per zxid, everywhere.
  if (auto [it, inserted] = txn_digest_.try_emplace(z, d); !inserted && it->second != d) {
    report("zab.prefix-agreement", r, id,
           name_of(id) + " applied a txn with zxid " + hx(z) + " that differs from another server's txn " + hx(z));
  }
  if (s.last_applied >= 0 && z <= s.last_applied) {
    report("zab.delivery-order", r, id,
           name_of(id) + " applied zxid " + hx(z) + " after zxid " + hx(s.last_applied) + " (" + s.role + ")");
  }
  s.hist[z] = d;
  s.logged.insert(z);
  s.last_applied = z;

  if (leader_commit) {
    auto acks = s.acks.find(z);
    std::size_t votes = is_voter(id) ? 1 : 0;
    std::string who = name_of(id);
    if (acks != s.acks.end()) {
      for (EndpointId v : acks->second) {
        if (is_voter(v) && v != id) {
          ++votes;
          who += "," + name_of(v);
        }
      }
      s.acks.erase(acks);
    }
    if (!config_.voters.empty() && votes < quorum_size()) {
      report("zab.commit-quorum", r, id,
             "leader " + name_of(id) + " committed " + hx(z) + " with ACKs from {" + who + "} only: " +
                 std::to_string(votes) + " of the " + std::to_string(quorum_size()) + " voters a quorum needs");
    }
    auto k = committed_.find(z);
    if (k != committed_.end()) {
      if (!digests_agree(k->second.digest, d))
        report("zab.prefix-agreement", r, id,
               "leader " + name_of(id) + " committed a txn " + hx(z) + " different from the one " +
                   name_of(k->second.by) + " committed (seq " + std::to_string(k->second.seq) + ")");
    } else if (!committed_.empty() && z < committed_.rbegin()->first) {
      report("zab.prefix-agreement", r, id,
             "leader " + name_of(id) + " committed " + hx(z) + " below the end of the committed history (" +
                 hx(committed_.rbegin()->first) + ", committed by " + name_of(committed_.rbegin()->second.by) +
                 ") without it being part of it");
    } else {
      if (!committed_.empty()) {
        const auto& [pz, pc] = *committed_.rbegin();
        auto h = s.hist.find(pz);
        if (h == s.hist.end() || !digests_agree(h->second, pc.digest))
          report("zab.prefix-agreement", r, id,
                 "leader " + name_of(id) + " committed " + hx(z) + " but its history lacks the committed txn " +
                     hx(pz) + " (committed by " + name_of(pc.by) + ", seq " + std::to_string(pc.seq) + ")");
      }
      add_committed(z, d, id, r.seq);
    }
  } else if (learner_delivery) {
    auto k = committed_.find(z);
    if (k != committed_.end()) {
      if (!digests_agree(k->second.digest, d))
        report("zab.prefix-agreement", r, id,
               name_of(id) + " delivered a txn " + hx(z) + " different from the committed one");
    } else if (!committed_.empty() && z < committed_.rbegin()->first) {
      report("zab.prefix-agreement", r, id,
             name_of(id) + " delivered " + hx(z) + ", which is not in the committed history though " +
                 hx(committed_.rbegin()->first) + " after it is");
    }
    // No gap: the committed txn just before z must be in this server's history.
    auto pred = committed_.lower_bound(z);
    if (pred != committed_.begin()) {
      --pred;
      if (!s.hist.count(pred->first))
        report("zab.prefix-agreement", r, id,
               name_of(id) + " delivered " + hx(z) + " without having the committed txn " + hx(pred->first) +
                   " before it");
    }
  }
  s.commit_marker_seq = UINT64_MAX;
  s.delivery_marker_seq = UINT64_MAX;
}

void CheckEngine::on_recovered(EndpointId id, std::int64_t zxid) {
  // After a restart the tree is what the disk kept, up to `zxid`: a prefix of what was applied
  // (un-synced appends may be gone), plus txns logged but never applied before the crash.
  Server& s = server(id);
  s.hist.erase(s.hist.upper_bound(zxid), s.hist.end());
  s.logged.erase(s.logged.upper_bound(zxid), s.logged.end());
  const std::int64_t from = s.hist.empty() ? 0 : s.hist.rbegin()->first;
  for (auto it = s.logged.upper_bound(from); it != s.logged.end(); ++it) {
    auto t = txn_digest_.find(*it);
    s.hist[*it] = t == txn_digest_.end() ? 0 : t->second;
  }
  if (zxid > 0 && !s.hist.count(zxid)) s.hist[zxid] = 0;
  s.last_applied = zxid;
}

void CheckEngine::on_established(const TraceRecord& r, EndpointId id, std::int64_t epoch) {
  Server& s = server(id);
  s.established = true;
  if (auto it = epoch_leader_.find(epoch); it != epoch_leader_.end() && it->second.first != id) {
    report("zab.one-leader-per-epoch", r, id,
           name_of(id) + " established epoch " + std::to_string(epoch) + ", which " + name_of(it->second.first) +
               " already established at seq " + std::to_string(it->second.second));
  } else {
    epoch_leader_[epoch] = {id, r.seq};
  }
  latest_epoch_ = std::max(latest_epoch_, epoch);
  // Primary integrity: everything committed before is in the new leader's history.
  for (const auto& [z, c] : committed_) {
    auto h = s.hist.find(z);
    if (h == s.hist.end() || !digests_agree(h->second, c.digest)) {
      report("zab.primary-integrity", r, id,
             "leader " + name_of(id) + " established epoch " + std::to_string(epoch) + " without the committed txn " +
                 hx(z) + " (committed by " + name_of(c.by) + " at seq " + std::to_string(c.seq) + ")");
      break;
    }
  }
  // Its history is now committed: a quorum acknowledged NEWLEADER with it.
  for (const auto& [z, d] : s.hist) add_committed(z, d, id, r.seq);
  // Acknowledged writes of earlier epochs must be there too.
  for (std::int64_t w : acked_writes_) {
    if ((static_cast<std::uint64_t>(w) >> 32) < static_cast<std::uint64_t>(epoch) && !s.hist.count(w)) {
      report("client.acked-writes-survive", r, id,
             "leader " + name_of(id) + " established epoch " + std::to_string(epoch) +
                 " without the acknowledged write " + hx(w));
      break;
    }
  }
}

void CheckEngine::on_trunc(const TraceRecord& r, EndpointId id, std::int64_t zxid) {
  Server& s = server(id);
  for (auto it = s.hist.upper_bound(zxid); it != s.hist.end(); ++it) {
    auto k = committed_.find(it->first);
    // A txn committed after the leader chose this TRUNC was outstanding then: it comes again
    // right after the TRUNC, in the same sync.
    const bool committed_before_sync = s.sync_chosen_seq == UINT64_MAX || k == committed_.end() ||
                                       k->second.seq < s.sync_chosen_seq;
    if (k != committed_.end() && committed_before_sync && digests_agree(k->second.digest, it->second)) {
      report("zab.primary-integrity", r, id,
             name_of(id) + " was told to TRUNC to " + hx(zxid) + ", discarding the committed txn " + hx(it->first) +
                 " (committed by " + name_of(k->second.by) + " at seq " + std::to_string(k->second.seq) + ")");
      break;
    }
  }
  s.hist.erase(s.hist.upper_bound(zxid), s.hist.end());
  s.logged.erase(s.logged.upper_bound(zxid), s.logged.end());
  s.last_applied = zxid;
}

void CheckEngine::on_snap(const TraceRecord& r, EndpointId id, std::int64_t zxid) {
  Server& s = server(id);
  std::map<std::int64_t, std::uint64_t> base;
  if (s.leader && servers_.count(*s.leader)) {
    const auto& lh = servers_[*s.leader].hist;
    base.insert(lh.begin(), lh.upper_bound(zxid));
  } else {
    for (auto it = committed_.begin(); it != committed_.end() && it->first <= zxid; ++it)
      base[it->first] = it->second.digest;
  }
  for (const auto& [z, d] : s.hist) {
    auto k = committed_.find(z);
    if (k != committed_.end() && digests_agree(k->second.digest, d) && !base.count(z)) {
      report("zab.primary-integrity", r, id,
             name_of(id) + " took a SNAP at " + hx(zxid) + " that lacks the committed txn " + hx(z) +
                 " it had (committed by " + name_of(k->second.by) + " at seq " + std::to_string(k->second.seq) + ")");
      break;
    }
  }
  s.hist = std::move(base);
  s.logged.clear();
  for (const auto& [z, d] : s.hist) s.logged.insert(z);
  s.last_applied = zxid;
}

// ------------------------------------------------------------------------------ clients

void CheckEngine::on_invoke(const TraceRecord& r) {
  const auto op_id = json_int(r.detail, "op_id");
  if (!op_id) return;
  Op op;
  op.client = r.node;
  op.op = r.msg_type;
  op.path = json_string(r.detail, "path").value_or("");
  op.invoked_ns = r.time_ns;
  Client& c = clients_[r.node];
  if (op.op == "getData" && c.ops_in_flight == 0 && c.last_returned_op) {
    const Op& prev = ops_[c.last_returned_op];
    if (prev.op == "sync" && prev.err == "Ok" && prev.path == op.path) {
      op.synced_read = true;
      op.barrier_ns = prev.invoked_ns;
      op.sync_op = c.last_returned_op;
    }
  }
  if (op.op == "delete" && !first_delete_invoked_.count(op.path)) first_delete_invoked_[op.path] = r.time_ns;
  ++c.ops_in_flight;
  ops_[static_cast<std::uint64_t>(*op_id)] = std::move(op);
}

void CheckEngine::on_return(const TraceRecord& r) {
  const auto op_id = json_int(r.detail, "op_id");
  if (!op_id) return;
  auto it = ops_.find(static_cast<std::uint64_t>(*op_id));
  if (it == ops_.end()) return;
  Op& op = it->second;
  op.returned = true;
  op.returned_ns = r.time_ns;
  op.err = json_string(r.detail, "err").value_or("");
  op.zxid = r.zxid;
  Client& c = clients_[op.client];
  if (c.ops_in_flight) --c.ops_in_flight;
  c.last_returned_op = it->first;
  if (op.err != "Ok" || !is_write_op(op.op) || op.zxid <= 0) return;

  // Real time: every write acknowledged before this one began has a lower zxid.
  if (enabled("client.real-time-order") && !acked_by_return_.empty()) {
    // The acked writes that returned strictly before this op was invoked form a prefix.
    auto end = std::lower_bound(acked_by_return_.begin(), acked_by_return_.end(), op.invoked_ns,
                                [](const AckedWrite& w, Nanos t) { return w.returned_ns < t; });
    if (end != acked_by_return_.begin()) {
      const std::size_t last = static_cast<std::size_t>(end - acked_by_return_.begin()) - 1;
      const AckedWrite& best = acked_by_return_[acked_prefix_max_[last]];
      if (best.zxid >= op.zxid) {
        const Op& earlier = ops_[best.op_id];
        report("client.real-time-order", r, op.client,
               op.op + " " + op.path + " by " + name_of(op.client) + " began at " + at_time(op.invoked_ns) +
                   ", after " + earlier.op + " " + earlier.path + " by " + name_of(earlier.client) +
                   " was acknowledged (at " + at_time(best.returned_ns) + " with zxid " + hx(best.zxid) +
                   "), yet got the lower zxid " + hx(op.zxid));
      }
    }
  }
  acked_by_return_.push_back({r.time_ns, op.zxid, it->first});
  const std::size_t i = acked_by_return_.size() - 1;
  acked_prefix_max_.push_back(i == 0 || acked_by_return_[acked_prefix_max_[i - 1]].zxid < op.zxid
                                  ? i
                                  : acked_prefix_max_[i - 1]);
  acked_writes_.push_back(op.zxid);
  path_writes_[op.path].push_back({r.time_ns, op.zxid, it->first, op.op == "delete"});
  check_acked_against_leaders(r, op, it->first);

  // A read right after a sync that returned NoNode while a write to the path was acknowledged
  // before the sync began: checked in on_op_result for Ok reads, here for errors.
}

void CheckEngine::check_acked_against_leaders(const TraceRecord& r, const Op& op, std::uint64_t) {
  // Acknowledged after a later epoch was established without it: that leader will never have it.
  const auto epoch = static_cast<std::int64_t>(static_cast<std::uint64_t>(op.zxid) >> 32);
  if (latest_epoch_ <= epoch) return;
  auto it = epoch_leader_.find(latest_epoch_);
  if (it == epoch_leader_.end()) return;
  const EndpointId leader = it->second.first;
  if (!server_has(leader, op.zxid))
    report("client.acked-writes-survive", r, op.client,
           op.op + " " + op.path + " was acknowledged to " + name_of(op.client) + " with zxid " + hx(op.zxid) +
               " after " + name_of(leader) + " established epoch " + std::to_string(latest_epoch_) +
               " without it: the write is lost");
}

void CheckEngine::on_op_result(const TraceRecord& r) {
  const auto op_id = json_int(r.detail, "op_id");
  if (!op_id) return;
  auto it = ops_.find(static_cast<std::uint64_t>(*op_id));
  if (it == ops_.end() || !it->second.returned) return;
  if ((it->second.op == "getData" || it->second.op == "exists") && it->second.err == "Ok")
    if (const auto mzxid = json_int(r.detail, "mzxid")) check_read(r, it->second, *mzxid);
  if (!it->second.synced_read) return;
  const Op& read = it->second;
  // The latest write to the path acknowledged before the sync began.
  auto pw = path_writes_.find(read.path);
  if (pw == path_writes_.end()) return;
  const PathWrite* latest = nullptr;
  for (const auto& w : pw->second) {
    if (w.returned_ns >= read.barrier_ns) break;
    if (!latest || w.zxid > latest->zxid) latest = &w;
  }
  if (!latest) return;
  // ZooKeeper's sync is a barrier through the leader the server follows, not a proof that it is
  // still the leader: a deposed leader (or its followers) that has not noticed yet answers in
  // its old epoch. That is how ZooKeeper behaves, so only a sync answered in the epoch of the
  // write (or later) must see it.
  if (auto s = ops_.find(read.sync_op); s != ops_.end() && s->second.zxid >= 0 &&
                                        (s->second.zxid >> 32) < (latest->zxid >> 32))
    return;
  const std::string what = "getData " + read.path + " by " + name_of(read.client) + " after sync (op " +
                           std::to_string(read.sync_op) + ")";
  if (read.err == "Ok") {
    const auto mzxid = json_int(r.detail, "mzxid");
    if (!mzxid) return;
    if (latest->is_delete ? *mzxid <= latest->zxid : *mzxid < latest->zxid)
      report("client.sync-linearizable", r, read.client,
             what + " read a version with mzxid " + hx(*mzxid) + ", older than the write " + hx(latest->zxid) +
                 " acknowledged before the sync began");
  } else if (read.err == "NoNode" && !latest->is_delete) {
    auto d = first_delete_invoked_.find(read.path);
    if (d == first_delete_invoked_.end() || d->second > read.returned_ns)
      report("client.sync-linearizable", r, read.client,
             what + " found no node, though the write " + hx(latest->zxid) +
                 " creating or setting it was acknowledged before the sync began");
  }
}

void CheckEngine::check_read(const TraceRecord& r, const Op& read, std::int64_t mzxid) {
  const auto who = clients_.find(read.client);
  const std::string server =
      who != clients_.end() && who->second.last_from != kNoEndpoint ? " from " + name_of(who->second.last_from) : "";
  const std::string what = read.op + " " + read.path + " by " + name_of(read.client) + server;
  // Committed: a leader committed it, or a quorum took it with a leader's history (committed_).
  if (enabled("client.reads-committed") && mzxid > 0 && !committed_.count(mzxid)) {
    report("client.reads-committed", r, read.client,
           what + " saw the version written by txn " + hx(mzxid) + ", which no leader committed" +
               (committed_.empty() ? std::string() : " (the committed history ends at " + hx(committed_.rbegin()->first) + ")"));
    return;
  }
  // Bounded staleness: writes to the path acknowledged long enough before the read began.
  if (!enabled("client.bounded-staleness")) return;
  auto pw = path_writes_.find(read.path);
  if (pw == path_writes_.end()) return;
  const Nanos bound = config_.staleness_bound > 0 ? config_.staleness_bound : 20 * kSecond;  // no scenario.config
  const Nanos horizon = read.invoked_ns - bound;
  const PathWrite* latest = nullptr;
  for (const auto& w : pw->second) {
    if (w.returned_ns >= horizon) break;
    if (!latest || w.zxid > latest->zxid) latest = &w;
  }
  if (!latest) return;
  if (latest->is_delete ? mzxid <= latest->zxid : mzxid < latest->zxid)
    report("client.bounded-staleness", r, read.client,
           what + " began at " + at_time(read.invoked_ns) + " and read the version with mzxid " + hx(mzxid) +
               ", older than the write " + hx(latest->zxid) + " acknowledged at " + at_time(latest->returned_ns) +
               ", more than " + at_time(bound) + " before");
}

}  // namespace zablab::sim::check
