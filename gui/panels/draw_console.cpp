// The client console (live): pick a client, an operation, a path and data; the command is
// queued and applied between simulation steps like any fault. Its request, the Zab traffic it
// causes and the answer then show in every view. Also: drop the client's connection.
#include <imgui.h>

#include <string>

#include "gui/panels/panels.h"
#include "gui/panels/style.h"

namespace zablab::gui {

void draw_console(UiState& ui, const WorldView& view) {
  const bool live = view.source.live();
  ImGui::TextUnformatted("Client console");
  if (!live) {
    ImGui::SameLine();
    ImGui::TextDisabled("(live worlds only: a replay cannot be changed)");
    return;
  }
  const auto& clients = view.timeline.clients();
  if (clients.empty()) {
    ImGui::TextDisabled("No client yet: \"add client\" in the control bar.");
    return;
  }
  if (ui.console_client == kNoEndpoint) ui.console_client = clients.front();
  ImGui::SetNextItemWidth(70);
  if (ImGui::BeginCombo("##console_client", endpoint_name(ui.console_client).c_str())) {
    for (EndpointId id : clients)
      if (ImGui::Selectable(endpoint_name(id).c_str(), id == ui.console_client)) ui.console_client = id;
    ImGui::EndCombo();
  }
  ImGui::SameLine();
  ImGui::SetNextItemWidth(140);
  ImGui::InputText("path", ui.console_path.data(), ui.console_path.size());
  ImGui::SameLine();
  ImGui::SetNextItemWidth(100);
  ImGui::InputText("data", ui.console_data.data(), ui.console_data.size());
  static bool ephemeral = false;
  static bool watch = true;
  auto issue = [&](const char* op) {
    Command c;
    c.kind = CommandKind::client_op;
    c.a = ui.console_client;
    c.op = op;
    c.text = ui.console_path.data();
    c.data = ui.console_data.data();
    c.ephemeral = ephemeral && c.op == "create";
    c.watch = watch && (c.op == "get" || c.op == "exists" || c.op == "ls");
    ui.console_log.push_back(describe(c));
    ui.commands.push_back(std::move(c));
  };
  for (const char* op : {"create", "set", "get", "exists", "ls", "delete", "sync", "close"}) {
    if (ImGui::SmallButton(op)) issue(op);
    ImGui::SameLine();
  }
  ImGui::Checkbox("ephemeral", &ephemeral);
  ImGui::SameLine();
  ImGui::Checkbox("watch", &watch);
  ImGui::SameLine();
  if (ImGui::SmallButton("drop connection")) {
    Command c;
    c.kind = CommandKind::drop_client;
    c.a = ui.console_client;
    ui.console_log.push_back(describe(c));
    ui.commands.push_back(std::move(c));
  }
  const std::size_t shown = ui.console_log.size() > 4 ? ui.console_log.size() - 4 : 0;
  for (std::size_t i = shown; i < ui.console_log.size(); ++i) ImGui::TextDisabled("> %s", ui.console_log[i].c_str());
  if (const ClientView* cv = view.state.client(ui.console_client); cv && !cv->last_result.empty())
    ImGui::Text("last answer: %s", cv->last_result.c_str());
}

}  // namespace zablab::gui
