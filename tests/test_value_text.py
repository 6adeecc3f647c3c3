"""Text forms of bytes (display hints) are one truth in two codes: the C core's
(``wtext`` on decode, ``text_bytes`` on encode) and nlcodec/values.py.  Every
hint, every payload length from 0 to 33 bytes, and the text variants people
type, through both backends: the same text out, the same bytes back in.

The hints probed are values.TEXT_OF's own keys, so a hint added there is
probed here at once (and fails until the standard library's form for it is
named below).  Also: every shape of IPv6 zero-run compression and of the
embedded-IPv4 forms, hints on struct members and array elements, and text
people type, fuzzed, where the C core's reader must agree with values.py or
leave the value to it.

The text itself is checked against the standard library's own formatters
(socket.inet_ntop, uuid.UUID, bytes.hex), not against our code."""

import ipaddress
import random
import socket
import struct
import sys
import uuid

import pytest
from construct import Bytes, Int32sl, Int32ub, Int32ul, Struct
from hypothesis import given, settings
from hypothesis import strategies as st

from nlcodec import EncodeError, pure
from nlcodec.registry import compiled
from nlcodec.spec import Attr, AttrSet, Family
from nlcodec.tables import K_BINARY, K_INT
from nlcodec.values import C_TEXT, INT_HINTS, INT_IP_HINTS, TEXT_OF

native = pytest.importorskip("nlcodec.native")
NATIVE = native.Backend()

HINTS = tuple(h for h in TEXT_OF if h is not None)     # every text form of bytes
LAYOUT = Struct("mac" / Bytes(6) * "mac", "v4" / Bytes(4) * "ipv4", "v6" / Bytes(16) * "ipv6",
                "any" / Bytes(16) * "ip", "id" / Bytes(16) * "uuid", "raw" / Bytes(3) * "hex",
                "be" / Int32ub * "ipv4")
# both byte orders in one struct (as struct tc_nat: its addresses __be32, the
# rest host order): the C core and structs.py read the odd members apart
MIXED = Struct("flags" / Int32ul, "old" / Int32ub * "ipv4", "any" / Int32ub * "ip",
               "action" / Int32sl)
FAM = Family("hint_probe", "route", attrsets=[AttrSet("probe_attrs", [
    Attr(i + 1, h, "binary", display=h) for i, h in enumerate(HINTS)] + [
    Attr(100, "u32_ip", "u32", display="ipv4", byte_order="big"),
    Attr(103, "u32_any", "u32", display="ip", byte_order="big"),
    Attr(104, "u32_host", "u32", display="ipv4"),
    Attr(101, "plain", "binary"),
    Attr(102, "rec", "binary", struct=LAYOUT),
    Attr(105, "mixed", "binary", struct=MIXED),
    Attr(106, "arr_u32_ip", "indexed-array", sub_type="u32", byte_order="big", display="ipv4"),
    Attr(107, "arr_u32_host", "indexed-array", sub_type="u32", display="ipv4")] + [
    Attr(200 + i, f"arr_{h}", "indexed-array", sub_type="binary", display=h)
    for i, h in enumerate(HINTS)])])
CS = compiled(FAM).sets["probe_attrs"]
ID = {a.name: a.id for a in FAM.attrsets["probe_attrs"].attrs}


def nla(t, payload):
    n = 4 + len(payload)
    return n.to_bytes(2, "little") + t.to_bytes(2, "little") + payload + b"\0" * ((-n) & 3)


def expected_text(hint, b):
    """What people read, from the standard library's formatters."""
    assert hint in STDLIB_FORMS, f"display hint {hint!r}: name its standard form here"
    if hint == "mac":
        return b.hex(":")
    if hint in ("ipv4", "ipv6", "ip") and len(b) in (4, 16):
        return socket.inet_ntop(socket.AF_INET if len(b) == 4 else socket.AF_INET6, b)
    if hint == "uuid" and len(b) == 16:
        return str(uuid.UUID(bytes=b))
    return b.hex()


