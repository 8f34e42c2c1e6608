#!/usr/bin/env python3
"""A deliberately BAD candidate, kept as a control for the harness: it polls.

Every 0.2 s it lists the election's children and checks whether its own node is the lowest.
It elects exactly one leader and never causes a herd, yet it is wrong for this lab: the server
sees a steady stream of requests from every candidate while nothing happens, and a new leader
can take up to one polling period to notice. `election_harness.py` must report
"busy polling" for it (labs/tests/test_lab2_election.py checks that it does).

Same stdout protocol as solution/candidate.py.
"""

import argparse
import os
import signal
import sys
import time

from kazoo.client import KazooClient


def report(word, *args):
    print("@%.6f %s %s" % (time.monotonic(), word, " ".join(str(a) for a in args)), flush=True)


class Shutdown(Exception):
    pass


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--hosts", default="127.0.0.1:2181")
    ap.add_argument("--path", default="/election")
    ap.add_argument("--id", default="poller-%d" % os.getpid())
    ap.add_argument("--timeout", type=float, default=10.0)
    ap.add_argument("--period", type=float, default=0.2)
    args = ap.parse_args(argv)

    def on_signal(signum, frame):
        raise Shutdown()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    zk = KazooClient(hosts=args.hosts, timeout=args.timeout)
    leader = False
    try:
        zk.start(timeout=15)
        zk.ensure_path(args.path)
        me = zk.create(args.path.rstrip("/") + "/n_", args.id.encode(), ephemeral=True,
                       sequence=True)
        report("JOINED", me, "0x%x" % zk.client_id[0])
        while True:
            children = sorted(zk.get_children(args.path), key=lambda c: int(c[-10:]))
            if not leader and children and children[0] == me.rsplit("/", 1)[1]:
                leader = True
                report("LEADER", me)
            time.sleep(args.period)          # <- the busy polling
    except Shutdown:
        pass
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        if leader:
            report("RESIGNED", "shutdown")
        zk.stop()
        zk.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
