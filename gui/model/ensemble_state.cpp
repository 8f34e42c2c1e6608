#include "gui/model/ensemble_state.h"

#include <algorithm>

#include "sim/addresses.h"

namespace zablab::gui {

namespace tk = sim::trace_kind;

std::string_view role_name(Role r) {
  switch (r) {
    case Role::unknown: return "not started";
    case Role::looking: return "LOOKING";
    case Role::following: return "FOLLOWING";
    case Role::leading: return "LEADING";
    case Role::observing: return "OBSERVING";
    case Role::down: return "crashed";
  }
  return "?";
}

namespace {

Role parse_role(std::string_view s) {
  if (s == "LOOKING") return Role::looking;
  if (s == "FOLLOWING") return Role::following;
  if (s == "LEADING") return Role::leading;
  if (s == "OBSERVING") return Role::observing;
  return Role::unknown;
}

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

ServerView& server_view(EnsembleState& st, EndpointId id) {
  auto [it, fresh] = st.servers.try_emplace(id);
  if (fresh) it->second.id = id;
  return it->second;
}

ClientView& client_view(EnsembleState& st, EndpointId id) {
  auto [it, fresh] = st.clients.try_emplace(id);
  if (fresh) it->second.id = id;
  return it->second;
}

VoteInfo vote_from(const JsonValue& d, std::uint64_t seq) {
  VoteInfo v;
  v.valid = true;
  v.leader = d["leader"].int_or(0);
  v.zxid = d["zxid"].int_or(0);
  v.round = d["round"].int_or(0);
  v.peer_epoch = d["peer_epoch"].int_or(0);
  v.state = d.has("state") ? d["state"].str() : "LOOKING";
  v.seq = seq;
  return v;
}

void remove_subtree(std::map<std::string, ZnodeInfo>& tree, const std::string& path) {
  tree.erase(path);
  const std::string prefix = path + "/";
  for (auto it = tree.lower_bound(prefix); it != tree.end() && it->first.compare(0, prefix.size(), prefix) == 0;)
    it = tree.erase(it);
}

// One committed txn (txn.commit's JSON) applied to a server's model.
void apply_txn(ServerView& sv, std::int64_t zxid, const JsonValue& txn) {
  const JsonValue& header = txn["header"];
  const std::int64_t client_id = header["client_id"].int_or(0);
  CommittedTxn summary;
  summary.zxid = zxid;
  summary.session = client_id;
  const JsonValue& ops = txn["ops"];
  summary.op = ops.size() == 1 ? ops.at(0)["type"].str() : "multi";
  for (const auto& op : ops.elements()) {
    const std::string type = op["type"].str();
    const JsonValue& body = op["txn"];
    const std::string path = body["path"].str();
    if (summary.path.empty()) summary.path = path;
    if (type == "create" || type == "create2" || type == "createContainer" || type == "createTtl") {
      ZnodeInfo& n = sv.tree[path];
      n = ZnodeInfo{};
      n.data = body["data"].str();
      n.ephemeral_owner = body["ephemeral"].as_bool() ? client_id : 0;
      n.czxid = n.mzxid = zxid;
    } else if (type == "delete" || type == "deleteContainer") {
      remove_subtree(sv.tree, path);
    } else if (type == "setData") {
      ZnodeInfo& n = sv.tree[path];
      n.data = body["data"].str();
      n.mzxid = zxid;
      n.version = static_cast<int>(body["version"].int_or(n.version + 1));
    } else if (type == "createSession") {
      sv.sessions[client_id] = static_cast<std::int32_t>(body["time_out"].int_or(0));
    } else if (type == "closeSession") {
      sv.sessions.erase(client_id);
      for (auto it = sv.tree.begin(); it != sv.tree.end();)
        it = it->second.ephemeral_owner == client_id ? sv.tree.erase(it) : std::next(it);
    }
  }
  sv.committed.push_back(std::move(summary));
  sv.last_committed = std::max(sv.last_committed, zxid);
  sv.last_logged = std::max(sv.last_logged, zxid);
}

void server_down(ServerView& sv, const std::string& reason) {
  sv.up = false;
  sv.role = Role::down;
  sv.phase = Phase::down;
  sv.down_reason = reason;
  sv.electing = false;
  sv.heard.clear();
  sv.leader.reset();
  sv.learners.clear();
  sv.sync_mode.clear();
  sv.acks.clear();
  sv.established = false;
  sv.new_epoch = -1;
}

void server_core(EnsembleState& st, ServerView& sv, const TraceRecord& r, const JsonValue& d) {
  const std::string& t = r.msg_type;
  if (t == core_event::snapshot) {
    const auto z = d["zxid"].int_or(-1);
    sv.last_committed = std::max(sv.last_committed, z);
    sv.last_logged = std::max(sv.last_logged, z);
  } else if (t == core_event::peer_state) {
    sv.role = parse_role(d["to"].str());
    if (sv.role == Role::looking) {
      sv.leader.reset();
      sv.established = false;
      sv.learners.clear();
      sv.acks.clear();
    }
  } else if (t == core_event::peer_phase) {
    if (auto p = parse_phase(d["phase"].str())) sv.phase = *p;
  } else if (t == core_event::fle_start) {
    sv.electing = true;
    sv.round = d["round"].int_or(sv.round);
    sv.heard.clear();
    sv.decided.reset();
    sv.current_epoch = d["epoch"].int_or(sv.current_epoch);
    sv.last_logged = d["zxid"].int_or(sv.last_logged);
    sv.vote = VoteInfo{true, sv.id, sv.last_logged, sv.round, sv.current_epoch, "LOOKING", r.seq};
  } else if (t == core_event::fle_vote_sent) {
    sv.vote = vote_from(d, r.seq);
    sv.vote.state = std::string(role_name(sv.role));
    sv.round = std::max(sv.round, sv.vote.round);
  } else if (t == core_event::fle_vote_received) {
    const VoteInfo v = vote_from(d, r.seq);
    if (v.state == "LOOKING" && v.round > sv.round) {
      sv.heard.clear();
      sv.round = v.round;
    }
    sv.heard[d["from"].int_or(kNoEndpoint)] = v;
  } else if (t == core_event::fle_decide) {
    sv.decided = d["leader"].int_or(0);
    sv.leader = sv.decided;
    sv.electing = false;
  } else if (t == core_event::zab_learner) {
    sv.learners.insert(d["sid"].int_or(kNoEndpoint));
  } else if (t == core_event::zab_learner_lost) {
    sv.learners.erase(d["sid"].int_or(kNoEndpoint));
  } else if (t == core_event::zab_new_epoch) {
    sv.new_epoch = d["epoch"].int_or(-1);
    sv.accepted_epoch = std::max(sv.accepted_epoch, sv.new_epoch);
  } else if (t == core_event::zab_sync) {
    sv.sync_mode[d["sid"].int_or(kNoEndpoint)] = d["mode"].str();
  } else if (t == core_event::zab_established) {
    sv.established = true;
    sv.current_epoch = d["epoch"].int_or(sv.current_epoch);
  } else if (t == core_event::zab_propose) {
    const auto z = d["zxid"].int_or(-1);
    sv.acks[z];
    sv.last_logged = std::max(sv.last_logged, z);
  } else if (t == core_event::zab_ack) {
    sv.acks[d["zxid"].int_or(-1)].insert(d["from"].int_or(kNoEndpoint));
  } else if (t == core_event::zab_commit) {
    const auto z = d["zxid"].int_or(-1);
    sv.voters = static_cast<int>(d["voters"].int_or(sv.voters));
    sv.acks.erase(sv.acks.begin(), sv.acks.upper_bound(z));
  } else if (t == core_event::zab_trunc) {
    sv.last_logged = d["zxid"].int_or(sv.last_logged);
  } else if (t == core_event::zab_snap) {
    if (sv.leader) {
      if (const ServerView* l = st.server(*sv.leader)) {
        sv.tree = l->tree;
        sv.committed = l->committed;
        sv.sessions = l->sessions;
      }
    }
    const auto z = d["zxid"].int_or(-1);
    sv.last_committed = z;
    sv.last_logged = std::max(sv.last_logged, z);
  } else if (t == core_event::txn_commit) {
    apply_txn(sv, r.zxid >= 0 ? r.zxid : d["header"]["zxid"].int_or(0), d);
  }
}

void client_record(ClientView& cv, const TraceRecord& r, const JsonValue& d) {
  const std::string_view kind = r.kind;
  if (kind == tk::start) {
    cv.up = true;
  } else if (kind == tk::shutdown || kind == tk::crash) {
    cv.up = false;
    cv.state = "stopped";
  } else if (kind == tk::client_invoke) {
    cv.pending[static_cast<std::uint64_t>(d["op_id"].int_or(0))] =
        PendingOp{static_cast<std::uint64_t>(d["op_id"].int_or(0)), r.msg_type, d["path"].str(), r.seq};
  } else if (kind == tk::client_return) {
    auto it = cv.pending.find(static_cast<std::uint64_t>(d["op_id"].int_or(0)));
    std::string what = r.msg_type;
    if (it != cv.pending.end()) {
      if (!it->second.path.empty()) what += " " + it->second.path;
      cv.pending.erase(it);
    }
    cv.last_result = what + " " + d["err"].str() + (r.zxid > 0 ? " @" + zxid_text(r.zxid) : "");
    ++cv.completed;
  } else if (kind == tk::core) {
    if (r.msg_type == core_event::client_state) {
      cv.state = d["state"].str();
      if (auto s = d["session"].as_int()) cv.session = *s;
    } else if (r.msg_type == core_event::client_connect) {
      if (auto where = sim::resolve(d["host"].str())) cv.server = where->first;
    }
  }
}

}  // namespace

const ServerView* EnsembleState::server(EndpointId id) const {
  auto it = servers.find(id);
  return it == servers.end() ? nullptr : &it->second;
}

const ClientView* EnsembleState::client(EndpointId id) const {
  auto it = clients.find(id);
  return it == clients.end() ? nullptr : &it->second;
}

std::optional<EndpointId> EnsembleState::leader() const {
  std::optional<EndpointId> best;
  std::int64_t best_epoch = -2;
  for (const auto& [id, s] : servers)
    if (s.up && s.role == Role::leading && s.current_epoch >= best_epoch) {
      best = id;
      best_epoch = std::max(s.current_epoch, s.new_epoch);
    }
  return best;
}

int EnsembleState::voter_count() const {
  for (const auto& [id, s] : servers)
    if (s.voters > 0) return s.voters;
  int n = 0;
  for (const auto& [id, s] : servers) n += s.role == Role::observing ? 0 : 1;
  return n;
}

void apply(EnsembleState& st, const TraceRecord& r, const Timeline& timeline) {
  st.last_seq = static_cast<std::int64_t>(r.seq);
  st.time_ns = r.time_ns;
  const std::string_view kind = r.kind;
  const JsonValue d = JsonValue::parse(r.detail);

  if (kind == tk::world_config) {
    const auto n = d["servers"].int_or(0);
    for (EndpointId id = 1; id <= n; ++id) server_view(st, id);
    return;
  }
  if (kind == tk::partition) {
    if (d.has("groups")) {
      const JsonValue& groups = d["groups"];
      for (std::size_t i = 0; i < groups.size(); ++i)
        for (std::size_t j = i + 1; j < groups.size(); ++j)
          for (const auto& a : groups.at(i).elements())
            for (const auto& b : groups.at(j).elements()) {
              st.blocked.insert({a.int_or(0), b.int_or(0)});
              st.blocked.insert({b.int_or(0), a.int_or(0)});
            }
    } else if (r.from != kNoEndpoint) {
      st.blocked.insert({r.from, r.to});
    }
    return;
  }
  if (kind == tk::heal) {
    if (r.from != kNoEndpoint)
      st.blocked.erase({r.from, r.to});
    else
      st.blocked.clear();
    return;
  }

  if (sim::is_client(r.node)) {
    client_record(client_view(st, r.node), r, d);
    return;
  }
  if (!sim::is_server(r.node)) return;
  ServerView& sv = server_view(st, r.node);
  if (kind == tk::start || kind == tk::restart) {
    sv.up = true;
    sv.incarnation = static_cast<int>(d["incarnation"].int_or(sv.incarnation + 1));
    sv.role = Role::looking;
    sv.phase = Phase::election;
    sv.down_reason.clear();
    sv.electing = false;
    sv.heard.clear();
    sv.vote = VoteInfo{};
    sv.leader.reset();
    sv.learners.clear();
    sv.acks.clear();
    sv.established = false;
    sv.new_epoch = -1;
    if (sv.last_committed < 0) sv.last_committed = 0;
    if (sv.last_logged < 0) sv.last_logged = 0;
    if (sv.accepted_epoch < 0) sv.accepted_epoch = 0;
    if (sv.current_epoch < 0) sv.current_epoch = 0;
  } else if (kind == tk::crash || kind == tk::shutdown) {
    server_down(sv, d["reason"].str().empty() ? std::string(kind) : d["reason"].str());
  } else if (kind == tk::core) {
    server_core(st, sv, r, d);
  } else if (kind == tk::disk_write) {
    // A follower persists the epochs its leader announced (LEADERINFO, NEWLEADER).
    const std::string file = d["file"].str();
    const bool accepted = ends_with(file, "acceptedEpoch");
    const bool current = ends_with(file, "currentEpoch");
    if ((accepted || current) && d["ok"].as_bool() && sv.leader && *sv.leader != sv.id) {
      const ServerView* l = st.server(*sv.leader);
      const std::int64_t epoch = l ? l->new_epoch : -1;
      if (epoch >= 0) (accepted ? sv.accepted_epoch : sv.current_epoch) = epoch;
    }
  } else if (kind == tk::send && sv.incarnation == 0) {
    // A server the trace never saw start is another member of a real ensemble, seen only through
    // the messages it exchanged with the member that recorded (docs/visualizer.md): it is what
    // its votes say it is.
    if (auto mi = timeline.message_of(r.seq)) {
      const Message& m = timeline.message(*mi);
      if (m.channel == Channel::election && m.type == "vote") {
        const VoteInfo v = vote_from(JsonValue::parse(m.frames).at(0), r.seq);
        const Role role = parse_role(v.state);
        if (role != Role::unknown) {
          sv.up = true;
          sv.role = role;
          // Its phases are not seen: one that has a leader is taken to be in broadcast.
          sv.phase = role == Role::looking ? Phase::election : Phase::broadcast;
          sv.vote = v;
          if (role == Role::looking)
            sv.leader.reset();
          else
            sv.leader = v.leader;
        }
      }
    }
  } else if (kind == tk::deliver) {
    if (auto mi = timeline.message_of(r.seq)) {
      const Message& m = timeline.message(*mi);
      if (m.channel == Channel::quorum && m.zxid >= 0) {
        if (m.type.rfind("PROPOSAL", 0) == 0) sv.last_logged = std::max(sv.last_logged, m.zxid);
      }
    }
  }
}

const EnsembleState& StateCache::at(const Timeline& timeline, std::int64_t seq) {
  const auto n = static_cast<std::int64_t>(timeline.size());
  if (seq >= n) seq = n - 1;
  if (seq < 0) {
    current_ = EnsembleState{};
    return current_;
  }
  // Checkpoint k holds the state after record k*every_-1 (k >= 1); checkpoint 0 is empty.
  if (checkpoints_.empty()) checkpoints_.push_back(EnsembleState{});
  // Reuse the current state when moving forward a little.
  const bool forward = current_.last_seq <= seq &&
                       seq - current_.last_seq <= static_cast<std::int64_t>(every_) && current_.last_seq >= -1;
  if (!forward || current_.last_seq > seq) {
    const std::size_t k = std::min(static_cast<std::size_t>(seq + 1) / every_, checkpoints_.size() - 1);
    current_ = checkpoints_[k];
  }
  for (std::int64_t s = current_.last_seq + 1; s <= seq; ++s) {
    apply(current_, timeline.at(static_cast<std::uint64_t>(s)), timeline);
    const auto done = static_cast<std::size_t>(s + 1);
    if (done % every_ == 0 && done / every_ == checkpoints_.size()) {
      checkpoints_.push_back(current_);
      if (checkpoints_.size() > max_) {
        std::vector<EnsembleState> kept;
        for (std::size_t k = 0; k < checkpoints_.size(); k += 2) kept.push_back(std::move(checkpoints_[k]));
        checkpoints_ = std::move(kept);
        every_ *= 2;
      }
    }
  }
  return current_;
}

void StateCache::reset() {
  checkpoints_.clear();
  current_ = EnsembleState{};
}

}  // namespace zablab::gui
