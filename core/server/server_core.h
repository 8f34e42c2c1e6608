// The ZooKeeper server core every role shares, as one sans-I/O state machine (ZooKeeper's
// ZooKeeperServer). Run alone it is the standalone server; QuorumPeer (core/quorum) derives from
// it for the ensemble roles and overrides how a txn is submitted and committed (the virtual hooks
// below).
//
// It speaks the client wire protocol on the connections its Env hands it: handshake and sessions,
// requests in order per connection, watches, four-letter words. Writes become txns (Prep), which
// are committed to the DataTree in zxid order; a connection's reads wait behind its own pending
// writes, and every watch event a commit fires is queued before any reply that observes the
// change. Nothing here blocks or touches the OS: see core/env/env.h.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>

#include "core/data/data_tree.h"
#include "core/env/node.h"
#include "core/jute/frame.h"
#include "core/persist/snapshot_writer.h"
#include "core/server/latency_stats.h"
#include "core/server/prep.h"
#include "core/server/server_bugs.h"
#include "core/server/server_config.h"
#include "core/server/session_tracker.h"
#include "core/server/watch_manager.h"

namespace zablab::server {

// Counters shown by the srvr/stat/mntr/cons four-letter words.
struct ServerStats {
  std::uint64_t packets_received = 0;
  std::uint64_t packets_sent = 0;
  // Digests that disagreed with the tree's: in txns applied, and in the snapshot and log read at
  // start-up (mntr's digest_mismatches_count, ZooKeeper's ServerMetrics.DIGEST_MISMATCHES_COUNT).
  std::uint64_t digest_mismatches = 0;
  LatencyStats latency;
};

class ServerCore : public Node {
 public:
  ServerCore(Env& env, const ServerConfig& config);

  void start() override;
  void on_client_connected(ConnId conn, std::string remote) override;
  void on_client_bytes(ConnId conn, std::string_view bytes) override;
  void on_client_closed(ConnId conn) override;
  void on_client_drained(ConnId conn) override;
  void on_timer(TimerId id) override;
  void on_disk_done(DiskToken token, const DiskStatus& status) override;

  // Read-only views for tests, the simulator and the visualizer.
  const data::DataTree& tree() const { return tree_; }
  const SessionTracker& sessions() const { return sessions_; }
  const WatchManager& watches() const { return watches_; }
  const ServerStats& stats() const { return stats_; }
  std::size_t connection_count() const { return conns_.size(); }
  // Throttling, for tests and mntr: requests taken off connections and not yet answered, and
  // whether the server asked the Env to stop reading a connection.
  std::size_t outstanding_requests() const { return outstanding_; }
  bool reading_paused(ConnId conn) const { return paused_.count(conn) > 0; }

  // Deliberate bugs (server_bugs.h); the simulator sets them before start().
  void set_server_bugs(const ServerBugs& bugs) {
    server_bugs_ = bugs;
    prep_.set_bugs(bugs);
  }

  // The text a four-letter word answers (without closing anything); nullopt if `word` is not one.
  std::optional<std::string> four_letter_word(const std::string& word) const;

 protected:
  // This class is also the client-facing half of a quorum peer (core/quorum/quorum_peer.h), as
  // ZooKeeperServer is the base of Leader/FollowerZooKeeperServer in ZooKeeper. A peer overrides
  // how writes and new sessions reach the commit, and what "logged" means; the rest is shared.
  // One request in a connection's queue. Replies leave in queue order.
  struct Pending {
    std::int32_t xid = 0;
    std::int32_t type = 0;
    std::string body;
    std::int64_t arrived_ms = 0;
    bool is_write = false;
    bool submitted = false;  // writes: handed to prep and the commit pipeline
    std::int64_t zxid = 0;   // writes: the txn's zxid once submitted
    bool done = false;
    std::string reply;       // framed; empty = send nothing
    bool close_after = false;
  };

  // revalidating: a reconnect waits for the leader's word on the session (REVALIDATE).
  enum class ConnState { handshake, creating_session, revalidating, open };

  struct Connection {
    Connection(ConnId id_, std::string remote_, std::string address_, std::size_t max_frame)
        : id(id_), remote(std::move(remote_)), address(std::move(address_)), frames(max_frame) {}
    ConnId id = 0;
    std::string remote;   // "ip:port"
    std::string address;  // "ip"
    jute::FrameDecoder frames;
    ConnState state = ConnState::handshake;
    bool saw_frame = false;
    bool connect_has_read_only = true;
    std::int64_t session_id = 0;
    std::int32_t timeout_ms = 0;
    data::Identities identities;
    std::deque<Pending> queue;
    std::deque<std::string> held;  // frames that arrived while the session was being created
    std::int64_t established_ms = 0;
    std::uint64_t received = 0, sent = 0;
    std::int64_t last_zxid = 0;
    std::int32_t last_cxid = 0;
    std::string last_op = "NA";
    bool reading_paused = false;  // Env::client_pause_reading(id, true) was the last call
  };

