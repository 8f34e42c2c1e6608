// ZooKeeper's data tree digest (ZOOKEEPER-3114, on by default in 3.8: zookeeper.digest.enabled).
//
// Each znode hashes to the CRC-32 of its path, its data and 60 bytes of its persisted stat
// (czxid, mzxid, pzxid, ctime, mtime as longs; version, cversion, aversion as ints;
// ephemeralOwner as a long; big-endian), widened to 64 bits. The root hashes under the path "",
// and every node under "/zookeeper/" (quota, config) counts 0 (DigestCalculator). The tree's
// digest is the sum of its nodes' hashes modulo 2^64 (AdHash), so one node's change moves it by
// that node's new hash less its old one: O(node) per write, never O(tree).
//
// The digest travels as ZooKeeper writes it: a TxnDigest{version, treeDigest} after each txn in
// the log and in PROPOSALs (core/data/txn.h), and a ZxidDigest{zxid, version, digest} sealed after
// a snapshot file's checksum (core/persist/snapshot.h).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/jute/records.h"

namespace zablab::data {

// DigestCalculator.DIGEST_VERSION in 3.6 to 3.9: version 2, the digest as a long.
inline constexpr std::int32_t kDigestVersion = 2;

// The tree's digest at a zxid, as a snapshot file ends with it (DataTree.ZxidDigest).
struct ZxidDigest {
  std::int64_t zxid = 0;
  std::int32_t version = kDigestVersion;
  std::int64_t digest = 0;
  bool operator==(const ZxidDigest&) const = default;
};

// A digest that did not match the tree's (ZooKeeper's reportDigestMismatch): the txn's TxnDigest
// after applying it, or a loaded snapshot's ZxidDigest once the tree reached its zxid.
struct DigestMismatch {
  enum class Source { txn, snapshot };
  Source source = Source::txn;
  std::int64_t zxid = 0;
  std::int64_t expected = 0;  // what the txn or snapshot carries
  std::int64_t actual = 0;    // the tree's
};

// "Digests are not matching" (ZooKeeper's words, for grep) with the zxid, what was expected and
// what the tree has.
std::string describe(const DigestMismatch& mismatch);

// True for the paths ZooKeeper leaves out of the digest: everything under "/zookeeper/".
bool digest_excluded(std::string_view path);

// The CRC-32 of a node's path ("/" hashed as "") and data: the part of its hash that only a
// setData changes. A node's hash continues it over the stat (node_digest).
std::uint32_t content_crc(std::string_view path, const jute::Bytes& data);

// A node's hash from its content_crc and stat (callers give 0 for excluded paths).
std::uint64_t node_digest(std::uint32_t content_crc, const jute::StatPersisted& stat);

// The hash of the node at `path`: 0 under "/zookeeper/", else node_digest(content_crc(...)).
std::uint64_t node_digest(std::string_view path, const jute::Bytes& data, const jute::StatPersisted& stat);

}  // namespace zablab::data
