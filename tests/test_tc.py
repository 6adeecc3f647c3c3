"""TC specs: qdiscs, classes, filters (flower, u32, bpf ...), actions.

Two kinds of test:

- hand-built messages: every attribute is packed here with ``struct`` from the
  kernel's struct layouts, with attribute numbers read from the installed UAPI
  headers (``K``, compiled with gcc), never from our specs.  They must decode
  to the values written beside them and encode back to the same bytes, both
  from the decoded dict and from the plain values.
- live (``-m live``): qdiscs, classes, u32 filters and actions made with ``tc``
  and with nlcodec in a private netns, dumped through a raw netlink socket,
  compared field by field with ``tc``'s own view; every message the kernel
  sent must re-encode byte for byte.
"""

import glob
import json
import os
import re
import shutil
import socket
import struct
import subprocess
import tempfile
import time
import types

import pytest

import nlcodec
from nlcodec import netns
from nlcodec.tc import (filter_info, handle_str, parent_str, parse_handle, parse_verdict,
                        qdisc_handle_str, split_info, verdict_name)
import cprobe  # noqa: E402
from wire import NLA_F_NESTED, be16, be32, cstr, ip4, ip6, mac, nla, u16, u32, u64, u8  # noqa: E402

if shutil.which("gcc") is None:
    pytest.skip("needs gcc to read the UAPI headers", allow_module_level=True)

# -- UAPI constants, from the installed headers ---------------------------------

HEADERS = (["linux/rtnetlink.h", "linux/pkt_sched.h", "linux/pkt_cls.h", "linux/gen_stats.h"]
           + ["linux/tc_act/" + os.path.basename(p)
              for p in sorted(glob.glob("/usr/include/linux/tc_act/*.h"))])

# newer than the installed (6.1) headers; values from the kernel's current UAPI
NEWER = {
    "TCA_FLOWER_L2_MISS": 106, "TCA_FLOWER_KEY_CFM": 107, "TCA_FLOWER_KEY_SPI": 108,
    "TCA_FLOWER_KEY_SPI_MASK": 109, "TCA_FLOWER_KEY_ENC_FLAGS": 110,
    "TCA_FLOWER_KEY_ENC_FLAGS_MASK": 111, "TCA_FLOWER_KEY_CFM_MD_LEVEL": 1,
    "TCA_FLOWER_KEY_CFM_OPCODE": 2, "TCA_CT_HELPER_NAME": 16, "TCA_CT_HELPER_FAMILY": 17,
    "TCA_CT_HELPER_PROTO": 18, "TCA_TUNNEL_KEY_NO_FRAG": 14, "TCA_MIRRED_BLOCKID": 4,
    "TCA_NETEM_PRNG_SEED": 14,
}


def _uapi_constants():
    """Every UAPI name this file reads from ``K``, as the C compiler sees it."""
    with open(__file__) as f:
        names = sorted(set(re.findall(r"\bK\.([A-Z][A-Z0-9_]+)", f.read())) - set(NEWER))
    vals = cprobe.c_values(HEADERS, names)
    return types.SimpleNamespace(**vals, **NEWER)


K = _uapi_constants()

# -- building attributes by hand ----------------------------------------------------

# an "item" is (attribute bytes, our name, the value we expect decoded)

def at(t, payload, name, value):
    return nla(t, payload), name, value


def nest(t, name, body, flags=0):
    raw, d = body
    return nla(t | flags, raw), name, d


def multi(t, name, bodies, flags=0):
    return b"".join(nla(t | flags, raw) for raw, _ in bodies), name, [d for _, d in bodies]


def indexed(t, name, bodies):
    return nla(t, b"".join(nla(i, raw) for i, (raw, _) in enumerate(bodies, 1))), name, \
        [d for _, d in bodies]


def attrs(*items):
    return b"".join(i[0] for i in items), {i[1]: i[2] for i in items}


def tcmsg(ifindex=0, handle=0, parent=0, info=0, family=0):
    return (struct.pack("<BxxxiIII", family, ifindex, handle, parent, info),
            {"family": family, "ifindex": ifindex, "handle": handle, "parent": parent,
             "info": info})


def nlmsg(type_, body, flags=0, seq=7, pid=0):
    return struct.pack("<IHHII", 16 + len(body), type_, flags, seq, pid) + body


def roundtrip(type_, header, body, flags=0x1):
    """A message built by hand decodes to the expected values and encodes back
    to the same bytes: from the decoded message, and from the plain values."""
    hraw, hdict = header
    raw_attrs, want = body
    raw = nlmsg(type_, hraw + raw_attrs, flags)
    m = nlcodec.decode(raw)[0]
    assert m.family == "route" and m.type_id == type_
    assert m.header == hdict
    got = m.to_dict()["attrs"]
    assert got == want
    assert m.encode() == raw
    again = nlcodec.encode("route", m.type, header=hdict, attrs=want, flags=flags, seq=7)
    assert again == raw
    return m


# struct packers: (bytes, dict) pairs

def tc_gen(index, action, capab=0, refcnt=1, bindcnt=1):
    return (struct.pack("<IIiii", index, capab, action, refcnt, bindcnt),
            {"index": index, "capab": capab, "action": action, "refcnt": refcnt,
             "bindcnt": bindcnt})


def with_gen(gen, fmt, **fields):
    raw, d = gen
    return raw + struct.pack(fmt, *fields.values()), {**d, **fields}


TM = (struct.pack("<QQQQ", 1000, 2000, 0, 1500),
      {"install": 1000, "lastuse": 2000, "expires": 0, "firstuse": 1500})


def ratespec(rate, linklayer=1, cell_log=0, overhead=0, cell_align=-1, mpu=0):
    return (struct.pack("<BBHhHI", cell_log, linklayer, overhead, cell_align, mpu, rate),
            {"cell_log": cell_log, "linklayer": linklayer, "overhead": overhead,
             "cell_align": cell_align, "mpu": mpu, "rate": rate})


def stats2():
    """A TCA_STATS2 / TCA_ACT_STATS nest as gnet_stats_* fills it."""
    return attrs(
        at(K.TCA_STATS_BASIC, struct.pack("<QI4x", 123456, 789), "basic",
           {"bytes": 123456, "packets": 789}),
        at(K.TCA_STATS_PAD, b"", "pad", None),
        at(K.TCA_STATS_BASIC_HW, struct.pack("<QI4x", 100, 1), "basic_hw",
           {"bytes": 100, "packets": 1}),
        at(K.TCA_STATS_RATE_EST, struct.pack("<II", 5000, 40), "rate_est",
           {"bps": 5000, "pps": 40}),
        at(K.TCA_STATS_QUEUE, struct.pack("<5I", 1, 2, 3, 4, 5), "queue",
           {"qlen": 1, "backlog": 2, "drops": 3, "requeues": 4, "overlimits": 5}),
        at(K.TCA_STATS_PKT64, u64(1 << 33), "pkt64", 1 << 33),
    )


# -- flower: every key family -------------------------------------------------------

def flower_filter(opts, kind="flower"):
    return attrs(at(K.TCA_KIND, cstr(kind), "kind", kind),
                 nest(K.TCA_OPTIONS, "options", opts),
                 at(K.TCA_CHAIN, u32(0), "chain", 0))


FILTER_HDR = tcmsg(ifindex=3, handle=1, parent=0xFFFFFFF2, info=(49152 << 16) | 0x0008)


def test_flower_l2_l3_l4_keys(codec):
    opts = attrs(
        at(K.TCA_FLOWER_CLASSID, u32(0x10010), "classid", 0x10010),
        at(K.TCA_FLOWER_INDEV, cstr("veth0"), "indev", "veth0"),
        at(K.TCA_FLOWER_KEY_ETH_DST, mac("02:00:00:00:00:01"), "key_eth_dst", "02:00:00:00:00:01"),
        at(K.TCA_FLOWER_KEY_ETH_DST_MASK, mac("ff:ff:ff:ff:ff:ff"), "key_eth_dst_mask",
           "ff:ff:ff:ff:ff:ff"),
        at(K.TCA_FLOWER_KEY_ETH_SRC, mac("0a:0b:0c:0d:0e:0f"), "key_eth_src", "0a:0b:0c:0d:0e:0f"),
        at(K.TCA_FLOWER_KEY_ETH_SRC_MASK, mac("ff:ff:ff:00:00:00"), "key_eth_src_mask",
           "ff:ff:ff:00:00:00"),
        at(K.TCA_FLOWER_KEY_ETH_TYPE, be16(0x0800), "key_eth_type", 0x0800),
        at(K.TCA_FLOWER_KEY_IP_PROTO, u8(6), "key_ip_proto", 6),
        at(K.TCA_FLOWER_KEY_IPV4_SRC, ip4("10.1.2.3"), "key_ipv4_src", "10.1.2.3"),
        at(K.TCA_FLOWER_KEY_IPV4_SRC_MASK, ip4("255.255.255.0"), "key_ipv4_src_mask",
           "255.255.255.0"),
        at(K.TCA_FLOWER_KEY_IPV4_DST, ip4("192.0.2.7"), "key_ipv4_dst", "192.0.2.7"),
        at(K.TCA_FLOWER_KEY_IPV4_DST_MASK, ip4("255.255.255.255"), "key_ipv4_dst_mask",
           "255.255.255.255"),
        at(K.TCA_FLOWER_KEY_TCP_SRC, be16(1234), "key_tcp_src", 1234),
        at(K.TCA_FLOWER_KEY_TCP_SRC_MASK, be16(0xFFFF), "key_tcp_src_mask", 0xFFFF),
        at(K.TCA_FLOWER_KEY_TCP_DST, be16(443), "key_tcp_dst", 443),
        at(K.TCA_FLOWER_KEY_TCP_DST_MASK, be16(0xFF00), "key_tcp_dst_mask", 0xFF00),
        at(K.TCA_FLOWER_KEY_TCP_FLAGS, be16(0x012), "key_tcp_flags", 0x012),
        at(K.TCA_FLOWER_KEY_TCP_FLAGS_MASK, be16(0x0FFF), "key_tcp_flags_mask", 0x0FFF),
        at(K.TCA_FLOWER_KEY_IP_TOS, u8(0xB8), "key_ip_tos", 0xB8),
        at(K.TCA_FLOWER_KEY_IP_TOS_MASK, u8(0xFC), "key_ip_tos_mask", 0xFC),
        at(K.TCA_FLOWER_KEY_IP_TTL, u8(64), "key_ip_ttl", 64),
        at(K.TCA_FLOWER_KEY_IP_TTL_MASK, u8(0xFF), "key_ip_ttl_mask", 0xFF),
        at(K.TCA_FLOWER_KEY_PORT_SRC_MIN, be16(1000), "key_port_src_min", 1000),
        at(K.TCA_FLOWER_KEY_PORT_SRC_MAX, be16(2000), "key_port_src_max", 2000),
        at(K.TCA_FLOWER_KEY_PORT_DST_MIN, be16(8000), "key_port_dst_min", 8000),
        at(K.TCA_FLOWER_KEY_PORT_DST_MAX, be16(8080), "key_port_dst_max", 8080),
        at(K.TCA_FLOWER_KEY_FLAGS, be32(K.TCA_FLOWER_KEY_FLAGS_IS_FRAGMENT), "key_flags",
           K.TCA_FLOWER_KEY_FLAGS_IS_FRAGMENT),
        at(K.TCA_FLOWER_KEY_FLAGS_MASK, be32(3), "key_flags_mask", 3),
        at(K.TCA_FLOWER_FLAGS, u32(K.TCA_CLS_FLAGS_SKIP_HW | K.TCA_CLS_FLAGS_NOT_IN_HW),
           "flags", K.TCA_CLS_FLAGS_SKIP_HW | K.TCA_CLS_FLAGS_NOT_IN_HW),
        at(K.TCA_FLOWER_IN_HW_COUNT, u32(0), "in_hw_count", 0),
    )
    m = roundtrip(K.RTM_NEWTFILTER, FILTER_HDR, flower_filter(opts))
    assert m.type == "newtfilter"
    assert m["options"]["key_tcp_dst"] == 443
    assert split_info(m.header["info"]) == (49152, "ip")


