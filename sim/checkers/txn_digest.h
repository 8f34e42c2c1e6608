// The content digest of a txn, as the oracle compares txns: FNV-1a over the txn's JSON
// (data::txn_to_json), the same text on every server for the same txn. The trace carries it from
// the moment a txn is proposed (zab.propose holds the txn, a PROPOSAL or INFORM on the wire its
// digest), so no check ever has to compare zxids alone. Never 0: 0 means "not known".
#pragma once

#include <cstdint>
#include <string_view>

namespace zablab::sim::check {

inline std::uint64_t txn_digest(std::string_view txn_json) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : txn_json) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  return h == 0 ? 1 : h;
}

}  // namespace zablab::sim::check
