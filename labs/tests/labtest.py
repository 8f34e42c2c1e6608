"""Support for the lab tests: a fresh server per test, kazoo clients, a flaky TCP proxy.

Each test gets its own zablab-server (labs/common/labserver.py: free 127.0.0.1 port, temp
dataDir, 4lw.commands.whitelist=*), stopped and removed in tearDown. The binary comes from
ZABLAB_SERVER (CMake sets it), else build/apps/zablab-server of this checkout.
ZABLAB_TEST_AGAINST=apache runs the same tests against Apache ZooKeeper 3.8 (Debian's
`zookeeper` package), which is how their expectations were checked.

LAB_EXERCISES_IMPL=starter makes the exercise tests import labs/exercises/starter/ instead of
labs/exercises/solution/, so students can run these tests on their own code.

Run a file alone with /usr/bin/python3 (Debian's python3-kazoo):
    /usr/bin/python3 labs/tests/test_exercise_queue.py -v
"""

import logging
import os
import socket
import sys
import threading
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
LABS = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(LABS, "common"))

import labserver  # noqa: E402

REPO = os.path.dirname(LABS)
SIM = os.environ.get("ZABLAB_SIM") or os.path.join(REPO, "build", "apps", "sim", "zablab-sim")
VIZ = os.environ.get("ZABLAB_VIZ") or os.path.join(REPO, "build", "apps", "viz", "zablab-viz")
LAB1 = os.path.join(LABS, "lab1-first-steps")
LAB2 = os.path.join(LABS, "lab2-leader-election")
EXERCISES = os.path.join(LABS, "exercises",
                         os.environ.get("LAB_EXERCISES_IMPL", "solution"))

FAST_RETRY = dict(max_tries=-1, delay=0.05, backoff=1.5, max_jitter=0.1, max_delay=0.5)


def use_exercises():
    """Make `import dqueue` etc. find the chosen exercise implementation."""
    if EXERCISES not in sys.path:
        sys.path.insert(0, EXERCISES)


def kazoo_client(hosts, timeout=10.0, start=True, **kw):
    from kazoo.client import KazooClient
    kw.setdefault("connection_retry", dict(FAST_RETRY))
    zk = KazooClient(hosts=hosts, timeout=timeout, **kw)
    if start:
        zk.start(timeout=15)
    return zk


def close_client(zk):
    for step in (zk.stop, zk.close):
        try:
            step()
        except Exception:
            pass


def expire_session(hosts, zk, timeout=10.0):
    """Make zk's session expire NOW, the way ZooKeeper's own tests do: open a second
    connection with the same session id and password and close it. The server ends the
    session (its ephemeral nodes are deleted, its watches fire); zk's next reconnect is told
    the session expired, so kazoo reports LOST and starts a new session."""
    from kazoo.client import KazooClient
    thief = KazooClient(hosts=hosts, client_id=zk.client_id, timeout=timeout,
                        connection_retry=dict(FAST_RETRY))
    thief.start(timeout=15)
    thief.stop()
    thief.close()


def run(*args, timeout=120):
    """Runs a command from the top of the checkout: (exit status, stdout + stderr)."""
    import subprocess
    p = subprocess.run([str(a) for a in args], cwd=REPO, capture_output=True, text=True, timeout=timeout)
    return p.returncode, p.stdout + p.stderr


def wait_until(predicate, timeout, what="condition", interval=0.02):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise AssertionError("timed out after %.1f s waiting for %s" % (timeout, what))
        time.sleep(interval)


