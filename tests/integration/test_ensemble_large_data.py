#!/usr/bin/python3
"""A real 3-member ensemble holding realistic data: 100,000 znodes and over 64 MB. A member whose
dataDir was wiped joins by SNAP -- the leader streams the snapshot in pieces, as ZooKeeper does,
so no single message grows with the data -- and serves every znode; after a short absence it
catches up by DIFF. Streaming is what makes this possible: a snapshot sent as one message
could not pass the 2 MiB frame limit.

The times are printed, not asserted tightly: the bounds below are several times what this
machine measured (docs/hardening.md, "Large data"), so that a CI machine building in parallel
does not flake. The load comes from zablab-load (bench/load, the Apache C client)."""

import os
import shutil
import subprocess
import time
import unittest

import zlharness

ZNODES = 100_000
VALUE_SIZE = 700                 # 100,000 x 700 B = 70 MB of data
SNAP_JOIN_BOUND = 120.0          # seconds for a wiped member to serve every znode
DIFF_JOIN_BOUND = 60.0           # seconds for a member back from a short absence
LOAD_BOUND = 240.0               # seconds to write the data


def mntr(port):
    text = zlharness.four_letter_word(port, "mntr", timeout=5.0) or ""
    out = {}
    for line in text.splitlines():
        parts = line.split("\t")
        if len(parts) == 2:
            out[parts[0]] = parts[1]
    return out


class LargeDataEnsembleTest(unittest.TestCase):
    def setUp(self):
        load = os.environ.get("ZABLAB_LOAD")
        if not load or not os.access(load, os.X_OK):
            raise unittest.SkipTest("ZABLAB_LOAD (bench/load/zablab-load) is not built")
        self.load = load
        # initLimit 20 s and syncLimit 5 s: ZooKeeper's defaults are 20 s and 10 s.
        self.ens = zlharness.EnsembleProcesses(3, 0, tick_time=200, init_limit=100, sync_limit=25,
                                               extra={"4lw.commands.whitelist": "*"}, label=self.id())
        self.addCleanup(self.ens.cleanup)
        self.ens.start()
        self.roles = self.ens.wait_for_roles(timeout=30.0)
        self.leader = [sid for sid, role in self.roles.items() if role == "leader"][0]
        self.follower = [sid for sid, role in self.roles.items() if role == "follower"][0]

    def note(self, text):
        print("    %s" % text, flush=True)

    def znode_count(self, sid):
        try:
            return int(mntr(self.ens.ports[sid][0]).get("zk_znode_count", "-1"))
        except (OSError, ValueError):
            return -1

    def wait_serving_all(self, sid, count, bound, what):
        """Until member sid is a follower and holds `count` znodes; returns the seconds taken."""
        t0 = time.monotonic()
        zlharness.wait_for(lambda: self.ens.mode(sid) == "follower" and self.znode_count(sid) == count,
                           bound, interval=0.2, message="member %d to %s with %d znodes" % (sid, what, count))
        return time.monotonic() - t0

    def leader_log(self):
        return self.ens._all_logs()

    def test_a_wiped_member_joins_by_snap_and_a_returning_one_by_diff(self):
        t0 = time.monotonic()
        run = subprocess.run(
            [self.load, "--server", self.ens.hosts_of(self.leader), "--op", "create",
             "--value-size", str(VALUE_SIZE), "--keys", "1", "--total-ops", str(ZNODES),
             "--sessions", "4", "--inflight", "64", "--duration", str(int(LOAD_BOUND)), "--warmup", "0"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=LOAD_BOUND + 30)
        self.assertEqual(run.returncode, 0, run.stderr.decode(errors="replace")[-2000:])
        stats = mntr(self.ens.ports[self.leader][0])
        count = int(stats["zk_znode_count"])
        size = int(stats["zk_approximate_data_size"])
        self.note("wrote %d znodes, %.1f MB in %.1f s" % (count, size / 1e6, time.monotonic() - t0))
        self.assertGreaterEqual(count, ZNODES)
        zk = zlharness.kazoo_client(self.ens.hosts_of(self.leader))
        try:
            seq = len(zk.get_children("/zablab-load/seq"))
        finally:
            zlharness.close_client(zk)
        self.assertGreaterEqual(size, 64 * 1000 * 1000)
        # Every member has it all before we take one away.
        for sid in self.ens.sids:
            if sid != self.leader:
                self.wait_serving_all(sid, count, 60.0, "catch up")

        # A member loses its disk: it must join by SNAP with more than 64 MB to take.
        self.ens.kill(self.follower)
        shutil.rmtree(os.path.join(self.ens.data_dir(self.follower), "version-2"), ignore_errors=True)
        t0 = time.monotonic()
        self.ens.start_member(self.follower)
        took = self.wait_serving_all(self.follower, count, SNAP_JOIN_BOUND, "join by SNAP")
        self.note("wiped member %d served all %d znodes %.2f s after its start" % (self.follower, count,
                                                                                     time.monotonic() - t0))
        self.assertIn("syncing learner %d by SNAP" % self.follower, self.leader_log())
        self.assertNotIn("exceeds limit", self.leader_log())
        zk = zlharness.kazoo_client(self.ens.hosts_of(self.follower))
        try:
            children = zk.get_children("/zablab-load/seq")
            self.assertEqual(len(children), seq)
            first = sorted(children)[0]
            last = sorted(children)[-1]
            for name in (first, last):
                data, stat = zk.get("/zablab-load/seq/" + name)
                self.assertEqual(len(data), VALUE_SIZE)
        finally:
            zlharness.close_client(zk)

        # A short absence: back by DIFF with what it missed.
        self.ens.kill(self.follower)
        zk = zlharness.kazoo_client(self.ens.hosts_of(self.leader))
        try:
            for i in range(200):
                zk.create("/missed-%03d" % i, b"m%d" % i)
        finally:
            zlharness.close_client(zk)
        t0 = time.monotonic()
        self.ens.start_member(self.follower)
        self.wait_serving_all(self.follower, count + 200, DIFF_JOIN_BOUND, "catch up by DIFF")
        self.note("returning member %d caught up 200 txns %.2f s after its start" % (self.follower,
                                                                                     time.monotonic() - t0))
        log = self.leader_log()
        self.assertIn("syncing learner %d by DIFF" % self.follower, log)
        zk = zlharness.kazoo_client(self.ens.hosts_of(self.follower))
        try:
            self.assertEqual(zk.get("/missed-199")[0], b"m199")
        finally:
            zlharness.close_client(zk)


if __name__ == "__main__":
    zlharness.main()
