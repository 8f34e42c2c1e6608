#!/usr/bin/env python3
"""Lab 4's autograder (labs/lab4-find-the-bug/grade.py) on a real shrunk scenario: a report that
matches the simulator scores 50, a wrong invariant, a wrong time and a wrong bug lose their
points, a missing scenario scores only the bug's existence. ZABLAB_SIM names the simulator."""

import glob
import os
import re
import sys
import tempfile
import unittest

import labtest

SIM, run = labtest.SIM, labtest.run
LAB4 = os.path.join(labtest.LABS, "lab4-find-the-bug")
GRADE = os.path.join(LAB4, "grade.py")
BUG = "commit-without-quorum"


class Lab4Grade(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        if not os.access(SIM, os.X_OK):
            raise unittest.SkipTest("zablab-sim not built: " + SIM)
        cls.tmp = tempfile.TemporaryDirectory()
        rc, out = run(SIM, "fuzz", "--seeds", "10", "--servers", "3", "--bug", BUG, "--out", cls.tmp.name)
        assert rc != 0, out
        cls.scn = glob.glob(os.path.join(cls.tmp.name, "fuzz-seed-*.scn"))[0]
        rc, replay = run(SIM, "run", cls.scn)
        cls.invariant = re.search(r"verdict: VIOLATION (\S+)", replay).group(1)
        cls.at = re.search(r"VIOLATION: seq \d+ at ([0-9.]+)s", replay).group(1)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def grade(self, **fields):
        values = dict(bug=BUG, scenario=os.path.basename(self.scn), invariant=self.invariant,
                      violation_at=self.at + "s")
        values.update(fields)
        path = os.path.join(self.tmp.name, "report.txt")  # beside the scenario: a relative path works
        with open(os.path.join(LAB4, "report.txt"), encoding="utf-8") as f:
            template = f.read()
        for k, v in values.items():
            template, n = re.subn(r"^%s =" % k, "%s = %s" % (k, v), template, flags=re.M)
            self.assertEqual(n, 1, "the template has no %s line" % k)
        with open(path, "w", encoding="utf-8") as f:
            f.write(template)
        return run(sys.executable, GRADE, "--sim", SIM, path)

    def test_a_true_report_scores_50(self):
        rc, out = self.grade()
        self.assertEqual(rc, 0, out)
        self.assertIn("score: 50 / 50", out)

    def test_a_wrong_invariant_or_time_loses_ten_each(self):
        rc, out = self.grade(invariant="zab.prefix-agreement", violation_at="%.3fms" % (float(self.at) * 1000 + 5))
        self.assertEqual(rc, 1)
        self.assertIn("score: 30 / 50", out)

    def test_the_time_may_be_given_in_ms(self):
        rc, out = self.grade(violation_at="%.3fms" % (float(self.at) * 1000))
        self.assertIn("score: 50 / 50", out)

    def test_a_bug_that_does_not_exist_or_a_scenario_that_does_not(self):
        rc, out = self.grade(bug="segfault")
        self.assertIn(" 0/5  the bug 'segfault' exists", out)
        rc, out = self.grade(scenario="nowhere.scn")
        self.assertIn("score: 5 / 50", out)


if __name__ == "__main__":
    labtest.main()
