// The visualizer minus the drawing: owns the source, the timeline, the visible-record index, the
// state cache and the UiState, and does one frame's model work -- apply queued commands (live,
// between steps), pull new records, move the cursor (step / play / jump), and keep the state at
// the cursor, the state just before it and the explanation ready for the panels.
//
// A test drives it exactly as the window does, without a window (tests/unit/gui_controller_test.cpp).
// Single-threaded.
#pragma once

#include <memory>
#include <optional>

#include "gui/model/ensemble_state.h"
#include "gui/model/explain.h"
#include "gui/model/playback.h"
#include "gui/model/source.h"
#include "gui/model/timeline.h"
#include "gui/model/ui_state.h"
#include "gui/model/violation_window.h"
#include "gui/model/vote_matrix.h"

namespace zablab::gui {

class Controller {
 public:
  explicit Controller(std::unique_ptr<TraceSource> source);

  // One frame: commands, new records, playback by `dt_seconds` of wall time, derived state.
  void update(double dt_seconds);

  // --- navigation (each keeps every view on the same record) ---
  void step_forward();   // next visible record (live: runs the world for it if needed)
  void step_back();
  void select(std::uint64_t seq);  // makes `seq` the current record
  void jump_to_time(Nanos t);      // the last record at or before t (live: runs the world to t)
  void jump_to_record(std::uint64_t seq);  // that record, even if hidden (live: runs the world to it)
  void jump_to_start();
  void jump_to_end();
  // The next visible record after the cursor whose category is `c` (e.g. the next election event).
  void jump_to_next(Category c);
  void set_filter(const Filter& filter);
  void play(bool on);

  // --- going back in a live world ---
  // Makes the live world what it was at the cursor (a deterministic re-run, see
  // TraceSource::rewind); the records after it are forgotten and the world goes on from there.
  // A replay just moves its cursor. False (and ui().status) if the source cannot.
  bool rewind_to_cursor();

  // --- manual delivery (live) ---
  bool set_manual_delivery(bool on);
  // Delivers the head of that stream and moves the cursor to its arrival.
  bool deliver(ConnId conn, EndpointId from);
  const std::vector<sim::HeldMessage>& pending() const { return pending_; }

  // --- recording ---
  // Writes every record of the timeline (the whole session so far) to a trace.db that
  // zablab-viz --trace and zablab-sim replay open. False (and `error`) if it cannot.
  bool record_session(const std::string& path, std::string& error) const;

  // --- what panels read ---
  UiState& ui() { return ui_; }
  const UiState& ui() const { return ui_; }
  TraceSource& source() { return *source_; }
  const TraceSource& source() const { return *source_; }
  const Timeline& timeline() const { return timeline_; }
  const VisibleIndex& visible() const { return visible_; }
  const EnsembleState& state() const { return state_; }    // after the cursor's record
  const EnsembleState& before() const { return before_; }  // before it
  const Explanation& explanation() const { return explanation_; }
  const VoteMatrix& votes() const { return votes_; }
  const std::vector<Flight>& flights() const { return flights_; }
  // The operations the violations name (client lanes, clients panel, events list mark them).
  const ViolationWindows& violation_windows() const { return windows_; }
  bool at_head() const;  // the cursor is on the newest visible record

 private:
  void pull();
  void apply_commands();
  void navigate();
  bool move_to(std::optional<std::uint64_t> seq);
  void refresh();
  bool fetch_more();  // live: one more record; false if the source cannot
  void reload();      // the source's records changed under us (rewind): index them again

  std::unique_ptr<TraceSource> source_;
  Timeline timeline_;
  VisibleIndex visible_;
  StateCache cache_;
  UiState ui_;
  EnsembleState state_;
  EnsembleState before_;
  Explanation explanation_;
  VoteMatrix votes_;
  std::vector<Flight> flights_;
  ViolationWindows windows_;
  std::vector<sim::HeldMessage> pending_;
  std::int64_t refreshed_cursor_ = -2;
  std::size_t refreshed_size_ = 0;
};

}  // namespace zablab::gui
