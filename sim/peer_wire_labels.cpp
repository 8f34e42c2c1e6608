#include "sim/peer_wire_labels.h"

#include "core/data/txn.h"
#include "core/jute/codes.h"
#include "core/quorum/messages.h"
#include "core/util/hex.h"
#include "sim/checkers/txn_digest.h"
#include "sim/json.h"
#include "sim/snapshot_pieces.h"

namespace zablab::sim {
namespace {

std::int64_t size_of(std::string_view message) { return static_cast<std::int64_t>(message.size()); }

}  // namespace

PeerFrame describe_quorum_packet(std::string_view message) {
  PeerFrame f;
  jute::QuorumPacket p;
  try {
    p = jute::decode<jute::QuorumPacket>(message);
  } catch (const jute::DecodeError&) {
    f.name = "undecodable";
    f.json = Json().str("type", f.name).num("bytes", size_of(message)).done();
    return f;
  }
  f.packet_type = p.type;
  f.name = std::string(quorum::packet_name(p.type));
  Json j;
  j.str("type", f.name);
  if (p.type != quorum::packet::request) {
    j.str("zxid", util::hex(p.zxid));
    f.zxid = p.zxid;
    f.carries_zxid = true;
  }
  if ((p.type == quorum::packet::proposal || p.type == quorum::packet::inform) && p.data) {
    try {
      const data::Txn txn = data::decode_txn(*p.data);
      j.str("txn", op::name(txn.header.type));
      // What the oracle compares: the txn's content, not just its zxid.
      j.str("digest", util::hex(static_cast<std::int64_t>(check::txn_digest(data::txn_to_json(txn)))));
    } catch (const jute::DecodeError&) {
    }
  }
  if (p.type == quorum::packet::request && p.data && p.data->size() >= 16) {
    try {
      jute::Reader r(*p.data);
      r.i64();
      r.i32();
      j.str("op", op::name(r.i32()));
    } catch (const jute::DecodeError&) {
    }
  }
  j.num("bytes", size_of(message));
  f.json = j.done();
  return f;
}

PeerFrame describe_notification(std::string_view message) {
  PeerFrame f;
  quorum::Notification n;
  try {
    n = jute::decode<quorum::Notification>(message);
  } catch (const jute::DecodeError&) {
    f.name = "undecodable";
    f.json = Json().str("type", f.name).done();
    return f;
  }
  f.name = "vote";
  f.zxid = n.zxid;
  f.carries_zxid = true;
  f.json = Json()
               .str("type", f.name)
               .str("state", quorum::state_name(static_cast<quorum::PeerState>(n.state)))
               .num("leader", n.leader)
               .str("zxid", util::hex(n.zxid))
               .num("round", n.election_epoch)
               .num("peer_epoch", n.peer_epoch)
               .done();
  return f;
}

PeerFrame describe_snapshot_piece(std::size_t bytes) {
  PeerFrame f;
  f.name = std::string(kSnapshotPieceName);
  f.json = Json().str("type", f.name).num("bytes", static_cast<std::int64_t>(bytes)).done();
  return f;
}

void add_frame(WireInfo& info, std::string& frames, const PeerFrame& frame) {
  info.msg_type += info.msg_type.empty() ? frame.name : "+" + frame.name;
  if (frame.carries_zxid) info.zxid = frame.zxid;
  if (!frames.empty()) frames += ",";
  frames += frame.json;
}

}  // namespace zablab::sim
