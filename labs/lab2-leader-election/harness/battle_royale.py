#!/usr/bin/env python3
"""Lab 2 battle royale: several candidate programs face the same harness run, and are ranked.

    python3 battle_royale.py alice.py bob.py carol.py            # each on its own fresh server
    python3 battle_royale.py --seed 7 --rounds 6 submissions/*.py

Every entry goes through exactly what election_harness.py does (the idle phase: herd and
polling; the chaos phase: leaders and others killed with SIGTERM and SIGKILL), with the same
seed, so the same failures in the same order, each on a throwaway zablab-server of its own. Then
the entries are ranked:

  1. safety first: an entry with a violation of "never two leaders" or "a new leader is
     elected" ranks below every entry without one;
  2. then fewer violations of any kind (herd, polling, a woken newcomer);
  3. then the smaller herd: the most candidates one failure woke, and the most watchers on one
     znode;
  4. then the faster recovery: the mean time from a leader's SIGTERM to the next LEADER line
     (SIGKILL recovery is about one session timeout for everybody, so it is shown, not ranked).

Prints one table, best first, and writes it as JSON with --json FILE. Exit status 0.
"""

import argparse
import io
import json
import os
import statistics
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "..", "common"))
import election_harness  # noqa: E402
import labserver  # noqa: E402

# The harness's violations that break "one leader, and soon": two at once, a claim ZooKeeper does
# not back, LEADER twice, none elected in time, or a run that could not finish.
SAFETY_WORDS = ("two leaders", "claims", "LEADER twice", "no single leader", "no new leader", "harness stopped")


def score(name, report):
    violations = report["violations"]
    safety = [v for v in violations if any(w in v for w in SAFETY_WORDS)]
    rounds = report.get("rounds", [])
    term = [r["recovery_s"] for r in rounds if r["was_leader"] and r["mode"] == "term" and r["recovery_s"] is not None]
    kill = [r["recovery_s"] for r in rounds if r["was_leader"] and r["mode"] == "kill" and r["recovery_s"] is not None]
    return {
        "entry": name,
        "safety_violations": len(safety),
        "violations": len(violations),
        "max_woken": max((r["woke"] for r in rounds), default=0),
        "max_watchers": report.get("idle", {}).get("watchers_max", 0),
        "recovery_term_s": statistics.mean(term) if term else None,
        "recovery_kill_s": statistics.mean(kill) if kill else None,
        "first_violation": violations[0] if violations else "",
    }


def rank_key(s):
    slow = float("inf")
    return (s["safety_violations"] > 0, s["violations"], s["max_woken"], s["max_watchers"],
            s["recovery_term_s"] if s["recovery_term_s"] is not None else slow)


def fight(script, seed, rounds, n, server_binary, verbose):
    out = io.StringIO()
    server = labserver.LabServer(binary=server_binary).start()
    try:
        report = election_harness.run(script, server.hosts, n=n, rounds=rounds, seed=seed,
                                      log=lambda s: print(s, file=out), verbose=verbose)
    finally:
        server.stop()
    return report, out.getvalue()


def fmt(v):
    return "-" if v is None else ("%.3f" % v if isinstance(v, float) else str(v))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("scripts", nargs="+", help="the candidate programs")
    ap.add_argument("--seed", type=int, default=2024, help="the same failure plan for everybody")
    ap.add_argument("--rounds", type=int, default=6, help="failures to inject (default 6)")
    ap.add_argument("--n", type=int, default=5, help="candidates per entry (default 5)")
    ap.add_argument("--server-binary", help="zablab-server (default: $ZABLAB_SERVER or build/apps/zablab-server)")
    ap.add_argument("--json", help="also write the table here")
    ap.add_argument("--logs", action="store_true", help="print each entry's harness log")
    ap.add_argument("-v", "--verbose", action="store_true", help="every protocol line in the logs")
    args = ap.parse_args(argv)

    scores = []
    for script in args.scripts:
        name = os.path.basename(script)
        print("fighting: %s ..." % name, flush=True)
        report, log = fight(script, args.seed, args.rounds, args.n, args.server_binary, args.verbose)
        if args.logs:
            print(log)
        scores.append(score(name, report))
    scores.sort(key=rank_key)

    print("\nbattle royale, seed %d, %d rounds, %d candidates each -- best first\n" % (args.seed, args.rounds, args.n))
    head = ("rank", "entry", "safety", "violations", "max woken", "max watchers", "SIGTERM recovery s",
            "SIGKILL recovery s")
    rows = [(str(i), s["entry"], fmt(s["safety_violations"]), fmt(s["violations"]), fmt(s["max_woken"]),
             fmt(s["max_watchers"]), fmt(s["recovery_term_s"]), fmt(s["recovery_kill_s"]))
            for i, s in enumerate(scores, 1)]
    widths = [max(len(r[k]) for r in rows + [head]) for k in range(len(head))]
    for r in [head] + rows:
        print("  ".join(c.ljust(w) for c, w in zip(r, widths)))
    for s in scores:
        if s["first_violation"]:
            print("%s: first violation: %s" % (s["entry"], s["first_violation"]))
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump({"seed": args.seed, "rounds": args.rounds, "ranking": scores}, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
