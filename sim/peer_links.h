// A server's peer transport in the simulator (Env::peer_send / peer_disconnect): whole messages
// over simulated TCP on the quorum and election ports, each framed with a 4-byte length.
//
// As ZooKeeper's QuorumCnxManager and Learner: between two servers there is at most one
// connection per channel, and it carries messages both ways.
// - Quorum port: whoever sends first opens it (in Zab the learner, with FOLLOWERINFO).
// - Election port: only the server with the larger id opens it. A smaller server with something
//   to send opens a "wake-up" connection and closes it once open; the larger one closes such a
//   connection and connects back, dropping first an open connection it still has to the smaller
//   one (dead on the other side when that one lost power and came back). Until a connection is
//   open the smaller server keeps only its
//   newest message (ZooKeeper's send queue holds one); election messages supersede each other.
//   Every new election connection starts with the last message sent to that peer if nothing
//   waits (ZooKeeper's lastMessageSent): a vote lost with a broken connection is not lost for good.
// - Two connections of one channel crossing (both sides connecting at once): the one opened by
//   the larger id is kept on both sides.
// Messages sent while no connection is open wait for one; if it cannot be made they are lost
// (traced) and the node hears on_peer_disconnected. When a connection that carried a message
// breaks, the node hears on_peer_disconnected; a newer connection replaces an older one, whose end
// is reported first, so "disconnected" always comes before any message of a later connection.
// Closing (peer_disconnect) reports nothing to the closer, as Env::client_close.
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
  enum class Role { link, wake_up };
  struct Link {
    Link(Key k, bool out, Role r) : key(k), outbound(out), role(r), frames(kMaxMessage) {}
    Key key;
    bool outbound;
    Role role;
    bool open = false;
    bool carried = false;  // a message went out or came in over it
    jute::FrameDecoder frames;
  };
  static constexpr std::size_t kMaxMessage = std::size_t{1} << 30;
  static constexpr std::size_t kElectionQueue = 1;

  // Opens what `key` needs for its waiting messages (a connection or a wake-up), unless under way.
  void ensure_connection(const Key& key);
  void open_link(const Key& key);
  void flush(ConnId conn, Link& link);
  // Forgets and closes `conn`; returns whether it carried a message (for the caller to report).
  bool drop_link(ConnId conn);
  // Drops the waiting messages; returns whether there were any.
  bool drop_waiting(const Key& key, const std::string& reason);
  void trace_drop(const Key& key, std::size_t bytes, const std::string& reason);

  Simulator& sim_;
  SimNetwork& network_;
  EndpointId self_;
  std::map<ConnId, Link> links_;
  std::map<Key, ConnId> current_;   // the connection in use (open, or ours being opened)
  std::map<Key, ConnId> waking_;    // a wake-up connection under way (election, to a larger id)
  std::map<Key, std::deque<std::string>> waiting_;  // framed, waiting for an open connection
  std::map<PeerId, std::string> last_vote_;  // framed: the last election message to each peer
};

}  // namespace zablab::sim
