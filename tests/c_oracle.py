"""Bytes of C objects as gcc lays them out from the kernel's UAPI headers.

An outside oracle for encoders: ``c_bytes(["linux/rtnetlink.h"], {"rt":
"struct rtmsg x = {.rtm_family = AF_INET}"})`` compiles a program that
prints the bytes of each object (a designated initializer zeroes the members
it does not name, as the kernel's and iproute2's request builders do).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile

HAVE_GCC = shutil.which("gcc") is not None


def c_bytes(headers, objects: dict) -> dict:
    """{key: bytes} of each ``objects[key]``: a C declaration of a variable ``x``."""
    src = ["#include <stdio.h>", "#include <stddef.h>", "#include <sys/socket.h>"]
    src += [f"#include <{h}>" for h in headers]
    body = []
    for i, (key, decl) in enumerate(objects.items()):
        src.append(f"static void f{i}(void) {{ {decl};"
                   f" const unsigned char *p = (const void *)&x;"
                   f" printf(\"{key} \");"
                   f" for (size_t i = 0; i < sizeof x; i++) printf(\"%02x\", p[i]);"
                   f" printf(\"\\n\"); }}")
        body.append(f"f{i}();")
    src.append("int main(void) { " + " ".join(body) + " return 0; }")
    with tempfile.TemporaryDirectory() as d:
        c, exe = os.path.join(d, "o.c"), os.path.join(d, "o")
        with open(c, "w") as f:
            f.write("\n".join(src) + "\n")
        r = subprocess.run(["gcc", "-w", "-o", exe, c], capture_output=True, text=True)
        if r.returncode:
            raise RuntimeError(r.stderr)
        out = subprocess.run([exe], capture_output=True, text=True, check=True).stdout
    res = {}
    for line in out.splitlines():
        k, _, hx = line.partition(" ")
        res[k] = bytes.fromhex(hx)
    return res


def nla(t: int, payload: bytes) -> bytes:
    """One attribute: struct nlattr (linux/netlink.h) + payload, padded to 4."""
    n = 4 + len(payload)
    return n.to_bytes(2, "little") + t.to_bytes(2, "little") + payload + bytes(-n & 3)
