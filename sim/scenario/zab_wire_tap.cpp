#include "sim/scenario/zab_wire_tap.h"

#include "core/data/txn.h"
#include "core/jute/codes.h"
#include "core/quorum/messages.h"
#include "core/util/hex.h"
#include "sim/checkers/txn_digest.h"
#include "sim/json.h"

namespace zablab::sim::scenario {
namespace {

std::string describe_packet(std::string_view message, WireInfo& info, SnapshotPieces& snapshot) {
  auto name_as = [&](std::string_view name) {
    info.msg_type += info.msg_type.empty() ? std::string(name) : "+" + std::string(name);
    return Json().str("type", std::string(name)).num("bytes", static_cast<std::int64_t>(message.size())).done();
  };
  if (snapshot.take(message)) return name_as(kSnapshotPieceName);
  jute::QuorumPacket p;
  try {
    p = jute::decode<jute::QuorumPacket>(message);
  } catch (const jute::DecodeError&) {
    return name_as("undecodable");
  }
  snapshot.saw_packet(p.type);
  const std::string name(quorum::packet_name(p.type));
  info.msg_type += info.msg_type.empty() ? name : "+" + name;
  Json j;
  j.str("type", name);
  if (p.type != quorum::packet::request) {
    j.str("zxid", util::hex(p.zxid));
    info.zxid = p.zxid;
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
  j.num("bytes", static_cast<std::int64_t>(message.size()));
  return j.done();
}

std::string describe_vote(std::string_view message, WireInfo& info) {
  quorum::Notification n;
  try {
    n = jute::decode<quorum::Notification>(message);
  } catch (const jute::DecodeError&) {
    info.msg_type += info.msg_type.empty() ? "undecodable" : "+undecodable";
    return Json().str("type", "undecodable").done();
  }
  info.msg_type += info.msg_type.empty() ? "vote" : "+vote";
  info.zxid = n.zxid;
  return Json()
      .str("type", "vote")
      .str("state", quorum::state_name(static_cast<quorum::PeerState>(n.state)))
      .num("leader", n.leader)
      .str("zxid", util::hex(n.zxid))
      .num("round", n.election_epoch)
      .num("peer_epoch", n.peer_epoch)
      .done();
}

}  // namespace

WireInfo ZabWireTap::describe(ConnId conn, int port_number, bool from_initiator, std::string_view bytes) {
  WireInfo info;
  auto it = decoders_.try_emplace(conn, std::size_t{1} << 30).first;
  it->second.feed(bytes);
  std::string frames = "[";
  int count = 0;
  std::string message;
  while (it->second.next(message) == jute::FrameDecoder::Status::frame) {
    if (count++) frames += ",";
    frames += port_number == port::election ? describe_vote(message, info)
                                            : describe_packet(message, info, snapshots_[{conn, from_initiator}]);
  }
  if (count) info.frames = frames + "]";
  return info;
}

WireInfo ZabPortTaps::describe(ConnId conn, int port_number, bool from_initiator, std::string_view bytes) {
  if (port_number == port::client) return client_.describe(conn, port_number, from_initiator, bytes);
  if (port_number == port::quorum || port_number == port::election)
    return zab_.describe(conn, port_number, from_initiator, bytes);
  return {};
}

}  // namespace zablab::sim::scenario
