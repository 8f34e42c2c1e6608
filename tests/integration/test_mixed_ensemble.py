#!/usr/bin/python3
"""Mixed ensembles: zablab-server members and Apache ZooKeeper 3.8 members (Debian's `zookeeper`
package, QuorumPeerMain) in one ensemble, from ordinary zoo.cfg and myid files. They elect one
leader whichever kind it is, serve kazoo through every member, and survive a kill -9 of the
leader under writes with nothing acknowledged lost and every member holding the same data.

Two shapes, so that each kind leads once:
- 1 Apache + 2 zablab, where the ids make a zablab member the leader (the largest id wins a
  fresh election), then the leader dies and the other two elect again;
- 2 Apache + 1 zablab, where an Apache member leads and zablab follows.

Both check ZooKeeper's data tree digests across kinds: every txn a leader of either kind proposes
carries a TxnDigest (found in each member's txn log), and no member of either kind counts a
mismatch after applying them (mntr's zk_digest_mismatches_count). The first also hands a dataDir
zablab wrote to Apache ZooKeeper, which must load its snapshot's digest without complaint.

Each starts three JVM-or-native processes on loopback; tickTime=200 keeps it short (initLimit 2 s,
syncLimit 1 s). Skipped (exit 77) where java or the zookeeper package is missing."""

import glob
import os
import sqlite3
import struct
import tempfile
import time
import unittest

import zlharness
from kazoo.exceptions import ConnectionLoss, NodeExistsError, OperationTimeoutError, SessionExpiredError
from kazoo.handlers.threading import KazooTimeoutError

ELECTION_TIMEOUT = 60.0     # JVMs start slowly on a busy 2-core machine
WRITE_TIMEOUT = 30.0
RETRYABLE = (ConnectionLoss, SessionExpiredError, OperationTimeoutError, KazooTimeoutError)
OP_CREATE, OP_CREATE2 = 1, 15


def logged_create_digests(data_dir):
    """{path: TxnDigest (version, treeDigest) or None} for every create txn in the txn logs of
    data_dir, read from the bytes (FileTxnLog: header, then checksum, length, txn, 0x42 per entry;
    a txn is TxnHeader, CreateTxn and, from 3.6 on, a TxnDigest)."""
    out = {}
    for name in sorted(glob.glob(os.path.join(data_dir, "version-2", "log.*"))):
        with open(name, "rb") as f:
            data = f.read()
        pos = 16
        while pos + 12 <= len(data):
            length = struct.unpack_from(">i", data, pos + 8)[0]
            if length <= 0 or pos + 12 + length > len(data):
                break  # zero padding after the last entry, or a torn tail
            txn = data[pos + 12:pos + 12 + length]
            pos += 12 + length + 1
            if struct.unpack_from(">i", txn, 28)[0] not in (OP_CREATE, OP_CREATE2):
                continue
            at = 32
            n = struct.unpack_from(">i", txn, at)[0]
            path = txn[at + 4:at + 4 + n].decode()
            at += 4 + n
            n = struct.unpack_from(">i", txn, at)[0]
            at += 4 + max(n, 0)  # data
            acls = struct.unpack_from(">i", txn, at)[0]
            at += 4
            for _ in range(max(acls, 0)):
                at += 4  # perms
                for _field in ("scheme", "id"):
                    n = struct.unpack_from(">i", txn, at)[0]
                    at += 4 + max(n, 0)
            at += 1 + 4  # ephemeral, parentCVersion
            out[path] = struct.unpack_from(">iq", txn, at) if len(txn) - at == 12 else None
    return out


