#!/usr/bin/python3
"""Chaos on real processes (docs/hardening.md): a 3- and a 5-server zablab ensemble on loopback
under a steady kazoo write load; every round kills -9 a random member (the leader half the time),
restarts it, then SIGSTOPs a random member for longer than the session timeout and SIGCONTs it.
At the end every acknowledged write must be on every server with the zxid its acknowledgement
carried (so: present, and in the same order everywhere), every server must hold exactly the same
znodes with the same zxids, and no client may ever have observed its zxid go backwards.

    /usr/bin/python3 scripts/chaos.py                        # 3 and 5 servers, 20 rounds each
    /usr/bin/python3 scripts/chaos.py --sizes 3 --rounds 5 --seed 7
    ZABLAB_SERVER=build/apps/zablab-server (the default) or --server PATH
    ZABLAB_TEST_AGAINST=apache  runs Apache ZooKeeper's QuorumPeerMain instead (validates the script)

Everything is bounded (every wait, every round, --budget for the whole run) and cleaned up (the
servers are SIGCONTed and SIGKILLed, the temp dirs removed, also on failure or Ctrl-C). Exit status
0 when every check held, 1 otherwise; the last line is a JSON summary.
"""

import argparse
import json
import logging
import os
import random
import shutil
import signal
import sys
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))
import zlharness  # noqa: E402  (the integration tests' process harness)

from kazoo.exceptions import (ConnectionClosedError, ConnectionLoss, NodeExistsError,  # noqa: E402
                              NoNodeError, OperationTimeoutError, SessionExpiredError)
from kazoo.handlers.threading import KazooTimeoutError  # noqa: E402

RETRYABLE = (ConnectionLoss, SessionExpiredError, OperationTimeoutError, KazooTimeoutError,
             ConnectionClosedError)
BASE = "/chaos"


def log(msg):
    print("chaos: %s" % msg, flush=True)


class Failure(Exception):
    pass


class Monotonic:
    """A client's observed zxids: every sample must be >= the previous one."""

    def __init__(self, what):
        self.what = what
        self.last = 0
        self.samples = 0
        self.violations = []

    def see(self, zxid, where):
        if zxid is None or zxid <= 0:
            return
        self.samples += 1
        if zxid < self.last:
            self.violations.append("%s: zxid went back from 0x%x to 0x%x (%s)"
                                   % (self.what, self.last, zxid, where))
        self.last = max(self.last, zxid)


class Writer(threading.Thread):
    """Creates /chaos/w<k>-<n> one after the other. A create that returned is acknowledged with
    its czxid; one retried after a lost reply that then finds its node existing is acknowledged
    without a zxid (it must be present); one that never got an answer within write_timeout is
    `unknown` (it may or may not be present)."""

    def __init__(self, k, hosts, args, stop):
        super().__init__(name="writer-%d" % k, daemon=True)
        self.k = k
        self.hosts = hosts
        self.args = args
        self.stop_event = stop
        self.acked = {}       # name -> czxid
        self.present = set()  # names acknowledged by NodeExists on a retry
        self.unknown = set()
        self.last_czxid = 0
        self.order_violations = []
        self.client_zxids = Monotonic("writer %d (kazoo last_zxid)" % k)
        self.error = None
        self.zk = None
        self.lock = threading.Lock()

    def count(self):
        with self.lock:
            return len(self.acked) + len(self.present)

    def run(self):
        try:
            self.zk = zlharness.kazoo_client(self.hosts, timeout=self.args.session_timeout,
                                             start_timeout=60.0)
            n = 0
            while not self.stop_event.is_set():
                self.write_one("w%d-%08d" % (self.k, n))
                n += 1
                if self.args.write_interval > 0:
                    self.stop_event.wait(self.args.write_interval)
        except Exception as e:  # reported by the main thread
            self.error = "%s: %r" % (self.name, e)

    def write_one(self, name):
        path = "%s/%s" % (BASE, name)
        data = ("%d" % self.k).encode()
        deadline = time.monotonic() + self.args.write_timeout
        retried = False
        while True:
            try:
                _, stat = self.zk.create_async(path, data, include_data=True).get(
                    timeout=self.args.session_timeout * 2)
                with self.lock:
                    self.acked[name] = stat.czxid
                if stat.czxid <= self.last_czxid:
                    self.order_violations.append(
                        "writer %d: %s acknowledged with czxid 0x%x after an earlier write had 0x%x"
                        % (self.k, name, stat.czxid, self.last_czxid))
                self.last_czxid = max(self.last_czxid, stat.czxid)
                self.client_zxids.see(self.zk.last_zxid, "after create " + name)
                return
            except NodeExistsError:
                if not retried:
                    raise Failure("writer %d: %s exists before it was ever sent" % (self.k, name))
                with self.lock:
                    self.present.add(name)
                self.client_zxids.see(self.zk.last_zxid, "after create " + name)
                return
            except RETRYABLE:
                retried = True
                if time.monotonic() >= deadline or self.stop_event.is_set():
                    with self.lock:
                        self.unknown.add(name)
                    return
                self.stop_event.wait(0.05)


