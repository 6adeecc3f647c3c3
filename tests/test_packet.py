"""Packet summaries (nlcodec/packet.py) against tshark on the same bytes.

Every frame below is packed by hand (RFC 791/8200/793/768/792/4443/826,
IEEE 802.1Q, RFC 7348 VXLAN, RFC 8926 Geneve), written to a pcap (LINKTYPE_ETHERNET,
with the captured length short of the original one for the truncated frames,
as psample cuts samples) and read by tshark; the fields tshark's dissectors
print are the expected values.  The numbers in specs/packet.py are checked
against the installed UAPI headers."""

import json
import shutil
import socket
import struct

import pytest
from hypothesis import given, settings, strategies as st

from nlcodec import packet
from cprobe import c_values
from tshark_view import TSHARK, frames

needs_tshark = pytest.mark.skipif(TSHARK is None, reason="needs tshark")

MAC1, MAC2 = bytes.fromhex("020000000001"), bytes.fromhex("ffffffffffff")


def ip4(s):
    return socket.inet_pton(socket.AF_INET, s)


def ip6(s):
    return socket.inet_pton(socket.AF_INET6, s)


def eth(dst, src, etype):
    return dst + src + struct.pack(">H", etype)


def vlan(tci, etype):
    return struct.pack(">HH", tci, etype)


def ipv4(src, dst, proto, payload, ttl=64, ident=1, frag=0x4000, ihl=5, opts=b""):
    return struct.pack(">BBHHHBBH4s4s", 0x40 | ihl, 0, 4 * ihl + len(payload), ident, frag,
                       ttl, proto, 0, ip4(src), ip4(dst)) + opts + payload


def ipv6(src, dst, nh, payload, hlim=64, flow=0):
    return struct.pack(">IHBB16s16s", (6 << 28) | flow, len(payload), nh, hlim,
                       ip6(src), ip6(dst)) + payload


def tcp(sport, dport, flags, seq=1000, ack=0, win=512, payload=b""):
    return struct.pack(">HHIIHHHH", sport, dport, seq, ack, (5 << 12) | flags, win, 0, 0) \
        + payload


def udp(sport, dport, payload):
    return struct.pack(">HHHH", sport, dport, 8 + len(payload), 0) + payload


def icmp(t, code, ident=0, seq=0, payload=b""):
    return struct.pack(">BBHHH", t, code, 0, ident, seq) + payload


def arp(op, sha, sip, tha, tip):
    return struct.pack(">HHBBH6s4s6s4s", 1, 0x0800, 6, 4, op, sha, ip4(sip), tha, ip4(tip))


INNER = eth(bytes.fromhex("0a0000000002"), bytes.fromhex("0a0000000001"), 0x0800) + ipv4(
    "192.168.0.1", "192.168.0.2", 1, icmp(8, 0, 0x1234, 3, b"x" * 8))

