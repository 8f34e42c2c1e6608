#!/usr/bin/python3
"""A member's epoch files (dataDir/version-2/currentEpoch and acceptedEpoch) are checked at start
as ZooKeeper 3.8's QuorumPeer.loadDataBase checks them: an unreadable file, a currentEpoch older
than the last logged zxid, or an acceptedEpoch below currentEpoch refuse the start, naming the
file; a currentEpoch.tmp left by an interrupted update supplies the newer epoch. Going on would
let the member forget an epoch it promised a leader.

    ZABLAB_SERVER=build/apps/zablab-server /usr/bin/python3 tests/integration/test_epoch_files.py
"""
import os
import unittest

import zlharness

EXIT_TIMEOUT = 20.0


class EpochFiles(unittest.TestCase):
    def setUp(self):
        self.ens = zlharness.EnsembleProcesses(3, 0, tick_time=200, label=self.id())
        self.addCleanup(self.ens.cleanup)
        self.ens.start()
        self.ens.wait_for_roles(timeout=30)
        zk = zlharness.kazoo_client(self.ens.hosts)
        try:
            for i in range(5):
                zk.create("/e%d" % i, b"x")
        finally:
            zk.stop()
            zk.close()
        for sid in self.ens.sids:
            self.ens.stop_member(sid)
        self.version_dir = os.path.join(self.ens.data_dir(1), "version-2")
        self.assertEqual(self.read("currentEpoch"), "1", "the first epoch after the first election")

    def read(self, name):
        with open(os.path.join(self.version_dir, name)) as f:
            return f.read().strip()

    def write(self, name, text):
        with open(os.path.join(self.version_dir, name), "w") as f:
            f.write(text)

    def start_refused(self, *words):
        """Start member 1 and require that it exits non-zero with every word in its log."""
        self.ens._spawn(1)
        code = self.ens.procs[1].wait(timeout=EXIT_TIMEOUT)
        log = self.ens._all_logs().lower()
        self.assertNotEqual(code, 0, "member 1 must refuse to start")
        for w in words:
            self.assertIn(w.lower(), log)

    def test_an_unreadable_current_epoch_refuses_the_start_naming_the_file(self):
        self.write("currentEpoch", "garbage")
        self.start_refused("currentEpoch", "garbage")

    def test_a_current_epoch_older_than_the_log_refuses_the_start(self):
        self.write("currentEpoch", "0")
        self.start_refused("is older than the last zxid")

    def test_an_accepted_epoch_below_the_current_epoch_refuses_the_start(self):
        self.write("acceptedEpoch", "0")
        self.start_refused("accepted epoch", "less than the current epoch")

    def test_the_tmp_file_of_an_interrupted_epoch_update_is_used_and_the_member_rejoins(self):
        self.write("currentEpoch", "0")
        self.write("currentEpoch.tmp", "1")
        for sid in self.ens.sids:
            self.ens.start_member(sid)
        self.ens.wait_for_roles(timeout=30)
        self.assertGreaterEqual(int(self.read("currentEpoch")), 1)
        zk = zlharness.kazoo_client(self.ens.hosts_of(1))
        try:
            zk.sync("/")
            self.assertEqual(sorted(c for c in zk.get_children("/") if c.startswith("e")),
                             ["e%d" % i for i in range(5)])
        finally:
            zk.stop()
            zk.close()


if __name__ == "__main__":
    zlharness.main()
