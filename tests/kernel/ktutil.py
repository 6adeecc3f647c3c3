"""Helpers shared by the kernel tier's tests (a plain module: test files import
it by name, pytest puts this directory on sys.path)."""

import contextlib
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from command import NLCODEC  # noqa: E402  (the tests' nlcodec command)

__all__ = ["NLCODEC", "nlmon_capture", "sh"]


def sh(*cmd, ns=None, check=True, input=None):
    """Run a command (in namespace ``ns``); return its stdout.  A failure shows stderr."""
    argv = [str(c) for c in cmd]
    if ns:
        argv = ["ip", "netns", "exec", ns] + argv
    p = subprocess.run(argv, capture_output=True, text=True, input=input)
    if check and p.returncode != 0:
        raise AssertionError(f"{' '.join(argv)} -> {p.returncode}\n{p.stderr}{p.stdout}")
    return p.stdout



@contextlib.contextmanager
def nlmon_capture(path, ns=None, settle=0.5):
    """tcpdump on a new nlmon device (in namespace ``ns``, else this one)
    writing ``path``; yields the tcpdump process once its pcap header is on
    disk (and ``settle`` seconds more), stops it at the end.  A test may stop
    it earlier itself (terminate + wait) to read the capture."""
    ipn = ["ip", "-n", ns] if ns else ["ip"]
    sh(*ipn, "link", "add", "nlmon0", "type", "nlmon")
    sh(*ipn, "link", "set", "nlmon0", "up")
    tcpdump = subprocess.Popen((["ip", "netns", "exec", ns] if ns else []) +
                               ["tcpdump", "-i", "nlmon0", "-w", str(path), "-U", "-s", "0"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.time() + 20
        while not (os.path.exists(path) and os.path.getsize(path) >= 24):
            assert time.time() < deadline, "tcpdump did not start"
            time.sleep(0.2)
        time.sleep(settle)
        yield tcpdump
    finally:
        if tcpdump.poll() is None:
            tcpdump.terminate()
            tcpdump.wait(10)
        if not ns:
            sh("ip", "link", "del", "nlmon0", check=False)
