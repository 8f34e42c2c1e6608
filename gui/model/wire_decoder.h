// Decodes peer traffic for the trace, so the visualizer can label what travels: Fast Leader
// Election notifications on the election port ("vote" with the sender's state and vote)
// and Zab QuorumPackets on the quorum port ("PROPOSAL" with its zxid and txn, "ACK", "COMMIT",
// "FOLLOWERINFO", ...), with the same names as the simulator's own peer tap but more fields
// (a PROPOSAL's op, path and session, a FOLLOWERINFO's sid, a LEADERINFO's epoch...). Optional:
// LiveOptions::decode_messages; a world traced with it has a different trace hash.
//
// PeerMessageTap is a sim::WireTap; DecodingTaps bundles it with the client-protocol tap so one
// call, install(world), makes a World's trace carry decoded names. Install before world.start().
// A frame the decoder cannot read is named "quorum?" / "election?" (never an error: the tap only
// describes). Single-threaded, like sim/.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "core/jute/frame.h"
#include "sim/client_protocol_tap.h"
#include "sim/sim_network.h"
#include "sim/snapshot_pieces.h"
#include "sim/wire_taps.h"

namespace zablab::sim {
class World;
}

namespace zablab::gui {

// One frame's name, zxid (-1 if it has none worth showing) and JSON fields.
struct DecodedFrame {
  std::string type;
  std::int64_t zxid = -1;
  std::string json;  // {"type":...,...}
  std::optional<std::int32_t> packet_type;  // quorum frames that decoded as a QuorumPacket
};

// Pure decoders, for the tap and for tests.
DecodedFrame decode_election_frame(std::string_view message);
DecodedFrame decode_quorum_frame(std::string_view message);

class PeerMessageTap final : public sim::WireTap {
 public:
  sim::WireInfo describe(ConnId conn, int port_number, bool from_initiator, std::string_view bytes) override;
  void forget(ConnId conn) override {
    decoders_.erase({conn, true});
    decoders_.erase({conn, false});
    snapshots_.erase({conn, true});
    snapshots_.erase({conn, false});
  }

 private:
  // Peer connections carry messages both ways: one decoder per direction.
  std::map<std::pair<ConnId, bool>, jute::FrameDecoder> decoders_;
  std::map<std::pair<ConnId, bool>, sim::SnapshotPieces> snapshots_;
};

class DecodingTaps {
 public:
  DecodingTaps();
  DecodingTaps(const DecodingTaps&) = delete;
  DecodingTaps& operator=(const DecodingTaps&) = delete;
  // Replaces the world network's tap with these (client port: the usual client decoder; peer
  // ports: PeerMessageTap). `this` must outlive the world's traffic.
  void install(sim::World& world);

 private:
  sim::ClientProtocolTap client_;
  PeerMessageTap peers_;
  sim::PortTaps ports_;
};

}  // namespace zablab::gui
