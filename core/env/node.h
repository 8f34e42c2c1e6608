// The inputs of a node: everything that can happen to a server state machine.
// runtime/ and sim/ deliver these; a node reacts by calling its Env. One handler runs at a time.
#pragma once

#include <string>
#include <string_view>

#include "core/env/env.h"

namespace zablab {

class Node {
 public:
  virtual ~Node() = default;

  // Called once, before any other input.
  virtual void start() = 0;

  // A client connected to the client port. `remote` is "ip:port", or "[ipv6]:port" (used by ip
  // ACLs and 4lw output); an IPv4 client reaching an IPv6 socket comes as plain IPv4.
  virtual void on_client_connected(ConnId conn, std::string remote) = 0;
  // Bytes arrived on a client connection, in order. Frames may be split or joined arbitrarily.
  virtual void on_client_bytes(ConnId conn, std::string_view bytes) = 0;
  // The client closed the connection, or it broke.
  virtual void on_client_closed(ConnId conn) = 0;
  // The connection's output was full (Env::client_output_full) and is not any more: the client
  // read its replies. Only an Env whose output can be full calls it.
  virtual void on_client_drained(ConnId /*conn*/) {}

  // A whole message from a peer of the ensemble, and a broken peer connection. A standalone
  // server has no peers and ignores both.
  virtual void on_peer_message(PeerId /*from*/, PeerChannel /*channel*/, std::string_view /*message*/) {}
  virtual void on_peer_disconnected(PeerId /*peer*/, PeerChannel /*channel*/) {}

  virtual void on_timer(TimerId id) = 0;
  virtual void on_disk_done(DiskToken token, const DiskStatus& status) = 0;
};

}  // namespace zablab
