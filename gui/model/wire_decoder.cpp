#include "gui/model/wire_decoder.h"

#include "core/data/txn.h"
#include "core/jute/codes.h"
#include "core/jute/io.h"
#include "core/jute/records.h"
#include "core/quorum/messages.h"
#include "core/util/hex.h"
#include "sim/addresses.h"
#include "sim/json.h"
#include "sim/world.h"

namespace zablab::gui {

namespace {

std::string_view state_word(std::int32_t s) {
  if (s < 0 || s > 3) return "UNKNOWN";
  return quorum::state_name(static_cast<quorum::PeerState>(s));
}

// A txn's op and first path, from a PROPOSAL/INFORM payload.
void describe_txn(sim::Json& j, const jute::Bytes& data) {
  if (!data) return;
  try {
    const data::Txn txn = data::decode_txn(*data);
    j.str("txn", op::name(txn.header.type));
    j.str("session", util::hex(txn.header.client_id));
    j.num("cxid", txn.header.cxid);
    if (!txn.ops.empty()) {
      std::visit(
          [&](const auto& body) {
            if constexpr (requires { body.path; }) j.str("path", body.path);
          },
          txn.ops.front().body);
    }
  } catch (const std::exception&) {
    j.str("txn", "?");
  }
}

}  // namespace

DecodedFrame decode_election_frame(std::string_view message) {
  DecodedFrame f;
  try {
    const auto n = jute::decode<quorum::Notification>(message);
    f.type = "vote";
    f.json = sim::Json()
                 .str("type", f.type)
                 .str("state", state_word(n.state))
                 .num("leader", n.leader)
                 .str("zxid", util::hex(n.zxid))
                 .num("round", n.election_epoch)
                 .num("peer_epoch", n.peer_epoch)
                 .done();
  } catch (const std::exception&) {
    f.type = "election?";
    f.json = sim::Json().str("type", f.type).num("bytes", static_cast<std::int64_t>(message.size())).done();
  }
  return f;
}

DecodedFrame decode_quorum_frame(std::string_view message) {
  DecodedFrame f;
  jute::QuorumPacket p;
  try {
    p = jute::decode<jute::QuorumPacket>(message);
  } catch (const std::exception&) {
    f.type = "quorum?";
    f.json = sim::Json().str("type", f.type).num("bytes", static_cast<std::int64_t>(message.size())).done();
    return f;
  }
  f.type = std::string(quorum::packet_name(p.type));
  f.packet_type = p.type;
  sim::Json j;
  j.str("type", f.type);
  namespace pk = quorum::packet;
  switch (p.type) {
    case pk::ping:
    case pk::uptodate:
    case pk::sync:
    case pk::request:
      break;
    default:
      f.zxid = p.zxid;
      j.str("zxid", util::hex(p.zxid));
  }
  try {
    switch (p.type) {
      case pk::proposal:
      case pk::inform:
        describe_txn(j, p.data);
        break;
      case pk::followerinfo:
      case pk::observerinfo:
        j.num("accepted_epoch", quorum::epoch_of(p.zxid));
        if (p.data) {
          const auto info = jute::decode<jute::LearnerInfo>(*p.data);
          j.num("sid", info.serverid).str("protocol", util::hex(info.protocol_version));
        }
        break;
      case pk::leaderinfo:
        j.num("new_epoch", quorum::epoch_of(p.zxid));
        if (p.data && p.data->size() >= 4) j.str("protocol", util::hex(jute::Reader(*p.data).i32()));
        break;
      case pk::ackepoch:
        j.str("last_logged_zxid", util::hex(p.zxid));
        if (p.data && p.data->size() >= 4) j.num("current_epoch", jute::Reader(*p.data).i32());
        break;
      case pk::newleader:
        j.num("new_epoch", quorum::epoch_of(p.zxid));
        break;
      case pk::snap:
        j.num("snapshot_bytes", p.data ? static_cast<std::int64_t>(p.data->size()) : 0);
        break;
      case pk::request:
        if (p.data && p.data->size() >= 16) {
          jute::Reader r(*p.data);
          const std::int64_t session = r.i64();
          const std::int32_t xid = r.i32();
          const std::int32_t type = r.i32();
          j.str("session", util::hex(session)).num("xid", xid).str("op", op::name(type));
        }
        break;
      case pk::ping:
        j.str("zxid", util::hex(p.zxid));
        if (p.data) j.num("bytes", static_cast<std::int64_t>(p.data->size()));
        break;
      default:
        break;
    }
  } catch (const std::exception&) {
    j.str("data", "?");
  }
  f.json = j.done();
  return f;
}

sim::WireInfo PeerMessageTap::describe(ConnId conn, int port_number, bool from_initiator, std::string_view bytes) {
  sim::WireInfo info;
  auto it = decoders_.try_emplace(std::pair{conn, from_initiator}, std::size_t{1} << 30).first;
  it->second.feed(bytes);
  std::string frames = "[";
  int count = 0;
  std::string message;
  while (it->second.next(message) == jute::FrameDecoder::Status::frame) {
    sim::SnapshotPieces& snapshot = snapshots_[{conn, from_initiator}];
    DecodedFrame f;
    if (port_number == sim::port::election) {
      f = decode_election_frame(message);
    } else if (snapshot.take(message)) {
      f.type = std::string(sim::kSnapshotPieceName);
      f.json = sim::Json().str("type", f.type).num("bytes", static_cast<std::int64_t>(message.size())).done();
    } else {
      f = decode_quorum_frame(message);
      if (f.packet_type) snapshot.saw_packet(*f.packet_type);
    }
    if (count++) frames += ",";
    frames += f.json;
    info.msg_type += info.msg_type.empty() ? f.type : "+" + f.type;
    if (f.zxid >= 0) info.zxid = f.zxid;
  }
  if (count) info.frames = frames + "]";
  return info;
}

DecodingTaps::DecodingTaps() {
  ports_.set(sim::port::client, &client_);
  ports_.set(sim::port::quorum, &peers_);
  ports_.set(sim::port::election, &peers_);
}

void DecodingTaps::install(sim::World& world) { world.network().set_tap(&ports_); }

}  // namespace zablab::gui
