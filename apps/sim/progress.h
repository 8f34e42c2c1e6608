// The fuzz sweep's progress: a bar redrawn in place on a terminal, nothing otherwise (the sweep
// then prints one plain line per seed instead). Reads the wall clock: apps/ only.
#pragma once

#include <chrono>
#include <cstdint>
#include <ostream>
#include <string>

namespace zablab::simcli {

class ProgressBar {
 public:
  // `out` is where the bar goes (stderr); `enabled` false makes every call a no-op.
  ProgressBar(std::ostream& out, bool enabled, std::uint64_t total, std::string what);
  void update(std::uint64_t done, std::uint64_t failures, bool force = false);
  // Erases the bar, so that what comes next starts on a clean line.
  void clear();
  double seconds() const;

 private:
  std::ostream& out_;
  bool enabled_;
  std::uint64_t total_;
  std::string what_;
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_draw_{};
  bool drawn_ = false;
};

// Whether the file descriptor is a terminal.
bool is_terminal(int fd);

}  // namespace zablab::simcli
