#include "web/page_actions.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cctype>

namespace zablab::web {

namespace {

using Input = gui::LiveSource::Input;
using gui::CommandKind;
using sim::EndpointId;
using sim::kNoEndpoint;

// gui::CommandKind's names, in its order: the address spells a command by name, so a link
// survives a reordering of the enum.
constexpr std::array<std::pair<CommandKind, std::string_view>, 13> kCommandNames = {{
    {CommandKind::crash, "crash"},
    {CommandKind::kill, "kill"},
    {CommandKind::power_off, "power_off"},
    {CommandKind::restart, "restart"},
    {CommandKind::isolate, "isolate"},
    {CommandKind::partition, "partition"},
    {CommandKind::heal, "heal"},
    {CommandKind::block, "block"},
    {CommandKind::unblock, "unblock"},
    {CommandKind::write, "write"},
    {CommandKind::add_client, "add_client"},
    {CommandKind::drop_client, "drop_client"},
    {CommandKind::client_op, "client_op"},
}};

bool plain(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '/' || c == '-'; }

std::string encode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (char c : text) {
    if (plain(c)) {
      out += c;
    } else {
      const auto b = static_cast<unsigned char>(c);
      out += '%';
      out += kHex[b >> 4];
      out += kHex[b & 15];
    }
  }
  return out;
}

bool decode(std::string_view text, std::string& out) {
  out.clear();
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      if (!plain(text[i])) return false;
      out += text[i];
      continue;
    }
    unsigned value = 0;
    if (i + 2 >= text.size()) return false;
    const auto [end, ec] = std::from_chars(text.data() + i + 1, text.data() + i + 3, value, 16);
    if (ec != std::errc() || end != text.data() + i + 3) return false;
    out += static_cast<char>(value);
    i += 2;
  }
  return true;
}

template <class Int>
bool number(std::string_view text, Int& value) {
  if (text.empty()) return false;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  return ec == std::errc() && end == text.data() + text.size();
}

std::vector<std::string_view> split(std::string_view text, char sep) {
  std::vector<std::string_view> parts;
  for (;;) {
    const std::size_t at = text.find(sep);
    parts.push_back(text.substr(0, at));
    if (at == std::string_view::npos) return parts;
    text.remove_prefix(at + 1);
  }
}

std::string endpoint_field(EndpointId id) { return id == kNoEndpoint ? "" : std::to_string(id); }

bool read_endpoint(std::string_view text, EndpointId& id) {
  if (text.empty()) {
    id = kNoEndpoint;
    return true;
  }
  return number(text, id) && id >= 0;
}

std::string format_command(const gui::Command& c) {
  std::string_view name;
  for (const auto& [kind, n] : kCommandNames)
    if (kind == c.kind) name = n;
  std::string groups;
  for (const auto& group : c.groups) {
    if (!groups.empty()) groups += '-';
    for (std::size_t i = 0; i < group.size(); ++i) groups += (i ? "_" : "") + std::to_string(group[i]);
  }
  const std::string flags = std::string(c.ephemeral ? "e" : "") + (c.watch ? "w" : "");
  std::vector<std::string> fields = {std::string(name), endpoint_field(c.a), endpoint_field(c.b), groups,
                                     encode(c.text), encode(c.op), encode(c.data), flags};
  while (fields.size() > 1 && fields.back().empty()) fields.pop_back();
  std::string out;
  for (std::size_t i = 0; i < fields.size(); ++i) out += (i ? "." : "") + fields[i];
  return out;
}

bool parse_command(std::string_view entry, gui::Command& c) {
  const auto fields = split(entry, '.');
  if (fields.size() > 8) return false;
  bool known = false;
  for (const auto& [kind, n] : kCommandNames)
    if (n == fields[0]) {
      c.kind = kind;
      known = true;
    }
  if (!known) return false;
  const auto field = [&](std::size_t i) { return i < fields.size() ? fields[i] : std::string_view(); };
  if (!read_endpoint(field(1), c.a) || !read_endpoint(field(2), c.b)) return false;
  if (!field(3).empty()) {
    for (std::string_view group : split(field(3), '-')) {
      c.groups.emplace_back();
      for (std::string_view id : split(group, '_')) {
        EndpointId e = 0;
        if (!number(id, e) || e < 0) return false;
        c.groups.back().push_back(e);
      }
    }
  }
  if (!decode(field(4), c.text) || !decode(field(5), c.op) || !decode(field(6), c.data)) return false;
  for (char f : field(7)) {
    if (f == 'e') c.ephemeral = true;
    else if (f == 'w') c.watch = true;
    else return false;
  }
  return true;
}

}  // namespace

std::string format_actions(const Actions& actions) {
  const bool only_steps =
      std::all_of(actions.begin(), actions.end(), [](const Input& in) { return in.kind == Input::Kind::advance; });
  if (only_steps) return "";
  std::string out;
  for (const Input& in : actions) {
    if (!out.empty()) out += ',';
    switch (in.kind) {
      case Input::Kind::advance: out += std::to_string(in.repeat); break;
      case Input::Kind::run_to: out += "@" + std::to_string(in.time); break;
      case Input::Kind::command: out += format_command(in.command); break;
      case Input::Kind::hold: out += in.on ? "hold" : "unhold"; break;
      case Input::Kind::release: out += "deliver." + std::to_string(in.conn) + "." + std::to_string(in.from); break;
    }
  }
  return out;
}

bool parse_actions(std::string_view text, Actions& actions, std::string& error) {
  actions.clear();
  if (text.empty()) return true;
  std::uint64_t steps = 0;
  const auto entries = split(text, ',');
  if (entries.size() > kMaxLinkActions) {
    error = "more than " + std::to_string(kMaxLinkActions) + " actions";
    return false;
  }
  for (std::size_t i = 0; i < entries.size(); ++i) {
    const std::string_view entry = entries[i];
    const auto bad = [&](const std::string& why) {
      error = "action " + std::to_string(i + 1) + " '" + std::string(entry.substr(0, 40)) + "': " + why;
      return false;
    };
    Input in;
    if (!entry.empty() && std::isdigit(static_cast<unsigned char>(entry[0]))) {
      in.kind = Input::Kind::advance;
      if (!number(entry, in.repeat) || in.repeat == 0) return bad("not a number of steps");
      steps += in.repeat;
      if (steps > kMaxLinkSteps) return bad("more than " + std::to_string(kMaxLinkSteps) + " steps in all");
    } else if (!entry.empty() && entry[0] == '@') {
      in.kind = Input::Kind::run_to;
      if (!number(entry.substr(1), in.time) || in.time < 0 || in.time > kMaxLinkTime)
        return bad("not a virtual time in ns up to an hour");
    } else if (entry == "hold" || entry == "unhold") {
      in.kind = Input::Kind::hold;
      in.on = entry == "hold";
    } else if (entry.rfind("deliver.", 0) == 0) {
      in.kind = Input::Kind::release;
      const auto fields = split(entry, '.');
      if (fields.size() != 3 || !number(fields[1], in.conn) || !number(fields[2], in.from))
        return bad("not deliver.CONNECTION.FROM");
    } else {
      in.kind = Input::Kind::command;
      if (!parse_command(entry, in.command)) return bad("not a step count, @time, hold, unhold, deliver or command");
    }
    actions.push_back(std::move(in));
  }
  return true;
}

}  // namespace zablab::web
