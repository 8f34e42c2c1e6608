// Which quorum messages are pieces of a snapshot rather than packets, for the taps that name
// messages in the trace and the visualizer.
//
// After a SNAP packet the leader streams the snapshot itself -- not a packet, as in ZooKeeper,
// where it follows SNAP on the stream (core/quorum/leader_sync.cpp send_snapshot) -- in messages of
// up to kSnapshotPiece bytes. Its end is known only by reading it, so each stream of a tap keeps
// one of these and asks it before decoding a message as a packet.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "core/persist/snapshot_stream.h"

namespace zablab::sim {

// The name the taps give a piece: "snapshot".
inline constexpr std::string_view kSnapshotPieceName = "snapshot";

class SnapshotPieces {
 public:
  // Whether `message`, the next quorum message of this stream, is a piece of a snapshot.
  bool take(std::string_view message);
  // Tells it the packet type of a message that was not a piece (a SNAP starts a snapshot).
  void saw_packet(std::int32_t type);

 private:
  std::optional<persist::SnapshotParser> parser_;
};

}  // namespace zablab::sim
