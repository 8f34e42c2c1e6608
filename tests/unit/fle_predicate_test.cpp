// FLE's order of votes (ZooKeeper's totalOrderPredicate) against the cases of ZooKeeper 3.8's
// FLEPredicateTest, one row each: a later peer epoch wins, then a higher zxid, then a higher id.
#include <catch2/catch.hpp>

#include <cstdint>
#include <vector>

#include "core/quorum/election.h"

using zablab::quorum::better_vote;
using zablab::quorum::Vote;

namespace {

struct Row {
  const char* name;
  std::int64_t new_id, new_zxid, new_epoch;
  std::int64_t cur_id, cur_zxid, cur_epoch;
  bool better;
};

const std::vector<Row> kRows = {
    {"a lower epoch is never better", 4, 0, 0, 3, 0, 2, false},
    {"a later epoch is better", 0, 0, 1, 1, 0, 0, true},
    {"a higher zxid is better", 0, 1, 0, 1, 0, 0, true},
    {"with epoch and zxid equal, a higher id is better", 1, 1, 0, 0, 1, 0, true},
};

}  // namespace

TEST_CASE("fle/predicate: the cases of ZooKeeper's FLEPredicateTest") {
  for (const Row& r : kRows) {
    INFO(r.name);
    const Vote proposed{r.new_id, r.new_zxid, 1, r.new_epoch};
    const Vote current{r.cur_id, r.cur_zxid, 1, r.cur_epoch};
    CHECK(better_vote(proposed, current) == r.better);
  }
}
