#!/usr/bin/env python3
"""Lab 2 harness: run N leader-election candidates as processes, kill leaders at random, and
check what the lab asks for.

    python3 election_harness.py ../solution/candidate.py          # starts its own zablab-server
    python3 election_harness.py --hosts 127.0.0.1:2181 my_candidate.py
    python3 election_harness.py --n 7 --rounds 10 --seed 42 my_candidate.py

A candidate is any program started as

    <python> <script> --hosts HOST:PORT --path /election-xyz --id NAME --timeout SECONDS

that prints these lines on stdout (flushed), `time.monotonic()` first:

    @<t> JOINED <its znode, or -> <its session id, 0x-hex>
    @<t> LEADER <the znode that makes it leader>
    @<t> WOKE <event type> <path>     each time one of its ZooKeeper watches fires
    @<t> RESIGNED <reason>            when it stops being leader (before closing its session)

and that closes its session and exits on SIGTERM.

What is checked (each failed check is printed as a VIOLATION and makes the exit code 1):

  safety      never two leaders at once: the leadership intervals of all candidates, on the
              machine-wide monotonic clock, do not overlap; and whenever the harness looks,
              exactly one live candidate claims leadership and ZooKeeper agrees (its znode
              exists, belongs to its session, and is the lowest in the queue).
  liveness    after a leader dies a new one is elected within a bound: at once after a
              graceful stop, about one session timeout after a SIGKILL.
  no herd     each failure wakes at most one candidate (exactly one when somebody was queued
              behind the dead one), a new candidate joining wakes nobody, and, on the server
              (`wchp`), no znode is watched by more than one candidate. (Apache ZooKeeper's
              `wchp` lists only exists/getData watches, zablab's child watches too; the
              wake-up count catches a herd of either kind.)
  no polling  while nothing happens, each candidate's connection receives no more packets than
              its heartbeats explain (per-connection `recved` from `cons`; `mntr`'s
              zk_packets_received is shown too). This phase runs candidates with a long session
              timeout so that heartbeats are rare.

The server must allow the four-letter words mntr, cons and wchp (`4lw.commands.whitelist=*`).
Standard library + kazoo.
"""

import argparse
import math
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "common"))
import labserver  # noqa: E402

LINE_RE = re.compile(r"^@(\d+(?:\.\d+)?)\s+(\w+)\s*(.*)$")
CONS_SID_RE = re.compile(r"sid=0x([0-9a-fA-F]+)")
CONS_RECVED_RE = re.compile(r"recved=(\d+)")

KAZOO_PING_JITTER = 0.4   # kazoo pings after read_timeout/2 - U(0, 0.4) s of silence


def _is_sequential(name):
    return len(name) >= 10 and name[-10:].isdigit()


class Candidate:
    """One candidate process and what it said."""

    def __init__(self, harness, name, session_timeout):
        self.h = harness
        self.name = name
        self.session_timeout = session_timeout
        self.znode = None
        self.sid = None
        self.leader_path = None
        self.intervals = []        # [start, end-or-None] of each leadership
        self.alive = True          # for leadership purposes (False from the SIGKILL on)
        self.exit_t = None
        self.noise = []            # lines that are not protocol lines
        self._err = open(os.path.join(harness.tmpdir, name + ".stderr"), "wb")
        cmd = [harness.python, harness.script, "--hosts", harness.hosts, "--path",
               harness.path, "--id", name, "--timeout", "%g" % session_timeout]
        self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                     stderr=self._err, start_new_session=True,
                                     preexec_fn=labserver.die_with_parent)
        self._reader = threading.Thread(target=self._read, daemon=True,
                                        name="reader-" + name)
        self._reader.start()

    def _read(self):
        for raw in self.proc.stdout:
            self.h._on_line(self, time.monotonic(), raw.decode("utf-8", "replace").rstrip("\n"))
        self.proc.stdout.close()

    @property
    def seq(self):
        if self.znode and _is_sequential(self.znode):
            return int(self.znode[-10:])
        return None

    def claims(self):
        return self.alive and bool(self.intervals) and self.intervals[-1][1] is None

    def stderr_tail(self, n=15):
        try:
            with open(os.path.join(self.h.tmpdir, self.name + ".stderr"), "rb") as f:
                return "\n".join(f.read().decode("utf-8", "replace").splitlines()[-n:])
        except OSError:
            return ""

    def close_files(self):
        self._err.close()


