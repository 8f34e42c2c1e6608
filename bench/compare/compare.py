#!/usr/bin/python3
"""Side-by-side benchmark: zablab-server against Apache ZooKeeper 3.8 on this machine.

Both servers get the same generated zoo.cfg (tickTime 2000, forceSync=yes, fresh dataDir, free
loopback ports) and the same loads from zablab-load (bench/load, Apache's C client), in
alternation (round r starts with zablab when r is even, with ZooKeeper when it is odd), for several
rounds; the report gives the median of the rounds and the zablab/ZooKeeper ratio.

Measured per server instance (a fresh process each round):
  * start-up: process start (just before exec) -> first request served (a raw-socket client
    connects, opens a session and gets a reply to exists("/"), polled every 2 ms);
  * throughput and latency under load: get, set, create (sequential), N sessions x K in flight;
  * round-trip latency: get and set one at a time on one session;
  * resident memory after the loads (VmRSS of the server process, /proc/<pid>/status);
  * server CPU per request (utime+stime from /proc/<pid>/stat over each load).
With --rtt, get and set one at a time are measured once more with zablab-rtt (bench/load/
rtt_client.cpp: one blocking socket, no client threads), whose round trip carries no thread
wake-ups of the client library. With --floor, each round also measures the same one-at-a-time loads against zablab-null-server
(bench/load/null_server.cpp: answers at once; a set after one write+fdatasync to a file in the same
temp dir), the floor the client library, loopback, scheduler and disk put under any server; the
per-round table then shows it beside both servers.
Ensembles (3 servers, server.N lines + myid, the same for both):
  * read and write throughput through all three members;
  * leader failover: a steady write load on 3 sessions, kill -9 of the leader (found with `srvr`),
    time from the kill until the first write sent after the kill succeeds.
  If zablab-server cannot run an ensemble yet, its ensemble rows say "pending" with the reason.
Beside each instance: the CPU idle share just before it and the 1-minute load average before and
after it (in the JSON and summarised under the table), since the machine may be shared.

Usage (from anywhere; paths default to this checkout):
  /usr/bin/python3 bench/compare/compare.py            # full: about 7-10 minutes
  /usr/bin/python3 bench/compare/compare.py --quick    # under 2 minutes
  options: --rounds N, --ens-rounds N, --duration S, --warmup S, --sessions N, --inflight K,
           --no-ensemble, --no-standalone, --only zablab|apache, --nice N, --quiet-wait S,
           --json FILE, --markdown FILE, --keep DIR, --zablab PATH, --load PATH (see --help)

Needs: java + Debian's `zookeeper` package (installed with apt-get when missing and running as
root), libzookeeper-mt-dev (to build zablab-load when it is not built yet), a built zablab-server.
Every process it starts is killed and every temp dir removed on exit, also on errors and Ctrl-C.
Python standard library only.
"""

import argparse
import calendar
import atexit
import ctypes
import datetime
import json
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
import time

HOST = "127.0.0.1"
REPO = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
APACHE_JAR = "/usr/share/java/zookeeper.jar"  # its manifest Class-Path names the other jars
APACHE_HEAP = "-Xmx1000m"                      # what zkServer.sh uses (ZK_SERVER_HEAP=1000)

START_TIMEOUT = 60.0
STOP_GRACE = 5.0

try:
    _libc = ctypes.CDLL("libc.so.6", use_errno=True)
except OSError:
    _libc = None


_child_nice = [0]  # --nice: the niceness of every server and load generator


def _die_with_parent():
    """In the forked child: SIGKILL it when this script dies, so nothing outlives a run; and the
    same scheduling priority for every server and load generator (--nice)."""
    if _libc is not None:
        _libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    if _child_nice[0]:
        try:
            os.setpriority(os.PRIO_PROCESS, 0, _child_nice[0])
        except OSError:
            pass


_live = []       # Popen objects still to be killed
_tempdirs = []   # directories still to be removed


def _cleanup():
    for p in list(_live):
        _kill_group(p)
    _live.clear()
    for d in list(_tempdirs):
        shutil.rmtree(d, ignore_errors=True)
    _tempdirs.clear()


atexit.register(_cleanup)


def _on_signal(signum, _frame):
    raise KeyboardInterrupt("signal %d" % signum)


