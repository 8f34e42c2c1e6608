// Session liveness: which sessions exist, their negotiated timeouts, passwords and deadlines.
//
// Deadlines sit in tickTime buckets, as in ZooKeeper's ExpiryQueue: a session touched at `now`
// expires at the first multiple of tickTime after now + timeout, so one timer per bucket expires
// many sessions at once. Pure bookkeeping: the server turns expiries into closeSession txns.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace zablab::server {

struct Session {
  std::int64_t id = 0;
  std::int32_t timeout_ms = 0;
  std::int64_t deadline_ms = 0;  // bucket time
  bool closing = false;          // closeSession proposed or expired: refuses new work
};

class SessionTracker {
 public:
  // Session ids are ZooKeeper's: ((start_ms << 24) >>> 8) | (server_id << 56), +1 per session.
  SessionTracker(std::int64_t server_id, std::int32_t tick_ms, std::int64_t start_wall_ms);

  std::int64_t next_session_id();
  // The 16-byte password of a session: depends only on its id, so every server agrees.
  static std::string password_for(std::int64_t session_id);

  void add(std::int64_t id, std::int32_t timeout_ms, std::int64_t now_ms);
  // Moves the deadline; false if unknown or closing.
  bool touch(std::int64_t id, std::int64_t now_ms);
  void set_closing(std::int64_t id);
  void remove(std::int64_t id);

  const Session* find(std::int64_t id) const;
  const std::map<std::int64_t, Session>& sessions() const { return sessions_; }

  // Sessions whose deadline is <= now and not yet closing, in id order; they are marked closing.
  std::vector<std::int64_t> take_expired(std::int64_t now_ms);
  // The earliest deadline among live sessions.
  std::optional<std::int64_t> next_deadline() const;

 private:
  std::int64_t bucket(std::int64_t t) const { return (t / tick_ms_ + 1) * tick_ms_; }
  void unbucket(const Session& s);

  std::int32_t tick_ms_;
  std::int64_t next_id_;
  std::map<std::int64_t, Session> sessions_;
  std::map<std::int64_t, std::set<std::int64_t>> buckets_;  // deadline -> session ids
};

}  // namespace zablab::server
