"""Text forms of bytes (display hints) are one truth in two codes: the C core's
(``wtext`` on decode, ``text_bytes`` on encode) and nlcodec/values.py.  Every
hint, every payload length from 0 to 33 bytes, and the text variants people
type, through both backends: the same text out, the same bytes back in.

The text itself is checked against the standard library's own formatters
(socket.inet_ntop, uuid.UUID, bytes.hex), not against our code."""

import random
import socket
import uuid

import pytest

from nlcodec import EncodeError, pure
from nlcodec.registry import compiled
from nlcodec.spec import Attr, AttrSet, Family

native = pytest.importorskip("nlcodec.native")
NATIVE = native.Backend()

HINTS = ("hex", "mac", "ipv4", "ipv6", "ip", "uuid", "packet")   # packet: hex (show.py summarises)
FAM = Family("hint_probe", "route", attrsets=[AttrSet("probe_attrs", [
    Attr(i + 1, h, "binary", display=h) for i, h in enumerate(HINTS)] + [
    Attr(10, "u32_ip", "u32", display="ipv4", byte_order="big")])])
CS = compiled(FAM).sets["probe_attrs"]
ID = {a.name: a.id for a in FAM.attrsets["probe_attrs"].attrs}


def nla(t, payload):
    n = 4 + len(payload)
    return n.to_bytes(2, "little") + t.to_bytes(2, "little") + payload + b"\0" * ((-n) & 3)


def expected_text(hint, b):
    """What people read, from the standard library's formatters."""
    if hint == "mac":
        return b.hex(":")
    if hint in ("ipv4", "ipv6", "ip") and len(b) in (4, 16):
        return socket.inet_ntop(socket.AF_INET if len(b) == 4 else socket.AF_INET6, b)
    if hint == "uuid" and len(b) == 16:
        return str(uuid.UUID(bytes=b))
    return b.hex()


def payloads():
    rnd = random.Random(7)
    for n in range(34):
        yield bytes(n)
        yield bytes(rnd.randrange(256) for _ in range(n))
    yield bytes(16)                                     # "::"
    yield bytes(10) + b"\xff\xff" + bytes([10, 0, 0, 1])  # IPv4-mapped IPv6
    yield bytes([0x20, 0x01, 0x0d, 0xb8] + [0] * 11 + [1])


@pytest.mark.parametrize("hint", HINTS)
def test_decode_text_same_in_both_and_as_stdlib(hint):
    checked = 0
    for b in payloads():
        data = nla(ID[hint], b)
        want = pure.decode_set(CS, data, 0, len(data), CS.name, 0, False)
        assert NATIVE.status(CS, data)[0] == native.OK         # the C core did it
        got = NATIVE.decode_attrs(CS, data, 0, len(data), CS.name)
        assert got == want, (hint, b.hex())
        assert want[hint] == expected_text(hint, b), (hint, b.hex())
        # and back: both encoders give the same bytes again
        assert NATIVE.encode_set(CS, want) == pure.encode_set(CS, want) == data
        checked += 1
    assert checked == 71


TYPED = {   # text as people type it -> the bytes (stdlib parsers)
    "mac": ["AA:BB:CC:DD:EE:FF", "aa:bb:cc:dd:ee:ff", "aabbccddeeff", " 00:11:22:33:44:55 "],
    "ipv4": ["10.1.2.3", "255.255.255.255", "0.0.0.0"],
    "ipv6": ["2001:DB8::1", "::", "::ffff:10.0.0.1", "fe80::1:2:3:4"],
    "ip": ["192.168.0.1", "2001:db8::abcd"],
    "uuid": ["12345678-9ABC-def0-1234-56789abcdef0", "00000000-0000-0000-0000-000000000000"],
    "hex": ["00ff", "DEADBEEF", "de:ad:be:ef", ""],
    "packet": ["ffffffffffff0200000000010806", ""],
}


def stdlib_bytes(hint, text):
    t = text.strip()
    if hint == "uuid":
        return uuid.UUID(t).bytes
    if hint in ("ipv4", "ipv6", "ip"):
        return socket.inet_pton(socket.AF_INET6 if ":" in t else socket.AF_INET, t)
    return bytes.fromhex(t.replace(":", ""))


def test_encode_typed_text_same_in_both():
    in_c = 0
    for hint in HINTS:
        for text in TYPED[hint]:
            want = nla(ID[hint], stdlib_bytes(hint, text))
            assert pure.encode_set(CS, {hint: text}) == want, text
            assert NATIVE.encode_set(CS, {hint: text}) == want, text
            rc, got = NATIVE.encode_status(CS, {hint: text})
            assert rc == native.FALLBACK or (rc == native.OK and got == want), (text, rc)
            in_c += rc == native.OK
    assert in_c >= 17        # the C core's own text reader, not a fallback, did most


@pytest.mark.parametrize("text", ["10.0.0.300", "1.2.3", "zz:00", "::g", "12345678-9abc"])
def test_bad_text_raises_encode_error_in_both(text):
    for be in (pure, NATIVE):
        with pytest.raises(EncodeError):
            be.encode_set(CS, {"ipv4": text} if "." in text else {"uuid": text}
                          if "-" in text else {"ipv6": text})


def test_int_with_ip_hint():
    """A be32 with an ip hint reads and writes as a dotted quad in both."""
    for b in (bytes(4), bytes([10, 0, 0, 1]), b"\xff" * 4):
        data = nla(ID["u32_ip"], b)
        want = pure.decode_set(CS, data, 0, len(data), CS.name, 0, False)
        assert want == NATIVE.decode_attrs(CS, data, 0, len(data), CS.name)
        assert want["u32_ip"] == socket.inet_ntop(socket.AF_INET, b)
        assert NATIVE.encode_set(CS, want) == pure.encode_set(CS, want) == data
