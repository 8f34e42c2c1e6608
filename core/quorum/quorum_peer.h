// A member of a replicated ensemble: Fast Leader Election, then Zab's discovery, synchronization
// and broadcast, as ZooKeeper 3.8 runs them. Sans-I/O like everything in core/: it talks to
// peers through Env::peer_send and hears them through Node::on_peer_message.
//
// The client-facing half (connections, sessions, watches, reads) is the standalone server's; a
// peer decides how writes reach the commit: a leader proposes each txn to its followers and
// commits it in zxid order once a quorum has logged it; a follower forwards writes to its leader
// (REQUEST), logs and ACKs its PROPOSALs and applies them on COMMIT; an observer is told of
// committed txns (INFORM) and never votes.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/persist/snapshot_stream.h"
#include "core/persist/txn_log.h"
#include "core/quorum/election.h"
#include "core/quorum/messages.h"
#include "core/quorum/quorum_stream.h"
#include "core/quorum/sync_limit_check.h"
#include "core/quorum/zab_bugs.h"
#include "core/util/invariant.h"
#include "core/server/server_core.h"

namespace zablab::quorum {

// Zab's phases, as the visualizer's lanes show them.
enum class Phase { election, discovery, synchronization, broadcast };
std::string_view phase_name(Phase p);

class QuorumPeer : public server::ServerCore {
 public:
  // config.server_id is this peer's myid; config.quorum_servers the ensemble.
  QuorumPeer(Env& env, const server::ServerConfig& config);

  void start() override;
  void on_peer_message(PeerId from, PeerChannel channel, std::string_view message) override;
  void on_peer_disconnected(PeerId peer, PeerChannel channel) override;
  void on_timer(TimerId id) override;

  // --- what checkers and the visualizer read ---
  PeerState state() const { return state_; }
  Phase phase() const { return phase_; }
  std::int64_t id() const { return config_.server_id; }
  std::int64_t accepted_epoch() const { return accepted_epoch_; }
  std::int64_t current_epoch() const { return current_epoch_; }
  // The leader this peer follows or is; nullopt while LOOKING.
  std::optional<std::int64_t> leader() const { return leader_; }
  const Vote& current_vote() const { return vote_; }
  const Election& election() const { return election_; }

  // Deliberate reproductions of real ZooKeeper bugs (zab_bugs.h); the simulator sets them
  // before start(). Off: the correct code.
  void set_zab_bugs(const ZabBugs& bugs) { bugs_ = bugs; }
  const ZabBugs& zab_bugs() const { return bugs_; }
  // Proposed but not yet committed (leader) / logged but not yet committed (follower).
  std::size_t uncommitted() const { return state_ == PeerState::leading ? outstanding_.size() : pending_.size(); }
  std::int64_t last_logged_zxid() const;

  // An always-on invariant (zab_invariants.h): true if it held. If not, the server logs and
  // traces (invariant.broken) what broke and stops: going on could corrupt what it holds.
  bool holds(const std::optional<util::Breach>& breach);
  // Traces invariant.broken with what broke (the caller stops, or refuses a leader's packet).
  void trace_breach(const util::Breach& breach);

 protected:
  void submit_write(Connection& c, Pending& p) override;
  void submit_new_session(Connection& c, std::int64_t sid, std::int32_t timeout_ms) override;
  void revalidate_session(Connection& c, std::int64_t sid, std::int32_t timeout_ms) override;
  void submit_txn(data::Txn txn) override;
  void on_logged(std::int64_t upto_zxid) override;
  void after_apply(const data::Txn& txn) override;
  bool owns_housekeeping() const override { return state_ == PeerState::leading && established_; }
  bool serving() const override { return serving_; }
  std::string mode_name() const override;
  void session_touched(std::int64_t sid) override;

 private:
  struct Learner {
    enum class Stage { info, epoch_sent, epoch_acked, newleader_sent, up_to_date };
    std::int64_t sid = 0;
    bool observer = false;
    Stage stage = Stage::info;
    std::int64_t accepted_epoch = 0;
    std::int64_t last_zxid = 0;
    std::int64_t last_heard_ms = 0;
    // ZooKeeper's LearnerHandler.tickOfNextAckDeadline: the leader tick up to which this learner
    // counts as synced (initLimit + syncLimit from its arrival, then syncLimit from each packet
    // after its NEWLEADER ACK). A leader whose synced voters are no quorum steps down.
    std::int64_t tick_of_next_ack_deadline = 0;
    SyncLimitCheck sync_limit;
  };
  struct Proposal {
    data::Txn txn;
    std::string bytes;
    std::set<std::int64_t> acks;
  };
  // A sync waiting for every proposal made before it to commit.
  struct SyncWaiter {
    std::int64_t barrier_zxid = 0;
    std::int64_t learner = 0;  // 0: a client of this server
    std::int64_t session = 0;
    std::int32_t xid = 0;
    std::string path;
  };