class MixedEnsemble(unittest.TestCase):
    APACHE = ()
    VOTERS, OBSERVERS = 3, 0

    def member_args(self):
        return {}

    def setUp(self):
        self.ens = zlharness.EnsembleProcesses(self.VOTERS, self.OBSERVERS, tick_time=200, init_limit=10,
                                               sync_limit=5, label=self.id(), apache_members=self.APACHE,
                                               member_args=self.member_args(),
                                               extra={"4lw.commands.whitelist": "*"})  # mntr
        self.clients = []
        self.addCleanup(self._cleanup)
        t0 = time.monotonic()
        self.ens.start()
        self.roles = self.ens.wait_for_roles(timeout=ELECTION_TIMEOUT)
        print("settled in %.2f s: %s" % (time.monotonic() - t0, self.describe(self.roles)), flush=True)

    def _cleanup(self):
        for zk in self.clients:
            try:
                zk.stop()
                zk.close()
            except Exception:
                pass
        self.ens.cleanup(failed=self._outcome_failed())

    def _outcome_failed(self):
        result = getattr(self, "_outcome", None)
        errors = getattr(result, "errors", None) or getattr(getattr(result, "result", None), "errors", [])
        return any(err for _test, err in errors) if errors else False

    def describe(self, roles):
        return ", ".join("%d=%s(%s)" % (sid, role, "apache" if self.ens.is_apache(sid) else "zablab")
                         for sid, role in sorted(roles.items()))

    def client(self, sid):
        zk = zlharness.kazoo_client(self.ens.hosts_of(sid))
        self.clients.append(zk)
        return zk

    def write_until_done(self, zk, path, value):
        """Create path=value, retrying through an election; True once acknowledged."""
        deadline = time.monotonic() + WRITE_TIMEOUT
        while time.monotonic() < deadline:
            try:
                zk.create(path, value)
                return True
            except NodeExistsError:
                return True  # an earlier try was applied; its reply was lost
            except RETRYABLE:
                time.sleep(0.2)
        return False

    def assert_same_data(self, sids, paths):
        """Every member in sids serves every path with the value written."""
        for sid in sids:
            zk = self.client(sid)
            deadline = time.monotonic() + WRITE_TIMEOUT
            while True:
                try:
                    zk.sync("/")
                    got = {p: zk.get(p)[0] for p in paths}
                    break
                except RETRYABLE:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.2)
            want = {p: p.encode() for p in paths}
            self.assertEqual(got, want, "member %d (%s)" % (sid, "apache" if self.ens.is_apache(sid) else "zablab"))

    def kind(self, sid):
        return "apache" if self.ens.is_apache(sid) else "zablab"

    def mntr(self, sid):
        text = zlharness.four_letter_word(self.ens.ports[sid][0], "mntr")
        return dict(line.split("\t", 1) for line in text.splitlines() if "\t" in line)

    def assert_digests_agree(self, sids, paths):
        """Each member in sids logged every create of paths with a TxnDigest of version 2 (what the
        leader proposed), and counted no digest mismatch after applying them."""
        for sid in sids:
            logged = logged_create_digests(self.ens.data_dir(sid))
            for path in paths:
                if path not in logged:
                    continue  # this member got it in a snapshot, not as a txn
                self.assertIsNotNone(logged[path], "member %d (%s) logged %s without a TxnDigest"
                                     % (sid, self.kind(sid), path))
                self.assertEqual(logged[path][0], 2, path)
            self.assertTrue(any(path in logged for path in paths),
                            "member %d (%s) logged none of the creates" % (sid, self.kind(sid)))
            self.assertEqual(self.mntr(sid).get("zk_digest_mismatches_count"), "0",
                             "member %d (%s) counts digest mismatches" % (sid, self.kind(sid)))

    def run_kill_leader_under_writes(self, expected_leader_kind):
        leader = self.ens.leader()
        self.assertIsNotNone(leader)
        self.assertEqual("apache" if self.ens.is_apache(leader) else "zablab", expected_leader_kind,
                         self.describe(self.roles))
        # Writes through every member: followers of either kind forward to the leader.
        acked = []
        for sid in self.ens.sids:
            zk = self.client(sid)
            for i in range(20):
                path = "/m%d-%d" % (sid, i)
                zk.create(path, path.encode())
                acked.append(path)
        self.assert_same_data(self.ens.sids, acked)
        self.assert_digests_agree(self.ens.sids, acked)

        # kill -9 the leader while a client keeps writing through a survivor.
        survivors = [sid for sid in self.ens.sids if sid != leader]
        zk = self.client(survivors[0])
        for i in range(10):
            path = "/before-kill-%d" % i
            self.assertTrue(self.write_until_done(zk, path, path.encode()))
            acked.append(path)
        self.ens.kill(leader)
        for i in range(10):
            path = "/after-kill-%d" % i
            self.assertTrue(self.write_until_done(zk, path, path.encode()), path)
            acked.append(path)
        roles = self.ens.wait_for_roles(survivors, timeout=ELECTION_TIMEOUT)
        print("after the kill: %s" % self.describe(roles), flush=True)
        self.assert_same_data(survivors, acked)

        # The old leader comes back, catches up, and holds the same data.
        self.ens.start_member(leader)
        self.ens.wait_for_roles(timeout=ELECTION_TIMEOUT)
        self.assert_same_data(self.ens.sids, acked)
        self.assert_digests_agree(self.ens.sids, acked)
        return leader, acked


