// The session and watch timeline: for each session, when it was created, its timeout ticking
// down since the last packet its client sent, its expiry or close, and the ephemeral nodes
// removed with it; for each watch, the read that set it, the notification that fired it and
// the moment the client got it. Built from the trace only (so a replay shows the same).
//
// Two things are inferred, and marked so in the views:
//   - "ticking down": a server resets a session's deadline on every packet from its client; the
//     remaining time shown is timeout - (now - last packet from the client to any server). Real
//     servers expire in tickTime buckets, so the actual expiry may come up to one tick later.
//   - the read that set a watch: requests do not carry their watch flag in the trace, so a
//     fired watch is joined to the same client's last read (getData/exists/getChildren) of
//     that path before the notification.
//
// Pure (no ImGui), single-threaded.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "gui/model/timeline.h"

namespace zablab::gui {

struct SessionSpan {
  std::int64_t id = 0;
  EndpointId client = kNoEndpoint;  // the client that owns it (kNoEndpoint until it connects)
  std::int32_t timeout_ms = 0;
  std::uint64_t created_seq = 0;
  Nanos created_ns = 0;
  Nanos last_heard_ns = 0;           // the client's last packet to a server
  std::int64_t ended_seq = -1;       // session.expire / session.close; -1 while alive
  Nanos ended_ns = -1;
  std::string end;                   // "expired" / "closed"
  std::vector<std::string> ephemerals;          // created, not (yet) removed
  std::vector<std::string> ephemerals_removed;  // removed with the session
  // Milliseconds left before the server may expire it, at `now` (negative: overdue).
  double remaining_ms(Nanos now) const {
    return timeout_ms - static_cast<double>(now - last_heard_ns) / 1e6;
  }
  bool alive() const { return ended_seq < 0; }
};

struct WatchSpan {
  EndpointId client = kNoEndpoint;
  EndpointId server = kNoEndpoint;
  std::string path;
  std::string read;            // "getData", "exists", "getChildren"... ("" if no read was seen)
  std::int64_t set_seq = -1;   // the read's net.send
  Nanos set_ns = 0;
  std::uint64_t fired_seq = 0;  // the notification's net.send
  Nanos fired_ns = 0;
  std::int64_t delivered_seq = -1;  // its net.deliver; -1 while in flight (or lost)
  Nanos delivered_ns = -1;
  std::string event;  // "NodeDataChanged", ...
};

struct SessionTimeline {
  std::int64_t upto = -1;  // the last record folded in
  std::vector<SessionSpan> sessions;  // by creation
  std::vector<WatchSpan> watches;     // by firing
  const SessionSpan* session(std::int64_t id) const;
};

// "NodeCreated", "NodeDeleted", "NodeDataChanged", "NodeChildrenChanged", ... for a WatcherEvent type.
std::string watch_event_name(std::int64_t type);

// Everything up to and including record `upto`.
SessionTimeline build_session_timeline(const Timeline& timeline, std::int64_t upto);

}  // namespace zablab::gui
