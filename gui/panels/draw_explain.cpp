// Plain words for class: what the current record means in Fast Leader Election / Zab terms and
// why it happened, with each server's phase underneath.
#include <imgui.h>

#include <algorithm>

#include "gui/panels/panels.h"
#include "gui/panels/style.h"

namespace zablab::gui {

void draw_explain(UiState& ui, const WorldView& view) {
  using namespace style;
  const Explanation& e = view.explanation;
  if (ui.cursor >= 0) {
    const TraceRecord& r = view.timeline.at(static_cast<std::uint64_t>(ui.cursor));
    ImGui::TextDisabled("#%lld  %s  %s", static_cast<long long>(ui.cursor), time_text(r.time_ns).c_str(),
                        e.protocol.c_str());
  }
  ImGui::PushStyleColor(ImGuiCol_Text, IM_COL32(255, 225, 140, 255));
  ImGui::PushTextWrapPos(0);
  ImGui::TextUnformatted(e.title.c_str());
  ImGui::PopTextWrapPos();
  ImGui::PopStyleColor();
  ImGui::Spacing();
  for (const auto& paragraph : e.why) {
    ImGui::PushTextWrapPos(0);
    ImGui::TextUnformatted(paragraph.c_str());
    ImGui::PopTextWrapPos();
    ImGui::Spacing();
  }
  ImGui::Separator();
  // Where each server is, in one line.
  for (const auto& [id, s] : view.state.servers) {
    ImGui::PushStyleColor(ImGuiCol_Text, role_color(s.role));
    ImGui::Text("%s %s", endpoint_name(id).c_str(), std::string(role_name(s.role)).c_str());
    ImGui::PopStyleColor();
    ImGui::SameLine();
    if (s.up) {
      ImGui::PushStyleColor(ImGuiCol_Text, phase_color(s.phase));
      ImGui::Text("%s", std::string(phase_name(s.phase)).c_str());
      ImGui::PopStyleColor();
      ImGui::SameLine();
    }
    ImGui::TextDisabled("epoch %lld  committed %s", static_cast<long long>(std::max<std::int64_t>(0, s.current_epoch)),
                        zxid_text(s.last_committed).c_str());
  }
}

}  // namespace zablab::gui
