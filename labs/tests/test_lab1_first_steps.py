#!/usr/bin/env python3
"""Lab 1: the handout's config, CLI walkthrough and kazoo reference solution against a real
server; the same first steps through Apache's C shell (cli_mt) to show compatibility."""

import os
import re
import shutil
import subprocess
import sys
import threading
import unittest

import labtest

FIRST_STEPS = os.path.join(labtest.LAB1, "solution", "first_steps.py")
WALKTHROUGH = os.path.join(labtest.LAB1, "solution", "walkthrough.zk")
LAB_CFG = os.path.join(labtest.LAB1, "zoo.cfg")
CLI_MT = "/usr/lib/zookeeper/bin/cli_mt"


def zablab_cli():
    env = os.environ.get("ZABLAB_CLI")
    if env:
        return env
    for c in (os.path.join(labtest.labserver.REPO_ROOT, "build", "apps", "cli", "zablab-cli"),
              "/work/main/build/apps/cli/zablab-cli"):
        if os.access(c, os.X_OK):
            return c
    return None


class FirstStepsTest(labtest.LabTestCase):

    def test_kazoo_reference_solution(self):
        p = subprocess.run([sys.executable, FIRST_STEPS, "--hosts", self.server.hosts],
                           capture_output=True, text=True, timeout=60)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertIn("all 20 checks passed", p.stdout)
        self.assertNotIn("FAILED", p.stdout)

    def test_cli_walkthrough(self):
        cli = zablab_cli()
        if cli is None:
            self.skipTest("zablab-cli not built (set ZABLAB_CLI)")
        with open(WALKTHROUGH) as f:
            p = subprocess.run([cli, "-server", self.server.hosts], stdin=f,
                               capture_output=True, text=True, timeout=60)
        out, err = p.stdout, p.stderr
        # Three commands of the walkthrough fail on purpose, so the exit status is 1.
        self.assertEqual(p.returncode, 1, out + err)
        self.assertEqual(err.count("version No is not valid : /lab1"), 1, err)
        self.assertEqual(err.count("Ephemerals cannot have children: /lab1/i-am-here/child"), 1)
        self.assertEqual(err.count("Node not empty: /lab1"), 1, err)
        for line in ("my first znode", "updated", "dataVersion = 1", "[notes]",
                     "second update, only if dataVersion is still 1",
                     "[job-0000000001, job-0000000002, job-0000000003]", "[/lab1/i-am-here]",
                     "[i-am-here, job-0000000001, job-0000000002, job-0000000003]",
                     "[zookeeper]"):
            self.assertIn(line, out.splitlines(), "missing output line %r" % line)
        events = re.findall(r"WatchedEvent state:SyncConnected type:(\w+) path:(\S+)", out)
        self.assertEqual(events, [("None", "null"), ("NodeDataChanged", "/lab1"),
                                  ("NodeChildrenChanged", "/lab1"),
                                  ("NodeCreated", "/lab1/not-yet")])
        for created in ("/lab1", "/lab1/job-0000000003", "/lab1/not-yet"):
            self.assertIn("Created " + created, err.splitlines())

    def test_acl_part_b7(self):
        """The handout's B7 commands, three shell sessions in turn, and what ANSWERS.md says they show."""
        cli = zablab_cli()
        if cli is None:
            self.skipTest("zablab-cli not built (set ZABLAB_CLI)")

        def session(*commands):
            p = subprocess.run([cli, "-server", self.server.hosts], input="\n".join(commands) + "\n",
                               capture_output=True, text=True, timeout=60)
            return p.stdout.splitlines(), p.stderr.splitlines()

        out, err = session('create /acl-demo "for alice only"', "getAcl /acl-demo", "addauth digest alice:secret",
                           "setAcl /acl-demo auth::cdrwa", "getAcl /acl-demo")
        self.assertEqual(out[-4:], ["'world,'anyone", ": cdrwa",
                                    "'digest,'alice:aYXlLOpEooaV1cRAvUL1fp9Qt7E=", ": cdrwa"])
        # S2, without addauth: get and set refused, ls / still lists the node; with it, get works.
        out, err = session("get /acl-demo", 'set /acl-demo "x"', "ls /", "addauth digest alice:secret",
                           "get /acl-demo")
        self.assertEqual(err.count("Insufficient permission : /acl-demo"), 2, err)
        self.assertIn("[acl-demo, zookeeper]", out)
        self.assertEqual(out[-1], "for alice only")
        # A fresh session without addauth may delete it: delete is the parent's permission.
        out, err = session("delete /acl-demo", "ls /")
        self.assertEqual(out[-1], "[zookeeper]", out + err)

    def test_apache_c_shell(self):
        if not os.access(CLI_MT, os.X_OK):
            self.skipTest("Debian's zookeeper-bin (cli_mt) is not installed")
        # cli_mt runs commands asynchronously: send one, wait for its completion line.
        steps = [("create /cshell", "name = /cshell"), ("set /cshell hello", "/cshell: rc = 0 Stat:"),
                 ("get /cshell", "hello"), ("create +s /cshell/job-", "name = /cshell/job-"),
                 ("create +e /cshell/eph", "name = /cshell/eph"), ("ls /cshell", "\teph")]
        p = subprocess.Popen([CLI_MT, self.server.hosts], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                             bufsize=1)
        out = []
        reader = threading.Thread(target=lambda: out.extend(iter(p.stdout.readline, "")),
                                  daemon=True)
        reader.start()

        def wait_for(marker, since):
            labtest.wait_until(lambda: marker in "".join(out[since:]), 10,
                               "cli_mt to print %r; output so far:\n%s" % (marker, "".join(out)))

        try:
            wait_for("Got a new session id", 0)
            for command, marker in steps:
                since = len(out)
                p.stdin.write(command + "\n")
                p.stdin.flush()
                wait_for(marker, since)
            p.stdin.write("quit\n")
            p.stdin.flush()
            p.wait(timeout=10)
        finally:
            if p.poll() is None:
                p.kill()
                p.wait()
            reader.join(timeout=5)
            p.stdin.close()
            p.stdout.close()
        text = "".join(out)
        self.assertIn("name = /cshell/job-0000000000", text)
        listing = text[text.rindex("/cshell: rc = 0"):]
        self.assertIn("\tjob-0000000000", listing)
        # and a kazoo client sees what the C shell did (the ephemeral died with its session)
        zk = self.client()
        self.assertEqual(zk.get("/cshell")[0], b"hello")
        self.assertEqual(zk.get_children("/cshell"), ["job-0000000000"])


