#!/usr/bin/python3
"""Real ensembles: several zablab-server processes, each with server.N lines in its zoo.cfg and a
myid file in its dataDir, elect a leader over TCP, replicate writes to every member, survive a
kill -9 of the leader (a new one is elected among the survivors and writes go on), and take a
restarted member back, which catches up. Also with an observer.

tickTime=200 keeps it fast: initLimit=10 and syncLimit=5 are then 2 s and 1 s."""

import os
import shutil
import subprocess
import tempfile
import time
import unittest

import zlharness
from kazoo.exceptions import ConnectionLoss, NodeExistsError, OperationTimeoutError, SessionExpiredError
from kazoo.handlers.threading import KazooTimeoutError

ELECTION_TIMEOUT = 30.0     # seconds for an ensemble to settle (start, or after losing its leader)
WRITE_TIMEOUT = 20.0        # seconds for writes to work again after the leader died
RETRYABLE = (ConnectionLoss, SessionExpiredError, OperationTimeoutError, KazooTimeoutError)


class EnsembleTestCase(unittest.TestCase):
    VOTERS = 3
    OBSERVERS = 0

    def setUp(self):
        self.ens = zlharness.EnsembleProcesses(self.VOTERS, self.OBSERVERS, tick_time=200,
                                               init_limit=10, sync_limit=5, label=self.id())
        self.clients = []
        self.addCleanup(self._cleanup)
        t0 = time.monotonic()
        self.ens.start()
        self.roles = self.ens.wait_for_roles(timeout=ELECTION_TIMEOUT)
        self.note("settled in %.2f s: %r" % (time.monotonic() - t0, self.roles))

    def _cleanup(self):
        for zk in self.clients:
            zlharness.close_client(zk)
        # Log tails are kept and printed by zlharness.main() if anything failed.
        self.ens.cleanup()

    def note(self, text):
        print("    %s" % text, flush=True)

    def client(self, hosts, timeout=10.0):
        zk = zlharness.kazoo_client(hosts, timeout=timeout, start_timeout=15.0)
        self.clients.append(zk)
        return zk

    def write_retrying(self, zk, path, data, timeout=WRITE_TIMEOUT):
        """Create path, retrying while the ensemble has no leader; a create that went through
        before its reply was lost counts (NodeExistsError)."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                zk.create(path, data)
                return
            except NodeExistsError:
                return
            except RETRYABLE:
                if time.monotonic() >= deadline:
                    raise
                time.sleep(0.05)

    def assert_member_has(self, sid, expected, timeout=10.0):
        """A client pinned to member sid sees exactly `expected` ({name: data}) under /ens."""
        zk = self.client(self.ens.hosts_of(sid))
        try:
            def complete():
                zk.sync("/ens")
                return set(zk.get_children("/ens")) == set(expected)
            zlharness.wait_for(complete, timeout, interval=0.05,
                               message="member %d to have %d znodes" % (sid, len(expected)))
            for name, data in sorted(expected.items()):
                self.assertEqual(zk.get("/ens/" + name)[0], data, "member %d /ens/%s" % (sid, name))
        finally:
            zlharness.close_client(zk)
            self.clients.remove(zk)

    def check_failover_and_catch_up(self):
        ens = self.ens
        voters = [sid for sid in ens.sids if not ens.is_observer(sid)]
        leader = ens.leader()
        self.assertIsNotNone(leader)
        self.assertIn(leader, voters)

        # 50 znodes through a client that may land on any member.
        zk = self.client(ens.hosts)
        zk.ensure_path("/ens")
        expected = {}
        for i in range(50):
            name = "n%02d" % i
            expected[name] = b"v%d" % i
            zk.create("/ens/" + name, expected[name])
        for sid in ens.sids:
            self.assert_member_has(sid, expected)

        # kill -9 the leader: the survivors elect a new one among themselves.
        t0 = time.monotonic()
        ens.kill(leader)
        survivors = [sid for sid in ens.sids if sid != leader]
        roles = ens.wait_for_roles(survivors, timeout=ELECTION_TIMEOUT)
        new_leader = [sid for sid, mode in roles.items() if mode == "leader"][0]
        self.assertNotEqual(new_leader, leader)
        self.note("leader %d killed; %d leads after %.2f s" % (leader, new_leader, time.monotonic() - t0))

        # Writes work again (the client reconnects to a survivor).
        for i in range(50, 60):
            name = "n%02d" % i
            expected[name] = b"v%d" % i
            self.write_retrying(zk, "/ens/" + name, expected[name])
        self.note("writes work again %.2f s after the kill" % (time.monotonic() - t0))
        for sid in survivors:
            self.assert_member_has(sid, expected)

        # The killed one restarts, follows the new leader and catches up.
        t1 = time.monotonic()
        ens.start_member(leader)
        roles = ens.wait_for_roles(timeout=ELECTION_TIMEOUT)
        self.assertEqual(roles[leader], "follower")
        self.assertEqual(roles[new_leader], "leader")
        self.assert_member_has(leader, expected)
        self.note("member %d back as a follower, caught up, in %.2f s" % (leader, time.monotonic() - t1))

        # And a write through it reaches everybody.
        zk_old = self.client(ens.hosts_of(leader))
        zk_old.create("/ens/last", b"end")
        expected["last"] = b"end"
        for sid in ens.sids:
            self.assert_member_has(sid, expected)


class ThreeServers(EnsembleTestCase):
    VOTERS = 3

    def test_roles(self):
        modes = sorted(self.roles.values())
        self.assertEqual(modes, ["follower", "follower", "leader"])
        # After a write, every member reports its zxid (epoch 1 or later) in srvr.
        zk = self.client(self.ens.hosts_of(self.ens.leader()))
        zxid = zk.create("/one", b"1") and zk.exists("/one").czxid
        self.assertGreaterEqual(zxid >> 32, 1)

        def same_zxid():
            answers = [self.ens.srvr(sid) or "" for sid in self.ens.sids]
            return all(("Zxid: 0x%x" % zxid) in a.splitlines() for a in answers)
        zlharness.wait_for(same_zxid, 10.0, interval=0.05, message="every member at zxid 0x%x" % zxid)

    def test_replicate_failover_catch_up(self):
        self.check_failover_and_catch_up()


class FiveServersWithObserver(EnsembleTestCase):
    VOTERS = 4
    OBSERVERS = 1

    def test_replicate_failover_catch_up(self):
        self.assertEqual(self.roles[5], "observer")
        self.assertEqual(sorted(self.roles.values()), ["follower", "follower", "follower", "leader", "observer"])
        # A write through the observer is forwarded to the leader.
        zk = self.client(self.ens.hosts_of(5))
        zk.create("/via-observer", b"o")
        for sid in self.ens.sids:
            pinned = self.client(self.ens.hosts_of(sid))
            pinned.sync("/via-observer")
            self.assertEqual(pinned.get("/via-observer")[0], b"o", "member %d" % sid)
        self.check_failover_and_catch_up()
        self.assertEqual(self.ens.mode(5), "observer")


class MyidFile(unittest.TestCase):
    """An ensemble member without a usable myid refuses to start: exit code 2, the file named."""

    def setUp(self):
        if zlharness.against_apache() or not os.environ.get("ZABLAB_SERVER"):
            self.skipTest("zablab's own messages (needs ZABLAB_SERVER)")
        self.tmpdir = tempfile.mkdtemp(prefix="zablab-myid-")
        self.addCleanup(shutil.rmtree, self.tmpdir, True)
        self.data = os.path.join(self.tmpdir, "data")
        os.makedirs(self.data)
        self.cfg = os.path.join(self.tmpdir, "zoo.cfg")
        with open(self.cfg, "w") as f:
            f.write("tickTime=200\ninitLimit=10\nsyncLimit=5\ndataDir=%s\nclientPort=0\n"
                    "server.1=127.0.0.1:1:2\nserver.2=127.0.0.1:3:4\nserver.3=127.0.0.1:5:6\n" % self.data)

    def run_server(self):
        p = subprocess.run([os.path.abspath(os.environ["ZABLAB_SERVER"]), self.cfg], cwd=self.tmpdir,
                           stdin=subprocess.DEVNULL, capture_output=True, timeout=10)
        return p.returncode, p.stdout.decode(), p.stderr.decode()

    def test_missing(self):
        code, out, err = self.run_server()
        self.assertEqual(code, 2)
        self.assertEqual(out, "")
        self.assertIn(os.path.join(self.data, "myid") + ": cannot read: No such file or directory", err)

    def test_malformed(self):
        with open(os.path.join(self.data, "myid"), "w") as f:
            f.write("one\n")
        code, _, err = self.run_server()
        self.assertEqual(code, 2)
        self.assertIn(os.path.join(self.data, "myid") +
                      ': expected a server id (a decimal number between 1 and 255), got "one"', err)

    def test_not_in_the_ensemble(self):
        with open(os.path.join(self.data, "myid"), "w") as f:
            f.write("4\n")
        code, _, err = self.run_server()
        self.assertEqual(code, 2)
        self.assertIn("myid: server id 4 has no server.4 line in %s (it has server.1, server.2, server.3)"
                      % self.cfg, err)


if __name__ == "__main__":
    zlharness.main()
