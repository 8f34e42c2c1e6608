#include "sim/explore/bounds.h"

#include <charconv>
#include <sstream>

namespace zablab::sim::explore {

const std::vector<BoundInfo>& bound_infos() {
  static const std::vector<BoundInfo> kBounds = {
      {"servers", "servers in the ensemble (3 or 5)", &ExploreBounds::servers, 3, 7},
      {"max-epoch", "do not expand a state where an epoch above this was accepted", &ExploreBounds::max_epoch, 1, 100},
      {"max-transactions", "client writes the search may issue", &ExploreBounds::max_transactions, 0, 100},
      {"max-reads", "client reads, plain or after a sync (above 0: a second client, on s1, reads too)",
       &ExploreBounds::max_reads, 0, 100},
      {"max-ephemerals",
       "ephemeral znodes created by a third client, c3 on s2 with a 4 s session, whose process may die so that its "
       "session expires (above 0: c3 joins)",
       &ExploreBounds::max_ephemerals, 0, 100},
      {"max-crashes", "server crashes, plain or at a message", &ExploreBounds::max_crashes, 0, 100},
      {"max-restarts", "server restarts", &ExploreBounds::max_restarts, 0, 100},
      {"max-partitions", "isolations of one server (healed by a later choice)", &ExploreBounds::max_partitions, 0, 100},
      {"max-crash-points", "persistence crash points armed", &ExploreBounds::max_crash_points, 0, 100},
      {"depth", "choices along one path", &ExploreBounds::depth, 1, 10000},
  };
  return kBounds;
}

namespace {

std::string valid_list() {
  std::string out;
  for (const auto& b : bound_infos()) out += (out.empty() ? "" : ", ") + b.name;
  return out;
}

}  // namespace

std::optional<std::string> parse_bounds(const std::string& text, ExploreBounds& b) {
  std::istringstream in(text);
  std::string item;
  while (std::getline(in, item, ',')) {
    if (item.empty()) continue;
    const auto eq = item.find('=');
    if (eq == std::string::npos) return "bound '" + item + "' wants NAME=VALUE; valid bounds: " + valid_list();
    const std::string name = item.substr(0, eq), value = item.substr(eq + 1);
    const BoundInfo* info = nullptr;
    for (const auto& i : bound_infos())
      if (i.name == name) info = &i;
    if (!info) return "unknown bound '" + name + "'; valid bounds: " + valid_list();
    int v = 0;
    const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), v);
    if (ec != std::errc() || end != value.data() + value.size())
      return "bound " + name + " wants a number, got '" + value + "'";
    if (v < info->lo || v > info->hi)
      return "bound " + name + " is between " + std::to_string(info->lo) + " and " + std::to_string(info->hi) +
             ", got " + value;
    b.*(info->field) = v;
  }
  return std::nullopt;
}

std::string describe(const ExploreBounds& b) {
  std::string out;
  for (const auto& i : bound_infos()) out += (out.empty() ? "" : " ") + i.name + "=" + std::to_string(b.*(i.field));
  return out;
}

}  // namespace zablab::sim::explore