class Reader(threading.Thread):
    """Reads /chaos's Stat in a loop: its pzxid and kazoo's last_zxid must never go backwards."""

    def __init__(self, k, hosts, args, stop):
        super().__init__(name="reader-%d" % k, daemon=True)
        self.hosts = hosts
        self.args = args
        self.stop_event = stop
        self.pzxid = Monotonic("reader %d (pzxid of %s)" % (k, BASE))
        self.client_zxids = Monotonic("reader %d (kazoo last_zxid)" % k)
        self.reads = 0
        self.error = None
        self.zk = None

    def run(self):
        try:
            self.zk = zlharness.kazoo_client(self.hosts, timeout=self.args.session_timeout,
                                             start_timeout=60.0)
            while not self.stop_event.is_set():
                try:
                    stat = self.zk.exists_async(BASE).get(timeout=self.args.session_timeout * 2)
                    if stat is not None:
                        self.reads += 1
                        self.pzxid.see(stat.pzxid, "read %d" % self.reads)
                    self.client_zxids.see(self.zk.last_zxid, "read %d" % self.reads)
                except RETRYABLE:
                    pass
                self.stop_event.wait(0.02)
        except Exception as e:
            self.error = "%s: %r" % (self.name, e)


class Chaos:
    def __init__(self, size, args, rng):
        self.size = size
        self.args = args
        self.rng = rng
        self.ens = None
        self.stop = threading.Event()
        self.writers = []
        self.readers = []
        self.paused = set()
        self.report = {"servers": size, "rounds": 0, "kills": 0, "leader_kills": 0, "pauses": 0,
                       "recovery_s": []}

    # ----- helpers -------------------------------------------------------------------------
    def settle(self, sids=None, what="settle"):
        t0 = time.monotonic()
        roles = self.ens.wait_for_roles(sids=sids, timeout=self.args.settle_timeout)
        return roles, time.monotonic() - t0

    def leader_of(self, roles):
        leaders = [sid for sid, mode in roles.items() if mode == "leader"]
        return leaders[0] if leaders else None

    def pause(self, sid):
        os.killpg(self.ens.procs[sid].pid, signal.SIGSTOP)
        self.paused.add(sid)

    def resume(self, sid):
        p = self.ens.procs.get(sid)
        if p is not None and p.poll() is None:
            try:
                os.killpg(p.pid, signal.SIGCONT)
            except ProcessLookupError:
                pass
        self.paused.discard(sid)

    def check_threads(self):
        for t in self.writers + self.readers:
            if t.error:
                raise Failure(t.error)
            if not t.is_alive() and not self.stop.is_set():
                raise Failure("%s stopped" % t.name)

    def acked_total(self):
        return sum(w.count() for w in self.writers)

    def wait_progress(self, what):
        """Every writer gets at least one more write acknowledged (liveness after a fault)."""
        before = [w.count() for w in self.writers]
        deadline = time.monotonic() + self.args.progress_timeout
        while time.monotonic() < deadline:
            self.check_threads()
            if all(w.count() > b for w, b in zip(self.writers, before)):
                return
            time.sleep(0.1)
        raise Failure("no write progress within %.0f s %s (acked per writer: %r)"
                      % (self.args.progress_timeout, what, [w.count() for w in self.writers]))

    # ----- the run -------------------------------------------------------------------------
    def run(self, deadline):
        self.ens = zlharness.EnsembleProcesses(self.size, 0, tick_time=self.args.tick,
                                               init_limit=10, sync_limit=5,
                                               label="chaos-%d" % self.size)
        try:
            self.ens.start()
            roles, took = self.settle()
            log("%d servers settled in %.1f s: %r" % (self.size, took, roles))
            zk = zlharness.kazoo_client(self.ens.hosts, timeout=10.0, start_timeout=30.0)
            try:
                zk.ensure_path(BASE)
            finally:
                zlharness.close_client(zk)
            for k in range(self.args.writers):
                self.writers.append(Writer(k, self.ens.hosts, self.args, self.stop))
            for k in range(self.args.readers):
                self.readers.append(Reader(k, self.ens.hosts, self.args, self.stop))
            for t in self.writers + self.readers:
                t.start()
            self.wait_progress("at the start")

            for rnd in range(1, self.args.rounds + 1):
                if time.monotonic() > deadline:
                    raise Failure("time budget exhausted before round %d" % rnd)
                self.one_round(rnd)
                self.report["rounds"] = rnd
            self.finish()
        except BaseException:
            self.report["ok"] = False
            raise
        finally:
            self.stop.set()
            for sid in list(self.paused):
                self.resume(sid)
            for t in self.writers + self.readers:
                t.join(timeout=self.args.session_timeout * 3)
                if t.zk is not None:
                    zlharness.close_client(t.zk)
            failed = not self.report.get("ok", False)
            if failed and self.args.keep:
                self.keep_evidence()
            self.ens.cleanup(failed=failed and self.args.logs)

    def keep_evidence(self):
        """--keep DIR: after a failed run, keep every member's dataDir (txn logs, snapshots, myid),
        its logs and zoo.cfg, and what each writer had acknowledged, for a post-mortem
        (`zablab-cli`'s log tools, or reading the logs)."""
        dest = os.path.join(self.args.keep, "chaos-%d" % self.size)
        for sid in self.ens.sids:
            self.ens.kill(sid)   # stop writing before copying
        try:
            shutil.rmtree(dest, ignore_errors=True)
            if self.ens.tmpdir:
                shutil.copytree(self.ens.tmpdir, dest, symlinks=True)
            os.makedirs(dest, exist_ok=True)
            with open(os.path.join(dest, "acknowledged.json"), "w") as f:
                json.dump({w.name: {"acked": {n: hex(z) for n, z in w.acked.items()},
                                    "present": sorted(w.present), "unknown": sorted(w.unknown)}
                           for w in self.writers}, f, indent=1, sort_keys=True)
            with open(os.path.join(dest, "report.json"), "w") as f:
                json.dump(self.report, f, indent=1)
            log("%d servers: kept the evidence in %s" % (self.size, dest))
        except OSError as e:
            log("%d servers: could not keep the evidence in %s: %s" % (self.size, dest, e))

    def one_round(self, rnd):
        t0 = time.monotonic()
        roles, _ = self.settle()
        leader = self.leader_of(roles)
        others = [sid for sid in self.ens.sids if sid != leader]
        victim = leader if self.rng.random() < 0.5 else self.rng.choice(others)
        self.ens.kill(victim)
        self.report["kills"] += 1
        if victim == leader:
            self.report["leader_kills"] += 1
        survivors = [sid for sid in self.ens.sids if sid != victim]
        _, recovered = self.settle(sids=survivors)
        self.report["recovery_s"].append(round(recovered, 2))
        self.wait_progress("after killing %s %d" % ("leader" if victim == leader else "follower", victim))
        time.sleep(self.rng.uniform(0.0, 1.0))
        self.ens.start_member(victim)
        self.settle()
        self.wait_progress("after restarting %d" % victim)

        roles, _ = self.settle()
        paused = self.rng.choice(self.ens.sids)
        was = roles.get(paused)
        self.pause(paused)
        self.report["pauses"] += 1
        time.sleep(self.args.session_timeout * 1.5)
        self.resume(paused)
        roles, _ = self.settle()
        self.wait_progress("after pausing %s %d" % (was, paused))
        self.check_threads()
        log("%d servers, round %d/%d: killed %s %d (leader again after %.1f s), paused %s %d for %.1f s; "
            "%d writes acknowledged; %.1f s"
            % (self.size, rnd, self.args.rounds, "leader" if victim == leader else "follower", victim,
               recovered, was, paused, self.args.session_timeout * 1.5, self.acked_total(),
               time.monotonic() - t0))

    def finish(self):
        self.stop.set()
        for t in self.writers + self.readers:
            t.join(timeout=self.args.write_timeout + 10)
            if t.is_alive():
                raise Failure("%s did not stop" % t.name)
        self.check_threads_errors_only()
        roles, _ = self.settle()
        log("%d servers: load stopped, final roles %r; reading every server" % (self.size, roles))

        acked, present, unknown = {}, set(), set()
        for w in self.writers:
            acked.update(w.acked)
            present |= w.present
            unknown |= w.unknown
        views = {sid: self.read_server(sid) for sid in self.ens.sids}

        problems = []
        reference_sid = self.ens.sids[0]
        reference = views[reference_sid]
        for sid, view in views.items():
            if view != reference:
                only_here = sorted(set(view) - set(reference))[:5]
                only_there = sorted(set(reference) - set(view))[:5]
                differ = sorted(n for n in set(view) & set(reference) if view[n] != reference[n])[:5]
                problems.append("server %d differs from server %d: only on %d %r, only on %d %r, "
                                "other zxid %r" % (sid, reference_sid, sid, only_here, reference_sid,
                                                   only_there, differ))
        for sid, view in views.items():
            lost = sorted(n for n in acked if n not in view)
            moved = sorted(n for n in acked if n in view and view[n] != acked[n])
            lost_present = sorted(n for n in present if n not in view)
            if lost or lost_present:
                detail = ""
                if lost:
                    lo, hi = min(acked[n] for n in lost), max(acked[n] for n in lost)
                    later = len([z for z in view.values() if z > hi])
                    detail = (" (acknowledged at zxids 0x%x..0x%x; the server has %d znodes created after them, "
                              "so this is a %s)" % (lo, hi, later, "hole in its history" if later else "lost tail"))
                problems.append("server %d lost %d acknowledged writes: %r%s"
                                % (sid, len(lost) + len(lost_present), (lost + lost_present)[:10], detail))
            if moved:
                problems.append("server %d has %d acknowledged writes at another zxid than their ack: %r"
                                % (sid, len(moved), [(n, hex(acked[n]), hex(view[n])) for n in moved[:5]]))
            zxids = list(view.values())
            if len(set(zxids)) != len(zxids):
                problems.append("server %d: two znodes share a czxid" % sid)
        for w in self.writers:
            problems += w.order_violations + w.client_zxids.violations
        for r in self.readers:
            problems += r.pzxid.violations + r.client_zxids.violations

        self.report.update({
            "acknowledged": len(acked) + len(present),
            "acknowledged_with_zxid": len(acked),
            "unknown_outcome": len(unknown),
            "unknown_applied": len([n for n in unknown if n in reference]),
            "znodes": len(reference),
            "reads": sum(r.reads for r in self.readers),
            "zxid_samples": sum(w.client_zxids.samples for w in self.writers)
            + sum(r.client_zxids.samples + r.pzxid.samples for r in self.readers),
            "problems": problems[:20],
        })
        if problems:
            raise Failure("%d servers: %d problems:\n  %s" % (self.size, len(problems), "\n  ".join(problems[:20])))
        self.report["ok"] = True
        log("%d servers: OK: %d acknowledged writes on all %d servers at the same zxids (%d unknown-outcome "
            "writes, %d of them applied), no zxid went backwards over %d samples"
            % (self.size, self.report["acknowledged"], self.size, len(unknown), self.report["unknown_applied"],
               self.report["zxid_samples"]))

    def check_threads_errors_only(self):
        for t in self.writers + self.readers:
            if t.error:
                raise Failure(t.error)

    def read_server(self, sid):
        """{name: czxid} of every child of /chaos, as member sid has it after a sync."""
        zk = zlharness.kazoo_client(self.ens.hosts_of(sid), timeout=10.0, start_timeout=30.0)
        try:
            zk.sync(BASE)
            names = zk.get_children(BASE)
            view = {}
            for i in range(0, len(names), 500):
                batch = names[i:i + 500]
                asyncs = [(n, zk.exists_async("%s/%s" % (BASE, n))) for n in batch]
                for n, a in asyncs:
                    stat = a.get(timeout=30.0)
                    if stat is None:
                        raise Failure("server %d listed %s but has no such node" % (sid, n))
                    view[n] = stat.czxid
            return view
        except NoNodeError:
            return {}
        finally:
            zlharness.close_client(zk)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[3, 5], help="ensemble sizes (default 3 5)")
    ap.add_argument("--rounds", type=int, default=20, help="fault rounds per ensemble (default 20)")
    ap.add_argument("--seed", type=int, default=None, help="random seed (default: time)")
    ap.add_argument("--server", default=None, help="zablab-server binary (default $ZABLAB_SERVER or "
                    "build/apps/zablab-server)")
    ap.add_argument("--writers", type=int, default=3)
    ap.add_argument("--readers", type=int, default=2)
    ap.add_argument("--tick", type=int, default=200, help="tickTime ms (default 200: session timeouts "
                    "0.4-4 s, initLimit 2 s, syncLimit 1 s)")
    ap.add_argument("--session-timeout", type=float, default=4.0, help="client session timeout, s "
                    "(a pause lasts 1.5x this)")
    ap.add_argument("--write-interval", type=float, default=0.02, help="pause between a writer's writes, s")
    ap.add_argument("--write-timeout", type=float, default=60.0, help="give up on one write after, s")
    ap.add_argument("--settle-timeout", type=float, default=90.0, help="for a leader and followers, s")
    ap.add_argument("--progress-timeout", type=float, default=90.0, help="for writes to go on, s")
    ap.add_argument("--budget", type=float, default=3600.0, help="the whole run, s (default 3600)")
    ap.add_argument("--no-logs", dest="logs", action="store_false", help="don't print server log "
                    "tails on failure")
    ap.add_argument("--keep", metavar="DIR", default=None, help="on failure, copy every member's "
                    "dataDir and logs and the acknowledged writes to DIR/chaos-<size>/")
    ap.add_argument("--verbose", action="store_true", help="kazoo's warnings too (every dropped connection)")
    args = ap.parse_args()
    logging.basicConfig(level=logging.WARNING if args.verbose else logging.ERROR, stream=sys.stderr,
                        format="%(asctime)s %(threadName)s %(name)s %(levelname)s %(message)s")

    if not zlharness.against_apache():
        server = args.server or os.environ.get("ZABLAB_SERVER") or os.path.join(ROOT, "build", "apps",
                                                                                "zablab-server")
        if not os.access(server, os.X_OK):
            log("no zablab-server at %s (build it, or pass --server)" % server)
            return 2
        os.environ["ZABLAB_SERVER"] = os.path.abspath(server)
    seed = args.seed if args.seed is not None else int(time.time())
    rng = random.Random(seed)
    log("seed %d, sizes %r, %d rounds each, %d writers, %d readers, tickTime %d ms, session timeout %.1f s"
        % (seed, args.sizes, args.rounds, args.writers, args.readers, args.tick, args.session_timeout))

    start = time.monotonic()
    deadline = start + args.budget
    reports = []
    ok = True

    def on_signal(signum, frame):
        raise KeyboardInterrupt()
    signal.signal(signal.SIGTERM, on_signal)

    try:
        for size in args.sizes:
            chaos = Chaos(size, args, rng)
            t0 = time.monotonic()
            try:
                chaos.run(deadline)
            except (Failure, AssertionError, zlharness.ServerError) as e:
                ok = False
                chaos.report["error"] = str(e)
                log("%d servers: FAILED: %s" % (size, e))
            chaos.report["seconds"] = round(time.monotonic() - t0, 1)
            reports.append(chaos.report)
            if not ok:
                break
    except KeyboardInterrupt:
        ok = False
        log("interrupted")
    summary = {"ok": ok, "seed": seed, "seconds": round(time.monotonic() - start, 1), "runs": reports}
    print(json.dumps(summary), flush=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
