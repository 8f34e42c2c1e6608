#!/usr/bin/python3
"""Runs kazoo's own upstream test suite (Debian python3-kazoo ships it as `kazoo.tests`)
against a zablab-server.

    ZABLAB_SERVER=build/apps/zablab-server /usr/bin/python3 tests/kazoo_upstream/run_kazoo_tests.py
    ... run_kazoo_tests.py -k test_lock            # extra arguments go to pytest
    ZABLAB_TEST_AGAINST=apache ... run_kazoo_tests.py   # Apache ZooKeeper 3.8 instead (validation)

pytest runs in a child process with the plugin zablab_kazoo_plugin (next to this file), which
starts the server(s) and points kazoo.testing.harness at them; skip_list.py names the tests
skipped for missing features. This parent bounds the whole run, then kills any server left
behind and removes the temp dir, whatever happened.

Exit code: 0 if every test that is not skipped passed; 1 if any failed or errored (or the run
timed out); 77 (CTest reports the test as skipped) if pytest is missing, or if a test skipped for
another reason than skip_list.py's or upstream's own Travis-only check (e.g. gevent or eventlet
missing, so their handler tests skip): a machine that did not run everything does not look green.

Environment:
  ZABLAB_SERVER               zablab-server binary (default /work/main/build/apps/zablab-server)
  ZABLAB_KAZOO_TIMEOUT        bound on the whole run, seconds (default 540)
  ZABLAB_KAZOO_TEST_TIMEOUT   bound on one test, seconds (default 60)
  ZABLAB_TEST_AGAINST=apache  run Apache ZooKeeper 3.8 (Debian's `zookeeper` package)
"""

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_SERVER = "/work/main/build/apps/zablab-server"
SKIP_EXIT = 77
# The one test upstream skips by design off Travis CI (it compares ZOOKEEPER_VERSION).
UPSTREAM_SKIP_BY_DESIGN = "Only run build config tests on Travis"


def have_module(name):
    r = subprocess.run([sys.executable, "-c", "import " + name],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=60)
    return r.returncode == 0


