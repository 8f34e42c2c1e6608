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
  if (source_->pull(timeline_) > 0) {
    visible_.extend(timeline_);
    windows_.follow(timeline_);
  }
}

bool Controller::fetch_more() {
  if (!source_->live()) {
    // A replay still loading: index its next chunk.
    const std::size_t before = timeline_.size();
    pull();
    return timeline_.size() > before;
  }
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
  while (!source_->live() && source_->loading() && t > timeline_.end_time() && fetch_more()) {
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
  while (!source_->live() && source_->loading() && fetch_more()) {
  }
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
  if (ui_.manual_delivery != source_->manual_delivery() && source_->live()) set_manual_delivery(ui_.manual_delivery);
  auto deliveries = std::move(ui_.deliveries);
  ui_.deliveries.clear();
  for (const auto& d : deliveries) deliver(d.conn, d.from);
  if (ui_.commands.empty()) return;
  auto commands = std::move(ui_.commands);
  ui_.commands.clear();
  for (const auto& c : commands) {
    std::string error;
    // A command changes the world at the cursor: if the teacher went back, the world goes back
    // there too (a new branch); then the newest record is shown, so cause and effect line up.
    if (source_->live() && ui_.cursor >= 0 && static_cast<std::size_t>(ui_.cursor) + 1 < timeline_.size())
      rewind_to_cursor();
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
      case Navigation::Kind::record: jump_to_record(n.seq); break;
      case Navigation::Kind::rewind:
        select(n.seq);
        rewind_to_cursor();
        break;
    }
    if (n.kind != Navigation::Kind::select) ui_.playing = false;
  }
}

void Controller::update(double dt) {
  ++ui_.frame;
  ui_.frame_dt = static_cast<float>(dt);
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

void Controller::reload() {
  timeline_ = Timeline();
  windows_ = ViolationWindows();
  cache_.reset();
  visible_.rebuild(timeline_, ui_.filter);
  pull();
  refreshed_cursor_ = -2;
  ui_.selected_message.reset();
  ui_.axis_fit = true;
  ui_.display = -1;
}

bool Controller::rewind_to_cursor() {
  if (ui_.cursor < 0) return false;
  if (!source_->live()) {
    ui_.status = "replay: stepping back is just moving the cursor";
    return false;
  }
  std::string error;
  const auto seq = static_cast<std::uint64_t>(ui_.cursor);
  if (!source_->rewind(seq, error)) {
    ui_.status = "cannot go back: " + error;
    return false;
  }
  reload();
  ui_.playing = false;
  ui_.manual_delivery = source_->manual_delivery();
  ui_.status = "the world is back at #" + std::to_string(seq) + " (" + time_text(timeline_.at(seq).time_ns) +
               "); what happens next is a new branch";
  return true;
}

bool Controller::set_manual_delivery(bool on) {
  std::string error;
  if (!source_->set_manual_delivery(on, error)) {
    ui_.status = error;
    ui_.manual_delivery = false;
    return false;
  }
  ui_.manual_delivery = on;
  ui_.status = on ? "manual delivery: peer messages wait until you pick one (Deliver tab)"
                  : "manual delivery off: held messages are on their way";
  if (on) {
    ui_.tab = InspectorTab::deliver;
    ui_.tab_requested = true;
  }
  pull();
  return true;
}

bool Controller::deliver(ConnId conn, EndpointId from) {
  if (source_->live() && ui_.cursor >= 0 && static_cast<std::size_t>(ui_.cursor) + 1 < timeline_.size()) {
    // Delivering from the past: go back there first (the pending list shown was the world's).
    if (!rewind_to_cursor()) return false;
  }
  std::string error;
  const std::size_t before = timeline_.size();
  std::string field;
  for (const auto& m : source_->pending_deliveries())
    if (m.conn == conn && m.from == from) field = "\"send_seq\":" + std::to_string(m.send_seq);
  if (!source_->deliver(conn, from, error)) {
    ui_.status = "deliver: " + error;
    return false;
  }
  pull();
  // Show the arrival: the first net.deliver (or drop) after `before` on that connection.
  for (std::size_t s = before; s < timeline_.size(); ++s) {
    const auto& r = timeline_.at(s);
    if ((r.kind == sim::trace_kind::deliver || r.kind == sim::trace_kind::drop) && !field.empty() &&
        r.detail.find(field) != std::string::npos) {
      if (!visible_.visible(s)) {
        // Make it visible: the teacher asked for exactly this message.
        Filter f = ui_.filter;
        f.set(timeline_.category(s), true);
        set_filter(f);
      }
      select(s);
      break;
    }
  }
  ui_.status = "delivered the message from " + endpoint_name(from) + " (connection " + std::to_string(conn) + ")";
  return true;
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
  pending_ = source_->pending_deliveries();
}

}  // namespace zablab::gui