  // --- every role: state, election, connections, epochs, the tick (quorum_peer.cpp) ---
  bool is_voter(std::int64_t sid) const;
  std::set<std::int64_t> voters() const;
  bool quorum(std::size_t voters_agreeing) const { return voters_agreeing * 2 > voters().size(); }
  void change_state(PeerState s, Phase p, const std::string& why);
  void set_phase(Phase p);
  void go_looking(const std::string& why);
  // Forgets what leading an epoch keeps: the learners, the epoch being chosen, its ACKEPOCHs and
  // NEWLEADER ACKs, whether it is established. Becoming leader starts from it; looking ends there.
  void reset_leader_state();
  void decided(const Vote& v);
  void on_notification(PeerId from, std::string_view message);
  // Bytes from a peer's quorum connection: packets, or the snapshot after a SNAP.
  void on_quorum_bytes(PeerId from, std::string_view bytes);
  bool from_our_leader(PeerId from) const;
  // Closes our quorum connection with `peer` and forgets what it had sent and we had not read.
  void close_quorum(PeerId peer);
  void send_packet(std::int64_t to, std::int32_t type, std::int64_t zxid, jute::Bytes data = std::nullopt,
                   std::vector<jute::Id> authinfo = {});
  // Writes acceptedEpoch or currentEpoch; false (the server stopped) if that would take an
  // epoch backwards or currentEpoch above acceptedEpoch.
  bool persist_epoch(const char* name, std::int64_t value);
  bool load_epochs();  // QuorumPeer.loadDataBase's epoch checks; false: the start was refused
  // A named boundary in the persistence sequence ("after-current-epoch", ...), as a trace event
  // (EventKind::persist_point): the simulator can crash the server exactly there (docs/scenarios.md).
  void persistence_point(std::string_view name);
  void reload_from_disk();
  void on_tick();
  void complete_sync(const SyncWaiter& w);

  // --- leader: packets, REVALIDATE, the tick (leader.cpp) ---
  void leader_packet(std::int64_t from, const jute::QuorumPacket& p);
  void on_revalidate(Learner& l, const jute::QuorumPacket& p);
  void leader_tick();
  // Closes a learner's connection and forgets it, tracing zab.learner_dropped with `why` (and
  // the oldest proposal it left unacknowledged, for a transaction timeout); returns the next learner.
  std::map<std::int64_t, Learner>::iterator drop_learner(std::map<std::int64_t, Learner>::iterator it,
                                                         std::string_view why,
                                                         std::optional<std::int64_t> unacked_zxid = std::nullopt);
  // --- leader: discovery (leader_discovery.cpp) ---
  void become_leading();
  void on_learner_info(std::int64_t from, const jute::QuorumPacket& p);
  void maybe_choose_epoch();
  void send_leaderinfo(Learner& l);
  void on_ackepoch(Learner& l, const jute::QuorumPacket& p);
  // --- leader: synchronization (leader_sync.cpp) ---
  void sync_learner(Learner& l);
  // Logged txns from `peer` on, for a DIFF from the txn log (empty: not possible).
  std::vector<persist::LogEntry> txn_log_from(std::int64_t peer);
  // The snapshot after a SNAP packet: the tree's body and "BenWasHere", as ZooKeeper writes it
  // on the stream, sent in pieces of kSnapshotPiece bytes so that no message grows with the tree.
  void send_snapshot(std::int64_t sid);
  void on_newleader_ack(Learner& l);
  void maybe_establish();
  // --- leader: broadcast (leader_broadcast.cpp) ---
  void on_learner_ack(Learner& l, std::int64_t zxid);
  void on_request(Learner& l, const jute::QuorumPacket& p);
  void propose(data::Txn txn);
  void try_commit();

