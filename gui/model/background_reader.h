// A trace.db read on a second thread while the view indexes what has arrived: reading SQLite rows
// into records and indexing them take about the same time, so on two cores a million-event trace
// is scrubbable end to end in about half the time. One reader, one taker, records in seq order
// (the order, and so what the view shows, is the same as reading on one thread). In the browser
// build (__EMSCRIPTEN__, no threads) take() reads each batch itself.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "gui/model/timeline.h"
#include "sim/record/trace_db.h"

namespace zablab::gui {

class BackgroundReader {
 public:
  // Starts reading at once. `batch`: records per read; `ahead`: batches read but not taken yet, at
  // most (the memory bound).
  explicit BackgroundReader(std::unique_ptr<sim::record::EventReader> reader, std::size_t batch = 20000,
                            std::size_t ahead = 10);
  ~BackgroundReader();
  BackgroundReader(const BackgroundReader&) = delete;
  BackgroundReader& operator=(const BackgroundReader&) = delete;

  const sim::record::RunInfo& run() const { return reader_->run(); }
  std::uint64_t count() const { return reader_->count(); }

  // Moves whole batches, about `max` records, onto `out`; waits only while nothing has been read
  // yet and reading goes on. Returns how many.
  std::size_t take(std::size_t max, std::vector<TraceRecord>& out);
  // Every record has been read and taken (or reading failed: see error()).
  bool done() const;
  // Why reading stopped early ("" if it did not), naming the record it stopped at.
  std::string error() const;
  // Back to the first record.
  void restart();

 private:
  void start();
  void stop();
  void run_thread();
  // Reads one batch onto ready_; true at the end (or on an error). The browser build (no threads)
  // calls it from take().
  bool read_batch();

  std::unique_ptr<sim::record::EventReader> reader_;
  const std::size_t batch_;
  const std::size_t ahead_;
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<std::vector<TraceRecord>> ready_;  // guarded by mutex_
  bool finished_ = false;                        // guarded: the reader has no more
  bool stopping_ = false;                        // guarded
  std::string error_;                            // guarded
  std::uint64_t read_ = 0;                       // records read (the reader thread's own)
  std::thread thread_;
};

}  // namespace zablab::gui
