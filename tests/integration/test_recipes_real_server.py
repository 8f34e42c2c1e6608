#!/usr/bin/python3
"""The C++ recipes (core/client/recipes) against a real zablab-server process.

Each test runs one scenario of test_recipes_driver (several real clients on one io_context, so
the recipes' beliefs can be compared at every step): locks (fair order, no herd, expiry takes a
lock away), read-write lock, semaphore, leader latch and election, barrier, double barrier,
queue (each item once), ID pool (recycled on expiry), service registry / group view, config
watcher. The simulator tests (tests/unit/recipe_sim_*) check the same recipes under crashes and
partitions; these check that the code really runs over TCP against the server binary.
"""

import os
import subprocess
import unittest

import zlharness

DRIVER = os.environ.get("ZABLAB_RECIPES_DRIVER")


class RecipesOnRealServer(zlharness.ServerTestCase):
    TICK_TIME = 500  # session timeouts 1 s .. 10 s: the expiry scenarios use 4 s

    def run_scenario(self, name):
        if not DRIVER:
            self.skipTest("ZABLAB_RECIPES_DRIVER is not set (CMake sets it)")
        p = subprocess.run([DRIVER, self.server.hosts, name], capture_output=True, text=True,
                           timeout=60)
        self.assertEqual(p.returncode, 0, "%s failed:\n%s%s" % (name, p.stdout, p.stderr))
        self.assertTrue(p.stdout.strip(), "%s printed nothing" % name)


def _add(name):
    def test(self):
        self.run_scenario(name)
    test.__name__ = "test_" + name.replace("-", "_")
    setattr(RecipesOnRealServer, test.__name__, test)


for _name in ("lock", "lock-expiry", "rwlock", "semaphore", "latch", "election", "barrier",
              "double-barrier", "queue", "id-pool", "group", "config"):
    _add(_name)


if __name__ == "__main__":
    zlharness.main()
