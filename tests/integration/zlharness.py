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
SKIPPED = 77  # the exit code of a run in which a test skipped (ctest's SKIP_RETURN_CODE)
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


def apache_available():
    """Whether Apache ZooKeeper can run here: java and Debian's zookeeper package."""
    return bool(shutil.which("java")) and os.path.exists(APACHE_JARS[0])


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

    def log_text(self):
        """Everything the server wrote to stdout and stderr, every start so far."""
        return "\n".join(_tail(path, 10 ** 6) for path in self._log_files())

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


# ----- an ensemble of server processes --------------------------------------------------------

ENSEMBLE_START_TIMEOUT = 20.0   # seconds until every member listens on its client port


def free_ports(n):
    """n distinct free loopback ports (all held at once while picking, so none repeats)."""
    socks = []
    try:
        for _ in range(n):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.bind((HOST, 0))
            socks.append(s)
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


def mode_of(answer):
    """'leader' / 'follower' / 'observer' / 'standalone' from a srvr answer; None when the server
    is not serving (or the answer has no Mode line)."""
    for line in answer.splitlines():
        if line.startswith("Mode: "):
            return line[len("Mode: "):].strip()
    return None


class EnsembleProcesses:
    """An ensemble of server processes on loopback: `voters` participants (ids 1..voters), then
    `observers` observers, each with its own dataDir (holding its myid) in one temp dir and three
    free ports (client, quorum, election).

    with EnsembleProcesses(3, tick_time=200) as ens:
        roles = ens.wait_for_roles()          # {sid: 'leader' | 'follower' | 'observer'}
        zk = kazoo_client(ens.hosts)          # all members
        zk1 = kazoo_client(ens.hosts_of(1))   # pinned to member 1
        ens.kill(ens.leader()); ens.start_member(sid) ...

    Every wait is bounded; cleanup() kills every process (SIGKILL) and removes the temp dir.
    ZABLAB_SERVER_LOG_LEVEL=debug starts zablab members with --log-level debug (peer connections,
    trace events). With ZABLAB_TEST_AGAINST=apache the members are Apache's QuorumPeerMain.
    """

    def __init__(self, voters=3, observers=0, tick_time=200, init_limit=10, sync_limit=5,
                 extra=None, label="ensemble", apache_members=(), member_args=None):
        self.apache_members = set(apache_members)  # these sids run Apache ZooKeeper (mixed)
        self.member_args = dict(member_args or {})  # sid -> extra zablab-server options (--trace F)
        self.voters = voters
        self.observers = observers
        self.tick_time = tick_time
        self.init_limit = init_limit
        self.sync_limit = sync_limit
        self.extra = dict(extra or {})
        self.label = label
        self.sids = list(range(1, voters + observers + 1))
        self.tmpdir = None
        self.ports = {}           # sid -> (client, quorum, election)
        self.procs = {}           # sid -> Popen
        self._files = {}          # sid -> [open log files]
        self._starts = {sid: 0 for sid in self.sids}

    # ----- lifecycle -------------------------------------------------------------------
    def __enter__(self):
        self.start()
        return self

    def __exit__(self, exc_type, exc, tb):
        self.cleanup(failed=exc_type is not None)
        return False

    def is_observer(self, sid):
        return sid > self.voters

    @property
    def hosts(self):
        """The connect string naming every member."""
        return ",".join(self.hosts_of(sid) for sid in self.sids)

    def hosts_of(self, sid):
        return "%s:%d" % (HOST, self.ports[sid][0])

    def start(self):
        """Write the configs and start every member; wait until each listens (not until a leader
        is elected: see wait_for_roles). Tries fresh ports up to 3 times if one was taken."""
        if not against_apache() and not os.environ.get("ZABLAB_SERVER"):
            raise unittest.SkipTest("ZABLAB_SERVER is not set (or set ZABLAB_TEST_AGAINST=apache)")
        if self.apache_members and not apache_available():
            raise unittest.SkipTest("Apache ZooKeeper is not installed (Debian's zookeeper package, java)")
        _live_servers.add(self)
        if self.tmpdir is None:
            self.tmpdir = tempfile.mkdtemp(prefix="zablab-ens-")
        last_error = None
        try:
            for _attempt in range(3):
                ports = free_ports(3 * len(self.sids))
                self.ports = {sid: tuple(ports[3 * i:3 * i + 3]) for i, sid in enumerate(self.sids)}
                for sid in self.sids:
                    self._write_member(sid)
                try:
                    for sid in self.sids:
                        self._spawn(sid)
                    for sid in self.sids:
                        self._wait_listening(sid)
                    return self
                except ServerError as e:
                    last_error = e
                    for sid in self.sids:
                        self.kill(sid)
                    if "Address already in use" in self._all_logs():
                        continue
                    break
            self.print_logs()
            raise last_error
        except BaseException:
            self.cleanup()
            raise

    def start_member(self, sid):
        """Start member sid again (same ports, same dataDir); wait until it listens."""
        self._spawn(sid)
        try:
            self._wait_listening(sid)
        except ServerError:
            self.print_logs()
            raise

    def stop_member(self, sid, timeout=10.0):
        """SIGTERM member sid and wait for it to exit (a zablab member finishes its --trace
        recording); SIGKILL if it has not within timeout. Returns its exit code."""
        p = self.procs.get(sid)
        if p is None or p.poll() is not None:
            return None if p is None else p.returncode
        p.terminate()
        try:
            return p.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill(sid)
            return p.returncode

    def kill(self, sid):
        """SIGKILL member sid (its whole process group); no chance to flush or say goodbye."""
        p = self.procs.get(sid)
        if p is not None and p.poll() is None:
            try:
                os.killpg(p.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            p.wait(timeout=STOP_GRACE)

    def alive(self, sid):
        p = self.procs.get(sid)
        return p is not None and p.poll() is None

    def cleanup(self, failed=False):
        _live_servers.discard(self)
        for sid in self.sids:
            self.kill(sid)
        self._remember_logs()
        if failed:
            self.print_logs()
        for files in self._files.values():
            for f in files:
                f.close()
        self._files = {}
        if self.tmpdir is not None:
            shutil.rmtree(self.tmpdir, ignore_errors=True)
            self.tmpdir = None

    # ----- state -----------------------------------------------------------------------
    def srvr(self, sid, timeout=2.0):
        """The srvr answer of member sid, or None if it does not answer."""
        try:
            return four_letter_word(self.ports[sid][0], "srvr", timeout=timeout)
        except OSError:
            return None

    def mode(self, sid):
        answer = self.srvr(sid)
        return None if answer is None else mode_of(answer)

    def roles(self, sids=None):
        return {sid: self.mode(sid) for sid in (sids or self.sids)}

    def leader(self, sids=None):
        """The one member (of sids, default all running ones) that says it leads, else None."""
        sids = sids or [sid for sid in self.sids if self.alive(sid)]
        leaders = [sid for sid, mode in self.roles(sids).items() if mode == "leader"]
        return leaders[0] if len(leaders) == 1 else None

    def wait_for_roles(self, sids=None, timeout=20.0):
        """Wait until, among sids (default: every running member), exactly one voter says
        `leader`, the other voters `follower` and the observers `observer`. Returns the roles."""
        sids = sorted(sids or [sid for sid in self.sids if self.alive(sid)])
        last = {}

        def settled():
            for sid in sids:
                if not self.alive(sid):
                    self.print_logs()
                    raise AssertionError("member %d died (exit code %r)"
                                         % (sid, self.procs[sid].returncode))
            last.clear()
            last.update(self.roles(sids))
            voters = [sid for sid in sids if not self.is_observer(sid)]
            observers = [sid for sid in sids if self.is_observer(sid)]
            leaders = [sid for sid in voters if last[sid] == "leader"]
            return (len(leaders) == 1
                    and all(last[sid] == "follower" for sid in voters if sid != leaders[0])
                    and all(last[sid] == "observer" for sid in observers))

        deadline = time.monotonic() + timeout
        while True:
            if settled():
                return dict(last)
            if time.monotonic() >= deadline:
                self.print_logs()
                raise AssertionError("no settled ensemble among %r within %.1f s (roles: %r)"
                                     % (sids, timeout, last))
            time.sleep(POLL_INTERVAL)

    # ----- files and processes ---------------------------------------------------------
    def _dir(self, sid):
        return os.path.join(self.tmpdir, "member%d" % sid)

    def cfg_path(self, sid):
        return os.path.join(self._dir(sid), "zoo.cfg")

    def data_dir(self, sid):
        return os.path.join(self._dir(sid), "data")

    def _write_member(self, sid):
        os.makedirs(self.data_dir(sid), exist_ok=True)
        with open(os.path.join(self.data_dir(sid), "myid"), "w") as f:
            f.write("%d\n" % sid)
        lines = [
            "tickTime=%d" % self.tick_time,
            "initLimit=%d" % self.init_limit,
            "syncLimit=%d" % self.sync_limit,
            "dataDir=%s" % self.data_dir(sid),
            "clientPort=%d" % self.ports[sid][0],
            "clientPortAddress=%s" % HOST,
        ]
        if self.is_observer(sid):
            lines.append("peerType=observer")
        for k, v in self.extra.items():
            lines.append("%s=%s" % (k, v))
        for peer in self.sids:
            _, quorum, election = self.ports[peer]
            lines.append("server.%d=%s:%d:%d%s" % (peer, HOST, quorum, election,
                                                   ":observer" if self.is_observer(peer) else ""))
        with open(self.cfg_path(sid), "w") as f:
            f.write("\n".join(lines) + "\n")

    def is_apache(self, sid):
        return against_apache() or sid in self.apache_members

    def _command(self, sid):
        if self.is_apache(sid):
            java = shutil.which("java") or "/usr/bin/java"
            cp = ":".join(j for j in APACHE_JARS if os.path.exists(j))
            return [java, "-Xmx256m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC",
                    "-Xshare:auto", "-Dzookeeper.admin.enableServer=false",
                    "-Dorg.slf4j.simpleLogger.defaultLogLevel=info",
                    "-cp", cp, "org.apache.zookeeper.server.quorum.QuorumPeerMain",
                    self.cfg_path(sid)]
        binary = os.path.abspath(os.environ.get("ZABLAB_SERVER"))  # members run in their own dirs
        if not os.access(binary, os.X_OK):
            raise ServerError("ZABLAB_SERVER=%s is not an executable" % binary)
        level = os.environ.get("ZABLAB_SERVER_LOG_LEVEL")  # e.g. debug, to see the peer transport
        return ([binary] + (["--log-level", level] if level else []) + list(self.member_args.get(sid, ()))
                + [self.cfg_path(sid)])

    def _log_path(self, sid, kind, start):
        return os.path.join(self._dir(sid), "%s.%d.log" % (kind, start))

    def _spawn(self, sid):
        if self.alive(sid):
            raise ServerError("member %d is already running" % sid)
        self._starts[sid] += 1
        n = self._starts[sid]
        for f in self._files.get(sid, []):
            f.close()
        out = open(self._log_path(sid, "stdout", n), "wb")
        err = open(self._log_path(sid, "stderr", n), "wb")
        self._files[sid] = [out, err]
        self.procs[sid] = subprocess.Popen(self._command(sid), stdin=subprocess.DEVNULL,
                                           stdout=out, stderr=err, cwd=self._dir(sid),
                                           start_new_session=True, preexec_fn=_die_with_parent)

    def _wait_listening(self, sid):
        """Until the client port answers srvr at all (a member without a leader answers that it
        is not serving)."""
        deadline = time.monotonic() + ENSEMBLE_START_TIMEOUT
        last = None
        while time.monotonic() < deadline:
            p = self.procs[sid]
            if p.poll() is not None:
                raise ServerError("member %d exited early with code %d" % (sid, p.returncode))
            last = self.srvr(sid, timeout=1.0)
            if last:
                return
            time.sleep(POLL_INTERVAL)
        raise ServerError("member %d not listening within %.0f s (last: %r)"
                          % (sid, ENSEMBLE_START_TIMEOUT, last))

    def _log_files(self):
        if self.tmpdir is None:
            return []
        out = []
        for sid in self.sids:
            for n in range(1, self._starts[sid] + 1):
                for kind in ("stdout", "stderr"):
                    out.append((sid, self._log_path(sid, kind, n)))
        return out

    def _all_logs(self):
        return "\n".join(_tail(path, 10 ** 6) for _, path in self._log_files())

    def _remember_logs(self):
        parts = []
        for sid, path in self._log_files():
            t = _tail(path)
            if t:
                parts.append("--- member %d %s ---\n%s" % (sid, os.path.basename(path), t))
        if parts:
            _log_tails.append((self.label, "\n".join(parts)))

    def print_logs(self):
        for sid, path in self._log_files():
            t = _tail(path)
            if t:
                sys.stderr.write("\n--- member %d %s (%s) ---\n%s\n"
                                 % (sid, os.path.basename(path), self.label, t))


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
    # A test skipped (no C client, no xvfb, no IPv6...): exit 77, which ctest shows as a skip
    # (SKIP_RETURN_CODE), so a machine that did not check everything does not look green. The
    # reasons are printed; the tests that ran have passed.
    # (A skip in setUpClass is one entry in `skipped` and runs no test at all.)
    if ok and prog.result.skipped:
        sys.stderr.write("%d skipped (%s)\n" % (len(prog.result.skipped),
                         "; ".join(sorted({why for _, why in prog.result.skipped}))))
        sys.exit(SKIPPED)
    sys.exit(0 if ok else 1)
