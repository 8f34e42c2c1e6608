#include "core/quorum/zab_invariants.h"

#include <string>

#include "core/util/hex.h"

namespace zablab::quorum::invariants {

std::optional<util::Breach> proposal_above_last(std::int64_t zxid, std::int64_t last) {
  return util::check(zxid > last, "a leader proposes above its last zxid",
                     [&] { return "proposal " + util::hex(zxid) + ", last " + util::hex(last); });
}

std::optional<util::Breach> logged_in_order(std::int64_t zxid, std::int64_t last) {
  return util::check(zxid > last, "a learner logs proposals in zxid order",
                     [&] { return "proposal " + util::hex(zxid) + ", last logged or applied " + util::hex(last); });
}

std::optional<util::Breach> epoch_never_backwards(std::string_view file, std::int64_t written, std::int64_t before) {
  return util::check(written >= before, "an epoch on disk never goes backwards", [&] {
    return std::string(file) + " " + std::to_string(written) + " written over " + std::to_string(before);
  });
}

std::optional<util::Breach> current_within_accepted(std::int64_t current, std::int64_t accepted) {
  return util::check(current <= accepted, "currentEpoch is never above acceptedEpoch", [&] {
    return "currentEpoch " + std::to_string(current) + ", acceptedEpoch " + std::to_string(accepted);
  });
}

std::optional<util::Breach> commit_within_log(std::int64_t zxid, std::int64_t logged) {
  return util::check(zxid <= logged, "a committed zxid is never above the logged one",
                     [&] { return "commit " + util::hex(zxid) + ", last logged " + util::hex(logged); });
}

std::optional<util::Breach> trunc_keeps_committed(std::int64_t trunc_zxid, std::int64_t committed) {
  return util::check(trunc_zxid >= committed, "a TRUNC never goes below a committed zxid",
                     [&] { return "TRUNC to " + util::hex(trunc_zxid) + ", committed " + util::hex(committed); });
}

}  // namespace zablab::quorum::invariants
