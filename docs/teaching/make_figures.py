#!/usr/bin/env python3
"""Regenerates the Zab primer's figures from Lab 3's scenarios (docs/teaching/figures.txt).

    python3 docs/teaching/make_figures.py [--out DIR] [--sim PATH] [--viz PATH]

For each figure: runs the scenario with zablab-sim, finds the first timeline line matching the
figure's pattern (the decisive step), and has zablab-viz render the run at that virtual time
into DIR/<figure> (default docs/teaching/figures/). Without a display it runs zablab-viz under
`xvfb-run -a`. Fails, naming the figure, when a scenario no longer shows its step.
"""

import argparse
import os
import re
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
SCENARIOS = os.path.join("labs", "lab3-zab-viz", "scenarios")
TIME = re.compile(r"^\s*([0-9]+\.[0-9]+)s\s")


def figures(spec_file):
    with open(spec_file, encoding="utf-8") as f:
        for line in f:
            if not line.strip() or line.startswith("#"):
                continue
            name, scenario, options, pattern = line.rstrip("\n").split(None, 3)
            yield name, scenario, [] if options == "-" else options.split(","), pattern


def step_time_ms(sim, scenario, options, pattern):
    """The virtual time (ms) of the timeline line where `pattern` first matches."""
    p = subprocess.run([sim, "run", scenario] + options, cwd=REPO, capture_output=True, text=True, timeout=300)
    if p.returncode != 0:
        raise RuntimeError("%s failed (exit %d):\n%s" % (scenario, p.returncode, (p.stdout + p.stderr)[-2000:]))
    m = re.search(pattern, p.stdout, re.M)
    if not m:
        return None
    # The match may span lines: the step is its last line.
    end = p.stdout.rfind("\n", 0, m.end() - 1) + 1
    t = TIME.match(p.stdout[end:])
    if not t:
        raise RuntimeError("%s: the line matching /%s/ has no time" % (scenario, pattern))
    # The timeline prints microseconds; the step's record may be up to 1 us later than printed.
    return float(t.group(1)) * 1000 + 0.001


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default=os.path.join(HERE, "figures"))
    ap.add_argument("--sim", default=os.environ.get("ZABLAB_SIM") or os.path.join(REPO, "build/apps/sim/zablab-sim"))
    ap.add_argument("--viz", default=os.environ.get("ZABLAB_VIZ") or os.path.join(REPO, "build/apps/viz/zablab-viz"))
    args = ap.parse_args()
    headless = not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
    if headless and not shutil.which("xvfb-run"):
        sys.exit("make_figures: no display and no xvfb-run (sudo apt-get install xvfb)")
    os.makedirs(args.out, exist_ok=True)
    failed = 0
    for name, scn, options, pattern in figures(os.path.join(HERE, "figures.txt")):
        scenario = os.path.join(SCENARIOS, scn)
        at = step_time_ms(args.sim, scenario, options, pattern)
        if at is None:
            print("%s: %s shows no step matching /%s/" % (name, scn, pattern))
            failed += 1
            continue
        png = os.path.join(os.path.abspath(args.out), name)
        cmd = [args.viz, "--scenario", scenario, "--at", "%.3f" % at, "--screenshot", png]
        if headless:
            cmd = ["xvfb-run", "-a", "-s", "-screen 0 1280x800x24"] + cmd
        p = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=300)
        if p.returncode != 0:
            print("%s: zablab-viz failed:\n%s" % (name, (p.stdout + p.stderr)[-2000:]))
            failed += 1
            continue
        print("%s: %s at %.3f ms" % (name, scn, at))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
