#!/usr/bin/python3
"""Four-letter words, as monitoring scripts use them (plain text over a raw socket)."""

import os
import re
import unittest

import zlharness
from zlharness import four_letter_word


def srvr_fields(text):
    fields = {}
    for line in text.splitlines():
        if ": " in line:
            k, v = line.split(": ", 1)
            fields[k] = v
    return fields


def mntr_fields(text):
    out = {}
    for line in text.splitlines():
        if "\t" in line:
            k, v = line.split("\t", 1)
            out[k] = v
    return out


NOT_WHITELISTED = "%s is not executed because it is not in the whitelist.\n"


class DefaultWhitelist(zlharness.ServerTestCase):
    """No 4lw.commands.whitelist in zoo.cfg: only srvr runs."""

    def test_0_fresh_server_srvr(self):
        text = four_letter_word(self.server.port, "srvr")
        lines = text.splitlines()
        self.assertTrue(lines[0].startswith("Zookeeper version: "), lines[0])
        f = srvr_fields(text)
        self.assertEqual(f.get("Mode"), "standalone")
        self.assertEqual(f.get("Zxid"), "0x0")
        # /, /zookeeper, /zookeeper/quota, /zookeeper/config -- and Apache counts the root
        # twice (as "" and "/"), so a fresh server reports 5
        self.assertEqual(f.get("Node count"), "5")
        self.assertRegex(f.get("Latency min/avg/max", ""), r"^\d+/\d+(\.\d+)?/\d+$")
        for key in ("Received", "Sent", "Connections", "Outstanding"):
            self.assertRegex(f.get(key, ""), r"^\d+$", key)
        self.assertTrue(text.endswith("\n"))

    def test_srvr_tracks_zxid_and_node_count(self):
        zk = self.client()
        before = srvr_fields(four_letter_word(self.server.port, "srvr"))
        root = self.root(zk)
        zk.create(root + "/a")
        czxid = zk.exists(root + "/a").czxid
        after = srvr_fields(four_letter_word(self.server.port, "srvr"))
        self.assertRegex(after["Zxid"], r"^0x[0-9a-f]+$")
        self.assertGreaterEqual(int(after["Zxid"], 16), czxid)
        self.assertGreater(int(after["Zxid"], 16), int(before["Zxid"], 16))
        self.assertEqual(int(after["Node count"]), int(before["Node count"]) + 2)

    def test_other_words_are_refused_with_a_message(self):
        for word in ("ruok", "stat", "mntr", "conf", "cons", "isro", "wchs", "dump", "envi"):
            self.assertEqual(four_letter_word(self.server.port, word), NOT_WHITELISTED % word)

    def test_unknown_word_just_closes(self):
        self.assertEqual(four_letter_word(self.server.port, "abcd"), "")
        self.assertTrue(four_letter_word(self.server.port, "srvr").startswith("Zookeeper version:"))


