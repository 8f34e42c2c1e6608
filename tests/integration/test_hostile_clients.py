"""Clients that try to hurt a real zablab-server (docs/hardening.md):
each test reproduces one way a client could bloat, stall or fool the server and checks the bound
that stops it, and that well-behaved clients are unharmed. Numbers measured are printed (RSS,
log line lengths); nothing asserts on time: each wait is bounded, the assertions are on outcomes.

    ZABLAB_SERVER=build/apps/zablab-server /usr/bin/python3 tests/integration/test_hostile_clients.py
"""

import os
import socket
import time
import unittest

import zlharness
import zljute as jute
from test_limits import rss_kb

OP_AUTH, OP_SET_WATCHES, OP_WHO_AM_I = 100, 101, 107
XID_AUTH = -4
AUTH_FAILED, QUOTA_EXCEEDED = -115, -125


def auth_body(scheme, auth):
    sb = scheme if isinstance(scheme, bytes) else scheme.encode()
    return jute.i32(0) + jute.i32(len(sb)) + sb + jute.buffer(auth)


def set_watches_body(exist_paths):
    def strings(paths):
        return jute.i32(len(paths)) + b"".join(jute.ustring(p) for p in paths)
    return jute.i64(0) + strings([]) + strings(exist_paths) + strings([])


def who_am_i(raw, xid=900):
    rxid, _z, err, r = raw.call(xid, OP_WHO_AM_I)
    assert (rxid, err) == (xid, jute.OK), (rxid, err)
    return [(r.ustring(), r.ustring()) for _ in range(r.int())]


def is_closed(raw, timeout):
    """True if the server closed the connection within `timeout` s (replies before it are skipped)."""
    try:
        raw.read_until_closed(timeout=timeout)
        return True
    except TimeoutError:
        return False


class LoggingServer(zlharness.ServerProcess):
    """A standalone server at debug level (every line it could write is written), whose log the
    test reads; `address` is its clientPortAddress."""

    def __init__(self, address=zlharness.HOST, **kw):
        super().__init__(**kw)
        self.address = address

    def _command(self):
        cmd = super()._command()
        return cmd[:1] + ["--log-level", "debug"] + cmd[1:]

    def _write_cfg(self):
        super()._write_cfg()
        with open(self.cfg_path()) as f:
            text = f.read().replace("clientPortAddress=%s" % zlharness.HOST, "clientPortAddress=%s" % self.address)
        with open(self.cfg_path(), "w") as f:
            f.write(text)

    def log_lines(self):
        lines = []
        for path in self._log_files():
            if os.path.exists(path):
                with open(path, "rb") as f:
                    lines += f.read().split(b"\n")
        return lines


