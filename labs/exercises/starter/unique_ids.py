"""Exercise 3 starter: unique IDs 1..1024, recycled when their owner's session ends. Same API
as the reference solution: `LAB_EXERCISES_IMPL=starter python3
labs/tests/test_exercise_unique_ids.py`."""


class IdsExhausted(Exception):
    """No ID became free before the timeout."""


class IdAllocator:
    def __init__(self, zk, path="/ids", low=1, high=1024, owner=b"", on_lost=None):
        """owner: bytes stored with each ID you hold. on_lost(set_of_ids): call it when your
        session is lost (KazooState.LOST), with the IDs you held: they are no longer yours."""
        self.zk = zk
        self.path = path.rstrip("/")
        self.low, self.high = low, high
        self.owner = owner
        self.on_lost = on_lost
        self.held = set()
        zk.ensure_path(self.path)

    def acquire(self, timeout=None):
        """Return an ID in low..high that nobody else holds. If all are taken, wait (without
        polling) until one is freed; raise IdsExhausted after `timeout` s. Hint: which kind
        of znode disappears by itself when its owner dies?"""
        raise NotImplementedError

    def release(self, ident):
        raise NotImplementedError

    def owner_of(self, ident):
        """(data, session id) of the holder of `ident`, or None if it is free."""
        raise NotImplementedError
