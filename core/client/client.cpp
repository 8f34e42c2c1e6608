#include "core/client/client.h"

#include <stdexcept>
#include <utility>

#include "core/data/path.h"
#include "core/env/json_object.h"
#include "core/jute/frame.h"
#include "core/util/hex.h"

namespace zablab::client {

// ------------------------------------------------------------------------------------ names

std::string_view state_name(State state) {
  switch (state) {
    case State::idle: return "IDLE";
    case State::connecting: return "CONNECTING";
    case State::connected: return "CONNECTED";
    case State::suspended: return "SUSPENDED";
    case State::lost: return "LOST";
    case State::closed: return "CLOSED";
  }
  return "UNKNOWN";
}

std::string_view event_type_name(std::int32_t type) {
  switch (type) {
    case event_type::none: return "None";
    case event_type::node_created: return "NodeCreated";
    case event_type::node_deleted: return "NodeDeleted";
    case event_type::node_data_changed: return "NodeDataChanged";
    case event_type::node_children_changed: return "NodeChildrenChanged";
    case event_type::data_watch_removed: return "DataWatchRemoved";
    case event_type::child_watch_removed: return "ChildWatchRemoved";
    case event_type::persistent_watch_removed: return "PersistentWatchRemoved";
    default: return "Unknown";
  }
}

std::string_view keeper_state_name(std::int32_t state) {
  switch (state) {
    case keeper_state::disconnected: return "Disconnected";
    case keeper_state::sync_connected: return "SyncConnected";
    case keeper_state::auth_failed: return "AuthFailed";
    case keeper_state::connected_read_only: return "ConnectedReadOnly";
    case 6: return "SaslAuthenticated";
    case keeper_state::expired: return "Expired";
    case keeper_state::closed: return "Closed";
    default: return "Unknown";
  }
}

namespace {

bool is_sequential(std::int32_t flags) {
  return flags == create_mode::persistent_sequential || flags == create_mode::ephemeral_sequential ||
         flags == create_mode::persistent_sequential_with_ttl;
}

bool is_ttl(std::int32_t flags) {
  return flags == create_mode::persistent_with_ttl || flags == create_mode::persistent_sequential_with_ttl;
}

}  // namespace

// ------------------------------------------------------------------------------------ setup

Client::Client(ClientEnv& env, ClientOptions options) : env_(env), options_(std::move(options)) {
  if (options_.hosts.empty()) throw std::invalid_argument("ClientOptions.hosts is empty");
  hosts_ = options_.hosts;
  session_id_ = options_.session_id;
  session_passwd_ = options_.session_password;
  for (const auto& a : options_.auth) auths_.push_back(AuthEntry{next_auth_id_++, a, nullptr});
}

Client::~Client() {
  // No callbacks from here on; just release what the env holds for us.
  if (conn_ != 0) env_.close(conn_);
  if (timer_ != 0) env_.cancel_timer(timer_);
}

void Client::start() {
  if (state_ != State::idle) return;
  if (options_.shuffle_hosts && hosts_.size() > 1) {
    for (std::size_t i = hosts_.size() - 1; i > 0; --i) {
      const std::size_t j = static_cast<std::size_t>(env_.random_u64() % (i + 1));
      std::swap(hosts_[i], hosts_[j]);
    }
  }
  set_state(State::connecting);
  begin_connect();
  drain();
}

std::string Client::connected_host() const { return phase_ == Phase::open ? hosts_[host_index_] : std::string(); }

std::uint64_t Client::add_state_listener(StateListener listener) {
  const std::uint64_t id = next_listener_id_++;
  listeners_.emplace(id, std::move(listener));
  return id;
}

void Client::remove_state_listener(std::uint64_t id) { listeners_.erase(id); }

void Client::set_default_watcher(Watcher watcher) { default_watcher_ = std::move(watcher); }

// ------------------------------------------------------------------------------------ requests

std::int32_t Client::next_xid() {
  xid_ = xid_ >= 0x7FFFFFFF ? 1 : xid_ + 1;
  return xid_;
}

std::string Client::request_frame(std::int32_t xid, std::int32_t type, const std::string& body) const {
  jute::FrameWriter w;
  jute::write(w, jute::RequestHeader{xid, type});
  w.raw(body);
  return w.take();
}

template <class R>
Client::Request Client::make_request(std::int32_t type, const R& body) {
  Request req;
  req.xid = next_xid();
  req.type = type;
  req.frame = request_frame(req.xid, type, jute::encode(body));
  return req;
}

Client::Request Client::make_header_only_request(std::int32_t type) {
  Request req;
  req.xid = next_xid();
  req.type = type;
  req.frame = request_frame(req.xid, type, std::string());
  return req;
}

void Client::fail(Request& req, Err err) {
  if (!req.finish) return;
  Finish f = std::move(req.finish);
  req.finish = nullptr;
  f(err, nullptr);
}

void Client::submit(Request req) {
  if (closing_ || state_ == State::closed) {
    fail(req, Err::connection_loss);
    return;
  }
  if (state_ == State::lost) {
    fail(req, Err::session_expired);
    return;
  }
  if (options_.request_timeout_ms > 0) {
    req.deadline = env_.now_ms() + options_.request_timeout_ms;
    wake_at(req.deadline);
  }
  if (phase_ == Phase::open) {
    send_request(std::move(req));
  } else {
    outgoing_.push_back(std::move(req));
  }
}

void Client::send_request(Request req) {
  env_.send(conn_, req.frame);
  last_send_ms_ = env_.now_ms();
  ++stats_.requests_sent;
  if (req.xid == xid::auth) {
    pending_auth_.push_back(std::move(req));
  } else {
    pending_.push_back(std::move(req));
  }
}

bool Client::reject_path(const std::string& path, bool sequential, const std::function<void(Err)>& fail_cb) {
  const std::string why = data::path_error(sequential ? path + "1" : path);
  if (why.empty()) return false;
  env_.log(LogLevel::debug, "invalid path '" + path + "': " + why);
  fail_cb(Err::bad_arguments);
  return true;
}

template <class Wire, class T, class Convert>
Client::Finish Client::decoder(Callback<T> cb, Convert convert) {
  return [this, cb = std::move(cb), convert](Err err, jute::Reader* body) {
    Result<T> res;
    res.err = err;
    if (err == Err::ok && body) {
      Wire wire;
      jute::read(*body, wire);  // may throw: then nothing is queued
      res.value = convert(std::move(wire));
    }
    defer([cb, res = std::move(res)] {
      if (cb) cb(res);
    });
  };
}

void Client::create(std::string path, jute::Bytes data, data::Acl acl, std::int32_t flags,
                    Callback<CreateResult> cb, std::int64_t ttl) {
  create_impl(std::move(path), std::move(data), std::move(acl), flags, ttl, false, std::move(cb));
}

void Client::create2(std::string path, jute::Bytes data, data::Acl acl, std::int32_t flags,
                     Callback<CreateResult> cb, std::int64_t ttl) {
  create_impl(std::move(path), std::move(data), std::move(acl), flags, ttl, true, std::move(cb));
}

void Client::create_impl(std::string path, jute::Bytes data, data::Acl acl, std::int32_t flags, std::int64_t ttl,
                         bool want_stat, Callback<CreateResult> cb) {
  auto fail_now = [&](Err e) { defer([cb, e] { if (cb) cb(Result<CreateResult>{e, {}}); }); };
  if (reject_path(path, is_sequential(flags), fail_now)) return drain();
  if (acl.empty()) {
    fail_now(Err::invalid_acl);
    return drain();
  }
  Request req;
  if (flags == create_mode::container) {
    req = make_request(op::create_container, jute::CreateRequest{path, std::move(data), std::move(acl), flags});
  } else if (is_ttl(flags)) {
    req = make_request(op::create_ttl, jute::CreateTTLRequest{path, std::move(data), std::move(acl), flags, ttl});
  } else {
    req = make_request(want_stat ? op::create2 : op::create,
                       jute::CreateRequest{path, std::move(data), std::move(acl), flags});
  }
  if (req.type == op::create) {
    req.finish = decoder<jute::CreateResponse, CreateResult>(
        std::move(cb), [](jute::CreateResponse r) { return CreateResult{std::move(r.path), std::nullopt}; });
  } else {
    req.finish = decoder<jute::Create2Response, CreateResult>(
        std::move(cb), [](jute::Create2Response r) { return CreateResult{std::move(r.path), r.stat}; });
  }
  submit(std::move(req));
  drain();
}

void Client::remove(std::string path, std::int32_t version, DoneCallback cb) {
  auto fail_now = [&](Err e) { defer([cb, e] { if (cb) cb(e); }); };
  if (reject_path(path, false, fail_now)) return drain();
  Request req = make_request(op::remove, jute::DeleteRequest{path, version});
  req.finish = [this, cb = std::move(cb)](Err err, jute::Reader*) {
    defer([cb, err] {
      if (cb) cb(err);
    });
  };
  submit(std::move(req));
  drain();
}

void Client::exists(std::string path, Watcher watcher, Callback<jute::Stat> cb) {
  auto fail_now = [&](Err e) { defer([cb, e] { if (cb) cb(Result<jute::Stat>{e, {}}); }); };
  if (reject_path(path, false, fail_now)) return drain();
  Request req = make_request(op::exists, jute::ExistsRequest{path, watcher != nullptr});
  if (watcher) {
    req.watch_kind = WatchKind::data;  // exist instead when the reply is NoNode
    req.watch_path = path;
    req.watcher = std::move(watcher);
  }
  req.finish = decoder<jute::Stat, jute::Stat>(std::move(cb), [](jute::Stat s) { return s; });
  submit(std::move(req));
  drain();
}

void Client::get_data(std::string path, Watcher watcher, Callback<jute::GetDataResponse> cb) {
  auto fail_now = [&](Err e) { defer([cb, e] { if (cb) cb(Result<jute::GetDataResponse>{e, {}}); }); };
  if (reject_path(path, false, fail_now)) return drain();
  Request req = make_request(op::get_data, jute::GetDataRequest{path, watcher != nullptr});
  if (watcher) {
    req.watch_kind = WatchKind::data;
    req.watch_path = path;
    req.watcher = std::move(watcher);
  }
  req.finish = decoder<jute::GetDataResponse, jute::GetDataResponse>(
      std::move(cb), [](jute::GetDataResponse r) { return r; });
  submit(std::move(req));
  drain();
}

void Client::set_data(std::string path, jute::Bytes data, std::int32_t version, Callback<jute::Stat> cb) {
  auto fail_now = [&](Err e) { defer([cb, e] { if (cb) cb(Result<jute::Stat>{e, {}}); }); };
  if (reject_path(path, false, fail_now)) return drain();
  Request req = make_request(op::set_data, jute::SetDataRequest{path, std::move(data), version});
  req.finish = decoder<jute::SetDataResponse, jute::Stat>(
      std::move(cb), [](jute::SetDataResponse r) { return r.stat; });
  submit(std::move(req));
  drain();
}

void Client::get_children(std::string path, Watcher watcher, bool with_stat, Callback<ChildrenResult> cb) {
  auto fail_now = [&](Err e) { defer([cb, e] { if (cb) cb(Result<ChildrenResult>{e, {}}); }); };
  if (reject_path(path, false, fail_now)) return drain();
  Request req = with_stat ? make_request(op::get_children2, jute::GetChildren2Request{path, watcher != nullptr})
                          : make_request(op::get_children, jute::GetChildrenRequest{path, watcher != nullptr});
  if (watcher) {
    req.watch_kind = WatchKind::child;
    req.watch_path = path;
    req.watcher = std::move(watcher);
  }
  if (with_stat) {
    req.finish = decoder<jute::GetChildren2Response, ChildrenResult>(
        std::move(cb), [](jute::GetChildren2Response r) { return ChildrenResult{std::move(r.children), r.stat}; });
  } else {
    req.finish = decoder<jute::GetChildrenResponse, ChildrenResult>(
        std::move(cb),
        [](jute::GetChildrenResponse r) { return ChildrenResult{std::move(r.children), std::nullopt}; });
  }
  submit(std::move(req));
  drain();
}

void Client::get_acl(std::string path, Callback<jute::GetACLResponse> cb) {
  auto fail_now = [&](Err e) { defer([cb, e] { if (cb) cb(Result<jute::GetACLResponse>{e, {}}); }); };
  if (reject_path(path, false, fail_now)) return drain();
  Request req = make_request(op::get_acl, jute::GetACLRequest{path});
  req.finish = decoder<jute::GetACLResponse, jute::GetACLResponse>(
      std::move(cb), [](jute::GetACLResponse r) { return r; });
  submit(std::move(req));
  drain();
}

void Client::set_acl(std::string path, data::Acl acl, std::int32_t version, Callback<jute::Stat> cb) {
  auto fail_now = [&](Err e) { defer([cb, e] { if (cb) cb(Result<jute::Stat>{e, {}}); }); };
  if (reject_path(path, false, fail_now)) return drain();
  if (acl.empty()) {
    fail_now(Err::invalid_acl);
    return drain();
  }
  Request req = make_request(op::set_acl, jute::SetACLRequest{path, std::move(acl), version});
  req.finish = decoder<jute::SetACLResponse, jute::Stat>(
      std::move(cb), [](jute::SetACLResponse r) { return r.stat; });
  submit(std::move(req));
  drain();
}

void Client::sync(std::string path, Callback<std::string> cb) {
  auto fail_now = [&](Err e) { defer([cb, e] { if (cb) cb(Result<std::string>{e, {}}); }); };
  if (reject_path(path, false, fail_now)) return drain();
  Request req = make_request(op::sync, jute::SyncRequest{path});
  req.finish = decoder<jute::SyncResponse, std::string>(
      std::move(cb), [](jute::SyncResponse r) { return std::move(r.path); });
  submit(std::move(req));
  drain();
}

void Client::multi(std::vector<Op> ops, Callback<std::vector<OpResult>> cb) {
  using Results = std::vector<OpResult>;
  auto fail_now = [&](Err e) { defer([cb, e] { if (cb) cb(Result<Results>{e, {}}); }); };
  jute::Writer w;
  for (const Op& o : ops) {
    bool bad = false;
    std::visit(
        [&](const auto& x) {
          using T = std::decay_t<decltype(x)>;
          if constexpr (std::is_same_v<T, CreateOp>) {
            if (reject_path(x.path, is_sequential(x.flags), fail_now)) {
              bad = true;
              return;
            }
            if (x.flags == create_mode::container) {
              jute::write(w, jute::MultiHeader{op::create_container, false, -1});
              jute::write(w, jute::CreateRequest{x.path, x.data, x.acl, x.flags});
            } else if (is_ttl(x.flags)) {
              jute::write(w, jute::MultiHeader{op::create_ttl, false, -1});
              jute::write(w, jute::CreateTTLRequest{x.path, x.data, x.acl, x.flags, x.ttl});
            } else {
              jute::write(w, jute::MultiHeader{op::create, false, -1});
              jute::write(w, jute::CreateRequest{x.path, x.data, x.acl, x.flags});
            }
          } else if constexpr (std::is_same_v<T, DeleteOp>) {
            if (reject_path(x.path, false, fail_now)) {
              bad = true;
              return;
            }
            jute::write(w, jute::MultiHeader{op::remove, false, -1});
            jute::write(w, jute::DeleteRequest{x.path, x.version});
          } else if constexpr (std::is_same_v<T, SetDataOp>) {
            if (reject_path(x.path, false, fail_now)) {
              bad = true;
              return;
            }
            jute::write(w, jute::MultiHeader{op::set_data, false, -1});
            jute::write(w, jute::SetDataRequest{x.path, x.data, x.version});
          } else {
            if (reject_path(x.path, false, fail_now)) {
              bad = true;
              return;
            }
            jute::write(w, jute::MultiHeader{op::check, false, -1});
            jute::write(w, jute::CheckVersionRequest{x.path, x.version});
          }
        },
        o);
    if (bad) return drain();
  }
  jute::write(w, jute::MultiHeader{-1, true, -1});

  Request req;
  req.xid = next_xid();
  req.type = op::multi;
  req.frame = request_frame(req.xid, op::multi, w.data());
  const std::size_t op_count = ops.size();
  req.finish = [this, cb = std::move(cb), op_count](Err err, jute::Reader* body) {
    Result<Results> res;
    res.err = err;
    if (err == Err::ok && body) {
      for (std::size_t guard = 0;; ++guard) {
        if (guard > op_count) throw jute::DecodeError(body->pos(), "multi reply: more results than ops");
        jute::MultiHeader h;
        jute::read(*body, h);
        if (h.done) break;
        OpResult o;
        o.type = h.type;
        switch (h.type) {
          case op::create: {
            jute::CreateResponse r;
            jute::read(*body, r);
            o.path = std::move(r.path);
            break;
          }
          case op::create2:
          case op::create_container:
          case op::create_ttl: {
            jute::Create2Response r;
            jute::read(*body, r);
            o.path = std::move(r.path);
            o.stat = r.stat;
            break;
          }
          case op::set_data: {
            jute::SetDataResponse r;
            jute::read(*body, r);
            o.stat = r.stat;
            break;
          }
          case op::remove:
          case op::check:
            break;
          case op::error: {
            jute::ErrorResponse r;
            jute::read(*body, r);
            o.err = static_cast<Err>(r.err);
            break;
          }
          default:
            throw jute::DecodeError(body->pos(), "multi reply: unknown result type " + std::to_string(h.type));
        }
        res.value.push_back(std::move(o));
      }
      // The op that failed (the others read Ok or RuntimeInconsistency).
      for (const auto& o : res.value)
        if (o.err != Err::ok && o.err != Err::runtime_inconsistency) {
          res.err = o.err;
          break;
        }
      if (res.err == Err::ok)
        for (const auto& o : res.value)
          if (o.err != Err::ok) {
            res.err = o.err;
            break;
          }
    }
    defer([cb, res = std::move(res)] {
      if (cb) cb(res);
    });
  };
  submit(std::move(req));
  drain();
}

void Client::add_auth(std::string scheme, std::string credential, DoneCallback cb) {
  if (closing_ || state_ == State::closed) {
    defer([cb] {
      if (cb) cb(Err::connection_loss);
    });
    return drain();
  }
  auths_.push_back(AuthEntry{next_auth_id_++, AuthInfo{std::move(scheme), std::move(credential)}, std::move(cb)});
  // Not connected: the replay on the next connection sends it (and answers cb).
  if (phase_ == Phase::open) send_auth(auths_.back());
  drain();
}

void Client::send_auth(const AuthEntry& entry) {
  Request req;
  req.xid = xid::auth;
  req.type = op::auth;
  req.internal = true;
  req.frame = request_frame(xid::auth, op::auth,
                            jute::encode(jute::AuthPacket{0, entry.info.scheme, entry.info.credential}));
  req.finish = [this, id = entry.id](Err err, jute::Reader*) {
    if (err == Err::connection_loss) return;  // replayed on the next connection
    auto it = std::find_if(auths_.begin(), auths_.end(), [id](const AuthEntry& e) { return e.id == id; });
    if (it == auths_.end()) return;
    if (it->cb) {
      defer([cb = std::move(it->cb), err] { cb(err); });
      it->cb = nullptr;
    }
    if (err != Err::ok) {
      env_.log(LogLevel::warn, "authentication with scheme '" + it->info.scheme + "' failed: " +
                                   std::string(err_name(err)));
      auths_.erase(it);
      if (err == Err::auth_failed) {
        notify_default(keeper_state::auth_failed);
        // The server closes the connection after refusing a credential; leave first, so requests
        // issued from now on wait for the next connection instead of dying with this one.
        drop_connection("the server refused a credential", true);
      }
    }
  };
  send_request(std::move(req));
}

void Client::add_watch(std::string path, std::int32_t mode, Watcher watcher, DoneCallback cb) {
  auto fail_now = [&](Err e) { defer([cb, e] { if (cb) cb(e); }); };
  if (reject_path(path, false, fail_now)) return drain();
  if (mode != add_watch_mode::persistent && mode != add_watch_mode::persistent_recursive) {
    fail_now(Err::bad_arguments);
    return drain();
  }
  Request req = make_request(op::add_watch, jute::AddWatchRequest{path, mode});
  if (watcher) {
    req.watch_kind = mode == add_watch_mode::persistent ? WatchKind::persistent : WatchKind::persistent_recursive;
    req.watch_path = path;
    req.watcher = std::move(watcher);
  }
  // The reply body (int 0) is not needed; a server that leaves it out is fine too.
  req.finish = [this, cb = std::move(cb)](Err err, jute::Reader*) {
    defer([cb, err] {
      if (cb) cb(err);
    });
  };
  submit(std::move(req));
  drain();
}

void Client::remove_watches(std::string path, std::int32_t watcher_type, DoneCallback cb) {
  auto fail_now = [&](Err e) { defer([cb, e] { if (cb) cb(e); }); };
  if (reject_path(path, false, fail_now)) return drain();
  if (watcher_type != watcher_type::children && watcher_type != watcher_type::data &&
      watcher_type != watcher_type::any) {
    fail_now(Err::bad_arguments);
    return drain();
  }
  if (!watches_.has(path, watcher_type)) {
    fail_now(Err::no_watcher);
    return drain();
  }
  Request req = make_request(op::remove_watches, jute::RemoveWatchesRequest{path, watcher_type});
  req.finish = [this, cb = std::move(cb), path, watcher_type](Err err, jute::Reader*) {
    if (err == Err::ok || err == Err::no_watcher) {
      // Local entries go either way: the server holds nothing for them any more.
      for (const auto& r : watches_.remove(path, watcher_type)) {
        WatchedEvent ev{r.event_type, keeper_state::sync_connected, path};
        defer([w = r.watcher, ev] { (*w)(ev); });
      }
    }
    defer([cb, err] {
      if (cb) cb(err);
    });
  };
  submit(std::move(req));
  drain();
}

void Client::who_am_i(Callback<std::vector<jute::ClientInfo>> cb) {
  Request req = make_header_only_request(op::who_am_i);
  req.finish = decoder<jute::WhoAmIResponse, std::vector<jute::ClientInfo>>(
      std::move(cb), [](jute::WhoAmIResponse r) { return std::move(r.client_info); });
  submit(std::move(req));
  drain();
}

void Client::get_ephemerals(std::string prefix_path, Callback<std::vector<std::string>> cb) {
  auto fail_now = [&](Err e) { defer([cb, e] { if (cb) cb(Result<std::vector<std::string>>{e, {}}); }); };
  if (reject_path(prefix_path, false, fail_now)) return drain();
  Request req = make_request(op::get_ephemerals, jute::GetEphemeralsRequest{prefix_path});
  req.finish = decoder<jute::GetEphemeralsResponse, std::vector<std::string>>(
      std::move(cb), [](jute::GetEphemeralsResponse r) { return std::move(r.ephemerals); });
  submit(std::move(req));
  drain();
}

void Client::get_all_children_number(std::string path, Callback<std::int32_t> cb) {
  auto fail_now = [&](Err e) { defer([cb, e] { if (cb) cb(Result<std::int32_t>{e, 0}); }); };
  if (reject_path(path, false, fail_now)) return drain();
  Request req = make_request(op::get_all_children_number, jute::GetAllChildrenNumberRequest{path});
  req.finish = decoder<jute::GetAllChildrenNumberResponse, std::int32_t>(
      std::move(cb), [](jute::GetAllChildrenNumberResponse r) { return r.total_number; });
  submit(std::move(req));
  drain();
}

void Client::close(DoneCallback cb) {
  if (state_ == State::closed) {
    if (cb) defer([cb] { cb(Err::ok); });
    return drain();
  }
  if (cb) close_callbacks_.push_back(std::move(cb));
  if (closing_) return drain();
  closing_ = true;
  if (phase_ == Phase::open) {
    // closeSession: the server commits it, answers, then closes the connection.
    Request req = make_header_only_request(op::close_session);
    req.internal = true;
    req.finish = [this](Err err, jute::Reader*) {
      if (err != Err::ok) env_.log(LogLevel::info, "closeSession answered " + std::string(err_name(err)));
      if (err != Err::connection_loss) finish_close();  // connection_loss: drop_connection closes
    };
    send_request(std::move(req));
    reschedule();
  } else {
    finish_close();
  }
  drain();
}

// ------------------------------------------------------------------------------------ connections

std::int64_t Client::connect_timeout() const {
  if (options_.connect_timeout_ms > 0) return options_.connect_timeout_ms;
  const std::int64_t session = negotiated_timeout_ms_ > 0 ? negotiated_timeout_ms_ : options_.session_timeout_ms;
  return std::max<std::int64_t>(1, session / static_cast<std::int64_t>(hosts_.size()));
}

void Client::begin_connect() {
  phase_ = Phase::tcp;
  ++stats_.connect_attempts;
  decoder_.reset();
  const std::string& host = hosts_[host_index_];
  attempt_deadline_ = env_.now_ms() + connect_timeout();
  env_.log(LogLevel::debug, "connecting to " + host + (session_id_ ? " to resume session " + util::hex(session_id_) : ""));
  env_.trace({EventKind::client_connect, JsonObject().str("host", host).hex("session", session_id_).done()});
  conn_ = env_.connect(host);
  wake_at(attempt_deadline_);
}

void Client::on_connected(ConnId conn) {
  if (conn != conn_ || conn == 0 || phase_ != Phase::tcp) return;  // a connection we gave up on
  phase_ = Phase::handshake;
  decoder_.emplace(options_.max_frame_bytes);
  jute::ConnectRequest req;
  req.protocol_version = 0;
  req.last_zxid_seen = last_zxid_;
  req.time_out = options_.session_timeout_ms;
  req.session_id = session_id_;
  req.passwd = session_id_ != 0 && !session_passwd_.empty() ? session_passwd_ : std::string(16, '\0');
  req.read_only = options_.read_only;
  req.has_read_only = true;
  env_.send(conn_, jute::frame(jute::encode(req)));
  last_send_ms_ = last_recv_ms_ = env_.now_ms();
  drain();
}

void Client::on_bytes(ConnId conn, std::string_view bytes) {
  if (conn != conn_ || conn == 0 || !decoder_) return;
  last_recv_ms_ = env_.now_ms();
  decoder_->feed(bytes);
  const std::uint64_t generation = conn_generation_;
  // Bounded: each pass consumes one whole frame from what was fed.
  for (std::size_t guard = 0; guard <= bytes.size() + 1 && generation == conn_generation_; ++guard) {
    std::string frame;
    const auto status = decoder_->next(frame);
    if (status == jute::FrameDecoder::Status::need_more) break;
    if (status != jute::FrameDecoder::Status::frame) {
      protocol_error("frame length " + std::to_string(decoder_->bad_length()) +
                     (status == jute::FrameDecoder::Status::too_large
                          ? " exceeds the limit of " + std::to_string(options_.max_frame_bytes) + " bytes"
                          : " is negative"));
      break;
    }
    handle_frame(std::move(frame));
  }
  drain();
}

void Client::on_closed(ConnId conn) {
  if (conn != conn_ || conn == 0) return;
  const std::string host = hosts_[host_index_];
  switch (phase_) {
    case Phase::tcp: drop_connection("cannot connect to " + host, false); break;
    case Phase::handshake: drop_connection(host + " closed the connection during the handshake", false); break;
    default: drop_connection(host + " closed the connection", false); break;
  }
  drain();
}

void Client::on_timer(TimerId id) {
  if (id != timer_ || id == 0) return;
  timer_ = 0;
  timer_at_ = 0;
  const std::int64_t now = env_.now_ms();
  switch (phase_) {
    case Phase::tcp:
    case Phase::handshake:
      if (now >= attempt_deadline_)
        drop_connection("no session from " + hosts_[host_index_] + " within " + std::to_string(connect_timeout()) +
                            " ms",
                        true);
      break;
    case Phase::open:
      if (now - last_recv_ms_ >= read_timeout()) {
        drop_connection("nothing heard from " + hosts_[host_index_] + " for " + std::to_string(now - last_recv_ms_) +
                            " ms",
                        true);
      } else if (now - last_send_ms_ >= ping_interval()) {
        send_ping();
      }
      break;
    case Phase::backoff:
      if (now >= reconnect_at_) begin_connect();
      break;
    case Phase::none:
      break;
  }
  expire_requests(now);
  reschedule();
  drain();
}

void Client::send_ping() {
  env_.send(conn_, request_frame(xid::ping, op::ping, std::string()));
  last_send_ms_ = env_.now_ms();
  ++stats_.pings_sent;
}

void Client::handle_frame(std::string frame) {
  if (phase_ == Phase::handshake) {
    handle_connect_response(frame);
  } else if (phase_ == Phase::open) {
    handle_reply(frame);
  }
}

void Client::handle_connect_response(const std::string& frame) {
  jute::ConnectResponse resp;
  try {
    resp = jute::decode<jute::ConnectResponse>(frame);
  } catch (const jute::DecodeError& e) {
    protocol_error(std::string("malformed ConnectResponse: ") + e.what());
    return;
  }
  if (resp.time_out <= 0 || (session_id_ != 0 && resp.session_id != session_id_)) {
    if (session_id_ == 0) {
      protocol_error("server answered a new-session request with timeout " + std::to_string(resp.time_out));
      return;
    }
    on_session_expired("session " + util::hex(session_id_) + " expired (said " + hosts_[host_index_] + ")");
    return;
  }
  if (resp.session_id == 0) {
    protocol_error("ConnectResponse without a session id");
    return;
  }
  on_session_established(resp);
}

void Client::on_session_established(const jute::ConnectResponse& resp) {
  const bool resumed = session_id_ == resp.session_id;
  session_id_ = resp.session_id;
  session_passwd_ = resp.passwd.value_or(std::string());
  negotiated_timeout_ms_ = resp.time_out;
  phase_ = Phase::open;
  failures_in_a_row_ = 0;
  ++stats_.sessions_established;
  last_recv_ms_ = env_.now_ms();
  env_.log(LogLevel::info, std::string(resumed ? "resumed" : "established") + " session " + util::hex(session_id_) +
                               " with " + hosts_[host_index_] + ", negotiated timeout " +
                               std::to_string(negotiated_timeout_ms_) + " ms");
  set_state(State::connected);
  notify_default(keeper_state::sync_connected);
  // Credentials first, then the watches, then whatever waited for this connection.
  for (const auto& entry : auths_) send_auth(entry);
  rearm_watches();
  for (std::size_t guard = outgoing_.size(); guard > 0 && !outgoing_.empty(); --guard) {
    Request req = std::move(outgoing_.front());
    outgoing_.pop_front();
    send_request(std::move(req));
  }
  reschedule();
}

void Client::rearm_watches() {
  if (watches_.empty()) return;
  const auto data = watches_.paths(WatchKind::data);
  const auto exist = watches_.paths(WatchKind::exist);
  const auto child = watches_.paths(WatchKind::child);
  const auto persistent = watches_.paths(WatchKind::persistent);
  const auto recursive = watches_.paths(WatchKind::persistent_recursive);
  const bool v2 = !persistent.empty() || !recursive.empty();
  // Batches of about 128 KB, as the Java client sends them.
  constexpr std::size_t kBatchBytes = 128 * 1024;
  jute::SetWatches2 batch;
  std::size_t bytes = 0;
  auto flush = [&] {
    if (bytes == 0) return;
    batch.relative_zxid = last_zxid_;
    std::string body = v2 ? jute::encode(batch)
                          : jute::encode(jute::SetWatches{batch.relative_zxid, batch.data_watches,
                                                          batch.exist_watches, batch.child_watches});
    Request req;
    req.xid = xid::set_watches;
    req.type = v2 ? op::set_watches2 : op::set_watches;
    req.internal = true;
    req.frame = request_frame(req.xid, req.type, body);
    req.finish = [this](Err err, jute::Reader*) {
      if (err != Err::ok && err != Err::connection_loss)
        env_.log(LogLevel::warn, "setWatches failed: " + std::string(err_name(err)));
    };
    ++stats_.set_watches_sent;
    send_request(std::move(req));
    batch = jute::SetWatches2{};
    bytes = 0;
  };
  auto add = [&](std::vector<std::string>& into, const std::string& path) {
    if (bytes + path.size() + 4 > kBatchBytes) flush();
    into.push_back(path);
    bytes += path.size() + 4;
  };
  for (const auto& p : data) add(batch.data_watches, p);
  for (const auto& p : exist) add(batch.exist_watches, p);
  for (const auto& p : child) add(batch.child_watches, p);
  for (const auto& p : persistent) add(batch.persistent_watches, p);
  for (const auto& p : recursive) add(batch.persistent_recursive_watches, p);
  flush();
}

void Client::handle_reply(const std::string& frame) {
  jute::Reader r(frame, options_.max_frame_bytes);
  jute::ReplyHeader h;
  try {
    jute::read(r, h);
  } catch (const jute::DecodeError& e) {
    protocol_error(std::string("malformed ReplyHeader: ") + e.what());
    return;
  }
  ++stats_.replies_received;
  if (h.xid == xid::ping) return;
  if (h.xid == xid::notification) {
    jute::WatcherEvent ev;
    try {
      jute::read(r, ev);
    } catch (const jute::DecodeError& e) {
      protocol_error(std::string("malformed WatcherEvent: ") + e.what());
      return;
    }
    ++stats_.events_received;
    for (const auto& w : watches_.materialize(ev.type, ev.path)) {
      WatchedEvent event{ev.type, ev.state, ev.path};
      defer([w, event] { (*w)(event); });
    }
    return;
  }
  if (h.xid == xid::auth) {
    if (pending_auth_.empty()) {
      protocol_error("an auth reply without an auth request");
      return;
    }
    Request req = std::move(pending_auth_.front());
    pending_auth_.pop_front();
    fail(req, static_cast<Err>(h.err));
    return;
  }
  if (pending_.empty() || pending_.front().xid != h.xid) {
    protocol_error("reply with xid " + std::to_string(h.xid) + " but " +
                   (pending_.empty() ? std::string("no request is pending")
                                     : "the oldest pending request has xid " + std::to_string(pending_.front().xid)));
    return;
  }
  Request req = std::move(pending_.front());
  pending_.pop_front();
  const Err err = static_cast<Err>(h.err);
  try {
    if (req.finish) req.finish(err, err == Err::ok ? &r : nullptr);
  } catch (const jute::DecodeError& e) {
    fail(req, Err::connection_loss);
    protocol_error("malformed " + std::string(op::name(req.type)) + " reply: " + e.what());
    return;
  }
  req.finish = nullptr;
  // Only a reply that made sense may move lastZxid (it decides which servers we accept).
  if (h.zxid > last_zxid_) last_zxid_ = h.zxid;
  if (req.watch_kind && req.watcher) {
    if (err == Err::ok) {
      watches_.add(*req.watch_kind, req.watch_path, req.watcher);
    } else if (err == Err::no_node && req.type == op::exists) {
      watches_.add(WatchKind::exist, req.watch_path, req.watcher);
    }
  }
}

void Client::protocol_error(const std::string& why) {
  ++stats_.protocol_errors;
  env_.log(LogLevel::warn, "dropping the connection to " + hosts_[host_index_] + ": " + why);
  drop_connection(why, true);
}

void Client::drop_connection(const std::string& why, bool close_socket) {
  if (phase_ != Phase::tcp && phase_ != Phase::handshake && phase_ != Phase::open) return;
  const bool was_open = phase_ == Phase::open;
  if (close_socket && conn_ != 0) env_.close(conn_);
  conn_ = 0;
  ++conn_generation_;
  decoder_.reset();
  phase_ = Phase::none;
  ++stats_.connections_dropped;
  env_.log(was_open ? LogLevel::info : LogLevel::debug, "connection lost: " + why);
  env_.trace({EventKind::client_drop, JsonObject().hex("session", session_id_).str("reason", why).done()});

  // Everything in flight: its outcome is unknown.
  std::deque<Request> in_flight;
  in_flight.swap(pending_);
  std::deque<Request> auths;
  auths.swap(pending_auth_);
  for (auto& req : in_flight) fail(req, Err::connection_loss);
  for (auto& req : auths) fail(req, Err::connection_loss);

  if (closing_) {
    finish_close();
    return;
  }
  if (was_open) {
    set_state(State::suspended);
    notify_default(keeper_state::disconnected);
  }
  schedule_reconnect(!was_open);
}

void Client::schedule_reconnect(bool failed_attempt) {
  if (failed_attempt) ++failures_in_a_row_;
  const bool round_failed = failed_attempt && failures_in_a_row_ % hosts_.size() == 0;
  if (round_failed && options_.fail_queued_after_failed_round && !outgoing_.empty()) {
    env_.log(LogLevel::info, "no server reachable: failing " + std::to_string(outgoing_.size()) + " queued requests");
    std::deque<Request> waiting;
    waiting.swap(outgoing_);
    for (auto& req : waiting) fail(req, Err::connection_loss);
  }
  host_index_ = (host_index_ + 1) % hosts_.size();
  std::int64_t delay = 0;
  if (options_.reconnect_jitter_ms > 0)
    delay = static_cast<std::int64_t>(env_.random_u64() % static_cast<std::uint64_t>(options_.reconnect_jitter_ms + 1));
  if (round_failed) delay += std::max<std::int64_t>(0, options_.round_delay_ms);
  if (delay <= 0) {
    begin_connect();
    return;
  }
  phase_ = Phase::backoff;
  reconnect_at_ = env_.now_ms() + delay;
  wake_at(reconnect_at_);
}

void Client::on_session_expired(const std::string& why) {
  env_.log(LogLevel::warn, why);
  if (conn_ != 0) env_.close(conn_);
  conn_ = 0;
  ++conn_generation_;
  decoder_.reset();
  phase_ = Phase::none;
  session_id_ = 0;
  session_passwd_.clear();
  negotiated_timeout_ms_ = 0;
  set_state(State::lost);
  // Whatever waited for this session will never get it.
  std::deque<Request> waiting;
  waiting.swap(outgoing_);
  for (auto& req : waiting) fail(req, Err::session_expired);
  std::deque<Request> in_flight;
  in_flight.swap(pending_);
  for (auto& req : in_flight) fail(req, Err::session_expired);
  std::deque<Request> auths;
  auths.swap(pending_auth_);
  for (auto& req : auths) fail(req, Err::connection_loss);
  notify_all_watchers(keeper_state::expired);
  if (options_.renew_session) {
    // A new session, starting with the server that just answered.
    host_index_ = (host_index_ + hosts_.size() - 1) % hosts_.size();
    schedule_reconnect(false);
  }
}

void Client::finish_close() {
  if (state_ == State::closed) return;
  if (conn_ != 0) env_.close(conn_);
  conn_ = 0;
  ++conn_generation_;
  decoder_.reset();
  phase_ = Phase::none;
  if (timer_ != 0) env_.cancel_timer(timer_);
  timer_ = 0;
  timer_at_ = 0;
  std::deque<Request> all;
  all.swap(outgoing_);
  for (auto& req : pending_) all.push_back(std::move(req));
  for (auto& req : pending_auth_) all.push_back(std::move(req));
  pending_.clear();
  pending_auth_.clear();
  for (auto& req : all) fail(req, Err::connection_loss);
  for (auto& entry : auths_)
    if (entry.cb) {
      defer([cb = std::move(entry.cb)] { cb(Err::connection_loss); });
      entry.cb = nullptr;
    }
  env_.log(LogLevel::info, "closed session " + util::hex(session_id_));
  set_state(State::closed);
  notify_all_watchers(keeper_state::closed);
  for (auto& cb : close_callbacks_) defer([cb = std::move(cb)] { cb(Err::ok); });
  close_callbacks_.clear();
}

void Client::set_state(State next) {
  if (state_ == next) return;
  state_ = next;
  env_.trace({EventKind::client_state, JsonObject().str("state", state_name(next)).hex("session", session_id_).done()});
  for (const auto& [id, listener] : listeners_)
    defer([l = listener, next] {
      if (l) l(next);
    });
}

void Client::notify_default(std::int32_t keeper_state) {
  if (!default_watcher_) return;
  defer([w = default_watcher_, keeper_state] { (*w)(WatchedEvent{event_type::none, keeper_state, std::string()}); });
}

void Client::notify_all_watchers(std::int32_t keeper_state) {
  std::vector<Watcher> all;
  if (default_watcher_) all.push_back(default_watcher_);
  for (auto& w : watches_.take_all())
    if (std::find(all.begin(), all.end(), w) == all.end()) all.push_back(std::move(w));
  for (auto& w : all)
    defer([w, keeper_state] { (*w)(WatchedEvent{event_type::none, keeper_state, std::string()}); });
}

// ------------------------------------------------------------------------------------ timers

void Client::wake_at(std::int64_t at) {
  if (state_ == State::closed) return;
  if (timer_ != 0 && timer_at_ <= at) return;
  if (timer_ != 0) env_.cancel_timer(timer_);
  timer_at_ = at;
  timer_ = env_.set_timer(std::max<std::int64_t>(0, at - env_.now_ms()));
}

std::int64_t Client::next_deadline() const {
  std::int64_t best = 0;
  auto consider = [&best](std::int64_t t) {
    if (t > 0 && (best == 0 || t < best)) best = t;
  };
  switch (phase_) {
    case Phase::tcp:
    case Phase::handshake: consider(attempt_deadline_); break;
    case Phase::open:
      consider(last_send_ms_ + ping_interval());
      consider(last_recv_ms_ + read_timeout());
      break;
    case Phase::backoff: consider(reconnect_at_); break;
    case Phase::none: break;
  }
  // Deadlines grow in issue order, so the first one set in each queue is its earliest.
  for (const auto* q : {&outgoing_, &pending_})
    for (const auto& req : *q)
      if (req.deadline > 0) {
        consider(req.deadline);
        break;
      }
  return best;
}

void Client::reschedule() {
  const std::int64_t at = next_deadline();
  if (at > 0) wake_at(at);
}

void Client::expire_requests(std::int64_t now) {
  if (options_.request_timeout_ms <= 0) return;
  // Never sent: the connection did not come in time.
  for (std::size_t guard = outgoing_.size(); guard > 0 && !outgoing_.empty(); --guard) {
    if (outgoing_.front().deadline == 0 || outgoing_.front().deadline > now) break;
    Request req = std::move(outgoing_.front());
    outgoing_.pop_front();
    fail(req, Err::connection_loss);
  }
  // In flight and unanswered: give up on them and on the connection (replies are ordered, so a
  // stuck request blocks everything behind it).
  bool late = false;
  for (auto& req : pending_)
    if (req.deadline > 0 && req.deadline <= now) {
      fail(req, Err::request_timeout);
      late = true;
    }
  if (late) drop_connection("a request got no reply within " + std::to_string(options_.request_timeout_ms) + " ms", true);
}

// ------------------------------------------------------------------------------------ callbacks

void Client::defer(std::function<void()> fn) { completions_.push_back(std::move(fn)); }

void Client::drain() {
  if (draining_) return;  // a callback called into the client: the outer drain carries on
  draining_ = true;
  struct Reset {
    bool& flag;
    ~Reset() { flag = false; }
  } reset{draining_};
  constexpr std::size_t kMaxCallbacks = 1'000'000;
  for (std::size_t n = 0; n < kMaxCallbacks && !completions_.empty(); ++n) {
    std::function<void()> fn = std::move(completions_.front());
    completions_.pop_front();
    if (fn) fn();
  }
  if (!completions_.empty())
    env_.log(LogLevel::warn, std::to_string(completions_.size()) + " callbacks postponed (callbacks keep queueing more)");
}

}  // namespace zablab::client
