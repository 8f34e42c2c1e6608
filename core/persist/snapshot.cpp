#include "core/persist/snapshot.h"

#include <optional>
#include <stdexcept>

#include "core/jute/records.h"
#include "core/persist/disk_layout.h"
#include "core/util/adler32.h"
#include "core/util/hex.h"

namespace zablab::persist {
namespace {
constexpr std::size_t kHeader = 16;
// After the body: the checksum (long) and the end marker (the string "/": int length + 1 byte).
constexpr std::size_t kSeal = 13;
// What is kept after the body: the seal, a digest (20 bytes, or for version 1 a hex string) and
// the second seal. Anything beyond is not read, by ZooKeeper either.
constexpr std::size_t kTrailerMax = 128;

// The digest after the first seal, or nullopt if the bytes end first (an older writer).
std::optional<data::ZxidDigest> read_zxid_digest(jute::Reader& r) {
  try {
    data::ZxidDigest d;
    d.zxid = r.i64("digest zxid");
    d.version = r.i32("digest version");
    if (d.version < 2) {
      // Version 1 (3.6.0) wrote the digest as a hex string.
      const std::string text = r.str("digest");
      d.digest = text.empty() ? 0 : static_cast<std::int64_t>(std::stoull(text, nullptr, 16));
    } else {
      d.digest = r.i64("digest");
    }
    return d;
  } catch (const jute::DecodeError&) {
    return std::nullopt;
  } catch (const std::logic_error&) {  // stoull: not hex
    return std::nullopt;
  }
}

std::string digest_note(const data::ZxidDigest& d, std::int64_t zxid, const data::DataTree& tree,
                        const std::optional<data::DigestMismatch>& mismatch) {
  const std::string what = "digest " + std::to_string(d.digest) + " (version " + std::to_string(d.version) +
                           ") of zxid " + util::hex(d.zxid);
  if (mismatch) return data::describe(*mismatch);
  if (d.zxid == 0) return "the digest is empty (written before any txn was applied): not compared";
  if (d.zxid < zxid) return what + " is older than the snapshot's zxid " + util::hex(zxid) + ": not compared";
  if (tree.snapshot_digest_pending()) return what + ": compared once replay reaches that zxid";
  if (d.version != data::kDigestVersion) return what + ": another digest version, not compared";
  return what + " matches the tree";
}

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
    // Whatever follows the body is the trailer: the seal, and from ZooKeeper 3.6 on the digest and
    // its seal. Only its first bytes are kept.
    if (parser_.done() && trailer_.size() < kTrailerMax)
      trailer_.append(bytes.substr(0, std::min(kTrailerMax - trailer_.size(), bytes.size())));
  } catch (const jute::DecodeError& e) {
    throw SnapshotError(e.offset(), e.what());
  } catch (const std::bad_alloc&) {
    throw SnapshotError(kHeader, "out of memory while loading (a corrupt length?)");
  } catch (const std::length_error& e) {
    throw SnapshotError(kHeader, std::string("too large to load: ") + e.what());
  }
}

SnapshotDigestCheck SnapshotLoader::finish(std::int64_t zxid, data::DataTree& tree) {
  if (header_.size() < kHeader)
    throw SnapshotError(0, "file header incomplete (" + std::to_string(header_.size()) + " of 16 bytes)");
  if (!parser_.done()) throw SnapshotError(seen_, "the file ends before the nodes do (cut short?)");
  const std::size_t sum_at = kHeader + parser_.consumed();
  if (trailer_.size() < kSeal) throw SnapshotError(sum_at, "the file ends before its checksum (cut short?)");
  jute::Reader r(trailer_);
  try {
    const auto expected = static_cast<std::uint32_t>(r.i64("checksum"));
    if (sum_.value() != expected) throw SnapshotError(sum_at, "checksum mismatch");
    if (r.str("end marker") != "/") throw SnapshotError(sum_at + 8, "missing end marker");
  } catch (const jute::DecodeError& e) {
    throw SnapshotError(sum_at + e.offset(), e.what());
  }
  const std::optional<data::ZxidDigest> digest = read_zxid_digest(r);
  SnapshotDigestCheck check;
  if (!digest) {
    tree = parser_.take_tree(zxid);
    check.missing = true;
    check.note = "no digest after the checksum (ZooKeeper: \"Got EOF exception while reading the digest\", "
                 "a snapshot of 3.5 or older): not compared";
    return check;
  }
  // The second seal covers everything before it, the first seal and the digest included. A digest
  // without it is a file cut short: ZooKeeper refuses such a snapshot (checkSealIntegrity).
  const std::size_t digest_end = r.pos();
  util::Adler32 sum = sum_;
  sum.update(std::string_view(trailer_).substr(0, digest_end));
  try {
    const auto expected = static_cast<std::uint32_t>(r.i64("checksum after the digest"));
    if (sum.value() != expected) throw SnapshotError(sum_at + digest_end, "checksum after the digest mismatch");
    if (r.str("end marker after the digest") != "/") throw SnapshotError(sum_at + digest_end + 8, "missing end marker after the digest");
  } catch (const jute::DecodeError& e) {
    throw SnapshotError(sum_at + digest_end + e.offset(), std::string(e.what()) + " (cut short after the digest?)");
  }
  tree = parser_.take_tree(zxid);
  const std::optional<data::DigestMismatch> mismatch = tree.expect_snapshot_digest(*digest);
  check.mismatch = mismatch.has_value();
  check.note = digest_note(*digest, zxid, tree, mismatch);
  return check;
}

SnapshotDigestCheck load_snapshot(std::string_view bytes, std::int64_t zxid, bool extended_types_enabled,
                                  data::DataTree& tree) {
  SnapshotLoader loader(extended_types_enabled);
  constexpr std::size_t kPiece = std::size_t{1} << 20;
  for (std::size_t at = 0; at < bytes.size(); at += kPiece) loader.feed(bytes.substr(at, kPiece));
  return loader.finish(zxid, tree);
}

}  // namespace zablab::persist
