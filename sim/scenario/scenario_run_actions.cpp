// The script's actions (crash, restart, partition, ...) and single client operations, whose
// results go into the trace as op.result records.
#include "sim/scenario/scenario_run.h"

#include "core/jute/codes.h"
#include "sim/json.h"

namespace zablab::sim::scenario {

void ScenarioRun::execute(const Action& a) {
  current_text_ = a.text;
  try {
    execute_action(a);
  } catch (const Skipped& skip) {
    action_record("skip", "skipped: " + skip.why);
  }
}

void ScenarioRun::execute_action(const Action& a) {
  switch (a.kind) {
    case Action::Kind::crash: {
      auto ids = resolve(a.targets[0]);
      if (!a.bind_as.empty()) names_[a.bind_as] = ids.front();
      if (!a.crash_point.empty()) {
        // Armed, not done: the server crashes itself when it reaches the point (sim/crash_points.h).
        action_record("crash", "crash " + names_of(ids) + " when it reaches " + a.crash_point);
        for (EndpointId id : ids) w_->arm_crash_point(id, a.crash_point);
        break;
      }
      const std::string how = a.word.empty() ? "crash" : a.word;
      action_record("crash", how + " " + names_of(ids));
      for (EndpointId id : ids) {
        if (how == "kill") {
          w_->server_host(id).kill("kill");
        } else if (how == "power-off") {
          w_->server_host(id).power_off("power-off");
        } else {
          w_->crash(id);
        }
      }
      break;
    }
    case Action::Kind::restart: {
      std::vector<EndpointId> down;
      for (EndpointId id : resolve(a.targets[0]))
        if (!w_->up(id)) down.push_back(id);
      action_record("restart", down.empty() ? "nothing to restart" : "restart " + names_of(down));
      for (EndpointId id : down) w_->restart(id);
      break;
    }
    case Action::Kind::partition: {
      std::vector<std::vector<EndpointId>> groups;
      std::set<EndpointId> listed;
      int rest_group = -1;
      for (const auto& g : a.groups) {
        std::vector<EndpointId> ids;
        for (const auto& t : g) {
          if (t.kind == Target::Kind::rest) {
            rest_group = static_cast<int>(groups.size());
            continue;
          }
          for (EndpointId id : resolve(t)) {
            ids.push_back(id);
            listed.insert(id);
          }
        }
        groups.push_back(std::move(ids));
      }
      if (rest_group >= 0) {
        for (EndpointId id : w_->servers())
          if (!listed.count(id)) groups[rest_group].push_back(id);
        for (EndpointId id : w_->clients())
          if (!listed.count(id)) groups[rest_group].push_back(id);
      }
      std::string text;
      for (const auto& g : groups) text += (text.empty() ? "{" : " | {") + names_of(g) + "}";
      action_record("partition", text);
      w_->partition(groups);
      break;
    }
    case Action::Kind::isolate: {
      auto ids = resolve(a.targets[0]);
      action_record("isolate", "isolate " + names_of(ids));
      w_->isolate(ids.front());
      break;
    }
    case Action::Kind::cut:
    case Action::Kind::restore:
    case Action::Kind::latency: {
      auto from = resolve(a.targets[0]);
      auto to = resolve(a.targets[1]);
      const char* arrow = a.both_ways ? " <-> " : " -> ";
      const char* name = a.kind == Action::Kind::cut ? "cut" : a.kind == Action::Kind::restore ? "restore" : "latency";
      action_record(name, std::string(name) + " " + names_of(from) + arrow + names_of(to));
      for (EndpointId x : from) {
        for (EndpointId y : to) {
          if (x == y) continue;
          for (int dir = 0; dir < (a.both_ways ? 2 : 1); ++dir) {
            const EndpointId src = dir ? y : x, dst = dir ? x : y;
            if (a.kind == Action::Kind::cut) {
              w_->block(src, dst);
            } else if (a.kind == Action::Kind::restore) {
              w_->unblock(src, dst);
            } else {
              w_->network().set_latency(src, dst, a.duration == a.duration2 ? Latency::fixed(a.duration)
                                                                            : Latency::uniform(a.duration, a.duration2));
            }
          }
        }
      }
      break;
    }
    case Action::Kind::heal:
      action_record("heal");
      w_->heal();
      break;
    case Action::Kind::flap: {
      const EndpointId x = resolve(a.targets[0]).front(), y = resolve(a.targets[1]).front();
      action_record("flap", "flap " + name_of(x) + " <-> " + name_of(y));
      const Nanos start = w_->now();
      const std::int64_t toggles = a.duration2 / a.duration;
      for (std::int64_t i = 0; i <= toggles; ++i) {
        const bool cut = i % 2 == 0 && i < toggles;
        w_->sim().at(start + i * a.duration, [this, x, y, cut] {
          if (cut) {
            w_->block(x, y);
            w_->block(y, x);
          } else {
            w_->unblock(x, y);
            w_->unblock(y, x);
          }
        });
      }
      break;
    }
    case Action::Kind::disk: {
      auto ids = resolve(a.targets[0]);
      action_record("disk", "disk " + names_of(ids) + " " + a.word);
      for (EndpointId id : ids) {
        SimDisk& d = w_->disk(id);
        if (a.word == "full") {
          d.set_full(true);
        } else if (a.word == "ok") {
          d.set_full(false);
          d.set_sync_error(false);
          d.set_sync_latency(DiskOptions().sync_latency);
        } else if (a.word == "slow") {
          d.set_sync_latency(Latency::fixed(a.duration));
        } else if (a.word == "fast") {
          d.set_sync_latency(DiskOptions().sync_latency);
        } else if (a.word == "sync-errors") {
          d.set_sync_error(true);
        }
      }
      break;
    }
    case Action::Kind::disconnect: {
      const EndpointId c = live_client(a.targets[0]);
      action_record("disconnect", std::to_string(w_->drop_connections(c)) + " connection(s) reset");
      break;
    }
    case Action::Kind::stop_client: {
      const EndpointId c = resolve(a.targets[0]).front();
      action_record("stop");
      for (auto& r : recipes_)
        if (r->client == c) r->dead = true;
      if (w_->up(c)) w_->stop_client(c);
      break;
    }
    case Action::Kind::client_op: client_op(a); break;
    case Action::Kind::workload: workload(a); break;
    case Action::Kind::recipe: recipe(a); break;
    case Action::Kind::reset_counters:
      action_record("reset");
      notifications_base_ = notifications_;
      break;
    case Action::Kind::note:
      current_text_ = a.word;
      action_record("note");
      break;
    case Action::Kind::end:
      action_record("end");
      throw Stopped{};
    case Action::Kind::expect: expect(a.expect); break;
  }
}

EndpointId ScenarioRun::live_client(const Target& t) {
  const EndpointId c = kClientBase + t.index;
  if (!w_->up(c)) {
    if (s_.lenient) throw Skipped{name_of(c) + " is stopped"};
    stop_with_failure(name_of(c) + " is stopped");
  }
  return c;
}

void ScenarioRun::result_record(std::uint64_t op_id, Err err, const std::optional<jute::Stat>& stat,
                   const std::optional<std::string>& data, const std::string& path,
                   const std::vector<std::string>* children, const std::vector<jute::ACL>* acl) {
  Json j;
  j.num("op_id", static_cast<std::int64_t>(op_id)).str("err", err_name(err));
  if (stat) j.num("mzxid", stat->mzxid).num("version", stat->version).raw("stat", jute::to_json(*stat));
  if (data) j.str("data", *data);
  if (!path.empty()) j.str("path", path);
  if (children) {
    std::string list;
    jute::detail::json_value(list, *children);
    j.raw("children", list);
  }
  if (acl) {
    std::string list;
    jute::detail::json_value(list, *acl);
    j.raw("acl", list);
  }
  record(trace_kind::op_result, kNoEndpoint, j.done());
}

std::uint64_t ScenarioRun::issue(EndpointId c, const std::string& op, const std::string& path, const std::string& data,
                    std::int32_t flags, bool quiet, std::function<void(Err)> then, bool internal, bool watch,
                    std::int32_t version) {
  const std::uint64_t id = w_->history().size() + 1;  // the id World is about to give it
  if (op == "create" || op == "set" || op == "delete")
    record(trace_kind::op_args, c,
           Json().num("op_id", static_cast<std::int64_t>(id)).num("version", version).num("flags", flags).done());
  if (quiet && timeline_) timeline_->quiet(id);
  auto done = [this, then, internal](Err err) {
    if (!internal) ++(err == Err::ok ? ops_ok_ : ops_failed_);
    if (then) then(err);
  };
  if (op == "create") {
    w_->create(c, path, data, flags, [this, id, done](const client::Result<client::CreateResult>& r) {
      result_record(id, r.err, r.value.stat, std::nullopt, r.ok() ? r.value.path : std::string());
      done(r.err);
    });
  } else if (op == "set") {
    w_->set_data(c, path, data, version, [this, id, done](const client::Result<jute::Stat>& r) {
      result_record(id, r.err, r.ok() ? std::optional<jute::Stat>(r.value) : std::nullopt);
      done(r.err);
    });
  } else if (op == "get") {
    w_->get_data(
        c, path,
        [this, id, c, done](const client::Result<jute::GetDataResponse>& r) {
          last_read_[c] = r.ok() ? std::optional<std::string>(r.value.data.value_or("")) : std::nullopt;
          last_read_version_[c] = r.ok() ? r.value.stat.version : -1;
          result_record(id, r.err, r.ok() ? std::optional<jute::Stat>(r.value.stat) : std::nullopt,
                        r.ok() ? std::optional<std::string>(r.value.data.value_or("")) : std::nullopt);
          done(r.err);
        },
        watch);
  } else if (op == "delete") {
    w_->remove(c, path, version, [this, id, done](Err err) {
      result_record(id, err, std::nullopt);
      done(err);
    });
  } else if (op == "sync") {
    w_->sync(c, path, [done](const client::Result<std::string>& r) { done(r.err); });
  } else if (op == "exists") {
    w_->exists(
        c, path,
        [this, id, done](const client::Result<jute::Stat>& r) {
          result_record(id, r.err, r.ok() ? std::optional<jute::Stat>(r.value) : std::nullopt);
          done(r.err);
        },
        watch);
  } else if (op == "children" || op == "children2") {
    w_->get_children(
        c, path,
        [this, id, done](const client::Result<client::ChildrenResult>& r) {
          result_record(id, r.err, r.ok() ? r.value.stat : std::nullopt, std::nullopt, {},
                        r.ok() ? &r.value.children : nullptr);
          done(r.err);
        },
        watch, op == "children2");
  } else if (op == "acl") {
    w_->get_acl(c, path, [this, id, done](const client::Result<jute::GetACLResponse>& r) {
      result_record(id, r.err, r.ok() ? std::optional<jute::Stat>(r.value.stat) : std::nullopt, std::nullopt, {},
                    nullptr, r.ok() ? &r.value.acl : nullptr);
      done(r.err);
    });
  } else if (op == "close") {
    w_->close_session(c, [done](Err err) { done(err); });
  }
  return id;
}

void ScenarioRun::client_op(const Action& a) {
  const EndpointId c = live_client(a.targets[0]);
  action_record("op");
  issue(c, a.word, a.path, a.data.value_or(""), a.flags, false);
}

}  // namespace zablab::sim::scenario
