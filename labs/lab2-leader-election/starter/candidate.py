#!/usr/bin/env python3
"""Lab 2 starter: a leader-election candidate. Fill in the TODOs.

    python3 candidate.py --hosts 127.0.0.1:2181 --id alice

Start several in different terminals; stop them with Ctrl-C, or kill -9 them, at any time.
There must always be exactly one leader among the running candidates.

The harness (../harness/election_harness.py) runs this file as a process and reads what it
prints: keep the report() calls where the TODOs say, and do not print other lines that start
with '@'.
"""

import argparse
import os
import signal
import sys
import threading
import time

from kazoo.client import KazooClient, KazooState


def report(word, *args):
    """One protocol line for the harness: @<monotonic time> WORD args..."""
    print("@%.6f %s %s" % (time.monotonic(), word, " ".join(str(a) for a in args)), flush=True)


class Shutdown(Exception):
    pass


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--hosts", default="127.0.0.1:2181")
    ap.add_argument("--path", default="/election", help="the election's parent znode")
    ap.add_argument("--id", default="candidate-%d" % os.getpid())
    ap.add_argument("--timeout", type=float, default=10.0, help="session timeout, seconds")
    args = ap.parse_args(argv)

    def on_signal(signum, frame):
        raise Shutdown()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    wakeup = threading.Event()   # set it from callbacks; the main loop sleeps on it

    def on_state_change(state):
        # Called by kazoo's thread: do not block here, do not call ZooKeeper from here.
        if state == KazooState.LOST:
            print("session lost", file=sys.stderr)
            # TODO: what happened to your candidate node? Are you still the leader?
        elif state == KazooState.SUSPENDED:
            print("connection suspended", file=sys.stderr)
            # TODO: can a leader keep acting as leader while disconnected?
        wakeup.set()

    zk = KazooClient(hosts=args.hosts, timeout=args.timeout)
    zk.add_listener(on_state_change)
    leader = False
    try:
        zk.start(timeout=15)
        zk.ensure_path(args.path)

        # Version 1 (naive): everyone tries to create the same ephemeral node.
        # TODO: replace this block with the recipe from the handout (part B).
        me = args.path + "/leader"
        report("JOINED", "-", "0x%x" % zk.client_id[0])
        try:
            zk.create(me, args.id.encode(), ephemeral=True)
            leader = True
            report("LEADER", me)
        except Exception as e:        # TODO: which exception? and then what?
            print("not the leader:", e, file=sys.stderr)

        while True:
            # TODO: this wakes up every 5 seconds whether or not anything happened.
            # Sleep until ZooKeeper tells you something instead (a watch, a state change).
            wakeup.wait(5)
            wakeup.clear()
            if leader:
                print("leading...", file=sys.stderr)
            # TODO: if not leader, find out whether you should be now.
            # report("WOKE", event.type, event.path) in every watch callback,
            # report("LEADER", <your znode>) when you become leader.
    except Shutdown:
        pass
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        if leader:
            report("RESIGNED", "shutdown")   # before the session (and the node) goes away
        zk.stop()
        zk.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
