#include "sim/scenario/fuzz.h"

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <functional>
#include <regex>
#include <sstream>

#include "core/util/prng.h"
#include "sim/scenario/bugs.h"
#include "sim/scenario/fuzz_recovery.h"
#include "sim/scenario/timeline_printer.h"

namespace zablab::sim::scenario {
namespace {

std::string ms_text(Nanos t) { return std::to_string(t / kMillisecond) + "ms"; }

std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) out.push_back(line);
  return out;
}

std::string join_lines(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& l : lines) out += l + "\n";
  return out;
}

constexpr const char* kLivenessMarker = "# liveness:";

bool is_step_line(const std::string& line) {
  return line.rfind("at ", 0) == 0 || line.rfind("when ", 0) == 0 || line.rfind("after ", 0) == 0;
}

// The step lines the shrinker may delete: not those of the liveness phase, or a scenario that
// never heals could "fail the same way" for a reason of its own.
std::vector<bool> removable(const std::vector<std::string>& lines) {
  std::vector<bool> out(lines.size(), false);
  bool liveness = false;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    if (lines[i].rfind(kLivenessMarker, 0) == 0) liveness = true;
    out[i] = !liveness && is_step_line(lines[i]);
  }
  return out;
}

RunResult run_text(const std::string& text) { return run_scenario_text(text); }

// The generator's fault kinds, in the order a seed draws them (the order is part of what a seed
// generates, so new kinds go at the end). A seed turns each kind of the swarm on or off itself.
const std::vector<std::string> kFaultKinds = {"crash-leader", "crash-follower", "crash-many", "partition",
                                              "isolate-leader", "one-way", "slow-link", "slow-disk",
                                              "disconnect", "outage", "flap", "disk-full", "disk-errors",
                                              "crash-point", "crash-at-message"};
// The disk faults stay out of the swarm while the correct code fails under them (a failing fsync
// ends in zab.prefix-agreement: scenarios/known-bugs/fuzz-sync-errors-prefix.scn): a sweep of the
// correct code must be clean to tell a deliberate bug's findings apart. `--faults disk` or `all`
// still uses them; turn this on once that is fixed.
constexpr bool kSwarmDiskFaults = false;

}  // namespace

RunResult run_scenario_text(const std::string& text, const RunOptions& options) {
  ParseResult p = parse_scenario(text, "<fuzz>");
  if (!p.scenario) {
    RunResult r;
    r.failures.push_back("does not parse: " + p.describe("<fuzz>"));
    return r;
  }
  return run_scenario(*p.scenario, options);
}

const std::vector<std::string>& fuzz_fault_kinds() { return kFaultKinds; }
bool swarm_picks(const std::string& kind) { return kSwarmDiskFaults || (kind != "disk-full" && kind != "disk-errors"); }

std::optional<std::string> parse_fault_list(const std::string& text, std::vector<std::string>& out) {
  static const std::vector<std::pair<std::string, std::vector<std::string>>> kGroups = {
      {"all", kFaultKinds},
      {"crash", {"crash-leader", "crash-follower", "crash-many", "outage", "crash-point", "crash-at-message"}},
      {"network", {"partition", "isolate-leader", "one-way", "slow-link", "flap"}},
      {"disk", {"slow-disk", "disk-full", "disk-errors"}},
      {"client", {"disconnect"}}};
  out.clear();
  std::istringstream in(text);
  std::string name;
  while (std::getline(in, name, ',')) {
    if (name.empty()) continue;
    std::vector<std::string> add;
    for (const auto& [group, kinds] : kGroups)
      if (name == group) add = kinds;
    if (add.empty() && std::find(kFaultKinds.begin(), kFaultKinds.end(), name) != kFaultKinds.end()) add = {name};
    if (add.empty()) {
      std::string valid;
      for (const auto& k : kFaultKinds) valid += (valid.empty() ? "" : ", ") + k;
      std::string groups;
      for (const auto& g : kGroups) groups += (groups.empty() ? "" : ", ") + g.first;
      return "unknown fault kind '" + name + "'; valid kinds: " + valid + "; groups: " + groups;
    }
    for (const auto& k : add)
      if (std::find(out.begin(), out.end(), k) == out.end()) out.push_back(k);
  }
  if (out.empty()) return "no fault kind named in '" + text + "'";
  // The generator's order, whatever order they were named in.
  std::vector<std::string> ordered;
  for (const auto& k : kFaultKinds)
    if (std::find(out.begin(), out.end(), k) != out.end()) ordered.push_back(k);
  out = std::move(ordered);
  return std::nullopt;
}

