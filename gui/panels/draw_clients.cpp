// The clients: state, session, the server each is connected to, pending requests and the last
// answer; and the operations a violation names (its window), listed here and marked on the
// space-time diagram's client lanes.
#include <imgui.h>

#include <algorithm>
#include <string>

#include "gui/panels/panels.h"
#include "gui/panels/style.h"

namespace zablab::gui {

namespace {

// The violation window's colour: a band's fill, its outline and text.
constexpr ImU32 kWindowFill = IM_COL32(255, 110, 40, 70);
constexpr ImU32 kWindowLine = IM_COL32(255, 140, 60, 255);

std::string window_op_text(const WindowOp& op) {
  std::string s = "#" + std::to_string(op.op_id);
  if (op.client == kNoEndpoint) return s + " (its invocation is not in the trace)";
  s += " " + endpoint_name(op.client) + " " + op.op + " " + op.path;
  return s + (op.return_seq < 0 ? ", never returned" : "");
}

// The first violation's operations, each a link to its invocation.
void draw_window_list(UiState& ui, const WorldView& view) {
  const ViolationWindow* w = view.windows.first();
  if (!w) return;
  ImGui::PushStyleColor(ImGuiCol_Text, kWindowLine);
  ImGui::Text("%s at #%llu: the operations it cannot order (marked on the client lanes)", w->invariant.c_str(),
              static_cast<unsigned long long>(w->violation_seq));
  ImGui::PopStyleColor();
  if (ImGui::IsItemClicked()) ui.select(w->violation_seq);
  for (const WindowOp& op : w->ops) {
    ImGui::BulletText("%s", window_op_text(op).c_str());
    if (ImGui::IsItemClicked() && op.invoke_seq >= 0) ui.select(static_cast<std::uint64_t>(op.invoke_seq));
  }
  ImGui::Separator();
}

}  // namespace

void draw_window_on_lanes(ImDrawList* dl, const WorldView& view, const std::function<float(std::uint64_t)>& x_of,
                          const std::function<float(EndpointId)>& y_of, float lane_h, float open_end_x) {
  const ViolationWindow* w = view.windows.first();
  if (!w) return;
  const float half = std::max(4.0f, lane_h * 0.3f);
  for (const WindowOp& op : w->ops) {
    if (op.invoke_seq < 0) continue;
    const float y = y_of(op.client);
    if (y < 0) continue;
    const float xa = x_of(static_cast<std::uint64_t>(op.invoke_seq));
    const float xb = op.return_seq >= 0 ? x_of(static_cast<std::uint64_t>(op.return_seq)) : open_end_x;
    const ImVec2 a(xa - 3, y - half), b(std::max(xb, xa) + 3, y + half);
    dl->AddRectFilled(a, b, kWindowFill, 3);
    dl->AddRect(a, b, kWindowLine, 3, 0, 2);
    const std::string label = "#" + std::to_string(op.op_id) + " " + op.op;
    dl->AddText(ImVec2(a.x + 2, a.y - ImGui::GetTextLineHeight()), kWindowLine, label.c_str());
  }
}

void draw_clients(UiState& ui, const WorldView& view) {
  draw_window_list(ui, view);
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
