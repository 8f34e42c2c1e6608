"""Integration-test harness for zablab: starts a ZooKeeper-compatible server on a free
loopback port and gives tests kazoo clients, raw sockets and a cuttable TCP proxy.

Which server runs:
  * default: the zablab binary named by env ZABLAB_SERVER, started as `zablab-server <zoo.cfg>`;
  * ZABLAB_TEST_AGAINST=apache: Apache ZooKeeper 3.8 (Debian's `zookeeper` package, java), started
    with the same zoo.cfg. This mode exists to validate the tests themselves; CI does not use it.

Every wait is bounded; every process, socket, thread and temp dir is cleaned up, also on failure.
Run a test file with /usr/bin/python3 (Debian's interpreter, which has python3-kazoo).
"""

import atexit
import ctypes
import logging
import os
import selectors
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest

HOST = "127.0.0.1"

APACHE_JARS = [
    "/usr/share/java/zookeeper.jar",     # its manifest Class-Path names the other jars
    "/usr/share/java/slf4j-simple.jar",  # log to stderr (optional; NOP logger without it)
]

# zoo.cfg keys that Apache reads only as Java system properties (zablab reads them from zoo.cfg).
APACHE_SYSTEM_PROPERTY_KEYS = {
    "extendedTypesEnabled": "zookeeper.extendedTypesEnabled",
    "jute.maxbuffer": "jute.maxbuffer",
}

START_TIMEOUT = 15.0      # seconds until the server must answer `srvr`
POLL_INTERVAL = 0.05
STOP_GRACE = 5.0
LOG_TAIL_LINES = 60

_log_tails = []           # (label, text) of servers whose logs should be shown on failure
_live_servers = set()     # stopped at interpreter exit, whatever happened

try:
    _libc = ctypes.CDLL("libc.so.6", use_errno=True)
except OSError:
    _libc = None


def _die_with_parent():
    """In the forked child: SIGKILL it if the test process dies (e.g. CTest's timeout kill),
    so no server outlives its test."""
    if _libc is not None:
        _libc.prctl(1, signal.SIGKILL)   # PR_SET_PDEATHSIG


@atexit.register
def _stop_leftover_servers():
    for srv in list(_live_servers):
        try:
            srv.cleanup()
        except Exception:
            pass


def against_apache():
    return os.environ.get("ZABLAB_TEST_AGAINST", "").lower() == "apache"


def free_port():
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        s.bind((HOST, 0))
        return s.getsockname()[1]
    finally:
        s.close()


def four_letter_word(port, word, timeout=5.0):
    """Send an unframed four-letter word, return everything the server writes before closing."""
    deadline = time.monotonic() + timeout
    with socket.create_connection((HOST, port), timeout=timeout) as s:
        s.sendall(word.encode("ascii") if isinstance(word, str) else word)
        chunks = []
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("server did not close after %r" % (word,))
            s.settimeout(left)
            data = s.recv(65536)
            if not data:
                break
            chunks.append(data)
    return b"".join(chunks).decode("utf-8", "replace")


def _tail(path, lines=LOG_TAIL_LINES):
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError:
        return ""
    text = data.decode("utf-8", "replace").splitlines()
    return "\n".join(text[-lines:])


class ServerError(RuntimeError):
    pass


