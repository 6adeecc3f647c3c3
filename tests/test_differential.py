"""Two backends, one truth: the C core and pure.py agree on every input.

For every attribute set of every family: valid trees drawn from the spec,
the same trees with bit flips and truncation, and random bytes.  For each
input:

- pure raises DecodeError  =>  the C core does not accept the input (and the
  native backend then raises pure's very error);
- the C core says NLC_ERR  =>  pure raises;
- otherwise both give the same tree, key order included.

NLC_FALLBACK (a rare valid case the C core leaves to pure) is allowed and
counted; valid trees of sets without such cases must never need it.
"""

import json
import os
import struct

import pytest
from hypothesis import given, settings, strategies as st

import nlcodec
from nlcodec import DecodeError, EncodeError, pure
from nlcodec.registry import compiled
from nlcodec.strategies import attrs_for

native = pytest.importorskip("nlcodec.native") if os.environ.get("NLCODEC_BACKEND") == "pure" \
    else __import__("nlcodec.native").native
NATIVE = native.Backend()
EXAMPLES = int(os.environ.get("NLCODEC_DIFF_EXAMPLES", "60"))


def _sets():
    out = []
    for name, fam in sorted(nlcodec.families().items()):
        cf = compiled(fam)
        for sname in sorted(fam.attrsets):
            out.append(pytest.param(cf.sets[sname], id=f"{name}.{sname}"))
    return out


SETS = _sets()


def agree(cs, data, kernel=False):
    """Check both backends on ``data``; returns "ok", "fallback" or "err"."""
    rc, _ = NATIVE.status(cs, data, kernel=kernel)
    try:
        want = pure.decode_set(cs, data, 0, len(data), cs.name, 0, kernel)
    except DecodeError as e:
        # the C core may also stop earlier at a case it leaves to pure (FALLBACK)
        assert rc != native.OK, f"pure raised ({e}) but the C core accepted the input"
        with pytest.raises(DecodeError) as got:
            NATIVE.decode_attrs(cs, data, 0, len(data), cs.name, kernel)
        assert str(got.value) == str(e)
        return "err"
    assert rc != native.ERR, f"the C core rejected what pure decodes: {want}"
    got = NATIVE.decode_attrs(cs, data, 0, len(data), cs.name, kernel)
    assert json.dumps(got) == json.dumps(want)      # values, types and key order
    # lazy access: validate, then one attribute at a time
    lazy = NATIVE.decode_lazy(cs, data, 0, len(data), cs.name, kernel)
    for ca in cs.attrs[:8]:
        assert json.dumps(lazy.get(ca, None)) == json.dumps(want.get(ca.name))
    return "ok" if rc == native.OK else "fallback"


def _mutate(raw, data):
    raw = bytearray(raw)
    for _ in range(data.draw(st.integers(1, 4))):
        i = data.draw(st.integers(0, len(raw) - 1))
        raw[i] ^= 1 << data.draw(st.integers(0, 7))
    return bytes(raw[:data.draw(st.integers(0, len(raw)))])


@pytest.mark.parametrize("cs", SETS)
def test_valid_and_mutated_trees_agree(cs):
    @settings(max_examples=EXAMPLES)
    @given(attrs_for(cs), st.data(), st.booleans())
    def check(d, data, kernel):
        try:
            raw = pure.encode_set(cs, d, cs.name)
        except EncodeError:
            return
        verdict = agree(cs, raw, kernel)
        # a userspace tree read as kernel-internal form (OVS) may well be invalid
        assert kernel or verdict != "err"
        if raw:
            agree(cs, _mutate(raw, data), kernel)
    check()


@pytest.mark.parametrize("cs", SETS)
def test_random_bytes_agree(cs):
    @settings(max_examples=EXAMPLES)
    @given(st.binary(max_size=300))
    def check(data):
        agree(cs, data)
    check()


def _hdr(length, type_):
    return length.to_bytes(2, "little") + type_.to_bytes(2, "little")


