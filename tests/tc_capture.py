"""What `tc` really sends: run iproute2's tc under strace (``-e write=all``
dumps every byte a sendmsg writes) and collect the RTM_*QDISC/TFILTER/ACTION
requests, in order.  The kernel need not know the classifier or action: tc
sends the request before the kernel answers (this host's kernel lacks
flower and most actions; the bytes are tc's all the same).

The strace run itself is nlcodec.tc_capture.run_batch (the benchmarks use
it too); the choice of tc's requests here stays independent of nlcodec.
Used live by the tests (tc and strace present, root for the netns), and by
``python3 tests/tc_capture.py LINES_FILE OUT`` to refresh stored captures."""

from __future__ import annotations

import os
import shutil
import struct
import subprocess
import sys

from nlcodec.tc_capture import run_batch

# RTM_NEWQDISC..RTM_GETACTION and RTM_NEWCHAIN.. (linux/rtnetlink.h)
TC_TYPES = set(range(36, 52)) | {100, 101, 102}


# linux/rtnetlink.h TCA_OPTIONS; linux/pkt_cls.h TCA_U32_MARK
TCA_OPTIONS, TCA_U32_MARK = 2, 10
NLMSG_HDRLEN, TCMSG_LEN = 16, 20


def _attrs(b, start, end):
    while start + 4 <= end:
        ln, typ = struct.unpack_from("<HH", b, start)
        if ln < 4:
            return
        yield typ & 0x3FFF, start + 4, start + ln
        start += (ln + 3) & ~3


def defined(raw: bytes) -> bytes:
    """tc's request with the bytes tc leaves uninitialised zeroed: the
    ``success`` member of a u32 filter's TCA_U32_MARK (tc/f_u32.c parse_mark
    fills val and mask of a ``struct tc_u32_mark`` on the stack and sends its
    third member unset; the kernel's cls_u32.c reads val and mask only).
    Found by walking the netlink attributes, not by nlcodec."""
    b = bytearray(raw)
    for typ, s, e in _attrs(b, NLMSG_HDRLEN + TCMSG_LEN, len(b)):
        if typ == TCA_OPTIONS:
            for t2, s2, e2 in _attrs(b, s, e):
                if t2 == TCA_U32_MARK and e2 - s2 == 12:
                    b[s2 + 8:s2 + 12] = bytes(4)
    return bytes(b)


def available() -> bool:
    return bool(shutil.which("tc") and shutil.which("strace") and os.geteuid() == 0)


def tc_version() -> str:
    return subprocess.run(["tc", "-V"], capture_output=True, text=True).stdout.strip()


def capture_batch(lines, netns=None, setup=()) -> list[bytes]:
    """Run ``tc -force -b`` over ``lines`` under strace; the tc requests it
    sent, one per line that reached the kernel (lines tc refuses itself send
    nothing: callers check the count)."""
    return [m for m in run_batch(lines, netns) if struct.unpack_from("<H", m, 4)[0] in TC_TYPES]


def capture_each(lines, netns=None) -> list[bytes | None]:
    """One tc run per line: its request, or None when tc sent none."""
    out = []
    for line in lines:
        got = capture_batch([line], netns)
        out.append(got[0] if got else None)
    return out


if __name__ == "__main__":
    src, dst = sys.argv[1], sys.argv[2]
    ns = sys.argv[3] if len(sys.argv) > 3 else None
    lines = [x.rstrip("\n") for x in open(src) if x.strip() and not x.startswith("#")]
    got = capture_each(lines, ns)
    with open(dst, "w") as f:
        f.write(f"# {tc_version()}: requests captured with strace -e write=all\n")
        for line, b in zip(lines, got):
            f.write(f"{line}\t{b.hex() if b else '-'}\n")
