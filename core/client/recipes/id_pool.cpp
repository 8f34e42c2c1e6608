#include "core/client/recipes/id_pool.h"

#include "core/data/acl.h"

namespace zablab::client::recipes {

IdPool::IdPool(Client& client, std::string dir, int size)
    : client_(client), dir_(std::move(dir)), size_(size), token_(new_protection_prefix(client)) {
  listener_id_ = client_.add_state_listener(guard([this](State s) { on_state(s); }));
}

IdPool::~IdPool() {
  client_.remove_state_listener(listener_id_);
  if (id_ != 0 && client_.state() != State::closed) client_.remove(path_of(id_), -1, [](Err) {});
}

void IdPool::acquire(Callback<int> cb) {
  if (held_) return cb({Err::ok, id_});
  pending_ = std::move(cb);
  ++gen_;
  session_ = client_.session_id();
  ensure_path(client_, dir_, guard([this, g = gen_](Err e) {
    if (g != gen_) return;
    if (e != Err::ok && e != Err::session_expired) {
      auto cb = std::move(pending_);
      pending_ = nullptr;
      return cb({e, 0});
    }
    try_id(1 + static_cast<int>(client_.random_u64() % static_cast<std::uint64_t>(size_)), 0);
  }));
}

void IdPool::try_id(int id, int tried) {
  if (tried == size_) return wait_for_free();
  auto g = gen_;
  client_.create(path_of(id), token_, data::open_acl_unsafe(), create_mode::ephemeral,
                 guard([this, g, id, tried](const Result<CreateResult>& r) {
                   if (g != gen_) {
                     if (r.ok()) client_.remove(path_of(id), -1, [](Err) {});  // abandoned attempt
                     return;
                   }
                   int next = id % size_ + 1;
                   if (r.ok()) return hold(id);
                   if (r.err == Err::node_exists || retryable(client_, r.err)) {
                     // Taken -- by us, if this is a retry whose first answer was lost?
                     return client_.get_data(path_of(id), nullptr, guard([this, g, id, next, tried](const Result<jute::GetDataResponse>& s) {
                                             if (g != gen_) return;
                                             if (s.ok() && mine(s.value)) return hold(id);
                                             if (s.err == Err::no_node) return try_id(id, tried);  // free (again)
                                             if (s.err == Err::session_expired) return;
                                             try_id(next, tried + 1);
                                           }));
                   }
                   if (r.err == Err::session_expired) return;  // on_state starts over
                   auto cb = std::move(pending_);
                   pending_ = nullptr;
                   if (cb) cb({r.err, 0});
                 }));
}

void IdPool::wait_for_free() {
  auto g = gen_;
  auto w = make_watcher(guard([this, g](const WatchedEvent& e) {
    if (g == gen_ && pending_ && e.type != event_type::none) try_id(1 + static_cast<int>(client_.random_u64() % size_), 0);
  }));
  client_.get_children(dir_, w, false, guard([this, g](const Result<ChildrenResult>& r) {
                         if (g != gen_) return;
                         // One freed meanwhile: the watch will not tell, try again now.
                         if (r.ok() && static_cast<int>(r.value.children.size()) < size_)
                           try_id(1 + static_cast<int>(client_.random_u64() % size_), 0);
                       }));
}

void IdPool::hold(int id) {
  id_ = id;
  session_ = client_.session_id();
  if (client_.state() != State::connected) return;  // on_state re-checks after the reconnect
  held_ = true;
  notify(HoldEvent::acquired);
  if (pending_) {
    auto cb = std::move(pending_);
    pending_ = nullptr;
    cb({Err::ok, id});
  }
}

void IdPool::recheck() {
  auto g = gen_;
  client_.get_data(path_of(id_), nullptr, guard([this, g](const Result<jute::GetDataResponse>& r) {
                   if (g != gen_ || id_ == 0) return;
                   if (retryable(client_, r.err)) return;  // the next reconnect re-checks
                   if (r.ok() && mine(r.value) && client_.state() == State::connected)
                     return hold(id_);
                   if (r.ok() || r.err == Err::no_node) on_state(State::lost);  // not ours any more
                 }));
}

void IdPool::on_state(State s) {
  if (s == State::suspended && held_) {
    held_ = false;
    notify(HoldEvent::suspended);
  } else if (s == State::connected) {
    if (client_.session_id() == session_) {
      if (id_ != 0) recheck();  // still ours? (an attempt in progress resolves itself)
      return;
    }
    if (id_ != 0) on_state(State::lost);  // a new session: the old one's node is gone
    if (pending_) acquire(std::move(pending_));  // start over in this session
  } else if (s == State::lost || s == State::closed) {
    bool had = id_ != 0;
    held_ = false;
    id_ = 0;
    ++gen_;
    if (had) notify(HoldEvent::lost);
  }
}

void IdPool::release(DoneCallback cb) {
  ++gen_;
  pending_ = nullptr;
  int id = id_;
  bool was = held_;
  held_ = false;
  id_ = 0;
  if (was) notify(HoldEvent::released);
  if (id == 0) {
    if (cb) cb(Err::ok);
    return;
  }
  client_.remove(path_of(id), -1, [cb](Err e) {
    if (cb) cb(e == Err::no_node || e == Err::session_expired ? Err::ok : e);
  });
}

}  // namespace zablab::client::recipes
