// How a peer connection says who opened it, as Apache ZooKeeper 3.8's members do, so that zablab
// and Apache members share one ensemble.
//
// Election port (QuorumCnxManager.initiateConnection / handleConnection): the opener writes
//   long protocolVersion (-65536 = V1; -65535 = V2, several addresses joined by '|'),
//   long sid, int n (1..2048), n bytes of its election address "host:port";
// a first long >= 0 is the pre-3.5 header: just the sid. Messages then follow as int length + bytes.
//
// Quorum port (Learner.registerWithLeader / LearnerHandler.run): no header at all. The learner's
// first QuorumPacket is FOLLOWERINFO or OBSERVERINFO, whose data starts with its sid (LearnerInfo);
// the packet itself belongs to the stream (the node reads it too).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/env/env.h"

namespace zablab::runtime {

inline constexpr std::int64_t kElectionProtocolV1 = -65536;
inline constexpr std::int64_t kElectionProtocolV2 = -65535;
// QuorumCnxManager.maxBuffer: the longest election address list a header may carry.
inline constexpr std::int32_t kMaxHelloAddress = 2048;

struct Hello {
  enum class Status { need_more, ok, bad };
  Status status = Status::need_more;
  PeerId sid = 0;
  std::size_t length = 0;  // bytes of the header (election) / of the first packet (quorum)
  std::string address;     // election: the address the opener announced ("" for the old header)
  std::string error;       // bad: what is wrong, for the log
};

// Our header on an election connection we open: V1 with `election_address` ("host:port").
std::string election_hello(PeerId self, std::string_view election_address);
Hello parse_election_hello(std::string_view bytes);
// The sid in a learner's first packet; `length` is the packet's size.
Hello parse_learner_hello(std::string_view bytes);

}  // namespace zablab::runtime
