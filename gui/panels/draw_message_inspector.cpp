// One message: who sent it to whom, when it left and arrived (or why it was lost), what its type
// is for, and its decoded fields (a vote, a zxid, a txn...). Buttons jump to its send and its end.
#include <imgui.h>

#include "gui/panels/panels.h"
#include "gui/panels/style.h"

namespace zablab::gui {

namespace {

void field(const char* name, const std::string& value) {
  ImGui::TableNextRow();
  ImGui::TableNextColumn();
  ImGui::TextDisabled("%s", name);
  ImGui::TableNextColumn();
  ImGui::PushTextWrapPos(0);
  ImGui::TextUnformatted(value.c_str());
  ImGui::PopTextWrapPos();
}

const char* fate_name(Message::Fate f) {
  switch (f) {
    case Message::Fate::in_flight: return "in flight";
    case Message::Fate::delivered: return "delivered";
    case Message::Fate::dropped: return "dropped";
    case Message::Fate::lost: return "lost";
  }
  return "?";
}

}  // namespace

void draw_message_inspector(UiState& ui, const WorldView& view) {
  using namespace style;
  // The selected message, or the one the current record sends or receives.
  std::optional<std::size_t> index = ui.selected_message;
  if (ui.cursor >= 0)
    if (auto m = view.timeline.message_of(static_cast<std::uint64_t>(ui.cursor)); m && !index) index = m;
  if (!index || *index >= view.timeline.messages().size()) {
    ImGui::TextDisabled("Click a message on the ring or an arrow in the space-time diagram.");
    return;
  }
  const Message& m = view.timeline.message(*index);
  ImGui::PushStyleColor(ImGuiCol_Text, message_color(m));
  ImGui::Text("%s", m.label.c_str());
  ImGui::PopStyleColor();
  ImGui::SameLine();
  ImGui::TextDisabled("%s -> %s", endpoint_name(m.from).c_str(), endpoint_name(m.to).c_str());
  const std::string meaning = message_meaning(m.type);
  if (!meaning.empty()) {
    ImGui::PushTextWrapPos(0);
    ImGui::TextUnformatted(meaning.c_str());
    ImGui::PopTextWrapPos();
  }
  if (ImGui::Button("Go to send")) ui.select(m.send_seq);
  if (m.end_seq >= 0) {
    ImGui::SameLine();
    if (ImGui::Button(m.fate == Message::Fate::delivered ? "Go to delivery" : "Go to loss"))
      ui.select(static_cast<std::uint64_t>(m.end_seq));
  }
  ImGui::SameLine();
  if (ImGui::Button("Clear selection")) ui.selected_message.reset();
  if (ImGui::BeginTable("message", 2, ImGuiTableFlags_SizingFixedFit | ImGuiTableFlags_RowBg)) {
    field("type", m.type.empty() ? "-" : m.type);
    field("channel", m.channel == Channel::election ? "election port (3888): Fast Leader Election"
                     : m.channel == Channel::quorum ? "quorum port (2888): Zab"
                                                    : "client port (2181)");
    field("connection", std::to_string(m.conn));
    field("sent", "#" + std::to_string(m.send_seq) + " at " + time_text(m.sent_ns));
    if (m.end_seq >= 0) {
      field(fate_name(m.fate), "#" + std::to_string(m.end_seq) + " at " + time_text(m.ended_ns) + " (after " +
                                   time_text(m.ended_ns - m.sent_ns) + ")");
    } else {
      field("status", "in flight");
    }
    if (!m.reason.empty()) field("reason", m.reason);
    if (m.zxid >= 0) field("zxid", zxid_text(m.zxid) + "  (epoch " + std::to_string(static_cast<std::uint64_t>(m.zxid) >> 32) +
                                       ", counter " + std::to_string(m.zxid & 0xFFFFFFFFLL) + ")");
    if (m.inferred) field("note", "label inferred from the events around it (the trace has no decoded fields)");
    // Decoded frames.
    const JsonValue frames = JsonValue::parse(m.frames.empty() ? "[]" : m.frames);
    for (std::size_t i = 0; i < frames.size(); ++i) {
      const JsonValue& f = frames.at(i);
      if (frames.size() > 1) field(("frame " + std::to_string(i + 1)).c_str(), f["type"].str());
      for (const auto& [k, v] : f.members()) {
        if (k == "type" && frames.size() == 1) continue;
        field(k.c_str(), v.is_object() || v.is_array() ? v.dump() : v.str());
      }
    }
    ImGui::EndTable();
  }
}

}  // namespace zablab::gui
