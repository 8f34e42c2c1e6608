"""pytest plugin: runs kazoo's upstream tests (Debian python3-kazoo, `kazoo.tests`) against a
zablab-server instead of the Java cluster kazoo.testing.harness would start.

Loaded by run_kazoo_tests.py as `pytest -p zablab_kazoo_plugin`. It
  * replaces kazoo.testing.harness.get_global_cluster (in memory only; no file under
    /usr/lib/python3/dist-packages is touched) with a cluster of ONE server on a free
    127.0.0.1 port, with a temp dataDir, offering what the tests use: iteration,
    cluster[i].address / .run() / .stop() / .running, cluster.start() / .stop(); the tests in
    skip_list.ENSEMBLE get a 3-member ensemble instead (started at their first use);
  * skips the tests in skip_list.SKIPS (features zablab does not have), with their reason;
  * bounds every test (SIGALRM, ZABLAB_KAZOO_TEST_TIMEOUT seconds, default 60; then 20 s
    more per further interruption, and after 3 it dumps all stacks and exits, so that one
    test that swallows the interruption cannot hang the run), and ends a test at once when
    a server crashes during it (a watchdog thread);
  * records each test's phases in <tmp>/progress (the runner names the running test if it
    has to kill pytest) and dumps all stacks on SIGUSR2;
  * fails a test during which the server died, and attaches the server's log lines written
    during any failing test to its report;
  * stops every server and removes its temp dir at the end, whatever happened.

Environment (set by run_kazoo_tests.py):
  ZABLAB_SERVER         the zablab-server binary
  ZABLAB_KAZOO_TMP      a temp dir this run owns (servers' dirs and pid file go there)
  ZABLAB_TEST_AGAINST   "apache": run Apache ZooKeeper 3.8 (Debian's `zookeeper`) instead,
                        to validate the tests and the harness themselves
  ZABLAB_KAZOO_NO_SKIPS set: ignore skip_list.py
"""

import ctypes
import faulthandler
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

import pytest

import skip_list

# tests/integration's harness, for its port picking.
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))
import zlharness  # noqa: E402

HOST = "127.0.0.1"
START_TIMEOUT = 20.0
STOP_GRACE = 5.0
LOG_TAIL_LINES = 80
# "super:test", as kazoo's harness configures it (TestReconfig uses it).
SUPER_DIGEST = "super:D/InIHSb7yEEbrWz8b9l71RjZJU="
APACHE_JARS = ["/usr/share/java/zookeeper.jar", "/usr/share/java/slf4j-simple.jar"]

# The real stderr, duplicated when pytest imports this plugin (before it captures output): stack
# dumps of a run that is about to be abandoned must not vanish into a capture buffer.
_real_stderr = os.fdopen(os.dup(2), "w", buffering=1)

try:
    _libc = ctypes.CDLL("libc.so.6", use_errno=True)
except OSError:
    _libc = None


def _die_with_parent():
    if _libc is not None:
        _libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG: no server outlives pytest


def against_apache():
    return os.environ.get("ZABLAB_TEST_AGAINST", "").lower() == "apache"


def free_port():
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        s.bind((HOST, 0))
        return s.getsockname()[1]
    finally:
        s.close()


def four_letter_word(port, word, timeout=2.0):
    deadline = time.monotonic() + timeout
    with socket.create_connection((HOST, port), timeout=timeout) as s:
        s.sendall(word.encode("ascii"))
        chunks = []
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("no close after %r" % word)
            s.settimeout(left)
            data = s.recv(65536)
            if not data:
                break
            chunks.append(data)
    return b"".join(chunks).decode("utf-8", "replace")


class ServerError(RuntimeError):
    pass


_critical = 0   # > 0 while the main thread starts or stops a server


class _critical_section:
    """While a server is started or stopped, the SIGALRM handler must not raise (an exception
    inside subprocess.Popen or wait could orphan a server); it retries a second later."""

    def __enter__(self):
        global _critical
        _critical += 1

    def __exit__(self, *exc):
        global _critical
        _critical -= 1
        return False


