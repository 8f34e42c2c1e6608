// The ensemble view: servers on a ring coloured by role, with their epoch, zxids and vote; the
// links between them (grey: up, red dashed: that direction is partitioned); messages in flight
// animated along their directed lane with a label; clients below with their session, server and
// pending requests. Click a server or a message to inspect it; right-click a server for faults.
#include <imgui.h>

#include <algorithm>
#include <cmath>
#include <map>

#include "gui/model/vote_matrix.h"
#include "gui/panels/panels.h"
#include "gui/panels/style.h"
#include "sim/reachability.h"

namespace zablab::gui {

namespace {

using namespace style;

struct Placed {
  Vec2 pos;
  float radius = 0;
  bool client = false;
};

std::string_view short_phase(Phase p) { return p == Phase::synchronization ? "SYNC" : phase_name(p); }

// The text beside a server: role (and phase while not broadcasting), log and commit zxids, and
// its vote while LOOKING or the proposal it waits on as leader.
std::vector<std::string> server_lines(const ServerView* s, const EnsembleState& st) {
  std::vector<std::string> out;
  if (!s || s->role == Role::unknown) {
    out.push_back("not started");
    return out;
  }
  if (!s->up) {
    out.push_back(s->down_reason.empty() || s->down_reason == "crash" ? "crashed" : "down: " + s->down_reason);
    out.push_back("log " + zxid_text(s->last_logged));
    return out;
  }
  std::string role(role_name(s->role));
  if (s->role != Role::looking && s->phase != Phase::broadcast) role += " " + std::string(short_phase(s->phase));
  out.push_back(role);
  out.push_back("log " + zxid_text(s->last_logged));
  out.push_back("commit " + zxid_text(s->last_committed));
  if (s->role == Role::looking && s->vote.valid)
    out.push_back(s->vote.leader < 0 ? "observer: no vote"
                                     : "vote " + std::to_string(s->vote.leader) + " r" + std::to_string(s->round));
  if (s->role == Role::leading && !s->acks.empty()) {
    const auto& [zxid, acks] = *s->acks.begin();
    const int voters = std::max(1, st.voter_count());
    out.push_back("acks " + std::to_string(acks.size() + 1) + "/" + std::to_string(voters) + " " + zxid_text(zxid));
  }
  return out;
}

void server_tooltip(const ServerView* s, EndpointId id) {
  ImGui::BeginTooltip();
  ImGui::Text("%s", endpoint_name(id).c_str());
  if (s) {
    ImGui::Text("role %s, phase %s", std::string(role_name(s->role)).c_str(), std::string(phase_name(s->phase)).c_str());
    ImGui::Text("accepted epoch %lld, current epoch %lld", static_cast<long long>(s->accepted_epoch),
                static_cast<long long>(s->current_epoch));
    ImGui::Text("last logged %s, last committed %s", zxid_text(s->last_logged).c_str(),
                zxid_text(s->last_committed).c_str());
    if (s->leader) ImGui::Text("leader %lld", static_cast<long long>(*s->leader));
    ImGui::Text("%zu znodes, %zu sessions", s->tree.size(), s->sessions.size());
  }
  ImGui::TextDisabled("click: inspect   double-click: crash / restart   right-click: faults, partition groups");
  ImGui::EndTooltip();
}

void server_menu(UiState& ui, const WorldView& view) {
  if (!ImGui::BeginPopup("server_menu")) return;
  const EndpointId id = ui.menu_server;
  const bool live = view.source.live();
  const ServerView* s = view.state.server(id);
  const bool up = s && s->up;
  ImGui::TextDisabled("%s", endpoint_name(id).c_str());
  ImGui::Separator();
  auto command = [&](CommandKind kind, EndpointId a, EndpointId b = kNoEndpoint) {
    Command c;
    c.kind = kind;
    c.a = a;
    c.b = b;
    ui.commands.push_back(c);
  };
  if (ImGui::MenuItem("Crash", nullptr, false, live && up)) command(CommandKind::crash, id);
  if (ImGui::MenuItem("Kill (page cache survives)", nullptr, false, live && up)) command(CommandKind::kill, id);
  if (ImGui::MenuItem("Power off (un-fsynced writes lost)", nullptr, false, live && up))
    command(CommandKind::power_off, id);
  if (ImGui::MenuItem("Restart", nullptr, false, live && !up)) command(CommandKind::restart, id);
  if (ImGui::MenuItem("Isolate (both ways)", nullptr, false, live)) command(CommandKind::isolate, id);
  if (ImGui::BeginMenu("Cut one way", live)) {
    for (EndpointId other : view.timeline.servers()) {
      if (other == id) continue;
      const std::string out = "drop " + endpoint_name(id) + " -> " + endpoint_name(other);
      const std::string in = "drop " + endpoint_name(other) + " -> " + endpoint_name(id);
      if (ImGui::MenuItem(out.c_str(), nullptr, view.state.link_blocked(id, other)))
        command(view.state.link_blocked(id, other) ? CommandKind::unblock : CommandKind::block, id, other);
      if (ImGui::MenuItem(in.c_str(), nullptr, view.state.link_blocked(other, id)))
        command(view.state.link_blocked(other, id) ? CommandKind::unblock : CommandKind::block, other, id);
    }
    ImGui::EndMenu();
  }
  if (ImGui::MenuItem("Heal every link", nullptr, false, live)) command(CommandKind::heal, kNoEndpoint);
  // Partition groups: tick servers into group A; "partition" cuts A from the rest both ways.
  const auto& servers = view.timeline.servers();
  const auto index = std::find(servers.begin(), servers.end(), id) - servers.begin();
  if (index < static_cast<std::ptrdiff_t>(ui.partition_side.size())) {
    bool& side = ui.partition_side[static_cast<std::size_t>(index)];
    if (ImGui::MenuItem("In group A (to split off)", nullptr, side, live)) side = !side;
  }
  if (ImGui::MenuItem("Partition: group A | the rest", nullptr, false, live)) {
    Command c;
    c.kind = CommandKind::partition;
    c.groups.resize(2);
    for (std::size_t i = 0; i < servers.size(); ++i)
      c.groups[i < ui.partition_side.size() && ui.partition_side[i] ? 0 : 1].push_back(servers[i]);
    if (!c.groups[0].empty() && !c.groups[1].empty()) ui.commands.push_back(c);
    else ui.status = "put some servers in group A first";
  }
  if (!live) ImGui::TextDisabled("(a replay cannot be changed)");
  ImGui::EndPopup();
}

void client_menu(UiState& ui, const WorldView& view) {
  if (!ImGui::BeginPopup("client_menu")) return;
  const EndpointId id = ui.console_client;
  const bool live = view.source.live();
  ImGui::TextDisabled("%s", endpoint_name(id).c_str());
  ImGui::Separator();
  if (ImGui::MenuItem("Drop its connection", nullptr, false, live)) {
    Command c;
    c.kind = CommandKind::drop_client;
    c.a = id;
    ui.commands.push_back(c);
  }
  if (ImGui::MenuItem("Console (Clients tab)")) {
    ui.tab = InspectorTab::clients;
    ui.tab_requested = true;
  }
  if (!live) ImGui::TextDisabled("(a replay cannot be changed)");
  ImGui::EndPopup();
}

}  // namespace

void draw_ensemble(UiState& ui, const WorldView& view) {
  ImDrawList* dl = ImGui::GetWindowDrawList();
  const ImVec2 origin = ImGui::GetCursorScreenPos();
  const ImVec2 avail = ImGui::GetContentRegionAvail();
  if (avail.x < 60 || avail.y < 60) return;
  ImGui::InvisibleButton("ensemble_canvas", avail, ImGuiButtonFlags_MouseButtonLeft | ImGuiButtonFlags_MouseButtonRight);
  const bool hovered = ImGui::IsItemHovered();
  const bool left_click = ImGui::IsItemClicked(ImGuiMouseButton_Left);
  const bool right_click = ImGui::IsItemClicked(ImGuiMouseButton_Right);
  const Vec2 mouse = vec(ImGui::GetIO().MousePos);
  const ImVec2 end(origin.x + avail.x, origin.y + avail.y);
  dl->PushClipRect(origin, end, true);  // the window's background is the canvas (draw_all)

  const EnsembleState& st = view.state;
  const auto& servers = view.timeline.servers();
  const std::vector<EndpointId> clients = ui.show_clients ? view.timeline.clients() : std::vector<EndpointId>{};
  const float line_h = ImGui::GetTextLineHeight();
  const float client_band = clients.empty() ? 0 : std::min(avail.y * 0.22f, 3.0f * line_h + 12);
  const Rect ring_area{origin.x, origin.y + line_h + 2, avail.x, avail.y - client_band - line_h - 2};
  float node_r = std::clamp(std::min(ring_area.w, ring_area.h) / 11, 16.0f, 34.0f);
  // The text beside each server is a little smaller than the panel's.
  const float small = ImGui::GetFontSize() * 0.88f;
  ImFont* font = ImGui::GetFont();
  auto small_size = [&](const std::string& t) { return font->CalcTextSizeA(small, 1e6f, 0, t.c_str()); };
  const float small_h = small_size("Ag").y;
  const float text_w = small_size("commit 0x100000000").x;
  Vec2 radii = ring_radii(ring_area, node_r, text_w, 4.2f * small_h);
  if (servers.size() > 5) {  // keep neighbours apart on a crowded ring
    const float chord = 2 * std::min(radii.x, radii.y) * std::sin(3.14159265f / static_cast<float>(servers.size()));
    node_r = std::max(14.0f, std::min(node_r, chord * 0.36f));
    radii = ring_radii(ring_area, node_r, text_w, 4.2f * small_h);
  }

  // One ring; or, when a partition splits the servers (Boost.Graph's connected components over
  // the links open both ways, sim::LinkGraph), one column per side, so the class sees the split.
  std::map<EndpointId, Vec2> target;
  const sim::LinkGraph links([&st](EndpointId from, EndpointId to) { return st.link_blocked(from, to); }, servers);
  std::vector<float> dividers;
  if (links.components().size() > 1) {
    std::vector<int> sizes;
    for (const auto& group : links.components()) sizes.push_back(static_cast<int>(group.size()));
    const GroupLayout split = group_positions(sizes, ring_area, node_r, text_w);
    for (std::size_t g = 0; g < sizes.size(); ++g)
      for (std::size_t k = 0; k < split.positions[g].size(); ++k) target[links.components()[g][k]] = split.positions[g][k];
    dividers = split.dividers;
  } else {
    const auto ring = ellipse_positions(static_cast<int>(servers.size()), ring_area.center(), radii.x, radii.y);
    for (std::size_t i = 0; i < servers.size(); ++i) target[servers[i]] = ring[i];
  }
  // Glide to the new places (a split is something to watch happen); the first frame, a jump of the
  // panel or a screenshot place them at once.
  std::map<EndpointId, Placed> at;
  for (EndpointId id : servers) {
    auto [shown, fresh] = ui.server_shown_at.try_emplace(id, target[id]);
    Vec2& p = shown->second;
    if (!fresh && ui.frame_dt > 0 && ui.frame_dt < 0.5f && distance(p, target[id]) < 2 * std::max(avail.x, avail.y)) {
      p.x = static_cast<float>(glide(p.x, target[id].x, ui.frame_dt, 6));
      p.y = static_cast<float>(glide(p.y, target[id].y, ui.frame_dt, 6));
    } else {
      p = target[id];
    }
    at[id] = Placed{p, node_r, false};
  }
  for (float x : dividers) {
    dashed_line(dl, ImVec2(x, ring_area.y), ImVec2(x, ring_area.y + ring_area.h), IM_COL32(235, 60, 60, 150), 1.5f, 8, 6);
    const char* text = "partition";
    const ImVec2 size = ImGui::CalcTextSize(text);
    dl->AddText(ImVec2(x - size.x / 2, ring_area.y - size.y + 2), IM_COL32(235, 90, 90, 230), text);
  }
  const Rect band{origin.x, origin.y + avail.y - client_band, avail.x, client_band};
  const auto row = row_positions(static_cast<int>(clients.size()), band);
  for (std::size_t i = 0; i < clients.size(); ++i) at[clients[i]] = Placed{row[i], 12, true};

  // --- links between servers: two directed lanes each, red where that direction is cut ---
  for (std::size_t i = 0; i < servers.size(); ++i)
    for (std::size_t j = i + 1; j < servers.size(); ++j) {
      const EndpointId a = servers[i], b = servers[j];
      const ServerView* sa = st.server(a);
      const ServerView* sb = st.server(b);
      const bool both_up = sa && sb && sa->up && sb->up;
      for (int dir = 0; dir < 2; ++dir) {
        const EndpointId from = dir ? b : a, to = dir ? a : b;
        const Lane lane = directed_lane(at[from].pos, at[to].pos, node_r, 3);
        if (st.link_blocked(from, to)) {
          dashed_line(dl, im(lane.from), im(lane.to), kBlocked, 2, 6, 4);
          cross(dl, im(along(lane, 0.35f)), 5, kBlocked, 2);
        } else {
          dl->AddLine(im(lane.from), im(lane.to), both_up ? kLink : IM_COL32(55, 58, 66, 255), 1.5f);
        }
      }
    }
  // --- clients to the server they use ---
  for (EndpointId c : clients) {
    const ClientView* cv = st.client(c);
    if (!cv || cv->server == kNoEndpoint || !at.count(cv->server)) continue;
    const Vec2 a = at[c].pos, b = at[cv->server].pos;
    const Lane lane = directed_lane(a, b, 14, 0);
    const bool connected = cv->state == "CONNECTED" || cv->state == "CONNECTEDREADONLY";
    if (st.link_blocked(c, cv->server) || st.link_blocked(cv->server, c))
      dashed_line(dl, im(lane.from), im(lane.to), kBlocked, 1.5f, 5, 4);
    else if (connected)
      dl->AddLine(im(lane.from), im(lane.to), IM_COL32(90, 170, 110, 200), 1.5f);
    else
      dashed_line(dl, im(lane.from), im(lane.to), IM_COL32(120, 120, 130, 200), 1.2f, 4, 4);
  }

  // --- servers: first the text beside each, then the messages in flight over it, then the nodes ---
  const float big = ImGui::GetFontSize() * 1.35f;
  for (EndpointId id : servers) {
    const ServerView* s = st.server(id);
    const Role role = s ? s->role : Role::unknown;
    const Vec2 p = at[id].pos;
    // Info lines beside the node, outward: right of the ring's centre line to the right (always
    // to the right when a partition splits the servers into columns).
    const auto lines = server_lines(s, st);
    const Vec2 c = ring_area.center();
    float width = 0;
    for (const auto& l : lines) width = std::max(width, small_size(l).x);
    const float height = small_h * static_cast<float>(lines.size());
    ImVec2 top_left = p.x >= c.x - 0.5f || !dividers.empty() ? ImVec2(p.x + node_r + 8, p.y - height / 2)
                                        : ImVec2(p.x - node_r - 8 - width, p.y - height / 2);
    top_left.x = std::clamp(top_left.x, origin.x + 2, std::max(origin.x + 2, end.x - width - 2));
    dl->AddRectFilled(ImVec2(top_left.x - 3, top_left.y - 1), ImVec2(top_left.x + width + 3, top_left.y + height + 1),
                      IM_COL32(22, 24, 30, 200), 3);
    for (std::size_t k = 0; k < lines.size(); ++k)
      dl->AddText(font, small, ImVec2(top_left.x, top_left.y + small_h * static_cast<float>(k)),
                  k == 0 ? role_color(role == Role::down ? Role::unknown : role) : kText, lines[k].c_str());
  }
  // --- messages in flight ---
  struct Hit {
    Rect rect;
    std::size_t message;
  };
  std::vector<Hit> hits;
  // Pills already placed, so messages close together (a PROPOSAL and the previous COMMIT on one
  // lane, or on two nearly parallel lanes) are stacked beside each other, not on top.
  std::vector<Rect> placed;
  const float pill_h = ImGui::GetTextLineHeight() + 3;
  auto overlaps = [&](const Rect& r) {
    int n = 0;
    for (const Rect& o : placed) n += r.x < o.x + o.w && o.x < r.x + r.w && r.y < o.y + o.h && o.y < r.y + r.h ? 1 : 0;
    return n;
  };
  // A lane with many messages (a backlog, manual delivery) shows labels on its first few only
  // (the oldest: the next to arrive), with a count, and dots for a few more.
  // Swamped (hundreds: a write storm, a long manual-delivery backlog), a lane's one label is short
  // ("PROPOSAL +23": the next to arrive, and how many behind it) and it shows fewer dots, so the
  // ring stays readable; every message is still in the Deliver tab and the space-time diagram.
  const bool busy = view.flights.size() > 100, swamped = view.flights.size() > 300;
  const int kLabelsPerLane = busy ? 1 : 3, kDotsPerLane = swamped ? 4 : busy ? 8 : 24;
  std::map<std::pair<EndpointId, EndpointId>, int> per_lane, seen_on_lane;
  for (const Flight& f : view.flights) {
    const Message& m = view.timeline.message(f.message);
    ++per_lane[{m.from, m.to}];
  }
  for (const Flight& f : view.flights) {
    const Message& m = view.timeline.message(f.message);
    if (!at.count(m.from) || !at.count(m.to)) continue;
    const int nth = seen_on_lane[{m.from, m.to}]++;
    const int on_lane = per_lane[{m.from, m.to}];
    if (nth >= kDotsPerLane && !f.lost) continue;
    const bool labelled = ui.show_labels && nth < kLabelsPerLane;
    const Placed& pf = at[m.from];
    const Placed& pt = at[m.to];
    const Lane lane = directed_lane(pf.pos, pt.pos, 0, 7);
    // Start and end at the node edges.
    const float len = distance(lane.from, lane.to);
    const float t0 = len > 1 ? pf.radius / len : 0, t1 = len > 1 ? 1 - pt.radius / len : 1;
    Vec2 p = along(lane, t0 + (t1 - t0) * f.progress);
    std::string more;
    if (nth == kLabelsPerLane - 1 && on_lane > kLabelsPerLane)
      more = " +" + std::to_string(on_lane - kLabelsPerLane) + " more";
    if (swamped && labelled && !f.lost)
      more = on_lane > 1 ? (m.type.empty() ? m.label : m.type) + " +" + std::to_string(on_lane - 1) : std::string();
    if (labelled && !f.lost) {
      std::string label = m.label;
      if (m.channel == Channel::election) label = label.substr(0, label.find(" ("));
      label = swamped && !more.empty() ? more : label + more;
      const float w = ImGui::CalcTextSize(label.c_str()).x + 8;
      // Pills are wide: step aside vertically, whatever the lane's direction.
      Vec2 best = p;
      int fewest = 1 << 30;
      for (int k : {0, 1, -1, 2, -2, 3, -3, 4, -4}) {
        const Vec2 q = p + Vec2{0, pill_h * static_cast<float>(k)};
        const int n = overlaps(Rect{q.x - w / 2, q.y - pill_h / 2, w, pill_h});
        if (n < fewest) {
          fewest = n;
          best = q;
        }
        if (n == 0) break;
      }
      p = best;
      placed.push_back(Rect{p.x - w / 2, p.y - pill_h / 2, w, pill_h});
    }
    const bool selected = ui.selected_message && *ui.selected_message == f.message;
    if (f.lost) {
      cross(dl, im(p), 7, kBlocked, 3);
      if (ui.show_labels) label_pill(dl, ImVec2(p.x, p.y - 14), IM_COL32(120, 30, 30, 230), kText, m.label + " lost");
      hits.push_back({Rect{p.x - 8, p.y - 8, 16, 16}, f.message});
      continue;
    }
    const ImU32 color = message_color(m, 235);
    if (labelled) {
      // On the ring a vote shows only its candidate and round; the rest is in the inspector.
      std::string label = m.label;
      if (m.channel == Channel::election) label = label.substr(0, label.find(" ("));
      label = swamped && !more.empty() ? more : label + more;
      hits.push_back({label_pill(dl, im(p), color, IM_COL32(15, 15, 20, 255), label, selected), f.message});
    } else {
      dl->AddCircleFilled(im(p), 5, color);
      if (selected) dl->AddCircle(im(p), 7, kSelect, 0, 2);
      hits.push_back({Rect{p.x - 6, p.y - 6, 12, 12}, f.message});
    }
  }

  for (EndpointId id : servers) {
    const ServerView* s = st.server(id);
    const Role role = s ? s->role : Role::unknown;
    const Vec2 p = at[id].pos;
    dl->AddCircleFilled(im(p), node_r, role_color(role), 40);
    if (role == Role::leading) dl->AddCircle(im(p), node_r + 4, role_color(role), 40, 2.5f);
    if (ui.selected_server && *ui.selected_server == id) dl->AddCircle(im(p), node_r + 2, kSelect, 40, 2);
    if (role == Role::down) cross(dl, im(p), node_r * 0.55f, IM_COL32(230, 80, 80, 255), 3);
    const std::string name = endpoint_name(id);
    const ImVec2 ns = ImGui::GetFont()->CalcTextSizeA(big, 1e6f, 0, name.c_str());
    dl->AddText(ImGui::GetFont(), big, ImVec2(p.x - ns.x / 2, p.y - ns.y / 2 - (s ? 6 : 0)),
                role == Role::down ? IM_COL32(200, 200, 200, 255) : IM_COL32(15, 15, 20, 255), name.c_str());
    // The epoch inside the circle, under the name.
    if (s && s->role != Role::unknown) {
      const std::string epoch = "e" + std::to_string(std::max<std::int64_t>(0, s->current_epoch));
      centered_text(dl, ImVec2(p.x, p.y + ns.y / 2 + 5), role == Role::down ? kDim : IM_COL32(25, 25, 30, 255), epoch);
    }
  }

  // --- clients ---
  for (EndpointId id : clients) {
    const ClientView* cv = st.client(id);
    const Vec2 p = at[id].pos;
    std::vector<std::string> lines;
    lines.push_back(endpoint_name(id) + " " + (cv ? cv->state : std::string("-")) +
                    (cv && cv->server != kNoEndpoint ? " to " + endpoint_name(cv->server) : std::string()));
    if (cv) {
      lines.push_back("session " + (cv->session ? zxid_text(cv->session) : std::string("-")));
      if (!cv->pending.empty()) {
        const auto& op = cv->pending.begin()->second;
        lines.push_back("waits " + op.op + " " + op.path +
                        (cv->pending.size() > 1 ? " +" + std::to_string(cv->pending.size() - 1) : std::string()));
      } else if (!cv->last_result.empty()) {
        lines.push_back("done " + cv->last_result);
      }
    }
    float width = 0;
    for (const auto& l : lines) width = std::max(width, ImGui::CalcTextSize(l.c_str()).x);
    const float height = line_h * static_cast<float>(lines.size());
    // Centred on its slot, but kept inside the panel.
    const float left = std::clamp(p.x - width / 2 - 6, origin.x + 2, std::max(origin.x + 2, end.x - width - 14));
    const ImVec2 a(left, p.y - height / 2 - 3), b(left + width + 12, p.y + height / 2 + 3);
    const bool connected = cv && (cv->state == "CONNECTED" || cv->state == "CONNECTEDREADONLY");
    dl->AddRectFilled(a, b, IM_COL32(32, 44, 36, 240), 5);
    dl->AddRect(a, b, connected ? IM_COL32(90, 170, 110, 255) : IM_COL32(130, 130, 140, 255), 5, 0, 1.5f);
    for (std::size_t k = 0; k < lines.size(); ++k)
      dl->AddText(ImVec2(a.x + 6, a.y + 3 + line_h * static_cast<float>(k)),
                  k == 0 ? IM_COL32(140, 225, 160, 255) : kText, lines[k].c_str());
    at[id].radius = std::max(width, height) / 2;
  }

  // --- header: time and the role legend ---
  char head[128];
  std::snprintf(head, sizeof head, "t = %s   record %lld", time_text(st.time_ns).c_str(),
                static_cast<long long>(ui.cursor));
  dl->AddText(ImVec2(origin.x + 6, origin.y + 3), kDim, head);
  dl->PopClipRect();

  // --- interaction ---
  if (hovered) {
    std::optional<std::size_t> over_message;
    for (const Hit& h : hits)
      if (h.rect.contains(mouse)) over_message = h.message;
    std::optional<EndpointId> over_server;
    for (EndpointId id : servers)
      if (distance(at[id].pos, mouse) <= node_r) over_server = id;
    std::optional<EndpointId> over_client;
    for (EndpointId id : clients)
      if (distance(at[id].pos, mouse) <= at[id].radius + 6) over_client = id;
    if (over_message) {
      const Message& m = view.timeline.message(*over_message);
      // Manual delivery: a held stream head is delivered by clicking it.
      const sim::HeldMessage* held = nullptr;
      for (const auto& h : view.pending)
        if (h.send_seq == m.send_seq) held = &h;
      ImGui::SetTooltip("%s -> %s  %s\nsent %s%s\n%s", endpoint_name(m.from).c_str(), endpoint_name(m.to).c_str(),
                        m.label.c_str(), time_text(m.sent_ns).c_str(),
                        m.end_seq >= 0 ? (", arrives " + time_text(m.ended_ns)).c_str() : "",
                        held ? "click: deliver this one next" : "click: inspect this message");
      if (left_click && held) {
        ui.deliveries.push_back({held->conn, held->from});
      } else if (left_click) {
        ui.selected_message = *over_message;
        ui.tab = InspectorTab::message;
        ui.tab_requested = true;
      }
    } else if (over_server) {
      server_tooltip(st.server(*over_server), *over_server);
      if (left_click) {
        ui.selected_server = *over_server;
        ui.command_server = *over_server;
        ui.tab = InspectorTab::server;
        ui.tab_requested = true;
      }
      if (right_click) {
        ui.menu_server = *over_server;
        ImGui::OpenPopup("server_menu");
      }
      // Double-click: crash a running server, restart a crashed one.
      if (ImGui::IsMouseDoubleClicked(ImGuiMouseButton_Left) && view.source.live()) {
        const ServerView* sv = st.server(*over_server);
        Command c;
        c.kind = sv && sv->up ? CommandKind::crash : CommandKind::restart;
        c.a = *over_server;
        ui.commands.push_back(c);
      }
    } else if (over_client) {
      ImGui::SetTooltip("%s\nclick: clients tab   right-click: drop its connection", endpoint_name(*over_client).c_str());
      if (left_click || right_click) ui.console_client = *over_client;
      if (left_click) {
        ui.tab = InspectorTab::clients;
        ui.tab_requested = true;
      }
      if (right_click) ImGui::OpenPopup("client_menu");
    }
  }
  server_menu(ui, view);
  client_menu(ui, view);
}

}  // namespace zablab::gui
