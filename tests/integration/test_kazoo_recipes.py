#!/usr/bin/python3
"""kazoo's recipes, unchanged, on the server: Lock, Election, Counter, Barrier, Queue."""

import threading
import time
import unittest

import zlharness
from kazoo.exceptions import LockTimeout


class KazooRecipes(zlharness.ServerTestCase):

    def test_lock_mutual_exclusion(self):
        a = self.client()
        b = self.client()
        root = self.root(a)
        lock_a = a.Lock(root + "/lock", "alpha")
        lock_b = b.Lock(root + "/lock", "beta")
        self.assertTrue(lock_a.acquire(timeout=5.0))
        # held: a bounded attempt times out, and leaves no contender node behind
        t0 = time.monotonic()
        with self.assertRaises(LockTimeout):
            lock_b.acquire(timeout=0.5)
        self.assertFalse(lock_b.acquire(blocking=False))
        self.assertGreaterEqual(time.monotonic() - t0, 0.4)
        self.assertEqual(lock_a.contenders(), ["alpha"])

        order = []
        acquired = threading.Event()

        def contend():
            if lock_b.acquire(timeout=10.0):
                order.append("beta acquired")
                acquired.set()

        th = threading.Thread(target=contend, daemon=True)
        th.start()
        zlharness.wait_for(lambda: lock_a.contenders() == ["alpha", "beta"], 5.0,
                           message="beta queued behind alpha")
        self.assertFalse(acquired.wait(0.3), "beta acquired while alpha holds the lock")
        order.append("alpha releases")
        self.assertTrue(lock_a.release())
        self.assertTrue(acquired.wait(5.0), "beta never acquired after release")
        th.join(5.0)
        self.assertEqual(order, ["alpha releases", "beta acquired"])
        self.assertEqual(lock_a.contenders(), ["beta"])
        self.assertTrue(lock_b.release())
        self.assertEqual(lock_a.contenders(), [])

    def test_lock_passes_on_when_holder_session_closes(self):
        a = self.client()
        b = self.client()
        root = self.root(b)
        lock_a = a.Lock(root + "/lock", "alpha")
        lock_b = b.Lock(root + "/lock", "beta")
        self.assertTrue(lock_a.acquire(timeout=5.0))
        acquired = threading.Event()
        th = threading.Thread(target=lambda: lock_b.acquire(timeout=10.0) and acquired.set(),
                              daemon=True)
        th.start()
        zlharness.wait_for(lambda: lock_b.contenders() == ["alpha", "beta"], 5.0,
                           message="beta waiting")
        a.stop()          # holder's ephemeral lock node goes with its session
        self.assertTrue(acquired.wait(5.0))
        th.join(5.0)
        self.assertEqual(lock_b.contenders(), ["beta"])
        lock_b.release()

    def test_election_one_leader_at_a_time(self):
        n = 3
        clients = [self.client() for _ in range(n)]
        root = self.root(clients[0])
        lock = threading.Lock()
        leaders = set()
        history = []
        violations = []
        step_down = [threading.Event() for _ in range(n)]
        elected = threading.Condition(lock)

        def lead(i):
            with lock:
                leaders.add(i)
                history.append(i)
                if len(leaders) != 1:
                    violations.append(set(leaders))
                elected.notify_all()
            step_down[i].wait(15.0)

        def run(i):
            election = clients[i].Election(root + "/election", "node-%d" % i)
            try:
                election.run(lead, i)
            except Exception:     # the client was stopped under it
                pass

        threads = [threading.Thread(target=run, args=(i,), daemon=True) for i in range(n)]
        for th in threads:
            th.start()

        def wait_new_leader(count, timeout=5.0):
            deadline = time.monotonic() + timeout
            with lock:
                while len(history) < count:
                    left = deadline - time.monotonic()
                    if left <= 0:
                        raise AssertionError("no leader #%d, history %r" % (count, history))
                    elected.wait(left)
                return history[count - 1]

        first = wait_new_leader(1)
        zlharness.wait_for(
            lambda: len(clients[first].Election(root + "/election").contenders()) == n, 5.0,
            message="all contenders registered")
        time.sleep(0.2)
        with lock:
            self.assertEqual(history, [first])
        # the leader's client stops: its session closes and someone else wins
        with lock:
            leaders.discard(first)
        clients[first].stop()
        step_down[first].set()
        second = wait_new_leader(2)
        self.assertNotEqual(second, first)
        # the second steps down voluntarily (run() returns, releasing the election lock)
        with lock:
            leaders.discard(second)
        step_down[second].set()
        third = wait_new_leader(3)
        self.assertNotIn(third, (first, second))
        with lock:
            leaders.discard(third)
        step_down[third].set()
        for th in threads:
            th.join(5.0)
        self.assertEqual(violations, [])
        self.assertEqual(sorted(history), list(range(n)))

    def test_counter(self):
        a = self.client()
        b = self.client()
        root = self.root(a)
        ca = a.Counter(root + "/counter")
        cb = b.Counter(root + "/counter")
        ca += 5
        ca -= 2
        self.assertEqual(ca.value, 3)
        self.assertEqual(cb.value, 3)

        errors = []

        def bump(counter, times):
            try:
                for _ in range(times):
                    counter += 1
            except Exception as e:
                errors.append(e)

        ths = [threading.Thread(target=bump, args=(c, 25), daemon=True) for c in (ca, cb)]
        for th in ths:
            th.start()
        for th in ths:
            th.join(30.0)
        self.assertEqual(errors, [])
        self.assertEqual(ca.value, 53)

    def test_barrier(self):
        a = self.client()
        b = self.client()
        root = self.root(a)
        barrier_a = a.Barrier(root + "/barrier")
        barrier_b = b.Barrier(root + "/barrier")
        barrier_a.create()
        self.assertFalse(barrier_b.wait(timeout=0.3))
        passed = threading.Event()
        th = threading.Thread(target=lambda: barrier_b.wait(timeout=10.0) and passed.set(),
                              daemon=True)
        th.start()
        time.sleep(0.1)
        self.assertFalse(passed.is_set())
        barrier_a.remove()
        self.assertTrue(passed.wait(5.0))
        th.join(5.0)

    def test_queue_is_fifo(self):
        a = self.client()
        b = self.client()
        root = self.root(a)
        qa = a.Queue(root + "/queue")
        qb = b.Queue(root + "/queue")
        items = [b"first", b"second", b"third", b"fourth"]
        for i, item in enumerate(items):
            (qa if i % 2 == 0 else qb).put(item)
        self.assertEqual(len(qa), 4)
        got = [qb.get() for _ in items]
        self.assertEqual(got, items)
        self.assertIsNone(qa.get())


if __name__ == "__main__":
    zlharness.main()
