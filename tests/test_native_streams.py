"""The native backend's stream tables (one C call decodes a whole message
stream) follow the registry: a family registered later
(``nlcodec.register``) is decoded by its own spec, not by the table made
before it; and a decode compiles the families it meets, not all of them.

The messages are hand-made bytes (struct.pack of nlmsghdr + rtgenmsg-style
header + one attribute); what they decode to is what each spec says.
"""

import struct

import pytest
from construct import Int8ul, Padding, Struct

import nlcodec
from nlcodec import backends, registry
from nlcodec.spec import Attr, AttrSet, Family, Msg

TYPE = 0x7E0        # a message type no bundled family uses

hdr = Struct("family" / Int8ul, Padding(3))


def _family(attr_type):
    return Family("streamtest", "route",
                  attrsets=[AttrSet("streamtest_attrs", [Attr(1, "value", attr_type)])],
                  messages=[Msg(TYPE, "newstreamtest", header=hdr, attrs="streamtest_attrs")])


def _message(payload: bytes) -> bytes:
    nla = struct.pack("<HH", 4 + len(payload), 1) + payload
    nla += bytes(-len(nla) % 4)
    body = struct.pack("<B3x", 2) + nla
    return struct.pack("<IHHII", 16 + len(body), TYPE, 0, 1, 0) + body


@pytest.fixture
def native():
    if backends.name() != "native":
        pytest.skip("the native backend is not active")
    return backends.active()


def test_register_replaces_what_the_stream_table_decodes(native):
    raw = _message(b"abc\0")
    nlcodec.register(_family("u32"))
    # first decode: the stream table learns the family; a second one runs in C
    for _ in range(2):
        (m,) = nlcodec.decode(raw)
        assert m.get("value") == int.from_bytes(b"abc\0", "little")
    nlcodec.register(_family("string"))          # the same name and type, a new spec
    for _ in range(2):
        (m,) = nlcodec.decode(raw)
        assert m.type == "newstreamtest" and m.get("value") == "abc"


def test_a_decode_compiles_only_the_families_it_meets(native):
    native._streams.clear()
    nlcodec.register(_family("u32"))
    raw = _message(struct.pack("<I", 7))
    for _ in range(2):
        (m,) = nlcodec.decode(raw)
        assert m.get("value") == 7
    st = native._streams["route"]
    assert "streamtest" in st[5]
    fam = registry.family("streamtest")
    # the stream table now has a row for the type: the C core decodes it whole
    stopped, items, info = native.decode_stream("route", raw, {})
    assert items[0][7] == {"value": 7} and info[TYPE][0].spec is fam


def test_stream_messages_have_every_slot_the_per_message_path_sets(native, monkeypatch):
    # the stream path builds Message without __init__: each of its slots must
    # hold what the per-message path (Message() and decode_one) gives; the
    # bytes: a link dump and a route dump of this machine, from the kernel
    from nlcodec.benchmark import live_dump
    from nlcodec.message import Message
    missing = object()
    # lazy, every message with attributes is left to the per-message path
    monkeypatch.setattr(native, "lazy_min", 0)
    for data in (live_dump(18), live_dump(26)):
        nlcodec.decode(data)                         # stream tables compiled
        stream = nlcodec.decode(data)
        one = nlcodec.decode(data, lazy=True)        # per message, attributes on demand
        assert len(stream) == len(one) > 0
        for a, b in zip(stream, one):
            b.attrs                                  # loaded: _attrs set, _lazy kept
            for slot in Message.__slots__:
                va, vb = getattr(a, slot, missing), getattr(b, slot, missing)
                if slot == "_lazy":
                    assert va is None
                else:
                    assert va == vb, slot


def test_genl_rows_are_made_once_per_family_as_ids_are_learned(native):
    # the bundled OVS capture (bench/fixtures: real kernel traffic): its
    # nlctrl replies teach one genl id after another, each a new id map; the
    # stream table of each map points its ids at rows made once per family
    from pathlib import Path

    from nlcodec.capture import CaptureDecoder, CaptureStream
    native._streams.clear()
    native._genl = None
    path = Path(__file__).resolve().parent.parent / "bench" / "fixtures" / "ovs_capture.pcap"
    with open(path, "rb") as f:
        n = sum(1 for _ in CaptureStream(CaptureDecoder(), f))
    assert n == 4145
    g = native._genl
    assert {"ovs_datapath", "ovs_vport", "ovs_flow", "ovs_packet"} <= set(g.blocks)
    # each family's block once (a header row, a row per command number)
    assert len(g.rows) == sum(2 + max(cf.msgs, default=-1) for _, cf, _ in g.blocks.values())
    maps = [k for k in native._streams if isinstance(k, tuple) and k[0] == "generic"]
    assert len(maps) > 3
    for k in maps:
        st = native._streams[k]
        for fid, name in k[1]:
            if name in st[5]:
                assert st[1][fid] == g.blocks[name][0]


def test_lazy_decodes_small_messages_in_the_stream_call_and_large_ones_on_demand(
        native, monkeypatch):
    """lazy=True: a message of more than lazy_min bytes of attributes is left
    to the per-message path (validated, decoded on demand); the smaller ones
    come whole from the one stream call, as without lazy.  The bytes: this
    machine's link and route dumps from the kernel; names as ``ip -j link``
    shows them."""
    import json
    import subprocess

    from nlcodec import message
    from nlcodec.benchmark import live_dump
    links, routes = live_dump(18), live_dump(26)
    for data in (links, routes):
        nlcodec.decode(data)                         # stream tables compiled
    calls = []
    real_one, real_stream = message.decode_one, native.decode_stream
    monkeypatch.setattr(message, "decode_one", lambda *a: calls.append("one") or real_one(*a))
    monkeypatch.setattr(native, "decode_stream",
                        lambda *a: calls.append("stream") or real_stream(*a))
    # attribute bytes: after nlmsghdr (16) and ifinfomsg (16) or rtmsg (12)
    for data, hsize, some_big in ((links, 16, True), (routes, 12, False)):
        calls.clear()
        lazy = nlcodec.decode(data, lazy=True)
        big = [m.length - 16 - hsize > native.lazy_min for m in lazy]
        assert any(big) == some_big         # links with stats are large, routes small
        assert calls == ["stream"] + ["one"] * sum(big)
        assert [m._lazy is not None for m in lazy] == big
        assert [m.to_dict() for m in lazy] == [m.to_dict() for m in nlcodec.decode(data)]
    ipj = json.loads(subprocess.run(["ip", "-j", "link", "show"], capture_output=True,
                                    text=True, check=True).stdout)
    assert [m.get("ifname") for m in nlcodec.decode(links, lazy=True)] == \
        [x["ifname"] for x in ipj]
