#!/usr/bin/python3
"""What a client finds after the server restarts on the same dataDir: every acknowledged
write, the same Stats, the sequence counters, and its own session (kazoo reconnects)."""

import unittest

import zlharness
from kazoo.exceptions import BadArgumentsError
from kazoo.protocol.states import KazooState


class Persistence(unittest.TestCase):

    def setUp(self):
        self.server = zlharness.ServerProcess(label=self.id())
        self.server.start()
        self.addCleanup(self.server.cleanup)
        self.clients = []

    def tearDown(self):
        for zk in self.clients:
            zlharness.close_client(zk)

    def client(self, **kw):
        zk = zlharness.kazoo_client(self.server.hosts, **kw)
        self.clients.append(zk)
        return zk

    def _check_data_survives(self, kill):
        zk = self.client()
        zk.create("/app/config", b"v1", makepath=True)
        zk.set("/app/config", b"v2")
        zk.create("/app/null", None)
        seq = [zk.create("/app/jobs/job-", b"%d" % i, sequence=True, makepath=True)
               for i in range(3)]
        zk.delete(seq[1])
        t = zk.transaction()
        t.create("/app/multi", b"m")
        t.set_data("/app/config", b"v3")
        t.commit()
        before = {p: zk.get(p) for p in ("/app", "/app/config", "/app/null", "/app/jobs",
                                          "/app/multi", seq[0], seq[2])}
        last_zxid = max(st.mzxid for _, st in before.values())
        zlharness.close_client(zk)

        self.server.restart(kill=kill)
        zk = self.client()
        for path, (data, stat) in before.items():
            self.assertEqual(zk.get(path), (data, stat), path)
        self.assertEqual(sorted(zk.get_children("/app/jobs")), ["job-0000000000", "job-0000000002"])
        # counters and zxids continue where they were
        self.assertEqual(zk.create("/app/jobs/job-", sequence=True), "/app/jobs/job-0000000003")
        self.assertGreater(zk.exists("/app/jobs/job-0000000003").czxid, last_zxid)

    def test_data_survives_graceful_restart(self):
        self._check_data_survives(kill=False)

    def test_data_survives_kill_9(self):
        self._check_data_survives(kill=True)

    def test_session_survives_restart(self):
        zk = self.client(timeout=10.0)
        states = zlharness.EventLog()
        zk.add_listener(states.add)
        sid = zk.client_id[0]
        zk.create("/eph", b"mine", ephemeral=True)
        self.server.restart(kill=True)
        zlharness.wait_for(lambda: KazooState.SUSPENDED in states.snapshot(), 10.0,
                           message="SUSPENDED")
        zlharness.wait_for(lambda: states.snapshot()[-1:] == [KazooState.CONNECTED], 10.0,
                           message="reconnected")
        self.assertNotIn(KazooState.LOST, states.snapshot())
        self.assertEqual(zk.client_id[0], sid)
        self.assertEqual(zk.get("/eph")[0], b"mine")
        self.assertEqual(zk.exists("/eph").ephemeralOwner, sid)
        other = self.client()
        zk.stop()
        self.assertIsNone(other.exists("/eph"))


class OversizedTxn(unittest.TestCase):
    """A request can grow on its way to a txn: a sequential create's name gains ten digits (and
    an "auth" ACL becomes every identity of the connection). A txn larger than jute.maxbuffer
    cannot be read back -- not by recovery, not by a follower -- so it must be refused before it
    is logged, and nothing after it may be lost. Before the fix, such a txn was logged and
    acknowledged; recovery then cut the log there, dropping it and every later txn (issue 22,
    item 2)."""

    MAXBUFFER = 20000

    def setUp(self):
        self.server = zlharness.ServerProcess(label=self.id(), extra={"jute.maxbuffer": self.MAXBUFFER})
        self.server.start()
        self.addCleanup(self.server.cleanup)

    def test_a_txn_larger_than_jute_maxbuffer_is_refused_and_later_writes_survive_a_kill_9(self):
        zk = zlharness.kazoo_client(self.server.hosts)
        try:
            zk.create("/q", b"")
            # 350 sequential creates: the request fits in 20,000 bytes, the txn (each name ten
            # digits longer) does not.
            t = zk.transaction()
            for _ in range(350):
                t.create("/q/s-", b"", sequence=True)
            with self.assertRaises(BadArgumentsError):
                t.commit()
            self.assertEqual(zk.get_children("/q"), [])  # all or nothing
            for i in range(8):
                zk.create("/after-%d" % i, b"v%d" % i)
        finally:
            zlharness.close_client(zk)
        self.server.restart(kill=True)
        zk = zlharness.kazoo_client(self.server.hosts)
        try:
            for i in range(8):
                self.assertEqual(zk.get("/after-%d" % i)[0], b"v%d" % i)
            # The sequence counter was not consumed by the refused multi.
            self.assertEqual(zk.create("/q/s-", b"", sequence=True), "/q/s-0000000000")
        finally:
            zlharness.close_client(zk)
        self.assertIn("exceeds jute.maxbuffer", self.server.log_text())


if __name__ == "__main__":
    zlharness.main()
