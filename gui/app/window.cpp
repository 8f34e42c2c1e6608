#include "gui/app/window.h"

#define GLFW_INCLUDE_NONE
#ifdef __EMSCRIPTEN__
#include <GLES3/gl3.h>  // the browser build (web/): WebGL2, which is OpenGL ES 3.0
#else
#include <GL/gl.h>
#endif
#include <GLFW/glfw3.h>
#include <backends/imgui_impl_glfw.h>
#include <backends/imgui_impl_opengl3.h>
#include <imgui.h>
#include <stb/stb_image_write.h>

#include <algorithm>
#include <cfloat>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <set>
#include <vector>

namespace zablab::gui {

namespace {
void glfw_error(int code, const char* text) { std::fprintf(stderr, "zablab-viz: GLFW error %d: %s\n", code, text); }

void apply_style() {
  ImGui::StyleColorsDark();
  ImGuiStyle& s = ImGui::GetStyle();
  s.WindowRounding = 0;
  s.FrameRounding = 3;
  s.WindowBorderSize = 1;
  s.WindowPadding = ImVec2(6, 5);
  s.ItemSpacing = ImVec2(6, 4);
  s.Colors[ImGuiCol_WindowBg] = ImVec4(0.10f, 0.105f, 0.13f, 1);
  s.Colors[ImGuiCol_TitleBg] = ImVec4(0.13f, 0.14f, 0.18f, 1);
  s.Colors[ImGuiCol_TitleBgActive] = ImVec4(0.17f, 0.19f, 0.25f, 1);
}
}  // namespace

Window::~Window() {
  if (imgui_) {
    ImGui_ImplOpenGL3_Shutdown();
    ImGui_ImplGlfw_Shutdown();
    ImGui::DestroyContext();
  }
  if (window_) glfwDestroyWindow(window_);
  glfwTerminate();
}

bool Window::open(const WindowOptions& options, std::string& error) {
  glfwSetErrorCallback(glfw_error);
  if (!glfwInit()) {
    error = "cannot initialise GLFW (is DISPLAY set? try xvfb-run -a)";
    return false;
  }
  glfwWindowHint(GLFW_CONTEXT_VERSION_MAJOR, 3);
  glfwWindowHint(GLFW_CONTEXT_VERSION_MINOR, 3);
  glfwWindowHint(GLFW_OPENGL_PROFILE, GLFW_OPENGL_CORE_PROFILE);
  glfwWindowHint(GLFW_OPENGL_FORWARD_COMPAT, GL_TRUE);
  window_ = glfwCreateWindow(options.width, options.height, options.title.c_str(), nullptr, nullptr);
  if (!window_) {
    error = "cannot open an OpenGL 3.3 window";
    return false;
  }
  glfwMakeContextCurrent(window_);
  glfwSwapInterval(options.vsync ? 1 : 0);
  if (const auto* name = reinterpret_cast<const char*>(glGetString(GL_RENDERER))) renderer_ = name;
  const bool software = renderer_.find("llvmpipe") != std::string::npos ||
                        renderer_.find("softpipe") != std::string::npos || renderer_.find("swrast") != std::string::npos;
  lean_ = options.lean == WindowOptions::Lean::on || (options.lean == WindowOptions::Lean::automatic && software);

  IMGUI_CHECKVERSION();
  ImGui::CreateContext();
  ImGuiIO& io = ImGui::GetIO();
  io.IniFilename = nullptr;  // the layout comes from panel_layout(), not from a file
  apply_style();
  std::string font = options.font;
  if (font.empty()) {
    for (const char* candidate : {"/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
                                  "/usr/share/fonts/truetype/liberation2/LiberationSans-Regular.ttf"})
      if (std::filesystem::exists(candidate)) {
        font = candidate;
        break;
      }
  }
  font_ = font;
  font_size_ = options.font_size;
  load_font();
  ImGui_ImplGlfw_InitForOpenGL(window_, true);
#ifdef __EMSCRIPTEN__
  ImGui_ImplOpenGL3_Init("#version 300 es");
#else
  ImGui_ImplOpenGL3_Init("#version 330 core");
#endif
  imgui_ = true;
  return true;
}

void Window::load_font() {
  // Baked at ratio_ times its size and drawn at 1/ratio_: one glyph texel per screen pixel.
  ImGuiIO& io = ImGui::GetIO();
  io.Fonts->Clear();
  font_ratio_ = ratio_;
  io.FontGlobalScale = 1 / ratio_;
  if (!font_.empty() && !io.Fonts->AddFontFromFileTTF(font_.c_str(), font_size_ * ratio_)) {
    std::fprintf(stderr, "zablab-viz: cannot load font %s; using ImGui's own\n", font_.c_str());
    font_.clear();
  }
  if (font_.empty()) {
    ImFontConfig config;
    config.SizePixels = 13 * ratio_;
    io.Fonts->AddFontDefault(&config);
  }
}

void Window::set_pixel_ratio(float ratio) { ratio_ = std::clamp(ratio, 0.5f, 4.0f); }

bool Window::begin_frame() {
  if (glfwWindowShouldClose(window_)) return false;
  glfwPollEvents();
  if (imgui_ && font_ratio_ != ratio_) {  // moved to a screen of another density, or zoomed
    load_font();
    ImGui_ImplOpenGL3_DestroyFontsTexture();  // NewFrame bakes the new one
    font_filter_set_ = false;
  }
  ImGui_ImplOpenGL3_NewFrame();  // creates the font texture on the first call
  if (lean_ && !font_filter_set_) {
    // Bilinear filtering is most of a software rasteriser's per-pixel cost, and every pixel ImGui
    // draws samples the font texture (solid shapes use its white texel).
    font_filter_set_ = true;
    glBindTexture(GL_TEXTURE_2D, static_cast<GLuint>(reinterpret_cast<std::intptr_t>(ImGui::GetIO().Fonts->TexID)));
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, GL_NEAREST);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MAG_FILTER, GL_NEAREST);
  }
  ImGui_ImplGlfw_NewFrame();
  if (ratio_ != 1) {  // the backend reports framebuffer pixels: lay out in units instead
    ImGuiIO& io = ImGui::GetIO();
    io.DisplaySize = ImVec2(io.DisplaySize.x / ratio_, io.DisplaySize.y / ratio_);
    io.DisplayFramebufferScale = ImVec2(ratio_, ratio_);
    if (io.MousePos.x != -FLT_MAX) io.MousePos = ImVec2(io.MousePos.x / ratio_, io.MousePos.y / ratio_);
  }
  ImGui::NewFrame();
  return true;
}

