#include "web/page_link.h"

#include <cctype>
#include <charconv>
#include <string_view>

namespace zablab::web {

namespace {

std::optional<std::uint64_t> number(std::string_view text) {
  std::uint64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

// A scenario name as the shipped files spell theirs: no path, nothing a file system could misread.
bool plain_name(std::string_view name) {
  if (name.empty() || name.size() > 100) return false;
  for (char c : name)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_')) return false;
  return true;
}

// A `do` value's characters (page_actions.cpp reads the rest).
bool action_text(std::string_view text) {
  if (text.size() > 200'000) return false;
  for (char c : text)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || std::string_view("_.,@%/-").find(c) != std::string_view::npos))
      return false;
  return true;
}

}  // namespace

Link Link::parse(const std::string& fragment, std::string& ignored) {
  Link link;
  std::string_view rest(fragment);
  if (!rest.empty() && rest.front() == '#') rest.remove_prefix(1);
  const auto ignore = [&](std::string_view pair) {
    if (!ignored.empty()) ignored += ", ";
    ignored += pair;
  };
  while (!rest.empty()) {
    const std::size_t amp = rest.find('&');
    const std::string_view pair = rest.substr(0, amp);
    rest = amp == std::string_view::npos ? std::string_view() : rest.substr(amp + 1);
    if (pair.empty()) continue;
    const std::size_t eq = pair.find('=');
    const std::string_view key = pair.substr(0, eq);
    const std::string_view value = eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1);
    if (key == "scenario" && plain_name(value)) {
      link.scenario = value;
    } else if (key == "live" && number(value) && *number(value) >= 1 && *number(value) <= 9) {
      link.live = static_cast<int>(*number(value));
    } else if (key == "observers" && number(value) && *number(value) <= 9) {
      link.observers = static_cast<int>(*number(value));
    } else if (key == "seed" && number(value)) {
      link.seed = number(value);
    } else if (key == "do" && action_text(value)) {
      link.actions = value;
    } else if (key == "at" && number(value)) {
      link.at = number(value);
    } else if (key == "play" && (value == "1" || value == "0")) {
      link.play = value == "1";
    } else {
      ignore(pair);
    }
  }
  if (!link.scenario.empty()) link.live = 0;  // one source: the scenario wins
  if (link.live == 0) link.observers = 0;
  if (link.live == 0 && !link.actions.empty()) {  // a replay takes no actions
    ignore("do=" + link.actions.substr(0, 20) + (link.actions.size() > 20 ? "..." : ""));
    link.actions.clear();
  }
  return link;
}

std::string Link::format() const {
  if (!names_a_source()) return "";
  std::string text = !scenario.empty() ? "scenario=" + scenario : "live=" + std::to_string(live);
  if (scenario.empty() && observers > 0) text += "&observers=" + std::to_string(observers);
  if (seed) text += "&seed=" + std::to_string(*seed);
  if (live > 0 && !actions.empty()) text += "&do=" + actions;
  if (at) text += "&at=" + std::to_string(*at);
  if (play) text += "&play=1";
  return text;
}

std::string Link::source_name() const {
  std::string name = !scenario.empty() ? scenario + ".scn" : "live world of " + std::to_string(live);
  if (scenario.empty() && observers > 0)
    name += " + " + std::to_string(observers) + " observer" + (observers == 1 ? "" : "s");
  if (seed) name += ", seed " + std::to_string(*seed);
  return name;
}

}  // namespace zablab::web
