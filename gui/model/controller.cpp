#include "gui/model/controller.h"

#include <algorithm>

namespace zablab::gui {

namespace {
constexpr int kMaxStepsPerFrame = 20000;
constexpr int kMaxFetchPerStep = 200000;
}  // namespace

Controller::Controller(std::unique_ptr<TraceSource> source) : source_(std::move(source)) {
  visible_.rebuild(timeline_, ui_.filter);
  pull();
  if (ui_.cursor < 0) move_to(visible_.next(-1));
  ui_.display = visible_.position(ui_.cursor);
  refresh();
}

void Controller::pull() {
  if (source_->pull(timeline_) > 0) visible_.extend(timeline_);
}

bool Controller::fetch_more() {
  if (!source_->live()) return false;
  if (!source_->advance()) return false;
  pull();
  return true;
}

bool Controller::move_to(std::optional<std::uint64_t> seq) {
  if (!seq) return false;
  ui_.cursor = static_cast<std::int64_t>(*seq);
  ui_.events_scroll = true;
  return true;
}

bool Controller::at_head() const { return !visible_.next(ui_.cursor).has_value(); }

void Controller::step_forward() {
  auto next = visible_.next(ui_.cursor);
  for (int i = 0; !next && i < kMaxFetchPerStep && fetch_more(); ++i) next = visible_.next(ui_.cursor);
  move_to(next);
}

void Controller::step_back() { move_to(visible_.prev(ui_.cursor)); }

void Controller::select(std::uint64_t seq) {
  if (seq >= timeline_.size()) return;
  ui_.cursor = static_cast<std::int64_t>(seq);
  ui_.events_scroll = true;
  ui_.playing = false;
  if (auto m = timeline_.message_of(seq)) ui_.selected_message = *m;
  const EndpointId node = timeline_.at(seq).node;
  if (node > 0 && node < 1000) ui_.selected_server = node;
}

void Controller::jump_to_time(Nanos t) {
  if (source_->live() && t > timeline_.end_time()) {
    source_->run_to(t);
    pull();
  }
  if (auto s = timeline_.last_at_or_before(t)) move_to(visible_.at_or_before(static_cast<std::int64_t>(*s)));
}

void Controller::jump_to_record(std::uint64_t seq) {
  for (int i = 0; timeline_.size() <= seq && i < kMaxFetchPerStep && fetch_more(); ++i) {
  }
  if (seq < timeline_.size()) move_to(seq);
}

void Controller::jump_to_start() { move_to(visible_.next(-1)); }

void Controller::jump_to_end() {
  if (!visible_.seqs().empty()) move_to(visible_.seqs().back());
}

void Controller::jump_to_next(Category c) {
  std::int64_t from = ui_.cursor;
  for (int fetched = 0;;) {
    for (auto next = visible_.next(from); next; next = visible_.next(static_cast<std::int64_t>(*next))) {
      if (timeline_.category(*next) == c) {
        move_to(next);
        return;
      }
      from = static_cast<std::int64_t>(*next);
    }
    if (fetched++ >= kMaxFetchPerStep || !fetch_more()) return;
  }
}

void Controller::set_filter(const Filter& filter) {
  ui_.filter = filter;
  visible_.rebuild(timeline_, filter);
  ui_.axis_fit = true;
}

void Controller::play(bool on) {
  ui_.playing = on;
  ui_.fraction = 0;
}

void Controller::apply_commands() {
  if (ui_.commands.empty()) return;
  auto commands = std::move(ui_.commands);
  ui_.commands.clear();
  for (const auto& c : commands) {
    std::string error;
    // A command changes the world now: show the newest record first, so cause and effect line up.
    if (source_->live()) jump_to_end();
    if (source_->apply(c, error)) {
      ui_.status = describe(c);
      pull();
    } else {
      ui_.status = describe(c) + ": " + error;
    }
  }
}

void Controller::navigate() {
  auto requests = std::move(ui_.navigation);
  ui_.navigation.clear();
  for (const auto& n : requests) {
    switch (n.kind) {
      case Navigation::Kind::select: select(n.seq); break;
      case Navigation::Kind::forward: step_forward(); break;
      case Navigation::Kind::back: step_back(); break;
      case Navigation::Kind::start: jump_to_start(); break;
      case Navigation::Kind::end: jump_to_end(); break;
      case Navigation::Kind::time: jump_to_time(n.time); break;
      case Navigation::Kind::next_category: jump_to_next(n.category); break;
    }
    if (n.kind != Navigation::Kind::select) ui_.playing = false;
  }
}

void Controller::update(double dt) {
  ++ui_.frame;
  apply_commands();
  pull();
  if (!(ui_.filter == visible_.filter())) set_filter(ui_.filter);
  if (ui_.cursor < 0) move_to(visible_.next(-1));
  navigate();

  if (ui_.playing) {
    ui_.fraction += std::max(0.0, ui_.speed * dt);
    for (int i = 0; ui_.fraction >= 1 && i < kMaxStepsPerFrame; ++i) {
      const std::int64_t was = ui_.cursor;
      step_forward();
      if (ui_.cursor == was) {  // the end of a replay (or a world with nothing left)
        ui_.fraction = 0;
        if (!source_->live()) ui_.playing = false;
        break;
      }
      ui_.fraction -= 1;
    }
    if (ui_.fraction >= 1) ui_.fraction = 0.999;
  }
  const double target = visible_.position(ui_.cursor) + (ui_.playing ? std::min(ui_.fraction, 0.999) : 0.0);
  if (ui_.playing || ui_.display < 0 || std::abs(ui_.display - target) > 50)
    ui_.display = target;
  else
    ui_.display = glide(ui_.display, target, dt, 10);
  refresh();
}

void Controller::refresh() {
  if (ui_.cursor != refreshed_cursor_ || timeline_.size() != refreshed_size_) {
    const bool cursor_moved = ui_.cursor != refreshed_cursor_;
    refreshed_cursor_ = ui_.cursor;
    refreshed_size_ = timeline_.size();
    if (cursor_moved || state_.last_seq != ui_.cursor) {
      before_ = cache_.at(timeline_, ui_.cursor - 1);
      state_ = cache_.at(timeline_, ui_.cursor);
      if (ui_.cursor >= 0)
        explanation_ = explain(timeline_, static_cast<std::uint64_t>(ui_.cursor), before_, state_);
      else
        explanation_ = Explanation{"Nothing has happened yet", {}, ""};
      votes_ = build_vote_matrix(state_);
    }
  }
  flights_ = in_flight(timeline_, visible_, ui_.display, ui_.cursor);
}

}  // namespace zablab::gui
