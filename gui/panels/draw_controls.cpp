// The control bar: step / run / pause / speed, jumps to the next election, Zab, commit or fault
// record, a time to jump to, and for a live world the faults (crash, restart, isolate, partition,
// heal) and client writes, queued as Commands and applied between simulation steps.
// Row 3: go back (branch the live world at the cursor), manual delivery, record to trace.db.
// Keys: Space play/pause, Right/Left step, Home/End first/last record, PageUp/PageDown 10 records,
// Ctrl+T / Ctrl+G type a time / a record number to jump to (Enter jumps).
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
  for (int k = 0; k < 10; ++k) {
    if (ImGui::IsKeyPressed(ImGui::GetKeyIndex(ImGuiKey_PageDown))) ui.go(Navigation::Kind::forward);
    if (ImGui::IsKeyPressed(ImGui::GetKeyIndex(ImGuiKey_PageUp))) ui.go(Navigation::Kind::back);
  }
  // Letters are GLFW key codes (ImGui 1.86 has no named keys for them).
  if (io.KeyCtrl && ImGui::IsKeyPressed('T', false)) ui.focus_jump = 1;
  if (io.KeyCtrl && ImGui::IsKeyPressed('G', false)) ui.focus_jump = 2;
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
  if (ui.focus_jump == 1) ImGui::SetKeyboardFocusHere();
  const bool ms_enter = ImGui::InputInt("##ms", &ui.jump_ms, 0, 0, ImGuiInputTextFlags_EnterReturnsTrue);
  ImGui::SameLine();
  if (ImGui::SmallButton("go to ms") || ms_enter)
    ui.navigation.push_back(Navigation{Navigation::Kind::time, 0, ui.jump_ms * sim::kMillisecond, Category::zab});
  ImGui::SameLine();
  ImGui::SetNextItemWidth(70);
  if (ui.focus_jump == 2) ImGui::SetKeyboardFocusHere();
  ui.focus_jump = 0;
  const bool rec_enter = ImGui::InputInt("##record", &ui.jump_record, 0, 0, ImGuiInputTextFlags_EnterReturnsTrue);
  ImGui::SameLine();
  if ((ImGui::SmallButton("go to #") || rec_enter) && ui.jump_record >= 0)
    ui.navigation.push_back(
        Navigation{Navigation::Kind::record, static_cast<std::uint64_t>(ui.jump_record), 0, Category::zab});
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
  if (ImGui::Button("kill")) command(ui, CommandKind::kill, ui.command_server);
  if (ImGui::IsItemHovered()) ImGui::SetTooltip("the process dies (SIGKILL): un-fsynced writes survive, peers see the reset at once");
  ImGui::SameLine();
  if (ImGui::Button("power off")) command(ui, CommandKind::power_off, ui.command_server);
  if (ImGui::IsItemHovered()) ImGui::SetTooltip("the machine stops: un-fsynced writes are lost, peers notice only by timeout");
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
  ImGui::SameLine();
  if (ImGui::Button("drop client") && !view.timeline.clients().empty()) {
    Command c;
    c.kind = CommandKind::drop_client;
    c.a = ui.console_client == kNoEndpoint ? view.timeline.clients().front() : ui.console_client;
    ui.commands.push_back(c);
  }

  // --- row 3: going back, manual delivery, recording ---
  const bool behind = ui.cursor >= 0 && static_cast<std::size_t>(ui.cursor) + 1 < view.timeline.size();
  if (!behind) ImGui::BeginDisabled();
  if (ImGui::Button("go back here")) ui.navigation.push_back(Navigation{Navigation::Kind::rewind,
                                                                       static_cast<std::uint64_t>(ui.cursor), 0,
                                                                       Category::zab});
  if (ImGui::IsItemHovered(ImGuiHoveredFlags_AllowWhenDisabled))
    ImGui::SetTooltip("Re-run the world to the cursor and continue from there (a new branch).\n"
                      "A fault or delivery given while the cursor is in the past does this first.");
  if (!behind) ImGui::EndDisabled();
  ImGui::SameLine();
  ImGui::Checkbox("manual delivery", &ui.manual_delivery);
  if (ui.manual_delivery) {
    ImGui::SameLine();
    if (ImGui::SmallButton(("pick (" + std::to_string(view.pending.size()) + " waiting)").c_str())) {
      ui.tab = InspectorTab::deliver;
      ui.tab_requested = true;
    }
  }
  if (!live) ImGui::EndDisabled();
  ImGui::SameLine();
  ImGui::TextDisabled("|");
  ImGui::SameLine();
  ImGui::SetNextItemWidth(150);
  ImGui::InputText("##record_path", ui.record_path.data(), ui.record_path.size());
  ImGui::SameLine();
  if (ImGui::Button("record")) ui.record_to = ui.record_path.data();
  if (ImGui::IsItemHovered()) ImGui::SetTooltip("Write every record so far to this trace.db (zablab-viz --trace opens it)");
  ImGui::SameLine();
  if (!live && ui.status.empty())
    ImGui::TextDisabled("replay: the recorded run cannot be changed");
  else if (!ui.status.empty())
    ImGui::TextColored(style::to_vec4(IM_COL32(255, 200, 120, 255)), "%s", ui.status.c_str());
}

}  // namespace zablab::gui
