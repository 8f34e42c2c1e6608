#include "sim/client_protocol_tap.h"

#include "core/jute/codes.h"
#include "core/jute/records.h"
#include "sim/json.h"

namespace zablab::sim {
namespace {

constexpr int kMaxFramesListed = 16;

// Requests whose body starts with the znode path.
bool starts_with_path(std::int32_t type) {
  switch (type) {
    case op::create:
    case op::remove:
    case op::exists:
    case op::get_data:
    case op::set_data:
    case op::get_acl:
    case op::set_acl:
    case op::get_children:
    case op::sync:
    case op::get_children2:
    case op::check:
    case op::create2:
    case op::check_watches:
    case op::remove_watches:
    case op::create_container:
    case op::delete_container:
    case op::create_ttl:
    case op::add_watch:
    case op::get_all_children_number:
      return true;
    default:
      return false;
  }
}

void append_name(WireInfo& info, std::string_view name) {
  if (!info.msg_type.empty()) info.msg_type += '+';
  info.msg_type += name;
}

}  // namespace

WireInfo ClientProtocolTap::describe(ConnId id, int port_number, bool from_initiator, std::string_view bytes) {
  WireInfo info;
  if (port_number != port::client) return info;
  Conn& c = conns_[id];
  Side& side = from_initiator ? c.to_server : c.to_client;
  if (side.raw) {
    info.msg_type = from_initiator ? "4lw:more" : "4lw:output";
    return info;
  }
  side.frames.feed(bytes);
  std::string frames = "[";
  int listed = 0;
  for (;;) {
    std::string frame;
    const auto status = side.frames.next(frame);
    if (status == jute::FrameDecoder::Status::need_more) break;
    if (status != jute::FrameDecoder::Status::frame) {
      // A four-letter word reads as an absurd length; anything else is garbage on the wire.
      auto word = side.frames.first_word();
      side.raw = true;
      info.msg_type = word ? "4lw:" + *word : "garbage";
      if (!from_initiator) info.msg_type = "4lw:output";
      break;
    }
    std::string json;
    const bool first = side.first;
    side.first = false;
    try {
      if (from_initiator) {
        request(c, frame, first, info, json);
      } else {
        reply(c, frame, first, info, json);
      }
    } catch (const jute::DecodeError& e) {
      append_name(info, "undecodable");
      json = Json().str("error", e.what()).done();
    }
    if (listed++ < kMaxFramesListed) frames += (listed > 1 ? "," : "") + json;
  }
  if (listed > 0) info.frames = frames + "]";
  return info;
}

void ClientProtocolTap::request(Conn& c, const std::string& frame, bool first, WireInfo& info, std::string& json) {
  if (first) {
    const auto req = jute::decode<jute::ConnectRequest>(frame);
    append_name(info, "ConnectRequest");
    json = Json()
               .str("type", "ConnectRequest")
               .num("last_zxid_seen", req.last_zxid_seen)
               .num("time_out", req.time_out)
               .num("session_id", req.session_id)
               .done();
    return;
  }
  jute::Reader r(frame);
  jute::RequestHeader h;
  jute::read(r, h);
  const std::string name(op::name(h.type));
  append_name(info, name);
  c.pending[h.xid] = h.type;
  Json j;
  j.str("type", name).num("xid", h.xid).num("bytes", static_cast<std::int64_t>(frame.size()));
  if (starts_with_path(h.type)) {
    j.str("path", r.str("path"));
    // A read that sets a one-shot watch says so: the oracle follows the watch to its event.
    if (h.type == op::get_data || h.type == op::exists || h.type == op::get_children ||
        h.type == op::get_children2)
      if (r.boolean()) j.boolean("watch", true);
  }
  json = j.done();
}

void ClientProtocolTap::reply(Conn& c, const std::string& frame, bool first, WireInfo& info, std::string& json) {
  if (first) {
    const auto resp = jute::decode<jute::ConnectResponse>(frame);
    append_name(info, "ConnectResponse");
    json =
        Json().str("type", "ConnectResponse").num("time_out", resp.time_out).num("session_id", resp.session_id).done();
    return;
  }
  jute::Reader r(frame);
  jute::ReplyHeader h;
  jute::read(r, h);
  if (h.xid == xid::notification) {
    jute::WatcherEvent event;
    jute::read(r, event);
    append_name(info, "notification");
    json = Json()
               .str("type", "notification")
               .num("event", event.type)
               .num("state", event.state)
               .str("path", event.path)
               .done();
    return;
  }
  std::string name = "reply";
  auto it = c.pending.find(h.xid);
  if (it != c.pending.end()) {
    name += ":" + std::string(op::name(it->second));
    c.pending.erase(it);
  }
  append_name(info, name);
  if (h.zxid > 0) info.zxid = h.zxid;
  json = Json()
             .str("type", name)
             .num("xid", h.xid)
             .num("zxid", h.zxid)
             .str("err", err_name(static_cast<Err>(h.err)))
             .done();
}

}  // namespace zablab::sim
