#!/usr/bin/env python3
"""Lab 1, part D, starter: redo the CLI walkthrough (part B) from Python with kazoo.

    python3 first_steps.py --hosts 127.0.0.1:2181

Fill in each TODO with one or two kazoo calls. Useful methods of KazooClient:
    create(path, value=b"", ephemeral=False, sequence=False)   -> the created path
    get(path, watch=None)            -> (data, ZnodeStat)
    set(path, value, version=-1)     -> ZnodeStat
    get_children(path, watch=None)   -> [names]
    exists(path, watch=None)         -> ZnodeStat or None
    delete(path, version=-1, recursive=False)
A watch is a function taking one WatchedEvent (event.type, event.path); kazoo calls it from
its own thread, once.
"""

import argparse
import time

from kazoo.client import KazooClient

ROOT = "/lab1-kazoo"


def on_event(event):
    print("WATCH FIRED:", event.type, event.path)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--hosts", default="127.0.0.1:2181")
    args = ap.parse_args()

    alice = KazooClient(hosts=args.hosts)
    bob = KazooClient(hosts=args.hosts)   # a second session, to see things "from outside"
    alice.start()
    bob.start()

    # B1. create ROOT with some data, list "/", read it back, update it, read it again.
    # TODO

    # B2. update ROOT again, but only if its version is still the one you read (version=...).
    #     Then try once more with the old version: which exception do you get?
    # TODO

    # B3. create three sequential children ROOT + "/job-" and print the names you get back.
    # TODO

    # B4. let bob create an ephemeral child; check with alice that it exists and who owns it
    #     (stat.ephemeralOwner vs bob.client_id[0]); stop bob; check again.
    # TODO

    # B5. alice: get(ROOT, watch=on_event); then change ROOT twice from another session.
    #     How many times does on_event run? Then the same with get_children(..., watch=...)
    #     and with exists() on a path that does not exist yet.
    # TODO
    time.sleep(0.5)   # give the watch events time to arrive before we quit

    # B6. delete ROOT. What happens while it still has children? (see delete's recursive=)
    # TODO

    alice.stop()


if __name__ == "__main__":
    main()
