#!/usr/bin/env python3
"""Lab 2's battle royale (harness/battle_royale.py): two entries face the same harness run, and the
reference recipe outranks the naive election (same safety, but a herd), with the table and the
JSON saying why. Each entry gets its own zablab-server (ZABLAB_SERVER, set by CMake)."""

import json
import os
import subprocess
import sys
import tempfile
import unittest

import labtest

HARNESS = os.path.join(labtest.LAB2, "harness", "battle_royale.py")
NAIVE = os.path.join(labtest.LAB2, "solution", "naive.py")
RECIPE = os.path.join(labtest.LAB2, "solution", "candidate.py")


class BattleRoyale(unittest.TestCase):

    def test_the_recipe_beats_the_naive_election(self):
        if not os.access(labtest.labserver.default_server_binary() or "", os.X_OK):
            self.skipTest("zablab-server not built (set ZABLAB_SERVER)")
        with tempfile.TemporaryDirectory() as tmp:
            table = os.path.join(tmp, "ranking.json")
            p = subprocess.run([sys.executable, HARNESS, "--rounds", "2", "--n", "3", "--json", table, NAIVE, RECIPE],
                               capture_output=True, text=True, timeout=150)
            self.assertEqual(p.returncode, 0, p.stdout[-3000:] + p.stderr[-3000:])
            with open(table, encoding="utf-8") as f:
                ranking = json.load(f)["ranking"]
        self.assertEqual([r["entry"] for r in ranking], ["candidate.py", "naive.py"], p.stdout)
        best, naive = ranking
        self.assertEqual(best["violations"], 0, best)
        self.assertEqual(naive["safety_violations"], 0, naive)  # the naive election is safe ...
        self.assertGreater(naive["max_watchers"], 1)            # ... but every candidate watches one node
        self.assertIsNotNone(best["recovery_term_s"])
        # Taken over after a clean exit before the old session could have expired (the chaos
        # phase's session timeout, 2 s): the leader's znode went with its close, not by expiry.
        self.assertLess(best["recovery_term_s"], 2.0)
        self.assertRegex(p.stdout, r"\n1 +candidate\.py")
        self.assertIn("naive.py: first violation: herd effect", p.stdout)


if __name__ == "__main__":
    labtest.main()
