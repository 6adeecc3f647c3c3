"""The codec core on a small family that uses every attribute kind.

Expected bytes are written out by hand from the netlink wire format
(``struct nlattr``: u16 length incl. the 4-byte header, u16 type; payload
padded to 4), never taken from our own encoder.
"""

import struct

import pytest
from construct import Array, Bytes, Flag, GreedyRange, Int8ul, Int16ub, Int16un, Int32un, \
    Padding, Struct, this

import nlcodec
from nlcodec import DecodeError, EncodeError
from nlcodec.spec import Attr, AttrSet, Family, Msg, SubMessage
from nlcodec.tables import compile_family
from wire import nla  # noqa: E402


hdr = Struct("family" / Int8ul, Padding(3), "index" / Int32un)
pair = Struct("a" / Int16un, "b" / Int16ub)
sel_struct = Struct("flags" / Int8ul, "nkeys" / Int8ul, Padding(2),
                    "keys" / Array(this.nkeys, Struct("off" / Int32un, "val" / Int32un)))
ports = Struct("ports" / GreedyRange(Int32un))
arg = Struct("exec" / Flag, Padding(3), "probability" / Int32un)
mixed = Struct("addr" / Bytes(4) * "ipv4", "port" / Int16ub, "proto" / Int8ul, Padding(1),
               "mark" / Int32un)

top = AttrSet("top_attrs", [
    Attr(1, "name", "string"),
    Attr(2, "mtu", "u32"),
    Attr(3, "mac", "binary", display="mac"),
    Attr(4, "addr", "binary", display="ip"),
    Attr(5, "port", "u16", byte_order="big"),
    Attr(6, "up", "flag"),
    Attr(7, "inner", "nest", nested="inner_attrs"),
    Attr(8, "pair", "binary", struct=pair),
    Attr(9, "alias", "string", multi=True),
    Attr(10, "acts", "indexed-array", nested="inner_attrs"),
    Attr(11, "kind", "string"),
    Attr(12, "options", "sub-message", selector="kind",
         formats={"a": "inner_attrs", "b": pair, "c": SubMessage("inner_attrs", header=hdr),
                  "d": None}),
    Attr(13, "sel", "binary", struct=sel_struct),
    Attr(14, "ports", "binary", struct=ports),
    Attr(15, "s64", "s64"),
    Attr(16, "uid", "binary", display="uuid"),
    Attr(17, "var", "uint"),
    Attr(18, "ids", "indexed-array", sub_type="u32"),
    Attr(19, "tv", "nest-type-value", nested="inner_attrs"),
    Attr(20, "pad", "pad"),
    Attr(21, "arg", "binary", struct=arg),
    Attr(22, "mixed", "binary", struct=mixed),
    Attr(23, "v4", "u32", byte_order="big", display="ipv4"),
], prefix="T_")

inner = AttrSet("inner_attrs", [
    Attr(1, "x", "u8"),
    Attr(2, "y", "string"),
    Attr(3, "deeper", "nest", nested="inner_attrs"),
], prefix="T_INNER_", nested_flag=True)

FAM = Family("testfam", "route", attrsets=[top, inner],
             messages=[Msg(0x7F0, "newthing", header=hdr, attrs="top_attrs")])
CF = compile_family(FAM)
TOP = CF.sets["top_attrs"]


def dec(codec, data, kernel=False):
    r = codec.decode_attrs(TOP, data, 0, len(data), "top_attrs", kernel)
    return r if type(r) is dict else r.load()


def roundtrip(codec, data):
    d = dec(codec, data)
    assert codec.encode_set(TOP, d, "top_attrs") == data
    return d


def test_scalars(codec):
    data = (nla(1, b"eth0\0") + nla(2, struct.pack("<I", 1500)) + nla(5, b"\x1f\x90")
            + nla(6) + nla(15, struct.pack("<q", -5)) + nla(17, struct.pack("<Q", 1 << 40))
            + nla(23, bytes([10, 0, 0, 1])))
    d = roundtrip(codec, data)
    assert d == {"name": "eth0", "mtu": 1500, "port": 8080, "up": True, "s64": -5,
                 "var": 1 << 40, "v4": "10.0.0.1"}


