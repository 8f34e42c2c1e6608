// How the trace names one peer message, wherever it was seen: the simulator's wire taps
// (sim/wire_taps.h) and a real server's recording (sim/record/peer_streams.h) both
// describe Zab and election messages with these functions, so a simulated run and a real
// ensemble's recording carry the same labels ("PROPOSAL", "COMMIT", "INFORM", "PING", "vote",
// "snapshot", ...) and the same decoded fields, and the visualizer reads both alike.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "sim/sim_network.h"

namespace zablab::sim {

// One decoded peer message: its name, the zxid it carries (-1: none) and its frame, the JSON
// object a net.send's `frames` array holds for it.
struct PeerFrame {
  std::string name;
  std::int64_t zxid = -1;
  bool carries_zxid = false;  // whether zxid is the message's (REQUEST and undecodable ones have none)
  std::string json;
  std::int32_t packet_type = -1;  // the QuorumPacket type, -1 for anything else
};

// A whole QuorumPacket as ZooKeeper's Leader.java names it, with its zxid (not for REQUEST), the
// txn and its content digest for PROPOSAL and INFORM, the operation for REQUEST. A message that is
// not a QuorumPacket is "undecodable".
PeerFrame describe_quorum_packet(std::string_view message);
// A Fast Leader Election notification: "vote" with the sender's state, its vote and rounds, or
// "undecodable".
PeerFrame describe_notification(std::string_view message);
// `bytes` of the snapshot a leader streams after SNAP ("snapshot", kSnapshotPieceName).
PeerFrame describe_snapshot_piece(std::size_t bytes);

// Adds `frame` to what a tap reports for one send: its name to info.msg_type ("A+B" when one send
// carries several), its zxid, its JSON to `frames` (the array's elements, comma separated).
void add_frame(WireInfo& info, std::string& frames, const PeerFrame& frame);

}  // namespace zablab::sim
