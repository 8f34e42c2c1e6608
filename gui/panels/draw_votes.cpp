// The election vote matrix: a row per server (its state, round and current vote), a column per
// server (the vote the row heard from it this round: green when it backs the row's candidate),
// the support each candidate has against the quorum, and the candidates ranked by (epoch, zxid,
// id) with the reason the winner wins.
#include <imgui.h>

#include "gui/model/vote_matrix.h"
#include "gui/panels/panels.h"
#include "gui/panels/style.h"

namespace zablab::gui {

void draw_votes(UiState& ui, const WorldView& view) {
  using namespace style;
  const VoteMatrix& m = view.votes;
  ImGui::PushTextWrapPos(0);
  ImGui::TextDisabled(
      "Fast Leader Election: each server proposes (epoch, last zxid, id) and switches to any better vote it hears. "
      "A server decides once a quorum (%d of %d) backs its candidate. Column <sN: the vote heard from sN "
      "(green: backs the row's candidate).",
      m.quorum, m.voters);
  ImGui::PopTextWrapPos();
  if (m.rows.empty()) return;
  const int columns = 5 + static_cast<int>(m.columns.size());
  const ImGuiTableFlags flags =
      ImGuiTableFlags_Borders | ImGuiTableFlags_RowBg | ImGuiTableFlags_SizingFixedFit | ImGuiTableFlags_ScrollX;
  const float rows_h = ImGui::GetTextLineHeightWithSpacing() * (static_cast<float>(m.rows.size()) + 1) +
                       ImGui::GetStyle().ScrollbarSize + 6;
  if (ImGui::BeginTable("votes", columns, flags, ImVec2(0, rows_h))) {
    ImGui::TableSetupScrollFreeze(1, 1);
    ImGui::TableSetupColumn("server");
    ImGui::TableSetupColumn("state");
    ImGui::TableSetupColumn("round");
    ImGui::TableSetupColumn("its vote");
    for (EndpointId c : m.columns) ImGui::TableSetupColumn(("<" + endpoint_name(c)).c_str());
    ImGui::TableSetupColumn("support");
    ImGui::TableHeadersRow();
    for (const VoteRow& row : m.rows) {
      ImGui::TableNextRow();
      ImGui::TableNextColumn();
      const bool selected = ui.selected_server && *ui.selected_server == row.id;
      if (ImGui::Selectable(endpoint_name(row.id).c_str(), selected, ImGuiSelectableFlags_SpanAllColumns))
        ui.selected_server = row.id;
      ImGui::TableNextColumn();
      ImGui::PushStyleColor(ImGuiCol_Text, role_color(row.role));
      ImGui::TextUnformatted(std::string(role_name(row.role)).c_str());
      ImGui::PopStyleColor();
      ImGui::TableNextColumn();
      ImGui::Text("%lld", static_cast<long long>(row.round));
      ImGui::TableNextColumn();
      ImGui::TextUnformatted(row.vote.valid && row.up ? vote_text(row.vote).c_str() : "-");
      for (const VoteCell& cell : row.cells) {
        ImGui::TableNextColumn();
        if (!cell.heard) {
          ImGui::TextDisabled("-");
          continue;
        }
        const ImU32 color = !cell.same_round ? IM_COL32(120, 120, 130, 255)
                            : cell.agrees   ? IM_COL32(110, 220, 120, 255)
                                            : IM_COL32(235, 170, 90, 255);
        ImGui::PushStyleColor(ImGuiCol_Text, color);
        ImGui::Text("%lld", static_cast<long long>(cell.vote.leader));
        ImGui::PopStyleColor();
        if (ImGui::IsItemHovered())
          ImGui::SetTooltip("%s heard from %s: %s (%s, round %lld)%s", endpoint_name(row.id).c_str(),
                            endpoint_name(m.columns[static_cast<std::size_t>(&cell - row.cells.data())]).c_str(),
                            vote_text(cell.vote).c_str(), cell.vote.state.c_str(),
                            static_cast<long long>(cell.vote.round), cell.same_round ? "" : "\n(another round)");
      }
      ImGui::TableNextColumn();
      if (row.up && row.vote.valid) {
        ImGui::PushStyleColor(ImGuiCol_Text, row.quorum ? IM_COL32(110, 220, 120, 255) : kDim);
        ImGui::Text("%d/%d%s", row.support, m.voters, row.quorum ? " quorum" : "");
        ImGui::PopStyleColor();
      }
    }
    ImGui::EndTable();
  }
  ImGui::Spacing();
  heading("Candidates, best first");
  int rank = 1;
  for (const Candidate& c : m.ranking) {
    std::string backers;
    for (EndpointId b : c.backers) backers += (backers.empty() ? "" : ", ") + endpoint_name(b);
    ImGui::Text("%d. server %lld  epoch %lld  zxid %s   backed by %s", rank++, static_cast<long long>(c.vote.leader),
                static_cast<long long>(c.vote.peer_epoch), zxid_text(c.vote.zxid).c_str(), backers.c_str());
  }
  if (!m.why.empty()) {
    ImGui::PushStyleColor(ImGuiCol_Text, IM_COL32(255, 225, 140, 255));
    ImGui::PushTextWrapPos(0);
    ImGui::TextUnformatted(m.why.c_str());
    ImGui::PopTextWrapPos();
    ImGui::PopStyleColor();
  }
  if (!m.any_electing) ImGui::TextDisabled("No election is running now; the matrix shows each server's last vote.");
}

}  // namespace zablab::gui
