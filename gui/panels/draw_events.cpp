// The event list: every visible record, one line each (seq, virtual time, node, what), coloured by
// category, the current one highlighted. Category toggles on top filter every view. Click a line
// to make it the current record.
#include <imgui.h>

#include "gui/panels/panels.h"
#include "gui/panels/style.h"

namespace zablab::gui {

void draw_events(UiState& ui, const WorldView& view) {
  using namespace style;
  // Category toggles, coloured.
  ImGui::PushStyleVar(ImGuiStyleVar_FramePadding, ImVec2(1, 0));
  ImGui::PushStyleVar(ImGuiStyleVar_ItemSpacing, ImVec2(4, 2));
  for (int i = 0; i < kCategoryCount; ++i) {
    const auto c = static_cast<Category>(i);
    bool on = ui.filter.visible(c);
    ImGui::PushStyleColor(ImGuiCol_Text, category_color(c));
    if (ImGui::Checkbox(std::string(category_name(c)).c_str(), &on)) ui.filter.set(c, on);
    ImGui::PopStyleColor();
    if (i + 1 < kCategoryCount) {
      ImGui::SameLine();
      const float next = ImGui::CalcTextSize(std::string(category_name(static_cast<Category>(i + 1))).c_str()).x + 28;
      if (ImGui::GetContentRegionAvail().x < next) ImGui::NewLine();
    }
  }
  ImGui::PopStyleVar(2);
  ImGui::Separator();

  const auto& seqs = view.visible.seqs();
  const ImGuiTableFlags flags = ImGuiTableFlags_ScrollY | ImGuiTableFlags_RowBg | ImGuiTableFlags_SizingFixedFit |
                                ImGuiTableFlags_BordersInnerV;
  if (!ImGui::BeginTable("events", 4, flags, ImGui::GetContentRegionAvail())) return;
  ImGui::TableSetupScrollFreeze(0, 1);
  ImGui::TableSetupColumn("#");
  ImGui::TableSetupColumn("time ms");
  ImGui::TableSetupColumn("node");
  ImGui::TableSetupColumn("event", ImGuiTableColumnFlags_WidthStretch);
  ImGui::TableHeadersRow();
  const float row_h = ImGui::GetTextLineHeightWithSpacing();
  const std::size_t cursor_row = view.visible.rank(ui.cursor) > 0 ? view.visible.rank(ui.cursor) - 1 : 0;
  if (ui.events_scroll) {
    ui.events_scroll = false;
    const float visible_h = ImGui::GetWindowHeight();
    const float y = static_cast<float>(cursor_row) * row_h;
    if (y < ImGui::GetScrollY() + row_h || y > ImGui::GetScrollY() + visible_h - 2 * row_h)
      ImGui::SetScrollY(std::max(0.0f, y - visible_h / 2));
  }
  ImGuiListClipper clipper;
  clipper.Begin(static_cast<int>(seqs.size()), row_h);
  while (clipper.Step()) {
    for (int row = clipper.DisplayStart; row < clipper.DisplayEnd; ++row) {
      const std::uint64_t seq = seqs[static_cast<std::size_t>(row)];
      const TraceRecord& r = view.timeline.at(seq);
      const bool current = static_cast<std::int64_t>(seq) == ui.cursor;
      const bool future = static_cast<std::int64_t>(seq) > ui.cursor;
      ImGui::TableNextRow();
      ImGui::TableNextColumn();
      char label[32];
      std::snprintf(label, sizeof label, "%llu", static_cast<unsigned long long>(seq));
      if (ImGui::Selectable(label, current, ImGuiSelectableFlags_SpanAllColumns)) ui.select(seq);
      ImGui::TableNextColumn();
      ImGui::TextDisabled("%.3f", static_cast<double>(r.time_ns) / 1e6);
      ImGui::TableNextColumn();
      ImGui::TextUnformatted(r.node == kNoEndpoint ? "world" : endpoint_name(r.node).c_str());
      ImGui::TableNextColumn();
      // An invocation or return of an operation the violation cannot order: in its colour, marked.
      const bool in_window = view.windows.marks(seq);
      ImGui::PushStyleColor(ImGuiCol_Text, in_window ? IM_COL32(255, 140, 60, 255)
                                                     : category_color(view.timeline.category(seq), future ? 120 : 255));
      ImGui::TextUnformatted(((in_window ? "[window] " : "") + view.timeline.summary(seq)).c_str());
      ImGui::PopStyleColor();
    }
  }
  ImGui::EndTable();
}

}  // namespace zablab::gui
