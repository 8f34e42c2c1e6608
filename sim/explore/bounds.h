// Bounds of a systematic exploration (`zablab-sim explore`), named after the constants of
// ZooKeeper's TLA+ specification (zookeeper-specifications/protocol-spec: MaxEpoch,
// MaxTransactionNum, MaxCrashes, MaxPartitions...): what the search may do, and how far.
//
//   ExploreBounds b;
//   if (auto err = parse_bounds("servers=3,max-crashes=2,depth=6", b)) std::cerr << *err;
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace zablab::sim::explore {

struct ExploreBounds {
  int servers = 3;             // ensemble size (voters)
  int max_epoch = 3;           // states where some server accepted a later epoch are not expanded
  int max_transactions = 2;    // client writes the search may issue
  int max_reads = 0;           // client reads (plain or after a sync) the search may issue; above 0
                               // a second client, on s1, reads too
  int max_ephemerals = 0;      // ephemeral znodes a third client (c3, on s2, with a 4 s session)
                               // may create; above 0 it joins, and its process may die (`stop c3`)
                               // so that its session expires
  int max_crashes = 2;         // crashes (plain, at a message, and crash points that fired)
  int max_restarts = 2;
  int max_partitions = 1;      // isolations of one server (each healed by `heal`)
  int max_crash_points = 1;    // persistence crash points armed (sim/crash_points.h)
  int depth = 6;               // choices along one path
};

struct BoundInfo {
  std::string name;  // "max-crashes"
  std::string what;
  int ExploreBounds::*field;
  int lo, hi;
};
// Every bound, in the order `--help` lists them.
const std::vector<BoundInfo>& bound_infos();

// Parses "name=value,name=value" into `b` (other fields keep their values). On a mistake returns
// a message that names it and lists the valid bounds.
std::optional<std::string> parse_bounds(const std::string& text, ExploreBounds& b);
// "servers=3 max-epoch=3 ..." for headers and reports.
std::string describe(const ExploreBounds& b);

}  // namespace zablab::sim::explore
