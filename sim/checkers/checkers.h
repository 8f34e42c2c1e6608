// The oracle: invariants of Zab and of what clients see, checked over a trace, record by record.
//
// CheckEngine reads nothing but TraceRecords, in trace order, so the same checks run live (the
// scenario runner feeds it every record as the simulator adds it) and over a recording
// (zablab-sim replay feeds it the rows of a trace.db). From the records it rebuilds, per server,
// its role, the leader it follows and the history it has applied (zxid -> digest of the txn, see
// txn_digest.h), and globally the committed history: txns an established leader committed or
// brought with it. Txns are compared by content everywhere: a proposal's digest is in its
// zab.propose record, a PROPOSAL's or INFORM's in its net.send record.
//
//   Zab
//     zab.one-leader-per-epoch   at most one leader establishes each epoch
//     zab.prefix-agreement       every server applies committed txns as one sequence: the same txn
//                                for a zxid everywhere, none skipped, none foreign in between
//     zab.primary-integrity      a committed txn is never lost: each new leader has all of them,
//                                and no TRUNC or SNAP takes one away from a server
//     zab.delivery-order         a server applies txns in strictly increasing zxid order
//     zab.commit-quorum          a leader commits a txn only after a quorum of voters ACKed it
//                                (its own ACK only once an fsync of its disk covered the txn)
//   Zab.tla's invariants, by the specification's names (zab_spec.cpp):
//     zab.Leadership1, zab.Leadership2, zab.PrefixConsistency, zab.Integrity, zab.Agreement,
//     zab.TotalOrder, zab.LocalPrimaryOrder, zab.GlobalPrimaryOrder, zab.PrimaryIntegrity
//   and its "should not be triggered" flags (zab_flags.cpp):
//     zab.commitInconsistent, zab.proposalInconsistent, zab.ackInconsistent,
//     zab.stateInconsistent, zab.messageIllegal
//   clients
//     client.acked-writes-survive   a write acknowledged to a client is in every later leader's history
//     client.monotonic-zxid         the zxids a client sees in replies never go backwards, across
//                                   reconnects to other servers too
//     client.real-time-order        a write acknowledged before another began has the lower zxid
//     client.sync-linearizable      a read right after sync(path) sees every write to that path
//                                   acknowledged before the sync began
//     client.reads-committed        a read never sees a txn no leader committed (a znode version
//                                   whose mzxid is outside the committed history)
//     client.linearizable-reads     a read's whole answer (data, Stat, children, ACL, or NoNode; and a
//                                   setData's Stat) is the model tree's -- committed txns replayed in
//                                   zxid order -- at its reply's zxid (client_model.cpp, client_answers.cpp)
//     client.fifo-order             a client's requests are answered in the order it sent them (reply
//                                   xids on a connection increase; operations return in invocation order)
//     client.sequential-names       sequential names under a parent are unique and increase in zxid order
//     client.linearizable-writes    the writes to each znode, with what each returned (and those whose
//                                   outcome the client never learned), fit one order that agrees with
//                                   real time: a search over the client history alone (client_writes.cpp)
//     client.bounded-staleness      a read sees every write to its path acknowledged more than
//                                   syncLimit x tick + the longest session timeout before it began:
//                                   a server cut off from its leader stops serving within that
//     client.watch-before-data      a client that set a watch gets its event before any reply that
//                                   shows a change made after the watch was set; and a one-shot
//                                   watch fires at most once per registration (client_watches.cpp)
//     client.ephemeral-lifetime     an ephemeral lives only while its session does: none is left in a
//                                   server's tree once the session's close is applied, none is created
//                                   for a closed session, none is read after its session's close
//
// Which records it reads (kinds and msg_types), and why each rule holds in correct ZooKeeper, is
// in docs/scenarios.md ("The checkers"). Single-threaded; deterministic.
#pragma once

#include <algorithm>
#include <compare>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/env/trace_kinds.h"
#include "sim/checkers/lin_search.h"
#include "sim/time.h"
#include "sim/trace.h"

namespace zablab::sim::check {

struct Invariant {
  std::string_view name;
  std::string_view description;
};
// Every invariant, in the order above.
const std::vector<Invariant>& invariants();
bool is_invariant(std::string_view name);

struct Violation {
  std::string invariant;
  std::uint64_t seq = 0;  // the trace record at which it was detected
  Nanos time_ns = 0;
  EndpointId node = kNoEndpoint;
  std::string message;
  // The client operations (op ids) that cannot be ordered, for client.linearizable-writes: the
  // smallest window; for client.linearizable-reads (and ephemeral-lifetime on a read), the read
  // whose answer is wrong. Empty for the other checks.
  std::vector<std::uint64_t> ops;

