// A scenario run that takes its steps one at a time from the caller (the explorer): the world is
// built from a prologue (the settings and the first steps of a scenario), then each play() parses
// step lines in that scenario's context and plays them on the live world, with every checker on.
// Playing a scenario's steps this way gives the same world, step for step, as run_scenario() on
// the whole text: the same ScenarioRun plays them. What differs: nothing ends the run, so there is
// no `scenario.end` record, step lines carry the line numbers of a one-step scenario, and only
// the prologue may `expect saw` or `expect never` (they watch events from the start).
//
//   SteppingRun run(prologue_text);              // check run.error() and run.over()
//   run.play("after 0s: crash s2");               // false once a violation or failure ended it
//   RunResult now = run.result();
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "sim/scenario/runner.h"
#include "sim/scenario/scenario.h"
#include "sim/world.h"

namespace zablab::sim::scenario {

class ScenarioRun;

class SteppingRun {
 public:
  // Parses and plays `prologue`; a prologue that does not parse leaves error() set and no world.
  explicit SteppingRun(const std::string& prologue, const RunOptions& options = {});
  ~SteppingRun();
  SteppingRun(const SteppingRun&) = delete;
  SteppingRun& operator=(const SteppingRun&) = delete;

  const std::optional<std::string>& error() const { return error_; }
  // Parses step lines (one or more, `\n`-separated) once; later calls with the same text reuse
  // them. Returns nullptr (and sets error()) when they do not parse.
  const std::vector<Step>* parse(const std::string& lines);
  // Plays step lines; false once the run is over (now or before).
  bool play(const std::string& lines);
  bool over() const;
  // The verdict so far, as run_scenario() would give it if the scenario ended here (without the
  // trace hash).
  RunResult result() const;
  World& world();

 private:
  std::string prologue_;
  std::optional<std::string> error_;
  std::optional<Scenario> scenario_;
  std::map<std::string, std::vector<Step>> parsed_;  // node-stable: the run points into its steps
  std::unique_ptr<ScenarioRun> run_;
};

}  // namespace zablab::sim::scenario
