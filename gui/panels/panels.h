// The visualizer's panels. Each file in gui/panels/ draws one panel with ImGui:
//
//   draw_<panel>(UiState& ui, const WorldView& view)
//
// reading the read-only WorldView (the controller's model at the cursor) and writing only the
// UiState: selections, filters, navigation requests (ui.select(seq), ui.go(...)) and Commands for
// a live world. Panels never step the simulation themselves. Window placement comes from the pure
// panel_layout() in gui/model/layout.h.
#pragma once

#include <functional>
#include <vector>

#include "gui/model/controller.h"
#include "gui/model/ui_state.h"

struct ImVec2;
struct ImDrawList;

namespace zablab::gui {

struct WorldView {
  const Timeline& timeline;
  const VisibleIndex& visible;
  const EnsembleState& state;   // after the cursor's record
  const EnsembleState& before;  // before it
  const Explanation& explanation;
  const VoteMatrix& votes;
  const std::vector<Flight>& flights;
  const TraceSource& source;
  bool at_head = false;
  const std::vector<sim::HeldMessage>& pending;  // manual delivery: the heads waiting
  const ViolationWindows& windows;               // the operations violations name

  static WorldView of(const Controller& c) {
    return WorldView{c.timeline(), c.visible(), c.state(),   c.before(),  c.explanation(),          c.votes(),
                     c.flights(),  c.source(),  c.at_head(), c.pending(), c.violation_windows()};
  }
};

void draw_controls(UiState& ui, const WorldView& view);
void draw_ensemble(UiState& ui, const WorldView& view);
void draw_spacetime(UiState& ui, const WorldView& view);
void draw_events(UiState& ui, const WorldView& view);
void draw_explain(UiState& ui, const WorldView& view);
// The tabbed inspector, which hosts the four below.
void draw_inspector(UiState& ui, const WorldView& view);
void draw_votes(UiState& ui, const WorldView& view);
void draw_server_inspector(UiState& ui, const WorldView& view);
void draw_message_inspector(UiState& ui, const WorldView& view);
void draw_clients(UiState& ui, const WorldView& view);
// The operations of the first violation's window on the space-time diagram's client lanes: a
// band from each one's invocation to its return (to `open_end_x` if it never returned), filled
// and outlined in the violation colour, with its op id. `x_of(seq)` and `y_of(client)` place them
// (y < 0: no lane). Drawn by draw_spacetime, behind the records.
void draw_window_on_lanes(ImDrawList* dl, const WorldView& view, const std::function<float(std::uint64_t)>& x_of,
                          const std::function<float(EndpointId)>& y_of, float lane_h, float open_end_x);
void draw_console(UiState& ui, const WorldView& view);   // client operations (live), under the clients
void draw_deliver(UiState& ui, const WorldView& view);   // manual delivery: pick the next message
void draw_sessions(UiState& ui, const WorldView& view);  // session and watch timeline

// Every panel at its place in a display of `width` x `height` (positions forced each frame when
// `pin` is set, e.g. for screenshots; otherwise only on first use). `lean`: a panel still at its
// layout place draws no background (software GL; see WindowOptions::lean).
void draw_all(UiState& ui, const WorldView& view, float width, float height, bool pin, bool lean = false);

}  // namespace zablab::gui
