// How the runtime names a TCP endpoint, in one place for the client port and the peer ports:
// "1.2.3.4:5000" for IPv4, "[::1]:5000" for IPv6, and an IPv4 client that reached an IPv6 socket
// (v4-mapped, ::ffff:1.2.3.4) as the IPv4 address it is. The core takes the address out of this
// (data::address_of: "::1", "1.2.3.4") for maxClientCnxns, maxWatchesPerAddress and the ip
// identity, so one host is one address whichever way it connects; unbracketed IPv6 with a port
// ("::1:55044") would make every connection a new address.
#pragma once

#include <string>

#include <boost/asio/ip/tcp.hpp>

namespace zablab::runtime {

// The address alone, normalized: v4-mapped IPv6 becomes IPv4; IPv6 in its canonical text form.
boost::asio::ip::address normalized_address(const boost::asio::ip::address& address);

// "ip:port" / "[ipv6]:port" of a normalized address.
std::string endpoint_string(const boost::asio::ip::tcp::endpoint& endpoint);

}  // namespace zablab::runtime