class AllWords(zlharness.ServerTestCase):
    EXTRA_CFG = {"4lw.commands.whitelist": "*"}

    def test_ruok(self):
        self.assertEqual(four_letter_word(self.server.port, "ruok"), "imok")

    def test_isro(self):
        self.assertEqual(four_letter_word(self.server.port, "isro"), "rw")

    def test_srvr_and_stat(self):
        f = srvr_fields(four_letter_word(self.server.port, "srvr"))
        self.assertEqual(f["Mode"], "standalone")
        zk = self.client()
        text = four_letter_word(self.server.port, "stat")
        lines = text.splitlines()
        self.assertTrue(lines[0].startswith("Zookeeper version: "))
        self.assertEqual(lines[1], "Clients:")
        self.assertTrue(any(re.match(r"^ /127\.0\.0\.1:\d+\[\d+\]\(", l) for l in lines), text)
        self.assertIn("Mode: standalone", lines)
        self.assertTrue(zk.connected)

    def test_mntr(self):
        zk = self.client()
        root = self.root(zk)
        zk.create(root + "/e", ephemeral=True)
        zk.get(root, watch=lambda ev: None)
        m = mntr_fields(four_letter_word(self.server.port, "mntr"))
        self.assertEqual(m.get("zk_server_state"), "standalone")
        self.assertTrue(m.get("zk_version", "").startswith("3."), m.get("zk_version"))
        for key in ("zk_avg_latency", "zk_max_latency", "zk_min_latency", "zk_packets_received",
                    "zk_packets_sent", "zk_num_alive_connections", "zk_outstanding_requests",
                    "zk_znode_count", "zk_watch_count", "zk_ephemerals_count",
                    "zk_approximate_data_size", "zk_open_file_descriptor_count",
                    "zk_max_file_descriptor_count"):
            self.assertIn(key, m)
            self.assertRegex(m[key], r"^-?\d+(\.\d+)?$", key)
        self.assertGreaterEqual(int(m["zk_ephemerals_count"]), 1)
        self.assertGreaterEqual(int(m["zk_watch_count"]), 1)
        self.assertGreaterEqual(int(m["zk_num_alive_connections"]), 1)
        srvr = srvr_fields(four_letter_word(self.server.port, "srvr"))
        self.assertEqual(m["zk_znode_count"], srvr["Node count"])

    def test_conf(self):
        text = four_letter_word(self.server.port, "conf")
        conf = dict(l.split("=", 1) for l in text.splitlines() if "=" in l)
        self.assertEqual(conf.get("clientPort"), str(self.server.port))
        self.assertEqual(conf.get("tickTime"), "2000")
        self.assertEqual(conf.get("minSessionTimeout"), "4000")
        self.assertEqual(conf.get("maxSessionTimeout"), "40000")

    def test_wchs(self):
        zk = self.client()
        root = self.root(zk)
        zk.create(root + "/w1")
        zk.get(root + "/w1", watch=lambda ev: None)
        zk.get_children(root, watch=lambda ev: None)
        text = four_letter_word(self.server.port, "wchs")
        m = re.match(r"^(\d+) connections watching (\d+) paths\nTotal watches:(\d+)\n$", text)
        self.assertIsNotNone(m, repr(text))
        # Apache's wchs summarises the *data* watch table only (DataTree.getWatchesSummary returns
        # dataWatches' summary; child watches are not counted), 3.8.0 through 3.8.4
        self.assertEqual((int(m.group(1)), int(m.group(2)), int(m.group(3))), (1, 1, 1))
        zk.exists(root + "/w2", watch=lambda ev: None)     # exists watch on a missing node
        text = four_letter_word(self.server.port, "wchs")
        self.assertEqual(text, "1 connections watching 2 paths\nTotal watches:2\n")

    def test_dirs(self):
        # dataDir alone (no dataLogDir): both sizes are the bytes of the files below
        # <dataDir>/version-2 as the file system reports them (Apache's log padding included).
        zk = self.client()
        root = self.root(zk)
        for i in range(5):
            zk.create("%s/d%d" % (root, i), b"x" * 100)
        version2 = os.path.join(self.server.tmpdir, "data", "version-2")
        total = sum(os.path.getsize(os.path.join(d, f)) for d, _, files in os.walk(version2) for f in files)
        self.assertGreater(total, 0)
        self.assertEqual(four_letter_word(self.server.port, "dirs"),
                         "datadir_size: %d\nlogdir_size: %d\n" % (total, total))

    def test_hash(self):
        # Every 128th zxid's digest, oldest first, "<hex zxid>: <signed decimal>".
        zk = self.client()
        root = self.root(zk)
        for i in range(130):
            zk.create("%s/h%d" % (root, i))
        lines = four_letter_word(self.server.port, "hash").splitlines()
        self.assertTrue(lines)
        zxids = []
        for line in lines:
            m = re.match(r"^([0-9a-f]+): (-?\d+)$", line)
            self.assertIsNotNone(m, line)
            zxids.append(int(m.group(1), 16))
        self.assertTrue(all(z % 128 == 0 for z in zxids), zxids)
        self.assertEqual(zxids, sorted(zxids))


class ListedWords(zlharness.ServerTestCase):
    EXTRA_CFG = {"4lw.commands.whitelist": "srvr, ruok"}

    def test_listed_and_unlisted(self):
        self.assertEqual(four_letter_word(self.server.port, "ruok"), "imok")
        self.assertTrue(four_letter_word(self.server.port, "srvr").startswith("Zookeeper version:"))
        self.assertEqual(four_letter_word(self.server.port, "mntr"), NOT_WHITELISTED % "mntr")


if __name__ == "__main__":
    zlharness.main()
