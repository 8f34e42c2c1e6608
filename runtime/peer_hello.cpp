#include "runtime/peer_hello.h"

#include "core/jute/io.h"
#include "core/quorum/messages.h"
#include "core/quorum/quorum_stream.h"

namespace zablab::runtime {
namespace {

// A learner's first packet is small (LearnerInfo is 20 bytes): anything near this is not one.
constexpr std::size_t kMaxLearnerHelloField = 4096;

std::int64_t read_i64(std::string_view b, std::size_t at) {
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < 8; ++i) v = (v << 8) | static_cast<unsigned char>(b[at + i]);
  return static_cast<std::int64_t>(v);
}

std::int32_t read_i32(std::string_view b, std::size_t at) {
  std::uint32_t v = 0;
  for (std::size_t i = 0; i < 4; ++i) v = (v << 8) | static_cast<unsigned char>(b[at + i]);
  return static_cast<std::int32_t>(v);
}

Hello bad(std::string why) {
  Hello h;
  h.status = Hello::Status::bad;
  h.error = std::move(why);
  return h;
}

}  // namespace

std::string election_hello(PeerId self, std::string_view election_address) {
  jute::Writer w;
  w.i64(kElectionProtocolV1);
  w.i64(self);
  w.i32(static_cast<std::int32_t>(election_address.size()));
  w.raw(election_address);
  return w.take();
}

Hello parse_election_hello(std::string_view bytes) {
  Hello h;
  if (bytes.size() < 8) return h;
  const std::int64_t first = read_i64(bytes, 0);
  if (first >= 0) {  // the old header: the sid alone
    h.status = Hello::Status::ok;
    h.sid = first;
    h.length = 8;
    return h;
  }
  if (first != kElectionProtocolV1 && first != kElectionProtocolV2)
    return bad("unknown election protocol version " + std::to_string(first) + " (Apache ZooKeeper 3.8 sends " +
               std::to_string(kElectionProtocolV1) + ")");
  if (bytes.size() < 8 + 8 + 4) return h;
  const std::int64_t sid = read_i64(bytes, 8);
  const std::int32_t n = read_i32(bytes, 16);
  if (n <= 0 || n > kMaxHelloAddress)
    return bad("server " + std::to_string(sid) + " announces an election address of " + std::to_string(n) +
               " bytes (1.." + std::to_string(kMaxHelloAddress) + ")");
  const std::size_t length = 20 + static_cast<std::size_t>(n);
  if (bytes.size() < length) return h;
  h.status = Hello::Status::ok;
  h.sid = sid;
  h.length = length;
  h.address = std::string(bytes.substr(20, static_cast<std::size_t>(n)));
  return h;
}

Hello parse_learner_hello(std::string_view bytes) {
  Hello h;
  std::optional<std::size_t> size;
  try {
    size = quorum::quorum_packet_size(bytes, kMaxLearnerHelloField);
  } catch (const jute::DecodeError& e) {
    return bad(std::string("first packet: ") + e.what());
  }
  if (!size) return h;
  const std::int32_t type = read_i32(bytes, 0);
  if (type != quorum::packet::followerinfo && type != quorum::packet::observerinfo)
    return bad("first packet is " + std::string(quorum::packet_name(type)) + " (type " + std::to_string(type) +
               "), not FOLLOWERINFO or OBSERVERINFO");
  const std::int32_t data_length = read_i32(bytes, 12);
  if (data_length < 8)
    return bad(std::string(quorum::packet_name(type)) + " without a server id (LearnerInfo of " +
               std::to_string(data_length < 0 ? 0 : data_length) + " bytes)");
  h.status = Hello::Status::ok;
  h.sid = read_i64(bytes, 16);
  h.length = *size;
  return h;
}

}  // namespace zablab::runtime
