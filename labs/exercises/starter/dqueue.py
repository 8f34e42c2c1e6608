"""Exercise 1 starter: a distributed FIFO queue. Same API as the reference solution, so
`LAB_EXERCISES_IMPL=starter python3 labs/tests/test_exercise_queue.py` tests yours."""

from kazoo.exceptions import NoNodeError  # noqa: F401  (you will need it)


class DistributedQueue:
    def __init__(self, zk, path):
        self.zk = zk
        self.path = path.rstrip("/")
        zk.ensure_path(self.path)

    def put(self, data):
        """Append an item (bytes). Hint: which create flag keeps items in put order?"""
        raise NotImplementedError

    def __len__(self):
        raise NotImplementedError

    def get(self, timeout=None):
        """Remove and return the oldest item; wait up to `timeout` s (None = forever) for one
        to arrive; return None on timeout. Two consumers must never get the same item, and a
        waiting consumer must not poll. Hints: who "owns" an item, the one that reads it or
        the one that deletes it? What must you do between "the queue is empty" and going to
        sleep, so that an item put in between is not missed?"""
        raise NotImplementedError
