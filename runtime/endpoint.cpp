#include "runtime/endpoint.h"

#include <boost/asio/ip/address_v4.hpp>

namespace zablab::runtime {

namespace asio = boost::asio;

asio::ip::address normalized_address(const asio::ip::address& address) {
  if (address.is_v6() && address.to_v6().is_v4_mapped())
    return asio::ip::make_address_v4(asio::ip::v4_mapped, address.to_v6());
  return address;
}

std::string endpoint_string(const asio::ip::tcp::endpoint& endpoint) {
  const asio::ip::address address = normalized_address(endpoint.address());
  const std::string port = std::to_string(endpoint.port());
  if (address.is_v6()) return "[" + address.to_string() + "]:" + port;
  return address.to_string() + ":" + port;
}

}  // namespace zablab::runtime
