#include "sim/scenario/bugs.h"

#include <functional>
#include <map>

#include "core/data/txn.h"
#include "core/jute/codes.h"
#include "core/jute/frame.h"
#include "core/quorum/messages.h"
#include "core/server/server_bugs.h"
#include "sim/check.h"
#include "sim/quorum_kind.h"

namespace zablab::sim::scenario {
namespace {

namespace packet = quorum::packet;

const std::vector<BugInfo> kBugs = {
    {Bug::commit_without_quorum, "commit-without-quorum",
     "a leader counts every PROPOSAL as ACKed and every PING as answered when it sends them, and never "
     "notices a lost follower: cut off in a minority it keeps committing alone",
     "zab.commit-quorum, zab.primary-integrity, client.acked-writes-survive, client.real-time-order"},
    {Bug::ack_before_fsync, "ack-before-fsync",
     "a follower's fsync returns at once without syncing (a lying disk cache): it ACKs proposals that a "
     "power loss then takes away",
     "zab.primary-integrity, client.acked-writes-survive"},
    {Bug::election_ignores_zxid, "election-ignores-zxid",
     "votes are compared without their zxid, so the highest id wins even without the latest txns, and epoch "
     "acknowledgements carry zxid 0, so the new leader SNAPs its followers to its own, shorter, history",
     "zab.primary-integrity, zab.prefix-agreement"},
    {Bug::split_config, "split-config",
     "the lowest-numbered minority of servers believes the ensemble is smaller (a botched reconfiguration), "
     "so both sides of a partition can form a quorum",
     "zab.one-leader-per-epoch"},
    {Bug::reorder_inform, "reorder-inform", "an observer's link from its leader swaps INFORMs that come close together",
     "zab.delivery-order"},
    {Bug::stale_reconnect, "stale-reconnect",
     "a server ignores the lastZxidSeen of a connecting client, vouches for its session itself instead of asking the "
     "leader, and serves a client that has seen more than it has",
     "client.monotonic-zxid"},
    {Bug::sync_no_barrier, "sync-no-barrier",
     "a follower answers sync() at once instead of waiting for the leader's SYNC, so the read after it may be stale",
     "client.sync-linearizable"},
    {Bug::skip_trunc, "skip-trunc",
     "a learner told to TRUNC ignores it and keeps the uncommitted tail of its log, and serves it to its clients",
     "client.reads-committed, client.linearizable-reads, zab.stateInconsistent, zab.PrimaryIntegrity",
     "scenarios/bug-skip-trunc.scn"},
    {Bug::stale_follower_reads, "stale-follower-reads",
     "a follower that lost its leader never notices (neither the silence nor the broken connection) and keeps "
     "serving reads long after the majority moved on",
     "client.bounded-staleness", "scenarios/bug-stale-follower-reads.scn"},
    {Bug::reorder_replies, "reorder-replies",
     "a server sends a client's replies two at a time, the later one first: requests answered out of the order "
     "they were sent in",
     "client.fifo-order"},
    {Bug::leader_ack_before_fsync, "leader-ack-before-fsync",
     "a leader's fsync returns at once without syncing: it counts its own ACK toward a commit before the txn is on "
     "its disk",
     "zab.commit-quorum"},
    {Bug::reorder_commit, "reorder-commit",
     "a leader sends a follower two COMMITs that come close together the other way round: the follower is told to "
     "commit a txn that is not its first pending one",
     "zab.commitInconsistent"},
    {Bug::reorder_proposal, "reorder-proposal",
     "a leader sends a follower two PROPOSALs that come close together the other way round: a zxid arrives before "
     "the one before it",
     "zab.proposalInconsistent"},
    {Bug::reorder_ack, "reorder-ack", "a follower sends its ACKs two at a time, the later one first",
     "zab.ackInconsistent"},
    {Bug::echo_commit, "echo-commit", "a follower sends each COMMIT it receives back to its leader",
     "zab.messageIllegal"},
    {Bug::repeat_leaderinfo, "repeat-leaderinfo",
     "a leader sends LEADERINFO again after each UPTODATE, to a learner that is past discovery",
     "zab.stateInconsistent"},
    {Bug::corrupt_proposal, "corrupt-proposal",
     "a leader's PROPOSALs to its followers carry a changed txn (its time stamp one millisecond later): they deliver "
     "a txn no leader proposed",
     "zab.Integrity, zab.prefix-agreement"},
    {Bug::zookeeper_2845, "zookeeper-2845",
     "ZOOKEEPER-2845: after a TRUNC a follower cuts its log but keeps its in-memory database, so txns that were "
     "never committed stay visible until it restarts",
     "client.reads-committed", "scenarios/known-bugs/zookeeper-2845.scn"},
    {Bug::zookeeper_3911, "zookeeper-3911",
     "ZOOKEEPER-3911: a follower ACKs NEWLEADER before it has logged the txns of the DIFF (it logs them on UPTODATE), "
     "so the leader's quorum for its history is not on disk",
     "zab.primary-integrity, client.acked-writes-survive", "scenarios/known-bugs/zookeeper-3911.scn"},
    {Bug::zookeeper_4643, "zookeeper-4643",
     "ZOOKEEPER-4643: a follower writes currentEpoch before it logs and fsyncs the txns the sync brought; crashing "
     "in between, it comes back with a new epoch over an old log, wins an election and TRUNCs committed txns",
     "zab.primary-integrity", "scenarios/known-bugs/zookeeper-4643.scn"},
    {Bug::zookeeper_4646, "zookeeper-4646",
     "ZOOKEEPER-4646: a follower ACKs NEWLEADER before the txns the sync brought are fsynced; crashing right after "
     "the ACK loses txns the new leader already counts as committed",
     "zab.primary-integrity", "scenarios/known-bugs/zookeeper-4646.scn"},
    {Bug::watch_after_reply, "watch-after-reply",
     "a server holds each watch notification back until it has sent the next reply on that connection: the client "
     "reads the new data before it hears that its watch fired",
     "client.watch-before-data"},
    {Bug::keep_expired_ephemerals, "keep-expired-ephemerals",
     "every server, applying the closeSession of an expired session, leaves the session's ephemerals in its tree: "
     "they outlive their owner",
     "client.ephemeral-lifetime"},
    {Bug::ignore_set_version, "ignore-set-version",
     "the leader's request preparation ignores setData's expected version: of two read-modify-writes racing on one "
     "znode both succeed, and one update is lost",
     "client.linearizable-writes"},
    {Bug::reuse_sequence_after_restart, "reuse-sequence-after-restart",
     "a server whose tree came back from its disk numbers a parent's sequential children from the children it finds "
     "there, not from the parent's cversion (which counts those deleted too): as leader it gives out names again",
     "client.sequential-names"},
    {Bug::stale_cversion, "stale-cversion",
     "getChildren2 answers with the parent's cversion as the tree stores it, counting only the children created: "
     "once a child is deleted the Stat the client gets is not the one the committed history gives the parent",
     "client.linearizable-reads"},
};

// The core switch (core/quorum/zab_bugs.h) for each real ZooKeeper bug; nullopt for the others.
std::optional<quorum::ZabBugs> zab_bugs_for(Bug bug) {
  quorum::ZabBugs b;
  switch (bug) {
    case Bug::zookeeper_2845: b.keep_db_after_trunc = true; return b;
    case Bug::zookeeper_3911: b.log_diff_after_uptodate = true; return b;
    case Bug::zookeeper_4643: b.epoch_before_log = true; return b;
    case Bug::zookeeper_4646: b.ack_newleader_before_fsync = true; return b;
    default: return std::nullopt;
  }
}

// The core switch (core/server/server_bugs.h) for each bug in the server's data handling.
std::optional<server::ServerBugs> server_bugs_for(Bug bug) {
  server::ServerBugs b;
  switch (bug) {
    case Bug::keep_expired_ephemerals: b.keep_expired_ephemerals = true; return b;
    case Bug::ignore_set_version: b.ignore_set_version = true; return b;
    case Bug::reuse_sequence_after_restart: b.reuse_sequence_after_restart = true; return b;
    case Bug::stale_cversion: b.stale_cversion = true; return b;
    default: return std::nullopt;
  }
}

// ----------------------------------------------------------------------------- BuggyPeer

// The real peer, with a host in front that lies in one place. See bugs.h.
class BuggyPeer final : public Node, private Env, private Disk {
 public:
  BuggyPeer(Env& host, const server::ServerConfig& config, Bug bug)
      : host_(host), bug_(bug), peer_(std::make_unique<quorum::QuorumPeer>(static_cast<Env&>(*this), config)) {}

