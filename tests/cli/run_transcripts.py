#!/usr/bin/python3
"""Runs zablab-cli transcripts against a real zablab-server and compares the output.

Usage:
  ZABLAB_SERVER=build/apps/zablab-server ZABLAB_CLI=build/apps/cli/zablab-cli \\
      /usr/bin/python3 tests/cli/run_transcripts.py [transcript.txt ...]

Without arguments every *.txt next to this script (but CMakeLists.txt) runs. Each transcript gets a fresh server (own
temp dataDir, free loopback port); the server is always stopped and the temp dir removed.

Transcript format:
  # comment                      ignored (write an expected line that starts with # as \#...)
  #! cfg: key=value              an extra zoo.cfg line for this transcript's server
  #! run: ARGS                   starts a CLI run with these arguments (shell-like quoting);
                                 without any `#! run:`, one run with `-server {server}`
  #! exit: N                     the run's expected exit status (default 0)
  $ command                      a line written to the CLI's stdin
  anything else                  expected output (stdout and stderr, merged in write order)
Placeholders in ARGS: {server} = 127.0.0.1:<port>, {deadport} = a loopback port nobody listens on;
in command lines: {server}.
Masked in expected and actual output alike: the server's address (<server>), 127.0.0.1:{deadport}
(<deadserver>), ctime/mtime dates, zxids in stat blocks, non-zero ephemeralOwner / session ids.

Exit status: 0 all passed, 1 a transcript failed, 2 bad setup (missing binaries, server would not
start).
"""

import difflib
import os
import re
import shlex
import shutil
import socket
import subprocess
import sys
import tempfile
import time

HOST = "127.0.0.1"
SERVER_START_TIMEOUT = 15.0
CLI_TIMEOUT = 60.0
STOP_GRACE = 5.0
HERE = os.path.dirname(os.path.abspath(__file__))


def free_port():
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        s.bind((HOST, 0))
        return s.getsockname()[1]
    finally:
        s.close()


class Run:
    def __init__(self, args):
        self.args = args          # unexpanded string, or None for the default
        self.exit = 0
        self.stdin = []           # command lines
        self.expected = []        # expected output lines
        self.has_stdin = False


def parse_transcript(path):
    cfg = []
    runs = []
    current = None
    with open(path, encoding="utf-8") as f:
        lines = f.read().splitlines()
    for number, line in enumerate(lines, 1):
        if line.startswith("#!"):
            key, _, value = line[2:].partition(":")
            key, value = key.strip(), value.strip()
            if key == "cfg":
                cfg.append(value)
            elif key == "run":
                current = Run(value)
                runs.append(current)
            elif key == "exit":
                if current is None:
                    current = Run(None)
                    runs.append(current)
                current.exit = int(value)
            else:
                raise ValueError("%s:%d: unknown directive %r" % (path, number, key))
            continue
        if current is None:
            if line.startswith("#") or not line.strip():
                continue
            current = Run(None)
            runs.append(current)
        if line.startswith("$ ") or line == "$":
            current.stdin.append(line[2:])
            current.has_stdin = True
        elif line.startswith("#"):
            continue  # a comment (an expected line that starts with '#' is written as '\#...')
        elif not line.strip() and not current.stdin and not current.expected:
            continue  # a blank line before the run's first command or output
        elif line.startswith("\\#"):
            current.expected.append(line[1:])
        else:
            current.expected.append(line)
    if not runs:
        runs.append(Run(None))
    return cfg, runs


def mask(text, server, dead_port):
    text = text.replace(server, "<server>")
    text = text.replace("%s:%d" % (HOST, dead_port), "<deadserver>")
    text = re.sub(r"^(ctime|mtime) = .*$", r"\1 = <date>", text, flags=re.M)
    text = re.sub(r"^(cZxid|mZxid|pZxid) = 0x[0-9a-f]+$", r"\1 = <zxid>", text, flags=re.M)
    text = re.sub(r"^ephemeralOwner = 0x(?!0$)[0-9a-f]+$", "ephemeralOwner = <session>", text, flags=re.M)
    text = re.sub(r"\bsession 0x[0-9a-f]+", "session <session>", text)
    return text


