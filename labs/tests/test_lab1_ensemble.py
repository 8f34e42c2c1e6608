#!/usr/bin/env python3
"""Lab 1 part C: the handout's ensemble commands as printed (scripts/ensemble.sh start, status,
cat var/ensemble/zoo1.cfg), then C2 (write through server 1, read through server 3) and C3 (kill
the leader: a new one is elected and the znode survives). The script runs from a copy in a temp
dir, so var/ensemble/ is made there, with ZABLAB_ENSEMBLE_PORT_OFFSET moving every port to a free
range. ZABLAB_SERVER names the server binary."""

import os
import re
import shutil
import socket
import subprocess
import tempfile
import time
import unittest

import labtest

SCRIPT = os.path.join(labtest.REPO, "scripts", "ensemble.sh")
SERVER = os.environ.get("ZABLAB_SERVER") or os.path.join(labtest.REPO, "build", "apps", "zablab-server")


def free_offset():
    """An offset K with 2181+K..2183+K, 2888+K..2890+K and 3888+K..3890+K all free on 127.0.0.1."""
    for k in range(20000 + os.getpid() % 997 * 7, 60000, 131):
        socks = []
        try:
            for base in (2181, 2888, 3888):
                for i in range(3):
                    s = socket.socket()
                    socks.append(s)
                    s.bind(("127.0.0.1", base + k + i))
            return k
        except OSError:
            continue
        finally:
            for s in socks:
                s.close()
    raise RuntimeError("no free port range for the ensemble")


class Lab1Ensemble(unittest.TestCase):

    def setUp(self):
        if not os.access(SERVER, os.X_OK):
            self.skipTest("zablab-server not built: " + SERVER)
        self.tmp = tempfile.mkdtemp(prefix="zablab-lab1-ensemble-")
        os.makedirs(os.path.join(self.tmp, "scripts"))
        shutil.copy(SCRIPT, os.path.join(self.tmp, "scripts", "ensemble.sh"))
        self.offset = free_offset()
        self.env = dict(os.environ, ZABLAB_SERVER=SERVER, ZABLAB_ENSEMBLE_PORT_OFFSET=str(self.offset))

    def tearDown(self):
        self.sh("scripts/ensemble.sh stop")
        shutil.rmtree(self.tmp, ignore_errors=True)

    def sh(self, command):
        p = subprocess.run(["bash", "-c", command], cwd=self.tmp, env=self.env, capture_output=True, text=True,
                           timeout=60)
        return p.returncode, p.stdout + p.stderr

    def modes(self):
        _, out = self.sh("scripts/ensemble.sh status")
        return dict((int(m.group(1)), (int(m.group(2)), m.group(3)))
                    for m in re.finditer(r"server (\d) \(pid (\d+), [^)]*\): (\w+)", out)), out

    @staticmethod
    def read_via(port, path):
        """sync + get through one server: it has every write committed before the sync."""
        zk = labtest.kazoo_client("127.0.0.1:%d" % port)
        try:
            zk.sync(path)
            return zk.get(path)[0]
        finally:
            labtest.close_client(zk)

    def test_part_c_as_printed(self):
        with open(os.path.join(labtest.LAB1, "README.md"), encoding="utf-8") as f:
            handout = f.read()
        part_c = handout[handout.index("## Part C"):handout.index("## Part D")]
        block = re.findall(r"```sh\n(.*?)```", part_c, re.S)[0]
        commands = [l.split("#")[0].strip() for l in block.splitlines() if l.split("#")[0].strip()]
        self.assertEqual(commands, ["scripts/ensemble.sh start", "scripts/ensemble.sh status",
                                    "cat var/ensemble/zoo1.cfg"])
        outputs = []
        for command in commands:
            rc, out = self.sh(command)
            self.assertEqual(rc, 0, "%s:\n%s" % (command, out))
            outputs.append(out)
        self.assertIn("server.3=127.0.0.1:%d:%d" % (2890 + self.offset, 3890 + self.offset), outputs[2])
        modes, status = self.modes()
        self.assertEqual(sorted(m for _, m in modes.values()), ["follower", "follower", "leader"], status)

        # C2: write through server 1, read through server 3.
        port = {i: 2180 + self.offset + i for i in (1, 2, 3)}
        zk1 = labtest.kazoo_client("127.0.0.1:%d" % port[1])
        try:
            zk1.create("/part-c", b"written via server 1")
        finally:
            labtest.close_client(zk1)
        self.assertEqual(self.read_via(port[3], "/part-c"), b"written via server 1")

        # C3: kill the leader; `status` shows a new one, and the znode is still there.
        old = next(i for i, (_, m) in modes.items() if m == "leader")
        os.kill(modes[old][0], 15)
        deadline = time.monotonic() + 30
        while True:
            modes, status = self.modes()
            now = sorted(m for _, m in modes.values())
            if now == ["follower", "leader"]:
                break
            self.assertLess(time.monotonic(), deadline, "no new leader within 30 s:\n" + status)
            time.sleep(0.2)
        survivor = next(i for i in modes if i != old)
        self.assertEqual(self.read_via(port[survivor], "/part-c"), b"written via server 1")


if __name__ == "__main__":
    labtest.main()
