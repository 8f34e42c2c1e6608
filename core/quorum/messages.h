// The messages of Fast Leader Election and Zab, as ZooKeeper 3.8 puts them on the wire.
//
// Election notifications travel on the election port: int state, long leader, long zxid,
// long electionEpoch, long peerEpoch, int version (2), buffer config. Zab packets travel on the
// quorum port as jute::QuorumPacket{type, zxid, data, authinfo}, with the type numbers below.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "core/jute/records.h"
#include "core/server/server_config.h"

namespace zablab::quorum {

// QuorumPeer.ServerState, as numbered in notifications.
enum class PeerState : std::int32_t { looking = 0, following = 1, leading = 2, observing = 3 };
std::string_view state_name(PeerState s);  // "LOOKING", ...

struct Notification {
  std::int32_t state = 0;
  std::int64_t leader = 0;
  std::int64_t zxid = 0;
  std::int64_t election_epoch = 0;
  std::int64_t peer_epoch = 0;
  std::int32_t version = 2;
  jute::Bytes config;  // the ensemble's config_text()

  static constexpr std::string_view name = "Notification";
  template <class Self, class V>
  static void fields(Self& s, V&& v) {
    v("state", s.state);
    v("leader", s.leader);
    v("zxid", s.zxid);
    v("election_epoch", s.election_epoch);
    v("peer_epoch", s.peer_epoch);
    v("version", s.version);
    v("config", s.config);
  }
  bool operator==(const Notification&) const = default;
};

// Leader.java's packet types.
namespace packet {
inline constexpr std::int32_t request = 1;
inline constexpr std::int32_t proposal = 2;
inline constexpr std::int32_t ack = 3;
inline constexpr std::int32_t commit = 4;
inline constexpr std::int32_t ping = 5;
inline constexpr std::int32_t revalidate = 6;
inline constexpr std::int32_t sync = 7;
inline constexpr std::int32_t inform = 8;
inline constexpr std::int32_t newleader = 10;
inline constexpr std::int32_t followerinfo = 11;
inline constexpr std::int32_t uptodate = 12;
inline constexpr std::int32_t diff = 13;
inline constexpr std::int32_t trunc = 14;
inline constexpr std::int32_t snap = 15;
inline constexpr std::int32_t observerinfo = 16;
inline constexpr std::int32_t leaderinfo = 17;
inline constexpr std::int32_t ackepoch = 18;
}  // namespace packet

// The snapshot after a SNAP is not a packet: ZooKeeper writes it straight onto the quorum stream.
// zablab's peer framing carries it as messages of at most this many bytes each.
inline constexpr std::size_t kSnapshotPiece = 256 * 1024;
std::string_view packet_name(std::int32_t type);  // "PROPOSAL", ...

// The protocol version a learner and a leader announce (LearnerInfo / LEADERINFO data).
inline constexpr std::int32_t kProtocolVersion = 0x10000;

inline std::int64_t epoch_of(std::int64_t zxid) { return static_cast<std::int64_t>(static_cast<std::uint64_t>(zxid) >> 32); }
inline std::int64_t counter_of(std::int64_t zxid) { return zxid & 0xFFFFFFFFLL; }
inline std::int64_t make_zxid(std::int64_t epoch, std::int64_t counter) { return (epoch << 32) | (counter & 0xFFFFFFFFLL); }

// A notification as FastLeaderElection's receiver reads one: 28 bytes (no peer epoch: it is the
// zxid's), 40 bytes (no version), or the current form with version and config (version > 1).
// Shorter messages and a config length past the end throw jute::DecodeError.
Notification decode_notification(std::string_view message);

// The ensemble as QuorumVerifier.toString() writes it into notifications and NEWLEADER: a line
// "server.N=host:quorumPort:electionPort:participant|observer[;clientHost:clientPort]" per member
// in id order, then "version=<hex>" (0: a static configuration).
std::string config_text(const std::map<std::int64_t, server::QuorumServer>& servers);

std::string encode_packet(std::int32_t type, std::int64_t zxid, jute::Bytes data = std::nullopt,
                          std::vector<jute::Id> authinfo = {});

}  // namespace zablab::quorum
