// The page's one piece of state: the window (a WebGL2 canvas through emscripten's GLFW), the
// controller over the current source, and what the address and the test hook report. main()
// fills it, the browser's frame callback (page_frame.cpp) and the functions the HTML calls
// (page_api.cpp) use it. One thread, so no locking.
#pragma once

#include <memory>
#include <string>

#include "gui/app/window.h"
#include "gui/model/controller.h"
#include "web/page_link.h"

namespace zablab::web {

struct Page {
  gui::Window window;
  std::unique_ptr<gui::Controller> controller;
  Link link;              // names the current source, if a link can (see Link::format)
  std::string source_name;  // what the page shows as the source's name
  double last_seconds = 0;
  std::int64_t frames = 0;
  int last_width = 0;
  int last_height = 0;
};

Page& page();

// Switches the page to `source` (keeping the view settings), named `name`; `link` names it in the
// address (empty if it cannot).
void show_source(std::unique_ptr<gui::TraceSource> source, const std::string& name, const Link& link);
// Moves the cursor to `link.at` and plays if `link.play`, as a link asks.
void apply_position(const Link& link);
// A run that broke an invariant (a fuzz failure's .scn, a recording of one) is best opened where
// it broke: moves the cursor to the first check.violation record, if there is one, and says so.
void go_to_first_violation();
// Writes the session (every record so far) as a trace.db and hands it to the browser as a
// download named `file_name`; false (and `error`) if it cannot.
bool download_recording(const std::string& file_name, std::string& error);
// Tells the page's HTML a message to show above the canvas ("" clears it).
void show_message(const std::string& text);

// Draws one frame (emscripten_set_main_loop's callback).
void frame();

}  // namespace zablab::web
