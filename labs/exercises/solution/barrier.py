"""Exercise 2 reference solution: barriers on ZooKeeper (kazoo).

Barrier: a coordinator holds the barrier up; workers wait until it is removed.

    b = Barrier(zk, "/start-line")
    b.hold()              # coordinator
    b.wait(timeout=30)    # workers: True once the barrier is gone, False on timeout
    b.remove()            # coordinator: everybody waiting goes

  The barrier is one znode. wait() calls exists() with a watch: if the node is absent, go;
  otherwise sleep until the watch fires (NodeDeleted), then check again.

DoubleBarrier: N processes enter together and leave together (ZooKeeper's "double barrier"
recipe).

    db = DoubleBarrier(zk, "/round-7", count=4, name="worker-2")
    db.enter()    # returns when all 4 have entered
    ...compute...
    db.leave()    # returns when all 4 have left

  enter(): create an EPHEMERAL child for myself; if there are now `count` children, create the
  `_ready` node; otherwise wait for `_ready` to appear (an exists() watch set BEFORE creating my
  child, so its creation cannot be missed).
  leave(): repeatedly: list the participants; if none, done; if only me, delete my node, done;
  if I am the lowest, wait for the highest to go; otherwise delete my node and wait for the
  lowest to go. Everyone ends up waiting on at most one node, and the lowest leaves last, after
  everybody else has deleted their node, i.e. after everybody called leave(). The last one out
  removes `_ready` and the barrier node. Use a new path for each round (/round-7, /round-8):
  a fast process entering the next round must not show up among the participants that slow
  processes of this round are still counting in leave().

  Participant nodes are ephemeral: a participant that crashes leaves the barrier, so the
  others are not stuck forever in leave() (but enter() cannot complete without it: use the
  timeouts).
"""

import threading
import time
import uuid

from kazoo.exceptions import NodeExistsError, NoNodeError, NotEmptyError

READY = "_ready"
PREFIX = "p-"


def _remaining(deadline):
    return None if deadline is None else max(deadline - time.monotonic(), 0.0)


class Barrier:
    def __init__(self, zk, path):
        self.zk = zk
        self.path = path.rstrip("/")

    def hold(self):
        try:
            self.zk.create(self.path, makepath=True)
        except NodeExistsError:
            pass

    def remove(self):
        try:
            self.zk.delete(self.path)
        except NoNodeError:
            pass

    def wait(self, timeout=None):
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            gone = threading.Event()
            if self.zk.exists(self.path, watch=lambda event: gone.set()) is None:
                return True
            left = _remaining(deadline)
            if left == 0.0 or not gone.wait(left):
                return False


class DoubleBarrier:
    def __init__(self, zk, path, count, name=None):
        self.zk = zk
        self.path = path.rstrip("/")
        self.count = count
        self.name = PREFIX + (name or uuid.uuid4().hex)
        self.node = "%s/%s" % (self.path, self.name)
        self.ready = "%s/%s" % (self.path, READY)

    def _participants(self):
        try:
            children = self.zk.get_children(self.path)
        except NoNodeError:
            return []   # the last one out removed the barrier
        return sorted(c for c in children if c.startswith(PREFIX))

    def enter(self, timeout=None):
        """Returns True when `count` participants have entered, False on timeout (then this
        participant has left again)."""
        deadline = None if timeout is None else time.monotonic() + timeout
        self.zk.ensure_path(self.path)
        ready = threading.Event()
        # The watch first, then our node: the `_ready` creation cannot slip between the two.
        self.zk.exists(self.ready, watch=lambda event: ready.set())
        self.zk.create(self.node, ephemeral=True)
        while True:
            if len(self._participants()) >= self.count:
                try:
                    self.zk.create(self.ready)
                except NodeExistsError:
                    pass
                return True
            if self.zk.exists(self.ready, watch=lambda event: ready.set()) is not None:
                return True
            left = _remaining(deadline)
            if left == 0.0 or not ready.wait(left):
                self._delete_mine()     # timed out: leave, so we are not counted
                return False
            ready.clear()

    def leave(self, timeout=None):
        """Returns True when every participant has left, False on timeout."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            names = self._participants()
            if not names:
                self._cleanup()
                return True
            if names == [self.name]:
                self._delete_mine()
                self._cleanup()
                return True
            if self.name in names and names[0] == self.name:
                target = names[-1]       # lowest: wait for the highest to go
            else:
                self._delete_mine()
                target = names[0]        # others: wait for the lowest to go
            gone = threading.Event()
            if self.zk.exists("%s/%s" % (self.path, target),
                              watch=lambda event: gone.set()) is None:
                continue
            left = _remaining(deadline)
            if left == 0.0 or not gone.wait(left):
                return False

    def _delete_mine(self):
        try:
            self.zk.delete(self.node)
        except NoNodeError:
            pass

    def _cleanup(self):
        for node in (self.ready, self.path):
            try:
                self.zk.delete(node)
            except (NoNodeError, NotEmptyError):
                pass