def test_flower_ipv6_vlan_udp_sctp_icmp(codec):
    opts = attrs(
        at(K.TCA_FLOWER_KEY_ETH_TYPE, be16(0x88A8), "key_eth_type", 0x88A8),
        at(K.TCA_FLOWER_KEY_VLAN_ID, u16(100), "key_vlan_id", 100),
        at(K.TCA_FLOWER_KEY_VLAN_PRIO, u8(3), "key_vlan_prio", 3),
        at(K.TCA_FLOWER_KEY_VLAN_ETH_TYPE, be16(0x8100), "key_vlan_eth_type", 0x8100),
        at(K.TCA_FLOWER_KEY_CVLAN_ID, u16(2000), "key_cvlan_id", 2000),
        at(K.TCA_FLOWER_KEY_CVLAN_PRIO, u8(5), "key_cvlan_prio", 5),
        at(K.TCA_FLOWER_KEY_CVLAN_ETH_TYPE, be16(0x86DD), "key_cvlan_eth_type", 0x86DD),
        at(K.TCA_FLOWER_KEY_NUM_OF_VLANS, u8(2), "key_num_of_vlans", 2),
        at(K.TCA_FLOWER_KEY_IP_PROTO, u8(17), "key_ip_proto", 17),
        at(K.TCA_FLOWER_KEY_IPV6_SRC, ip6("2001:db8::1"), "key_ipv6_src", "2001:db8::1"),
        at(K.TCA_FLOWER_KEY_IPV6_SRC_MASK, ip6("ffff:ffff:ffff:ffff::"), "key_ipv6_src_mask",
           "ffff:ffff:ffff:ffff::"),
        at(K.TCA_FLOWER_KEY_IPV6_DST, ip6("fe80::1:2"), "key_ipv6_dst", "fe80::1:2"),
        at(K.TCA_FLOWER_KEY_IPV6_DST_MASK, ip6("ffff::"), "key_ipv6_dst_mask", "ffff::"),
        at(K.TCA_FLOWER_KEY_UDP_SRC, be16(53), "key_udp_src", 53),
        at(K.TCA_FLOWER_KEY_UDP_SRC_MASK, be16(0xFFFF), "key_udp_src_mask", 0xFFFF),
        at(K.TCA_FLOWER_KEY_UDP_DST, be16(4789), "key_udp_dst", 4789),
        at(K.TCA_FLOWER_KEY_UDP_DST_MASK, be16(0xFFFF), "key_udp_dst_mask", 0xFFFF),
        at(K.TCA_FLOWER_KEY_SCTP_SRC, be16(36412), "key_sctp_src", 36412),
        at(K.TCA_FLOWER_KEY_SCTP_SRC_MASK, be16(0xFFFF), "key_sctp_src_mask", 0xFFFF),
        at(K.TCA_FLOWER_KEY_SCTP_DST, be16(2905), "key_sctp_dst", 2905),
        at(K.TCA_FLOWER_KEY_SCTP_DST_MASK, be16(0xFFF0), "key_sctp_dst_mask", 0xFFF0),
        at(K.TCA_FLOWER_KEY_ICMPV6_TYPE, u8(128), "key_icmpv6_type", 128),
        at(K.TCA_FLOWER_KEY_ICMPV6_TYPE_MASK, u8(0xFF), "key_icmpv6_type_mask", 0xFF),
        at(K.TCA_FLOWER_KEY_ICMPV6_CODE, u8(0), "key_icmpv6_code", 0),
        at(K.TCA_FLOWER_KEY_ICMPV6_CODE_MASK, u8(0xFF), "key_icmpv6_code_mask", 0xFF),
        at(K.TCA_FLOWER_KEY_ICMPV4_TYPE, u8(8), "key_icmpv4_type", 8),
        at(K.TCA_FLOWER_KEY_ICMPV4_TYPE_MASK, u8(0xFF), "key_icmpv4_type_mask", 0xFF),
        at(K.TCA_FLOWER_KEY_ICMPV4_CODE, u8(3), "key_icmpv4_code", 3),
        at(K.TCA_FLOWER_KEY_ICMPV4_CODE_MASK, u8(0x0F), "key_icmpv4_code_mask", 0x0F),
    )
    roundtrip(K.RTM_NEWTFILTER, FILTER_HDR, flower_filter(opts))


def test_flower_arp_mpls_ct_and_misc_keys(codec):
    labels = bytes(range(16))
    lse = [attrs(at(K.TCA_FLOWER_KEY_MPLS_OPT_LSE_DEPTH, u8(d), "lse_depth", d),
                 at(K.TCA_FLOWER_KEY_MPLS_OPT_LSE_TTL, u8(64 - d), "lse_ttl", 64 - d),
                 at(K.TCA_FLOWER_KEY_MPLS_OPT_LSE_BOS, u8(d == 2), "lse_bos", int(d == 2)),
                 at(K.TCA_FLOWER_KEY_MPLS_OPT_LSE_TC, u8(d), "lse_tc", d),
                 at(K.TCA_FLOWER_KEY_MPLS_OPT_LSE_LABEL, u32(1000 * d), "lse_label", 1000 * d))
           for d in (1, 2)]
    ct = K.TCA_FLOWER_KEY_CT_FLAGS_TRACKED | K.TCA_FLOWER_KEY_CT_FLAGS_ESTABLISHED
    opts = attrs(
        at(K.TCA_FLOWER_KEY_ARP_SIP, ip4("10.0.0.1"), "key_arp_sip", "10.0.0.1"),
        at(K.TCA_FLOWER_KEY_ARP_SIP_MASK, ip4("255.255.0.0"), "key_arp_sip_mask", "255.255.0.0"),
        at(K.TCA_FLOWER_KEY_ARP_TIP, ip4("10.0.0.2"), "key_arp_tip", "10.0.0.2"),
        at(K.TCA_FLOWER_KEY_ARP_TIP_MASK, ip4("255.255.255.255"), "key_arp_tip_mask",
           "255.255.255.255"),
        at(K.TCA_FLOWER_KEY_ARP_OP, u8(1), "key_arp_op", 1),
        at(K.TCA_FLOWER_KEY_ARP_OP_MASK, u8(0xFF), "key_arp_op_mask", 0xFF),
        at(K.TCA_FLOWER_KEY_ARP_SHA, mac("02:11:22:33:44:55"), "key_arp_sha", "02:11:22:33:44:55"),
        at(K.TCA_FLOWER_KEY_ARP_SHA_MASK, mac("ff:ff:ff:ff:ff:ff"), "key_arp_sha_mask",
           "ff:ff:ff:ff:ff:ff"),
        at(K.TCA_FLOWER_KEY_ARP_THA, mac("00:00:00:00:00:00"), "key_arp_tha", "00:00:00:00:00:00"),
        at(K.TCA_FLOWER_KEY_ARP_THA_MASK, mac("ff:ff:ff:ff:ff:ff"), "key_arp_tha_mask",
           "ff:ff:ff:ff:ff:ff"),
        # legacy MPLS keys: host-order label (the kernel's nla_get_u32)
        at(K.TCA_FLOWER_KEY_MPLS_TTL, u8(255), "key_mpls_ttl", 255),
        at(K.TCA_FLOWER_KEY_MPLS_BOS, u8(1), "key_mpls_bos", 1),
        at(K.TCA_FLOWER_KEY_MPLS_TC, u8(5), "key_mpls_tc", 5),
        at(K.TCA_FLOWER_KEY_MPLS_LABEL, u32(0xFFFFF), "key_mpls_label", 0xFFFFF),
        nest(K.TCA_FLOWER_KEY_MPLS_OPTS, "key_mpls_opts",       # NLA_F_NESTED as tc sends
             attrs(multi(K.TCA_FLOWER_KEY_MPLS_OPTS_LSE, "lse", lse, NLA_F_NESTED)),
             NLA_F_NESTED),
        at(K.TCA_FLOWER_KEY_CT_STATE, u16(ct), "key_ct_state", ct),
        at(K.TCA_FLOWER_KEY_CT_STATE_MASK, u16(ct | K.TCA_FLOWER_KEY_CT_FLAGS_NEW),
           "key_ct_state_mask", ct | K.TCA_FLOWER_KEY_CT_FLAGS_NEW),
        at(K.TCA_FLOWER_KEY_CT_ZONE, u16(7), "key_ct_zone", 7),
        at(K.TCA_FLOWER_KEY_CT_ZONE_MASK, u16(0xFFFF), "key_ct_zone_mask", 0xFFFF),
        at(K.TCA_FLOWER_KEY_CT_MARK, u32(0xABCD), "key_ct_mark", 0xABCD),
        at(K.TCA_FLOWER_KEY_CT_MARK_MASK, u32(0xFFFF), "key_ct_mark_mask", 0xFFFF),
        at(K.TCA_FLOWER_KEY_CT_LABELS, labels, "key_ct_labels", labels.hex()),
        at(K.TCA_FLOWER_KEY_CT_LABELS_MASK, b"\xff" * 16, "key_ct_labels_mask", "ff" * 16),
        at(K.TCA_FLOWER_KEY_HASH, u32(0x12345678), "key_hash", 0x12345678),
        at(K.TCA_FLOWER_KEY_HASH_MASK, u32(0xFF), "key_hash_mask", 0xFF),
        at(K.TCA_FLOWER_KEY_PPPOE_SID, be16(0x1234), "key_pppoe_sid", 0x1234),
        at(K.TCA_FLOWER_KEY_PPP_PROTO, be16(0x0021), "key_ppp_proto", 0x0021),
        at(K.TCA_FLOWER_KEY_L2TPV3_SID, be32(0xDEADBEEF), "key_l2tpv3_sid", 0xDEADBEEF),
        at(K.TCA_FLOWER_L2_MISS, u8(1), "l2_miss", 1),
        nest(K.TCA_FLOWER_KEY_CFM, "key_cfm",
             attrs(at(K.TCA_FLOWER_KEY_CFM_MD_LEVEL, u8(5), "md_level", 5),
                   at(K.TCA_FLOWER_KEY_CFM_OPCODE, u8(47), "opcode", 47))),
        at(K.TCA_FLOWER_KEY_SPI, be32(0x100), "key_spi", 0x100),
        at(K.TCA_FLOWER_KEY_SPI_MASK, be32(0xFFFFFFFF), "key_spi_mask", 0xFFFFFFFF),
    )
    roundtrip(K.RTM_NEWTFILTER, FILTER_HDR, flower_filter(opts))


GENEVE = [attrs(at(1, be16(0x0102), "class", 0x0102), at(2, u8(0x80), "type", 0x80),
                at(3, bytes.fromhex("0011223344556677"), "data", "0011223344556677")),
          attrs(at(1, be16(0xFFFF), "class", 0xFFFF), at(2, u8(1), "type", 1),
                at(3, bytes.fromhex("deadbeef"), "data", "deadbeef"))]


@pytest.mark.parametrize("kind", ["geneve", "vxlan", "erspan", "gtp"])
def test_flower_tunnel_keys_and_enc_opts(codec, kind):
    G = K.TCA_FLOWER_KEY_ENC_OPT_GENEVE_CLASS, K.TCA_FLOWER_KEY_ENC_OPT_GENEVE_TYPE
    assert G == (1, 2)      # GENEVE (above) is written with these numbers
    if kind == "geneve":
        opts = attrs(multi(K.TCA_FLOWER_KEY_ENC_OPTS_GENEVE, "geneve", GENEVE))
    elif kind == "vxlan":
        opts = attrs(nest(K.TCA_FLOWER_KEY_ENC_OPTS_VXLAN, "vxlan", attrs(
            at(K.TCA_FLOWER_KEY_ENC_OPT_VXLAN_GBP, u32(0x00ABCD), "gbp", 0x00ABCD)),
            NLA_F_NESTED))
    elif kind == "erspan":
        opts = attrs(nest(K.TCA_FLOWER_KEY_ENC_OPTS_ERSPAN, "erspan", attrs(
            at(K.TCA_FLOWER_KEY_ENC_OPT_ERSPAN_VER, u8(2), "ver", 2),
            at(K.TCA_FLOWER_KEY_ENC_OPT_ERSPAN_INDEX, be32(0x55), "index", 0x55),
            at(K.TCA_FLOWER_KEY_ENC_OPT_ERSPAN_DIR, u8(1), "dir", 1),
            at(K.TCA_FLOWER_KEY_ENC_OPT_ERSPAN_HWID, u8(7), "hwid", 7)), NLA_F_NESTED))
    else:
        opts = attrs(nest(K.TCA_FLOWER_KEY_ENC_OPTS_GTP, "gtp", attrs(
            at(K.TCA_FLOWER_KEY_ENC_OPT_GTP_PDU_TYPE, u8(1), "pdu_type", 1),
            at(K.TCA_FLOWER_KEY_ENC_OPT_GTP_QFI, u8(9), "qfi", 9)), NLA_F_NESTED))
    body = attrs(
        at(K.TCA_FLOWER_KEY_ENC_KEY_ID, be32(42), "key_enc_key_id", 42),
        at(K.TCA_FLOWER_KEY_ENC_IPV4_SRC, ip4("172.16.0.1"), "key_enc_ipv4_src", "172.16.0.1"),
        at(K.TCA_FLOWER_KEY_ENC_IPV4_SRC_MASK, ip4("255.255.255.255"),
           "key_enc_ipv4_src_mask", "255.255.255.255"),
        at(K.TCA_FLOWER_KEY_ENC_IPV4_DST, ip4("172.16.0.2"), "key_enc_ipv4_dst", "172.16.0.2"),
        at(K.TCA_FLOWER_KEY_ENC_IPV4_DST_MASK, ip4("255.255.0.0"), "key_enc_ipv4_dst_mask",
           "255.255.0.0"),
        at(K.TCA_FLOWER_KEY_ENC_IPV6_SRC, ip6("2001:db8::a"), "key_enc_ipv6_src", "2001:db8::a"),
        at(K.TCA_FLOWER_KEY_ENC_IPV6_SRC_MASK, ip6("ffff:ffff::"), "key_enc_ipv6_src_mask",
           "ffff:ffff::"),
        at(K.TCA_FLOWER_KEY_ENC_IPV6_DST, ip6("2001:db8::b"), "key_enc_ipv6_dst", "2001:db8::b"),
        at(K.TCA_FLOWER_KEY_ENC_IPV6_DST_MASK, ip6("ffff:ffff::"), "key_enc_ipv6_dst_mask",
           "ffff:ffff::"),
        at(K.TCA_FLOWER_KEY_ENC_UDP_SRC_PORT, be16(5000), "key_enc_udp_src_port", 5000),
        at(K.TCA_FLOWER_KEY_ENC_UDP_SRC_PORT_MASK, be16(0xFFFF), "key_enc_udp_src_port_mask",
           0xFFFF),
        at(K.TCA_FLOWER_KEY_ENC_UDP_DST_PORT, be16(6081), "key_enc_udp_dst_port", 6081),
        at(K.TCA_FLOWER_KEY_ENC_UDP_DST_PORT_MASK, be16(0xFFFF), "key_enc_udp_dst_port_mask",
           0xFFFF),
        at(K.TCA_FLOWER_KEY_ENC_IP_TOS, u8(0x10), "key_enc_ip_tos", 0x10),
        at(K.TCA_FLOWER_KEY_ENC_IP_TOS_MASK, u8(0xFF), "key_enc_ip_tos_mask", 0xFF),
        at(K.TCA_FLOWER_KEY_ENC_IP_TTL, u8(32), "key_enc_ip_ttl", 32),
        at(K.TCA_FLOWER_KEY_ENC_IP_TTL_MASK, u8(0xFF), "key_enc_ip_ttl_mask", 0xFF),
        # NLA_F_NESTED on the option nests as tc sends them (the kernel requires
        # it on vxlan, erspan and gtp options)
        nest(K.TCA_FLOWER_KEY_ENC_OPTS, "key_enc_opts", opts, NLA_F_NESTED),
        nest(K.TCA_FLOWER_KEY_ENC_OPTS_MASK, "key_enc_opts_mask", opts, NLA_F_NESTED),
        at(K.TCA_FLOWER_KEY_ENC_FLAGS, be32(4), "key_enc_flags", 4),
        at(K.TCA_FLOWER_KEY_ENC_FLAGS_MASK, be32(4), "key_enc_flags_mask", 4),
    )
    m = roundtrip(K.RTM_NEWTFILTER, FILTER_HDR, flower_filter(body))
    enc = m["options"]["key_enc_opts"]
    assert list(enc) == [kind]


