#!/usr/bin/env python3
"""Lab 3 autograder: checks a student's answers file against what the simulator shows.

    python3 labs/lab3-zab-viz/grade.py my-answers.txt     # grade (fill in answers.txt first)
    python3 labs/lab3-zab-viz/grade.py --key              # the answer key, from the runs

It runs the lab's five scenarios with zablab-sim (plain and --verbose), reads each fact off the
timelines -- who won, with which zxid, which sync mode, the TRUNC target, what a client got --
and compares the student's value with it. Nothing is hard-coded: if zablab changes what a
scenario does, the key changes with it. 3 points per fact. Zxids compare as numbers (0x100000003
= 0x0100000003), servers as "s1" or "1", words ignoring case.

Exit status: 0 when every fact is right, 1 otherwise, 2 on a usage error or a failed run.
ZABLAB_SIM names the simulator (default build/apps/sim/zablab-sim).
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
POINTS = 3
ZXID = r"(0x[0-9a-f]+)"


def scenario(n):
    for name in sorted(os.listdir(os.path.join(HERE, "scenarios"))):
        if name.startswith("%d-" % n):
            return os.path.join("labs", "lab3-zab-viz", "scenarios", name)
    raise SystemExit("grade: no scenario %d in %s" % (n, os.path.join(HERE, "scenarios")))


def after(text, marker):
    """The part of `text` after the first line containing `marker` (all of it if none)."""
    i = text.find(marker)
    return text if i < 0 else text[i:]


def last(pattern, group=1):
    def extract(text):
        found = re.findall(pattern, text)
        if not found:
            return None
        m = found[-1]
        return m[group - 1] if isinstance(m, tuple) else m
    return extract


def first(pattern, group=1):
    def extract(text):
        m = re.search(pattern, text)
        return m.group(group) if m else None
    return extract


def missed(text):
    m = re.findall(r"syncs s\d with \S+ \(it has " + ZXID + r", the leader " + ZXID, text)
    return str(int(m[-1][1], 16) - int(m[-1][0], 16)) if m else None


# key, scenario, verbose run?, the part of the timeline to look at (after this marker), extractor,
# what the key means (the template's comment)
FACTS = [
    ("1.new_leader", 1, False, "kill leader", last(r"(s\d) +LOOKING -> LEADING"), "who leads after the kill"),
    ("1.new_leader_zxid", 1, False, "kill leader", last(r"LOOKING -> LEADING \(elected with zxid " + ZXID),
     "its zxid when elected"),
    ("1.first_to_notice", 1, False, "kill leader", first(r"(s\d) +FOLLOWING -> LOOKING"),
     "the first follower to go LOOKING after the kill"),
    ("1.x_result", 1, False, "", first(r"create /x -> (\w+)"), "what c1's create /x returned"),
    ("1.old_leader_zxid", 1, False, "restart", last(r"syncs s3 with \S+ \(it has " + ZXID),
     "s3's last zxid when it comes back"),
    ("2.f", 2, False, "", first(r"kill follower as f +\[kill (s\d)\]"), "which server f is"),
    ("2.f_zxid", 2, False, "restart f", last(r"syncs s\d with \S+ \(it has " + ZXID), "f's last zxid when it comes back"),
    ("2.leader_zxid", 2, False, "restart f", last(r"syncs s\d with \S+ \(it has \S+, the leader " + ZXID),
     "the leader's last zxid then"),
    ("2.missed", 2, False, "restart f", missed, "how many txns f missed (decimal)"),
    ("2.mode", 2, False, "restart f", last(r"syncs s\d with (\S+) \("), "the sync mode f gets"),
    ("3.mode", 3, False, "restart", last(r"syncs s1 with (\S+) \("), "the sync mode s1 gets"),
    ("3.s1_zxid", 3, False, "restart", last(r"syncs s1 with \S+ \(it has " + ZXID), "s1's last zxid then"),
    ("3.leader_zxid", 3, False, "restart", last(r"syncs s1 with \S+ \(it has \S+, the leader " + ZXID),
     "the leader's last zxid then"),
    ("4.s3_zxid", 4, False, "restart", last(r"syncs s3 with \S+ \(it has " + ZXID), "s3's last zxid when it returns"),
    ("4.leader_zxid", 4, False, "restart", last(r"syncs s3 with \S+ \(it has \S+, the leader " + ZXID),
     "the leader's last zxid then"),
    ("4.mode", 4, False, "restart", last(r"syncs s3 with (\S+) \("), "the sync mode s3 gets"),
    ("4.lost_result", 4, False, "", first(r"create /lost -> (\w+)"), "what c1's create /lost returned"),
    ("5.mode", 5, False, "restart", last(r"syncs s3 with (\S+) \("), "the sync mode s3 gets"),
    ("5.s3_zxid", 5, False, "restart", last(r"syncs s3 with \S+ \(it has " + ZXID), "s3's last zxid when it returns"),
    ("5.trunc_to", 5, True, "restart", first(r"-> s3 TRUNC " + ZXID),
     "the zxid s3 is told to truncate to (--verbose)"),
]


def run_all(sim):
    out = {}
    for n in sorted({f[1] for f in FACTS}):
        for verbose in sorted({f[2] for f in FACTS if f[1] == n}):
            cmd = [sim, "run", scenario(n)] + (["--verbose"] if verbose else [])
            p = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=300)
            if p.returncode != 0:
                raise SystemExit("grade: %s failed (exit %d):\n%s" % (" ".join(cmd), p.returncode, p.stdout[-2000:]))
            out[(n, verbose)] = p.stdout
    return out


def answer_key(sim):
    runs = run_all(sim)
    key = {}
    for name, n, verbose, marker, extract, _ in FACTS:
        value = extract(after(runs[(n, verbose)], marker))
        if value is None:
            raise SystemExit("grade: scenario %d no longer shows %s; the grader needs updating" % (n, name))
        key[name] = value
    return key


def normal(value):
    v = value.strip().strip("`\"'").lower()
    if re.fullmatch(r"0x[0-9a-f]+", v):
        return "zxid:%d" % int(v, 16)
    if re.fullmatch(r"s?\d+", v) and v.startswith("s"):
        return "server:" + v[1:]
    return v


def same(fact, student, truth):
    if fact.endswith(".new_leader") or fact.endswith(".f"):
        return normal(student if student.lower().startswith("s") else "s" + student) == normal(truth)
    return normal(student) == normal(truth)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("answers", nargs="?", help="the student's answers file (answers.txt filled in)")
    ap.add_argument("--key", action="store_true", help="print the answer key instead")
    ap.add_argument("--sim", default=os.environ.get("ZABLAB_SIM") or os.path.join(REPO, "build", "apps", "sim", "zablab-sim"))
    args = ap.parse_args(argv)
    if not args.key and not args.answers:
        ap.error("name an answers file, or --key")
    if not os.access(args.sim, os.X_OK):
        print("grade: no simulator at %s (build zablab: scripts/build.sh)" % args.sim, file=sys.stderr)
        return 2
    answers = read_key_values(args.answers) if args.answers else {}
    key = answer_key(args.sim)
    if args.key:
        for name, _, _, _, _, what in FACTS:
            print("%-20s = %-14s # %s" % (name, key[name], what))
        return 0
    score = 0
    for name, _, _, _, _, what in FACTS:
        given = answers.get(name, "")
        ok = bool(given) and same(name, given, key[name])
        score += POINTS if ok else 0
        print("%-4s %-20s %-14s %s" % ("ok" if ok else "--", name, given or "(blank)",
                                       "" if ok else "(%s)" % what))
    unknown = sorted(set(answers) - {f[0] for f in FACTS})
    for k in unknown:
        print("?    %-20s (not a fact of this lab: a typo?)" % k)
    print("score: %d / %d" % (score, POINTS * len(FACTS)))
    return 0 if score == POINTS * len(FACTS) else 1


if __name__ == "__main__":
    sys.exit(main())