def test_display_hints(codec):
    data = (nla(3, bytes.fromhex("0a1b2c3d4e5f")) + nla(4, bytes([192, 168, 1, 2]))
            + nla(16, bytes(range(16))))
    d = roundtrip(codec, data)
    assert d["mac"] == "0a:1b:2c:3d:4e:5f"
    assert d["addr"] == "192.168.1.2"
    assert d["uid"] == "00010203-0405-0607-0809-0a0b0c0d0e0f"
    d6 = roundtrip(codec, nla(4, bytes.fromhex("20010db8000000000000000000000001")))
    assert d6["addr"] == "2001:db8::1"


def test_nests_flags_and_unknown(codec):
    # inner set expects NLA_F_NESTED; the outer nest here is sent without it
    # top_attrs' nests carry no NLA_F_NESTED by default, inner_attrs' do: the
    # message below does the opposite and both deviations are recorded
    deeper = nla(3, nla(1, b"\x07"))
    data = nla(7 | 0x8000, nla(1, b"\x05") + nla(2, b"hi\0") + deeper) + nla(99, b"\xde\xad")
    d = roundtrip(codec, data)
    assert d["inner"] == {"x": 5, "y": "hi", "deeper": {"x": 7}, "_flags": {"deeper": 0}}
    assert d["_flags"] == {"inner": 0x8000}
    assert d["99"] == "dead"
    plain = nla(7, nla(1, b"\x05") + nla(3 | 0x8000, nla(1, b"\x07")))
    assert "_flags" not in roundtrip(codec, plain)


def test_multi_and_repeated(codec):
    data = nla(9, b"a\0") + nla(2, b"\1\0\0\0") + nla(9, b"b\0") + nla(2, b"\2\0\0\0")
    d = dec(codec, data)
    assert d["alias"] == ["a", "b"]
    assert d["mtu"] == [1, 2] and d["_repeated"] == ["mtu"]
    # interleaving is not kept, but every occurrence is
    again = codec.encode_set(TOP, d, "top_attrs")
    assert sorted(again[i:i + 8] for i in range(0, 32, 8)) == \
        sorted(data[i:i + 8] for i in range(0, 32, 8))


def test_indexed_arrays(codec):
    acts = nla(10, nla(1, nla(1, b"\x01")) + nla(2, nla(1, b"\x02")))
    d = roundtrip(codec, acts)
    assert d["acts"] == [{"x": 1}, {"x": 2}]
    gap = nla(10, nla(1, nla(1, b"\x01")) + nla(5, nla(1, b"\x02")))
    assert roundtrip(codec, gap)["acts"] == {"1": {"x": 1}, "5": {"x": 2}}
    ids = nla(18, nla(1, b"\x0a\0\0\0") + nla(2, b"\x0b\0\0\0"))
    assert roundtrip(codec, ids)["ids"] == [10, 11]


def test_type_value(codec):
    d = roundtrip(codec, nla(19, nla(42, nla(1, b"\x03"))))
    assert d["tv"] == {"42": {"x": 3}}


def test_sub_messages(codec):
    d = roundtrip(codec, nla(11, b"a\0") + nla(12, nla(1, b"\x09")))
    assert d["options"] == {"x": 9}
    d = roundtrip(codec, nla(11, b"b\0") + nla(12, struct.pack("<H", 7) + b"\x00\x08"))
    assert d["options"] == {"a": 7, "b": 8}
    # selector after the sub-message, and a header before the attributes
    data = nla(12, struct.pack("<B3xI", 2, 9) + nla(1, b"\x01")) + nla(11, b"c\0")
    d = roundtrip(codec, data)
    assert d["options"] == {"_header": {"family": 2, "index": 9}, "x": 1}
    # an unknown kind keeps the payload as hex
    d = roundtrip(codec, nla(11, b"zz\0") + nla(12, b"\x01\x02"))
    assert d["options"] == "0102"