  const quorum::QuorumPeer& peer() const { return *peer_; }

  // --- Node: the host's inputs, to the peer ---
  void start() override { peer_->start(); }
  void on_client_connected(ConnId conn, std::string remote) override {
    if (bug_ == Bug::stale_reconnect) fresh_[conn];
    peer_->on_client_connected(conn, std::move(remote));
  }
  void on_client_bytes(ConnId conn, std::string_view bytes) override {
    if (auto it = fresh_.find(conn); bug_ == Bug::stale_reconnect && it != fresh_.end()) {
      // The ConnectRequest may come in pieces: hold them until the whole frame is here.
      it->second += bytes;
      if (!whole_frame(it->second)) return;
      const std::string first = std::move(it->second);
      fresh_.erase(it);
      peer_->on_client_bytes(conn, forget_last_zxid_seen(first));
      return;
    }
    peer_->on_client_bytes(conn, bytes);
  }
  void on_client_closed(ConnId conn) override {
    fresh_.erase(conn);
    drop_held_reply(conn);
    drop_held(held_notifications_, conn);
    peer_->on_client_closed(conn);
  }
  void on_peer_message(PeerId from, PeerChannel channel, std::string_view message) override {
    if (bug_ == Bug::skip_trunc && channel == PeerChannel::quorum && is_learner() && type_of(message) == packet::trunc)
      return;  // "we have nothing to cut": the uncommitted tail stays, in the log and in memory
    if (bug_ == Bug::echo_commit && channel == PeerChannel::quorum && peer_->state() == quorum::PeerState::following &&
        type_of(message) == packet::commit)
      host_.peer_send(from, channel, std::string(message));
    if (bug_ == Bug::reorder_inform && channel == PeerChannel::quorum &&
        peer_->state() == quorum::PeerState::observing && type_of(message) == packet::inform) {
      if (!held_) {
        held_ = Held{from, std::string(message)};
        held_timer_ = later(300, [this] { release_held(); });
        return;
      }
      // The second one overtakes the first.
      peer_->on_peer_message(from, channel, message);
      release_held();
      return;
    }
    if (bug_ == Bug::election_ignores_zxid && channel == PeerChannel::election) {
      // Every vote looks as recent as our own: only the epoch and the server id decide.
      const std::string rewritten = same_zxid_as_ours(message);
      peer_->on_peer_message(from, channel, rewritten);
      return;
    }
    peer_->on_peer_message(from, channel, message);
  }
  void on_peer_disconnected(PeerId peer, PeerChannel channel) override {
    if (bug_ == Bug::stale_follower_reads && channel == PeerChannel::quorum &&
        peer_->state() == quorum::PeerState::following && peer_->leader() == peer)
      return;  // the broken connection to the leader goes unnoticed
    if (bug_ == Bug::commit_without_quorum && channel == PeerChannel::quorum &&
        peer_->state() == quorum::PeerState::leading)
      return;  // a lost follower goes unnoticed
    peer_->on_peer_disconnected(peer, channel);
  }
  void on_timer(TimerId id) override {
    auto it = own_.find(id);
    if (it == own_.end()) {
      if (bug_ == Bug::stale_follower_reads && peer_->state() == quorum::PeerState::following && peer_->leader()) {
        // The leader's silence goes unnoticed too: before each tick it seems to have just pinged.
        peer_->on_peer_message(*peer_->leader(), PeerChannel::quorum, quorum::encode_packet(packet::ping, 0, std::string()));
      }
      peer_->on_timer(id);
      return;
    }
    auto fn = std::move(it->second);
    own_.erase(it);
    fn();
  }
  void on_disk_done(DiskToken token, const DiskStatus& status) override { peer_->on_disk_done(token, status); }

