"""What `tc` really sends: run iproute2's tc under strace (``-e write=all``
dumps every byte a sendmsg writes) and collect the RTM_*QDISC/TFILTER/ACTION
requests, in order.  The kernel need not know the classifier or action: tc
sends the request before the kernel answers (this host's kernel lacks
flower and most actions; the bytes are tc's all the same).

Used live by the tests (tc and strace present, root for the netns), and by
``python3 tests/tc_capture.py LINES_FILE OUT`` to refresh stored captures."""

from __future__ import annotations

import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile

# RTM_NEWQDISC..RTM_GETACTION and RTM_NEWCHAIN.. (linux/rtnetlink.h)
TC_TYPES = set(range(36, 52)) | {100, 101, 102}

_BUF = re.compile(r"^ \* (\d+) bytes in buffer (\d+)")
_HEX = re.compile(r"^ \| [0-9a-f]{5}  ((?:[0-9a-f]{2}  ?){1,16})")


def available() -> bool:
    return bool(shutil.which("tc") and shutil.which("strace") and os.geteuid() == 0)


def tc_version() -> str:
    return subprocess.run(["tc", "-V"], capture_output=True, text=True).stdout.strip()


def parse_strace(text: str) -> list[list[bytes]]:
    """strace -e write=all output -> the bytes of each sendmsg/sendto call."""
    calls = []
    cur = None
    for line in text.splitlines():
        if line.startswith(("sendmsg(", "sendto(")) or re.match(r"^\d+ +send", line):
            cur = bytearray()
            calls.append(cur)
            continue
        if cur is None:
            continue
        m = _HEX.match(line)
        if m:
            cur += bytes.fromhex(m.group(1).replace(" ", ""))
    return [bytes(c) for c in calls]


def split_messages(data: bytes) -> list[bytes]:
    out = []
    off = 0
    while off + 16 <= len(data):
        ln = struct.unpack_from("<I", data, off)[0]
        if ln < 16:
            break
        out.append(data[off:off + ln])
        off += (ln + 3) & ~3
    return out


def capture_batch(lines, netns=None, setup=()) -> list[bytes]:
    """Run ``tc -force -b`` over ``lines`` under strace; the tc requests it
    sent, one per line that reached the kernel (lines tc refuses itself send
    nothing: callers check the count)."""
    with tempfile.TemporaryDirectory() as tmp:
        batch = os.path.join(tmp, "lines.tc")
        with open(batch, "w") as f:
            f.write("".join(line + "\n" for line in lines))
        trace = os.path.join(tmp, "strace.txt")
        cmd = ["strace", "-f", "-qq", "-e", "trace=sendmsg,sendto", "-e", "write=all",
               "-o", trace, "tc"]
        if netns:
            cmd += ["-n", netns]
        subprocess.run(cmd + ["-force", "-b", batch], capture_output=True)
        with open(trace) as f:
            text = f.read()
    msgs = []
    for call in parse_strace(text):
        for m in split_messages(call):
            if struct.unpack_from("<H", m, 4)[0] in TC_TYPES:
                msgs.append(m)
    return msgs


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
