#include "gui/panels/style.h"

#include <cmath>
#include <utility>

namespace zablab::gui::style {

ImU32 role_color(Role r, int a) {
  switch (r) {
    case Role::leading: return IM_COL32(235, 170, 40, a);
    case Role::following: return IM_COL32(70, 135, 225, a);
    case Role::looking: return IM_COL32(185, 95, 215, a);
    case Role::observing: return IM_COL32(60, 175, 165, a);
    case Role::down: return IM_COL32(70, 70, 76, a);
    case Role::unknown: return IM_COL32(120, 120, 130, a);
  }
  return IM_COL32(120, 120, 130, a);
}

ImU32 phase_color(Phase p, int a) {
  switch (p) {
    case Phase::election: return IM_COL32(185, 95, 215, a);
    case Phase::discovery: return IM_COL32(240, 140, 50, a);
    case Phase::synchronization: return IM_COL32(60, 185, 225, a);
    case Phase::broadcast: return IM_COL32(90, 190, 95, a);
    case Phase::down: return IM_COL32(80, 80, 86, a);
  }
  return IM_COL32(120, 120, 130, a);
}

ImU32 category_color(Category c, int a) {
  switch (c) {
    case Category::election: return IM_COL32(200, 120, 235, a);
    case Category::zab: return IM_COL32(95, 165, 255, a);
    case Category::heartbeat: return IM_COL32(120, 125, 135, a);
    case Category::client: return IM_COL32(110, 210, 130, a);
    case Category::session: return IM_COL32(160, 210, 110, a);
    case Category::txn: return IM_COL32(255, 205, 70, a);
    case Category::net: return IM_COL32(140, 150, 165, a);
    case Category::disk: return IM_COL32(175, 140, 110, a);
    case Category::timer: return IM_COL32(160, 160, 160, a);
    case Category::fault: return IM_COL32(255, 85, 85, a);
    case Category::other: return IM_COL32(180, 180, 190, a);
  }
  return IM_COL32(180, 180, 190, a);
}

ImU32 message_color(const Message& m, int a) {
  const std::string& t = m.type;
  auto starts = [&](const char* p) { return t.rfind(p, 0) == 0; };
  if (m.channel == Channel::election) return IM_COL32(200, 120, 235, a);
  if (m.channel == Channel::client) return m.category == Category::heartbeat ? IM_COL32(110, 120, 115, a)
                                                                             : IM_COL32(110, 210, 130, a);
  if (starts("PROPOSAL") || starts("INFORM")) return IM_COL32(90, 160, 255, a);
  if (starts("ACKEPOCH")) return IM_COL32(240, 140, 50, a);
  if (starts("ACK")) return IM_COL32(120, 225, 200, a);
  if (starts("COMMIT")) return IM_COL32(255, 205, 70, a);
  if (t == "PING") return IM_COL32(120, 125, 135, a);
  if (t == "FOLLOWERINFO" || t == "OBSERVERINFO" || t == "LEADERINFO") return IM_COL32(240, 140, 50, a);
  if (t == "DIFF" || t == "TRUNC" || t == "SNAP" || t == "NEWLEADER" || t == "UPTODATE" || starts("DIFF"))
    return IM_COL32(60, 185, 225, a);
  if (t == "REQUEST") return IM_COL32(110, 210, 130, a);
  // Undecoded, labelled by inference.
  if (m.label.rfind("PROPOSAL", 0) == 0) return IM_COL32(90, 160, 255, a);
  if (m.label.rfind("COMMIT", 0) == 0) return IM_COL32(255, 205, 70, a);
  if (m.label.rfind("ACK", 0) == 0) return IM_COL32(120, 225, 200, a);
  return IM_COL32(95, 165, 255, a);
}

ImVec4 to_vec4(ImU32 c) { return ImGui::ColorConvertU32ToFloat4(c); }

ImU32 mix(ImU32 over, ImU32 under, int alpha) {
  auto channel = [&](int shift) {
    const int a = static_cast<int>((over >> shift) & 0xff), b = static_cast<int>((under >> shift) & 0xff);
    return static_cast<ImU32>((a * alpha + b * (255 - alpha) + 127) / 255) << shift;
  };
  return channel(IM_COL32_R_SHIFT) | channel(IM_COL32_G_SHIFT) | channel(IM_COL32_B_SHIFT) | (ImU32{255} << IM_COL32_A_SHIFT);
}

void centered_text(ImDrawList* dl, ImVec2 center, ImU32 color, const std::string& text) {
  const ImVec2 size = ImGui::CalcTextSize(text.c_str());
  dl->AddText(ImVec2(center.x - size.x / 2, center.y - size.y / 2), color, text.c_str());
}

Rect label_pill(ImDrawList* dl, ImVec2 center, ImU32 fill, ImU32 text_color, const std::string& text, bool outline) {
  const ImVec2 size = ImGui::CalcTextSize(text.c_str());
  const float pad_x = 4, pad_y = 1;
  const ImVec2 a(center.x - size.x / 2 - pad_x, center.y - size.y / 2 - pad_y);
  const ImVec2 b(center.x + size.x / 2 + pad_x, center.y + size.y / 2 + pad_y);
  dl->AddRectFilled(a, b, fill, 4);
  if (outline) dl->AddRect(ImVec2(a.x - 1, a.y - 1), ImVec2(b.x + 1, b.y + 1), kSelect, 4, 0, 2);
  dl->AddText(ImVec2(a.x + pad_x, a.y + pad_y), text_color, text.c_str());
  return Rect{a.x, a.y, b.x - a.x, b.y - a.y};
}

void arrow_head(ImDrawList* dl, ImVec2 from, ImVec2 tip, ImU32 color, float size) {
  const float dx = tip.x - from.x, dy = tip.y - from.y;
  const float len = std::sqrt(dx * dx + dy * dy);
  if (len < 1e-3f) return;
  const float ux = dx / len, uy = dy / len;
  const ImVec2 base(tip.x - ux * size, tip.y - uy * size);
  dl->AddTriangleFilled(tip, ImVec2(base.x - uy * size * 0.5f, base.y + ux * size * 0.5f),
                        ImVec2(base.x + uy * size * 0.5f, base.y - ux * size * 0.5f), color);
}

void dashed_line(ImDrawList* dl, ImVec2 a, ImVec2 b, ImU32 color, float thickness, float dash, float gap) {
  const float dx = b.x - a.x, dy = b.y - a.y;
  const float len = std::sqrt(dx * dx + dy * dy);
  if (len < 1e-3f) return;
  const float ux = dx / len, uy = dy / len;
  // Only the part inside the clip rectangle: a line may start thousands of pixels off screen
  // (a message sent long before the visible window), and each dash costs vertices.
  float lo = 0, hi = len;
  const ImVec2 cmin = dl->GetClipRectMin(), cmax = dl->GetClipRectMax();
  auto clip = [&](float p, float u, float min, float max) {
    if (std::fabs(u) < 1e-6f) {
      if (p < min || p > max) hi = -1;
      return;
    }
    float t0 = (min - p) / u, t1 = (max - p) / u;
    if (t0 > t1) std::swap(t0, t1);
    lo = std::max(lo, t0);
    hi = std::min(hi, t1);
  };
  clip(a.x, ux, cmin.x - dash, cmax.x + dash);
  clip(a.y, uy, cmin.y - dash, cmax.y + dash);
  if (hi <= lo) return;
  const float period = dash + gap;
  for (float t = std::floor(lo / period) * period; t < hi; t += period) {
    const float e = std::min(len, t + dash);
    dl->AddLine(ImVec2(a.x + ux * t, a.y + uy * t), ImVec2(a.x + ux * e, a.y + uy * e), color, thickness);
  }
}

void cross(ImDrawList* dl, ImVec2 c, float r, ImU32 color, float thickness) {
  dl->AddLine(ImVec2(c.x - r, c.y - r), ImVec2(c.x + r, c.y + r), color, thickness);
  dl->AddLine(ImVec2(c.x - r, c.y + r), ImVec2(c.x + r, c.y - r), color, thickness);
}

std::string server_title(const ServerView& s) {
  return endpoint_name(s.id) + " " + std::string(role_name(s.role));
}

void heading(const char* text, ImU32 color) {
  ImGui::PushStyleColor(ImGuiCol_Text, color);
  ImGui::TextUnformatted(text);
  ImGui::PopStyleColor();
}

}  // namespace zablab::gui::style
