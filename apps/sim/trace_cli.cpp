#include "apps/sim/trace_cli.h"

#include <boost/program_options.hpp>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>

#include "apps/sim/cli_common.h"
#include "sim/addresses.h"
#include "sim/checkers/checkers.h"
#include "sim/checkers/json_fields.h"
#include "sim/record/chrome_export.h"
#include "sim/record/trace_db.h"
#include "sim/scenario/runner.h"
#include "sim/scenario/scenario.h"
#include "sim/scenario/timeline_printer.h"

namespace zablab::simcli {
namespace {

namespace po = boost::program_options;
namespace scn = sim::scenario;
using sim::TraceRecord;

// Which records `replay --from/--to/--node/--kind` prints.
struct Filter {
  std::optional<sim::Nanos> from, to;
  std::vector<sim::EndpointId> nodes;
  std::vector<std::string> kinds;
  bool any() const { return from || to || !nodes.empty() || !kinds.empty(); }
  bool matches(const TraceRecord& r) const {
    if (from && r.time_ns < *from) return false;
    if (to && r.time_ns > *to) return false;
    if (!nodes.empty()) {
      bool hit = false;
      for (auto n : nodes) hit = hit || r.node == n || r.from == n || r.to == n;
      if (!hit) return false;
    }
    if (!kinds.empty()) {
      bool hit = false;
      // "net" is every net.*, "zab" every zab.* core event.
      auto family = [](const std::string& name, const std::string& k) {
        return name.size() > k.size() && name.compare(0, k.size(), k) == 0 && name[k.size()] == '.';
      };
      for (const auto& k : kinds)
        hit = hit || r.kind == k || r.msg_type == k || family(r.kind, k) || family(r.msg_type, k);
      if (!hit) return false;
    }
    return true;
  }
};

// "s2", "c1", "2", "1001", "world" -> an endpoint id.
std::optional<sim::EndpointId> parse_node(const std::string& text) {
  if (text == "world" || text == "script") return sim::kNoEndpoint;
  std::string digits = text;
  sim::EndpointId base = 0;
  if (!text.empty() && (text[0] == 's' || text[0] == 'c')) {
    digits = text.substr(1);
    base = text[0] == 'c' ? sim::kClientBase : 0;
  }
  if (digits.empty() || digits.find_first_not_of("0123456789") != std::string::npos || digits.size() > 9)
    return std::nullopt;
  return base + std::stoll(digits);
}

std::string who(sim::EndpointId id) { return id < 0 ? "world" : sim::name_of(id); }

void print_event(std::ostream& out, const TraceRecord& r) {
  std::string line = scn::format_time(r.time_ns);
  line.insert(0, line.size() < 14 ? 14 - line.size() : 0, ' ');
  std::string node = who(r.node);
  node.resize(std::max<std::size_t>(node.size(), 6), ' ');
  line += "  #" + std::to_string(r.seq) + "  " + node + "  " + r.kind;
  if (!r.msg_type.empty()) line += " " + r.msg_type;
  if (r.from >= 0 || r.to >= 0) line += "  " + who(r.from) + " -> " + who(r.to);
  if (r.zxid >= 0) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "  zxid 0x%llx", static_cast<unsigned long long>(r.zxid));
    line += buf;
  }
  std::string detail = r.detail;
  if (detail.size() > 200) detail = detail.substr(0, 197) + "...";
  if (!detail.empty() && detail != "{}") line += "  " + detail;
  out << line << "\n";
}

bool is_real(const sim::record::RunInfo& info) {
  return sim::check::json_string(info.config, "source").value_or("") == "real";
}

}  // namespace

