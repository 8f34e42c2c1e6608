#include "sim/scenario/stepping_run.h"

#include "sim/scenario/scenario_run.h"

namespace zablab::sim::scenario {

SteppingRun::SteppingRun(const std::string& prologue, const RunOptions& options) : prologue_(prologue) {
  ParseResult p = parse_scenario(prologue_, "<steps>");
  if (!p.scenario) {
    error_ = "the prologue does not parse: " + p.describe("<steps>");
    return;
  }
  scenario_ = std::move(*p.scenario);
  run_ = std::make_unique<ScenarioRun>(*scenario_, options);
  run_->begin();
}

SteppingRun::~SteppingRun() = default;

const std::vector<Step>* SteppingRun::parse(const std::string& lines) {
  if (auto it = parsed_.find(lines); it != parsed_.end()) return &it->second;
  // Parsed after the prologue, so that names (clients, servers) mean what they mean there; the
  // new steps are the ones past the prologue's own.
  ParseResult p = parse_scenario(prologue_ + "\n" + lines + "\n", "<steps>");
  if (!p.scenario) {
    error_ = "step lines do not parse: " + p.describe("<steps>");
    return nullptr;
  }
  std::vector<Step>& steps = p.scenario->steps;
  steps.erase(steps.begin(), steps.begin() + static_cast<std::ptrdiff_t>(scenario_->steps.size()));
  // `saw` and `never` look at the events since the start, which a run records only for the
  // expectations it knows of when it starts.
  for (const Step& st : steps)
    for (const Action& a : st.actions)
      if (a.kind == Action::Kind::expect &&
          (a.expect.kind == Expectation::Kind::saw || a.expect.kind == Expectation::Kind::never)) {
        error_ = "a played step cannot expect `saw` or `never` (only the prologue can): " + st.text;
        return nullptr;
      }
  return &parsed_.emplace(lines, std::move(steps)).first->second;
}

bool SteppingRun::play(const std::string& lines) {
  if (!run_ || run_->over()) return false;
  const std::vector<Step>* steps = parse(lines);
  if (!steps) return false;
  for (const Step& st : *steps)
    if (!run_->play(st)) return false;
  return true;
}

bool SteppingRun::over() const { return !run_ || run_->over(); }
RunResult SteppingRun::result() const {
  if (run_) return run_->result_now();
  RunResult r;
  r.failures.push_back(error_.value_or("no run"));
  return r;
}
World& SteppingRun::world() { return run_->world(); }

}  // namespace zablab::sim::scenario
