// Names Zab and election traffic in the trace: each peer message becomes its packet type
// ("PROPOSAL", "ACK", "COMMIT", ... as ZooKeeper's Leader.java names them) or "vote" (a Fast
// Leader Election notification), with the zxid it carries. Scenario triggers ("when s2 sends
// PROPOSAL") and the checkers (ACKs a leader got, COMMITs a learner got) read these names.
//
// A World routes each port to a tap; ZabPortTaps is a full replacement for the World's own
// router (client port: the usual ClientProtocolTap; quorum and election ports: ZabWireTap), set
// with world.network().set_tap(&taps) before the world starts. It must outlive the world.
#pragma once

#include <map>
#include <string>
#include <utility>

#include "core/jute/frame.h"
#include "sim/client_protocol_tap.h"
#include "sim/snapshot_pieces.h"
#include "sim/sim_network.h"

namespace zablab::sim::scenario {

class ZabWireTap final : public WireTap {
 public:
  WireInfo describe(ConnId conn, int port_number, bool from_initiator, std::string_view bytes) override;
  void forget(ConnId conn) override {
    decoders_.erase(conn);
    snapshots_.erase({conn, true});
    snapshots_.erase({conn, false});
  }

 private:
  std::map<ConnId, jute::FrameDecoder> decoders_;
  std::map<std::pair<ConnId, bool>, SnapshotPieces> snapshots_;  // per direction
};

class ZabPortTaps final : public WireTap {
 public:
  WireInfo describe(ConnId conn, int port_number, bool from_initiator, std::string_view bytes) override;
  void forget(ConnId conn) override {
    client_.forget(conn);
    zab_.forget(conn);
  }

 private:
  ClientProtocolTap client_;
  ZabWireTap zab_;
};

}  // namespace zablab::sim::scenario
