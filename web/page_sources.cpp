#include "web/page_sources.h"

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "gui/app/viewer.h"
#include "web/page_actions.h"

namespace zablab::web {

namespace {

bool ends_with(const std::string& text, const std::string& tail) {
  return text.size() >= tail.size() && text.compare(text.size() - tail.size(), tail.size(), tail) == 0;
}

std::string first_bytes(const std::string& path, std::size_t n) {
  std::ifstream in(path, std::ios::binary);
  std::string bytes(n, '\0');
  in.read(bytes.data(), static_cast<std::streamsize>(n));
  bytes.resize(static_cast<std::size_t>(in.gcount()));
  return bytes;
}

// Text a person could have written: no NUL bytes and few control characters.
bool looks_like_text(const std::string& bytes) {
  std::size_t odd = 0;
  for (unsigned char c : bytes) {
    if (c == 0) return false;
    if (c < 32 && c != '\n' && c != '\r' && c != '\t') ++odd;
  }
  return odd * 20 <= bytes.size();
}

}  // namespace

std::vector<std::string> shipped_scenarios() {
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(kScenarioDir, ec))
    if (entry.path().extension() == ".scn") names.push_back(entry.path().stem().string());
  std::sort(names.begin(), names.end());
  return names;
}

std::vector<std::string> source_menu() {
  std::vector<std::string> menu = {"live 3", "live 5", "live 7", "live 3 + 1 observer"};
  for (const std::string& name : shipped_scenarios()) menu.push_back(std::string(kScenarioDir) + "/" + name + ".scn");
  return menu;
}

std::unique_ptr<gui::TraceSource> open_link_source(const Link& link, std::string& error, std::string& warning) {
  if (!link.scenario.empty()) {
    const std::string path = std::string(kScenarioDir) + "/" + link.scenario + ".scn";
    if (!std::filesystem::exists(path)) {
      error = "no shipped scenario is called '" + link.scenario + "'";
      return nullptr;
    }
    return gui::run_scenario_file(path, link.seed, error);
  }
  if (link.live > 0) {
    gui::LiveOptions options;
    options.voters = link.live;
    options.observers = link.observers;
    options.seed = link.seed.value_or(1);
    auto live = std::make_unique<gui::LiveSource>(options);
    Actions actions;
    std::string why;
    if (!parse_actions(link.actions, actions, why))
      warning = "the link's actions are left out (" + why + ")";
    else if (!actions.empty())
      live->replay(std::move(actions));
    return live;
  }
  error = "the link names no scenario and no live world";
  return nullptr;
}

std::unique_ptr<gui::TraceSource> open_user_file(const std::string& path, const std::string& name,
                                                 std::string& error) {
  const std::string head = first_bytes(path, 4096);
  if (head.empty()) {
    error = name + " is empty: not a trace.db or a .scn file";
    return nullptr;
  }
  if (head.rfind(std::string("SQLite format 3\0", 16), 0) == 0) return gui::ReplaySource::open(path, error);
  if (!looks_like_text(head)) {
    error = name + " is not a trace.db (SQLite) or a .scn file (text)";
    return nullptr;
  }
  if (ends_with(name, ".scn")) return gui::run_scenario_file(path, std::nullopt, error);
  // Other text: a text trace (sim::to_line records), as zablab-viz --trace reads it.
  auto source = gui::ReplaySource::open(path, error);
  if (!source) error = name + " is neither a .scn file (name it NAME.scn) nor a text trace: " + error;
  return source;
}

std::unique_ptr<gui::TraceSource> run_scenario_text(const std::string& text, std::string& error) {
  const std::string path = "editor.scn";  // relative: the errors then name "editor.scn:LINE:COLUMN"
  {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << text;
    if (!out) {
      error = "cannot write the editor's text to the page's file system";
      return nullptr;
    }
  }
  return gui::run_scenario_file(path, std::nullopt, error);
}

Link link_for_menu_entry(const std::string& entry) {
  Link link;
  if (entry.rfind("live ", 0) == 0) {  // "live 3", "live 3 + 1 observer" (gui::open_menu_entry)
    link.live = std::atoi(entry.c_str() + 5);
    link.observers = entry.find("observer") != std::string::npos ? 1 : 0;
  } else if (entry.rfind(std::string(kScenarioDir) + "/", 0) == 0 && ends_with(entry, ".scn")) {
    link.scenario = std::filesystem::path(entry).stem().string();
  }
  return link;
}

}  // namespace zablab::web