class ServerProcess:
    """A standalone server with its own temp dir and loopback port.

    with ServerProcess(tick_time=2000, extra={"4lw.commands.whitelist": "*"}) as srv:
        KazooClient(hosts=srv.hosts) ...
    """

    def __init__(self, tick_time=2000, extra=None, label=None):
        self.tick_time = tick_time
        self.extra = dict(extra or {})
        self.label = label or "server"
        self.tmpdir = None
        self.port = None
        self.proc = None
        self._out = self._err = None
        self._starts = 0

    # ----- lifecycle -------------------------------------------------------------------
    @property
    def hosts(self):
        return "%s:%d" % (HOST, self.port)

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, exc_type, exc, tb):
        self.cleanup(failed=exc_type is not None)
        return False

    def start(self):
        """Create the temp dir, pick a port, start, wait until serving (retry 3 ports)."""
        if not against_apache() and not os.environ.get("ZABLAB_SERVER"):
            raise unittest.SkipTest("ZABLAB_SERVER is not set (or set ZABLAB_TEST_AGAINST=apache)")
        if self.tmpdir is None:
            self.tmpdir = tempfile.mkdtemp(prefix="zablab-it-")
            os.makedirs(os.path.join(self.tmpdir, "data"))
        last_error = None
        try:
            for _attempt in range(3):
                self.port = free_port()
                self._write_cfg()
                try:
                    self._spawn()
                    self._wait_serving()
                    return self
                except ServerError as e:
                    last_error = e
                    self._terminate()
                    if self._port_taken():
                        continue           # somebody grabbed the port: try another
                    break
            self.print_logs()
            raise last_error
        except BaseException:
            self.cleanup()
            raise

    def restart(self, kill=False):
        """Stop (gracefully, or SIGKILL if kill=True), start again on the same port with the
        same dataDir."""
        if kill:
            self.kill()
        else:
            self.stop()
        self._spawn()
        try:
            self._wait_serving()
        except ServerError:
            self._remember_logs()
            self.print_logs()
            raise
        return self

    def stop(self):
        """SIGTERM, wait up to 5 s, then SIGKILL."""
        self._terminate()

    def kill(self):
        """SIGKILL (the whole process group), no chance to flush anything."""
        p = self.proc
        if p is not None and p.poll() is None:
            try:
                os.killpg(p.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            p.wait(timeout=STOP_GRACE)

    def cleanup(self, failed=False):
        _live_servers.discard(self)
        self._terminate()
        self._remember_logs()
        if failed:
            self.print_logs()
        for f in (self._out, self._err):
            if f is not None:
                f.close()
        self._out = self._err = None
        if self.tmpdir is not None:
            shutil.rmtree(self.tmpdir, ignore_errors=True)
            self.tmpdir = None

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def assert_alive(self):
        if not self.alive():
            self.print_logs()
            raise AssertionError("server %s died (exit code %r)" % (
                self.label, None if self.proc is None else self.proc.returncode))

    # ----- helpers ---------------------------------------------------------------------
    def srvr(self):
        return four_letter_word(self.port, "srvr")

    def version(self):
        """The server's version as a tuple of ints, from `srvr` ("Zookeeper version: 3.8.4-...")."""
        first = self.srvr().splitlines()[0]
        digits = first.split(":", 1)[1].strip().split("-", 1)[0].split(",")[0]
        return tuple(int(x) for x in digits.split(".") if x.isdigit())

    def cfg_path(self):
        return os.path.join(self.tmpdir, "zoo.cfg")

    def _write_cfg(self):
        lines = [
            "tickTime=%d" % self.tick_time,
            "dataDir=%s" % os.path.join(self.tmpdir, "data"),
            "clientPort=%d" % self.port,
            "clientPortAddress=%s" % HOST,
        ]
        for k, v in self.extra.items():
            lines.append("%s=%s" % (k, v))
        with open(self.cfg_path(), "w") as f:
            f.write("\n".join(lines) + "\n")

    def _command(self):
        if against_apache():
            java = shutil.which("java") or "/usr/bin/java"
            cp = ":".join(j for j in APACHE_JARS if os.path.exists(j))
            props = ["-Dzookeeper.admin.enableServer=false",
                     "-Dorg.slf4j.simpleLogger.defaultLogLevel=info"]
            for k, v in self.extra.items():
                if k in APACHE_SYSTEM_PROPERTY_KEYS:
                    props.append("-D%s=%s" % (APACHE_SYSTEM_PROPERTY_KEYS[k], v))
            return [java, "-Xmx1000m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC",
                    "-Xshare:auto"] + props + [
                    "-cp", cp, "org.apache.zookeeper.server.ZooKeeperServerMain",
                    self.cfg_path()]
        binary = os.environ.get("ZABLAB_SERVER")
        if not binary:
            raise unittest.SkipTest("ZABLAB_SERVER is not set (or set ZABLAB_TEST_AGAINST=apache)")
        if not os.access(binary, os.X_OK):
            raise ServerError("ZABLAB_SERVER=%s is not an executable" % binary)
        return [binary, self.cfg_path()]

    def _spawn(self):
        self._starts += 1
        for f in (self._out, self._err):
            if f is not None:
                f.close()
        self._out = open(os.path.join(self.tmpdir, "stdout.%d.log" % self._starts), "wb")
        self._err = open(os.path.join(self.tmpdir, "stderr.%d.log" % self._starts), "wb")
        self.proc = subprocess.Popen(self._command(), stdin=subprocess.DEVNULL,
                                     stdout=self._out, stderr=self._err,
                                     cwd=self.tmpdir, start_new_session=True,
                                     preexec_fn=_die_with_parent)
        _live_servers.add(self)

    def _wait_serving(self):
        deadline = time.monotonic() + START_TIMEOUT
        last = None
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise ServerError("server exited early with code %d" % self.proc.returncode)
            try:
                answer = four_letter_word(self.port, "srvr", timeout=2.0)
                if answer.startswith("Zookeeper version:"):
                    return
                last = answer
            except OSError as e:
                last = e
            time.sleep(POLL_INTERVAL)
        raise ServerError("server not serving within %.0f s (last: %r)" % (START_TIMEOUT, last))

    def _port_taken(self):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            s.bind((HOST, self.port))
            return False
        except OSError:
            return True
        finally:
            s.close()

    def _terminate(self):
        p = self.proc
        if p is None or p.poll() is not None:
            return
        try:
            os.killpg(p.pid, signal.SIGTERM)
        except ProcessLookupError:
            return
        try:
            p.wait(timeout=STOP_GRACE)
        except subprocess.TimeoutExpired:
            try:
                os.killpg(p.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            p.wait(timeout=STOP_GRACE)

    def _log_files(self):
        if self.tmpdir is None:
            return []
        out = []
        for i in range(1, self._starts + 1):
            for kind in ("stdout", "stderr"):
                out.append(os.path.join(self.tmpdir, "%s.%d.log" % (kind, i)))
        return out

    def _remember_logs(self):
        parts = []
        for path in self._log_files():
            t = _tail(path)
            if t:
                parts.append("--- %s ---\n%s" % (os.path.basename(path), t))
        if parts:
            _log_tails.append(("%s port %s" % (self.label, self.port), "\n".join(parts)))

    def print_logs(self):
        for path in self._log_files():
            t = _tail(path)
            if t:
                sys.stderr.write("\n--- %s (%s) ---\n%s\n" % (os.path.basename(path), self.label, t))


# ----- kazoo ------------------------------------------------------------------------------

FAST_RETRY = dict(max_tries=-1, delay=0.05, backoff=1.5, max_jitter=0.2, max_delay=0.25)


def kazoo_client(hosts, timeout=10.0, start=True, start_timeout=10.0, **kw):
    """A KazooClient with a fast, bounded-delay connection retry (session timeout = timeout s)."""
    from kazoo.client import KazooClient
    kw.setdefault("connection_retry", dict(FAST_RETRY))
    kw.setdefault("command_retry", dict(max_tries=20, delay=0.02, backoff=1.5, max_jitter=0.2,
                                        max_delay=0.5))
    zk = KazooClient(hosts=hosts, timeout=timeout, **kw)
    if start:
        zk.start(timeout=start_timeout)
    return zk


def close_client(zk):
    try:
        zk.stop()
    except Exception:
        pass
    try:
        zk.close()
    except Exception:
        pass


def wait_for(predicate, timeout, interval=0.02, message="condition"):
    """Poll predicate() until true; bounded by timeout seconds. Returns the last value."""
    deadline = time.monotonic() + timeout
    while True:
        v = predicate()
        if v:
            return v
        if time.monotonic() >= deadline:
            raise AssertionError("timed out after %.1f s waiting for %s" % (timeout, message))
        time.sleep(interval)


class EventLog:
    """Thread-safe list of recorded items with a bounded wait for a count."""

    def __init__(self):
        self._cv = threading.Condition()
        self.items = []

    def __call__(self, item):
        self.add(item)

    def add(self, item):
        with self._cv:
            self.items.append(item)
            self._cv.notify_all()

    def wait_count(self, n, timeout):
        deadline = time.monotonic() + timeout
        with self._cv:
            while len(self.items) < n:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError("timed out waiting for %d items, have %r" % (n, self.items))
                self._cv.wait(left)
            return list(self.items)

    def snapshot(self):
        with self._cv:
            return list(self.items)


class ServerTestCase(unittest.TestCase):
    """One server per test class (shared by its tests); kazoo clients closed after each test.

    Subclasses may set TICK_TIME and EXTRA_CFG.
    """

    TICK_TIME = 2000
    EXTRA_CFG = {}
    server = None

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.server = ServerProcess(tick_time=cls.TICK_TIME, extra=cls.EXTRA_CFG,
                                   label=cls.__name__)
        try:
            cls.server.start()
        except BaseException:
            cls.server.cleanup()
            raise

    @classmethod
    def tearDownClass(cls):
        if cls.server is not None:
            cls.server.cleanup()
            cls.server = None
        super().tearDownClass()

    def setUp(self):
        super().setUp()
        self._clients = []
        self._test_root = None

    def tearDown(self):
        for zk in reversed(self._clients):
            close_client(zk)
        self._clients = []
        server = type(self).server
        if server is not None and not server.alive():
            server.print_logs()
            raise AssertionError("the server died during %s (exit code %r)"
                                 % (self.id(), server.proc.returncode))
        super().tearDown()

    def client(self, timeout=10.0, hosts=None, **kw):
        zk = kazoo_client(hosts or self.server.hosts, timeout=timeout, start=False, **kw)
        self._clients.append(zk)
        zk.start(timeout=10.0)
        return zk

    def unstarted_client(self, timeout=10.0, hosts=None, **kw):
        zk = kazoo_client(hosts or self.server.hosts, timeout=timeout, start=False, **kw)
        self._clients.append(zk)
        return zk

    def root(self, zk):
        """A fresh persistent path unique to this test (tests share the class's server)."""
        name = "/" + self.id().rsplit(".", 1)[-1]
        zk.ensure_path(name)
        return name


# ----- a cuttable TCP proxy ------------------------------------------------------------------

class TcpProxy:
    """Forwards 127.0.0.1:<self.port> to 127.0.0.1:<target_port> in one background thread.

    cut(): drop every open connection (both sides closed) and refuse new ones (accepted
    then closed at once) until heal(). close() stops the thread.
    """

    def __init__(self, target_port):
        self.target_port = target_port
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind((HOST, 0))
        self._listener.listen(16)
        self._listener.setblocking(False)
        self.port = self._listener.getsockname()[1]
        self._sel = selectors.DefaultSelector()
        self._sel.register(self._listener, selectors.EVENT_READ, None)
        self._peer = {}                  # socket -> its partner
        self._lock = threading.Lock()
        self._cut = False
        self._cut_now = False
        self._stop = False
        self.accepted = 0
        # wake-up pipe so cut()/close() act immediately
        self._wr, self._ww = socket.socketpair()
        self._wr.setblocking(False)
        self._sel.register(self._wr, selectors.EVENT_READ, "wake")
        self._thread = threading.Thread(target=self._run, name="TcpProxy", daemon=True)
        self._thread.start()

    @property
    def hosts(self):
        return "%s:%d" % (HOST, self.port)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    def _wake(self):
        try:
            self._ww.send(b"x")
        except OSError:
            pass

    def cut(self):
        with self._lock:
            self._cut = True
            self._cut_now = True
        self._wake()
        # wait (bounded) until the thread dropped everything
        deadline = time.monotonic() + 2.0
        while time.monotonic() < deadline:
            with self._lock:
                if not self._cut_now:
                    return
            time.sleep(0.01)

    def heal(self):
        with self._lock:
            self._cut = False

    def close(self):
        with self._lock:
            self._stop = True
        self._wake()
        self._thread.join(timeout=5.0)
        for s in list(self._peer):
            self._close_pair(s)
        for s in (self._listener, self._wr, self._ww):
            try:
                s.close()
            except OSError:
                pass
        try:
            self._sel.close()
        except Exception:
            pass

    def _close_pair(self, s):
        other = self._peer.pop(s, None)
        for x in (s, other):
            if x is None:
                continue
            self._peer.pop(x, None)
            try:
                self._sel.unregister(x)
            except (KeyError, ValueError):
                pass
            try:
                x.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            try:
                x.close()
            except OSError:
                pass

    def _run(self):
        while True:
            with self._lock:
                if self._stop:
                    return
                if self._cut_now:
                    for s in list(self._peer):
                        self._close_pair(s)
                    self._cut_now = False
                cut = self._cut
            for key, _ in self._sel.select(timeout=0.2):
                if key.data == "wake":
                    try:
                        self._wr.recv(4096)
                    except OSError:
                        pass
                    continue
                s = key.fileobj
                if s is self._listener:
                    try:
                        c, _ = self._listener.accept()
                    except OSError:
                        continue
                    if cut:
                        c.close()
                        continue
                    try:
                        up = socket.create_connection((HOST, self.target_port), timeout=2.0)
                    except OSError:
                        c.close()
                        continue
                    self.accepted += 1
                    c.setblocking(False)
                    up.setblocking(False)
                    self._peer[c] = up
                    self._peer[up] = c
                    self._sel.register(c, selectors.EVENT_READ, "conn")
                    self._sel.register(up, selectors.EVENT_READ, "conn")
                    continue
                if s not in self._peer:
                    continue
                try:
                    data = s.recv(65536)
                except (BlockingIOError, InterruptedError):
                    continue
                except OSError:
                    data = b""
                if not data:
                    self._close_pair(s)
                    continue
                other = self._peer[s]
                try:
                    other.setblocking(True)
                    other.settimeout(2.0)
                    other.sendall(data)
                    other.setblocking(False)
                except OSError:
                    self._close_pair(s)


# ----- running a test file -----------------------------------------------------------------

class _TimedResult(unittest.TextTestResult):
    """Prints each test's wall time after its verdict (to keep the suite fast)."""

    def startTest(self, test):
        self._t0 = time.monotonic()
        super().startTest(test)

    def stopTest(self, test):
        super().stopTest(test)
        if self.showAll:
            self.stream.writeln("    (%.2f s)" % (time.monotonic() - self._t0))
            self.stream.flush()


def main():
    """unittest.main() that prints the servers' log tails when something failed."""
    level = logging.DEBUG if os.environ.get("ZABLAB_TEST_VERBOSE") else logging.ERROR
    logging.basicConfig(level=level, stream=sys.stderr,
                        format="%(asctime)s %(threadName)s %(name)s %(levelname)s %(message)s")
    prog = unittest.main(module="__main__", exit=False, verbosity=2,
                         testRunner=unittest.TextTestRunner(resultclass=_TimedResult,
                                                            verbosity=2))
    ok = prog.result.wasSuccessful()
    if not ok and _log_tails:
        sys.stderr.write("\n===== server log tails =====\n")
        for label, text in _log_tails:
            sys.stderr.write("### %s\n%s\n" % (label, text))
    sys.exit(0 if ok else 1)
