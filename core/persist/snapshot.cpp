#include "core/persist/snapshot.h"

#include "core/jute/records.h"
#include "core/persist/disk_layout.h"
#include "core/persist/snapshot_stream.h"
#include "core/util/adler32.h"

namespace zablab::persist {

void load_snapshot(std::string_view bytes, std::int64_t zxid, bool extended_types_enabled, data::DataTree& tree) {
  constexpr std::size_t kHeader = 16;
  try {
    if (bytes.size() < kHeader) throw SnapshotError(0, "file header incomplete (" + std::to_string(bytes.size()) + " of 16 bytes)");
    const auto header = jute::decode<jute::FileHeader>(bytes.substr(0, kHeader));
    if (header.magic != kSnapshotMagic || header.version != kFormatVersion)
      throw SnapshotError(0, "not a snapshot (bad magic or version)");
    // The parser builds nothing for what is not in the file: a corrupt count or length fails at
    // the end of the bytes rather than allocating what it claims.
    SnapshotParser parser(extended_types_enabled, false, kHeader);
    // Fed a piece at a time: the parser copies what it is given, and a piece at a time it only
    // ever holds the record it is in the middle of, not a second copy of the file.
    constexpr std::size_t kPiece = std::size_t{1} << 20;
    std::size_t sum_at = kHeader;
    for (std::size_t at = kHeader; at < bytes.size() && !parser.done(); at += kPiece)
      sum_at += parser.feed(bytes.substr(at, kPiece));
    if (!parser.done()) throw SnapshotError(bytes.size(), "the file ends before the nodes do (cut short?)");
    if (bytes.size() - sum_at < 13) throw SnapshotError(sum_at, "the file ends before its checksum (cut short?)");
    jute::Reader r(bytes.substr(sum_at));
    const auto expected = static_cast<std::uint32_t>(r.i64("checksum"));
    if (util::adler32(bytes.substr(0, sum_at)) != expected) throw SnapshotError(sum_at, "checksum mismatch");
    if (r.str("end marker") != "/") throw SnapshotError(sum_at + 8, "missing end marker");
    // Apache ZooKeeper 3.6+ may seal a zxid digest after this; it is not needed to load the tree.
    tree = parser.take_tree(zxid);
  } catch (const jute::DecodeError& e) {
    throw SnapshotError(e.offset(), e.what());
  } catch (const std::bad_alloc&) {
    throw SnapshotError(kHeader, "out of memory while loading (a corrupt length?)");
  } catch (const std::length_error& e) {
    throw SnapshotError(kHeader, std::string("too large to load: ") + e.what());
  }
}

}  // namespace zablab::persist