  // {"invariant":..., "seq":..., "time_ns":..., "node":..., "message":...}
  std::string to_json() const;
  // "seq 1234 at 12.345678s: zab.primary-integrity: ..."
  std::string describe() const;
};

struct CheckConfig {
  // The ensemble. Empty: taken from the scenario.config record (or every server of world.config).
  std::vector<EndpointId> voters;
  std::vector<EndpointId> observers;
  // Invariants to check; empty means all of them.
  std::set<std::string> enabled;
  // client.bounded-staleness: how old a read may be. 0: syncLimit x tick + the longest session
  // timeout, from the scenario.config record (10 s + syncLimit x tick without session_ms).
  Nanos staleness_bound = 0;
};

class CheckEngine {
 public:
  explicit CheckEngine(CheckConfig config = {});

  // Feeds the next record (records must come in seq order, each once).
  void on_record(const TraceRecord& record);

  bool violated() const { return !violations_.empty(); }
  // In the order found; the first is the one that stops a run. Capped at a few dozen.
  const std::vector<Violation>& violations() const { return violations_; }
  std::uint64_t records_seen() const { return records_seen_; }
  // What could not be read ("seq 12 (core zab.propose): no field \"txn\"..."), at most a few
  // dozen. A run with any is not checked: never call it passed.
  const std::vector<std::string>& unreadable_records() const { return unreadable_; }
  // Histories a bounded search gave up on (client.linearizable-writes): not checked, not failed.
  const std::vector<std::string>& undecided() const { return undecided_; }
  std::uint64_t unreadable_count() const { return unreadable_count_; }
  const std::vector<EndpointId>& voters() const { return config_.voters; }
  bool enabled(std::string_view invariant) const;

  // --- what the checks have learned, for scenario expectations ---
  struct Committed {
    std::uint64_t digest = 0;  // 0 when only the zxid is known (recovered from a disk)
    EndpointId by = kNoEndpoint;
    std::uint64_t seq = 0;
  };
  const std::map<std::int64_t, Committed>& committed() const { return committed_; }
  // Zxids of writes (create, setData, delete) acknowledged Ok to a client, in ack order.
  const std::vector<std::int64_t>& acknowledged_writes() const { return acked_writes_; }
  // Whether `server`'s current history (as rebuilt from the trace) holds `zxid`.
  bool server_has(EndpointId server, std::int64_t zxid) const;
  std::optional<EndpointId> leader_of_epoch(std::int64_t epoch) const;

 private:
  // A txn as the specification compares them (TxnEqual): zxid and content.
  struct Txn {
    std::int64_t zxid = 0;
    std::uint64_t digest = 0;
    bool operator==(const Txn&) const = default;
    auto operator<=>(const Txn&) const = default;
  };
  struct Server {
    std::string role = "DOWN";  // LOOKING, FOLLOWING, LEADING, OBSERVING, DOWN
    bool established = false;   // LEADING and the epoch is established
    std::optional<EndpointId> leader;
    std::map<std::int64_t, std::uint64_t> hist;    // applied txns: zxid -> digest (0 = unknown)
    std::map<std::int64_t, std::uint64_t> logged;  // its txn log (proposed, received, applied): zxid -> digest
    // --- the specification's view (zab_spec.cpp) ---
    std::string phase = "ELECTION";  // zabState: ELECTION, DISCOVERY, SYNCHRONIZATION, BROADCAST
    std::int64_t epoch = -1;         // as leader: the epoch it chose (zab.new_epoch)
    // history[1..lastCommitted]: the txns it delivered (committed), in delivery order.
    std::vector<Txn> delivered;
    std::map<Txn, std::size_t> delivered_at;  // position in `delivered`
    std::int64_t delivered_max_epoch = -1;
    // Learner: PROPOSALs from its current leader not yet committed, and the last zxid it logged.
    std::map<std::int64_t, std::uint64_t> pending;
    std::int64_t last_logged = -1;  // -1: unknown
    // Leader: the last zxid each learner ACKed in this leadership (ackInconsistent).
    std::map<EndpointId, std::int64_t> last_ack;
    // Leader: its proposals not yet covered by an fsync it completed (zxid -> when proposed): its
    // own ACK counts toward a commit only once the txn is durable.
    std::map<std::int64_t, Nanos> not_durable;
    std::int64_t last_applied = -1;              // -1: unknown (just restarted)
    bool awaiting_recovery = false;
    std::uint64_t prev_seq = UINT64_MAX;  // the previous record at this node
    // The record just before a txn.commit says why it was applied:
    std::uint64_t commit_marker_seq = UINT64_MAX;  // zab.commit at a leader
    // When its leader chose how to sync it (zab.sync): a TRUNC point is the leader's committed
    // history at that moment, and the proposals it had outstanding follow the TRUNC.
    std::uint64_t sync_chosen_seq = UINT64_MAX;
    std::int64_t commit_marker_zxid = -1;
    std::uint64_t delivery_marker_seq = UINT64_MAX;  // COMMIT / INFORM delivered to a learner
    std::int64_t delivery_marker_zxid = -1;
    EndpointId delivery_marker_from = kNoEndpoint;
    std::map<std::int64_t, std::set<EndpointId>> acks;  // as leader: ACK(zxid) delivered from
  };
  struct Op {
    EndpointId client = kNoEndpoint;
    std::string op;
    std::string path;
    Nanos invoked_ns = 0;
    bool returned = false;
    Nanos returned_ns = 0;
    std::string err;
    std::int64_t zxid = -1;
    bool synced_read = false;        // a getData right after an Ok sync of the same path
    Nanos barrier_ns = 0;            // that sync's invocation time
    std::uint64_t sync_op = 0;
  };
  struct Client {
    EndpointId last_from = kNoEndpoint;  // the server of its latest reply
    std::int64_t max_zxid = 0;
    EndpointId max_from = kNoEndpoint;
    std::uint64_t max_seq = 0;
    std::uint64_t last_returned_op = 0;  // the latest op that returned
    std::uint64_t last_answered_op = 0;  // the latest op a server answered (client.fifo-order)
    std::uint64_t ops_in_flight = 0;
  };
  struct AckedWrite {
    Nanos returned_ns = 0;
    std::int64_t zxid = 0;
    std::uint64_t op_id = 0;
  };
  struct PathWrite {
    Nanos returned_ns = 0;
    std::int64_t zxid = 0;
    std::uint64_t op_id = 0;
    bool is_delete = false;
  };

