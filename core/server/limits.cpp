// Resource limits of the client side (docs/hardening.md): throttling of outstanding requests
// and of clients that leave their replies unread, and the bounds on watch entries.
//
// Throttling, as ZooKeeper does it, slows a client down rather than refusing it: the server stops
// taking frames off a connection that has too many requests outstanding and asks the Env to stop
// reading it, so the bytes wait in the client's socket and TCP's window pushes back on the client.
// Frames already read stay whole in the connection's FrameDecoder (at most one read's worth).
// Once answers went out (flush_dirty), resume_reading takes the buffered frames and resumes.
//
// A client that sends requests and does not read the replies is held back the same way: while
// the Env reports its output full (Env::client_output_full) the server takes no frames off it and
// runs none of its queued reads (drain), so at most one reply beyond the Env's bound is ever made
// for it; Node::on_client_drained goes on once it has read.
#include <string>

#include "core/server/server_core.h"
#include "core/util/log_text.h"

namespace zablab::server {

bool ServerCore::throttled(const Connection& c) const {
  if (env_.client_output_full(c.id)) return true;
  const std::size_t mine = c.queue.size() + c.held.size();
  if (config_.max_outstanding_per_connection > 0 &&
      mine >= static_cast<std::size_t>(config_.max_outstanding_per_connection))
    return true;
  // ZooKeeper's shouldThrottle: over the global limit, every connection that is waiting for an
  // answer pauses; one with nothing outstanding may still send one request.
  return config_.global_outstanding_limit > 0 &&
         outstanding_ >= static_cast<std::size_t>(config_.global_outstanding_limit) && mine > 0;
}

void ServerCore::pump(ConnId id) {
  for (;;) {
    auto it = conns_.find(id);
    if (it == conns_.end()) return;  // a frame closed the connection
    Connection& c = it->second;
    if (throttled(c)) break;
    std::string frame;
    const auto status = c.frames.next(frame);
    if (status == jute::FrameDecoder::Status::need_more) break;
    if (status != jute::FrameDecoder::Status::frame) {
      // ZooKeeper closes without a reply: the client sees a lost connection and nothing applied.
      close_connection(id, "frame length " + std::to_string(c.frames.bad_length()) +
                               (status == jute::FrameDecoder::Status::too_large
                                    ? " exceeds jute.maxbuffer " + std::to_string(config_.max_buffer)
                                    : " is negative"));
      return;
    }
    c.saw_frame = true;
    handle_frame(c, std::move(frame));
  }
  auto it = conns_.find(id);
  if (it != conns_.end()) update_reading(it->second);
}

void ServerCore::update_reading(Connection& c) {
  const bool pause = throttled(c);
  if (pause == c.reading_paused) return;
  c.reading_paused = pause;
  if (pause) {
    paused_.insert(c.id);
    env_.log(LogLevel::debug, "throttling connection " + c.remote + ": " +
                                  std::to_string(c.queue.size() + c.held.size()) + " requests outstanding (" +
                                  std::to_string(outstanding_) + " in all)" +
                                  (env_.client_output_full(c.id) ? ", its replies unread" : ""));
  } else {
    paused_.erase(c.id);
  }
  env_.client_pause_reading(c.id, pause);
}

bool ServerCore::resume_reading() {
  const std::vector<ConnId> ids(paused_.begin(), paused_.end());  // pump may close connections
  for (ConnId id : ids) {
    auto it = conns_.find(id);
    if (it == conns_.end()) {
      paused_.erase(id);
      continue;
    }
    if (!throttled(it->second)) pump(id);
  }
  return !dirty_.empty();
}

bool ServerCore::watch_room(const Connection& c, const std::string& path, bool data, bool child) {
  const std::size_t adding = watches_.new_entries(c.id, path, data, child);
  if (adding == 0) return true;
  if (const auto why = over_watch_limits(c, adding)) {
    env_.log(LogLevel::warn, "connection " + c.remote + ": watch on " + util::loggable(path) + " refused: " + *why);
    return false;
  }
  return true;
}

std::optional<std::string> ServerCore::over_watch_limits(const Connection& c, std::size_t adding) const {
  const auto over = [&](std::size_t held, std::size_t limit, const std::string& who, const char* key)
      -> std::optional<std::string> {
    if (limit == 0 || held + adding <= limit) return std::nullopt;
    return who + " holds " + std::to_string(held) + " watches, " + key + " is " + std::to_string(limit);
  };
  if (auto why = over(watches_.watch_count(c.id), config_.max_watches_per_connection, "the connection",
                      "maxWatchesPerConnection"))
    return why;
  if (auto why = over(watches_.address_watch_count(c.address), config_.max_watches_per_address,
                      "address " + c.address, "maxWatchesPerAddress"))
    return why;
  return over(watches_.watch_count(), config_.max_watches, "the server", "maxWatches");
}

}  // namespace zablab::server
