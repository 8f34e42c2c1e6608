#!/usr/bin/env python3
"""Exercise 2 (barrier, double barrier): the reference solution against a real server."""

import random
import threading
import time

import labtest

labtest.use_exercises()
from barrier import Barrier, DoubleBarrier  # noqa: E402


class BarrierTest(labtest.LabTestCase):

    def test_waiters_go_only_when_the_barrier_is_removed(self):
        coordinator = Barrier(self.client(), "/start-line")
        coordinator.hold()
        released = []

        def worker(k, zk):
            ok = Barrier(zk, "/start-line").wait(timeout=10)
            released.append((k, ok, time.monotonic()))

        clients = [self.client() for _ in range(4)]
        threads = [threading.Thread(target=worker, args=(k, zk)) for k, zk in enumerate(clients)]
        for t in threads:
            t.start()
        time.sleep(0.5)   # every worker is now asleep on its watch
        before = [self.requests_received(zk) for zk in clients]
        time.sleep(1.0)
        self.assertEqual([self.requests_received(zk) for zk in clients], before,
                         "a waiting worker sent requests while the barrier was up (polling)")
        self.assertEqual(released, [], "a worker passed a barrier that is still up")
        t_remove = time.monotonic()
        coordinator.remove()
        for t in threads:
            t.join(timeout=10)
        self.assertEqual(sorted(k for k, ok, _ in released), [0, 1, 2, 3])
        self.assertTrue(all(ok for _, ok, _ in released))
        # Order, not speed (timings belong in bench/): every worker went after the removal.
        self.assertTrue(all(t >= t_remove for _, _, t in released), released)

    def test_wait_on_a_missing_barrier_returns_at_once_and_times_out_otherwise(self):
        zk = self.client()
        self.assertTrue(Barrier(zk, "/never-raised").wait(timeout=1))
        b = Barrier(zk, "/raised")
        b.hold()
        t0 = time.monotonic()
        self.assertFalse(b.wait(timeout=0.3))
        self.assertGreaterEqual(time.monotonic() - t0, 0.3)


class DoubleBarrierTest(labtest.LabTestCase):

    def test_enter_together_leave_together(self):
        n = 4
        log = {}
        lock = threading.Lock()
        rng = random.Random(7)
        delays = [(rng.uniform(0, 0.4), rng.uniform(0, 0.4)) for _ in range(n)]

        def participant(k, zk):
            before_enter, before_leave = delays[k]
            db = DoubleBarrier(zk, "/round-1", count=n, name="w%d" % k)
            time.sleep(before_enter)
            t_enter = time.monotonic()
            entered = db.enter(timeout=10)
            t_entered = time.monotonic()
            time.sleep(before_leave)     # "work", of different lengths
            t_leave = time.monotonic()
            left = db.leave(timeout=10)
            t_left = time.monotonic()
            with lock:
                log[k] = (entered, left, t_enter, t_entered, t_leave, t_left)

        clients = [self.client() for _ in range(n)]
        threads = [threading.Thread(target=participant, args=(k, clients[k])) for k in range(n)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=20)
        self.assertEqual(sorted(log), list(range(n)))
        self.assertTrue(all(v[0] and v[1] for v in log.values()), log)
        last_enter = max(v[2] for v in log.values())
        last_leave = max(v[4] for v in log.values())
        self.assertGreaterEqual(min(v[3] for v in log.values()), last_enter,
                                "someone passed enter() before everybody arrived")
        self.assertGreaterEqual(min(v[5] for v in log.values()), last_leave,
                                "someone passed leave() before everybody called it")
        # The last one out cleaned up.
        self.assertIsNone(clients[0].exists("/round-1"))

    def test_enter_times_out_when_someone_is_missing_and_leaves_no_trace(self):
        zk = self.client()
        db = DoubleBarrier(zk, "/short", count=3, name="lonely")
        t0 = time.monotonic()
        self.assertFalse(db.enter(timeout=0.4))
        self.assertGreaterEqual(time.monotonic() - t0, 0.4)
        mine = [c for c in zk.get_children("/short")
                if zk.exists("/short/" + c).ephemeralOwner == zk.client_id[0]]
        self.assertEqual(mine, [], "the participant that gave up is still counted")

    def test_a_crashed_participant_does_not_block_leave(self):
        n = 3
        clients = [self.client() for _ in range(n)]
        barriers = [DoubleBarrier(clients[k], "/crash", count=n, name="w%d" % k)
                    for k in range(n)]
        threads = [threading.Thread(target=barriers[k].enter, kwargs={"timeout": 10})
                   for k in range(n)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=10)
        # w2 crashes: its session ends, its ephemeral participant node goes away.
        labtest.close_client(clients[2])
        results = []
        others = [threading.Thread(target=lambda k=k: results.append(barriers[k].leave(timeout=5)))
                  for k in range(2)]
        for t in others:
            t.start()
        for t in others:
            t.join(timeout=10)
        self.assertEqual(results, [True, True])


if __name__ == "__main__":
    labtest.main()
