#include "sim/checkers/checkers.h"

#include <algorithm>

#include "sim/addresses.h"
#include "sim/checkers/json_fields.h"
#include "sim/checkers/txn_digest.h"
#include "sim/checkers/words.h"
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
    {"zab.commit-quorum",
     "a leader commits a txn only once a quorum of voters has ACKed it (its own ACK once the txn is fsynced)"},
    // Zab.tla's invariants, by its names (zab_spec.cpp).
    {"zab.Leadership1", "no two servers lead one epoch in SYNCHRONIZATION or BROADCAST at once"},
    {"zab.Leadership2", "each epoch has at most one leader that finished discovery (epochLeader)"},
    {"zab.PrefixConsistency", "the committed prefixes of any two servers' histories are the same"},
    {"zab.Integrity", "a follower delivers only txns some leader proposed (same zxid, same content)"},
    {"zab.Agreement", "if follower f delivers a and follower g delivers b, then g delivers a or f delivers b"},
    {"zab.TotalOrder", "if a server delivers a before b, any server that delivers b delivers a before b"},
    {"zab.LocalPrimaryOrder",
     "if a leader proposes a before b in its epoch, a server that delivers b delivers a before b"},
    {"zab.GlobalPrimaryOrder", "a server delivers txns of an older epoch before txns of a newer one"},
    {"zab.PrimaryIntegrity",
     "a follower in BROADCAST has delivered no txn of an earlier epoch that its leader has not delivered"},
    // Zab.tla's "should not be triggered" flags (zab_flags.cpp).
    {"zab.commitInconsistent", "a commit is always of the next txn: no leader commits past an outstanding "
                               "proposal, no follower gets a COMMIT that is not for its first pending proposal"},
    {"zab.proposalInconsistent",
     "a follower's PROPOSALs come in zxid sequence (or repeat what it has); a leader never proposes two txns "
     "under one zxid"},
    {"zab.ackInconsistent", "a leader is ACKed only for txns it proposed, by each learner in increasing order"},
    {"zab.stateInconsistent",
     "discovery, synchronization and broadcast come in order, and each message arrives in its phase"},
    {"zab.messageIllegal", "a leader never receives a leader's message, a learner never a learner's"},
    // The servers' own always-on assertions (core/quorum/zab_invariants.h).
    {"zab.assertion", "no server finds one of its always-on protocol assertions broken (it would stop rather "
                      "than go on)"},
    {"client.acked-writes-survive", "a write acknowledged to a client is in the history of every later leader"},
    {"client.monotonic-zxid", "the zxids a client sees never go backwards, across reconnects too"},
    {"client.real-time-order", "a write acknowledged before another began has the lower zxid"},
    {"client.sync-linearizable",
     "a read right after sync(path) sees every write to path acknowledged before the sync, when the sync was "
     "answered in the write's epoch or later"},
    {"client.reads-committed", "a read never sees a txn that no leader committed"},
    {"client.linearizable-reads",
     "a read's whole answer (data, Stat, children, ACL; or NoNode) and a setData's Stat are the model tree's -- the "
     "committed txns replayed in zxid order -- at the zxid its reply carries"},
    {"client.fifo-order",
     "a client's requests are answered in the order it sent them: reply xids on a connection increase, and its "
     "operations return in the order it invoked them"},
    {"client.sequential-names",
     "the names sequential creates get under one parent are unique and increase in the order they were committed"},
    {"client.bounded-staleness",
     "a read sees every write to its path acknowledged more than syncLimit x tick + the session timeout before it"},
    {"client.watch-before-data",
     "a client that set a watch gets its event before any reply showing a change made after the watch was set; a "
     "one-shot watch fires at most once"},
    {"client.ephemeral-lifetime",
     "an ephemeral lives only while its session does: none is left in a server's tree once the session's close is "
     "applied, none is created for a closed session, none is read after it"},
    {"client.linearizable-writes",
     "the writes to each znode, with what each returned and those whose outcome the client never learned, fit one "
     "order that agrees with real time (a search over the client history alone)"},
};

