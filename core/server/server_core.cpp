#include "core/server/server_core.h"

#include "core/data/acl.h"
#include "core/env/json_object.h"
#include "core/jute/codes.h"
#include "core/jute/frame.h"
#include "core/jute/records.h"
#include "core/util/hex.h"
#include "core/util/log_text.h"

namespace zablab::server {
namespace {

template <class R>
std::string framed_reply(std::int32_t xid, std::int64_t zxid, Err err, const R* body) {
  jute::FrameWriter w;
  jute::write(w, jute::ReplyHeader{xid, zxid, static_cast<std::int32_t>(err)});
  if (body && err == Err::ok) jute::write(w, *body);
  return w.take();
}

std::string framed_header(std::int32_t xid, std::int64_t zxid, Err err) {
  return framed_reply<jute::ErrorResponse>(xid, zxid, err, nullptr);
}

// The four-letter names ZooKeeper's `cons` shows as lop.
std::string last_op_code(std::int32_t type) {
  switch (type) {
    case op::create: case op::create2: case op::create_container: case op::create_ttl: return "CREA";
    case op::remove: return "DELE";
    case op::exists: return "EXIS";
    case op::get_data: return "GETD";
    case op::set_data: return "SETD";
    case op::get_acl: return "GETA";
    case op::set_acl: return "SETA";
    case op::get_children: case op::get_children2: return "GETC";
    case op::sync: return "SYNC";
    case op::ping: return "PING";
    case op::multi: return "MULT";
    case op::multi_read: return "MLTR";
    case op::close_session: return "CLOS";
    case op::set_watches: case op::set_watches2: return "SETW";
    case op::check_watches: return "CHKW";
    case op::remove_watches: return "REMW";
    case op::get_all_children_number: return "GETACN";
    case op::get_ephemerals: return "GETE";
    case op::add_watch: return "ADDW";
    case op::who_am_i: return "HOMI";
    case op::auth: return "AUTH";
    default: return "NA";
  }
}

bool is_write_op(std::int32_t type) {
  switch (type) {
    case op::create:
    case op::create2:
    case op::create_container:
    case op::create_ttl:
    case op::remove:
    case op::set_data:
    case op::set_acl:
    case op::multi:
    case op::close_session:
    case op::sync:  // not a write, but like one it waits for what came before it
      return true;
    default:
      return false;
  }
}

}  // namespace

ServerCore::ServerCore(Env& env, const ServerConfig& config)
    : env_(env),
      config_(config),
      sessions_(config.server_id, config.tick_time_ms, env.wall_ms()),
      prep_(tree_, config_, sessions_) {}

void ServerCore::start() {
  started_ms_ = env_.now_ms();
  persistent_ = !config_.data_dir.empty();
  if (persistent_ && !recover_from_disk()) return;
  last_zxid_ = tree_.last_processed_zxid();
  container_timer_ = env_.set_timer(config_.container_check_interval_ms);
  env_.log(LogLevel::info, mode_name() + " server started: tickTime=" + std::to_string(config_.tick_time_ms) +
                               " sessionTimeout=[" + std::to_string(config_.min_session_timeout()) + "," +
                               std::to_string(config_.max_session_timeout()) + "] ms, zxid " +
                               util::hex(last_zxid_));
}

// ---------------------------------------------------------------- connections and framing

void ServerCore::on_client_connected(ConnId id, std::string remote) {
  if (failed_) {
    env_.client_close(id);
    return;
  }
  const std::string address = data::address_of(remote);
  if (config_.max_client_cnxns > 0) {
    int same_ip = 0;
    for (const auto& [cid, c] : conns_) same_ip += c.address == address ? 1 : 0;
    if (same_ip >= config_.max_client_cnxns) {
      env_.log(LogLevel::warn, "Too many connections from " + address + " - max is " +
                                   std::to_string(config_.max_client_cnxns));
      env_.client_close(id);
      return;
    }
  }
  Connection c(id, remote, address, config_.max_buffer);
  c.identities.push_back(jute::Id{"ip", address});
  c.established_ms = env_.wall_ms();
  conns_.emplace(id, std::move(c));
  watches_.set_address(id, address);
}

void ServerCore::on_client_bytes(ConnId id, std::string_view bytes) {
  auto it = conns_.find(id);
  if (it == conns_.end()) return;
  Connection& c = it->second;
  c.frames.feed(bytes);
  if (!c.saw_frame && try_four_letter_word(c)) {
    flush_dirty();
    return;
  }
  pump(id);
  flush_dirty();
}

void ServerCore::on_client_drained(ConnId id) {
  // The client read its replies: run what its full output held back (limits.cpp).
  if (!conns_.count(id)) return;
  dirty_.insert(id);
  pump(id);
  flush_dirty();
}

void ServerCore::on_client_closed(ConnId id) {
  if (!conns_.count(id)) return;
  forget_connection(id);
  // Its unanswered requests no longer count against globalOutstandingLimit: others may read on.
  flush_dirty();
}

void ServerCore::forget_connection(ConnId id) {
  auto it = conns_.find(id);
  if (it == conns_.end()) return;
  // The session lives on until it expires or the client reconnects; its watches die now.
  watches_.remove_connection(id);
  auto owner = session_owner_.find(it->second.session_id);
  if (owner != session_owner_.end() && owner->second == id) session_owner_.erase(owner);
  outstanding_ -= std::min(outstanding_, it->second.queue.size() + it->second.held.size());
  conns_.erase(it);
  dirty_.erase(id);
  paused_.erase(id);
}

void ServerCore::close_connection(ConnId id, const std::string& why) {
  auto it = conns_.find(id);
  if (it == conns_.end()) return;
  env_.log(LogLevel::info, "closing connection " + it->second.remote +
                               (it->second.session_id ? " session " + util::hex(it->second.session_id) : "") +
                               ": " + why);
  forget_connection(id);
  env_.client_close(id);
}

void ServerCore::send(Connection& c, std::string framed) {
  ++c.sent;
  ++stats_.packets_sent;
  env_.client_send(c.id, std::move(framed));
}

void ServerCore::handle_frame(Connection& c, std::string frame) {
  ++c.received;
  ++stats_.packets_received;
  switch (c.state) {
    case ConnState::handshake:
      handle_connect(c, frame);
      return;
    case ConnState::creating_session:
    case ConnState::revalidating:
      c.held.push_back(std::move(frame));  // ZooKeeper stops reading until the session exists
      ++outstanding_;
      return;
    case ConnState::open:
      handle_request(c, std::move(frame));
      return;
  }
}

void ServerCore::handle_connect(Connection& c, std::string_view frame) {
  if (!serving()) {
    close_connection(c.id, "not serving: no quorum leader yet");
    return;
  }
  jute::ConnectRequest req;
  try {
    req = jute::decode<jute::ConnectRequest>(frame);
  } catch (const jute::DecodeError& e) {
    close_connection(c.id, "malformed ConnectRequest: " + util::loggable(e.what()));
    return;
  }
  c.connect_has_read_only = req.has_read_only;
  if (req.last_zxid_seen > tree_.last_processed_zxid()) {
    // The client has seen a newer state than ours: let it find another server.
    close_connection(c.id, "client has seen zxid " + util::hex(req.last_zxid_seen) + " but our last zxid is " +
                               util::hex(tree_.last_processed_zxid()));
    return;
  }
  const std::int32_t timeout =
      std::clamp(req.time_out, config_.min_session_timeout(), config_.max_session_timeout());
  const std::int64_t now = env_.now_ms();

  if (req.session_id == 0) {
    const std::int64_t sid = sessions_.next_session_id();
    sessions_.add(sid, timeout, now);
    c.session_id = sid;
    c.timeout_ms = timeout;
    c.state = ConnState::creating_session;
    session_owner_[sid] = c.id;
    arm_session_timer();
    env_.trace({EventKind::session_create, JsonObject().hex("session", sid).num("timeout_ms", timeout).done()});
    submit_new_session(c, sid, timeout);
    return;
  }

  // Reconnect. As ZooKeeper does, any other connection of the session is closed first, even
  // before the password is checked.
  auto owner = session_owner_.find(req.session_id);
  if (owner != session_owner_.end() && owner->second != c.id) {
    close_connection(owner->second, "session " + util::hex(req.session_id) + " reopened from " + c.remote);
  }
  const bool password_ok = req.passwd && *req.passwd == SessionTracker::password_for(req.session_id);
  if (!password_ok) {
    refuse_reconnect(c, req.session_id, "wrong password for session " + util::hex(req.session_id));
    return;
  }
  c.session_id = req.session_id;
  c.timeout_ms = timeout;
  c.state = ConnState::revalidating;
  session_owner_[req.session_id] = c.id;
  revalidate_session(c, req.session_id, timeout);
}

bool ServerCore::touch_if_alive(std::int64_t sid) {
  const Session* s = sessions_.find(sid);
  const bool alive = s && !s->closing;
  if (alive) sessions_.touch(sid, env_.now_ms());
  return alive;
}

void ServerCore::revalidate_session(Connection& c, std::int64_t sid, std::int32_t) {
  finish_reconnect(c.id, sid, touch_if_alive(sid));
}

void ServerCore::refuse_reconnect(Connection& c, std::int64_t sid, const std::string& why) {
  // Expired (or never existed, or wrong password): timeout 0 tells the client, then close.
  jute::ConnectResponse resp{0, 0, 0, std::string(16, '\0'), false, c.connect_has_read_only};
  send(c, jute::frame(jute::encode(resp)));
  if (auto owner = session_owner_.find(sid); owner != session_owner_.end() && owner->second == c.id) {
    session_owner_.erase(owner);
  }
  c.session_id = 0;
  close_connection(c.id, why);
}

void ServerCore::finish_reconnect(ConnId conn, std::int64_t sid, bool valid) {
  auto it = conns_.find(conn);
  if (it == conns_.end() || it->second.state != ConnState::revalidating || it->second.session_id != sid) return;
  Connection& c = it->second;
  const Session* s = sessions_.find(sid);
  if (!valid || !s || s->closing) {
    refuse_reconnect(c, sid,
                     !s          ? "session " + util::hex(sid) + " is unknown or expired"
                     : s->closing ? "session " + util::hex(sid) + " is closing"
                                  : "session " + util::hex(sid) + " is expired (the leader says)");
    return;
  }
  session_touched(sid);
  c.timeout_ms = s->timeout_ms;
  c.state = ConnState::open;
  jute::ConnectResponse resp{0, s->timeout_ms, sid, SessionTracker::password_for(sid), false,
                             c.connect_has_read_only};
  send(c, jute::frame(jute::encode(resp)));
  env_.log(LogLevel::info, "session " + util::hex(sid) + " reconnected from " + c.remote);
  release_held(conn);
}

void ServerCore::release_held(ConnId cid) {
  // Any frame may close the connection (one too short for a header): look it up each time.
  for (;;) {
    auto it = conns_.find(cid);
    if (it == conns_.end() || it->second.held.empty()) break;
    std::string frame = std::move(it->second.held.front());
    it->second.held.pop_front();
    --outstanding_;
    handle_request(it->second, std::move(frame));
  }
}

void ServerCore::handle_request(Connection& c, std::string frame) {
  jute::RequestHeader header;
  jute::Reader r(frame);
  try {
    jute::read(r, header);
  } catch (const jute::DecodeError& e) {
    close_connection(c.id, "frame too short for a RequestHeader: " + util::loggable(e.what()));
    return;
  }
  sessions_.touch(c.session_id, env_.now_ms());
  session_touched(c.session_id);
  Pending p;
  p.xid = header.xid;
  p.type = header.type;
  p.body = std::string(r.rest());
  p.arrived_ms = env_.now_ms();
  p.is_write = is_write_op(header.type);
  if (header.xid >= 0) c.last_cxid = header.xid;  // pings and auth use special xids
  c.last_op = last_op_code(header.type);
  c.queue.push_back(std::move(p));
  ++outstanding_;
  dirty_.insert(c.id);
}

// ---------------------------------------------------------------- the request pipeline

void ServerCore::flush_dirty() {
  // Draining may commit txns that make other connections dirty; bounded because every pass
  // either sends replies or stops at a write that is still waiting for its commit. Answers that
  // went out may let throttled connections read on, which queues more requests to drain; each
  // such pass takes at least one buffered frame, and a decoder holds finitely many.
  for (int pass = 0; pass < 100000; ++pass) {
    for (int rounds = 0; !dirty_.empty() && rounds < 1000; ++rounds) {
      ConnId id = *dirty_.begin();
      dirty_.erase(dirty_.begin());
      auto it = conns_.find(id);
      if (it != conns_.end()) drain(it->second);
    }
    if (paused_.empty() || !resume_reading()) break;
  }
}

void ServerCore::drain(Connection& c) {
  const ConnId id = c.id;
  bool waiting = false;  // an earlier write has not committed yet
  for (std::size_t i = 0; i < c.queue.size(); ++i) {
    Pending& p = c.queue[i];
    if (p.done) continue;
    if (p.is_write) {
      if (!p.submitted) submit_write(c, p);
      if (!p.done) waiting = true;
      continue;
    }
    // A read waits behind the connection's own pending writes, so it sees them.
    if (waiting) break;
    // Everything before it is done: answer that first, so that the Env knows how much waits to
    // be written. A client that leaves its replies unread gets no more of them made (each may be
    // 1 MB) until it reads: on_client_drained runs the rest.
    if (!answer_done(c)) return;
    if (env_.client_output_full(id)) {
      update_reading(c);  // and take no more frames off it meanwhile
      break;
    }
    execute_read(c, c.queue.front());
    i = 0;  // the read is now the front of the queue
  }
  answer_done(c);
}

bool ServerCore::answer_done(Connection& c) {
  const ConnId id = c.id;
  while (!c.queue.empty() && c.queue.front().done) {
    Pending p = std::move(c.queue.front());
    c.queue.pop_front();
    --outstanding_;
    stats_.latency.add(env_.now_ms() - p.arrived_ms, p.is_write && p.type != op::sync);
    if (!p.reply.empty()) send(c, std::move(p.reply));
    if (p.close_after) {
      close_connection(id, "request " + std::string(op::name(p.type)) +
                               (p.type == op::close_session ? " done"
                                : p.type == op::auth        ? " failed"
                                                            : " not supported"));
      return false;
    }
  }
  return true;
}

void ServerCore::submit_new_session(Connection& /*c*/, std::int64_t sid, std::int32_t timeout_ms) {
  submit_txn(prep_.create_session_txn(sid, timeout_ms, next_zxid(), env_.wall_ms()));
}

void ServerCore::submit_server_txn(data::Txn txn) { submit_txn(std::move(txn)); }

void ServerCore::submit_write(Connection& c, Pending& p) {
  p.submitted = true;
  if (p.type == op::sync) {
    // Every committed txn is already applied here: the read after it sees them all.
    jute::SyncRequest req;
    try {
      req = jute::decode<jute::SyncRequest>(p.body);
    } catch (const jute::DecodeError&) {
      p.done = true;
      p.reply = framed_header(p.xid, tree_.last_processed_zxid(), Err::marshalling_error);
      return;
    }
    jute::SyncResponse resp{req.path};
    p.done = true;
    p.reply = framed_reply(p.xid, tree_.last_processed_zxid(), Err::ok, &resp);
    return;
  }
  const std::int64_t zxid = last_zxid_ + 1;
  WriteRequest req{p.type, p.body, c.session_id, p.xid, &c.identities};
  PrepOutcome outcome = prep_.prep(req, zxid, env_.wall_ms());
  if (outcome.malformed) {
    env_.log(LogLevel::warn, "connection " + c.remote + ": " + util::loggable(*outcome.malformed));
    p.done = true;
    p.reply = framed_header(p.xid, tree_.last_processed_zxid(), Err::marshalling_error);
    return;
  }
  if (outcome.oversized)
    env_.log(LogLevel::warn, "connection " + c.remote + ": " + std::string(op::name(p.type)) + " refused (BADARGUMENTS): its txn of " +
                                 std::to_string(*outcome.oversized) + " bytes exceeds the limit of " +
                                 std::to_string(prep_.max_txn_bytes()) + " (2 x jute.maxbuffer)");
  last_zxid_ = zxid;
  p.zxid = zxid;
  submit_txn(std::move(outcome.txn));
}

void ServerCore::submit_txn(data::Txn txn) {
  if (persistent_) {
    log_txn(std::move(txn));  // committed once its fsync completes
  } else {
    commit(txn);
  }
}

namespace {

// The ACLs of the nodes `txn` may delete, read before it is applied: a persistent watch's
// NodeDeleted event is checked against the ACL the node had. A node a multi creates and deletes
// again has the ACL of its create.
std::map<std::string, data::Acl> acls_of_doomed(const data::DataTree& tree, const data::Txn& txn) {
  std::map<std::string, data::Acl> out;
  auto keep = [&](const std::string& path) {
    if (const data::DataNode* n = tree.find(path)) out.emplace(path, n->acl);
  };
  for (const auto& op : txn.ops) {
    if (const auto* d = std::get_if<jute::DeleteTxn>(&op.body)) keep(d->path);
    if (const auto* c = std::get_if<jute::CreateTxn>(&op.body)) out.emplace(c->path, c->acl);
    if (const auto* c = std::get_if<jute::CreateContainerTxn>(&op.body)) out.emplace(c->path, c->acl);
    if (const auto* c = std::get_if<jute::CreateTTLTxn>(&op.body)) out.emplace(c->path, c->acl);
    if (const auto* cs = std::get_if<jute::CloseSessionTxn>(&op.body)) {
      for (const auto& path : cs->paths2_delete) keep(path);
      for (const auto& path : tree.ephemerals(txn.header.client_id)) keep(path);
    }
  }
  return out;
}

// keep-expired-ephemerals (server_bugs.h): an expired session's closeSession (cxid 0, made by
// the leader) applied as if no session owned anything: its ephemerals stay.
data::Txn keeping_ephemerals(const data::Txn& txn) {
  if (txn.header.type != op::close_session || txn.header.cxid != 0) return txn;
  data::Txn kept = txn;
  kept.header.client_id = 0;
  for (auto& o : kept.ops)
    if (auto* cs = std::get_if<jute::CloseSessionTxn>(&o.body)) cs->paths2_delete.clear();
  return kept;
}

}  // namespace

void ServerCore::commit(const data::Txn& txn) {
  const std::map<std::string, data::Acl> doomed = acls_of_doomed(tree_, txn);
  const data::ApplyResult result = tree_.apply(server_bugs_.keep_expired_ephemerals ? keeping_ephemerals(txn) : txn);
  prep_.committed(txn.zxid());
  for (const auto& mismatch : result.digest_mismatches) {
    ++stats_.digest_mismatches;
    env_.log(LogLevel::warn, data::describe(mismatch));
  }
  env_.trace({EventKind::txn_commit, data::txn_to_json(txn)});
  after_apply(txn);

  // Watch events first: they must reach each client before any reply that observes the change.
  for (const auto& trigger : result.triggers) {
    for (const auto& notice : watches_.trigger(trigger)) {
      auto it = conns_.find(notice.conn);
      if (it == conns_.end()) continue;
      // Tell only a client that may READ the node now (ZooKeeper 3.8.4 checks every watcher as
      // the event fires, CVE-2024-23944): a persistent watch was set without reading the node
      // that changed (a descendant, or one created since), and a one-shot one may have been set
      // on a node that did not exist (exists) or whose ACL has changed since. NodeDeleted is
      // checked against the ACL the node had; NodeChildrenChanged against the parent's. A
      // one-shot watch is used up either way, as in ZooKeeper.
      if (!config_.skip_acl) {
        const data::Acl* acl = nullptr;
        if (const data::DataNode* n = tree_.find(notice.path)) {
          acl = &n->acl;
        } else if (auto d = doomed.find(notice.path); d != doomed.end()) {
          acl = &d->second;
        }
        if (!acl || !data::acl_allows(*acl, perm::read, it->second.identities)) continue;
      }
      jute::WatcherEvent event{notice.type, keeper_state::sync_connected, notice.path};
      send(it->second, framed_reply(xid::notification, -1, Err::ok, &event));
    }
  }

  // The txn's origin is found from its header: the session's connection on this server (if it is
  // connected here) and the pending request with the txn's cxid. Every server of an ensemble
  // applies the same txn; only the one holding the client's connection answers it.
  const std::int32_t type = txn.header.type;
  const std::int64_t sid = txn.header.client_id;
  auto owner = session_owner_.find(sid);
  Connection* origin = nullptr;
  if (owner != session_owner_.end()) {
    auto it = conns_.find(owner->second);
    if (it != conns_.end()) origin = &it->second;
  }

  if (type == op::create_session) {
    const auto& body = std::get<jute::CreateSessionTxn>(txn.ops.front().body);
    if (!sessions_.find(sid)) {
      sessions_.add(sid, body.time_out, env_.now_ms());
      arm_session_timer();
    }
    if (origin && origin->state == ConnState::creating_session) {
      Connection& c = *origin;
      c.state = ConnState::open;
      jute::ConnectResponse resp{0, c.timeout_ms, c.session_id, SessionTracker::password_for(c.session_id), false,
                                 c.connect_has_read_only};
      send(c, jute::frame(jute::encode(resp)));
      env_.log(LogLevel::info, "established session " + util::hex(c.session_id) + " with negotiated timeout " +
                                   std::to_string(c.timeout_ms) + " for client " + c.remote);
      release_held(c.id);
    }
    return;
  }

  Pending* pending = nullptr;
  if (origin) {
    for (auto& p : origin->queue) {
      if (p.is_write && p.submitted && !p.done && p.xid == txn.header.cxid) {
        pending = &p;
        break;
      }
    }
  }
  if (pending) {
    pending->done = true;
    pending->reply = reply_for_write(*pending, txn, result);
    pending->close_after = type == op::close_session;
    origin->last_zxid = txn.zxid();
    dirty_.insert(origin->id);
  }
  if (type == op::close_session) {
    sessions_.remove(sid);
    // What the session still owns once its close is applied (nothing, unless a bug kept it): the
    // oracle's client.ephemeral-lifetime reads it.
    env_.trace({EventKind::session_close,
                JsonObject()
                    .hex("session", sid)
                    .num("ephemerals_left", static_cast<std::int64_t>(tree_.ephemerals(sid).size()))
                    .done()});
    // An expired session's connection is closed now; a client's own closeSession is answered first.
    if (origin && !pending) close_connection(origin->id, "session " + util::hex(sid) + " expired");
  }
}

std::string ServerCore::reply_for_write(const Pending& p, const data::Txn& txn,
                                              const data::ApplyResult& result) const {
  const std::int64_t zxid = txn.zxid();
  if (txn.header.type == op::multi) {
    // The ReplyHeader err stays 0 even for a failed multi: clients read the per-op results.
    jute::FrameWriter w;
    jute::write(w, jute::ReplyHeader{p.xid, zxid, 0});
    for (std::size_t i = 0; i < txn.ops.size(); ++i) {
      const auto& o = txn.ops[i];
      const auto& r = result.ops[i];
      if (o.type == op::error) {
        const auto code = std::get<jute::ErrorTxn>(o.body).err;
        jute::write(w, jute::MultiHeader{op::error, false, code});
        jute::write(w, jute::ErrorResponse{code});
        continue;
      }
      switch (o.type) {
        case op::create:
          jute::write(w, jute::MultiHeader{op::create, false, 0});
          jute::write(w, jute::CreateResponse{r.path});
          break;
        case op::create2:
        case op::create_container:
        case op::create_ttl:
          jute::write(w, jute::MultiHeader{op::create2, false, 0});
          jute::write(w, jute::Create2Response{r.path, r.stat});
          break;
        case op::set_data:
          jute::write(w, jute::MultiHeader{op::set_data, false, 0});
          jute::write(w, jute::SetDataResponse{r.stat});
          break;
        default:  // delete, check: no body
          jute::write(w, jute::MultiHeader{o.type, false, 0});
      }
    }
    jute::write(w, jute::MultiHeader{-1, true, -1});
    return w.take();
  }
  const data::OpResult& r = result.ops.front();
  if (r.err != Err::ok) return framed_header(p.xid, zxid, r.err);
  switch (p.type) {
    case op::create: {
      jute::CreateResponse body{r.path};
      return framed_reply(p.xid, zxid, Err::ok, &body);
    }
    case op::create2:
    case op::create_container:
    case op::create_ttl: {
      jute::Create2Response body{r.path, r.stat};
      return framed_reply(p.xid, zxid, Err::ok, &body);
    }
    case op::set_data: {
      jute::SetDataResponse body{r.stat};
      return framed_reply(p.xid, zxid, Err::ok, &body);
    }
    case op::set_acl: {
      jute::SetACLResponse body{r.stat};
      return framed_reply(p.xid, zxid, Err::ok, &body);
    }
    default:  // delete, closeSession
      return framed_header(p.xid, zxid, Err::ok);
  }
}

void ServerCore::execute_read(Connection& c, Pending& p) {
  p.done = true;
  const std::int64_t zxid = tree_.last_processed_zxid();
  const Session* s = sessions_.find(c.session_id);
  if (p.type != op::ping && (!s || s->closing)) {
    p.reply = framed_header(p.xid, zxid, s ? Err::session_expired : Err::unknown_session);
    return;
  }
  jute::Reader body(p.body, config_.max_buffer * 2);
  jute::Writer out;
  Err err = Err::ok;
  bool unknown = false;
  try {
    if (p.type == op::multi_read) {
      bool malformed = false;
      std::string multi = multi_read(c, body, malformed);
      if (malformed) {
        p.reply = framed_header(p.xid, zxid, Err::marshalling_error);
      } else {
        jute::Writer w;
        w.i32(static_cast<std::int32_t>(16 + multi.size()));
        jute::write(w, jute::ReplyHeader{p.xid, zxid, 0});
        w.raw(multi);
        p.reply = w.take();
      }
      return;
    }
    err = read_op(c, p.type, body, out);
  } catch (const jute::DecodeError& e) {
    env_.log(LogLevel::warn, "connection " + c.remote + ": malformed " + std::string(op::name(p.type)) +
                                 " request: " + util::loggable(e.what()));
    err = Err::marshalling_error;
  }
  if (err == Err::unimplemented) unknown = true;
  // Special xids (ping, auth, setWatches) are echoed like any other.
  jute::FrameWriter w;
  // ZooKeeper answers auth with zxid 0 and an unknown opcode with zxid -1.
  const std::int64_t reply_zxid = p.type == op::auth ? 0 : unknown ? -1 : zxid;
  jute::write(w, jute::ReplyHeader{p.xid, reply_zxid, static_cast<std::int32_t>(err)});
  if (err == Err::ok) w.raw(out.data());
  p.reply = w.take();
  // An unknown opcode, or a failed auth, ends the connection after its answer, as in ZooKeeper.
  if (unknown || err == Err::auth_failed) p.close_after = true;
}

// ---------------------------------------------------------------- sessions and housekeeping

void ServerCore::arm_session_timer() {
  // Only the server that expires sessions watches their deadlines (a follower's would be due
  // forever, since it never expires them).
  if (!owns_housekeeping()) return;
  auto next = sessions_.next_deadline();
  if (!next) return;
  if (session_timer_ && session_timer_at_ <= *next) return;
  if (session_timer_) env_.cancel_timer(*session_timer_);
  session_timer_at_ = *next;
  session_timer_ = env_.set_timer(std::max<std::int64_t>(0, *next - env_.now_ms()));
}

void ServerCore::on_timer(TimerId id) {
  if (session_timer_ && id == *session_timer_) {
    session_timer_.reset();
    expire_sessions();
    arm_session_timer();
  } else if (container_timer_ && id == *container_timer_) {
    reap_containers();
    container_timer_ = env_.set_timer(config_.container_check_interval_ms);
  }
  flush_dirty();
}

void ServerCore::expire_sessions() {
  if (!owns_housekeeping()) return;
  for (std::int64_t sid : sessions_.take_expired(env_.now_ms())) {
    const Session* s = sessions_.find(sid);
    env_.log(LogLevel::info, "Expiring session " + util::hex(sid) + ", timeout of " +
                                 std::to_string(s ? s->timeout_ms : 0) + "ms exceeded");
    env_.trace({EventKind::session_expire, JsonObject().hex("session", sid).done()});
    submit_server_txn(prep_.close_session_txn(sid, next_zxid(), env_.wall_ms()));
  }
}

void ServerCore::reap_containers() {
  if (!owns_housekeeping()) return;
  // ZooKeeper's ContainerManager: empty containers that once had children, and TTL nodes without
  // children whose TTL has passed since their last change, are deleted.
  std::vector<std::string> doomed;
  for (const auto& path : tree_.containers()) {
    const data::DataNode* n = tree_.find(path);
    if (n && n->children.empty() && n->stat.cversion > 0) doomed.push_back(path);
  }
  const std::int64_t now = env_.wall_ms();
  for (const auto& path : tree_.ttl_nodes()) {
    const data::DataNode* n = tree_.find(path);
    if (n && n->children.empty() && now - n->stat.mtime > data::DataTree::ttl_of(*n)) doomed.push_back(path);
  }
  for (const auto& path : doomed) submit_server_txn(prep_.delete_container_txn(path, next_zxid(), now));
}


}  // namespace zablab::server
