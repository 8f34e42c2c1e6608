#include "sim/wire_taps.h"

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

WireInfo PeerFrameTap::describe(ConnId conn, int port_number, bool, std::string_view bytes) {
  WireInfo info;
  auto it = decoders_.try_emplace(conn, std::size_t{1} << 30).first;
  it->second.feed(bytes);
  const char* name = port_number == port::quorum ? "quorum" : "election";
  std::string frames = "[";
  int count = 0;
  std::string message;
  while (it->second.next(message) == jute::FrameDecoder::Status::frame) {
    if (count++) frames += ",";
    frames += Json().str("type", name).num("bytes", static_cast<std::int64_t>(message.size())).done();
    info.msg_type += info.msg_type.empty() ? name : std::string("+") + name;
  }
  if (count) info.frames = frames + "]";
  return info;
}

}  // namespace zablab::sim
