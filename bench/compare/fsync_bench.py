#!/usr/bin/python3
"""What one log flush costs on this disk: 150-byte appends, each followed by a flush, four ways,
interleaved (3 x 400 each): a growing file + fsync (zablab's txn log), a growing file + fdatasync,
and a pre-sized file + fdatasync, sparse (ZooKeeper's FilePadding) or zero-filled.

Usage: /usr/bin/python3 bench/compare/fsync_bench.py DIR     (DIR on the disk to measure)"""
import os, statistics, sys, time
if len(sys.argv) != 2:
    sys.exit(__doc__)
d = sys.argv[1]
N = 400
def run(mode):
    p = os.path.join(d, "f-%s" % mode)
    if os.path.exists(p): os.remove(p)
    fd = os.open(p, os.O_WRONLY | os.O_CREAT | (os.O_APPEND if mode.startswith("grow") else 0), 0o644)
    if mode.startswith("sparse"):      # ZooKeeper's FilePadding: one byte at the new end, a hole before
        os.pwrite(fd, b"\0", (1 << 20) - 1); os.fsync(fd)
    elif mode.startswith("zerofill"):  # the blocks really written once
        os.pwrite(fd, b"\0" * (1 << 20), 0); os.fsync(fd)
    lat = []
    for i in range(N):
        os.write(fd, b"x" * 150)
        t = time.perf_counter()
        (os.fsync if mode == "grow+fsync" else os.fdatasync)(fd)
        lat.append((time.perf_counter() - t) * 1e6)
    os.close(fd); os.remove(p)
    return lat
res = {m: [] for m in ("grow+fsync", "grow+fdatasync", "sparse+fdatasync", "zerofill+fdatasync")}
for r in range(3):
    for m in res: res[m] += run(m)
for m, l in res.items():
    l.sort()
    print("%-20s n=%d p50=%.0f us p90=%.0f us mean=%.0f us" % (m, len(l), l[len(l)//2], l[int(len(l)*0.9)], statistics.mean(l)))
