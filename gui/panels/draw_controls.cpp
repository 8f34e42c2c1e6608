// The control bar: step / run / pause / speed, jumps to the next election, Zab, commit or fault
// record, a time to jump to, and for a live world the faults (crash, restart, isolate, partition,
// heal) and client writes, queued as Commands and applied between simulation steps.
// Keys: Space play/pause, Right/Left step, Home/End first/last record.
#include <imgui.h>

#include <algorithm>
#include <cmath>

#include "gui/panels/panels.h"
#include "gui/panels/style.h"

namespace zablab::gui {

namespace {

void command(UiState& ui, CommandKind kind, EndpointId a = kNoEndpoint) {
  Command c;
  c.kind = kind;
  c.a = a;
  ui.commands.push_back(c);
}

void keys(UiState& ui) {
  const ImGuiIO& io = ImGui::GetIO();
  if (io.WantTextInput) return;
  if (ImGui::IsKeyPressed(ImGui::GetKeyIndex(ImGuiKey_Space), false)) {
    ui.playing = !ui.playing;
    ui.fraction = 0;
  }
  if (ImGui::IsKeyPressed(ImGui::GetKeyIndex(ImGuiKey_RightArrow))) ui.go(Navigation::Kind::forward);
  if (ImGui::IsKeyPressed(ImGui::GetKeyIndex(ImGuiKey_LeftArrow))) ui.go(Navigation::Kind::back);
  if (ImGui::IsKeyPressed(ImGui::GetKeyIndex(ImGuiKey_Home), false)) ui.go(Navigation::Kind::start);
  if (ImGui::IsKeyPressed(ImGui::GetKeyIndex(ImGuiKey_End), false)) ui.go(Navigation::Kind::end);
}

}  // namespace

void draw_controls(UiState& ui, const WorldView& view) {
  using namespace style;
  keys(ui);
  // --- row 1: playback ---
  if (ImGui::Button("|<")) ui.go(Navigation::Kind::start);
  ImGui::SameLine();
  if (ImGui::Button("< step")) ui.go(Navigation::Kind::back);
  ImGui::SameLine();
  if (ImGui::Button(ui.playing ? " pause " : " run  ", ImVec2(64, 0))) {
    ui.playing = !ui.playing;
    ui.fraction = 0;
  }
  ImGui::SameLine();
  if (ImGui::Button("step >")) ui.go(Navigation::Kind::forward);
  ImGui::SameLine();
  if (ImGui::Button(">|")) ui.go(Navigation::Kind::end);
  ImGui::SameLine();
  ImGui::SetNextItemWidth(150);
  float speed = static_cast<float>(ui.speed);
  if (ImGui::SliderFloat("##speed", &speed, 0.5f, 2000.0f, "%.1f events/s", ImGuiSliderFlags_Logarithmic))
    ui.speed = speed;
  ImGui::SameLine();
  ImGui::TextDisabled("next:");
  const std::pair<const char*, Category> jumps[] = {{"vote", Category::election},
                                                    {"Zab", Category::zab},
                                                    {"commit", Category::txn},
                                                    {"fault", Category::fault}};
  for (const auto& [label, category] : jumps) {
    ImGui::SameLine();
    ImGui::PushStyleColor(ImGuiCol_Text, category_color(category));
    if (ImGui::SmallButton(label)) {
      ui.filter.set(category, true);
      ui.navigation.push_back(Navigation{Navigation::Kind::next_category, 0, 0, category});
    }
    ImGui::PopStyleColor();
  }
  ImGui::SameLine();
  ImGui::SetNextItemWidth(70);
  ImGui::InputInt("##ms", &ui.jump_ms, 0, 0);
  ImGui::SameLine();
  if (ImGui::SmallButton("go to ms"))
    ui.navigation.push_back(Navigation{Navigation::Kind::time, 0, ui.jump_ms * sim::kMillisecond, Category::zab});
  ImGui::SameLine();
  ImGui::SetNextItemWidth(std::max(120.0f, ImGui::GetContentRegionAvail().x));
  const std::string current = view.source.description();
  if (ImGui::BeginCombo("##source", current.c_str())) {
    ImGui::TextDisabled("open another source:");
    for (const auto& entry : ui.source_menu) {
      const auto slash = entry.find_last_of('/');
      const std::string shown = slash == std::string::npos ? entry : "scenario " + entry.substr(slash + 1);
      if (ImGui::Selectable(shown.c_str())) ui.open_source = entry;
    }
    ImGui::EndCombo();
  }

  // --- row 2: faults and writes (live) ---
  const bool live = view.source.live();
  if (!live) ImGui::BeginDisabled();
  const auto& servers = view.timeline.servers();
  ImGui::TextDisabled("server");
  ImGui::SameLine();
  ImGui::SetNextItemWidth(60);
  if (ImGui::BeginCombo("##server", endpoint_name(ui.command_server).c_str())) {
    for (EndpointId id : servers)
      if (ImGui::Selectable(endpoint_name(id).c_str(), id == ui.command_server)) ui.command_server = id;
    ImGui::EndCombo();
  }
  ImGui::SameLine();
  if (ImGui::Button("crash")) command(ui, CommandKind::crash, ui.command_server);
  ImGui::SameLine();
  if (ImGui::Button("restart")) command(ui, CommandKind::restart, ui.command_server);
  ImGui::SameLine();
  if (ImGui::Button("isolate")) command(ui, CommandKind::isolate, ui.command_server);
  ImGui::SameLine();
  if (ImGui::Button("crash leader")) {
    if (auto l = view.state.leader()) command(ui, CommandKind::crash, *l);
  }
  ImGui::SameLine();
  ImGui::TextDisabled("| split off");
  for (std::size_t i = 0; i < servers.size() && i < ui.partition_side.size(); ++i) {
    ImGui::SameLine();
    bool on = ui.partition_side[i];
    if (ImGui::Checkbox(("##side" + std::to_string(i)).c_str(), &on)) ui.partition_side[i] = on;
    ImGui::SameLine(0, 2);
    ImGui::TextUnformatted(endpoint_name(servers[i]).c_str());
  }
  ImGui::SameLine();
  if (ImGui::Button("partition")) {
    Command c;
    c.kind = CommandKind::partition;
    c.groups.resize(2);
    for (std::size_t i = 0; i < servers.size(); ++i)
      c.groups[i < ui.partition_side.size() && ui.partition_side[i] ? 0 : 1].push_back(servers[i]);
    if (!c.groups[0].empty() && !c.groups[1].empty()) ui.commands.push_back(c);
    else ui.status = "tick the servers to split off first";
  }
  ImGui::SameLine();
  if (ImGui::Button("heal")) command(ui, CommandKind::heal);
  ImGui::SameLine();
  ImGui::TextDisabled("|");
  ImGui::SameLine();
  if (ImGui::Button("write")) command(ui, CommandKind::write);
  ImGui::SameLine();
  if (ImGui::Button("add client")) command(ui, CommandKind::add_client);
  if (!live) ImGui::EndDisabled();
  ImGui::SameLine();
  if (!live)
    ImGui::TextDisabled("replay: the recorded run cannot be changed");
  else if (!ui.status.empty())
    ImGui::TextColored(style::to_vec4(IM_COL32(255, 200, 120, 255)), "%s", ui.status.c_str());
}

}  // namespace zablab::gui
