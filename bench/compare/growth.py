#!/usr/bin/python3
"""Growth benchmark: how zablab-server and Apache ZooKeeper 3.8 cope as the data grows.

For each size N (default 10000, 100000, 300000 znodes) and each server, a fresh standalone
instance (compare.py's zoo.cfg: tickTime 2000, forceSync=yes, snapCount left at its default
100000, so routine snapshots land inside the run) gets:
  * N flat 1 KB creates from zablab-load (--op create --value-size 1024 --keys 1 --total-ops N,
    4 sessions x 16 in flight): creates/s, p99 and max latency of the creates;
  * meanwhile, another client doing getData("/") one at a time (a raw-socket client, 1 ms
    apart): its max latency is what a lock holder's ping would wait behind a snapshot;
  * after the creates: resident memory (VmRSS) and peak memory (VmHWM) of the server process,
    and the size of its dataDir;
  * getChildren of the parent of the N znodes (a raw-socket client, best and median of 5);
  * restart: kill -9, start again on the same dataDir, time from the kill until a getData is
    answered (polled every 2 ms), and the restarted process's peak memory.
Sizes run in increasing order, zablab then Apache for each; one instance per cell (no rounds:
the big sizes take minutes). Results go to stdout as a markdown table, and --json FILE.

Usage: /usr/bin/python3 bench/compare/growth.py [--sizes 10000,100000,300000]
       [--zablab build/apps/zablab-server] [--load build/bench/load/zablab-load]
       [--only zablab|apache] [--json FILE] [--keep DIR]
Python standard library only; reuses compare.py's server and load helpers.
"""

import argparse
import json
import os
import shutil
import signal
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import compare as cmp  # noqa: E402

PARENT = "/zablab-load/seq"  # where zablab-load --op create puts its sequential znodes


def recv_frame(sock, limit=64 << 20):
    (length,) = struct.unpack(">i", cmp._recv_exact(sock, 4))
    if length < 0 or length > limit:
        raise ConnectionError("bad frame length %d" % length)
    return cmp._recv_exact(sock, length)


def session(port, timeout=5.0):
    s = socket.create_connection((cmp.HOST, port), timeout=timeout)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    s.sendall(cmp._frame(struct.pack(">iqiqi", 0, 0, 30000, 0, 16) + b"\0" * 16 + b"\0"))
    _proto, session_timeout, _sid = struct.unpack(">iiq", recv_frame(s)[:16])
    if session_timeout <= 0:
        s.close()
        raise ConnectionError("session refused")
    return s


def request(s, xid, op, path, watch=False):
    """One request with a path (+ watch flag) body; returns (err, seconds)."""
    p = path.encode()
    t0 = time.monotonic()
    s.sendall(cmp._frame(struct.pack(">iii", xid, op, len(p)) + p + (b"\1" if watch else b"\0")))
    while True:
        reply = recv_frame(s)
        rxid, _zxid, err = struct.unpack(">iqi", reply[:16])
        if rxid == xid:
            return err, time.monotonic() - t0


def get_children_ms(port, path, times=5):
    s = session(port, timeout=60.0)
    try:
        out = []
        for i in range(times):
            err, dt = request(s, i + 1, 8, path)  # 8 = getChildren
            if err != 0:
                raise RuntimeError("getChildren %s: error %d" % (path, err))
            out.append(dt * 1000.0)
        return min(out), statistics.median(out)
    finally:
        s.close()


def wait_get_data(node, t0, timeout=300.0):
    """Seconds from t0 until getData("/") is answered (every 2 ms), or raise."""
    deadline = t0 + timeout
    while time.monotonic() < deadline:
        if node.proc.poll() is not None:
            raise cmp.StartError("%s exited: %s" % (node.kind, node.tail()))
        try:
            s = session(node.port, timeout=1.0)
            try:
                err, _ = request(s, 1, 4, "/")  # 4 = getData
                if err == 0:
                    return time.monotonic() - t0
            finally:
                s.close()
        except (OSError, ConnectionError, struct.error):
            pass
        time.sleep(0.002)
    raise cmp.StartError("%s not serving getData within %.0f s" % (node.kind, timeout))