std::string failure_signature(const RunResult& result) {
  if (result.violation && !result.violation_expected) return "violation:" + result.violation->invariant;
  if (result.failures.empty()) return "";
  // "file:line:col: at T: message": the message without where and when.
  std::string f = result.failures.front();
  const auto at = f.find(": at ");
  if (at != std::string::npos) {
    const auto colon = f.find(": ", at + 5);
    if (colon != std::string::npos) f = f.substr(colon + 2);
  }
  const auto dash = f.find(" -- ");
  if (dash != std::string::npos) f.resize(dash);
  return "fail:" + f;
}

FuzzCase generate_fuzz_case(std::uint64_t seed, int servers, const std::string& bug) {
  FuzzShape shape;
  shape.servers = servers;
  shape.bug = bug;
  return generate_fuzz_case(seed, shape);
}

FuzzCase generate_fuzz_case(std::uint64_t seed, const FuzzShape& shape) {
  const int servers = shape.servers;
  const std::string& bug = shape.bug;
  util::Prng rng(seed * 0x9E3779B97F4A7C15ULL + 0x51ED);
  auto pick = [&](std::int64_t lo, std::int64_t hi) { return rng.uniform(lo, hi); };
  auto coin = [&](int num, int den) { return rng.chance(static_cast<std::uint64_t>(num), static_cast<std::uint64_t>(den)); };

  // --- swarm: this seed's options ---
  int voters = servers == 3 || servers == 5 ? servers : (coin(1, 2) ? 3 : 5);
  if (bug == "split-config") voters = 5;  // with 3, the minority is a lone voter (see bugs.h)
  int observers = coin(1, 4) ? 1 : 0;
  if (bug == "reorder-inform") observers = 1;
  const std::int64_t tick_ms = std::vector<std::int64_t>{250, 500, 1000, 2000}[static_cast<std::size_t>(pick(0, 3))];
  const int clients = static_cast<int>(pick(2, 3));
  struct Fault {
    const char* name;
    bool on;
  };
  std::vector<Fault> faults = {{"crash-leader", coin(2, 3)}, {"crash-follower", coin(1, 2)}, {"crash-many", coin(1, 3)},
                               {"partition", coin(2, 3)},    {"isolate-leader", coin(1, 2)}, {"one-way", coin(1, 3)},
                               {"slow-link", coin(1, 2)},    {"slow-disk", coin(1, 3)},      {"disconnect", coin(1, 2)},
                               {"outage", coin(1, 4)},       {"flap", coin(1, 4)},           {"disk-full", coin(1, 6) && kSwarmDiskFaults},
                               {"disk-errors", coin(1, 6) && kSwarmDiskFaults},  {"crash-point", coin(1, 3)},    {"crash-at-message", coin(1, 3)}};
  // Some bugs need a particular fault to show: make sure this seed has it.
  auto force = [&](const char* name) {
    for (auto& f : faults)
      if (std::string_view(f.name) == name) f.on = true;
  };
  if (bug == "stale-reconnect" || bug == "sync-no-barrier") {
    force("slow-link");
    force("disconnect");
  }
  if (bug == "ack-before-fsync") force("outage");
  if (bug == "split-config" || bug == "commit-without-quorum") force("partition");
  if (bug == "election-ignores-zxid") force("crash-leader");
  if (!shape.faults.empty())
    for (auto& f : faults) f.on = std::find(shape.faults.begin(), shape.faults.end(), f.name) != shape.faults.end();
  bool any = false;
  for (auto& f : faults) any = any || f.on;
  if (!any) faults[static_cast<std::size_t>(pick(0, static_cast<std::int64_t>(faults.size()) - 1))].on = true;
  const Nanos mean_gap = pick(1500, 6000) * kMillisecond;
  const Nanos picked_phase = pick(30, 70) * kSecond;
  const Nanos fault_phase = shape.fault_phase > 0 ? shape.fault_phase : picked_phase;
  const std::int64_t write_rate = pick(5, 40);
  const std::int64_t read_rate = pick(2, 20);
  const Nanos session = std::max<Nanos>(4 * tick_ms * kMillisecond, pick(4, 10) * kSecond);

  // How this seed's servers go down: killed (the page cache keeps un-fsynced writes, peers see the
  // reset at once), powered off (un-fsynced writes lost, peers notice only by their timeouts), or
  // each crash one of the two. Drawn from a stream of its own, so that adding it left every other
  // choice of a seed (its faults, their times, the workload) as it was.
  util::Prng how_rng(seed * 0xD1B54A32D192ED03ULL + 0xC4A5);
  enum class CrashStyle { kill, power_off, mixed };
  const auto style = static_cast<CrashStyle>(how_rng.uniform(0, 2));
  auto crash_word = [&how_rng, style]() -> std::string {
    const bool kill = style == CrashStyle::kill || (style == CrashStyle::mixed && how_rng.chance(1, 2));
    return kill ? "kill" : "power-off";
  };
  const char* style_text = style == CrashStyle::kill ? "kill" : style == CrashStyle::power_off ? "power-off" : "kill or power-off";

  std::string swarm = "seed " + std::to_string(seed) + ": " + std::to_string(voters) + " voters";
  if (observers) swarm += " + " + std::to_string(observers) + " observer";
  swarm += ", tick " + std::to_string(tick_ms) + "ms, " + std::to_string(clients) + " clients, writes " +
           std::to_string(write_rate) + "/s, sync+reads " + std::to_string(read_rate) + "/s, faults every ~" +
           ms_text(mean_gap) + " for " + format_time(fault_phase) + ": ";
  bool first = true;
  for (const auto& f : faults)
    if (f.on) {
      swarm += std::string(first ? "" : ",") + f.name;
      first = false;
    }

  // Watches, ephemerals and a session that expires: drawn from a stream of their own, like the
  // crash style, so every other choice of a seed stayed as it was when they came.
  util::Prng watch_rng(seed * 0x2545F4914F6CDD1DULL + 0x7A7C);
  const std::int64_t watch_rate = watch_rng.chance(3, 4) ? watch_rng.uniform(2, 10) : 0;
  const std::int64_t ephemeral_rate = watch_rng.chance(3, 4) ? watch_rng.uniform(4, 12) : 0;
  std::vector<std::pair<Nanos, std::string>> extra_steps;  // (time, action), merged into the fault schedule
  if (ephemeral_rate > 0 && watch_rng.chance(2, 3)) {
    // The ephemerals' client (one of its own, which no other fault picks) is cut off for longer
    // than its session timeout: the session expires, its ephemerals must go, and the client comes
    // back with a new session to read its old names.
    // The healing waits for it (the liveness phase's heal comes no earlier), and the workload goes
    // on for a while after it.
    const Nanos at = watch_rng.uniform(2, std::max<std::int64_t>(2, fault_phase / kSecond / 2)) * kSecond;
    extra_steps.emplace_back(at, "isolate c" + std::to_string(clients + 1));
    extra_steps.emplace_back(at + session + watch_rng.uniform(1000, 4000) * kMillisecond, "heal");
  }
  const Nanos expiry_healed = extra_steps.empty() ? 0 : extra_steps.back().first;
  // Read-modify-writes by two clients on one znode (setData expecting the version just read): a
  // stream of its own too. One of two racing updates must get BadVersion, or one is lost.
  util::Prng update_rng(seed * 0x9E3779B97F4A7C15ULL + 0x51ED);
  const std::int64_t update_rate = update_rng.chance(3, 4) ? update_rng.uniform(2, 10) : 0;
  if (watch_rate > 0) swarm += "; watches " + std::to_string(watch_rate) + "/s";
  if (ephemeral_rate > 0) swarm += "; ephemerals " + std::to_string(ephemeral_rate) + "/s";
  if (!extra_steps.empty()) swarm += "; session expiry from " + format_time(extra_steps.front().first);
  if (update_rate > 0) swarm += "; updates " + std::to_string(update_rate) + "/s";
  swarm += std::string("; crashes: ") + style_text;  // the crash style last (the bug aside): tests read it to the end
  if (bug != "none") swarm += "; bug " + bug;

  // --- the scenario ---
  const int n = voters + observers;
  auto server = [&](int lo = 1) { return "s" + std::to_string(pick(lo, n)); };
  std::ostringstream out;
  out << "# Generated by zablab-sim fuzz: " << swarm << "\n";
  out << "scenario \"fuzz seed " << seed << "\"\n";
  out << "ensemble " << voters;
  if (observers) out << " observers " << observers;
  out << "\ntick " << tick_ms << "ms\nseed " << seed << "\ntime-limit 400s\nlenient\n";
  if (bug != "none") out << "bug " << bug << "\n";
  for (int c = 1; c <= clients; ++c) {
    out << "client c" << c;
    if (coin(1, 2)) {
      // A subset of the servers: some clients stick to a few, the observer among them sometimes.
      std::vector<int> hosts;
      for (int s = 1; s <= n; ++s)
        if (coin(1, 2)) hosts.push_back(s);
      if (hosts.empty()) hosts.push_back(static_cast<int>(pick(1, n)));
      out << " on ";
      for (std::size_t i = 0; i < hosts.size(); ++i) out << (i ? "," : "") << "s" << hosts[i];
    }
    out << " session " << session / kMillisecond << "ms\n";
  }
  if (ephemeral_rate > 0) out << "client c" << clients + 1 << " session " << session / kMillisecond << "ms\n";
  const Nanos workload = fault_phase + 5 * kSecond;
  out << "when leader elected within 60s: c1 writes " << write_rate << " per second for " << ms_text(workload) << " on /f/a\n";
  out << "after 0s: c2 reads " << read_rate << " per second for " << ms_text(workload) << " on /f/a with sync\n";
  // The writer also reads without sync: what it sees must never go back in time.
  out << "after 0s: c1 reads " << std::max<std::int64_t>(1, read_rate / 2) << " per second for " << ms_text(workload)
      << " on /f/a\n";
  if (clients >= 3) out << "after 0s: c3 writes " << std::max<std::int64_t>(1, write_rate / 2) << " per second for "
                        << ms_text(workload) << " on /f/b\n";
  if (watch_rate > 0)
    // The writer watches what it writes (its own writes fire its watches): a sync+read client
    // with other operations interleaved would no longer show sync's guarantee.
    out << "after 0s: c1 watches " << watch_rate << " per second for " << ms_text(workload) << " on /f/a\n";
  if (ephemeral_rate > 0)
    out << "after 0s: c" << clients + 1 << " ephemerals " << ephemeral_rate << " per second for "
        << ms_text(std::max(workload, expiry_healed + 8 * kSecond)) << " under /f\n";
  if (update_rate > 0)
    // The writer and another client (not the sync+read one, whose reads must follow their syncs).
    for (int c : {1, clients >= 3 ? 3 : 2})
      out << "after 0s: c" << c << " updates " << update_rate << " per second for " << ms_text(workload) << " on /f/c\n";
  Nanos t = 2 * kSecond;
  std::vector<std::string> enabled;
  for (const auto& f : faults)
    if (f.on) enabled.push_back(f.name);
  int recoveries = 0;
  bool armed = false;  // one crash point per seed: an arming that never fires must not take a second
                       // server down in the liveness phase
  std::size_t next_extra = 0;
  auto extras_until = [&](Nanos until) {
    for (; next_extra < extra_steps.size() && extra_steps[next_extra].first <= until; ++next_extra)
      out << "at " << ms_text(extra_steps[next_extra].first) << ": " << extra_steps[next_extra].second << "\n";
  };
  while (true) {
    t += pick(mean_gap / 2 / kMillisecond, mean_gap * 3 / 2 / kMillisecond) * kMillisecond;
    extras_until(std::min(t, fault_phase));
    if (t > fault_phase) break;
    const std::string& f = enabled[static_cast<std::size_t>(pick(0, static_cast<std::int64_t>(enabled.size()) - 1))];
    if (f == "crash-point" || f == "crash-at-message") {
      RecoveryFault rf;
      rf.kind = f;
      rf.at = t;
      rf.number = ++recoveries;
      rf.servers = n;
      rf.arm_point = !armed;
      rf.crash_word = crash_word;
      armed = armed || f == "crash-point";
      out << recovery_fault_steps(rng, rf);
      t += 10 * kSecond;  // its steps take a while; the next fault comes after
      continue;
    }
    std::string action;
    if (f == "crash-leader") {
      action = crash_word() + " leader";
      if (!coin(1, 2)) action += "; restart crashed";
    } else if (f == "crash-follower") {
      action = crash_word() + " follower";
    } else if (f == "crash-many") {
      // One draw per statement: the order of a seed's draws must not be the compiler's choice.
      const std::string a = server(), b = server();
      const std::string how_a = crash_word(), how_b = crash_word();
      action = how_a + " " + a + "; " + how_b + " " + b;
    } else if (f == "partition") {
      std::vector<std::string> side;
      for (int s = 1; s <= n; ++s)
        if (coin(1, 2)) side.push_back("s" + std::to_string(s));
      for (int c = 1; c <= clients; ++c)
        if (coin(1, 3)) side.push_back("c" + std::to_string(c));
      if (side.empty()) side.push_back(server());
      action = "partition {";
      for (std::size_t i = 0; i < side.size(); ++i) action += (i ? "," : "") + side[i];
      action += "} | {rest}";
    } else if (f == "isolate-leader") {
      action = coin(1, 2) ? "isolate leader" : "partition {leader, c" + std::to_string(pick(1, clients)) + "} | {rest}";
    } else if (f == "one-way") {
      action = coin(1, 2) ? "cut leader -> " + server() : "cut " + server() + " -> leader";
    } else if (f == "slow-link") {
      // A lag below syncLimit ticks keeps the follower serving, only late.
      const std::int64_t most = std::max<std::int64_t>(60, tick_ms * 5 / 2);
      const std::int64_t lo = coin(1, 2) ? pick(most / 3, most) : pick(5, 200);
      action = "latency leader -> " + server() + " " + std::to_string(lo) + "ms.." +
               std::to_string(std::min(lo * pick(1, 3), most * 2)) + "ms";
      // A lagging server and a client moving: may it land on a server behind what it has seen?
      if (coin(1, 2)) {
        out << "at " << ms_text(t) << ": " << action << "\n";
        t += pick(100, most) * kMillisecond;
        action = "disconnect c" + std::to_string(pick(1, clients));
      }
    } else if (f == "slow-disk") {
      action = "disk " + server() + " slow " + std::to_string(pick(20, 500)) + "ms";
    } else if (f == "disconnect") {
      action = "disconnect c" + std::to_string(pick(1, clients));
    } else if (f == "outage") {
      action = crash_word() + " all";
    } else if (f == "disk-full") {
      action = "disk " + server() + " full";
    } else if (f == "disk-errors") {
      action = "disk " + server() + " sync-errors";
    } else if (f == "flap") {
      const std::string a = server();
      std::string b = server();
      if (b == a) b = a == "s1" ? "s2" : "s1";
      action = "flap " + a + " <-> " + b + " every " + std::to_string(pick(200, 2000)) + "ms for " +
               std::to_string(pick(2, 10)) + "s";
    }
    // Recovery now and then, so faults pile up less than they heal.
    if (coin(1, 3)) action += coin(1, 2) ? "; heal" : "; restart crashed";
    if (coin(1, 4)) action += "; restart " + server();
    out << "at " << ms_text(t) << ": " << action << "\n";
  }
  extras_until(fault_phase + 60 * kSecond);
  // Liveness: heal everything and require a working ensemble.
  out << kLivenessMarker << " heal everything, then require a leader, convergence and every acknowledged write\n";
  const Nanos end = std::max(fault_phase + pick(1, 3) * kSecond, expiry_healed);
  const bool disk_faults = std::any_of(faults.begin(), faults.end(), [](const Fault& f) {
    return f.on && (std::string_view(f.name) == "disk-full" || std::string_view(f.name) == "disk-errors");
  });
  out << "at " << ms_text(end) << ": heal; latency all <-> all 100us..400us; disk all fast; "
      << (disk_faults ? "disk all ok; " : "") << "restart crashed\n";
  out << "after 0s: expect leader elected within 60s\n";
  out << "after 0s: expect converged within 90s\n";
  out << "after 0s: expect no acknowledged write lost\n";

  FuzzCase fc;
  fc.seed = seed;
  fc.swarm = swarm;
  fc.scenario = out.str();
  return fc;
}