def test_nested_flag_is_kept(codec):
    """The kernel may set NLA_F_NESTED on nests (nla_nest_start); tc does not.
    Either way the bytes come back."""
    opts = attrs(at(K.TCA_FLOWER_KEY_IP_PROTO, u8(1), "key_ip_proto", 1))
    raw = nlmsg(K.RTM_NEWTFILTER, FILTER_HDR[0] + nla(K.TCA_KIND, cstr("flower"))
                + nla(K.TCA_OPTIONS | NLA_F_NESTED, opts[0]))
    m = nlcodec.decode(raw)[0]
    assert m["options"] == {"key_ip_proto": 1}
    assert m.encode() == raw


# -- actions --------------------------------------------------------------------------

def _act(kind, options, *common):
    return attrs(at(K.TCA_ACT_KIND, cstr(kind), "kind", kind), *common,
                 nest(K.TCA_ACT_OPTIONS, "options", options, NLA_F_NESTED))   # as tc sends


def _pad(t):
    return at(t, b"", "pad", None)


def action_cases():
    """(kind, options) for every action kind, with values from the kernel structs."""
    c = {}
    SHOT, PIPE, STOLEN, OK = K.TC_ACT_SHOT, K.TC_ACT_PIPE, K.TC_ACT_STOLEN, K.TC_ACT_OK
    goto7 = K.TC_ACT_GOTO_CHAIN | 7
    c["gact"] = attrs(
        _pad(K.TCA_GACT_PAD),
        at(K.TCA_GACT_TM, *TM[:1], "tm", TM[1]),
        at(K.TCA_GACT_PARMS, *tc_gen(1, SHOT)[:1], "parms", tc_gen(1, SHOT)[1]),
        at(K.TCA_GACT_PROB, struct.pack("<HHi", 1, 5000, goto7), "prob",
           {"ptype": 1, "pval": 5000, "paction": goto7}))
    mir = with_gen(tc_gen(2, STOLEN), "<iI", eaction=K.TCA_EGRESS_REDIR, ifindex=5)
    c["mirred"] = attrs(at(K.TCA_MIRRED_PARMS, mir[0], "parms", mir[1]),
                        _pad(K.TCA_MIRRED_PAD), at(K.TCA_MIRRED_TM, TM[0], "tm", TM[1]))
    vl = with_gen(tc_gen(3, PIPE), "<i", v_action=K.TCA_VLAN_ACT_PUSH)
    c["vlan"] = attrs(
        at(K.TCA_VLAN_PARMS, vl[0], "parms", vl[1]),
        at(K.TCA_VLAN_PUSH_VLAN_ID, u16(100), "push_vlan_id", 100),
        at(K.TCA_VLAN_PUSH_VLAN_PROTOCOL, be16(0x88A8), "push_vlan_protocol", 0x88A8),
        at(K.TCA_VLAN_PUSH_VLAN_PRIORITY, u8(4), "push_vlan_priority", 4),
        at(K.TCA_VLAN_PUSH_ETH_DST, mac("02:00:00:00:00:aa"), "push_eth_dst", "02:00:00:00:00:aa"),
        at(K.TCA_VLAN_PUSH_ETH_SRC, mac("02:00:00:00:00:bb"), "push_eth_src", "02:00:00:00:00:bb"))
    tk = with_gen(tc_gen(4, PIPE), "<i", t_action=K.TCA_TUNNEL_KEY_ACT_SET)
    geneve = [attrs(at(K.TCA_TUNNEL_KEY_ENC_OPT_GENEVE_CLASS, be16(0x0102), "class", 0x0102),
                    at(K.TCA_TUNNEL_KEY_ENC_OPT_GENEVE_TYPE, u8(0x80), "type", 0x80),
                    at(K.TCA_TUNNEL_KEY_ENC_OPT_GENEVE_DATA, bytes(range(8)), "data",
                       bytes(range(8)).hex())),
              attrs(at(K.TCA_TUNNEL_KEY_ENC_OPT_GENEVE_CLASS, be16(0xFF01), "class", 0xFF01),
                    at(K.TCA_TUNNEL_KEY_ENC_OPT_GENEVE_TYPE, u8(2), "type", 2),
                    at(K.TCA_TUNNEL_KEY_ENC_OPT_GENEVE_DATA, b"\xaa" * 4, "data", "aa" * 4))]
    c["tunnel_key"] = attrs(
        at(K.TCA_TUNNEL_KEY_PARMS, tk[0], "parms", tk[1]),
        at(K.TCA_TUNNEL_KEY_ENC_IPV4_SRC, ip4("198.51.100.1"), "enc_ipv4_src", "198.51.100.1"),
        at(K.TCA_TUNNEL_KEY_ENC_IPV4_DST, ip4("198.51.100.2"), "enc_ipv4_dst", "198.51.100.2"),
        at(K.TCA_TUNNEL_KEY_ENC_KEY_ID, be32(0x123456), "enc_key_id", 0x123456),
        at(K.TCA_TUNNEL_KEY_ENC_DST_PORT, be16(6081), "enc_dst_port", 6081),
        at(K.TCA_TUNNEL_KEY_NO_CSUM, u8(1), "no_csum", 1),
        nest(K.TCA_TUNNEL_KEY_ENC_OPTS, "enc_opts",
             attrs(multi(K.TCA_TUNNEL_KEY_ENC_OPTS_GENEVE, "geneve", geneve)), NLA_F_NESTED),
        at(K.TCA_TUNNEL_KEY_ENC_TOS, u8(0x28), "enc_tos", 0x28),
        at(K.TCA_TUNNEL_KEY_ENC_TTL, u8(200), "enc_ttl", 200),
        at(K.TCA_TUNNEL_KEY_NO_FRAG, b"", "no_frag", True),
        _pad(K.TCA_TUNNEL_KEY_PAD), at(K.TCA_TUNNEL_KEY_TM, TM[0], "tm", TM[1]))
    c["tunnel_key/vxlan+erspan+ipv6"] = attrs(
        at(K.TCA_TUNNEL_KEY_PARMS, tk[0], "parms", tk[1]),
        at(K.TCA_TUNNEL_KEY_ENC_IPV6_SRC, ip6("2001:db8::1"), "enc_ipv6_src", "2001:db8::1"),
        at(K.TCA_TUNNEL_KEY_ENC_IPV6_DST, ip6("2001:db8::2"), "enc_ipv6_dst", "2001:db8::2"),
        nest(K.TCA_TUNNEL_KEY_ENC_OPTS, "enc_opts", attrs(
            nest(K.TCA_TUNNEL_KEY_ENC_OPTS_VXLAN, "vxlan", attrs(
                at(K.TCA_TUNNEL_KEY_ENC_OPT_VXLAN_GBP, u32(0x800FF), "gbp", 0x800FF)),
                NLA_F_NESTED),
            nest(K.TCA_TUNNEL_KEY_ENC_OPTS_ERSPAN, "erspan", attrs(
                at(K.TCA_TUNNEL_KEY_ENC_OPT_ERSPAN_VER, u8(1), "ver", 1),
                at(K.TCA_TUNNEL_KEY_ENC_OPT_ERSPAN_INDEX, be32(0xABC), "index", 0xABC),
                at(K.TCA_TUNNEL_KEY_ENC_OPT_ERSPAN_DIR, u8(0), "dir", 0),
                at(K.TCA_TUNNEL_KEY_ENC_OPT_ERSPAN_HWID, u8(3), "hwid", 3)), NLA_F_NESTED)),
            NLA_F_NESTED))
    keys = [(0, 0x01010101, 16, 0, 0, 0), (0xFFFF0000, 0x50, 0, 0, 0, 0)]
    key_dicts = [dict(zip(("mask", "val", "off", "at", "offmask", "shift"), k)) for k in keys]
    sel = tc_gen(5, PIPE)
    sel = (sel[0] + struct.pack("<BB2x", 2, 0) + b"".join(struct.pack("<6I", *k) for k in keys),
           {**sel[1], "nkeys": 2, "flags": 0, "keys": key_dicts})
    kex = [attrs(at(K.TCA_PEDIT_KEY_EX_HTYPE, u16(h), "htype", h),
                 at(K.TCA_PEDIT_KEY_EX_CMD, u16(cmd), "cmd", cmd))
           for h, cmd in ((K.TCA_PEDIT_KEY_EX_HDR_TYPE_IP4, K.TCA_PEDIT_KEY_EX_CMD_SET),
                          (K.TCA_PEDIT_KEY_EX_HDR_TYPE_TCP, K.TCA_PEDIT_KEY_EX_CMD_ADD))]
    c["pedit"] = attrs(
        nest(K.TCA_PEDIT_KEYS_EX, "keys_ex",
             attrs(multi(K.TCA_PEDIT_KEY_EX, "key_ex", kex, NLA_F_NESTED)), NLA_F_NESTED),
        at(K.TCA_PEDIT_PARMS_EX, sel[0], "parms_ex", sel[1]),
        _pad(K.TCA_PEDIT_PAD), at(K.TCA_PEDIT_TM, TM[0], "tm", TM[1]))
    cs = with_gen(tc_gen(6, OK), "<I", update_flags=K.TCA_CSUM_UPDATE_FLAG_IPV4HDR
                  | K.TCA_CSUM_UPDATE_FLAG_TCP)
    c["csum"] = attrs(at(K.TCA_CSUM_PARMS, cs[0], "parms", cs[1]),
                      at(K.TCA_CSUM_TM, TM[0], "tm", TM[1]))
    c["skbedit"] = attrs(
        at(K.TCA_SKBEDIT_PARMS, tc_gen(7, PIPE)[0], "parms", tc_gen(7, PIPE)[1]),
        at(K.TCA_SKBEDIT_PRIORITY, u32(0x10001), "priority", 0x10001),
        at(K.TCA_SKBEDIT_QUEUE_MAPPING, u16(3), "queue_mapping", 3),
        at(K.TCA_SKBEDIT_MARK, u32(0x42), "mark", 0x42),
        at(K.TCA_SKBEDIT_MASK, u32(0xFF), "mask", 0xFF),
        at(K.TCA_SKBEDIT_PTYPE, u16(0), "ptype", 0),
        _pad(K.TCA_SKBEDIT_PAD),
        at(K.TCA_SKBEDIT_FLAGS, u64(K.SKBEDIT_F_INHERITDSFIELD), "flags",
           K.SKBEDIT_F_INHERITDSFIELD),
        at(K.TCA_SKBEDIT_QUEUE_MAPPING_MAX, u16(7), "queue_mapping_max", 7))
    c["sample"] = attrs(
        at(K.TCA_SAMPLE_PARMS, tc_gen(8, PIPE)[0], "parms", tc_gen(8, PIPE)[1]),
        at(K.TCA_SAMPLE_RATE, u32(100), "rate", 100),
        at(K.TCA_SAMPLE_TRUNC_SIZE, u32(128), "trunc_size", 128),
        at(K.TCA_SAMPLE_PSAMPLE_GROUP, u32(7), "psample_group", 7),
        _pad(K.TCA_SAMPLE_PAD), at(K.TCA_SAMPLE_TM, TM[0], "tm", TM[1]))
    ctact = K.TCA_CT_ACT_COMMIT | K.TCA_CT_ACT_NAT | K.TCA_CT_ACT_NAT_SRC
    c["ct"] = attrs(
        at(K.TCA_CT_PARMS, tc_gen(9, PIPE)[0], "parms", tc_gen(9, PIPE)[1]),
        at(K.TCA_CT_ACTION, u16(ctact), "action", ctact),
        at(K.TCA_CT_ZONE, u16(5), "zone", 5),
        at(K.TCA_CT_MARK, u32(0x11), "mark", 0x11),
        at(K.TCA_CT_MARK_MASK, u32(0xFF), "mark_mask", 0xFF),
        at(K.TCA_CT_LABELS, b"\x01" * 16, "labels", "01" * 16),
        at(K.TCA_CT_LABELS_MASK, b"\xff" * 16, "labels_mask", "ff" * 16),
        at(K.TCA_CT_NAT_IPV4_MIN, ip4("203.0.113.1"), "nat_ipv4_min", "203.0.113.1"),
        at(K.TCA_CT_NAT_IPV4_MAX, ip4("203.0.113.9"), "nat_ipv4_max", "203.0.113.9"),
        at(K.TCA_CT_NAT_PORT_MIN, be16(1024), "nat_port_min", 1024),
        at(K.TCA_CT_NAT_PORT_MAX, be16(65535), "nat_port_max", 65535),
        at(K.TCA_CT_HELPER_NAME, cstr("ftp"), "helper_name", "ftp"),
        at(K.TCA_CT_HELPER_FAMILY, u8(socket.AF_INET), "helper_family", socket.AF_INET),
        at(K.TCA_CT_HELPER_PROTO, u8(6), "helper_proto", 6),
        _pad(K.TCA_CT_PAD), at(K.TCA_CT_TM, TM[0], "tm", TM[1]))
    c["ct/nat6"] = attrs(
        at(K.TCA_CT_PARMS, tc_gen(10, PIPE)[0], "parms", tc_gen(10, PIPE)[1]),
        at(K.TCA_CT_ACTION, u16(K.TCA_CT_ACT_NAT | K.TCA_CT_ACT_NAT_DST), "action",
           K.TCA_CT_ACT_NAT | K.TCA_CT_ACT_NAT_DST),
        at(K.TCA_CT_NAT_IPV6_MIN, ip6("2001:db8::100"), "nat_ipv6_min", "2001:db8::100"),
        at(K.TCA_CT_NAT_IPV6_MAX, ip6("2001:db8::1ff"), "nat_ipv6_max", "2001:db8::1ff"))
    rate, peak = ratespec(125000), ratespec(250000, cell_log=3)
    pol = (struct.pack("<IiIII", 11, K.TC_ACT_RECLASSIFY, 1000, 20000, 1514) + rate[0]
           + peak[0] + struct.pack("<iiI", 1, 0, 0),
           {"index": 11, "action": K.TC_ACT_RECLASSIFY, "limit": 1000, "burst": 20000,
            "mtu": 1514, "rate": rate[1], "peakrate": peak[1], "refcnt": 1, "bindcnt": 0,
            "capab": 0})
    rtab = b"".join(u32(i * 8) for i in range(256))
    c["police"] = attrs(
        at(K.TCA_POLICE_TBF, pol[0], "tbf", pol[1]),
        at(K.TCA_POLICE_RATE, rtab, "rate", {"table": [i * 8 for i in range(256)]}),
        at(K.TCA_POLICE_AVRATE, u32(1000), "avrate", 1000),
        at(K.TCA_POLICE_RESULT, u32(K.TC_ACT_SHOT), "result", K.TC_ACT_SHOT),
        _pad(K.TCA_POLICE_PAD),
        at(K.TCA_POLICE_RATE64, u64(5 * 10 ** 9), "rate64", 5 * 10 ** 9),
        at(K.TCA_POLICE_PEAKRATE64, u64(6 * 10 ** 9), "peakrate64", 6 * 10 ** 9),
        at(K.TCA_POLICE_PKTRATE64, u64(10 ** 6), "pktrate64", 10 ** 6),
        at(K.TCA_POLICE_PKTBURST64, u64(1000), "pktburst64", 1000),
        at(K.TCA_POLICE_TM, TM[0], "tm", TM[1]))
    mp = with_gen(tc_gen(12, PIPE), "<i", m_action=K.TCA_MPLS_ACT_PUSH)
    c["mpls"] = attrs(
        at(K.TCA_MPLS_PARMS, mp[0], "parms", mp[1]),
        at(K.TCA_MPLS_PROTO, be16(0x8847), "proto", 0x8847),
        at(K.TCA_MPLS_LABEL, u32(1000), "label", 1000),
        at(K.TCA_MPLS_TC, u8(3), "tc", 3),
        at(K.TCA_MPLS_TTL, u8(64), "ttl", 64),
        at(K.TCA_MPLS_BOS, u8(1), "bos", 1))
    nat = tc_gen(13, OK)
    nat = (nat[0] + ip4("10.0.0.0") + ip4("192.168.0.0") + ip4("255.255.255.0")
           + u32(K.TCA_NAT_FLAG_EGRESS),
           {**nat[1], "old_addr": "10.0.0.0", "new_addr": "192.168.0.0",
            "mask": "255.255.255.0", "flags": K.TCA_NAT_FLAG_EGRESS})
    c["nat"] = attrs(at(K.TCA_NAT_PARMS, nat[0], "parms", nat[1]),
                     at(K.TCA_NAT_TM, TM[0], "tm", TM[1]))
    c["ctinfo"] = attrs(
        at(K.TCA_CTINFO_ACT, tc_gen(14, PIPE)[0], "act", tc_gen(14, PIPE)[1]),
        at(K.TCA_CTINFO_ZONE, u16(3), "zone", 3),
        at(K.TCA_CTINFO_PARMS_DSCP_MASK, u32(0xFC000000), "parms_dscp_mask", 0xFC000000),
        at(K.TCA_CTINFO_PARMS_DSCP_STATEMASK, u32(0x1000000), "parms_dscp_statemask",
           0x1000000),
        at(K.TCA_CTINFO_PARMS_CPMARK_MASK, u32(0xFFFF), "parms_cpmark_mask", 0xFFFF),
        _pad(K.TCA_CTINFO_PAD),
        at(K.TCA_CTINFO_STATS_DSCP_SET, u64(10), "stats_dscp_set", 10),
        at(K.TCA_CTINFO_STATS_DSCP_ERROR, u64(1), "stats_dscp_error", 1),
        at(K.TCA_CTINFO_STATS_CPMARK_SET, u64(2 ** 40), "stats_cpmark_set", 2 ** 40),
        at(K.TCA_CTINFO_TM, TM[0], "tm", TM[1]))
    cm = tc_gen(15, PIPE)
    cm = (cm[0] + struct.pack("<H2x", 9), {**cm[1], "zone": 9})
    c["connmark"] = attrs(at(K.TCA_CONNMARK_PARMS, cm[0], "parms", cm[1]),
                          at(K.TCA_CONNMARK_TM, TM[0], "tm", TM[1]))
    sm = tc_gen(16, PIPE)
    smflags = K.SKBMOD_F_DMAC | K.SKBMOD_F_ETYPE
    sm = (sm[0] + struct.pack("<4xQ", smflags), {**sm[1], "flags": smflags})
    c["skbmod"] = attrs(
        at(K.TCA_SKBMOD_PARMS, sm[0], "parms", sm[1]),
        at(K.TCA_SKBMOD_DMAC, mac("02:00:00:00:00:cc"), "dmac", "02:00:00:00:00:cc"),
        at(K.TCA_SKBMOD_ETYPE, u16(0x88B5), "etype", 0x88B5),
        _pad(K.TCA_SKBMOD_PAD), at(K.TCA_SKBMOD_TM, TM[0], "tm", TM[1]))
    insns = [(0x28, 0, 0, 12), (0x06, 0, 0, 0xFFFFFFFF)]
    c["bpf"] = attrs(
        at(K.TCA_ACT_BPF_PARMS, tc_gen(17, PIPE)[0], "parms", tc_gen(17, PIPE)[1]),
        at(K.TCA_ACT_BPF_OPS_LEN, u16(2), "ops_len", 2),
        at(K.TCA_ACT_BPF_OPS, b"".join(struct.pack("<HBBI", *i) for i in insns), "ops",
           {"insns": [dict(zip(("code", "jt", "jf", "k"), i)) for i in insns]}),
        at(K.TCA_ACT_BPF_NAME, cstr("prog.o:[classifier]"), "name", "prog.o:[classifier]"),
        at(K.TCA_ACT_BPF_TAG, bytes.fromhex("0011223344556677"), "tag", "0011223344556677"),
        at(K.TCA_ACT_BPF_ID, u32(77), "id", 77),
        _pad(K.TCA_ACT_BPF_PAD), at(K.TCA_ACT_BPF_TM, TM[0], "tm", TM[1]))
    c["simple"] = attrs(
        at(K.TCA_DEF_PARMS, tc_gen(18, PIPE)[0], "parms", tc_gen(18, PIPE)[1]),
        at(K.TCA_DEF_DATA, cstr("hello"), "data", "hello"),
        at(K.TCA_DEF_TM, TM[0], "tm", TM[1]))
    return c