 private:
  struct Held {
    PeerId from;
    std::string message;
  };

  // --- Env: the peer's calls, to the host ---
  std::int64_t now_ms() const override { return host_.now_ms(); }
  std::int64_t wall_ms() const override { return host_.wall_ms(); }
  TimerId set_timer(std::int64_t delay_ms) override { return host_.set_timer(delay_ms); }
  void cancel_timer(TimerId id) override { host_.cancel_timer(id); }
  void client_send(ConnId conn, std::string bytes) override {
    if (bug_ == Bug::reorder_replies && reply_xid(bytes) > 0 && swap_reply(conn, bytes)) return;
    if (bug_ == Bug::watch_after_reply) {
      if (reply_xid(bytes) == kNotificationXid) {
        hold_notification(conn, std::move(bytes));
        return;
      }
      const bool reply = reply_xid(bytes) > 0;
      host_.client_send(conn, std::move(bytes));
      if (reply) release_notifications(conn);  // after the reply that may show the change
      return;
    }
    host_.client_send(conn, std::move(bytes));
  }
  void client_close(ConnId conn) override {
    release_notifications(conn);
    if (auto h = held_replies_.find(conn); h != held_replies_.end()) {
      std::string held = std::move(h->second.second);
      drop_held_reply(conn);
      host_.client_send(conn, std::move(held));  // what was said before the close still goes out
    }
    host_.client_close(conn);
  }
  void peer_send(PeerId peer, PeerChannel channel, std::string message) override {
    switch (bug_) {
      case Bug::commit_without_quorum:
        if (channel == PeerChannel::quorum && peer_->state() == quorum::PeerState::leading) assume_answer(peer, message);
        break;
      case Bug::election_ignores_zxid:
        message = without_zxid(channel, std::move(message));
        break;
      case Bug::stale_reconnect:
        if (channel == PeerChannel::quorum && is_learner()) {
          if (auto sid = revalidated_session(message)) {
            // Vouch for the session ourselves: asking the leader would have made us wait behind
            // its COMMITs, and caught us up before the client is taken.
            later(0, [this, peer, sid = *sid] {
              jute::Writer w;
              w.i64(sid);
              w.boolean(true);
              peer_->on_peer_message(peer, PeerChannel::quorum, quorum::encode_packet(packet::revalidate, -1, w.take()));
            });
            return;
          }
        }
        break;
      case Bug::reorder_commit:
      case Bug::reorder_proposal:
        if (channel == PeerChannel::quorum && peer_->state() == quorum::PeerState::leading &&
            type_of(message) == (bug_ == Bug::reorder_commit ? packet::commit : packet::proposal)) {
          if (swap_outgoing(peer, message)) return;
        }
        break;
      case Bug::corrupt_proposal:
        if (channel == PeerChannel::quorum && peer_->state() == quorum::PeerState::leading &&
            type_of(message) == packet::proposal)
          message = corrupted(message);
        break;
      case Bug::reorder_ack:
        if (channel == PeerChannel::quorum && peer_->state() == quorum::PeerState::following && is_txn_ack(message)) {
          if (swap_outgoing(peer, message)) return;
        }
        break;
      case Bug::repeat_leaderinfo:
        if (channel == PeerChannel::quorum && peer_->state() == quorum::PeerState::leading) {
          const std::int32_t type = type_of(message);
          if (type == packet::leaderinfo) leaderinfo_ = message;
          if (type == packet::uptodate && !leaderinfo_.empty()) {
            host_.peer_send(peer, channel, std::move(message));
            message = leaderinfo_;  // once more, after discovery is long over
          }
        }
        break;
      case Bug::sync_no_barrier:
        if (channel == PeerChannel::quorum && peer_->state() == quorum::PeerState::following && is_sync_request(message)) {
          // Answer it ourselves, as if the leader had: no barrier behind pending commits.
          later(0, [this, peer] { peer_->on_peer_message(peer, PeerChannel::quorum, quorum::encode_packet(packet::sync, 0)); });
          return;
        }
        break;
      default:
        break;
    }
    host_.peer_send(peer, channel, std::move(message));
  }
  void peer_disconnect(PeerId peer, PeerChannel channel) override { host_.peer_disconnect(peer, channel); }
  Disk& disk() override {
    return bug_ == Bug::ack_before_fsync || bug_ == Bug::leader_ack_before_fsync ? static_cast<Disk&>(*this)
                                                                                  : host_.disk();
  }
  std::uint64_t random_u64() override { return host_.random_u64(); }
  void shutdown(std::string_view reason) override { host_.shutdown(reason); }
  std::vector<std::pair<std::string, std::string>> host_metrics() const override { return host_.host_metrics(); }
  void trace(const TraceEvent& event) override { host_.trace(event); }
  void log(LogLevel level, std::string_view message) override { host_.log(level, message); }

