#!/usr/bin/python3
"""zablab-sim's command line: fuzz sharding, merging, --jobs, --faults, --list-bugs; run --record,
replay filters and export --chrome. Needs ZABLAB_SIM (the binary) and ZABLAB_SOURCE_DIR.

    ZABLAB_SIM=build/apps/sim/zablab-sim ZABLAB_SOURCE_DIR=. /usr/bin/python3 tests/scenarios/sim_cli_test.py
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))
import zlharness  # noqa: E402  (its main(): a skipped test exits 77, a skip in ctest)

SIM = os.environ.get("ZABLAB_SIM", "")
SOURCE = os.environ.get("ZABLAB_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "..", ".."))
TIMEOUT = 240
# A small, fast sweep: 3 servers, every fault kind, 5 s of faults per seed.
SWEEP = ["--servers", "3", "--faults", "all", "--duration", "5s", "--progress", "lines"]
BUG = "commit-without-quorum"  # fails on most seeds, quickly


def sim(*args, check=None):
    p = subprocess.run([SIM] + [str(a) for a in args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       timeout=TIMEOUT, universal_newlines=True)
    if check is not None and p.returncode != check:
        raise AssertionError("zablab-sim %s: exit %d, expected %d\nstdout:\n%s\nstderr:\n%s" % (
            " ".join(map(str, args)), p.returncode, check, p.stdout[-3000:], p.stderr[-3000:]))
    return p


def lines_of(path):
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def seeds_in(path):
    return [l["seed"] for l in lines_of(path) if l["type"] == "seed"]


def failures_in(path):
    return [(l["seed"], l["signature"]) for l in lines_of(path) if l["type"] == "failure"]


@unittest.skipUnless(SIM and os.access(SIM, os.X_OK), "ZABLAB_SIM is not set")
class FuzzCli(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="zablab-sim-cli-")

    def tearDown(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def path(self, name):
        return os.path.join(self.dir, name)

    def test_shards_cover_every_seed_once_and_merge_to_the_whole_sweep(self):
        whole = self.path("whole.jsonl")
        sim("fuzz", "--seeds", 14, "--first-seed", 5, "--keep-going", "--results", whole, "--out", self.dir, *SWEEP,
            check=0)
        shards = []
        for k in (1, 2, 3):
            out = self.path("shard-%d.jsonl" % k)
            p = sim("fuzz", "--seeds", 14, "--first-seed", 5, "--keep-going", "--shard", "%d/3" % k,
                    "--results", out, "--out", self.dir, *SWEEP, check=0)
            self.assertIn("shard %d/3" % k, p.stdout)
            shards.append(out)
        runs = [s for path in shards for s in seeds_in(path)]
        self.assertEqual(sorted(runs), list(range(5, 19)), "each seed exactly once across the shards")
        self.assertEqual(len(runs), len(set(runs)))
        merged = self.path("merged.jsonl")
        p = sim("fuzz", "merge", *shards, "--out", merged, check=0)
        self.assertIn("14 run, 0 failures", p.stdout)
        whole_lines = [l for l in lines_of(whole) if l["type"] == "seed"]
        merged_lines = [l for l in lines_of(merged) if l["type"] == "seed"]
        self.assertEqual(merged_lines, whole_lines, "merged shards == the unsharded sweep, seed for seed")
        # A missing shard is reported, and fails.
        p = sim("fuzz", "merge", shards[0], shards[2], check=1)
        self.assertIn("in no file", p.stdout)

    def test_merge_combines_failures_of_every_shard(self):
        whole = self.path("whole.jsonl")
        sim("fuzz", "--seeds", 6, "--keep-going", "--no-shrink", "--bug", BUG, "--results", whole, "--out",
            self.path("w"), *SWEEP, check=1)
        expected = failures_in(whole)
        self.assertGreaterEqual(len(expected), 2, "the bug should fail several seeds")
        shards = []
        for k in (1, 2):
            out = self.path("s%d.jsonl" % k)
            sim("fuzz", "--seeds", 6, "--keep-going", "--no-shrink", "--bug", BUG, "--shard", "%d/2" % k,
                "--results", out, "--out", self.path("s"), *SWEEP)
            shards.append(out)
        self.assertTrue(failures_in(shards[0]) and failures_in(shards[1]), "both shards found failures")
        merged = self.path("merged.jsonl")
        p = sim("fuzz", "merge", *shards, "--out", merged, check=1)
        self.assertEqual(failures_in(merged), expected)
        for seed, _sig in expected:
            self.assertIn("seed %d:" % seed, p.stdout)
        for l in lines_of(merged):
            if l["type"] == "failure":
                self.assertTrue(os.path.exists(l["scenario"]), l["scenario"])

    def test_jobs_2_gives_the_same_results_as_jobs_1(self):
        outs = {}
        for jobs in (1, 2):
            res = self.path("j%d.jsonl" % jobs)
            p = sim("fuzz", "--seeds", 8, "--keep-going", "--max-shrink", 2, "--bug", BUG, "--jobs", jobs,
                    "--results", res, "--out", self.path("out"), *SWEEP, check=1)
            with open(res) as f:
                outs[jobs] = (f.read(), [l for l in p.stdout.splitlines() if not l.startswith(("speed:", "results:"))])
        self.assertEqual(outs[1][0], outs[2][0], "result files differ between --jobs 1 and --jobs 2")
        self.assertEqual(outs[1][1], outs[2][1], "reports differ between --jobs 1 and --jobs 2")
        failures = [l for l in lines_of(self.path("j2.jsonl")) if l["type"] == "failure"]
        shrunk = [f for f in failures if f["shrunk"]]
        self.assertTrue(shrunk, "a failure was shrunk")
        self.assertTrue(os.path.exists(shrunk[0]["trace"]), "the shrunk scenario's trace was saved")
        # The saved minimal scenario fails the same way when run on its own.
        p = sim("run", shrunk[0]["scenario"], "--quiet", check=1)
        self.assertIn(shrunk[0]["signature"].split(":", 1)[1], p.stdout)

    def test_the_same_seed_gives_the_same_trace_hash_in_every_process(self):
        # --jobs 1 runs the seeds in one worker, --jobs 2 in two; a third sweep starts at seed 3 in a
        # process of its own. Every seed's whole-trace hash must agree, record for record.
        hashes = {}
        for name, extra in (("j1", ["--jobs", 1]), ("j2", ["--jobs", 2]), ("alone", ["--first-seed", 3, "--seeds", 2])):
            res = self.path(name + ".jsonl")
            args = ["--seeds", 4] if name != "alone" else []
            sim("fuzz", *args, *extra, "--keep-going", "--no-shrink", "--results", res, "--out", self.dir, *SWEEP)
            hashes[name] = {l["seed"]: l["trace_hash"] for l in lines_of(res) if l["type"] == "seed"}
        self.assertEqual(sorted(hashes["j1"]), [1, 2, 3, 4])
        for seed, h in hashes["j1"].items():
            self.assertRegex(h, "^[0-9a-f]{16}$")
            self.assertEqual(hashes["j2"][seed], h, "seed %d: --jobs 2 gave another trace" % seed)
        for seed in (3, 4):
            self.assertEqual(hashes["alone"][seed], hashes["j1"][seed], "seed %d differs in its own process" % seed)

    def test_stop_at_first_failure_is_the_same_with_jobs(self):
        reports = []
        for jobs in (1, 2):
            res = self.path("f%d.jsonl" % jobs)
            sim("fuzz", "--seeds", 10, "--bug", BUG, "--no-shrink", "--jobs", jobs, "--results", res,
                "--out", self.dir, *SWEEP, check=1)
            with open(res) as f:
                reports.append(f.read())
        self.assertEqual(reports[0], reports[1])
        self.assertEqual(len(failures_in(self.path("f1.jsonl"))), 1)

    def test_bad_faults_name_lists_the_valid_ones(self):
        p = sim("fuzz", "--seeds", 1, "--faults", "crash-leader,bogus", check=2)
        self.assertIn("unknown fault kind 'bogus'", p.stderr)
        for kind in ("crash-leader", "partition", "one-way", "slow-disk", "disk-full", "disconnect"):
            self.assertIn(kind, p.stderr)
        p = sim("fuzz", "--print", 3, "--faults", "disk-full", "--duration", "20s", check=0)
        self.assertIn("full", p.stdout)
        self.assertNotIn("partition", p.stdout)

    def test_bad_shard(self):
        for bad in ("0/3", "4/3", "x", "1/0"):
            p = sim("fuzz", "--seeds", 3, "--shard", bad, check=2)
            self.assertIn("--shard", p.stderr)

    def test_every_command_answers_help_with_its_own_options(self):
        expected = {("run",): "--record", ("fuzz",): "--seeds", ("fuzz", "merge"): "--out",
                    ("replay",): "--timeline", ("export",): "--chrome", ("check",): "FILE.scn",
                    ("bugs",): "zablab-sim bugs", ("checks",): "zablab-sim checks"}
        for cmd, word in expected.items():
            for flag in ("--help", "-h"):
                p = sim(*cmd, flag, check=0)
                self.assertTrue(p.stdout.startswith("usage: zablab-sim " + " ".join(cmd)), p.stdout)
                self.assertIn(word, p.stdout)
                self.assertEqual(p.stderr, "")

    def test_list_bugs_one_name_a_line(self):
        p = sim("fuzz", "--list-bugs", check=0)
        names = p.stdout.split("\n")
        self.assertEqual(names[-1], "")
        for n in names[:-1]:
            self.assertRegex(n, r"^[a-z0-9-]+$")
        self.assertIn(BUG, names)


    def test_bugs_lists_names_without_spoilers_and_reveals_on_request(self):
        names = sim("fuzz", "--list-bugs", check=0).stdout.split()
        hidden = sim("bugs", check=0).stdout
        self.assertEqual(sim("bugs", "--hide", check=0).stdout, hidden)
        self.assertNotIn("caught by", hidden)  # a Lab 4 student sees names only
        for n in names:
            self.assertIn(n + "\n", hidden)
        everything = sim("bugs", "--reveal", check=0).stdout
        self.assertEqual(everything.count("caught by:"), len(names))
        one = sim("bugs", "--reveal", BUG, check=0).stdout
        self.assertEqual(one.count("caught by:"), 1)
        self.assertTrue(one.startswith(BUG + "\n"))
        p = sim("bugs", "--reveal", "segfault", check=2)
        self.assertIn("unknown bug 'segfault'", p.stderr)

@unittest.skipUnless(SIM and os.access(SIM, os.X_OK), "ZABLAB_SIM is not set")
class TraceCli(unittest.TestCase):
    SCENARIO = os.path.join(SOURCE, "scenarios", "leader-crash-committed-on-some.scn")

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="zablab-sim-trace-")
        self.db = os.path.join(self.dir, "t.db")
        scn = self.SCENARIO if os.path.exists(self.SCENARIO) else sorted(
            os.path.join(SOURCE, "scenarios", f) for f in os.listdir(os.path.join(SOURCE, "scenarios"))
            if f.endswith(".scn"))[0]
        self.scn = scn
        sim("run", scn, "--record", self.db, "--quiet", check=0)

    def tearDown(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def test_trace_is_an_alias_of_record(self):
        other = os.path.join(self.dir, "u.db")
        p = sim("run", self.scn, "--trace", other, "--quiet", check=0)
        self.assertIn("records written to " + other, p.stdout)

    def test_replay_filters(self):
        p = sim("replay", self.db, "--node", "s1", "--kind", "net.send", check=0)
        events = [l for l in p.stdout.splitlines() if l.strip().split("  ")[0].endswith("s") and "#" in l]
        self.assertTrue(events, p.stdout[:2000])
        for l in events:
            self.assertIn("net.send", l)
            self.assertIn("s1", l)
        p = sim("replay", self.db, "--from", "1s", "--to", "2s", check=0)
        times = [float(l.split()[0][:-1]) for l in p.stdout.splitlines() if "  #" in l]
        self.assertTrue(times)
        self.assertTrue(all(1.0 <= t <= 2.0 for t in times), times[:5])
        sim("replay", self.db, "--from", "soon", check=2)

    def test_export_chrome_json_parses(self):
        out = os.path.join(self.dir, "t.json")
        sim("export", self.db, "--chrome", out, check=0)
        with open(out) as f:
            doc = json.load(f)
        events = doc["traceEvents"]
        phases = {e["ph"] for e in events}
        self.assertTrue({"X", "i", "M", "s", "f"} <= phases, phases)
        servers = {e["pid"] for e in events if 0 < e["pid"] < 1000}
        self.assertGreaterEqual(len(servers), 3)
        for e in events:
            if e["ph"] in ("X", "i"):
                self.assertIsInstance(e["ts"], (int, float))
            if e["ph"] == "X":
                self.assertGreater(e["dur"], 0)
        roles = {e["name"] for e in events if e["ph"] == "X" and e.get("cat") == "role"}
        self.assertIn("LEADING", roles)


@unittest.skipUnless(SIM and os.access(SIM, os.X_OK), "ZABLAB_SIM is not set")
class ExploreCli(unittest.TestCase):
    SMALL = "max-crashes=1,max-restarts=0,max-crash-points=0,max-partitions=0,max-transactions=1,depth=2"

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="zablab-sim-explore-")

    def tearDown(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def test_unknown_bound_bug_or_packet_is_refused_with_the_valid_names(self):
        p = sim("explore", "--bounds", "depht=3", check=2)
        self.assertIn("unknown bound 'depht'", p.stderr)
        self.assertIn("max-crashes", p.stderr)
        p = sim("explore", "--bug", "nope", check=2)
        self.assertIn("zookeeper-3911", p.stderr)
        p = sim("explore", "--messages", "FOO", check=2)
        self.assertIn("UPTODATE", p.stderr)

    def test_a_counterexample_is_saved_as_a_scenario_and_trace_that_replay(self):
        p = sim("explore", "--bug", "commit-without-quorum", "--bounds", self.SMALL, "--out", self.dir, "--quiet",
                check=1)
        self.assertIn("VIOLATION", p.stdout)
        scn = os.path.join(self.dir, "explore-commit-without-quorum.scn")
        self.assertTrue(os.path.exists(os.path.join(self.dir, "explore-commit-without-quorum.db")))
        p = sim("run", scn, "--quiet", check=1)
        self.assertIn("zab.commit-quorum", p.stdout)

    def test_a_clean_search_says_what_it_covered(self):
        p = sim("explore", "--bounds", self.SMALL, "--messages", "UPTODATE", "--quiet", check=0)
        self.assertIn("no violation: every state within bounds", p.stdout)
        self.assertRegex(p.stdout, r"states [0-9]+  distinct [0-9]+")

    @staticmethod
    def interrupted(*args):
        """Runs `zablab-sim explore ARGS` for 3 s, then sends SIGINT to it alone; its exit and stdout."""
        proc = subprocess.Popen([SIM, "explore"] + list(args), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                universal_newlines=True)
        try:
            out, _ = proc.communicate(timeout=3)
        except subprocess.TimeoutExpired:
            proc.send_signal(2)  # SIGINT
            out, _ = proc.communicate(timeout=60)
        return proc.returncode, out

    def test_ctrl_c_stops_cleanly_and_prints_the_coverage(self):
        code, out = self.interrupted("--bounds", "depth=30", "--quiet")
        self.assertEqual(code, 0)
        self.assertIn("interrupted: covered", out)

    def test_sigint_to_a_forking_search_alone_stops_it_and_leaves_no_process(self):
        # Depth-first forks a process per state; a SIGINT sent to the explorer only (not to its
        # process group, as Ctrl-C would) must still stop them all.
        out_dir = os.path.join(self.dir, "forking")

        def leftovers():
            found = []
            for pid in filter(str.isdigit, os.listdir("/proc")):
                try:
                    with open("/proc/%s/cmdline" % pid, "rb") as f:
                        if out_dir.encode() in f.read():
                            found.append(pid)
                except OSError:
                    pass
            return found

        code, out = self.interrupted("--mode", "dfs", "--bounds", "depth=30", "--quiet", "--out", out_dir)
        self.assertEqual(code, 0)
        self.assertIn("forking at each state", out)
        self.assertIn("interrupted: covered", out)
        self.assertEqual(leftovers(), [])


if __name__ == "__main__":
    zlharness.main()