void Window::end_frame() {
  ImGui::Render();
  int w = 0, h = 0;
  glfwGetFramebufferSize(window_, &w, &h);
  glViewport(0, 0, w, h);
  glClearColor(22 / 255.0f, 24 / 255.0f, 30 / 255.0f, 1);  // style::kCanvas: lean panels show it
  glClear(GL_COLOR_BUFFER_BIT);
  ImGui_ImplOpenGL3_RenderDrawData(ImGui::GetDrawData());
}

void Window::present() { glfwSwapBuffers(window_); }

double Window::seconds() const { return glfwGetTime(); }

int Window::width() const {
  int w = 0, h = 0;
  glfwGetWindowSize(window_, &w, &h);
  return static_cast<int>(static_cast<float>(w) / ratio_);
}

int Window::height() const {
  int w = 0, h = 0;
  glfwGetWindowSize(window_, &w, &h);
  return static_cast<int>(static_cast<float>(h) / ratio_);
}

bool Window::save_png(const std::string& path, PixelStats& stats, std::string& error) {
  int w = 0, h = 0;
  glfwGetFramebufferSize(window_, &w, &h);
  if (w <= 0 || h <= 0) {
    error = "empty framebuffer";
    return false;
  }
  std::vector<unsigned char> rgb(static_cast<std::size_t>(w) * static_cast<std::size_t>(h) * 3);
  glPixelStorei(GL_PACK_ALIGNMENT, 1);
  glReadBuffer(GL_BACK);
  glReadPixels(0, 0, w, h, GL_RGB, GL_UNSIGNED_BYTE, rgb.data());
  stats = PixelStats{};
  stats.width = w;
  stats.height = h;
  std::set<std::uint32_t> colors;
  std::size_t differ = 0, sampled = 0;
  const std::uint32_t corner = (rgb[0] << 16) | (rgb[1] << 8) | rgb[2];
  for (int y = 0; y < h; y += 3)
    for (int x = 0; x < w; x += 3) {
      const std::size_t i = (static_cast<std::size_t>(y) * static_cast<std::size_t>(w) + static_cast<std::size_t>(x)) * 3;
      const std::uint32_t c = (rgb[i] << 16) | (rgb[i + 1] << 8) | rgb[i + 2];
      if (colors.size() < 100000) colors.insert(c);
      differ += c != corner ? 1 : 0;
      ++sampled;
    }
  stats.distinct_colors = colors.size();
  stats.non_background = sampled ? static_cast<double>(differ) / static_cast<double>(sampled) : 0;
  stbi_flip_vertically_on_write(1);
  stbi_write_png_compression_level = 9;
  if (!stbi_write_png(path.c_str(), w, h, 3, rgb.data(), w * 3)) {
    error = "cannot write " + path;
    return false;
  }
  return true;
}

}  // namespace zablab::gui
