#include "core/client/recipes/group.h"

#include <memory>

#include "core/data/acl.h"

namespace zablab::client::recipes {

Member::Member(Client& client, std::string dir, std::string id, std::string data)
    : client_(client), dir_(std::move(dir)), path_(join_path(dir_, id)), data_(std::move(data)) {
  listener_id_ = client_.add_state_listener(guard([this](State s) { on_state(s); }));
}

Member::~Member() {
  client_.remove_state_listener(listener_id_);
  if (wanted_ && client_.state() != State::closed) client_.remove(path_, -1, [](Err) {});
}

void Member::join(DoneCallback cb) {
  join_cb_ = std::move(cb);
  wanted_ = true;
  ++gen_;
  ensure_path(client_, dir_, guard([this, g = gen_](Err e) {
    if (g != gen_) return;
    if (e != Err::ok && e != Err::session_expired && join_cb_) {
      auto cb = std::move(join_cb_);
      join_cb_ = nullptr;
      return cb(e);
    }
    create();
  }));
}

void Member::create() {
  client_.create(path_, data_, data::open_acl_unsafe(), create_mode::ephemeral,
                 guard([this, g = gen_](const Result<CreateResult>& r) {
                   if (g != gen_ || !wanted_) return;
                   if (retryable(client_, r.err)) return create();
                   if (r.err == Err::session_expired) return;  // on_state creates it in the new session
                   Err e = r.err;
                   if (e == Err::node_exists) {
                     // Ours from a retried create, or a previous session's, about to expire:
                     // Curator's PersistentNode waits for it to go; we check the owner.
                     return client_.exists(path_, nullptr, guard([this, g](const Result<jute::Stat>& s) {
                                             if (g != gen_ || !wanted_) return;
                                             if (s.ok() && s.value.ephemeral_owner == client_.session_id()) {
                                               joined_ = true;
                                               if (join_cb_) std::exchange(join_cb_, nullptr)(Err::ok);
                                               return;
                                             }
                                             if (s.err == Err::no_node || retryable(client_, s.err)) return create();
                                             if (join_cb_) std::exchange(join_cb_, nullptr)(Err::node_exists);
                                           }));
                   }
                   joined_ = e == Err::ok;
                   if (join_cb_) std::exchange(join_cb_, nullptr)(e);
                 }));
}

void Member::on_state(State s) {
  if (s == State::lost) joined_ = false;
  // A new session (after expiry): our ephemeral node died with the old one.
  if (s == State::connected && wanted_ && !joined_) {
    ++gen_;
    create();
  }
}

void Member::leave(DoneCallback cb) {
  wanted_ = false;
  joined_ = false;
  ++gen_;
  auto& client = client_;
  auto path = path_;
  auto retry = std::make_shared<std::function<void()>>();
  *retry = [&client, path, cb, retry] {
    client.remove(path, -1, [&client, cb, retry](Err e) {
      if (retryable(client, e)) return (*retry)();
      *retry = nullptr;  // break the cycle
      if (cb) cb(e == Err::no_node || e == Err::session_expired ? Err::ok : e);
    });
  };
  (*retry)();
}

GroupView::GroupView(Client& client, std::string dir) : client_(client), dir_(std::move(dir)) {
  listener_id_ = client_.add_state_listener(guard([this](State s) { on_state(s); }));
}

GroupView::~GroupView() { client_.remove_state_listener(listener_id_); }

void GroupView::start(std::function<void(const Members&)> listener) {
  listener_ = std::move(listener);
  started_ = true;
  refresh();
}

void GroupView::refresh() {
  auto g = ++gen_;
  session_ = client_.session_id();
  auto w = make_watcher(guard([this](const WatchedEvent& e) {
    if (e.type != event_type::none) refresh();
  }));
  client_.get_children(dir_, w, false, guard([this, g](const Result<ChildrenResult>& r) {
                         if (g != gen_) return;
                         if (retryable(client_, r.err)) return refresh();
                         if (r.err == Err::no_node) {
                           // Not there yet: wait for it to be created (the exists watch).
                           auto w2 = make_watcher(guard([this](const WatchedEvent& e) {
                             if (e.type != event_type::none) refresh();
                           }));
                           client_.exists(dir_, w2, guard([this, g](const Result<jute::Stat>& s) {
                                            if (g == gen_ && s.ok()) refresh();
                                          }));
                           read_new(g, {}, 0, {});
                           return;
                         }
                         if (!r.ok()) return;
                         read_new(g, r.value.children, 0, {});
                       }));
}

void GroupView::read_new(std::uint64_t g, std::vector<std::string> names, std::size_t i, Members next) {
  if (i == names.size()) {
    if (next == members_ && published_) return;
    members_ = std::move(next);
    published_ = true;
    if (listener_) listener_(members_);
    return;
  }
  auto name = names[i];
  if (auto it = members_.find(name); it != members_.end()) {
    next[name] = it->second;  // members' data does not change (ephemeral, set at join)
    return read_new(g, std::move(names), i + 1, std::move(next));
  }
  client_.get_data(join_path(dir_, name), nullptr,
                   guard([this, g, names, i, next, name](const Result<jute::GetDataResponse>& r) mutable {
                     if (g != gen_) return;
                     if (retryable(client_, r.err)) return refresh();
                     if (r.ok()) next[name] = r.value.data.value_or("");
                     read_new(g, std::move(names), i + 1, std::move(next));
                   }));
}

void GroupView::on_state(State s) {
  // Expiry dropped our watches: read again in the new session.
  if (s == State::connected && started_ && client_.session_id() != session_) refresh();
}

void ServiceRegistry::register_instance(const std::string& service, const std::string& instance, std::string payload,
                                        DoneCallback cb) {
  auto& m = instances_[{service, instance}];
  if (m) m->leave({});
  m = std::make_unique<Member>(client_, service_path(service), instance, std::move(payload));
  m->join(std::move(cb));
}

void ServiceRegistry::unregister_instance(const std::string& service, const std::string& instance, DoneCallback cb) {
  auto it = instances_.find({service, instance});
  if (it == instances_.end()) {
    if (cb) cb(Err::no_node);
    return;
  }
  it->second->leave(std::move(cb));
  instances_.erase(it);
}

}  // namespace zablab::client::recipes