bool is_write_op(std::string_view op) { return op == "create" || op == "setData" || op == "delete"; }

// Two txns agree when their contents do: no digest matches anything (an unknown one is 0, and
// where one cannot be known the record was noted as unreadable).
bool digests_agree(std::uint64_t a, std::uint64_t b) { return a == b; }

}  // namespace

const std::vector<Invariant>& invariants() { return kInvariants; }

bool is_invariant(std::string_view name) {
  for (const auto& i : kInvariants)
    if (i.name == name) return true;
  return false;
}

std::string Violation::to_json() const {
  Json j;
  j.str("invariant", invariant)
      .num("seq", static_cast<std::int64_t>(seq))
      .num("time_ns", time_ns)
      .num("node", node)
      .str("message", message);
  if (!ops.empty()) {
    std::string list = "[";
    for (std::uint64_t id : ops) list += (list.size() > 1 ? "," : "") + std::to_string(id);
    j.raw("ops", list + "]");
  }
  return j.done();
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

void CheckEngine::unreadable(const TraceRecord& r, std::string what) {
  if (unreadable_count_++ >= kMaxViolations) return;
  unreadable_.push_back("seq " + std::to_string(r.seq) + " (" + r.kind + (r.msg_type.empty() ? "" : " " + r.msg_type) +
                        "): " + std::move(what));
}

std::uint64_t CheckEngine::digest_known(std::int64_t zxid) const {
  auto t = txn_digest_.find(zxid);
  return t == txn_digest_.end() ? 0 : t->second;
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

void CheckEngine::configure(const TraceRecord& r, RecordKind kind) {
  if (kind == RecordKind::scenario_config && config_.staleness_bound == 0) {
    const std::int64_t tick = json_int(r.detail, "tick_ms").value_or(2000);
    const std::int64_t sync_limit = json_int(r.detail, "sync_limit").value_or(5);
    const std::int64_t session = json_int(r.detail, "session_ms").value_or(10000);
    config_.staleness_bound = (sync_limit * tick + session) * kMillisecond;
  }
  if (configured_) return;
  if (kind == RecordKind::scenario_config) {
    if (auto v = json_int_array(r.detail, "voters")) config_.voters = *v;
    if (auto o = json_int_array(r.detail, "observers")) config_.observers = *o;
    if (config_.enabled.empty())
      if (auto c = json_string_array(r.detail, "checks"))
        for (auto& name : *c) config_.enabled.insert(name);
    configured_ = !config_.voters.empty();
  } else if (kind == RecordKind::world_config) {
    // Without a scenario.config (a plain World's trace): every server votes.
    if (auto n = json_int(r.detail, "servers"))
      for (EndpointId id = 1; id <= *n; ++id) config_.voters.push_back(id);
    // Not final: a scenario.config right after it may still say who observes.
  }
}

void CheckEngine::on_record(const TraceRecord& r) {
  ++records_seen_;
  const EndpointId node = r.node;
  // A kind this build does not write (a hand-edited trace) tells the checks nothing.
  if (const auto kind = record_kind_named(r.kind)) {
    switch (*kind) {
      case RecordKind::scenario_config:
      case RecordKind::world_config:
        configure(r, *kind);
        return;
      case RecordKind::core:
        if (is_server(node)) on_core(r, node);
        break;
      case RecordKind::deliver:
        on_deliver(r);
        break;
      case RecordKind::start:
      case RecordKind::restart:
        if (is_server(node)) {
          Server& s = server(node);
          s.role = "LOOKING";
          s.phase = "ELECTION";
          s.established = false;
          s.awaiting_recovery = true;
          s.last_applied = -1;
          s.last_logged = -1;
          s.acks.clear();
          s.pending.clear();
          s.last_ack.clear();
          s.not_durable.clear();
        }
        break;
      case RecordKind::crash:
        if (is_server(node)) {
          Server& s = server(node);
          s.role = "DOWN";
          s.phase = "DOWN";
          s.established = false;
          s.acks.clear();
        } else if (is_client(node)) {
          lin_on_client_crash(r, node);
        }
        break;
      case RecordKind::send:
        on_send(r);
        break;
      case RecordKind::disk_sync:
        if (is_server(node)) on_disk_sync(r, node);
        break;
      case RecordKind::client_invoke:
        on_invoke(r);
        break;
      case RecordKind::client_return:
        on_return(r);
        break;
      case RecordKind::op_result:
        on_op_result(r);
        break;
      case RecordKind::op_args:
        lin_on_args(r);
        break;
      default:
        break;
    }
  }
  if (is_server(node)) server(node).prev_seq = r.seq;
}

// ------------------------------------------------------------------------------ Zab

void CheckEngine::on_core(const TraceRecord& r, EndpointId id) {
  const auto what = event_kind_named(r.msg_type);
  if (!what) return;  // an event this build does not emit: nothing the checks read
  Server& s = server(id);
  switch (*what) {
    case EventKind::txn_commit:
      on_apply(r, id);
      break;
    case EventKind::zab_propose:
      spec_on_propose(r, id);
      if (r.zxid >= 0) s.not_durable[r.zxid] = r.time_ns;
      break;
    case EventKind::zab_commit:
      flags_on_core(r, id, *what);
      s.commit_marker_seq = r.seq;
      s.commit_marker_zxid = json_int(r.detail, "zxid").value_or(-1);
      break;
    case EventKind::peer_state:
      s.role = json_string(r.detail, "to").value_or("LOOKING");
      s.established = false;
      s.acks.clear();
      s.pending.clear();
      s.last_ack.clear();
      s.not_durable.clear();
      if (s.role == "LOOKING") s.leader.reset();
      break;
    case EventKind::peer_phase:
      spec_on_phase(r, id, json_string(r.detail, "phase").value_or("ELECTION"));
      break;
    case EventKind::zab_new_epoch:
      spec_on_new_epoch(r, id, json_int(r.detail, "epoch").value_or(-1));
      break;
    case EventKind::session_close:
      on_session_close(r, id);
      break;
    case EventKind::invariant_broken:
      // The server stopped itself; a later restart could hide that from every other check.
      report("zab.assertion", r, id,
             name_of(id) + " stopped: invariant broken: " + json_string(r.detail, "invariant").value_or("?") + " (" +
                 json_string(r.detail, "values").value_or("") + ")");
      break;
    case EventKind::zab_learner:
      flags_on_core(r, id, *what);
      break;
    case EventKind::fle_start: {
      const std::int64_t zxid = json_int(r.detail, "zxid").value_or(0);
      s.last_logged = zxid;  // a vote carries the last logged zxid
      if (s.awaiting_recovery) {
        on_recovered(r, id, zxid);
        spec_cut(id, zxid);
        s.awaiting_recovery = false;
      } else {
        s.last_applied = zxid;  // what the server says it has applied: trust it
      }
      break;
    }
    case EventKind::fle_decide:
      if (auto leader = json_int(r.detail, "leader")) s.leader = *leader;
      break;
    case EventKind::zab_established:
      on_established(r, id, json_int(r.detail, "epoch").value_or(-1));
      break;
    case EventKind::zab_sync:
      if (auto learner = json_int(r.detail, "sid")) server(static_cast<EndpointId>(*learner)).sync_chosen_seq = r.seq;
      break;
    case EventKind::zab_trunc: {
      const std::int64_t zxid = json_int(r.detail, "zxid").value_or(0);
      on_trunc(r, id, zxid);
      spec_cut(id, zxid);
      s.pending.clear();
      s.last_logged = zxid;
      break;
    }
    case EventKind::zab_snap: {
      const std::int64_t zxid = json_int(r.detail, "zxid").value_or(0);
      on_snap(r, id, zxid);
      spec_cut(id, -1);  // its committed history is the leader's again once it is UPTODATE
      s.pending.clear();
      s.last_logged = zxid;
      break;
    }
    default:
      break;
  }
}

void CheckEngine::on_deliver(const TraceRecord& r) {
  const EndpointId to = r.to;
  if (is_client(to)) {
    if (enabled("client.watch-before-data")) watch_on_deliver(r);
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
  std::uint64_t digest = 0;
  if (r.msg_type == "PROPOSAL" || r.msg_type == "INFORM") {
    const auto send = json_int(r.detail, "send_seq");
    auto d = send ? send_digest_.find(static_cast<std::uint64_t>(*send)) : send_digest_.end();
    if (d != send_digest_.end()) {
      digest = d->second;
      send_digest_.erase(d);
    } else {
      unreadable(r, "no digest of the txn it carries (its net.send's frames[0].digest)");
    }
    if (r.zxid >= 0 && digest != 0) s.logged.try_emplace(r.zxid, digest);
  }
  if (is_server(r.from)) {
    std::size_t start = 0;
    while (start <= r.msg_type.size()) {
      const std::size_t plus = std::min(r.msg_type.find('+', start), r.msg_type.size());
      flags_on_quorum_message(r, r.msg_type.substr(start, plus - start), r.zxid, digest);
      start = plus + 1;
    }
  }
  if (r.msg_type == "COMMIT" || r.msg_type == "INFORM") {
    s.delivery_marker_seq = r.seq;
    s.delivery_marker_zxid = r.zxid;
    s.delivery_marker_from = r.from;
  } else if (r.msg_type == "ACK" && s.role == "LEADING") {
    s.acks[r.zxid].insert(r.from);
  }
}

void CheckEngine::on_send(const TraceRecord& r) {
  // A PROPOSAL or INFORM carries its txn's digest (the wire tap's frames[0].digest): kept until
  // the delivery, which names the send by its seq.
  if (is_server(r.node) && is_client(r.to) && enabled("client.fifo-order")) check_reply_order(r);
  if (enabled("client.watch-before-data")) {
    if (is_client(r.node) && is_server(r.to)) watch_on_request(r);
    if (is_server(r.node) && is_client(r.to)) watch_on_reply(r);
  }
  if (!is_server(r.node) || !is_server(r.to) || (r.msg_type != "PROPOSAL" && r.msg_type != "INFORM")) return;
  const auto frames = json_raw_array(r.detail, "frames");
  const auto digest = frames && !frames->empty() ? json_int((*frames)[0], "digest") : std::nullopt;
  if (!digest || *digest == 0) {
    unreadable(r, "no digest of the txn it carries (field frames[0].digest)");
    return;
  }
  send_digest_[r.seq] = static_cast<std::uint64_t>(*digest);
}

void CheckEngine::on_disk_sync(const TraceRecord& r, EndpointId id) {
  // An fsync makes durable what was appended before it was called: the proposals made up to
  // then (the record says how long the call took).
  Server& s = server(id);
  if (s.not_durable.empty() || json_member(r.detail, "ok").value_or("false") != "true") return;
  const auto latency = json_int(r.detail, "latency_ns");
  if (!latency) {
    unreadable(r, "no latency_ns: when the fsync was called is unknown");
    return;
  }
  const Nanos called = r.time_ns - *latency;
  for (auto it = s.not_durable.begin(); it != s.not_durable.end();) it = it->second <= called ? s.not_durable.erase(it) : std::next(it);
}

void CheckEngine::add_committed(const TraceRecord& r, std::int64_t zxid, std::uint64_t digest, EndpointId by) {
  if (digest == 0)
    if (auto t = txn_digest_.find(zxid); t != txn_digest_.end()) digest = t->second;
  auto [it, inserted] = committed_.try_emplace(zxid, Committed{digest, by, r.seq});
  if (!inserted && it->second.digest == 0) it->second.digest = digest;
  if (inserted) {
    model_apply(r, zxid, digest);
    check_waiting_reads(r);
  }
}

void CheckEngine::on_apply(const TraceRecord& r, EndpointId id) {
  Server& s = server(id);
  const std::int64_t z = r.zxid;
  const std::uint64_t d = txn_digest(r.detail);
  model_note_txn(d, r.detail);
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
  s.logged[z] = d;
  s.last_applied = z;
  s.last_logged = std::max(s.last_logged, z);
  s.pending.erase(s.pending.begin(), s.pending.upper_bound(z));  // applied: no longer pending

  if (leader_commit) {
    auto acks = s.acks.find(z);
    // The leader's own ACK counts once the txn is on its disk: a completed fsync covers it.
    const bool durable = !s.not_durable.count(z);
    std::size_t votes = is_voter(id) && durable ? 1 : 0;
    std::string who = durable ? name_of(id) : "";
    if (acks != s.acks.end()) {
      for (EndpointId v : acks->second) {
        if (is_voter(v) && v != id) {
          ++votes;
          who += (who.empty() ? "" : ",") + name_of(v);
        }
      }
      s.acks.erase(acks);
    }
    if (!config_.voters.empty() && votes < quorum_size()) {
      report("zab.commit-quorum", r, id,
             "leader " + name_of(id) + " committed " + hx(z) + " with ACKs from {" + who + "} only" +
                 (durable ? "" : " (its own does not count: the txn is not yet fsynced on its disk)") + ": " +
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
      add_committed(r, z, d, id);
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
  // The specification's history[1..lastCommitted]: a leader's commits, and a learner's once it
  // is UPTODATE (what a sync brings is delivered as a whole at UPTODATE).
  if (leader_commit || (learner_delivery && s.phase == "BROADCAST")) spec_deliver(r, id, Txn{z, d});
}

void CheckEngine::on_recovered(const TraceRecord& r, EndpointId id, std::int64_t zxid) {
  // After a restart the tree is what the disk kept, up to `zxid`: a prefix of what was applied
  // (un-synced appends may be gone), plus txns logged but never applied before the crash.
  Server& s = server(id);
  s.hist.erase(s.hist.upper_bound(zxid), s.hist.end());
  s.logged.erase(s.logged.upper_bound(zxid), s.logged.end());
  const std::int64_t from = s.hist.empty() ? 0 : s.hist.rbegin()->first;
  // The log's records recompute the digest: each is the txn it logged from its PROPOSAL / INFORM.
  for (auto it = s.logged.upper_bound(from); it != s.logged.end(); ++it) s.hist[it->first] = it->second;
  if (zxid > 0 && !s.hist.count(zxid)) s.hist[zxid] = digest_known(zxid);
  for (const auto& [z, d] : s.hist)
    if (d == 0) {
      unreadable(r, name_of(id) + " recovered " + hx(z) + ", a txn whose content no record shows");
      break;
    }
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
  for (const auto& [z, d] : s.hist) add_committed(r, z, d, id);
  // Acknowledged writes of earlier epochs must be there too.
  // The same txn, not only the zxid: a different txn under the write's zxid loses the write too.
  for (std::int64_t w : acked_writes_) {
    if (epoch_of(w) >= epoch) continue;
    auto h = s.hist.find(w);
    if (h == s.hist.end() || h->second != acked_digest_[w]) {
      report("client.acked-writes-survive", r, id,
             "leader " + name_of(id) + " established epoch " + std::to_string(epoch) +
                 (h == s.hist.end() ? " without the acknowledged write " : " with another txn in place of the acknowledged write ") +
                 hx(w));
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
  s.logged = s.hist;
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
  const auto id = static_cast<std::uint64_t>(*op_id);
  lin_on_invoke(r, id, ops_[id] = std::move(op));
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
  check_fifo(r, it->first, op);
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
  acked_digest_.try_emplace(op.zxid, digest_known(op.zxid));
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
  auto h = servers_[leader].hist.find(op.zxid);
  if (h == servers_[leader].hist.end() || h->second != acked_digest_[op.zxid])
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
  lin_on_result(r, it->first, it->second);
  if ((it->second.op == "getData" || it->second.op == "exists") && it->second.err == "Ok")
    if (const auto mzxid = json_int(r.detail, "mzxid")) check_read(r, it->second, *mzxid);
  if (is_model_read(it->second.op)) check_read_against_model(r, it->second);
  if (it->second.op == "create" && it->second.err == "Ok") check_sequential_name(r, it->second);
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
