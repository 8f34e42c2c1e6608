#include "apps/sim/progress.h"

#include <unistd.h>

#include <cstdio>

namespace zablab::simcli {

bool is_terminal(int fd) { return ::isatty(fd) == 1; }

ProgressBar::ProgressBar(std::ostream& out, bool enabled, std::uint64_t total, std::string what)
    : out_(out), enabled_(enabled), total_(total), what_(std::move(what)), start_(std::chrono::steady_clock::now()) {}

double ProgressBar::seconds() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
}

void ProgressBar::update(std::uint64_t done, std::uint64_t failures, bool force) {
  if (!enabled_) return;
  const auto now = std::chrono::steady_clock::now();
  // A redraw every 100 ms is plenty, and keeps a fast sweep from spending its time drawing.
  if (!force && drawn_ && now - last_draw_ < std::chrono::milliseconds(100)) return;
  last_draw_ = now;
  drawn_ = true;
  constexpr int kWidth = 30;
  const int filled = total_ == 0 ? kWidth : static_cast<int>(done * kWidth / total_);
  std::string bar(static_cast<std::size_t>(filled), '#');
  bar.resize(kWidth, '.');
  const double secs = seconds();
  char rate[64];
  std::snprintf(rate, sizeof rate, "%.0f/min", secs > 0 ? static_cast<double>(done) * 60.0 / secs : 0.0);
  out_ << "\r[" << bar << "] " << done << "/" << total_ << " " << what_ << ", " << failures
       << (failures == 1 ? " failure, " : " failures, ") << rate << "   " << std::flush;
}

void ProgressBar::clear() {
  if (!enabled_ || !drawn_) return;
  out_ << "\r" << std::string(100, ' ') << "\r" << std::flush;
  drawn_ = false;
}

}  // namespace zablab::simcli
