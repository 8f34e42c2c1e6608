#include "core/client/recipes/sequence_lock.h"

#include <algorithm>

#include "core/data/acl.h"

namespace zablab::client::recipes {

namespace {

// Deletes a node, retrying while the outcome is unknown; NoNode (or an expired session, which
// took the ephemeral node with it) counts as done. Needs nothing of the recipe, so it finishes
// even when the recipe is gone.
void remove_retrying(Client& client, const std::string& path, DoneCallback cb) {
  client.remove(path, -1, [&client, path, cb](Err e) {
    if (retryable(client, e)) return remove_retrying(client, path, cb);
    if (cb) cb(e == Err::no_node || e == Err::session_expired ? Err::ok : e);
  });
}

}  // namespace

SequenceLock::SequenceLock(Client& client, SequenceLockOptions options) : client_(client), options_(std::move(options)) {
  listener_id_ = client_.add_state_listener(guard([this](State s) { on_state(s); }));
}

SequenceLock::~SequenceLock() {
  client_.remove_state_listener(listener_id_);
  // Nobody will release a node of a destroyed contender: leaving it would block the others
  // until the session ends.
  if (!node_.empty() && client_.state() != State::closed) remove_retrying(client_, join_path(options_.dir, node_), {});
}

void SequenceLock::acquire(DoneCallback cb) {
  if (phase_ == Phase::held) {
    if (cb) cb(Err::ok);
    return;
  }
  if (cb) waiting_.push_back(std::move(cb));
  if (phase_ == Phase::idle) start_over();
}

void SequenceLock::start_over() {
  ++attempt_;
  restart_on_connect_ = false;
  protection_ = new_protection_prefix(client_);
  node_.clear();
  phase_ = Phase::creating;
  create_node();
}

void SequenceLock::create_node() {
  auto a = attempt_;
  client_.create(join_path(options_.dir, protection_ + options_.prefix), options_.data, data::open_acl_unsafe(),
                 create_mode::ephemeral_sequential, guard([this, a](const Result<CreateResult>& r) {
                   if (a != attempt_) {
                     // An abandoned attempt's create landed after all: take the node away.
                     if (r.ok()) remove_retrying(client_, r.value.path, {});
                     return;
                   }
                   if (r.ok()) {
                     node_ = std::string(base_name(r.value.path));
                     session_ = client_.session_id();
                     check();
                   } else if (r.err == Err::no_node) {
                     ensure_path(client_, options_.dir, guard([this, a](Err e) {
                                   if (a != attempt_) return;
                                   if (e == Err::ok || retryable(client_, e)) return create_node();
                                   if (e != Err::session_expired) fail(e);
                                 }));
                   } else if (retryable(client_, r.err)) {
                     find_node();  // did it land? look for our GUID before creating again
                   } else if (r.err != Err::session_expired) {  // expiry: on_state(lost) starts over
                     fail(r.err);
                   }
                 }));
}

void SequenceLock::find_node() {
  auto a = attempt_;
  client_.get_children(options_.dir, nullptr, false, guard([this, a](const Result<ChildrenResult>& r) {
                         if (a != attempt_) return;
                         if (retryable(client_, r.err)) return find_node();
                         if (r.err == Err::session_expired) return;
                         if (!r.ok()) return create_node();  // NoNode: create_node makes the dir
                         for (const auto& c : r.value.children)
                           if (c.compare(0, protection_.size(), protection_) == 0) {
                             node_ = c;
                             session_ = client_.session_id();
                             return check();
                           }
                         create_node();
                       }));
}

void SequenceLock::check() {
  if (phase_ != Phase::suspended) phase_ = Phase::checking;
  auto a = attempt_;
  auto g = ++check_gen_;
  client_.get_children(options_.dir, nullptr, false, guard([this, a, g](const Result<ChildrenResult>& r) {
                         if (a != attempt_ || g != check_gen_) return;
                         if (retryable(client_, r.err)) return check();
                         if (r.err == Err::session_expired) return;
                         if (r.err == Err::no_node) return node_gone();
                         if (!r.ok()) return fail(r.err);
                         decide(r.value.children, /*watching_dir=*/false);
                       }));
}

void SequenceLock::decide(const std::vector<std::string>& children, bool watching_dir) {
  auto sorted = sorted_by_sequence(children, options_.family);
  auto it = std::find(sorted.begin(), sorted.end(), node_);
  if (it == sorted.end()) return node_gone();
  auto idx = static_cast<std::size_t>(it - sorted.begin());
  std::string target;  // the node to wait for; empty: wait for any change of the directory
  bool ok = false;
  switch (options_.rule) {
    case SequenceLockOptions::Rule::exclusive:
      ok = idx == 0;
      if (!ok) target = sorted[idx - 1];
      break;
    case SequenceLockOptions::Rule::shared:
      ok = true;
      for (std::size_t i = 0; i < idx; ++i) {
        auto bare = strip_protection(sorted[i]);
        for (const auto& b : options_.blockers)
          if (bare.substr(0, b.size()) == b) {
            ok = false;
            target = sorted[i];  // the last blocker before us
          }
      }
      break;
    case SequenceLockOptions::Rule::permits:
      ok = idx < static_cast<std::size_t>(std::max(1, options_.permits));
      break;
  }
  if (ok) return become_held();
  phase_ = Phase::waiting;
  if (watching_dir) return;  // the children watch that brought these children is armed
  auto a = attempt_;
  auto g = check_gen_;
  auto w = make_watcher(guard([this, a](const WatchedEvent& e) {
    if (a != attempt_ || e.type == event_type::none) return;
    if (phase_ == Phase::waiting) check();
  }));
  if (target.empty()) {
    client_.get_children(options_.dir, w, false, guard([this, a, g](const Result<ChildrenResult>& r) {
                           if (a != attempt_ || g != check_gen_) return;
                           if (retryable(client_, r.err)) return check();
                           if (r.err == Err::session_expired) return;
                           if (!r.ok()) return node_gone();
                           decide(r.value.children, /*watching_dir=*/true);
                         }));
  } else {
    client_.exists(join_path(options_.dir, target), w, guard([this, a, g](const Result<jute::Stat>& r) {
                     if (a != attempt_ || g != check_gen_) return;
                     if (r.err == Err::session_expired) return;
                     // Gone already (NoNode), or unknown: look again. Ok: wait for the watch.
                     if (!r.ok()) check();
                   }));
  }
}

void SequenceLock::become_held() {
  if (client_.state() != State::connected) {
    // The answer came just before the connection went: do not hold while suspended.
    phase_ = Phase::suspended;
    return;
  }
  phase_ = Phase::held;
  holding_ = true;
  auto cbs = std::move(waiting_);
  waiting_.clear();
  notify(HoldEvent::acquired);
  for (auto& cb : cbs) cb(Err::ok);
}

void SequenceLock::node_gone() {
  // Our node vanished (deleted by someone else, or the session ended under us).
  if (holding_) return lose(HoldEvent::lost);
  start_over();
}

void SequenceLock::lose(HoldEvent why) {
  holding_ = false;
  phase_ = Phase::idle;
  ++attempt_;
  node_.clear();
  notify(why);
  // Someone asked again meanwhile (from the listener): go on.
  if (!waiting_.empty() && phase_ == Phase::idle) start_over();
}

void SequenceLock::fail(Err e) {
  bool was_holding = holding_;
  holding_ = false;
  phase_ = Phase::idle;
  ++attempt_;
  if (!node_.empty()) remove_retrying(client_, join_path(options_.dir, node_), {});
  node_.clear();
  if (was_holding) notify(HoldEvent::lost);
  auto cbs = std::move(waiting_);
  waiting_.clear();
  for (auto& cb : cbs) cb(e);
}

void SequenceLock::on_state(State s) {
  switch (s) {
    case State::suspended:
      if (phase_ == Phase::held) {
        phase_ = Phase::suspended;
        notify(HoldEvent::suspended);
      }
      break;
    case State::connected:
      if (restart_on_connect_) return start_over();
      if (phase_ == Phase::idle || node_.empty()) return;
      if (client_.session_id() != session_) return node_gone();  // a new session: our node died with the old
      if (phase_ == Phase::suspended) check();  // still ours, still ahead?
      break;
    case State::lost:
      if (holding_) lose(HoldEvent::lost);
      if (phase_ == Phase::idle && waiting_.empty()) return;
      ++attempt_;
      node_.clear();
      if (client_.options().renew_session) {
        phase_ = Phase::creating;
        restart_on_connect_ = true;  // in the new session
      } else {
        fail(Err::session_expired);
      }
      break;
    case State::closed:
      if (holding_) lose(HoldEvent::lost);
      if (phase_ != Phase::idle) fail(Err::connection_loss);
      break;
    default:
      break;
  }
}

void SequenceLock::release(DoneCallback cb) {
  ++attempt_;
  restart_on_connect_ = false;
  waiting_.clear();
  bool was_holding = holding_;
  holding_ = false;
  phase_ = Phase::idle;
  auto node = std::move(node_);
  node_.clear();
  if (was_holding) notify(HoldEvent::released);
  if (!node.empty()) return remove_retrying(client_, join_path(options_.dir, node), std::move(cb));
  if (protection_.empty()) {
    if (cb) cb(Err::ok);
    return;
  }
  // A create may have landed unseen (its answer lost): delete whatever carries our GUID.
  auto prot = protection_;
  auto dir = options_.dir;
  auto& client = client_;
  client_.get_children(dir, nullptr, false, [&client, prot, dir, cb](const Result<ChildrenResult>& r) {
    for (const auto& c : r.value.children)
      if (c.compare(0, prot.size(), prot) == 0) return remove_retrying(client, join_path(dir, c), cb);
    if (cb) cb(Err::ok);
  });
}

void SequenceLock::contenders(Callback<std::vector<std::string>> cb) {
  auto family = options_.family;
  client_.get_children(options_.dir, nullptr, false, [family, cb](const Result<ChildrenResult>& r) {
    Result<std::vector<std::string>> out;
    out.err = r.err;
    if (r.ok())
      for (auto& n : sorted_by_sequence(r.value.children, family)) out.value.emplace_back(strip_protection(n));
    cb(out);
  });
}

}  // namespace zablab::client::recipes
