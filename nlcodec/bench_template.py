"""``nlcodec bench template``: user CPU per flower filter of bulk insertion's
request building, beside ``tc -b`` in the same run.

The lines are those the kernel selftests' tdc_batch.py writes::

    filter add dev lo ingress prio 1 protocol ip handle N flower skip_hw
        src_mac e4:11:00:XX:XX:XX dst_mac e4:12:00:XX:XX:XX action drop

Measured, per backend (user CPU from getrusage, per filter):

The requests' values are made before the clock starts, as tc's batch file
is written before its run.

- ``dicts+window``: the request dicts encoded into do_many's
  windows the way do_many does it (the path before templates);
- ``template``: the same requests from one ``Template`` with three holes
  (handle, src_mac, dst_mac), rows streamed through ``Rows.nl_fill`` (what
  do_many calls per window);
- ``tc-batch``: nlcodec tc-batch's reading of the same lines from a file
  (streamed: parse once, then the run's line function), requests built and
  dropped (no kernel); the peak RSS growth is reported beside;
- ``tc -b`` (reference, root): tc's user CPU for the same file in a private
  network namespace with a clsact qdisc on lo.  A kernel without cls_flower
  refuses every line (tc parses and sends each all the same, and ``-force``
  goes on); the figure is then marked ``kernel_refused``.
"""

from __future__ import annotations

import os
import resource
import socket
import subprocess
import tempfile

import nlcodec
from .bulk import Window
from .values import mac_text

INGRESS = 0xFFFFFFF2


def mac(prefix, i):
    """The MAC of ``prefix`` (three bytes, "e4:11:00") and the low 24 bits of ``i``."""
    return mac_text(bytes.fromhex(prefix.replace(":", "")) + (i & 0xFFFFFF).to_bytes(3, "big"))


def lines(n, dev="lo"):
    for i in range(n):
        yield (f"filter add dev {dev} ingress prio 1 protocol ip handle {i + 1} flower skip_hw "
               f"src_mac {mac('e4:11:00', i)} dst_mac {mac('e4:12:00', i)} action drop\n")


def u32_lines(n, dev="lo"):
    """u32 bulk: one IPv4 destination per line (f_u32.c's `match ip dst`)."""
    for i in range(n):
        yield (f"filter add dev {dev} ingress prio 1 protocol ip u32 match ip dst "
               f"10.{i >> 16 & 255}.{i >> 8 & 255}.{i & 255}/32 classid 1:1\n")


def request_dict(i, ifindex=1):
    """The request tc sends for line i (tests/test_template.py holds tc's bytes)."""
    return ("newtfilter",
            {"family": 0, "ifindex": ifindex, "parent": INGRESS, "handle": i + 1,
             "info": (1 << 16) | socket.htons(0x0800)},
            {"kind": "flower",
             "options": {"key_eth_src": mac("e4:11:00", i), "key_eth_src_mask": "ff:ff:ff:ff:ff:ff",
                         "key_eth_dst": mac("e4:12:00", i), "key_eth_dst_mask": "ff:ff:ff:ff:ff:ff",
                         "act": [{"kind": "gact", "options": {"parms": {
                             "index": 0, "capab": 0, "action": 2, "refcnt": 0, "bindcnt": 0}}}],
                         "flags": 1, "key_eth_type": 0x0800}},
            0x600)


def template(ifindex=1):
    from .template import Template
    ty, h, a, fl = request_dict(0, ifindex)
    return Template("route", ty, header=h, attrs=a, flags=fl,
                    holes={"handle": "header.handle", "src": "options.key_eth_src",
                           "dst": "options.key_eth_dst"})


def rows(n):
    for i in range(n):
        yield (i + 1, mac("e4:11:00", i), mac("e4:12:00", i))


def _utime():
    return resource.getrusage(resource.RUSAGE_SELF).ru_utime


def _windows(sock, it, window=256):
    n = 0
    while True:
        w = Window.fill(sock, it, window, 1 << 17, False, None)
        if w is None:
            return n
        n += len(w)


def run_dicts(sock, n):
    reqs = [request_dict(i) for i in range(n)]     # written before the clock, as tc's file
    t = _utime()
    got = _windows(sock, iter(reqs))
    return _utime() - t, got


def run_template(sock, n):
    data = list(rows(n))
    t = _utime()
    got = _windows(sock, template().rows(data))
    return _utime() - t, got


