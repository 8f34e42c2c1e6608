#!/usr/bin/env python3
"""Lab 4 autograder: checks a bug report's facts against the simulator.

    python3 labs/lab4-find-the-bug/grade.py report.txt

The report (template: report.txt in this folder) names the bug, the student's smallest failing
scenario, the invariant the checker reported and the virtual time of the violation. The grader
replays the scenario with that bug and without it, and checks:

   5  the bug exists (`zablab-sim fuzz --list-bugs`)
  10  with the bug, the scenario fails with a violation
  10  ... of the invariant the report names (the first violation, as the checker reports it)
  10  ... at the time the report names (to the millisecond)
  10  without the bug (`--bug none`) the scenario passes: it separates the buggy server from the
      correct one
   5  the scenario is small: at most 12 steps (the fuzzer's shrinker usually gets there; the
      handout asks to delete what is not essential)

50 points. The free-text fields (first wrong step, rule, why a checker) are for the teacher.
Exit status: 0 at 50 points, 1 below, 2 on a usage error. ZABLAB_SIM names the simulator.
"""

import argparse
import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(HERE, "..", "common"))
from keyvalue import read_key_values  # noqa: E402
MAX_STEPS = 12


def sim_run(sim, *args):
    p = subprocess.run([sim] + list(args), cwd=REPO, capture_output=True, text=True, timeout=300)
    return p.returncode, p.stdout + p.stderr


def seconds(text):
    m = re.fullmatch(r"\s*([0-9]+(?:\.[0-9]+)?)\s*(ms|s)?\s*", text or "")
    if not m:
        return None
    value = float(m.group(1))
    return value / 1000 if m.group(2) == "ms" else value


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("report", help="the bug report (report.txt filled in)")
    ap.add_argument("--sim", default=os.environ.get("ZABLAB_SIM") or os.path.join(REPO, "build", "apps", "sim", "zablab-sim"))
    args = ap.parse_args(argv)
    if not os.access(args.sim, os.X_OK):
        print("grade: no simulator at %s (build zablab: scripts/build.sh)" % args.sim, file=sys.stderr)
        return 2
    r = read_key_values(args.report)
    bug, invariant = r.get("bug", ""), r.get("invariant", "")
    scn = r.get("scenario", "")
    if scn and not os.path.isabs(scn) and not os.path.exists(scn):
        # relative to the report first, then to the checkout
        beside = os.path.join(os.path.dirname(os.path.abspath(args.report)), scn)
        scn = beside if os.path.exists(beside) else os.path.join(REPO, scn)
    results = []

    def mark(points, ok, what):
        results.append((points if ok else 0, points, what))

    _, names = sim_run(args.sim, "fuzz", "--list-bugs")
    mark(5, bug in names.split(), "the bug %r exists" % bug)
    if not os.path.exists(scn or "/nonexistent"):
        print("grade: the scenario %r does not exist" % r.get("scenario", ""))
        mark(45, False, "the scenario can be replayed")
    else:
        rc, out = sim_run(args.sim, "run", scn, "--bug", bug or "none")
        verdict = re.search(r"verdict: VIOLATION (\S+)", out)
        at = re.search(r"VIOLATION: seq \d+ at ([0-9.]+)s", out)
        mark(10, rc != 0 and verdict is not None, "with the bug the scenario fails with a violation")
        mark(10, verdict is not None and verdict.group(1) == invariant,
             "the violated invariant is the one reported (%s)" % (invariant or "blank"))
        told = seconds(r.get("violation_at"))
        mark(10, at is not None and told is not None and abs(float(at.group(1)) - told) < 0.001,
             "the violation is at the reported time (%s)" % (r.get("violation_at") or "blank"))
        rc, out = sim_run(args.sim, "run", scn, "--bug", "none")
        mark(10, rc == 0 and "verdict: PASS" in out, "without the bug the scenario passes")
        rc, out = sim_run(args.sim, "check", scn)
        steps = re.search(r"ok \((\d+) steps\)", out)
        mark(5, steps is not None and int(steps.group(1)) <= MAX_STEPS,
             "the scenario is small (%s steps, at most %d)" % (steps.group(1) if steps else "?", MAX_STEPS))
    score = sum(p for p, _, _ in results)
    for got, points, what in results:
        print("%2d/%-2d %s" % (got, points, what))
    print("score: %d / 50 (the rest of the report is read by the teacher)" % score)
    return 0 if score == 50 else 1


if __name__ == "__main__":
    sys.exit(main())
