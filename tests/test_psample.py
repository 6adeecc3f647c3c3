"""psample: SAMPLE events and group commands, packed by hand from
linux/psample.h and the widths net/psample/psample.c puts (u16 ifindexes,
u64 with PSAMPLE_ATTR_PAD for out_tc_occ/latency/timestamp)."""

import socket
import struct

import nlcodec
from nlcodec.registry import compiled
from wire import nla  # noqa: E402

PS = compiled("psample")


def dec(codec, data, setname="psample_attrs"):
    cs = PS.sets[setname]
    r = codec.decode_attrs(cs, data, 0, len(data), cs.name, False)
    d = r if type(r) is dict else r.load()
    assert codec.encode_set(cs, d, cs.name) == data
    return d


def test_family_shape():
    fam = nlcodec.family("psample")
    assert fam.genl and fam.version == 1 and fam.header is None
    assert set(fam.mcast_groups) == {"config", "packets"}
    assert [m.name for m in fam.messages] == ["sample", "get_group", "new_group", "del_group"]
    assert fam.msg("PSAMPLE_CMD_SAMPLE").id == 0


def test_sample_event(codec):
    frame = bytes.fromhex("ffffffffffff00010203040508060001")
    tunnel = (nla(0, struct.pack(">Q", 42)) + nla(1, socket.inet_aton("192.0.2.1"))
              + nla(2, socket.inet_aton("192.0.2.2")) + nla(4, b"\x40") + nla(5)
              + nla(10, struct.pack(">H", 4789))
              + nla(12, socket.inet_pton(socket.AF_INET6, "2001:db8::1")))
    data = (nla(0, struct.pack("<H", 3)) + nla(1, struct.pack("<H", 4))
            + nla(2, struct.pack("<I", 1514)) + nla(3, struct.pack("<I", 7))
            + nla(4, struct.pack("<I", 99)) + nla(5, struct.pack("<I", 100))
            + nla(8, tunnel) + nla(6, frame)
            + nla(10, struct.pack("<H", 2)) + nla(11, struct.pack("<Q", 3000))
            + nla(12, struct.pack("<Q", 1234)) + nla(9)      # 64-bit alignment pad
            + nla(13, struct.pack("<Q", 1700000000123456789)) + nla(14, struct.pack("<H", 1))
            + nla(15, b"\xca\xfe") + nla(16))
    d = dec(codec, data)
    assert d["iifindex"] == 3 and d["oifindex"] == 4 and d["origsize"] == 1514
    assert d["sample_group"] == 7 and d["group_seq"] == 99 and d["sample_rate"] == 100
    assert d["data"] == frame.hex()
    assert d["tunnel"] == {"id": 42, "ipv4_src": "192.0.2.1", "ipv4_dst": "192.0.2.2",
                           "ttl": 64, "dont_fragment": True, "tp_dst": 4789,
                           "ipv6_src": "2001:db8::1"}
    assert d["out_tc"] == 2 and d["out_tc_occ"] == 3000 and d["latency"] == 1234
    assert d["timestamp"] == 1700000000123456789 and d["proto"] == 1
    assert d["user_cookie"] == "cafe" and d["sample_probability"] is True
    assert "pad" in d and d["pad"] is None


def test_whole_messages(codec):
    # a PSAMPLE_CMD_SAMPLE event on the "packets" group, family id 0x1f
    attrs = nla(3, struct.pack("<I", 1)) + nla(6, b"\x01\x02")
    body = struct.pack("<BBH", 0, 1, 0) + attrs
    msg = struct.pack("<IHHII", 16 + len(body), 0x1f, 0, 0, 0) + body
    m, = nlcodec.decode(msg, "generic", families={0x1f: "psample"})
    assert m.family == "psample" and m.type == "sample"
    assert m["sample_group"] == 1 and m["data"] == "0102"
    assert m.encode() == msg
    # a GET_GROUP dump request and its reply (group, refcount, seq)
    req = nlcodec.encode("psample", "get_group", family_id=0x1f, flags=0x301, seq=3)
    assert req == struct.pack("<IHHII", 20, 0x1f, 0x301, 3, 0) + struct.pack("<BBH", 1, 1, 0)
    attrs = (nla(3, struct.pack("<I", 5)) + nla(7, struct.pack("<I", 2))
             + nla(4, struct.pack("<I", 77)))
    body = struct.pack("<BBH", 2, 1, 0) + attrs
    msg = struct.pack("<IHHII", 16 + len(body), 0x1f, 2, 3, 0) + body
    m, = nlcodec.decode(msg, "generic", families={0x1f: "psample"})
    assert m.type == "new_group"
    assert (m["sample_group"], m["group_refcount"], m["group_seq"]) == (5, 2, 77)
    assert m.encode() == msg