std::string shrink_scenario(const std::string& text, const std::string& signature, std::uint64_t* runs,
                            std::ostream* progress) {
  std::uint64_t count = 0;
  auto still_fails = [&](const std::vector<std::string>& lines) {
    ++count;
    return failure_signature(run_text(join_lines(lines))) == signature;
  };
  std::vector<std::string> lines = split_lines(text);
  // 1. Delete steps (ddmin over the step lines; the header stays).
  std::size_t chunk = 0;
  for (bool r : removable(lines)) chunk += r ? 1 : 0;
  chunk = std::max<std::size_t>(1, chunk / 2);
  while (chunk >= 1) {
    bool removed_any = false;
    for (std::size_t start = 0;;) {
      // The `start`-th group of `chunk` step lines.
      std::vector<std::size_t> idx;
      std::size_t seen = 0;
      const std::vector<bool> can = removable(lines);
      for (std::size_t i = 0; i < lines.size(); ++i) {
        if (!can[i]) continue;
        if (seen >= start && seen < start + chunk) idx.push_back(i);
        ++seen;
      }
      if (idx.empty()) break;
      std::vector<std::string> trial;
      for (std::size_t i = 0; i < lines.size(); ++i)
        if (std::find(idx.begin(), idx.end(), i) == idx.end()) trial.push_back(lines[i]);
      if (still_fails(trial)) {
        lines = std::move(trial);
        removed_any = true;
        if (progress) *progress << "  shrink: " << seen - idx.size() << " steps left\n";
      } else {
        start += chunk;
      }
    }
    if (chunk == 1 && !removed_any) break;
    if (chunk > 1) chunk /= 2;
  }
  // 2. Smaller numbers: workload rates and durations, flapping, latencies.
  static const std::regex kNumber(R"((\d+)(ms| per second|s\b))");
  const std::vector<bool> can = removable(lines);
  for (std::size_t i = 0; i < lines.size(); ++i) {
    if (!can[i]) continue;
    for (int round = 0; round < 6; ++round) {
      std::string& line = lines[i];
      bool changed = false;
      for (auto it = std::sregex_iterator(line.begin(), line.end(), kNumber); it != std::sregex_iterator(); ++it) {
        const std::int64_t v = std::stoll((*it)[1].str());
        if (v < 2) continue;
        std::string trial_line = line.substr(0, static_cast<std::size_t>(it->position(1))) + std::to_string(v / 2) +
                                 line.substr(static_cast<std::size_t>(it->position(1) + it->length(1)));
        // Keep the step's own time: only shrink what comes after the trigger.
        if (static_cast<std::size_t>(it->position(0)) < line.find(':')) continue;
        std::vector<std::string> trial = lines;
        trial[i] = trial_line;
        if (still_fails(trial)) {
          lines = std::move(trial);
          changed = true;
          break;
        }
      }
      if (!changed) break;
    }
  }
  if (runs) *runs += count;
  return join_lines(lines);
}

