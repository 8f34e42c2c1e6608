#!/usr/bin/python3
"""Server error codes as a kazoo user meets them: the exact exception type for each failure,
the order in which the server checks things, and that a failed request changes nothing."""

import unittest

import zlharness
import zljute as jute
from kazoo.exceptions import (BadArgumentsError, BadVersionError, InvalidACLError,
                              NoAuthError, NoChildrenForEphemeralsError, NodeExistsError,
                              NoNodeError, NotEmptyError)
from kazoo.security import ACL, Id


class KazooErrors(zlharness.ServerTestCase):

    def assertZkError(self, exc_type, fn, *args, **kw):
        """fn must raise exactly exc_type (not a parent or sibling class)."""
        try:
            result = fn(*args, **kw)
        except Exception as e:  # noqa: BLE001 - we check the exact type below
            self.assertIs(type(e), exc_type, "expected %s, got %r" % (exc_type.__name__, e))
            return e
        self.fail("expected %s, got result %r" % (exc_type.__name__, result))

    def test_no_node(self):
        zk = self.client()
        root = self.root(zk)
        missing = root + "/missing"
        self.assertZkError(NoNodeError, zk.get, missing)
        self.assertZkError(NoNodeError, zk.set, missing, b"x")
        self.assertZkError(NoNodeError, zk.set, missing, b"x", version=7)   # NoNode before version
        self.assertZkError(NoNodeError, zk.delete, missing)
        self.assertZkError(NoNodeError, zk.delete, missing, version=7)
        self.assertZkError(NoNodeError, zk.get_children, missing)
        self.assertZkError(NoNodeError, zk.get_children, missing, include_data=True)
        self.assertZkError(NoNodeError, zk.get_acls, missing)
        self.assertZkError(NoNodeError, zk.create, missing + "/child")          # parent missing
        self.assertZkError(NoNodeError, zk.create, missing + "/child", ephemeral=True)
        self.assertZkError(NoNodeError, zk.delete, missing + "/child")
        self.assertIsNone(zk.exists(missing))                                   # exists: no error
        self.assertIsNone(zk.exists(missing))
        # nothing was created along the way
        self.assertEqual(zk.get_children(root), [])

    def test_node_exists(self):
        zk = self.client()
        root = self.root(zk)
        zk.create(root + "/dup", b"first")
        self.assertZkError(NodeExistsError, zk.create, root + "/dup", b"second")
        self.assertZkError(NodeExistsError, zk.create, root + "/dup", ephemeral=True)
        self.assertEqual(zk.get(root + "/dup")[0], b"first")
        self.assertEqual(zk.exists(root + "/dup").ephemeralOwner, 0)
        self.assertZkError(NodeExistsError, zk.create, "/zookeeper")
        self.assertZkError(NodeExistsError, zk.create, "/")

    def test_bad_version(self):
        zk = self.client()
        root = self.root(zk)
        p = zk.create(root + "/v", b"0")
        zk.set(p, b"1")
        self.assertZkError(BadVersionError, zk.set, p, b"x", version=0)
        self.assertZkError(BadVersionError, zk.set, p, b"x", version=2)
        self.assertZkError(BadVersionError, zk.delete, p, version=0)
        data, st = zk.get(p)
        self.assertEqual((data, st.version), (b"1", 1))
        # on a node with children, the version is checked before emptiness
        zk.create(p + "/child")
        self.assertZkError(BadVersionError, zk.delete, p, version=5)
        self.assertZkError(NotEmptyError, zk.delete, p, version=1)

    def test_not_empty(self):
        zk = self.client()
        root = self.root(zk)
        zk.create(root + "/parent/child", makepath=True)
        self.assertZkError(NotEmptyError, zk.delete, root + "/parent")
        self.assertEqual(zk.get_children(root + "/parent"), ["child"])
        zk.delete(root + "/parent", recursive=True)
        self.assertIsNone(zk.exists(root + "/parent"))

    def test_no_children_for_ephemerals(self):
        zk = self.client()
        root = self.root(zk)
        e = zk.create(root + "/eph", ephemeral=True)
        self.assertZkError(NoChildrenForEphemeralsError, zk.create, e + "/c")
        self.assertZkError(NoChildrenForEphemeralsError, zk.create, e + "/c", ephemeral=True)
        self.assertZkError(NoChildrenForEphemeralsError, zk.create, e + "/s-", sequence=True)
        other = self.client()
        self.assertZkError(NoChildrenForEphemeralsError, other.create, e + "/c")
        self.assertEqual(zk.exists(e).numChildren, 0)
        self.assertEqual(zk.exists(e).cversion, 0)

    def test_bad_arguments_on_reserved_nodes(self):
        zk = self.client()
        for p in ("/", "/zookeeper", "/zookeeper/quota", "/zookeeper/config"):
            self.assertZkError(BadArgumentsError, zk.delete, p)
            self.assertIsNotNone(zk.exists(p), p)
        # /zookeeper itself takes ordinary children
        zk.create("/zookeeper/it-child")
        zk.delete("/zookeeper/it-child")
        # /zookeeper/config is READ-only for world
        self.assertZkError(NoAuthError, zk.set, "/zookeeper/config", b"x")

    def test_invalid_paths_that_reach_the_server(self):
        # kazoo normalises '//' and rejects '.'/'..' itself; control and reserved characters
        # travel to the server, which validates create and setData fully, but reads not at all.
        zk = self.client()
        root = self.root(zk)
        for bad in ("/bad\x01name", "/bad\x7fname", "/bad\u0085name", "/bad\ue000name",
                    "/bad\ufff0name"):
            p = root + bad
            self.assertZkError(BadArgumentsError, zk.create, p)
            self.assertZkError(BadArgumentsError, zk.create, p, ephemeral=True)
            self.assertZkError(BadArgumentsError, zk.create, p, sequence=True)
            self.assertZkError(BadArgumentsError, zk.set, p, b"x")
            self.assertZkError(NoNodeError, zk.get, p)
            self.assertZkError(NoNodeError, zk.get_children, p)
            self.assertIsNone(zk.exists(p))
            self.assertZkError(NoNodeError, zk.delete, p)
        # NUL is refused by create, setData, delete and exists (FinalRequestProcessor checks
        # exists' path for '\0' explicitly); getData/getChildren just miss
        p = root + "/bad\x00name"
        self.assertZkError(BadArgumentsError, zk.create, p)
        self.assertZkError(BadArgumentsError, zk.set, p, b"x")
        self.assertZkError(BadArgumentsError, zk.delete, p)
        self.assertZkError(BadArgumentsError, zk.exists, p)
        self.assertZkError(NoNodeError, zk.get, p)
        self.assertZkError(NoNodeError, zk.get_children, p)
        self.assertEqual(zk.get_children(root), [])
        # non-ASCII that is allowed
        self.assertEqual(zk.create(root + "/ok\u00e9\u4e2d", b""), root + "/ok\u00e9\u4e2d")
        self.assertEqual(zk.get_children(root), ["ok\u00e9\u4e2d"])

    def test_raw_paths_kazoo_would_never_send(self):
        zk = self.client()
        root = self.root(zk)
        zk.create(root + "/a")
        expect = [
            # (path, create, getData)
            ("noslash", jute.BAD_ARGUMENTS, jute.NO_NODE),
            ("", jute.BAD_ARGUMENTS, 0),                      # "" names the root for reads
            (root + "/a/", jute.BAD_ARGUMENTS, jute.NO_NODE),  # parent exists -> full check
            (root + "/a/.", jute.BAD_ARGUMENTS, jute.NO_NODE),
            (root + "/a/..", jute.BAD_ARGUMENTS, jute.NO_NODE),
            (root + "//a", jute.NO_NODE, jute.NO_NODE),        # parent "<root>/" is missing
        ]
        with jute.RawClient(self.server.port) as c:
            c.handshake()
            xid = 0
            for path, create_err, get_err in expect:
                xid += 1
                _, _, err, _ = c.call(xid, jute.OP_CREATE, jute.create_body(path, None, 0))
                self.assertEqual(err, create_err, "create %r" % path)
                xid += 1
                _, _, err, _ = c.call(xid, jute.OP_GETDATA, jute.path_watch_body(path))
                self.assertEqual(err, get_err, "getData %r" % path)
                xid += 1
                _, _, err, _ = c.call(xid, jute.OP_SETDATA, jute.set_data_body(path, b""))
                self.assertEqual(err, jute.BAD_ARGUMENTS, "setData %r" % path)
            xid += 1
            _, _, err, _ = c.call(xid, jute.OP_DELETE, jute.ustring("noslash") + jute.i32(-1))
            self.assertEqual(err, jute.BAD_ARGUMENTS)
            xid += 1
            _, _, err, _ = c.call(xid, jute.OP_DELETE, jute.ustring("") + jute.i32(-1))
            self.assertEqual(err, jute.BAD_ARGUMENTS)
        self.assertEqual(zk.get_children(root + "/a"), [])

    def test_invalid_acl(self):
        zk = self.client()
        root = self.root(zk)
        self.assertZkError(InvalidACLError, zk.create, root + "/a",
                           acl=[ACL(31, Id("world", "somebody"))])
        self.assertZkError(InvalidACLError, zk.create, root + "/a",
                           acl=[ACL(31, Id("auth", ""))])        # no authenticated identity
        self.assertZkError(InvalidACLError, zk.create, root + "/a",
                           acl=[ACL(31, Id("nosuchscheme", "x"))])
        self.assertZkError(InvalidACLError, zk.create, root + "/a",
                           acl=[ACL(31, Id("digest", "no-colon"))])
        # an empty list (kazoo's create() would substitute OPEN_ACL_UNSAFE; create_async sends [])
        self.assertZkError(InvalidACLError, lambda: zk.create_async(root + "/a", acl=[]).get(10))
        # the ACL is checked before the parent exists
        self.assertZkError(InvalidACLError, zk.create, root + "/missing/a",
                           acl=[ACL(31, Id("world", "somebody"))])
        self.assertIsNone(zk.exists(root + "/a"))
        # valid special cases
        zk.create(root + "/ip", acl=[ACL(31, Id("ip", "127.0.0.1"))])
        zk.create(root + "/net", acl=[ACL(31, Id("ip", "10.0.0.0/8")), ACL(1, Id("world", "anyone"))])
        acls, _ = zk.get_acls(root + "/net")
        self.assertEqual(sorted((a.perms, a.id.scheme, a.id.id) for a in acls),
                         [(1, "world", "anyone"), (31, "ip", "10.0.0.0/8")])

    def test_no_auth(self):
        zk = self.client()
        root = self.root(zk)
        ro = root + "/readonly"
        zk.create(ro, b"r", acl=[ACL(1, Id("world", "anyone"))])
        self.assertEqual(zk.get(ro)[0], b"r")
        self.assertZkError(NoAuthError, zk.set, ro, b"w")
        self.assertZkError(NoAuthError, zk.create, ro + "/child")
        self.assertZkError(NoAuthError, zk.set_acls, ro, [ACL(31, Id("world", "anyone"))])
        # delete needs DELETE on the parent, not on the node
        zk.delete(ro)
        locked = root + "/locked"
        zk.create(locked, acl=[ACL(31, Id("digest", "alice:smGaoVKd/cQkjm7b88GyorAUz20="))])
        self.assertZkError(NoAuthError, zk.get, locked)
        self.assertZkError(NoAuthError, zk.get_children, locked)
        # exists: since 3.8.4 it needs READ on a node that exists (3.8.0-3.8.3 answered a Stat)
        if self.server.version() >= (3, 8, 4):
            self.assertZkError(NoAuthError, zk.exists, locked)
        else:
            self.assertIsNotNone(zk.exists(locked))
        self.assertIsNone(zk.exists(locked + "/missing-child"))
        # after digest auth the same client may read it
        alice = self.client(auth_data=[("digest", "alice:pass")])
        self.assertZkError(NoAuthError, alice.get, locked)   # wrong password hash for 'alice'
        user = self.client(auth_data=[("digest", "user:pass")])
        zk.create(root + "/mine", b"m", acl=[ACL(31, Id("digest", "user:smGaoVKd/cQkjm7b88GyorAUz20="))])
        self.assertEqual(user.get(root + "/mine")[0], b"m")
        self.assertZkError(NoAuthError, zk.get, root + "/mine")

    def test_raw_create_flags_and_acl_errors(self):
        """Things kazoo never sends: bad create flags and empty ACL vectors, on the wire."""
        with jute.RawClient(self.server.port) as c:
            c.handshake()
            xid, _, err, _ = c.call(1, jute.OP_CREATE, jute.create_body("/rawflags", None, 7))
            self.assertEqual((xid, err), (1, jute.BAD_ARGUMENTS))
            _, _, err, _ = c.call(2, jute.OP_CREATE, jute.create_body("/rawflags", None, -1))
            self.assertEqual(err, jute.BAD_ARGUMENTS)
            _, _, err, _ = c.call(3, jute.OP_CREATE,
                                  jute.create_body("/rawflags", None, 0, acl=jute.i32(0)))
            self.assertEqual(err, -114)   # InvalidACL
            _, _, err, _ = c.call(4, jute.OP_CREATE,
                                  jute.create_body("/rawflags", None, 0, acl=jute.i32(-1)))
            self.assertEqual(err, -114)   # a null ACL vector too
            # the connection is still usable and nothing was created
            _, _, err, _ = c.call(5, jute.OP_EXISTS, jute.path_watch_body("/rawflags"))
            self.assertEqual(err, jute.NO_NODE)
            xid, _, err, r = c.call(6, jute.OP_CREATE, jute.create_body("/rawflags", None, 0))
            self.assertEqual((xid, err), (6, 0))
            self.assertEqual(r.ustring(), "/rawflags")
            _, _, err, _ = c.call(7, jute.OP_DELETE, jute.ustring("/rawflags") + jute.i32(-1))
            self.assertEqual(err, 0)

    def test_errors_leave_session_usable(self):
        zk = self.client()
        root = self.root(zk)
        for _ in range(20):
            self.assertZkError(NoNodeError, zk.get, root + "/nothing")
            self.assertZkError(NodeExistsError, zk.create, root)
        self.assertEqual(zk.create(root + "/after"), root + "/after")
        self.assertTrue(zk.connected)


if __name__ == "__main__":
    zlharness.main()
