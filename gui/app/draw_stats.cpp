#include "gui/app/draw_stats.h"

#include <imgui.h>

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace zablab::gui {

double covered_area(const ImDrawList* list) {
  double area = 0;
  for (const ImDrawCmd& cmd : list->CmdBuffer) {
    if (cmd.UserCallback) continue;
    for (unsigned i = 0; i + 2 < cmd.ElemCount; i += 3) {
      const ImDrawVert& a = list->VtxBuffer[cmd.VtxOffset + list->IdxBuffer[cmd.IdxOffset + i]];
      const ImDrawVert& b = list->VtxBuffer[cmd.VtxOffset + list->IdxBuffer[cmd.IdxOffset + i + 1]];
      const ImDrawVert& c = list->VtxBuffer[cmd.VtxOffset + list->IdxBuffer[cmd.IdxOffset + i + 2]];
      const double whole = std::abs((b.pos.x - a.pos.x) * (c.pos.y - a.pos.y) - (c.pos.x - a.pos.x) * (b.pos.y - a.pos.y)) / 2;
      const float x0 = std::min({a.pos.x, b.pos.x, c.pos.x}), x1 = std::max({a.pos.x, b.pos.x, c.pos.x});
      const float y0 = std::min({a.pos.y, b.pos.y, c.pos.y}), y1 = std::max({a.pos.y, b.pos.y, c.pos.y});
      const double box = static_cast<double>(x1 - x0) * (y1 - y0);
      const double cx = std::max(0.0f, std::min(x1, cmd.ClipRect.z) - std::max(x0, cmd.ClipRect.x));
      const double cy = std::max(0.0f, std::min(y1, cmd.ClipRect.w) - std::max(y0, cmd.ClipRect.y));
      area += box > 0 ? whole * (cx * cy) / box : 0;
    }
  }
  return area;
}

double covered_area(const ImDrawData* frame) {
  double area = 0;
  for (int n = 0; n < frame->CmdListsCount; ++n) area += covered_area(frame->CmdLists[n]);
  return area;
}

void print_area_by_window(const ImDrawData* frame, double screen_pixels) {
  for (int n = 0; n < frame->CmdListsCount; ++n) {
    const ImDrawList* list = frame->CmdLists[n];
    std::printf("zablab-viz:   %-22s %5.2f x screen, %6d triangles\n", list->_OwnerName ? list->_OwnerName : "?",
                covered_area(list) / screen_pixels, list->IdxBuffer.Size / 3);
  }
}

}  // namespace zablab::gui