def dir_bytes(path):
    total = 0
    for root, _dirs, files in os.walk(path):
        for f in files:
            try:
                total += os.path.getsize(os.path.join(root, f))
            except OSError:
                pass
    return total


class Reader(threading.Thread):
    """Another client: getData("/") one at a time while the creates run, each one timed."""

    def __init__(self, port):
        super().__init__(daemon=True)
        self.port = port
        self.times = []
        self.done = threading.Event()

    def run(self):
        try:
            s = session(self.port, timeout=30.0)
        except (OSError, ConnectionError):
            return
        try:
            xid = 0
            while not self.done.is_set():
                xid += 1
                _err, dt = request(s, xid, 4, "/")
                self.times.append(dt)
                time.sleep(0.001)
        except (OSError, ConnectionError, struct.error):
            pass
        finally:
            s.close()

    def stop(self):
        self.done.set()
        self.join(timeout=30)


class HwmSampler:
    """VmRSS is read after the creates; the peak is the kernel's VmHWM. Also samples VmRSS every
    50 ms so that the peak during the creates can be told from the one at start-up."""

    def __init__(self, pid):
        self.pid = pid
        self.peak_rss = 0

    def sample(self):
        rss = cmp.vm_kib(self.pid, "VmRSS")
        if rss:
            self.peak_rss = max(self.peak_rss, rss)


def one(kind, n, cfg, load, base):
    root = tempfile.mkdtemp(prefix="%s-%d-" % (kind, n), dir=base)
    node = cmp.Node(kind, root, cmp.free_ports(1)[0], zablab=cfg.zablab)
    res = {"server": kind, "znodes": n}
    try:
        res["idle_before"] = cmp.idle_fraction()
        res["load1_before"] = os.getloadavg()[0]
        node.spawn()
        node.wait_served()
        hosts = "%s:%d" % (cmp.HOST, node.port)
        sampler = HwmSampler(node.proc.pid)
        creates = load.start(hosts, "create", 4, 16, cfg.limit, 0,
                             ["--value-size", "1024", "--keys", "1", "--total-ops", str(n)])
        reader = Reader(node.port)
        reader.start()
        while creates.poll() is None:
            sampler.sample()
            time.sleep(0.05)
        c = load.finish(creates)
        reader.stop()
        res["create_ops"] = c["ops_per_s"]
        res["create_p99_ms"] = c["latency"]["p99_us"] / 1000.0
        res["create_max_ms"] = c["latency"]["max_us"] / 1000.0
        res["create_errors"] = c.get("errors_total", 0)
        if reader.times:
            res["get_during_max_ms"] = max(reader.times) * 1000.0
            res["get_during_p99_ms"] = sorted(reader.times)[int(len(reader.times) * 0.99)] * 1000.0
            res["get_during_count"] = len(reader.times)
        time.sleep(1.0)
        sampler.sample()
        res["rss_mib"] = (cmp.vm_kib(node.proc.pid, "VmRSS") or 0) / 1024.0
        res["peak_mib"] = (cmp.vm_kib(node.proc.pid, "VmHWM") or 0) / 1024.0
        res["peak_sampled_mib"] = sampler.peak_rss / 1024.0
        res["datadir_mib"] = dir_bytes(os.path.join(root, "data")) / 1048576.0
        best, med = get_children_ms(node.port, PARENT)
        res["get_children_best_ms"], res["get_children_median_ms"] = best, med
        # Restart: kill -9, start again, first getData.
        t_kill = time.monotonic()
        node.kill9()
        node.stop()
        node.spawn()
        res["restart_s"] = wait_get_data(node, t_kill)
        time.sleep(0.5)
        res["restart_peak_mib"] = (cmp.vm_kib(node.proc.pid, "VmHWM") or 0) / 1024.0
        res["restart_rss_mib"] = (cmp.vm_kib(node.proc.pid, "VmRSS") or 0) / 1024.0
        res["load1_after"] = os.getloadavg()[0]
        return res
    finally:
        node.stop()
        if not cfg.keep:
            shutil.rmtree(root, ignore_errors=True)


