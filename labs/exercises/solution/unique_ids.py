"""Exercise 3 reference solution: unique IDs in 1..1024, recycled when their owner dies.

    ids = IdAllocator(zk, "/ids")          # IDs 1..1024 by default
    my_id = ids.acquire(timeout=10)        # an ID nobody else holds right now
    ...
    ids.release(my_id)                     # or just exit: the ID comes back by itself

Each held ID is an EPHEMERAL znode /ids/<n>. create() is atomic, so exactly one process can
create /ids/17: whoever succeeds owns 17. Ephemeral nodes live as long as the owner's session,
so when an owner crashes or is cut off for longer than its session timeout, ZooKeeper deletes
its nodes and those IDs become free again: that is the recycling, with no cleanup job.

acquire(): list /ids, try the free numbers in random order (random, so that concurrent
allocators rarely collide; a collision just costs one NodeExistsError). If all 1024 are taken,
set a child watch on /ids and sleep until an ID is freed (or the timeout expires).

What "owning" an ID means: the owner must stop using its IDs when its session is lost
(KazooState.LOST): by then ZooKeeper may have handed them to somebody else. It should also be
careful while SUSPENDED (disconnected): the session might be expiring. `on_lost` is called
then, and `held` is emptied.
"""

import random
import threading
import time

from kazoo.client import KazooState
from kazoo.exceptions import NodeExistsError, NoNodeError


class IdsExhausted(Exception):
    """No ID became free before the timeout."""


class IdAllocator:
    def __init__(self, zk, path="/ids", low=1, high=1024, owner=b"", on_lost=None):
        self.zk = zk
        self.path = path.rstrip("/")
        self.low, self.high = low, high
        self.owner = owner
        self.on_lost = on_lost
        self.held = set()
        self._rng = random.Random()
        zk.ensure_path(self.path)
        zk.add_listener(self._on_state)

    def _on_state(self, state):
        if state == KazooState.LOST and self.held:
            lost, self.held = set(self.held), set()
            if self.on_lost:
                self.on_lost(lost)

    def _taken(self, watch=None):
        taken = set()
        for child in self.zk.get_children(self.path, watch=watch):
            if child.isdigit():
                taken.add(int(child))
        return taken

    def _try_free(self, taken):
        free = [i for i in range(self.low, self.high + 1) if i not in taken]
        self._rng.shuffle(free)
        for i in free:
            try:
                self.zk.create("%s/%d" % (self.path, i), self.owner, ephemeral=True)
            except NodeExistsError:
                continue
            self.held.add(i)
            return i
        return None

    def acquire(self, timeout=None):
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            got = self._try_free(self._taken())
            if got is not None:
                return got
            freed = threading.Event()
            taken = self._taken(watch=lambda event: freed.set())
            if len(taken) < self.high - self.low + 1:
                continue        # something was freed meanwhile
            left = None if deadline is None else deadline - time.monotonic()
            if (left is not None and left <= 0) or not freed.wait(left):
                raise IdsExhausted("all IDs %d..%d are taken" % (self.low, self.high))

    def release(self, ident):
        self.held.discard(ident)
        try:
            self.zk.delete("%s/%d" % (self.path, ident))
        except NoNodeError:
            pass

    def owner_of(self, ident):
        """(data, session id) of the holder of `ident`, or None if it is free."""
        try:
            data, stat = self.zk.get("%s/%d" % (self.path, ident))
        except NoNodeError:
            return None
        return data, stat.ephemeralOwner
