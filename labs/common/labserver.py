"""A throwaway ZooKeeper server for the labs and their tests.

    from labserver import LabServer
    with LabServer() as srv:            # zablab-server on a free 127.0.0.1 port, temp dataDir
        print(srv.hosts)                # "127.0.0.1:40123", for KazooClient(hosts=...)
        print(srv.four_letter_word("mntr"))

Which binary runs:
  * `binary=` if given, else the environment variable ZABLAB_SERVER, else
    build/apps/zablab-server of this checkout;
  * with ZABLAB_TEST_AGAINST=apache (or flavor="apache"): Apache ZooKeeper 3.8 from Debian's
    `zookeeper` package (java), started with the same zoo.cfg. Teachers can use this to show
    that every lab solution behaves the same on both servers.

Everything is bounded in time: the start waits at most START_TIMEOUT seconds, the stop sends
SIGTERM, waits STOP_GRACE seconds, then SIGKILLs. The server dies with the Python process that
started it (PR_SET_PDEATHSIG), so an interrupted test never leaves one behind. The temp dir
(config, dataDir, logs) is removed by stop() unless keep_dir=True.

Standard library only (Python 3.7+).
"""

import ctypes
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time

HOST = "127.0.0.1"
START_TIMEOUT = 15.0
STOP_GRACE = 5.0

_HERE = os.path.dirname(os.path.abspath(__file__))
REPO_ROOT = os.path.dirname(os.path.dirname(_HERE))

APACHE_JARS = ["/usr/share/java/zookeeper.jar", "/usr/share/java/slf4j-simple.jar"]

try:
    _libc = ctypes.CDLL("libc.so.6", use_errno=True)
except OSError:  # not glibc: no parent-death signal, stop() still cleans up
    _libc = None


def die_with_parent():
    """preexec_fn for subprocesses: SIGKILL the child when the parent dies."""
    if _libc is not None:
        _libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


def default_server_binary():
    env = os.environ.get("ZABLAB_SERVER")
    if env:
        return env
    for candidate in (os.path.join(REPO_ROOT, "build", "apps", "zablab-server"),
                      "/work/main/build/apps/zablab-server"):
        if os.access(candidate, os.X_OK):
            return candidate
    return os.path.join(REPO_ROOT, "build", "apps", "zablab-server")


