#include "gui/app/viewer.h"

#include <imgui.h>

#include <chrono>
#include <cstdio>

#include "gui/panels/panels.h"

namespace zablab::gui {

namespace {

void panel(const char* name, const Rect& r, bool pin, ImGuiWindowFlags flags, void (*draw)(UiState&, const WorldView&),
           UiState& ui, const WorldView& view) {
  const ImGuiCond cond = pin ? ImGuiCond_Always : ImGuiCond_FirstUseEver;
  ImGui::SetNextWindowPos(ImVec2(r.x, r.y), cond);
  ImGui::SetNextWindowSize(ImVec2(r.w, r.h), cond);
  if (ImGui::Begin(name, nullptr, flags | ImGuiWindowFlags_NoCollapse)) draw(ui, view);
  ImGui::End();
}

}  // namespace

void draw_all(UiState& ui, const WorldView& view, float width, float height, bool pin) {
  const PanelLayout p = panel_layout(width, height);
  const ImGuiWindowFlags canvas = ImGuiWindowFlags_NoScrollbar | ImGuiWindowFlags_NoScrollWithMouse;
  panel("controls", p.controls, true, ImGuiWindowFlags_NoTitleBar | ImGuiWindowFlags_NoResize | ImGuiWindowFlags_NoMove,
        draw_controls, ui, view);
  panel("Ensemble", p.ensemble, pin, canvas, draw_ensemble, ui, view);
  panel("Inspector", p.inspector, pin, 0, draw_inspector, ui, view);
  panel("What is happening", p.explain, pin, 0, draw_explain, ui, view);
  panel("Events", p.events, pin, ImGuiWindowFlags_NoScrollbar, draw_events, ui, view);
  panel("Space-time diagram", p.spacetime, pin, canvas, draw_spacetime, ui, view);
}

namespace {

// A new controller over `source`, keeping the view settings the user chose.
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

}  // namespace

int run_viewer(std::unique_ptr<Controller> owned, const ViewerOptions& options) {
  Window window;
  std::string error;
  WindowOptions wo = options.window;
  if (!options.screenshot.empty()) wo.vsync = false;
  if (!window.open(wo, error)) {
    std::fprintf(stderr, "zablab-viz: %s\n", error.c_str());
    return 1;
  }
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
  bool loading = owned->source().loading();
  std::size_t bench_flights = 0;
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
    draw_all(owned->ui(), WorldView::of(*owned), static_cast<float>(w), static_cast<float>(h), pin);
    window.end_frame();
    if (!owned->ui().record_to.empty()) {
      const std::string path = std::move(owned->ui().record_to);
      owned->ui().record_to.clear();
      owned->ui().status = owned->record_session(path, error)
                               ? "recorded " + std::to_string(owned->timeline().size()) + " records to " + path
                               : "cannot record: " + error;
    }
    if (!owned->ui().open_source.empty()) {
      const std::string entry = std::move(owned->ui().open_source);
      owned->ui().open_source.clear();
      std::unique_ptr<TraceSource> source;
      if (options.open_source) source = options.open_source(entry, error);
      if (source) {
        owned = switch_to(std::move(source), owned->ui());
        owned->ui().status = "opened " + entry;
      } else {
        owned->ui().status = "cannot open " + entry + (error.empty() ? "" : ": " + error);
      }
    }
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
      std::printf("zablab-viz: every record indexed %.3f s after opening the window (frame %d)\n", wall() - window_opened,
                  frame);
    }
    if (frame == 1 && options.timing)
      std::printf("zablab-viz: first frame drawn %.3f s after opening the window\n", wall() - window_opened);
    if (bench) {
      if (frame == 3) bench_start = wall();  // after layout settled
      if (frame > 3) bench_flights += owned->flights().size();
      if (frame >= 3 + options.bench_frames) {
        const double secs = wall() - bench_start;
        std::printf("zablab-viz: %d frames in %.3f s = %.1f frames/s, %.0f messages in flight drawn per frame, %zu records\n",
                    options.bench_frames, secs, options.bench_frames / secs,
                    static_cast<double>(bench_flights) / options.bench_frames, owned->timeline().size());
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
