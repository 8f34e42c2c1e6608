#include "sim/wire_taps.h"

#include "sim/peer_wire_labels.h"

namespace zablab::sim {

WireInfo PortTaps::describe(ConnId conn, int port_number, bool from_initiator, std::string_view bytes) {
  auto it = taps_.find(port_number);
  if (it == taps_.end() || !it->second) return {};
  return it->second->describe(conn, port_number, from_initiator, bytes);
}

void PortTaps::forget(ConnId conn) {
  for (const auto& [port_number, tap] : taps_)
    if (tap) tap->forget(conn);
}

WireInfo PeerFrameTap::describe(ConnId conn, int port_number, bool from_initiator, std::string_view bytes) {
  // Every message is decoded as the core would decode it, and named as every trace names it
  // (sim/peer_wire_labels.h): a Zab QuorumPacket on the quorum port ("PROPOSAL" with its zxid), a
  // Notification on the election port ("vote" with the vote).
  WireInfo info;
  auto it = decoders_.try_emplace(std::pair{conn, from_initiator}, std::size_t{1} << 30).first;
  it->second.feed(bytes);
  std::string frames;
  std::string message;
  while (it->second.next(message) == jute::FrameDecoder::Status::frame) {
    if (port_number != port::quorum) {
      add_frame(info, frames, describe_notification(message));
      continue;
    }
    SnapshotPieces& snapshot = snapshots_[{conn, from_initiator}];
    if (snapshot.take(message)) {
      add_frame(info, frames, describe_snapshot_piece(message.size()));
      continue;
    }
    const PeerFrame frame = describe_quorum_packet(message);
    snapshot.saw_packet(frame.packet_type);
    add_frame(info, frames, frame);
  }
  if (!frames.empty()) info.frames = "[" + frames + "]";
  return info;
}

}  // namespace zablab::sim