class ZablabServer:
    """Stands in for kazoo.testing.common.ManagedZooKeeper."""

    def __init__(self, server_id, root):
        self.server_id = server_id
        # An ensemble member: its server.N lines (and the limits) for zoo.cfg; empty: standalone.
        self.quorum_lines = []
        self.host = HOST
        self.working_path = tempfile.mkdtemp(prefix="server%d-" % server_id, dir=root)
        self.data_path = os.path.join(self.working_path, "data")
        os.mkdir(self.data_path)
        self.log_path = os.path.join(self.working_path, "server.log")
        self.pid_file = os.path.join(root, "pids")
        self.port = None
        self.process = None
        self._log = None
        # Processes stop() ended on purpose, and crashed ones already reported (per process,
        # so that the watchdog thread never mistakes a stopped process for a crash).
        self._ended_on_purpose = set()
        self._reported = set()
        self.starts = 0

    # --- what the upstream tests use ------------------------------------------------------
    @property
    def address(self):
        return "%s:%s" % (self.host, self.port)

    @property
    def client_port(self):
        return self.port

    @property
    def running(self):
        return self.process is not None and self.process.poll() is None

    def run(self):
        """Start (again, on the same port and dataDir); returns once it answers `srvr`."""
        with _critical_section():
            if self.running:
                return
            if self.port is None:
                self._first_start()
            else:
                self._spawn()
                try:
                    self._wait_serving()
                except ServerError:
                    self.stop()
                    raise

    def stop(self):
        """SIGTERM, wait, SIGKILL after STOP_GRACE. Keeps the dataDir."""
        with _critical_section():
            p = self.process
            if p is None or p.poll() is not None:
                return
            self._ended_on_purpose.add(p)
            p.terminate()
            try:
                p.wait(timeout=STOP_GRACE)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait(timeout=STOP_GRACE)

    def reset(self):
        self.stop()
        shutil.rmtree(self.data_path, ignore_errors=True)
        os.mkdir(self.data_path)

    def destroy(self):
        self.stop()
        if self._log is not None:
            self._log.close()
            self._log = None
        shutil.rmtree(self.working_path, ignore_errors=True)

    # --- internals --------------------------------------------------------------------------
    def _first_start(self):
        last = None
        for _ in range(3):   # another process may grab the free port before we bind it
            self.port = free_port()
            try:
                self._spawn()
                self._wait_serving()
                return
            except ServerError as e:
                last = e
                self.stop()
        raise last

    def _write_cfg(self):
        lines = [
            "tickTime=2000",
            "dataDir=%s" % self.data_path,
            "clientPort=%d" % self.port,
            "clientPortAddress=%s" % HOST,
            "maxClientCnxns=0",
            "4lw.commands.whitelist=*",
        ]
        if not against_apache():   # Apache reads it as a Java system property (below)
            lines.append("DigestAuthenticationProvider.superDigest=%s" % SUPER_DIGEST)
        if self.quorum_lines:
            lines += self.quorum_lines
            with open(os.path.join(self.data_path, "myid"), "w") as f:   # reset() empties dataDir
                f.write("%d\n" % self.server_id)
        path = os.path.join(self.working_path, "zoo.cfg")
        with open(path, "w") as f:
            f.write("\n".join(lines) + "\n")
        return path

    def _command(self, cfg):
        if against_apache():
            cp = ":".join(j for j in APACHE_JARS if os.path.exists(j))
            return ["java", "-Xmx1000m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                    "-Dfile.encoding=UTF-8",
                    "-Dzookeeper.admin.enableServer=false",
                    "-Dzookeeper.DigestAuthenticationProvider.superDigest=" + SUPER_DIGEST,
                    "-cp", cp, "org.apache.zookeeper.server.quorum.QuorumPeerMain" if self.quorum_lines
                    else "org.apache.zookeeper.server.ZooKeeperServerMain", cfg]
        binary = os.environ.get("ZABLAB_SERVER", "")
        if not os.access(binary, os.X_OK):
            raise ServerError("ZABLAB_SERVER=%r is not an executable" % binary)
        return [binary, cfg]

    def _spawn(self):
        cfg = self._write_cfg()
        if self._log is None:
            self._log = open(self.log_path, "ab")
        self.starts += 1
        self._log.write(b"===== start %d on port %d =====\n" % (self.starts, self.port))
        self._log.flush()
        self.process = subprocess.Popen(
            self._command(cfg), stdin=subprocess.DEVNULL, stdout=self._log,
            stderr=subprocess.STDOUT, cwd=self.working_path, start_new_session=True,
            preexec_fn=_die_with_parent)
        with open(self.pid_file, "a") as f:   # the runner kills these if pytest itself dies
            f.write("%d\n" % self.process.pid)

    def _wait_serving(self):
        deadline = time.monotonic() + START_TIMEOUT
        last = None
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise ServerError("server exited at start with code %d; log:\n%s"
                                  % (self.process.returncode, self.log_tail()))
            try:
                answer = four_letter_word(self.port, "srvr")
                if answer.startswith("Zookeeper version:"):
                    return
                last = answer
            except OSError as e:
                last = e
            time.sleep(0.05)
        raise ServerError("server not serving on port %s within %.0f s (last: %r); log:\n%s"
                          % (self.port, START_TIMEOUT, last, self.log_tail()))

    def died_unexpectedly(self):
        """The exit code if the process ended without stop() asking it to (a crash), else
        None. Reported once per process."""
        p = self.process
        if p is None or p in self._ended_on_purpose or p in self._reported:
            return None
        rc = p.poll()
        if rc is None or p in self._ended_on_purpose:
            return None
        self._reported.add(p)
        return rc

    def log_size(self):
        try:
            return os.path.getsize(self.log_path)
        except OSError:
            return 0

    def log_since(self, offset, lines=LOG_TAIL_LINES):
        try:
            with open(self.log_path, "rb") as f:
                f.seek(offset)
                text = f.read().decode("utf-8", "replace").splitlines()
        except OSError:
            return ""
        if len(text) > lines:
            text = ["... (%d earlier lines)" % (len(text) - lines)] + text[-lines:]
        return "\n".join(text)

    def log_tail(self):
        return self.log_since(0)


