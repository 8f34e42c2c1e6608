// zablab-viz: step through leader election and Zab message flow (docs/visualizer.md).
//
//   zablab-viz [--ensemble 3|5|7] [--observers N] [--seed S] [--clients N]   a live world
//   zablab-viz --trace run.db                                               replay a recording
//   zablab-viz --scenario scenarios/leader-crash.scn                         run a scenario, step through it
//   ... [--at TIME_MS] [--record|--event SEQ] [--manual-delivery] [--play] [--speed EV_PER_S] [--axis order|time|lamport] [--tab votes|server|message|clients]
//   ... [--frames N] [--screenshot out.png]      render N frames, write a PNG, exit (non-zero if blank)
//
// Headless: xvfb-run -a -s "-screen 0 1280x800x24" zablab-viz --at 2005 --screenshot viz.png
#include <boost/program_options.hpp>
#include <malloc.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <memory>
#include <vector>

#include "gui/app/viewer.h"
#include "gui/model/controller.h"
#include "gui/model/source.h"

#ifndef ZABLAB_SCENARIOS_DIR
#define ZABLAB_SCENARIOS_DIR "scenarios"
#endif

namespace po = boost::program_options;
using namespace zablab;
using namespace zablab::gui;

int main(int argc, char** argv) {
  const double started = std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
  // The OpenGL driver (and ImGui's backend, which re-uploads every vertex each frame) frees and
  // re-allocates buffers of a few hundred KiB every frame. With glibc's defaults that memory goes
  // back to the kernel and returns as fresh zeroed pages: on software GL that was 13% of the main
  // thread and ~25% of the frame rate. Keep it in the process instead.
  mallopt(M_MMAP_THRESHOLD, 64 << 20);
  mallopt(M_TRIM_THRESHOLD, 256 << 20);
  int ensemble = 3;
  int observers = 0;
  std::uint64_t seed = 1;
  int clients = 1;
  int write_every_ms = 400;
  int tick_ms = 2000;
  std::string scenario, trace, screenshot, axis = "order", tab = "votes", font, save_trace, filter = "default";
  double at_ms = -1;
  int frames = 3;
  double speed = 6;
  int width = 1280, height = 800;
  float font_size = 15;
  std::int64_t select_server = 0;
  po::options_description opts(
      "zablab-viz: step through Fast Leader Election and Zab in a simulated ensemble\n\n"
      "Sources (one view): a live simulated world (default), --trace a recording, --scenario a script.\n"
      "Keys: Space run/pause, Right/Left step, Home/End. Right-click a server for faults.\n\nOptions");
  opts.add_options()("help,h", "this help")
      ("ensemble", po::value(&ensemble)->default_value(3), "live: voting servers (3, 5 or 7)")
      ("observers", po::value(&observers)->default_value(0), "live: observers besides the voters")
      ("seed", po::value(&seed)->default_value(1), "live/scenario: the simulation seed")
      ("clients", po::value(&clients)->default_value(1), "live: clients, each writing in a loop")
      ("write-every", po::value(&write_every_ms)->default_value(400), "live: ms between a client's writes")
      ("tick", po::value(&tick_ms)->default_value(2000), "live: tickTime in ms")
      ("decode", "live: label peer messages with gui's decoder (more fields, different trace hash)")
      ("scenario", po::value(&scenario), "run this scenario file (sim/scenario) and step through its trace")
      ("trace", po::value(&trace), "replay a recording: trace.db (zablab-sim run --trace) or a text trace")
      ("at", po::value(&at_ms), "start at the last record at or before this virtual time (ms)")
      ("record", po::value<std::uint64_t>(), "start at this record (its seq, as the event list shows it)")
      ("event", po::value<std::uint64_t>(), "the same as --record")
      ("manual-delivery", "live: start in manual-delivery mode (peer messages wait until picked)")
      ("play", "start running")
      ("speed", po::value(&speed)->default_value(6), "records per second while running")
      ("axis", po::value(&axis)->default_value("order"), "space-time x axis: order, time or lamport")
      ("tab", po::value(&tab)->default_value("votes"), "inspector tab: votes, server, message, clients, deliver or sessions")
      ("server", po::value(&select_server), "select this server in the inspector")
      ("filter", po::value(&filter)->default_value("default"), "records shown: default or all")
      ("frames", po::value(&frames)->default_value(3), "with --screenshot: frames to render first")
      ("screenshot", po::value(&screenshot), "render, write this PNG and exit (non-zero if blank)")
      ("save-trace", po::value(&save_trace), "on exit, write the records seen as a text trace")
      ("record-to", po::value<std::string>(), "on exit, record the session (every record seen) to this trace.db")
      ("bench-frames", po::value<int>(), "render this many frames as fast as possible, print frames/s, exit")
      ("timing", "print how long opening the source and the first frame took")
      ("open", po::value<std::string>(), "after the first frame, open this entry of the source menu (\"live 5\", a .scn file)")
      ("width", po::value(&width)->default_value(1280), "window width")
      ("height", po::value(&height)->default_value(800), "window height")
      ("font", po::value(&font), "a TTF font (default: DejaVu Sans if installed)")
      ("font-size", po::value(&font_size)->default_value(15), "font size in pixels (bigger for a projector)")
      ("lean", po::value<std::string>()->default_value("auto"),
       "lean drawing for software GL (nearest-sampled glyphs, no panel backgrounds): auto (when the "
       "renderer is software), on or off");
  po::variables_map vm;
  try {
    po::store(po::parse_command_line(argc, argv, opts), vm);
    po::notify(vm);
  } catch (const std::exception& e) {
    std::cerr << "zablab-viz: " << e.what() << "\n" << opts << "\n";
    return 64;
  }
  if (vm.count("help")) {
    std::cout << opts << "\n";
    return 0;
  }
  if (!scenario.empty() && !trace.empty()) {
    std::cerr << "zablab-viz: --scenario and --trace are two different sources; pick one\n";
    return 64;
  }
  if (ensemble < 1 || ensemble > 9 || observers < 0 || ensemble + observers > 15) {
    std::cerr << "zablab-viz: --ensemble is 1..9 voters (3, 5 or 7 make sense), at most 15 servers in all\n";
    return 64;
  }

  const auto opening = std::chrono::steady_clock::now();
  std::unique_ptr<TraceSource> source;
  std::string error;
  if (!trace.empty()) {
    source = ReplaySource::open(trace, error);
  } else if (!scenario.empty()) {
    source = run_scenario_file(scenario, vm.count("seed") && !vm["seed"].defaulted() ? std::optional(seed) : std::nullopt,
                               error);
  } else {
    LiveOptions o;
    o.voters = ensemble;
    o.observers = observers;
    o.seed = seed;
    o.clients = clients;
    o.write_every_ms = write_every_ms;
    o.tick_time_ms = tick_ms;
    o.decode_messages = vm.count("decode") > 0;
    source = std::make_unique<LiveSource>(o);
  }
  if (!source) {
    std::cerr << "zablab-viz: " << error << "\n";
    return 1;
  }

  auto controller = std::make_unique<Controller>(std::move(source));
  if (vm.count("timing"))
    std::printf("zablab-viz: opened %s: %zu records indexed (the first ones) in %.3f s\n",
                controller->source().description().c_str(),
                controller->timeline().size(),
                std::chrono::duration<double>(std::chrono::steady_clock::now() - opening).count());
  UiState& ui = controller->ui();
  ui.speed = speed;
  if (axis == "time") ui.axis_mode = AxisMode::time;
  else if (axis == "lamport") ui.axis_mode = AxisMode::lamport;
  if (tab == "server") ui.tab = InspectorTab::server;
  else if (tab == "message") ui.tab = InspectorTab::message;
  else if (tab == "clients") ui.tab = InspectorTab::clients;
  else if (tab == "deliver") ui.tab = InspectorTab::deliver;
  else if (tab == "sessions") ui.tab = InspectorTab::sessions;
  ui.tab_requested = true;
  if (select_server > 0) ui.selected_server = select_server;
  if (filter == "all") controller->set_filter(Filter::all());

  // The "open" menu: live ensembles, then the scenarios found in scenarios/.
  ui.source_menu = {"live 3", "live 5", "live 7", "live 3 + 1 observer"};
  for (const auto& dir : {std::filesystem::path("scenarios"), std::filesystem::path(ZABLAB_SCENARIOS_DIR)}) {
    std::error_code ec;
    if (!std::filesystem::is_directory(dir, ec)) continue;
    std::vector<std::string> found;
    for (const auto& entry : std::filesystem::directory_iterator(dir, ec))
      if (entry.path().extension() == ".scn") found.push_back(entry.path().string());
    std::sort(found.begin(), found.end());
    ui.source_menu.insert(ui.source_menu.end(), found.begin(), found.end());
    break;
  }

  ViewerOptions vo;
  vo.window.width = width;
  vo.window.height = height;
  vo.window.font = font;
  vo.window.font_size = font_size;
  if (const std::string lean = vm["lean"].as<std::string>(); lean == "on") {
    vo.window.lean = WindowOptions::Lean::on;
  } else if (lean == "off") {
    vo.window.lean = WindowOptions::Lean::off;
  } else if (lean != "auto") {
    std::cerr << "zablab-viz: --lean must be auto, on or off, not '" << lean << "'\n";
    return 64;
  }
  vo.screenshot = screenshot;
  vo.frames = frames;
  if (at_ms >= 0) vo.at = static_cast<Nanos>(at_ms * 1e6);
  if (vm.count("record")) vo.record = vm["record"].as<std::uint64_t>();
  if (vm.count("event")) vo.record = vm["event"].as<std::uint64_t>();
  if (vm.count("manual-delivery")) controller->set_manual_delivery(true);
  vo.play = vm.count("play") > 0;
  vo.save_trace = save_trace;
  if (vm.count("record-to")) vo.record_to = vm["record-to"].as<std::string>();
  if (vm.count("bench-frames")) vo.bench_frames = vm["bench-frames"].as<int>();
  vo.timing = vm.count("timing") > 0;
  vo.started = started;
  if (vm.count("open")) ui.open_source = vm["open"].as<std::string>();
  LiveOptions menu_live;
  menu_live.seed = seed;
  menu_live.clients = clients;
  menu_live.write_every_ms = write_every_ms;
  menu_live.tick_time_ms = tick_ms;
  vo.open_source = [menu_live](const std::string& entry, std::string& why) { return open_menu_entry(entry, menu_live, why); };
  return run_viewer(std::move(controller), vo);
}
