"""Exercise 4 reference solution: reliable messaging on ZooKeeper (kazoo).

    alice = Sender(zk1, "alice")
    alice.send("bob", b"hello")               # retried until ZooKeeper has it

    bob = Receiver(zk2, "bob")
    msg = bob.receive(timeout=10)             # Message(sender, seq, payload, path) or None
    handle(msg.payload)
    bob.ack(msg)                              # only now is it gone

Layout under `root` (/mq):
    /mq/<receiver>/inbox/<sender>-<seq, 10 digits>   one persistent node per message (payload)
    /mq/<receiver>/done/<sender>                    last acknowledged seq from that sender
    /mq/_senders/<sender>                           the sender's next seq (survives restarts)

Persistence: every node is persistent (not ephemeral) and ZooKeeper writes it to its
transaction log before answering, so messages survive crashes of the sender, the receiver and
the ZooKeeper servers.

Retry without duplicates: a message's name is chosen by the sender (sender + seq), not by
ZooKeeper (a sequential create is not idempotent). After a ConnectionLoss the sender cannot
know whether its create went through; it creates again: NodeExistsError means the first try
did. If the receiver had already acknowledged (deleted) the first copy, the second create
succeeds and makes a duplicate, which the receiver drops because its seq is <= done/<sender>.

Acknowledgement: ack() deletes the message and records its seq in done/<sender> in ONE
transaction (multi), so the two can never disagree. A receiver that crashes before ack() gets
the message again: delivery is at least once, and the receiver must make its handling
idempotent (or record its effect in the same transaction) for exactly-once effects.

Order: messages from one sender are delivered in the order they were sent (a sender sends one
at a time); messages from different senders in the order ZooKeeper created them (czxid).
One receiver process per mailbox.
"""

import collections
import threading
import time

from kazoo.exceptions import (BadVersionError, ConnectionLoss, NodeExistsError, NoNodeError,
                              OperationTimeoutError, SessionExpiredError)

Message = collections.namedtuple("Message", "sender seq payload path czxid")

TRANSIENT = (ConnectionLoss, OperationTimeoutError, SessionExpiredError)


def retrying(fn, deadline, backoff=0.05, max_backoff=1.0, stats=None):
    """Call fn() until it does not raise a transient error, or the deadline passes."""
    delay = backoff
    while True:
        try:
            return fn()
        except TRANSIENT:
            if stats is not None:
                stats["retries"] += 1
            if time.monotonic() + delay > deadline:
                raise
            time.sleep(delay)
            delay = min(delay * 2, max_backoff)


def _seq_name(sender, seq):
    return "%s-%010d" % (sender, seq)


class Sender:
    def __init__(self, zk, name, root="/mq", deadline_s=30.0):
        if not name or "/" in name:
            raise ValueError("a sender name must be non-empty and contain no '/'")
        self.zk = zk
        self.name = name
        self.root = root.rstrip("/")
        self.deadline_s = deadline_s
        self.counter = "%s/_senders/%s" % (self.root, name)
        self.stats = collections.Counter()

    def _reserve_seq(self, deadline):
        """Take the next seq from /mq/_senders/<name> (compare-and-set on its version)."""
        def attempt():
            self.zk.ensure_path(self.counter)
            data, stat = self.zk.get(self.counter)
            seq = int(data or b"0") + 1
            self.zk.set(self.counter, str(seq).encode(), version=stat.version)
            return seq
        while True:
            try:
                return retrying(attempt, deadline, stats=self.stats)
            except BadVersionError:
                # Another instance of this sender, or our own earlier try that went through
                # before the connection dropped: both fine, take the next number.
                self.stats["seq_conflicts"] += 1

    def send(self, to, payload):
        """Store the message durably in `to`'s inbox; returns its seq. Raises the last
        transient error if ZooKeeper could not be reached for `deadline_s` seconds."""
        deadline = time.monotonic() + self.deadline_s
        seq = self._reserve_seq(deadline)
        path = "%s/%s/inbox/%s" % (self.root, to, _seq_name(self.name, seq))

        def attempt():
            try:
                self.zk.create(path, payload, makepath=True)
            except NodeExistsError:
                self.stats["already_there"] += 1   # an earlier try got through
        retrying(attempt, deadline, stats=self.stats)
        self.stats["sent"] += 1
        return seq


class Receiver:
    def __init__(self, zk, name, root="/mq"):
        self.zk = zk
        self.name = name
        self.root = root.rstrip("/")
        self.inbox = "%s/%s/inbox" % (self.root, name)
        self.done = "%s/%s/done" % (self.root, name)
        zk.ensure_path(self.inbox)
        zk.ensure_path(self.done)
        self.stats = collections.Counter()

    def _done_seq(self, sender):
        try:
            data, _ = self.zk.get("%s/%s" % (self.done, sender))
            return int(data or b"0")
        except NoNodeError:
            return 0

    def _pending(self, watch=None):
        """Messages in the inbox not acknowledged yet, oldest first; drops duplicates."""
        out, done = [], {}
        for child in self.zk.get_children(self.inbox, watch=watch):
            sender, _, seq = child.rpartition("-")
            if not sender or not seq.isdigit():
                continue
            path = "%s/%s" % (self.inbox, child)
            if sender not in done:
                done[sender] = self._done_seq(sender)
            if int(seq) <= done[sender]:
                self.stats["duplicates_dropped"] += 1
                try:
                    self.zk.delete(path)
                except NoNodeError:
                    pass
                continue
            try:
                payload, stat = self.zk.get(path)
            except NoNodeError:
                continue
            out.append(Message(sender, int(seq), payload, path, stat.czxid))
        out.sort(key=lambda m: m.czxid)
        return out

    def receive(self, timeout=None):
        """The oldest unacknowledged message (it stays in the inbox until ack()), or None."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            pending = self._pending()
            if pending:
                return pending[0]
            arrived = threading.Event()
            pending = self._pending(watch=lambda event: arrived.set())
            if pending:
                return pending[0]
            left = None if deadline is None else deadline - time.monotonic()
            if (left is not None and left <= 0) or not arrived.wait(left):
                return None

    def ack(self, msg, deadline_s=30.0):
        """Delete the message and record its seq, atomically; safe to retry."""
        deadline = time.monotonic() + deadline_s
        done_node = "%s/%s" % (self.done, msg.sender)

        def attempt():
            try:
                self.zk.create(done_node, b"0")
            except NodeExistsError:
                pass
            _, stat = self.zk.get(done_node)
            tx = self.zk.transaction()
            tx.delete(msg.path)
            tx.set_data(done_node, str(msg.seq).encode(), version=stat.version)
            results = tx.commit()
            if any(isinstance(r, Exception) for r in results):
                # Already acknowledged (an earlier try went through) or raced: check.
                if self._done_seq(msg.sender) >= msg.seq:
                    return
                raise ConnectionLoss("ack did not apply, retrying")
        retrying(attempt, deadline, stats=self.stats)
        self.stats["acked"] += 1
