"""Security on a real zablab-server (docs/hardening.md): a client without READ learns nothing
through a watch of any kind, digest passwords never reach the server's log (at debug level), the
four-letter words that reveal or reset state are refused by default, super comes only from the
configured digest.

    ZABLAB_SERVER=build/apps/zablab-server /usr/bin/python3 tests/integration/test_security.py
"""

import base64
import hashlib
import os
import threading
import time
import unittest

import zlharness
import zljute as jute
from kazoo.exceptions import AuthFailedError, NoAuthError
from kazoo.security import make_digest_acl

OP_ADD_WATCH = 106
PERSISTENT_RECURSIVE = 1
SUPER_PASSWORD = "pw-super-456"
SECRETS = ["pw-alice-123", SUPER_PASSWORD, "pw-bogus-789"]


def digest(user, password):
    return "%s:%s" % (user, base64.b64encode(hashlib.sha1(("%s:%s" % (user, password)).encode()).digest()).decode())


class DebugServer(zlharness.ServerProcess):
    """A standalone server logging at debug level, so that every line it could write is written."""

    def _command(self):
        cmd = super()._command()
        if not zlharness.against_apache():
            cmd = cmd[:1] + ["--log-level", "debug"] + cmd[1:]
        return cmd

    def log_text(self):
        text = ""
        for path in self._log_files():
            if os.path.exists(path):
                with open(path, "rb") as f:
                    text += f.read().decode("utf-8", "replace")
        return text


class Security(zlharness.ServerTestCase):
    @classmethod
    def setUpClass(cls):
        unittest.TestCase.setUpClass()
        cls.server = DebugServer(tick_time=2000, label=cls.__name__, extra={
            "DigestAuthenticationProvider.superDigest": digest("super", SUPER_PASSWORD)})
        try:
            cls.server.start()
        except BaseException:
            cls.server.cleanup()
            raise

    def owner(self):
        zk = self.client(auth_data=[("digest", "alice:pw-alice-123")])
        return zk

    def secret_acl(self):
        return [make_digest_acl("alice", "pw-alice-123", all=True)]

    def test_no_watch_through_a_refused_read(self):
        owner = self.owner()
        owner.create("/s1", b"top secret", acl=self.secret_acl())
        outsider = self.client()
        fired = []
        for call in (lambda: outsider.get("/s1", watch=fired.append),
                     lambda: outsider.exists("/s1", watch=fired.append),
                     lambda: outsider.get_children("/s1", watch=fired.append)):
            with self.assertRaises(NoAuthError):
                call()
        owner.set("/s1", b"changed")
        owner.create("/s1/kid", b"", acl=self.secret_acl())
        owner.delete("/s1", recursive=True)
        time.sleep(1.0)
        self.assertEqual(fired, [])

    def test_persistent_recursive_watch_hides_unreadable_nodes(self):
        owner = self.owner()
        owner.ensure_path("/tree")
        with jute.RawClient(self.server.port) as raw:
            raw.handshake()
            _x, _z, err, _r = raw.call(1, OP_ADD_WATCH, jute.ustring("/tree") + jute.i32(PERSISTENT_RECURSIVE))
            self.assertEqual(err, jute.OK)
            owner.create("/tree/alice-private-name", b"x", acl=self.secret_acl())
            owner.set("/tree/alice-private-name", b"y")
            owner.delete("/tree/alice-private-name")
            owner.create("/tree/public", b"")   # the marker: the watch works
            deadline = time.monotonic() + 10.0
            while not any(path == "/tree/public" for _t, _s, path in raw.events):
                self.assertLess(time.monotonic(), deadline, "no event for /tree/public: %r" % raw.events)
                raw.call(2, jute.OP_EXISTS, jute.path_watch_body("/"))
            self.assertEqual([path for _t, _s, path in raw.events], ["/tree/public"])

    def test_super_only_from_the_configured_digest(self):
        owner = self.owner()
        owner.create("/s2", b"data", acl=self.secret_acl())
        guess = self.client(auth_data=[("digest", "super:not-the-password")])
        with self.assertRaises(NoAuthError):
            guess.get("/s2")
        root = self.client(auth_data=[("digest", "super:" + SUPER_PASSWORD)])
        self.assertEqual(root.get("/s2")[0], b"data")

    def test_unknown_scheme_refused(self):
        zk = self.client()
        with self.assertRaises(AuthFailedError):
            zk.add_auth("bogus", "user:pw-bogus-789")

    def test_zz_passwords_never_logged(self):
        # Runs last (name order): every credential above has been sent by then, and more now.
        zk = self.owner()
        zk.ensure_path("/log-check")
        zk.add_auth("digest", "alice:pw-alice-123")
        other = self.client(auth_data=[("digest", "super:" + SUPER_PASSWORD)])
        other.get_children("/")
        time.sleep(0.5)
        text = self.server.log_text()
        self.assertIn("established session", text)   # the log is the debug one we think it is
        for secret in SECRETS:
            self.assertNotIn(secret, text, "a password reached the server's log")


@unittest.skipIf(zlharness.against_apache(), "Apache answers srvr differently when 4lw are off")
class FourLetterWordsByDefault(zlharness.ServerTestCase):
    def test_only_srvr_answers(self):
        self.assertTrue(zlharness.four_letter_word(self.server.port, "srvr").startswith("Zookeeper version:"))
        for word in ("dump", "wchc", "wchp", "wchs", "cons", "conf", "envi", "crst", "srst", "stat", "mntr",
                     "ruok", "dirs", "isro"):
            self.assertEqual(zlharness.four_letter_word(self.server.port, word),
                             "%s is not executed because it is not in the whitelist.\n" % word)


if __name__ == "__main__":
    zlharness.main()
