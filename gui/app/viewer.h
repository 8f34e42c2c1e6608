// The visualizer's main loop: a Window, a Controller, and every panel each frame. With a
// screenshot path it renders `frames` frames at a fixed 1/30 s step, writes the last one as a PNG,
// checks it is not blank and returns.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "gui/app/window.h"
#include "gui/model/controller.h"

namespace zablab::gui {

struct ViewerOptions {
  WindowOptions window;
  std::string screenshot;          // "" = interactive
  int frames = 3;                  // frames to render before the screenshot
  std::optional<Nanos> at;         // start at the last record at or before this virtual time
  std::optional<std::uint64_t> record;  // start at this record (after `at`, which runs a live world there)
  bool play = false;               // start playing
  std::string save_trace;          // on exit, write the timeline's records as text here
  std::string record_to;           // on exit, write them as a trace.db (sim/record) here
  int bench_frames = 0;            // render this many frames as fast as possible, print the rate, exit
  bool timing = false;             // print when the first frame is on screen
  double started = 0;              // with timing: the program's start (steady_clock seconds), 0 = unknown
  // Builds the source for an entry of UiState::source_menu ("live 5", a scenario file...), when
  // the user picks one; nullptr (and `error`) if it cannot.
  using OpenSource = std::function<std::unique_ptr<TraceSource>(const std::string& entry, std::string& error)>;
  OpenSource open_source;
};

// A new controller over `source`, keeping the view settings the user chose (speed, axis, tab,
// filter, the source menu).
std::unique_ptr<Controller> switch_to(std::unique_ptr<TraceSource> source, const UiState& old);
// The source for an entry of UiState::source_menu: "live 5" (a live world of 5 voters, "+ 1
// observer" adds one, the rest of `live` as given), a .scn file (run to its end), else a trace.db
// or text trace. nullptr (and `error`) if it cannot.
std::unique_ptr<TraceSource> open_menu_entry(const std::string& entry, const LiveOptions& live, std::string& error);
// Between frames: if a panel asked for another source (ui.open_source), builds it with
// `open_source` and switches `owned` to it; the status line says how it went.
void open_requested_source(std::unique_ptr<Controller>& owned, const ViewerOptions::OpenSource& open_source);

// Runs until the window closes (or the screenshot is written). Returns a process exit code:
// 0, 1 (could not open the window / write files) or 2 (the screenshot came out blank).
// `controller` may be replaced when the user opens another source.
int run_viewer(std::unique_ptr<Controller> controller, const ViewerOptions& options);

}  // namespace zablab::gui
