#!/usr/bin/env python3
"""The exercises' C++ reference solutions (labs/exercises/solution/cpp, built by CMake as
lab-dqueue, lab-barrier, lab-unique_ids, lab-messaging) against a real zablab-server: the same properties the
kazoo solutions' tests check, driven through the programs' command lines.
LAB_CPP_<name> (CMake sets them) or build/labs/tests/lab-<name> name the binaries."""

import os
import select
import subprocess
import time
import unittest

import labtest

REPO = os.path.dirname(labtest.LABS)


def prog(name):
    path = os.environ.get("LAB_CPP_" + name) or os.path.join(REPO, "build", "labs", "tests", "lab-" + name)
    if not os.access(path, os.X_OK):
        raise unittest.SkipTest("not built: " + path)
    return path


class CppSolutions(labtest.LabTestCase):

    def run_prog(self, *args, timeout=60):
        p = subprocess.run(list(args), capture_output=True, text=True, timeout=timeout)
        return p.returncode, p.stdout, p.stderr

    def spawn(self, *args):
        p = subprocess.Popen(list(args), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
        self.addCleanup(lambda: p.poll() is None and p.kill())
        return p

    def test_queue_each_item_once_in_order(self):
        q = prog("dqueue")
        hosts = self.server.hosts
        consumers = [self.spawn(q, hosts, "/q", "take", "15", "20") for _ in range(2)]
        items = ["item-%02d" % i for i in range(30)]
        rc, out, err = self.run_prog(q, hosts, "/q", "put", *items)
        self.assertEqual(rc, 0, err)
        got = []
        for c in consumers:
            out, err = c.communicate(timeout=30)
            self.assertEqual(c.returncode, 0, err)
            mine = out.split()
            self.assertEqual(mine, sorted(mine), "a consumer got items out of order")
            got += mine
        self.assertEqual(sorted(got), items)  # every item, exactly once
        # An empty queue: take waits (on a watch) and gives up at its timeout.
        rc, out, err = self.run_prog(q, hosts, "/q", "take", "1", "0.5")
        self.assertEqual(rc, 3)

    def test_barrier_and_double_barrier(self):
        b = prog("barrier")
        hosts = self.server.hosts
        self.assertEqual(self.run_prog(b, hosts, "hold", "/gate")[0], 0)
        waiter = self.spawn(b, hosts, "wait", "/gate", "20")
        time.sleep(0.5)
        self.assertIsNone(waiter.poll(), "passed a barrier that is up")
        self.assertEqual(self.run_prog(b, hosts, "remove", "/gate")[0], 0)
        out, err = waiter.communicate(timeout=20)
        self.assertEqual((waiter.returncode, out.strip()), (0, "passed"), err)

        members = []
        for i in range(3):
            members.append((time.monotonic(), self.spawn(b, hosts, "double", "/round1", "3", "m%d" % i, "0.2")))
            time.sleep(0.4)
            if i < 2:
                for _, m in members:
                    self.assertIsNone(m.poll(), "a member passed enter before all 3 arrived")
        for _, m in members:
            out, err = m.communicate(timeout=20)
            self.assertEqual((m.returncode, out.split()), (0, ["entered", "left"]), err)

    def read_line(self, p, timeout=20):
        """One line of p's stdout, or fail after timeout (never hang the suite). Reads the pipe's
        file descriptor a byte at a time: select() on a buffered reader would miss lines the
        reader had already pulled in, and communicate() later still sees everything after."""
        fd = p.stdout.fileno()
        deadline = time.monotonic() + timeout
        line = b""
        while not line.endswith(b"\n"):
            left = deadline - time.monotonic()
            ready, _, _ = select.select([fd], [], [], max(left, 0))
            self.assertTrue(ready, "no output within %ss" % timeout)
            byte = os.read(fd, 1)
            self.assertTrue(byte, "the program ended early")
            line += byte
        return line.decode()

    def test_unique_ids_recycled_when_owner_dies(self):
        u = prog("unique_ids")
        hosts = self.server.hosts
        # A takes all 8 IDs of a small pool (the same code as 1..1024, faster to exhaust).
        a = self.spawn(u, hosts, "/ids", "8", "8", "2000")
        ids = [int(self.read_line(a).split()[1]) for _ in range(8)]
        self.assertEqual(sorted(ids), list(range(1, 9)))
        # B waits for a free ID; A dies without releasing; after A's session expires B gets one.
        b = self.spawn(u, hosts, "/ids", "1", "8", "2000")
        time.sleep(0.5)
        a.kill()
        a.wait()
        line = self.read_line(b, 15)
        self.assertTrue(line.startswith("id "), line)
        self.assertIn(int(line.split()[1]), range(1, 9))
        b.stdin.write("\n")
        b.stdin.flush()
        out, err = b.communicate(timeout=10)
        self.assertIn("released 1", out)

    def test_unique_ids_1_to_1024(self):
        u = prog("unique_ids")
        c = self.spawn(u, self.server.hosts, "/ids1024", "1024", "1024")
        got = [int(self.read_line(c, 30).split()[1]) for _ in range(1024)]
        self.assertEqual(sorted(got), list(range(1, 1025)))
        c.stdin.write("\n")
        c.stdin.flush()
        out, err = c.communicate(timeout=20)
        self.assertIn("released 1024", out)


    def test_messaging_in_order_exactly_once(self):
        m = prog("messaging")
        hosts = self.server.hosts
        receiver = self.spawn(m, hosts, "receive", "bob", "20", "30")
        a = self.spawn(m, hosts, "send", "alice", "bob", *["a%d" % i for i in range(10)])
        c = self.spawn(m, hosts, "send", "carol", "bob", *["c%d" % i for i in range(10)])
        for s in (a, c):
            out, err = s.communicate(timeout=30)
            self.assertEqual(s.returncode, 0, err)
            self.assertEqual(out.split(), [str(i) for i in range(1, 11)])  # seqs 1..10
        out, err = receiver.communicate(timeout=30)
        self.assertEqual(receiver.returncode, 0, err)
        got = [line.split() for line in out.splitlines()]
        self.assertEqual(len(got), 20)
        for sender, prefix in (("alice", "a"), ("carol", "c")):
            mine = [g for g in got if g[0] == sender]
            # Each message once, in the order sent.
            self.assertEqual([g[2] for g in mine], ["%s%d" % (prefix, i) for i in range(10)])
            self.assertEqual([int(g[1]) for g in mine], list(range(1, 11)))
        # Everything acknowledged: nothing more comes (exit 3 at the timeout).
        rc, out, err = self.run_prog(m, hosts, "receive", "bob", "1", "0.5")
        self.assertEqual((rc, out), (3, ""), err)

    def test_messaging_survives_the_sender_and_keeps_seqs(self):
        m = prog("messaging")
        hosts = self.server.hosts
        # A sender restarted (a new process) continues its seqs from ZooKeeper, not from 1.
        self.assertEqual(self.run_prog(m, hosts, "send", "dave", "erin", "x")[1].split(), ["1"])
        self.assertEqual(self.run_prog(m, hosts, "send", "dave", "erin", "y", "z")[1].split(), ["2", "3"])
        rc, out, err = self.run_prog(m, hosts, "receive", "erin", "3", "10")
        self.assertEqual(rc, 0, err)
        self.assertEqual(out.split(), ["dave", "1", "x", "dave", "2", "y", "dave", "3", "z"])

if __name__ == "__main__":
    labtest.main()
