"""The sub-message selector rule is one rule in every place that applies it:
the pure codec (pure.find_selector), the C core (find_selector in
_native/nlcodec_core.c) and the extended-ACK naming of the socket layer
(nlcodec.ack.submsg_format, which calls pure.find_selector).  The rule, as
the kernel's YNL spec documentation gives it (Documentation/userspace-api/
netlink/specs.rst, "sub-message": the selector is an attribute of the same
set whose value picks the format): the selector's first occurrence in the
set, before or after the sub-message; no selector, or a value with no
format, leaves the payload as hex.  The bytes are written by hand
(tests/wire.py); the format each must pick is the kind written into them."""

import pytest

from nlcodec import ack, pure
from test_codec_core import TOP
from wire import nla

native = pytest.importorskip("nlcodec.native")
NATIVE = native.Backend()
OPTIONS = TOP.by_name["options"]

A = nla(12, nla(1, b"\x09"))            # inner_attrs: x=9
CASES = [
    ("before", nla(11, b"a\0") + A, "a"),
    ("after", A + nla(11, b"a\0"), "a"),
    ("first of two, both before", nla(11, b"a\0") + nla(11, b"b\0") + A, "a"),
    ("first of two, both after", A + nla(11, b"a\0") + nla(11, b"d\0"), "a"),
    ("one before, one after", nla(11, b"a\0") + A + nla(11, b"b\0"), "a"),
    ("no NUL", nla(11, b"a") + A, "a"),
    ("bytes after the NUL", nla(11, b"a\0zz") + A, "a"),
    ("absent", A, None),
    ("no such format", nla(11, b"zz\0") + A, None),
]


@pytest.mark.parametrize("data, key", [(d, k) for _, d, k in CASES],
                         ids=[n for n, _, _ in CASES])
def test_one_selector_rule(data, key):
    want = OPTIONS.formats.get(key) if key is not None else None
    assert ack.submsg_format(TOP, OPTIONS, data, 0, len(data)) == want
    got = pure.decode_set(TOP, data, 0, len(data), "top_attrs")
    assert NATIVE.decode_attrs(TOP, data, 0, len(data), "top_attrs") == got
    assert got["options"] == ({"x": 9} if key == "a" else nla(1, b"\x09").hex())
