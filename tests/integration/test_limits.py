"""Resource limits on a real zablab-server (docs/hardening.md): a client that floods requests is
slowed down, never served at the expense of the others, and never makes the server's memory grow
without bound; one that opens too many connections is refused; an oversized frame is refused.

    ZABLAB_SERVER=build/apps/zablab-server /usr/bin/python3 tests/integration/test_limits.py
"""

import os
import socket
import struct
import threading
import time
import unittest

import zlharness
import zljute as jute

FLOOD = 100000           # pipelined requests the flooding client sends without reading a reply
PAYLOAD = 1000           # bytes of the node it reads: each reply is ~1.1 kB, 110 MB in all
RSS_GROWTH_MB = 64       # the most the server's RSS may grow during the flood


def rss_kb(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise AssertionError("no VmRSS for %d" % pid)


def mntr(port):
    out = {}
    for line in zlharness.four_letter_word(port, "mntr").splitlines():
        k, _, v = line.partition("\t")
        out[k] = v
    return out


class Flooder(threading.Thread):
    """Sends `count` pipelined requests as fast as the socket takes them, reading nothing."""

    def __init__(self, sock, frames):
        super().__init__(name="flooder", daemon=True)
        self.sock = sock
        self.frames = frames
        self.sent = 0
        self.error = None

    def run(self):
        try:
            batch = 256
            for i in range(0, len(self.frames), batch):
                self.sock.sendall(b"".join(self.frames[i:i + batch]))
                self.sent = min(len(self.frames), i + batch)
        except OSError as e:
            self.error = e


@unittest.skipIf(zlharness.against_apache(), "zablab's limits (Apache's differ: no per-connection bound)")
class Limits(zlharness.ServerTestCase):
    EXTRA_CFG = {"4lw.commands.whitelist": "*", "maxClientCnxns": "10",
                 "globalOutstandingLimit": "1000", "maxOutstandingPerConnection": "500"}

    def flood_and_check(self, frames, what, held_back=True):
        """Floods `frames` on one raw connection while a kazoo client keeps working; returns the
        raw client (still holding every unread reply) after checking the others were unharmed."""
        pid = self.server.proc.pid
        zk = self.client()
        zk.ensure_path("/polite")
        rss_before = rss_kb(pid)
        received_before = int(mntr(self.server.port)["zk_packets_received"])
        raw = jute.RawClient(self.server.port, timeout=30.0)
        raw.handshake()
        raw.sock.settimeout(60.0)
        flooder = Flooder(raw.sock, frames)
        flooder.start()
        worst = 0.0
        rss_max = rss_before
        deadline = time.monotonic() + 6.0
        n = 0
        while time.monotonic() < deadline:
            t0 = time.monotonic()
            zk.set("/polite", b"%d" % n)
            self.assertEqual(zk.get("/polite")[0], b"%d" % n)
            worst = max(worst, time.monotonic() - t0)
            rss_max = max(rss_max, rss_kb(pid))
            n += 1
            time.sleep(0.02)
        received = int(mntr(self.server.port)["zk_packets_received"]) - received_before - 2 * n
        growth_mb = (rss_max - rss_before) / 1024.0
        print("%s: %d of %d requests sent, server took %d packets; polite client: %d set+get, worst %.3f s; "
              "server RSS %d -> max %d kB (+%.1f MB)"
              % (what, flooder.sent, len(frames), received, n, worst, rss_before, rss_max, growth_mb))
        # The outcome, not a latency bound (a loaded machine stretches any): the polite client kept
        # getting answers during the flood (a starved one manages a handful in 6 s).
        self.assertGreater(n, 20, "a well-behaved client got %d answers during the flood (worst %.2f s)" % (n, worst))
        self.assertLess(growth_mb, RSS_GROWTH_MB, "the server's memory grew by %.0f MB" % growth_mb)
        if held_back:
            # Its replies were left unread: the server stopped reading it long before the end.
            self.assertLess(received, len(frames) // 2, "the server read the flood: nothing held it back")
        return raw, flooder

    def drain_replies(self, raw, flooder, count, deadline_s=120.0):
        """Reads every reply (the server reads on as the client does); they come in xid order."""
        deadline = time.monotonic() + deadline_s
        expected_xid = 1
        errors = {}
        while expected_xid <= count:
            self.assertLess(time.monotonic(), deadline, "only %d of %d replies" % (expected_xid - 1, count))
            xid, _zxid, err, _r = raw.read_reply(timeout=30.0)
            if xid == jute.XID_NOTIFICATION:
                continue
            self.assertEqual(xid, expected_xid)
            errors[err] = errors.get(err, 0) + 1
            expected_xid += 1
        flooder.join(timeout=30.0)
        self.assertFalse(flooder.is_alive())
        self.assertIsNone(flooder.error)
        return errors

    def test_read_flood_without_reading_replies_is_throttled(self):
        zk = self.client()
        zk.create("/big", b"x" * PAYLOAD)
        frames = [jute.frame(jute.request(i, jute.OP_GETDATA, jute.path_watch_body("/big")))
                  for i in range(1, FLOOD + 1)]
        raw, flooder = self.flood_and_check(frames, "read flood")
        with raw:
            errors = self.drain_replies(raw, flooder, FLOOD)
        self.assertEqual(errors, {jute.OK: FLOOD})

    def test_write_flood_stays_within_the_outstanding_limits(self):
        zk = self.client()
        zk.create("/w", b"")
        count = 20000
        frames = [jute.frame(jute.request(i, jute.OP_SETDATA, jute.set_data_body("/w", b"%d" % i)))
                  for i in range(1, count + 1)]
        # Sample the server's outstanding requests while the flood runs.
        samples = []
        stop = threading.Event()

        def sample():
            while not stop.is_set():
                try:
                    samples.append(int(mntr(self.server.port)["zk_outstanding_requests"]))
                except (OSError, KeyError, ValueError):
                    pass
                time.sleep(0.05)
        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        try:
            # Small replies (the client's socket takes them all): here it is the outstanding limit
            # that holds the connection back, while each fsync'd group commit completes.
            raw, flooder = self.flood_and_check(frames, "write flood", held_back=False)
        finally:
            stop.set()
            sampler.join(timeout=5.0)
        with raw:
            errors = self.drain_replies(raw, flooder, count)
        self.assertEqual(errors, {jute.OK: count})
        self.assertTrue(samples)
        # One connection's requests never exceed maxOutstandingPerConnection (+ the polite one's).
        self.assertLessEqual(max(samples), 500 + 1)
        self.assertEqual(zk.get("/w")[1].version, count)

    def test_oversized_frame_is_refused_and_others_go_on(self):
        zk = self.client()
        with jute.RawClient(self.server.port) as raw:
            raw.handshake()
            raw.send_raw(struct.pack(">i", 0x100000))
            self.assertEqual(raw.read_until_closed(timeout=5.0), b"")
        self.assertTrue(zk.exists("/"))


class ConnectionLimit(zlharness.ServerTestCase):
    EXTRA_CFG = {"maxClientCnxns": "10"}

    def test_max_client_cnxns_refuses_the_extra_connections_from_one_ip(self):
        socks = []
        try:
            for _ in range(10):
                c = jute.RawClient(self.server.port)
                c.handshake()
                socks.append(c)
            extra = jute.RawClient(self.server.port)
            socks.append(extra)
            # Closed at once, without an answer to its ConnectRequest.
            extra.send_frame(jute.connect_request())
            self.assertEqual(extra.read_until_closed(timeout=5.0), b"")
            # Another address is not affected (127.0.0.2 is loopback too).
            other = socket.create_connection(("127.0.0.1", self.server.port), timeout=5.0,
                                             source_address=("127.0.0.2", 0))
            other.sendall(jute.frame(jute.connect_request()))
            other.settimeout(5.0)
            head = other.recv(4)
            other.close()
            self.assertEqual(len(head), 4)
            # The first ten still work.
            xid, _z, err, _r = socks[0].call(1, jute.OP_EXISTS, jute.path_watch_body("/"))
            self.assertEqual((xid, err), (1, jute.OK))
        finally:
            for c in socks:
                c.close()
        # Once they are closed, the IP may connect again.
        deadline = time.monotonic() + 5.0
        while True:
            with jute.RawClient(self.server.port) as c:
                try:
                    c.handshake()
                    break
                except (ConnectionError, OSError):
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.1)


if __name__ == "__main__":
    zlharness.main()