@unittest.skipIf(zlharness.against_apache(), "zablab's bounds (Apache has none for most of these)")
class HostileClients(zlharness.ServerTestCase):
    EXTRA_CFG = {"4lw.commands.whitelist": "*", "maxClientCnxns": "20",
                 "maxWatchesPerConnection": "1000", "maxWatches": "5000", "maxWatchesPerAddress": "2000"}

    @classmethod
    def setUpClass(cls):
        unittest.TestCase.setUpClass()
        cls.server = LoggingServer(tick_time=2000, label=cls.__name__, extra=cls.EXTRA_CFG)
        try:
            cls.server.start()
        except BaseException:
            cls.server.cleanup()
            raise

    def raw(self, host="127.0.0.1", source=None):
        c = jute.RawClient(self.server.port, host=host, timeout=10.0, source=source)
        self.addCleanup(c.close)
        c.handshake()
        return c

    # ----- item 6: replies never read ---------------------------------------------------------
    def test_unread_large_replies_do_not_grow_the_server_memory(self):
        zk = self.client()
        payload = b"v" * 1000000
        zk.create("/big", payload)
        pid = self.server.proc.pid
        before = rss_kb(pid)
        raw = self.raw()
        count = 200
        raw.send_raw(b"".join(jute.frame(jute.request(i, jute.OP_GETDATA, jute.path_watch_body("/big")))
                              for i in range(1, count + 1)))
        peak = before
        for _ in range(60):                     # ~3 s of samples while the server works
            peak = max(peak, rss_kb(pid))
            time.sleep(0.05)
        growth_mb = (peak - before) / 1024.0
        print("200 unread getData of a 1 MB node: server RSS %d -> peak %d kB (+%.1f MB)" % (before, peak, growth_mb))
        # Others are served meanwhile.
        self.assertEqual(zk.get("/big")[0], payload)
        # Nothing was lost: every reply comes, in order, once the client reads.
        for xid in range(1, count + 1):
            rxid, _z, err, r = raw.read_reply(timeout=30.0)
            self.assertEqual((rxid, err), (xid, jute.OK))
            self.assertEqual(len(r.buffer()), len(payload))
        # Bounded by the 4 MiB output limit plus one reply, not by 200 replies (~200 MB).
        self.assertLess(growth_mb, 48, "the server buffered %.0f MB of unread replies" % growth_mb)

    # ----- item 7: one-shot watch events past the ACL ---------------------------------------------
    def test_exists_watch_hears_nothing_of_a_node_it_may_not_read(self):
        from kazoo.security import make_digest_acl
        owner = self.client(auth_data=[("digest", "alice:pw-alice")])
        outsider = self.client()
        root = self.root(owner)
        events = zlharness.EventLog()
        self.assertIsNone(outsider.exists(root + "/hidden", watch=events))
        self.assertIsNone(outsider.exists(root + "/public", watch=events))
        owner.create(root + "/hidden", b"secret", acl=[make_digest_acl("alice", "pw-alice", all=True)])
        owner.create(root + "/public", b"")
        # Events come in zxid order: once /public's is here, /hidden's would have come before it.
        got = events.wait_count(1, timeout=10.0)
        self.assertEqual([(e.type, e.path) for e in got], [("CREATED", root + "/public")])

    # ----- item 8: watches from one address ------------------------------------------------------
    def test_one_address_cannot_take_every_watch(self):
        flooders = []
        refused_at = None
        for n in range(8):                      # 8 x 1000 would exceed maxWatches (5000)
            c = self.raw()
            flooders.append(c)
            paths = ["/absent/%d/%d" % (n, i) for i in range(1000)]
            _x, _z, err, _r = c.call(-8, OP_SET_WATCHES, set_watches_body(paths))
            if err != jute.OK:
                self.assertEqual(err, QUOTA_EXCEEDED)
                refused_at = n
                break
        self.assertEqual(refused_at, 2, "maxWatchesPerAddress (2000) stops the third 1000")
        # Another address still sets watches.
        other = self.raw(source="127.0.0.2")
        _x, _z, err, _r = other.call(1, jute.OP_EXISTS, jute.path_watch_body("/absent/other", True))
        self.assertEqual(err, jute.NO_NODE)     # the watch is set (no QUOTAEXCEEDED)
        # Closing them frees the address's share: it may watch again.
        for c in flooders:
            c.close()
        again = self.raw()
        zlharness.wait_for(lambda: again.call(2, OP_SET_WATCHES, set_watches_body(["/absent/x%d" % i for i in range(1000)]))[2]
                           == jute.OK, timeout=10.0, interval=0.1, message="the closed connections' watches freed")

    # ----- item 9: IPv6 and v4-mapped addresses --------------------------------------------------
    # (see DualStack below)

    # ----- item 10: log injection ----------------------------------------------------------------
    def test_client_text_in_the_log_is_escaped_and_bounded(self):
        forged = "evil\n2026-01-01T00:00:00.000Z INFO session 0x1 authenticated as super"
        raw = self.raw()
        raw.send_frame(jute.request(XID_AUTH, OP_AUTH, auth_body(forged, b"x")))
        self.assertTrue(is_closed(raw, 10.0))   # unknown scheme: AUTHFAILED, then closed
        long_scheme = "s" * 500000
        raw2 = self.raw()
        raw2.send_frame(jute.request(XID_AUTH, OP_AUTH, auth_body(long_scheme, b"x")))
        self.assertTrue(is_closed(raw2, 10.0))
        lines = self.server.log_lines()
        forged_lines = [l for l in lines if l.startswith(b"2026-01-01T00:00:00.000Z")]
        self.assertEqual(forged_lines, [], "a client forged a log line")
        longest = max(len(l) for l in lines)
        print("longest log line: %d bytes" % longest)
        self.assertLessEqual(longest, 4096)
        self.assertTrue(any(b"evil\\n2026" in l for l in lines), "the scheme is logged, escaped")

    # ----- items 11 and 2: identities and credentials --------------------------------------------
    def test_repeated_ip_and_digest_auth_add_each_identity_once(self):
        raw = self.raw()
        for i in range(50):
            raw.send_frame(jute.request(XID_AUTH, OP_AUTH, auth_body("ip", b"")))
            raw.send_frame(jute.request(XID_AUTH, OP_AUTH, auth_body("digest", b"bob:pw")))
        for _ in range(100):
            rxid, _z, err, _r = raw.read_reply(timeout=10.0)
            self.assertEqual((rxid, err), (XID_AUTH, jute.OK))
        ids = who_am_i(raw)
        self.assertEqual(sorted(ids), [("digest", "bob"), ("ip", "127.0.0.1")])

    def test_too_many_identities_fail_auth_and_close(self):
        raw = self.raw()
        errors = []
        for i in range(100):
            raw.send_frame(jute.request(XID_AUTH, OP_AUTH, auth_body("digest", b"user%d:pw" % i)))
            try:
                _x, _z, err, _r = raw.read_reply(timeout=10.0)
            except ConnectionError:
                break
            errors.append(err)
            if err != jute.OK:
                break
        self.assertEqual(errors[-1], AUTH_FAILED, "the 100th identity was accepted")
        self.assertLess(len(errors), 100)
        self.assertTrue(is_closed(raw, 10.0))
        self.assertTrue(any(b"maxAuthIdentitiesPerConnection" in l for l in self.server.log_lines()))

    def test_oversized_credential_fails_auth_names_the_connection_and_closes(self):
        zk = self.client()
        raw = self.raw()
        user = b"u" * 900000
        raw.send_frame(jute.request(XID_AUTH, OP_AUTH, auth_body("digest", user + b":pw")))
        rxid, _z, err, _r = raw.read_reply(timeout=10.0)
        self.assertEqual((rxid, err), (XID_AUTH, AUTH_FAILED))
        self.assertTrue(is_closed(raw, 10.0))
        too_long = [l for l in self.server.log_lines() if b"900003 bytes" in l]
        self.assertTrue(too_long, "no log line names the oversized credential")
        self.assertIn(b"127.0.0.1:", too_long[0])
        self.assertTrue(zk.exists("/"))