class Event:
    __slots__ = ("t", "cand", "word", "args")

    def __init__(self, t, cand, word, args):
        self.t, self.cand, self.word, self.args = t, cand, word, args


class Harness:
    def __init__(self, script, hosts, python=None, seed=None, log=None, verbose=False):
        from kazoo.client import KazooClient
        self.script = os.path.abspath(script)
        self.hosts = hosts
        self.host, port = hosts.split(",")[0].rsplit(":", 1)
        self.port = int(port)
        self.python = python or sys.executable
        self.seed = seed if seed is not None else random.randrange(1 << 30)
        self.rng = random.Random(self.seed)
        self.log = log or (lambda s: print(s, flush=True))
        self.verbose = verbose
        self.path = "/lab2-election-%d-%d" % (os.getpid(), int(time.time() * 1000) % 100000000)
        self.tmpdir = tempfile.mkdtemp(prefix="zablab-lab2-")
        self.cv = threading.Condition()
        self.events = []
        self.cands = []
        self.violations = []
        self._counter = 0
        self.zk = KazooClient(hosts=hosts, timeout=30.0)
        self.zk.start(timeout=15)
        self.zk.ensure_path(self.path)

    # ----- bookkeeping ----------------------------------------------------------------------
    def violation(self, text):
        self.violations.append(text)
        self.log("VIOLATION: " + text)

    def _on_line(self, cand, t_recv, line):
        m = LINE_RE.match(line)
        with self.cv:
            if not m:
                cand.noise.append(line)
                if self.verbose:
                    self.log("  [%s] %s" % (cand.name, line))
                return
            t, word, rest = float(m.group(1)), m.group(2), m.group(3).split()
            ev = Event(t, cand, word, rest)
            self.events.append(ev)
            if word == "JOINED" and rest:
                cand.znode = rest[0] if rest[0] != "-" else None
                if len(rest) > 1:
                    try:
                        cand.sid = int(rest[1], 16)
                    except ValueError:
                        pass
            elif word == "LEADER":
                cand.leader_path = rest[0] if rest else None
                if cand.intervals and cand.intervals[-1][1] is None:
                    self.violation("%s said LEADER twice without RESIGNED" % cand.name)
                else:
                    cand.intervals.append([t, None])
            elif word == "RESIGNED":
                if cand.intervals and cand.intervals[-1][1] is None:
                    cand.intervals[-1][1] = t
            if self.verbose:
                self.log("  %.3f [%s] %s %s" % (t, cand.name, word, " ".join(rest)))
            self.cv.notify_all()

    def wait_for(self, predicate, timeout, what):
        deadline = time.monotonic() + timeout
        with self.cv:
            while True:
                value = predicate()
                if value:
                    return value
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError("timed out after %.1f s waiting for %s" % (timeout, what))
                self.cv.wait(min(left, 0.05))

    def quiet(self, seconds):
        """Wait until no protocol line arrived for `seconds` (bounded by 10 x seconds)."""
        deadline = time.monotonic() + 10 * seconds
        while time.monotonic() < deadline:
            with self.cv:
                n = len(self.events)
            time.sleep(seconds)
            with self.cv:
                if len(self.events) == n:
                    return

    def live(self):
        return [c for c in self.cands if c.alive and c.proc.poll() is None]

    def claimants(self):
        return [c for c in self.cands if c.claims()]

    # ----- processes ------------------------------------------------------------------------
    def spawn(self, count, session_timeout):
        new = []
        for _ in range(count):
            self._counter += 1
            c = Candidate(self, "c%02d" % self._counter, session_timeout)
            self.cands.append(c)
            new.append(c)
        for c in new:
            try:
                self.wait_for(lambda: any(e.cand is c and e.word == "JOINED"
                                          for e in self.events) or c.proc.poll() is not None,
                              20.0, "%s to print JOINED" % c.name)
            except TimeoutError as e:
                raise RuntimeError("%s\n%s" % (e, c.stderr_tail()))
            if c.proc.poll() is not None:
                raise RuntimeError("candidate %s exited with code %s before JOINED:\n%s"
                                   % (c.name, c.proc.returncode, c.stderr_tail()))
        return new

    def stop(self, cand, mode):
        """mode 'term' (graceful: SIGTERM) or 'kill' (crash: SIGKILL). Returns the signal time."""
        t = time.monotonic()
        if mode == "kill":
            with self.cv:
                cand.alive = False            # a SIGKILLed process can no longer act as leader
                if cand.intervals and cand.intervals[-1][1] is None:
                    cand.intervals[-1][1] = t
            cand.proc.send_signal(signal.SIGKILL)
        else:
            cand.proc.send_signal(signal.SIGTERM)
        try:
            cand.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.violation("%s did not exit within 10 s of SIGTERM" % cand.name)
            cand.proc.kill()
            cand.proc.wait(timeout=5)
        cand._reader.join(timeout=5)
        with self.cv:
            cand.exit_t = time.monotonic()
            cand.alive = False
            if cand.intervals and cand.intervals[-1][1] is None:
                cand.intervals[-1][1] = cand.exit_t   # exited without saying RESIGNED
        return t

    def shutdown(self):
        for c in self.cands:
            if c.proc.poll() is None:
                try:
                    self.stop(c, "term")
                except Exception:
                    c.proc.kill()
        for c in self.cands:
            c.close_files()
        try:
            self.zk.delete(self.path, recursive=True)
        except Exception:
            pass
        try:
            self.zk.stop()
            self.zk.close()
        except Exception:
            pass
        shutil.rmtree(self.tmpdir, ignore_errors=True)

    # ----- checks ---------------------------------------------------------------------------
    def await_one_leader(self, timeout):
        """Wait until exactly one live candidate claims leadership; check ZooKeeper agrees."""
        try:
            self.wait_for(lambda: len(self.claimants()) == 1, timeout, "exactly one leader")
        except TimeoutError:
            names = [c.name for c in self.claimants()]
            self.violation("no single leader after %.1f s (claiming: %s)" % (timeout, names))
            return None
        leader = self.claimants()[0]
        self.check_zookeeper_agrees(leader)
        return leader

    def check_zookeeper_agrees(self, leader):
        path = leader.leader_path
        if not path:
            return
        stat = self.zk.exists(path)
        if stat is None:
            self.violation("%s claims leadership through %s, which does not exist"
                           % (leader.name, path))
            return
        if leader.sid is not None and stat.ephemeralOwner != leader.sid:
            self.violation("%s claims %s, but it belongs to session 0x%x, not 0x%x"
                           % (leader.name, path, stat.ephemeralOwner, leader.sid))
        parent, name = path.rsplit("/", 1)
        if parent == self.path and _is_sequential(name):
            seqs = [c for c in self.zk.get_children(self.path) if _is_sequential(c)]
            lowest = min(seqs, key=lambda c: int(c[-10:]))
            if lowest != name:
                self.violation("%s claims %s, but the lowest candidate is %s"
                               % (leader.name, name, lowest))

    def check_no_overlap(self):
        intervals = []
        now = time.monotonic()
        for c in self.cands:
            for start, end in c.intervals:
                intervals.append((start, end if end is not None else now, c.name))
        intervals.sort()
        for (s1, e1, n1), (s2, e2, n2) in zip(intervals, intervals[1:]):
            if s2 < e1:
                self.violation("two leaders at once for %.3f s: %s [%.3f, %.3f] and %s "
                               "[%.3f, %.3f]" % (min(e1, e2) - s2, n1, s1, e1, n2, s2, e2))
        return len(intervals)

    def server_watchers(self, sids):
        """{path: number of the given sessions watching it}, from `wchp`."""
        text = labserver.four_letter_word(self.port, "wchp", host=self.host)
        if "not executed" in text or "not in the whitelist" in text:
            raise RuntimeError("the server refuses `wchp`: set 4lw.commands.whitelist=*")
        out, path = {}, None
        for line in text.splitlines():
            if not line.strip():
                continue
            if not line[0].isspace():
                path = line.strip()
                out.setdefault(path, 0)
            elif path is not None:
                try:
                    if int(line.strip(), 16) in sids:
                        out[path] += 1
                except ValueError:
                    pass
        return out

    def connection_packets(self):
        """{session id: packets received on its connection}, from `cons`."""
        text = labserver.four_letter_word(self.port, "cons", host=self.host)
        if "not executed" in text:
            raise RuntimeError("the server refuses `cons`: set 4lw.commands.whitelist=*")
        out = {}
        for line in text.splitlines():
            s, r = CONS_SID_RE.search(line), CONS_RECVED_RE.search(line)
            if s and r:
                out[int(s.group(1), 16)] = int(r.group(1))
        return out

    def packets_received(self):
        text = labserver.four_letter_word(self.port, "mntr", host=self.host)
        return labserver.parse_mntr(text).get("zk_packets_received")

    # ----- phases ---------------------------------------------------------------------------
    def idle_phase(self, n, session_timeout=30.0, window=3.0):
        """N candidates, nothing happens for `window` s: count requests and watchers."""
        self.log("== idle phase: %d candidates, session timeout %g s, %g s of silence"
                 % (n, session_timeout, window))
        group = self.spawn(n, session_timeout)
        self.await_one_leader(15.0)
        self.quiet(0.5)
        sids = {c.sid for c in group if c.sid is not None}
        watchers = self.server_watchers(sids)
        busiest = max(watchers.items(), key=lambda kv: kv[1], default=(None, 0))
        self.log("watchers per znode on the server (wchp): max %d%s"
                 % (busiest[1], " (%s)" % busiest[0] if busiest[0] else ""))
        if busiest[1] > 1:
            self.violation("herd effect: %s is watched by %d candidates (wchp)" % busiest)
        ping_gap = max(session_timeout * 2.0 / 3.0 / 2.0 - KAZOO_PING_JITTER, 0.1)
        budget = int(math.floor(window / ping_gap)) + 1
        with self.cv:
            mark = len(self.events)
        before, mntr0 = self.connection_packets(), self.packets_received()
        time.sleep(window)
        after, mntr1 = self.connection_packets(), self.packets_received()
        with self.cv:
            changes = [e for e in self.events[mark:]]
        deltas = {}
        for c in group:
            if c.sid in before and c.sid in after:
                deltas[c.name] = after[c.sid] - before[c.sid]
        self.log("packets per candidate connection in %g s of silence: %s (heartbeats "
                 "explain <= %d each)" % (window, deltas, budget))
        if mntr0 is not None and mntr1 is not None:
            self.log("mntr zk_packets_received: %d -> %d (+%d for the whole server)"
                     % (mntr0, mntr1, mntr1 - mntr0))
        pollers = {k: v for k, v in deltas.items() if v > budget}
        if pollers:
            self.violation("busy polling: while nothing happened, candidates sent %s packets "
                           "in %g s (heartbeats explain <= %d)" % (pollers, window, budget))
        if changes:
            self.violation("candidates reported %d events while nothing happened: %s"
                           % (len(changes), [(e.cand.name, e.word) for e in changes[:5]]))
        if len(deltas) < len(group):
            self.violation("`cons` did not show every candidate's session (%d of %d)"
                           % (len(deltas), len(group)))
        for c in group:
            self.stop(c, "term")
        self.quiet(0.3)
        return {"watchers_max": busiest[1], "packets": deltas, "budget": budget,
                "mntr_delta": (mntr1 - mntr0) if None not in (mntr0, mntr1) else None}

    def plan(self, rounds):
        base = [("leader", "term"), ("leader", "kill"), ("other", "term")]
        extra_kinds = [("leader", "term"), ("leader", "term"), ("leader", "kill"),
                       ("other", "term"), ("other", "kill")]
        steps = base[:rounds] + [self.rng.choice(extra_kinds) for _ in range(rounds - len(base))]
        self.rng.shuffle(steps)
        return steps

    def chaos_phase(self, n, rounds, session_timeout=2.0):
        """N candidates; each round kills the leader or another candidate, then replaces it."""
        self.log("== chaos phase: %d candidates, %d rounds, session timeout %g s, seed %d"
                 % (n, rounds, session_timeout, self.seed))
        self.spawn(n, session_timeout)
        self.quiet(0.5)     # let every candidate set its watch before the first failure
        results = []
        for i, (kind, mode) in enumerate(self.plan(rounds), 1):
            leader = self.await_one_leader(session_timeout + 10.0)
            if leader is None:
                break
            others = [c for c in self.live() if c is not leader]
            victim = leader if kind == "leader" or not others else self.rng.choice(others)
            was_leader = victim is leader
            behind = [c for c in self.live() if c is not victim and c.seq is not None
                      and victim.seq is not None and c.seq > victim.seq]
            expected = (1 if behind else 0) if victim.seq is not None else None
            with self.cv:
                mark = len(self.events)
            t0 = self.stop(victim, mode)
            recovery = None
            if was_leader:
                bound = (victim.session_timeout + 5.0) if mode == "kill" else 5.0
                try:
                    ev = self.wait_for(lambda: next((e for e in self.events[mark:]
                                                     if e.word == "LEADER"), None),
                                       bound, "a new leader")
                    recovery = ev.t - t0
                except TimeoutError:
                    self.violation("round %d: no new leader within %.1f s after the leader "
                                   "was stopped (%s)" % (i, bound, mode))
            if victim.znode:
                deadline = time.monotonic() + victim.session_timeout + 5.0
                while self.zk.exists(victim.znode) is not None:
                    if time.monotonic() > deadline:
                        self.violation("round %d: %s still exists %.1f s after its owner died"
                                       % (i, victim.znode, victim.session_timeout + 5.0))
                        break
                    time.sleep(0.05)
            self.quiet(0.3)
            with self.cv:
                woke = [e.cand.name for e in self.events[mark:] if e.word == "WOKE"]
            line = ("round %d: %s %s (%s), woke %d candidate(s) %s%s"
                    % (i, "SIGKILL" if mode == "kill" else "SIGTERM", victim.name,
                       "leader" if was_leader else "not leader", len(woke), woke,
                       ", new leader after %.3f s" % recovery if recovery is not None else ""))
            self.log(line)
            if expected is not None and len(woke) != expected:
                self.violation("round %d: the failure of %s woke %d candidates, expected %d"
                               % (i, victim.name, len(woke), expected))
            elif expected is None and len(woke) > 1:
                self.violation("round %d: herd effect: the failure of %s woke %d candidates"
                               % (i, victim.name, len(woke)))
            results.append({"round": i, "victim": victim.name, "mode": mode,
                            "was_leader": was_leader, "woke": len(woke),
                            "expected": expected, "recovery_s": recovery})
            # Keep N candidates: a newcomer must not wake anybody either.
            with self.cv:
                mark = len(self.events)
            new = self.spawn(1, session_timeout)[0]
            self.quiet(0.3)
            with self.cv:
                woke = [e.cand.name for e in self.events[mark:] if e.word == "WOKE"]
            if woke:
                self.violation("round %d: %s joining woke %d candidates %s"
                               % (i, new.name, len(woke), woke))
        self.await_one_leader(session_timeout + 10.0)
        return results


