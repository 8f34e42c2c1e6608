#include "core/client/recipes/queue.h"

#include "core/data/acl.h"

namespace zablab::client::recipes {

namespace {
std::string claim_name(const std::string& entry) { return "claim-" + entry; }
}  // namespace

Queue::Queue(Client& client, std::string dir) : client_(client), dir_(std::move(dir)) {
  listener_id_ = client_.add_state_listener(guard([this](State s) {
    if (s == State::connected && taking_) list();  // supersedes a look lost with the session
  }));
}

Queue::~Queue() { client_.remove_state_listener(listener_id_); }

void Queue::put(std::string data, Callback<std::string> cb) {
  // A put retried after ConnectionLoss may add the item twice: producers that care put with a
  // unique payload and consumers drop duplicates (see labs/exercises, reliable messaging).
  client_.create(join_path(dir_, "entry-"), data, data::open_acl_unsafe(), create_mode::persistent_sequential,
                 guard([this, data, cb](const Result<CreateResult>& r) {
                   if (r.err == Err::no_node)
                     return ensure_path(client_, dir_, guard([this, data, cb](Err e) {
                                          if (e != Err::ok) return cb({e, {}});
                                          put(data, cb);
                                        }));
                   cb({r.err, r.value.path});
                 }));
}

void Queue::take(Callback<std::string> cb) {
  if (!ready_.empty()) {  // taken earlier by a superseded look (see took())
    auto data = std::move(ready_.front());
    ready_.pop_front();
    return cb({Err::ok, std::move(data)});
  }
  takers_.push_back(std::move(cb));
  if (!taking_) next_take();
}

void Queue::size(Callback<std::int32_t> cb) {
  client_.get_children(dir_, nullptr, false, [cb](const Result<ChildrenResult>& r) {
    cb({r.err, static_cast<std::int32_t>(sorted_by_sequence(r.value.children, {"entry-"}).size())});
  });
}

void Queue::next_take() {
  if (takers_.empty()) {
    taking_ = false;
    return;
  }
  taking_ = true;
  list();
}

// Every look supersedes the previous one (gen_): a watch firing, a reconnect and a retry can
// each start one, and only the newest may go on. A superseded look that already won an item
// still delivers it (took()), so nothing taken is dropped.
void Queue::list() {
  auto g = ++gen_;
  client_.get_children(dir_, nullptr, false, guard([this, g](const Result<ChildrenResult>& r) {
                         if (g != gen_) return;
                         if (retryable(client_, r.err)) return list();
                         if (r.err == Err::session_expired) return;  // on_state looks again in the new session
                         if (r.err == Err::no_node)
                           return ensure_path(client_, dir_, guard([this, g](Err) {
                                                if (g == gen_) list();
                                              }));
                         auto entries = sorted_by_sequence(r.value.children, {"entry-"});
                         if (!entries.empty()) return try_take(g, std::move(entries), 0);
                         // Empty: watch the children (set only now, or watches would pile up).
                         auto w = make_watcher(guard([this, g](const WatchedEvent& e) {
                           if (g == gen_ && taking_ && e.type != event_type::none) list();
                         }));
                         client_.get_children(dir_, w, false, guard([this, g](const Result<ChildrenResult>& again) {
                                                if (g != gen_) return;
                                                // Filled meanwhile: no event will come for it.
                                                if (!again.ok() || !sorted_by_sequence(again.value.children, {"entry-"}).empty())
                                                  list();
                                              }));
                       }));
}

void Queue::try_take(std::uint64_t g, std::vector<std::string> entries, std::size_t i) {
  if (g != gen_) return;
  if (i == entries.size()) return list();
  auto entry = entries[i];
  client_.get_data(join_path(dir_, entry), nullptr,
                   guard([this, g, entries, i, entry](const Result<jute::GetDataResponse>& r) {
                     if (g != gen_) return;
                     if (r.err == Err::no_node) return try_take(g, entries, i + 1);  // taken by another
                     if (!r.ok()) return list();
                     std::string data = r.value.data.value_or("");
                     std::vector<Op> ops{DeleteOp{join_path(dir_, entry), r.value.stat.version},
                                         CreateOp{join_path(dir_, claim_name(entry)), std::string(),
                                                  data::open_acl_unsafe(), create_mode::ephemeral, 0}};
                     client_.multi(std::move(ops), guard([this, g, entries, i, entry, data](const Result<std::vector<OpResult>>& m) {
                                     if (m.ok()) return took(g, entry, data);  // ours, superseded or not
                                     if (retryable(client_, m.err)) return resolve_claim(g, entries, i, data);
                                     if (g != gen_) return;
                                     if (m.err == Err::no_node || m.err == Err::node_exists || m.err == Err::bad_version)
                                       return try_take(g, entries, i + 1);
                                     list();
                                   }));
                   }));
}

void Queue::resolve_claim(std::uint64_t g, std::vector<std::string> entries, std::size_t i, std::string data) {
  auto entry = entries[i];
  client_.exists(join_path(dir_, claim_name(entry)), nullptr,
                 guard([this, g, entries, i, entry, data](const Result<jute::Stat>& r) {
                   if (retryable(client_, r.err)) return resolve_claim(g, entries, i, data);
                   if (r.ok() && r.value.ephemeral_owner == client_.session_id()) return took(g, entry, data);
                   if (g == gen_) list();  // not executed, or another consumer's: look again
                 }));
}

void Queue::took(std::uint64_t g, const std::string& entry, std::string data) {
  client_.remove(join_path(dir_, claim_name(entry)), -1, [](Err) {});  // best effort: ephemeral anyway
  if (takers_.empty()) {
    ready_.push_back(std::move(data));
  } else {
    auto cb = std::move(takers_.front());
    takers_.pop_front();
    cb({Err::ok, std::move(data)});
  }
  if (g != gen_) return;  // a newer look is under way
  taking_ = false;
  next_take();
}

}  // namespace zablab::client::recipes
