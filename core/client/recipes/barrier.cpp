#include "core/client/recipes/barrier.h"

#include <algorithm>

#include "core/data/acl.h"

namespace zablab::client::recipes {

Barrier::Barrier(Client& client, std::string path) : client_(client), path_(std::move(path)) {
  // Watches die with an expired session: look again in the new one.
  listener_id_ = client_.add_state_listener(guard([this](State s) {
    if (s == State::connected && !waiters_.empty()) arm();
  }));
}

Barrier::~Barrier() { client_.remove_state_listener(listener_id_); }

void Barrier::create(DoneCallback cb) { ensure_path(client_, path_, std::move(cb)); }

void Barrier::remove(DoneCallback cb) {
  client_.remove(path_, -1, guard([this, cb](Err e) {
    if (retryable(client_, e)) return remove(cb);
    if (cb) cb(e == Err::no_node ? Err::ok : e);
  }));
}

void Barrier::wait(DoneCallback cb) {
  waiters_.push_back(std::move(cb));
  if (waiters_.size() == 1) arm();
}

void Barrier::arm() {
  // sync first: the waiter's server may lag behind the one that created the barrier, and a
  // stale "no such node" would let it through a barrier that is up.
  client_.sync(path_, guard([this](const Result<std::string>& r) {
    if (waiters_.empty()) return;
    if (retryable(client_, r.err)) return arm();
    if (r.err == Err::session_expired) return;  // on_state arms again
    look();
  }));
}

void Barrier::look() {
  auto w = make_watcher(guard([this](const WatchedEvent& e) {
    if (e.type != event_type::none && !waiters_.empty()) look();
  }));
  client_.exists(path_, w, guard([this](const Result<jute::Stat>& r) {
    if (waiters_.empty()) return;
    if (retryable(client_, r.err)) return look();
    if (r.err != Err::no_node) return;  // there (the watch tells), or expired (on reconnect)
    auto all = std::move(waiters_);
    waiters_.clear();
    for (auto& cb : all) cb(Err::ok);
  }));
}

DoubleBarrier::DoubleBarrier(Client& client, std::string path, int members, std::string id)
    : client_(client), path_(std::move(path)), members_(members), id_(std::move(id)) {
  listener_id_ = client_.add_state_listener(guard([this](State s) { on_state(s); }));
}

DoubleBarrier::~DoubleBarrier() { client_.remove_state_listener(listener_id_); }

void DoubleBarrier::enter(DoneCallback cb) {
  enter_cb_ = std::move(cb);
  entering_ = true;
  entered_ = false;
  ++gen_;
  start_enter();
}

void DoubleBarrier::start_enter() {
  ensure_path(client_, path_, guard([this, g = gen_](Err e) {
    if (g != gen_ || !entering_) return;
    if (e == Err::session_expired) return;  // on_state enters again in the new session
    if (e != Err::ok) {
      entering_ = false;
      return enter_cb_(e);
    }
    create_member();
  }));
}

void DoubleBarrier::create_member() {
  client_.create(member_path(), std::string(), data::open_acl_unsafe(), create_mode::ephemeral,
                 guard([this, g = gen_](const Result<CreateResult>& r) {
                   if (g != gen_) return;
                   if (retryable(client_, r.err)) return create_member();  // NodeExists next time if it landed
                   if (r.ok()) return check_ready();
                   if (r.err == Err::node_exists) {
                     // Ours (a retried create) or another member's with our id?
                     return client_.exists(member_path(), nullptr, guard([this, g](const Result<jute::Stat>& s) {
                                             if (g != gen_) return;
                                             if (!s.ok()) return create_member();
                                             if (s.value.ephemeral_owner == client_.session_id()) return check_ready();
                                             entering_ = false;
                                             enter_cb_(Err::node_exists);
                                           }));
                   }
                   if (r.err == Err::session_expired) return;  // on_state starts over
                   entering_ = false;
                   enter_cb_(r.err);
                 }));
}

void DoubleBarrier::check_ready() {
  // The watch on "ready" comes first, so a "ready" created after our count cannot be missed.
  auto w = make_watcher(guard([this, g = gen_](const WatchedEvent& e) {
    if (g != gen_ || e.type == event_type::none || !entering_) return;
    check_ready();
  }));
  client_.exists(ready_path(), w, guard([this, g = gen_](const Result<jute::Stat>& r) {
    if (g != gen_ || !entering_) return;
    if (r.ok()) {
      entering_ = false;
      entered_ = true;
      return enter_cb_(Err::ok);
    }
    if (retryable(client_, r.err)) return check_ready();
    if (r.err != Err::no_node) return;
    count_members();
  }));
}

void DoubleBarrier::count_members() {
  client_.get_children(path_, nullptr, false, guard([this, g = gen_](const Result<ChildrenResult>& r) {
                         if (g != gen_ || !entering_) return;
                         if (retryable(client_, r.err)) return count_members();
                         if (!r.ok()) return;
                         auto n = std::count_if(r.value.children.begin(), r.value.children.end(),
                                                [](const std::string& c) { return c != "ready"; });
                         if (n < members_) return;  // the watch on "ready" will tell
                         // We complete the count: raise "ready". Persistent, so a member whose
                         // session expired while it waited still finds it (it did arrive in time).
                         client_.create(ready_path(), std::string(), data::open_acl_unsafe(), create_mode::persistent,
                                        guard([this, g](const Result<CreateResult>& c) {
                                          if (g != gen_ || !entering_) return;
                                          if (retryable(client_, c.err)) return check_ready();
                                          // Ok or NodeExists: the ready watch fires; check anyway.
                                          check_ready();
                                        }));
                       }));
}

void DoubleBarrier::leave(DoneCallback cb) {
  leave_cb_ = std::move(cb);
  leaving_ = true;
  entering_ = false;
  ++gen_;
  leave_step();
}

void DoubleBarrier::leave_step() {
  client_.get_children(path_, nullptr, false, guard([this, g = gen_](const Result<ChildrenResult>& r) {
    if (g != gen_ || !leaving_) return;
    if (retryable(client_, r.err)) return leave_step();
    std::vector<std::string> left;
    if (r.ok())
      for (const auto& c : r.value.children)
        if (c != "ready") left.push_back(c);
    std::sort(left.begin(), left.end());
    bool mine = std::find(left.begin(), left.end(), id_) != left.end();
    if (left.empty() || (left.size() == 1 && mine)) {
      auto finish = [this, g](Err) {
        if (g != gen_ || !leaving_) return;

        leaving_ = false;
        entered_ = false;
        leave_cb_(Err::ok);
      };
      if (!mine) return finish(Err::ok);
      return client_.remove(member_path(), -1, guard([this, g, finish](Err e) {
                              if (g != gen_) return;
                              if (retryable(client_, e)) return leave_step();
                              finish(e);
                            }));
    }
    // Wait on one node: the lowest waits for the highest, everybody else leaves and waits for
    // the lowest.
    auto w = make_watcher(guard([this, g](const WatchedEvent& e) {
      if (g != gen_ || e.type == event_type::none) return;
      leave_step();
    }));
    auto watch_on = [this, g, w](const std::string& name) {
      client_.exists(join_path(path_, name), w, guard([this, g](const Result<jute::Stat>& s) {
                       if (g != gen_) return;
                       if (!s.ok()) leave_step();  // already gone (or unknown): look again
                     }));
    };
    if (mine && left.front() == id_) return watch_on(left.back());
    if (!mine) return watch_on(left.front());
    client_.remove(member_path(), -1, guard([this, g, watch_on, lowest = left.front()](Err e) {
                     if (g != gen_) return;
                     if (retryable(client_, e)) return leave_step();
                     watch_on(lowest);
                   }));
  }));
}

void DoubleBarrier::on_state(State s) {
  if (s == State::connected && leaving_) leave_step();
  // Expired while entering: our member node is gone; enter again in the new session.
  if (s == State::connected && entering_ && client_.session_id() != 0) {
    auto g = gen_;
    client_.exists(member_path(), nullptr, guard([this, g](const Result<jute::Stat>& r) {
                     if (g != gen_ || !entering_) return;
                     if (r.err == Err::no_node) start_enter();
                     else check_ready();
                   }));
  }
}

}  // namespace zablab::client::recipes