def test_structs(codec):
    sel = struct.pack("<BB2x", 1, 2) + struct.pack("<II", 4, 5) + struct.pack("<II", 6, 7)
    d = roundtrip(codec, nla(13, sel))
    assert d["sel"] == {"flags": 1, "nkeys": 2, "keys": [{"off": 4, "val": 5},
                                                        {"off": 6, "val": 7}]}
    d = roundtrip(codec, nla(14, struct.pack("<3I", 1, 2, 3)))
    assert d["ports"] == {"ports": [1, 2, 3]}
    d = roundtrip(codec, nla(21, b"\x01\0\0\0" + struct.pack("<I", 100)))
    assert d["arg"] == {"exec": True, "probability": 100}
    d = roundtrip(codec, nla(22, bytes([1, 2, 3, 4]) + b"\x00\x35\x11\x00" + b"\x07\0\0\0"))
    assert d["mixed"] == {"addr": "1.2.3.4", "port": 53, "proto": 17, "mark": 7}


def test_struct_longer_and_shorter(codec):
    # a newer kernel's longer struct keeps the extra bytes; an older, shorter one
    # ending on a member boundary decodes the members it has
    d = roundtrip(codec, nla(8, b"\1\0\0\2\xaa\xbb"))
    assert d["pair"] == {"a": 1, "b": 2, "_tail": "aabb"}
    d = roundtrip(codec, nla(8, b"\1\0"))
    assert d["pair"] == {"a": 1, "_size": 2}      # short on the wire, said explicitly
    with pytest.raises(DecodeError) as e:
        dec(codec, nla(8, b"\1\0\0"))
    assert e.value.path == "top_attrs.pair" and e.value.offset == 4   # the payload


def test_string_without_nul_is_kept(codec):
    d = roundtrip(codec, nla(1, b"abc"))
    assert d["name"] == "abc" and d["_raw"] == {"name": "616263"}


@pytest.mark.parametrize("data, path, offset, words", [
    (b"\x03\x00", "top_attrs", 0, "too short"),
    (nla(2, b"\0\0\0\0")[:6], "top_attrs", 0, "overruns"),
    (struct.pack("<HH", 0, 1), "top_attrs", 0, "< 4"),
    (struct.pack("<HH", 40, 1) + b"abcd", "top_attrs", 0, "overruns"),
    (nla(2, b"\0\0"), "top_attrs.mtu", 0, "!= 4"),
    (nla(6, b"\1"), "top_attrs.up", 0, "flag"),
    (nla(2, b"\0\0\0\0") + nla(7, struct.pack("<HH", 9, 1)), "top_attrs.inner", 12, "overruns"),
])
def test_bad_input_names_path_and_offset(codec, data, path, offset, words):
    with pytest.raises(DecodeError) as e:
        dec(codec, data)
    assert e.value.path == path
    assert e.value.offset == offset
    assert words in str(e.value)
    assert isinstance(e.value, ValueError)


def test_nesting_bomb_is_refused(codec):
    data = nla(1, b"\x01")
    for _ in range(200):
        data = nla(3, data)
    data = nla(7, data)
    with pytest.raises(DecodeError) as e:
        dec(codec, data)
    assert "nesting deeper" in str(e.value)


def test_zero_length_attribute_never_loops(codec):
    with pytest.raises(DecodeError):
        dec(codec, struct.pack("<HH", 0, 0) * 1000)


def test_natural_values_encode():
    from nlcodec import backends as b
    enc = b.active().encode_set
    data = enc(TOP, {"mac": "aa:bb:cc:dd:ee:ff", "addr": "10.1.2.3", "port": 80, "up": True,
                     "name": "x", "T_MTU": 9000, "up_not": None} if False else
               {"mac": "aa:bb:cc:dd:ee:ff", "addr": "10.1.2.3", "port": 80, "up": True,
                "name": "x", "T_MTU": 9000}, "top_attrs")
    assert data == (nla(3, bytes.fromhex("aabbccddeeff")) + nla(4, bytes([10, 1, 2, 3]))
                    + nla(5, b"\x00\x50") + nla(6) + nla(1, b"x\0")
                    + nla(2, struct.pack("<I", 9000)))
    with pytest.raises(EncodeError):
        enc(TOP, {"nosuch": 1}, "top_attrs")
    with pytest.raises(EncodeError):
        enc(TOP, {"port": 1 << 20}, "top_attrs")