ACTIONS = action_cases()


def common_act_attrs(i):
    return (
        at(K.TCA_ACT_INDEX, u32(i), "index", i),
        at(K.TCA_ACT_COOKIE, bytes([i]) * 8, "cookie", bytes([i]).hex() * 8),
        at(K.TCA_ACT_HW_STATS, struct.pack("<II", K.TCA_ACT_HW_STATS_IMMEDIATE, 3), "hw_stats",
           {"value": K.TCA_ACT_HW_STATS_IMMEDIATE, "selector": 3}),
        at(K.TCA_ACT_USED_HW_STATS, struct.pack("<II", 0, 3), "used_hw_stats",
           {"value": 0, "selector": 3}),
        at(K.TCA_ACT_FLAGS, struct.pack("<II", K.TCA_ACT_FLAGS_SKIP_HW,
                                        K.TCA_ACT_FLAGS_SKIP_HW), "flags",
           {"value": K.TCA_ACT_FLAGS_SKIP_HW, "selector": K.TCA_ACT_FLAGS_SKIP_HW}),
        at(K.TCA_ACT_IN_HW_COUNT, u32(0), "in_hw_count", 0),
        nest(K.TCA_ACT_STATS, "stats", stats2()),
    )


@pytest.mark.parametrize("case", sorted(ACTIONS))
def test_action_in_a_flower_filter(codec, case):
    kind = case.split("/")[0]
    act = _act(kind, ACTIONS[case], *common_act_attrs(3))
    opts = attrs(at(K.TCA_FLOWER_KEY_ETH_TYPE, be16(0x0800), "key_eth_type", 0x0800),
                 indexed(K.TCA_FLOWER_ACT, "act", [act]))
    m = roundtrip(K.RTM_NEWTFILTER, FILTER_HDR, flower_filter(opts))
    assert m["options"]["act"][0]["kind"] == kind


def test_dumped_nests_without_nested_flag_and_request_form(codec):
    """The kernel dumps action options and vxlan options without NLA_F_NESTED
    (nla_nest_start_noflag); the decoded form records that and re-encodes the
    dump exactly, while request_form() gives what tc sends (the flag set)."""
    vx = attrs(at(K.TCA_FLOWER_KEY_ENC_OPT_VXLAN_GBP, u32(0x800), "gbp", 0x800))
    parms = tc_gen(1, K.TC_ACT_OK)
    gact = attrs(at(K.TCA_GACT_PARMS, parms[0], "parms", parms[1]))
    dumped = attrs(
        nest(K.TCA_FLOWER_KEY_ENC_OPTS, "key_enc_opts",
             attrs(nest(K.TCA_FLOWER_KEY_ENC_OPTS_VXLAN, "vxlan", vx))),
        indexed(K.TCA_FLOWER_ACT, "act", [attrs(at(K.TCA_ACT_KIND, cstr("gact"), "kind", "gact"),
                                                nest(K.TCA_ACT_OPTIONS, "options", gact))]))
    raw = nlmsg(K.RTM_NEWTFILTER, FILTER_HDR[0] + flower_filter(dumped)[0])
    m = nlcodec.decode(raw)[0]
    o = m["options"]
    assert o["key_enc_opts"]["_flags"] == {"vxlan": 0} and o["_flags"] == {"key_enc_opts": 0}
    assert o["act"][0]["_flags"] == {"options": 0}
    assert m.encode() == raw
    sent = attrs(
        nest(K.TCA_FLOWER_KEY_ENC_OPTS, "key_enc_opts",
             attrs(nest(K.TCA_FLOWER_KEY_ENC_OPTS_VXLAN, "vxlan", vx, NLA_F_NESTED)),
             NLA_F_NESTED),
        indexed(K.TCA_FLOWER_ACT, "act", [_act("gact", gact)]))
    want = nlmsg(K.RTM_NEWTFILTER, FILTER_HDR[0] + flower_filter(sent)[0])
    req = nlcodec.request_form(m.attrs)
    assert "_flags" not in req["options"] and "_flags" not in req["options"]["act"][0]
    assert nlcodec.encode("route", "newtfilter", header=m.header, attrs=req, seq=7,
                          flags=0) == want


def test_every_action_kind_in_one_filter_and_standalone(codec):
    acts = [_act(case.split("/")[0], ACTIONS[case]) for case in sorted(ACTIONS)]
    # a matchall filter with all of them, in order
    opts = attrs(at(K.TCA_MATCHALL_CLASSID, u32(0x10001), "classid", 0x10001),
                 indexed(K.TCA_MATCHALL_ACT, "act", acts),
                 at(K.TCA_MATCHALL_FLAGS, u32(K.TCA_CLS_FLAGS_SKIP_SW), "flags",
                    K.TCA_CLS_FLAGS_SKIP_SW),
                 _pad(K.TCA_MATCHALL_PAD),
                 at(K.TCA_MATCHALL_PCNT, u64(99), "pcnt", {"rhit": 99}))
    roundtrip(K.RTM_NEWTFILTER, FILTER_HDR, flower_filter(opts, "matchall"))
    # RTM_NEWACTION: struct tcamsg, then TCA_ROOT_TAB (TCA_ACT_TAB) with the actions
    hdr = (struct.pack("<Bxxx", 0), {"family": 0})
    body = attrs(indexed(K.TCA_ACT_TAB, "tab", acts),
                 at(K.TCA_ROOT_FLAGS, struct.pack("<II", K.TCA_ACT_FLAG_LARGE_DUMP_ON,
                                                  K.TCA_ACT_FLAG_LARGE_DUMP_ON), "flags",
                    {"value": K.TCA_ACT_FLAG_LARGE_DUMP_ON,
                     "selector": K.TCA_ACT_FLAG_LARGE_DUMP_ON}),
                 at(K.TCA_ROOT_COUNT, u32(len(acts)), "count", len(acts)),
                 at(K.TCA_ROOT_TIME_DELTA, u32(1500), "time_delta", 1500))
    m = roundtrip(K.RTM_NEWACTION, hdr, body)
    assert m.type == "newaction"
    assert [a["kind"] for a in m["tab"]] == [c.split("/")[0] for c in sorted(ACTIONS)]


def test_action_dump_with_zero_based_indexes(codec):
    """Action dumps number their entries from 0: decoded by index, kept exact."""
    a = [_act("mirred", ACTIONS["mirred"]), _act("gact", ACTIONS["gact"])]
    tab = nla(K.TCA_ACT_TAB, nla(0, a[0][0]) + nla(1, a[1][0]))
    raw = nlmsg(K.RTM_GETACTION, struct.pack("<Bxxx", 0) + nla(K.TCA_ROOT_COUNT, u32(2)) + tab,
                flags=2)
    m = nlcodec.decode(raw)[0]
    assert m["tab"] == {"0": a[0][1], "1": a[1][1]}
    assert m.encode() == raw


# -- u32, bpf, basic, fw, route ---------------------------------------------------------

