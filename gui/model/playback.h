// Stepping and animation in "visible event" units: the filter picks which records count, each
// visible record sits at one integer position, and the playhead moves between positions (one per
// step, or `speed` per second while playing). A message is drawn while the playhead lies between
// its send and its delivery (or loss), at the matching fraction of its lane.
//
// Pure (no ImGui), single-threaded.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "gui/model/timeline.h"
#include "gui/model/ui_state.h"

namespace zablab::gui {

class VisibleIndex {
 public:
  void rebuild(const Timeline& timeline, const Filter& filter);
  // Indexes records appended to the timeline since the last call.
  void extend(const Timeline& timeline);
  const Filter& filter() const { return filter_; }

  std::size_t count() const { return seqs_.size(); }
  const std::vector<std::uint64_t>& seqs() const { return seqs_; }
  bool visible(std::uint64_t seq) const;
  // How many visible records have seq <= `seq`.
  std::size_t rank(std::int64_t seq) const;
  // A record's position: its index among visible records if visible, else halfway between the
  // visible records around it (so hidden records still order correctly).
  double position(std::int64_t seq) const;
  std::optional<std::uint64_t> next(std::int64_t seq) const;  // first visible after seq
  std::optional<std::uint64_t> prev(std::int64_t seq) const;  // last visible before seq
  std::optional<std::uint64_t> at_or_before(std::int64_t seq) const;

 private:
  Filter filter_ = Filter::defaults();
  std::size_t indexed_ = 0;  // timeline records examined
  std::vector<std::uint64_t> seqs_;
};

struct Flight {
  std::size_t message = 0;
  float progress = 0;  // 0 at the sender, 1 at the receiver
  bool lost = false;   // dropped or lost: drawn briefly where it died
};

// The messages in the air at playhead `display` (a position), with the cursor at `cursor`.
// Messages whose category is hidden are not shown.
std::vector<Flight> in_flight(const Timeline& timeline, const VisibleIndex& visible, double display,
                              std::int64_t cursor);

}  // namespace zablab::gui
