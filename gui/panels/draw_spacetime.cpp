// The space-time (Lamport) diagram: one lane per server and client, time to the right, a dot per
// visible record and an arrow per message from its send to its delivery (a cross where it was
// lost). The x axis is the event order (every visible record one step: concurrency at a glance),
// virtual time, or each record's Lamport clock. Behind each server's lane, its phases (ELECTION,
// DISCOVERY, SYNCHRONIZATION, BROADCAST, down). Wheel: zoom; drag: pan; click: select.
#include <imgui.h>

#include <algorithm>
#include <cmath>
#include <map>

#include "gui/model/flight_bundles.h"
#include "gui/panels/panels.h"
#include "gui/panels/style.h"
#include "sim/addresses.h"

namespace zablab::gui {

namespace {

using namespace style;

double axis_value(const WorldView& v, AxisMode mode, std::int64_t seq) {
  if (seq < 0) return 0;
  switch (mode) {
    case AxisMode::order: return v.visible.position(seq);
    case AxisMode::time: return static_cast<double>(v.timeline.at(static_cast<std::uint64_t>(seq)).time_ns) / 1e6;
    case AxisMode::lamport: return static_cast<double>(v.timeline.lamport(static_cast<std::uint64_t>(seq)));
  }
  return 0;
}

double axis_max(const WorldView& v, AxisMode mode) {
  if (v.timeline.empty()) return 1;
  switch (mode) {
    case AxisMode::order: return static_cast<double>(std::max<std::size_t>(1, v.visible.count()));
    case AxisMode::time: return static_cast<double>(v.timeline.end_time()) / 1e6;
    case AxisMode::lamport: {
      std::uint64_t m = 1;
      for (std::uint64_t s = 0; s < v.timeline.size(); ++s) m = std::max(m, v.timeline.lamport(s));
      return static_cast<double>(m);
    }
  }
  return 1;
}

const char* unit_name(AxisMode m) {
  switch (m) {
    case AxisMode::order: return "events";
    case AxisMode::time: return "ms";
    case AxisMode::lamport: return "clock";
  }
  return "";
}

// The visible records whose axis value may lie in [lo, hi].
std::vector<std::uint64_t> records_in(const WorldView& v, AxisMode mode, double lo, double hi) {
  std::vector<std::uint64_t> out;
  const auto& seqs = v.visible.seqs();
  if (seqs.empty()) return out;
  std::size_t from = 0, to = seqs.size();
  if (mode == AxisMode::order) {
    from = static_cast<std::size_t>(std::clamp(std::floor(lo), 0.0, static_cast<double>(seqs.size())));
    to = static_cast<std::size_t>(std::clamp(std::ceil(hi) + 1, 0.0, static_cast<double>(seqs.size())));
  } else if (mode == AxisMode::time) {
    const auto t_lo = static_cast<Nanos>(lo * 1e6), t_hi = static_cast<Nanos>(hi * 1e6);
    from = static_cast<std::size_t>(
        std::lower_bound(seqs.begin(), seqs.end(), t_lo,
                         [&](std::uint64_t s, Nanos t) { return v.timeline.at(s).time_ns < t; }) -
        seqs.begin());
    to = static_cast<std::size_t>(
        std::upper_bound(seqs.begin(), seqs.end(), t_hi,
                         [&](Nanos t, std::uint64_t s) { return t < v.timeline.at(s).time_ns; }) -
        seqs.begin());
  }
  const std::size_t cap = 60000;
  for (std::size_t i = from; i < to && out.size() < cap; ++i) {
    if (mode == AxisMode::lamport) {
      const double l = static_cast<double>(v.timeline.lamport(seqs[i]));
      if (l < lo || l > hi) continue;
    }
    out.push_back(seqs[i]);
  }
  return out;
}

void toolbar(UiState& ui) {
  ImGui::SetNextItemWidth(140);
  int mode = static_cast<int>(ui.axis_mode);
  const char* modes[] = {"event order", "virtual time", "Lamport clock"};
  if (ImGui::Combo("x axis", &mode, modes, 3)) {
    ui.axis_mode = static_cast<AxisMode>(mode);
    ui.axis_fit = true;
  }
  ImGui::SameLine();
  if (ImGui::Button("Fit all")) {
    ui.axis_fit = true;
    ui.axis_fit_all = true;
  }
  ImGui::SameLine();
  if (ImGui::Button("Zoom to cursor")) {
    ui.axis_fit = true;
    ui.axis_fit_all = false;
    ui.axis_follow = true;
  }
  ImGui::SameLine();
  ImGui::Checkbox("follow", &ui.axis_follow);
  ImGui::SameLine();
  ImGui::Checkbox("phase lanes", &ui.show_phase_lanes);
  ImGui::SameLine();
  ImGui::Checkbox("labels", &ui.show_labels);
  for (Phase p : {Phase::election, Phase::discovery, Phase::synchronization, Phase::broadcast, Phase::down}) {
    ImGui::SameLine();
    ImGui::PushStyleColor(ImGuiCol_Text, phase_color(p));
    ImGui::TextUnformatted(std::string(phase_name(p)).c_str());
    ImGui::PopStyleColor();
  }
}

}  // namespace

void draw_spacetime(UiState& ui, const WorldView& view) {
  toolbar(ui);
  ImDrawList* dl = ImGui::GetWindowDrawList();
  const ImVec2 origin = ImGui::GetCursorScreenPos();
  const ImVec2 avail = ImGui::GetContentRegionAvail();
  if (avail.x < 100 || avail.y < 40) return;
  ImGui::InvisibleButton("spacetime_canvas", avail);
  const bool hovered = ImGui::IsItemHovered();
  const bool active = ImGui::IsItemActive();
  const ImGuiIO& io = ImGui::GetIO();
  const ImVec2 end(origin.x + avail.x, origin.y + avail.y);
  dl->PushClipRect(origin, end, true);
  // The window's own background is the canvas colour (draw_all): no second full fill.

  // Lanes: servers, then clients.
  std::vector<EndpointId> lanes = view.timeline.servers();
  for (EndpointId c : view.timeline.clients()) lanes.push_back(c);
  const float gutter = 118;
  const float top = 18;
  const Rect area{origin.x, origin.y, avail.x, avail.y};
  const float lh = lane_height(area, static_cast<int>(lanes.size()), top, 54);
  auto lane_index = [&](EndpointId id) -> int {
    auto it = std::find(lanes.begin(), lanes.end(), id);
    return it == lanes.end() ? -1 : static_cast<int>(it - lanes.begin());
  };
  auto y_of = [&](EndpointId id) { return lane_y(area, lane_index(id), top, lh); };

  Axis& axis = ui.axis;
  axis.left = origin.x + gutter;
  axis.width = std::max(10.0f, avail.x - gutter - 10);
  const double cursor_x = axis_value(view, ui.axis_mode, ui.cursor);
  if (ui.axis_fit) {
    ui.axis_fit = false;
    const double hi = axis_max(view, ui.axis_mode);
    if (ui.axis_fit_all || ui.axis_mode == AxisMode::lamport) {
      axis.fit(0, hi);
    } else if (ui.axis_mode == AxisMode::order) {
      axis.px_per_unit = 26;
      axis.origin = std::max(-1.0, cursor_x - axis.width * 0.6 / axis.px_per_unit);
    } else {
      axis.fit(std::max(0.0, cursor_x - 5), cursor_x + 2);
    }
    ui.axis_fit_all = false;
    ui.axis_seen_cursor = ui.cursor;
  }
  if (ui.axis_follow && ui.axis_seen_cursor != ui.cursor) {
    axis.ensure_visible(cursor_x, 60);
    ui.axis_seen_cursor = ui.cursor;
  }
  // Zoom and pan.
  if (hovered && io.MouseWheel != 0) axis.zoom_at(io.MousePos.x, std::pow(1.25, io.MouseWheel), 1e-6, 1e7);
  if (active && ImGui::IsMouseDragging(ImGuiMouseButton_Left, 3)) {
    axis.pan_px(io.MouseDelta.x);
    ui.axis_follow = false;
  }
  const double lo = axis.visible_min(), hi = axis.visible_max();

  // Lane backgrounds, phase lanes and names. Each pixel is filled once: a phase span is drawn in
  // its colour already mixed over the lane's background, and the stripe of an odd lane only where
  // no span covers it (software GL pays for every layer).
  dl->AddRectFilled(ImVec2(origin.x, origin.y + top), ImVec2(axis.left - 2, end.y), kGutter);
  for (std::size_t i = 0; i < lanes.size(); ++i) {
    const EndpointId id = lanes[i];
    const float y = lane_y(area, static_cast<int>(i), top, lh);
    const ImU32 lane_bg = i % 2 ? kStripe : kCanvas;
    float bare_from = axis.left;  // the part of the lane left of every span drawn so far
    std::vector<std::pair<float, float>> bare;  // lane parts no span covers
    struct PhaseLabel {
      ImVec2 at;
      ImU32 patch;  // 0: none (the label is clear of the lane line)
      ImU32 color;
      std::string text;
    };
    std::vector<PhaseLabel> labels;  // drawn after the lane line
    if (ui.show_phase_lanes && sim::is_server(id)) {
      for (const PhaseSpan& span : view.timeline.phases(id)) {
        const double a = axis_value(view, ui.axis_mode, static_cast<std::int64_t>(span.start_seq));
        const double b = span.end_seq >= 0 ? axis_value(view, ui.axis_mode, span.end_seq)
                                           : std::max(hi, axis_value(view, ui.axis_mode, ui.cursor));
        if (b < lo || a > hi) continue;
        const float xa = std::max(axis.to_px(a), axis.left), xb = std::min(axis.to_px(b), end.x);
        if (xb <= xa) continue;
        if (xa > bare_from) bare.emplace_back(bare_from, xa);
        bare_from = std::max(bare_from, xb);
        dl->AddRectFilled(ImVec2(xa, y - lh / 2 + 1), ImVec2(xb, y + lh / 2 - 5), mix(phase_color(span.phase), lane_bg, 45));
        dl->AddRectFilled(ImVec2(xa, y + lh / 2 - 5), ImVec2(xb, y + lh / 2 - 2), mix(phase_color(span.phase), lane_bg, 200));
        const std::string label = std::string(phase_name(span.phase)) + (span.role.empty() ? "" : " " + span.role);
        const float w = ImGui::CalcTextSize(label.c_str()).x;
        // In the lane's upper half, clear of the lane line; in a narrower lane, over the line on a
        // patch of the phase's own fill (messages are drawn over it).
        const float th = ImGui::GetTextLineHeight();
        if (xb - xa > w + 8 && lh >= 2 * th + 8)
          labels.push_back({ImVec2(xa + 4, y - lh / 2 + 2), 0, phase_color(span.phase, 210), label});
        else if (xb - xa > w + 8 && lh >= th + 4)
          labels.push_back({ImVec2(xa + 4, y - th / 2), mix(phase_color(span.phase), lane_bg, 45),
                            phase_color(span.phase, 210), label});
      }
    }
    if (bare_from < end.x) bare.emplace_back(bare_from, end.x);
    if (i % 2)
      for (const auto& [xa, xb] : bare) dl->AddRectFilled(ImVec2(xa, y - lh / 2), ImVec2(xb, y + lh / 2), kStripe);
    dl->AddLine(ImVec2(axis.left, y), ImVec2(end.x, y), IM_COL32(70, 74, 86, 255), 1);
    for (const PhaseLabel& l : labels) {
      if (l.patch) {
        const ImVec2 size = ImGui::CalcTextSize(l.text.c_str());
        dl->AddRectFilled(ImVec2(l.at.x - 2, l.at.y), ImVec2(l.at.x + size.x + 2, l.at.y + size.y), l.patch);
      }
      dl->AddText(l.at, l.color, l.text.c_str());
    }
    std::string name = endpoint_name(id);
    if (const ServerView* s = view.state.server(id)) name += " " + std::string(role_name(s->role));
    else if (const ClientView* c = view.state.client(id)) name += " " + c->state;
    const ImU32 color = sim::is_server(id) && view.state.server(id) ? role_color(view.state.server(id)->role)
                                                                   : IM_COL32(140, 225, 160, 255);
    dl->AddText(ImVec2(origin.x + 6, y - ImGui::GetTextLineHeight() / 2), color, name.c_str());
  }

  // Axis ticks.
  {
    const double span = hi - lo;
    const double raw = span / std::max(1.0, static_cast<double>(axis.width) / 110);
    const double mag = std::pow(10, std::floor(std::log10(std::max(raw, 1e-9))));
    double step = mag;
    for (double m : {1.0, 2.0, 5.0, 10.0})
      if (mag * m >= raw) {
        step = mag * m;
        break;
      }
    for (double t = std::ceil(lo / step) * step; t <= hi; t += step) {
      const float x = axis.to_px(t);
      dl->AddLine(ImVec2(x, origin.y + top - 3), ImVec2(x, end.y), IM_COL32(45, 48, 58, 255), 1);
      char buf[48];
      std::snprintf(buf, sizeof buf, step >= 1 ? "%.0f" : step >= 0.01 ? "%.2f" : "%.4f", t);
      dl->AddText(ImVec2(x + 2, origin.y + 1), kDim, buf);
    }
    dl->AddText(ImVec2(origin.x + 6, origin.y + 1), kDim, unit_name(ui.axis_mode));
  }

  // Messages and records are drawn in the plot only, never over the lane names.
  dl->PushClipRect(ImVec2(axis.left, origin.y), end, true);
  // The operations a violation cannot order, on their client lanes (draw_clients.cpp).
  draw_window_on_lanes(
      dl, view, [&](std::uint64_t seq) { return axis.to_px(axis_value(view, ui.axis_mode, static_cast<std::int64_t>(seq))); },
      [&](EndpointId id) { return lane_index(id) < 0 ? -1.0f : y_of(id); }, lh, end.x);
  // Messages.
  struct Segment {
    ImVec2 a, b;
    std::size_t message;
  };
  std::vector<Segment> segments;
  const auto& messages = view.timeline.messages();
  const double head_value = axis_value(view, ui.axis_mode, ui.cursor);
  // Only the messages that can cross [lo, hi] (a trace may hold millions).
  std::uint64_t seq_lo = 0, seq_hi = view.timeline.empty() ? 0 : view.timeline.size() - 1;
  if (const auto& seqs = view.visible.seqs(); ui.axis_mode == AxisMode::order && !seqs.empty()) {
    const double last = static_cast<double>(seqs.size() - 1);
    seq_lo = seqs[static_cast<std::size_t>(std::clamp(std::floor(lo) - 1, 0.0, last))];
    seq_hi = seqs[static_cast<std::size_t>(std::clamp(std::ceil(hi) + 1, 0.0, last))];
  } else if (ui.axis_mode == AxisMode::time) {
    seq_lo = view.timeline.last_at_or_before(static_cast<Nanos>(lo * 1e6)).value_or(0);
    seq_hi = view.timeline.last_at_or_before(static_cast<Nanos>(hi * 1e6) + 1).value_or(0);
  }
  static std::vector<std::size_t> crossing;
  view.timeline.messages_overlapping(seq_lo, seq_hi, crossing);
  // A crowded window (hundreds of messages) is drawn plainer: no labels, and the messages in
  // flight as one bundle per direction (drawn after the loop).
  const bool crowded = crossing.size() > 200;
  std::vector<std::size_t> in_flight;
  for (const std::size_t index : crossing) {
    const Message& m = messages[index];
    if (!view.visible.filter().visible(m.category)) continue;
    if (static_cast<std::int64_t>(m.send_seq) > ui.cursor && ui.axis_mode != AxisMode::order) {
      // Not sent yet at the cursor: still drawn, faintly, so the future is visible too.
    }
    const int from_lane = lane_index(m.from), to_lane = lane_index(m.to);
    if (from_lane < 0 || to_lane < 0) continue;
    const double xs = axis_value(view, ui.axis_mode, static_cast<std::int64_t>(m.send_seq));
    const double xe = m.end_seq >= 0 ? axis_value(view, ui.axis_mode, m.end_seq) : std::max(head_value, xs);
    if (std::max(xs, xe) < lo || std::min(xs, xe) > hi) continue;
    const bool future = static_cast<std::int64_t>(m.send_seq) > ui.cursor;
    const bool selected = ui.selected_message && *ui.selected_message == m.index;
    const ImU32 color = message_color(m, future ? 70 : 210);
    ImVec2 a(axis.to_px(xs), y_of(m.from));
    ImVec2 b(axis.to_px(xe), y_of(m.to));
    if (m.fate == Message::Fate::dropped || m.fate == Message::Fate::lost) {
      b = ImVec2(a.x + (b.x - a.x) * 0.6f + 4, a.y + (b.y - a.y) * 0.6f);
      dl->AddLine(a, b, color, selected ? 3.0f : 1.4f);
      cross(dl, b, 4, kBlocked, 2);
    } else if (m.end_seq < 0 && crowded && !future) {
      in_flight.push_back(index);
      continue;
    } else if (m.end_seq < 0) {
      dashed_line(dl, a, b, color, selected ? 3.0f : 1.4f, 5, 3);
    } else {
      dl->AddLine(a, b, selected ? kSelect : color, selected ? 3.0f : 1.4f);
      arrow_head(dl, a, b, selected ? kSelect : color, 7);
    }
    segments.push_back({a, b, m.index});
    if (ui.show_labels && !crowded) {
      const ImVec2 size = ImGui::CalcTextSize(m.label.c_str());
      const float len = std::hypot(b.x - a.x, b.y - a.y);
      if (len > size.x + 24 && std::abs(b.x - a.x) > size.x * 0.6f)
        dl->AddText(ImVec2((a.x + b.x) / 2 - size.x / 2, (a.y + b.y) / 2 - size.y - 1), color, m.label.c_str());
    }
  }

  // Bundles: the oldest message of each direction (the next to arrive) and the newest, with the
  // space between them lightly filled, and per receiving lane the count waiting at the cursor.
  if (!in_flight.empty()) {
    std::map<EndpointId, std::size_t> waiting;
    const float head_px = axis.to_px(head_value);
    for (const FlightBundle& bundle : bundle_flights(messages, in_flight)) {
      const ImVec2 b(head_px, y_of(bundle.to));
      for (const std::size_t index : {bundle.oldest, bundle.newest}) {
        const Message& m = messages[index];
        const ImVec2 a(axis.to_px(axis_value(view, ui.axis_mode, static_cast<std::int64_t>(m.send_seq))), y_of(m.from));
        const bool selected = ui.selected_message && *ui.selected_message == m.index;
        dl->AddLine(a, b, selected ? kSelect : message_color(m, 150), selected ? 3.0f : 1.2f);
        segments.push_back({a, b, m.index});
        if (bundle.count == 1) break;
      }
      waiting[bundle.to] += bundle.count;
    }
    for (const auto& [to, count] : waiting) {
      const std::string text = std::to_string(count) + " in flight";
      const ImVec2 size = ImGui::CalcTextSize(text.c_str());
      const ImVec2 at(head_px + 6, y_of(to) - size.y - 1);
      dl->AddRectFilled(ImVec2(at.x - 2, at.y), ImVec2(at.x + size.x + 2, at.y + size.y), IM_COL32(22, 24, 30, 220), 3);
      dl->AddText(at, kText, text.c_str());
    }
  }

  // World-level records (partitions, heals) across every lane; node records as dots.
  std::vector<Vec2> dots;
  std::vector<std::uint64_t> dot_seqs;
  for (std::uint64_t seq : records_in(view, ui.axis_mode, lo, hi)) {
    const TraceRecord& r = view.timeline.at(seq);
    const float x = axis.to_px(axis_value(view, ui.axis_mode, static_cast<std::int64_t>(seq)));
    const Category cat = view.timeline.category(seq);
    const bool future = static_cast<std::int64_t>(seq) > ui.cursor;
    if (r.node == kNoEndpoint) {
      dashed_line(dl, ImVec2(x, origin.y + top), ImVec2(x, end.y), category_color(cat, future ? 80 : 200), 1.5f, 4, 3);
      dots.push_back({x, origin.y + top + 4});
      dot_seqs.push_back(seq);
      continue;
    }
    if (lane_index(r.node) < 0) continue;
    const float y = y_of(r.node);
    const bool message_end = view.timeline.message_of(seq).has_value();
    dl->AddCircleFilled(ImVec2(x, y), message_end ? 3.0f : 4.5f, category_color(cat, future ? 90 : 255));
    dots.push_back({x, y});
    dot_seqs.push_back(seq);
  }

  dl->PopClipRect();
  // The cursor and the animated playhead.
  const float cx = axis.to_px(cursor_x);
  dl->AddLine(ImVec2(cx, origin.y + top - 4), ImVec2(cx, end.y), kCursor, 2);
  if (ui.axis_mode == AxisMode::order && std::abs(ui.display - cursor_x) > 0.01) {
    const float px = axis.to_px(ui.display);
    dl->AddLine(ImVec2(px, origin.y + top), ImVec2(px, end.y), IM_COL32(255, 90, 90, 90), 1);
  }
  if (ui.cursor >= 0) {
    const TraceRecord& r = view.timeline.at(static_cast<std::uint64_t>(ui.cursor));
    if (lane_index(r.node) >= 0) dl->AddCircle(ImVec2(cx, y_of(r.node)), 8, kCursor, 0, 2);
  }
  dl->PopClipRect();

  // Hover and click.
  if (hovered) {
    const Vec2 mouse = vec(io.MousePos);
    const auto dot = nearest_point(dots, mouse, 7);
    std::optional<std::size_t> line;
    if (!dot) {
      float best = 5;
      for (const Segment& s : segments) {
        const float d = distance_to_segment(mouse, vec(s.a), vec(s.b));
        if (d <= best) {
          best = d;
          line = s.message;
        }
      }
    }
    if (dot) {
      const std::uint64_t seq = dot_seqs[*dot];
      ImGui::SetTooltip("#%llu  %s\n%s", static_cast<unsigned long long>(seq),
                        time_text(view.timeline.at(seq).time_ns).c_str(), view.timeline.summary(seq).c_str());
    } else if (line) {
      const Message& m = view.timeline.message(*line);
      ImGui::SetTooltip("%s -> %s  %s\nclick: go to its send", endpoint_name(m.from).c_str(),
                        endpoint_name(m.to).c_str(), m.label.c_str());
    }
    if (ImGui::IsMouseReleased(ImGuiMouseButton_Left) && io.MouseDragMaxDistanceSqr[0] < 9) {
      if (dot) {
        ui.select(dot_seqs[*dot]);
      } else if (line) {
        ui.select(view.timeline.message(*line).send_seq);
        ui.selected_message = *line;
        ui.tab = InspectorTab::message;
        ui.tab_requested = true;
      }
    }
  }
}

}  // namespace zablab::gui
