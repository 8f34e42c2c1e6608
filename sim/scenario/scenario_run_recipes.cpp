// The lock and leader-election recipes: ephemeral-sequential children of a parent; the lowest
// holds, the others watch (the one before them, or the parent when `herd`).
#include "sim/scenario/scenario_run.h"

#include <algorithm>

#include "core/jute/codes.h"
#include "sim/json.h"

namespace zablab::sim::scenario {

void ScenarioRun::recipe(const Action& a) {
  const EndpointId c = live_client(a.targets[0]);
  auto r = std::make_shared<Recipe>();
  r->client = c;
  r->parent = a.path;
  r->herd = a.herd;
  r->what = a.word == "election" ? "leadership of" : "the lock";
  recipes_.push_back(r);
  action_record("recipe");
  ensure_path(c, a.path);
  const std::uint64_t id = w_->history().size() + 1;
  issue(c, "create", a.path + "/n-", "", create_mode::ephemeral_sequential, false, [this, r, id](Err err) {
    if (err != Err::ok || r->dead) {
      r->dead = true;
      return;
    }
    const std::string& created = w_->op(id).data;
    r->node = created.substr(created.rfind('/') + 1);
    check_holder(r);
  });
}

void ScenarioRun::check_holder(const std::shared_ptr<Recipe>& r) {
  if (r->dead || !w_->up(r->client)) return;
  auto watcher = client::make_watcher([this, r](const client::WatchedEvent& e) {
    if (e.type != event_type::none) check_holder(r);
  });
  w_->client_host(r->client).invoke([this, r, watcher](client::ClientNode&) {
    w_->client(r->client).get_children(r->parent, r->herd ? watcher : nullptr, false,
                                       [this, r](const client::Result<client::ChildrenResult>& res) {
                                         on_children(r, res);
                                       });
  });
}

void ScenarioRun::on_children(const std::shared_ptr<Recipe>& r, const client::Result<client::ChildrenResult>& res) {
  if (r->dead) return;
  if (!res.ok()) {
    if (res.err == Err::connection_loss) w_->sim().after(500 * kMillisecond, [this, r] { check_holder(r); });
    return;
  }
  std::vector<std::string> kids = res.value.children;
  std::sort(kids.begin(), kids.end());
  auto me = std::find(kids.begin(), kids.end(), r->node);
  if (me == kids.end()) {
    r->dead = true;  // our node is gone (the session expired)
    return;
  }
  if (me == kids.begin()) {
    if (!r->holds) {
      r->holds = true;
      record(trace_kind::recipe_holds, r->client,
             Json().str("what", r->what).str("path", r->parent).str("node", r->parent + "/" + r->node).done());
    }
    return;
  }
  if (r->herd) return;  // the children watch set by getChildren wakes us
  const std::string predecessor = r->parent + "/" + *(me - 1);
  auto watcher = client::make_watcher([this, r](const client::WatchedEvent& e) {
    if (e.type != event_type::none) check_holder(r);
  });
  w_->client(r->client).exists(predecessor, watcher, [this, r](const client::Result<jute::Stat>& st) {
    if (r->dead) return;
    if (st.err == Err::no_node) check_holder(r);  // it went away meanwhile
    if (st.err == Err::connection_loss) w_->sim().after(500 * kMillisecond, [this, r] { check_holder(r); });
  });
}

}  // namespace zablab::sim::scenario
