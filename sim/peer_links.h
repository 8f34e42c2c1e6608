// A server's peer transport in the simulator (Env::peer_send / peer_disconnect): whole messages
// over simulated TCP on the quorum and election ports, each framed with a 4-byte length.
//
// Each server sends to a peer over a connection it opened itself, one per (peer, channel), made on
// demand; it receives over the connections its peers opened. So every connection carries messages
// one way, and two servers opening connections to each other at once never collide. Messages
// queued while a connection is being made go out once it is open, and are lost (traced) if it
// cannot be made. When a connection that carried a message breaks, the node hears
// on_peer_disconnected; a newer connection from the same peer and channel replaces an older one,
// whose end is reported first, so "disconnected" always comes before any message of a later
// connection. Closing (peer_disconnect) reports nothing to the closer, as Env::client_close.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/env/env.h"
#include "core/jute/frame.h"
#include "sim/sim_network.h"

namespace zablab::sim {

int port_of(PeerChannel channel);
std::optional<PeerChannel> channel_of(int port_number);

class PeerLinks {
 public:
  // What the node must hear, for the host to deliver as one handler.
  struct Input {
    bool disconnected = false;  // else a message
    PeerId peer = 0;
    PeerChannel channel = PeerChannel::quorum;
    std::string message;
  };

  PeerLinks(Simulator& sim, SimNetwork& network, EndpointId self) : sim_(sim), network_(network), self_(self) {}

  // --- the node's calls ---
  void send(PeerId peer, PeerChannel channel, std::string message);
  void disconnect(PeerId peer, PeerChannel channel);

  // --- the network's events, for connections this object owns ---
  bool owns(ConnId conn) const { return links_.count(conn) > 0; }
  std::vector<Input> accepted(ConnId conn, EndpointId from, PeerChannel channel);
  void connected(ConnId conn);
  std::vector<Input> bytes(ConnId conn, std::string_view bytes);
  std::vector<Input> closed(ConnId conn);
  // The process died: forget every link (the network has reset the connections already).
  void clear();

 private:
  using Key = std::pair<PeerId, PeerChannel>;
  struct Link {
    explicit Link(Key k, bool out) : key(k), outbound(out), frames(kMaxMessage) {}
    Key key;
    bool outbound;
    bool open = false;
    bool carried = false;            // a message was handed to it (outbound) or came over it (inbound)
    std::deque<std::string> queued;  // framed, waiting for the connection to open
    jute::FrameDecoder frames;
  };
  static constexpr std::size_t kMaxMessage = std::size_t{1} << 30;

  void drop_queued(Link& link, const std::string& reason);

  Simulator& sim_;
  SimNetwork& network_;
  EndpointId self_;
  std::map<ConnId, Link> links_;
  std::map<Key, ConnId> outbound_;
  std::map<Key, ConnId> inbound_;
};

}  // namespace zablab::sim
