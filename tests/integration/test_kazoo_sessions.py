#!/usr/bin/python3
"""Sessions as kazoo sees them: ephemeral cleanup on close and on expiry, reconnecting within
the timeout keeps the session, resuming a session by id+password, negotiated timeouts."""

import threading
import time
import unittest

import zlharness
import zljute as jute
from kazoo.protocol.states import EventType, KazooState


def record_states(zk):
    log = zlharness.EventLog()
    zk.add_listener(lambda state: log.add(state))
    return log


def capture_negotiated_timeout(zk):
    """kazoo keeps the requested timeout in _session_timeout; the negotiated one only shapes its
    read timeout (2/3 of it). Wrap the connection's handshake to see it."""
    seen = []
    conn = zk._connection
    original = conn._connect

    def wrapper(*args, **kw):
        read_timeout, connect_timeout = original(*args, **kw)
        seen.append(int(round(read_timeout * 1.5)))
        return read_timeout, connect_timeout

    conn._connect = wrapper
    return seen


class SessionsFastTick(zlharness.ServerTestCase):
    """tickTime 1000 -> sessions of 2 s expire quickly."""

    TICK_TIME = 1000

    def test_ephemeral_removed_on_close_and_watches_fire(self):
        owner = self.client()
        watcher = self.client()
        root = self.root(watcher)
        e1 = owner.create(root + "/e1", b"x", ephemeral=True)
        e2 = owner.create(root + "/e2-", ephemeral=True, sequence=True)
        persistent = owner.create(root + "/p")
        events = zlharness.EventLog()
        self.assertIsNotNone(watcher.exists(e1, watch=events))
        self.assertEqual(watcher.get(e2, watch=events)[0], b"")
        children = watcher.get_children(root, watch=events)
        self.assertEqual(sorted(children), sorted(["e1", e2.rsplit("/", 1)[1], "p"]))
        _, before = watcher.get(root)

        owner.stop()   # sends closeSession; the server deletes the ephemerals in that txn
        got = events.wait_count(3, timeout=5.0)
        self.assertEqual(sorted((ev.type, ev.path) for ev in got),
                         sorted([(EventType.DELETED, e1), (EventType.DELETED, e2),
                                 (EventType.CHILD, root)]))
        time.sleep(0.2)
        self.assertEqual(len(events.snapshot()), 3, "one-shot watches fire once")
        self.assertIsNone(watcher.exists(e1))
        self.assertIsNone(watcher.exists(e2))
        self.assertIsNotNone(watcher.exists(persistent))
        _, after = watcher.get(root)
        self.assertEqual(after.numChildren, 1)
        self.assertEqual(after.cversion, before.cversion + 2)
        self.assertGreater(after.pzxid, before.pzxid)

    def test_ephemeral_removed_on_expiry(self):
        observer = self.client()
        root = self.root(observer)
        with zlharness.TcpProxy(self.server.port) as proxy:
            zk = self.client(hosts=proxy.hosts, timeout=2.0)   # 2000 ms, min at tickTime 1000
            states = record_states(zk)
            old_sid = zk.client_id[0]
            eph = zk.create(root + "/eph", b"owned", ephemeral=True)
            self.assertEqual(observer.exists(eph).ephemeralOwner, old_sid)
            deleted = threading.Event()
            observer.exists(eph, watch=lambda ev: deleted.set()
                            if ev.type == EventType.DELETED else None)

            cut_at = time.monotonic()
            proxy.cut()
            # losing the TCP connection alone does not end the session
            self.assertIsNotNone(observer.exists(eph))
            wait_suspended = zlharness.wait_for(
                lambda: KazooState.SUSPENDED in states.snapshot(), 5.0, message="SUSPENDED")
            self.assertTrue(wait_suspended)
            self.assertTrue(deleted.wait(10.0), "ephemeral not removed after session expiry")
            elapsed = time.monotonic() - cut_at
            self.assertGreaterEqual(elapsed, 1.0, "session ended long before its 2 s timeout")
            self.assertIsNone(observer.exists(eph))

            # when the network heals, the old session is reported expired: LOST, then a new one
            proxy.heal()
            zlharness.wait_for(lambda: KazooState.LOST in states.snapshot(), 10.0, message="LOST")
            zlharness.wait_for(lambda: zk.connected and zk.client_id[0] != old_sid, 10.0,
                               message="a new session")
            seq = states.snapshot()
            self.assertLess(seq.index(KazooState.SUSPENDED), seq.index(KazooState.LOST))
            self.assertEqual(seq[-1], KazooState.CONNECTED)
            self.assertIsNone(zk.exists(eph))
            zk.create(eph, b"again", ephemeral=True)
            self.assertEqual(observer.exists(eph).ephemeralOwner, zk.client_id[0])

    def test_brief_disconnect_keeps_session(self):
        observer = self.client()
        root = self.root(observer)
        with zlharness.TcpProxy(self.server.port) as proxy:
            zk = self.client(hosts=proxy.hosts, timeout=4.0)
            states = record_states(zk)
            sid, passwd = zk.client_id
            eph = zk.create(root + "/eph", ephemeral=True)
            for _ in range(2):
                n = len(states.snapshot())
                proxy.cut()
                zlharness.wait_for(lambda: KazooState.SUSPENDED in states.snapshot()[n:], 5.0,
                                   message="SUSPENDED")
                time.sleep(0.3)
                proxy.heal()
                zlharness.wait_for(lambda: KazooState.CONNECTED in states.snapshot()[n:], 5.0,
                                   message="CONNECTED again")
                self.assertEqual(zk.client_id, (sid, passwd))
                self.assertEqual(observer.exists(eph).ephemeralOwner, sid)
            self.assertNotIn(KazooState.LOST, states.snapshot())
            self.assertGreaterEqual(proxy.accepted, 3)
            # the resumed session still writes
            zk.set(eph, b"after reconnect")
            self.assertEqual(observer.get(eph)[0], b"after reconnect")

    def test_idle_session_is_kept_alive_by_pings(self):
        zk = self.client(timeout=2.0)
        root = self.root(zk)
        sid = zk.client_id[0]
        eph = zk.create(root + "/eph", ephemeral=True)
        states = record_states(zk)
        time.sleep(3.3)   # longer than the 2 s session timeout plus one tick
        self.assertTrue(zk.connected)
        self.assertEqual(zk.client_id[0], sid)
        self.assertEqual(zk.exists(eph).ephemeralOwner, sid)
        self.assertEqual(states.snapshot(), [])

    def test_resume_session_from_another_client(self):
        observer = self.client()
        root = self.root(observer)
        with zlharness.TcpProxy(self.server.port) as proxy:
            first = self.client(hosts=proxy.hosts, timeout=4.0)
            first_states = record_states(first)
            sid, passwd = first.client_id
            eph = first.create(root + "/eph", b"1", ephemeral=True)
            proxy.cut()
            # a second client takes the session over with its id and password
            second = self.client(timeout=4.0, client_id=(sid, passwd))
            self.assertEqual(second.client_id[0], sid)
            self.assertEqual(second.get(eph)[0], b"1")
            self.assertEqual(second.exists(eph).ephemeralOwner, sid)
            second.set(eph, b"2")
            # closing the session from the second client removes the first's ephemeral
            second.stop()
            self.assertIsNone(observer.exists(eph))
            proxy.heal()
            zlharness.wait_for(lambda: KazooState.LOST in first_states.snapshot(), 10.0,
                               message="first client sees its session gone")

    def test_wrong_password_or_unknown_session_is_expired(self):
        zk = self.client()
        sid, passwd = zk.client_id
        states = record_states(zk)
        bad = bytes(b ^ 0xFF for b in passwd)
        for session_id, pw in ((sid, bad), (0x7FFFFFFF12345678, passwd)):
            with jute.RawClient(self.server.port) as c:
                r = c.handshake(timeout_ms=4000, session_id=session_id, passwd=pw)
                self.assertEqual(r["timeOut"], 0)
                self.assertEqual(r["sessionId"], 0)
                self.assertEqual(r["passwd"], b"\x00" * 16)
                self.assertEqual(c.read_until_closed(5.0), b"")
        # Apache closes the session's current connection *before* it checks the password
        # (ZooKeeperServer.processConnectRequest: closeSession(CLIENT_RECONNECT), then
        # reopenSession), so the rightful owner is disconnected once, reconnects, keeps its session.
        zlharness.wait_for(lambda: KazooState.SUSPENDED in states.snapshot(), 5.0,
                           message="owner's connection closed by the takeover attempt")
        zlharness.wait_for(lambda: zk.connected, 5.0, message="owner reconnected")
        self.assertEqual(zk.client_id[0], sid)
        self.assertNotIn(KazooState.LOST, states.snapshot())
        # kazoo given a bad password: the old id is refused, it starts a fresh session
        other = self.client(client_id=(sid, bad))
        self.assertNotEqual(other.client_id[0], sid)
        zlharness.wait_for(lambda: zk.connected, 5.0, message="owner reconnected again")
        self.assertEqual(zk.client_id[0], sid)
        self.assertIsNotNone(zk.exists("/"))