class LabConfigTest(unittest.TestCase):

    def run_part_a_commands(self, port, cwd):
        """Part A's second block, as printed (only the port changed): nc's four-letter words and
        the ls of the server's files."""
        with open(os.path.join(labtest.LAB1, "README.md"), encoding="utf-8") as f:
            handout = f.read()
        part_a = handout[handout.index("## Part A"):handout.index("## Part B")]
        blocks = re.findall(r"```sh\n(.*?)```", part_a, re.S)
        self.assertEqual(len(blocks), 2, "Part A has a start command and a block of checks")
        self.assertEqual(blocks[0].strip(), "build/apps/zablab-server labs/lab1-first-steps/zoo.cfg")
        commands = [l.split("#")[0].strip() for l in blocks[1].splitlines() if l.split("#")[0].strip()]
        self.assertEqual(len(commands), 3, commands)
        if not shutil.which("nc"):
            self.skipTest("no nc (netcat-openbsd) to run the four-letter words as printed")
        outputs = []
        for command in commands:
            p = subprocess.run(["bash", "-c", command.replace("2181", str(port))], cwd=cwd, capture_output=True,
                               text=True, timeout=20)
            self.assertEqual(p.returncode, 0, "%s: %s" % (command, p.stderr))
            outputs.append(p.stdout)
        self.assertEqual(outputs[0].strip(), "imok")
        self.assertIn("Mode: standalone", outputs[1])
        self.assertIn("Zxid: 0x", outputs[1])
        self.assertIn("snapshot.0", outputs[2])

    def test_the_handouts_zoo_cfg_starts_a_server(self):
        if labtest.labserver.LabServer().flavor != "zablab":
            self.skipTest("zablab-specific")
        binary = labtest.labserver.default_server_binary()
        tmp = labtest.labserver.tempfile.mkdtemp(prefix="zablab-lab1-cfg-")
        try:
            port = labtest.labserver.free_port()
            with open(LAB_CFG) as f:
                text = f.read().replace("clientPort=2181", "clientPort=%d" % port)
            cfg = os.path.join(tmp, "zoo.cfg")
            with open(cfg, "w") as f:
                f.write(text)
            p = subprocess.Popen([binary, cfg], cwd=tmp, stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, text=True,
                                 preexec_fn=labtest.labserver.die_with_parent)
            try:
                first = p.stdout.readline()
                self.assertEqual(first.strip(), "zablab-server: serving on 127.0.0.1:%d" % port,
                                 p.stderr.read() if p.poll() is not None else "")
                self.assertEqual(labtest.labserver.four_letter_word(port, "ruok"), "imok")
                self.assertTrue(os.path.isdir(os.path.join(tmp, "var", "lab1", "version-2")))
                self.run_part_a_commands(port, tmp)
            finally:
                p.terminate()
                p.wait(timeout=10)
                p.stdout.close()
                p.stderr.close()
        finally:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    labtest.main()
