// The quorum port as ZooKeeper uses it: a byte stream, not a sequence of messages.
//
// Learner and LearnerHandler write jute QuorumPacket records back to back with no length in front
// (BinaryOutputArchive on the socket), and after a SNAP packet the leader writes the snapshot
// itself onto the same stream. So a receiver cannot know where a packet ends without reading its
// fields: int type, long zxid, buffer data (int length, -1 = null), vector<Id> authinfo (int count,
// -1 = null; each Id two ustrings). The transports (runtime/, sim/) deliver whatever bytes arrived;
// a QuorumStream per connection cuts them into packets.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace zablab::quorum {

// The size of the QuorumPacket at the start of `bytes`, or nullopt if it has not all arrived.
// Throws jute::DecodeError (naming the field and its byte offset) for a negative length other
// than -1 or a field longer than `max_field`: a peer that sends that is not speaking Zab. Offsets
// in errors count from `base_offset` (where `bytes` starts in the stream).
std::optional<std::size_t> quorum_packet_size(std::string_view bytes, std::size_t max_field,
                                              std::size_t base_offset = 0);

class QuorumStream {
 public:
  explicit QuorumStream(std::size_t max_field) : max_field_(max_field) {}

  void feed(std::string_view bytes) { buffer_.append(bytes); }
  // The next whole packet's bytes, or nullopt until it has arrived. Throws as quorum_packet_size.
  std::optional<std::string> next_packet();
  // The bytes received and not yet taken (a snapshot after SNAP reads them raw).
  std::string_view unread() const { return std::string_view(buffer_).substr(read_); }
  void skip(std::size_t n);
  // Bytes taken so far: the offset an error names.
  std::size_t offset() const { return taken_ + read_; }

 private:
  void compact();

  std::size_t max_field_;
  std::string buffer_;
  std::size_t read_ = 0;   // bytes at the front of buffer_ already taken
  std::size_t taken_ = 0;  // bytes dropped from buffer_ by compact()
};

}  // namespace zablab::quorum
