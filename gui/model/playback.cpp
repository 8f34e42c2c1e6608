#include "gui/model/playback.h"

#include <algorithm>
#include <cmath>

namespace zablab::gui {

void VisibleIndex::rebuild(const Timeline& timeline, const Filter& filter) {
  filter_ = filter;
  seqs_.clear();
  indexed_ = 0;
  extend(timeline);
}

void VisibleIndex::extend(const Timeline& timeline) {
  for (; indexed_ < timeline.size(); ++indexed_)
    if (filter_.visible(timeline.category(indexed_))) seqs_.push_back(indexed_);
}

bool VisibleIndex::visible(std::uint64_t seq) const { return std::binary_search(seqs_.begin(), seqs_.end(), seq); }

std::size_t VisibleIndex::rank(std::int64_t seq) const {
  if (seq < 0) return 0;
  return static_cast<std::size_t>(
      std::upper_bound(seqs_.begin(), seqs_.end(), static_cast<std::uint64_t>(seq)) - seqs_.begin());
}

double VisibleIndex::position(std::int64_t seq) const {
  const std::size_t r = rank(seq);
  if (seq >= 0 && r > 0 && seqs_[r - 1] == static_cast<std::uint64_t>(seq)) return static_cast<double>(r - 1);
  return static_cast<double>(r) - 0.5;
}

std::optional<std::uint64_t> VisibleIndex::next(std::int64_t seq) const {
  const std::size_t r = rank(seq);
  if (r >= seqs_.size()) return std::nullopt;
  return seqs_[r];
}

std::optional<std::uint64_t> VisibleIndex::prev(std::int64_t seq) const {
  if (seq <= 0) return std::nullopt;
  const std::size_t r = rank(seq - 1);
  if (r == 0) return std::nullopt;
  return seqs_[r - 1];
}

std::optional<std::uint64_t> VisibleIndex::at_or_before(std::int64_t seq) const {
  const std::size_t r = rank(seq);
  if (r == 0) return std::nullopt;
  return seqs_[r - 1];
}

std::vector<Flight> in_flight(const Timeline& timeline, const VisibleIndex& visible, double display,
                              std::int64_t cursor) {
  std::vector<Flight> out;
  if (cursor < 0) return out;
  const Nanos now = timeline.at(static_cast<std::uint64_t>(cursor)).time_ns;
  // Lost messages stay drawn until the playhead is 1.5 positions past their end: nothing that
  // ended before the visible record two positions back can show.
  std::uint64_t seq_lo = 0;
  const auto& seqs = visible.seqs();
  if (!seqs.empty() && display >= 2) {
    const auto k = std::min(seqs.size() - 1, static_cast<std::size_t>(std::floor(display - 2)));
    seq_lo = seqs[k];
  }
  std::vector<std::size_t> candidates;
  timeline.messages_overlapping(seq_lo, static_cast<std::uint64_t>(cursor), candidates);
  const std::size_t first = candidates.size() > 4096 ? candidates.size() - 4096 : 0;  // the newest, if crowded
  for (std::size_t k = first; k < candidates.size(); ++k) {
    const std::size_t i = candidates[k];
    const Message& m = timeline.message(i);
    if (!visible.filter().visible(m.category)) continue;
    const double start = visible.position(static_cast<std::int64_t>(m.send_seq));
    if (m.end_seq >= 0 && m.end_seq <= cursor) {
      // Arrived or died. A lost message stays visible for a short while where it died.
      if (m.fate == Message::Fate::delivered) continue;
      const double end = visible.position(m.end_seq);
      if (display - end < 1.5) out.push_back({i, 0.5f, true});
      continue;
    }
    float p;
    if (m.end_seq >= 0) {
      p = static_cast<float>(progress(display, start, visible.position(m.end_seq)));
    } else {
      // Still in the air at the end of what we know: move by virtual time, never quite arriving.
      p = static_cast<float>(std::clamp(static_cast<double>(now - m.sent_ns) / 400000.0, 0.0, 0.85));
    }
    out.push_back({i, p, false});
  }
  return out;
}

}  // namespace zablab::gui
