#!/usr/bin/python3
"""What a client finds after the server restarts on the same dataDir: every acknowledged
write, the same Stats, the sequence counters, and its own session (kazoo reconnects)."""

import unittest

import zlharness
from kazoo.exceptions import BadArgumentsError
from kazoo.protocol.states import KazooState
from kazoo.security import make_acl


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
    """A request can grow on its way to a txn: an "auth" ACL becomes every identity of the
    connection, once per create of a multi. A txn larger than its readers accept (2 x
    jute.maxbuffer, as ZooKeeper's jute.maxbuffer + extrasize) cannot be read back -- not by
    recovery, not by a follower -- so it must be refused before it is logged, and nothing after it
    may be lost. Before the fix such a txn was logged and acknowledged; recovery then cut the log
    there, dropping it and every later txn."""

    MAXBUFFER = 20000

    def setUp(self):
        self.server = zlharness.ServerProcess(label=self.id(), extra={"jute.maxbuffer": self.MAXBUFFER})
        self.server.start()
        self.addCleanup(self.server.cleanup)

    def test_a_txn_larger_than_its_readers_accept_is_refused_and_later_writes_survive_a_kill_9(self):
        zk = zlharness.kazoo_client(self.server.hosts)
        try:
            # Ten digest identities of ~900 bytes: an "auth" ACL is ~9 KB in each create's txn, so
            # five creates make a ~45 KB txn from a request of a few hundred bytes.
            for i in range(10):
                zk.add_auth("digest", "%d%s:pw" % (i, "u" * 900))
            acl = [make_acl("auth", "", all=True)]
            t = zk.transaction()
            for i in range(5):
                t.create("/big-%d" % i, b"", acl=acl)
            with self.assertRaises(BadArgumentsError):
                t.commit()
            self.assertIsNone(zk.exists("/big-0"))  # all or nothing
            zk.create("/fits", b"", acl=acl)         # one create's txn (~9 KB) is fine
            for i in range(8):
                zk.create("/after-%d" % i, b"v%d" % i)
        finally:
            zlharness.close_client(zk)
        self.server.restart(kill=True)
        zk = zlharness.kazoo_client(self.server.hosts)
        try:
            self.assertIn("fits", zk.get_children("/"))  # its ACL admits only the identities above
            for i in range(8):
                self.assertEqual(zk.get("/after-%d" % i)[0], b"v%d" % i)
        finally:
            zlharness.close_client(zk)
        self.assertIn("refused (BADARGUMENTS)", self.server.log_text())


if __name__ == "__main__":
    zlharness.main()