class ZablabCluster:
    """Stands in for kazoo.testing.common.ZookeeperCluster: standalone servers (one here)."""

    def __init__(self, root, size=1):
        self._servers = [ZablabServer(i + 1, root) for i in range(size)]

    def __getitem__(self, k):
        return self._servers[k]

    def __iter__(self):
        return iter(self._servers)

    def __len__(self):
        return len(self._servers)

    def start(self):
        for s in self._servers:
            s.run()

    def stop(self):
        for s in self._servers:
            s.stop()

    def terminate(self):
        for s in self._servers:
            s.destroy()

    def reset(self):
        for s in self._servers:
            s.reset()


class ZablabEnsemble(ZablabCluster):
    """A 3-member ensemble (ids 1..3, client/quorum/election ports on 127.0.0.1), as kazoo's own
    harness runs for every test: for the tests that stop a member and expect the client to carry
    on through another (skip_list.ENSEMBLE)."""

    def __init__(self, root, size=3):
        super().__init__(root, size)
        ports = zlharness.free_ports(3 * size)
        quorum_lines = ["initLimit=10", "syncLimit=5"] + [
            "server.%d=%s:%d:%d" % (s.server_id, HOST, ports[3 * i + 1], ports[3 * i + 2])
            for i, s in enumerate(self._servers)]
        for i, s in enumerate(self._servers):
            s.port = ports[3 * i]
            s.quorum_lines = quorum_lines

    def start(self):
        """Start every member that is not running, then wait until each serves (a member serves
        only once a quorum has elected a leader, so none is waited for alone)."""
        with _critical_section():
            down = [s for s in self._servers if not s.running]
            for s in down:
                s._spawn()
            try:
                for s in down:
                    s._wait_serving()
            except ServerError:
                self.stop()
                raise


_clusters = {}         # "standalone" / "ensemble" -> the cluster, made at its first use
_kind = "standalone"   # which one the current test gets from get_global_cluster()
_root = None
_own_root = False


def get_cluster():
    if _kind not in _clusters:
        _clusters[_kind] = (ZablabEnsemble if _kind == "ensemble" else ZablabCluster)(_root)
    return _clusters[_kind]


def _servers():
    """Every server of every cluster made so far."""
    return [s for c in _clusters.values() for s in c]