class SessionTimeouts(zlharness.ServerTestCase):
    """Default bounds at tickTime 2000: min 4000, max 40000."""

    TICK_TIME = 2000

    def test_negotiated_timeout_is_clamped_raw(self):
        for asked, expected in ((1000, 4000), (4000, 4000), (10000, 10000),
                                (39999, 39999), (100000, 40000), (0, 4000)):
            with jute.RawClient(self.server.port) as c:
                r = c.handshake(timeout_ms=asked)
                self.assertEqual(r["timeOut"], expected, "asked %d" % asked)
                self.assertEqual(r["protocolVersion"], 0)
                self.assertNotEqual(r["sessionId"], 0)
                self.assertEqual(len(r["passwd"]), 16)
                self.assertEqual(r["length"], 37)
                self.assertIs(r["readOnly"], False)
                c.send_frame(jute.request(1, jute.OP_CLOSE))
                xid, _, err, _ = c.read_reply()
                self.assertEqual((xid, err), (1, 0))
                self.assertEqual(c.read_until_closed(5.0), b"")

    def test_negotiated_timeout_seen_by_kazoo(self):
        for asked_s, expected_ms in ((1.0, 4000), (100.0, 40000), (6.0, 6000)):
            zk = self.unstarted_client(timeout=asked_s)
            seen = capture_negotiated_timeout(zk)
            zk.start(timeout=10.0)
            self.assertEqual(seen, [expected_ms])
            zk.stop()

    def test_distinct_session_ids(self):
        ids = set()
        for _ in range(5):
            zk = self.client()
            ids.add(zk.client_id[0])
        self.assertEqual(len(ids), 5)
        self.assertNotIn(0, ids)


class SessionTimeoutBounds(zlharness.ServerTestCase):
    TICK_TIME = 2000
    EXTRA_CFG = {"minSessionTimeout": 3000, "maxSessionTimeout": 5000}

    def test_configured_bounds(self):
        for asked, expected in ((1000, 3000), (4000, 4000), (100000, 5000)):
            with jute.RawClient(self.server.port) as c:
                self.assertEqual(c.handshake(timeout_ms=asked)["timeOut"], expected)


if __name__ == "__main__":
    zlharness.main()