def u32_sel(keys, flags=1, offshift=0, offmask=0, off=0, offoff=0, hoff=0, hmask=0):
    raw = struct.pack("<BBBxHHhhI", flags, offshift, len(keys), socket.htons(offmask), off,
                      offoff, hoff, socket.htonl(hmask))
    raw += b"".join(struct.pack(">II", m, v) + struct.pack("<ii", o, om) for m, v, o, om in keys)
    return raw, {"flags": flags, "offshift": offshift, "nkeys": len(keys), "offmask": offmask,
                 "off": off, "offoff": offoff, "hoff": hoff, "hmask": hmask,
                 "keys": [{"mask": m, "val": v, "off": o, "offmask": om} for m, v, o, om in keys]}


def test_u32_selector_with_keys_and_police(codec):
    sel = u32_sel([(0xFFFFFFFF, 0x0A000001, 16, 0), (0x00FF0000, 0x00060000, 8, 0),
                   (0xFFFF0000, 0x00500000, 20, 0)], offmask=0x0F00, hmask=0xFF000000)
    pcnt = struct.pack("<QQ3Q", 10, 4, 1, 2, 3)
    rate = ratespec(12500)
    pol = (struct.pack("<IiIII", 1, K.TC_ACT_SHOT, 0, 5000, 2040) + rate[0]
           + ratespec(0, linklayer=0, cell_align=0)[0] + struct.pack("<iiI", 1, 1, 0),
           {"index": 1, "action": K.TC_ACT_SHOT, "limit": 0, "burst": 5000, "mtu": 2040,
            "rate": rate[1], "peakrate": ratespec(0, linklayer=0, cell_align=0)[1],
            "refcnt": 1, "bindcnt": 1, "capab": 0})
    opts = attrs(
        at(K.TCA_U32_CLASSID, u32(0x10010), "classid", 0x10010),
        at(K.TCA_U32_HASH, u32(0x80000000), "hash", 0x80000000),
        at(K.TCA_U32_LINK, u32(0x80100000), "link", 0x80100000),
        at(K.TCA_U32_SEL, sel[0], "sel", sel[1]),
        at(K.TCA_U32_INDEV, cstr("v0"), "indev", "v0"),
        at(K.TCA_U32_MARK, struct.pack("<III", 0x10, 0xF0, 3), "mark",
           {"val": 0x10, "mask": 0xF0, "success": 3}),
        at(K.TCA_U32_FLAGS, u32(K.TCA_CLS_FLAGS_NOT_IN_HW), "flags", K.TCA_CLS_FLAGS_NOT_IN_HW),
        _pad(K.TCA_U32_PAD),
        at(K.TCA_U32_PCNT, pcnt, "pcnt", {"rcnt": 10, "rhit": 4, "kcnts": [1, 2, 3]}),
        nest(K.TCA_U32_POLICE, "police", attrs(at(K.TCA_POLICE_TBF, pol[0], "tbf", pol[1]))),
        indexed(K.TCA_U32_ACT, "act", [_act("mirred", ACTIONS["mirred"])]),
    )
    hdr = tcmsg(ifindex=2, handle=0x80000800, parent=0xFFFF0000, info=filter_info(10, "ip"))
    m = roundtrip(K.RTM_NEWTFILTER, hdr, flower_filter(opts, "u32"))
    assert m["options"]["sel"]["keys"][0]["val"] == 0x0A000001


def test_bpf_basic_fw_route_classifiers(codec):
    insns = [(0x06, 0, 0, 0xFFFFFFFF)]
    bpf = attrs(
        indexed(K.TCA_BPF_ACT, "act", [_act("gact", ACTIONS["gact"])]),
        at(K.TCA_BPF_CLASSID, u32(0x10001), "classid", 0x10001),
        at(K.TCA_BPF_OPS_LEN, u16(1), "ops_len", 1),
        at(K.TCA_BPF_OPS, struct.pack("<HBBI", *insns[0]), "ops",
           {"insns": [{"code": 6, "jt": 0, "jf": 0, "k": 0xFFFFFFFF}]}),
        at(K.TCA_BPF_NAME, cstr("cls.o:[main]"), "name", "cls.o:[main]"),
        at(K.TCA_BPF_FLAGS, u32(K.TCA_BPF_FLAG_ACT_DIRECT), "flags", K.TCA_BPF_FLAG_ACT_DIRECT),
        at(K.TCA_BPF_FLAGS_GEN, u32(K.TCA_CLS_FLAGS_SKIP_HW), "flags_gen", K.TCA_CLS_FLAGS_SKIP_HW),
        at(K.TCA_BPF_TAG, bytes(8), "tag", "00" * 8),
        at(K.TCA_BPF_ID, u32(12), "id", 12))
    roundtrip(K.RTM_NEWTFILTER, FILTER_HDR, flower_filter(bpf, "bpf"))
    basic = attrs(
        at(K.TCA_BASIC_CLASSID, u32(0x10002), "classid", 0x10002),
        nest(K.TCA_BASIC_EMATCHES, "ematches", attrs(
            at(K.TCA_EMATCH_TREE_HDR, struct.pack("<HH", 1, 0), "hdr",
               {"nmatches": 1, "progid": 0}),
            at(K.TCA_EMATCH_TREE_LIST, nla(1, struct.pack("<HHHH", 0, 1, 0, 0) + u32(5)), "list",
               nla(1, struct.pack("<HHHH", 0, 1, 0, 0) + u32(5)).hex()))),
        _pad(K.TCA_BASIC_PAD),
        at(K.TCA_BASIC_PCNT, struct.pack("<QQ", 7, 6), "pcnt", {"rcnt": 7, "rhit": 6}))
    roundtrip(K.RTM_NEWTFILTER, FILTER_HDR, flower_filter(basic, "basic"))
    fw = attrs(at(K.TCA_FW_CLASSID, u32(0x10003), "classid", 0x10003),
               at(K.TCA_FW_INDEV, cstr("eth0"), "indev", "eth0"),
               at(K.TCA_FW_MASK, u32(0xFF), "mask", 0xFF))
    roundtrip(K.RTM_NEWTFILTER, FILTER_HDR, flower_filter(fw, "fw"))
    route = attrs(at(K.TCA_ROUTE4_CLASSID, u32(0x10004), "classid", 0x10004),
                  at(K.TCA_ROUTE4_TO, u32(5), "to", 5),
                  at(K.TCA_ROUTE4_FROM, u32(6), "from", 6),
                  at(K.TCA_ROUTE4_IIF, u32(2), "iif", 2))
    roundtrip(K.RTM_NEWTFILTER, FILTER_HDR, flower_filter(route, "route"))


# -- qdiscs and classes ------------------------------------------------------------------

def qdisc(kind, options, *more):
    """TCA_KIND, then ``options``: an attribute set (bytes, dict) to nest in
    TCA_OPTIONS, or a ready TCA_OPTIONS item (bare structs, netem)."""
    items = [at(K.TCA_KIND, cstr(kind), "kind", kind)]
    if options is not None:
        items.append(options if isinstance(options[0], bytes) and len(options) == 3
                     else nest(K.TCA_OPTIONS, "options", options))
    return attrs(*items, *more)


QDISC_HDR = tcmsg(ifindex=2, handle=0x10000, parent=0xFFFFFFFF, info=1)


def test_htb_qdisc_and_class(codec):
    glob_ = struct.pack("<5I", 3, 10, 0x10, 0, 4)
    q = qdisc("htb", attrs(
        at(K.TCA_HTB_INIT, glob_, "init", {"version": 3, "rate2quantum": 10, "defcls": 0x10,
                                          "debug": 0, "direct_pkts": 4}),
        at(K.TCA_HTB_DIRECT_QLEN, u32(1000), "direct_qlen", 1000),
        at(K.TCA_HTB_OFFLOAD, b"", "offload", True)),
        nest(K.TCA_STATS2, "stats2", stats2()),
        at(K.TCA_STATS, struct.pack("<Q7I4x", 5, 6, 7, 8, 9, 10, 11, 12), "stats",
           {"bytes": 5, "packets": 6, "drops": 7, "overlimits": 8, "bps": 9, "pps": 10,
            "qlen": 11, "backlog": 12}),
        at(K.TCA_HW_OFFLOAD, u8(0), "hw_offload", 0),
        at(K.TCA_INGRESS_BLOCK, u32(5), "ingress_block", 5),
        at(K.TCA_EGRESS_BLOCK, u32(6), "egress_block", 6),
        at(K.TCA_RATE, struct.pack("<bB", -2, 3), "rate", {"interval": -2, "ewma_log": 3}))
    roundtrip(K.RTM_NEWQDISC, QDISC_HDR, q)
    rate, ceil = ratespec(1250000), ratespec(2500000)
    opt = (rate[0] + ceil[0] + struct.pack("<5I", 20000, 10000, 125000, 0, 1),
           {"rate": rate[1], "ceil": ceil[1], "buffer": 20000, "cbuffer": 10000,
            "quantum": 125000, "level": 0, "prio": 1})
    rtab = b"".join(u32(i) for i in range(256))
    c = qdisc("htb", attrs(
        at(K.TCA_HTB_PARMS, opt[0], "parms", opt[1]),
        at(K.TCA_HTB_RTAB, rtab, "rtab", {"table": list(range(256))}),
        at(K.TCA_HTB_CTAB, rtab, "ctab", {"table": list(range(256))}),
        _pad(K.TCA_HTB_PAD),
        at(K.TCA_HTB_RATE64, u64(10 ** 10), "rate64", 10 ** 10),
        at(K.TCA_HTB_CEIL64, u64(2 * 10 ** 10), "ceil64", 2 * 10 ** 10)),
        at(K.TCA_XSTATS, struct.pack("<IIIii", 7, 1, 0, -500, 9562), "xstats",
           {"lends": 7, "borrows": 1, "giants": 0, "tokens": -500, "ctokens": 9562}))
    roundtrip(K.RTM_NEWTCLASS, tcmsg(ifindex=2, handle=0x10010, parent=0x10000, info=0x100000), c)


def test_tbf_prio_fifo_netem_fq_codel(codec):
    rate, peak = ratespec(125000), ratespec(0, linklayer=0, cell_align=0)
    tbf = (rate[0] + peak[0] + struct.pack("<III", 16490, 1280000, 0),
           {"rate": rate[1], "peakrate": peak[1], "limit": 16490, "buffer": 1280000, "mtu": 0})
    roundtrip(K.RTM_NEWQDISC, QDISC_HDR, qdisc("tbf", attrs(
        at(K.TCA_TBF_PARMS, tbf[0], "parms", tbf[1]),
        at(K.TCA_TBF_BURST, u32(10240), "burst", 10240),
        _pad(K.TCA_TBF_PAD),
        at(K.TCA_TBF_RATE64, u64(2 ** 35), "rate64", 2 ** 35),
        at(K.TCA_TBF_PRATE64, u64(2 ** 36), "prate64", 2 ** 36),
        at(K.TCA_TBF_PBURST, u32(3000), "pburst", 3000))))
    # prio: struct tc_prio_qopt as the kernel dumps it (sch_prio.c prio_dump), and as tc
    # sends it: then a compat nest of TCA_OPTIONS's own type (lib/libnetlink.c
    # addattr_nest_compat) holding TCA_PRIO_MQ (tc/tc_util.h) for `multiqueue`
    priomap = [1, 2, 2, 2, 1, 2, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1]
    qopt = struct.pack("<i16B", 3, *priomap)
    roundtrip(K.RTM_NEWQDISC, QDISC_HDR, qdisc("prio", at(
        K.TCA_OPTIONS, qopt, "options", {"_header": {"bands": 3, "priomap": priomap}})))
    TCA_PRIO_MQ = 1
    roundtrip(K.RTM_NEWQDISC, QDISC_HDR, qdisc("prio", at(
        K.TCA_OPTIONS, qopt + nla(K.TCA_OPTIONS, nla(TCA_PRIO_MQ, b"")), "options",
        {"_header": {"bands": 3, "priomap": priomap}, "options": {"mq": True}})))
    # pfifo_fast (the kernel dumps it; tc sends no options) and pfifo: a bare struct
    roundtrip(K.RTM_NEWQDISC, QDISC_HDR, qdisc("pfifo_fast", at(
        K.TCA_OPTIONS, qopt, "options", {"bands": 3, "priomap": priomap})))
    roundtrip(K.RTM_NEWQDISC, QDISC_HDR, qdisc("pfifo", at(
        K.TCA_OPTIONS, u32(50), "options", {"limit": 50})))
    # ingress: an empty TCA_OPTIONS nest
    roundtrip(K.RTM_NEWQDISC, tcmsg(ifindex=3, handle=0xFFFF0000, parent=0xFFFFFFF1, info=1),
              qdisc("ingress", at(K.TCA_OPTIONS, b"", "options", None)))
    # netem: struct tc_netem_qopt, then attributes, inside TCA_OPTIONS
    qopt = struct.pack("<6I", 10000, 1000, 0, 0, 0, 500)
    dist = [-32768, -5, 0, 7, 32767]
    netem_attrs = attrs(
        at(K.TCA_NETEM_CORR, struct.pack("<3I", 1, 2, 3), "corr",
           {"delay_corr": 1, "loss_corr": 2, "dup_corr": 3}),
        at(K.TCA_NETEM_DELAY_DIST, struct.pack("<5h", *dist), "delay_dist", {"table": dist}),
        at(K.TCA_NETEM_REORDER, struct.pack("<II", 4, 5), "reorder",
           {"probability": 4, "correlation": 5}),
        at(K.TCA_NETEM_CORRUPT, struct.pack("<II", 6, 7), "corrupt",
           {"probability": 6, "correlation": 7}),
        nest(K.TCA_NETEM_LOSS, "loss", attrs(
            at(K.NETEM_LOSS_GI, struct.pack("<5I", 1, 2, 3, 4, 5), "gi",
               {"p13": 1, "p31": 2, "p32": 3, "p14": 4, "p23": 5}),
            at(K.NETEM_LOSS_GE, struct.pack("<4I", 6, 7, 8, 9), "ge",
               {"p": 6, "r": 7, "h": 8, "k1": 9}))),
        at(K.TCA_NETEM_RATE, struct.pack("<IiIi", 100000, -4, 48, 5), "rate",
           {"rate": 100000, "packet_overhead": -4, "cell_size": 48, "cell_overhead": 5}),
        at(K.TCA_NETEM_ECN, u32(1), "ecn", 1),
        _pad(K.TCA_NETEM_PAD),
        at(K.TCA_NETEM_LATENCY64, struct.pack("<q", 10 ** 7), "latency64", 10 ** 7),
        at(K.TCA_NETEM_JITTER64, struct.pack("<q", -1), "jitter64", -1),
        at(K.TCA_NETEM_SLOT, struct.pack("<qqiiqq", 1, 2, 3, 4, 5, 6), "slot",
           {"min_delay": 1, "max_delay": 2, "max_packets": 3, "max_bytes": 4,
            "dist_delay": 5, "dist_jitter": 6}),
        at(K.TCA_NETEM_PRNG_SEED, u64(0xC0FFEE), "prng_seed", 0xC0FFEE))
    want = {"_header": {"latency": 10000, "limit": 1000, "loss": 0, "gap": 0, "duplicate": 0,
                        "jitter": 500}, **netem_attrs[1]}
    roundtrip(K.RTM_NEWQDISC, QDISC_HDR, qdisc("netem", (nla(K.TCA_OPTIONS, qopt + netem_attrs[0]),
                                                        "options", want)))
    xst = struct.pack("<10I", 0, 1514, 2, 3, 4, 5, 6, 7, 8, 9)
    roundtrip(K.RTM_NEWQDISC, QDISC_HDR, qdisc("fq_codel", attrs(
        at(K.TCA_FQ_CODEL_TARGET, u32(4999), "target", 4999),
        at(K.TCA_FQ_CODEL_LIMIT, u32(10240), "limit", 10240),
        at(K.TCA_FQ_CODEL_INTERVAL, u32(99999), "interval", 99999),
        at(K.TCA_FQ_CODEL_ECN, u32(1), "ecn", 1),
        at(K.TCA_FQ_CODEL_FLOWS, u32(1024), "flows", 1024),
        at(K.TCA_FQ_CODEL_QUANTUM, u32(1514), "quantum", 1514),
        at(K.TCA_FQ_CODEL_CE_THRESHOLD, u32(100), "ce_threshold", 100),
        at(K.TCA_FQ_CODEL_DROP_BATCH_SIZE, u32(64), "drop_batch_size", 64),
        at(K.TCA_FQ_CODEL_MEMORY_LIMIT, u32(32 << 20), "memory_limit", 32 << 20),
        at(K.TCA_FQ_CODEL_CE_THRESHOLD_SELECTOR, u8(0xFC), "ce_threshold_selector", 0xFC),
        at(K.TCA_FQ_CODEL_CE_THRESHOLD_MASK, u8(0x04), "ce_threshold_mask", 0x04)),
        at(K.TCA_XSTATS, xst, "xstats", dict(zip(
            ("type", "maxpacket", "drop_overlimit", "ecn_mark", "new_flow_count",
             "new_flows_len", "old_flows_len", "ce_mark", "memory_usage", "drop_overmemory"),
            struct.unpack("<10I", xst))))))