  // --- learner: packets, forwarded requests, the tick (learner.cpp) ---
  void learner_packet(const jute::QuorumPacket& p);
  void on_leader_sync();
  void on_revalidate_answer(const jute::QuorumPacket& p);
  void learner_tick();
  void forward(std::int32_t type, std::int64_t session, std::int32_t xid, std::string_view body,
               const data::Identities& identities);
  // --- learner: discovery (learner_discovery.cpp) ---
  void become_learner(std::int64_t leader);
  void send_learner_info();
  void on_leaderinfo(const jute::QuorumPacket& p);
  // After the leader connection failed while connecting: retries later (true) or gives up.
  bool retry_leader_connection();
  // --- learner: synchronization (learner_sync.cpp) ---
  void on_trunc(std::int64_t zxid);
  void on_snap(const jute::QuorumPacket& p);
  // Bytes of the snapshot that follows a SNAP on the quorum port (leader_sync.cpp send_snapshot);
  // returns how many belonged to it (after its end come packets again).
  std::size_t on_snapshot_bytes(std::string_view bytes);
  void install_snapshot(data::DataTree tree);
  // Between ACKEPOCH and UPTODATE: the leader is syncing us (Learner.syncWithLeader's loop).
  bool syncing() const {
    return learner_stage_ == LearnerStage::epoch_acked || learner_stage_ == LearnerStage::synced;
  }
  // ZooKeeper's !writeToTxnLog: before NEWLEADER of a SNAP or TRUNC sync a COMMIT applies its
  // proposal in memory only (NEWLEADER's snapshot makes it durable).
  bool sync_applies_in_memory() const {
    return learner_stage_ == LearnerStage::epoch_acked && sync_mode_ != SyncMode::diff;
  }
  // The newest zxid the leader has sent us: logged, or held by the sync.
  std::int64_t last_received_zxid() const;
  // A COMMIT or an observer's INFORM during the sync: held until UPTODATE, or applied in memory.
  void on_sync_commit(std::int64_t zxid);
  void on_sync_inform(data::Txn txn);
  void on_newleader(const jute::QuorumPacket& p);
  // NEWLEADER after a SNAP or TRUNC: the tree is written whole (ZooKeeper's takeSnapshot).
  void snapshot_synced_tree();
  // NEWLEADER: a follower logs the proposals the sync brought; their ACKs wait for UPTODATE's.
  void log_sync_proposals();
  void send_newleader_ack(std::int64_t leader, std::int64_t zxid);
  void on_uptodate();
  // UPTODATE: the ACKs of NEWLEADER's proposals, then the proposals and COMMITs held since.
  void finish_sync();
  // --- learner: broadcast (learner_broadcast.cpp) ---
  void on_proposal(const jute::QuorumPacket& p);
  // Logs a proposal a follower received; false (the server stopped) if it is not above
  // everything logged or applied before.
  bool log_proposal(data::Txn txn);
  // Applies a txn its leader committed, and remembers it for trunc_keeps_committed.
  void apply_committed(const data::Txn& txn);
  void on_inform(const jute::QuorumPacket& p);
  void on_commit(std::int64_t zxid);
  // A COMMIT in broadcast (or held by the sync until UPTODATE): applies the first pending proposal.
  void commit_pending(std::int64_t zxid);

  Election election_;
  PeerState state_ = PeerState::looking;
  Phase phase_ = Phase::election;
  std::int64_t accepted_epoch_ = 0;
  std::int64_t current_epoch_ = 0;
  std::optional<std::int64_t> leader_;
  Vote vote_;
  bool serving_ = false;
  TimerId tick_timer_ = 0;
  std::int64_t role_since_ms_ = 0;
  // As leader, ZooKeeper's QuorumPeer.tick: 0 from the election on, then one more every other
  // half tick once the epoch is established (Leader.lead's tickSkip).
  std::int64_t leader_tick_count_ = 0;
  bool tick_skip_ = true;

  // Leader state.
  std::map<std::int64_t, Learner> learners_;
  std::int64_t new_epoch_ = -1;  // chosen once a quorum of learners has connected
  bool epoch_ready_ = false;     // acceptedEpoch = new_epoch_ is on disk
  std::set<std::int64_t> epoch_acks_;
  std::set<std::int64_t> newleader_acks_;
  bool established_ = false;
  std::map<std::int64_t, Proposal> outstanding_;  // by zxid
  std::deque<std::pair<std::int64_t, std::string>> history_;  // committed txns for DIFF
  std::deque<SyncWaiter> sync_waiters_;