class Server:
    def __init__(self, binary, cfg_lines):
        self.binary = binary
        self.dir = tempfile.mkdtemp(prefix="zablab-cli-test-")
        self.port = free_port()
        self.proc = None
        self.log_path = os.path.join(self.dir, "server.log")
        data = os.path.join(self.dir, "data")
        os.mkdir(data)
        self.cfg = os.path.join(self.dir, "zoo.cfg")
        with open(self.cfg, "w") as f:
            f.write("tickTime=2000\ndataDir=%s\nclientPort=%d\nclientPortAddress=%s\n" % (data, self.port, HOST))
            for line in cfg_lines:
                f.write(line + "\n")

    def start(self):
        log = open(self.log_path, "wb")
        try:
            self.proc = subprocess.Popen([self.binary, self.cfg], stdout=subprocess.PIPE, stderr=log,
                                         stdin=subprocess.DEVNULL, cwd=self.dir)
        finally:
            log.close()
        wanted = "zablab-server: serving on %s:%d" % (HOST, self.port)
        deadline = time.monotonic() + SERVER_START_TIMEOUT
        os.set_blocking(self.proc.stdout.fileno(), False)
        seen = b""
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                break
            try:
                chunk = self.proc.stdout.read()
            except (BlockingIOError, OSError):
                chunk = None
            if chunk:
                seen += chunk
                if wanted.encode() in seen:
                    return
            time.sleep(0.02)
        raise RuntimeError("server did not report %r within %.0f s; stdout %r; log:\n%s"
                           % (wanted, SERVER_START_TIMEOUT, seen, self.log_tail()))

    def log_tail(self, lines=40):
        try:
            with open(self.log_path, "rb") as f:
                return b"\n".join(f.read().splitlines()[-lines:]).decode("utf-8", "replace")
        except OSError:
            return "(no log)"

    def stop(self):
        try:
            if self.proc is not None and self.proc.poll() is None:
                self.proc.terminate()
                try:
                    self.proc.wait(STOP_GRACE)
                except subprocess.TimeoutExpired:
                    self.proc.kill()
                    self.proc.wait(STOP_GRACE)
            if self.proc is not None and self.proc.stdout:
                self.proc.stdout.close()
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)


def run_cli(cli, run, server_addr, dead_port):
    if run.args is None:
        args = ["-server", server_addr]
    else:
        args = shlex.split(run.args.replace("{server}", server_addr)
                           .replace("{deadport}", str(dead_port)))
    stdin = "".join(line.replace("{server}", server_addr) + "\n" for line in run.stdin).encode()
    env = dict(os.environ, TZ="UTC")
    proc = subprocess.Popen([cli] + args, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, env=env)
    try:
        out, _ = proc.communicate(stdin, timeout=CLI_TIMEOUT)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, _ = proc.communicate()
        return None, out.decode("utf-8", "replace"), args
    return proc.returncode, out.decode("utf-8", "replace"), args


def run_transcript(path, server_bin, cli):
    name = os.path.basename(path)
    cfg, runs = parse_transcript(path)
    server = Server(server_bin, cfg)
    ok = True
    try:
        server.start()
        addr = "%s:%d" % (HOST, server.port)
        dead_port = free_port()
        for index, run in enumerate(runs, 1):
            code, out, args = run_cli(cli, run, addr, dead_port)
            # Trailing blanks do not count (zkCli's usage lines end in one; editors strip them).
            actual = [l.rstrip() for l in mask(out, addr, dead_port).splitlines()]
            expected = [l.rstrip() for l in mask("\n".join(run.expected), addr, dead_port).splitlines()]
            while expected and not expected[-1].strip():
                expected.pop()
            while actual and not actual[-1].strip():
                actual.pop()
            label = "%s run %d (zablab-cli %s)" % (name, index, " ".join(args))
            if code is None:
                print("FAIL %s: timed out after %.0f s" % (label, CLI_TIMEOUT))
                ok = False
            elif code != run.exit:
                print("FAIL %s: exit status %d, expected %d" % (label, code, run.exit))
                ok = False
            if actual != expected:
                print("FAIL %s: output differs (- expected, + actual):" % label)
                for line in difflib.unified_diff(expected, actual, "expected", "actual", lineterm="", n=3):
                    print("    " + line)
                ok = False
        if not ok:
            print("--- server log tail (%s) ---\n%s" % (name, server.log_tail()))
    finally:
        server.stop()
    print("%s %s" % ("ok  " if ok else "FAIL", name))
    return ok


def main(argv):
    server_bin = os.environ.get("ZABLAB_SERVER")
    cli = os.environ.get("ZABLAB_CLI")
    if not server_bin or not cli or not os.access(server_bin, os.X_OK) or not os.access(cli, os.X_OK):
        print("run_transcripts: set ZABLAB_SERVER and ZABLAB_CLI to the zablab-server and zablab-cli "
              "binaries (now %r, %r)" % (server_bin, cli))
        return 2
    files = argv[1:] or sorted(os.path.join(HERE, f) for f in os.listdir(HERE)
                               if f.endswith(".txt") and f != "CMakeLists.txt")
    failed = []
    for path in files:
        try:
            if not run_transcript(path, server_bin, cli):
                failed.append(os.path.basename(path))
        except (RuntimeError, OSError, ValueError) as e:
            print("ERROR %s: %s" % (os.path.basename(path), e))
            return 2
    print("%d transcripts, %d failed%s" % (len(files), len(failed), (": " + ", ".join(failed)) if failed else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