  // --- connections and framing ---
  // Takes whole frames off the connection's decoder while it is not throttled, then pauses or
  // resumes reading it (limits.cpp).
  void pump(ConnId id);
  bool throttled(const Connection& c) const;
  void update_reading(Connection& c);
  // After replies went out: pumps the paused connections that may go on. True if that queued
  // requests (so the caller drains again).
  bool resume_reading();
  // Whether `c` may hold these new watch entries (over_watch_limits); logs why not.
  bool watch_room(const Connection& c, const std::string& path, bool data, bool child);
  // Why `adding` more watch entries of `c` would exceed maxWatchesPerConnection,
  // maxWatchesPerAddress or maxWatches; nullopt if they fit.
  std::optional<std::string> over_watch_limits(const Connection& c, std::size_t adding) const;
  void handle_frame(Connection& c, std::string frame);
  void handle_connect(Connection& c, std::string_view frame);
  void handle_request(Connection& c, std::string frame);
  void send(Connection& c, std::string framed);
  void close_connection(ConnId id, const std::string& why);
  // Drops the server's state of a connection (no Env call).
  void forget_connection(ConnId id);
  bool try_four_letter_word(Connection& c);

  // --- the request pipeline ---
  void drain(Connection& c);
  // Sends the replies of the done requests at the head of the queue, in order. False if one of
  // them closed the connection (`c` is gone then).
  bool answer_done(Connection& c);
  void flush_dirty();
  // --- hooks a quorum peer overrides ---
  // A client's write (or sync) reached the head of what its connection may run.
  virtual void submit_write(Connection& c, Pending& p);
  // A new session was asked for on `c`; its createSession txn must be committed.
  virtual void submit_new_session(Connection& c, std::int64_t sid, std::int32_t timeout_ms);
  // A client reconnects to session `sid` with the right password: is the session alive? Here
  // (and on a leader) the session tracker says so at once; a learner asks its leader. Either way
  // the answer goes to finish_reconnect().
  virtual void revalidate_session(Connection& c, std::int64_t sid, std::int32_t timeout_ms);
  // Whether session `sid` lives (not closing); touches it if so (its client is back).
  bool touch_if_alive(std::int64_t sid);
  // Answers a reconnect waiting on `conn` (gone by now, or no longer waiting: nothing to do).
  void finish_reconnect(ConnId conn, std::int64_t sid, bool valid);
  // Answers the client that its session is gone (timeout 0), then closes.
  void refuse_reconnect(Connection& c, std::int64_t sid, const std::string& why);
  // Frames held while the session was being set up are requests now.
  void release_held(ConnId conn);
  // A txn this server decided on its own (session expiry, container reaping).
  virtual void submit_server_txn(data::Txn txn);
  // Every txn up to this zxid is durable in the log.
  virtual void on_logged(std::int64_t upto_zxid);
  // Whether this server expires sessions and reaps containers (only a leader does, in an ensemble).
  virtual bool owns_housekeeping() const { return true; }
  // Whether clients are served now (a peer is not while it elects or syncs).
  virtual bool serving() const { return true; }
  // "standalone", "leader", "follower", "observer" (srvr/mntr).
  virtual std::string mode_name() const { return "standalone"; }
  // A session of a client connected here showed signs of life.
  virtual void session_touched(std::int64_t /*sid*/) {}

  // A prepared txn goes to the commit: standalone logs it and commits once durable; a leader
  // proposes it to its followers.
  virtual void submit_txn(data::Txn txn);
  // Applies a committed txn, fires its watches and answers the client it came from, if connected here.
  void commit(const data::Txn& txn);
  virtual void after_apply(const data::Txn& txn);
  // Runs `then` once every disk operation issued so far has completed (at once without a disk).
  void after_disk(std::function<void()> then);
  // Small durable files beside the snapshots (acceptedEpoch, currentEpoch): written atomically.
  void write_small_file(const std::string& name, std::string contents);
  std::optional<std::string> read_small_file(const std::string& name);
  void execute_read(Connection& c, Pending& p);
  std::string reply_for_write(const Pending& p, const data::Txn& txn, const data::ApplyResult& result) const;
  std::int64_t next_zxid() { return ++last_zxid_; }

  // --- reads ---
  Err read_op(Connection& c, std::int32_t type, jute::Reader& body, jute::Writer& out);
  Err set_watches(Connection& c, const jute::SetWatches2& req);
  std::string multi_read(Connection& c, jute::Reader& body, bool& malformed);
  Err authenticate(Connection& c, const jute::AuthPacket& auth);

