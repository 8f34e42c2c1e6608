// Decodes the ZooKeeper client protocol on client-port connections for the trace: each segment
// becomes its frames' names ("ConnectRequest", "getData", "reply:getData", "notification",
// "4lw:ruok") plus a small JSON per frame (xid, path, zxid, err...), and replies carry their zxid.
// Cheap on purpose: only headers, the first path of a request and watch events are decoded;
// payload data is never copied into the trace.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "core/jute/frame.h"
#include "sim/sim_network.h"

namespace zablab::sim {

class ClientProtocolTap final : public WireTap {
 public:
  WireInfo describe(ConnId conn, int port, bool from_initiator, std::string_view bytes) override;
  void forget(ConnId conn) override { conns_.erase(conn); }

 private:
  struct Side {
    Side() : frames(1u << 30) {}
    jute::FrameDecoder frames;
    bool first = true;  // the next frame is the handshake
    bool raw = false;   // a four-letter word: no frames at all
  };
  struct Conn {
    Side to_server;
    Side to_client;
    std::map<std::int32_t, std::int32_t> pending;  // xid -> opcode, to name replies
  };

  void request(Conn& c, const std::string& frame, bool first, WireInfo& info, std::string& json);
  void reply(Conn& c, const std::string& frame, bool first, WireInfo& info, std::string& json);

  std::map<ConnId, Conn> conns_;
};

}  // namespace zablab::sim
