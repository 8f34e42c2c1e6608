// Request latency as ZooKeeper 3.8 counts it: whole milliseconds from a request's arrival to its
// reply, for every request a client of this server sent (pings too). srvr/stat/mntr show the
// min/avg/max of all of them (ServerStats' request_latency); mntr also shows ZooKeeper's two
// summaries, readlatency (requests without a txn) and updatelatency (requests with one), each as
// avg/min/max/cnt/sum and the p50/p95/p99/p999 percentiles.
//
// ZooKeeper estimates its percentiles from a random sample of 4096 (a reservoir); here they are
// exact, from a count per millisecond value, with the same interpolation between ranks
// (Dropwizard's UniformSnapshot), so a seed gives the same figures every run.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace zablab::server {

class LatencySummary {
 public:
  void add(std::int64_t ms);

  std::uint64_t count() const { return count_; }
  std::int64_t sum() const { return sum_; }
  std::int64_t min() const { return count_ ? min_ : 0; }  // 0 when empty, as ZooKeeper
  std::int64_t max() const { return max_; }
  // The mean, rounded half up to 4 decimals, as ZooKeeper's AvgMinMaxCounter.getAvg.
  double avg() const;
  // The value at `quantile` (0..1), rounded to a whole ms; 0 when empty.
  std::int64_t percentile(double quantile) const;

 private:
  std::map<std::int64_t, std::uint64_t> counts_;  // ms -> requests that took it
  std::uint64_t count_ = 0;
  std::int64_t sum_ = 0;
  std::int64_t min_ = 0;
  std::int64_t max_ = 0;
};

struct LatencyStats {
  LatencySummary all;
  LatencySummary read;
  LatencySummary update;

  void add(std::int64_t ms, bool has_txn) {
    all.add(ms);
    (has_txn ? update : read).add(ms);
  }
  // mntr's lines for the two summaries: (key without "zk_", value), in ZooKeeper's order.
  std::vector<std::pair<std::string, std::string>> summary_lines() const;
};

// A double as Java's Double.toString prints it, for the values these figures take: "0.0", "2.5",
// "0.1234", "1.0E-4".
std::string java_double(double v);

}  // namespace zablab::server
