#!/usr/bin/python3
"""The Apache C client (libzookeeper_mt) against the server: the c_client_crud program
(built by CMake, path in env ZABLAB_C_CLIENT) and a cli_mt session fed on stdin."""

import os
import subprocess
import threading
import time
import unittest

import zlharness

CLI_MT = "/usr/lib/zookeeper/bin/cli_mt"


class OutputWatcher:
    """Collects a child's stdout+stderr in a thread; wait_for(substring) is bounded."""

    def __init__(self, proc):
        self.proc = proc
        self.text = ""
        self._cv = threading.Condition()
        self._threads = [threading.Thread(target=self._pump, args=(s,), daemon=True)
                         for s in (proc.stdout, proc.stderr)]
        for t in self._threads:
            t.start()

    def _pump(self, stream):
        for raw in iter(lambda: stream.readline(), b""):
            with self._cv:
                self.text += raw.decode("utf-8", "replace")
                self._cv.notify_all()

    def wait_for(self, needle, timeout=10.0, start=0):
        deadline = time.monotonic() + timeout
        with self._cv:
            while needle not in self.text[start:]:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError("cli_mt never printed %r; output so far:\n%s"
                                         % (needle, self.text))
                self._cv.wait(left)
            return self.text.index(needle, start) + len(needle)

    def join(self, timeout):
        for t in self._threads:
            t.join(timeout)


class CClient(zlharness.ServerTestCase):

    def test_c_client_crud_program(self):
        binary = os.environ.get("ZABLAB_C_CLIENT")
        if not binary:
            self.skipTest("ZABLAB_C_CLIENT is not set (CMake target c_client_crud)")
        self.assertTrue(os.access(binary, os.X_OK), binary)
        proc = subprocess.run([binary, self.server.hosts], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, timeout=60)
        out = proc.stdout.decode("utf-8", "replace")
        err = proc.stderr.decode("utf-8", "replace")
        self.assertEqual(proc.returncode, 0,
                         "c_client_crud failed:\n%s\n--- stderr ---\n%s" % (out, err[-4000:]))
        self.assertEqual(out.strip().splitlines()[-1], "OK")
        # it cleaned up after itself and its session is gone
        zk = self.client()
        self.assertEqual([c for c in zk.get_children("/") if c.startswith("c_client_")], [])

    def test_cli_mt_session(self):
        if not os.access(CLI_MT, os.X_OK):
            self.skipTest("%s not installed (Debian zookeeper-bin)" % CLI_MT)
        zk = self.client()
        proc = subprocess.Popen([CLI_MT, self.server.hosts], stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        try:
            out = OutputWatcher(proc)
            pos = out.wait_for("state = CONNECTED_STATE")

            def cmd(line, expect, timeout=10.0):
                nonlocal pos
                proc.stdin.write(line.encode() + b"\n")
                proc.stdin.flush()
                pos = out.wait_for(expect, timeout, start=pos)

            cmd("create /cli_smoke", "name = /cli_smoke")
            cmd("set /cli_smoke hello", "/cli_smoke: rc = 0")
            self.assertEqual(zk.get("/cli_smoke")[0], b"hello")
            cmd("get /cli_smoke", "hello")
            cmd("create +e /cli_smoke/eph", "name = /cli_smoke/eph")
            cmd("create +s /cli_smoke/seq-", "name = /cli_smoke/seq-0000000001")
            cmd("ls /cli_smoke", "seq-0000000001")
            self.assertNotEqual(zk.exists("/cli_smoke/eph").ephemeralOwner, 0)
            cmd("delete /cli_smoke", "/cli_smoke: rc = -111")      # ZNOTEMPTY
            proc.stdin.write(b"quit\n")
            proc.stdin.flush()
            self.assertEqual(proc.wait(timeout=15), 0)
            out.join(5.0)
            # quit closed the session: its ephemeral is gone, the rest stays
            self.assertIsNone(zk.exists("/cli_smoke/eph"))
            self.assertEqual(zk.get_children("/cli_smoke"), ["seq-0000000001"])
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait(timeout=5)
            for s in (proc.stdin, proc.stdout, proc.stderr):
                try:
                    s.close()
                except OSError:
                    pass


if __name__ == "__main__":
    zlharness.main()
