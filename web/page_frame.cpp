// One frame of the page: the desktop viewer's loop body (gui/app/viewer.cpp) with the browser's
// differences: the canvas may change size any time, "record" becomes a download, and the source
// menu's choice also changes what the address names.
#include <emscripten.h>
#include <emscripten/html5.h>

#include <algorithm>
#include <exception>
#include <filesystem>

#include "gui/app/viewer.h"
#include "gui/panels/panels.h"
#include "web/page.h"
#include "web/page_sources.h"

namespace zablab::web {

namespace {

void carry_out_requests(Page& p) {
  gui::UiState& ui = p.controller->ui();
  if (!ui.record_to.empty()) {
    std::string name = std::filesystem::path(ui.record_to).filename().string();
    ui.record_to.clear();
    if (name.empty()) name = "session.db";
    std::string error;
    ui.status = download_recording(name, error)
                    ? "downloaded " + std::to_string(p.controller->timeline().size()) + " records as " + name
                    : "cannot record: " + error;
  }
  if (!ui.open_source.empty()) {
    const std::string entry = ui.open_source;
    Link link = link_for_menu_entry(entry);
    gui::LiveOptions live;
    live.seed = p.link.seed.value_or(1);
    if (link.live > 0 && p.link.seed) link.seed = p.link.seed;  // the world runs with that seed
    gui::open_requested_source(p.controller, [&](const std::string& e, std::string& error) {
      return gui::open_menu_entry(e, live, error);
    });
    if (p.controller->ui().status.rfind("opened ", 0) == 0) {
      p.link = link;
      p.source_name = entry;
    }
  }
}

}  // namespace

void frame() {
  Page& p = page();
  p.window.set_pixel_ratio(static_cast<float>(emscripten_get_device_pixel_ratio()));  // HiDPI, zoom
  if (!p.window.begin_frame()) return;
  const double now = p.window.seconds();
  const double dt = std::min(0.1, now - p.last_seconds);
  p.last_seconds = now;
  try {
    p.controller->update(dt);
  } catch (const std::exception& e) {
    // Never a dead tab: say what broke, stop playing and go on drawing.
    p.controller->play(false);
    p.controller->ui().status = std::string("stopped: ") + e.what();
  }
  const int w = p.window.width(), h = p.window.height();
  const bool pin = w != p.last_width || h != p.last_height;  // a resized canvas: lay out again
  p.last_width = w;
  p.last_height = h;
  gui::draw_all(p.controller->ui(), gui::WorldView::of(*p.controller), static_cast<float>(w), static_cast<float>(h),
                pin, p.window.lean());
  p.window.end_frame();
  try {
    carry_out_requests(p);
  } catch (const std::exception& e) {
    p.controller->ui().status = std::string("cannot: ") + e.what();
  }
  ++p.frames;
  if (p.frames == 1) EM_ASM({ if (Module.zablabFirstFrame) Module.zablabFirstFrame(); });
}

}  // namespace zablab::web