  // --- Disk (ack-before-fsync; leader-ack-before-fsync): a sync while following (leading) is an
  // empty append -- it completes in order like any operation, and makes nothing durable. ---
  void append(const std::string& file, std::string bytes, DiskToken token) override {
    host_.disk().append(file, std::move(bytes), token);
  }
  void sync(const std::string& file, DiskToken token) override {
    const quorum::PeerState lying_in =
        bug_ == Bug::ack_before_fsync ? quorum::PeerState::following : quorum::PeerState::leading;
    if (peer_->state() == lying_in) {
      host_.disk().append(file, std::string(), token);
    } else {
      host_.disk().sync(file, token);
    }
  }
  void write_atomic(const std::string& file, std::string bytes, DiskToken token) override {
    host_.disk().write_atomic(file, std::move(bytes), token);
  }
  std::optional<std::string> read(const std::string& file) override { return host_.disk().read(file); }
  std::vector<std::string> list(const std::string& dir) override { return host_.disk().list(dir); }
  bool truncate(const std::string& file, std::uint64_t size) override { return host_.disk().truncate(file, size); }
  bool remove(const std::string& file) override { return host_.disk().remove(file); }
  bool make_dirs(const std::string& dir) override { return host_.disk().make_dirs(dir); }

  // --- the lies ---
  TimerId later(std::int64_t delay_ms, std::function<void()> fn) {
    const TimerId id = host_.set_timer(delay_ms);
    own_[id] = std::move(fn);
    return id;
  }