class LabTestCase(unittest.TestCase):
    """A fresh server for every test; clients made with self.client() are closed after it."""

    SERVER_OPTIONS = {}

    def setUp(self):
        super().setUp()
        self._clients = []
        self._proxies = []
        self.server = labserver.LabServer(**self.SERVER_OPTIONS)
        try:
            self.server.start()
        except Exception:
            self.server.stop()
            raise

    def tearDown(self):
        for zk in reversed(self._clients):
            close_client(zk)
        for p in self._proxies:
            p.close()
        died = not self.server.alive()
        tail = self.server.log_tail() if died else ""
        self.server.stop()
        super().tearDown()
        if died:
            raise AssertionError("the server died during the test\n" + tail)

    def client(self, hosts=None, timeout=10.0, **kw):
        zk = kazoo_client(hosts or self.server.hosts, timeout=timeout, start=False, **kw)
        self._clients.append(zk)
        zk.start(timeout=15)
        return zk

    def requests_received(self, zk):
        """Packets the server received on zk's connection (`cons` recved=), heartbeats included:
        kazoo pings after a third of the session timeout (10 s) without traffic, so a window of
        1.5 s holds none. Equal counts across a window: the client did not poll."""
        sid = zk.client_id[0]
        for line in self.server.four_letter_word("cons").splitlines():
            if "sid=0x%x," % sid in line:
                return int(line.split("recved=")[1].split(",")[0])
        self.fail("session 0x%x not in `cons`" % sid)

    def proxy(self):
        p = FlakyProxy(self.server.port)
        self._proxies.append(p)
        return p


class FlakyProxy:
    """Forwards 127.0.0.1:<self.port> to the server and breaks connections on demand.

    cut():        close every open connection (the client sees ConnectionLoss, reconnects);
    swallow():    from now on, forward requests but drop the server's replies, so the client
                  cannot know whether its request was applied; cut() ends this.
    """

    def __init__(self, target_port):
        self.target_port = target_port
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind((labserver.HOST, 0))
        self._listener.listen(16)
        self._listener.settimeout(0.2)
        self.port = self._listener.getsockname()[1]
        self._lock = threading.Lock()
        self._socks = []
        self._swallow = False
        self._closed = False
        self.connections = 0
        self._thread = threading.Thread(target=self._accept_loop, daemon=True, name="proxy")
        self._thread.start()

    @property
    def hosts(self):
        return "%s:%d" % (labserver.HOST, self.port)

    def _accept_loop(self):
        while not self._closed:
            try:
                c, _ = self._listener.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            try:
                s = socket.create_connection((labserver.HOST, self.target_port), timeout=2)
            except OSError:
                c.close()
                continue
            c.settimeout(None)
            s.settimeout(None)
            with self._lock:
                self._socks += [c, s]
                self.connections += 1
            threading.Thread(target=self._pump, args=(c, s, False), daemon=True).start()
            threading.Thread(target=self._pump, args=(s, c, True), daemon=True).start()

    def _pump(self, src, dst, is_reply):
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                if is_reply and self._swallow:
                    continue
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for x in (src, dst):
                try:
                    x.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def swallow(self):
        self._swallow = True

    def cut(self):
        with self._lock:
            socks, self._socks = self._socks, []
            self._swallow = False
        for x in socks:
            try:
                x.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            x.close()

    def close(self):
        self._closed = True
        self.cut()
        try:
            self._listener.close()
        except OSError:
            pass
        self._thread.join(timeout=2)


class _TimedResult(unittest.TextTestResult):
    def startTest(self, test):
        self._t0 = time.monotonic()
        super().startTest(test)

    def stopTest(self, test):
        super().stopTest(test)
        if self.showAll:
            self.stream.writeln("    (%.2f s)" % (time.monotonic() - self._t0))
            self.stream.flush()


def main():
    logging.basicConfig(level=logging.DEBUG if os.environ.get("ZABLAB_TEST_VERBOSE")
                        else logging.CRITICAL, stream=sys.stderr)
    t0 = time.monotonic()
    prog = unittest.main(module="__main__", exit=False, verbosity=2,
                         testRunner=unittest.TextTestRunner(resultclass=_TimedResult,
                                                            verbosity=2))
    r = prog.result
    print("wall time %.1f s" % (time.monotonic() - t0))
    print("%d passed, %d failed, %d skipped" % (
        r.testsRun - len(r.failures) - len(r.errors) - len(r.skipped),
        len(r.failures) + len(r.errors), len(r.skipped)))
    # A test skipped (a tool missing): exit 77, which ctest shows as a skip (SKIP_RETURN_CODE),
    # not a pass, so a machine that did not check everything does not look green.
    if r.wasSuccessful() and r.skipped:
        print("skipped: %s" % "; ".join(sorted({why for _, why in r.skipped})))
        sys.exit(77)
    sys.exit(0 if r.wasSuccessful() else 1)
