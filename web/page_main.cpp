// zablab in the browser (docs/web.md): the visualizer over the simulator, as WebAssembly.
// main() opens the canvas, opens the source the address names (argv[1]: the fragment after '#',
// passed by shell/page.js), and hands the frame loop to the browser.
#include <emscripten.h>
#include <emscripten/html5.h>

#include <exception>
#include <string>

#include "web/page.h"
#include "web/page_sources.h"

using namespace zablab;
using namespace zablab::web;

int main(int argc, char** argv) {
  Page& p = page();
  std::string ignored;
  Link link = Link::parse(argc > 1 ? argv[1] : "", ignored);
  if (!link.names_a_source()) link.scenario = "leader-crash-committed-on-some";  // the default lesson

  gui::WindowOptions wo;
  // The canvas's pixels (page.js sized them: CSS size times devicePixelRatio).
  wo.width = EM_ASM_INT({ return Module.canvas.width || 1280; });
  wo.height = EM_ASM_INT({ return Module.canvas.height || 800; });
  p.window.set_pixel_ratio(static_cast<float>(emscripten_get_device_pixel_ratio()));
  wo.title = "zablab";
  // Lean drawing (gui/app/window.h) when the browser draws WebGL in software (SwiftShader, Mesa's
  // llvmpipe): the WebGL renderer string the window sees is masked, the unmasked one says.
  const bool software = EM_ASM_INT({
    const gl = document.createElement('canvas').getContext('webgl2');
    const info = gl && gl.getExtension('WEBGL_debug_renderer_info');
    const name = info ? String(gl.getParameter(info.UNMASKED_RENDERER_WEBGL)) : '';
    return /SwiftShader|llvmpipe|softpipe/i.test(name) ? 1 : 0;
  });
  wo.lean = software ? gui::WindowOptions::Lean::on : gui::WindowOptions::Lean::off;
  std::string error;
  if (!p.window.open(wo, error)) {
    show_message("cannot draw: " + error + " (this page needs WebGL2)");
    return 1;
  }

  std::unique_ptr<gui::TraceSource> source;
  std::string warning;
  try {
    source = open_link_source(link, error, warning);
  } catch (const std::exception& e) {
    error = e.what();
  }
  std::string message = ignored.empty() ? "" : "the link's " + ignored + " not understood; ";
  if (!warning.empty()) message += warning + "; ";
  if (!source) {
    message += "cannot open the link's source: " + error + "; showing a live world of 3 instead";
    link = Link{};
    link.live = 3;
    source = open_link_source(link, error, warning);
  }
  if (message.size() >= 2 && message.compare(message.size() - 2, 2, "; ") == 0) message.resize(message.size() - 2);
  show_message(message);
  show_source(std::move(source), link.source_name(), link);
  apply_position(link);
  // 0 frames per second: the browser's own pace (requestAnimationFrame); true: main() never
  // returns, so `p` and the stack stay as they are.
  emscripten_set_main_loop(frame, 0, true);
  return 0;
}
