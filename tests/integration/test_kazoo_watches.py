#!/usr/bin/python3
"""Watches: which change fires which one-shot watch, exactly once, in the right order."""

import threading
import unittest

import zlharness
import zljute as jute
from kazoo.protocol.serialization import SetData
from kazoo.protocol.states import Callback, EventType, WatchedEvent


def settle(zk, timeout=5.0):
    """Make sure every event the server queued for zk so far has been delivered to the
    callbacks: a round trip (events precede later replies on a connection), then a marker
    through kazoo's FIFO callback thread."""
    zk.sync("/")
    zk.exists("/")
    done = threading.Event()
    zk.handler.dispatch_callback(Callback("watch", done.set, ()))
    if not done.wait(timeout):
        raise AssertionError("kazoo callback queue did not drain")


def kinds(events):
    return [(e.type, e.path) for e in events]


class KazooWatches(zlharness.ServerTestCase):

    def test_data_watch_fires_once(self):
        zk = self.client()
        writer = self.client()
        root = self.root(zk)
        p = zk.create(root + "/d", b"0")
        events = zlharness.EventLog()
        self.assertEqual(zk.get(p, watch=events)[0], b"0")
        writer.set(p, b"1")
        got = events.wait_count(1, 5.0)
        self.assertEqual(kinds(got), [(EventType.CHANGED, p)])
        self.assertIsInstance(got[0], WatchedEvent)
        writer.set(p, b"2")     # the watch was one-shot
        settle(zk)
        self.assertEqual(len(events.snapshot()), 1)
        # re-register and it fires again
        self.assertEqual(zk.get(p, watch=events)[0], b"2")
        writer.set(p, b"3")
        self.assertEqual(kinds(events.wait_count(2, 5.0))[1], (EventType.CHANGED, p))

    def test_exists_watch_on_missing_node_fires_created(self):
        zk = self.client()
        writer = self.client()
        root = self.root(zk)
        p = root + "/later"
        events = zlharness.EventLog()
        self.assertIsNone(zk.exists(p, watch=events))
        writer.create(p, b"here")
        self.assertEqual(kinds(events.wait_count(1, 5.0)), [(EventType.CREATED, p)])
        # exists watch on an existing node fires on data change and on delete
        self.assertIsNotNone(zk.exists(p, watch=events))
        writer.set(p, b"x")
        self.assertEqual(kinds(events.wait_count(2, 5.0))[1], (EventType.CHANGED, p))
        self.assertIsNotNone(zk.exists(p, watch=events))
        writer.delete(p)
        self.assertEqual(kinds(events.wait_count(3, 5.0))[2], (EventType.DELETED, p))
        settle(zk)
        self.assertEqual(len(events.snapshot()), 3)

    def test_child_watch_on_create_and_delete(self):
        zk = self.client()
        writer = self.client()
        root = self.root(zk)
        events = zlharness.EventLog()
        self.assertEqual(zk.get_children(root, watch=events), [])
        writer.create(root + "/c1")
        self.assertEqual(kinds(events.wait_count(1, 5.0)), [(EventType.CHILD, root)])
        self.assertEqual(zk.get_children(root, watch=events), ["c1"])
        writer.delete(root + "/c1")
        self.assertEqual(kinds(events.wait_count(2, 5.0))[1], (EventType.CHILD, root))
        # getChildren2 (include_data) registers the same watch
        self.assertEqual(zk.get_children(root, watch=events, include_data=True)[0], [])
        writer.create(root + "/c2", ephemeral=True)
        self.assertEqual(kinds(events.wait_count(3, 5.0))[2], (EventType.CHILD, root))
        # what does NOT fire a child watch: data change of parent/child, grandchildren, ACLs
        zk.get_children(root, watch=events)
        writer.create(root + "/c3")
        events.wait_count(4, 5.0)
        zk.get_children(root, watch=events)
        writer.set(root, b"parent data")
        writer.set(root + "/c3", b"child data")
        writer.create(root + "/c3/grandchild")
        settle(zk)
        self.assertEqual(len(events.snapshot()), 4)
        # ... until a real child change
        writer.delete(root + "/c2")
        self.assertEqual(kinds(events.wait_count(5, 5.0))[4], (EventType.CHILD, root))

    def test_delete_fires_node_deleted_to_every_kind_of_watch(self):
        zk = self.client()
        writer = self.client()
        root = self.root(zk)
        p = zk.create(root + "/victim", b"v")
        zk.create(p + "/kid")
        data_ev, exists_ev, child_ev, parent_ev = (zlharness.EventLog() for _ in range(4))
        zk.get(p, watch=data_ev)
        zk.exists(p, watch=exists_ev)
        zk.get_children(p, watch=child_ev)
        zk.get_children(root, watch=parent_ev)
        writer.delete(p + "/kid")
        # only the child watch on p fired (ChildrenChanged), the others are still armed
        self.assertEqual(kinds(child_ev.wait_count(1, 5.0)), [(EventType.CHILD, p)])
        zk.get_children(p, watch=child_ev)
        writer.delete(p)
        self.assertEqual(kinds(data_ev.wait_count(1, 5.0)), [(EventType.DELETED, p)])
        self.assertEqual(kinds(exists_ev.wait_count(1, 5.0)), [(EventType.DELETED, p)])
        self.assertEqual(kinds(child_ev.wait_count(2, 5.0))[1], (EventType.DELETED, p))
        self.assertEqual(kinds(parent_ev.wait_count(1, 5.0)), [(EventType.CHILD, root)])
        settle(zk)
        self.assertEqual([len(x.snapshot()) for x in (data_ev, exists_ev, child_ev, parent_ev)],
                         [1, 1, 2, 1])

    def test_acl_change_and_reads_fire_nothing(self):
        zk = self.client()
        writer = self.client()
        root = self.root(zk)
        p = zk.create(root + "/quiet", b"q")
        events = zlharness.EventLog()
        zk.get(p, watch=events)
        zk.get_children(p, watch=events)
        from kazoo.security import OPEN_ACL_UNSAFE
        writer.set_acls(p, OPEN_ACL_UNSAFE)
        writer.get(p)
        writer.get_children(p)
        writer.exists(p)
        writer.sync(p)
        settle(zk)
        self.assertEqual(events.snapshot(), [])
        writer.set(p, b"now")
        self.assertEqual(kinds(events.wait_count(1, 5.0)), [(EventType.CHANGED, p)])

    def test_watches_of_several_clients_all_fire(self):
        writer = self.client()
        root = self.root(writer)
        p = writer.create(root + "/shared", b"")
        logs = []
        for _ in range(3):
            c = self.client()
            log = zlharness.EventLog()
            # two distinct kazoo watchers on the same path (kazoo keeps a set of callables)
            c.get(p, watch=lambda ev, log=log: log.add(("get", ev.type, ev.path)))
            c.exists(p, watch=lambda ev, log=log: log.add(("exists", ev.type, ev.path)))
            logs.append(log)
        writer.set(p, b"go")
        for log in logs:
            self.assertEqual(sorted(log.wait_count(2, 5.0)),
                             [("exists", EventType.CHANGED, p), ("get", EventType.CHANGED, p)])

    def test_data_watch_helper_sees_values(self):
        zk = self.client()
        writer = self.client()
        root = self.root(zk)
        p = root + "/dw"
        seen = zlharness.EventLog()
        zk.DataWatch(p, lambda data, stat: seen.add((data, None if stat is None else stat.version)))
        self.assertEqual(seen.wait_count(1, 5.0), [(None, None)])
        steps = [(lambda: writer.create(p, b"a"), (b"a", 0)),
                 (lambda: writer.set(p, b"b"), (b"b", 1)),
                 (lambda: writer.set(p, b"c"), (b"c", 2)),
                 (lambda: writer.delete(p), (None, None)),
                 (lambda: writer.create(p, b"d"), (b"d", 0))]
        for i, (action, expected) in enumerate(steps, start=2):
            action()
            self.assertEqual(seen.wait_count(i, 5.0)[-1], expected)
        settle(zk)
        self.assertEqual(len(seen.snapshot()), len(steps) + 1)

    def test_children_watch_helper_sees_lists(self):
        zk = self.client()
        writer = self.client()
        root = self.root(zk)
        seen = zlharness.EventLog()
        zk.ChildrenWatch(root, lambda children: seen.add(sorted(children)))
        self.assertEqual(seen.wait_count(1, 5.0), [[]])
        steps = [(lambda: writer.create(root + "/a"), ["a"]),
                 (lambda: writer.create(root + "/b", ephemeral=True), ["a", "b"]),
                 (lambda: writer.delete(root + "/a"), ["b"]),
                 (lambda: writer.create(root + "/s-", sequence=True), ["b", "s-0000000002"])]
        for i, (action, expected) in enumerate(steps, start=2):
            action()
            self.assertEqual(seen.wait_count(i, 5.0)[-1], expected)
        writer.stop()   # the ephemeral child goes with the session
        self.assertEqual(seen.wait_count(len(steps) + 2, 5.0)[-1], ["s-0000000002"])

    def test_event_precedes_reply_of_causing_write_same_client(self):
        """kazoo's reader thread dispatches a watch event when its frame arrives and completes
        a request when its reply arrives: record both in arrival order."""
        zk = self.client()
        root = self.root(zk)
        p = zk.create(root + "/order", b"0")
        order = []
        lock = threading.Lock()
        real_dispatch = zk.handler.dispatch_callback

        def dispatch(callback):
            if callback.type == "watch" and callback.args and isinstance(callback.args[0],
                                                                         WatchedEvent):
                with lock:
                    order.append(("event", callback.args[0].type))
            return real_dispatch(callback)

        zk.handler.dispatch_callback = dispatch
        try:
            for i in range(5):
                del order[:]
                zk.get(p, watch=lambda ev: None)
                result = zk.handler.async_result()
                real_set = result.set

                def set_and_record(value=None, _real=real_set):
                    with lock:
                        order.append(("reply", None))
                    _real(value)

                result.set = set_and_record
                zk._call(SetData(p, b"%d" % (i + 1), -1), result)
                stat = result.get(timeout=5.0)
                self.assertEqual(stat.version, i + 1)
                settle(zk)
                with lock:
                    self.assertEqual(order, [("event", EventType.CHANGED), ("reply", None)])
        finally:
            zk.handler.dispatch_callback = real_dispatch

    def test_wire_order_event_before_reply(self):
        """The same on raw frames: the notification precedes the setData reply on the watcher's
        own connection, and precedes any later reply on another watching connection."""
        zk = self.client()
        root = self.root(zk)
        p = zk.create(root + "/wire", b"0")
        with jute.RawClient(self.server.port) as a, jute.RawClient(self.server.port) as b:
            a.handshake()
            b.handshake()
            # connection a watches the path twice (getData + exists) -> one server-side watch
            self.assertEqual(a.call(1, jute.OP_GETDATA, jute.path_watch_body(p, True))[2], 0)
            self.assertEqual(a.call(2, jute.OP_EXISTS, jute.path_watch_body(p, True))[2], 0)
            self.assertEqual(b.call(1, jute.OP_GETDATA, jute.path_watch_body(p, True))[2], 0)
            a.send_frame(jute.request(3, jute.OP_SETDATA, jute.set_data_body(p, b"1")))
            xid, zxid, err, r = a.read_reply()
            self.assertEqual((xid, zxid, err), (jute.XID_NOTIFICATION, -1, 0))
            self.assertEqual((r.int(), r.int(), r.ustring()), (jute.NODE_DATA_CHANGED, 3, p))
            xid, write_zxid, err, r = a.read_reply()
            self.assertEqual((xid, err), (3, 0))
            self.assertEqual(r.stat()["mzxid"], write_zxid)
            # b: its next reply comes after the event
            b.send_frame(jute.request(2, jute.OP_EXISTS, jute.path_watch_body(p, False)))
            xid, _, _, r = b.read_reply()
            self.assertEqual(xid, jute.XID_NOTIFICATION)
            self.assertEqual((r.int(), r.int(), r.ustring()), (jute.NODE_DATA_CHANGED, 3, p))
            xid, zxid, err, _ = b.read_reply()
            self.assertEqual((xid, err), (2, 0))
            self.assertGreaterEqual(zxid, write_zxid)
            # exactly one notification for a's two registrations: next frame is the ping reply
            a.send_frame(jute.request(jute.XID_PING, jute.OP_PING))
            xid, _, err, _ = a.read_reply()
            self.assertEqual((xid, err), (jute.XID_PING, 0))

    def test_child_event_then_created_event_order_on_one_connection(self):
        """A create fires NodeCreated (exists watch on the node) and NodeChildrenChanged (child
        watch on the parent): both arrive before the create's reply."""
        zk = self.client()
        root = self.root(zk)
        p = root + "/born"
        with jute.RawClient(self.server.port) as a:
            a.handshake()
            self.assertEqual(a.call(1, jute.OP_EXISTS, jute.path_watch_body(p, True))[2],
                             jute.NO_NODE)
            self.assertEqual(a.call(2, jute.OP_GETCHILDREN, jute.path_watch_body(root, True))[2], 0)
            a.send_frame(jute.request(3, jute.OP_CREATE, jute.create_body(p, b"")))
            frames = []
            for _ in range(3):
                xid, _, err, r = a.read_reply()
                if xid == jute.XID_NOTIFICATION:
                    frames.append((r.int(), r.int(), r.ustring()))
                else:
                    frames.append(("reply", xid, err))
            self.assertEqual(frames[2], ("reply", 3, 0))
            self.assertEqual(sorted(frames[:2]),
                             [(jute.NODE_CREATED, 3, p), (jute.NODE_CHILDREN_CHANGED, 3, root)])


if __name__ == "__main__":
    zlharness.main()
