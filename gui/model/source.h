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
#include "sim/sim_network.h"

namespace zablab::sim {
class World;
}

namespace zablab::sim::record {
class EventReader;
}
namespace zablab::gui {
class BackgroundReader;
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
  // Appends the records `timeline` does not have yet (a replay: at most a chunk per call, so a
  // huge trace shows its first frame at once and indexes the rest frame by frame); returns how many.
  virtual std::size_t pull(Timeline& timeline) = 0;
  // A replay still has records to hand over (see pull()).
  virtual bool loading() const { return false; }
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

  // --- going back (live) ---
  // Rebuilds the world as it was just after the step that made record `seq`, by running the
  // same world again from the start with the same inputs (the simulator is deterministic, so
  // records 0..seq come out identical). Later records are forgotten: what happens next is a new
  // branch. The world's trace may hold a few records past `seq` (those of the same step).
  virtual bool rewind(std::uint64_t, std::string& error) {
    error = "a recorded trace cannot be rewound into a live world";
    return false;
  }

  // --- manual delivery (live) ---
  virtual bool manual_delivery() const { return false; }
  virtual bool set_manual_delivery(bool, std::string& error) {
    error = "manual delivery needs a live world";
    return false;
  }
  // The messages held back, one per stream (only a stream's head can go next).
  virtual std::vector<sim::HeldMessage> pending_deliveries() const { return {}; }
  // Delivers the head of `conn`'s stream from `from` and runs the world until it has arrived.
  virtual bool deliver(ConnId, EndpointId, std::string& error) {
    error = "manual delivery needs a live world";
    return false;
  }
};

// ----------------------------------------------------------------------------------------------

// Writes records as text lines (sim::to_line), the format ReplaySource::open reads back.
bool save_trace_text(const std::string& path, const std::vector<TraceRecord>& records, std::string& error);

class ReplaySource final : public TraceSource {
 public:
  ReplaySource(std::string name, std::vector<TraceRecord> records);
  // A trace.db, read a chunk per pull() straight into the timeline: the first frame waits for one
  // chunk, and the trace is never held twice.
  ReplaySource(std::string name, std::unique_ptr<sim::record::EventReader> reader);
  ~ReplaySource() override;
  static constexpr std::size_t kChunk = 100000;  // records indexed per pull()
  // A trace.db (read as the view asks) or a text trace (read whole).
  static std::unique_ptr<ReplaySource> open(const std::string& path, std::string& error);

  std::string description() const override;
  bool live() const override { return false; }
  std::size_t pull(Timeline& timeline) override;
  bool loading() const override;

 private:
  std::string name_;
  std::vector<TraceRecord> records_;                     // a text trace or a scenario's run
  std::unique_ptr<BackgroundReader> reader_;           // or a trace.db, read on a second thread
  std::vector<TraceRecord> batch_;                      // the reader's last chunk
  std::size_t count_ = 0;
  std::size_t pulled_ = 0;  // the timeline's size after the last pull
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

  bool rewind(std::uint64_t seq, std::string& error) override;
  bool manual_delivery() const override;
  bool set_manual_delivery(bool on, std::string& error) override;
  std::vector<sim::HeldMessage> pending_deliveries() const override;
  bool deliver(ConnId conn, EndpointId from, std::string& error) override;
  // How many inputs (steps asked for, commands, deliveries) a rewind would replay.
  std::size_t input_count() const { return inputs_.size(); }

  // Everything that changes the world, in order, so rewind() can run it again (live_branch.cpp)
  // and the browser page's address can keep it (web/page_actions.cpp).
  struct Input {
    enum class Kind : std::uint8_t { advance, run_to, command, hold, release };
    Kind kind = Kind::advance;
    Nanos time = 0;            // run_to
    Command command;           // command
    bool on = false;           // hold
    ConnId conn = 0;           // release: the stream's head let go
    EndpointId from = kNoEndpoint;
    std::uint64_t trace_after = 0;  // the trace's size when it was done
    std::uint64_t repeat = 1;       // advance: consecutive calls folded into one entry
    static Input of(Kind k) {
      Input i;
      i.kind = k;
      return i;
    }
  };
  const std::vector<Input>& inputs() const { return inputs_; }
  // Builds a fresh world and gives it `inputs` (another LiveSource's inputs(), with the same
  // options), as if given here: the same records come out. A command refused then is refused again.
  void replay(std::vector<Input> inputs);

 private:
  // Replays `inputs` into a fresh world, stopping once the trace is past record `stop` (if any).
  void run_inputs(const std::vector<Input>& inputs, std::optional<std::uint64_t> stop);
  void build();  // a fresh world with the options' clients
  void log(Input input);
  bool advance_world();
  bool run_world_to(Nanos t);
  bool apply_to_world(const Command& command, std::string& error);
  bool apply_client_command(const Command& command, std::string& error);
  // Issues due writes (between steps only).
  void drive_workload();
  std::optional<Nanos> next_write_due();

  std::vector<Input> inputs_;
  bool holding_ = false;
  LiveOptions options_;
  std::unique_ptr<DecodingTaps> taps_;
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