def test_mqprio_cbs_fq(codec):
    # mqprio: struct tc_mqprio_qopt (82 bytes, padded to 84), then attributes
    prio_map = [0, 1, 2, 3] * 4
    count, offset = [1, 1, 2] + [0] * 13, [0, 1, 2] + [0] * 13
    qopt = struct.pack("<B16BB16H16H", 3, *prio_map, 1, *count, *offset)
    assert len(qopt) == 82
    rates = attrs(multi(K.TCA_MQPRIO_MIN_RATE64, "min_rate64", [
        (u64(10 ** 6), 10 ** 6), (u64(2 * 10 ** 6), 2 * 10 ** 6), (u64(0), 0)]))
    tail = attrs(at(K.TCA_MQPRIO_MODE, u16(K.TC_MQPRIO_MODE_CHANNEL), "mode",
                    K.TC_MQPRIO_MODE_CHANNEL),
                 at(K.TCA_MQPRIO_SHAPER, u16(K.TC_MQPRIO_SHAPER_BW_RATE), "shaper",
                    K.TC_MQPRIO_SHAPER_BW_RATE),
                 nest(K.TCA_MQPRIO_MIN_RATE64, "min_rate64", rates))
    want = {"_header": {"num_tc": 3, "prio_tc_map": prio_map, "hw": 1, "count": count,
                        "offset": offset}, **tail[1]}
    roundtrip(K.RTM_NEWQDISC, QDISC_HDR, qdisc("mqprio", (
        nla(K.TCA_OPTIONS, qopt + b"\0\0" + tail[0]), "options", want)))
    cbs = struct.pack("<B3xiiii", 1, 100, -200, 1000, -9000)
    roundtrip(K.RTM_NEWQDISC, QDISC_HDR, qdisc("cbs", attrs(at(
        K.TCA_CBS_PARMS, cbs, "parms", {"offload": 1, "hicredit": 100, "locredit": -200,
                                        "idleslope": 1000, "sendslope": -9000}))))
    fq_x = struct.pack("<7Qq4I3Q", 1, 2, 3, 4, 5, 6, 7, -8, 9, 10, 11, 12, 13, 14, 15)
    names = ("gc_flows", "highprio_packets", "tcp_retrans", "throttled", "flows_plimit",
             "pkts_too_long", "allocation_errors", "time_next_delayed_flow", "flows",
             "inactive_flows", "throttled_flows", "unthrottle_latency_ns", "ce_mark",
             "horizon_drops", "horizon_caps")
    roundtrip(K.RTM_NEWQDISC, QDISC_HDR, qdisc("fq", attrs(
        at(K.TCA_FQ_PLIMIT, u32(10000), "plimit", 10000),
        at(K.TCA_FQ_FLOW_MAX_RATE, u32(0xFFFFFFFF), "flow_max_rate", 0xFFFFFFFF),
        at(K.TCA_FQ_HORIZON, u32(10 ** 7), "horizon", 10 ** 7),
        at(K.TCA_FQ_HORIZON_DROP, u8(1), "horizon_drop", 1)),
        at(K.TCA_XSTATS, fq_x, "xstats", dict(zip(names, struct.unpack("<7Qq4I3Q", fq_x))))))


def test_stab_dump_flags_and_chain(codec):
    base = struct.pack("<BBhiIIII", 6, 0, -1, 24, 1, 0, 2047, 4)
    roundtrip(K.RTM_NEWQDISC, QDISC_HDR, qdisc("tbf", None, nest(K.TCA_STAB, "stab", attrs(
        at(K.TCA_STAB_BASE, base, "base", {"cell_log": 6, "size_log": 0, "cell_align": -1,
                                           "overhead": 24, "linklayer": 1, "mpu": 0,
                                           "mtu": 2047, "tsize": 4}),
        at(K.TCA_STAB_DATA, struct.pack("<4H", 1, 2, 3, 4), "data", {"table": [1, 2, 3, 4]})))))
    # a terse filter dump request, and a chain with a flower template
    roundtrip(K.RTM_GETTFILTER, tcmsg(ifindex=2, parent=0xFFFFFFF2), attrs(
        at(K.TCA_DUMP_FLAGS, struct.pack("<II", K.TCA_DUMP_FLAGS_TERSE, K.TCA_DUMP_FLAGS_TERSE),
           "dump_flags", {"value": K.TCA_DUMP_FLAGS_TERSE, "selector": K.TCA_DUMP_FLAGS_TERSE}),
        at(K.TCA_CHAIN, u32(3), "chain", 3)), flags=0x301)
    tmpl = attrs(at(K.TCA_FLOWER_KEY_ETH_TYPE, be16(0x0800), "key_eth_type", 0x0800),
                 at(K.TCA_FLOWER_KEY_IPV4_DST_MASK, ip4("255.255.255.0"), "key_ipv4_dst_mask",
                    "255.255.255.0"))
    m = roundtrip(K.RTM_NEWCHAIN, tcmsg(ifindex=2, parent=0xFFFFFFF2), attrs(
        at(K.TCA_CHAIN, u32(3), "chain", 3), at(K.TCA_KIND, cstr("flower"), "kind", "flower"),
        nest(K.TCA_OPTIONS, "options", tmpl)))
    assert m.type == "newchain"


def test_message_numbers():
    fam = nlcodec.family("tc")
    for name, num in (("newqdisc", K.RTM_NEWQDISC), ("delqdisc", K.RTM_DELQDISC),
                      ("getqdisc", K.RTM_GETQDISC), ("newtclass", K.RTM_NEWTCLASS),
                      ("deltclass", K.RTM_DELTCLASS), ("gettclass", K.RTM_GETTCLASS),
                      ("newtfilter", K.RTM_NEWTFILTER), ("deltfilter", K.RTM_DELTFILTER),
                      ("gettfilter", K.RTM_GETTFILTER), ("newaction", K.RTM_NEWACTION),
                      ("delaction", K.RTM_DELACTION), ("getaction", K.RTM_GETACTION),
                      ("newchain", K.RTM_NEWCHAIN), ("delchain", K.RTM_DELCHAIN),
                      ("getchain", K.RTM_GETCHAIN)):
        assert fam.msg(name).id == num


# -- nlcodec.tc notation -------------------------------------------------------------------

def test_handles_in_tc_notation():
    assert handle_str(K.TC_H_ROOT) == "root"
    assert handle_str(0) == "none"
    assert handle_str(0x10010) == "1:10"
    assert handle_str(0xFFFF0000) == "ffff:"
    assert handle_str(5) == ":5"
    assert handle_str(K.TC_H_INGRESS) == "ffff:fff1"        # as tc shows an ingress parent
    assert parent_str(K.TC_H_INGRESS, names=True) == "ingress"
    assert qdisc_handle_str(0x80010000) == "8001:"
    assert parse_handle("ffff:") == 0xFFFF0000
    assert parse_handle("1:10") == 0x10010
    assert parse_handle(":a") == 10
    assert parse_handle("root") == K.TC_H_ROOT
    assert parse_handle("ingress") == K.TC_H_INGRESS == parse_handle("clsact")
    assert parse_handle("ingress", filter=True) == (0xFFFF << 16) | K.TC_H_MIN_INGRESS
    assert parse_handle("egress", filter=True) == (0xFFFF << 16) | K.TC_H_MIN_EGRESS
    assert parse_handle("800") == 0x800
    for bad in ("1:2:3", "10000:", "x:", "egress"):
        with pytest.raises(ValueError):
            parse_handle(bad)
    assert split_info(filter_info(49152, "ipv6")) == (49152, "ipv6")
    assert split_info(filter_info(1, "802.1q")) == (1, "802.1Q")       # as tc prints it
    assert split_info((7 << 16) | socket.htons(0x1234)) == (7, 0x1234)
    assert filter_info(10, 0x0800) == (10 << 16) | socket.htons(0x0800)


def test_verdicts_in_tc_notation():
    names = {K.TC_ACT_UNSPEC: "continue", K.TC_ACT_OK: "pass", K.TC_ACT_SHOT: "drop",
             K.TC_ACT_RECLASSIFY: "reclassify", K.TC_ACT_PIPE: "pipe",
             K.TC_ACT_STOLEN: "stolen", K.TC_ACT_TRAP: "trap", K.TC_ACT_REDIRECT: "7"}
    for v, name in names.items():
        assert verdict_name(v) == name
        assert parse_verdict(name) == v
    assert verdict_name(K.TC_ACT_GOTO_CHAIN | 5) == "goto chain 5"
    assert verdict_name(K.TC_ACT_JUMP | 2) == "jump 2"
    assert verdict_name(0xFFFFFFFF) == "continue"       # -1 read as unsigned
    assert parse_verdict("goto chain 5") == K.TC_ACT_GOTO_CHAIN | 5
    assert parse_verdict("jump 2") == K.TC_ACT_JUMP | 2
    assert parse_verdict("shot") == parse_verdict("drop") == K.TC_ACT_SHOT
    for bad in ("goto 5", "jump", "fly", "goto chain -1"):
        with pytest.raises(ValueError):
            parse_verdict(bad)
    fam = nlcodec.family("tc")
    assert fam.enum("verdict").name_of(K.TC_ACT_GOTO_CHAIN) == "goto_chain"


# -- live: this machine's kernel, in a private netns ---------------------------------------

NLM_F_REQUEST, NLM_F_ACK, NLM_F_EXCL, NLM_F_CREATE = 0x1, 0x4, 0x200, 0x400
NLM_F_DUMP = 0x300
NLMSG_ERROR, NLMSG_DONE = 2, 3



def live(f):
    for mark in (pytest.mark.live,
                 pytest.mark.skipif(os.geteuid() != 0, reason="live tc tests need root (netns)"),
                 pytest.mark.skipif(shutil.which("tc") is None, reason="needs iproute2's tc")):
        f = mark(f)
    return f


def sh(ns, tool, *args, check=True):
    r = subprocess.run([tool, "-n", ns, *args], capture_output=True, text=True)
    if check and r.returncode:
        raise AssertionError(f"{tool} {' '.join(args)}: {r.stderr}")
    return r


def tcj(ns, *args):
    out = sh(ns, "tc", "-j", "-s", *args).stdout.strip()
    return json.loads(out) if out else []


def ifindexes(ns):
    return {l["ifname"]: l["ifindex"] for l in json.loads(sh(ns, "ip", "-j", "link").stdout)}


