"""nlcodec.decode_dump (the API entry point of `nlcodec decode --as`): any
bytes give a Dump or a DecodeError, never another exception; a text dump is
read as the command reads it."""

import struct

from hypothesis import given, settings, strategies as st

import nlcodec
from nlcodec.dumps import KINDS
from nlcodec.errors import DecodeError


def nla(t, p=b""):
    n = 4 + len(p)
    return struct.pack("<HH", n, t) + p + b"\0" * ((-n) & 3)


@settings(max_examples=150, deadline=None)
@given(st.binary(min_size=1, max_size=160), st.sampled_from([None] + list(KINDS)))
def test_any_bytes_decode_or_raise_decode_error(data, kind):
    try:
        d = nlcodec.decode_dump(data, kind)
    except DecodeError:
        return
    assert d.kind in (kind or "nlmsg",)
    assert all(isinstance(n, str) for n in d.notes)


def test_text_in_the_api_and_the_form_named():
    # sample with its kernel arg (type 4, struct sample_arg; flow_netlink.c) then output 2
    arg = struct.pack("<HH", 12, 4) + b"\x01\0\0\0" + struct.pack("<I", 0xFFFFFFFF)
    acts = nla(6, arg + nla(1, struct.pack("<I", 3))) + nla(1, struct.pack("<I", 2))
    text = " ".join(f"{b:02x}" for b in acts + bytes(4))
    d = nlcodec.decode_dump(text, "ovs-actions")
    assert d.kernel and d.form.startswith("kernel-internal form")
    assert d.value["output"] == 2 and d.value["sample"]["output"] == 3
    assert d.notes == ["4 zero bytes after the last attribute ignored"]
