#!/usr/bin/python3
"""multi through kazoo's transaction(): all-or-nothing, per-op results, one zxid; and sync."""

import threading
import unittest

import zlharness
import zljute as jute
from kazoo.exceptions import (BadVersionError, NodeExistsError, NoNodeError, NotEmptyError,
                              RolledBackError, RuntimeInconsistency)
from kazoo.protocol.states import Callback, EventType


def settle(zk, timeout=5.0):
    zk.sync("/")
    zk.exists("/")
    done = threading.Event()
    zk.handler.dispatch_callback(Callback("watch", done.set, ()))
    if not done.wait(timeout):
        raise AssertionError("kazoo callback queue did not drain")


class KazooMulti(zlharness.ServerTestCase):

    def assertResultTypes(self, results, types):
        self.assertEqual([type(r) for r in results], types, results)

    def test_failing_check_applies_nothing(self):
        zk = self.client()
        watcher = self.client()
        root = self.root(zk)
        zk.create(root + "/c", b"old")
        zk.create(root + "/gone")
        events = zlharness.EventLog()
        watcher.exists(root + "/new", watch=events)
        watcher.get(root + "/c", watch=events)
        watcher.get_children(root, watch=events)
        _, root_before = zk.get(root)

        t = zk.transaction()
        t.create(root + "/new", b"n")
        t.set_data(root + "/c", b"changed")
        t.check(root + "/c", 5)                 # wrong version: fails
        t.delete(root + "/gone")
        results = t.commit()
        self.assertResultTypes(results, [RolledBackError, RolledBackError, BadVersionError,
                                         RuntimeInconsistency])
        self.assertIsNone(zk.exists(root + "/new"))
        data, st = zk.get(root + "/c")
        self.assertEqual((data, st.version), (b"old", 0))
        self.assertIsNotNone(zk.exists(root + "/gone"))
        _, root_after = zk.get(root)
        self.assertEqual((root_after.cversion, root_after.pzxid, root_after.numChildren),
                         (root_before.cversion, root_before.pzxid, root_before.numChildren))
        settle(watcher)
        self.assertEqual(events.snapshot(), [], "a failed multi fires no watch")

    def test_failure_positions_and_kinds(self):
        zk = self.client()
        root = self.root(zk)
        zk.create(root + "/exists")
        zk.create(root + "/full/kid", makepath=True)

        t = zk.transaction()
        t.create(root + "/exists")              # first op fails
        t.create(root + "/x")
        results = t.commit()
        self.assertResultTypes(results, [NodeExistsError, RuntimeInconsistency])

        t = zk.transaction()
        t.create(root + "/x")
        t.delete(root + "/missing")
        results = t.commit()
        self.assertResultTypes(results, [RolledBackError, NoNodeError])

        t = zk.transaction()
        t.delete(root + "/full")
        t.create(root + "/y")
        t.create(root + "/z")
        results = t.commit()
        self.assertResultTypes(results, [NotEmptyError, RuntimeInconsistency,
                                         RuntimeInconsistency])

        t = zk.transaction()
        t.set_data(root + "/exists", b"", version=3)
        results = t.commit()
        self.assertResultTypes(results, [BadVersionError])

        self.assertEqual(sorted(zk.get_children(root)), ["exists", "full"])

    def test_success_is_atomic_with_one_zxid(self):
        zk = self.client()
        watcher = self.client()
        root = self.root(zk)
        zk.create(root + "/s", b"0")
        zk.create(root + "/d")
        zk.create(root + "/chk", b"")
        zk.set(root + "/chk", b"1")
        events = zlharness.EventLog()
        watcher.exists(root + "/n", watch=events)
        watcher.get(root + "/s", watch=events)
        watcher.exists(root + "/d", watch=events)

        t = zk.transaction()
        t.create(root + "/n", b"new")
        t.create(root + "/n/inner", b"made under a node created by this same multi")
        t.set_data(root + "/s", b"1", version=0)
        t.delete(root + "/d", version=0)
        t.check(root + "/chk", 1)
        results = t.commit()
        self.assertEqual(len(results), 5)
        self.assertEqual(results[0], root + "/n")
        self.assertEqual(results[1], root + "/n/inner")
        self.assertEqual(results[2].version, 1)          # setData -> Stat
        self.assertIs(results[3], True)                  # delete
        self.assertIs(results[4], True)                  # check

        n = zk.exists(root + "/n")
        inner = zk.exists(root + "/n/inner")
        s = zk.exists(root + "/s")
        self.assertIsNone(zk.exists(root + "/d"))
        self.assertEqual(zk.get(root + "/s")[0], b"1")
        # every op of the multi carries the same zxid
        self.assertEqual(n.czxid, inner.czxid)
        self.assertEqual(n.czxid, s.mzxid)
        self.assertEqual(results[2].mzxid, s.mzxid)
        self.assertEqual(zk.exists(root).pzxid, n.czxid)
        self.assertEqual(n.numChildren, 1)

        got = events.wait_count(3, 5.0)
        self.assertEqual(sorted((e.type, e.path) for e in got),
                         sorted([(EventType.CREATED, root + "/n"),
                                 (EventType.CHANGED, root + "/s"),
                                 (EventType.DELETED, root + "/d")]))

    def test_sequential_and_ephemeral_in_multi(self):
        zk = self.client()
        root = self.root(zk)
        t = zk.transaction()
        t.create(root + "/q-", sequence=True)
        t.create(root + "/q-", sequence=True)
        t.create(root + "/e", ephemeral=True)
        t.create(root + "/q-", sequence=True, ephemeral=True)
        results = t.commit()
        self.assertEqual(results, [root + "/q-0000000000", root + "/q-0000000001",
                                   root + "/e", root + "/q-0000000003"])
        sid = zk.client_id[0]
        self.assertEqual(zk.exists(root + "/e").ephemeralOwner, sid)
        self.assertEqual(zk.exists(root + "/q-0000000003").ephemeralOwner, sid)
        self.assertEqual(zk.exists(root + "/q-0000000000").ephemeralOwner, 0)

    def test_create_and_delete_in_same_multi(self):
        zk = self.client()
        root = self.root(zk)
        t = zk.transaction()
        t.create(root + "/tmp", b"")
        t.set_data(root + "/tmp", b"x")
        t.delete(root + "/tmp")
        results = t.commit()
        self.assertEqual(results[0], root + "/tmp")
        self.assertEqual(results[1].version, 1)
        self.assertIs(results[2], True)
        self.assertIsNone(zk.exists(root + "/tmp"))
        st = zk.exists(root)
        self.assertEqual((st.numChildren, st.cversion), (0, 2))

    def test_empty_transaction(self):
        zk = self.client()
        self.assertEqual(zk.transaction().commit(), [])

    def test_transaction_context_manager(self):
        zk = self.client()
        root = self.root(zk)
        with zk.transaction() as t:
            t.create(root + "/cm1")
            t.create(root + "/cm2")
        self.assertTrue(t.committed)
        self.assertEqual(sorted(zk.get_children(root)), ["cm1", "cm2"])

    def test_failed_multi_reply_header_is_ok_on_the_wire(self):
        """The ReplyHeader err of a failed multi stays 0; per-op results carry the errors."""
        zk = self.client()
        root = self.root(zk)
        body = (jute.i32(1) + jute.boolean(False) + jute.i32(-1) + jute.create_body(root + "/m", b"")
                + jute.i32(13) + jute.boolean(False) + jute.i32(-1)
                + jute.ustring(root + "/nope") + jute.i32(-1)
                + jute.i32(-1) + jute.boolean(True) + jute.i32(-1))
        with jute.RawClient(self.server.port) as c:
            c.handshake()
            xid, _, err, r = c.call(7, jute.OP_MULTI, body)
            self.assertEqual((xid, err), (7, 0))
            ops = []
            while True:
                typ, done, e = r.int(), r.bool(), r.int()
                if done:
                    break
                if typ == -1:
                    ops.append((typ, e, r.int()))
                else:
                    ops.append((typ, e))
            self.assertEqual(ops, [(-1, 0, 0), (-1, jute.NO_NODE, jute.NO_NODE)])
            self.assertEqual(r.left(), 0)
        self.assertIsNone(zk.exists(root + "/m"))

    def test_sync_then_read_sees_write(self):
        writer = self.client()
        reader = self.client()
        root = self.root(writer)
        for i in range(10):
            writer.set(root, b"%d" % i)
            self.assertEqual(reader.sync(root), root)
            self.assertEqual(reader.get(root)[0], b"%d" % i)


if __name__ == "__main__":
    zlharness.main()
