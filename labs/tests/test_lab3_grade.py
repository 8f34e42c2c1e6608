#!/usr/bin/env python3
"""Lab 3's autograder (labs/lab3-zab-viz/grade.py): its key comes from the runs, the key itself
scores full marks, wrong and blank answers lose exactly their points, and the template lists
every fact the grader checks. ZABLAB_SIM names the simulator (CMake sets it)."""

import os
import re
import sys
import tempfile
import unittest

import labtest

SIM = labtest.SIM
LAB3 = os.path.join(labtest.LABS, "lab3-zab-viz")
GRADE = os.path.join(LAB3, "grade.py")


def grade(*args):
    return labtest.run(sys.executable, GRADE, "--sim", SIM, *args)


class Lab3Grade(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        if not os.access(SIM, os.X_OK):
            raise unittest.SkipTest("zablab-sim not built: " + SIM)
        rc, cls.key = grade("--key")
        assert rc == 0, cls.key

    def write(self, tmp, text):
        path = os.path.join(tmp, "answers.txt")
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        return path

    def test_key_is_read_off_the_runs(self):
        # A few facts ANSWERS.md states, as the runs show them today.
        self.assertRegex(self.key, r"1\.new_leader +?= s1 ")
        self.assertRegex(self.key, r"2\.missed +?= 61 ")
        self.assertRegex(self.key, r"3\.mode +?= SNAP ")
        self.assertRegex(self.key, r"5\.trunc_to +?= 0x100000002 ")

    def test_the_key_scores_full_marks(self):
        with tempfile.TemporaryDirectory() as tmp:
            rc, out = grade(self.write(tmp, self.key))
        self.assertEqual(rc, 0, out)
        self.assertIn("score: 60 / 60", out)

    def test_wrong_and_blank_answers_lose_their_points_only(self):
        text = re.sub(r"(1\.new_leader +?= )s1", r"\g<1>s2", self.key)          # wrong server
        text = re.sub(r"(2\.missed +?= )61", r"\g<1>", text)                    # blank
        text = re.sub(r"(5\.trunc_to +?= )0x100000002", r"\g<1>0x0100000002", text)  # same zxid, other spelling
        text = text.replace("3.mode ", "3.mdoe ")                                # typo'd key
        with tempfile.TemporaryDirectory() as tmp:
            rc, out = grade(self.write(tmp, text))
        self.assertEqual(rc, 1, out)
        self.assertIn("score: 51 / 60", out)
        self.assertRegex(out, r"-- +1\.new_leader +s2")
        self.assertRegex(out, r"-- +2\.missed +\(blank\)")
        self.assertRegex(out, r"ok +5\.trunc_to")
        self.assertIn("3.mdoe", out)  # reported as not a fact of this lab
        self.assertNotIn("0x100000003", out.split("1.new_leader")[1].split("\n")[0])  # no answer given away

    def test_the_template_lists_every_fact(self):
        keys = re.findall(r"^(\S+) +=", self.key, re.M)
        with open(os.path.join(LAB3, "answers.txt"), encoding="utf-8") as f:
            template = re.findall(r"^(\d\.\S+) +=", f.read(), re.M)
        self.assertEqual(template, keys)
        rc, out = grade(os.path.join(LAB3, "answers.txt"))
        self.assertEqual(rc, 1)
        self.assertIn("score: 0 / 60", out)


if __name__ == "__main__":
    labtest.main()
