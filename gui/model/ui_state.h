// The visualizer's state as plain data: the cursor (the selected trace record, which every view
// shows), playback, selections, filters, the space-time axis, and the queue of Commands the user
// asked for (crash, restart, partition...), which the controller hands to a live source between
// simulation steps. Panels read and write it; nothing here draws.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "gui/model/layout.h"
#include "gui/model/timeline.h"

namespace zablab::gui {

// Which records the views show. Hidden records are skipped by stepping and not drawn.
struct Filter {
  std::array<bool, kCategoryCount> show{};
  static Filter defaults();  // everything but heartbeats, connection plumbing, disk and timers
  static Filter all();
  bool visible(Category c) const { return show[static_cast<std::size_t>(c)]; }
  void set(Category c, bool on) { show[static_cast<std::size_t>(c)] = on; }
  bool operator==(const Filter&) const = default;
};

enum class AxisMode : std::uint8_t { order, time, lamport };
std::string_view axis_mode_name(AxisMode m);

enum class CommandKind : std::uint8_t {
  crash,       // a: server (a power loss and a kill at once: the simulator's `crash`)
  kill,        // a: server; the process dies, its un-fsynced writes survive in the page cache
  power_off,   // a: server; the machine stops: un-fsynced writes lost, peers notice by timeout
  restart,     // a: server
  isolate,     // a: endpoint, cut off both ways from everyone
  partition,   // groups
  heal,        // every link
  block,       // a -> b one way
  unblock,     // a -> b
  write,       // a: client; text: path
  add_client,  // a new client of every server
  drop_client, // a: client; its connection is reset (it reconnects, its session lives on)
  client_op,   // a: client; op: create|set|get|exists|ls|delete|sync|close; text: path; data
};

struct Command {
  CommandKind kind = CommandKind::heal;
  EndpointId a = kNoEndpoint;
  EndpointId b = kNoEndpoint;
  std::vector<std::vector<EndpointId>> groups;
  std::string text;
  // client_op
  std::string op;
  std::string data;
  bool ephemeral = false;  // create
  bool watch = false;      // get / exists / ls: leave a watch
};
std::string describe(const Command& command);

enum class InspectorTab : std::uint8_t { server, message, votes, clients, deliver, sessions };

// A move of the cursor a panel asks for; the controller carries it out before the next frame.
struct Navigation {
  enum class Kind : std::uint8_t { select, forward, back, start, end, time, next_category, record, rewind };
  Kind kind = Kind::select;
  std::uint64_t seq = 0;         // select, record (jump to that record), rewind (branch the live world there)
  Nanos time = 0;                // time
  Category category = Category::zab;  // next_category
};

struct UiState {
  // --- the cursor and playback ---
  std::int64_t cursor = -1;   // the current record's seq (-1: before the first)
  bool playing = false;
  double speed = 6;           // visible events per second while playing
  double fraction = 0;        // progress toward the next visible event while playing
  double display = -1;        // the animated playhead, in visible-event positions

  // --- selections ---
  std::optional<EndpointId> selected_server;
  std::optional<std::size_t> selected_message;
  InspectorTab tab = InspectorTab::votes;
  bool tab_requested = false;  // the tab changed from outside the inspector (a click elsewhere)

  // --- views ---
  Filter filter = Filter::defaults();
  AxisMode axis_mode = AxisMode::order;
  Axis axis;
  // The ensemble view: where each server is drawn now; it glides to its place when a partition
  // splits the ring into groups or a heal joins them (gui/panels/draw_ensemble).
  std::map<EndpointId, Vec2> server_shown_at;
  float frame_dt = 0;  // seconds since the last frame (Controller::update)
  bool axis_fit = true;          // fit the axis to the whole trace on the next frame
  bool axis_follow = true;       // scroll the axis to keep the cursor visible
  std::int64_t axis_seen_cursor = -2;  // the cursor the axis last scrolled to
  bool axis_fit_all = false;     // fit the whole trace (else: a readable window around the cursor)
  bool events_scroll = true;     // scroll the event list to the cursor on the next frame
  bool show_phase_lanes = true;
  bool show_labels = true;       // message labels on the ring
  bool show_clients = true;

  // --- cursor moves asked for by panels (applied by Controller::update) ---
  std::vector<Navigation> navigation;
  void go(Navigation::Kind kind) { navigation.push_back(Navigation{kind, 0, 0, Category::zab}); }
  void select(std::uint64_t seq) { navigation.push_back(Navigation{Navigation::Kind::select, seq, 0, Category::zab}); }

  // --- commands for a live world ---
  std::vector<Command> commands;
  std::array<bool, 16> partition_side{};  // servers ticked for "partition these from the rest"
  EndpointId menu_server = kNoEndpoint;   // the server a context menu is open for
  EndpointId command_server = 1;          // the server the control bar's buttons act on
  int jump_ms = 0;                        // the control bar's "go to ms" field
  int jump_record = 0;                    // the control bar's "go to #" field
  int focus_jump = 0;                     // keyboard: 1 focus the ms field, 2 the # field

  // --- manual delivery (live): the teacher picks which held message arrives next ---
  bool manual_delivery = false;           // wanted; the controller switches the source
  struct Delivery {
    std::uint64_t conn = 0;
    EndpointId from = kNoEndpoint;
  };
  std::vector<Delivery> deliveries;       // asked for, applied by Controller::update in order

  // --- the client console (live) ---
  EndpointId console_client = kNoEndpoint;
  std::array<char, 128> console_path{'/', 'a'};
  std::array<char, 128> console_data{'v'};
  std::vector<std::string> console_log;   // what was asked, newest last

  // --- recording (the viewer writes the timeline to this trace.db between frames) ---
  std::string record_to;
  std::array<char, 256> record_path{'s', 'e', 's', 's', 'i', 'o', 'n', '.', 'd', 'b'};

  // --- switching source (the viewer builds a new controller between frames) ---
  std::vector<std::string> source_menu;  // "live 3", "live 5", ..., scenario files
  std::string open_source;               // a menu entry asked for ("" = none)

  // --- feedback ---
  std::string status;
  std::int64_t frame = 0;
};

}  // namespace zablab::gui