def ipv6_loopback():
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as s:
            s.bind(("::1", 0))
        return True
    except OSError:
        return False


@unittest.skipIf(zlharness.against_apache(), "whoAmI and address handling of zablab")
@unittest.skipUnless(ipv6_loopback(), "no IPv6 loopback on this machine")
class DualStack(unittest.TestCase):
    """A server listening on :: (IPv6 and IPv4 as v4-mapped): addresses are counted without their
    port, for maxClientCnxns and for the ip identity."""

    def setUp(self):
        self.server = LoggingServer(address="::", label="DualStack", extra={"maxClientCnxns": "3"})
        self.server.start()
        self.addCleanup(self.server.cleanup)

    def connect(self, host):
        c = jute.RawClient(self.server.port, host=host, timeout=10.0)
        self.addCleanup(c.close)
        return c

    def test_ipv6_clients_count_against_max_client_cnxns_by_address(self):
        kept = []
        for _ in range(3):
            c = self.connect("::1")
            c.handshake()
            kept.append(c)
        self.assertEqual(who_am_i(kept[0]), [("ip", "::1")])
        extra = self.connect("::1")
        extra.send_frame(jute.connect_request())
        self.assertEqual(extra.read_until_closed(timeout=10.0), b"", "a 4th connection from ::1 was served")
        # IPv4 on the same listener arrives v4-mapped: counted (and named) as 127.0.0.1.
        v4 = [self.connect("127.0.0.1") for _ in range(3)]
        for c in v4:
            c.handshake()
        self.assertEqual(who_am_i(v4[0]), [("ip", "127.0.0.1")])
        extra4 = self.connect("127.0.0.1")
        extra4.send_frame(jute.connect_request())
        self.assertEqual(extra4.read_until_closed(timeout=10.0), b"")


@unittest.skipIf(zlharness.against_apache(), "zablab's peer transport")
class ElectionPort(unittest.TestCase):
    """Connections to the election port that never announce a server id are cheap and bounded."""

    CONNECTIONS = 400

    def test_unannounced_election_connections_are_bounded_and_cheap(self):
        with zlharness.EnsembleProcesses(3, tick_time=200, extra={"cnxTimeout": "60000"}) as ens:
            ens.wait_for_roles()
            sid = 1
            election_port = ens.ports[sid][2]
            pid = ens.procs[sid].pid
            before = rss_kb(pid)
            socks = []
            try:
                for _ in range(self.CONNECTIONS):
                    socks.append(socket.create_connection((zlharness.HOST, election_port), timeout=10.0))
                time.sleep(0.5)
                after = rss_kb(pid)
                # The server closes what is beyond its bound at once; the newest is one of those.
                socks[-1].settimeout(10.0)
                try:
                    closed = socks[-1].recv(1) == b""
                except (ConnectionResetError, socket.timeout):
                    closed = False
                print("%d unannounced election connections: member RSS %d -> %d kB (+%.1f MB)"
                      % (self.CONNECTIONS, before, after, (after - before) / 1024.0))
                self.assertTrue(closed, "connection %d on the election port was kept open" % self.CONNECTIONS)
                self.assertLess((after - before) / 1024.0, 12)
            finally:
                for s in socks:
                    s.close()
            # The ensemble still works through that member.
            zk = zlharness.kazoo_client(ens.hosts_of(sid))
            try:
                zk.create("/after-flood", b"ok")
                self.assertEqual(zk.get("/after-flood")[0], b"ok")
            finally:
                zlharness.close_client(zk)


if __name__ == "__main__":
    zlharness.main()