  // reorder-commit, -proposal, -ack (per peer) and reorder-replies (per client connection): holds
  // a message in `held` under `key` until the next one, which `send` sends first (or for 300 ms,
  // then it goes alone). True when `message` was taken.
  template <class Key, class Send>
  bool swap_with_next(std::map<Key, std::pair<TimerId, std::string>>& held, Key key, std::string& message, Send send) {
    auto it = held.find(key);
    if (it == held.end()) {
      const TimerId timer = later(300, [&held, key, send] {
        auto h = held.find(key);
        if (h == held.end()) return;
        std::string m = std::move(h->second.second);
        held.erase(h);
        send(std::move(m));
      });
      held[key] = {timer, std::move(message)};
      return true;
    }
    send(std::move(message));  // the later one overtakes
    message = std::move(it->second.second);
    drop_held(held, key);
    return false;
  }
  bool swap_outgoing(PeerId peer, std::string& message) {
    return swap_with_next(held_out_, peer, message,
                          [this, peer](std::string m) { host_.peer_send(peer, PeerChannel::quorum, std::move(m)); });
  }
  bool swap_reply(ConnId conn, std::string& bytes) {
    return swap_with_next(held_replies_, conn, bytes, [this, conn](std::string m) { host_.client_send(conn, std::move(m)); });
  }