class Kernel:
    """A raw NETLINK_ROUTE socket inside the namespace; every message the kernel
    sends back must decode and encode again to the same bytes."""

    def __init__(self, ns):
        with netns.enter(ns):
            self.sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 0)
        self.sock.bind((0, 0))
        self.sock.settimeout(10)
        self.seq = 1000

    def close(self):
        self.sock.close()

    def _send(self, type_, header, attrs, flags):
        self.seq += 1
        self.sock.send(nlcodec.encode("route", type_, header=header, attrs=attrs,
                                      flags=NLM_F_REQUEST | flags, seq=self.seq))
        return self.seq

    def _replies(self, seq):
        while True:
            data = self.sock.recv(1 << 20)
            whole = nlcodec.decode(data)
            off, i = 0, 0
            while off < len(data):
                ln, ty, _, s, _ = struct.unpack_from("<IHHII", data, off)
                raw = data[off:off + ln]
                m = nlcodec.decode(raw)[0]
                assert m.encode() == raw, f"{m.type} does not re-encode byte for byte"
                assert whole[i].type_id == ty
                off, i = off + ((ln + 3) & ~3), i + 1
                if s != seq:
                    continue
                yield m

    def dump(self, type_, header, attrs=None):
        seq = self._send(type_, header, attrs, NLM_F_DUMP)
        out = []
        for m in self._replies(seq):
            if m.type_id == NLMSG_ERROR:
                raise AssertionError(f"dump {type_}: error {m.error}")
            if m.type_id == NLMSG_DONE:
                return out
            out.append(m)

    def do(self, type_, header, attrs=None, flags=0):
        """A request with NLM_F_ACK; returns the (negative) errno, 0 for success."""
        seq = self._send(type_, header, attrs, flags | NLM_F_ACK)
        for m in self._replies(seq):
            if m.type_id == NLMSG_ERROR:
                return m.error


@pytest.fixture
def tcns():
    """A namespace with two veth pairs (v0-v1, v2-v3), IPv6 off so that no
    stray packets change the counters while we compare."""
    with netns.temporary("nlctc") as ns:
        subprocess.run(["ip", "netns", "exec", ns, "sysctl", "-q", "-w",
                        "net.ipv6.conf.all.disable_ipv6=1",
                        "net.ipv6.conf.default.disable_ipv6=1"], capture_output=True)
        for a, b in (("v0", "v1"), ("v2", "v3")):
            sh(ns, "ip", "link", "add", a, "type", "veth", "peer", "name", b)
        for d in ("v0", "v1", "v2", "v3"):
            sh(ns, "ip", "link", "set", d, "up")
        k = Kernel(ns)
        try:
            yield ns, k
        finally:
            k.close()


def send_frames(ns, dev, n, dst="10.0.0.1", size=100):
    """n IPv4/UDP-looking frames out of ``dev`` (through its egress qdisc)."""
    with netns.enter(ns):
        s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    try:
        s.bind((dev, 0))
        iph = struct.pack("!BBHHHBBH4s4s", 0x45, 0, size - 14, 0, 0, 64, 17, 0,
                          ip4("10.0.0.9"), ip4(dst))
        frame = b"\xff" * 6 + mac("02:00:00:00:00:09") + be16(0x0800) + iph
        frame += bytes(size - len(frame))
        for _ in range(n):
            s.send(frame)
    finally:
        s.close()
    time.sleep(0.3)


def _parent_key(parent, tc_entry=None):
    if tc_entry is not None:
        return "root" if tc_entry.get("root") else tc_entry.get("parent")
    return "root" if parent == K.TC_H_ROOT else handle_str(parent)


def _check_stats(m, tc_entry):
    basic = m["stats2"]["basic"]
    queue = m["stats2"]["queue"]
    assert tc_entry["bytes"] == basic["bytes"] and tc_entry["packets"] == basic["packets"]
    for k in ("drops", "overlimits", "requeues", "backlog", "qlen"):
        assert tc_entry[k] == queue[k], k


def _rate_bits(text):
    n, unit = re.fullmatch(r"([\d.]+)([KMG]?)bit", text).groups()
    return float(n) * {"": 1, "K": 1e3, "M": 1e6, "G": 1e9}[unit]


def _u32_handle(h):
    htid, hash_, node = h >> 20, (h >> 12) & 0xFF, h & 0xFFF
    return (f"{htid:x}:" if htid else "") + (f"{hash_:x}" if hash_ else "") + \
        (f":{node:x}" if node else "")


EACTION = {1: ("redirect", "egress"), 2: ("mirror", "egress"), 3: ("redirect", "ingress"),
           4: ("mirror", "ingress")}


def _check_action(act, tca, names):
    """One decoded action against tc's JSON for it."""
    p = act["options"]["parms"]
    assert tca["kind"] == act["kind"]
    assert tca["index"] == p["index"]
    assert tca["ref"] == p["refcnt"] and tca["bind"] == p["bindcnt"]
    assert tca["control_action"]["type"] == verdict_name(p["action"]).split()[0]
    if act["kind"] == "mirred":
        assert (tca["mirred_action"], tca["direction"]) == EACTION[p["eaction"]]
        assert tca["to_dev"] == names[p["ifindex"]]
    stats = act["stats"]
    assert tca["stats"]["bytes"] == stats["basic"]["bytes"]
    assert tca["stats"]["packets"] == stats["basic"]["packets"]
    for k in ("drops", "overlimits", "requeues", "backlog", "qlen"):
        assert tca["stats"][k] == stats["queue"][k], k


def _setup_with_tc(ns):
    t = lambda *a: sh(ns, "tc", *a)   # noqa: E731
    t("qdisc", "add", "dev", "v0", "ingress")
    t("qdisc", "add", "dev", "v1", "root", "handle", "1:", "htb", "default", "10")
    t("class", "add", "dev", "v1", "parent", "1:", "classid", "1:10", "htb", "rate", "10mbit",
      "ceil", "20mbit")
    t("class", "add", "dev", "v1", "parent", "1:", "classid", "1:20", "htb", "rate", "5mbit",
      "prio", "2")
    t("qdisc", "add", "dev", "v1", "parent", "1:10", "handle", "10:", "tbf", "rate", "1mbit",
      "burst", "10kb", "latency", "50ms")
    t("qdisc", "add", "dev", "v1", "parent", "1:20", "handle", "20:", "pfifo", "limit", "50")
    t("filter", "add", "dev", "v0", "parent", "ffff:", "protocol", "ip", "prio", "10", "u32",
      "match", "ip", "dst", "10.0.0.1/32", "action", "mirred", "egress", "redirect", "dev", "v2")
    t("filter", "add", "dev", "v0", "parent", "ffff:", "protocol", "ip", "prio", "20", "u32",
      "match", "ip", "src", "10.9.9.9/32", "action", "mirred", "egress", "mirror", "dev", "v2")
    t("filter", "add", "dev", "v0", "parent", "ffff:", "prio", "30", "bpf", "bytecode",
      "1,6 0 0 0", "action", "mirred", "egress", "mirror", "dev", "v2")


@live
def test_live_qdiscs_made_by_tc(tcns):
    ns, k = tcns
    _setup_with_tc(ns)
    send_frames(ns, "v1", 5)
    idx = ifindexes(ns)
    names = {v: n for n, v in idx.items()}
    ours = k.dump("getqdisc", {"family": 0, "ifindex": 0, "handle": 0, "parent": 0, "info": 0})
    theirs = {(q["dev"], q["handle"], _parent_key(0, q)): q for q in tcj(ns, "qdisc", "show")}
    mine = {(names[m.header["ifindex"]], qdisc_handle_str(m.header["handle"]),
             _parent_key(m.header["parent"])): m for m in ours}
    assert set(mine) == set(theirs)
    for key, m in mine.items():
        q = theirs[key]
        assert q["kind"] == m["kind"]
        if "refcnt" in q:
            assert q["refcnt"] == m.header["info"]
        _check_stats(m, q)
        o = m.get("options")
        if m["kind"] == "htb":
            assert q["options"]["r2q"] == o["init"]["rate2quantum"]
            assert q["options"]["default"] == hex(o["init"]["defcls"])
            assert q["options"]["direct_packets_stat"] == o["init"]["direct_pkts"]
            assert q["options"]["direct_qlen"] == o["direct_qlen"]
        elif m["kind"] == "tbf":
            assert q["options"]["rate"] == o["parms"]["rate"]["rate"] == 125000
        elif m["kind"] == "pfifo":
            assert q["options"]["limit"] == o["limit"] == 50
        elif m["kind"] == "ingress":
            assert o is None and q["options"] == {}
    # the frames went through htb 1: -> class 1:10 -> tbf 10: and into v0's ingress
    assert mine[("v1", "1:", "root")]["stats2"]["basic"]["packets"] >= 5
    assert mine[("v1", "10:", "1:10")]["stats2"]["basic"]["packets"] >= 5
    assert mine[("v0", "ffff:", "ffff:fff1")]["stats2"]["basic"]["packets"] >= 5


CLASS_RE = re.compile(r"^class (\S+) (\S+) (?:root|parent (\S+))(?: leaf (\S+))?(.*)$")


def tc_classes(ns, dev):
    """``tc -s -d class show`` parsed (this iproute2 has no JSON for classes)."""
    out, cur = [], None
    for line in sh(ns, "tc", "-s", "-d", "class", "show", "dev", dev).stdout.splitlines():
        m = CLASS_RE.match(line)
        if m:
            kind, handle, parent, leaf, rest = m.groups()
            words = rest.split()
            cur = {"kind": kind, "handle": handle, "parent": parent or "root", "leaf": leaf,
                   **{w: words[i + 1] for i, w in enumerate(words[:-1])
                      if w in ("prio", "quantum", "rate", "ceil", "level")}}
            out.append(cur)
            continue
        if cur is None:
            continue
        for pat in (r"Sent (\d+) bytes (\d+) pkt \(dropped (\d+), overlimits (\d+)",
                    r"lended: (\d+) borrowed: (\d+) giants: (\d+)",
                    r"tokens: (-?\d+) ctokens: (-?\d+)"):
            g = re.search(pat, line)
            if g:
                cur.setdefault("nums", []).extend(int(x) for x in g.groups())
    return out


@live
def test_live_htb_classes_made_by_tc(tcns):
    ns, k = tcns
    _setup_with_tc(ns)
    send_frames(ns, "v1", 3)
    v1 = ifindexes(ns)["v1"]
    ours = k.dump("gettclass", {"family": 0, "ifindex": v1, "handle": 0, "parent": 0, "info": 0})
    theirs = tc_classes(ns, "v1")
    assert [(c["kind"], c["handle"]) for c in theirs] == \
        [(m["kind"], handle_str(m.header["handle"])) for m in ours]
    assert len(theirs) == 3
    for m, c in zip(ours, theirs):
        h = m.header
        assert c["parent"] == _parent_key(h["parent"])
        if m["kind"] != "htb":
            continue
        p = m["options"]["parms"]
        assert c["leaf"] == qdisc_handle_str(h["info"])
        assert int(c["prio"]) == p["prio"] and int(c["quantum"]) == p["quantum"]
        assert int(c["level"]) == p["level"]
        assert _rate_bits(c["rate"]) == p["rate"]["rate"] * 8
        assert _rate_bits(c["ceil"]) == p["ceil"]["rate"] * 8
        basic, queue, x = m["stats2"]["basic"], m["stats2"]["queue"], m["xstats"]
        assert c["nums"] == [basic["bytes"], basic["packets"], queue["drops"], queue["overlimits"],
                             x["lends"], x["borrows"], x["giants"], x["tokens"], x["ctokens"]]
        # TCA_STATS2's app is the same struct as TCA_XSTATS
        assert m["stats2"]["app"] == struct.pack(
            "<IIIii", x["lends"], x["borrows"], x["giants"], x["tokens"], x["ctokens"]).hex()
    assert ours[0]["stats2"]["basic"]["packets"] >= 3       # 1:10, the default class


@live
def test_live_u32_and_bpf_filters_with_mirred(tcns):
    ns, k = tcns
    _setup_with_tc(ns)
    send_frames(ns, "v1", 4)
    idx = ifindexes(ns)
    names = {v: n for n, v in idx.items()}
    ours = k.dump("gettfilter", {"family": 0, "ifindex": idx["v0"], "handle": 0,
                                 "parent": 0xFFFF0000, "info": 0})
    theirs = tcj(ns, "filter", "show", "dev", "v0", "parent", "ffff:")
    assert len(ours) == len(theirs) == 8      # per u32 prio: proto, hash table, node; bpf: 2
    kinds = []
    for m, f in zip(ours, theirs):
        prio, proto = split_info(m.header["info"])
        assert (f["pref"], f["protocol"], f["kind"], f["chain"]) == \
            (prio, proto, m["kind"], m["chain"])
        kinds.append(m["kind"])
        o = m.get("options")
        if o is None:
            assert "options" not in f
            continue
        fo = f["options"]
        if m["kind"] == "u32":
            assert fo["fh"] == _u32_handle(m.header["handle"])
            if "divisor" in o:
                assert fo["ht_divisor"] == o["divisor"]
                continue
            key = o["sel"]["keys"][0]
            assert o["sel"]["nkeys"] == 1
            assert (int(fo["match"]["value"], 16), int(fo["match"]["mask"], 16),
                    fo["match"]["off"]) == (key["val"], key["mask"], key["off"])
            assert fo["order"] == m.header["handle"] & 0xFFF
            assert fo.get("not_in_hw", False) == bool(o["flags"] & K.TCA_CLS_FLAGS_NOT_IN_HW)
        else:
            assert fo["handle"] == hex(m.header["handle"])
            assert fo["bytecode"]["length"] == o["ops_len"]
            assert fo["bytecode"]["insns"] == o["ops"]["insns"]
        assert len(fo["actions"]) == len(o["act"])
        for i, (act, tca) in enumerate(zip(o["act"], fo["actions"]), 1):
            assert tca["order"] == i
            _check_action(act, tca, names)
    assert kinds == ["u32"] * 6 + ["bpf"] * 2
    # the redirect saw the frames we sent to 10.0.0.1
    redirect = [m for m in ours if "sel" in (m.get("options") or {})][0]
    assert redirect["options"]["act"][0]["stats"]["basic"]["packets"] >= 4


