#!/usr/bin/env python3
"""Lab 2, first attempt: everybody races for one ephemeral node, <path>/leader.

    python3 naive.py --hosts 127.0.0.1:2181 --id bob

Whoever creates <path>/leader is the leader; everybody else sets an exists() watch on it and
sleeps. When the leader's session ends, ZooKeeper deletes the node and notifies EVERY waiting
candidate; they all wake up and race to create it again, one wins, the others go back to sleep.

It is correct (never two leaders, because create is atomic and the node is ephemeral), and it
does not poll. Its flaw is the herd effect: with N candidates each failure costs N-1
notifications and N-1 create attempts at the same instant, all but one in vain. The harness
measures exactly this (`wakes per failure`).

Same stdout protocol as candidate.py (JOINED, LEADER, WOKE, RESIGNED).
"""

import argparse
import os
import signal
import sys
import threading
import time

from kazoo.client import KazooClient, KazooState
from kazoo.exceptions import ConnectionLoss, NodeExistsError, SessionExpiredError
from kazoo.protocol.states import EventType


def report(word, *args):
    print("@%.6f %s %s" % (time.monotonic(), word, " ".join(str(a) for a in args)), flush=True)


class Shutdown(Exception):
    pass


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--hosts", default="127.0.0.1:2181")
    ap.add_argument("--path", default="/election")
    ap.add_argument("--id", default="naive-%d" % os.getpid())
    ap.add_argument("--timeout", type=float, default=10.0)
    args = ap.parse_args(argv)
    leader_path = args.path.rstrip("/") + "/leader"

    def on_signal(signum, frame):
        raise Shutdown()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    wakeup = threading.Event()
    state = {"leader": False}
    lock = threading.RLock()

    def resign(reason):
        with lock:
            if state["leader"]:
                state["leader"] = False
                report("RESIGNED", reason)

    def on_state(s):
        if s in (KazooState.LOST, KazooState.SUSPENDED):
            resign(s.lower())
        wakeup.set()

    def on_event(event):
        if event.type != EventType.NONE:
            report("WOKE", event.type, event.path)
        wakeup.set()

    zk = KazooClient(hosts=args.hosts, timeout=args.timeout)
    zk.add_listener(on_state)
    try:
        zk.start(timeout=15)
        zk.ensure_path(args.path)
        report("JOINED", "-", "0x%x" % zk.client_id[0])
        while True:
            wakeup.clear()
            if zk.connected and not state["leader"]:
                try:
                    zk.create(leader_path, args.id.encode(), ephemeral=True)
                    with lock:
                        state["leader"] = True
                    report("LEADER", leader_path)
                except NodeExistsError:
                    stat = zk.exists(leader_path, watch=on_event)
                    if stat is None:
                        continue            # it just went away: race again
                    if stat.ephemeralOwner == zk.client_id[0]:
                        # Our own earlier create succeeded but its reply was lost.
                        with lock:
                            state["leader"] = True
                        report("LEADER", leader_path)
                except (ConnectionLoss, SessionExpiredError):
                    pass
            wakeup.wait()
    except Shutdown:
        pass
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        resign("shutdown")
        zk.stop()
        zk.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
