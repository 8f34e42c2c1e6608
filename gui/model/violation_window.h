// The operations a checker could not order: a check.violation record's "ops" (client op ids --
// client.linearizable-writes' smallest window, or the read client.linearizable-reads found
// wrong), each resolved to its client and to the records of its invocation and return, so that
// the client lanes, the clients panel and the events list can mark them.
//
// Follows a timeline as it grows: follow() reads only the records added since its last call.
// Pure (no ImGui), single-threaded.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "gui/model/timeline.h"

namespace zablab::gui {

struct WindowOp {
  std::uint64_t op_id = 0;
  EndpointId client = kNoEndpoint;  // kNoEndpoint: the op's invocation is not in the trace
  std::string op;                   // "setData", "getData"...
  std::string path;
  std::int64_t invoke_seq = -1;  // its client.invoke record
  std::int64_t return_seq = -1;  // its client.return record; -1: never returned (outcome unknown)
};

struct ViolationWindow {
  std::uint64_t violation_seq = 0;  // the check.violation record
  std::string invariant;
  std::vector<WindowOp> ops;  // in the order the violation lists them
};

class ViolationWindows {
 public:
  // Reads the records `timeline` gained since the last call.
  void follow(const Timeline& timeline);
  // Every violation that names operations, in trace order.
  const std::vector<ViolationWindow>& windows() const { return windows_; }
  // The window to show: the first one (the violation that stopped the run); nullptr if none.
  const ViolationWindow* first() const { return windows_.empty() ? nullptr : &windows_.front(); }
  // Whether record `seq` is the invocation or return of an operation in the first window.
  bool marks(std::uint64_t seq) const { return marked_.count(seq) > 0; }

 private:
  struct Known {
    EndpointId client = kNoEndpoint;
    std::string op, path;
    std::int64_t invoke_seq = -1;
    std::int64_t return_seq = -1;
  };
  void resolve(ViolationWindow& w) const;

  std::size_t next_ = 0;
  std::map<std::uint64_t, Known> ops_;  // every client op seen, by id
  std::vector<ViolationWindow> windows_;
  std::set<std::uint64_t> marked_;    // invoke/return seqs of the first window's ops
  // The first window's ops whose return has not been read yet: op id -> index in it.
  std::map<std::uint64_t, std::size_t> awaiting_return_;
};

}  // namespace zablab::gui
