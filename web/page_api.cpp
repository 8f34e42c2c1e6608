// What the page's HTML (shell/page.js) calls: open a file the user gave, run the editor's .scn,
// download the session, and read the state that the address and the browser test show. Each
// returns a string that stays valid until the next call.
#include <emscripten.h>

#include <exception>
#include <string>

#include "web/page.h"
#include "web/page_actions.h"
#include "web/page_sources.h"

using namespace zablab;
using namespace zablab::web;

namespace {

std::string answer;

const char* reply(std::string text) {
  answer = std::move(text);
  return answer.c_str();
}

// Opens what `open` builds; returns "" or why not.
template <class Open>
const char* open_with(Open open, const std::string& name, const Link& link) {
  std::string error;
  std::unique_ptr<gui::TraceSource> source;
  try {
    source = open(error);
  } catch (const std::exception& e) {
    error = e.what();
  }
  if (!source) return reply(error.empty() ? "cannot open " + name : error);
  show_source(std::move(source), name, link);
  if (!link.names_a_source()) go_to_first_violation();  // a file or the editor: maybe a fuzz failure
  return reply("");
}

std::string json_string(const std::string& text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    if (static_cast<unsigned char>(c) < 32) c = ' ';
    out += c;
  }
  return out + "\"";
}

}  // namespace

extern "C" {

// A file the page wrote to `path` in its file system; `name` is the user's name for it.
EMSCRIPTEN_KEEPALIVE const char* zablab_open_file(const char* path, const char* name) {
  const std::string p = path, n = name;
  return open_with([&](std::string& error) { return open_user_file(p, n, error); }, n, Link{});
}

// The editor's text, run as a scenario.
EMSCRIPTEN_KEEPALIVE const char* zablab_run_scenario_text(const char* text) {
  const std::string t = text;
  return open_with([&](std::string& error) { return run_scenario_text(t, error); }, "the edited scenario", Link{});
}

// A shipped scenario or live world, as a link names it ("scenario=x&seed=2").
EMSCRIPTEN_KEEPALIVE const char* zablab_open_link(const char* fragment) {
  std::string ignored;
  const Link link = Link::parse(fragment, ignored);
  if (!ignored.empty()) return reply("not understood: " + ignored);
  std::string warning;
  const auto open = [&](std::string& error) { return open_link_source(link, error, warning); };
  const char* why = open_with(open, link.source_name(), link);
  if (!*why) apply_position(link);
  return *why ? why : reply(warning);
}

// Records the session so far and offers it as a download; "" or why not.
EMSCRIPTEN_KEEPALIVE const char* zablab_download_recording(const char* file_name) {
  std::string error;
  return reply(download_recording(file_name, error) ? "" : error);
}

// The page's state as JSON: for the address (link), and for the browser test.
EMSCRIPTEN_KEEPALIVE const char* zablab_state() {
  const Page& p = page();
  if (!p.controller) return reply("{}");
  const gui::Controller& c = *p.controller;
  Link link = p.link;
  if (link.names_a_source()) {
    if (const auto* live = dynamic_cast<const gui::LiveSource*>(&c.source())) link.actions = format_actions(live->inputs());
    if (c.ui().cursor >= 0) link.at = static_cast<std::uint64_t>(c.ui().cursor);
    link.play = c.ui().playing;
  }
  // The client console's last command and the answer its client last got (what the console shows).
  const std::string asked = c.ui().console_log.empty() ? "" : c.ui().console_log.back();
  const gui::ClientView* client = c.state().client(c.ui().console_client);
  const std::string answer = client ? client->last_result : "";
  return reply("{\"source\":" + json_string(p.source_name) + ",\"link\":" + json_string(link.format()) +
               ",\"cursor\":" + std::to_string(c.ui().cursor) + ",\"records\":" + std::to_string(c.timeline().size()) +
               ",\"live\":" + (c.source().live() ? "true" : "false") + ",\"playing\":" +
               (c.ui().playing ? "true" : "false") + ",\"loading\":" + (c.source().loading() ? "true" : "false") +
               ",\"frames\":" + std::to_string(p.frames) + ",\"lean\":" + (p.window.lean() ? "true" : "false") +
               ",\"console_asked\":" + json_string(asked) + ",\"console_answer\":" + json_string(answer) +
               ",\"pixel_ratio\":" + std::to_string(p.window.pixel_ratio()) + ",\"status\":" + json_string(c.ui().status) + "}");
}

}  // extern "C"
