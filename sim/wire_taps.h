// Trace decoders for the non-client ports, and a router that picks a decoder by port.
// PeerFrameTap cuts the simulated peer streams (a 4-byte length before each message) into messages
// and names each as every trace does (sim/peer_wire_labels.h): QuorumPackets and votes.
#pragma once

#include <map>
#include <string>
#include <utility>

#include "core/jute/frame.h"
#include "sim/snapshot_pieces.h"
#include "sim/sim_network.h"

namespace zablab::sim {

class PortTaps final : public WireTap {
 public:
  // `tap` decodes connections to `port_number` (not owned; nullptr removes).
  void set(int port_number, WireTap* tap) { taps_[port_number] = tap; }
  WireInfo describe(ConnId conn, int port_number, bool from_initiator, std::string_view bytes) override;
  void forget(ConnId conn) override;

 private:
  std::map<int, WireTap*> taps_;
};

class PeerFrameTap final : public WireTap {
 public:
  WireInfo describe(ConnId conn, int port_number, bool from_initiator, std::string_view bytes) override;
  void forget(ConnId conn) override {
    decoders_.erase({conn, true});
    decoders_.erase({conn, false});
    snapshots_.erase({conn, true});
    snapshots_.erase({conn, false});
  }

 private:
  // Peer connections carry messages both ways: one decoder per direction.
  std::map<std::pair<ConnId, bool>, jute::FrameDecoder> decoders_;
  std::map<std::pair<ConnId, bool>, SnapshotPieces> snapshots_;
};

}  // namespace zablab::sim