FuzzResult fuzz(const FuzzOptions& o) {
  FuzzResult result;
  for (std::uint64_t seed = o.first_seed; seed < o.first_seed + o.seeds; ++seed) {
    FuzzShape shape;
    shape.servers = o.servers;
    shape.bug = o.bug;
    shape.faults = o.faults;
    shape.fault_phase = o.fault_phase;
    const FuzzCase fc = generate_fuzz_case(seed, shape);
    if (o.out) *o.out << fc.swarm << "\n" << std::flush;
    const RunResult r = run_text(fc.scenario);
    ++result.runs;
    const std::string sig = failure_signature(r);
    if (o.out) *o.out << "  -> " << r.verdict() << " (" << r.records << " records, " << format_time(r.end_time) << ")\n";
    if (sig.empty()) continue;
    result.failing_seed = seed;
    result.signature = sig;
    result.original = fc.scenario;
    if (o.out) {
      *o.out << "\nseed " << seed << " fails: " << sig << "\n";
      if (r.violation) *o.out << "  " << r.violation->describe() << "\n";
      for (const auto& f : r.failures) *o.out << "  " << f << "\n";
    }
    std::string minimal = fc.scenario;
    if (o.shrink) {
      if (o.out) *o.out << "shrinking...\n";
      minimal = shrink_scenario(fc.scenario, sig, &result.shrink_runs, o.out);
    }
    const RunResult again = run_text(minimal);
    std::string header = "# Minimal scenario found by: zablab-sim fuzz --seeds " + std::to_string(o.seeds) +
                         " (seed " + std::to_string(seed) + ")";
    if (o.servers) header += " --servers " + std::to_string(o.servers);
    if (o.bug != "none") header += " --bug " + o.bug;
    header += "\n# Fails with " + sig;
    if (again.violation) header += ": " + again.violation->describe();
    header += "\n# " + fc.swarm + "\n";
    // Drop the generator's own comment line.
    std::string body = minimal;
    if (body.rfind("# Generated", 0) == 0) body = body.substr(body.find('\n') + 1);
    result.minimal = header + body;
    result.written_to = o.out_dir + "/fuzz-seed-" + std::to_string(seed) + ".scn";
    std::ofstream file(result.written_to);
    file << result.minimal;
    if (!file) result.written_to.clear();
    if (o.out) {
      *o.out << "\nminimal scenario (" << result.shrink_runs << " shrinking runs)";
      if (!result.written_to.empty()) *o.out << ", written to " << result.written_to;
      *o.out << ":\n\n" << result.minimal << "\n";
    }
    return result;
  }
  return result;
}

}  // namespace zablab::sim::scenario
