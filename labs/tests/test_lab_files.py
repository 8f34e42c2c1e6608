#!/usr/bin/env python3
"""The lab material itself: every Python file compiles, every relative link in the handouts
(and docs/labs.md) points to a file that exists, and every lab has a handout, starter code
and a reference solution. No server needed."""

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

    def test_every_lab_has_handout_starter_and_solution(self):
        for lab in ("lab1-first-steps", "lab2-leader-election", "exercises"):
            for part in ("README.md", "starter", "solution"):
                self.assertTrue(os.path.exists(os.path.join(LABS, lab, part)), (lab, part))
        for lab in ("lab3-zab-viz", "lab4-find-the-bug"):
            self.assertTrue(os.path.exists(os.path.join(LABS, lab, "README.md")), lab)
        self.assertTrue(os.path.exists(os.path.join(LABS, "lab3-zab-viz", "ANSWERS.md")))


if __name__ == "__main__":
    labtest.main()
