// The sources the page opens, all through the desktop visualizer's own (gui/model/source.h):
// the one a link names (a shipped scenario, preloaded under /scenarios, or a live world), a file
// the user picked or dropped (a trace.db or a .scn, told apart by content), and the editor's text.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "gui/model/source.h"
#include "web/page_link.h"

namespace zablab::web {

inline constexpr const char* kScenarioDir = "/scenarios";

// The shipped scenarios' names (file names without .scn), sorted.
std::vector<std::string> shipped_scenarios();
// The source menu's entries: live ensembles, then the shipped scenarios' files.
std::vector<std::string> source_menu();
// The link's source; nullptr (and `error`) if it names none or cannot be opened. A live world
// gets the link's actions replayed; actions the page cannot read are left out and `warning`
// says which.
std::unique_ptr<gui::TraceSource> open_link_source(const Link& link, std::string& error, std::string& warning);
// A file written into the page's file system at `path` (the user's name for it: `name`).
std::unique_ptr<gui::TraceSource> open_user_file(const std::string& path, const std::string& name,
                                                 std::string& error);
// Runs .scn text from the editor; errors read "editor.scn:LINE:COLUMN: what".
std::unique_ptr<gui::TraceSource> run_scenario_text(const std::string& text, std::string& error);
// The link that names the source of a source-menu entry ("live 5", "/scenarios/x.scn"); an
// empty link for anything else.
Link link_for_menu_entry(const std::string& entry);

}  // namespace zablab::web