# the hints whose text is not plain hex, and the ones that are hex on purpose
STDLIB_FORMS = {"mac", "ipv4", "ipv6", "ip", "uuid", "hex", None,
                "packet", "ethertype", "probability"}   # hex here; show.py summarises


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


def test_every_hint_is_probed_and_int_hints_stay_off_bytes():
    assert set(TYPED) == set(HINTS)
    assert not set(INT_HINTS) & set(TEXT_OF)
    with pytest.raises(ValueError, match="for integers"):
        Attr(1, "x", "binary", display=INT_HINTS[0])


def test_c_twins_are_named_in_values():
    """values.C_TEXT names the C core's code of every hint whose text is not
    hex (the C core shows any other hint as hex), and each code exists in
    _native/nlcodec_core.h."""
    for hint in HINTS:
        assert hint in C_TEXT or TEXT_OF[hint](b"\x01\xab") == "01ab", hint
    assert all(isinstance(getattr(native.lib, code), int) for code in C_TEXT.values())


def _both(data):
    """Decode ``data`` with both backends (the C core must do it itself) and
    encode the result with both: (decoded dict, after checking all agree)."""
    want = pure.decode_set(CS, data, 0, len(data), CS.name, 0, False)
    assert NATIVE.status(CS, data)[0] == native.OK
    assert NATIVE.decode_attrs(CS, data, 0, len(data), CS.name) == want, data.hex()
    assert NATIVE.encode_set(CS, want) == pure.encode_set(CS, want) == data, data.hex()
    return want


def ipv6_shapes():
    """Every pattern of zero groups (which run inet_ntop compresses to "::"),
    and the embedded-IPv4 prefixes (mapped, compatible, NAT64, SIIT)."""
    for mask in range(256):
        for v in (1, 0xABCD, 0xFFFF):
            yield struct.pack(">8H", *[0 if mask >> i & 1 else v for i in range(8)])
    for pre in (bytes(10) + b"\xff\xff", bytes(12), bytes(10) + b"\xff\xfe",
                bytes(8) + b"\xff\xff\0\0", b"\0\x64\xff\x9b" + bytes(8), bytes(11) + b"\1"):
        for tail in (bytes(4), b"\0\0\0\1", b"\0\0\1\0", b"\x0a\0\0\1", b"\xff" * 4):
            yield pre + tail


@pytest.mark.parametrize("hint", ["ipv6", "ip"])
def test_ipv6_every_compression_shape(hint):
    n = 0
    for b in ipv6_shapes():
        got = _both(nla(ID[hint], b))[hint]
        assert got == socket.inet_ntop(socket.AF_INET6, b), b.hex()
        n += 1
    assert n == 256 * 3 + 30



@pytest.mark.parametrize("hint", ["ipv4", "ip", "ipv6"])
def test_ipv4_every_octet_value_in_every_position(hint):
    """The C core writes dotted quads itself (not with inet_ntop): every
    octet value, in each of the four places, as the stdlib's inet_ntoa."""
    n = 0
    for pos in range(4):
        for v in range(256):
            b = bytes(pos) + bytes([v]) + b"\x07" * (3 - pos)
            assert _both(nla(ID[hint], b))[hint] == socket.inet_ntoa(b), b.hex()
            n += 1
    assert n == 1024

def test_hints_on_struct_members_and_array_elements():
    rnd = random.Random(3)
    for _ in range(200):
        rec = bytes(rnd.randrange(256) for _ in range(LAYOUT.sizeof()))
        d = _both(nla(ID["rec"], rec))["rec"]
        off = 0
        for name, hint, size in (("mac", "mac", 6), ("v4", "ipv4", 4), ("v6", "ipv6", 16),
                                 ("any", "ip", 16), ("id", "uuid", 16), ("raw", "hex", 3),
                                 ("be", "ipv4", 4)):
            assert d[name] == expected_text(hint, rec[off:off + size]), name
            off += size
    for hint in HINTS:
        for n in (0, 4, 6, 16, 5):
            elems = [bytes(rnd.randrange(256) for _ in range(n)) for _ in range(3)]
            payload = b"".join(nla(i + 1, e) for i, e in enumerate(elems))
            got = _both(nla(ID[f"arr_{hint}"], payload))[f"arr_{hint}"]
            assert got == [expected_text(hint, e) for e in elems], (hint, n)


