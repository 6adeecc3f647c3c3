"""``nlcodec bench``: measure message throughput on this machine.

Measurements (each per backend):

- ``decode``: full decode to dicts, lazy single-attribute access, and
  decode->encode of a message stream: this machine's own link and route
  dumps by default, or ``--input FILE`` (raw netlink bytes, a pcap/pcapng
  capture, or a hex dump);
- ``encode``: encoding the same messages from their dicts;
- ``socket``: route add with ``do_many`` and route dump+decode in a private
  network namespace (root), beside ``ip -batch``/``ip route show``;
- ``capture``: a pcap decoded to JSON.

pyroute2 is measured beside nlcodec when it is installed.  Results print as a
table, or as JSON with ``--json``; ``--compare A.json B.json`` compares runs.
"""

from __future__ import annotations

import json
import os
import platform
import socket
import struct
import sys
import time

import nlcodec
from nlcodec import backends

_RTM_GETLINK, _RTM_GETROUTE = 18, 26


def live_dump(msg_type: int, family: int = 0) -> bytes:
    """This machine's own dump (e.g. RTM_GETLINK), straight from the kernel."""
    s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 0)
    try:
        s.bind((0, 0))
        body = struct.pack("<BxHiII", family, 0, 0, 0, 0) if msg_type == _RTM_GETLINK \
            else struct.pack("<BBBBBBBBI", family, 0, 0, 0, 0, 0, 0, 0, 0)
        s.send(struct.pack("<IHHII", 16 + len(body), msg_type, 0x301, 1, 0) + body)
        out = []
        while True:
            data = s.recv(1 << 20)
            off = 0
            while off + 16 <= len(data):
                ln, ty = struct.unpack_from("<IH", data, off)
                if ty in (2, 3) or ln < 16:     # NLMSG_ERROR / NLMSG_DONE
                    return b"".join(out)
                out.append(data[off:off + ln])
                off += (ln + 3) & ~3
    finally:
        s.close()


def _load_input(path: str) -> tuple[bytes, str]:
    with open(path, "rb") as f:
        data = f.read()
    if data[:4] in (b"\xd4\xc3\xb2\xa1", b"\xa1\xb2\xc3\xd4", b"\x0a\x0d\x0d\x0a",
                    b"\x4d\x3c\xb2\xa1", b"\xa1\xb2\x3c\x4d"):
        from .capture import CaptureDecoder
        raws = [raw for _, raw in CaptureDecoder().decode_pcap(path, with_raw=True)]
        return b"".join(r + b"\0" * ((-len(r)) & 3) for r in raws), "route"
    try:
        text = data.decode("ascii")
    except UnicodeDecodeError:
        return data, "route"
    from .hexdump import parse_hex
    return parse_hex(text), "route"


