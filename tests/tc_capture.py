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
