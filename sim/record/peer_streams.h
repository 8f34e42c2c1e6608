// A real server's peer connections, cut into the messages its trace records.
//
// zablab-server --trace hears the bytes each of its peer connections carries, both ways
// (runtime/peer_transport.h, wire listener). On the election port they are messages, each after
// a 4-byte length; on the quorum port, QuorumPackets back to back with nothing between them and,
// after a SNAP, the snapshot itself (core/quorum/quorum_stream.h). Each direction of each
// connection is cut here into those messages as they complete, and each is described as every
// trace describes it (sim/peer_wire_labels.h): what a real server records is what the simulator
// records for the same bytes.
//
// A stream that stops making sense (a bad length) gives one "undecodable" message and is not
// read further; the node closes such a connection anyway. Memory: at most one unfinished message
// per stream (bounded by `max_field`, as the node bounds it), plus the snapshot parser's record.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string_view>
#include <utility>
#include <vector>

#include "core/env/env.h"
#include "core/jute/frame.h"
#include "core/persist/snapshot_stream.h"
#include "core/quorum/quorum_stream.h"
#include "sim/peer_wire_labels.h"

namespace zablab::sim::record {

// What the node allows, so that the recording reads what the node reads.
struct PeerStreamLimits {
  std::size_t max_field = std::size_t{3} << 20;  // the node's: jute.maxbuffer * 2 + 1 MiB
  bool extended_types_enabled = false;             // how snapshots are read (zookeeper.extendedTypesEnabled)
};

class PeerStreams {
 public:
  // The election port's largest message (QuorumCnxManager's PACKETMAXSIZE), as the transport's.
  static constexpr std::size_t kMaxElectionMessage = std::size_t{512} << 10;
  using Limits = PeerStreamLimits;
  // One message: how it is named, and its size on the wire (an election message's length included).
  struct Message {
    PeerFrame frame;
    std::size_t wire_bytes = 0;
  };

  explicit PeerStreams(Limits limits = {}) : limits_(limits) {}

  // The messages that `bytes`, the next bytes one direction of connection `conn` carried, complete.
  std::vector<Message> feed(std::uint64_t conn, PeerChannel channel, bool outgoing, std::string_view bytes);
  // The connection ended: drop what its streams hold.
  void forget(std::uint64_t conn) {
    streams_.erase({conn, true});
    streams_.erase({conn, false});
  }
  std::size_t stream_count() const { return streams_.size(); }

 private:
  struct Stream {
    explicit Stream(const Limits& limits) : frames(kMaxElectionMessage), packets(limits.max_field) {}
    jute::FrameDecoder frames;                       // election
    quorum::QuorumStream packets;                    // quorum
    std::optional<persist::SnapshotParser> snapshot;  // quorum, after SNAP
    bool broken = false;
  };
  void cut_election(Stream& s, std::vector<Message>& out);
  void cut_quorum(Stream& s, std::vector<Message>& out);

  Limits limits_;
  std::map<std::pair<std::uint64_t, bool>, Stream> streams_;  // (conn, outgoing)
};

}  // namespace zablab::sim::record
