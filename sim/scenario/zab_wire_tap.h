// Names Zab and election traffic in a scenario run's trace: each peer message becomes its packet
// type ("PROPOSAL", "ACK", "COMMIT", ... as ZooKeeper's Leader.java names them) or "vote" (a Fast
// Leader Election notification), with the zxid it carries (sim/peer_wire_labels.h: the labels
// every trace uses, a real server's recording too). Scenario triggers ("when s2 sends PROPOSAL")
// and the checkers (ACKs a leader got, COMMITs a learner got) read these names.
//
// A World routes each port to a tap; ZabPortTaps is a full replacement for the World's own
// router (client port: the usual ClientProtocolTap; quorum and election ports: PeerFrameTap), set
// with world.network().set_tap(&taps) before the world starts. It must outlive the world.
#pragma once

#include "sim/client_protocol_tap.h"
#include "sim/sim_network.h"
#include "sim/wire_taps.h"

namespace zablab::sim::scenario {

class ZabPortTaps final : public WireTap {
 public:
  WireInfo describe(ConnId conn, int port_number, bool from_initiator, std::string_view bytes) override;
  void forget(ConnId conn) override {
    client_.forget(conn);
    zab_.forget(conn);
  }

 private:
  ClientProtocolTap client_;
  PeerFrameTap zab_;
};

}  // namespace zablab::sim::scenario
