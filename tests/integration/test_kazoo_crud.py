#!/usr/bin/python3
"""kazoo CRUD against the server: data, versions, Stat fields, sequential and ephemeral nodes."""

import time
import unittest

import zlharness
from kazoo.exceptions import BadVersionError, NoNodeError


class KazooCrud(zlharness.ServerTestCase):

    def test_initial_tree(self):
        zk = self.client()
        data, stat = zk.get("/zookeeper")
        self.assertEqual(data, b"")
        self.assertEqual(sorted(zk.get_children("/zookeeper")), ["config", "quota"])
        self.assertIsNotNone(zk.exists("/zookeeper/quota"))
        self.assertIsNotNone(zk.exists("/zookeeper/config"))
        # the built-in nodes carry zero zxids and times
        self.assertEqual((stat.czxid, stat.mzxid, stat.ctime, stat.mtime), (0, 0, 0, 0))
        self.assertEqual(stat.ephemeralOwner, 0)
        data, stat = zk.get("/")
        self.assertEqual(data, b"")
        self.assertIn("zookeeper", zk.get_children("/"))

    def test_create_get_set_delete_with_versions_and_stat(self):
        zk = self.client()
        root = self.root(zk)
        path = root + "/node"
        before_ms = int(time.time() * 1000)
        self.assertEqual(zk.create(path, b"hello"), path)
        data, st = zk.get(path)
        self.assertEqual(data, b"hello")
        self.assertEqual(st.version, 0)
        self.assertEqual(st.cversion, 0)
        self.assertEqual(st.aversion, 0)
        self.assertEqual(st.numChildren, 0)
        self.assertEqual(st.dataLength, 5)
        self.assertEqual(st.ephemeralOwner, 0)
        self.assertGreater(st.czxid, 0)
        self.assertEqual(st.mzxid, st.czxid)
        self.assertEqual(st.pzxid, st.czxid)
        self.assertEqual(st.ctime, st.mtime)
        # ctime is wall-clock milliseconds (same machine: allow generous skew, not seconds/µs)
        self.assertLess(abs(st.ctime - before_ms), 60000)

        time.sleep(0.01)  # let the clock move so mtime can be checked against ctime
        st2 = zk.set(path, b"world!")
        self.assertEqual(st2.version, 1)
        self.assertEqual(st2.dataLength, 6)
        self.assertEqual(st2.czxid, st.czxid)
        self.assertGreater(st2.mzxid, st.mzxid)
        self.assertEqual(st2.pzxid, st.pzxid)          # setData does not move pzxid
        self.assertEqual(st2.ctime, st.ctime)
        self.assertGreaterEqual(st2.mtime, st.mtime)
        self.assertEqual(st2.cversion, 0)
        self.assertEqual(zk.get(path), (b"world!", st2))

        # conditional set: matching version succeeds, stale fails and changes nothing
        st3 = zk.set(path, b"v2", version=1)
        self.assertEqual(st3.version, 2)
        with self.assertRaises(BadVersionError):
            zk.set(path, b"stale", version=1)
        data, st4 = zk.get(path)
        self.assertEqual(data, b"v2")
        self.assertEqual(st4.version, 2)
        self.assertEqual(st4.mzxid, st3.mzxid)

        # version -1 matches any version
        self.assertEqual(zk.set(path, b"any", version=-1).version, 3)

        # conditional delete
        with self.assertRaises(BadVersionError):
            zk.delete(path, version=2)
        self.assertIsNotNone(zk.exists(path))
        zk.delete(path, version=3)
        self.assertIsNone(zk.exists(path))
        with self.assertRaises(NoNodeError):
            zk.get(path)

    def test_parent_stat_tracks_children(self):
        zk = self.client()
        root = self.root(zk)
        parent = root + "/p"
        zk.create(parent, b"x")
        _, p0 = zk.get(parent)
        zk.create(parent + "/a")
        zk.create(parent + "/b")
        _, a = zk.get(parent + "/a")
        _, b = zk.get(parent + "/b")
        _, p1 = zk.get(parent)
        self.assertEqual(p1.numChildren, 2)
        self.assertEqual(p1.cversion, 2)
        self.assertEqual(p1.pzxid, b.czxid)             # last child change
        self.assertGreater(b.czxid, a.czxid)
        self.assertEqual(p1.version, 0)                  # child changes are not data changes
        self.assertEqual(p1.mzxid, p0.mzxid)
        self.assertEqual(p1.mtime, p0.mtime)

        zk.delete(parent + "/a")
        _, p2 = zk.get(parent)
        self.assertEqual(p2.numChildren, 1)
        self.assertEqual(p2.cversion, 3)                 # creates + deletes
        self.assertGreater(p2.pzxid, p1.pzxid)           # the delete's zxid
        marker = zk.create(root + "/marker")
        _, m = zk.get(marker)
        self.assertLess(p2.pzxid, m.czxid)

        # setData on a child does not touch the parent
        zk.set(parent + "/b", b"changed")
        _, p3 = zk.get(parent)
        self.assertEqual((p3.cversion, p3.pzxid, p3.numChildren), (3, p2.pzxid, 1))

        # getChildren with include_data uses getChildren2: children and the parent's Stat
        children, st = zk.get_children(parent, include_data=True)
        self.assertEqual(children, ["b"])
        self.assertEqual(st, p3)
        self.assertEqual(zk.exists(parent), p3)

    def test_null_vs_empty_data(self):
        zk = self.client()
        root = self.root(zk)
        zk.create(root + "/empty", b"")
        zk.create(root + "/null", None)
        data, st = zk.get(root + "/empty")
        self.assertEqual(data, b"")
        self.assertEqual(st.dataLength, 0)
        data, st = zk.get(root + "/null")
        self.assertIsNone(data, "null data must come back as null (-1), not empty")
        self.assertEqual(st.dataLength, 0)
        # set to empty and to null again
        zk.set(root + "/null", b"")
        self.assertEqual(zk.get(root + "/null")[0], b"")
        zk.set(root + "/empty", None)
        self.assertIsNone(zk.get(root + "/empty")[0])
        # binary data round-trips byte for byte
        blob = bytes(range(256)) * 40
        zk.set(root + "/empty", blob)
        data, st = zk.get(root + "/empty")
        self.assertEqual(data, blob)
        self.assertEqual(st.dataLength, len(blob))

    def test_ensure_path_exists_and_children(self):
        zk = self.client()
        root = self.root(zk)
        deep = root + "/a/b/c/d"
        self.assertTrue(zk.ensure_path(deep))
        self.assertTrue(zk.ensure_path(deep))            # idempotent
        for p in (root + "/a", root + "/a/b", root + "/a/b/c", deep):
            self.assertIsNotNone(zk.exists(p), p)
        self.assertIsNone(zk.exists(root + "/a/nope"))
        self.assertEqual(zk.get_children(root + "/a/b"), ["c"])
        names = ["n%02d" % i for i in range(12)]
        for n in names:
            zk.create(root + "/a/" + n, n.encode())
        self.assertEqual(sorted(zk.get_children(root + "/a")), sorted(names + ["b"]))
        self.assertEqual(zk.get_children(deep), [])
        # makepath on create
        self.assertEqual(zk.create(root + "/x/y/z", b"z", makepath=True), root + "/x/y/z")
        self.assertEqual(zk.get(root + "/x/y/z")[0], b"z")

    def test_sequential_names(self):
        zk = self.client()
        root = self.root(zk)
        q = root + "/q"
        zk.create(q)
        a0 = zk.create(q + "/a-", b"", sequence=True)
        self.assertEqual(a0, q + "/a-0000000000")
        # the counter is the parent's, shared by every prefix
        b1 = zk.create(q + "/b-", b"", sequence=True)
        self.assertEqual(b1, q + "/b-0000000001")
        # a plain child create advances the counter too
        zk.create(q + "/plain")
        a3 = zk.create(q + "/a-", sequence=True)
        self.assertEqual(a3, q + "/a-0000000003")
        # deletes never make a number reusable
        zk.delete(a3)
        zk.delete(a0)
        a4 = zk.create(q + "/a-", sequence=True)
        self.assertEqual(a4, q + "/a-0000000004")
        # a trailing slash gives a bare number
        bare = zk.create(q + "/", sequence=True)
        self.assertEqual(bare, q + "/0000000005")
        self.assertEqual(sorted(zk.get_children(q)),
                         ["0000000005", "a-0000000004", "b-0000000001", "plain"])
        # counters are per parent
        other = root + "/other"
        zk.create(other)
        self.assertEqual(zk.create(other + "/x", sequence=True), other + "/x0000000000")
        # the returned name exists and holds the data
        p = zk.create(q + "/d-", b"payload", sequence=True)
        self.assertEqual(p, q + "/d-0000000006")
        self.assertEqual(zk.get(p)[0], b"payload")

    def test_ephemeral_nodes(self):
        zk = self.client()
        other = self.client()
        root = self.root(zk)
        sid = zk.client_id[0]
        self.assertNotEqual(sid, other.client_id[0])
        e = zk.create(root + "/eph", b"e", ephemeral=True)
        self.assertEqual(e, root + "/eph")
        st = other.exists(e)
        self.assertIsNotNone(st)
        self.assertEqual(st.ephemeralOwner, sid)
        es = zk.create(root + "/es-", b"", ephemeral=True, sequence=True)
        self.assertEqual(es, root + "/es-0000000001")
        self.assertEqual(other.exists(es).ephemeralOwner, sid)
        # persistent nodes have no owner
        zk.create(root + "/pers")
        self.assertEqual(other.exists(root + "/pers").ephemeralOwner, 0)
        # an ephemeral can be deleted explicitly by anyone
        other.delete(e)
        self.assertIsNone(zk.exists(e))
        # closing the owner removes the rest at once (closeSession is committed before the reply)
        zk.stop()
        self.assertIsNone(other.exists(es))
        self.assertIsNotNone(other.exists(root + "/pers"))

    def test_create_include_data_returns_stat(self):
        zk = self.client()
        root = self.root(zk)
        path, st = zk.create(root + "/withstat", b"abc", include_data=True)
        self.assertEqual(path, root + "/withstat")
        self.assertEqual(st.dataLength, 3)
        self.assertEqual(st.version, 0)
        self.assertEqual(st, zk.exists(path))
        path, st = zk.create(root + "/s-", b"", sequence=True, ephemeral=True, include_data=True)
        self.assertEqual(path, root + "/s-0000000001")
        self.assertEqual(st.ephemeralOwner, zk.client_id[0])

    def test_zxids_increase_across_clients(self):
        a = self.client()
        b = self.client()
        root = self.root(a)
        zx = []
        for i in range(6):
            c = a if i % 2 == 0 else b
            p = c.create(root + "/z%d" % i)
            zx.append(c.exists(p).czxid)
        self.assertEqual(zx, sorted(zx))
        self.assertEqual(len(set(zx)), len(zx))
        # a read reflects the latest write of another client after sync
        a.set(root + "/z0", b"new")
        b.sync(root + "/z0")
        self.assertEqual(b.get(root + "/z0")[0], b"new")


if __name__ == "__main__":
    zlharness.main()
