#include "core/server/session_tracker.h"

#include <algorithm>

namespace zablab::server {

SessionTracker::SessionTracker(std::int64_t server_id, std::int32_t tick_ms, std::int64_t start_wall_ms)
    : tick_ms_(tick_ms > 0 ? tick_ms : 1) {
  // ZooKeeper's SessionTrackerImpl.initializeNextSessionId: the time in the middle 40 bits makes
  // ids of a restarted server unlikely to collide with its old ones; the server id is the top byte.
  const auto t = static_cast<std::uint64_t>(start_wall_ms);
  std::uint64_t id = (t << 24) >> 8;
  id |= static_cast<std::uint64_t>(server_id) << 56;
  if (id == 0x8000000000000000ULL) ++id;  // reserved for containers
  next_id_ = static_cast<std::int64_t>(id);
}

std::int64_t SessionTracker::next_session_id() {
  std::int64_t id = next_id_++;
  if (static_cast<std::uint64_t>(id) == 0x8000000000000000ULL) id = next_id_++;
  return id;
}

std::string SessionTracker::password_for(std::int64_t session_id) {
  // java.util.Random(sessionId ^ 0xB3415C00).nextBytes(16): a 48-bit LCG, 4 bytes per int,
  // low byte first. Every ZooKeeper server computes the same password for an id this way.
  constexpr std::uint64_t kMult = 0x5DEECE66DULL;
  constexpr std::uint64_t kMask = (1ULL << 48) - 1;
  std::uint64_t seed = (static_cast<std::uint64_t>(session_id ^ 0xB3415C00LL) ^ kMult) & kMask;
  std::string out;
  while (out.size() < 16) {
    seed = (seed * kMult + 0xB) & kMask;
    auto rnd = static_cast<std::uint32_t>(seed >> 16);
    for (int i = 0; i < 4 && out.size() < 16; ++i) {
      out.push_back(static_cast<char>(rnd & 0xFF));
      rnd >>= 8;
    }
  }
  return out;
}

void SessionTracker::add(std::int64_t id, std::int32_t timeout_ms, std::int64_t now_ms) {
  auto& s = sessions_[id];
  if (s.id == id) unbucket(s);
  s.id = id;
  s.timeout_ms = timeout_ms;
  s.closing = false;
  s.deadline_ms = bucket(now_ms + timeout_ms);
  buckets_[s.deadline_ms].insert(id);
}

bool SessionTracker::touch(std::int64_t id, std::int64_t now_ms) {
  auto it = sessions_.find(id);
  if (it == sessions_.end() || it->second.closing) return false;
  Session& s = it->second;
  const std::int64_t deadline = bucket(now_ms + s.timeout_ms);
  if (deadline > s.deadline_ms) {
    unbucket(s);
    s.deadline_ms = deadline;
    buckets_[deadline].insert(id);
  }
  return true;
}

void SessionTracker::set_closing(std::int64_t id) {
  auto it = sessions_.find(id);
  if (it == sessions_.end()) return;
  it->second.closing = true;
  unbucket(it->second);
}

void SessionTracker::remove(std::int64_t id) {
  auto it = sessions_.find(id);
  if (it == sessions_.end()) return;
  unbucket(it->second);
  sessions_.erase(it);
}

const Session* SessionTracker::find(std::int64_t id) const {
  auto it = sessions_.find(id);
  return it == sessions_.end() ? nullptr : &it->second;
}

std::vector<std::int64_t> SessionTracker::take_expired(std::int64_t now_ms) {
  std::vector<std::int64_t> out;
  while (!buckets_.empty() && buckets_.begin()->first <= now_ms) {
    for (std::int64_t id : buckets_.begin()->second) {
      out.push_back(id);
      sessions_[id].closing = true;
    }
    buckets_.erase(buckets_.begin());
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::optional<std::int64_t> SessionTracker::next_deadline() const {
  if (buckets_.empty()) return std::nullopt;
  return buckets_.begin()->first;
}

void SessionTracker::unbucket(const Session& s) {
  auto b = buckets_.find(s.deadline_ms);
  if (b == buckets_.end()) return;
  b->second.erase(s.id);
  if (b->second.empty()) buckets_.erase(b);
}

}  // namespace zablab::server
