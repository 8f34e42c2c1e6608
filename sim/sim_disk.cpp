#include "sim/sim_disk.h"

#include <algorithm>

#include "sim/check.h"
#include "sim/json.h"

namespace zablab::sim {

SimDisk::SimDisk(Simulator& sim, EndpointId node, std::uint64_t seed, DiskOptions options)
    : sim_(sim), node_(node), prng_(seed), options_(std::move(options)) {}

void SimDisk::append(const std::string& file, std::string bytes, DiskToken token) {
  submit(Op{OpKind::append, file, std::move(bytes), token, 0, 0, {}}, options_.append_latency);
}

void SimDisk::sync(const std::string& file, DiskToken token) {
  submit(Op{OpKind::sync, file, {}, token, 0, 0, {}}, options_.sync_latency);
}

void SimDisk::write_atomic(const std::string& file, std::string bytes, DiskToken token) {
  // Write the temporary file, fsync it, rename: one fsync's worth of waiting.
  submit(Op{OpKind::write_atomic, file, std::move(bytes), token, 0, 0, {}}, options_.sync_latency);
}

void SimDisk::rename(const std::string& from, const std::string& to, DiskToken token) {
  // An fsync of the file, the rename, an fsync of the directory: one fsync's worth of waiting.
  submit(Op{OpKind::rename, from, {}, token, 0, 0, to}, options_.sync_latency);
}

void SimDisk::submit(Op op, const Latency& latency) {
  op.called_at = sim_.now();
  // FIFO: never complete before the operation called earlier.
  last_completion_ = std::max(sim_.now() + latency.sample(prng_), last_completion_);
  op.event = sim_.at(last_completion_, [this] { complete(); });
  queue_.push_back(std::move(op));
}

void SimDisk::complete() {
  ZL_SIM_ASSERT(!queue_.empty(), "a completion event without a queued operation");
  Op op = std::move(queue_.front());
  queue_.pop_front();
  const DiskStatus status = apply(op);
  static constexpr std::string_view kinds[] = {trace_kind::disk_append, trace_kind::disk_sync, trace_kind::disk_write,
                                               trace_kind::disk_rename};
  Json detail;
  detail.str("file", op.file);
  if (op.kind == OpKind::rename) detail.str("to", op.target);
  if (op.kind == OpKind::append || op.kind == OpKind::write_atomic) detail.num("bytes", static_cast<std::int64_t>(op.bytes.size()));
  detail.num("token", static_cast<std::int64_t>(op.token)).num("latency_ns", sim_.now() - op.called_at);
  detail.boolean("ok", status.ok);
  if (!status.ok) detail.str("error", status.error);
  sim_.record(make_record(kinds[static_cast<int>(op.kind)], node_, kNoEndpoint, kNoEndpoint, detail.done()));
  if (completion_) completion_(op.token, status);
}

std::size_t SimDisk::drop_pending() {
  const std::size_t dropped = queue_.size();
  for (const auto& op : queue_) sim_.cancel(op.event);
  queue_.clear();
  last_completion_ = 0;
  return dropped;
}

DiskStatus SimDisk::apply(const Op& op) {
  switch (op.kind) {
    case OpKind::append: {
      if (full_ || (options_.capacity_bytes && used_ + op.bytes.size() > options_.capacity_bytes))
        return DiskStatus{false, kNoSpace};
      files_[op.file].content += op.bytes;
      used_ += op.bytes.size();
      last_append_file_ = op.file;
      return {};
    }
    case OpKind::sync: {
      if (sync_error_) return DiskStatus{false, kIoError};
      auto it = files_.find(op.file);
      if (it != files_.end()) {
        it->second.durable_size = it->second.content.size();
        it->second.durable_exists = true;
      }
      return {};
    }
    case OpKind::write_atomic: {
      File& f = files_[op.file];
      const std::uint64_t after = used_ - f.content.size() + op.bytes.size();
      if (full_ || (options_.capacity_bytes && after > options_.capacity_bytes)) {
        if (!f.durable_exists && f.content.empty()) files_.erase(op.file);  // the rename never happened
        return DiskStatus{false, kNoSpace};
      }
      f.content = op.bytes;
      f.durable_size = f.content.size();
      f.durable_exists = true;
      used_ = after;
      return {};
    }
    case OpKind::rename: {
      if (sync_error_) return DiskStatus{false, kIoError};
      auto from = files_.find(op.file);
      if (from == files_.end()) return DiskStatus{false, kNoSuchFile};
      File moved = std::move(from->second);
      files_.erase(from);
      moved.durable_size = moved.content.size();
      moved.durable_exists = true;
      if (auto old = files_.find(op.target); old != files_.end()) used_ -= old->second.content.size();
      files_[op.target] = std::move(moved);
      if (last_append_file_ == op.file) last_append_file_.reset();
      return {};
    }
  }
  return {};
}

std::optional<std::string> SimDisk::read(const std::string& file) {
  auto it = files_.find(file);
  if (it == files_.end()) return std::nullopt;
  return it->second.content;
}

std::vector<std::string> SimDisk::list(const std::string& dir) {
  std::vector<std::string> out;
  const std::string prefix = dir + "/";
  for (auto it = files_.lower_bound(prefix); it != files_.end() && it->first.compare(0, prefix.size(), prefix) == 0;
       ++it)
    if (it->first.find('/', prefix.size()) == std::string::npos) out.push_back(it->first.substr(prefix.size()));
  return out;  // files_ is a std::map: already sorted
}

std::uint64_t SimDisk::dir_size(const std::string& dir) {
  // Every file below dir: the simulated disk's directories are prefixes of its file names.
  std::uint64_t total = 0;
  const std::string prefix = dir + "/";
  for (auto it = files_.lower_bound(prefix); it != files_.end() && it->first.compare(0, prefix.size(), prefix) == 0;
       ++it)
    total += it->second.content.size();
  return total;
}

bool SimDisk::truncate(const std::string& file, std::uint64_t size) {
  auto it = files_.find(file);
  if (it == files_.end()) return false;
  File& f = it->second;
  used_ = used_ - f.content.size() + size;
  f.content.resize(size);
  f.durable_size = std::min<std::uint64_t>(f.durable_size, size);
  sim_.record(make_record(trace_kind::disk_truncate, node_, kNoEndpoint, kNoEndpoint,
                          Json().str("file", file).num("size", static_cast<std::int64_t>(size)).done()));
  return true;
}

bool SimDisk::remove(const std::string& file) {
  auto it = files_.find(file);
  if (it == files_.end()) return false;
  used_ -= it->second.content.size();
  files_.erase(it);
  if (last_append_file_ == file) last_append_file_.reset();
  sim_.record(make_record(trace_kind::disk_remove, node_, kNoEndpoint, kNoEndpoint, Json().str("file", file).done()));
  return true;
}

bool SimDisk::make_dirs(const std::string& dir) {
  dirs_.insert(dir);
  return true;
}

void SimDisk::crash() {
  const std::size_t lost_ops = queue_.size();
  for (const auto& op : queue_) sim_.cancel(op.event);
  queue_.clear();
  last_completion_ = 0;
  std::int64_t dropped = 0;
  std::string torn_file;
  std::int64_t torn_kept = -1;
  for (auto it = files_.begin(); it != files_.end();) {
    File& f = it->second;
    const std::uint64_t unsynced = f.content.size() - f.durable_size;
    std::uint64_t keep = f.durable_size;
    if (unsynced > 0 && it->first == last_append_file_ &&
        prng_.chance(options_.tear_numerator, options_.tear_denominator)) {
      const auto extra = static_cast<std::uint64_t>(prng_.uniform(1, static_cast<std::int64_t>(unsynced)));
      keep += extra;
      torn_file = it->first;
      torn_kept = static_cast<std::int64_t>(extra);
    }
    dropped += static_cast<std::int64_t>(f.content.size() - keep);
    used_ -= f.content.size() - keep;
    if (!f.durable_exists && keep == 0) {
      it = files_.erase(it);
      continue;
    }
    f.content.resize(keep);
    f.durable_size = keep;
    f.durable_exists = true;
    ++it;
  }
  last_append_file_.reset();
  Json detail;
  detail.num("lost_ops", static_cast<std::int64_t>(lost_ops)).num("dropped_bytes", dropped);
  if (torn_kept >= 0) detail.str("torn_file", torn_file).num("torn_kept_bytes", torn_kept);
  sim_.record(make_record(trace_kind::disk_crash, node_, kNoEndpoint, kNoEndpoint, detail.done()));
}

void SimDisk::set_full(bool full) {
  full_ = full;
  sim_.record(
      make_record(trace_kind::disk_fault, node_, kNoEndpoint, kNoEndpoint, Json().boolean("full", full).done()));
}

void SimDisk::set_sync_error(bool failing) {
  sync_error_ = failing;
  sim_.record(make_record(trace_kind::disk_fault, node_, kNoEndpoint, kNoEndpoint,
                          Json().boolean("sync_error", failing).done()));
}

std::map<std::string, SimDisk::FileInfo> SimDisk::files() const {
  std::map<std::string, FileInfo> out;
  for (const auto& [name, f] : files_) out[name] = FileInfo{f.content.size(), f.durable_size, f.durable_exists};
  return out;
}

std::optional<std::string> SimDisk::durable_contents(const std::string& file) const {
  auto it = files_.find(file);
  if (it == files_.end() || !it->second.durable_exists) return std::nullopt;
  return it->second.content.substr(0, it->second.durable_size);
}

}  // namespace zablab::sim
