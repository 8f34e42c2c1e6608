// Deliberate server bugs, kept as switches so that the simulator can show a checker catching
// each (sim/scenario/bugs.h). All off by default; nothing but the simulator's deliberate-bug
// mechanism turns one on, and a real server never does.
#pragma once

namespace zablab::server {

struct ServerBugs {
  // keep-expired-ephemerals: applying the closeSession of an expired session (the one a leader
  // makes itself, cxid 0) leaves the session's ephemerals in the tree, on every server.
  bool keep_expired_ephemerals = false;
  // ignore-set-version: the leader's request preparation ignores setData's expected version, so a
  // conditional write meant to fail (another client wrote in between) succeeds: a lost update.
  bool ignore_set_version = false;
  // reuse-sequence-after-restart: a server whose tree came back from its disk numbers a parent's
  // sequential children from the children it finds there (ZooKeeper: the parent's cversion, which
  // counts the children created and deleted since): names already given out are given again.
  bool reuse_sequence_after_restart = false;
  // stale-cversion: getChildren2 answers with the parent's cversion as the tree stores it, which
  // counts only the children created (ZooKeeper reports creates + deletes): after a child is
  // deleted the client sees a cversion behind the one every other read shows.
  bool stale_cversion = false;
};

}  // namespace zablab::server