FRAMES = {
    "ipv4_tcp_syn": eth(MAC2, MAC1, 0x0800) + ipv4("10.0.0.1", "10.0.0.2", 6,
                                                   tcp(40000, 80, 0x02, seq=12345)),
    "ipv4_icmp_echo": eth(MAC2, MAC1, 0x0800) + ipv4("10.0.0.1", "10.0.0.2", 1,
                                                     icmp(8, 0, 7, 1, b"ping" * 8), ttl=3),
    "dot1q_udp": eth(MAC2, MAC1, 0x8100) + vlan((5 << 13) | 100, 0x0800)
    + ipv4("10.1.0.1", "10.1.0.2", 17, udp(5000, 53, b"q" * 12)),
    "qinq_arp": eth(MAC2, MAC1, 0x88A8) + vlan(200, 0x8100) + vlan((1 << 13) | 0x1000 | 10, 0x0806)
    + arp(1, MAC1, "10.0.0.1", bytes(6), "10.0.0.2"),
    "arp_reply": eth(MAC1, MAC2, 0x0806) + arp(2, MAC2, "10.0.0.2", MAC1, "10.0.0.1"),
    "ipv6_hbh_frag_icmpv6": eth(MAC2, MAC1, 0x86DD) + ipv6(
        "2001:db8::1", "2001:db8::2", 0,
        bytes([44, 0, 5, 2, 0, 0, 0, 0])                              # hop-by-hop, router alert
        + struct.pack(">BBHI", 58, 0, 0, 0xABCD)                      # fragment 0, last
        + icmp(128, 0, 0x42, 9, b"abcd"), flow=0x12345),
    "ipv6_nd_ns": eth(bytes.fromhex("3333ff000002"), MAC1, 0x86DD) + ipv6(
        "fe80::1", "ff02::1:ff00:2", 58,
        struct.pack(">BBHI16s", 135, 0, 0, 0, ip6("2001:db8::2")), hlim=255),
    "ipv6_dstopts_udp": eth(MAC2, MAC1, 0x86DD) + ipv6(
        "2001:db8::1", "2001:db8::2", 60,
        bytes([17, 1]) + bytes([1, 12]) + bytes(12) + udp(1234, 5678, b"u" * 4)),
    "vxlan": eth(MAC2, MAC1, 0x0800) + ipv4("172.16.0.1", "172.16.0.2", 17, udp(
        55555, 4789, struct.pack(">II", 0x08000000, 5001 << 8) + INNER)),
    "geneve_opts": eth(MAC2, MAC1, 0x86DD) + ipv6("2001:db8::a", "2001:db8::b", 17, udp(
        44444, 6081, struct.pack(">BBHI", 2, 0, 0x6558, 77 << 8)
        + struct.pack(">HBB4s", 0x0102, 0x80, 1, b"\x00\x00\x00\x2a")
        + eth(MAC2, MAC1, 0x86DD) + ipv6("fd00::1", "fd00::2", 6,
                                         tcp(22, 33333, 0x18, seq=7, ack=9, payload=b"hi")))),
    "ipv4_options_tcp": eth(MAC2, MAC1, 0x0800) + ipv4(
        "10.0.0.1", "10.0.0.2", 6, tcp(1, 2, 0x11, ack=5), ihl=6, opts=b"\x94\x04\x00\x00"),
    "ipv4_later_fragment": eth(MAC2, MAC1, 0x0800) + ipv4("10.0.0.1", "10.0.0.2", 17,
                                                          b"z" * 16, frag=0x2000 | 185),
}
# (frame, bytes captured): psample and OVS cut frames to the sample size
TRUNCATED = {
    "cut_in_tcp": (FRAMES["ipv4_tcp_syn"], 14 + 20 + 8),
    "cut_in_ipv6": (FRAMES["ipv6_nd_ns"], 14 + 30),
    "cut_in_vlan": (FRAMES["qinq_arp"], 16),
    "cut_in_inner": (FRAMES["vxlan"], 14 + 20 + 8 + 8 + 20),
}


def write_pcap(path, frames):
    """pcap by hand (LINKTYPE_ETHERNET 1): (bytes, original length) records."""
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        for i, (data, orig) in enumerate(frames):
            f.write(struct.pack("<IIII", i, 0, len(data), orig) + data)