  void report(std::string_view invariant, const TraceRecord& r, EndpointId node, std::string message);
  // A record (or a field of it) the checks need but cannot read: an older build's trace, or a
  // hand-edited one. Noted, and the run is not passed.
  void unreadable(const TraceRecord& r, std::string what);
  void on_disk_sync(const TraceRecord& r, EndpointId s);
  void on_send(const TraceRecord& r);
  void configure(const TraceRecord& r, RecordKind kind);
  void on_core(const TraceRecord& r, EndpointId s);
  void on_deliver(const TraceRecord& r);
  void on_apply(const TraceRecord& r, EndpointId s);
  void on_established(const TraceRecord& r, EndpointId s, std::int64_t epoch);
  void on_trunc(const TraceRecord& r, EndpointId s, std::int64_t zxid);
  void on_snap(const TraceRecord& r, EndpointId s, std::int64_t zxid);
  void on_recovered(const TraceRecord& r, EndpointId s, std::int64_t zxid);
  void on_invoke(const TraceRecord& r);
  void on_return(const TraceRecord& r);
  void on_op_result(const TraceRecord& r);
  void check_read(const TraceRecord& r, const Op& read, std::int64_t mzxid);
  void check_acked_against_leaders(const TraceRecord& r, const Op& op, std::uint64_t op_id);
  void add_committed(const TraceRecord& r, std::int64_t zxid, std::uint64_t digest, EndpointId by);
  // --- client.linearizable-reads (client_model.cpp, client_answers.cpp) ---
  struct ModelNode {
    bool exists = false;
    std::string data;
    std::int32_t version = 0;
    std::int64_t mzxid = 0;
    std::int64_t closed_session = 0;  // a node gone with its owner's session: that session
    // The rest of the Stat, and the children and ACL, so that whole answers can be compared.
    std::int64_t czxid = 0;
    std::int64_t pzxid = 0;
    std::int64_t ctime = 0;
    std::int64_t mtime = 0;
    std::int32_t creates = 0;  // ZooKeeper's stored cversion: it counts creates (Stat: 2 x creates - children)
    std::int32_t aversion = 0;
    std::int64_t ephemeral_owner = 0;
    bool owner_known = true;  // false for containers and TTL nodes, whose owner field is a marker
    std::set<std::string> children;
    std::string acl;  // the ACL list as the txn's JSON has it; empty: not known (the initial nodes)
  };
  // The model's node `path` as of `zxid` (a node that does not exist when it has no version then).
  ModelNode model_at(const std::string& path, std::int64_t zxid) const;
  // The ops whose reply is compared with the model: the reads, and setData's Stat.
  static bool is_model_read(std::string_view op);
  // What of the reply `result` differs from the model's `expect` ("" if nothing).
  static std::string model_differences(const Op& read, const ModelNode& expect, std::string_view result);
  void model_note_txn(std::uint64_t digest, std::string_view json);
  void model_apply(const TraceRecord& r, std::int64_t zxid, std::uint64_t digest);
  void check_read_against_model(const TraceRecord& r, const Op& read);
  void check_waiting_reads(const TraceRecord& r);  // those the committed history now reaches
  void compare_with_model(const TraceRecord& r, const Op& read, std::string_view result);
  // --- client.watch-before-data, client.ephemeral-lifetime (client_watches.cpp) ---
  struct WatchReg {
    char kind = 'd';             // 'd' data (getData, exists on a node), 'e' exist (exists, no node), 'c' children
    std::int64_t set_at = 0;     // the zxid of the reply that set it: changes after it fire it
    std::string how;             // "getData /f/a (reply seq 12)", for messages
  };
  struct WatchRequest {
    std::string op;  // "getData", "exists", "getChildren", "getChildren2"
    std::string path;
  };
  void watch_on_request(const TraceRecord& r);   // a client's net.send: which requests set watches
  void watch_on_reply(const TraceRecord& r);     // a server's net.send to a client: its frames, until delivered
  void watch_on_deliver(const TraceRecord& r);   // the client gets them, in order
  void watch_check_reply(const TraceRecord& r, EndpointId client, std::int64_t zxid, std::string_view frame);
  void watch_on_event(const TraceRecord& r, EndpointId client, std::string_view frame);
  std::optional<std::int64_t> first_change(const WatchReg& w, const std::string& path, std::int64_t upto) const;
  void on_session_close(const TraceRecord& r, EndpointId s);
  // --- client.fifo-order, client.sequential-names (client_order.cpp) ---
  void check_fifo(const TraceRecord& r, std::uint64_t op_id, const Op& op);
  void check_reply_order(const TraceRecord& r);  // a server's net.send to a client
  void check_sequential_name(const TraceRecord& r, const Op& create);
  std::uint64_t digest_known(std::int64_t zxid) const;
  // --- client.linearizable-writes (client_writes.cpp) ---
  struct OpArgs {
    std::int32_t version = -1;  // setData / delete: the expected version
    std::int64_t flags = 0;     // create: ZooKeeper's CreateMode
  };
  struct LinPath {
    lin::PathHistory history;
    std::vector<lin::Write> segment;  // completed since no write to the path was in flight
    std::uint32_t in_flight = 0;
    bool excluded = false;  // a write the model cannot judge touched it
  };
  void lin_on_args(const TraceRecord& r);
  void lin_on_invoke(const TraceRecord& r, std::uint64_t op_id, const Op& op);
  void lin_on_result(const TraceRecord& r, std::uint64_t op_id, const Op& op);
  void lin_on_client_crash(const TraceRecord& r, EndpointId client);
  void lin_complete(const TraceRecord& r, const std::string& path, std::optional<lin::Write> w);
  // One segment of the path's writes (lin::split_at_quiet_points): false once the path is decided
  // against (a violation) or given up.
  bool lin_check_segment(const TraceRecord& r, const std::string& path, LinPath& p, const std::vector<lin::Write>& segment);
  // --- the specification's invariants (zab_spec.cpp) and its "should not be triggered" flags
  // (zab_flags.cpp), by the names Zab.tla gives them ---
  void spec_on_phase(const TraceRecord& r, EndpointId s, const std::string& phase);
  void spec_on_new_epoch(const TraceRecord& r, EndpointId s, std::int64_t epoch);
  void spec_on_propose(const TraceRecord& r, EndpointId s);
  void spec_deliver(const TraceRecord& r, EndpointId s, const Txn& t);
  void spec_deliver_history(const TraceRecord& r, EndpointId s);  // history[1..lastCommitted] := its history
  void spec_cut(EndpointId s, std::int64_t zxid);                   // TRUNC, SNAP, restart: keep txns <= zxid
  void spec_check_leadership1(const TraceRecord& r, EndpointId s);
  void spec_check_primary_integrity(const TraceRecord& r, EndpointId follower);
  void spec_check_pair(const TraceRecord& r, EndpointId i, EndpointId j, const Txn& t, std::size_t p);
  std::size_t& spec_common(EndpointId i, EndpointId j) { return common_[{std::min(i, j), std::max(i, j)}]; }
  void flags_on_quorum_message(const TraceRecord& r, const std::string& type, std::int64_t zxid, std::uint64_t digest);
  void flags_on_core(const TraceRecord& r, EndpointId s, EventKind what);
  bool is_voter(EndpointId id) const;
  std::size_t quorum_size() const { return config_.voters.size() / 2 + 1; }
  Server& server(EndpointId id) { return servers_[id]; }