def test_message_level_roundtrip():
    nlcodec.register(FAM)
    raw = nlcodec.encode("route", "newthing", header={"family": 2, "index": 7},
                         attrs={"name": "veth0", "mtu": 1500}, flags=nlcodec.NLM_F_REQUEST, seq=9)
    body = struct.pack("<B3xI", 2, 7) + nla(1, b"veth0\0") + nla(2, struct.pack("<I", 1500))
    assert raw == struct.pack("<IHHII", 16 + len(body), 0x7F0, 1, 9, 0) + body
    (m,) = nlcodec.decode(raw)
    assert (m.type, m.type_id, m.seq, m.flags, m.length) == ("newthing", 0x7F0, 9, 1, len(raw))
    assert m.header == {"family": 2, "index": 7}
    assert m.get("name") == "veth0" and m["T_MTU"] == 1500 and m.get("nope", 3) == 3
    d = m.to_dict()
    assert set(d) >= {"type", "flags", "seq", "pid", "header", "attrs"}
    assert nlcodec.encode("route", d["type"], header=d["header"], attrs=d["attrs"],
                          flags=d["flags"], seq=d["seq"], pid=d["pid"]) == raw
    assert m.encode() == raw


def test_stream_errors():
    with pytest.raises(DecodeError) as e:
        nlcodec.decode(struct.pack("<IHHII", 100, 16, 0, 0, 0))
    assert e.value.path == "nlmsghdr" and "overruns" in str(e.value)
    with pytest.raises(DecodeError):
        nlcodec.decode(b"\x01\x02\x03")
    with pytest.raises(DecodeError):
        nlcodec.decode(struct.pack("<IHHII", 8, 16, 0, 0, 0))


def test_error_and_done_messages():
    req = struct.pack("<IHHII", 20, 0x7F0, 5, 3, 0) + b"abcd"
    ack_tlvs = nla(1, b"bad thing\0") + nla(2, struct.pack("<I", 20))
    err = struct.pack("<i", -22) + req + ack_tlvs
    raw = struct.pack("<IHHII", 16 + len(err), 2, 0x200, 3, 77) + err
    (m,) = nlcodec.decode(raw)
    assert m.type == "error" and m.error == -22
    assert m.header["msg"]["seq"] == 3 and m.payload == "61626364"
    assert m.get("msg") == "bad thing" and m.get("offs") == 20
    assert m.encode() == raw
    done = struct.pack("<IHHII", 20, 3, 2, 3, 77) + struct.pack("<i", 0)
    (m,) = nlcodec.decode(done)
    assert m.type == "done" and m.error == 0 and m.encode() == done


def test_interleaved_repeats_keep_their_order(codec):
    """family_id, family_name, family_id: the dict groups the repeats, and
    `_order` keeps the wire order so that re-encoding is byte-exact (OVS
    action lists interleave outputs and sets this way)."""
    from nlcodec.registry import compiled
    cs = compiled("nlctrl").sets["ctrl_attrs"]

    def attr(t, payload):
        n = 4 + len(payload)
        return n.to_bytes(2, "little") + t.to_bytes(2, "little") + payload + bytes(-n % 4)
    raw = attr(1, (1).to_bytes(2, "little")) + attr(2, b"ab\0") + attr(1, (2).to_bytes(2, "little"))
    d = codec.decode_attrs(cs, raw, 0, len(raw), cs.name, False)
    assert d["family_id"] == [1, 2] and d["family_name"] == "ab"
    assert d["_order"] == ["family_id", "family_name", "family_id"]
    assert codec.encode_set(cs, d, cs.name) == raw
    # grouped repeats need no _order
    grouped = attr(1, b"\1\0") + attr(1, b"\2\0") + attr(2, b"ab\0")
    d = codec.decode_attrs(cs, grouped, 0, len(grouped), cs.name, False)
    assert "_order" not in d and codec.encode_set(cs, d, cs.name) == grouped


