// Pure geometry for the visualizer's views: where servers sit on the ring, where clients sit,
// the two directed lanes between a pair of servers, where a message is along its lane, the
// space-time diagram's zoomable axis, hit testing, and where each panel goes in the window.
// No ImGui: unit-tested in tests/unit/gui_layout_test.cpp.
#pragma once

#include <cstddef>
#include <optional>
#include <vector>

namespace zablab::gui {

struct Vec2 {
  float x = 0;
  float y = 0;
  bool operator==(const Vec2&) const = default;
};
inline Vec2 operator+(Vec2 a, Vec2 b) { return {a.x + b.x, a.y + b.y}; }
inline Vec2 operator-(Vec2 a, Vec2 b) { return {a.x - b.x, a.y - b.y}; }
inline Vec2 operator*(Vec2 a, float s) { return {a.x * s, a.y * s}; }
float length(Vec2 v);
float distance(Vec2 a, Vec2 b);

struct Rect {
  float x = 0;
  float y = 0;
  float w = 0;
  float h = 0;
  bool contains(Vec2 p) const { return p.x >= x && p.x <= x + w && p.y >= y && p.y <= y + h; }
  Vec2 center() const { return {x + w / 2, y + h / 2}; }
  Vec2 min() const { return {x, y}; }
  Vec2 max() const { return {x + w, y + h}; }
};

// `n` points on a circle, the first at the top, clockwise (screen y grows downwards).
std::vector<Vec2> ring_positions(int n, Vec2 center, float radius);
// The same on an ellipse with radii rx, ry (a ring that fills a wide or tall panel).
std::vector<Vec2> ellipse_positions(int n, Vec2 center, float rx, float ry);
// Radii for an ellipse of `node_radius` nodes in `area`, each with a `label_w` x `label_h` text
// block beside it (to the right of nodes on the right half, to the left on the left half).
Vec2 ring_radii(const Rect& area, float node_radius, float label_w, float label_h);
// The largest ring radius that keeps nodes of `node_radius` plus `label_margin` inside `area`.
float ring_radius(const Rect& area, float node_radius, float label_margin);
// `n` points spread evenly along the horizontal middle of `band`.
std::vector<Vec2> row_positions(int n, const Rect& band);

// Servers split by a partition: each group in a column of its own across `area` (as wide as its
// share of the servers), its nodes stacked top to bottom, zig-zagging by up to `node_radius` when
// there are more than two so the links inside the group stay visible, each node followed by
// `label_w` of text on its right (node and text centred in the column when there is room).
// `positions[g]` has `sizes[g]` points; `dividers` are the x of the borders between columns.
struct GroupLayout {
  std::vector<std::vector<Vec2>> positions;
  std::vector<float> dividers;
};
GroupLayout group_positions(const std::vector<int>& sizes, const Rect& area, float node_radius, float label_w);

// The lane a message from a to b travels: the segment between the two nodes' edges, moved
// sideways by `offset` to the right of the direction of travel, so a->b and b->a never overlap.
struct Lane {
  Vec2 from;
  Vec2 to;
};
Lane directed_lane(Vec2 a, Vec2 b, float node_radius, float offset);
// The point a fraction t (clamped to [0, 1]) along the lane.
Vec2 along(const Lane& lane, float t);
float distance_to_segment(Vec2 p, Vec2 a, Vec2 b);

// The index of the point nearest to `p` within `max_distance`.
std::optional<std::size_t> nearest_point(const std::vector<Vec2>& points, Vec2 p, float max_distance);

// A zoomable, scrollable horizontal axis: screen x = left + (value - origin) * px_per_unit.
struct Axis {
  double origin = 0;
  double px_per_unit = 10;
  float left = 0;
  float width = 100;

  float to_px(double value) const { return left + static_cast<float>((value - origin) * px_per_unit); }
  double from_px(float x) const { return origin + (x - left) / px_per_unit; }
  double visible_min() const { return origin; }
  double visible_max() const { return origin + width / px_per_unit; }
  // Zoom by `factor` (>1: in) keeping the value under screen x `px` in place.
  void zoom_at(float px, double factor, double min_px_per_unit = 1e-9, double max_px_per_unit = 1e9);
  void pan_px(float dx) { origin -= dx / px_per_unit; }
  // Shows [lo, hi] across the width, with a small margin.
  void fit(double lo, double hi);
  // Scrolls (without zooming) so `value` lies inside the view with `margin_px` to spare.
  void ensure_visible(double value, float margin_px);
};

// Linear progress of x from `start` to `end`, clamped to [0, 1]; 1 if end <= start.
double progress(double x, double start, double end);
// Moves `current` toward `target` exponentially (rate per second), snapping when close.
double glide(double current, double target, double dt_seconds, double rate);

// Where each panel goes in a window of `width` x `height` pixels.
struct PanelLayout {
  Rect controls;   // top bar
  Rect ensemble;   // the ring
  Rect inspector;  // tabs: server, message, votes, clients
  Rect explain;    // plain words
  Rect events;     // event list
  Rect spacetime;  // space-time diagram with phase lanes
};
PanelLayout panel_layout(float width, float height);

// Rows of the space-time diagram: lane i's centre y, for `lanes` lanes in `area` with a header of
// `top_px` (time labels) and at most `max_lane_px` per lane.
float lane_height(const Rect& area, int lanes, float top_px, float max_lane_px);
float lane_y(const Rect& area, int index, float top_px, float height);

}  // namespace zablab::gui