  template <class Key>
  void drop_held(std::map<Key, std::pair<TimerId, std::string>>& held, Key key) {
    auto it = held.find(key);
    if (it == held.end()) return;
    own_.erase(it->second.first);
    host_.cancel_timer(it->second.first);
    held.erase(it);
  }
  void drop_held_reply(ConnId conn) { drop_held(held_replies_, conn); }

  // watch-after-reply: notifications wait for the connection's next reply (or 300 ms), then follow it.
  static constexpr std::int32_t kNotificationXid = -1;
  void hold_notification(ConnId conn, std::string bytes) {
    auto it = held_notifications_.find(conn);
    if (it != held_notifications_.end()) {
      it->second.second += bytes;
      return;
    }
    const TimerId timer = later(300, [this, conn] {
      auto h = held_notifications_.find(conn);
      if (h == held_notifications_.end()) return;
      std::string held = std::move(h->second.second);
      held_notifications_.erase(h);
      host_.client_send(conn, std::move(held));
    });
    held_notifications_[conn] = {timer, std::move(bytes)};
  }
  void release_notifications(ConnId conn) {
    auto it = held_notifications_.find(conn);
    if (it == held_notifications_.end()) return;
    std::string held = std::move(it->second.second);
    drop_held(held_notifications_, conn);
    host_.client_send(conn, std::move(held));
  }

  // The xid of a framed reply (4-byte length, then ReplyHeader.xid); 0 for anything shorter (the
  // handshake's ConnectResponse starts with protocolVersion 0).
  static std::int32_t reply_xid(std::string_view bytes) {
    if (bytes.size() < 8) return 0;
    std::uint32_t v = 0;
    for (std::size_t i = 4; i < 8; ++i) v = (v << 8) | static_cast<unsigned char>(bytes[i]);
    return static_cast<std::int32_t>(v);
  }

  void release_held() {
    if (!held_) return;
    Held h = std::move(*held_);
    held_.reset();
    own_.erase(held_timer_);
    host_.cancel_timer(held_timer_);
    peer_->on_peer_message(h.from, PeerChannel::quorum, h.message);
  }

  bool is_learner() const {
    return peer_->state() == quorum::PeerState::following || peer_->state() == quorum::PeerState::observing;
  }

  static std::int32_t type_of(std::string_view message) {
    try {
      return jute::decode<jute::QuorumPacket>(message).type;
    } catch (const jute::DecodeError&) {
      return -1;
    }
  }

  // The session a learner's REVALIDATE asks about; nullopt for any other message.
  static std::optional<std::int64_t> revalidated_session(std::string_view message) {
    try {
      const auto p = jute::decode<jute::QuorumPacket>(message);
      if (p.type != packet::revalidate || !p.data) return std::nullopt;
      jute::Reader r(*p.data);
      return r.i64();
    } catch (const jute::DecodeError&) {
      return std::nullopt;
    }
  }

  // An ACK of a txn (not of NEWLEADER, whose zxid counts nothing in its epoch).
  static bool is_txn_ack(std::string_view message) {
    try {
      const auto p = jute::decode<jute::QuorumPacket>(message);
      return p.type == packet::ack && (p.zxid & 0xffffffff) != 0;
    } catch (const jute::DecodeError&) {
      return false;
    }
  }

  // The PROPOSAL with its txn changed: one millisecond later in its header.
  static std::string corrupted(std::string_view message) {
    try {
      auto p = jute::decode<jute::QuorumPacket>(message);
      if (!p.data) return std::string(message);
      data::Txn txn = data::decode_txn(*p.data);
      txn.header.time += 1;
      p.data = data::encode_txn(txn);
      return jute::encode(p);
    } catch (const jute::DecodeError&) {
      return std::string(message);
    }
  }

