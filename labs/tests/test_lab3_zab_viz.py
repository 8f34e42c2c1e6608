#!/usr/bin/env python3
"""Lab 3: every command of the handout that runs headless, and the answers' key facts.

Runs each scenario of labs/lab3-zab-viz/scenarios with `zablab-sim run` (plain and --verbose),
checks that it passes, and that the timeline says what ANSWERS.md claims (who wins, which sync
mode, which zxids, the TRUNC target); renders a zablab-viz screenshot of each under xvfb-run
when both are available. ZABLAB_SIM / ZABLAB_VIZ name the binaries (CMake sets them; default
build/apps/...).
"""

import os
import re
import shutil
import subprocess
import tempfile
import unittest

import labtest

REPO = os.path.dirname(labtest.LABS)
LAB3 = os.path.join(labtest.LABS, "lab3-zab-viz")
SIM = os.environ.get("ZABLAB_SIM") or os.path.join(REPO, "build", "apps", "sim", "zablab-sim")
VIZ = os.environ.get("ZABLAB_VIZ") or os.path.join(REPO, "build", "apps", "viz", "zablab-viz")


def scenario(n):
    for name in sorted(os.listdir(os.path.join(LAB3, "scenarios"))):
        if name.startswith("%d-" % n):
            return os.path.join("labs", "lab3-zab-viz", "scenarios", name)
    raise AssertionError("no scenario %d" % n)


def run(*args, timeout=120):
    p = subprocess.run(list(args), cwd=REPO, capture_output=True, text=True, timeout=timeout)
    return p.returncode, p.stdout + p.stderr


class Lab3(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        if not os.access(SIM, os.X_OK):
            raise unittest.SkipTest("zablab-sim not built: " + SIM)
        cls.out, cls.verbose = {}, {}
        for n in (1, 2, 3, 4):
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
        for n in (1, 2, 3, 4):
            self.assertIn(os.path.basename(scenario(n)), handout)
        self.assertIn("build/apps/sim/zablab-sim run labs/lab3-zab-viz/scenarios/1-leader-crash-inflight.scn",
                      handout)
        self.assertIn("build/apps/viz/zablab-viz --scenario labs/lab3-zab-viz/scenarios/", handout)

    def test_every_run_passes(self):
        for n in (1, 2, 3, 4):
            self.assertIn("verdict: PASS", self.out[n])

    def test_scenario1_facts(self):
        self.has(1, r"s3 +-> s2 PROPOSAL 0x100000003 LOST", verbose=True)
        self.has(1, r"create /x -> ConnectionLoss")
        self.has(1, r"s1 +FOLLOWING -> LOOKING \(lost the connection to leader 3\)")
        self.has(1, r"s2 +FOLLOWING -> LOOKING \(leader 3 silent for")
        self.has(1, r"s1 +LOOKING -> LEADING \(elected with zxid 0x100000003\)")
        self.has(1, r"s1 +syncs s2 with DIFF \(it has 0x100000002, the leader 0x100000003\)")
        self.has(1, r"s2 +-> s1 ACKEPOCH 0x100000002", verbose=True)
        self.has(1, r"s1 +-> s2 DIFF[^\n]*\n[^\n]*s1 +-> s2 PROPOSAL 0x100000003\n[^\n]*s1 +-> s2 COMMIT 0x100000003\n"
                    r"[^\n]*s1 +-> s2 NEWLEADER 0x200000000", verbose=True)
        self.has(1, r"s1 +syncs s3 with DIFF \(it has 0x100000002, the leader 0x100000003\)")

    def test_scenario2_facts(self):
        self.has(2, r"crash follower as f +\[crash s1\]")
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
        self.has(4, r"create /lost -> ConnectionLoss")
        self.has(4, r"s2 +LOOKING -> LEADING \(elected with zxid 0x100000002\)")
        self.has(4, r"setData /a -> Ok \(zxid 0x200000002\)")
        self.has(4, r"zab.propose \{\"zxid\":\"0x200000001\",\"type\":\"createSession\"\}", verbose=True)
        self.has(4, r"s2 +syncs s3 with TRUNC\+DIFF \(it has 0x100000003, the leader 0x200000002\)")
        self.has(4, r"s3 +-> s2 ACKEPOCH 0x100000003", verbose=True)
        self.has(4, r"s2 +-> s3 TRUNC 0x100000002", verbose=True)

    def test_answers_name_what_the_runs_show(self):
        with open(os.path.join(LAB3, "ANSWERS.md"), encoding="utf-8") as f:
            answers = " ".join(f.read().split())  # line breaks do not matter
        for fact in ("s1 wins with zxid `0x100000003`",
                     "s1 syncs s2 with DIFF (it has 0x100000002, the leader 0x100000003)",
                     "ACKEPOCH `0x100000002`",
                     "s3 syncs s1 with DIFF (it has 0x100000016, the leader 0x100000053)",
                     "s3 syncs s1 with SNAP (it has 0x0, the leader 0x1000002be)",
                     "s2 syncs s3 with TRUNC+DIFF (it has 0x100000003, the leader 0x200000002)",
                     "`s2 -> s3 TRUNC 0x100000002`", "create /lost -> ConnectionLoss"):
            self.assertIn(fact, answers)

    def test_visualizer_screenshots(self):
        if not os.access(VIZ, os.X_OK) or not shutil.which("xvfb-run"):
            self.skipTest("zablab-viz or xvfb-run not available")
        with tempfile.TemporaryDirectory() as tmp:
            for n, at in ((1, 1130), (4, 4970)):
                png = os.path.join(tmp, "s%d.png" % n)
                rc, out = run("xvfb-run", "-a", "-s", "-screen 0 1280x800x24", VIZ, "--scenario", scenario(n),
                              "--at", str(at), "--screenshot", png, timeout=180)
                self.assertEqual(rc, 0, out[-2000:])
                self.assertGreater(os.path.getsize(png), 10000)


if __name__ == "__main__":
    labtest.main()