def _typed_texts():
    """Text like what people type: pieces of addresses, uuids and hex."""
    piece = st.sampled_from(["0", "1", "a", "F", "ff", "10", "255", "256", "ffff", "db8",
                             ":", "::", ".", "-", " ", "g", "00", "abcd", "1.2.3.4"])
    return st.lists(piece, max_size=12).map("".join)


@settings(max_examples=400, deadline=None, derandomize=True)
@given(hint=st.sampled_from(HINTS), text=_typed_texts())
def test_c_text_reader_agrees_or_defers(hint, text):
    """For any text: the C core reads it to the same bytes as values.py, or
    leaves it to values.py (FALLBACK); it never accepts what values.py refuses."""
    try:
        want = pure.encode_set(CS, {hint: text})
    except EncodeError:
        want = None
    rc, got = NATIVE.encode_status(CS, {hint: text})
    if rc == native.OK:
        assert want is not None and got == want, (hint, text, rc)
    if want is None:
        with pytest.raises(EncodeError):
            NATIVE.encode_set(CS, {hint: text})
    else:
        assert NATIVE.encode_set(CS, {hint: text}) == want


TYPED = {   # text as people type it -> the bytes (stdlib parsers)
    "mac": ["AA:BB:CC:DD:EE:FF", "aa:bb:cc:dd:ee:ff", "aabbccddeeff", " 00:11:22:33:44:55 "],
    "ipv4": ["10.1.2.3", "255.255.255.255", "0.0.0.0"],
    "ipv6": ["2001:DB8::1", "::", "::ffff:10.0.0.1", "fe80::1:2:3:4"],
    "ip": ["192.168.0.1", "2001:db8::abcd"],
    "uuid": ["12345678-9ABC-def0-1234-56789abcdef0", "00000000-0000-0000-0000-000000000000"],
    "hex": ["00ff", "DEADBEEF", "de:ad:be:ef", ""],
    "packet": ["ffffffffffff0200000000010806", ""],
    "ethertype": ["0800", "86dd"],
    "probability": ["ffffffff", ""],
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


@pytest.mark.parametrize("name, order", [("u32_ip", "big"), ("u32_any", "big"),
                                         ("u32_host", sys.byteorder)])
def test_int_with_ip_hint(name, order):
    """A u32 with an ip hint (values.INT_IP_HINTS) reads and writes as a dotted
    quad in both backends: the kernel's YNL library's form, the address of the
    integer's value (tools/net/ynl/pyynl/lib/ynl.py, _formatted_string:
    ``format(ipaddress.ip_address(raw))`` of the decoded integer)."""
    assert {a.hint for a in CS.attrs if a.name.startswith("u32_")} == set(INT_IP_HINTS)
    for b in (bytes(4), bytes([10, 0, 0, 1]), b"\xff" * 4, bytes([192, 168, 1, 2])):
        data = nla(ID[name], b)
        want = _both(data)
        assert want[name] == str(ipaddress.ip_address(int.from_bytes(b, order)))


@settings(max_examples=200, deadline=None)
@given(st.one_of(st.binary(min_size=4, max_size=4), st.binary(min_size=16, max_size=16)))
def test_ip_bytes_reads_what_ip_text_writes(b):
    # the expected address: the standard library's ipaddress, not values.py
    from nlcodec.values import ip_bytes, ip_text, ipv4_bytes, ipv6_bytes
    text = str(ipaddress.ip_address(b))
    assert ip_bytes(text) == b == ip_bytes(ip_text(b))
    fam = socket.AF_INET if len(b) == 4 else socket.AF_INET6
    assert ip_bytes(text, fam) == (ipv4_bytes if len(b) == 4 else ipv6_bytes)(text) == b
    with pytest.raises(ValueError):
        ip_bytes(text, socket.AF_INET6 if fam == socket.AF_INET else socket.AF_INET)


@pytest.mark.parametrize("text", ["10.0.0.256", "10.0.0", "010.0.0.1", "1::2::3", "", "x"])
def test_ip_bytes_refuses_what_inet_pton_refuses(text):
    from nlcodec.values import ip_bytes
    with pytest.raises(ValueError):
        ip_bytes(text)


def test_ints_with_ip_hints_in_structs_and_arrays():
    """A u32 with an ip hint as a struct member (both byte orders in the
    struct) and as an indexed array's element: the same dotted quad from
    both backends, YNL's (ip_address of the integer's value, as in
    test_int_with_ip_hint)."""
    rnd = random.Random(5)
    for _ in range(200):
        rec = bytes(rnd.randrange(256) for _ in range(MIXED.sizeof()))
        d = _both(nla(ID["mixed"], rec))["mixed"]
        assert d["flags"] == int.from_bytes(rec[:4], "little")
        assert d["old"] == str(ipaddress.ip_address(int.from_bytes(rec[4:8], "big")))
        assert d["any"] == str(ipaddress.ip_address(int.from_bytes(rec[8:12], "big")))
        assert d["action"] == int.from_bytes(rec[12:], "little", signed=True)
        for name, order in (("arr_u32_ip", "big"), ("arr_u32_host", sys.byteorder)):
            elems = [bytes(rnd.randrange(256) for _ in range(4)) for _ in range(3)]
            got = _both(nla(ID[name], b"".join(nla(i + 1, e) for i, e in enumerate(elems))))
            assert got[name] == [str(ipaddress.ip_address(int.from_bytes(e, order)))
                                 for e in elems]


def _hint_uses(sets, headers=()):
    """Where and how the attribute sets ``sets`` (compiled) and the fixed
    headers ``headers`` use a display hint that changes what the codec shows:
    a text form of bytes (values.TEXT_OF), an integer read as an address
    (values.INT_IP_HINTS).  A set of (place, hint, size, byte order, both
    orders in the struct)."""
    out, seen = set(), set()

    def layout(lay):
        if lay is None or id(lay) in seen or not hasattr(lay, "fixed_fields"):
            return
        seen.add(id(lay))
        orders = {f.order for f in lay.fixed_fields if f.kind == "int" and f.size > 1}
        for f in lay.fields:
            if f.kind == "bytes" and f.hint in TEXT_OF:
                out.add(("member", f.hint, 0, "", False))
            elif f.kind == "int" and f.hint in INT_IP_HINTS:
                out.add(("member", f.hint, f.size, f.order, len(orders) > 1))
            layout(f.sub)

    for cs in sets:
        for a in cs.attrs:
            for place, x in (("attr", a), ("elem", a.elem)):
                if x is None:
                    continue
                if x.kind == K_INT and x.hint in INT_IP_HINTS:
                    out.add((place, x.hint, x.size, ">" if x.big else "<", False))
                elif x.kind == K_BINARY and x.hint in TEXT_OF:
                    out.add((place, x.hint, 0, "", False))
                layout(x.layout)
            layout(a.header)
            for fmt in (a.formats or {}).values():
                layout(fmt[1] if fmt[0] == "struct" else fmt[2] if fmt[0] == "nest" else None)
    for h in headers:
        layout(h)
    return out


def test_probe_covers_every_hint_use_in_the_specs():
    """Every way the bundled specs use a display hint (attribute, array
    element, struct member; integer size and byte order) has its twin in this
    file's probe family, so the differential tests above cover it: a spec
    that uses a hint a new way fails here until the probe has it too."""
    from nlcodec import registry
    cfs = [registry.compiled(name) for name in registry.families()]
    used = _hint_uses([cf.set(s) for cf in cfs for s in cf.spec.attrsets],
                      [cf.header for cf in cfs] + [m.header for cf in cfs for m in cf.msgs.values()])
    probed = _hint_uses([CS])
    assert used - probed == set()
    assert {u[1] for u in used} >= {"mac", "ipv4", "ipv6", "ip", "uuid", "hex", "packet"}