class NullSocket:
    """do_many without a kernel: the windows are built (as do_many builds
    them) and dropped; what is left is the user CPU of reading the lines."""

    def __init__(self):
        self.requests = 0

    def do_many(self, requests, window=256, **kw):
        from .socket import BulkResult
        res = BulkResult()
        fill = getattr(requests, "nl_fill", None)
        while True:
            got = fill(1, 0, 1, window, 1 << 17) if fill is not None else list(requests)
            if not got:
                break
            res.count += len(got)
            if fill is None:
                break
        self.requests += res.count
        return res


def run_batch(n, sock=None, gen=None):
    """nlcodec tc-batch's work on n tdc lines (streamed, not held), no kernel:
    (user seconds, lines, peak RSS growth in bytes)."""
    from .tc.batch import Batch
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "filters.tc")
        with open(path, "w") as f:          # written before the clock starts, as tc's file
            f.writelines((gen or lines)(n))
        rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        t = _utime()
        with open(path, encoding="utf-8", errors="replace") as f:
            b = Batch(sock or NullSocket(), ifindex={"lo": 1}).run(f)
        dt = _utime() - t
        grow = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss0) * 1024
    return dt, b.sent, grow


def run_tc(n, gen=None):
    """tc -force -b over the same lines: (user seconds, lines, kernel refused?)."""
    from . import netns
    with netns.temporary("nlcbtpl") as ns, tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "filters.tc")
        with open(path, "w") as f:
            f.writelines((gen or lines)(n))
        subprocess.run(["ip", "-n", ns, "link", "set", "lo", "up"], check=True)
        subprocess.run(["tc", "-n", ns, "qdisc", "add", "dev", "lo", "clsact"], check=True)
        before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_utime
        r = subprocess.run(["tc", "-n", ns, "-force", "-b", path], stdout=subprocess.DEVNULL,
                           stderr=subprocess.PIPE)
        user = resource.getrusage(resource.RUSAGE_CHILDREN).ru_utime - before
        refused = b"classifier not found" in r.stderr[:4096]
    return user, n, refused


def bench_template(backend_names, progress, n=100_000, repeat=3):
    from .benchmark import _backends, _error, _result
    import statistics
    results = []
    with nlcodec.connect("route") as sock:
        for be in _backends(backend_names, results, "flower", "template"):
            for bench, fn in (("dicts+window", run_dicts), ("template", run_template)):
                up = progress.start(f"flower x{n} {bench}: {be}")
                times = []
                for k in range(repeat):
                    dt, got = fn(sock, n)
                    assert got == n, (bench, got)
                    times.append(dt)
                    up((k + 1) / repeat)
                # getrusage counts in ticks: a tiny run can read 0
                results.append(_result("flower", bench, be, n,
                                       max(statistics.median(times), 1e-6), cpu="user"))
        for be in _backends(backend_names, [], "flower", "tc-batch"):     # said above
            up = progress.start(f"flower x{n} tc-batch lines: {be}")
            # warm, as the other rows are (tc's words, templates and tables made once):
            # the backend timed first paid for them
            run_batch(max(1, n // 50))
            run_batch(max(1, n // 250), gen=u32_lines)
            dt, got, grow = run_batch(n)
            up(1.0)
            results.append(_result("flower", "tc-batch", be, got, max(dt, 1e-6), cpu="user",
                                   rss_growth_mb=round(grow / 2**20, 1)))
            up = progress.start(f"u32 x{n // 5} tc-batch lines: {be}")
            dt, got, _ = run_batch(n // 5, gen=u32_lines)
            up(1.0)
            results.append(_result("u32", "tc-batch", be, got, max(dt, 1e-6), cpu="user"))
    if os.geteuid() != 0:
        results.append(_error("flower", "template", "tc -b", "needs root (network namespace)"))
        return results
    try:
        up = progress.start(f"flower x{n}: tc -b")
        user, got, refused = run_tc(n)
        up(1.0)
        results.append(_result("flower", "template", "tc -b", got, max(user, 1e-6), cpu="user",
                               kernel_refused=refused))
        results.append(_result("flower", "tc-batch", "tc -b", got, max(user, 1e-6), cpu="user",
                               kernel_refused=refused))
    except (OSError, subprocess.CalledProcessError) as e:
        results.append(_error("flower", "template", "tc -b", e))
    try:
        # u32 is in this host's kernel: tc's adds are real ones
        up = progress.start(f"u32 x{n // 5}: tc -b")
        user, got, _ = run_tc(n // 5, gen=u32_lines)
        up(1.0)
        results.append(_result("u32", "tc-batch", "tc -b", got, max(user, 1e-6), cpu="user"))
    except (OSError, subprocess.CalledProcessError) as e:
        results.append(_error("u32", "tc-batch", "tc -b", e))
    return results
