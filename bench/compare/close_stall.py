"""How long one client's disconnect stalls the server's loop while other connections hold
2,000,000 watches (issue 22, item 8; docs/hardening.md, "Watches").

20 raw connections each re-arm 100,000 exist watches with one setWatches; then 20 times a
connection with one watch is closed and a probe connection's `exists /` is timed right after it
(it is answered once the close has been handled). Before the watch tables were indexed by
connection, each close scanned every watched path.

    ZABLAB_SERVER=build/apps/zablab-server /usr/bin/python3 bench/compare/close_stall.py
    # a server without maxWatchesPerAddress (older builds): add no key
    ZABLAB_SERVER=... /usr/bin/python3 bench/compare/close_stall.py maxWatchesPerAddress=0
"""
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tests", "integration"))
import zlharness  # noqa: E402
import zljute as jute  # noqa: E402

OP_SET_WATCHES = 101


def set_watches_body(exist_paths):
    def strings(paths):
        return jute.i32(len(paths)) + b"".join(jute.ustring(p) for p in paths)
    return jute.i64(0) + strings([]) + strings(exist_paths) + strings([])


def main():
    extra = {"jute.maxbuffer": "4194304", "maxClientCnxns": "0", "maxWatchesPerConnection": "100000",
             "maxWatches": "2000000"}
    for kv in sys.argv[1:]:
        key, value = kv.split("=", 1)
        extra[key] = value
    with zlharness.ServerProcess(extra=extra, label="close_stall") as srv:
        holders = []
        for n in range(20):
            c = jute.RawClient(srv.port, timeout=60.0)
            c.handshake()
            paths = ["/absent/%02d/%06d" % (n, i) for i in range(100000)]
            _x, _z, err, _r = c.call(-8, OP_SET_WATCHES, set_watches_body(paths))
            assert err == 0, "setWatches refused (%d): raise the watch limits" % err
            holders.append(c)
        probe = jute.RawClient(srv.port, timeout=30.0)
        probe.handshake()
        samples = []
        for k in range(20):
            c = jute.RawClient(srv.port, timeout=30.0)
            c.handshake()
            c.call(1, jute.OP_EXISTS, jute.path_watch_body("/absent/x%d" % k, True))
            t0 = time.monotonic()
            c.close()
            time.sleep(0.001)  # the close reaches the server first
            probe.call(100 + k, jute.OP_EXISTS, jute.path_watch_body("/", False))
            samples.append((time.monotonic() - t0) * 1000.0)
        print("2,000,000 watches held; close + probe round trip: median %.1f ms, max %.1f ms (20 closes)"
              % (statistics.median(samples), max(samples)))
        for c in holders + [probe]:
            c.close()


if __name__ == "__main__":
    main()
