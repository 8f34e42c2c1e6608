// The clients: state, session, the server each is connected to, pending requests and the last
// answer.
#include <imgui.h>

#include "gui/panels/panels.h"
#include "gui/panels/style.h"

namespace zablab::gui {

void draw_clients(UiState& ui, const WorldView& view) {
  (void)ui;
  if (view.state.clients.empty()) {
    ImGui::TextDisabled("No clients.");
    draw_console(ui, view);
    return;
  }
  const ImGuiTableFlags flags = ImGuiTableFlags_Borders | ImGuiTableFlags_RowBg | ImGuiTableFlags_SizingFixedFit;
  if (!ImGui::BeginTable("clients", 6, flags)) return;
  ImGui::TableSetupColumn("client");
  ImGui::TableSetupColumn("state");
  ImGui::TableSetupColumn("session");
  ImGui::TableSetupColumn("server");
  ImGui::TableSetupColumn("done");
  ImGui::TableSetupColumn("pending / last answer", ImGuiTableColumnFlags_WidthStretch);
  ImGui::TableHeadersRow();
  for (const auto& [id, c] : view.state.clients) {
    ImGui::TableNextRow();
    ImGui::TableNextColumn();
    ImGui::TextUnformatted(endpoint_name(id).c_str());
    ImGui::TableNextColumn();
    ImGui::TextUnformatted(c.state.c_str());
    ImGui::TableNextColumn();
    ImGui::TextUnformatted(c.session ? zxid_text(c.session).c_str() : "-");
    ImGui::TableNextColumn();
    ImGui::TextUnformatted(c.server == kNoEndpoint ? "-" : endpoint_name(c.server).c_str());
    ImGui::TableNextColumn();
    ImGui::Text("%d", c.completed);
    ImGui::TableNextColumn();
    for (const auto& [op_id, op] : c.pending) {
      ImGui::Text("pending #%llu %s %s", static_cast<unsigned long long>(op_id), op.op.c_str(), op.path.c_str());
      if (ImGui::IsItemClicked()) ui.select(op.invoked_seq);
    }
    if (!c.last_result.empty()) ImGui::TextDisabled("last: %s", c.last_result.c_str());
  }
  ImGui::EndTable();
  ImGui::TextDisabled("Writes go to the leader (forwarded as REQUEST), commit through Zab, and are answered by the");
  ImGui::TextDisabled("client's own server once it applies the txn. Click a pending request to see when it was sent.");
  ImGui::Separator();
  draw_console(ui, view);
}

}  // namespace zablab::gui
