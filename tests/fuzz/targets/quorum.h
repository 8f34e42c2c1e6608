// Fuzz target `quorum`: a QuorumPeer (Fast Leader Election + Zab) fed arbitrary peer messages on
// both channels, interleaved with time, disk completions and client traffic.
//
// Input: one flags byte, then events until the input ends.
//   flags bits 0-1  which member this peer is: sid 1, 2 or 3 (3 mod 3 = sid 1)
//         bit 2     the ensemble has an observer, sid 4 (bits 0-1 = 3 then make this peer sid 4)
//         bit 3     disk completions are delivered after every event (else only by event 4)
//   event byte e, by e % 8:
//     0  election message: from (u8, see kFrom), length (u16), bytes -> on_peer_message(election)
//     1  quorum message, same layout                                   -> on_peer_message(quorum)
//     2  from (u8), channel (u8 & 1)                                    -> on_peer_disconnected
//     3  the clock advances by u16 ms (timers fire)
//     4  every pending disk completion is delivered
//     5  conn (u8 % 4 + 1), length (u16), bytes: client bytes (connecting it first if needed)
//     6  conn (u8 % 4 + 1): the client closes it
//     7  the clock advances by half a tick (1000 ms)
// Peers: the ensemble's members, itself, and a stranger (sid 9). The peer's own messages go
// nowhere. Properties: no crash and no escaping exception. (A peer may shut itself down on a
// hostile leader's SNAP: it trusts its leader, as ZooKeeper does.)
#pragma once

#include <memory>
#include <set>

#include "core/quorum/quorum_peer.h"
#include "tests/fuzz/common.h"

namespace zablab::fuzz {

inline constexpr PeerId kFrom[5] = {1, 2, 3, 4, 9};

struct QuorumSetup {
  std::int64_t sid = 1;
  bool observer = false;
  bool auto_disk = false;
};

inline QuorumSetup quorum_setup(std::uint8_t flags) {
  QuorumSetup s;
  s.observer = (flags & 0x04) != 0;
  const int pick = flags & 3;
  s.sid = pick == 3 ? (s.observer ? 4 : 1) : pick + 1;
  s.auto_disk = (flags & 0x08) != 0;
  return s;
}

inline server::ServerConfig quorum_config(const QuorumSetup& s) {
  server::ServerConfig c;
  c.server_id = s.sid;
  c.tick_time_ms = 2000;
  c.data_dir = "/data";
  c.snap_count = 16;
  c.init_limit = 5;
  c.sync_limit = 2;
  c.four_letter_words = {"*"};
  const int members = s.observer ? 4 : 3;
  for (int i = 1; i <= members; ++i) {
    server::QuorumServer q;
    q.sid = i;
    q.host = "s" + std::to_string(i);
    q.quorum_port = 2888;
    q.election_port = 3888;
    q.observer = i == 4;
    c.quorum_servers[i] = q;
  }
  return c;
}

inline std::string quorum_remote(ConnId conn) { return "10.1.0." + std::to_string(conn) + ":5000"; }

// Where a run ended (for checking that recorded seeds replay into the roles they were recorded in).
struct QuorumOutcome {
  quorum::PeerState state = quorum::PeerState::looking;
  quorum::Phase phase = quorum::Phase::election;
  std::int64_t last_zxid = 0;
  std::size_t znodes = 0;
  int events = 0;
  bool shut_down = false;
};

inline QuorumOutcome quorum_run(const std::uint8_t* data, std::size_t size) {
  Input in(data, size);
  const QuorumSetup setup = quorum_setup(in.u8());
  PeerEnv env;
  env.keep_peer_output = false;
  quorum::QuorumPeer peer(env, quorum_config(setup));
  peer.start();
  env.complete_disk(peer);
  std::set<ConnId> connected;
  int events = 0;
  for (; !in.empty() && events < 4096; ++events) {
    const std::uint8_t e = in.u8();
    switch (e % 8) {
      case 0:
      case 1: {
        const PeerId from = kFrom[in.u8() % 5];
        const std::size_t len = in.u16();
        const std::string msg(in.take(len));
        peer.on_peer_message(from, e % 8 == 0 ? PeerChannel::election : PeerChannel::quorum, msg);
        break;
      }
      case 2: {
        const PeerId from = kFrom[in.u8() % 5];
        peer.on_peer_disconnected(from, (in.u8() & 1) ? PeerChannel::election : PeerChannel::quorum);
        break;
      }
      case 3:
        env.advance(peer, in.u16());
        break;
      case 4:
        env.complete_disk(peer);
        break;
      case 5: {
        const ConnId conn = in.u8() % 4 + 1;
        const std::size_t len = in.u16();
        const std::string bytes(in.take(len));
        if (env.closed.count(conn)) {
          env.closed.erase(conn);
          connected.erase(conn);
        }
        if (!connected.count(conn)) {
          connected.insert(conn);
          peer.on_client_connected(conn, quorum_remote(conn));
        }
        peer.on_client_bytes(conn, bytes);
        break;
      }
      case 6: {
        const ConnId conn = in.u8() % 4 + 1;
        if (connected.count(conn) && !env.closed.count(conn)) peer.on_client_closed(conn);
        connected.erase(conn);
        env.closed.erase(conn);
        break;
      }
      case 7:
        env.advance(peer, 1000);
        break;
    }
    if (setup.auto_disk) env.complete_disk(peer);
    if (!env.shutdown_reason.empty()) break;  // the node calls nothing after this; neither do we
  }
  return {peer.state(), peer.phase(), peer.tree().last_processed_zxid(), peer.tree().node_count(), events,
          !env.shutdown_reason.empty()};
}

inline int quorum_one(const std::uint8_t* data, std::size_t size) {
  (void)quorum_run(data, size);
  return 0;
}

}  // namespace zablab::fuzz
