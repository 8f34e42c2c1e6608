"""Exercise 2 starter: a barrier and a double barrier. Same API as the reference solution:
`LAB_EXERCISES_IMPL=starter python3 labs/tests/test_exercise_barrier.py`."""


class Barrier:
    """A coordinator holds the barrier; workers wait() until it is removed."""

    def __init__(self, zk, path):
        self.zk = zk
        self.path = path.rstrip("/")

    def hold(self):
        raise NotImplementedError

    def remove(self):
        raise NotImplementedError

    def wait(self, timeout=None):
        """True once the barrier is gone (at once if it was never held), False on timeout.
        No polling: use a watch."""
        raise NotImplementedError


class DoubleBarrier:
    """`count` processes enter() together and leave() together."""

    def __init__(self, zk, path, count, name=None):
        self.zk = zk
        self.path = path.rstrip("/")
        self.count = count
        self.name = name

    def enter(self, timeout=None):
        """Return True when `count` participants have entered; False on timeout (and then
        this participant must not be counted any more). Hint: what kind of node should a
        participant be, so that a crashed one does not block the others forever?"""
        raise NotImplementedError

    def leave(self, timeout=None):
        """Return True when every participant has called leave(); False on timeout. Try to
        make each process wait on at most one znode (no herd effect). The last one out
        removes the barrier's znodes (the tests check that `path` is gone)."""
        raise NotImplementedError
