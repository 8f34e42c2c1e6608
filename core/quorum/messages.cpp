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

Notification decode_notification(std::string_view message) {
  if (message.size() < 28)
    throw jute::DecodeError(0, "notification of " + std::to_string(message.size()) + " bytes (at least 28)");
  jute::Reader r(message);
  Notification n;
  n.state = r.i32("state");
  n.leader = r.i64("leader");
  n.zxid = r.i64("zxid");
  n.election_epoch = r.i64("electionEpoch");
  if (message.size() == 28) {
    n.peer_epoch = epoch_of(n.zxid);
    n.version = 0;
    return n;
  }
  n.peer_epoch = r.i64("peerEpoch");
  if (message.size() == 40) {
    n.version = 0;
    return n;
  }
  n.version = r.i32("version");
  if (n.version > 1) {
    n.config = r.bytes("config");
    // ZooKeeper's receiver refuses any negative length, -1 (jute's null) included.
    if (!n.config) throw jute::DecodeError(40, "config: negative length -1");
  }
  return n;
}

std::string config_text(const std::map<std::int64_t, server::QuorumServer>& servers) {
  auto host = [](const std::string& h) { return h.find(':') != std::string::npos ? "[" + h + "]" : h; };
  std::string out;
  for (const auto& [sid, s] : servers) {
    out += "server." + std::to_string(sid) + "=" + host(s.host) + ":" + std::to_string(s.quorum_port) + ":" +
           std::to_string(s.election_port) + (s.observer ? ":observer" : ":participant");
    if (!s.client_address.empty()) out += ";" + s.client_address;
    out += "\n";
  }
  return out + "version=0";
}

std::string encode_packet(std::int32_t type, std::int64_t zxid, jute::Bytes data, std::vector<jute::Id> authinfo) {
  return jute::encode(jute::QuorumPacket{type, zxid, std::move(data), std::move(authinfo)});
}

}  // namespace zablab::quorum
