#!/usr/bin/env python3
"""Lab 3: every command of the handout that runs headless, and the answers' key facts.

Runs each scenario of labs/lab3-zab-viz/scenarios with `zablab-sim run` (plain and --verbose),
checks that it passes, and that the timeline says what ANSWERS.md claims (who wins, which sync
mode, which zxids, the TRUNC target; scenario 1 also as the power-off the handout asks students to
try); renders a zablab-viz screenshot of each under xvfb-run when both are available. ZABLAB_SIM / ZABLAB_VIZ name the binaries (CMake sets them; default
build/apps/...).
"""

import os
import re
import shutil
import tempfile
import unittest

import labtest

SCENARIOS = (1, 2, 3, 4, 5)

REPO, SIM, VIZ, run = labtest.REPO, labtest.SIM, labtest.VIZ, labtest.run
LAB3 = os.path.join(labtest.LABS, "lab3-zab-viz")


def scenario(n):
    for name in sorted(os.listdir(os.path.join(LAB3, "scenarios"))):
        if name.startswith("%d-" % n):
            return os.path.join("labs", "lab3-zab-viz", "scenarios", name)
    raise AssertionError("no scenario %d" % n)


class Lab3(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        if not os.access(SIM, os.X_OK):
            raise unittest.SkipTest("zablab-sim not built: " + SIM)
        cls.out, cls.verbose = {}, {}
        for n in SCENARIOS:
            rc, out = run(SIM, "run", scenario(n))
            assert rc == 0, "scenario %d failed:\n%s" % (n, out[-3000:])
            cls.out[n] = out
            rc, out = run(SIM, "run", scenario(n), "--verbose")
            assert rc == 0, "scenario %d --verbose failed" % n
            cls.verbose[n] = out

    def has(self, n, pattern, verbose=False):
        text = (self.verbose if verbose else self.out)[n]
        self.assertRegex(text, pattern, "scenario %d: the answers claim /%s/" % (n, pattern))

    def test_handout_commands_are_the_ones_we_run(self):
        with open(os.path.join(LAB3, "README.md"), encoding="utf-8") as f:
            handout = f.read()
        for n in SCENARIOS:
            self.assertIn(os.path.basename(scenario(n)), handout)
        self.assertIn("build/apps/sim/zablab-sim run labs/lab3-zab-viz/scenarios/1-leader-crash-inflight.scn",
                      handout)
        self.assertIn("build/apps/viz/zablab-viz --scenario labs/lab3-zab-viz/scenarios/", handout)

    def test_every_run_passes(self):
        for n in SCENARIOS:
            self.assertIn("verdict: PASS", self.out[n])

    def test_scenario1_facts(self):
        self.has(1, r"s3 +-> s2 PROPOSAL 0x100000003 LOST", verbose=True)
        self.has(1, r"create /x -> ConnectionLoss")
        self.has(1, r"kill leader as old +\[kill s3\]")
        self.has(1, r"s3 +is down \(kill\)")
        self.has(1, r"s1 +FOLLOWING -> LOOKING \(lost the connection to leader 3\)")
        self.has(1, r"s2 +FOLLOWING -> LOOKING \(leader 3 silent for")
        self.has(1, r"s1 +LOOKING -> LEADING \(elected with zxid 0x100000003\)")
        self.has(1, r"s1 +syncs s2 with DIFF \(it has 0x100000002, the leader 0x100000003\)")
        self.has(1, r"s2 +-> s1 ACKEPOCH 0x100000002", verbose=True)
        self.has(1, r"s1 +-> s2 DIFF[^\n]*\n[^\n]*s1 +-> s2 PROPOSAL 0x100000003\n[^\n]*s1 +-> s2 COMMIT 0x100000003\n"
                    r"[^\n]*s1 +-> s2 NEWLEADER 0x200000000", verbose=True)
        # The kill kept s3's un-fsynced append in the page cache: an empty DIFF.
        self.has(1, r"s1 +syncs s3 with DIFF \(it has 0x100000003, the leader 0x100000003\)")

    def test_scenario1_as_a_power_off(self):
        # Question 7: the handout's sed command turns the kill into a power-off.
        with open(os.path.join(REPO, scenario(1)), encoding="utf-8") as f:
            text = f.read()
        self.assertIn("kill leader", text)
        with tempfile.TemporaryDirectory() as tmp:
            scn = os.path.join(tmp, "power-off.scn")
            with open(scn, "w", encoding="utf-8") as f:
                f.write(text.replace("kill leader", "power-off leader"))
            rc, out = run(SIM, "run", scn)
        self.assertEqual(rc, 0, out[-3000:])
        self.assertRegex(out, r"s1 +FOLLOWING -> LOOKING \(leader 3 silent for 2621 ms\)")
        self.assertRegex(out, r"s1 +LOOKING -> LEADING \(elected with zxid 0x100000003\)")
        # The power loss took s3's un-fsynced append of /x.
        self.assertRegex(out, r"s1 +syncs s3 with DIFF \(it has 0x100000002, the leader 0x100000003\)")
        self.assertNotIn("lost the connection to leader 3", out)

    def test_scenario2_facts(self):
        self.has(2, r"kill follower as f +\[kill s1\]")
        self.has(2, r"s3 +syncs s1 with DIFF \(it has 0x100000016, the leader 0x100000053\)")
        self.has(2, r"s3 +-> s1 LEADERINFO 0x100000000", verbose=True)
        self.has(2, r"s1 +-> s3 ACKEPOCH 0x100000016", verbose=True)
        # 0x53 - 0x16 = 61 transactions as PROPOSAL + COMMIT pairs between DIFF and NEWLEADER
        v = self.verbose[2]
        start = v.rindex("s3      -> s1 DIFF")  # the rejoin, not the first sync at 0.2 s
        end = v.index("s3      -> s1 NEWLEADER", start)
        self.assertEqual(len(re.findall(r"s3 +-> s1 PROPOSAL", v[start:end])), 0x53 - 0x16)
        self.assertEqual(len(re.findall(r"s3 +-> s1 COMMIT", v[start:end])), 0x53 - 0x16)
        self.assertNotIn("SNAP", self.out[2].split("restart f")[1])

    def test_scenario3_facts(self):
        self.has(3, r"s3 +syncs s1 with SNAP \(it has 0x0, the leader 0x1000002be\)")
        self.has(3, r"s1 +loads a SNAP of the leader's tree at 0x1000002be")

    def test_scenario4_facts(self):
        self.has(4, r"s3 +is down \(power-off\)")
        self.has(4, r"create /lost -> ConnectionLoss")
        self.has(4, r"s2 +LOOKING -> LEADING \(elected with zxid 0x100000002\)")
        self.has(4, r"setData /a -> Ok \(zxid 0x200000002\)")
        self.has(4, r"zab.propose \{\"zxid\":\"0x200000001\",\"type\":\"createSession\"", verbose=True)
        self.has(4, r"s3 +-> s2 ACKEPOCH 0x100000003", verbose=True)

    def test_scenario4_old_epoch_gets_a_snap_as_in_zookeeper(self):
        # ZooKeeper 3.8 never TRUNCs across an epoch boundary (LearnerHandler
        # .queueCommittedProposals): s3's 0x100000003 is of epoch 1, the leader's next txn of
        # epoch 2, so s3 gets a SNAP. ANSWERS.md says so.
        self.has(4, r"s2 +syncs s3 with SNAP \(it has 0x100000003, the leader 0x200000002\)")
        self.assertNotRegex(self.verbose[4], r"s2 +-> s3 TRUNC")

    def test_scenario5_facts(self):
        self.has(5, r"s2 +LOOKING -> LEADING \(elected with zxid 0x100000002\)")
        self.has(5, r"s2 +syncs s3 with TRUNC \(it has 0x100000003, the leader 0x100000002\)")
        self.has(5, r"s3 +-> s2 ACKEPOCH 0x100000003", verbose=True)
        self.has(5, r"s2 +-> s3 TRUNC 0x100000002", verbose=True)
        self.has(5, r"expect  ok: expect /lost missing on all")
        self.assertNotRegex(self.verbose[5], r"PROPOSAL 0x2")  # nothing written in epoch 2

    def test_answers_name_what_the_runs_show(self):
        with open(os.path.join(LAB3, "ANSWERS.md"), encoding="utf-8") as f:
            answers = " ".join(f.read().split())  # line breaks do not matter
        for fact in ("s1 wins with zxid `0x100000003`",
                     "s1 syncs s2 with DIFF (it has 0x100000002, the leader 0x100000003)",
                     "ACKEPOCH `0x100000002`",
                     "s3 syncs s1 with DIFF (it has 0x100000016, the leader 0x100000053)",
                     "s3 syncs s1 with SNAP (it has 0x0, the leader 0x1000002be)",
                     "s1 syncs s3 with DIFF (it has 0x100000003, the leader 0x100000003)",
                     "s1 syncs s3 with DIFF (it has 0x100000002, the leader 0x100000003)",
                     "leader 3 silent for 2621 ms",
                     "s2 syncs s3 with SNAP (it has 0x100000003, the leader 0x200000002)",
                     "s2 syncs s3 with TRUNC (it has 0x100000003, the leader 0x100000002)",
                     "`s2 -> s3 TRUNC 0x100000002`", "create /lost -> ConnectionLoss",
                     "kill follower as f [kill s1]"):
            self.assertIn(fact, answers)

    def test_visualizer_screenshots(self):
        if not os.access(VIZ, os.X_OK) or not shutil.which("xvfb-run"):
            self.skipTest("zablab-viz or xvfb-run not available")
        with tempfile.TemporaryDirectory() as tmp:
            for n, at in ((1, 1130), (4, 4970), (5, 3960)):
                png = os.path.join(tmp, "s%d.png" % n)
                rc, out = run("xvfb-run", "-a", "-s", "-screen 0 1280x800x24", VIZ, "--scenario", scenario(n),
                              "--at", str(at), "--screenshot", png, timeout=180)
                self.assertEqual(rc, 0, out[-2000:])
                self.assertGreater(os.path.getsize(png), 10000)


if __name__ == "__main__":
    labtest.main()