@pytest.mark.parametrize("attrs", [
    {"tv": {"x": {"x": 1}}}, {"tv": {"-1": {"x": 1}}}, {"tv": {"16384": {"x": 1}}},
    {"acts": {"a": {"x": 1}}}, {"acts": {"70000": {"x": 1}}},
    {"99999": "00"}, {"16385": "00"}, {"\u00b2": "00"},
])
def test_attribute_type_keys_that_do_not_fit_nla_type(codec, attrs):
    # nla_type's low 14 bits are the type (NLA_TYPE_MASK, include/uapi/linux/netlink.h):
    # a key outside 0..16383 or not a number cannot be written; EncodeError says so
    # (was ValueError / struct.error)
    with pytest.raises(EncodeError, match="attribute type"):
        codec.encode_set(TOP, attrs, "top_attrs")


def test_attribute_type_keys_at_the_limit(codec):
    # 16383 is the largest type nla_type holds (NLA_TYPE_MASK = 0x3fff)
    data = nla(16383, b"\x01") + nla(19, nla(16383, nla(1, b"\x02")))
    assert codec.encode_set(TOP, dec(codec, data), "top_attrs") == data


def _kernel_replies():
    """A real kernel's replies, from this host in a namespace of the test's
    own: an ACK (RTM_SETLINK on lo with NLM_F_ACK: error 0) and an error
    (RTM_GETLINK of an ifindex that does not exist: rtnl_getlink in
    net/core/rtnetlink.c returns -ENODEV)."""
    import errno
    import socket
    from nlcodec import netns
    out = []
    with netns.temporary("nlc-ack") as ns, netns.enter(ns):
        s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 0)
        try:
            s.bind((0, 0))
            for seq, (ty, flags, index) in enumerate(((19, 0x5, 1), (18, 0x1, 12345)), 1):
                body = struct.pack("<BxHiII", 0, 0, index, 0, 0)
                s.send(struct.pack("<IHHII", 16 + len(body), ty, flags, seq, 0) + body)
                out.append(s.recv(65536))
        finally:
            s.close()
    return out, -errno.ENODEV


def test_lone_control_messages_same_on_both_backends_without_the_stream_call(monkeypatch):
    """A datagram that is one control message (an ACK, an error) takes the
    per-message path on the native backend too (the C stream call would
    leave it to that path anyway): the same messages as pure, and a control
    message followed by a data message still decodes whole on both."""
    from nlcodec import backends
    (ack, err), enodev = _kernel_replies()
    link = struct.pack("<IHHII", 32, 16, 0, 9, 0) + struct.pack("<BxHiII", 0, 772, 1, 0x49, 0)
    got = {}
    for be in ("pure", "native"):
        nlcodec.use_backend(be)
        try:
            calls = []
            active = backends.active()
            if hasattr(active, "decode_stream"):     # patched on the class, where defined
                real = type(active).decode_stream
                monkeypatch.setattr(type(active), "decode_stream",
                                    lambda *a, **k: calls.append(1) or real(*a, **k))
            got[be] = [[m.to_dict() for m in nlcodec.decode(d)] for d in (ack, err)]
            assert calls == []
            both = nlcodec.decode(ack + link)
            assert [m.type for m in both] == ["error", "newlink"]
            assert both[1].header["index"] == 1 and both[1].header["flags"] == 0x49
            got[be].append([m.to_dict() for m in both])
            monkeypatch.undo()
        finally:
            nlcodec.use_backend(None)
    assert got["native"] == got["pure"]
    (a,), (e,), _ = got["pure"]
    assert a["header"]["error"] == 0 and a["seq"] == 1
    assert e["header"]["error"] == enodev and e["seq"] == 2
