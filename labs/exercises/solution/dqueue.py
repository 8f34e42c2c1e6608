"""Exercise 1 reference solution: a distributed FIFO queue on ZooKeeper (kazoo).

    q = DistributedQueue(zk, "/tasks")
    q.put(b"resize img-17")          # any process, any number of producers
    data = q.get(timeout=10)         # any process, any number of consumers; None on timeout

Layout: one persistent SEQUENTIAL child per item, /tasks/item-0000000042, holding the payload.
The sequence numbers ZooKeeper appends give a total order of the puts.

get(): list the children, try the lowest. An item belongs to whoever DELETES it: two
consumers may read the same item, but delete succeeds for exactly one of them; the other gets
NoNodeError and tries the next item. When the queue is empty, set a child watch on /tasks and
sleep until something is added (no polling).

Properties and limits (discussion questions in the handout):
  * every item is returned by get() exactly once, and items come out in put order;
  * an item is removed BEFORE it is processed: a consumer that crashes right after get() loses
    it ("at most once"). Exercise 4 (reliable messaging) shows how to get "at least once";
  * put() is not idempotent: if put() fails with ConnectionLoss the item may or may not be in
    the queue. Retrying may duplicate it;
  * all waiting consumers watch the same parent: one put wakes all of them, and all but one
    lose the race (a herd effect, acceptable for a small number of consumers).
"""

import threading
import time

from kazoo.exceptions import NoNodeError

PREFIX = "item-"


class DistributedQueue:
    def __init__(self, zk, path):
        self.zk = zk
        self.path = path.rstrip("/")
        zk.ensure_path(self.path)

    def put(self, data):
        """Append an item; returns the znode that holds it."""
        return self.zk.create("%s/%s" % (self.path, PREFIX), data, sequence=True)

    def __len__(self):
        return sum(1 for c in self.zk.get_children(self.path) if c.startswith(PREFIX))

    def _items(self, watch=None):
        children = self.zk.get_children(self.path, watch=watch)
        return sorted(c for c in children if c.startswith(PREFIX))

    def _take_first(self, items):
        for name in items:
            node = "%s/%s" % (self.path, name)
            try:
                data, stat = self.zk.get(node)
                self.zk.delete(node, version=stat.version)
                return True, data
            except NoNodeError:
                continue   # another consumer got it first
        return False, None

    def get(self, timeout=None):
        """Remove and return the oldest item; wait for one (up to `timeout` s; None = forever).
        Returns None on timeout."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            ok, data = self._take_first(self._items())
            if ok:
                return data
            # Empty (or everything was taken under our feet): watch, then look once more,
            # because an item may have arrived between the listing above and the watch.
            changed = threading.Event()
            ok, data = self._take_first(self._items(watch=lambda event: changed.set()))
            if ok:
                return data
            left = None if deadline is None else deadline - time.monotonic()
            if left is not None and left <= 0:
                return None
            if not changed.wait(left):
                return None


def main():
    import argparse
    from kazoo.client import KazooClient
    ap = argparse.ArgumentParser(description="put or get items: a tiny demo")
    ap.add_argument("--hosts", default="127.0.0.1:2181")
    ap.add_argument("--path", default="/queue")
    ap.add_argument("action", choices=["put", "get"])
    ap.add_argument("items", nargs="*")
    args = ap.parse_args()
    zk = KazooClient(hosts=args.hosts)
    zk.start()
    q = DistributedQueue(zk, args.path)
    if args.action == "put":
        for item in args.items:
            print("put", q.put(item.encode()))
    else:
        while True:
            data = q.get(timeout=30)
            if data is None:
                break
            print("got", data.decode())
    zk.stop()


if __name__ == "__main__":
    main()