  CheckConfig config_;
  bool configured_ = false;
  std::uint64_t records_seen_ = 0;
  std::vector<Violation> violations_;
  std::vector<std::string> unreadable_;
  std::uint64_t unreadable_count_ = 0;
  std::map<EndpointId, Server> servers_;
  std::map<std::int64_t, Committed> committed_;             // the committed history
  std::map<std::int64_t, std::uint64_t> txn_digest_;         // every txn any server applied
  std::map<std::int64_t, std::pair<EndpointId, std::uint64_t>> epoch_leader_;  // epoch -> (leader, seq)
  std::int64_t latest_epoch_ = 0;
  // proposalMsgsLog: every proposal, per (leader, epoch): zxid -> digest.
  std::map<std::pair<EndpointId, std::int64_t>, std::map<std::int64_t, std::uint64_t>> proposals_;
  std::map<Txn, std::vector<std::pair<EndpointId, std::int64_t>>> proposed_by_;  // txn -> (leader, epoch)s
  std::map<std::int64_t, std::pair<EndpointId, std::uint64_t>> epoch_leader_spec_;  // epochLeader at discovery's end
  std::map<std::uint64_t, std::uint64_t> send_digest_;  // net.send seq of a PROPOSAL/INFORM -> its txn's digest
  std::map<std::pair<EndpointId, EndpointId>, std::size_t> common_;  // |delivered(i) & delivered(j)|, i < j
  // The model data tree: per path, its versions by the zxid that made them; per session, its ephemerals.
  std::map<std::string, std::map<std::int64_t, ModelNode>> model_;
  std::map<std::int64_t, std::set<std::string>> ephemerals_;
  std::map<std::uint64_t, std::string> txn_text_;  // a txn's digest -> its JSON
  // Sequential names per parent: the create's zxid -> (counter, name).
  std::map<std::string, std::map<std::int64_t, std::pair<std::int64_t, std::string>>> sequential_;
  // Per client connection: the xid of the last reply a server sent on it, and that record's seq.
  std::map<std::int64_t, std::pair<std::int64_t, std::uint64_t>> reply_xid_;
  std::map<std::string, std::set<std::int64_t>> children_changed_;  // parent -> zxids that added or removed a child
  std::map<std::int64_t, std::int64_t> closed_sessions_;            // session -> the zxid of its committed close
  // Watches: per client, its outstanding one-shot watches by path; the watching requests in flight
  // by (connection, xid); a server's frames to a client by the send's seq, until delivered.
  std::map<EndpointId, std::multimap<std::string, WatchReg>> watches_;
  std::map<std::pair<std::int64_t, std::int64_t>, WatchRequest> watch_requests_;
  std::map<std::uint64_t, std::vector<std::string>> frames_to_client_;
  std::map<EndpointId, std::int64_t> client_session_;  // the session of its latest ConnectResponse
  std::set<EndpointId> persistent_watchers_;           // clients that added a persistent watch
  std::int64_t model_tip_ = 0;                 // the last committed zxid replayed
  std::int64_t model_blind_from_ = INT64_MAX;  // from here on a txn could not be replayed
  // Reads answered at a zxid the committed history has not reached yet: zxid -> (op id, op.result detail).
  std::multimap<std::int64_t, std::pair<std::int64_t, std::string>> waiting_reads_;
  // Clients.
  std::map<std::uint64_t, Op> ops_;
  std::map<EndpointId, Client> clients_;
  std::vector<std::int64_t> acked_writes_;
  std::map<std::int64_t, std::uint64_t> acked_digest_;  // an acknowledged write's zxid -> its txn
  std::vector<AckedWrite> acked_by_return_;  // in return order
  std::vector<std::size_t> acked_prefix_max_;  // index of the max zxid in acked_by_return_[0..i]
  std::map<std::string, std::vector<PathWrite>> path_writes_;     // acked writes per path, return order
  std::map<std::string, Nanos> first_delete_invoked_;
  std::map<std::uint64_t, OpArgs> op_args_;          // op.args until its invocation
  std::map<std::uint64_t, lin::Write> lin_in_flight_;  // writes invoked, not yet returned
  std::map<std::string, LinPath> lin_paths_;
  std::vector<std::string> undecided_;
};

}  // namespace zablab::sim::check
