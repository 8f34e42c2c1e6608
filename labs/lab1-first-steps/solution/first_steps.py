#!/usr/bin/env python3
"""Lab 1, part D, reference solution: the walkthrough of part B again, from Python (kazoo).

    python3 first_steps.py --hosts 127.0.0.1:2181

Two sessions (alice and bob) are used, so that ephemeral nodes and watches can be seen from
"the other side". Every step checks what ZooKeeper promises and stops with an error if the
server does something else, so this script also works as a quick compatibility test of a
server: it prints "all N checks passed" at the end.
"""

import argparse
import sys
import threading

from kazoo.client import KazooClient
from kazoo.exceptions import (BadVersionError, NoChildrenForEphemeralsError, NodeExistsError,
                              NotEmptyError)

ROOT = "/lab1-kazoo"
checks = 0


def check(condition, what):
    global checks
    if not condition:
        raise SystemExit("FAILED: " + what)
    checks += 1
    print("  ok   " + what)


class Events:
    """Collects watch events; wait(n) blocks (bounded) until n have arrived."""

    def __init__(self):
        self.items = []
        self.cv = threading.Condition()

    def __call__(self, event):
        with self.cv:
            self.items.append((event.type, event.path))
            self.cv.notify_all()

    def wait(self, n, timeout=5.0):
        with self.cv:
            self.cv.wait_for(lambda: len(self.items) >= n, timeout)
            return list(self.items)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--hosts", default="127.0.0.1:2181")
    args = ap.parse_args(argv)

    alice = KazooClient(hosts=args.hosts, timeout=10)
    bob = KazooClient(hosts=args.hosts, timeout=10)
    alice.start(timeout=15)
    bob.start(timeout=15)
    print("connected: alice session 0x%x, bob session 0x%x"
          % (alice.client_id[0], bob.client_id[0]))
    if alice.exists(ROOT):
        alice.delete(ROOT, recursive=True)   # left over from an earlier run

    print("B1. create, list, read, update, delete")
    alice.create(ROOT, b"my first znode")
    check("lab1-kazoo" in alice.get_children("/"), "ls / shows the new znode")
    data, stat = alice.get(ROOT)
    check(data == b"my first znode" and stat.version == 0, "get returns the data, version 0")
    stat = alice.set(ROOT, b"updated")
    check(stat.version == 1 and stat.mzxid > stat.czxid, "set bumps the version and mzxid")
    alice.create(ROOT + "/notes")
    check(alice.get(ROOT + "/notes")[0] == b"", "a znode created without data has empty data")
    alice.delete(ROOT + "/notes")
    check(alice.exists(ROOT + "/notes") is None, "delete removes it")
    try:
        alice.create(ROOT, b"again")
        check(False, "creating an existing path must fail")
    except NodeExistsError:
        check(True, "create of an existing path fails with NodeExists")

    print("B2. versions: conditional updates")
    alice.set(ROOT, b"second update", version=1)
    check(alice.get(ROOT)[1].version == 2, "set with the right version succeeds")
    try:
        bob.set(ROOT, b"stale", version=1)
        check(False, "a set with an old version must fail")
    except BadVersionError:
        check(True, "set with a stale version fails with BadVersion")

    print("B3. sequential nodes")
    names = [alice.create(ROOT + "/job-", b"", sequence=True) for _ in range(3)]
    for n in names:
        print("       created " + n)
    seqs = [int(n[-10:]) for n in names]
    check(seqs == sorted(seqs) and len(set(seqs)) == 3,
          "sequence numbers are unique and increasing")
    check(seqs[0] == 1, "the counter is the parent's number of child creations (notes was #0)")

    print("B4. ephemeral nodes")
    bob.create(ROOT + "/bob-is-here", b"ephemeral", ephemeral=True)
    stat = alice.exists(ROOT + "/bob-is-here")
    check(stat is not None and stat.ephemeralOwner == bob.client_id[0],
          "alice sees bob's ephemeral node, owned by bob's session")
    try:
        bob.create(ROOT + "/bob-is-here/child")
        check(False, "ephemeral nodes cannot have children")
    except NoChildrenForEphemeralsError:
        check(True, "an ephemeral node cannot have children")
    gone = Events()
    alice.exists(ROOT + "/bob-is-here", watch=gone)
    bob.stop()
    bob.close()
    check(gone.wait(1) == [("DELETED", ROOT + "/bob-is-here")],
          "when bob's session closes his node is deleted, and alice's watch says so")
    check(alice.exists(ROOT + "/bob-is-here") is None, "the ephemeral node is gone")

    print("B5. watches")
    carol = KazooClient(hosts=args.hosts, timeout=10)
    carol.start(timeout=15)
    seen = Events()
    alice.get(ROOT, watch=seen)
    carol.set(ROOT, b"fires the data watch")
    carol.set(ROOT, b"fires nothing")
    check(seen.wait(1) == [("CHANGED", ROOT)], "a data watch fires once (one-shot)")
    kids = Events()
    alice.get_children(ROOT, watch=kids)
    carol.create(ROOT + "/newcomer")
    check(kids.wait(1) == [("CHILD", ROOT)], "a child watch fires when a child is created")
    born = Events()
    check(alice.exists(ROOT + "/not-yet", watch=born) is None, "exists on a missing node")
    carol.create(ROOT + "/not-yet")
    check(born.wait(1) == [("CREATED", ROOT + "/not-yet")],
          "an exists watch on a missing node fires when it is created")

    print("B6. clean up")
    try:
        alice.delete(ROOT)
        check(False, "delete of a node with children must fail")
    except NotEmptyError:
        check(True, "delete refuses a node with children")
    alice.delete(ROOT, recursive=True)
    check(alice.exists(ROOT) is None, "recursive delete removes the whole subtree")

    carol.stop()
    carol.close()
    alice.stop()
    alice.close()
    print("all %d checks passed" % checks)
    return 0


if __name__ == "__main__":
    sys.exit(main())
