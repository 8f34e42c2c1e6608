// Where the visualizer's records come from. Two sources, one view:
//
//   LiveSource    a sim::World built here (an ensemble of 3/5/7 servers, with observers if
//                 asked, and clients that keep writing), stepped on demand; Commands (crash,
//                 restart, partition, heal...) are applied to it between steps.
//   ReplaySource  a recorded trace: a trace.db (SQLite, sim/record's run + event tables) or a text
//                 file of sim::to_line() records. Replay needs nothing but the file. A scenario
//                 file (scenarios/*.scn) is run to its end by sim/scenario and replayed the same way.
//
// The views never see the difference except that commands are refused by a replay.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "gui/model/timeline.h"
#include "gui/model/ui_state.h"
#include "gui/model/wire_decoder.h"

namespace zablab::sim {
class World;
}

namespace zablab::gui {

// A live peer's exact values, read from the running QuorumPeer (not from the trace).
struct LivePeerInfo {
  bool up = false;
  std::string role;
  std::int64_t accepted_epoch = 0;
  std::int64_t current_epoch = 0;
  std::int64_t last_logged = 0;
  std::int64_t last_applied = 0;
  std::size_t uncommitted = 0;
  std::int64_t logical_clock = 0;
  std::size_t znodes = 0;
  std::size_t connections = 0;
};

class TraceSource {
 public:
  virtual ~TraceSource() = default;
  virtual std::string description() const = 0;
  virtual bool live() const = 0;
  // Appends the records `timeline` does not have yet; returns how many.
  virtual std::size_t pull(Timeline& timeline) = 0;
  // Live: runs the world until it has produced at least one more record. False if it cannot.
  virtual bool advance() { return false; }
  // Live: runs the world until virtual time `t` (ms). False if not live.
  virtual bool run_to(Nanos) { return false; }
  // Applies a command between steps; false (and `error`) if refused.
  virtual bool apply(const Command& command, std::string& error);
  // The live world, for exact inspection (nullptr for a replay).
  virtual const sim::World* world() const { return nullptr; }
  // Live: a server's exact state now.
  virtual std::optional<LivePeerInfo> live_peer(EndpointId) const { return std::nullopt; }
};

// ----------------------------------------------------------------------------------------------

// Loads a whole trace: a trace.db (sim/record) if the file starts with the SQLite header, text
// lines (sim::to_line) otherwise. Returns false with `error` set if the file cannot be read.
// `title` (optional) gets the recording's scenario, seed and verdict.
bool load_trace_file(const std::string& path, std::vector<TraceRecord>& out, std::string& error,
                     std::string* title = nullptr);
// Writes records as text lines (sim::to_line), the format load_trace_file reads back.
bool save_trace_text(const std::string& path, const std::vector<TraceRecord>& records, std::string& error);

class ReplaySource final : public TraceSource {
 public:
  ReplaySource(std::string name, std::vector<TraceRecord> records)
      : name_(std::move(name)), records_(std::move(records)) {}
  static std::unique_ptr<ReplaySource> open(const std::string& path, std::string& error);

  std::string description() const override;
  bool live() const override { return false; }
  std::size_t pull(Timeline& timeline) override;

 private:
  std::string name_;
  std::vector<TraceRecord> records_;
};

// Runs a scenario file (scenarios/*.scn, sim/scenario) to its end in a fresh world and returns
// its trace as a replay (the runner plays the whole script; stepping then walks through it).
// nullptr with `error` (parse errors as file:line:col) if it cannot.
std::unique_ptr<ReplaySource> run_scenario_file(const std::string& path, std::optional<std::uint64_t> seed,
                                                std::string& error);

// ----------------------------------------------------------------------------------------------

struct LiveOptions {
  int voters = 3;
  int observers = 0;
  std::uint64_t seed = 1;
  int clients = 1;
  int write_every_ms = 400;      // each client issues its next write this long after the last returned
  int tick_time_ms = 2000;
  // Install gui's decoding tap (more fields per peer message than the simulator's own tap, but a
  // different trace hash than the same world run without the visualizer).
  bool decode_messages = false;
};

class LiveSource final : public TraceSource {
 public:
  explicit LiveSource(LiveOptions options);
  ~LiveSource() override;

  std::string description() const override;
  bool live() const override { return true; }
  std::size_t pull(Timeline& timeline) override;
  bool advance() override;
  bool run_to(Nanos t) override;
  bool apply(const Command& command, std::string& error) override;
  const sim::World* world() const override;
  std::optional<LivePeerInfo> live_peer(EndpointId id) const override;
  sim::World& mutable_world();

 private:
  // Issues due writes (between steps only).
  void drive_workload();
  std::optional<Nanos> next_write_due();

  LiveOptions options_;
  DecodingTaps taps_;
  std::unique_ptr<sim::World> world_;
  struct Writer {
    EndpointId client = kNoEndpoint;
    std::uint64_t pending_op = 0;  // 0: none
    Nanos next_due = 0;
    int count = 0;
  };
  std::vector<Writer> writers_;
  int manual_writes_ = 0;
};

}  // namespace zablab::gui