int cmd_replay(const std::vector<std::string>& args) {
  po::options_description desc("replay options");
  std::string file, from_text, to_text;
  std::vector<std::string> node_texts, kinds;
  desc.add_options()("file", po::value(&file)->required(), "trace database")("timeline", "print the timeline")(
      "verbose,v", "every Zab message in the timeline")("rerun", "run the recorded scenario again and compare traces")(
      "from", po::value(&from_text), "print events from this time on (10s, 1500ms, ...)")(
      "to", po::value(&to_text), "print events up to this time")(
      "node", po::value(&node_texts), "print events at, from or to this endpoint (s2, c1, world); repeatable")(
      "kind", po::value(&kinds),
      "print events of this kind (net.send; net for every net.*) or message type (PROPOSAL, zab.commit; zab for every zab.*); "
      "repeatable");
  po::positional_options_description pos;
  pos.add("file", 1);
  if (print_help_if_asked(args, "zablab-sim replay TRACE.db [options]", desc)) return kPass;
  po::variables_map vm;
  po::store(po::command_line_parser(args).options(desc).positional(pos).run(), vm);
  po::notify(vm);

  Filter filter;
  for (auto [text, slot] : {std::pair{&from_text, &filter.from}, std::pair{&to_text, &filter.to}}) {
    if (text->empty()) continue;
    *slot = parse_duration(*text);
    if (!*slot) {
      std::cerr << "replay: --from/--to want a time such as 10s, 1500ms or 2m, got '" << *text << "'\n";
      return kUsage;
    }
  }
  for (const auto& n : node_texts) {
    auto id = parse_node(n);
    if (!id) {
      std::cerr << "replay: --node wants s1, c2, 3 or world, got '" << n << "'\n";
      return kUsage;
    }
    filter.nodes.push_back(*id);
  }
  filter.kinds = kinds;

  sim::record::RunInfo info;
  try {
    info = sim::record::read_run_info(file);
  } catch (const sim::record::RecordError& e) {
    std::cerr << e.what() << "\n";
    return kUsage;
  }
  const bool real = is_real(info);
  if (real) {
    std::cout << "recording of a real server: \"" << info.scenario_name << "\"\n  built by " << info.build_id
              << "\n  config " << info.config << "\n  " << (info.verdict.empty() ? "(unfinished: the server did not stop cleanly)" : "finished")
              << ", " << info.event_count << " events; times are wall-clock milliseconds since it started\n";
  } else {
    std::cout << "recording of \"" << info.scenario_name << "\" (" << info.scenario_file << "), seed " << info.seed
              << ", bug " << info.bug << "\n  built by " << info.build_id << "\n  recorded verdict: "
              << (info.verdict.empty() ? "(unfinished)" : info.verdict) << ", " << info.event_count << " events\n";
  }
  sim::check::CheckEngine engine;
  std::unique_ptr<scn::TimelinePrinter> timeline;
  if (!filter.any() && (vm.count("timeline") || vm.count("verbose")))
    timeline = std::make_unique<scn::TimelinePrinter>(std::cout, vm.count("verbose") > 0);
  sim::Trace rehash;
  rehash.set_retain(false);
  std::uint64_t count = 0, shown = 0;
  bool dense = true;
  std::optional<std::string> expected_violation;
  if (!real)
    if (auto p = scn::parse_scenario(info.scenario_text, info.scenario_file); p.scenario)
      expected_violation = p.scenario->expect_violation;
  try {
    sim::record::for_each_event(file, [&](const TraceRecord& r) {
      if (r.seq != count) dense = false;
      ++count;
      rehash.add(r);
      if (timeline) timeline->on_record(r);
      if (filter.any() && filter.matches(r)) {
        print_event(std::cout, r);
        ++shown;
      }
      if (real || r.kind == sim::trace_kind::check_violation) return;  // the recorded verdict: derived again below
      engine.on_record(r);
    });
  } catch (const sim::record::RecordError& e) {
    std::cerr << e.what() << "\n";
    return kUsage;
  }
  if (filter.any()) std::cout << shown << " of " << count << " events match\n";
  int status = kPass;
  if (!dense || rehash.hash_hex() != info.trace_hash) {
    std::cout << "the events do not hash to the recorded trace hash (" << rehash.hash_hex() << " vs "
              << (info.trace_hash.empty() ? "none" : info.trace_hash) << "): the recording is incomplete or altered\n";
    status = kFail;
  } else {
    std::cout << "trace hash " << info.trace_hash << " matches the events\n";
  }
  if (real) {
    // The checkers reason about a whole ensemble's events, network included; one real server's
    // core events are not that.
    std::cout << "not re-checked: the checkers need a simulated run's complete trace\n";
    return status;
  }
  std::size_t enabled = 0;
  for (const auto& inv : sim::check::invariants()) enabled += engine.enabled(inv.name) ? 1 : 0;
  std::cout << "re-checked " << count << " events with " << enabled << " of " << sim::check::invariants().size()
            << " invariants\n";
  if (engine.unreadable_count() > 0) {
    // An older build's or a hand-edited trace: what could not be read is not checked.
    std::cout << "could not check " << engine.unreadable_count() << " record(s):\n";
    for (const auto& what : engine.unreadable_records()) std::cout << "  " << what << "\n";
    status = kFail;
  }
  if (engine.violated()) {
    const auto& v = engine.violations().front();
    const bool expected = expected_violation && *expected_violation == v.invariant;
    std::cout << (expected ? "expected violation: " : "VIOLATION: ") << v.describe() << "\n";
    if (!expected) status = kFail;
  } else {
    std::cout << "no violation\n";
    if (expected_violation) status = kFail;
  }
  if (vm.count("rerun")) {
    auto p = scn::parse_scenario(info.scenario_text, info.scenario_file);
    if (!p.scenario) {
      std::cerr << p.describe(info.scenario_file);
      return kUsage;
    }
    scn::RunOptions o;
    o.seed = std::stoull(info.seed);
    o.bug = info.bug;
    const scn::RunResult r = scn::run_scenario(*p.scenario, o);
    const bool same = r.trace_hash == info.trace_hash && static_cast<std::int64_t>(r.records) == info.event_count;
    std::cout << "rerun: " << r.verdict() << ", " << r.records << " records, hash " << r.trace_hash
              << (same ? " -- identical to the recording\n" : " -- DIFFERS from the recording (hash " + info.trace_hash + ")\n");
    if (!same) status = kFail;
  }
  return status;
}

int cmd_export(const std::vector<std::string>& args) {
  po::options_description desc("export options");
  std::string file, chrome;
  desc.add_options()("file", po::value(&file)->required(), "trace database")(
      "chrome", po::value(&chrome)->required(), "write Chrome/Perfetto trace-event JSON here ('-': stdout)");
  po::positional_options_description pos;
  pos.add("file", 1);
  if (print_help_if_asked(args, "zablab-sim export TRACE.db --chrome OUT.json", desc)) return kPass;
  po::variables_map vm;
  po::store(po::command_line_parser(args).options(desc).positional(pos).run(), vm);
  po::notify(vm);
  try {
    if (chrome == "-") {
      sim::record::export_chrome_trace(file, std::cout);
      return kPass;
    }
    std::ofstream out(chrome, std::ios::binary);
    if (!out) {
      std::cerr << chrome << ": cannot create the file\n";
      return kUsage;
    }
    const std::uint64_t n = sim::record::export_chrome_trace(file, out);
    out.close();
    if (!out) {
      std::cerr << chrome << ": write failed\n";
      return kUsage;
    }
    std::cout << "wrote " << n << " trace events to " << chrome << " (open it in ui.perfetto.dev or chrome://tracing)\n";
  } catch (const sim::record::RecordError& e) {
    std::cerr << e.what() << "\n";
    return kUsage;
  }
  return kPass;
}

}  // namespace zablab::simcli