def run(script, hosts, n=5, rounds=6, seed=None, idle=True, chaos=True, idle_window=3.0,
        chaos_timeout=2.0, log=None, verbose=False):
    """Run the phases against `hosts`; returns a report dict (report["ok"] is the verdict)."""
    h = Harness(script, hosts, seed=seed, log=log, verbose=verbose)
    report = {"seed": h.seed}
    try:
        if idle:
            report["idle"] = h.idle_phase(n, window=idle_window)
        if chaos:
            report["rounds"] = h.chaos_phase(n, rounds, session_timeout=chaos_timeout)
        report["leaderships"] = h.check_no_overlap()
    except (RuntimeError, TimeoutError) as e:
        h.violation("harness stopped: %s" % e)
    finally:
        h.shutdown()
    report["violations"] = list(h.violations)
    report["ok"] = not h.violations
    h.log("== %s: %d leaderships, %d violations (seed %d)"
          % ("PASS" if report["ok"] else "FAIL", report.get("leaderships", 0),
             len(h.violations), h.seed))
    return report


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("script", help="the candidate program (python)")
    ap.add_argument("--hosts", help="a running server (needs 4lw.commands.whitelist=*); "
                    "default: start a throwaway zablab-server")
    ap.add_argument("--server-binary", help="zablab-server to start (default: $ZABLAB_SERVER "
                    "or build/apps/zablab-server)")
    ap.add_argument("--n", type=int, default=5, help="number of candidates (default 5)")
    ap.add_argument("--rounds", type=int, default=6, help="failures to inject (default 6)")
    ap.add_argument("--seed", type=int, help="random seed (printed, to replay a run)")
    ap.add_argument("--no-idle", action="store_true", help="skip the polling/herd phase")
    ap.add_argument("--no-chaos", action="store_true", help="skip the failure phase")
    ap.add_argument("-v", "--verbose", action="store_true", help="show every protocol line")
    args = ap.parse_args(argv)
    server = None
    try:
        if args.hosts:
            hosts = args.hosts
        else:
            server = labserver.LabServer(binary=args.server_binary).start()
            hosts = server.hosts
            print("started a throwaway server on %s" % hosts, flush=True)
        report = run(args.script, hosts, n=args.n, rounds=args.rounds, seed=args.seed,
                     idle=not args.no_idle, chaos=not args.no_chaos, verbose=args.verbose)
    finally:
        if server is not None:
            server.stop()
    return 0 if report["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