  // --- durability: txn log with group commit, snapshots, recovery (durability.cpp) ---
  bool recover_from_disk();
  void log_txn(data::Txn txn);
  void request_sync();
  // The log was cut back to `zxid` (TRUNC) or replaced (SNAP at `zxid`): what was appended or
  // asked to be synced above it is gone, and a sync in flight covers nothing above it, so that a
  // txn appended again under the same zxid gets an fsync of its own before it is acknowledged.
  void log_cut_back_to(std::int64_t zxid);
  void fail(const std::string& why);

  // --- snapshots (snapshots.cpp) ---
  // Every snapCount/2 + random txns: the log rolls and a fuzzy snapshot starts, unless one is
  // still being written (ZooKeeper's "Too busy to snap, skipping").
  void maybe_snapshot();
  // A snapshot of the whole tree as it is now, queued on the disk at once (a learner installing a
  // SNAP: what it removes next waits for it). Cancels a fuzzy one in progress.
  void take_snapshot();
  // A fuzzy snapshot named by the last processed zxid, serialized a bounded piece at a time:
  // each piece is appended to snapshot.<zxid>.tmp when the last one completed, and the whole
  // renamed to snapshot.<zxid> at the end. Requests are served between pieces.
  void start_snapshot();
  // The disk finished what the snapshot waited for: the next piece, the rename, or the end.
  void continue_snapshot();
  void write_snapshot_piece();
  void finish_snapshot();
  // Abandons the fuzzy snapshot in progress; its files are removed once the disk caught up, except
  // a finished file named `keep` (a snapshot of the same name was just queued).
  void cancel_snapshot(const std::string& why, const std::string& keep = {});
  void roll_log();
  // autopurge: keeps the newest snapRetainCount snapshots and the logs they need.
  void purge_old_files();

  // --- sessions and housekeeping ---
  void arm_session_timer();
  void expire_sessions();
  void reap_containers();

  std::string four_letter_text(const std::string& word) const;

  Env& env_;
  ServerConfig config_;
  ServerBugs server_bugs_;
  data::DataTree tree_;
  SessionTracker sessions_;
  WatchManager watches_;
  Prep prep_;
  std::int64_t last_zxid_ = 0;  // last zxid handed out (>= the tree's last processed)
  std::map<ConnId, Connection> conns_;
  std::map<std::int64_t, ConnId> session_owner_;
  std::set<ConnId> dirty_;
  std::size_t outstanding_ = 0;  // sum over connections of queue.size() + held.size()
  std::set<ConnId> paused_;      // connections whose reading the server paused
  ServerStats stats_;
  std::int64_t started_ms_ = 0;
  std::optional<TimerId> session_timer_;
  std::int64_t session_timer_at_ = 0;
  std::optional<TimerId> container_timer_;

  // Durability state. Txns are appended to the current log as they are prepared; one fsync at a
  // time is in flight, covering everything appended before it, so writes arriving meanwhile are
  // committed together by the next one (group commit).
  bool persistent_ = false;
  bool failed_ = false;  // a disk error: the server stops serving rather than lose writes
  std::string current_log_;  // empty: the next txn starts a new log file
  DiskToken next_token_ = 1;
  std::deque<data::Txn> unsynced_;  // logged, not yet known durable (standalone: not yet committed)
  // In flight, each covering up to a zxid: fsyncs, or with forceSync=no the log appends themselves.
  std::deque<std::pair<DiskToken, std::int64_t>> syncs_;
  std::int64_t appended_zxid_ = 0;
  std::int64_t sync_requested_zxid_ = 0;
  std::int64_t txns_since_snapshot_ = 0;
  std::int64_t log_bytes_since_snapshot_ = 0;
  // ZooKeeper's randRoll and randSize: drawn at start-up and again each time a snapshot is due.
  std::int64_t snapshot_rand_roll_ = 0;
  std::int64_t snapshot_rand_size_ = 0;
  void draw_snapshot_thresholds();
  bool snapshot_due() const;
  struct SnapshotInProgress {
    SnapshotInProgress(const data::DataTree& tree, std::string path_)
        : writer(tree, persist::SnapshotWriter::Form::file, true), path(std::move(path_)), temp(path + ".tmp") {}
    persist::SnapshotWriter writer;
    std::string path;  // snapshot.<zxid>
    std::string temp;  // what the pieces are appended to
    DiskToken waiting = 0;        // the operation whose completion asks for the next step
    bool last_piece = false;      // the last piece is queued
    bool renaming = false;        // the last piece is written; the rename is queued
    std::uint64_t unsynced = 0;   // bytes appended since the temporary file's last fsync
  };
  std::optional<SnapshotInProgress> snapshot_;
  DiskToken completed_token_ = 0;
  std::map<DiskToken, std::vector<std::function<void()>>> after_disk_;
};

}  // namespace zablab::server
