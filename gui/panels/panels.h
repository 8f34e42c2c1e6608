// The visualizer's panels. Each file in gui/panels/ draws one panel with ImGui:
//
//   draw_<panel>(UiState& ui, const WorldView& view)
//
// reading the read-only WorldView (the controller's model at the cursor) and writing only the
// UiState: selections, filters, navigation requests (ui.select(seq), ui.go(...)) and Commands for
// a live world. Panels never step the simulation themselves. Window placement comes from the pure
// panel_layout() in gui/model/layout.h.
#pragma once

#include <vector>

#include "gui/model/controller.h"
#include "gui/model/ui_state.h"

struct ImVec2;

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

  static WorldView of(const Controller& c) {
    return WorldView{c.timeline(), c.visible(), c.state(), c.before(), c.explanation(),
                     c.votes(),    c.flights(), c.source(), c.at_head(), c.pending()};
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
void draw_console(UiState& ui, const WorldView& view);   // client operations (live), under the clients
void draw_deliver(UiState& ui, const WorldView& view);   // manual delivery: pick the next message
void draw_sessions(UiState& ui, const WorldView& view);  // session and watch timeline

// Every panel at its place in a display of `width` x `height` (positions forced each frame when
// `pin` is set, e.g. for screenshots; otherwise only on first use). `lean`: a panel still at its
// layout place draws no background (software GL; see WindowOptions::lean).
void draw_all(UiState& ui, const WorldView& view, float width, float height, bool pin, bool lean = false);

}  // namespace zablab::gui
