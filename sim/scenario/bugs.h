// Deliberate bugs (`bug NAME` in a scenario, `--bug NAME` on the command line): each makes a
// real quorum peer misbehave in one classic way, so that a checker can be seen to catch it.
//
// Nothing in core/ changes. A buggy server is the real quorum::QuorumPeer wrapped in a
// BuggyPeer, which sits between it and its host: it is the peer's Env (and Disk) and the host's
// Node, forwards everything, and lies in exactly one place -- rewriting or inventing a message,
// answering an fsync without syncing, or handing the peer a wrong view of the ensemble.
//
//   commit-without-quorum  a leader that assumes its followers: each PROPOSAL counts as ACKed
//                          and each PING as answered the moment it is sent, and lost followers
//                          go unnoticed -- a partitioned leader keeps committing alone.
//   ack-before-fsync       a follower whose fsync returns at once without syncing (a disk cache
//                          that lies): it ACKs proposals a power loss then takes away.
//   election-ignores-zxid  votes are compared without their zxid (each vote received is made to
//                          look as recent as the receiver's own), so the highest id wins; and
//                          epoch acknowledgements carry zxid 0, so the new leader SNAPs everyone
//                          to its own, possibly shorter, history.
//   split-config           the lowest-numbered minority of servers believes the ensemble is
//                          smaller (a botched reconfiguration): each side can form a "quorum".
//   reorder-inform         an observer's link delivers INFORMs out of order (two swapped).
//   stale-reconnect        a server that ignores the lastZxidSeen of a reconnecting client, and
//                          answers its own REVALIDATE (a round trip to the leader would catch it
//                          up first): it takes clients that have seen more than it has.
//   sync-no-barrier        a follower that answers sync() at once instead of through the leader.
//   skip-trunc             a learner that ignores TRUNC and keeps the uncommitted tail of its log.
//   stale-follower-reads   a follower that never notices its leader is gone (its silence and the
//                          broken connection are hidden from it) and goes on serving reads.
//   reorder-replies        a server sends a client connection's replies two at a time, the later
//                          first (ZooKeeper answers a session's requests in the order they came).
//   watch-after-reply      a server holds each watch notification back until it has sent the next
//                          reply on that connection (ZooKeeper sends the event before any reply
//                          that could show the change).
//
// And one for each of Zab.tla's "should not be triggered" flags, lying on the quorum link:
//
//   leader-ack-before-fsync  a leader whose fsync returns at once: its own ACK counts before the txn
//                          is durable (zab.commit-quorum counts a leader only once an fsync covers it).
//   reorder-commit         a leader sends each follower its COMMITs two at a time, the later first.
//   reorder-proposal       a leader sends each follower its PROPOSALs two at a time, the later first.
//   reorder-ack            a follower sends its ACKs two at a time, the later one first.
//   echo-commit            a follower sends each COMMIT it receives back to its leader.
//   repeat-leaderinfo      a leader sends LEADERINFO again after each UPTODATE.
//   corrupt-proposal       a leader's PROPOSALs carry a changed txn (its time stamp), not the one it
//                          proposed and applies itself.
// (They lie on the sending side, so the wire -- and the trace -- shows what the receiver gets.)
//
// And the real ZooKeeper bugs that model checking found in Zab's implementation. These do change
// the core: each is a switch in core/quorum/zab_bugs.h that puts our code back into the buggy
// order, and a scenario in scenarios/known-bugs/ shows it losing data.
//
//   zookeeper-2845   after a TRUNC the in-memory database is not reloaded from the cut log
//   zookeeper-3911   a follower logs a DIFF's txns only on UPTODATE, after ACKing NEWLEADER
//   zookeeper-4643   a follower writes currentEpoch before it logs and fsyncs the synced txns
//   zookeeper-4646   a follower ACKs NEWLEADER before the synced txns are fsynced
//
// And four in the server's data handling, switches in core/server/server_bugs.h:
//
//   keep-expired-ephemerals  every server, applying the closeSession of an expired session, leaves
//                          the session's ephemerals in its tree.
//   ignore-set-version     the leader's request preparation ignores setData's expected version: a
//                          conditional write that should fail succeeds (a lost update).
//   reuse-sequence-after-restart  a server whose tree came back from its disk numbers sequential
//                          children from the children it finds, not from the parent's cversion.
//   stale-cversion         getChildren2 answers with the parent's stored cversion (creates only),
//                          not creates + deletes as ZooKeeper reports it.
#pragma once

#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/quorum/quorum_peer.h"
#include "sim/server_kind.h"

namespace zablab::sim::scenario {

enum class Bug {
  none,
  commit_without_quorum,
  ack_before_fsync,
  election_ignores_zxid,
  split_config,
  reorder_inform,
  stale_reconnect,
  sync_no_barrier,
  skip_trunc,
  stale_follower_reads,
  reorder_replies,
  leader_ack_before_fsync,
  reorder_commit,
  reorder_proposal,
  reorder_ack,
  echo_commit,
  repeat_leaderinfo,
  corrupt_proposal,
  zookeeper_2845,
  zookeeper_3911,
  zookeeper_4643,
  zookeeper_4646,
  watch_after_reply,
  keep_expired_ephemerals,
  ignore_set_version,
  reuse_sequence_after_restart,
  stale_cversion,
};

struct BugInfo {
  Bug bug;
  std::string_view name;
  std::string_view description;
  std::string_view caught_by;  // the invariant(s) a run with this bug is expected to break
  std::string_view reproducer = {};  // the scenario that shows it (known ZooKeeper bugs)
};
const std::vector<BugInfo>& bug_catalog();  // every bug but `none`
std::optional<Bug> bug_by_name(std::string_view name);
std::string_view bug_name(Bug bug);  // "none" for Bug::none

// The quorum kind whose servers carry `bug` (quorum_kind() itself for Bug::none).
ServerKind buggy_quorum_kind(Bug bug);

// The real peer inside a server's node (wrapped or not); nullptr when down or not a quorum peer.
const quorum::QuorumPeer* quorum_peer_of(const Node* node);

}  // namespace zablab::sim::scenario
