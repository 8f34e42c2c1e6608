#!/usr/bin/env python3
"""Exercise 1 (distributed queue): the reference solution against a real server."""

import threading
import time

import labtest

labtest.use_exercises()
from dqueue import DistributedQueue  # noqa: E402


class QueueTest(labtest.LabTestCase):

    def test_fifo_with_one_consumer(self):
        zk = self.client()
        q = DistributedQueue(zk, "/q")
        for i in range(20):
            q.put(b"item %d" % i)
        self.assertEqual(len(q), 20)
        got = [q.get(timeout=5) for _ in range(20)]
        self.assertEqual(got, [b"item %d" % i for i in range(20)])
        self.assertEqual(len(q), 0)
        self.assertIsNone(q.get(timeout=0.2))

    def test_every_item_exactly_once_with_competing_consumers(self):
        producers = [DistributedQueue(self.client(), "/jobs") for _ in range(3)]
        consumers = [DistributedQueue(self.client(), "/jobs") for _ in range(3)]
        expected = {b"p%d-%d" % (p, i) for p in range(3) for i in range(30)}
        results = [[] for _ in consumers]

        def consume(k):
            while True:
                item = consumers[k].get(timeout=1)
                if item is None:
                    return
                results[k].append(item)

        def produce(p):
            for i in range(30):
                producers[p].put(b"p%d-%d" % (p, i))

        threads = ([threading.Thread(target=consume, args=(k,)) for k in range(3)] +
                   [threading.Thread(target=produce, args=(p,)) for p in range(3)])
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=30)
            self.assertFalse(t.is_alive(), "a producer or consumer is stuck")
        everything = [x for r in results for x in r]
        self.assertEqual(len(everything), len(expected), "an item was lost or duplicated")
        self.assertEqual(set(everything), expected)
        # Each consumer sees any one producer's items in the order they were put.
        for r in results:
            for p in range(3):
                mine = [int(x.split(b"-")[1]) for x in r if x.startswith(b"p%d-" % p)]
                self.assertEqual(mine, sorted(mine))

    def test_get_blocks_until_a_put_without_polling(self):
        consumer_zk = self.client()
        q_consumer = DistributedQueue(consumer_zk, "/wait")
        q_producer = DistributedQueue(self.client(), "/wait")
        box = {}

        def consume():
            box["item"] = q_consumer.get(timeout=10)
            box["t"] = time.monotonic()

        t = threading.Thread(target=consume)
        t.start()
        time.sleep(0.5)   # the consumer is now asleep on its child watch
        requests_before = self.requests_received(consumer_zk)
        time.sleep(1.0)
        self.assertEqual(self.requests_received(consumer_zk), requests_before,
                         "the waiting consumer sent requests while the queue was empty")
        t_put = time.monotonic()
        q_producer.put(b"wake up")
        t.join(timeout=10)
        self.assertEqual(box.get("item"), b"wake up")
        # Order, not speed (timings belong in bench/): the consumer woke after the put.
        self.assertGreaterEqual(box["t"], t_put)


if __name__ == "__main__":
    labtest.main()