  static bool is_sync_request(std::string_view message) {
    try {
      const auto p = jute::decode<jute::QuorumPacket>(message);
      if (p.type != packet::request || !p.data) return false;
      jute::Reader r(*p.data);
      r.i64();
      r.i32();
      return r.i32() == op::sync;
    } catch (const jute::DecodeError&) {
      return false;
    }
  }

  void assume_answer(PeerId peer, std::string_view message) {
    jute::QuorumPacket p;
    try {
      p = jute::decode<jute::QuorumPacket>(message);
    } catch (const jute::DecodeError&) {
      return;
    }
    if (p.type == packet::proposal) {
      later(0, [this, peer, zxid = p.zxid] {
        if (peer_->state() == quorum::PeerState::leading)
          peer_->on_peer_message(peer, PeerChannel::quorum, quorum::encode_packet(packet::ack, zxid));
      });
    } else if (p.type == packet::ping) {
      later(0, [this, peer, zxid = p.zxid] {
        if (peer_->state() == quorum::PeerState::leading)
          peer_->on_peer_message(peer, PeerChannel::quorum, quorum::encode_packet(packet::ping, zxid, std::string()));
      });
    }
  }

  std::string same_zxid_as_ours(std::string_view message) const {
    const quorum::Vote& mine = peer_->election().proposal();
    if (!peer_->election().running() || mine.zxid == INT64_MIN) return std::string(message);  // observers propose nothing
    try {
      auto n = jute::decode<quorum::Notification>(message);
      n.zxid = mine.zxid;
      return jute::encode(n);
    } catch (const jute::DecodeError&) {
      return std::string(message);
    }
  }

  static std::string without_zxid(PeerChannel channel, std::string message) {
    if (channel != PeerChannel::quorum) return message;
    try {
      auto p = jute::decode<jute::QuorumPacket>(message);
      if (p.type != packet::ackepoch) return message;
      p.zxid = 0;
      jute::Writer w;
      w.i32(0);  // the oldest epoch: nothing for the leader to compare either (-1, "already in this
                 // epoch", would not count toward the epoch quorum at all)
      p.data = w.take();
      return jute::encode(p);
    } catch (const jute::DecodeError&) {
      return message;
    }
  }

  static bool whole_frame(std::string_view bytes) {
    if (bytes.size() < 4) return false;
    const std::uint32_t len = (std::uint32_t{static_cast<unsigned char>(bytes[0])} << 24) |
                              (std::uint32_t{static_cast<unsigned char>(bytes[1])} << 16) |
                              (std::uint32_t{static_cast<unsigned char>(bytes[2])} << 8) |
                              std::uint32_t{static_cast<unsigned char>(bytes[3])};
    return len > (1u << 20) || bytes.size() >= 4 + std::size_t{len};  // an absurd length: let the server refuse it
  }

  // The first frame of a client connection is its ConnectRequest: claim to have seen nothing.
  static std::string forget_last_zxid_seen(std::string_view bytes) {
    if (bytes.size() < 4) return std::string(bytes);
    const std::uint32_t len = (std::uint32_t{static_cast<unsigned char>(bytes[0])} << 24) |
                              (std::uint32_t{static_cast<unsigned char>(bytes[1])} << 16) |
                              (std::uint32_t{static_cast<unsigned char>(bytes[2])} << 8) |
                              std::uint32_t{static_cast<unsigned char>(bytes[3])};
    if (bytes.size() < 4 + std::size_t{len}) return std::string(bytes);
    try {
      auto req = jute::decode<jute::ConnectRequest>(bytes.substr(4, len));
      req.last_zxid_seen = 0;
      return jute::frame(jute::encode(req)) + std::string(bytes.substr(4 + len));
    } catch (const jute::DecodeError&) {
      return std::string(bytes);
    }
  }

