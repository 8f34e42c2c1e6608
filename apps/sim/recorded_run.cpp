#include "apps/sim/recorded_run.h"

#include <memory>

#include "apps/sim/cli_common.h"
#include "sim/record/trace_db.h"

namespace zablab::simcli {

RecordedRun run_recorded(const sim::scenario::Scenario& s, const std::string& file, sim::scenario::RunOptions o,
                         const std::string& trace_path) {
  RecordedRun out;
  std::unique_ptr<sim::record::TraceRecorder> recorder;
  if (!trace_path.empty()) {
    const std::uint64_t seed = o.seed.value_or(s.seed);
    const std::string bug = o.bug.value_or(s.bug);
    sim::record::RunInfo info;
    info.scenario_name = s.title;
    info.scenario_file = file;
    info.scenario_text = s.source;
    info.seed = std::to_string(seed);
    info.config = config_json(s, seed, bug);
    info.bug = bug;
    try {
      recorder = std::make_unique<sim::record::TraceRecorder>(trace_path, info);
    } catch (const sim::record::RecordError& e) {
      out.error = e.what();
      return out;  // nothing ran
    }
  }
  out.ran = true;
  if (recorder) {
    auto outer_world = o.on_world;
    o.on_world = [&recorder, outer_world](sim::World& w) {
      recorder->attach(w.trace());
      if (outer_world) outer_world(w);
    };
    auto outer_end = o.on_end;
    o.on_end = [&recorder, &out, outer_end](sim::World& w, const sim::scenario::RunResult& r) {
      try {
        recorder->finish(r.verdict(), r.violation ? r.violation->to_json() : std::string(), r.trace_hash);
      } catch (const sim::record::RecordError& e) {
        out.error = e.what();
      }
      if (outer_end) outer_end(w, r);
    };
  }
  out.result = sim::scenario::run_scenario(s, o);
  if (recorder) out.written = recorder->written();
  return out;
}

}  // namespace zablab::simcli
