// Real ZooKeeper bugs that model checking found in Zab's implementation, kept here as switches
// that put our code back into the buggy order -- so that a scenario can show each one losing
// data, and the same scenario on the correct code not losing it. All off by default; only the
// simulator's deliberate-bug mechanism (sim/scenario/bugs.h) turns one on.
//
// The correct order on a learner receiving NEWLEADER (learner_sync.cpp, on_newleader) is:
//   log the txns the sync brought -> fsync them -> write currentEpoch -> ACK NEWLEADER.
// Each switch breaks one link of that chain, or the reload after a TRUNC.
#pragma once

namespace zablab::quorum {

struct ZabBugs {
  // ZOOKEEPER-2845: after a TRUNC the log on disk is cut, but the in-memory database is kept
  // (not reloaded from the truncated log), so txns that were never committed stay visible.
  bool keep_db_after_trunc = false;
  // ZOOKEEPER-3911: the txns of a DIFF are only logged once UPTODATE arrives, after the ACK of
  // NEWLEADER -- a leader counts that ACK while they are nowhere on the follower's disk.
  bool log_diff_after_uptodate = false;
  // ZOOKEEPER-4643: currentEpoch is written before the synced txns are logged and fsynced: a
  // crash in between leaves a server with a new epoch and an old log, which can win an election.
  bool epoch_before_log = false;
  // ZOOKEEPER-4646: the ACK of NEWLEADER goes out before the fsync of the synced txns (they are
  // handed to an asynchronous logger): a crash right after the ACK loses them.
  bool ack_newleader_before_fsync = false;
};

}  // namespace zablab::quorum
