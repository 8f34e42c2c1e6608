// The visualizer's pure geometry: ring, lanes, the space-time axis, panel placement.
#include <catch2/catch.hpp>
#include <cmath>

#include "gui/model/layout.h"

using namespace zablab::gui;

TEST_CASE("gui/layout: servers sit on a ring, the first at the top, clockwise") {
  const auto p = ring_positions(4, {100, 100}, 50);
  REQUIRE(p.size() == 4);
  CHECK(p[0].x == Approx(100));
  CHECK(p[0].y == Approx(50));   // top
  CHECK(p[1].x == Approx(150));  // right: clockwise on screen
  CHECK(p[1].y == Approx(100));
  CHECK(p[2].y == Approx(150));
  CHECK(p[3].x == Approx(50));
  for (const auto& q : p) CHECK(distance(q, {100, 100}) == Approx(50));
  CHECK(ring_positions(0, {0, 0}, 1).empty());
}

TEST_CASE("gui/layout: the ring fits its area with room for labels") {
  const Rect area{0, 0, 400, 300};
  const float r = ring_radius(area, 30, 20);
  CHECK(r == Approx(100));
  for (const auto& q : ring_positions(7, area.center(), r)) {
    CHECK(q.x - 30 >= area.x);
    CHECK(q.y - 30 >= area.y);
    CHECK(q.x + 30 <= area.x + area.w);
    CHECK(q.y + 30 <= area.y + area.h);
  }
  CHECK(ring_radius({0, 0, 10, 10}, 30, 20) == Approx(45));  // never collapses
}

TEST_CASE("gui/layout: an elliptic ring leaves room for the text beside each node") {
  const Rect area{0, 0, 500, 320};
  const Vec2 r = ring_radii(area, 30, 130, 72);
  CHECK(r.x == Approx(500 / 2 - 30 - 130 - 8));
  CHECK(r.y == Approx(320 / 2 - 36 - 4));
  for (const auto& q : ellipse_positions(5, area.center(), r.x, r.y)) {
    const bool right = q.x >= area.center().x - 0.5f;
    const float text_edge = right ? q.x + 30 + 8 + 130 : q.x - 30 - 8 - 130;
    CHECK(text_edge >= area.x - 0.5f);
    CHECK(text_edge <= area.x + area.w + 0.5f);
    CHECK(q.y - 36 >= area.y);
    CHECK(q.y + 36 <= area.y + area.h);
  }
  const auto e = ellipse_positions(4, {0, 0}, 10, 20);
  CHECK(e[0].y == Approx(-20));
  CHECK(e[1].x == Approx(10));
  CHECK(ring_radii({0, 0, 50, 50}, 30, 130, 72).x == Approx(48));  // never collapses
}

TEST_CASE("gui/layout: clients are spread evenly along a band") {
  const auto p = row_positions(2, {0, 100, 200, 40});
  REQUIRE(p.size() == 2);
  CHECK(p[0].x == Approx(50));
  CHECK(p[1].x == Approx(150));
  CHECK(p[0].y == Approx(120));
}

TEST_CASE("gui/layout: a->b and b->a travel on separate lanes between the node edges") {
  const Vec2 a{0, 0}, b{100, 0};
  const Lane ab = directed_lane(a, b, 10, 4);
  const Lane ba = directed_lane(b, a, 10, 4);
  CHECK(ab.from.x == Approx(10));
  CHECK(ab.to.x == Approx(90));
  CHECK(ab.from.y == Approx(4));  // right of travel, y down
  CHECK(ba.from.y == Approx(-4));
  CHECK(along(ab, 0.5f).x == Approx(50));
  CHECK(along(ab, 2).x == Approx(90));  // clamped
  CHECK(along(ab, -1).x == Approx(10));
  const Lane same = directed_lane(a, a, 10, 4);  // degenerate: no NaN
  CHECK(same.from == a);
}

TEST_CASE("gui/layout: distance to a segment and nearest point") {
  CHECK(distance_to_segment({5, 5}, {0, 0}, {10, 0}) == Approx(5));
  CHECK(distance_to_segment({-3, 4}, {0, 0}, {10, 0}) == Approx(5));
  const std::vector<Vec2> pts{{0, 0}, {10, 0}, {20, 0}};
  CHECK(nearest_point(pts, {11, 1}, 5) == std::optional<std::size_t>(1));
  CHECK_FALSE(nearest_point(pts, {50, 50}, 5).has_value());
}

