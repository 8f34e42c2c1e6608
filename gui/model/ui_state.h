// The visualizer's state as plain data: the cursor (the selected trace record, which every view
// shows), playback, selections, filters, the space-time axis, and the queue of Commands the user
// asked for (crash, restart, partition...), which the controller hands to a live source between
// simulation steps. Panels read and write it; nothing here draws.
#pragma once

#include <array>
#include <cstdint>
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
  crash,       // a: server
  restart,     // a: server
  isolate,     // a: endpoint, cut off both ways from everyone
  partition,   // groups
  heal,        // every link
  block,       // a -> b one way
  unblock,     // a -> b
  write,       // a: client; text: path
  add_client,  // a new client of every server
};

struct Command {
  CommandKind kind = CommandKind::heal;
  EndpointId a = kNoEndpoint;
  EndpointId b = kNoEndpoint;
  std::vector<std::vector<EndpointId>> groups;
  std::string text;
};
std::string describe(const Command& command);

enum class InspectorTab : std::uint8_t { server, message, votes, clients };

struct UiState {
  // --- the cursor and playback ---
  std::int64_t cursor = -1;   // the current record's seq (-1: before the first)
  bool playing = false;
  double speed = 6;           // visible events per second while playing
  double fraction = 0;        // progress toward the next visible event while playing
  double display = -1;        // the animated playhead, in visible-event positions
  bool follow_head = true;    // live: keep the cursor on the newest record while playing

  // --- selections ---
  std::optional<EndpointId> selected_server;
  std::optional<std::size_t> selected_message;
  InspectorTab tab = InspectorTab::votes;
  bool tab_requested = false;  // the tab changed from outside the inspector (a click elsewhere)

  // --- views ---
  Filter filter = Filter::defaults();
  AxisMode axis_mode = AxisMode::order;
  Axis axis;
  bool axis_fit = true;          // fit the axis to the whole trace on the next frame
  bool axis_follow = true;       // scroll the axis to keep the cursor visible
  bool events_scroll = true;     // scroll the event list to the cursor on the next frame
  bool show_phase_lanes = true;
  bool show_labels = true;       // message labels on the ring
  bool show_clients = true;

  // --- commands for a live world ---
  std::vector<Command> commands;
  std::array<bool, 16> partition_side{};  // servers ticked for "partition these from the rest"

  // --- feedback ---
  std::string status;
  std::int64_t frame = 0;
};

}  // namespace zablab::gui