def free_port(host=HOST):
    """A port that was free a moment ago: bind port 0, read the port, close."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        s.bind((host, 0))
        return s.getsockname()[1]
    finally:
        s.close()


def four_letter_word(port, word, host=HOST, timeout=5.0):
    """Send a four-letter word ("srvr", "mntr", "cons", "wchp"...) and return the text answer."""
    deadline = time.monotonic() + timeout
    with socket.create_connection((host, port), timeout=timeout) as s:
        s.sendall(word.encode("ascii"))
        chunks = []
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("no complete answer to %r within %.1f s" % (word, timeout))
            s.settimeout(left)
            data = s.recv(65536)
            if not data:
                break
            chunks.append(data)
    return b"".join(chunks).decode("utf-8", "replace")


def parse_mntr(text):
    """`mntr` output -> {key: value}, values as int when they are integers."""
    out = {}
    for line in text.splitlines():
        if "\t" not in line:
            continue
        key, value = line.split("\t", 1)
        try:
            out[key] = int(value)
        except ValueError:
            out[key] = value
    return out


class ServerError(RuntimeError):
    pass


class LabServer:
    """One standalone server in its own temp dir on a free loopback port."""

    def __init__(self, binary=None, tick_time=500, min_session_timeout=1000,
                 max_session_timeout=60000, whitelist="*", extra=None, flavor=None,
                 keep_dir=False):
        self.flavor = flavor or ("apache" if os.environ.get("ZABLAB_TEST_AGAINST", "").lower()
                                 == "apache" else "zablab")
        self.binary = binary or default_server_binary()
        self.cfg = {
            "tickTime": tick_time,
            "minSessionTimeout": min_session_timeout,
            "maxSessionTimeout": max_session_timeout,
            "4lw.commands.whitelist": whitelist,
        }
        self.cfg.update(extra or {})
        self.keep_dir = keep_dir
        self.tmpdir = None
        self.port = None
        self.proc = None
        self._logs = []

    # ----- lifecycle -------------------------------------------------------------------------
    @property
    def hosts(self):
        return "%s:%d" % (HOST, self.port)

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.stop()
        return False

    def start(self):
        if self.flavor == "zablab" and not os.access(self.binary, os.X_OK):
            raise ServerError("no zablab-server at %s (build it, or set ZABLAB_SERVER)"
                              % self.binary)
        self.tmpdir = tempfile.mkdtemp(prefix="zablab-lab-")
        os.makedirs(os.path.join(self.tmpdir, "data"))
        last = None
        try:
            for _attempt in range(3):  # another process may grab the port between close and bind
                self.port = free_port()
                self._write_cfg()
                self._spawn()
                try:
                    self._wait_serving()
                    return self
                except ServerError as e:
                    last = e
                    self._terminate()
            raise ServerError("%s\n%s" % (last, self.log_tail()))
        except BaseException:
            self.stop()
            raise

    def stop(self):
        self._terminate()
        for f in self._logs:
            f.close()
        self._logs = []
        if self.tmpdir is not None and not self.keep_dir:
            shutil.rmtree(self.tmpdir, ignore_errors=True)
            self.tmpdir = None

    def restart(self, kill=False):
        """Stop (SIGTERM, or SIGKILL with kill=True: no chance to flush anything) and start
        again on the same port with the same dataDir."""
        if kill and self.alive():
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.proc.wait(timeout=STOP_GRACE)
        self._terminate()
        self._spawn()
        self._wait_serving()
        return self

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    # ----- four-letter words -----------------------------------------------------------------
    def four_letter_word(self, word, timeout=5.0):
        return four_letter_word(self.port, word, timeout=timeout)

    def mntr(self):
        return parse_mntr(self.four_letter_word("mntr"))

    def log_tail(self, lines=40):
        out = []
        for name in ("stdout.log", "stderr.log"):
            path = os.path.join(self.tmpdir or "", name)
            try:
                with open(path, "rb") as f:
                    text = f.read().decode("utf-8", "replace").splitlines()
            except OSError:
                continue
            if text:
                out.append("--- %s ---\n%s" % (name, "\n".join(text[-lines:])))
        return "\n".join(out)

    # ----- internals -------------------------------------------------------------------------
    def _write_cfg(self):
        lines = ["dataDir=%s" % os.path.join(self.tmpdir, "data"),
                 "clientPort=%d" % self.port,
                 "clientPortAddress=%s" % HOST]
        lines += ["%s=%s" % (k, v) for k, v in self.cfg.items()]
        if self.flavor == "apache":
            lines.append("admin.enableServer=false")
        with open(os.path.join(self.tmpdir, "zoo.cfg"), "w") as f:
            f.write("\n".join(lines) + "\n")

    def _command(self):
        cfg = os.path.join(self.tmpdir, "zoo.cfg")
        if self.flavor == "apache":
            cp = ":".join(j for j in APACHE_JARS if os.path.exists(j))
            return ["java", "-Xmx512m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC",
                    "-Dzookeeper.admin.enableServer=false", "-cp", cp,
                    "org.apache.zookeeper.server.ZooKeeperServerMain", cfg]
        return [self.binary, cfg]

    def _spawn(self):
        for f in self._logs:
            f.close()
        self._logs = [open(os.path.join(self.tmpdir, "stdout.log"), "ab"),
                      open(os.path.join(self.tmpdir, "stderr.log"), "ab")]
        self.proc = subprocess.Popen(self._command(), stdin=subprocess.DEVNULL,
                                     stdout=self._logs[0], stderr=self._logs[1],
                                     cwd=self.tmpdir, start_new_session=True,
                                     preexec_fn=die_with_parent)

    def _wait_serving(self):
        deadline = time.monotonic() + START_TIMEOUT
        last = None
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise ServerError("server exited with code %d" % self.proc.returncode)
            try:
                if self.four_letter_word("srvr", timeout=2.0).startswith("Zookeeper version:"):
                    return
            except OSError as e:
                last = e
            time.sleep(0.05)
        raise ServerError("server not serving within %.0f s (last error: %r)"
                          % (START_TIMEOUT, last))

    def _terminate(self):
        p = self.proc
        if p is None or p.poll() is not None:
            return
        try:
            os.killpg(p.pid, signal.SIGTERM)
            p.wait(timeout=STOP_GRACE)
        except ProcessLookupError:
            pass
        except subprocess.TimeoutExpired:
            try:
                os.killpg(p.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            p.wait(timeout=STOP_GRACE)


if __name__ == "__main__":
    # `python3 labs/common/labserver.py`: run a throwaway server until Ctrl-C.
    import sys

    def _interrupt(signum, frame):
        raise KeyboardInterrupt()

    signal.signal(signal.SIGTERM, _interrupt)
    with LabServer(binary=sys.argv[1] if len(sys.argv) > 1 else None) as srv:
        print("serving on %s (dataDir in %s); Ctrl-C to stop" % (srv.hosts, srv.tmpdir),
              flush=True)
        try:
            while srv.alive():
                time.sleep(0.5)
        except KeyboardInterrupt:
            pass
