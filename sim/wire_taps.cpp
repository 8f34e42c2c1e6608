#include "sim/wire_taps.h"

#include "core/quorum/messages.h"
#include "core/util/hex.h"

#include "sim/json.h"

namespace zablab::sim {

WireInfo PortTaps::describe(ConnId conn, int port_number, bool from_initiator, std::string_view bytes) {
  auto it = taps_.find(port_number);
  if (it == taps_.end() || !it->second) return {};
  return it->second->describe(conn, port_number, from_initiator, bytes);
}

void PortTaps::forget(ConnId conn) {
  for (const auto& [port_number, tap] : taps_)
    if (tap) tap->forget(conn);
}

WireInfo PeerFrameTap::describe(ConnId conn, int port_number, bool from_initiator, std::string_view bytes) {
  // Every message is decoded as the core would decode it: a Zab QuorumPacket on the quorum port
  // ("PROPOSAL" with its zxid), a Notification on the election port ("vote" with the vote).
  WireInfo info;
  auto it = decoders_.try_emplace(std::pair{conn, from_initiator}, std::size_t{1} << 30).first;
  it->second.feed(bytes);
  const bool quorum_port = port_number == port::quorum;
  std::string frames = "[";
  int count = 0;
  std::string message;
  while (it->second.next(message) == jute::FrameDecoder::Status::frame) {
    if (count++) frames += ",";
    std::string name = quorum_port ? "quorum" : "election";
    std::string frame = Json().str("type", name).num("bytes", static_cast<std::int64_t>(message.size())).done();
    if (quorum_port && snapshots_[{conn, from_initiator}].take(message)) {
      frames += Json().str("type", std::string(kSnapshotPieceName)).num("bytes", static_cast<std::int64_t>(message.size())).done();
      info.msg_type += info.msg_type.empty() ? std::string(kSnapshotPieceName) : "+" + std::string(kSnapshotPieceName);
      continue;
    }
    try {
      if (quorum_port) {
        const auto p = jute::decode<jute::QuorumPacket>(message);
        snapshots_[{conn, from_initiator}].saw_packet(p.type);
        name = std::string(quorum::packet_name(p.type));
        info.zxid = p.zxid;
        frame = Json()
                    .str("type", name)
                    .str("zxid", util::hex(p.zxid))
                    .num("bytes", static_cast<std::int64_t>(message.size()))
                    .done();
      } else {
        const auto n = jute::decode<quorum::Notification>(message);
        name = "vote";
        info.zxid = n.zxid;
        frame = Json()
                    .str("type", name)
                    .str("state", std::string(quorum::state_name(static_cast<quorum::PeerState>(n.state))))
                    .num("leader", n.leader)
                    .str("zxid", util::hex(n.zxid))
                    .num("round", n.election_epoch)
                    .num("peer_epoch", n.peer_epoch)
                    .done();
      }
    } catch (const jute::DecodeError&) {
      // Not a protocol message (e.g. a connection's first frame): keep the generic name.
    }
    frames += frame;
    info.msg_type += info.msg_type.empty() ? name : "+" + name;
  }
  if (count) info.frames = frames + "]";
  return info;
}

}  // namespace zablab::sim
