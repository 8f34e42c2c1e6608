#!/usr/bin/python3
"""Every command of every zablab executable answers --help with its own usage and options on
stdout and exits 0 (no "unrecognised option", nothing required parsed first).

The executables come from the environment: ZABLAB_SIM, ZABLAB_SERVER, ZABLAB_CLI and, when the
visualizer was built, ZABLAB_VIZ."""
import os
import subprocess
import sys

# (executable variable, arguments, text the answer must contain: the command's own usage line or
# an option only it has)
CASES = [
    ("ZABLAB_SIM", ["--help"], "commands:"),
    ("ZABLAB_SIM", ["help"], "commands:"),
    ("ZABLAB_SIM", ["run", "--help"], "zablab-sim run"),
    ("ZABLAB_SIM", ["check", "--help"], "zablab-sim check"),
    ("ZABLAB_SIM", ["fuzz", "--help"], "zablab-sim fuzz [options]"),
    ("ZABLAB_SIM", ["fuzz", "-h"], "zablab-sim fuzz [options]"),
    ("ZABLAB_SIM", ["fuzz", "merge", "--help"], "zablab-sim fuzz merge"),
    ("ZABLAB_SIM", ["explore", "--help"], "zablab-sim explore"),
    ("ZABLAB_SIM", ["replay", "--help"], "zablab-sim replay"),
    ("ZABLAB_SIM", ["export", "--help"], "zablab-sim export"),
    ("ZABLAB_SIM", ["bugs", "--help"], "zablab-sim bugs"),
    ("ZABLAB_SIM", ["checks", "--help"], "zablab-sim checks"),
    ("ZABLAB_SERVER", ["--help"], "--log-level"),
    ("ZABLAB_CLI", ["--help"], "--server"),
    ("ZABLAB_CLI", ["-help"], "--server"),
    ("ZABLAB_VIZ", ["--help"], "--scenario"),
]


def main():
    failures = []
    ran = 0
    for var, args, expected in CASES:
        exe = os.environ.get(var)
        if not exe:
            if var == "ZABLAB_VIZ":
                print(f"skip: {var} not set (zablab-viz not built)")
                continue
            failures.append(f"{var} is not set")
            continue
        name = os.path.basename(exe) + " " + " ".join(args)
        try:
            p = subprocess.run([exe, *args], capture_output=True, text=True, timeout=30)
        except subprocess.TimeoutExpired:
            failures.append(f"{name}: no answer within 30 s")
            continue
        ran += 1
        if p.returncode != 0:
            failures.append(f"{name}: exit {p.returncode}, stderr: {p.stderr.strip()[:300]}")
        elif expected not in p.stdout:
            failures.append(f"{name}: stdout lacks {expected!r}: {p.stdout.strip()[:300]}")
        elif "unrecognised" in p.stdout + p.stderr or "unrecognized" in p.stdout + p.stderr:
            failures.append(f"{name}: says an option is unrecognised")
        else:
            print(f"ok: {name}")
    for f in failures:
        print("FAIL: " + f)
    if ran == 0:
        print("FAIL: nothing ran")
        return 1
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