def _provide_test_dependencies():
    """The upstream tests import `mock` and `objgraph` (Debian python3-mock, python3-objgraph).
    Without them, stand in with unittest.mock (the same API for what the tests use: Mock,
    MagicMock, patch, patch.object, call) and objgraph.count (the number of live objects whose
    type has that name), so that python3-pytest is the only extra package needed."""
    try:
        import mock  # noqa: F401
    except ImportError:
        import unittest.mock
        sys.modules["mock"] = unittest.mock
    try:
        import objgraph  # noqa: F401
    except ImportError:
        import gc
        import types
        shim = types.ModuleType("objgraph")

        def count(typename, objects=None):
            objs = gc.get_objects() if objects is None else objects
            if "." in typename:
                return sum(1 for o in objs
                           if "%s.%s" % (type(o).__module__, type(o).__name__) == typename)
            return sum(1 for o in objs if type(o).__name__ == typename)

        shim.count = count
        sys.modules["objgraph"] = shim


def _patch_harness():
    import kazoo.testing.harness as harness
    harness.get_global_cluster = get_cluster
    # Nothing in the upstream tests may start the Java cluster by another route.
    harness.CLUSTER = None


# ----- pytest hooks -----------------------------------------------------------------------

def pytest_configure(config):
    global _root, _own_root
    _root = os.environ.get("ZABLAB_KAZOO_TMP")
    if not _root:
        _root = tempfile.mkdtemp(prefix="zablab-kazoo-")
        _own_root = True
    for k in ("TRAVIS", "ZOOKEEPER_JAAS_AUTH"):
        os.environ.pop(k, None)
    _provide_test_dependencies()
    _patch_harness()
    faulthandler.enable()
    # The runner sends SIGUSR2 before it kills a run that exceeded its overall timeout.
    # (SIGUSR1 is taken: kazoo.tests.util opens an interactive console on it.)
    faulthandler.register(signal.SIGUSR2, file=_real_stderr, all_threads=True)


def pytest_unconfigure(config):
    # Some upstream tests never stop their clients (TestGeventClient._get_client does not
    # track them); silence their reconnect attempts once the servers are gone.
    import logging
    logging.getLogger("kazoo").setLevel(logging.CRITICAL + 1)
    try:
        for c in _clusters.values():
            c.terminate()
    finally:
        _clusters.clear()
    if _own_root and _root:
        shutil.rmtree(_root, ignore_errors=True)


def _keys(item):
    """The skip_list keys that may name this test, most specific first."""
    module = os.path.basename(str(item.fspath))
    cls = item.cls.__name__ if item.cls is not None else None
    name = item.name
    keys = []
    if cls:
        keys += ["%s::%s::%s" % (module, cls, name), "%s::%s" % (module, cls)]
    return keys + ["%s::%s" % (module, name), module]


def _skip_reason(item):
    for k in _keys(item):
        if k in skip_list.SKIPS:
            return k, skip_list.SKIPS[k]
    return None, None


def _wants_ensemble(item):
    return any(k in skip_list.ENSEMBLE for k in _keys(item))


def pytest_collection_modifyitems(session, config, items):
    if os.environ.get("ZABLAB_KAZOO_NO_SKIPS"):
        return   # run the skip-listed tests too (to see how they fail, or once a feature lands)
    used = set()
    for item in items:
        key, reason = _skip_reason(item)
        if key:
            used.add(key)
            item.add_marker(pytest.mark.skip(reason="zablab: " + reason))
    unused = sorted((set(skip_list.SKIPS) - used)
                    | {k for k in skip_list.ENSEMBLE if not any(k in _keys(i) for i in items)})
    if unused and not config.getoption("keyword") and not config.getoption("markexpr"):
        sys.stderr.write("zablab_kazoo_plugin: skip-list entries that match no collected "
                         "test (stale?): %s\n" % ", ".join(unused))


class _TestTimeout(Exception):
    pass


class _ServerDied(Exception):
    pass


_crash = None          # message set by the watchdog when a server crashed during a test
_alarms = 0            # interruptions of the current test so far
_current = None        # node id of the current test
MAX_ALARMS = 3
GRACE_AFTER_ALARM = 20
_armed = False         # True while a test (setup, call, teardown) runs
_watch_stop = None     # threading.Event ending the watchdog of the current test


