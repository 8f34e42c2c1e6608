#!/usr/bin/env python3
"""labs/lab-check, the students' set-up check: ready on a complete machine; in plain words what is
missing (binaries, kazoo, xvfb-run) and how to get it; kazoo found in a virtual environment too.
ZABLAB_SERVER (CMake sets it) locates the build directory."""

import os
import subprocess
import sys
import tempfile
import unittest

import labtest

REPO = os.path.dirname(labtest.LABS)
CHECK = os.path.join(labtest.LABS, "lab-check")
SERVER = os.environ.get("ZABLAB_SERVER") or os.path.join(REPO, "build", "apps", "zablab-server")
BUILD = os.path.dirname(os.path.dirname(SERVER))  # <build>/apps/zablab-server


def check(*python_flags, python=sys.executable, env=None):
    p = subprocess.run([python] + list(python_flags) + [CHECK, "--build", BUILD], cwd=REPO, capture_output=True,
                       text=True, timeout=60, env=env)
    return p.returncode, p.stdout + p.stderr


def line(out, what):
    return next((l for l in out.splitlines() if what in l), "")


class LabCheck(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        if not os.access(SERVER, os.X_OK):
            raise unittest.SkipTest("zablab-server not built: " + SERVER)
        try:
            import kazoo.client  # noqa: F401
        except ImportError:
            raise unittest.SkipTest("kazoo is not importable by " + sys.executable)

    def test_a_complete_machine_is_ready(self):
        rc, out = check()
        if "[MISSING]" in line(out, "zablab-viz") + line(out, "xvfb-run"):
            self.skipTest("this build has no zablab-viz, or there is neither xvfb-run nor a display")
        self.assertEqual(rc, 0, out)
        self.assertIn("[ok]", line(out, "kazoo <-> zablab-server"))
        self.assertIn("Ready: every lab can run.", out)

    def test_missing_binaries_name_the_build_script(self):
        with tempfile.TemporaryDirectory() as empty:
            p = subprocess.run([sys.executable, CHECK, "--build", empty], cwd=REPO, capture_output=True,
                               text=True, timeout=60)
        self.assertEqual(p.returncode, 1)
        self.assertIn("[MISSING]", line(p.stdout, "zablab-server"))
        self.assertIn("scripts/build.sh", line(p.stdout, "zablab-sim"))
        self.assertNotIn("kazoo <-> zablab-server", p.stdout)  # nothing to start

    def test_lab_1_needs_only_the_server_and_the_shell(self):
        # The handout builds `zablab-server zablab-cli` first and checks with --lab 1: the
        # simulator and the visualizer are listed for later, not missing.
        with open(os.path.join(labtest.LAB1, "README.md"), encoding="utf-8") as f:
            handout = f.read()
        self.assertIn("scripts/build.sh zablab-server zablab-cli", handout)
        self.assertIn("python3 labs/lab-check --lab 1", handout)
        cli = os.path.join(BUILD, "apps", "cli", "zablab-cli")
        if not os.access(cli, os.X_OK):
            self.skipTest("zablab-cli not built: " + cli)
        with tempfile.TemporaryDirectory() as part:
            os.makedirs(os.path.join(part, "apps", "cli"))
            os.symlink(SERVER, os.path.join(part, "apps", "zablab-server"))
            os.symlink(cli, os.path.join(part, "apps", "cli", "zablab-cli"))
            p = subprocess.run([sys.executable, CHECK, "--build", part, "--lab", "1"], cwd=REPO,
                               capture_output=True, text=True, timeout=60)
            everything = subprocess.run([sys.executable, CHECK, "--build", part], cwd=REPO,
                                        capture_output=True, text=True, timeout=60)
        out = p.stdout + p.stderr
        self.assertEqual(p.returncode, 0, out)
        self.assertIn("[later]", line(out, "zablab-sim"))
        self.assertIn("scripts/build.sh zablab-sim", line(out, "zablab-sim"))
        self.assertIn("[ok]", line(out, "kazoo <-> zablab-server"))
        self.assertIn("Ready for Lab 1.", out)
        self.assertEqual(everything.returncode, 1, everything.stdout)
        self.assertIn("[MISSING]", line(everything.stdout, "zablab-viz"))

    def test_missing_kazoo_says_how_to_get_it_both_ways(self):
        rc, out = check("-S")  # no site-packages: Debian's kazoo is out of reach
        self.assertEqual(rc, 1, out)
        kazoo = line(out, "kazoo")
        self.assertIn("[MISSING]", kazoo)
        self.assertTrue("python3-kazoo" in kazoo or "/usr/bin/python3" in kazoo, kazoo)

    def test_kazoo_in_a_virtual_environment(self):
        with tempfile.TemporaryDirectory() as venv:
            subprocess.run([sys.executable, "-m", "venv", "--without-pip", "--system-site-packages", venv],
                           check=True, timeout=60)
            rc, out = check(python=os.path.join(venv, "bin", "python3"))
        self.assertIn("[ok]", line(out, "kazoo <-> zablab-server"))
        self.assertIn(venv, line(out, "kazoo "))

    def test_no_display_and_no_xvfb_is_said(self):
        env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
        env["PATH"] = "/nonexistent"
        rc, out = check(env=env)
        self.assertEqual(rc, 1, out)
        self.assertIn("sudo apt-get install xvfb", line(out, "xvfb-run"))
        self.assertIn("[MISSING]", line(out, "xvfb-run"))


if __name__ == "__main__":
    labtest.main()