class OneApacheTwoZablab(MixedEnsemble):
    APACHE = (1,)

    def test_zablab_leads_apache_follows_and_kill_of_the_leader_loses_nothing(self):
        old_leader, acked = self.run_kill_leader_under_writes("zablab")

        # Apache ZooKeeper opens the dataDir zablab wrote: the old leader's, whose restart replayed
        # its log and wrote a snapshot sealed with the tree's digest. It reads that digest (no
        # "Got EOF exception while reading the digest"), finds it matching, and rejoins.
        self.assertEqual(self.ens.stop_member(old_leader), 0)
        self.ens.apache_members.add(old_leader)
        self.ens.start_member(old_leader)
        self.ens.wait_for_roles(timeout=ELECTION_TIMEOUT)
        self.assert_same_data([old_leader], acked)
        log_path = self.ens._log_path(old_leader, "stderr", self.ens._starts[old_leader])
        with open(log_path, errors="replace") as f:
            log = f.read()
        self.assertIn("Reading snapshot", log)
        self.assertNotIn("Got EOF exception while reading the digest", log)
        self.assertNotIn("Digests are not matching", log)
        digest_lines = [line for line in log.splitlines()
                        if "The digest in the snapshot has digest version of 2" in line
                        or "The digest value is empty in snapshot" in line]
        self.assertTrue(digest_lines, log[-3000:])
        print("Apache on zablab's dataDir: %s" % digest_lines[-1].split(" - ")[-1], flush=True)
        self.assertEqual(self.mntr(old_leader).get("zk_digest_mismatches_count"), "0")


class TwoApacheOneZablab(MixedEnsemble):
    APACHE = (2, 3)

    def test_apache_leads_zablab_follows_and_kill_of_the_leader_loses_nothing(self):
        self.run_kill_leader_under_writes("apache")


class ApacheEnsembleZablabObserver(MixedEnsemble):
    """Two Apache voters and a zablab observer recording --trace: a teacher's way to watch a real
    ZooKeeper ensemble's commits in zablab-viz (docs/visualizer.md): the observer's own events and
    the packets the Apache leader sent it, each a net.send joined to its net.deliver."""
    APACHE = (1, 2)
    VOTERS, OBSERVERS = 2, 1

    def member_args(self):
        self.trace_dir = tempfile.mkdtemp(prefix="zablab-mixed-trace-")
        self.addCleanup(lambda: __import__("shutil").rmtree(self.trace_dir, ignore_errors=True))
        return {3: ["--trace", os.path.join(self.trace_dir, "observer.db")]}

    def test_zablab_observer_serves_and_records_the_apache_leaders_commits(self):
        self.assertEqual(self.roles[3], "observer", self.describe(self.roles))
        observer, apache = self.client(3), self.client(1)
        leader = self.ens.leader()
        self.assertIn(leader, self.APACHE, self.describe(self.roles))
        paths = []
        for i in range(5):
            for zk, who in ((observer, "obs"), (apache, "apache")):
                path = "/%s-%d" % (who, i)
                zk.create(path, path.encode())  # through the observer: forwarded to the Apache leader
                paths.append(path)
        self.assert_same_data(self.ens.sids, paths)
        zxids = {apache.exists(path).czxid: path for path in paths}
        self.assertEqual(self.ens.stop_member(3), 0, "the observer stops cleanly on SIGTERM")

        con = sqlite3.connect(os.path.join(self.trace_dir, "observer.db"))
        try:
            commits = [d for (d,) in con.execute(
                "SELECT detail FROM events WHERE kind = 'core' AND msg_type = 'txn.commit' ORDER BY seq")]
            phases = [d for (d,) in con.execute(
                "SELECT detail FROM events WHERE kind = 'core' AND msg_type = 'peer.state' ORDER BY seq")]
            # The Apache leader's packets to the observer, as the observer read them.
            from_leader = con.execute(
                "SELECT msg_type, zxid FROM events WHERE kind = 'net.send' AND node = ? AND from_node = ? AND "
                "to_node = 3", (leader, leader)).fetchall()
            sends = con.execute("SELECT COUNT(*) FROM events WHERE kind = 'net.send'").fetchone()[0]
            joined = con.execute(
                "SELECT COUNT(*) FROM events d JOIN events s ON s.seq = json_extract(d.detail, '$.send_seq') "
                "WHERE d.kind = 'net.deliver' AND s.kind = 'net.send' AND d.msg_type = s.msg_type").fetchone()[0]
        finally:
            con.close()
        committed = "\n".join(commits)
        for path in paths:
            self.assertIn('"%s"' % path, committed, "the observer's trace records the commit of %s" % path)
        self.assertTrue(any("OBSERVING" in p for p in phases), phases)
        types = {t for t, _ in from_leader}
        self.assertTrue({"LEADERINFO", "PING"} <= types, sorted(types))
        for zxid, path in sorted(zxids.items()):
            self.assertTrue(any(t in ("INFORM", "PROPOSAL", "COMMIT") and z == zxid for t, z in from_leader),
                            "the leader's packet for %s (zxid 0x%x) is in the observer's trace: %s"
                            % (path, zxid, sorted(types)))
        self.assertGreater(sends, 0)
        self.assertEqual(joined, sends, "every recorded send has its delivery")


if __name__ == "__main__":
    zlharness.main()
