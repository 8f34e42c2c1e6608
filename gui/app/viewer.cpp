#include "gui/app/viewer.h"

#include <imgui.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>

#include "gui/app/draw_stats.h"
#include "gui/panels/panels.h"
#include "gui/panels/style.h"

namespace zablab::gui {

namespace {

// Whether each panel sat at its layout place last frame (then, lean, it needs no background).
std::map<std::string, bool, std::less<>> at_layout_place;

void panel(const char* name, const Rect& r, bool pin, bool lean, ImGuiWindowFlags flags,
           void (*draw)(UiState&, const WorldView&), UiState& ui, const WorldView& view, bool canvas = false) {
  const ImGuiCond cond = pin ? ImGuiCond_Always : ImGuiCond_FirstUseEver;
  ImGui::SetNextWindowPos(ImVec2(r.x, r.y), cond);
  ImGui::SetNextWindowSize(ImVec2(r.w, r.h), cond);
  bool& placed = at_layout_place[name];
  // A drawing panel's window background is its canvas: filled once, not once more by the panel.
  // Lean, a panel where the layout put it (panels do not overlap there) shows the cleared screen,
  // which is the canvas colour; a panel the user moved draws its own.
  if (lean && (placed || pin)) ImGui::SetNextWindowBgAlpha(0);
  if (canvas) ImGui::PushStyleColor(ImGuiCol_WindowBg, style::kCanvas);
  if (ImGui::Begin(name, nullptr, flags | ImGuiWindowFlags_NoCollapse)) draw(ui, view);
  const ImVec2 pos = ImGui::GetWindowPos(), size = ImGui::GetWindowSize();
  placed = std::abs(pos.x - r.x) < 0.5f && std::abs(pos.y - r.y) < 0.5f && std::abs(size.x - r.w) < 0.5f &&
           std::abs(size.y - r.h) < 0.5f;
  ImGui::End();
  if (canvas) ImGui::PopStyleColor();
}

}  // namespace

void draw_all(UiState& ui, const WorldView& view, float width, float height, bool pin, bool lean) {
  const PanelLayout p = panel_layout(width, height);
  const ImGuiWindowFlags canvas = ImGuiWindowFlags_NoScrollbar | ImGuiWindowFlags_NoScrollWithMouse;
  panel("controls", p.controls, true, lean, ImGuiWindowFlags_NoTitleBar | ImGuiWindowFlags_NoResize | ImGuiWindowFlags_NoMove,
        draw_controls, ui, view);
  panel("Ensemble", p.ensemble, pin, lean, canvas, draw_ensemble, ui, view, true);
  panel("Inspector", p.inspector, pin, lean, 0, draw_inspector, ui, view);
  panel("What is happening", p.explain, pin, lean, 0, draw_explain, ui, view);
  panel("Events", p.events, pin, lean, ImGuiWindowFlags_NoScrollbar, draw_events, ui, view);
  panel("Space-time diagram", p.spacetime, pin, lean, canvas, draw_spacetime, ui, view, true);
}

std::unique_ptr<Controller> switch_to(std::unique_ptr<TraceSource> source, const UiState& old) {
  auto next = std::make_unique<Controller>(std::move(source));
  UiState& ui = next->ui();
  ui.speed = old.speed;
  ui.axis_mode = old.axis_mode;
  ui.show_phase_lanes = old.show_phase_lanes;
  ui.show_labels = old.show_labels;
  ui.tab = old.tab;
  ui.tab_requested = true;
  ui.source_menu = old.source_menu;
  next->set_filter(old.filter);
  next->jump_to_start();
  return next;
}

std::unique_ptr<TraceSource> open_menu_entry(const std::string& entry, const LiveOptions& live, std::string& error) {
  if (entry.rfind("live ", 0) == 0) {
    LiveOptions o = live;
    o.voters = std::atoi(entry.c_str() + 5);
    o.observers = entry.find("observer") != std::string::npos ? 1 : 0;
    return std::make_unique<LiveSource>(o);
  }
  if (entry.size() > 4 && entry.substr(entry.size() - 4) == ".scn") return run_scenario_file(entry, std::nullopt, error);
  return ReplaySource::open(entry, error);
}

void open_requested_source(std::unique_ptr<Controller>& owned, const ViewerOptions::OpenSource& open_source) {
  if (owned->ui().open_source.empty()) return;
  const std::string entry = std::move(owned->ui().open_source);
  owned->ui().open_source.clear();
  std::string error;
  std::unique_ptr<TraceSource> source;
  if (open_source) source = open_source(entry, error);
  if (source) {
    owned = switch_to(std::move(source), owned->ui());
    owned->ui().status = "opened " + entry;
  } else {
    owned->ui().status = "cannot open " + entry + (error.empty() ? "" : ": " + error);
  }
}

int run_viewer(std::unique_ptr<Controller> owned, const ViewerOptions& options) {
  Window window;
  std::string error;
  WindowOptions wo = options.window;
  if (!options.screenshot.empty()) wo.vsync = false;
  if (!window.open(wo, error)) {
    std::fprintf(stderr, "zablab-viz: %s\n", error.c_str());
    return 1;
  }
  if (options.bench_frames > 0 || options.timing)
    std::printf("zablab-viz: OpenGL renderer %s, lean drawing %s\n", window.renderer().c_str(), window.lean() ? "on" : "off");
  if (options.at) owned->jump_to_time(*options.at);
  if (options.record) owned->jump_to_record(*options.record);
  if (options.at || options.record) {
    owned->update(0);
    owned->ui().display = -1;  // no glide: show the record itself
    owned->ui().axis_fit = true;
  }
  owned->play(options.play);
  const bool shot = !options.screenshot.empty();
  const bool bench = options.bench_frames > 0;
  double last = window.seconds();
  const auto wall = [] { return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count(); };
  double bench_start = 0;
  const double window_opened = wall();
  const auto since_start = [&] {
    if (options.started <= 0) return std::string();
    char text[64];
    std::snprintf(text, sizeof text, ", %.3f s after the program started", wall() - options.started);
    return std::string(text);
  };
  bool loading = owned->source().loading();
  std::size_t bench_flights = 0, bench_vertices = 0, bench_indices = 0;
  double bench_area = 0;
  int last_w = 0, last_h = 0;
  int code = 0;
  for (int frame = 1; window.begin_frame(); ++frame) {
    const double now = window.seconds();
    const double dt = shot || bench ? 1.0 / 30 : std::min(0.1, now - last);
    last = now;
    owned->update(dt);
    const int w = window.width(), h = window.height();
    const bool pin = shot || w != last_w || h != last_h;
    last_w = w;
    last_h = h;
    draw_all(owned->ui(), WorldView::of(*owned), static_cast<float>(w), static_cast<float>(h), pin, window.lean());
    window.end_frame();
    if (!owned->ui().record_to.empty()) {
      const std::string path = std::move(owned->ui().record_to);
      owned->ui().record_to.clear();
      owned->ui().status = owned->record_session(path, error)
                               ? "recorded " + std::to_string(owned->timeline().size()) + " records to " + path
                               : "cannot record: " + error;
    }
    open_requested_source(owned, options.open_source);
    if (shot && frame >= std::max(1, options.frames)) {
      PixelStats stats;
      if (!window.save_png(options.screenshot, stats, error)) {
        std::fprintf(stderr, "zablab-viz: %s\n", error.c_str());
        code = 1;
      } else {
        std::printf("zablab-viz: wrote %s (%dx%d, %zu colours sampled, %.0f%% not background)\n",
                    options.screenshot.c_str(), stats.width, stats.height, stats.distinct_colors,
                    stats.non_background * 100);
        if (stats.distinct_colors < 8 || stats.non_background < 0.02) {
          std::fprintf(stderr, "zablab-viz: the screenshot is blank\n");
          code = 2;
        }
      }
      break;
    }
    if (options.timing && loading && !owned->source().loading()) {
      loading = false;
      std::printf("zablab-viz: every record indexed %.3f s after opening the window (frame %d)%s\n", wall() - window_opened,
                  frame, since_start().c_str());
    }
    if (frame == 1 && options.timing)
      std::printf("zablab-viz: first frame drawn %.3f s after opening the window%s\n", wall() - window_opened,
                  since_start().c_str());
    if (bench) {
      if (frame == 3) bench_start = wall();  // after layout settled
      if (frame > 3) {
        bench_flights += owned->flights().size();
        const ImDrawData* dd = ImGui::GetDrawData();
        bench_vertices += static_cast<std::size_t>(dd->TotalVtxCount);
        bench_indices += static_cast<std::size_t>(dd->TotalIdxCount);
        bench_area += covered_area(dd);
      }
      if (frame >= 3 + options.bench_frames) {
        const double secs = wall() - bench_start;
        std::printf("zablab-viz: %d frames in %.3f s = %.1f frames/s, %.0f messages in flight drawn per frame, %zu records, "
                    "%.0f vertices and %.0f triangles per frame, %.2f x the window's pixels shaded\n",
                    options.bench_frames, secs, options.bench_frames / secs,
                    static_cast<double>(bench_flights) / options.bench_frames, owned->timeline().size(),
                    static_cast<double>(bench_vertices) / options.bench_frames,
                    static_cast<double>(bench_indices) / 3 / options.bench_frames,
                    bench_area / options.bench_frames / (static_cast<double>(last_w) * last_h));
        print_area_by_window(ImGui::GetDrawData(), static_cast<double>(last_w) * last_h);
        break;
      }
    }
    window.present();
  }
  if (!options.record_to.empty()) {
    if (!owned->record_session(options.record_to, error)) {
      std::fprintf(stderr, "zablab-viz: %s\n", error.c_str());
      code = code ? code : 1;
    }
  }
  if (!options.save_trace.empty()) {
    if (!save_trace_text(options.save_trace, owned->timeline().records(), error)) {
      std::fprintf(stderr, "zablab-viz: %s\n", error.c_str());
      code = code ? code : 1;
    }
  }
  return code;
}

}  // namespace zablab::gui
