// The visualizer's window: GLFW + OpenGL 3.3 core + Dear ImGui (1.86, Debian's libimgui-dev with
// its GLFW and OpenGL3 backends), hidden behind three calls, as Tracy's Backend hides GLFW:
//
//   Window w;  w.open(options, error);
//   while (w.begin_frame()) { ...ImGui calls...; w.end_frame(); }
//
// save_png() reads the frame just rendered (before the buffer swap) and writes it with
// stb_image_write. Runs under Xvfb for headless screenshots (docs/visualizer.md).
#pragma once

#include <string>

struct GLFWwindow;

namespace zablab::gui {

struct WindowOptions {
  int width = 1280;
  int height = 800;
  std::string title = "zablab-viz";
  std::string font;        // a TTF file; "" picks DejaVu Sans if installed, else ImGui's font
  float font_size = 15;
  bool vsync = true;
  // Lean drawing for software GL (Mesa's llvmpipe: a projector laptop without a GPU, Xvfb): a
  // frame costs what it fills, so glyphs are sampled nearest (they are drawn at their baked size,
  // texel to pixel) and panels that sit where the layout put them draw no background of their own
  // (the cleared screen is their background). auto: on when the renderer is software.
  enum class Lean { automatic, on, off } lean = Lean::automatic;
};

// What a rendered frame looks like, to tell a real picture from a blank one.
struct PixelStats {
  int width = 0;
  int height = 0;
  std::size_t distinct_colors = 0;  // among a sample of pixels
  double non_background = 0;        // fraction of sampled pixels differing from the corner pixel
};

class Window {
 public:
  Window() = default;
  ~Window();
  Window(const Window&) = delete;
  Window& operator=(const Window&) = delete;

  bool open(const WindowOptions& options, std::string& error);
  // Polls events and starts an ImGui frame; false once the window should close.
  bool begin_frame();
  // Renders the ImGui frame (does not swap yet).
  void end_frame();
  // Shows the rendered frame.
  void present();
  // Writes the rendered frame (call between end_frame() and present()) as RGB PNG.
  bool save_png(const std::string& path, PixelStats& stats, std::string& error);
  // Seconds since open(), by GLFW's clock.
  double seconds() const;
  // The window's size in layout units (CSS pixels in the browser, where they differ from the
  // framebuffer's pixels by the pixel ratio).
  int width() const;
  int height() const;
  // The browser's devicePixelRatio (web/): the framebuffer has `ratio` pixels per layout unit, so
  // ImGui lays out in units, draws with DisplayFramebufferScale = ratio and bakes its font at
  // ratio times the size (sharp text on HiDPI screens). 1 (the desktop) changes nothing.
  void set_pixel_ratio(float ratio);
  float pixel_ratio() const { return ratio_; }
  // Whether lean drawing is on (see WindowOptions::lean), and the OpenGL renderer's name.
  bool lean() const { return lean_; }
  const std::string& renderer() const { return renderer_; }

 private:
  GLFWwindow* window_ = nullptr;
  bool imgui_ = false;
  bool lean_ = false;
  bool font_filter_set_ = false;
  std::string renderer_;
  std::string font_;  // the TTF file in use ("": ImGui's own)
  float font_size_ = 15;
  float ratio_ = 1;       // framebuffer pixels per layout unit (set_pixel_ratio)
  float font_ratio_ = 1;  // the ratio the font atlas was baked for
  void load_font();
};

}  // namespace zablab::gui