@live
def test_live_standalone_actions(tcns):
    ns, k = tcns
    _setup_with_tc(ns)
    sh(ns, "tc", "actions", "add", "action", "mirred", "egress", "mirror", "dev", "v3",
       "index", "7")
    sh(ns, "tc", "actions", "add", "action", "mirred", "ingress", "redirect", "dev", "v3",
       "index", "8")
    names = {v: n for n, v in ifindexes(ns).items()}
    large = {"value": K.TCA_ACT_FLAG_LARGE_DUMP_ON, "selector": K.TCA_ACT_FLAG_LARGE_DUMP_ON}
    ours = k.dump("getaction", {"family": 0}, {"tab": [{"kind": "mirred"}], "flags": large})
    total, listed = tcj(ns, "actions", "ls", "action", "mirred")
    acts = [a for m in ours for a in m["tab"].values()] if isinstance(ours[0]["tab"], dict) \
        else [a for m in ours for a in m["tab"]]
    assert sum(m["count"] for m in ours) == total["total acts"] == len(acts) == 5
    for act, tca in zip(acts, listed["actions"]):
        _check_action(act, tca, names)
    assert [a["options"]["parms"]["index"] for a in acts][-2:] == [7, 8]
    # one action by index: RTM_GETACTION without NLM_F_DUMP
    seq = k._send("getaction", {"family": 0}, {"tab": [{"kind": "mirred", "index": 8}]}, 0)
    reply = next(k._replies(seq))
    assert reply.type == "getaction"          # the kernel answers with the request type
    one = reply["tab"][0]
    assert one["options"]["parms"]["index"] == 8
    assert one["options"]["parms"]["eaction"] == K.TCA_INGRESS_REDIR


@live
def test_live_gact_filter(tcns):
    ns, k = tcns
    sh(ns, "tc", "qdisc", "add", "dev", "v0", "ingress")
    r = sh(ns, "tc", "filter", "add", "dev", "v0", "parent", "ffff:", "protocol", "ip", "prio",
           "5", "u32", "match", "ip", "dst", "10.0.0.5/32", "action", "gact", "drop", "random",
           "determ", "goto", "chain", "3", "10", check=False)
    if r.returncode:
        pytest.skip("act_gact module is not available in this kernel")
    ours = k.dump("gettfilter", {"family": 0, "ifindex": ifindexes(ns)["v0"], "handle": 0,
                                 "parent": 0xFFFF0000, "info": 0})
    act = ours[-1]["options"]["act"][0]
    assert act["kind"] == "gact"
    assert verdict_name(act["options"]["parms"]["action"]) == "drop"
    prob = act["options"]["prob"]
    assert (prob["ptype"], prob["pval"]) == (2, 10)
    assert verdict_name(prob["paction"]) == "goto chain 3"
    tca = tcj(ns, "filter", "show", "dev", "v0", "parent", "ffff:")[-1]["options"]["actions"][0]
    assert tca["control_action"]["type"] == "drop"


# -- made by nlcodec, seen by tc ------------------------------------------------------------

def _new(k, type_, header, attrs):
    err = k.do(type_, header, attrs, NLM_F_CREATE | NLM_F_EXCL)
    assert err == 0, f"{type_}: {os.strerror(-err)}"


def _spec(rate, linklayer=1):
    return {"cell_log": 0, "linklayer": linklayer, "overhead": 0, "cell_align": 0, "mpu": 0,
            "rate": rate}


@live
def test_live_qdiscs_classes_filters_made_by_nlcodec(tcns):
    ns, k = tcns
    idx = ifindexes(ns)
    v2, v3 = idx["v2"], idx["v3"]
    h5 = parse_handle("5:")
    _new(k, "newqdisc", {"family": 0, "ifindex": v2, "handle": h5, "parent": parse_handle("root"),
                         "info": 0},
         {"kind": "htb", "options": {
             "init": {"version": 3, "rate2quantum": 10, "defcls": 0x20, "debug": 0,
                      "direct_pkts": 0},
             "direct_qlen": 100}})
    _new(k, "newtclass", {"family": 0, "ifindex": v2, "handle": parse_handle("5:20"),
                          "parent": h5, "info": 0},
         {"kind": "htb", "options": {"parms": {
             "rate": _spec(125000), "ceil": _spec(250000), "buffer": 200000,
             "cbuffer": 200000, "quantum": 0, "level": 0, "prio": 3}}})
    _new(k, "newqdisc", {"family": 0, "ifindex": v2, "handle": parse_handle("52:"),
                         "parent": parse_handle("5:20"), "info": 0},
         {"kind": "tbf", "options": {
             "parms": {"rate": _spec(125000), "peakrate": _spec(0, 0), "limit": 10000,
                       "buffer": 0, "mtu": 0},
             "burst": 10240}})
    _new(k, "newqdisc", {"family": 0, "ifindex": v3, "handle": parse_handle("ffff:"),
                         "parent": parse_handle("ingress"), "info": 0}, {"kind": "ingress"})
    sel = {"flags": 1, "offshift": 0, "nkeys": 1, "offmask": 0, "off": 0, "offoff": 0, "hoff": 0,
           "hmask": 0, "keys": [{"mask": 0xFFFFFFFF, "val": 0x0A000002, "off": 16, "offmask": 0}]}
    mirred = {"index": 0, "capab": 0, "action": parse_verdict("stolen"), "refcnt": 0,
              "bindcnt": 0, "eaction": K.TCA_EGRESS_REDIR, "ifindex": v2}
    _new(k, "newtfilter", {"family": 0, "ifindex": v3, "handle": 0, "parent": parse_handle("ffff:"),
                           "info": filter_info(10, "ip")},
         {"kind": "u32", "options": {"sel": sel, "act": [
             {"kind": "mirred", "options": {"parms": mirred}}]}})
    # what tc sees
    q = {x["handle"]: x for x in tcj(ns, "qdisc", "show", "dev", "v2")}
    assert q["5:"]["kind"] == "htb" and q["5:"]["root"] is True
    assert q["5:"]["options"]["r2q"] == 10 and q["5:"]["options"]["default"] == "0x20"
    assert q["5:"]["options"]["direct_qlen"] == 100
    assert q["52:"]["kind"] == "tbf" and q["52:"]["parent"] == "5:20"
    assert q["52:"]["options"]["rate"] == 125000
    c = [x for x in tc_classes(ns, "v2") if x["handle"] == "5:20"][0]
    assert (c["kind"], c["parent"], c["leaf"], c["prio"]) == ("htb", "root", "52:", "3")
    assert (_rate_bits(c["rate"]), _rate_bits(c["ceil"])) == (1e6, 2e6)
    qi = tcj(ns, "qdisc", "show", "dev", "v3", "ingress")
    assert [(x["kind"], x["handle"], x["parent"]) for x in qi] == \
        [("ingress", "ffff:", "ffff:fff1")]
    f = [x for x in tcj(ns, "filter", "show", "dev", "v3", "ingress") if "options" in x
         and "match" in x["options"]][0]
    assert (f["protocol"], f["pref"], f["kind"]) == ("ip", 10, "u32")
    assert (f["options"]["match"]["value"], f["options"]["match"]["off"]) == ("a000002", 16)
    a = f["options"]["actions"][0]
    assert (a["kind"], a["mirred_action"], a["direction"], a["to_dev"]) == \
        ("mirred", "redirect", "egress", "v2")
    assert a["control_action"]["type"] == "stolen"
    # frames for 10.0.0.2 into v3's ingress are redirected to v2: counted by the filter
    send_frames(ns, "v2", 3, dst="10.0.0.2")
    ours = k.dump("gettfilter", {"family": 0, "ifindex": v3, "handle": 0,
                                 "parent": parse_handle("ffff:"), "info": 0})
    act = [m for m in ours if "sel" in (m.get("options") or {})][0]["options"]["act"][0]
    assert act["stats"]["basic"]["packets"] >= 3
    # and deleted by nlcodec
    assert k.do("delqdisc", {"family": 0, "ifindex": v2, "handle": h5,
                             "parent": parse_handle("root"), "info": 0}) == 0
    assert "htb" not in [x["kind"] for x in tcj(ns, "qdisc", "show", "dev", "v2")]
    assert k.do("delqdisc", {"family": 0, "ifindex": v2, "handle": h5,
                             "parent": parse_handle("root"), "info": 0}) < 0


# -- what tc itself sends and receives ---------------------------------------------------

STRACE_SYSCALL = re.compile(r"^\d+ +(sendto|sendmsg|recvmsg|recvfrom)\(")
STRACE_HEX = re.compile(r"^ \| [0-9a-f]{5}  ((?:[0-9a-f]{2} {1,2}){1,16})")


def traced(ns, *args):
    """Run ``tc -n ns args`` under strace; the netlink buffers it sent and got."""
    with tempfile.TemporaryDirectory() as d:
        log = os.path.join(d, "st")
        r = subprocess.run(["strace", "-f", "-qq", "-o", log, "-e",
                            "trace=sendto,sendmsg,recvmsg,recvfrom", "-e", "write=3,4,5",
                            "-e", "read=3,4,5", "tc", "-n", ns, *args],
                           capture_output=True, text=True)
        assert r.returncode == 0, r.stderr
        bufs, cur = [], None
        with open(log) as f:
            for line in f:
                if STRACE_SYSCALL.match(line):
                    cur = bytearray()
                    bufs.append((line.split()[1].split("(")[0], cur))
                    continue
                m = STRACE_HEX.match(line)
                if m and cur is not None:
                    cur += bytes.fromhex(m.group(1).replace(" ", ""))
    out = []
    for call, buf in bufs:
        off = 0
        while off + 16 <= len(buf):
            ln, ty = struct.unpack_from("<IH", buf, off)
            if ln < 16 or off + ln > len(buf):
                break
            out.append((call, ty, bytes(buf[off:off + ln])))
            off += (ln + 3) & ~3
    return out


TC_TYPES = set(range(36, 39)) | set(range(40, 43)) | set(range(44, 47)) | set(range(48, 51)) \
    | set(range(100, 103))


@live
@pytest.mark.skipif(shutil.which("strace") is None, reason="needs strace to see tc's messages")
def test_live_every_message_tc_sends_and_gets_reencodes(tcns):
    ns, _ = tcns
    cmds = [
        ("qdisc", "add", "dev", "v0", "ingress"),
        ("qdisc", "add", "dev", "v1", "root", "handle", "1:", "htb", "default", "10"),
        ("class", "add", "dev", "v1", "parent", "1:", "classid", "1:10", "htb", "rate", "10mbit",
         "ceil", "20mbit", "burst", "15k"),
        ("qdisc", "add", "dev", "v1", "parent", "1:10", "handle", "10:", "tbf", "rate", "1mbit",
         "burst", "10kb", "latency", "50ms"),
        ("qdisc", "add", "dev", "v2", "clsact"),
        ("qdisc", "add", "dev", "v3", "root", "bfifo", "limit", "10000"),
        ("filter", "add", "dev", "v0", "parent", "ffff:", "protocol", "ip", "prio", "10", "u32",
         "match", "ip", "dst", "10.0.0.1/32", "match", "ip", "dport", "80", "0xffff",
         "action", "mirred", "egress", "redirect", "dev", "v2"),
        ("filter", "add", "dev", "v2", "ingress", "prio", "3", "bpf", "bytecode",
         "2,40 0 0 12,6 0 0 0", "action", "mirred", "ingress", "mirror", "dev", "v3"),
        ("actions", "add", "action", "mirred", "egress", "mirror", "dev", "v1", "index", "9"),
        ("-s", "qdisc", "show"),
        ("-s", "class", "show", "dev", "v1"),
        ("-s", "filter", "show", "dev", "v0", "parent", "ffff:"),
        ("-s", "filter", "show", "dev", "v2", "ingress"),
        ("-s", "actions", "ls", "action", "mirred"),
        ("actions", "get", "action", "mirred", "index", "9"),
        ("chain", "add", "dev", "v0", "parent", "ffff:", "chain", "3"),
        ("chain", "show", "dev", "v0", "parent", "ffff:"),
        ("chain", "del", "dev", "v0", "parent", "ffff:", "chain", "3"),
        ("filter", "del", "dev", "v0", "parent", "ffff:", "prio", "10"),
        ("class", "del", "dev", "v1", "classid", "1:10"),
        ("qdisc", "del", "dev", "v1", "root"),
    ]
    seen = set()
    for cmd in cmds:
        for call, ty, raw in traced(ns, *cmd):
            if ty not in TC_TYPES:
                continue
            m = nlcodec.decode(raw)[0]
            assert m.family == "route" and m.type_id == ty
            assert m.encode() == raw, f"tc {' '.join(cmd)}: {m.type} ({call})"
            d = m.to_dict()
            assert nlcodec.encode("route", m.type, header=d["header"], attrs=d["attrs"],
                                  flags=m.flags, seq=m.seq, pid=m.pid) == raw
            seen.add((call.startswith("send"), m.type))
    sent = {t for out, t in seen if out}
    got = {t for out, t in seen if not out}
    assert {"newqdisc", "newtclass", "newtfilter", "newaction", "getqdisc", "gettclass",
            "gettfilter", "getaction", "deltfilter", "deltclass", "delqdisc", "newchain",
            "getchain", "delchain"} <= sent
    assert {"newqdisc", "newtclass", "newtfilter", "getaction", "newchain"} <= got


def test_verdicts_shown_as_tc_words():
    """The tree output names tc_gen.action, police and gact's random verdicts
    the way tc does; the decoded values (and JSON) stay numbers."""
    from nlcodec.show import format_message
    acts = [{"kind": "gact", "options": {"parms": {"index": 1, "capab": 0, "refcnt": 1,
                                                   "bindcnt": 1,
                                                   "action": K.TC_ACT_GOTO_CHAIN | 5}}},
            {"kind": "mirred", "options": {"parms": {
                "index": 2, "capab": 0, "refcnt": 1, "bindcnt": 1, "action": K.TC_ACT_STOLEN,
                "eaction": 1, "ifindex": 3}}}]
    raw = nlcodec.encode("route", "newtfilter", header=FILTER_HDR[1],
                         attrs={"kind": "matchall", "options": {"act": acts}})
    m = nlcodec.decode(raw)[0]
    assert m["options"]["act"][0]["options"]["parms"]["action"] == K.TC_ACT_GOTO_CHAIN | 5
    text = format_message(m)
    assert 'action="goto chain 5"' in text and "action=stolen" in text
