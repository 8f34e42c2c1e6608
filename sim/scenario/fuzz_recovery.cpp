#include "sim/scenario/fuzz_recovery.h"

#include <vector>

#include "sim/crash_points.h"

namespace zablab::sim::scenario {
namespace {

// A weighted pick: each entry appears `weight` times.
template <class T>
const T& weighted(util::Prng& rng, const std::vector<std::pair<T, int>>& items) {
  int total = 0;
  for (const auto& [item, weight] : items) total += weight;
  std::int64_t r = rng.uniform(0, total - 1);
  for (const auto& [item, weight] : items) {
    if (r < weight) return item;
    r -= weight;
  }
  return items.back().first;
}

}  // namespace

std::string recovery_fault_steps(util::Prng& rng, const RecoveryFault& f) {
  auto crash = [&f] { return f.crash_word ? f.crash_word() : std::string("crash"); };
  const std::string lag = "lag" + std::to_string(f.number);
  const std::string oth = "oth" + std::to_string(f.number);
  const std::string any_server = "s" + std::to_string(rng.uniform(1, f.servers));
  std::string out = "at " + std::to_string(f.at / kMillisecond) + "ms: " + crash() + " follower as " + lag + "\n";
  // A second follower down: the leader loses its quorum, and the lagging server's ACK will count
  // toward the next epoch's.
  const bool second = rng.chance(2, 3);
  if (second) out += "after " + std::to_string(rng.uniform(200, 3000)) + "ms: " + crash() + " follower as " + oth + "\n";
  // Long enough, often, for the leader to notice (a few ticks) and go looking.
  out += "after " + std::to_string(rng.uniform(300, 6000)) + "ms: ";
  const bool point = f.kind == "crash-point" && f.arm_point;
  if (point) {
    const auto& points = crash_points();
    out += "crash " + lag + " at " + std::string(points[static_cast<std::size_t>(rng.uniform(0, static_cast<std::int64_t>(points.size()) - 1))].name) + "; ";
  }
  out += "restart " + lag + "\n";
  // What happens at the chosen moment.
  const std::string survivors = second ? "restart " + lag + "; restart " + oth : "restart " + lag + "; restart " + any_server;
  const std::string c1 = crash(), c2 = crash(), c3 = crash();
  const std::string reaction = weighted<std::string>(
      rng, {{c1 + " all; " + survivors, 4}, {c1 + " " + lag, 1}, {c1 + " leader", 1}, {c2 + " " + lag + "; " + c3 + " leader", 1}});
  if (point) {
    if (rng.chance(3, 4)) out += "when " + lag + " goes down within 20s: " + reaction + "\n";
    return out;
  }
  const std::string message = weighted<std::string>(
      rng, {{"UPTODATE", 4}, {"NEWLEADER", 3}, {"DIFF", 1}, {"TRUNC", 1}, {"SNAP", 1}, {"PROPOSAL", 1}, {"COMMIT", 1}});
  const bool sends_ack = rng.chance(1, 5);
  out += "when " + lag + (sends_ack ? " sends ACK" : " receives " + message) + " within 20s: " + reaction + "\n";
  return out;
}

}  // namespace zablab::sim::scenario