TEST_CASE("gui/layout: the axis zooms around the mouse and fits a range") {
  Axis axis;
  axis.left = 100;
  axis.width = 800;
  axis.fit(0, 1000);
  CHECK(axis.to_px(0) > 100);
  CHECK(axis.to_px(1000) < 900);
  CHECK(axis.from_px(axis.to_px(123)) == Approx(123));

  const double under = axis.from_px(400);
  axis.zoom_at(400, 4);
  CHECK(axis.from_px(400) == Approx(under));  // the value under the mouse stays put
  CHECK(axis.visible_max() - axis.visible_min() == Approx(1040.0 / 4).epsilon(0.01));

  axis.ensure_visible(900, 20);
  CHECK(axis.to_px(900) <= 100 + 800 - 20 + 0.01);
  CHECK(axis.to_px(900) >= 100);
  axis.pan_px(50);
  CHECK(axis.to_px(900) == Approx(100 + 800 - 20 + 50).epsilon(0.001));
}

TEST_CASE("gui/layout: progress and glide") {
  CHECK(progress(5, 0, 10) == Approx(0.5));
  CHECK(progress(-5, 0, 10) == 0);
  CHECK(progress(50, 0, 10) == 1);
  CHECK(progress(3, 4, 4) == 1);
  double x = 0;
  for (int i = 0; i < 200; ++i) x = glide(x, 10, 1.0 / 60, 10);
  CHECK(x == 10);  // snaps once close
  CHECK(glide(0, 10, 0, 10) == 0);
}

TEST_CASE("gui/layout: panels tile the window without overlapping") {
  for (auto [w, h] : {std::pair{1280.0f, 800.0f}, std::pair{1920.0f, 1080.0f}, std::pair{800.0f, 600.0f}}) {
    const PanelLayout p = panel_layout(w, h);
    const Rect all[] = {p.controls, p.ensemble, p.inspector, p.explain, p.events, p.spacetime};
    float area = 0;
    for (const Rect& r : all) {
      CHECK(r.w > 0);
      CHECK(r.h > 0);
      CHECK(r.x >= 0);
      CHECK(r.y >= 0);
      CHECK(r.x + r.w <= w + 0.5f);
      CHECK(r.y + r.h <= h + 0.5f);
      area += r.w * r.h;
    }
    CHECK(area == Approx(w * h).epsilon(0.001));  // tiles: full coverage and no overlap
    CHECK(p.ensemble.y == p.controls.y + p.controls.h);
  }
}

TEST_CASE("gui/layout: space-time lanes") {
  const Rect area{0, 100, 500, 220};
  const float h = lane_height(area, 4, 20, 80);
  CHECK(h == Approx(50));
  CHECK(lane_y(area, 0, 20, h) == Approx(145));
  CHECK(lane_y(area, 3, 20, h) == Approx(295));
  CHECK(lane_height(area, 1, 20, 80) == Approx(80));
}

TEST_CASE("gui/layout: a partition puts each side in its own column, with room for the text") {
  const Rect area{0, 0, 600, 400};
  const float node_r = 20, label_w = 130;
  const GroupLayout split = group_positions({3, 1}, area, node_r, label_w);
  REQUIRE(split.positions.size() == 2);
  REQUIRE(split.positions[0].size() == 3);
  REQUIRE(split.positions[1].size() == 1);
  REQUIRE(split.dividers.size() == 1);
  const float divider = split.dividers[0];
  // The lone server's column still fits a node and its text; the bigger side gets the rest.
  CHECK(area.w - divider >= 2 * node_r + 8 + label_w - 0.01f);
  CHECK(divider > area.w / 2);
  for (const Vec2& p : split.positions[0]) {
    CHECK(p.x - node_r >= area.x);
    CHECK(p.x + node_r + 8 + label_w <= divider + 0.01f);  // its text stays on its side
    CHECK(p.y > area.y);
    CHECK(p.y < area.y + area.h);
  }
  const Vec2 lone = split.positions[1][0];
  CHECK(lone.x > divider);
  CHECK(lone.x + node_r + 8 + label_w <= area.w + 0.01f);
  CHECK(lone.y == Approx(area.h / 2));
  // Stacked top to bottom, zig-zagging so the links inside the group do not lie on each other.
  CHECK(split.positions[0][0].y < split.positions[0][1].y);
  CHECK(split.positions[0][1].y < split.positions[0][2].y);
  CHECK(split.positions[0][0].x != Approx(split.positions[0][1].x));
  // No partition: one column, no divider.
  CHECK(group_positions({5}, area, node_r, label_w).dividers.empty());
}
