"""Helpers shared by the kernel tier's tests (a plain module: test files import
it by name, pytest puts this directory on sys.path)."""

import contextlib
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from command import NLCODEC  # noqa: E402  (the tests' nlcodec command)

__all__ = ["NLCODEC", "local_package", "nlmon_capture", "sh"]

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
_LOCAL = "/tmp/nlcodec-kt"


def sh(*cmd, ns=None, check=True, input=None):
    """Run a command (in namespace ``ns``); return its stdout.  A failure shows stderr."""
    argv = [str(c) for c in cmd]
    if ns:
        argv = ["ip", "netns", "exec", ns] + argv
    p = subprocess.run(argv, capture_output=True, text=True, input=input)
    if check and p.returncode != 0:
        raise AssertionError(f"{' '.join(argv)} -> {p.returncode}\n{p.stderr}{p.stdout}")
    return p.stdout



def local_package():
    """(env, cwd) for a Python process (an ``nlcodec`` command) that imports
    nlcodec from a copy of the checkout's package in the guest's tmpfs.  The
    checkout is a 9p share without cache (writable, so results come back):
    every stat and open of the import system's path walk is a round trip to
    the host, ~2.5 ms each under TCG, and a process started there (its cwd
    and PYTHONPATH on the share) spent seconds importing.  Copied once
    (nlcodec/ and specs/ with their byte code and times, which the spec
    cache's key and the .pyc checks read; scripts/kernel-test.sh compiles
    them on the host before booting), compiled where byte code is missing;
    the codec's own dependencies too where they live on that share (CI's
    .venv inside the checkout).  Outside the guest: the checkout itself."""
    if os.environ.get("NLCODEC_KERNEL_LAB") != "1":
        return dict(os.environ, PYTHONPATH=ROOT), None
    if not os.path.isdir(_LOCAL):
        import compileall
        import shutil
        tmp = _LOCAL + ".tmp"
        shutil.rmtree(tmp, ignore_errors=True)
        for part in ("nlcodec", "specs"):
            shutil.copytree(os.path.join(ROOT, part), os.path.join(tmp, part), symlinks=True)
        import importlib.util
        for dep in ("construct", "cffi", "_cffi_backend"):
            spec = importlib.util.find_spec(dep)
            where = spec and (spec.submodule_search_locations or [spec.origin])[0]
            if where and where.startswith(ROOT + os.sep):
                copy = shutil.copytree if os.path.isdir(where) else shutil.copy2
                copy(where, os.path.join(tmp, os.path.basename(where)))
        compileall.compile_dir(tmp, quiet=1)
        os.rename(tmp, _LOCAL)
    return dict(os.environ, PYTHONPATH=_LOCAL), _LOCAL


def _drained(path, quiet=1.5, limit=20):
    """Wait until tcpdump has written what it was given: the pcap stops
    growing for ``quiet`` seconds (tcpdump -U writes each packet as it reads
    it, and stops reading at SIGTERM: under TCG it can lag more than a
    second behind the last request, which was then lost)."""
    end = time.time() + limit
    size, since = -1, time.time()
    while time.time() < end:
        n = os.path.getsize(path) if os.path.exists(path) else 0
        if n != size:
            size, since = n, time.time()
        elif time.time() - since >= quiet:
            return
        time.sleep(0.2)


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
            _drained(path)
            tcpdump.terminate()
            tcpdump.wait(10)
        if not ns:
            sh("ip", "link", "del", "nlmon0", check=False)
