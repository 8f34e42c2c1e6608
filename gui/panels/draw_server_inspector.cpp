// One server in depth: role, phase, epochs, zxids, its vote; as leader, its learners, how each
// was synced and the proposals waiting for ACKs; its committed prefix, data tree and sessions.
// In a live world at the newest record, the running peer's exact values too.
#include <imgui.h>

#include <algorithm>
#include <map>

#include "gui/model/vote_matrix.h"
#include "gui/panels/panels.h"
#include "gui/panels/style.h"

namespace zablab::gui {

namespace {

using namespace style;

void row(const char* name, const std::string& value) {
  ImGui::TableNextRow();
  ImGui::TableNextColumn();
  ImGui::TextDisabled("%s", name);
  ImGui::TableNextColumn();
  ImGui::TextUnformatted(value.c_str());
}

std::string num(std::int64_t v) { return v < 0 ? "?" : std::to_string(v); }

// The tree as nested ImGui tree nodes.
using Children = std::map<std::string, std::vector<std::string>>;

void tree_node(const std::map<std::string, ZnodeInfo>& nodes, const Children& kids, const std::string& path,
               int depth) {
  auto it = nodes.find(path);
  const auto k = kids.find(path);
  const bool has_children = k != kids.end() && !k->second.empty();
  std::string label = path == "/" ? "/" : path.substr(path.find_last_of('/') + 1);
  if (it != nodes.end()) {
    const ZnodeInfo& node = it->second;
    if (!node.data.empty()) label += "  = \"" + node.data.substr(0, 24) + (node.data.size() > 24 ? "...\"" : "\"");
    if (node.ephemeral_owner) label += "  (ephemeral)";
  }
  const ImGuiTreeNodeFlags flags = has_children ? (depth < 3 ? ImGuiTreeNodeFlags_DefaultOpen : 0)
                                                : (ImGuiTreeNodeFlags_Leaf | ImGuiTreeNodeFlags_NoTreePushOnOpen);
  const bool open = ImGui::TreeNodeEx(path.c_str(), flags, "%s", label.c_str());
  if (it != nodes.end() && ImGui::IsItemHovered())
    ImGui::SetTooltip("%s\nczxid %s  mzxid %s  version %d", path.c_str(), zxid_text(it->second.czxid).c_str(),
                      zxid_text(it->second.mzxid).c_str(), it->second.version);
  if (!has_children || !open) return;
  for (const auto& child : k->second) tree_node(nodes, kids, child, depth + 1);
  ImGui::TreePop();
}

void tree(const std::map<std::string, ZnodeInfo>& nodes) {
  Children kids;
  for (const auto& [path, node] : nodes) {
    const auto slash = path.find_last_of('/');
    kids[slash == 0 ? std::string("/") : path.substr(0, slash)].push_back(path);
  }
  tree_node(nodes, kids, "/", 0);
}

}  // namespace

void draw_server_inspector(UiState& ui, const WorldView& view) {
  const auto& servers = view.timeline.servers();
  if (servers.empty()) return;
  if (!ui.selected_server) ui.selected_server = servers.front();
  for (EndpointId id : servers) {
    const ServerView* s = view.state.server(id);
    ImGui::PushStyleColor(ImGuiCol_Text, role_color(s ? s->role : Role::unknown));
    if (ImGui::RadioButton(endpoint_name(id).c_str(), *ui.selected_server == id)) ui.selected_server = id;
    ImGui::PopStyleColor();
    ImGui::SameLine();
  }
  ImGui::NewLine();
  const EndpointId id = *ui.selected_server;
  const ServerView* s = view.state.server(id);
  if (!s) {
    ImGui::TextDisabled("nothing known about %s yet", endpoint_name(id).c_str());
    return;
  }
  if (ImGui::BeginTable("status", 2, ImGuiTableFlags_SizingFixedFit)) {
    row("role", std::string(role_name(s->role)) + (s->up ? "" : " (" + s->down_reason + ")"));
    row("phase", std::string(phase_name(s->phase)));
    row("incarnation", std::to_string(s->incarnation));
    row("leader", s->leader ? endpoint_name(*s->leader) : "-");
    row("accepted epoch", num(s->accepted_epoch));
    row("current epoch", num(s->current_epoch));
    row("last logged", zxid_text(s->last_logged));
    row("last committed", zxid_text(s->last_committed));
    row("election round", std::to_string(s->round) + (s->electing ? " (running)" : ""));
    row("vote", s->vote.valid ? vote_text(s->vote) : "-");
    ImGui::EndTable();
  }
  if (view.source.live() && view.at_head) {
    if (auto live = view.source.live_peer(id); live && live->up) {
      if (ImGui::TreeNodeEx("Running peer (exact, now)", ImGuiTreeNodeFlags_DefaultOpen)) {
        ImGui::TextDisabled("role %s  accepted epoch %lld  current epoch %lld", live->role.c_str(),
                            static_cast<long long>(live->accepted_epoch), static_cast<long long>(live->current_epoch));
        ImGui::TextDisabled("last logged %s  applied %s  uncommitted %zu  logical clock %lld",
                            zxid_text(live->last_logged).c_str(), zxid_text(live->last_applied).c_str(),
                            live->uncommitted, static_cast<long long>(live->logical_clock));
        ImGui::TextDisabled("%zu znodes  %zu client connections", live->znodes, live->connections);
        ImGui::TreePop();
      }
    }
  }
  if (s->role == Role::leading &&
      ImGui::CollapsingHeader("As leader: learners and proposals", ImGuiTreeNodeFlags_DefaultOpen)) {
    ImGui::Text("new epoch %s, %s", num(s->new_epoch).c_str(), s->established ? "established" : "not established yet");
    for (EndpointId l : s->learners) {
      auto it = s->sync_mode.find(l);
      ImGui::BulletText("%s synced by %s", endpoint_name(l).c_str(), it == s->sync_mode.end() ? "-" : it->second.c_str());
    }
    const int voters = std::max(1, view.state.voter_count());
    for (const auto& [zxid, acks] : s->acks) {
      std::string who;
      for (EndpointId a : acks) who += (who.empty() ? "" : ", ") + endpoint_name(a);
      ImGui::BulletText("%s waits: ACKs from %s (%zu of %d with the leader; quorum %d)", zxid_text(zxid).c_str(),
                        who.empty() ? "nobody yet" : who.c_str(), acks.size() + 1, voters, voters / 2 + 1);
    }
  }
  if (ImGui::CollapsingHeader(("Committed prefix (" + std::to_string(s->committed.size()) + " txns)").c_str(),
                              ImGuiTreeNodeFlags_DefaultOpen)) {
    const float h = std::min(160.0f, ImGui::GetTextLineHeightWithSpacing() * (static_cast<float>(s->committed.size()) + 1.5f));
    if (ImGui::BeginTable("committed", 4, ImGuiTableFlags_ScrollY | ImGuiTableFlags_RowBg | ImGuiTableFlags_SizingFixedFit,
                          ImVec2(0, h))) {
      ImGui::TableSetupScrollFreeze(0, 1);
      ImGui::TableSetupColumn("zxid");
      ImGui::TableSetupColumn("op");
      ImGui::TableSetupColumn("path");
      ImGui::TableSetupColumn("session", ImGuiTableColumnFlags_WidthStretch);
      ImGui::TableHeadersRow();
      ImGuiListClipper clipper;
      clipper.Begin(static_cast<int>(s->committed.size()));
      while (clipper.Step())
        for (int i = clipper.DisplayStart; i < clipper.DisplayEnd; ++i) {
          // Newest first.
          const CommittedTxn& t = s->committed[s->committed.size() - 1 - static_cast<std::size_t>(i)];
          ImGui::TableNextRow();
          ImGui::TableNextColumn();
          ImGui::TextUnformatted(zxid_text(t.zxid).c_str());
          ImGui::TableNextColumn();
          ImGui::TextUnformatted(t.op.c_str());
          ImGui::TableNextColumn();
          ImGui::TextUnformatted(t.path.c_str());
          ImGui::TableNextColumn();
          ImGui::TextDisabled("%s", zxid_text(t.session).c_str());
        }
      ImGui::EndTable();
    }
  }
  if (ImGui::CollapsingHeader(("Data tree (" + std::to_string(s->tree.size()) + " znodes)").c_str(),
                              ImGuiTreeNodeFlags_DefaultOpen)) {
    ImGui::PushID(static_cast<int>(id));
    tree(s->tree);
    ImGui::PopID();
  }
  if (ImGui::CollapsingHeader(("Sessions (" + std::to_string(s->sessions.size()) + ")").c_str())) {
    for (const auto& [sid, timeout] : s->sessions)
      ImGui::BulletText("%s  timeout %d ms", zxid_text(sid).c_str(), timeout);
  }
}

}  // namespace zablab::gui
