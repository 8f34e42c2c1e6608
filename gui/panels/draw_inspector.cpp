// The inspector: tabs for the vote matrix, one server, one message, the clients (with the client
// console), manual delivery, and the session and watch timeline.
#include <imgui.h>

#include "gui/panels/panels.h"

namespace zablab::gui {

void draw_inspector(UiState& ui, const WorldView& view) {
  if (!ImGui::BeginTabBar("inspector")) return;
  struct Tab {
    const char* name;
    InspectorTab tab;
    void (*draw)(UiState&, const WorldView&);
  };
  const Tab tabs[] = {{"Votes", InspectorTab::votes, draw_votes},
                      {"Server", InspectorTab::server, draw_server_inspector},
                      {"Message", InspectorTab::message, draw_message_inspector},
                      {"Clients", InspectorTab::clients, draw_clients},
                      {"Deliver", InspectorTab::deliver, draw_deliver},
                      {"Sessions", InspectorTab::sessions, draw_sessions}};
  const bool forced = ui.tab_requested;
  ui.tab_requested = false;
  for (const Tab& t : tabs) {
    const ImGuiTabItemFlags flags = forced && ui.tab == t.tab ? ImGuiTabItemFlags_SetSelected : 0;
    if (ImGui::BeginTabItem(t.name, nullptr, flags)) {
      if (!forced) ui.tab = t.tab;
      ImGui::BeginChild(t.name);
      t.draw(ui, view);
      ImGui::EndChild();
      ImGui::EndTabItem();
    }
  }
  ImGui::EndTabBar();
}

}  // namespace zablab::gui
