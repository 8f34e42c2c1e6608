#include "sim/record/peer_streams.h"

#include "core/jute/codes.h"
#include "core/quorum/messages.h"

namespace zablab::sim::record {

std::vector<PeerStreams::Message> PeerStreams::feed(std::uint64_t conn, PeerChannel channel, bool outgoing,
                                                    std::string_view bytes) {
  std::vector<Message> out;
  Stream& s = streams_.try_emplace({conn, outgoing}, limits_).first->second;
  if (s.broken || bytes.empty()) return out;
  if (channel == PeerChannel::election) {
    s.frames.feed(bytes);
    cut_election(s, out);
  } else {
    s.packets.feed(bytes);
    cut_quorum(s, out);
  }
  return out;
}

void PeerStreams::cut_election(Stream& s, std::vector<Message>& out) {
  std::string message;
  for (;;) {
    const auto status = s.frames.next(message);
    if (status == jute::FrameDecoder::Status::need_more) return;
    if (status != jute::FrameDecoder::Status::frame) {
      out.push_back({describe_notification({}), s.frames.buffered()});
      s.broken = true;
      return;
    }
    out.push_back({describe_notification(message), message.size() + 4});
  }
}

void PeerStreams::cut_quorum(Stream& s, std::vector<Message>& out) {
  for (;;) {
    if (s.snapshot) {
      // The snapshot after SNAP is not a packet: one "snapshot" message per piece that arrived,
      // up to its end ("BenWasHere"), after which packets follow again.
      const std::string_view rest = s.packets.unread();
      if (rest.empty()) return;
      std::size_t used = rest.size();
      try {
        used = s.snapshot->feed(rest);
        if (s.snapshot->done()) s.snapshot.reset();
      } catch (const persist::SnapshotError&) {
        s.snapshot.reset();  // the learner gives up on it too; what follows is read as packets
      }
      s.packets.skip(used);
      out.push_back({describe_snapshot_piece(used), used});
      continue;
    }
    std::optional<std::string> packet;
    try {
      packet = s.packets.next_packet();
    } catch (const jute::DecodeError&) {
      const std::size_t rest = s.packets.unread().size();
      out.push_back({describe_quorum_packet(s.packets.unread()), rest});
      s.broken = true;
      return;
    }
    if (!packet) return;
    Message m{describe_quorum_packet(*packet), packet->size()};
    if (m.frame.packet_type == quorum::packet::snap)
      s.snapshot.emplace(limits_.extended_types_enabled, /*signed_stream=*/true, 0, limits_.max_field);
    out.push_back(std::move(m));
  }
}

}  // namespace zablab::sim::record
