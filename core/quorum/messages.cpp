#include "core/quorum/messages.h"

namespace zablab::quorum {

std::string_view state_name(PeerState s) {
  switch (s) {
    case PeerState::looking:
      return "LOOKING";
    case PeerState::following:
      return "FOLLOWING";
    case PeerState::leading:
      return "LEADING";
    case PeerState::observing:
      return "OBSERVING";
  }
  return "UNKNOWN";
}

std::string_view packet_name(std::int32_t type) {
  switch (type) {
    case packet::request: return "REQUEST";
    case packet::proposal: return "PROPOSAL";
    case packet::ack: return "ACK";
    case packet::commit: return "COMMIT";
    case packet::ping: return "PING";
    case packet::revalidate: return "REVALIDATE";
    case packet::sync: return "SYNC";
    case packet::inform: return "INFORM";
    case packet::newleader: return "NEWLEADER";
    case packet::followerinfo: return "FOLLOWERINFO";
    case packet::uptodate: return "UPTODATE";
    case packet::diff: return "DIFF";
    case packet::trunc: return "TRUNC";
    case packet::snap: return "SNAP";
    case packet::observerinfo: return "OBSERVERINFO";
    case packet::leaderinfo: return "LEADERINFO";
    case packet::ackepoch: return "ACKEPOCH";
    default: return "UNKNOWN";
  }
}

std::string encode_packet(std::int32_t type, std::int64_t zxid, jute::Bytes data, std::vector<jute::Id> authinfo) {
  return jute::encode(jute::QuorumPacket{type, zxid, std::move(data), std::move(authinfo)});
}

}  // namespace zablab::quorum
