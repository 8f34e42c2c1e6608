#include "sim/scenario/zab_wire_tap.h"

namespace zablab::sim::scenario {

WireInfo ZabPortTaps::describe(ConnId conn, int port_number, bool from_initiator, std::string_view bytes) {
  if (port_number == port::client) return client_.describe(conn, port_number, from_initiator, bytes);
  if (port_number == port::quorum || port_number == port::election)
    return zab_.describe(conn, port_number, from_initiator, bytes);
  return {};
}

}  // namespace zablab::sim::scenario
