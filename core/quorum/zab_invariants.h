// The invariants of Zab a peer checks on itself, always, release builds included
// (core/util/invariant.h). Each function takes the values at hand and returns the breach, if
// any; QuorumPeer stops on a breach of its own state, and refuses a leader's TRUNC that would
// break one. Tests call them directly (tests/unit/zab_invariants_test.cpp).
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "core/util/invariant.h"

namespace zablab::quorum::invariants {

// A leader proposes each zxid above every zxid it proposed or applied before.
std::optional<util::Breach> proposal_above_last(std::int64_t zxid, std::int64_t last);
// A learner logs proposals in increasing zxid order, each above what its log and tree hold.
std::optional<util::Breach> logged_in_order(std::int64_t zxid, std::int64_t last);
// An epoch file (acceptedEpoch, currentEpoch) is never written with a smaller epoch.
std::optional<util::Breach> epoch_never_backwards(std::string_view file, std::int64_t written, std::int64_t before);
// currentEpoch never runs ahead of acceptedEpoch: a peer takes as current only an epoch it accepted.
std::optional<util::Breach> current_within_accepted(std::int64_t current, std::int64_t accepted);
// A txn is committed only once it is in the log: its zxid is never above the last one appended.
std::optional<util::Breach> commit_within_log(std::int64_t zxid, std::int64_t logged);
// A TRUNC never cuts away a txn this peer knows to be committed.
std::optional<util::Breach> trunc_keeps_committed(std::int64_t trunc_zxid, std::int64_t committed);

}  // namespace zablab::quorum::invariants
