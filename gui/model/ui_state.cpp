#include "gui/model/ui_state.h"

namespace zablab::gui {

Filter Filter::defaults() {
  Filter f = all();
  f.set(Category::heartbeat, false);
  f.set(Category::net, false);
  f.set(Category::disk, false);
  f.set(Category::timer, false);
  return f;
}

Filter Filter::all() {
  Filter f;
  f.show.fill(true);
  return f;
}

std::string_view axis_mode_name(AxisMode m) {
  switch (m) {
    case AxisMode::order: return "event order";
    case AxisMode::time: return "virtual time";
    case AxisMode::lamport: return "Lamport clock";
  }
  return "?";
}

std::string describe(const Command& c) {
  switch (c.kind) {
    case CommandKind::crash: return "crash " + endpoint_name(c.a);
    case CommandKind::kill: return "kill " + endpoint_name(c.a);
    case CommandKind::power_off: return "power-off " + endpoint_name(c.a);
    case CommandKind::restart: return "restart " + endpoint_name(c.a);
    case CommandKind::isolate: return "isolate " + endpoint_name(c.a);
    case CommandKind::partition: {
      std::string out = "partition";
      for (const auto& g : c.groups) {
        out += " (";
        for (std::size_t i = 0; i < g.size(); ++i) out += (i ? "," : "") + endpoint_name(g[i]);
        out += ")";
      }
      return out;
    }
    case CommandKind::heal: return "heal";
    case CommandKind::block: return "block " + endpoint_name(c.a) + " -> " + endpoint_name(c.b);
    case CommandKind::unblock: return "unblock " + endpoint_name(c.a) + " -> " + endpoint_name(c.b);
    case CommandKind::write: return "write " + c.text + " from " + endpoint_name(c.a);
    case CommandKind::add_client: return "add a client";
    case CommandKind::drop_client: return "drop " + endpoint_name(c.a) + "'s connection";
    case CommandKind::client_op: {
      std::string out = endpoint_name(c.a) + " " + c.op + " " + c.text;
      if (c.op == "create" || c.op == "set") out += " \"" + c.data + "\"";
      if (c.ephemeral) out += " (ephemeral)";
      if (c.watch) out += " (watch)";
      return out;
    }
  }
  return "?";
}

}  // namespace zablab::gui