def _kill_group(p, sig=signal.SIGKILL):
    if p.poll() is None:
        try:
            os.killpg(p.pid, sig)
        except ProcessLookupError:
            pass
        try:
            p.wait(timeout=STOP_GRACE)
        except subprocess.TimeoutExpired:
            try:
                os.killpg(p.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            p.wait(timeout=STOP_GRACE)
    if p in _live:
        _live.remove(p)


def log(msg):
    sys.stderr.write("[compare %s] %s\n" % (time.strftime("%H:%M:%S"), msg))
    sys.stderr.flush()


def free_ports(n):
    socks, ports = [], []
    try:
        for _ in range(n):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.bind((HOST, 0))
            socks.append(s)
            ports.append(s.getsockname()[1])
    finally:
        for s in socks:
            s.close()
    return ports


# ----- the wire: just enough of the ZooKeeper protocol to see a server serve ----------------------

def _recv_exact(sock, n):
    buf = b""
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            raise ConnectionError("closed")
        buf += chunk
    return buf


def _recv_frame(sock):
    (length,) = struct.unpack(">i", _recv_exact(sock, 4))
    if length < 0 or length > 1 << 20:
        raise ConnectionError("bad frame length %d" % length)
    return _recv_exact(sock, length)


def _frame(body):
    return struct.pack(">i", len(body)) + body


def probe_request(port, timeout=1.0):
    """Connect, open a session, exists("/"), close the session. True when the reply says ZOK."""
    with socket.create_connection((HOST, port), timeout=timeout) as s:
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        # ConnectRequest{int protocolVersion, long lastZxidSeen, int timeOut, long sessionId,
        #                buffer passwd, bool readOnly}
        s.sendall(_frame(struct.pack(">iqiqi", 0, 0, 30000, 0, 16) + b"\0" * 16 + b"\0"))
        resp = _recv_frame(s)
        _proto, session_timeout, _sid = struct.unpack(">iiq", resp[:16])
        if session_timeout <= 0:
            return False
        # RequestHeader{int xid, int type=3 exists} ExistsRequest{ustring path, bool watch}
        s.sendall(_frame(struct.pack(">iii", 1, 3, 1) + b"/" + b"\0"))
        reply = _recv_frame(s)
        xid, _zxid, err = struct.unpack(">iqi", reply[:16])
        ok = xid == 1 and err == 0
        try:
            s.sendall(_frame(struct.pack(">ii", 2, -11)))  # closeSession
            _recv_frame(s)
        except OSError:
            pass
        return ok


def four_letter_word(port, word, timeout=2.0):
    deadline = time.monotonic() + timeout
    with socket.create_connection((HOST, port), timeout=timeout) as s:
        s.sendall(word.encode("ascii"))
        chunks = []
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                break
            s.settimeout(left)
            data = s.recv(65536)
            if not data:
                break
            chunks.append(data)
    return b"".join(chunks).decode("utf-8", "replace")


def server_mode(port):
    try:
        m = re.search(r"^Mode: (\S+)", four_letter_word(port, "srvr", timeout=1.0), re.M)
        return m.group(1) if m else None
    except OSError:
        return None


# ----- /proc --------------------------------------------------------------------------------------

def vm_kib(pid, key):
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith(key + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def cpu_seconds(pid):
    """utime + stime of a process (all its threads), in seconds."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return None


def _cpu_times():
    with open("/proc/stat") as f:
        vals = [int(x) for x in f.readline().split()[1:]]
    idle = vals[3] + (vals[4] if len(vals) > 4 else 0)  # idle + iowait
    return sum(vals), idle


def idle_fraction(interval=0.5):
    """Share of all CPUs left idle over `interval` seconds (1.0 = nothing else runs)."""
    t0, i0 = _cpu_times()
    time.sleep(interval)
    t1, i1 = _cpu_times()
    return (i1 - i0) / max(1, t1 - t0)


_quiet_budget = [0.0]  # seconds of waiting left for the whole run


def wait_quiet(want=0.85):
    """The machine may be shared: wait until other processes leave the CPUs mostly idle, within
    what is left of the run's waiting budget (--quiet-wait). Returns the idle fraction seen last,
    which goes into the JSON next to the results."""
    t0 = time.monotonic()
    idle = idle_fraction()
    while idle < want and time.monotonic() - t0 < _quiet_budget[0]:
        idle = idle_fraction()
    _quiet_budget[0] = max(0.0, _quiet_budget[0] - (time.monotonic() - t0))
    if idle < want:
        log("  the machine is busy (%.0f%% idle, other processes); measuring anyway" % (idle * 100))
    return idle


# ----- servers ------------------------------------------------------------------------------------

class StartError(RuntimeError):
    pass


class Node:
    """One server process (zablab or Apache) with its own dataDir and zoo.cfg."""

    def __init__(self, kind, root, port, myid=None, servers=None, zablab=None):
        self.kind = kind            # "zablab" | "apache"
        self.port = port
        self.myid = myid
        self.dir = root
        self.zablab = zablab
        self.proc = None
        self.t_spawn = None
        os.makedirs(os.path.join(root, "data"), exist_ok=True)
        lines = [
            "tickTime=2000",
            "dataDir=%s" % os.path.join(root, "data"),
            "clientPort=%d" % port,
            "clientPortAddress=%s" % HOST,
            "forceSync=yes",
            "admin.enableServer=false",
            "4lw.commands.whitelist=srvr,ruok,mntr",
        ]
        if servers:
            lines += ["initLimit=10", "syncLimit=5"]
            lines += ["server.%d=%s:%d:%d" % (sid, HOST, qp, ep) for sid, (qp, ep) in sorted(servers.items())]
            with open(os.path.join(root, "data", "myid"), "w") as f:
                f.write("%d\n" % myid)
        self.cfg = os.path.join(root, "zoo.cfg")
        with open(self.cfg, "w") as f:
            f.write("\n".join(lines) + "\n")
        self.ensemble = bool(servers)

    def command(self):
        if self.kind == "null":
            return [self.zablab, "--port", str(self.port), "--fsync", os.path.join(self.dir, "data", "null.log")]
        if self.kind == "zablab":
            return [self.zablab, self.cfg]
        main = ("org.apache.zookeeper.server.quorum.QuorumPeerMain" if self.ensemble
                else "org.apache.zookeeper.server.ZooKeeperServerMain")
        return [shutil.which("java") or "/usr/bin/java", APACHE_HEAP,
                "-Dzookeeper.admin.enableServer=false",
                "-Dzookeeper.4lw.commands.whitelist=srvr,ruok,mntr",
                "-cp", APACHE_JAR, main, self.cfg]

    def spawn(self):
        self.out = open(os.path.join(self.dir, "stdout.log"), "ab")
        self.err = open(os.path.join(self.dir, "stderr.log"), "ab")
        self.t_spawn = time.monotonic()
        self.proc = subprocess.Popen(self.command(), stdin=subprocess.DEVNULL, stdout=self.out,
                                     stderr=self.err, cwd=self.dir, start_new_session=True,
                                     preexec_fn=_die_with_parent)
        _live.append(self.proc)

    def wait_served(self, timeout=START_TIMEOUT, poll=0.002):
        """Poll until a request is served; returns seconds from spawn to that reply."""
        deadline = self.t_spawn + timeout
        last = None
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise StartError("%s exited with code %d: %s" % (self.kind, self.proc.returncode, self.tail()))
            try:
                if probe_request(self.port, timeout=min(1.0, max(0.05, deadline - time.monotonic()))):
                    return time.monotonic() - self.t_spawn
            except (OSError, ConnectionError, struct.error) as e:
                last = e
            time.sleep(poll)
        raise StartError("%s not serving on port %d within %.0f s (last: %r)" % (self.kind, self.port, timeout, last))

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def kill9(self):
        if self.proc is not None:
            _kill_group(self.proc, signal.SIGKILL)

    def stop(self):
        if self.proc is not None:
            _kill_group(self.proc, signal.SIGTERM)
        for f in (getattr(self, "out", None), getattr(self, "err", None)):
            if f is not None:
                f.close()

    def tail(self, n=1500):
        try:
            with open(os.path.join(self.dir, "stderr.log"), "rb") as f:
                data = f.read()
            with open(os.path.join(self.dir, "stdout.log"), "rb") as f:
                data += f.read()
        except OSError:
            return ""
        return data[-n:].decode("utf-8", "replace").strip()

    def rss_kib(self):
        return vm_kib(self.proc.pid, "VmRSS") if self.alive() else None

    def cpu(self):
        return cpu_seconds(self.proc.pid) if self.alive() else None


# ----- the load generator -------------------------------------------------------------------------

def find_or_build_load(explicit, workdir):
    candidates = [explicit] if explicit else [
        os.path.join(REPO, "build", "bench", "load", "zablab-load"),
        os.path.join(REPO, "build", "bench", "zablab-load"),
    ]
    src = os.path.join(REPO, "bench", "load", "zablab_load.cpp")
    for c in candidates:
        if c and os.access(c, os.X_OK):
            if explicit or not os.path.exists(src) or os.path.getmtime(c) >= os.path.getmtime(src):
                return c
            log("%s is older than its source; using a fresh build instead" % c)
            break
    if explicit:
        sys.exit("compare.py: --load %s is not an executable" % explicit)
    out = os.path.join(workdir, "zablab-load")
    cmd = ["g++", "-std=c++20", "-O2", "-DTHREADED", "-o", out, src, "-lzookeeper_mt", "-pthread"]
    log("zablab-load is not built; building it: %s" % " ".join(cmd))
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=300)
    if r.returncode != 0:
        sys.exit("compare.py: building zablab-load failed (libzookeeper-mt-dev installed?):\n" +
                 r.stdout.decode("utf-8", "replace"))
    return out


class Load:
    def __init__(self, binary, logdir):
        self.binary = binary
        self.logdir = logdir
        self.count = 0

    def start(self, hosts, op, sessions, inflight, duration, warmup, extra=()):
        self.count += 1
        args = [self.binary, "--server", hosts, "--op", op, "--sessions", str(sessions),
                "--inflight", str(inflight), "--duration", "%g" % duration, "--warmup", "%g" % warmup,
                "--connect-timeout", "20"] + list(extra)
        err = open(os.path.join(self.logdir, "load.%d.stderr" % self.count), "wb")
        p = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=err,
                             start_new_session=True, preexec_fn=_die_with_parent)
        err.close()
        _live.append(p)
        p.limit = duration + warmup + 20 + 30 + 15  # connect + setup + drain + slack
        p.args_ = args
        return p

    def finish(self, p):
        try:
            out, _ = p.communicate(timeout=p.limit)
        except subprocess.TimeoutExpired:
            _kill_group(p)
            out, _ = p.communicate()
        if p in _live:
            _live.remove(p)
        lines = [l for l in out.decode("utf-8", "replace").splitlines() if l.startswith("{")]
        if not lines:
            raise RuntimeError("zablab-load gave no result (exit %s): %s" % (p.returncode, " ".join(p.args_)))
        return json.loads(lines[-1])

    def run(self, *a, **kw):
        return self.finish(self.start(*a, **kw))


# ----- measurements -------------------------------------------------------------------------------

def standalone_instance(kind, cfg, load, base, zablab):
    """One fresh standalone server: start-up, loads, memory. Returns {metric: value}."""
    root = tempfile.mkdtemp(prefix="%s-" % kind, dir=base)
    node = Node(kind, root, free_ports(1)[0], zablab=zablab)
    res = {}
    try:
        node.spawn()
        res["startup_ms"] = node.wait_served() * 1000.0
        hosts = "%s:%d" % (HOST, node.port)
        S, K, D, W = cfg.sessions, cfg.inflight, cfg.duration, cfg.warmup
        # Warm-up (a JIT needs it; zablab gets the same), not recorded.
        load.run(hosts, "mixed", S, K, cfg.warm, 0)

        def measured(name, op, sessions, inflight, extra=(), duration=None, warmup=None):
            c0 = node.cpu()
            r = load.run(hosts, op, sessions, inflight, duration or D, W if warmup is None else warmup, extra)
            c1 = node.cpu()
            if r.get("errors_total"):
                log("  %s %s: %d errors %s" % (kind, name, r["errors_total"], r.get("errors")))
            res[name + "_ops"] = r["ops_per_s"]
            res[name + "_p50_us"] = r["latency"]["p50_us"]
            res[name + "_p99_us"] = r["latency"]["p99_us"]
            res[name + "_p999_us"] = r["latency"]["p999_us"]
            if c0 is not None and c1 is not None and r["ops"] > 0:
                # cpu over the whole run (warm-up included) per request of the whole run
                res[name + "_cpu_us_per_op"] = (c1 - c0) * 1e6 / max(1, r["ok_total"])
            return r

        measured("read", "get", S, K)
        measured("write", "set", S, K)
        # A fixed number of creates (not a fixed time), so that both servers hold the same znodes
        # when their memory is read below.
        measured("create", "create", S, K, extra=["--total-ops", str(cfg.create_count)],
                 duration=cfg.create_limit, warmup=min(W, 0.5))
        windows = {}
        for name, op in (("rt_read", "get"), ("rt_write", "set")):
            t0 = time.time()
            measured(name, op, 1, 1)
            windows[name] = (t0, time.time())
        t0 = time.time()
        rtt_rows(cfg, hosts, res)
        if cfg.rtt:
            windows["rtt_read"] = windows["rtt_write"] = (t0, time.time())  # the two loads together
        time.sleep(0.3)
        if kind == "zablab":
            # Whether a snapshot was being written while a one-at-a-time load ran (its warm-up
            # included): the server logs when it starts and when it is written.
            spans = zablab_snapshot_spans(node.tail(n=1 << 22))
            for name, (t0, t1) in windows.items():
                res[name + "_snapshot_ms"] = sum(max(0.0, min(b, t1) - max(a, t0)) for a, b in spans) * 1000.0
        rss = node.rss_kib()
        res["rss_mib"] = rss / 1024.0 if rss is not None else None
        try:
            m = re.search(r"^Node count: (\d+)", four_letter_word(node.port, "srvr"), re.M)
            res["znodes"] = int(m.group(1)) if m else None
        except OSError:
            res["znodes"] = None
        hwm = vm_kib(node.proc.pid, "VmHWM") if node.alive() else None
        res["hwm_mib"] = hwm / 1024.0 if hwm is not None else None
        if not node.alive():
            raise RuntimeError("%s died during the loads: %s" % (kind, node.tail()))
        return res
    finally:
        node.stop()
        if not cfg.keep:
            shutil.rmtree(root, ignore_errors=True)


class Ensemble:
    def __init__(self, kind, base, zablab):
        self.kind = kind
        self.root = tempfile.mkdtemp(prefix="%s-ens-" % kind, dir=base)
        ports = free_ports(9)
        servers = {sid: (ports[3 * (sid - 1) + 1], ports[3 * (sid - 1) + 2]) for sid in (1, 2, 3)}
        self.nodes = {sid: Node(kind, os.path.join(self.root, "n%d" % sid), ports[3 * (sid - 1)], myid=sid,
                                servers=servers, zablab=zablab) for sid in (1, 2, 3)}

    @property
    def hosts(self):
        return ",".join("%s:%d" % (HOST, n.port) for n in self.nodes.values())

    def start(self, timeout=START_TIMEOUT):
        """Start all three; returns seconds until every member served a request and one leads."""
        t0 = time.monotonic()
        for n in self.nodes.values():
            n.spawn()
        for n in self.nodes.values():
            n.wait_served(timeout=timeout)
        deadline = t0 + timeout
        while time.monotonic() < deadline:
            if self.leader() is not None:
                return time.monotonic() - t0
            time.sleep(0.02)
        raise StartError("%s ensemble: no member says Mode: leader" % self.kind)

    def leader(self):
        for sid, n in self.nodes.items():
            if n.alive() and server_mode(n.port) == "leader":
                return sid
        return None

    def stop(self, keep=False):
        for n in self.nodes.values():
            n.stop()
        if not keep:
            shutil.rmtree(self.root, ignore_errors=True)

    def tails(self):
        return " | ".join("n%d: %s" % (sid, n.tail(400)) for sid, n in self.nodes.items())


def run_rtt(binary, hosts, op, duration, warmup):
    """One zablab-rtt run (one request at a time, no client threads); its JSON line."""
    p = subprocess.run([binary, "--server", hosts, "--op", op, "--duration", str(duration), "--warmup", str(warmup)],
                       stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       timeout=duration + warmup + 60)
    lines = [l for l in p.stdout.decode("utf-8", "replace").splitlines() if l.startswith("{")]
    if p.returncode != 0 or not lines:
        raise RuntimeError("zablab-rtt %s failed (exit %s): %s" % (op, p.returncode, p.stderr.decode()[-400:]))
    return json.loads(lines[-1])


def rtt_rows(cfg, hosts, res):
    """With --rtt: get and set one at a time again, through zablab-rtt."""
    if not cfg.rtt:
        return
    for name, op in (("rtt_read", "get"), ("rtt_write", "set")):
        r = run_rtt(cfg.rtt, hosts, op, cfg.duration, cfg.warmup)
        for q in ("p50", "p99", "p999"):
            res["%s_%s_us" % (name, q)] = r["latency"][q + "_us"]


def zablab_snapshot_spans(text):
    """(start, end) in Unix seconds of each snapshot zablab-server's log shows being written."""
    spans, start = [], None
    for m in re.finditer(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+)Z INFO (snapshotting|snapshot \S+ written)", text, re.M):
        t = calendar.timegm(time.strptime(m.group(1)[:19], "%Y-%m-%dT%H:%M:%S")) + float("0" + m.group(1)[19:])
        if m.group(2) == "snapshotting":
            start = t
        elif start is not None:
            spans.append((start, t))
            start = None
    if start is not None:
        spans.append((start, float("inf")))
    return spans


def floor_instance(cfg, load, base, null_server):
    """The one-at-a-time loads against zablab-null-server: what any server's round trip costs here."""
    root = tempfile.mkdtemp(prefix="null-", dir=base)
    node = Node("null", root, free_ports(1)[0], zablab=null_server)
    res = {}
    try:
        node.spawn()
        node.wait_served()
        hosts = "%s:%d" % (HOST, node.port)
        for name, op in (("rt_read", "get"), ("rt_write", "set")):
            r = load.run(hosts, op, 1, 1, cfg.duration, cfg.warmup)
            res[name + "_ops"] = r["ops_per_s"]
            for q in ("p50", "p99", "p999"):
                res["%s_%s_us" % (name, q)] = r["latency"][q + "_us"]
        rtt_rows(cfg, hosts, res)
    finally:
        node.stop()
        node.kill9()
    return res


def ensemble_instance(kind, cfg, load, base, zablab):
    ens = Ensemble(kind, base, zablab)
    res = {}
    try:
        try:
            res["ens_ready_ms"] = ens.start() * 1000.0
        except StartError as e:
            raise StartError("%s (logs: %s)" % (e, ens.tails()))
        hosts = ens.hosts
        S, K, D, W = cfg.sessions, cfg.inflight, cfg.duration, cfg.warmup
        load.run(hosts, "mixed", S, K, cfg.warm, 0)
        r = load.run(hosts, "get", S, K, D, W)
        res["ens_read_ops"] = r["ops_per_s"]
        r = load.run(hosts, "set", S, K, D, W)
        res["ens_write_ops"] = r["ops_per_s"]
        res["ens_write_p99_us"] = r["latency"]["p99_us"]
        res["ens_rss_mib"] = sum((n.rss_kib() or 0) for n in ens.nodes.values()) / 1024.0

        # Failover: steady writes (3 sessions x 1 in flight) across all members; kill -9 the leader.
        # The C client retries a refused/closed connection every session-timeout/60 ms, so the
        # smallest session timeout the servers allow (2 x tickTime = 4 s) gives a 67 ms retry
        # cadence; a longer one would round every failover up to a multiple of a coarser step.
        leader = ens.leader()
        if leader is None:
            raise StartError("%s ensemble: no leader before the failover test" % kind)
        before = cfg.failover_before
        window = cfg.failover_window
        p = load.start(hosts, "set", 3, 1, before + window, 0,
                       extra=["--session-timeout", "4000", "--drain-timeout", "2",
                              "--stop-after-recovery", "0.5"])
        time.sleep(before + 0.5)  # connect + steady state
        ens.nodes[leader].kill9()
        t_kill = time.monotonic()
        try:
            os.kill(p.pid, signal.SIGUSR1)
        except ProcessLookupError:
            pass
        r = load.finish(p)
        first = r.get("first_ok_after_mark_mono_s")
        res["failover_ms"] = (first - t_kill) * 1000.0 if first is not None else None
        if first is None:
            log("  %s failover: no write succeeded within %.0f s after the kill" % (kind, window))
        new_leader = ens.leader()
        log("  %s failover: killed leader n%d, new leader %s, writes back after %s ms" % (
            kind, leader, "n%d" % new_leader if new_leader else "?",
            "%.0f" % res["failover_ms"] if res["failover_ms"] is not None else "-"))
        return res
    finally:
        ens.stop(keep=cfg.keep)


# ----- report -------------------------------------------------------------------------------------

# (key, label, unit, higher_is_better, target ratio zablab/ZooKeeper or None, section)
ROWS = [
    ("read_ops", "read throughput (get, {S}x{K} in flight)", "ops/s", True, 2.0, "standalone"),
    ("write_ops", "write throughput (set, {S}x{K})", "ops/s", True, 1.5, "standalone"),
    ("create_ops", "create throughput (sequential, {S}x{K}, {C} creates)", "ops/s", True, 1.5, "standalone"),
    ("read_p50_us", "get p50 under load", "us", False, 1.0, "standalone"),
    ("read_p99_us", "get p99 under load", "us", False, 1.0, "standalone"),
    ("write_p50_us", "set p50 under load", "us", False, 1.0, "standalone"),
    ("write_p99_us", "set p99 under load", "us", False, 1.0, "standalone"),
    ("rt_read_p50_us", "get p50, one at a time", "us", False, 1.0, "standalone"),
    ("rt_read_p99_us", "get p99, one at a time", "us", False, 1.0, "standalone"),
    ("rt_write_p50_us", "set p50, one at a time (fsync)", "us", False, 1.0, "standalone"),
    ("rt_write_p99_us", "set p99, one at a time (fsync)", "us", False, 1.0, "standalone"),
    ("read_cpu_us_per_op", "server CPU per get under load", "us", False, None, "standalone"),
    ("write_cpu_us_per_op", "server CPU per set under load", "us", False, None, "standalone"),
    ("rss_mib", "resident memory after the loads (VmRSS)", "MiB", False, 0.1, "standalone"),
    ("znodes", "znodes held at that moment", "", None, None, "standalone"),
    ("startup_ms", "process start -> first request served", "ms", False, 0.05, "standalone"),
    ("ens_ready_ms", "3 processes start -> all serve, leader elected", "ms", False, 0.05, "ensemble"),
    ("ens_read_ops", "read throughput (get, {S}x{K}, all members)", "ops/s", True, 2.0, "ensemble"),
    ("ens_write_ops", "write throughput (set, {S}x{K}, via all members)", "ops/s", True, 1.5, "ensemble"),
    ("ens_write_p99_us", "set p99 under load", "us", False, 1.0, "ensemble"),
    ("ens_rss_mib", "resident memory, sum of 3 (VmRSS)", "MiB", False, 0.1, "ensemble"),
    ("failover_ms", "leader kill -9 -> writes succeed again", "ms", False, 0.5, "ensemble"),
]


def median(values):
    vals = [v for v in values if v is not None]
    return statistics.median(vals) if vals else None


def fmt(v, unit):
    if v is None:
        return "-"
    if unit in ("ops/s", ""):
        return "{:,.0f}".format(v)
    if unit == "MiB":
        return "%.1f" % v
    if unit in ("us", "ms"):
        return "%.0f" % v if v >= 100 else "%.1f" % v
    return "%g" % v


def render(results, cfg, pending, machine, elapsed):
    out = []
    out.append("Medians of %d rounds (standalone) and %d (ensemble); loads %gs measured after %gs warm-up; "
               "fsync on (forceSync=yes), tickTime 2000; servers and load at nice %d; total run time %.0f s." % (
                   cfg.rounds, cfg.ens_rounds if cfg.ensemble else 0, cfg.duration, cfg.warmup, cfg.nice,
                   elapsed))
    out.append("")
    out.append("| | metric | zablab | ZooKeeper 3.8 | zablab/ZK | target | |")
    out.append("|---|---|---:|---:|---:|---:|---|")
    for key, label, unit, higher, target, section in ROWS:
        label = label.format(S=cfg.sessions, K=cfg.inflight, C="{:,}".format(cfg.create_count))
        z = median([r.get(key) for r in results["zablab"][section]])
        a = median([r.get(key) for r in results["apache"][section]])
        zs = fmt(z, unit)
        if section == "ensemble" and pending.get("zablab"):
            zs = "pending"
        if section == "ensemble" and pending.get("apache"):
            a = None
        ratio = (z / a) if (z is not None and a not in (None, 0) and zs != "pending") else None
        verdict = ""
        if ratio is not None and higher is None:
            verdict = "same data" if abs(ratio - 1) < 0.02 else ""
        elif ratio is not None:
            ahead = ratio > 1.0 if higher else ratio < 1.0
            met = target is not None and (ratio >= target if higher else ratio <= target)
            verdict = ("target met" if met else "ahead") if ahead else ("even" if abs(ratio - 1) < 0.03 else "behind")
        tgt = ("" if target is None else ("%sx" % ("%g" % target) if higher else "<= %gx" % target))
        out.append("| %s | %s%s | %s | %s | %s | %s | %s |" % (
            section, label, " (%s)" % unit if unit else "", zs, fmt(a, unit), "-" if ratio is None else "%.2f" % ratio, tgt, verdict))
    out += per_round_table(results)
    for kind, why in pending.items():
        if why:
            out.append("")
            out.append("%s ensemble rows pending: %s" % ("zablab" if kind == "zablab" else "ZooKeeper", why))
    idles = [r.get("idle_before") for k in results for sec in results[k] for r in results[k][sec]]
    idles = [i for i in idles if i is not None]
    if idles:
        out.append("")
        out.append("CPU idle just before each server instance (other processes on the machine): min %.0f%%, "
                   "median %.0f%%." % (min(idles) * 100, statistics.median(idles) * 100))
    loads = [r.get(k) for kind in results for sec in results[kind] for r in results[kind][sec]
             for k in ("load1_before", "load1_after")]
    loads = [v for v in loads if v is not None]
    if loads:
        out.append("")
        out.append("Load average (1 min, %d CPUs) before and after each server instance: min %.2f, median %.2f, "
                   "max %.2f." % (os.cpu_count(), min(loads), statistics.median(loads), max(loads)))
    out.append("")
    out.append("Machine: " + "; ".join("%s: %s" % kv for kv in machine.items()))
    return "\n".join(out)


def per_round_table(results):
    """One-at-a-time p50 / p99 per round, and how many rounds keep p99 within 3x of their p50."""
    kinds = [k for k in ("zablab", "apache", "floor") if results.get(k, {}).get("standalone")]
    if not kinds:
        return []
    names = {"zablab": "zablab", "apache": "ZooKeeper 3.8", "floor": "floor (zablab-null-server)"}
    n = max(len(results[k]["standalone"]) for k in kinds)
    out = ["", "One request at a time, per round: p50 / p99 (us), and the rounds whose p99 is within 3x of "
           "their p50.", "",
           "| | " + " | ".join("round %d" % (i + 1) for i in range(n)) + " | p99 <= 3 x p50 |",
           "|---|" + "---:|" * (n + 1)]
    ops = [("rt_read", "get"), ("rt_write", "set")]
    if any(r.get("rtt_read_p50_us") is not None for k in kinds for r in results[k]["standalone"]):
        ops += [("rtt_read", "get (zablab-rtt)"), ("rtt_write", "set (zablab-rtt)")]
    for op, label in ops:
        for k in kinds:
            cells, within = [], 0
            for r in results[k]["standalone"]:
                p50, p99 = r.get(op + "_p50_us"), r.get(op + "_p99_us")
                if p50 is None or p99 is None:
                    cells.append("-")
                    continue
                cells.append("{:,.0f} / {:,.0f}".format(p50, p99))
                within += p99 <= 3 * p50
            cells += ["-"] * (n - len(cells))
            out.append("| %s %s | %s | %d of %d |" % (names[k], label, " | ".join(cells), within,
                                                     len(results[k]["standalone"])))
        snaps = [r.get(op + "_snapshot_ms") for r in results.get("zablab", {}).get("standalone", [])]
        if any(v is not None for v in snaps):
            out.append("| zablab: ms of it a snapshot was being written | %s |  |" % " | ".join(
                "-" if v is None else "%.0f" % v for v in snaps + [None] * (n - len(snaps))))
    return out


def machine_info():
    info = {"nproc": str(os.cpu_count())}
    try:
        with open("/proc/cpuinfo") as f:
            m = re.search(r"^model name\s*:\s*(.*)$", f.read(), re.M)
            info["cpu"] = m.group(1).strip() if m else "?"
    except OSError:
        pass
    total = vm_meminfo("MemTotal")
    info["RAM"] = "%.1f GiB" % (total / 1024.0 / 1024.0) if total else "?"
    info["kernel"] = platform.release()

    def first_line(cmd):
        try:
            r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=30)
            return r.stdout.decode("utf-8", "replace").splitlines()[0].strip()
        except (OSError, IndexError, subprocess.TimeoutExpired):
            return "?"
    info["g++"] = first_line(["g++", "--version"])
    info["java"] = first_line([shutil.which("java") or "java", "-version"])
    try:
        r = subprocess.run(["dpkg-query", "-W", "-f=${Version}", "zookeeper"], stdout=subprocess.PIPE,
                           stderr=subprocess.DEVNULL, timeout=30)
        info["zookeeper package"] = r.stdout.decode().strip() or "?"
    except (OSError, subprocess.TimeoutExpired):
        pass
    try:
        r = subprocess.run(["git", "-C", REPO, "describe", "--always", "--dirty"], stdout=subprocess.PIPE,
                           stderr=subprocess.DEVNULL, timeout=30)
        info["zablab commit"] = r.stdout.decode().strip() or "?"
    except (OSError, subprocess.TimeoutExpired):
        pass
    info["date"] = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    return info


def vm_meminfo(key):
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith(key + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def ensure_apache():
    java = shutil.which("java")
    if java and os.path.exists(APACHE_JAR):
        return
    if os.geteuid() != 0:
        sys.exit("compare.py: Apache ZooKeeper is missing (needs java and %s): sudo apt-get install -y zookeeper"
                 % APACHE_JAR)
    log("installing Debian's zookeeper package (apt-get install -y zookeeper)")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    r = subprocess.run(["apt-get", "install", "-y", "zookeeper"], env=env, timeout=900)
    if r.returncode != 0 or not shutil.which("java") or not os.path.exists(APACHE_JAR):
        sys.exit("compare.py: apt-get install -y zookeeper failed")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="under 2 minutes: shorter loads, fewer rounds")
    ap.add_argument("--rounds", type=int, help="standalone rounds (default 5; quick 2)")
    ap.add_argument("--ens-rounds", type=int, help="ensemble rounds (default 2; quick 1)")
    ap.add_argument("--duration", type=float, help="measured seconds per load (default 3; quick 1.5)")
    ap.add_argument("--warmup", type=float, help="unmeasured seconds before each load (default 1; quick 0.5)")
    ap.add_argument("--sessions", type=int, default=4, help="client sessions per load (4)")
    ap.add_argument("--inflight", type=int, default=32, help="requests in flight per session (32)")
    ap.add_argument("--no-ensemble", dest="ensemble", action="store_false", help="standalone only")
    ap.add_argument("--no-standalone", dest="standalone", action="store_false", help="ensembles only")
    ap.add_argument("--quiet-wait", type=float, help="before each server instance, wait for the CPUs to be "
                    ">= 85%% idle; this many seconds of waiting in all (default 120; quick 10)")
    ap.add_argument("--nice", type=int, default=0,
                    help="niceness of the servers and load generators (default 0; e.g. -10 on a machine "
                         "shared with builds, needs root); the same for both servers")
    ap.add_argument("--only", choices=["zablab", "apache"], help="run one server only (debugging)")
    ap.add_argument("--zablab", default=os.path.join(REPO, "build", "apps", "zablab-server"))
    ap.add_argument("--load", help="zablab-load binary (default: build/bench/load/zablab-load, else built "
                                   "into the temp dir with g++)")
    ap.add_argument("--json", help="write every measurement here")
    ap.add_argument("--markdown", help="write the table here")
    ap.add_argument("--keep", help="keep data dirs and logs under this directory")
    ap.add_argument("--floor", action="store_true",
                    help="each round, also measure get/set one at a time against zablab-null-server")
    ap.add_argument("--rtt", nargs="?", const=os.path.join(REPO, "build", "bench", "load", "zablab-rtt"),
                    help="also measure get/set one at a time with zablab-rtt (one blocking socket, no client "
                         "threads); optionally its path")
    ap.add_argument("--null-server", default=os.path.join(REPO, "build", "bench", "load", "zablab-null-server"),
                    help="the zablab-null-server binary for --floor")
    cfg = ap.parse_args()
    q = cfg.quick
    cfg.rounds = cfg.rounds or (2 if q else 5)
    cfg.ens_rounds = cfg.ens_rounds or (1 if q else 2)
    cfg.duration = cfg.duration or (1.5 if q else 3.0)
    cfg.warmup = cfg.warmup if cfg.warmup is not None else (0.5 if q else 1.0)
    cfg.quiet_wait = cfg.quiet_wait if cfg.quiet_wait is not None else (10.0 if q else 120.0)
    _quiet_budget[0] = cfg.quiet_wait
    _child_nice[0] = cfg.nice
    cfg.create_count = 25000 if q else 60000   # creates per create load (a count, not a time)
    cfg.create_limit = 10.0 if q else 25.0     # ... but never longer than this many seconds
    cfg.warm = 1.0 if q else 2.0                  # per-instance warm-up load
    cfg.failover_before = 2.0 if q else 3.0       # steady writes before the kill
    cfg.failover_window = 25.0 if q else 30.0     # how long after the kill writes may take to return
                                                  # (the load ends 0.5 s after they do)

    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGHUP, _on_signal)
    t_begin = time.monotonic()
    ensure_apache()
    if not os.access(cfg.zablab, os.X_OK):
        sys.exit("compare.py: zablab-server not found at %s (build it, or pass --zablab)" % cfg.zablab)
    zablab_built = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(os.path.getmtime(cfg.zablab)))
    if cfg.keep:
        os.makedirs(cfg.keep, exist_ok=True)
        base = tempfile.mkdtemp(prefix="zablab-compare-", dir=cfg.keep)
    else:
        base = tempfile.mkdtemp(prefix="zablab-compare-")
        _tempdirs.append(base)
    logdir = os.path.join(base, "load-logs")
    os.makedirs(logdir)
    load = Load(find_or_build_load(cfg.load, base), logdir)
    machine = machine_info()
    machine["zablab-server built"] = zablab_built
    log("machine: %s" % machine)

    kinds = [cfg.only] if cfg.only else ["zablab", "apache"]
    results = {k: {"standalone": [], "ensemble": []} for k in ("zablab", "apache")}
    if cfg.floor:
        if not os.access(cfg.null_server, os.X_OK):
            sys.exit("compare.py: --floor needs zablab-null-server at %s (build it, or pass --null-server)"
                     % cfg.null_server)
        results["floor"] = {"standalone": [], "ensemble": []}
    if cfg.rtt and not os.access(cfg.rtt, os.X_OK):
        sys.exit("compare.py: --rtt needs zablab-rtt at %s (build it, or pass its path)" % cfg.rtt)
    pending = {}
    failures = []
    try:
        for r in range(cfg.rounds if cfg.standalone else 0):
            order = kinds if r % 2 == 0 else list(reversed(kinds))
            for kind in order:
                log("standalone round %d/%d: %s" % (r + 1, cfg.rounds, kind))
                idle = wait_quiet()
                load1 = os.getloadavg()[0]
                try:
                    res = standalone_instance(kind, cfg, load, base, cfg.zablab)
                except (StartError, RuntimeError, ValueError, KeyError) as e:
                    failures.append("%s standalone round %d: %s" % (kind, r + 1, str(e)[:600]))
                    log("  FAILED: %s" % failures[-1])
                    continue
                res["idle_before"] = idle
                res["load1_before"] = load1
                res["load1_after"] = os.getloadavg()[0]
                results[kind]["standalone"].append(res)
                log("  %s" % ", ".join("%s=%.0f" % (k, v) for k, v in sorted(res.items()) if v is not None))
            if cfg.floor:
                log("standalone round %d/%d: floor" % (r + 1, cfg.rounds))
                wait_quiet()
                try:
                    res = floor_instance(cfg, load, base, cfg.null_server)
                except (StartError, RuntimeError, ValueError, KeyError) as e:
                    failures.append("floor round %d: %s" % (r + 1, str(e)[:600]))
                    log("  FAILED: %s" % failures[-1])
                    continue
                results["floor"]["standalone"].append(res)
                log("  %s" % ", ".join("%s=%.0f" % (k, v) for k, v in sorted(res.items()) if v is not None))
        if cfg.ensemble:
            for r in range(cfg.ens_rounds):
                order = kinds if r % 2 == 0 else list(reversed(kinds))
                for kind in order:
                    if pending.get(kind):
                        continue
                    log("ensemble round %d/%d: %s" % (r + 1, cfg.ens_rounds, kind))
                    idle = wait_quiet()
                    load1 = os.getloadavg()[0]
                    try:
                        res = ensemble_instance(kind, cfg, load, base, cfg.zablab)
                    except StartError as e:
                        why = str(e)
                        m = re.search(r"ensemble mode is not implemented yet[^|\n]*", why)
                        pending[kind] = ("zablab-server refuses server.N ensembles: '%s'" % m.group(0).strip()
                                         if m else why[:600])
                        log("  %s ensemble pending: %s" % (kind, pending[kind]))
                        continue
                    except (RuntimeError, ValueError, KeyError) as e:
                        failures.append("%s ensemble round %d: %s" % (kind, r + 1, str(e)[:600]))
                        log("  FAILED: %s" % failures[-1])
                        continue
                    res["idle_before"] = idle
                    res["load1_before"] = load1
                    res["load1_after"] = os.getloadavg()[0]
                    results[kind]["ensemble"].append(res)
                    log("  %s" % ", ".join("%s=%.0f" % (k, v) for k, v in sorted(res.items()) if v is not None))
        else:
            pending = {"zablab": "not run (--no-ensemble)", "apache": "not run (--no-ensemble)"}
    except KeyboardInterrupt:
        log("interrupted; cleaning up")
        raise
    elapsed = time.monotonic() - t_begin
    table = render(results, cfg, pending, machine, elapsed)
    if failures:
        table += "\n\nFailed runs (left out of the medians):\n" + "\n".join("* " + f for f in failures)
    print(table)
    if cfg.markdown:
        with open(cfg.markdown, "w") as f:
            f.write(table + "\n")
    if cfg.json:
        with open(cfg.json, "w") as f:
            json.dump({"config": {k: v for k, v in vars(cfg).items()}, "machine": machine,
                       "results": results, "pending": pending, "failures": failures, "elapsed_s": elapsed},
                      f, indent=1)
    log("done in %.0f s" % elapsed)


if __name__ == "__main__":
    try:
        main()
    finally:
        _cleanup()