def kill_leftovers(tmp):
    """SIGKILL the servers the plugin started that are still alive. Only a pid whose command
    line names a file under this run's temp dir is ours (pids get reused)."""
    try:
        with open(os.path.join(tmp, "pids")) as f:
            pids = [int(x) for x in f.read().split() if x.strip()]
    except OSError:
        return
    for pid in pids:
        try:
            with open("/proc/%d/cmdline" % pid, "rb") as f:
                cmdline = f.read().decode("utf-8", "replace")
        except OSError:
            continue
        if tmp not in cmdline:
            continue
        try:
            os.kill(pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass


def report_progress(tmp):
    """After pytest died or was killed: how far it got, and the test it was in."""
    try:
        with open(os.path.join(tmp, "progress")) as f:
            lines = [l.split(" ", 1) for l in f.read().splitlines() if " " in l]
    except OSError:
        print("run_kazoo_tests: no progress recorded")
        return
    started = [n for w, n in lines if w == "START"]
    outcomes = {}
    for w, n in lines:
        if w != "START":
            outcomes.setdefault(n, []).append(w)
    failed = sorted({n for w, n in lines if w.endswith(":failed")})
    print("run_kazoo_tests: %d tests started before pytest ended" % len(started))
    for n in failed:
        print("  FAILED %s (%s)" % (n, ", ".join(outcomes[n])))
    if started and not any(w.startswith("teardown:") for w in outcomes.get(started[-1], [])):
        print("  still running: %s" % started[-1])
    hung = [n for w, n in lines if w == "HUNG"]
    for n in hung:
        print("  hung (pytest gave up): %s" % n)


def summarize(junit_path):
    """(counts, failures, skips) from pytest's JUnit XML."""
    counts = {"passed": 0, "failed": 0, "error": 0, "skipped": 0}
    failures, skips = [], []
    try:
        tree = ET.parse(junit_path)
    except (OSError, ET.ParseError):
        return None, [], []
    for case in tree.iter("testcase"):
        name = "%s::%s" % (case.get("classname", ""), case.get("name", ""))
        kinds = {child.tag: child for child in case}
        if "failure" in kinds or "error" in kinds:
            tag = "failure" if "failure" in kinds else "error"
            msg = (kinds[tag].get("message") or "").strip().splitlines()
            if "failure" in kinds:
                counts["failed"] += 1
            else:
                counts["error"] += 1
            failures.append((name, tag, msg[0] if msg else ""))
            # A test can both fail and error (in teardown); count it once more as error only
            # if it has both (pytest writes two testcases then, so nothing to do here).
        elif "skipped" in kinds:
            counts["skipped"] += 1
            skips.append((name, (kinds["skipped"].get("message") or "").strip()))
        else:
            counts["passed"] += 1
    return counts, failures, skips


def main(argv):
    server = os.environ.get("ZABLAB_SERVER") or DEFAULT_SERVER
    apache = os.environ.get("ZABLAB_TEST_AGAINST", "").lower() == "apache"
    if not apache and not os.access(server, os.X_OK):
        print("run_kazoo_tests: ZABLAB_SERVER=%s is not an executable" % server)
        return 1
    missing = [m for m in ("pytest", "kazoo.tests") if not have_module(m)]
    if missing:
        print("run_kazoo_tests: %s cannot import %s; install Debian's python3-pytest and "
              "python3-kazoo (scripts/install-deps.sh)" % (sys.executable, ", ".join(missing)))
        return SKIP_EXIT
    total_timeout = float(os.environ.get("ZABLAB_KAZOO_TIMEOUT", "540"))

    tmp = tempfile.mkdtemp(prefix="zablab-kazoo-")
    proc = None
    timed_out = False
    try:
        ini = os.path.join(tmp, "pytest.ini")
        with open(ini, "w") as f:
            f.write("[pytest]\n")
        junit = os.path.join(tmp, "junit.xml")
        env = dict(os.environ)
        env["ZABLAB_SERVER"] = server
        env["ZABLAB_KAZOO_TMP"] = tmp
        env["PYTHONPATH"] = HERE + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
        # Never write .pyc files (pytest's assertion rewriting would write them next to the
        # upstream tests, under /usr/lib/python3/dist-packages).
        env["PYTHONDONTWRITEBYTECODE"] = "1"
        for k in ("TRAVIS", "ZOOKEEPER_VERSION", "ZOOKEEPER_PATH", "ZOOKEEPER_CLASSPATH",
                  "ZOOKEEPER_JAAS_AUTH", "PYTEST_ADDOPTS", "PYTEST_PLUGINS"):
            env.pop(k, None)
        cmd = [sys.executable, "-m", "pytest",
               "-c", ini, "--rootdir", tmp,
               "-p", "no:cacheprovider", "-p", "zablab_kazoo_plugin",
               "--pyargs", "kazoo.tests",
               "-q", "-rfEs", "--tb=short", "--durations=10",
               # upstream's own noise: deprecated APIs in kazoo 2.8/eventlet, and the harness's
               # "No chroot path exists" before it creates the chroot
               "-W", "ignore::DeprecationWarning", "-W", "ignore:No chroot path exists",
               "--junitxml", junit, "-o", "junit_family=xunit1"] + list(argv)
        print("run_kazoo_tests: %s against %s" % (
            "Apache ZooKeeper" if apache else "zablab-server", "java" if apache else server))
        sys.stdout.flush()
        t0 = time.monotonic()
        proc = subprocess.Popen(cmd, cwd=tmp, env=env, start_new_session=True)
        try:
            rc = proc.wait(timeout=total_timeout)
        except subprocess.TimeoutExpired:
            timed_out = True
            print("run_kazoo_tests: the run exceeded %.0f s; stacks of pytest's threads, then "
                  "killing it" % total_timeout)
            sys.stdout.flush()
            try:
                os.kill(proc.pid, signal.SIGUSR2)   # faulthandler: dump all threads' stacks
                proc.wait(timeout=3)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                pass
            os.killpg(proc.pid, signal.SIGKILL)
            rc = proc.wait(timeout=30)
        elapsed = time.monotonic() - t0
        kill_leftovers(tmp)

        counts, failures, skips = summarize(junit)
        print()
        print("=" * 78)
        if counts is None:
            print("run_kazoo_tests: no results (pytest exit code %s)" % rc)
            report_progress(tmp)
            return 1
        if sum(counts.values()) == 0:
            print("run_kazoo_tests: no test ran (select tests with -k EXPRESSION)")
            return 1
        ours = [s for s in skips if s[1].startswith("zablab:")]
        upstream = [s for s in skips if not s[1].startswith("zablab:")]
        print("kazoo upstream suite against %s: %d passed, %d failed, %d errors, %d skipped "
              "(%d by zablab's skip list, %d by the tests themselves) in %.0f s"
              % ("Apache ZooKeeper" if apache else "zablab", counts["passed"], counts["failed"],
                 counts["error"], counts["skipped"], len(ours), len(upstream), elapsed))
        for name, kind, msg in failures:
            print("  %s %s: %s" % (kind.upper(), name, msg[:200]))
        if ours:
            print("skipped by zablab's skip list (skip_list.py: features zablab does not have):")
            for name, msg in ours:
                print("  %s: %s" % (name, msg[len("zablab:"):].strip()))
        if upstream:
            print("skipped by the tests themselves:")
            for name, msg in upstream:
                print("  %s: %s" % (name, msg[:160]))
        if timed_out:
            return 1
        ok = rc == 0 and counts["failed"] == 0 and counts["error"] == 0
        unexpected = [s for s in upstream if not s[1].startswith(UPSTREAM_SKIP_BY_DESIGN)]
        if ok and unexpected:
            print("run_kazoo_tests: %d tests skipped for want of something on this machine: "
                  "reported as skipped (exit %d)" % (len(unexpected), SKIP_EXIT))
            return SKIP_EXIT
        return 0 if ok else 1
    finally:
        if proc is not None and proc.poll() is None:
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            proc.wait(timeout=30)
        kill_leftovers(tmp)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