  // Learner state.
  enum class LearnerStage { connecting, epoch_acked, synced, up_to_date };
  LearnerStage learner_stage_ = LearnerStage::connecting;
  std::map<std::int64_t, data::Txn> pending_;  // proposals logged, awaiting COMMIT
  // Proposals received in broadcast whose ACK is owed once they are durable, committed or not:
  // ZooKeeper's follower ACKs every txn its SyncRequestProcessor logs (SendAckRequestProcessor),
  // also one whose COMMIT overtook our fsync; the leader's SyncLimitCheck waits for those ACKs.
  std::set<std::int64_t> acks_owed_;
  std::deque<SyncWaiter> forwarded_syncs_;     // in the order sent; SYNC answers the oldest
  std::map<std::int64_t, std::int32_t> touched_;  // sessions seen since the last PING
  // FOLLOWERINFO/OBSERVERINFO that reached us while still LOOKING: a learner that decided before
  // us. ZooKeeper's learner retries its connection every 100 ms until our learner port opens;
  // we keep its request, as a listen backlog would, and serve it if we become the leader.
  std::map<PeerId, jute::QuorumPacket> early_learners_;
  std::map<std::int64_t, ConnId> revalidating_;   // learner: reconnects waiting for the leader's REVALIDATE
  std::int64_t last_leader_contact_ms_ = 0;
  int connect_attempts_ = 0;         // FOLLOWERINFOs sent to this leader, one per connection
  TimerId connect_retry_timer_ = 0;
  // How the leader syncs us: the packet after our ACKEPOCH. After a DIFF every txn of the sync
  // goes to the log; after a SNAP or a TRUNC the txns committed before NEWLEADER are applied in
  // memory only, and NEWLEADER writes a snapshot (Learner.syncWithLeader's snapshotNeeded).
  enum class SyncMode { none, diff, trunc, snap };
  SyncMode sync_mode_ = SyncMode::none;
  // What the sync brought and we have not logged, in zxid order: ZooKeeper's packetsNotCommitted
  // (PROPOSALs, and an observer's INFORMs). A follower logs and fsyncs those of before NEWLEADER
  // before it ACKs NEWLEADER, and those of after it once UPTODATE is ACKed.
  std::vector<data::Txn> not_logged_;
  // COMMITs (and INFORMs) of the sync whose txns are applied after UPTODATE: packetsCommitted.
  std::vector<std::int64_t> commits_held_;
  // Proposals NEWLEADER logged: ACKed after UPTODATE's ACK (ZooKeeper's requestsToAck, 3.8.5+).
  std::vector<std::int64_t> acks_after_uptodate_;
  // The tree holds what the disk does not (a SNAP, txns a SNAP or TRUNC sync applied) until
  // NEWLEADER's snapshot: a sync abandoned before it reloads the tree from disk, as ZooKeeper's
  // learner reloads its database when it goes back to LOOKING.
  bool tree_ahead_of_disk_ = false;
  // The highest zxid this peer applied as committed (its own commit as leader, a COMMIT or INFORM,
  // a SNAP) that its tree still holds: no TRUNC may go below it. committed_before_sync_: the
  // value to return to when an abandoned sync's tree is read back from disk.
  std::int64_t committed_zxid_ = 0;
  std::int64_t committed_before_sync_ = 0;
  // The epochs as last read from or written to disk (nullopt before load_epochs).
  std::optional<std::int64_t> accepted_on_disk_;
  std::optional<std::int64_t> current_on_disk_;
  // NEWLEADER's ACK has gone out (its disk work done). An UPTODATE that comes before waits for
  // it: ZooKeeper's learner reads its leader's packets one at a time and finishes NEWLEADER
  // (log, fsync, currentEpoch, ACK) before it reads the next.
  bool newleader_acked_ = false;
  bool uptodate_waiting_ = false;
  // Per peer, the quorum stream's bytes not yet cut into packets.
  std::map<PeerId, QuorumStream> quorum_in_;
  // Set between a SNAP packet and the end of the snapshot streamed after it.
  std::optional<persist::SnapshotParser> snapshot_in_;
  std::int64_t snapshot_zxid_ = 0;

  ZabBugs bugs_;
};

}  // namespace zablab::quorum
