#include "sim/snapshot_pieces.h"

#include "core/quorum/messages.h"

namespace zablab::sim {

bool SnapshotPieces::take(std::string_view message) {
  if (!parser_) return false;
  try {
    parser_->feed(message);
  } catch (const persist::SnapshotError&) {
    // The learner will give up on it too; what follows is decoded as packets again.
    parser_.reset();
    return true;
  }
  if (parser_->done()) parser_.reset();
  return true;
}

void SnapshotPieces::saw_packet(std::int32_t type) {
  if (type == quorum::packet::snap) parser_.emplace(true, true);
}

}  // namespace zablab::sim
