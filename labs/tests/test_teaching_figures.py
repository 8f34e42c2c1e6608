#!/usr/bin/env python3
"""The Zab primer's figures regenerate from Lab 3's scenarios: docs/teaching/make_figures.py finds
every figure's decisive step in its scenario and zablab-viz renders it (under xvfb-run, into a
temporary directory); the primer shows every figure that figures.txt lists."""

import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest

import labtest

REPO, SIM, VIZ = labtest.REPO, labtest.SIM, labtest.VIZ
TEACHING = os.path.join(REPO, "docs", "teaching")


def listed_figures():
    with open(os.path.join(TEACHING, "figures.txt"), encoding="utf-8") as f:
        return [line.split()[0] for line in f if line.strip() and not line.startswith("#")]


class TeachingFigures(unittest.TestCase):

    def test_the_primer_shows_every_listed_figure(self):
        with open(os.path.join(TEACHING, "zab-primer.md"), encoding="utf-8") as f:
            shown = set(re.findall(r"\(figures/([^)]+\.png)\)", f.read()))
        self.assertEqual(shown, set(listed_figures()))

    def test_figures_regenerate_from_the_scenarios(self):
        if not os.access(SIM, os.X_OK) or not os.access(VIZ, os.X_OK):
            self.skipTest("zablab-sim or zablab-viz not built")
        if not shutil.which("xvfb-run"):
            self.skipTest("xvfb-run not installed")
        env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
        with tempfile.TemporaryDirectory() as out:
            p = subprocess.run([sys.executable, os.path.join(TEACHING, "make_figures.py"), "--out", out,
                                "--sim", SIM, "--viz", VIZ], cwd=REPO, capture_output=True, text=True,
                               timeout=170, env=env)
            self.assertEqual(p.returncode, 0, p.stdout[-3000:] + p.stderr[-3000:])
            for name in listed_figures():
                path = os.path.join(out, name)
                self.assertTrue(os.path.exists(path), p.stdout)
                self.assertGreater(os.path.getsize(path), 10000, name)


if __name__ == "__main__":
    labtest.main()