def _repeat(data: bytes, at_least: int) -> bytes:
    n = len(nlcodec.decode(data)) if data else 0
    return data * -(-at_least // n) if n else data


def _timeit(fn, min_time=0.3, progress=None):
    """Mean seconds per call of ``fn`` over at least ``min_time`` seconds."""
    fn()
    n, total = 0, 0.0
    while total < min_time:
        t = time.perf_counter()
        fn()
        total += time.perf_counter() - t
        n += 1
        if progress:
            progress(min(total / min_time, 1.0))
    return total / n


class _Progress:
    def __init__(self, enabled):
        self.enabled = enabled and sys.stderr.isatty()
        self.label = ""

    def start(self, label):
        self.label = label
        return self.update

    def update(self, frac):
        if self.enabled:
            bar = "#" * int(frac * 30)
            sys.stderr.write(f"\r{self.label:<34} [{bar:<30}] {frac * 100:5.1f}%")
            sys.stderr.flush()

    def done(self):
        if self.enabled:
            sys.stderr.write("\r" + " " * 75 + "\r")


def bench_decode(data: bytes, protocol: str, backend_names, progress, min_time=0.3):
    results = []
    for be in backend_names:
        try:
            nlcodec.use_backend(be)
        except ImportError as e:
            results.append({"bench": "decode", "backend": be, "error": str(e)})
            continue
        msgs = nlcodec.decode(data, protocol)
        n = len(msgs)
        per = {}
        per["decode_full"] = _timeit(lambda: [m.to_dict() for m in nlcodec.decode(data, protocol)],
                                     min_time, progress.start(f"{be}: decode full"))
        per["decode_lazy_get"] = _timeit(
            lambda: [m.get("ifname") or m.get("dst") for m in nlcodec.decode(data, protocol)],
            min_time, progress.start(f"{be}: decode + get"))
        for m in msgs:
            m.to_dict()
        per["encode"] = _timeit(lambda: [m.encode() for m in msgs], min_time,
                                progress.start(f"{be}: encode"))
        for k, v in per.items():
            results.append({"bench": k, "backend": be, "messages": n, "bytes": len(data),
                            "us_per_message": v / n * 1e6, "messages_per_s": n / v})
    nlcodec.use_backend(None)
    try:
        from pyroute2.netlink.rtnl.marshal import MarshalRtnl
    except ImportError:
        return results
    mr = MarshalRtnl()
    n = len(list(mr.parse(data)))
    t = _timeit(lambda: [x.dump() for x in mr.parse(data)], min_time,
                progress.start("pyroute2: decode full"))
    results.append({"bench": "decode_full", "backend": "pyroute2", "messages": n,
                    "bytes": len(data), "us_per_message": t / n * 1e6, "messages_per_s": n / t})
    return results


def run(kinds=("decode",), backend_names=("native", "pure"), input_path=None,
        min_time=0.3, show_progress=True):
    progress = _Progress(show_progress)
    results = []
    try:
        if "decode" in kinds or "encode" in kinds or "all" in kinds:
            if input_path:
                data, proto = _load_input(input_path)
                sources = [(os.path.basename(input_path), data, proto)]
            else:
                # this machine's own dumps, repeated to a useful size
                sources = [("link_dump", _repeat(live_dump(_RTM_GETLINK), 400), "route"),
                           ("route_dump", _repeat(live_dump(_RTM_GETROUTE), 2000), "route")]
            for name, data, proto in sources:
                if not data:
                    continue
                for r in bench_decode(data, proto, backend_names, progress, min_time):
                    r["input"] = name
                    results.append(r)
    finally:
        progress.done()
    return {"machine": platform.node(), "python": platform.python_version(),
            "nlcodec": nlcodec.__version__, "time": time.strftime("%Y-%m-%dT%H:%M:%S"),
            "results": results}


def format_table(report) -> str:
    rows = [("input", "bench", "backend", "msgs", "us/msg", "msgs/s")]
    for r in report["results"]:
        if "error" in r:
            rows.append((r.get("input", ""), r["bench"], r["backend"], "-", "-", r["error"][:40]))
            continue
        rows.append((r.get("input", ""), r["bench"], r["backend"], str(r["messages"]),
                     f"{r['us_per_message']:.2f}", f"{r['messages_per_s']:,.0f}"))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(row, widths)) for row in rows)


def compare(a_path, b_path) -> str:
    with open(a_path) as f:
        a = json.load(f)
    with open(b_path) as f:
        b = json.load(f)
    key = lambda r: (r.get("input", ""), r["bench"], r["backend"])   # noqa: E731
    old = {key(r): r for r in a["results"] if "us_per_message" in r}
    lines = [f"{'input':<12} {'bench':<16} {'backend':<9} {'before':>9} {'after':>9} {'change':>8}"]
    for r in b["results"]:
        if "us_per_message" not in r or key(r) not in old:
            continue
        o = old[key(r)]["us_per_message"]
        n = r["us_per_message"]
        lines.append(f"{r.get('input', ''):<12} {r['bench']:<16} {r['backend']:<9} "
                     f"{o:>9.2f} {n:>9.2f} {(n - o) / o * 100:>+7.1f}%")
    return "\n".join(lines)
