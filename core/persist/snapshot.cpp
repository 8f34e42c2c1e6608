#include "core/persist/snapshot.h"

#include "core/jute/records.h"
#include "core/persist/disk_layout.h"
#include "core/util/adler32.h"

namespace zablab::persist {
namespace {
constexpr std::size_t kHeader = 16;
// After the body: the checksum (long) and the end marker (the string "/": int length + 1 byte).
constexpr std::size_t kTrailer = 13;
}  // namespace

SnapshotLoader::SnapshotLoader(bool extended_types_enabled)
    : parser_(extended_types_enabled, false, kHeader) {}

void SnapshotLoader::feed(std::string_view bytes) {
  try {
    seen_ += bytes.size();
    if (header_.size() < kHeader) {
      const std::size_t take = std::min(kHeader - header_.size(), bytes.size());
      header_.append(bytes.substr(0, take));
      bytes.remove_prefix(take);
      if (header_.size() < kHeader) return;
      const auto header = jute::decode<jute::FileHeader>(header_);
      if (header.magic != kSnapshotMagic || header.version != kFormatVersion)
        throw SnapshotError(0, "not a snapshot (bad magic or version)");
      sum_.update(header_);
    }
    if (!parser_.done()) {
      // The parser copies only the record it is in the middle of, so a file fed a piece at a time
      // is never held whole.
      const std::size_t used = parser_.feed(bytes);
      sum_.update(bytes.substr(0, used));
      bytes.remove_prefix(used);
    }
    // Whatever follows the body is the trailer (and, from Apache ZooKeeper 3.6+, a digest that
    // is not needed to load the tree): only its first bytes are kept.
    if (parser_.done() && trailer_.size() < kTrailer)
      trailer_.append(bytes.substr(0, std::min(kTrailer - trailer_.size(), bytes.size())));
  } catch (const jute::DecodeError& e) {
    throw SnapshotError(e.offset(), e.what());
  } catch (const std::bad_alloc&) {
    throw SnapshotError(kHeader, "out of memory while loading (a corrupt length?)");
  } catch (const std::length_error& e) {
    throw SnapshotError(kHeader, std::string("too large to load: ") + e.what());
  }
}

void SnapshotLoader::finish(std::int64_t zxid, data::DataTree& tree) {
  if (header_.size() < kHeader)
    throw SnapshotError(0, "file header incomplete (" + std::to_string(header_.size()) + " of 16 bytes)");
  if (!parser_.done()) throw SnapshotError(seen_, "the file ends before the nodes do (cut short?)");
  const std::size_t sum_at = kHeader + parser_.consumed();
  if (trailer_.size() < kTrailer) throw SnapshotError(sum_at, "the file ends before its checksum (cut short?)");
  try {
    jute::Reader r(trailer_);
    const auto expected = static_cast<std::uint32_t>(r.i64("checksum"));
    if (sum_.value() != expected) throw SnapshotError(sum_at, "checksum mismatch");
    if (r.str("end marker") != "/") throw SnapshotError(sum_at + 8, "missing end marker");
  } catch (const jute::DecodeError& e) {
    throw SnapshotError(sum_at + e.offset(), e.what());
  }
  tree = parser_.take_tree(zxid);
}

void load_snapshot(std::string_view bytes, std::int64_t zxid, bool extended_types_enabled, data::DataTree& tree) {
  SnapshotLoader loader(extended_types_enabled);
  constexpr std::size_t kPiece = std::size_t{1} << 20;
  for (std::size_t at = 0; at < bytes.size(); at += kPiece) loader.feed(bytes.substr(at, kPiece));
  loader.finish(zxid, tree);
}

}  // namespace zablab::persist