def _on_alarm(signum, frame):
    if not _armed:
        return   # the test is over; a late wake-up must not hit pytest's own code
    if _critical:
        signal.alarm(1)   # a server is being started or stopped: interrupt right after
        return
    global _alarms
    _alarms += 1
    if _alarms > MAX_ALARMS:
        # The test ignored (or swallowed) every interruption: give up on the whole run
        # rather than hang until the runner's overall timeout. The runner kills the servers.
        _real_stderr.write("\n===== %s still hangs after %d interruptions; stacks: =====\n"
                           % (_current, MAX_ALARMS))
        _real_stderr.flush()
        faulthandler.dump_traceback(file=_real_stderr, all_threads=True)
        _progress("HUNG", _current)
        os._exit(3)
    # Bound what follows too (the rest of the test, its teardown: stopping kazoo clients).
    signal.alarm(GRACE_AFTER_ALARM)
    if _crash is not None:
        # The watchdog woke us: end the test now instead of letting it wait for a server that
        # is gone (kazoo clients would retry until the test's own timeouts, or forever).
        raise _ServerDied(_crash)
    sys.stderr.write("\n===== test timed out (interruption %d); stacks of all threads =====\n"
                     % _alarms)
    faulthandler.dump_traceback(file=sys.stderr, all_threads=True)
    raise _TestTimeout("test exceeded ZABLAB_KAZOO_TEST_TIMEOUT=%s s" % _test_timeout())


def _test_timeout():
    return int(os.environ.get("ZABLAB_KAZOO_TEST_TIMEOUT", "60"))


def _watchdog(stop, main_ident):
    global _crash
    while not stop.wait(0.2):
        for s in _servers():
            rc = s.died_unexpectedly()
            if rc is not None:
                _crash = ("server %d (%s) crashed during this test (exit code %d)"
                          % (s.server_id, s.address, rc))
                signal.pthread_kill(main_ident, signal.SIGALRM)
                return


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item, nextitem):
    global _crash, _armed, _alarms, _current, _kind
    _kind = "ensemble" if _wants_ensemble(item) else "standalone"
    offsets = {s.log_path: s.log_size() for s in _servers()}
    item._zablab_log_offsets = offsets
    _crash = None
    _alarms = 0
    _current = item.nodeid
    _progress("START", item.nodeid)
    stop = threading.Event()
    watchdog = threading.Thread(target=_watchdog, args=(stop, threading.main_thread().ident),
                                name="zablab-watchdog", daemon=True)
    old = signal.signal(signal.SIGALRM, _on_alarm)
    _armed = True
    signal.alarm(_test_timeout())
    watchdog.start()
    try:
        yield
    finally:
        _armed = False
        stop.set()
        watchdog.join(timeout=5)
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)
        _crash = None


def _progress(what, nodeid):
    """One line per test phase in <tmp>/progress: the runner names the test that was running
    if it has to kill pytest."""
    if not _root:
        return
    try:
        with open(os.path.join(_root, "progress"), "a") as f:
            f.write("%s %s\n" % (what, nodeid))
    except OSError:
        pass


def pytest_runtest_logreport(report):
    _progress("%s:%s" % (report.when, report.outcome), report.nodeid)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.failed:
        item._zablab_failed = True
    if report.failed:
        offsets = getattr(item, "_zablab_log_offsets", {})
        for s in _servers():
            text = s.log_since(offsets.get(s.log_path, 0))
            if text.strip():
                report.sections.append(("server %d (%s) log during this test"
                                        % (s.server_id, s.address), text))


@pytest.fixture(autouse=True)
def _zablab_server_alive(request):
    """Fail the test during which a server process died on its own (crash, abort), if the
    watchdog has not already ended it. The next test's setup starts the server again (same
    port and dataDir), as kazoo's harness does for a server that is not running."""
    yield
    message = _crash
    for s in _servers():
        rc = s.died_unexpectedly()
        if rc is not None:
            message = ("server %d (%s) crashed during this test (exit code %d)"
                       % (s.server_id, s.address, rc))
    # A test that already failed (e.g. with _ServerDied) is not reported a second time.
    if message and not getattr(request.node, "_zablab_failed", False):
        pytest.fail(message, pytrace=False)
