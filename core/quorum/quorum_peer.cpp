// The parts of a quorum peer every role shares: start-up, state changes, the election, the tick.
#include "core/quorum/quorum_peer.h"

#include <charconv>

#include "core/env/json_object.h"
#include "core/quorum/fle_config.h"
#include "core/quorum/zab_invariants.h"

#include "core/data/txn.h"
#include "core/jute/codes.h"
#include "core/jute/frame.h"
#include "core/persist/disk_layout.h"
#include "core/persist/recovery.h"
#include "core/util/hex.h"
#include "core/util/log_text.h"

namespace zablab::quorum {

std::string_view phase_name(Phase p) {
  switch (p) {
    case Phase::election: return "ELECTION";
    case Phase::discovery: return "DISCOVERY";
    case Phase::synchronization: return "SYNCHRONIZATION";
    case Phase::broadcast: return "BROADCAST";
  }
  return "UNKNOWN";
}

QuorumPeer::QuorumPeer(Env& env, const server::ServerConfig& config)
    : ServerCore(env, config), election_(env, config.server_id, [&] {
        std::set<std::int64_t> v;
        for (const auto& [sid, s] : config.quorum_servers)
          if (!s.observer) v.insert(sid);
        return v;
      }()) {
  election_.set_config_text(config_text(config.quorum_servers));
}

bool QuorumPeer::is_voter(std::int64_t sid) const {
  auto it = config_.quorum_servers.find(sid);
  return it != config_.quorum_servers.end() && !it->second.observer;
}

std::set<std::int64_t> QuorumPeer::voters() const {
  std::set<std::int64_t> v;
  for (const auto& [sid, s] : config_.quorum_servers)
    if (!s.observer) v.insert(sid);
  return v;
}

std::string QuorumPeer::mode_name() const {
  switch (state_) {
    case PeerState::leading: return "leader";
    case PeerState::following: return "follower";
    case PeerState::observing: return "observer";
    case PeerState::looking: return "looking";
  }
  return "looking";
}

std::int64_t QuorumPeer::last_logged_zxid() const {
  std::int64_t z = tree_.last_processed_zxid();
  if (!outstanding_.empty()) z = std::max(z, outstanding_.rbegin()->first);
  if (!pending_.empty()) z = std::max(z, pending_.rbegin()->first);
  return z;
}

void QuorumPeer::start() {
  ServerCore::start();
  if (failed_) return;
  if (!load_epochs()) return;
  for (auto& e : persist::read_log_entries(env_.disk(), config_.log_dir(), 0))
    if (e.zxid <= tree_.last_processed_zxid()) history_.emplace_back(e.zxid, std::move(e.txn));
  tick_timer_ = env_.set_timer(std::max(1, config_.tick_time_ms / 2));
  go_looking("start");
}

// The epochs as ZooKeeper's QuorumPeer.loadDataBase reads them: a missing file (a fresh server)
// means the epoch of the last zxid (ZooKeeper writes that default at once; zablab leaves it to
// the first LEADERINFO / NEWLEADER, see docs/fidelity.md, "epoch files"); an unreadable one, a currentEpoch older than
// the log (unless the currentEpoch.tmp of an interrupted update holds a newer one) or an
// acceptedEpoch below currentEpoch refuses the start -- going on would forget an epoch we
// promised a leader. Returns false when the server stopped.
bool QuorumPeer::load_epochs() {
  std::string error;
  auto read_epoch = [&](const std::string& name) -> std::optional<std::int64_t> {
    auto text = read_small_file(name);
    if (!text) return std::nullopt;
    std::string line = text->substr(0, text->find('\n'));
    std::int64_t value = 0;
    const auto [end, ec] = std::from_chars(line.data(), line.data() + line.size(), value);
    if (ec != std::errc() || end != line.data() + line.size() || line.empty()) {
      if (error.empty()) error = "Found \"" + util::loggable(line, 40) + "\" in " + name + " (not an epoch)";
      return std::nullopt;
    }
    return value;
  };
  const std::int64_t last_zxid = tree_.last_processed_zxid();
  const std::int64_t epoch_of_zxid = epoch_of(last_zxid);
  auto refuse = [&](const std::string& why) {
    fail("cannot start: " + why + " in " + persist::version_dir(config_.data_dir));
    return false;
  };

  // A missing file (a fresh server): the epoch of the last zxid.
  auto or_default = [&](const std::string& name, std::optional<std::int64_t> value) {
    if (value) return *value;
    env_.log(LogLevel::info, name + " not found: starting with the epoch of the last zxid, " +
                                 std::to_string(epoch_of_zxid));
    return epoch_of_zxid;
  };

  std::optional<std::int64_t> current = read_epoch("currentEpoch");
  if (!error.empty()) return refuse(error);
  current = or_default("currentEpoch", current);
  if (epoch_of_zxid > *current) {
    auto tmp = read_epoch("currentEpoch.tmp");
    if (!error.empty()) return refuse(error);
    if (!tmp)
      return refuse("the current epoch, " + std::to_string(*current) + ", is older than the last zxid, " +
                    util::hex(last_zxid));
    env_.log(LogLevel::info, "currentEpoch.tmp found: the current epoch is " + std::to_string(*tmp));
    current = *tmp;
    if (!persist_epoch("currentEpoch", *current)) return false;
  }
  std::optional<std::int64_t> accepted = read_epoch("acceptedEpoch");
  if (!error.empty()) return refuse(error);
  accepted = or_default("acceptedEpoch", accepted);
  if (*accepted < *current)
    return refuse("the accepted epoch, " + std::to_string(*accepted) + ", is less than the current epoch, " +
                  std::to_string(*current));
  current_epoch_ = *current;
  accepted_epoch_ = *accepted;
  current_on_disk_ = current_epoch_;
  accepted_on_disk_ = accepted_epoch_;
  return true;
}

void QuorumPeer::trace_breach(const util::Breach& breach) {
  env_.trace({EventKind::invariant_broken,
              JsonObject().str("invariant", breach.invariant).str("values", breach.values).done()});
}

bool QuorumPeer::holds(const std::optional<util::Breach>& breach) {
  if (!breach) return true;
  trace_breach(*breach);
  fail(util::describe(*breach));
  return false;
}

void QuorumPeer::change_state(PeerState s, Phase p, const std::string& why) {
  const PeerState before = state_;
  state_ = s;
  role_since_ms_ = env_.now_ms();
  set_phase(p);
  env_.trace({EventKind::peer_state,
              JsonObject().str("from", state_name(before)).str("to", state_name(s)).str("why", why).done()});
  env_.log(LogLevel::info, "peer " + std::to_string(id()) + ": " + std::string(state_name(before)) + " -> " +
                               std::string(state_name(s)) + " (" + why + ")");
}

void QuorumPeer::set_phase(Phase p) {
  if (phase_ == p) return;
  phase_ = p;
  env_.trace({EventKind::peer_phase, JsonObject().str("phase", phase_name(p)).done()});
}

void QuorumPeer::go_looking(const std::string& why) {
  serving_ = false;
  // Clients must find a serving server; ZooKeeper closes them when a peer leaves its role.
  std::vector<ConnId> ids;
  for (const auto& [cid, c] : conns_) ids.push_back(cid);
  for (ConnId cid : ids) close_connection(cid, "server is no longer serving (" + why + ")");

  if (state_ == PeerState::leading) {
    for (const auto& [sid, l] : learners_) close_quorum(sid);
  } else if (leader_ && (state_ == PeerState::following || state_ == PeerState::observing)) {
    close_quorum(*leader_);
  }
  // What is in our log is our history: apply it, as a restart would (ZooKeeper reloads its
  // database from disk here). A new leader may TRUNC what was never committed. What an unfinished
  // sync brought but we had not logged is dropped, as ZooKeeper's learner drops it; a tree ahead
  // of the disk (a SNAP before NEWLEADER's snapshot) is read back from the disk.
  snapshot_in_.reset();
  not_logged_.clear();
  commits_held_.clear();
  acks_after_uptodate_.clear();
  sync_mode_ = SyncMode::none;
  if (tree_ahead_of_disk_) {
    tree_ahead_of_disk_ = false;
    if (snapshot_) cancel_snapshot("the tree is read back from disk");
    if (persistent_) reload_from_disk();
    if (failed_) return;
    committed_zxid_ = committed_before_sync_;
  }
  for (auto& [zxid, p] : outstanding_) commit(p.txn);
  for (auto& [zxid, txn] : pending_) commit(txn);
  outstanding_.clear();
  pending_.clear();
  acks_owed_.clear();
  prep_.committed(INT64_MAX);
  last_zxid_ = tree_.last_processed_zxid();
  reset_leader_state();
  sync_waiters_.clear();
  forwarded_syncs_.clear();
  touched_.clear();
  revalidating_.clear();  // their connections were closed above
  early_learners_.clear();
  if (connect_retry_timer_) env_.cancel_timer(connect_retry_timer_);
  connect_retry_timer_ = 0;
  leader_.reset();

  change_state(PeerState::looking, Phase::election, why);
  election_.start(tree_.last_processed_zxid(), current_epoch_);
}

void QuorumPeer::reset_leader_state() {
  learners_.clear();
  new_epoch_ = -1;
  epoch_ready_ = false;
  epoch_acks_.clear();
  newleader_acks_.clear();
  established_ = false;
}

void QuorumPeer::decided(const Vote& v) {
  vote_ = v;
  leader_ = v.leader;
  if (v.leader == id()) {
    become_leading();
  } else {
    become_learner(v.leader);
  }
}

void QuorumPeer::on_notification(PeerId from, std::string_view message) {
  Notification n;
  try {
    n = decode_notification(message);
  } catch (const jute::DecodeError& e) {
    env_.log(LogLevel::warn, "peer " + std::to_string(id()) + ": bad notification from " + std::to_string(from) +
                                 ": " + util::loggable(e.what()));
    return;
  }
  if (n.version > 1) {
    // ZooKeeper's receiver parses every version-2 config; one that does not parse is logged and
    // the vote is still taken (zablab adopts no config it hears: it has no reconfig).
    if (const auto problem = notification_config_problem(n.config.value_or(std::string())))
      env_.log(LogLevel::error, "peer " + std::to_string(id()) + ": the config in a notification from " +
                                    std::to_string(from) + " does not parse: " + util::loggable(*problem));
  }
  if (state_ == PeerState::looking) {
    if (!is_voter(from)) {
      // ZooKeeper's WorkerReceiver answers an observer (or any non-voter) at once with our
      // current vote in our current round, whatever our state; the election ignores its votes.
      Vote current = vote_;
      current.election_epoch = election_.logical_clock();
      env_.peer_send(from, PeerChannel::election, Election::encode(state_, current, election_.config_text()));
      return;
    }
    if (auto v = election_.on_notification(from, n)) decided(*v);
    return;
  }
  // Settled: a server still looking (or an observer) learns who leads from our answer.
  if (static_cast<PeerState>(n.state) == PeerState::looking || !is_voter(from))
    env_.peer_send(from, PeerChannel::election, Election::encode(state_, vote_, election_.config_text()));
}

void QuorumPeer::on_peer_message(PeerId from, PeerChannel channel, std::string_view message) {
  if (failed_) return;
  if (channel == PeerChannel::election) {
    on_notification(from, message);
  } else {
    on_quorum_bytes(from, message);
  }
  flush_dirty();
}

bool QuorumPeer::from_our_leader(PeerId from) const {
  return leader_ && from == *leader_ && (state_ == PeerState::following || state_ == PeerState::observing);
}

void QuorumPeer::on_quorum_bytes(PeerId from, std::string_view bytes) {
  // ZooKeeper's quorum port is a stream of QuorumPackets with no framing, and after SNAP the
  // snapshot itself: cut what arrived into those, in order (quorum_stream.h).
  const std::size_t max_field = static_cast<std::size_t>(config_.max_buffer) * 2 + (std::size_t{1} << 20);
  quorum_in_.try_emplace(from, max_field).first->second.feed(bytes);
  for (;;) {
    const auto in = quorum_in_.find(from);
    if (in == quorum_in_.end()) return;  // what we just handled closed the connection
    QuorumStream& stream = in->second;
    if (snapshot_in_ && from_our_leader(from)) {
      if (stream.unread().empty()) return;
      const std::size_t used = on_snapshot_bytes(stream.unread());
      // A bad snapshot closes the connection, and with it the stream.
      if (const auto again = quorum_in_.find(from); again != quorum_in_.end()) again->second.skip(used);
      continue;
    }
    jute::QuorumPacket p;
    try {
      const std::optional<std::string> packet = stream.next_packet();
      if (!packet) return;
      p = jute::decode<jute::QuorumPacket>(*packet);
    } catch (const jute::DecodeError& e) {
      env_.log(LogLevel::warn, "peer " + std::to_string(id()) + ": bad quorum packet from " + std::to_string(from) +
                                   ": " + util::loggable(e.what()) + "; dropping the connection");
      close_quorum(from);
      on_peer_disconnected(from, PeerChannel::quorum);
      return;
    }
    if (state_ == PeerState::leading) {
      leader_packet(from, p);
    } else if (state_ == PeerState::looking &&
               (p.type == packet::followerinfo || p.type == packet::observerinfo)) {
      early_learners_[from] = std::move(p);
    } else if (from_our_leader(from)) {
      learner_packet(p);
    }
    // Anything else is from a role we no longer have: ignore it.
  }
}

void QuorumPeer::close_quorum(PeerId peer) {
  quorum_in_.erase(peer);
  env_.peer_disconnect(peer, PeerChannel::quorum);
}

void QuorumPeer::on_peer_disconnected(PeerId peer, PeerChannel channel) {
  if (channel != PeerChannel::quorum || failed_) return;
  quorum_in_.erase(peer);
  early_learners_.erase(peer);
  if (state_ == PeerState::leading) {
    if (learners_.erase(peer)) env_.trace({EventKind::zab_learner_lost, JsonObject().num("sid", peer).done()});
  } else if (from_our_leader(peer)) {
    if (!retry_leader_connection()) go_looking("lost the connection to leader " + std::to_string(peer));
  }
  flush_dirty();
}

void QuorumPeer::on_timer(TimerId id) {
  if (failed_) return;
  if (id == tick_timer_) {
    tick_timer_ = env_.set_timer(std::max(1, config_.tick_time_ms / 2));
    on_tick();
    flush_dirty();
    return;
  }
  if (id == connect_retry_timer_) {
    connect_retry_timer_ = 0;
    if (from_our_leader(leader_.value_or(-1)) && learner_stage_ == LearnerStage::connecting) send_learner_info();
    flush_dirty();
    return;
  }
  if (election_.owns_timer(id)) {
    if (auto v = election_.on_timer(id)) decided(*v);
    flush_dirty();
    return;
  }
  ServerCore::on_timer(id);
}

void QuorumPeer::on_tick() {
  if (state_ == PeerState::leading) {
    leader_tick();
  } else if (state_ == PeerState::following || state_ == PeerState::observing) {
    learner_tick();
  }
}

void QuorumPeer::send_packet(std::int64_t to, std::int32_t type, std::int64_t zxid, jute::Bytes data,
                             std::vector<jute::Id> authinfo) {
  if (failed_) return;  // a server stopped on a broken invariant tells its peers nothing more
  env_.peer_send(to, PeerChannel::quorum, encode_packet(type, zxid, std::move(data), std::move(authinfo)));
}

bool QuorumPeer::persist_epoch(const char* name, std::int64_t value) {
  const bool current = std::string_view(name) == "currentEpoch";
  std::optional<std::int64_t>& before = current ? current_on_disk_ : accepted_on_disk_;
  if (before && !holds(invariants::epoch_never_backwards(name, value, *before))) return false;
  if (current && accepted_on_disk_ && !holds(invariants::current_within_accepted(value, *accepted_on_disk_)))
    return false;
  before = value;
  write_small_file(name, std::to_string(value));
  return true;
}

void QuorumPeer::persistence_point(std::string_view name) {
  if (persistent_) env_.trace({EventKind::persist_point, JsonObject().str("point", name).done()});
}

void QuorumPeer::reload_from_disk() {
  // The tree as our (just truncated) disk has it: a fresh tree, then recovery.
  tree_ = data::DataTree();
  persist::RecoveryReport report =
      persist::recover(env_.disk(), config_.data_dir, config_.log_dir(), config_.extended_types_enabled, tree_);
  for (const auto& note : report.notes) env_.log(LogLevel::info, "reload: " + note);
  for (const auto& warning : report.warnings) env_.log(LogLevel::warn, "reload: " + warning);
  // ZooKeeper counts a mismatch wherever a txn or a snapshot is loaded (reportDigestMismatch):
  // its learner reloads the database after a TRUNC as at start-up.
  stats_.digest_mismatches += report.digest_mismatches;
  if (!report.ok) {
    fail(report.error);
    return;
  }
  sessions_ = server::SessionTracker(config_.server_id, config_.tick_time_ms, env_.wall_ms());
  for (const auto& [sid, timeout] : tree_.sessions()) sessions_.add(sid, timeout, env_.now_ms());
  history_.clear();
  for (auto& e : persist::read_log_entries(env_.disk(), config_.log_dir(), 0))
    if (e.zxid <= tree_.last_processed_zxid()) history_.emplace_back(e.zxid, std::move(e.txn));
  last_zxid_ = tree_.last_processed_zxid();
  current_log_.clear();  // appends go to a new log after what recovery kept
}

void QuorumPeer::session_touched(std::int64_t sid) {
  if (state_ == PeerState::following || state_ == PeerState::observing) {
    if (const server::Session* s = sessions_.find(sid)) touched_[sid] = s->timeout_ms;
  }
}

void QuorumPeer::after_apply(const data::Txn& txn) {
  // A txn a SNAP or TRUNC sync applies in memory is in no log, and such a tree is not the disk's
  // yet: it neither counts toward nor starts a snapshot (NEWLEADER takes one).
  if (!tree_ahead_of_disk_) ServerCore::after_apply(txn);
  // The committed history a leader sends in DIFFs; bounded like ZooKeeper's committed log.
  constexpr std::size_t kMaxHistory = 500;  // ZooKeeper's commitLogCount default
  history_.emplace_back(txn.zxid(), data::encode_txn(txn));
  while (history_.size() > kMaxHistory) history_.pop_front();
}

// A txn is durable: a leader counts its own ACK, a follower ACKs it (ZooKeeper's
// SendAckRequestProcessor).
void QuorumPeer::on_logged(std::int64_t upto_zxid) {
  while (!unsynced_.empty() && unsynced_.front().zxid() <= upto_zxid) {
    const std::int64_t zxid = unsynced_.front().zxid();
    unsynced_.pop_front();
    if (state_ == PeerState::leading) {
      auto it = outstanding_.find(zxid);
      if (it != outstanding_.end()) it->second.acks.insert(id());
    } else if (state_ == PeerState::following && leader_ && acks_owed_.erase(zxid) > 0) {
      send_packet(*leader_, packet::ack, zxid);
    }
  }
  if (state_ == PeerState::leading) try_commit();
}

void QuorumPeer::complete_sync(const SyncWaiter& w) {
  if (w.learner != 0) {
    send_packet(w.learner, packet::sync, 0);
    return;
  }
  auto owner = session_owner_.find(w.session);
  if (owner == session_owner_.end()) return;
  auto it = conns_.find(owner->second);
  if (it == conns_.end()) return;
  for (auto& p : it->second.queue) {
    if (p.type == op::sync && p.submitted && !p.done && p.xid == w.xid) {
      jute::FrameWriter out;
      jute::write(out, jute::ReplyHeader{p.xid, tree_.last_processed_zxid(), 0});
      jute::write(out, jute::SyncResponse{w.path});
      p.done = true;
      p.reply = out.take();
      dirty_.insert(it->first);
      return;
    }
  }
}

}  // namespace zablab::quorum
