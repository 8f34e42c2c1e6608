// The requests a standalone server answers from its own tree without a txn: reads, watches,
// auth, ping, sync. They run when they reach the head of their connection's queue.
#include "core/data/acl.h"
#include "core/data/path.h"
#include "core/jute/codes.h"
#include "core/jute/frame.h"
#include "core/server/server_core.h"
#include "core/util/log_text.h"

namespace zablab::server {
namespace {

template <class R>
R take(jute::Reader& r) {
  R value;
  jute::read(r, value);
  return value;
}

// getACL without ADMIN hides digest hashes, as ZooKeeper does ("user:x").
data::Acl redacted(const data::Acl& acl) {
  data::Acl out = acl;
  for (auto& entry : out) {
    if (entry.id.scheme != "digest") continue;
    std::size_t colon = entry.id.id.find(':');
    entry.id.id = entry.id.id.substr(0, colon) + ":x";
  }
  return out;
}

}  // namespace

Err ServerCore::read_op(Connection& c, std::int32_t type, jute::Reader& body, jute::Writer& out) {
  const auto allowed = [&](const data::DataNode& n, std::int32_t perm) {
    return config_.skip_acl || data::acl_allows(n.acl, perm, c.identities);
  };
  switch (type) {
    case op::ping:
      return Err::ok;
    case op::exists: {
      auto req = take<jute::ExistsRequest>(body);
      // ZooKeeper refuses a NUL in an exists path (other reads just miss).
      if (req.path.find('\0') != std::string::npos) return Err::bad_arguments;
      const data::DataNode* n = tree_.find(req.path);
      if (n && !allowed(*n, perm::read)) return Err::no_auth;  // and no watch, as in ZooKeeper
      // The watch is set even when the node is missing: it fires on NodeCreated.
      if (req.watch) {
        if (!watch_room(c, req.path, true, false)) return Err::quota_exceeded;
        watches_.add_data_watch(c.id, req.path);
      }
      if (!n) return Err::no_node;
      jute::write(out, data::DataTree::stat_of(*n));
      return Err::ok;
    }
    case op::get_data: {
      auto req = take<jute::GetDataRequest>(body);
      const data::DataNode* n = tree_.find(req.path);
      if (!n) return Err::no_node;
      if (!allowed(*n, perm::read)) return Err::no_auth;
      if (req.watch) {
        if (!watch_room(c, req.path, true, false)) return Err::quota_exceeded;
        watches_.add_data_watch(c.id, req.path);
      }
      jute::write(out, jute::GetDataResponse{n->data, data::DataTree::stat_of(*n)});
      return Err::ok;
    }
    case op::get_children:
    case op::get_children2: {
      auto req = take<jute::GetChildrenRequest>(body);
      const data::DataNode* n = tree_.find(req.path);
      if (!n) return Err::no_node;
      if (!allowed(*n, perm::read)) return Err::no_auth;
      if (req.watch) {
        if (!watch_room(c, req.path, false, true)) return Err::quota_exceeded;
        watches_.add_child_watch(c.id, req.path);
      }
      // GetChildrenResponse / GetChildren2Response written straight from the tree: the names
      // (vector<ustring>), then for getChildren2 the Stat. No copy of a listing that may be long.
      out.i32(static_cast<std::int32_t>(n->children.size()));
      for (const auto& name : n->children) out.bytes(std::string_view(name));
      if (type == op::get_children2) {
        jute::Stat stat = data::DataTree::stat_of(*n);
        if (server_bugs_.stale_cversion) stat.cversion = n->stat.cversion;  // deliberate bug (server_bugs.h)
        jute::write(out, stat);
      }
      return Err::ok;
    }
    case op::get_acl: {
      auto req = take<jute::GetACLRequest>(body);
      const data::DataNode* n = tree_.find(req.path);
      if (!n) return Err::no_node;
      if (!allowed(*n, perm::read | perm::admin)) return Err::no_auth;
      const bool admin = allowed(*n, perm::admin);
      jute::write(out, jute::GetACLResponse{admin ? n->acl : redacted(n->acl), data::DataTree::stat_of(*n)});
      return Err::ok;
    }
    case op::get_all_children_number: {
      auto req = take<jute::GetAllChildrenNumberRequest>(body);
      const data::DataNode* n = tree_.find(req.path);
      if (!n) return Err::no_node;
      if (!allowed(*n, perm::read)) return Err::no_auth;
      jute::write(out, jute::GetAllChildrenNumberResponse{tree_.descendant_count(req.path)});
      return Err::ok;
    }
    case op::get_ephemerals: {
      auto req = take<jute::GetEphemeralsRequest>(body);
      jute::GetEphemeralsResponse resp;
      const bool all = req.prefix_path.empty() || req.prefix_path == "/";
      for (const auto& path : tree_.ephemerals(c.session_id))
        if (all || path.rfind(req.prefix_path, 0) == 0) resp.ephemerals.push_back(path);
      jute::write(out, resp);
      return Err::ok;
    }
    case op::sync: {
      // Standalone: every committed txn is already applied here.
      auto req = take<jute::SyncRequest>(body);
      jute::write(out, jute::SyncResponse{req.path});
      return Err::ok;
    }
    case op::check_watches: {
      auto req = take<jute::CheckWatchesRequest>(body);
      return watches_.has_watch(c.id, req.path, req.type) ? Err::ok : Err::no_watcher;
    }
    case op::remove_watches: {
      auto req = take<jute::RemoveWatchesRequest>(body);
      return watches_.remove_watch(c.id, req.path, req.type) ? Err::ok : Err::no_watcher;
    }
    case op::add_watch: {
      auto req = take<jute::AddWatchRequest>(body);
      if (req.mode != add_watch_mode::persistent && req.mode != add_watch_mode::persistent_recursive)
        return Err::bad_arguments;
      const WatchMode mode =
          req.mode == add_watch_mode::persistent ? WatchMode::persistent : WatchMode::persistent_recursive;
      // No ACL check here (ZooKeeper has none: the path may not exist yet); every event such a
      // watch fires is checked against the changed node's ACL instead (commit()).
      if (!watch_room(c, req.path, true, true)) return Err::quota_exceeded;
      watches_.add_data_watch(c.id, req.path, mode);
      watches_.add_child_watch(c.id, req.path, mode);
      jute::write(out, jute::AddWatchResponse{0});  // the Java client needs these 4 bytes
      return Err::ok;
    }
    case op::who_am_i: {
      jute::WhoAmIResponse resp;
      for (const auto& id : c.identities) {
        std::string user = id.id;
        if (id.scheme == "digest") user = user.substr(0, user.find(':'));
        resp.client_info.push_back(jute::ClientInfo{id.scheme, user});
      }
      jute::write(out, resp);
      return Err::ok;
    }
    case op::set_watches: {
      auto req = take<jute::SetWatches>(body);
      return set_watches(c, jute::SetWatches2{req.relative_zxid, req.data_watches, req.exist_watches,
                                              req.child_watches, {}, {}});
    }
    case op::set_watches2:
      return set_watches(c, take<jute::SetWatches2>(body));
    case op::auth:
      return authenticate(c, take<jute::AuthPacket>(body));
    case op::reconfig:
      // Dynamic reconfiguration is off (reconfigEnabled=false), as ZooKeeper's default.
      return Err::reconfig_disabled;
    default:
      env_.log(LogLevel::warn, "connection " + c.remote + ": unknown opcode " + std::to_string(type));
      return Err::unimplemented;
  }
}

Err ServerCore::set_watches(Connection& c, const jute::SetWatches2& req) {
  // Re-arm what a reconnecting client watched; fire now whatever it missed since relative_zxid.
  // All or nothing against the watch limits: a reconnect that would exceed them sets none and
  // fails with QUOTAEXCEEDED (the limits count the worst case: every path a new entry).
  const std::size_t asked = req.data_watches.size() + req.exist_watches.size() + req.child_watches.size() +
                            2 * (req.persistent_watches.size() + req.persistent_recursive_watches.size());
  if (const auto why = over_watch_limits(c, asked)) {
    env_.log(LogLevel::warn, "connection " + c.remote + ": setWatches of " + std::to_string(asked) +
                                 " watches refused: " + *why);
    return Err::quota_exceeded;
  }
  // A node the client may not READ (any more) gets no watch and no event: setWatches must not
  // reveal more than the getData/exists/getChildren that set the watch could.
  const auto readable = [&](const data::DataNode& n) {
    return config_.skip_acl || data::acl_allows(n.acl, perm::read, c.identities);
  };
  auto notify = [&](std::int32_t type, const std::string& path) {
    jute::FrameWriter w;
    jute::write(w, jute::ReplyHeader{xid::notification, -1, 0});
    jute::write(w, jute::WatcherEvent{type, keeper_state::sync_connected, path});
    send(c, w.take());
  };
  for (const auto& path : req.data_watches) {
    const data::DataNode* n = tree_.find(path);
    if (!n) {
      notify(event_type::node_deleted, path);
    } else if (!readable(*n)) {
      continue;
    } else if (n->stat.mzxid > req.relative_zxid) {
      notify(event_type::node_data_changed, path);
    } else {
      watches_.add_data_watch(c.id, path);
    }
  }
  for (const auto& path : req.exist_watches) {
    if (const data::DataNode* n = tree_.find(path)) {
      if (readable(*n)) notify(event_type::node_created, path);
    } else {
      watches_.add_data_watch(c.id, path);
    }
  }
  for (const auto& path : req.child_watches) {
    const data::DataNode* n = tree_.find(path);
    if (!n) {
      notify(event_type::node_deleted, path);
    } else if (!readable(*n)) {
      continue;
    } else if (n->stat.pzxid > req.relative_zxid) {
      notify(event_type::node_children_changed, path);
    } else {
      watches_.add_child_watch(c.id, path);
    }
  }
  for (const auto& path : req.persistent_watches) {
    watches_.add_data_watch(c.id, path, WatchMode::persistent);
    watches_.add_child_watch(c.id, path, WatchMode::persistent);
  }
  for (const auto& path : req.persistent_recursive_watches) {
    watches_.add_data_watch(c.id, path, WatchMode::persistent_recursive);
    watches_.add_child_watch(c.id, path, WatchMode::persistent_recursive);
  }
  return Err::ok;
}

std::string ServerCore::multi_read(Connection& c, jute::Reader& body, bool& malformed) {
  // Each op of a multiRead stands alone: it succeeds or fails by itself.
  jute::Writer out;
  for (int guard = 0; guard < 1 << 20; ++guard) {
    jute::MultiHeader h;
    jute::read(body, h);
    if (h.done) break;
    if (h.type != op::get_data && h.type != op::get_children) {
      malformed = true;
      return {};
    }
    jute::Writer result;
    Err err = read_op(c, h.type, body, result);
    if (err == Err::ok) {
      jute::write(out, jute::MultiHeader{h.type, false, 0});
      out.raw(result.data());
    } else {
      jute::write(out, jute::MultiHeader{op::error, false, static_cast<std::int32_t>(err)});
      jute::write(out, jute::ErrorResponse{static_cast<std::int32_t>(err)});
    }
  }
  jute::write(out, jute::MultiHeader{-1, true, -1});
  return out.take();
}

Err ServerCore::authenticate(Connection& c, const jute::AuthPacket& auth) {
  // Bounded before anything is hashed or kept: a digest user name ends up in every ACL `auth:`
  // expands to, so an unbounded one makes txns nobody can read back. AUTHFAILED closes
  // the connection (execute_read), as every failed auth does in ZooKeeper.
  const std::string credential = auth.auth.value_or("");
  if (auth.scheme.size() > kMaxAuthSchemeBytes) {
    env_.log(LogLevel::warn, "connection " + c.remote + ": auth refused: scheme of " +
                                 std::to_string(auth.scheme.size()) + " bytes is longer than " +
                                 std::to_string(kMaxAuthSchemeBytes) + ": '" + util::loggable(auth.scheme) + "'");
    return Err::auth_failed;
  }
  if (config_.max_auth_bytes > 0 && credential.size() > config_.max_auth_bytes) {
    env_.log(LogLevel::warn, "connection " + c.remote + ": auth refused: " + util::loggable(auth.scheme) +
                                 " auth data of " + std::to_string(credential.size()) +
                                 " bytes is longer than maxAuthBytes " + std::to_string(config_.max_auth_bytes));
    return Err::auth_failed;
  }
  std::vector<jute::Id> adding;
  if (auth.scheme == "digest") {
    // Any user:password is accepted; it only adds an identity that ACLs may name.
    const std::string id = data::digest_id(credential);
    if (!config_.super_digest.empty() && id == config_.super_digest) adding.push_back(jute::Id{"super", ""});
    adding.push_back(jute::Id{"digest", id});
  } else if (auth.scheme == "ip") {
    adding.push_back(jute::Id{"ip", c.address});
  } else {
    env_.log(LogLevel::warn, "connection " + c.remote + ": no authentication provider for scheme '" +
                                 util::loggable(auth.scheme) + "'");
    return Err::auth_failed;
  }
  // A connection's identities are a set (ZooKeeper's ServerCnxn.authInfo), and a bounded one.
  std::erase_if(adding, [&](const jute::Id& id) {
    return std::find(c.identities.begin(), c.identities.end(), id) != c.identities.end();
  });
  if (config_.max_auth_identities > 0 && c.identities.size() + adding.size() > config_.max_auth_identities) {
    env_.log(LogLevel::warn, "connection " + c.remote + ": auth refused: the connection holds " +
                                 std::to_string(c.identities.size()) +
                                 " identities, maxAuthIdentitiesPerConnection is " +
                                 std::to_string(config_.max_auth_identities));
    return Err::auth_failed;
  }
  for (auto& id : adding) c.identities.push_back(std::move(id));
  return Err::ok;
}

}  // namespace zablab::server
