#!/usr/bin/python3
"""zablab-server --trace FILE: a real server records its core's trace events in the simulator's
SQLite schema (docs/trace.md), and zablab-sim replay/export read it.

    ZABLAB_SERVER=build/apps/zablab-server ZABLAB_SIM=build/apps/sim/zablab-sim \
        /usr/bin/python3 tests/scenarios/server_trace_test.py
"""
import json
import os
import sqlite3
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))
import zlharness  # noqa: E402

from kazoo.client import KazooClient  # noqa: E402

SIM = os.environ.get("ZABLAB_SIM", "")


class TracedServer(zlharness.ServerProcess):
    """A standalone zablab-server started with --trace <tmpdir>/trace.db."""

    def trace_path(self):
        return os.path.join(self.tmpdir, "trace.db")

    def _command(self):
        cmd = super()._command()
        return cmd[:1] + ["--trace", self.trace_path()] + cmd[1:]


@unittest.skipUnless(SIM and os.access(SIM, os.X_OK), "ZABLAB_SIM is not set")
@unittest.skipIf(zlharness.against_apache(), "--trace is zablab's own option")
class ServerTrace(unittest.TestCase):
    def test_real_server_trace_replays(self):
        with TracedServer(tick_time=2000, label="traced") as srv:
            zk = KazooClient(hosts=srv.hosts, timeout=10)
            zk.start(timeout=15)
            try:
                zk.create("/traced", b"v0")
                for i in range(3):
                    zk.set("/traced", b"v%d" % (i + 1))
                zk.create("/traced/child", b"x")
                zk.delete("/traced/child")
            finally:
                zk.stop()
                zk.close()
            srv.stop()  # SIGTERM: the server finishes the recording
            self.assertEqual(srv.proc.returncode, 0)
            db = srv.trace_path()
            self.assertTrue(os.path.exists(db))

            con = sqlite3.connect(db)
            try:
                (config, verdict, count) = con.execute("SELECT config, verdict, event_count FROM runs").fetchone()
                kinds = [r[0] for r in con.execute("SELECT msg_type FROM events WHERE kind = 'core' ORDER BY seq")]
                times = [r[0] for r in con.execute("SELECT time_ns FROM events ORDER BY seq")]
            finally:
                con.close()
            cfg = json.loads(config)
            self.assertEqual(cfg["source"], "real")
            self.assertEqual(cfg["clock"], "wall-ms")
            self.assertEqual(cfg["client_port"], srv.port)
            self.assertEqual(verdict, "live")
            self.assertEqual(count, len(times))
            self.assertEqual(times, sorted(times), "time never goes back")
            self.assertTrue(all(t % 1000000 == 0 for t in times), "millisecond resolution")
            self.assertIn("session.create", kinds)
            self.assertGreaterEqual(kinds.count("txn.commit"), 6, kinds)  # createSession, 2 creates, 3 sets, delete

            p = subprocess.run([SIM, "replay", db, "--kind", "txn.commit"], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, universal_newlines=True, timeout=60)
            self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
            self.assertIn("recording of a real server", p.stdout)
            self.assertIn("matches the events", p.stdout)
            shown = [l for l in p.stdout.splitlines() if "core txn.commit" in l]
            self.assertGreaterEqual(len(shown), 6, p.stdout)
            self.assertTrue(any("/traced" in l for l in shown), p.stdout)

            out = os.path.join(srv.tmpdir, "trace.json")
            p = subprocess.run([SIM, "export", db, "--chrome", out], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, universal_newlines=True, timeout=60)
            self.assertEqual(p.returncode, 0, p.stderr)
            with open(out) as f:
                events = json.load(f)["traceEvents"]
            self.assertTrue(any(e["ph"] == "i" and e["name"] == "txn.commit" for e in events))


if __name__ == "__main__":
    zlharness.main()
