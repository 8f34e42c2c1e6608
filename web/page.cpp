#include "web/page.h"

#include <emscripten.h>

#include "gui/app/viewer.h"
#include "sim/checkers/checkers.h"
#include "web/page_sources.h"

namespace zablab::web {

Page& page() {
  static Page the_page;
  return the_page;
}

void show_source(std::unique_ptr<gui::TraceSource> source, const std::string& name, const Link& link) {
  Page& p = page();
  if (p.controller) {
    p.controller = gui::switch_to(std::move(source), p.controller->ui());
  } else {
    p.controller = std::make_unique<gui::Controller>(std::move(source));
    p.controller->ui().source_menu = source_menu();
  }
  // A live world opened with a link's actions may be holding messages back: the controls say so
  // (else the next frame would switch manual delivery off again).
  p.controller->ui().manual_delivery = p.controller->source().manual_delivery();
  p.link = link;
  p.link.actions.clear();  // zablab_state reads them from the world
  p.link.at.reset();
  p.link.play = false;
  p.source_name = name.empty() ? p.controller->source().description() : name;
  p.controller->ui().status = "opened " + p.source_name;
}

void apply_position(const Link& link) {
  gui::Controller& c = *page().controller;
  // A live world runs to the link's record before the first frame (50,000 records of 7 servers:
  // about a second); a mistyped huge number must not hang the tab.
  constexpr std::uint64_t kLiveRunLimit = 1'000'000;
  if (link.at && c.source().live() && *link.at > kLiveRunLimit) {
    c.ui().status = "the link's record " + std::to_string(*link.at) +
                    " is further than a live world runs on opening (" + std::to_string(kLiveRunLimit) + ")";
  } else if (link.at) {
    c.jump_to_record(*link.at);
    c.update(0);
    c.ui().display = -1;  // no glide: show the record itself
    c.ui().axis_fit = true;
    if (c.ui().cursor != static_cast<std::int64_t>(*link.at))
      c.ui().status = "the link's record " + std::to_string(*link.at) + " is past this run's end (" +
                      std::to_string(c.timeline().size()) + " records)";
  }
  c.play(link.play);
}

void go_to_first_violation() {
  gui::Controller& c = *page().controller;
  c.update(0);  // index the first records
  for (const sim::TraceRecord& r : c.timeline().records()) {
    if (r.kind != sim::trace_kind::check_violation) continue;
    c.jump_to_record(r.seq);
    c.update(0);
    c.ui().display = -1;
    c.ui().axis_fit = true;
    c.ui().status = "at the invariant violation, record " + std::to_string(r.seq);
    return;
  }
}

bool download_recording(const std::string& file_name, std::string& error) {
  const std::string path = "/tmp/" + file_name;
  if (!page().controller->record_session(path, error)) return false;
  // The browser saves it under file_name; the copy in the page's memory goes.
  EM_ASM({ Module.zablabDownload(UTF8ToString($0), UTF8ToString($1)); }, path.c_str(), file_name.c_str());
  return true;
}

void show_message(const std::string& text) {
  EM_ASM({ if (Module.zablabMessage) Module.zablabMessage(UTF8ToString($0)); }, text.c_str());
}

}  // namespace zablab::web
