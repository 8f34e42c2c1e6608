// Manual delivery (live): with it on, peer messages (election notifications, Zab packets) wait
// until the teacher picks one. TCP delivers each stream in order, so the list shows each
// stream's head; what is queued behind it is counted. Clicking "deliver" runs the world until
// that message arrives and moves the cursor there.
#include <imgui.h>

#include "gui/panels/panels.h"
#include "gui/panels/style.h"

namespace zablab::gui {

void draw_deliver(UiState& ui, const WorldView& view) {
  if (!view.source.live()) {
    ImGui::TextDisabled("Manual delivery needs a live world (a replay's deliveries are recorded).");
    return;
  }
  ImGui::Checkbox("manual delivery of peer messages", &ui.manual_delivery);
  if (!ui.manual_delivery) {
    ImGui::TextWrapped(
        "Turn it on and every election notification and Zab packet waits in flight until you pick "
        "which arrives next. Time still passes when you step (timers fire, servers send more).");
    return;
  }
  if (view.pending.empty()) {
    ImGui::TextDisabled("Nothing is waiting. Step forward: timers fire and servers send.");
    return;
  }
  ImGui::TextDisabled("%zu streams have a message waiting; each stream delivers in order (TCP).", view.pending.size());
  const ImGuiTableFlags flags = ImGuiTableFlags_Borders | ImGuiTableFlags_RowBg | ImGuiTableFlags_SizingFixedFit;
  if (!ImGui::BeginTable("pending", 5, flags)) return;
  ImGui::TableSetupColumn("");
  ImGui::TableSetupColumn("from -> to");
  ImGui::TableSetupColumn("message", ImGuiTableColumnFlags_WidthStretch);
  ImGui::TableSetupColumn("behind it");
  ImGui::TableSetupColumn("sent");
  ImGui::TableHeadersRow();
  for (const auto& m : view.pending) {
    ImGui::TableNextRow();
    ImGui::TableNextColumn();
    ImGui::PushID(static_cast<int>(m.conn * 2 + (m.from < m.to ? 0 : 1)));
    if (ImGui::SmallButton("deliver")) ui.deliveries.push_back({m.conn, m.from});
    ImGui::PopID();
    ImGui::TableNextColumn();
    ImGui::Text("%s -> %s", endpoint_name(m.from).c_str(), endpoint_name(m.to).c_str());
    ImGui::TableNextColumn();
    // The timeline's label for the message (decoded vote, zxid), else the tap's type.
    std::string label = m.msg_type.empty() ? "?" : m.msg_type;
    if (auto idx = m.send_seq < view.timeline.size() ? view.timeline.message_of(m.send_seq) : std::nullopt)
      label = view.timeline.message(*idx).label;
    ImGui::TextUnformatted(label.c_str());
    if (ImGui::IsItemClicked()) ui.select(m.send_seq);
    ImGui::TableNextColumn();
    if (m.queued > 1) ImGui::Text("+%zu", m.queued - 1);
    ImGui::TableNextColumn();
    ImGui::Text("#%llu", static_cast<unsigned long long>(m.send_seq));
  }
  ImGui::EndTable();
}

}  // namespace zablab::gui
