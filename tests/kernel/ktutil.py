"""Helpers shared by the kernel tier's tests (a plain module: test files import
it by name, pytest puts this directory on sys.path)."""

import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from command import NLCODEC  # noqa: E402,F401  (the tests' nlcodec command)


def sh(*cmd, ns=None, check=True, input=None):
    """Run a command (in namespace ``ns``); return its stdout.  A failure shows stderr."""
    argv = [str(c) for c in cmd]
    if ns:
        argv = ["ip", "netns", "exec", ns] + argv
    p = subprocess.run(argv, capture_output=True, text=True, input=input)
    if check and p.returncode != 0:
        raise AssertionError(f"{' '.join(argv)} -> {p.returncode}\n{p.stderr}{p.stdout}")
    return p.stdout