def test_handmade_edge_cases_agree():
    """Edges the generators rarely reach: deep nesting, odd flags, empty and
    unterminated strings, repeated attributes, non-UTF-8 text."""
    cs = compiled("nlctrl").sets["ctrl_attrs"]
    name = b"nlctrl\0"
    cases = [
        b"",
        _hdr(4, 2),                                   # empty string payload
        _hdr(4 + 6, 2) + b"nlctrl\0\0",               # no NUL inside the payload
        _hdr(4 + 7, 2) + name + b"\0",                # canonical
        _hdr(4 + 3, 2) + b"\xff\xfe\0\0",             # not UTF-8 (fallback)
        _hdr(6, 1) + b"\x10\0\0\0" + _hdr(6, 1) + b"\x11\0\0\0",   # repeated u16
        _hdr(6, 1 | 0x4000) + b"\x10\0\0\0",          # NLA_F_NET_BYTEORDER kept
        _hdr(4, 6 | 0x8000),                          # empty indexed array, nested flag
        _hdr(12, 6) + _hdr(8, 1) + _hdr(4, 99),       # indexed array element
        _hdr(12, 6) + _hdr(8, 3) + _hdr(4, 99),       # index not 1..n: a dict
        _hdr(8, 300) + b"abcd",                       # unknown attribute
        _hdr(3, 1),                                   # short header
        _hdr(200, 1) + b"\0" * 8,                     # overrun
        _hdr(5, 1) + b"\0\0\0\0",                     # u16 with 1 byte
    ]
    deep = b""
    for _ in range(40):                               # nesting bomb in policy (type-value)
        deep = _hdr(4 + len(deep), 1 | 0x8000) + deep
    cases.append(_hdr(4 + len(deep), 8) + deep)
    verdicts = [agree(cs, c) for c in cases]
    assert verdicts.count("err") == 4
    assert "fallback" in verdicts


def test_real_kernel_replies_agree():
    """nlctrl's answer from this machine's kernel (every family it knows)."""
    import socket
    s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 16)
    req = nlcodec.encode("nlctrl", "getfamily", flags=nlcodec.NLM_F_REQUEST | nlcodec.NLM_F_DUMP,
                         seq=7)
    s.send(req)
    raw = b""
    done = False
    while not done:
        chunk = s.recv(1 << 16)
        raw += chunk
        done = any(m.type == "done" for m in nlcodec.decode(chunk, "generic"))
    s.close()
    cs = compiled("nlctrl").sets["ctrl_attrs"]
    n = 0
    pos = 0
    while pos < len(raw):
        ln = int.from_bytes(raw[pos:pos + 4], "little")
        if int.from_bytes(raw[pos + 4:pos + 6], "little") == 0x10:
            assert agree(cs, raw[pos + 20:pos + ln]) == "ok"
            n += 1
        pos += (ln + 3) & ~3
    assert n >= 3


def _decode_with(backend, data, protocol, kernel=False, lazy=False):
    from nlcodec import backends
    nlcodec.use_backend(backend)
    try:
        return json.dumps([m.to_dict() for m in nlcodec.decode(data, protocol, kernel=kernel,
                                                               lazy=lazy)])
    except DecodeError as e:
        return f"DecodeError: {e}"
    finally:
        backends.select(None)


def _message_streams():
    """Streams of valid messages of every family, from the specs."""
    out = []
    for name, fam in sorted(nlcodec.families().items()):
        cf = compiled(fam)
        for cm in cf.msgs.values():
            if cm.set is not None:
                out.append((fam, cm))
    return out


MESSAGES = _message_streams()


@pytest.mark.parametrize("protocol", ["route", "generic"])
def test_message_streams_agree(protocol):
    """The stream decoder (one C call per buffer) and the per-message path."""
    @settings(max_examples=EXAMPLES * 3)
    @given(st.data())
    def check(data):
        parts = []
        for _ in range(data.draw(st.integers(1, 4))):
            fam, cm = data.draw(st.sampled_from(MESSAGES))
            try:
                body = pure.encode_set(cm.set, data.draw(attrs_for(cm.set)), cm.set.name)
            except EncodeError:
                continue
            hdr = bytes(cm.header.size if cm.header is not None else 0)
            if fam.genl:
                hdr = bytes([cm.id, fam.version, 0, 0]) + (
                    bytes(compiled(fam).header.size) if compiled(fam).header else b"")
                ty = next((i for i, n in nlcodec.message.GENL_IDS.items() if n == fam.name), None)
                if ty is None or protocol != "generic":
                    continue
            else:
                if protocol == "generic":
                    continue
                ty = cm.id
            payload = hdr + b"\0" * ((-len(hdr)) & 3) + body
            parts.append((16 + len(payload)).to_bytes(4, "little") + ty.to_bytes(2, "little")
                         + b"\x02\0" + bytes(8) + payload)
        raw = b"".join(parts)
        if parts and data.draw(st.booleans()):
            raw = _mutate(raw, data)
        want = _decode_with("pure", raw, protocol)
        assert _decode_with("native", raw, protocol) == want
        assert _decode_with("native", raw, protocol, lazy=True) == want
    check()


