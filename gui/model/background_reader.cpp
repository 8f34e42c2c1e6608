#include "gui/model/background_reader.h"

#include <utility>

namespace zablab::gui {

BackgroundReader::BackgroundReader(std::unique_ptr<sim::record::EventReader> reader, std::size_t batch,
                                   std::size_t ahead)
    : reader_(std::move(reader)), batch_(batch), ahead_(ahead) {
  start();
}

BackgroundReader::~BackgroundReader() { stop(); }

void BackgroundReader::start() {
  finished_ = false;
  stopping_ = false;
  error_.clear();
  read_ = 0;
#ifndef __EMSCRIPTEN__
  thread_ = std::thread([this] { run_thread(); });
#endif
}

void BackgroundReader::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  changed_.notify_all();
  if (thread_.joinable()) thread_.join();
  ready_.clear();
}

void BackgroundReader::run_thread() {
  for (;;) {
    {
      std::unique_lock lock(mutex_);
      changed_.wait(lock, [&] { return stopping_ || ready_.size() < ahead_; });
      if (stopping_) return;
    }
    if (read_batch()) return;
  }
}

bool BackgroundReader::read_batch() {
  std::vector<TraceRecord> records;
  records.reserve(batch_);
  std::string failure;
  try {
    reader_->read(batch_, records);  // SQLite, outside the lock
  } catch (const std::exception& e) {
    failure = "reading stopped after record " + std::to_string(read_ + records.size()) + ": " + e.what();
  }
  read_ += records.size();
  const bool end = !failure.empty() || reader_->done();
  {
    std::lock_guard lock(mutex_);
    if (!records.empty()) ready_.push_back(std::move(records));
    if (end) {
      finished_ = true;
      error_ = failure;
    }
  }
  changed_.notify_all();
  return end;
}

std::size_t BackgroundReader::take(std::size_t max, std::vector<TraceRecord>& out) {
  std::deque<std::vector<TraceRecord>> taken;
#ifdef __EMSCRIPTEN__
  // The browser build has no threads: take() reads what it hands over, up to `max` records (a
  // frame's slice), on the page's one thread (so nobody else touches finished_).
  for (std::size_t queued = 0; !finished_ && queued < max; queued += batch_) read_batch();
#endif
  {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [&] { return !ready_.empty() || finished_; });
    std::size_t n = 0;
    while (!ready_.empty() && (n == 0 || n + ready_.front().size() <= max)) {
      n += ready_.front().size();
      taken.push_back(std::move(ready_.front()));
      ready_.pop_front();
    }
  }
  changed_.notify_all();  // room to read ahead again
  std::size_t n = 0;
  for (auto& records : taken) {
    n += records.size();
    for (TraceRecord& r : records) out.push_back(std::move(r));
  }
  return n;
}

bool BackgroundReader::done() const {
  std::lock_guard lock(mutex_);
  return finished_ && ready_.empty();
}

std::string BackgroundReader::error() const {
  std::lock_guard lock(mutex_);
  return error_;
}

void BackgroundReader::restart() {
  stop();
  reader_->restart();
  start();
}

}  // namespace zablab::gui
