"""Exercise 4 starter: reliable messaging with persistence and retry. Same API as the
reference solution: `LAB_EXERCISES_IMPL=starter python3
labs/tests/test_exercise_messaging.py`."""

import collections

# What receive() returns. czxid: the zxid that created the message's znode.
Message = collections.namedtuple("Message", "sender seq payload path czxid")


class Sender:
    def __init__(self, zk, name, root="/mq", deadline_s=30.0):
        self.zk = zk
        self.name = name
        self.root = root.rstrip("/")
        self.deadline_s = deadline_s
        self.stats = collections.Counter()   # count "retries" here: the tests look at it

    def send(self, to, payload):
        """Store the message durably for receiver `to`; return its sequence number (1, 2, ...
        per sender, never reused, even after a restart of the sender). Retry on
        ConnectionLoss until `deadline_s`, WITHOUT ever delivering a message twice. Hint: is
        a sequential create safe to retry? What if you choose the name yourself?"""
        raise NotImplementedError


class Receiver:
    def __init__(self, zk, name, root="/mq"):
        self.zk = zk
        self.name = name
        self.root = root.rstrip("/")
        self.stats = collections.Counter()   # count "duplicates_dropped" here

    def receive(self, timeout=None):
        """The oldest message not acknowledged yet (it stays stored until ack()), or None
        after `timeout` s. Messages of one sender come in the order they were sent."""
        raise NotImplementedError

    def ack(self, msg):
        """Forget the message for good. Must be safe to retry. Hint: a late retry of a send
        can recreate a message you already acknowledged. How will you recognize it?"""
        raise NotImplementedError
