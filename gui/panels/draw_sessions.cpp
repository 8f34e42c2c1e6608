// The session and watch timeline at the cursor: each session's timeout ticking down since its
// client's last packet, its expiry or close and the ephemerals removed with it; each watch from
// the read that set it to the notification and its delivery. Click a time to go there.
#include <imgui.h>

#include <algorithm>

#include "gui/model/sessions.h"
#include "gui/panels/panels.h"
#include "gui/panels/style.h"

namespace zablab::gui {

namespace {

// Rebuilt only when the cursor or the timeline changes (a fold over the records up to it).
const SessionTimeline& cached(const WorldView& view, std::int64_t cursor) {
  static SessionTimeline cache;
  static const Timeline* of = nullptr;
  static std::size_t size = 0;
  if (of != &view.timeline || size != view.timeline.size() || cache.upto != cursor) {
    cache = build_session_timeline(view.timeline, cursor);
    cache.upto = cursor;
    of = &view.timeline;
    size = view.timeline.size();
  }
  return cache;
}

void goto_link(UiState& ui, const char* text, std::int64_t seq) {
  ImGui::TextUnformatted(text);
  if (seq >= 0 && ImGui::IsItemClicked()) ui.select(static_cast<std::uint64_t>(seq));
  if (seq >= 0 && ImGui::IsItemHovered()) ImGui::SetTooltip("go to #%lld", static_cast<long long>(seq));
}

}  // namespace

void draw_sessions(UiState& ui, const WorldView& view) {
  const SessionTimeline& st = cached(view, ui.cursor);
  const Nanos now = view.state.time_ns;
  const ImGuiTableFlags flags = ImGuiTableFlags_Borders | ImGuiTableFlags_RowBg | ImGuiTableFlags_SizingFixedFit;
  ImGui::Text("Sessions at %s", time_text(now).c_str());
  if (st.sessions.empty()) ImGui::TextDisabled("No session yet.");
  else if (ImGui::BeginTable("sessions", 5, flags)) {
    ImGui::TableSetupColumn("session");
    ImGui::TableSetupColumn("client");
    ImGui::TableSetupColumn("timeout left", ImGuiTableColumnFlags_WidthFixed, 150);
    ImGui::TableSetupColumn("ended");
    ImGui::TableSetupColumn("ephemerals", ImGuiTableColumnFlags_WidthStretch);
    ImGui::TableHeadersRow();
    for (const auto& s : st.sessions) {
      ImGui::TableNextRow();
      ImGui::TableNextColumn();
      goto_link(ui, zxid_text(s.id).c_str(), static_cast<std::int64_t>(s.created_seq));
      ImGui::TableNextColumn();
      ImGui::TextUnformatted(s.client == kNoEndpoint ? "-" : endpoint_name(s.client).c_str());
      ImGui::TableNextColumn();
      if (s.alive() && s.timeout_ms > 0) {
        const double left = s.remaining_ms(now);
        const float f = static_cast<float>(std::clamp(left / s.timeout_ms, 0.0, 1.0));
        const std::string text = left >= 0 ? std::to_string(static_cast<int>(left)) + " of " +
                                                 std::to_string(s.timeout_ms) + " ms"
                                           : "overdue " + std::to_string(static_cast<int>(-left)) + " ms";
        ImGui::PushStyleColor(ImGuiCol_PlotHistogram,
                              f > 0.5f ? IM_COL32(90, 170, 90, 255) : f > 0.2f ? IM_COL32(210, 170, 60, 255)
                                                                                : IM_COL32(210, 80, 70, 255));
        ImGui::ProgressBar(f, ImVec2(-1, 0), text.c_str());
        ImGui::PopStyleColor();
      } else {
        ImGui::TextDisabled(s.alive() ? "-" : "");
      }
      ImGui::TableNextColumn();
      if (!s.alive()) goto_link(ui, (s.end + " at " + time_text(s.ended_ns)).c_str(), s.ended_seq);
      ImGui::TableNextColumn();
      std::string eph;
      for (const auto& p : s.ephemerals) eph += (eph.empty() ? "" : " ") + p;
      for (const auto& p : s.ephemerals_removed) eph += (eph.empty() ? "removed " : " removed ") + p;
      ImGui::TextUnformatted(eph.empty() ? "-" : eph.c_str());
    }
    ImGui::EndTable();
  }
  ImGui::TextDisabled("A server restarts a session's clock on every packet from its client; the bar is timeout minus");
  ImGui::TextDisabled("the time since the last one (servers expire in tickTime buckets: up to a tick later).");

  ImGui::Spacing();
  ImGui::Text("Watches fired");
  if (st.watches.empty()) {
    ImGui::TextDisabled("None yet (a watch is set by a read, fires once on the change, then is gone).");
    return;
  }
  if (!ImGui::BeginTable("watches", 5, flags)) return;
  ImGui::TableSetupColumn("client");
  ImGui::TableSetupColumn("path", ImGuiTableColumnFlags_WidthStretch);
  ImGui::TableSetupColumn("set by");
  ImGui::TableSetupColumn("fired");
  ImGui::TableSetupColumn("delivered");
  ImGui::TableHeadersRow();
  for (std::size_t i = st.watches.size(); i-- > 0;) {  // newest first
    const WatchSpan& w = st.watches[i];
    ImGui::TableNextRow();
    ImGui::TableNextColumn();
    ImGui::TextUnformatted(endpoint_name(w.client).c_str());
    ImGui::TableNextColumn();
    ImGui::TextUnformatted(w.path.c_str());
    ImGui::TableNextColumn();
    if (w.set_seq >= 0) goto_link(ui, (w.read + " at " + time_text(w.set_ns)).c_str(), w.set_seq);
    else ImGui::TextDisabled("(not seen)");
    ImGui::TableNextColumn();
    goto_link(ui, (w.event + " by " + endpoint_name(w.server) + " at " + time_text(w.fired_ns)).c_str(),
              static_cast<std::int64_t>(w.fired_seq));
    ImGui::TableNextColumn();
    if (w.delivered_seq >= 0) goto_link(ui, time_text(w.delivered_ns).c_str(), w.delivered_seq);
    else ImGui::TextDisabled("in flight");
  }
  ImGui::EndTable();
}

}  // namespace zablab::gui
