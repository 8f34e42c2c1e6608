#!/usr/bin/env python3
"""Exercise 3 (unique IDs 1..1024, recycled when their owner's session expires): the
reference solution against a real server."""

import threading
import time

import labtest

labtest.use_exercises()
from unique_ids import IdAllocator, IdsExhausted  # noqa: E402


class UniqueIdTest(labtest.LabTestCase):

    def test_all_1024_ids_once_then_exhausted(self):
        allocators = [IdAllocator(self.client(), "/ids") for _ in range(4)]
        got = [[] for _ in allocators]

        def take(k):
            for _ in range(256):
                got[k].append(allocators[k].acquire(timeout=5))

        threads = [threading.Thread(target=take, args=(k,)) for k in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
        everything = [i for g in got for i in g]
        self.assertEqual(len(everything), 1024)
        self.assertEqual(sorted(everything), list(range(1, 1025)), "duplicate or missing IDs")
        t0 = time.monotonic()
        with self.assertRaises(IdsExhausted):
            allocators[0].acquire(timeout=0.3)
        self.assertGreaterEqual(time.monotonic() - t0, 0.3)

    def test_released_id_is_reused(self):
        a = IdAllocator(self.client(), "/small", low=1, high=2)
        b = IdAllocator(self.client(), "/small", low=1, high=2)
        x, y = a.acquire(timeout=1), b.acquire(timeout=1)
        self.assertEqual({x, y}, {1, 2})
        a.release(x)
        self.assertEqual(b.acquire(timeout=1), x)

    def test_ids_of_an_expired_session_are_recycled_and_wake_a_waiter(self):
        owner_zk = self.client(timeout=4.0)
        lost = []
        owner = IdAllocator(owner_zk, "/pool", low=1, high=3, owner=b"owner",
                            on_lost=lost.append)
        mine = {owner.acquire(timeout=1) for _ in range(3)}
        self.assertEqual(mine, {1, 2, 3})
        waiter = IdAllocator(self.client(), "/pool", low=1, high=3, owner=b"waiter")
        box = {}

        def wait_for_one():
            try:
                box["id"] = waiter.acquire(timeout=10)
            except IdsExhausted as e:
                box["error"] = e
            box["t"] = time.monotonic()

        t = threading.Thread(target=wait_for_one)
        t.start()
        time.sleep(0.3)
        self.assertNotIn("id", box, "got an ID while all were taken")
        t_expire = time.monotonic()
        labtest.expire_session(self.server.hosts, owner_zk)
        t.join(timeout=15)
        self.assertIn(box.get("id"), mine, box)
        # Order, not speed (timings belong in bench/): the waiter got it after the expiry.
        self.assertGreaterEqual(box["t"], t_expire)
        self.assertEqual(waiter.owner_of(box["id"])[0], b"waiter")
        # The old owner is told that its IDs are gone, and forgets them.
        labtest.wait_until(lambda: lost, 10, "the owner's on_lost callback")
        self.assertEqual(lost[0], mine)
        self.assertEqual(owner.held, set())


if __name__ == "__main__":
    labtest.main()
