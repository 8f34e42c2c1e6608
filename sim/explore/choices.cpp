#include "sim/explore/choices.h"

#include <algorithm>

#include "sim/crash_points.h"

namespace zablab::sim::explore {
namespace {

std::string ms(Nanos t) { return std::to_string(t / kMillisecond) + "ms"; }

// Crashes, restarts and armings touch one server's process and disk, and schedule (not run) what
// the network does about it: two of them at the same instant on different servers commute.
bool instant_on_server(const Choice& c) {
  return c.kind == Choice::Kind::crash || c.kind == Choice::Kind::restart || c.kind == Choice::Kind::crash_point;
}

}  // namespace

std::vector<Choice> enabled_choices(const ChoiceSpace& space, const std::vector<bool>& up, const Used& used) {
  const ExploreBounds& b = space.bounds;
  std::vector<Choice> out;
  out.push_back({Choice::Kind::wait, 0, "after " + ms(space.step) + ": note \"wait\""});
  std::vector<std::string> points = space.crash_points;
  if (points.empty())
    for (const auto& p : crash_points()) points.emplace_back(p.name);
  for (int s = 1; s <= static_cast<int>(up.size()); ++s) {
    const std::string name = "s" + std::to_string(s);
    if (up[static_cast<std::size_t>(s - 1)]) {
      if (used.crashes < b.max_crashes) {
        out.push_back({Choice::Kind::crash, s, "after 0s: crash " + name});
        for (const auto& m : space.messages)
          out.push_back({Choice::Kind::crash_at_message, s,
                         "when " + name + " receives " + m + " within " + ms(space.step) + ": crash " + name});
      }
      if (used.partitions < b.max_partitions && !used.partitioned)
        out.push_back({Choice::Kind::isolate, s, "after 0s: isolate " + name});
    } else if (used.restarts < b.max_restarts) {
      out.push_back({Choice::Kind::restart, s, "after 0s: restart " + name});
    }
    // Up or down: an armed point fires when the server next reaches it, in this life or the next.
    if (used.crash_points < b.max_crash_points)
      for (const auto& p : points) out.push_back({Choice::Kind::crash_point, s, "after 0s: crash " + name + " at " + p});
  }
  if (used.partitioned) out.push_back({Choice::Kind::heal, 0, "after 0s: heal"});
  if (used.transactions < b.max_transactions) {
    const std::string k = std::to_string(used.transactions + 1);
    out.push_back({Choice::Kind::write, 0, "after 0s: c1 create /t" + k + " \"" + k + "\""});
  }
  if (used.reads < b.max_reads) {
    // The newest write's znode (absent until its create commits: NoNode is an answer to check too),
    // read by c1 (on the highest server, the first leader) and by c2 (on s1, a follower at first).
    const std::string path = "/t" + std::to_string(std::max(1, used.transactions));
    for (const char* client : {"c1", "c2"}) {
      const std::string c = client;
      out.push_back({Choice::Kind::read, 0, "after 0s: " + c + " get " + path});
      out.push_back({Choice::Kind::read, 0,
                     "after 0s: " + c + " sync " + path + "\nwhen " + c + " done within " + ms(space.step) + ": " + c +
                         " get " + path});
    }
  }
  if (!used.owner_stopped) {
    // c3's ephemerals, then its death: its session expires one timeout (4 s) later, and every
    // server must delete them when it applies the closeSession.
    if (used.ephemerals < b.max_ephemerals) {
      const std::string k = std::to_string(used.ephemerals + 1);
      out.push_back({Choice::Kind::ephemeral, 0, "after 0s: c3 create /e" + k + " \"" + k + "\" ephemeral"});
    }
    if (used.ephemerals > 0) out.push_back({Choice::Kind::stop_owner, 0, "after 0s: stop c3"});
  }
  return out;
}

Used after(const Used& used, const Choice& c) {
  Used u = used;
  switch (c.kind) {
    case Choice::Kind::crash:
    case Choice::Kind::crash_at_message: ++u.crashes; break;
    case Choice::Kind::crash_point: ++u.crash_points; break;
    case Choice::Kind::restart: ++u.restarts; break;
    case Choice::Kind::isolate:
      ++u.partitions;
      u.partitioned = true;
      break;
    case Choice::Kind::heal: u.partitioned = false; break;
    case Choice::Kind::write: ++u.transactions; break;
    case Choice::Kind::read: ++u.reads; break;
    case Choice::Kind::ephemeral: ++u.ephemerals; break;
    case Choice::Kind::stop_owner: u.owner_stopped = true; break;
    case Choice::Kind::wait: break;
  }
  return u;
}

bool redundant_order(const Choice& previous, const Choice& next) {
  return instant_on_server(previous) && instant_on_server(next) && next.server < previous.server;
}

}  // namespace zablab::sim::explore
