#include "gui/model/layout.h"

#include <algorithm>
#include <cmath>

namespace zablab::gui {

float length(Vec2 v) { return std::sqrt(v.x * v.x + v.y * v.y); }
float distance(Vec2 a, Vec2 b) { return length(a - b); }

std::vector<Vec2> ring_positions(int n, Vec2 center, float radius) {
  return ellipse_positions(n, center, radius, radius);
}

std::vector<Vec2> ellipse_positions(int n, Vec2 center, float rx, float ry) {
  std::vector<Vec2> out;
  if (n <= 0) return out;
  constexpr double kPi = 3.14159265358979323846;
  for (int i = 0; i < n; ++i) {
    const double angle = -kPi / 2 + 2 * kPi * i / n;
    out.push_back({center.x + static_cast<float>(rx * std::cos(angle)),
                   center.y + static_cast<float>(ry * std::sin(angle))});
  }
  return out;
}

float ring_radius(const Rect& area, float node_radius, float label_margin) {
  const float r = std::min(area.w, area.h) / 2 - node_radius - label_margin;
  return std::max(r, node_radius * 1.5f);
}

Vec2 ring_radii(const Rect& area, float node_radius, float label_w, float label_h) {
  const float rx = area.w / 2 - node_radius - label_w - 8;
  const float ry = area.h / 2 - std::max(node_radius, label_h / 2) - 4;
  const float floor = node_radius * 1.6f;
  return {std::max(rx, floor), std::max(ry, floor)};
}

std::vector<Vec2> row_positions(int n, const Rect& band) {
  std::vector<Vec2> out;
  for (int i = 0; i < n; ++i)
    out.push_back({band.x + band.w * (static_cast<float>(i) + 0.5f) / static_cast<float>(n), band.y + band.h / 2});
  return out;
}

GroupLayout group_positions(const std::vector<int>& sizes, const Rect& area, float node_radius, float label_w) {
  GroupLayout out;
  int total = 0;
  for (int n : sizes) total += std::max(n, 1);
  // Every column has room for one node and its text if the area allows; the rest is shared by size.
  const float block = 2 * node_radius + 8 + label_w;
  const float columns = static_cast<float>(std::max<std::size_t>(1, sizes.size()));
  const float base = std::min(block, area.w / columns);
  const float extra = std::max(0.0f, area.w - base * columns);
  float x = area.x;
  for (std::size_t g = 0; g < sizes.size(); ++g) {
    const int n = std::max(sizes[g], 0);
    const float w = base + (total > 0 ? extra * static_cast<float>(std::max(n, 1)) / static_cast<float>(total) : 0);
    const float swing = n > 2 ? std::min(node_radius, w / 6) : 0;
    // The block [node, gap, text] centred, or the node as far left as its swing allows.
    const float center = std::min(x + w / 2, x + std::max(node_radius + swing + 4, (w - block) / 2 + node_radius));
    std::vector<Vec2> column;
    for (int j = 0; j < n; ++j)
      column.push_back({center + (j % 2 ? swing : -swing),
                        area.y + area.h * (static_cast<float>(j) + 0.5f) / static_cast<float>(n)});
    out.positions.push_back(std::move(column));
    x += w;
    if (g + 1 < sizes.size()) out.dividers.push_back(x);
  }
  return out;
}

Lane directed_lane(Vec2 a, Vec2 b, float node_radius, float offset) {
  const Vec2 d = b - a;
  const float len = length(d);
  if (len < 1e-3f) return {a, b};
  const Vec2 u = d * (1 / len);
  const Vec2 right{-u.y, u.x};  // screen coordinates: y down, so this is to the right of travel
  const float inset = std::min(node_radius, len / 2 - 1);
  return {a + u * inset + right * offset, b - u * inset + right * offset};
}

Vec2 along(const Lane& lane, float t) {
  t = std::clamp(t, 0.0f, 1.0f);
  return lane.from + (lane.to - lane.from) * t;
}

float distance_to_segment(Vec2 p, Vec2 a, Vec2 b) {
  const Vec2 ab = b - a;
  const float len2 = ab.x * ab.x + ab.y * ab.y;
  if (len2 < 1e-6f) return distance(p, a);
  const float t = std::clamp(((p.x - a.x) * ab.x + (p.y - a.y) * ab.y) / len2, 0.0f, 1.0f);
  return distance(p, a + ab * t);
}

std::optional<std::size_t> nearest_point(const std::vector<Vec2>& points, Vec2 p, float max_distance) {
  std::optional<std::size_t> best;
  float best_d = max_distance;
  for (std::size_t i = 0; i < points.size(); ++i) {
    const float d = distance(points[i], p);
    if (d <= best_d) {
      best_d = d;
      best = i;
    }
  }
  return best;
}

void Axis::zoom_at(float px, double factor, double min_px_per_unit, double max_px_per_unit) {
  const double value = from_px(px);
  px_per_unit = std::clamp(px_per_unit * factor, min_px_per_unit, max_px_per_unit);
  origin = value - (px - left) / px_per_unit;
}

void Axis::fit(double lo, double hi) {
  if (hi <= lo) hi = lo + 1;
  const double margin = (hi - lo) * 0.02;
  px_per_unit = width / ((hi - lo) + 2 * margin);
  origin = lo - margin;
}

void Axis::ensure_visible(double value, float margin_px) {
  const float x = to_px(value);
  if (x < left + margin_px)
    origin = value - (margin_px) / px_per_unit;
  else if (x > left + width - margin_px)
    origin = value - (width - margin_px) / px_per_unit;
}

double progress(double x, double start, double end) {
  if (end <= start) return 1;
  return std::clamp((x - start) / (end - start), 0.0, 1.0);
}

double glide(double current, double target, double dt_seconds, double rate) {
  const double k = 1 - std::exp(-rate * std::max(0.0, dt_seconds));
  const double next = current + (target - current) * k;
  return std::abs(target - next) < 1e-3 ? target : next;
}

PanelLayout panel_layout(float width, float height) {
  PanelLayout p;
  const float top = 88;  // three rows of controls
  const float gap = 0;
  const float body_h = std::max(100.0f, height - top);
  const float upper_h = std::floor(body_h * 0.58f);
  const float lower_h = body_h - upper_h;
  const float ens_w = std::floor(width * 0.46f);
  const float insp_w = std::floor(width * 0.27f);
  const float right_w = width - ens_w - insp_w;
  p.controls = {0, 0, width, top};
  p.ensemble = {0, top, ens_w, upper_h};
  p.inspector = {ens_w + gap, top, insp_w, upper_h};
  const float explain_h = std::floor(upper_h * 0.45f);
  p.explain = {ens_w + insp_w, top, right_w, explain_h};
  p.events = {ens_w + insp_w, top + explain_h, right_w, upper_h - explain_h};
  p.spacetime = {0, top + upper_h, width, lower_h};
  return p;
}

float lane_height(const Rect& area, int lanes, float top_px, float max_lane_px) {
  if (lanes <= 0) return max_lane_px;
  return std::min(max_lane_px, std::max(8.0f, (area.h - top_px) / static_cast<float>(lanes)));
}

float lane_y(const Rect& area, int index, float top_px, float height) {
  return area.y + top_px + height * (static_cast<float>(index) + 0.5f);
}

}  // namespace zablab::gui