@pytest.mark.parametrize("cs", SETS)
def test_encoders_agree(cs):
    """The C encoder gives pure's bytes whenever it does not leave the case
    to pure; natural values (as users write them) as well as decoded trees."""
    @settings(max_examples=EXAMPLES)
    @given(attrs_for(cs))
    def check(d):
        rc, got = NATIVE.encode_status(cs, d)
        try:
            want = pure.encode_set(cs, d, cs.name)
        except EncodeError as e:
            assert rc != native.OK, f"pure refused ({e}) but the C encoder accepted"
            return
        if rc == native.OK:
            assert got == want
        decoded = pure.decode_set(cs, want, 0, len(want), cs.name)
        rc, got = NATIVE.encode_status(cs, decoded)
        if rc == native.OK:
            # (not always `want`: struct padding bytes are not kept by decoding)
            assert got == pure.encode_set(cs, decoded, cs.name)
    check()


def test_encoder_handles_the_common_forms_itself():
    cs = compiled("nlctrl").sets["ctrl_attrs"]
    d = {"family_id": 16, "family_name": "nlctrl", "version": 2,
         "ops": [{"id": 3, "flags": 14}, {"id": 10, "flags": 12}],
         "mcast_groups": [{"name": "notify", "id": 16}]}
    rc, got = NATIVE.encode_status(cs, d)
    assert rc == native.OK
    assert got == pure.encode_set(cs, d, cs.name)
    # an odd key is left to pure, which says what is wrong
    assert NATIVE.encode_status(cs, {"no_such_attr": 1})[0] == native.FALLBACK
    with pytest.raises(EncodeError, match="no_such_attr"):
        NATIVE.encode_set(cs, {"no_such_attr": 1}, cs.name)


@pytest.mark.parametrize("ufid", ["8a4b4c6c-1b53-4e2a-9d33-3f1c2b6e0d11",
                                  "8A4B4C6C-1B53-4E2A-9D33-3F1C2B6E0D11",
                                  "{8a4b4c6c-1b53-4e2a-9d33-3f1c2b6e0d11}",
                                  "urn:uuid:8a4b4c6c-1b53-4e2a-9d33-3f1c2b6e0d11",
                                  "8a4b4c6c1b53-4e2a-9d33-3f1c2b6e0d11"])
def test_uuid_text_encodes_alike(ufid):
    """The C encoder reads the canonical UUID text itself and leaves the other
    forms Python's uuid accepts to pure; the bytes agree either way."""
    cs = compiled("ovs_flow").sets["flow_attrs"]
    d = {"ufid": ufid}
    rc, got = NATIVE.encode_status(cs, d)
    want = pure.encode_set(cs, d, cs.name)
    assert want[4:20] == bytes.fromhex("8a4b4c6c1b534e2a9d333f1c2b6e0d11")
    assert rc == (native.OK if len(ufid) == 36 else native.FALLBACK)
    assert NATIVE.encode_set(cs, d, cs.name) == want
    if rc == native.OK:
        assert got == want


def test_struct_tail_encodes_alike():
    """A struct decoded from a newer kernel keeps its unknown bytes under
    "_tail" (hex); the C encoder appends them as pure does."""
    cs = compiled("rt_link").sets["link_attrs"]
    layout_attr = cs.by_name["map"]
    size = layout_attr.layout.size
    raw = bytes(range(1, size + 1)) + b"\xaa\xbb\xcc\xdd"
    blob = struct.pack("<HH", 4 + len(raw), layout_attr.id) + raw
    d = pure.decode_set(cs, blob, 0, len(blob), cs.name)
    assert d["map"]["_tail"] == "aabbccdd"
    for tail, ok in (("aabbccdd", True), ("AABBCCDD", True), ("aa bb", False), ("abc", False)):
        dd = {"map": dict(d["map"], _tail=tail)}
        rc, got = NATIVE.encode_status(cs, dd)
        assert (rc == native.OK) == ok, tail
        want = pure.encode_set(cs, dd, cs.name) if tail != "abc" else None
        if ok:
            assert got == want


def test_stream_stops_at_the_end_without_final_padding():
    """A stream whose last message is not padded to 4 bytes: the C stream
    decoder reports where it stopped within the buffer, never past it."""
    body = struct.pack("<B", 2)                         # a 17-byte rtgenmsg request
    raw = struct.pack("<IHHII", 17, 22, 0x301, 1, 0) + body
    stopped, items, _ = NATIVE.decode_stream("route", raw, {})
    assert stopped == len(raw) and len(items) == 1
    assert nlcodec.decode(raw)[0].encode() == raw
