#!/usr/bin/env python3
"""Capture generic netlink controller replies for the lossless checks.

Sends CTRL_CMD_GETFAMILY (dump: every family's ops as indexed arrays,
multicast groups) and CTRL_CMD_GETPOLICY for nlctrl itself (dump: the
two-level type-value CTRL_ATTR_POLICY nests and CTRL_ATTR_OP_POLICY) through a
raw NETLINK_GENERIC socket and writes the kernel's reply bytes, exactly as
received (every datagram, NLMSG_DONE included), to
tests/data/genl_ctrl_dump.bin.  scripts/stress.py's lossless scenario
mutates these messages.

    python3 tests/data/make_genl_ctrl_dump.py [output]
"""

import os
import socket
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(os.path.dirname(HERE)))

import nlcodec  # noqa: E402

NETLINK_GENERIC = 16
NLMSG_DONE, NLMSG_ERROR = 3, 2


def replies(sk, req):
    sk.send(req)
    out = []
    while True:
        data = sk.recv(1 << 20)
        out.append(data)
        off = 0
        while off + 16 <= len(data):
            ln, ty = struct.unpack_from("<IH", data, off)
            if ty in (NLMSG_DONE, NLMSG_ERROR):
                return b"".join(out)
            off += (ln + 3) & ~3


def main(argv):
    path = argv[1] if len(argv) > 1 else os.path.join(HERE, "genl_ctrl_dump.bin")
    flags = nlcodec.NLM_F_REQUEST | nlcodec.NLM_F_DUMP
    with socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_GENERIC) as sk:
        sk.bind((0, 0))
        raw = replies(sk, nlcodec.encode("nlctrl", "getfamily", flags=flags, seq=1))
        raw += replies(sk, nlcodec.encode("nlctrl", "getpolicy", flags=flags, seq=2,
                                          attrs={"family_name": "nlctrl"}))
    with open(path, "wb") as f:
        f.write(raw)
    print(f"{path}: {len(raw)} bytes, {len(nlcodec.decode(raw, 'generic'))} messages")


if __name__ == "__main__":
    main(sys.argv)
