#!/usr/bin/env python3
"""Lab 2 reference solution: leader election with ephemeral-sequential candidates.

Run several in different terminals (or let the harness do it):

    python3 candidate.py --hosts 127.0.0.1:2181 --id alice

The recipe (ZooKeeper's own "leader election" recipe):

  1. Join: create an EPHEMERAL_SEQUENTIAL node /election/<token>_n_<seq>. ZooKeeper appends a
     10-digit number that only ever grows, so the candidates form a queue ordered by arrival.
  2. List the children of /election and sort them by that number.
  3. Lowest number: I am the leader.
     Otherwise: set ONE watch, an exists() watch on the candidate just before me (my
     predecessor), and sleep until ZooKeeper notifies me. If the predecessor is already gone
     when I ask, go back to 2.
  4. When the watch fires (my predecessor's session ended), go back to 2. If the predecessor
     was the leader I may now be the lowest; if it was just another candidate, I watch the
     next one ahead.

Why it is good:
  * no busy polling: between events the process makes no request at all (it blocks on a
    threading.Event; only kazoo's heartbeat pings go to the server);
  * no herd effect: every znode is watched by at most one candidate, so one failure wakes one
    process, whatever the number of candidates;
  * fast recovery: the successor is told the moment the leader's node is deleted: at once when
    the leader closes its session, or one session timeout after it crashed.

The lines this program prints on stdout are the harness's protocol (see the handout):
    @<time.monotonic()> JOINED <my znode> <session id>
    @<t> LEADER <znode that proves it>
    @<t> WOKE <event type> <path>        (a ZooKeeper watch notification arrived)
    @<t> RESIGNED <reason>               (printed before the session is closed)
"""

import argparse
import os
import signal
import sys
import threading
import time
import uuid

from kazoo.client import KazooClient, KazooState
from kazoo.exceptions import ConnectionLoss, NoNodeError, SessionExpiredError
from kazoo.protocol.states import EventType


def report(word, *args):
    """One protocol line on stdout, stamped with the machine-wide monotonic clock."""
    print("@%.6f %s %s" % (time.monotonic(), word, " ".join(str(a) for a in args)), flush=True)


def sequence_of(name):
    """ZooKeeper's sequential suffix is always 10 digits at the end of the name."""
    return int(name[-10:])


class Shutdown(Exception):
    """Raised by the SIGTERM/SIGINT handler to leave the main loop."""


class Candidate:
    def __init__(self, zk, election_path, ident):
        self.zk = zk
        self.election_path = election_path.rstrip("/")
        self.ident = ident
        # A unique token in our node's name lets us find our own node again if the create's
        # reply was lost (ConnectionLoss): a sequential create is not idempotent.
        self.token = uuid.uuid4().hex
        self.me = None              # full path of our candidate znode
        self.lock = threading.RLock()
        self.leader = False
        self.wakeup = threading.Event()   # set by watches and connection-state changes
        zk.add_listener(self._on_state_change)

    # ----- callbacks (kazoo threads: never block in them) ---------------------------------
    def _on_state_change(self, state):
        if state == KazooState.LOST:
            # The session is gone, and with it our ephemeral node: someone else may lead now.
            self._resign("session-lost")
            self.me = None
            self.token = uuid.uuid4().hex
        elif state == KazooState.SUSPENDED:
            # Disconnected. The session may be expiring right now without us knowing, so a
            # leader must stop acting as one until it is reconnected and has checked again.
            self._resign("suspended")
        self.wakeup.set()

    def _on_predecessor_event(self, event):
        if event.type != EventType.NONE:   # NONE = kazoo telling us about the connection
            report("WOKE", event.type, event.path)
        self.wakeup.set()

    # ----- leadership ---------------------------------------------------------------------
    def _become_leader(self):
        with self.lock:
            if self.leader:
                return
            self.leader = True
        report("LEADER", self.me)
        # A real service would start its leader work here (in another thread).

    def _resign(self, reason):
        with self.lock:
            if not self.leader:
                return
            self.leader = False
        report("RESIGNED", reason)

    # ----- the recipe ---------------------------------------------------------------------
    def _join(self):
        """Step 1: create our candidate node (or find it, if an earlier create did succeed)."""
        prefix = "%s_n_" % self.token
        for child in self.zk.get_children(self.election_path):
            if child.startswith(prefix):
                self.me = "%s/%s" % (self.election_path, child)
                return
        self.me = self.zk.create("%s/%s" % (self.election_path, prefix),
                                 self.ident.encode(), ephemeral=True, sequence=True)
        report("JOINED", self.me, "0x%x" % self.zk.client_id[0])

    def _check(self):
        """Steps 2-4 once. Returns when there is nothing to do until the next wake-up."""
        while True:
            if self.me is None:
                self._join()
            children = sorted(self.zk.get_children(self.election_path), key=sequence_of)
            mine = self.me.rsplit("/", 1)[1]
            if mine not in children:
                # Our node vanished (our session expired while we were disconnected): rejoin.
                self._resign("node-gone")
                self.me = None
                continue
            index = children.index(mine)
            if index == 0:
                self._become_leader()
                return
            # Only the predecessor: one watch per candidate, one watcher per znode.
            predecessor = "%s/%s" % (self.election_path, children[index - 1])
            if self.zk.exists(predecessor, watch=self._on_predecessor_event) is not None:
                return   # sleep until it goes away
            # It went away between get_children and exists: look again (no sleep needed).

    def run(self):
        self.zk.ensure_path(self.election_path)
        while True:
            self.wakeup.clear()
            if self.zk.connected:
                try:
                    self._check()
                except (ConnectionLoss, SessionExpiredError, NoNodeError):
                    pass   # a state change follows, and sets wakeup
            # Block until ZooKeeper tells us something: no timeout, hence no polling.
            self.wakeup.wait()

    def shutdown(self):
        self._resign("shutdown")   # say so BEFORE the node disappears
        try:
            self.zk.stop()         # closes the session: the node is deleted at once
        finally:
            self.zk.close()


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--hosts", default="127.0.0.1:2181")
    ap.add_argument("--path", default="/election", help="the election's parent znode")
    ap.add_argument("--id", default="candidate-%d" % os.getpid())
    ap.add_argument("--timeout", type=float, default=10.0, help="session timeout, seconds")
    args = ap.parse_args(argv)

    def on_signal(signum, frame):
        raise Shutdown()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    zk = KazooClient(hosts=args.hosts, timeout=args.timeout)
    candidate = None
    try:
        zk.start(timeout=15)
        candidate = Candidate(zk, args.path, args.id)
        candidate.run()
    except Shutdown:
        pass
    finally:
        # Ignore further signals while closing the session, so it really gets closed.
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        if candidate is not None:
            candidate.shutdown()
        else:
            zk.stop()
            zk.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
