#include "core/data/digest.h"

#include <array>

#include "core/util/crc32.h"
#include "core/util/hex.h"

namespace zablab::data {
namespace {

void put_be(char*& at, std::uint64_t v, int bytes) {
  for (int i = bytes - 1; i >= 0; --i) *at++ = static_cast<char>((v >> (8 * i)) & 0xFFu);
}

}  // namespace

std::string describe(const DigestMismatch& m) {
  return std::string("Digests are not matching at zxid ") + util::hex(m.zxid) + ": the " +
         (m.source == DigestMismatch::Source::txn ? "txn's TxnDigest" : "snapshot's digest") + " is " +
         std::to_string(m.expected) + ", the tree's digest " + std::to_string(m.actual);
}

bool digest_excluded(std::string_view path) { return path.starts_with("/zookeeper/"); }

std::uint32_t content_crc(std::string_view path, const jute::Bytes& data) {
  // "" and "/" are the same node to ZooKeeper's DataTree; DigestCalculator hashes both as "".
  std::uint32_t crc = util::crc32(path == "/" ? std::string_view() : path);
  if (data) crc = util::crc32(crc, *data);
  return crc;
}

std::uint64_t node_digest(std::uint32_t content_crc, const jute::StatPersisted& stat) {
  // 8 * 6 + 4 * 3 = 60 bytes, in DigestCalculator's order (not StatPersisted's wire order).
  std::array<char, 60> b{};
  char* at = b.data();
  put_be(at, static_cast<std::uint64_t>(stat.czxid), 8);
  put_be(at, static_cast<std::uint64_t>(stat.mzxid), 8);
  put_be(at, static_cast<std::uint64_t>(stat.pzxid), 8);
  put_be(at, static_cast<std::uint64_t>(stat.ctime), 8);
  put_be(at, static_cast<std::uint64_t>(stat.mtime), 8);
  put_be(at, static_cast<std::uint32_t>(stat.version), 4);
  put_be(at, static_cast<std::uint32_t>(stat.cversion), 4);
  put_be(at, static_cast<std::uint32_t>(stat.aversion), 4);
  put_be(at, static_cast<std::uint64_t>(stat.ephemeral_owner), 8);
  return util::crc32(content_crc, std::string_view(b.data(), b.size()));
}

std::uint64_t node_digest(std::string_view path, const jute::Bytes& data, const jute::StatPersisted& stat) {
  return digest_excluded(path) ? 0 : node_digest(content_crc(path, data), stat);
}

}  // namespace zablab::data
