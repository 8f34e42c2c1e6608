#!/usr/bin/env python3
"""The lab material itself: every Python file compiles, every relative link in the handouts
(and docs/labs.md) points to a file that exists, every file a handout command names exists, and
every lab has a handout, starter code and a reference solution. No server needed."""

import os
import py_compile
import re
import tempfile
import unittest

import labtest

LABS = labtest.LABS
REPO = os.path.dirname(LABS)
LINK_RE = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")


def files(ext):
    for root, dirs, names in os.walk(LABS):
        dirs[:] = [d for d in dirs if d != "__pycache__"]
        for n in names:
            if n.endswith(ext):
                yield os.path.join(root, n)


class LabFilesTest(unittest.TestCase):

    def test_python_files_compile(self):
        paths = list(files(".py"))
        self.assertGreater(len(paths), 15)
        with tempfile.TemporaryDirectory() as tmp:
            for i, path in enumerate(paths):
                py_compile.compile(path, cfile=os.path.join(tmp, "%d.pyc" % i), doraise=True)

    def test_markdown_links_resolve(self):
        docs = list(files(".md")) + [os.path.join(REPO, "docs", "labs.md")]
        broken = []
        for doc in docs:
            with open(doc, encoding="utf-8") as f:
                text = f.read()
            for target in LINK_RE.findall(text):
                if re.match(r"^[a-z]+:", target) or target.startswith("#"):
                    continue
                path = os.path.normpath(os.path.join(os.path.dirname(doc),
                                                     target.split("#")[0]))
                if not os.path.exists(path):
                    broken.append("%s -> %s" % (os.path.relpath(doc, REPO), target))
        self.assertEqual(broken, [])

    def test_every_path_a_handout_command_names_exists(self):
        # Commands are printed to be typed as they are: each file they name (scripts, lab files,
        # scenarios, the binaries a build makes) must be where they say. Placeholders (<NAME>,
        # globs, files the student creates) are skipped.
        docs = list(files(".md")) + [os.path.join(REPO, "docs", "labs.md"),
                                     os.path.join(REPO, "docs", "teaching", "zab-primer.md")]
        server = os.environ.get("ZABLAB_SERVER") or os.path.join(REPO, "build", "apps", "zablab-server")
        build = os.path.dirname(os.path.dirname(server))
        missing, checked = [], 0
        for doc in docs:
            with open(doc, encoding="utf-8") as f:
                text = f.read()
            code = " ".join(re.findall(r"```(?:sh)?\n(.*?)```", text, re.S) + re.findall(r"`([^`\n]+)`", text))
            for token in re.findall(r"(?<![\w./-])((?:labs|scripts|docs|scenarios|build/apps)/[^\s`'\"),;:]*)", code):
                token = token.rstrip(".")
                if any(c in token for c in "<*{["):
                    continue
                if token.startswith("build/"):
                    if not os.path.isdir(os.path.join(build, "apps")):
                        continue  # not built here
                    path = os.path.join(build, token[len("build/"):])
                else:
                    path = os.path.join(REPO, token)
                checked += 1
                if not os.path.exists(path):
                    missing.append("%s: %s" % (os.path.relpath(doc, REPO), token))
        self.assertGreater(checked, 30)
        self.assertEqual(sorted(set(missing)), [])

    def test_every_lab_has_handout_starter_and_solution(self):
        for lab in ("lab1-first-steps", "lab2-leader-election", "exercises"):
            for part in ("README.md", "starter", "solution"):
                self.assertTrue(os.path.exists(os.path.join(LABS, lab, part)), (lab, part))
        for lab in ("lab3-zab-viz", "lab4-find-the-bug"):
            self.assertTrue(os.path.exists(os.path.join(LABS, lab, "README.md")), lab)
        self.assertTrue(os.path.exists(os.path.join(LABS, "lab3-zab-viz", "ANSWERS.md")))


if __name__ == "__main__":
    labtest.main()