ROWS = [
    ("create_ops", "creates/s", "%.0f"),
    ("create_p99_ms", "create p99 (ms)", "%.1f"),
    ("create_max_ms", "create max (ms)", "%.1f"),
    ("get_during_max_ms", "getData max during creates (ms)", "%.1f"),
    ("rss_mib", "RSS after (MiB)", "%.0f"),
    ("peak_mib", "peak memory VmHWM (MiB)", "%.0f"),
    ("datadir_mib", "dataDir (MiB)", "%.0f"),
    ("get_children_best_ms", "getChildren best (ms)", "%.1f"),
    ("get_children_median_ms", "getChildren median (ms)", "%.1f"),
    ("restart_s", "restart, kill -9 to getData (s)", "%.2f"),
    ("restart_peak_mib", "peak memory after restart (MiB)", "%.0f"),
]


def render(results, sizes):
    by = {(r["server"], r["znodes"]): r for r in results}
    head = "| | " + " | ".join("zablab %s | Apache %s" % (f"{n:,}", f"{n:,}") for n in sizes) + " |"
    lines = [head, "|---|" + "---:|" * (2 * len(sizes))]
    for key, label, fmt in ROWS:
        cells = []
        for n in sizes:
            for kind in ("zablab", "apache"):
                v = by.get((kind, n), {}).get(key)
                cells.append(fmt % v if isinstance(v, (int, float)) else "-")
        lines.append("| %s | %s |" % (label, " | ".join(cells)))
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="10000,100000,300000")
    ap.add_argument("--only", choices=["zablab", "apache"])
    ap.add_argument("--zablab", default=os.path.join(cmp.REPO, "build", "apps", "zablab-server"))
    ap.add_argument("--load", help="zablab-load binary (default: build/bench/load/zablab-load)")
    ap.add_argument("--limit", type=float, default=600.0, help="seconds the creates may take at most")
    ap.add_argument("--json", help="write the results here too")
    ap.add_argument("--keep", help="keep the servers' directories under this directory")
    cfg = ap.parse_args()
    sizes = [int(x) for x in cfg.sizes.split(",")]
    cmp.ensure_apache()
    signal.signal(signal.SIGTERM, cmp._on_signal)
    signal.signal(signal.SIGHUP, cmp._on_signal)
    base = cfg.keep or tempfile.mkdtemp(prefix="zablab-growth-")
    if not cfg.keep:
        cmp._tempdirs.append(base)
    load = cmp.Load(cmp.find_or_build_load(cfg.load, base), base)
    machine = cmp.machine_info()
    results = []
    kinds = [cfg.only] if cfg.only else ["zablab", "apache"]
    for n in sizes:
        for kind in kinds:
            cmp.log("%s, %d znodes" % (kind, n))
            r = one(kind, n, cfg, load, base)
            cmp.log("  " + json.dumps(r))
            results.append(r)
    print(render(results, sizes))
    print()
    print("machine: " + ", ".join("%s %s" % kv for kv in machine.items()))
    print("load average (1 min) before/after each cell: " +
          ", ".join("%s %d: %.1f/%.1f" % (r["server"], r["znodes"], r["load1_before"], r["load1_after"])
                    for r in results))
    if cfg.json:
        with open(cfg.json, "w") as f:
            json.dump({"machine": machine, "results": results}, f, indent=1)


if __name__ == "__main__":
    try:
        main()
    finally:
        cmp._cleanup()