  Env& host_;
  Bug bug_;
  std::unique_ptr<quorum::QuorumPeer> peer_;
  std::map<TimerId, std::function<void()>> own_;
  std::map<ConnId, std::string> fresh_;  // client connections whose ConnectRequest has not arrived (bytes so far)
  std::optional<Held> held_;
  std::string leaderinfo_;               // repeat-leaderinfo: the last LEADERINFO sent
  std::map<PeerId, std::pair<TimerId, std::string>> held_out_;  // reorder-commit/-proposal/-ack: per peer
  std::map<ConnId, std::pair<TimerId, std::string>> held_replies_;  // reorder-replies: per client connection
  std::map<ConnId, std::pair<TimerId, std::string>> held_notifications_;  // watch-after-reply: per connection
  TimerId held_timer_ = 0;
};

// split-config: servers 1..m (m = (voters-1)/2, the largest minority) see only voters 1..2m-1.
server::ServerConfig split_view(server::ServerConfig config) {
  std::int64_t voters = 0;
  for (const auto& [sid, s] : config.quorum_servers) voters += s.observer ? 0 : 1;
  const std::int64_t m = (voters - 1) / 2;
  if (m < 1 || config.server_id > m) return config;
  std::map<std::int64_t, server::QuorumServer> view;
  for (const auto& [sid, s] : config.quorum_servers)
    if (s.observer || sid <= 2 * m - 1) view[sid] = s;
  config.quorum_servers = std::move(view);
  return config;
}

}  // namespace

const std::vector<BugInfo>& bug_catalog() { return kBugs; }

std::optional<Bug> bug_by_name(std::string_view name) {
  if (name == "none") return Bug::none;
  for (const auto& b : kBugs)
    if (b.name == name) return b.bug;
  return std::nullopt;
}

std::string_view bug_name(Bug bug) {
  for (const auto& b : kBugs)
    if (b.bug == bug) return b.name;
  return "none";
}

ServerKind buggy_quorum_kind(Bug bug) {
  ServerKind kind = quorum_kind();
  if (bug == Bug::none) return kind;
  kind.name = "quorum+" + std::string(bug_name(bug));
  if (auto zab = zab_bugs_for(bug)) {
    kind.make = [zab = *zab](Env& env, const server::ServerConfig& config) -> std::unique_ptr<Node> {
      auto peer = std::make_unique<quorum::QuorumPeer>(env, config);
      peer->set_zab_bugs(zab);
      return peer;
    };
    return kind;
  }
  if (auto data = server_bugs_for(bug)) {
    kind.make = [b = *data](Env& env, const server::ServerConfig& config) -> std::unique_ptr<Node> {
      auto peer = std::make_unique<quorum::QuorumPeer>(env, config);
      peer->set_server_bugs(b);
      return peer;
    };
    return kind;
  }
  if (bug == Bug::split_config) {
    kind.make = [](Env& env, const server::ServerConfig& config) -> std::unique_ptr<Node> {
      return std::make_unique<quorum::QuorumPeer>(env, split_view(config));
    };
    return kind;
  }
  auto inspect = kind.inspect;
  kind.make = [bug](Env& env, const server::ServerConfig& config) -> std::unique_ptr<Node> {
    return std::make_unique<BuggyPeer>(env, config, bug);
  };
  kind.inspect = [inspect](const Node& node, ServerState& state) {
    const auto* b = dynamic_cast<const BuggyPeer*>(&node);
    ZL_SIM_ASSERT(b != nullptr, "a buggy kind inspects only BuggyPeers");
    inspect(b->peer(), state);
  };
  return kind;
}

const quorum::QuorumPeer* quorum_peer_of(const Node* node) {
  if (!node) return nullptr;
  if (const auto* b = dynamic_cast<const BuggyPeer*>(node)) return &b->peer();
  return dynamic_cast<const quorum::QuorumPeer*>(node);
}

}  // namespace zablab::sim::scenario
