// A readable timeline of a run, printed as its trace records come (live) or as they are read back
// from a recording (replay): role changes, elections, syncs, faults, the script's actions and
// expectations, client operations, violations. `verbose` adds every Zab message and commit.
//
//     2.412000s  s3      LOOKING -> LEADING (elected with zxid 0x0)
//     2.415800s  s3      established epoch 1
//    10.000000s  script  crash leader (s3)
#pragma once

#include <cstdint>
#include <map>
#include <ostream>
#include <set>
#include <string>

#include "sim/trace.h"

namespace zablab::sim::scenario {

// "12.345678s"
std::string format_time(Nanos t);

class TimelinePrinter {
 public:
  TimelinePrinter(std::ostream& out, bool verbose) : out_(out), verbose_(verbose) {}

  void on_record(const TraceRecord& r);
  // Operations whose invocation and result are not printed (workloads).
  void quiet(std::uint64_t op_id) { quiet_.insert(op_id); }
  // Client operations seen (invoked) so far, for a summary.
  std::uint64_t lines() const { return lines_; }

 private:
  void line(Nanos t, const std::string& who, const std::string& text);

  std::ostream& out_;
  bool verbose_;
  std::uint64_t lines_ = 0;
  std::set<std::uint64_t> quiet_;
  struct Invoked {
    std::string op;
    std::string path;
  };
  std::map<std::uint64_t, Invoked> invoked_;
  struct PendingRead {
    Nanos time;
    std::string who;
    std::string text;
  };
  std::map<std::uint64_t, PendingRead> pending_read_;
};

}  // namespace zablab::sim::scenario