# tshark field -> how to read it from our layers (proto, our key, conversion)
def _ours_fields(d):
    out = []
    for x in d["layers"]:
        p = x["proto"]
        if p == "eth":
            out += [("eth.dst", x["dst"]), ("eth.src", x["src"])]
            if "type" in x:
                out.append(("eth.type", f"{x['type']:#06x}"))
        elif p == "vlan" and x["tpid_name"] == "802.1ad":     # tshark's S-tag fields
            out += [("ieee8021ad.priority", str(x["pcp"])), ("ieee8021ad.dei", str(x["dei"])),
                    ("ieee8021ad.id", str(x["vid"])), ("ieee8021ah.etype", f"{x['type']:#06x}")]
        elif p == "vlan":
            out += [("vlan.priority", str(x["pcp"])), ("vlan.dei", str(x["dei"])),
                    ("vlan.id", str(x["vid"])), ("vlan.etype", f"{x['type']:#06x}")]
        elif p == "arp":
            out += [("arp.opcode", str(x["op"]))]
            if "sip" in x:
                out += [("arp.src.hw_mac", x["sha"]), ("arp.src.proto_ipv4", x["sip"]),
                        ("arp.dst.hw_mac", x["tha"]), ("arp.dst.proto_ipv4", x["tip"])]
        elif p == "ipv4":
            out += [("ip.src", x["src"]), ("ip.dst", x["dst"]), ("ip.ttl", str(x["ttl"])),
                    ("ip.id", f"{x['id']:#06x}"), ("ip.proto", str(x["protocol"])),
                    ("ip.len", str(x["tot_len"])), ("ip.hdr_len", str(x["ihl"])),
                    ("ip.frag_offset", str(x["frag_offset"] // 8))]   # tshark: 8-octet units
        elif p == "ipv6":
            out += [("ipv6.src", x["src"]), ("ipv6.dst", x["dst"]),
                    ("ipv6.hlim", str(x["hop_limit"])), ("ipv6.nxt", str(x["nexthdr"])),
                    ("ipv6.flow", f"{x['flow_label']:#08x}"),
                    ("ipv6.plen", str(x["payload_len"]))]
        elif p == "ipv6_ext":
            out += [(f"ipv6.{x['type']}.nxt", str(x["nexthdr"])),
                    (f"ipv6.{x['type']}.len_oct", str(x["len"]))]
        elif p == "ipv6_frag":
            out += [("ipv6.fraghdr.nxt", str(x["nexthdr"])),
                    ("ipv6.fraghdr.offset", str(x["offset"] // 8)),
                    ("ipv6.fraghdr.more", str(x["more"])), ("ipv6.fraghdr.ident", f"{x['id']:#010x}")]
        elif p == "tcp":
            out += [("tcp.srcport", str(x["sport"])), ("tcp.dstport", str(x["dport"])),
                    ("tcp.seq_raw", str(x["seq"])), ("tcp.flags", f"{x['flag_bits']:#06x}"),
                    ("tcp.window_size_value", str(x["window"]))]
        elif p == "udp":
            out += [("udp.srcport", str(x["sport"])), ("udp.dstport", str(x["dport"])),
                    ("udp.length", str(x["len"]))]
        elif p == "icmp":
            out += [("icmp.type", str(x["type"])), ("icmp.code", str(x["code"]))]
            if "id" in x:
                out += [("icmp.ident", str(x["id"])), ("icmp.seq", str(x["seq"]))]
        elif p == "icmpv6":
            out += [("icmpv6.type", str(x["type"])), ("icmpv6.code", str(x["code"]))]
            if "id" in x:
                out += [("icmpv6.echo.identifier", f"{x['id']:#06x}"),
                        ("icmpv6.echo.sequence_number", str(x["seq"]))]
            if "target" in x:
                out += [("icmpv6.nd.ns.target_address", x["target"])]
        elif p == "vxlan":
            out += [("vxlan.vni", str(x["vni"]))]
        elif p == "geneve":
            out += [("geneve.vni", f"{x['vni']:#08x}"), ("geneve.version", str(x["version"])),
                    ("geneve.proto_type", f"{x['type']:#06x}")]
    t = d["truncated"] or {}
    f = t.get("fields", {})                   # the members of a cut header that fit whole
    if t.get("layer") == "ipv4":
        out += [("ip.len", str(f["tot_len"]))] if "tot_len" in f else []
        out += [("ip.id", f"{f['id']:#06x}")] if "id" in f else []
        out += [("ip.hdr_len", str((f["version_ihl"] & 15) * 4))] if "version_ihl" in f else []
    if t.get("layer") in ("tcp", "udp"):
        out += [(t["layer"] + ".srcport", str(f["source"])), (t["layer"] + ".dstport", str(f["dest"]))]
    return out


@needs_tshark
def test_summaries_match_tshark(tmp_path):
    names = list(FRAMES) + list(TRUNCATED)
    recs = [(f, len(f)) for f in FRAMES.values()] + [(f[:n], len(f)) for f, n in
                                                     TRUNCATED.values()]
    path = tmp_path / "frames.pcap"
    write_pcap(path, recs)
    theirs = frames(path)
    assert len(theirs) == len(recs)
    for name, (data, _), tf in zip(names, recs, theirs):
        ours = _ours_fields(packet.dissect(data))
        fields = sorted({k for k, _ in ours})
        got = {f: [v for k, v in ours if k == f] for f in fields}     # in order, per field
        want = {f: [v for k, v in tf if k == f] for f in fields}
        assert got == want, (name, packet.describe(data))


def test_layers_reached():
    """Which layers each frame reaches, and where the cut ones stop."""
    protos = {n: [x["proto"] for x in packet.dissect(f)["layers"]] for n, f in FRAMES.items()}
    assert protos["qinq_arp"] == ["eth", "vlan", "vlan", "arp"]
    assert protos["ipv6_hbh_frag_icmpv6"] == ["eth", "ipv6", "ipv6_ext", "ipv6_frag", "icmpv6"]
    assert protos["vxlan"] == ["eth", "ipv4", "udp", "vxlan", "eth", "ipv4", "icmp"]
    assert protos["geneve_opts"] == ["eth", "ipv6", "udp", "geneve", "eth", "ipv6", "tcp",
                                     "payload"]
    assert protos["ipv4_later_fragment"] == ["eth", "ipv4", "payload"]
    d = packet.dissect(TRUNCATED["cut_in_tcp"][0][:TRUNCATED["cut_in_tcp"][1]])
    assert d["truncated"] == {"layer": "tcp", "have": 8, "need": 20,
                              "fields": {"source": 40000, "dest": 80, "seq": 12345}}
    assert packet.describe(FRAMES["qinq_arp"][:16]).endswith("[|vlan: 2 of 4 bytes]")
    assert packet.describe(FRAMES["ipv4_icmp_echo"]) == (
        "02:00:00:00:00:01 > ff:ff:ff:ff:ff:ff ip / 10.0.0.1 > 10.0.0.2 ttl 3 id 1 [DF] "
        "len 60 icmp / icmp echo request id 7 seq 1")


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=200), st.sampled_from([b""] + list(FRAMES.values())))
def test_never_raises(junk, frame):
    for data in (junk, frame[:len(junk)] + junk, frame[:len(junk) % (len(frame) + 1)]):
        d = packet.dissect(data)
        json.dumps(d)
        assert isinstance(packet.describe(data), str)


@pytest.mark.skipif(shutil.which("gcc") is None, reason="needs gcc")
def test_numbers_match_uapi_headers():
    """ETH_P_*, IPPROTO_*, ARPOP_*, ICMP_* and ICMPV6_* of specs/packet.py
    against the installed headers, compiled with gcc."""
    S = packet._spec()
    checks = []
    for enum, table in ((S.ethertypes, S.ETHERTYPE_UAPI), (S.ip_protocols, {}),
                        (S.arp_ops, S.ARPOP_UAPI), (S.icmp_types, S.ICMP_UAPI),
                        (S.icmpv6_types, S.ICMPV6_UAPI)):
        for name, value in enum.values.items():
            suffix = table.get(name, name.upper())
            if suffix is not None:
                checks.append((enum.prefix + suffix, value))
    checks += [("ARPHRD_ETHER", S.ARPHRD_ETHER), ("ETH_P_802_3_MIN", S.ETH_P_802_3_MIN)]
    got = c_values(["linux/if_ether.h", "linux/if_arp.h", "linux/in.h", "linux/in6.h",
                    "linux/icmp.h", "linux/icmpv6.h"], [n for n, _ in checks])
    assert [(n, got[n]) for n, _ in checks] == checks
