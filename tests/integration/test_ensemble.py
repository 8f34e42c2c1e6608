#!/usr/bin/python3
"""Real ensembles: several zablab-server processes, each with server.N lines in its zoo.cfg and a
myid file in its dataDir, elect a leader over TCP, replicate writes to every member, survive a
kill -9 of the leader (a new one is elected among the survivors and writes go on), and take a
restarted member back, which catches up. Also with an observer.

tickTime=200 keeps it fast: initLimit=10 and syncLimit=5 are then 2 s and 1 s."""

import time
import unittest

import zlharness
from kazoo.exceptions import ConnectionLoss, NodeExistsError, OperationTimeoutError, SessionExpiredError
from kazoo.handlers.threading import KazooTimeoutError

ELECTION_TIMEOUT = 20.0     # seconds for an ensemble to settle (start, or after losing its leader)
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
        # Every member answers srvr with the same zxid once settled.
        zxids = {sid: [l for l in self.ens.srvr(sid).splitlines() if l.startswith("Zxid:")]
                 for sid in self.ens.sids}
        self.assertEqual(len({tuple(v) for v in zxids.values()}), 1, zxids)

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


if __name__ == "__main__":
    zlharness.main()
