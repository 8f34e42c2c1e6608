// Where the visualizer's records come from. Two sources, one view:
//
//   LiveSource    a sim::World built here (an ensemble of 3/5/7 servers, with observers if
//                 asked, and clients that keep writing), stepped on demand; Commands (crash,
//                 restart, partition, heal...) are applied to it between steps.
//   ReplaySource  a recorded trace: a trace.db (SQLite, sim/record's run + event tables) or a text
//                 file of sim::to_line() records. Replay needs nothing but the file.
//
// The views never see the difference except that commands are refused by a replay.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "gui/model/timeline.h"
#include "gui/model/ui_state.h"
#include "gui/model/wire_decoder.h"

namespace zablab::sim {
class World;
}

namespace zablab::gui {

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
};

// ----------------------------------------------------------------------------------------------

// Loads a whole trace: SQLite if the file starts with the SQLite header, text lines otherwise.
// Returns false with `error` set if the file cannot be read.
bool load_trace_file(const std::string& path, std::vector<TraceRecord>& out, std::string& error);
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

// ----------------------------------------------------------------------------------------------

struct LiveOptions {
  int voters = 3;
  int observers = 0;
  std::uint64_t seed = 1;
  int clients = 1;
  int write_every_ms = 400;      // each client issues its next write this long after the last returned
  int tick_time_ms = 2000;
  bool decode_messages = true;   // install the decoding tap (labels every peer message)
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
