"""OVS datapath families: keys, masks, actions (nested and in-kernel forms),
vports, meters, ct limits; and the ovs-dpctl text of flows.

Bytes are packed by hand from the struct layouts in linux/openvswitch.h
(and net/openvswitch/flow_netlink.c for the kernel-internal forms).  Expected
flow text comes from Open vSwitch's own test suite, tests/odp.at ("OVS
datapath wildcarded key parsing and formatting - valid forms" and "OVS
datapath actions parsing and formatting - valid forms"), which checks that
ovs-dpctl's formatter prints exactly those strings.
"""

import math
import struct

import pytest

import nlcodec
from nlcodec import ovs
from nlcodec.registry import compiled
from wire import be16, ip4, ip6, mac, nla, u32  # noqa: E402


FLOW = compiled("ovs_flow")


def dec(codec, setname, data, kernel=False, fam=FLOW):
    cs = fam.sets[setname]
    r = codec.decode_attrs(cs, data, 0, len(data), cs.name, kernel)
    return r if type(r) is dict else r.load()


def roundtrip(codec, setname, data, kernel=False, fam=FLOW):
    d = dec(codec, setname, data, kernel, fam)
    cs = fam.sets[setname]
    if kernel and cs.kernel_variant is not None:
        cs = cs.kernel_variant
    assert codec.encode_set(cs, d, cs.name) == data
    return d


# struct ovs_key_* packers (linux/openvswitch.h)
def k_eth(src, dst):
    return mac(src) + mac(dst)


def k_ipv4(src, dst, proto, tos, ttl, frag):
    return ip4(src) + ip4(dst) + bytes([proto, tos, ttl, frag])


def k_ipv6(src, dst, label, proto, tclass, hlimit, frag):
    return ip6(src) + ip6(dst) + struct.pack(">I", label) + bytes([proto, tclass, hlimit, frag])


def k_ports(src, dst):
    return struct.pack(">HH", src, dst)


def k_arp(sip, tip, op, sha, tha):
    return ip4(sip) + ip4(tip) + struct.pack(">H", op) + mac(sha) + mac(tha) + b"\0\0"


# -- keys and masks -------------------------------------------------------------------


def test_flow_key_structs(codec):
    key = (nla(20, u32(0)) + nla(3, u32(2))
           + nla(4, k_eth("00:01:02:03:04:05", "10:11:12:13:14:15"))
           + nla(6, be16(0x0800)) + nla(7, k_ipv4("10.0.0.1", "10.0.0.2", 6, 0, 64, 0))
           + nla(9, k_ports(80, 8080)) + nla(18, be16(0x012)))
    d = roundtrip(codec, "key_attrs", key)
    assert d["recirc_id"] == 0 and d["in_port"] == 2
    assert d["ethernet"] == {"src": "00:01:02:03:04:05", "dst": "10:11:12:13:14:15"}
    assert d["ethertype"] == 0x0800
    assert d["ipv4"] == {"src": "10.0.0.1", "dst": "10.0.0.2", "proto": 6, "tos": 0,
                         "ttl": 64, "frag": 0}
    assert d["tcp"] == {"src": 80, "dst": 8080}
    assert d["tcp_flags"] == 0x12


def test_ipv6_arp_nd_ct_keys(codec):
    key = (nla(8, k_ipv6("2001:db8::1", "2001:db8::2", 0x12345, 58, 0, 64, 0))
           + nla(12, bytes([135, 0]))
           + nla(14, ip6("2001:db8::3") + mac("00:05:06:07:08:09") + mac("00:0a:0b:0c:0d:0e"))
           + nla(13, k_arp("1.2.3.4", "5.6.7.8", 1, "00:0f:10:11:12:13", "00:14:15:16:17:18"))
           + nla(22, u32(0x21)) + nla(23, struct.pack("<H", 5)) + nla(24, u32(0x10))
           + nla(25, bytes(range(16)))
           + nla(26, ip4("10.0.0.1") + ip4("10.0.0.2") + k_ports(1, 2) + b"\x11\0\0\0")
           + nla(27, ip6("::1") + ip6("::2") + k_ports(3, 4) + b"\x06\0\0\0")
           + nla(21, struct.pack(">II", 100 << 12 | 3 << 9 | 64, 200 << 12 | 1 << 8 | 64))
           + nla(29, struct.pack(">I", 0x0800)) + nla(32, struct.pack("<H", 0x41)))
    d = roundtrip(codec, "key_attrs", key)
    assert d["ipv6"]["src"] == "2001:db8::1" and d["ipv6"]["label"] == 0x12345
    assert d["icmpv6"] == {"type": 135, "code": 0}
    assert d["nd"] == {"target": "2001:db8::3", "sll": "00:05:06:07:08:09",
                       "tll": "00:0a:0b:0c:0d:0e"}
    assert d["arp"] == {"sip": "1.2.3.4", "tip": "5.6.7.8", "op": 1,
                        "sha": "00:0f:10:11:12:13", "tha": "00:14:15:16:17:18"}
    assert d["ct_state"] == 0x21 and d["ct_zone"] == 5 and d["ct_mark"] == 0x10
    assert d["ct_labels"] == bytes(range(16)).hex()
    assert d["ct_orig_tuple_ipv4"] == {"ipv4_src": "10.0.0.1", "ipv4_dst": "10.0.0.2",
                                       "src_port": 1, "dst_port": 2, "ipv4_proto": 17}
    assert d["ct_orig_tuple_ipv6"]["dst_port"] == 4
    assert d["mpls"] == {"lse": [100 << 12 | 3 << 9 | 64, 200 << 12 | 1 << 8 | 64]}
    assert d["packet_type"] == 0x0800 and d["ipv6_exthdrs"] == {"hdrs": 0x41}


def test_tunnel_key_with_options(codec):
    geneve = struct.pack(">HBB", 0xffff, 0x80, 1) + b"\0\0\0\x0a"
    erspan = struct.pack("<i", 1) + struct.pack(">I", 7) + bytes(4)
    tun = (nla(0, struct.pack(">Q", 0xfedcba9876543210)) + nla(1, ip4("10.0.0.1"))
           + nla(2, ip4("10.0.0.2")) + nla(3, b"\x08") + nla(4, b"\x40") + nla(5) + nla(6)
           + nla(8, geneve) + nla(9, be16(1234)) + nla(10, be16(6081))
           + nla(11, nla(1, u32(0x0b000a))) + nla(12, ip6("fe80::1")) + nla(13, ip6("fe80::2"))
           + nla(15, erspan) + nla(16))
    d = roundtrip(codec, "key_attrs", nla(16 | 0x8000, tun))
    t = d["tunnel"]
    assert t["id"] == 0xfedcba9876543210
    assert t["ipv4_src"] == "10.0.0.1" and t["ipv4_dst"] == "10.0.0.2"
    assert t["tos"] == 8 and t["ttl"] == 64 and t["dont_fragment"] and t["csum"]
    assert t["geneve_opts"] == geneve.hex()
    assert t["tp_src"] == 1234 and t["tp_dst"] == 6081
    assert t["vxlan_opts"] == {"gbp": 0x0b000a}
    assert t["ipv6_src"] == "fe80::1" and t["erspan_opts"]["version"] == 1
    assert t["ipv4_info_bridge"] is True
    assert d["_flags"] == {"tunnel": 0x8000}


def test_encap_vlan_and_nsh(codec):
    inner = nla(6, be16(0x0800)) + nla(7, k_ipv4("1.1.1.1", "2.2.2.2", 17, 0, 1, 0))
    nsh = nla(1, bytes([0, 63, 1, 3]) + struct.pack(">I", 0x000101 << 8 | 255)) \
        + nla(2, struct.pack(">4I", 1, 2, 3, 4))
    key = nla(6, be16(0x8100)) + nla(5, be16(0x1000 | 99)) + nla(1, inner) + nla(28, nsh)
    d = roundtrip(codec, "key_attrs", key)
    assert d["vlan"] == 0x1000 | 99
    assert d["encap"]["ipv4"]["dst"] == "2.2.2.2"
    assert d["nsh"]["base"] == {"flags": 0, "ttl": 63, "mdtype": 1, "np": 3,
                                "path_hdr": 0x000101 << 8 | 255}
    assert d["nsh"]["md1"] == {"context": [1, 2, 3, 4]}


# -- actions ---------------------------------------------------------------------------


def test_nested_actions(codec):
    userspace = nla(2, nla(1, u32(4242)) + nla(2, b"\x01\x02\x03") + nla(3, u32(7)) + nla(4))
    sample = nla(6, nla(1, u32(0xffffffff)) + nla(2, userspace + nla(1, u32(3))))
    clone = nla(20, nla(4, struct.pack(">HH", 0x8100, 0x1000 | 12)) + nla(1, u32(2)))
    cpl = nla(21, nla(1, struct.pack("<H", 200)) + nla(2, nla(1, u32(4)))
              + nla(3, nla(1, u32(5))))
    ct = nla(12, nla(1) + nla(2, struct.pack("<H", 5)) + nla(3, struct.pack("<II", 1, 0xff))
             + nla(5, b"ftp\0") + nla(6, nla(1) + nla(3, ip4("10.0.0.240"))
                                        + nla(5, struct.pack("<H", 32768))
                                        + nla(6, struct.pack("<H", 65535)) + nla(9)))
    acts = (sample + clone + cpl + ct + nla(7, u32(5)) + nla(8, struct.pack("<II", 0, 7))
            + nla(9, struct.pack(">IH", 100 << 12 | 1 << 8 | 64, 0x8847) + b"\0\0")
            + nla(10, be16(0x0800)) + nla(13, u32(100)) + nla(14, k_eth("00:00:00:00:00:01",
                                                                       "00:00:00:00:00:02"))
            + nla(15) + nla(16) + nla(18) + nla(19, u32(9))
            + nla(22, struct.pack(">IH", 5 << 12, 0x8847) + struct.pack("<H", 1))
            + nla(23, nla(1, nla(1, u32(1)))) + nla(24, u32(0))
            + nla(25, nla(1, u32(10)) + nla(2, b"\xab\xcd")) + nla(5))
    d = roundtrip(codec, "action_attrs", acts)
    s = d["sample"]
    assert s["probability"] == 0xffffffff
    assert s["actions"]["userspace"] == {"pid": 4242, "userdata": "010203",
                                         "egress_tun_port": 7, "actions": True}
    assert s["actions"]["output"] == 3
    assert d["clone"] == {"push_vlan": {"tpid": 0x8100, "tci": 0x1000 | 12}, "output": 2}
    assert d["check_pkt_len"] == {"pkt_len": 200, "actions_if_greater": {"output": 4},
                                  "actions_if_less_equal": {"output": 5}}
    assert d["ct"]["zone"] == 5 and d["ct"]["mark"] == {"value": 1, "mask": 0xff}
    assert d["ct"]["helper"] == "ftp"
    assert d["ct"]["nat"] == {"src": True, "ip_min": "10.0.0.240", "proto_min": 32768,
                              "proto_max": 65535, "proto_random": True}
    assert d["recirc"] == 5 and d["hash"] == {"hash_alg": 0, "hash_basis": 7}
    assert d["push_mpls"] == {"lse": 100 << 12 | 1 << 8 | 64, "ethertype": 0x8847}
    assert d["pop_mpls"] == 0x0800 and d["trunc"] == {"max_len": 100}
    assert d["pop_eth"] and d["ct_clear"] and d["pop_nsh"] and d["pop_vlan"]
    assert d["add_mpls"] == {"lse": 5 << 12, "ethertype": 0x8847, "tun_flags": 1}
    assert d["dec_ttl"] == {"action": {"output": 1}}
    assert d["drop"] == 0 and d["meter"] == 9
    assert d["psample"] == {"group": 10, "cookie": "abcd"}


def test_set_and_set_masked(codec):
    ipv4 = k_ipv4("35.8.2.41", "0.0.0.0", 0, 0, 0, 0)
    mask = k_ipv4("255.255.255.0", "0.0.0.0", 0, 0, 0, 0)
    acts = (nla(3, nla(4, k_eth("00:01:02:03:04:05", "10:11:12:13:14:15")))
            + nla(11, nla(7, ipv4 + mask)) + nla(11, nla(15, u32(1) + u32(3))))
    d = dec(codec, "action_attrs", acts)
    assert d["set"] == {"ethernet": {"src": "00:01:02:03:04:05", "dst": "10:11:12:13:14:15"}}
    assert d["set_masked"][0]["ipv4"]["value"]["src"] == "35.8.2.41"
    assert d["set_masked"][0]["ipv4"]["mask"]["src"] == "255.255.255.0"
    assert d["set_masked"][1] == {"skb_mark": {"value": 1, "mask": 3}}
    assert codec.encode_set(FLOW.sets["action_attrs"], d, "action_attrs") == acts


def test_nesting_is_bounded(codec):
    data = nla(1, u32(1))
    for _ in range(40):
        data = nla(20, data)          # clone(clone(...))
    with pytest.raises(nlcodec.DecodeError):
        dec(codec, "action_attrs", data)


# -- kernel-internal forms (sw_flow_actions) ---------------------------------------------


def test_kernel_sample_arg_with_garbage_padding(codec):
    # validate_and_copy_sample(): OVS_SAMPLE_ATTR_ARG (type 4) holds struct sample_arg
    # {bool exec; u32 probability;}, copied with its 3 padding bytes from the stack
    arg = struct.pack("<HH", 12, 4) + b"\x01\xde\xad\xbe" + u32(0x80000000)
    inner = nla(4, struct.pack(">HH", 0x8100, 0x1000 | 5)) + nla(1, u32(3))
    acts = nla(6, arg + inner) + nla(1, u32(2))
    d = roundtrip(codec, "action_attrs", acts, kernel=True)
    assert d["sample"]["_header"] == {"nla_len": 12, "nla_type": 4, "exec": 1,
                                      "pad": "deadbe", "probability": 0x80000000}
    # type 4 after the arg is an action again (push_vlan), not the arg
    assert d["sample"]["push_vlan"] == {"tpid": 0x8100, "tci": 0x1000 | 5}
    assert d["sample"]["output"] == 3 and d["output"] == 2
    assert ovs.format_actions(acts, kernel=True) == \
        "sample(sample=50.0%,actions(push_vlan(vid=5,pcp=0),3)),2"


def test_kernel_clone_and_check_pkt_len(codec):
    # net/openvswitch/flow_netlink.c, validate_and_copy_clone(): OVS_CLONE_ATTR_EXEC
    # (include/linux/openvswitch.h: 0), a u32, then the actions inline
    clone = nla(20, nla(0, u32(1)) + nla(1, u32(7)))
    # validate_and_copy_check_pkt_len(): OVS_CHECK_PKT_LEN_ATTR_ARG (5: it follows
    # __OVS_CHECK_PKT_LEN_ATTR_MAX under #ifdef __KERNEL__; struct check_pkt_len_arg
    # {u16 pkt_len; bool exec_for_greater; bool exec_for_lesser_equal;}), then the
    # IF_LESS_EQUAL (3) nest, then the IF_GREATER (2) nest
    cpl = nla(21, nla(5, struct.pack("<HBB", 1500, 1, 0)) + nla(3, nla(1, u32(5)))
              + nla(2, nla(1, u32(4))))
    # SET_TO_MASKED (kernel: __OVS_ACTION_ATTR_MAX + 1 = 27) and ct's kernel struct
    stm = nla(27, nla(15, u32(9) + u32(0xffffffff)))
    ct = nla(12, bytes(range(8)))
    acts = clone + cpl + stm + ct
    d = roundtrip(codec, "action_attrs", acts, kernel=True)
    assert d["clone"] == {"exec": 1, "output": 7}
    assert d["check_pkt_len"] == {"arg": {"pkt_len": 1500, "exec_for_greater": 1,
                                          "exec_for_lesser_equal": 0},
                                  "actions_if_less_equal": {"output": 5},
                                  "actions_if_greater": {"output": 4}}
    assert d["set_to_masked"] == {"skb_mark": {"value": 9, "mask": 0xffffffff}}
    assert d["ct"] == "0001020304050607"
    assert ovs.format_actions(clone + cpl, kernel=True) == \
        "clone(7),check_pkt_len(size=1500,gt(4),le(5))"
    assert ovs.format_actions(d, kernel=True).startswith("clone(7),check_pkt_len(size=1500,")
    # the same bytes read as userspace forms: the arg is unknown, exec is unknown
    u = dec(codec, "action_attrs", clone + cpl)
    assert u["clone"] == {"0": "01000000", "output": 7}
    assert u["check_pkt_len"]["5"] == struct.pack("<HBB", 1500, 1, 0).hex()


def test_kernel_flag_reaches_nested_lists(codec):
    arg = struct.pack("<HH", 12, 4) + b"\0\0\0\0" + u32(1)
    flow = nla(2, nla(23, nla(1, nla(6, arg + nla(1, u32(1))))))
    d = roundtrip(codec, "flow_attrs", flow, kernel=True)
    assert d["actions"]["dec_ttl"]["action"]["sample"]["output"] == 1


# -- other families ----------------------------------------------------------------------


def test_vport_options_by_type(codec):
    vp = compiled("ovs_vport")
    opts = nla(1, struct.pack("<H", 4789)) + nla(2, nla(1))
    data = (nla(1, u32(3)) + nla(2, u32(4)) + nla(3, b"vxlan_sys_4789\0") + nla(4, opts)
            + nla(5, struct.pack("<3I", 11, 12, 13))
            + nla(6, struct.pack("<8Q", 1, 2, 3, 4, 5, 6, 7, 8))
            + nla(10, nla(0, struct.pack("<Q", 9)) + nla(1, struct.pack("<Q", 1))))
    d = roundtrip(codec, "vport_attrs", data, fam=vp)
    assert d["type"] == 4 and d["name"] == "vxlan_sys_4789"
    assert d["options"] == {"dst_port": 4789, "extension": {"gbp": True}}
    assert d["upcall_pid"] == {"pids": [11, 12, 13]}
    assert d["stats"]["tx_dropped"] == 8
    assert d["upcall_stats"] == {"success": 9, "fail": 1}
    internal = nla(2, u32(2)) + nla(4)
    assert roundtrip(codec, "vport_attrs", internal, fam=vp)["options"] is None


def test_datapath_meter_ct_limit(codec):
    dp = compiled("ovs_datapath")
    data = (nla(1, b"ovs-system\0") + nla(3, struct.pack("<4Q", 10, 2, 0, 3))
            + nla(4, struct.pack("<QIIQQ", 5, 1, 0, 4, 0)) + nla(5, u32(0xb))
            + nla(8, struct.pack("<2I", 100, 101)))
    d = roundtrip(codec, "datapath_attrs", data, fam=dp)
    assert d["stats"] == {"n_hit": 10, "n_missed": 2, "n_lost": 0, "n_flows": 3}
    assert d["megaflow_stats"]["n_masks"] == 1 and d["user_features"] == 0xb
    assert d["per_cpu_pids"] == {"pids": [100, 101]}

    me = compiled("ovs_meter")
    band = nla(1, u32(1)) + nla(2, u32(1000)) + nla(3, u32(100)) + nla(4, struct.pack("<QQ", 1, 64))
    data = nla(1, u32(7)) + nla(2) + nla(4, nla(0, band) + nla(0, band))
    d = roundtrip(codec, "meter_attrs", data, fam=me)
    assert d["bands"]["band"][1] == {"type": 1, "rate": 1000, "burst": 100,
                                     "stats": {"n_packets": 1, "n_bytes": 64}}

    ctl = compiled("ovs_ct_limit")
    data = nla(1, struct.pack("<iII", -1, 10, 0) + struct.pack("<iII", 5, 3, 2))
    d = roundtrip(codec, "ct_limit_attrs", data, fam=ctl)
    assert d["zone_limit"] == {"limits": [{"zone_id": -1, "limit": 10, "count": 0},
                                          {"zone_id": 5, "limit": 3, "count": 2}]}


def test_whole_flow_message_and_upcall(codec):
    ufid = bytes(range(16))
    attrs = (nla(1, nla(20, u32(0)) + nla(3, u32(1))) + nla(2, nla(1, u32(2)))
             + nla(9, ufid) + nla(3, struct.pack("<QQ", 3, 180)))
    body = struct.pack("<BBH", 1, 1, 0) + struct.pack("<i", 5) + attrs
    msg = struct.pack("<IHHII", 16 + len(body), 0x1d, 0, 7, 0) + body
    m, = nlcodec.decode(msg, "generic", families={0x1d: "ovs_flow"})
    assert m.family == "ovs_flow" and m.type == "new"
    assert m.header["dp_ifindex"] == 5
    assert m["ufid"] == "00010203-0405-0607-0809-0a0b0c0d0e0f"
    assert m["stats"] == {"n_packets": 3, "n_bytes": 180}
    assert m.encode() == msg
    # an upcall: OVS_PACKET_CMD_MISS carries the key (ovs_flow's key_attrs)
    pkt = nla(1, bytes(14)) + nla(2, nla(3, u32(1))) + nla(9, struct.pack("<H", 1500))
    body = struct.pack("<BBH", 1, 1, 0) + struct.pack("<i", 5) + pkt
    msg = struct.pack("<IHHII", 16 + len(body), 0x1e, 0, 0, 0) + body
    m, = nlcodec.decode(msg, "generic", families={0x1e: "ovs_packet"})
    assert m.type == "miss" and m["key"] == {"in_port": 1} and m["mru"] == 1500
    assert m.encode() == msg


# -- ovs-dpctl text --------------------------------------------------------------------------

# tests/odp.at, "OVS datapath wildcarded key parsing and formatting - valid forms"
ODP_WC_IPV4 = ("in_port(1),eth(src=00:01:02:03:04:05,dst=10:11:12:13:14:15),eth_type(0x0800),"
               "ipv4(src=35.8.2.41/255.255.255.0,dst=172.16.0.20/255.255.255.0,proto=5/0xf0,"
               "tos=0x80/0xf0,ttl=128/0xf0,frag=no)")
ODP_WC_TCP = ("in_port(1),eth(src=00:01:02:03:04:05,dst=10:11:12:13:14:15),eth_type(0x0800),"
              "ipv4(src=35.8.2.41,dst=172.16.0.20,proto=6,tos=0,ttl=128,frag=no),"
              "tcp(src=80/0xff00,dst=8080/0xff)")
ODP_WC_IPV6 = ("in_port(1),eth(src=00:01:02:03:04:05,dst=10:11:12:13:14:15),eth_type(0x86dd),"
               "ipv6(src=::1/::255,dst=::2/::255,label=0/0xf0,proto=10/0xf0,tclass=0x70/0xf0,"
               "hlimit=128/0xf0,frag=no)")
ODP_WC_ARP = ("in_port(1),eth(src=00:01:02:03:04:05,dst=10:11:12:13:14:15),eth_type(0x0806),"
              "arp(sip=1.2.3.4/255.255.255.250,tip=5.6.7.8/255.255.255.250,op=1/0xf0,"
              "sha=00:0f:10:11:12:13/ff:ff:ff:ff:ff:00,tha=00:14:15:16:17:18/ff:ff:ff:ff:ff:00)")
ODP_WC_PORT = ("in_port(1/0xff),eth(src=00:01:02:03:04:05/ff:ff:ff:ff:ff:f0,"
               "dst=10:11:12:13:14:15/ff:ff:ff:ff:ff:f0)")
ODP_WC_VLAN = ("in_port(1),eth(src=00:01:02:03:04:05,dst=10:11:12:13:14:15),eth_type(0x8100),"
               "vlan(vid=99,pcp=7),encap(eth_type(0x0800),ipv4(src=35.8.2.41,dst=172.16.0.20,"
               "proto=6,tos=0,ttl=128,frag=no),tcp(src=80/0xff00,dst=8080/0xff))")
ODP_WC_TUN = ("tunnel(tun_id=0x7f10354/0xff,src=10.10.10.10/255.255.255.0,"
              "dst=20.20.20.20/255.255.255.0,ttl=64,vxlan(gbp(id=10/0xff,flags=0xb)),"
              "flags(oam|csum|key))")
ODP_WC_TUN_FLAGS = ("tunnel(tun_id=0x7f10354/0xff,src=10.10.10.10/255.255.255.0,"
                    "dst=20.20.20.20/255.255.255.0,ttl=64,flags(-df+csum+key))")
ODP_WC_GENEVE = ("tunnel(tun_id=0x7f10354/0xff,src=10.10.10.10/255.255.255.0,"
                 "dst=20.20.20.20/255.255.255.0,ttl=64,geneve({class=0,type=0,len=4,0xa/0xff}"
                 "{class=0xffff,type=0x1,len=4,0xffffffff}),flags(csum|key))")
ODP_WC_CT = ("ct_state(+trk),ct_zone(0x5/0xff),ct_mark(0x10305070/0xf0f0f0f0),"
             "ct_label(0x1234567890abcdef1234567890abcdef/0x102030405060708090a0b0c0d0e0f0),"
             "ct_tuple4(src=10.10.10.10,dst=20.20.20.20,proto=17,tp_src=1,tp_dst=2)")

FF = b"\xff"


def _base(ethertype=None):
    """in_port(1),eth(...) as key and exact mask."""
    k = nla(3, u32(1)) + nla(4, k_eth("00:01:02:03:04:05", "10:11:12:13:14:15"))
    m = nla(3, FF * 4) + nla(4, FF * 12)
    if ethertype is not None:
        k += nla(6, be16(ethertype))
        m += nla(6, FF * 2)
    return k, m


def test_format_masked_keys_as_ovs_tests():
    k, m = _base(0x0800)
    k += nla(7, k_ipv4("35.8.2.41", "172.16.0.20", 5, 0x80, 128, 0))
    m += nla(7, ip4("255.255.255.0") * 2 + bytes([0xf0, 0xf0, 0xf0, 0xff]))
    assert ovs.format_key(k, m) == ODP_WC_IPV4

    k, m = _base(0x0800)
    k += nla(7, k_ipv4("35.8.2.41", "172.16.0.20", 6, 0, 128, 0)) + nla(9, k_ports(80, 8080))
    m += nla(7, FF * 12) + nla(9, struct.pack(">HH", 0xff00, 0xff))
    assert ovs.format_key(k, m) == ODP_WC_TCP

    k, m = _base(0x86dd)
    k += nla(8, k_ipv6("::1", "::2", 0, 10, 0x70, 128, 0))
    m += nla(8, ip6("::255") * 2 + struct.pack(">I", 0xf0) + bytes([0xf0, 0xf0, 0xf0, 0xff]))
    assert ovs.format_key(k, m) == ODP_WC_IPV6

    k, m = _base(0x0806)
    k += nla(13, k_arp("1.2.3.4", "5.6.7.8", 1, "00:0f:10:11:12:13", "00:14:15:16:17:18"))
    m += nla(13, ip4("255.255.255.250") * 2 + be16(0xf0) + mac("ff:ff:ff:ff:ff:00") * 2
             + b"\0\0")
    assert ovs.format_key(k, m) == ODP_WC_ARP

    k = nla(3, u32(1)) + nla(4, k_eth("00:01:02:03:04:05", "10:11:12:13:14:15"))
    m = nla(3, u32(0xff)) + nla(4, mac("ff:ff:ff:ff:ff:f0") * 2)
    assert ovs.format_key(k, m) == ODP_WC_PORT


def test_format_vlan_encap_key():
    k, m = _base(0x8100)
    inner = (nla(6, be16(0x0800)) + nla(7, k_ipv4("35.8.2.41", "172.16.0.20", 6, 0, 128, 0))
             + nla(9, k_ports(80, 8080)))
    inner_m = nla(6, FF * 2) + nla(7, FF * 12) + nla(9, struct.pack(">HH", 0xff00, 0xff))
    k += nla(5, be16(0x1000 | 7 << 13 | 99)) + nla(1, inner)
    m += nla(5, FF * 2) + nla(1, inner_m)
    assert ovs.format_key(k, m) == ODP_WC_VLAN


def _tun_base():
    k = nla(0, struct.pack(">Q", 0x7f10354)) + nla(1, ip4("10.10.10.10")) \
        + nla(2, ip4("20.20.20.20")) + nla(4, b"\x40")
    m = nla(0, struct.pack(">Q", 0xff)) + nla(1, ip4("255.255.255.0")) \
        + nla(2, ip4("255.255.255.0")) + nla(4, FF)
    return k, m


def test_format_tunnel_keys():
    k, m = _tun_base()
    k += nla(11, nla(1, u32(0x0b << 16 | 10))) + nla(6) + nla(7)
    m += nla(11, nla(1, u32(0xff << 16 | 0xff))) + nla(5) + nla(6) + nla(7)
    assert ovs.format_key(nla(16, k), nla(16, m)) == ODP_WC_TUN

    k, m = _tun_base()
    k += nla(6)
    m += nla(5) + nla(6)
    assert ovs.format_key(nla(16, k), nla(16, m)) == ODP_WC_TUN_FLAGS

    k, m = _tun_base()
    opts = struct.pack(">HBB", 0, 0, 1) + struct.pack(">I", 0xa) \
        + struct.pack(">HBB", 0xffff, 1, 1) + b"\xff" * 4
    opts_m = struct.pack(">HBB", 0xffff, 0xff, 0x1f) + struct.pack(">I", 0xff) \
        + struct.pack(">HBB", 0xffff, 0xff, 0x1f) + b"\xff" * 4
    k += nla(8, opts) + nla(6)
    m += nla(8, opts_m) + nla(5) + nla(6) + nla(7)
    assert ovs.format_key(nla(16, k), nla(16, m)) == ODP_WC_GENEVE


def test_format_ct_keys():
    labels = (0x1234567890abcdef1234567890abcdef).to_bytes(16, "little")
    labels_m = (0x102030405060708090a0b0c0d0e0f0).to_bytes(16, "little")
    k = (nla(22, u32(0x20)) + nla(23, struct.pack("<H", 5)) + nla(24, u32(0x10305070))
         + nla(25, labels)
         + nla(26, ip4("10.10.10.10") + ip4("20.20.20.20") + k_ports(1, 2) + b"\x11\0\0\0"))
    m = (nla(22, u32(0x20)) + nla(23, struct.pack("<H", 0xff)) + nla(24, u32(0xf0f0f0f0))
         + nla(25, labels_m) + nla(26, FF * 13 + b"\0\0\0"))
    assert ovs.format_key(k, m) == ODP_WC_CT


def test_format_wildcards_are_left_out():
    # wildcarded fields vanish, an all-wildcard eth still prints as eth(), and a
    # masked-out ethertype shows as eth_type(0/mask) (odp_flow_format)
    k = nla(20, u32(0)) + nla(3, u32(2)) + nla(4, bytes(12)) + nla(15, u32(0))
    m = nla(20, FF * 4) + nla(3, FF * 4) + nla(4, bytes(12)) + nla(15, bytes(4)) \
        + nla(6, be16(0xffff))
    assert ovs.format_key(k, m) == "recirc_id(0),in_port(2),eth(),eth_type(0/0xffff)"


# -- struct user_action_cookie (Open vSwitch lib/odp-util.h) ----------------------------
#
# The 48-byte cookie, laid out by hand from the C struct (ofp_port_t and odp_port_t are
# uint32_t in include/openvswitch/types.h; host order; natural alignment):
#   @0 u16 type | @2 2 pad | @4 u32 ofp_in_port | @8 struct uuid ofproto_uuid (16) | @24 union
#   sflow:       @24 be16 vlan_tci, @26 pad, @28 u32 output
#   slow_path:   @24 u16 unused, @26 pad, @28 u32 reason
#   flow_sample: @24 u16 probability, @26 pad, @28 u32 collector_set_id, @32 obs_domain_id,
#                @36 obs_point_id, @40 odp_port_t output_odp_port, @44 enum direction
#   ipfix:       @24 odp_port_t output_odp_port
#   controller:  @24 u8 dont_send, @25 u8 continuation, @26 u16 reason, @28 u32 recirc_id,
#                @32 ovs_32aligned_be64 rule_cookie (be32 high, be32 low), @40 u16
#                controller_id, @42 u16 max_len
# parse_odp_userspace_action() (lib/odp-util.c) memsets the cookie to 0 and sets
# ofp_in_port = OFPP_NONE (0xffff, include/openflow/openflow-1.0.h), uuid = UUID_ZERO.
# Written out in hex, not packed by a helper that could share a mistake with the code.
_HEAD = "{type:02x}000000" + "ffff0000" + "00" * 16
COOKIES = {   # the cookie strings are from tests/odp.at (actions ... valid forms)
    "sFlow(vid=9,pcp=7,output=10)":          # tci = pcp 7 << 13 | CFI 0x1000 | vid 9
        _HEAD.format(type=1) + "f009" "0000" "0a000000" + "00" * 16,
    "slow_path(cfm)": _HEAD.format(type=2) + "0000" "0000" "01000000" + "00" * 16,
    "slow_path(0)": _HEAD.format(type=2) + "00" * 24,
    "flow_sample(probability=123,collector_set_id=1234,obs_domain_id=2345,obs_point_id=3456,"
    "output_port=10)":
        _HEAD.format(type=3) + "7b00" "0000" "d2040000" "29090000" "800d0000" "0a000000"
        "00000000",
    "flow_sample(probability=123,collector_set_id=1234,obs_domain_id=2345,obs_point_id=3456,"
    "output_port=10,ingress)":               # NX_ACTION_SAMPLE_INGRESS = 1
        _HEAD.format(type=3) + "7b00" "0000" "d2040000" "29090000" "800d0000" "0a000000"
        "01000000",
    "flow_sample(probability=123,collector_set_id=1234,obs_domain_id=2345,obs_point_id=3456,"
    "output_port=10,egress)":                # NX_ACTION_SAMPLE_EGRESS = 2
        _HEAD.format(type=3) + "7b00" "0000" "d2040000" "29090000" "800d0000" "0a000000"
        "02000000",
    "ipfix(output_port=10)": _HEAD.format(type=4) + "0a000000" + "00" * 20,
    "controller(reason=1,dont_send=0,continuation=1,recirc_id=4444,rule_cookie=0x5555,"
    "controller_id=0,max_len=65535)":
        _HEAD.format(type=5) + "00" "01" "0100" "5c110000" "00000000" "00005555" "0000" "ffff"
        "00000000",
    "controller(reason=1,dont_send=1,continuation=0,recirc_id=4444,rule_cookie=0x5555,"
    "controller_id=0,max_len=65535)":
        _HEAD.format(type=5) + "01" "00" "0100" "5c110000" "00000000" "00005555" "0000" "ffff"
        "00000000",
}


def _cookie(text):
    return bytes.fromhex(COOKIES[text])


def test_cookie_vectors_are_48_bytes():
    assert {len(_cookie(t)) for t in COOKIES} == {48}


@pytest.mark.parametrize("text", COOKIES, ids=[t.split("(")[0] + str(i)
                                               for i, t in enumerate(COOKIES)])
def test_cookie_both_directions(text):
    data = _cookie(text)
    assert ovs.format_userdata(data) == "," + text
    act = "userspace(pid=6633,%s)" % text
    raw = nla(2, nla(1, u32(6633)) + nla(2, data))
    assert ovs.format_actions(raw) == act
    d = ovs.parse_flow(_line("in_port(1)", act))
    assert nlcodec.encode_attrs("ovs_flow", "action_attrs", d["actions"]) == raw


def test_cookie_fields_at_their_c_offsets():
    # a cookie as ovs-vswitchd builds it (ofp_in_port and uuid set): every member is read
    # from its own offset, none from the head
    c = bytearray(_cookie("sFlow(vid=9,pcp=7,output=10)"))
    c[4:8] = u32(72)                        # ofp_in_port
    c[8:24] = bytes(range(0xa0, 0xb0))      # ofproto_uuid
    assert ovs.format_userdata(bytes(c)) == ",sFlow(vid=9,pcp=7,output=10)"
    # the report of issue 14: a kernel dump of an sFlow sample, vid 0, pcp 0, output 72
    c = bytes.fromhex("0100" "0000" "01000000" + "11" * 16 + "0000" "0000" "48000000" + "00" * 16)
    assert ovs.format_userdata(c) == ",sFlow(vid=0,pcp=0,output=72)"
    # unknown cookie type and other lengths: OVS prints the bytes
    assert ovs.format_userdata(bytes(48)) == ",userdata(" + "00" * 48 + ")"
    assert ovs.format_userdata(bytes(47)) == ",userdata(" + "00" * 47 + ")"


ACTION_CASES = [
    ("1,2,3", nla(1, u32(1)) + nla(1, u32(2)) + nla(1, u32(3))),
    ("userspace(pid=6633,sFlow(vid=9,pcp=7,output=10),actions,tunnel_out_port=10)",
     nla(2, nla(1, u32(6633)) + nla(2, _cookie("sFlow(vid=9,pcp=7,output=10)"))
         + nla(3, u32(10)) + nla(4))),
    ("userspace(pid=9765,slow_path(cfm))",
     nla(2, nla(1, u32(9765)) + nla(2, _cookie("slow_path(cfm)")))),
    ("userspace(pid=1234567,userdata(0102030405060708090a0b0c0d0e0f),actions)",
     nla(2, nla(1, u32(1234567)) + nla(2, bytes(range(1, 16))) + nla(4))),
]
ACTION_CASES += [
    ("set(in_port(2))", nla(3, nla(3, u32(2)))),
    ("set(eth(src=00:01:02:03:04:05,dst=10:11:12:13:14:15))",
     nla(3, nla(4, k_eth("00:01:02:03:04:05", "10:11:12:13:14:15")))),
    ("set(eth_type(0x1234))", nla(3, nla(6, be16(0x1234)))),
    ("set(ipv4(src=35.8.2.41,dst=172.16.0.20,proto=5,tos=0x80,ttl=128,frag=no))",
     nla(3, nla(7, k_ipv4("35.8.2.41", "172.16.0.20", 5, 0x80, 128, 0)))),
    ("set(ipv4(src=35.8.2.41/255.255.255.0,tos=0x80,ttl=128,frag=no))",
     nla(11, nla(7, k_ipv4("35.8.2.41", "0.0.0.0", 0, 0x80, 128, 0)
                 + ip4("255.255.255.0") + bytes(5) + FF * 3))),
    ("set(ipv4(tos=0/0x3))", nla(11, nla(7, bytes(12) + bytes(9) + b"\x03\0\0"))),
    ("set(tcp(src=80/0xff00,dst=8080))",
     nla(11, nla(9, k_ports(80, 8080) + struct.pack(">HH", 0xff00, 0xffff)))),
    ("set(ipv6(label=0/0xfff,proto=10,tclass=0x70/0x70))",
     nla(11, nla(8, bytes(32) + struct.pack(">I", 0) + bytes([10, 0x70, 0, 0])
                 + bytes(32) + struct.pack(">I", 0xfff) + bytes([0xff, 0x70, 0, 0])))),
    ("push_vlan(vid=12,pcp=0)", nla(4, struct.pack(">HH", 0x8100, 0x1000 | 12))),
    ("push_vlan(tpid=0x9100,vid=13,pcp=5,cfi=0)",
     nla(4, struct.pack(">HH", 0x9100, 5 << 13 | 13))),
    ("pop_vlan", nla(5)),
    ("sample(sample=9.7%,actions(1,2,3,push_vlan(vid=1,pcp=2)))",
     # parse_odp_action(): probability = floor(UINT32_MAX * (percentage / 100.0) + .5)
     nla(6, nla(1, u32(math.floor(0xffffffff * (9.7 / 100.0) + .5)))
         + nla(2, nla(1, u32(1)) + nla(1, u32(2)) + nla(1, u32(3))
               + nla(4, struct.pack(">HH", 0x8100, 0x1000 | 2 << 13 | 1))))),
    ("set(tunnel(tun_id=0xabcdef1234567890,src=1.1.1.1,dst=2.2.2.2,ttl=64,flags(df|csum|key)))",
     nla(3, nla(16, nla(0, struct.pack(">Q", 0xabcdef1234567890)) + nla(1, ip4("1.1.1.1"))
                + nla(2, ip4("2.2.2.2")) + nla(4, b"\x40") + nla(5) + nla(6)))),
    ("set(tunnel(tun_id=0x1,dst=1.1.1.1,ttl=64,erspan(ver=2,dir=1,hwid=0x1),flags(df|key)))",
     # the attributes in the order of the text: SCAN_BEGIN_NESTED("tunnel(" in lib/odp-util.c
     # (ovs-dpctl sends df after erspan: tests/kernel/test_ovs_odp_corpus.py)
     nla(3, nla(16, nla(0, struct.pack(">Q", 1)) + nla(2, ip4("1.1.1.1")) + nla(4, b"\x40")
                + nla(15, struct.pack("<i", 2) + bytes(7) + bytes([1 << 3 | 1 << 4])) + nla(5)))),
    ("ct", nla(12)),
    ("ct(commit,zone=5)", nla(12, nla(1) + nla(2, struct.pack("<H", 5)))),
    ("ct(commit,mark=0xa0a0a0a0/0xfefefefe)",
     nla(12, nla(1) + nla(3, struct.pack("<II", 0xa0a0a0a0, 0xfefefefe)))),
    ("ct(commit,label=0x1234567890abcdef1234567890abcdef/0xf1f2f3f4f5f6f7f8f9f0fafbfcfdfeff)",
     nla(12, nla(1) + nla(4, (0x1234567890abcdef1234567890abcdef).to_bytes(16, "little")
                      + (0xf1f2f3f4f5f6f7f8f9f0fafbfcfdfeff).to_bytes(16, "little")))),
    ("ct(commit,helper=ftp,nat(src=10.1.1.240-10.1.1.255))",
     nla(12, nla(1) + nla(5, b"ftp\0") + nla(6, nla(1) + nla(3, ip4("10.1.1.240"))
                                               + nla(4, ip4("10.1.1.255"))))),
    ("ct(nat)", nla(12, nla(6))),
    ("ct(commit,nat(src=10.0.0.240:32768-65535,random))",
     nla(12, nla(1) + nla(6, nla(1) + nla(3, ip4("10.0.0.240"))
                          + nla(5, struct.pack("<H", 32768)) + nla(6, struct.pack("<H", 65535))
                          + nla(9)))),
    ("ct(force_commit,nat(dst=10.0.0.128-10.0.0.254,hash))",
     nla(12, nla(7) + nla(6, nla(2) + nla(3, ip4("10.0.0.128")) + nla(4, ip4("10.0.0.254"))
                          + nla(8)))),
    ("ct(commit,nat(src=[fe80::20c:29ff:fe88:1]-[fe80::20c:29ff:fe88:a18b]:255-4096,random))",
     nla(12, nla(1) + nla(6, nla(1) + nla(3, ip6("fe80::20c:29ff:fe88:1"))
                          + nla(4, ip6("fe80::20c:29ff:fe88:a18b"))
                          + nla(5, struct.pack("<H", 255)) + nla(6, struct.pack("<H", 4096))
                          + nla(9)))),
    ("ct_clear", nla(16)),
    ("trunc(100)", nla(13, u32(100))),
    ("clone(clone(push_vlan(vid=12,pcp=0),2),1)",
     nla(20, nla(20, nla(4, struct.pack(">HH", 0x8100, 0x1000 | 12)) + nla(1, u32(2)))
         + nla(1, u32(1)))),
    ("hash(l4(0))", nla(8, struct.pack("<II", 0, 0))),
    ("push_mpls(label=100,tc=3,ttl=64,bos=1,eth_type=0x8847)",
     nla(9, struct.pack(">IH", 100 << 12 | 3 << 9 | 1 << 8 | 64, 0x8847) + b"\0\0")),
]


@pytest.mark.parametrize("text, data", ACTION_CASES, ids=[t[:40] for t, _ in ACTION_CASES])
def test_format_actions_as_ovs_tests(codec, text, data):
    assert ovs.format_actions(data) == text
    # the decoded dict gives the same text (no interleaved repeats in these)
    d = dec(codec, "action_attrs", data)
    assert ovs.format_actions(d) == text
    assert codec.encode_set(FLOW.sets["action_attrs"], d, "action_attrs") == data


def test_format_flow_line():
    # lib/dpctl.c format_dpif_flow: key, ", ", stats, ", actions:"
    k, m = _base(0x0800)
    k = nla(20, u32(0)) + k + nla(7, k_ipv4("10.0.0.1", "10.0.0.2", 6, 0, 64, 0))
    m = nla(20, FF * 4) + m + nla(7, ip4("255.255.255.255") + bytes(4) + b"\xff\0\0\xff")
    flow = (nla(1, k) + nla(7, m) + nla(2, nla(1, u32(2)))
            + nla(3, struct.pack("<QQ", 10, 980)) + nla(4, b"\x12")
            + nla(5, struct.pack("<Q", 1000)))
    text = ovs.format_flow(flow, now_ms=3500)
    assert text == ("recirc_id(0),in_port(1),eth(src=00:01:02:03:04:05,dst=10:11:12:13:14:15),"
                    "eth_type(0x0800),ipv4(src=10.0.0.1,proto=6,frag=no), packets:10, "
                    "bytes:980, used:2.500s, flags:S., actions:2")
    d = dec(nlcodec.backends.active(), "flow_attrs", flow)
    assert ovs.format_flow(d, now_ms=3500) == text
    never = nla(1, nla(3, u32(1))) + nla(2, b"")
    assert ovs.format_flow(never) == "in_port(1), packets:0, bytes:0, used:never, actions:drop"


def test_ufid_text():
    # odp_format_ufid prints struct uuid's four host-order words
    ufid = struct.pack("<4I", 0x01234567, 0x89abcdef, 0x01020304, 0x05060708)
    assert ovs.ufid_text(ufid) == "ufid:01234567-89ab-cdef-0102-030405060708"


# -- parsing -------------------------------------------------------------------------------

def _line(key_text, actions_text="drop"):
    return key_text + ", packets:0, bytes:0, used:never, actions:" + actions_text


@pytest.mark.parametrize("text", [ODP_WC_IPV4, ODP_WC_TCP, ODP_WC_IPV6, ODP_WC_ARP, ODP_WC_PORT,
                                  ODP_WC_VLAN, ODP_WC_TUN, ODP_WC_TUN_FLAGS, ODP_WC_GENEVE,
                                  ODP_WC_CT])
def test_parse_then_format_keys(text):
    assert ovs.format_flow(ovs.parse_flow(_line(text))) == _line(text)


def test_parse_key_bytes_match_hand_built():
    k, m = _base(0x0800)
    k += nla(7, k_ipv4("35.8.2.41", "172.16.0.20", 5, 0x80, 128, 0))
    m += nla(7, ip4("255.255.255.0") * 2 + bytes([0xf0, 0xf0, 0xf0, 0xff]))
    d = ovs.parse_flow(_line(ODP_WC_IPV4))
    assert nlcodec.encode_attrs("ovs_flow", "key_attrs", d["key"]) == k
    assert nlcodec.encode_attrs("ovs_flow", "key_attrs", d["mask"]) == m


@pytest.mark.parametrize("text, data", ACTION_CASES, ids=[t[:40] for t, _ in ACTION_CASES])
def test_parse_actions_gives_ovs_bytes(text, data):
    # set_masked keeps the value's bits outside the mask, as ovs-dpctl sends them
    # (parse_odp_action() "set(" copies key and mask; the kernel tier checks the bytes)
    d = ovs.parse_flow(_line("in_port(1)", text))
    acts = d["actions"]
    raw = acts if isinstance(acts, bytes) else \
        nlcodec.encode_attrs("ovs_flow", "action_attrs", acts)
    assert raw == data
    assert ovs.format_flow(d) == _line("in_port(1)", text)


def test_parse_keeps_interleaved_action_order():
    text = "set(ipv4(ttl=63)),2,set(ipv4(ttl=62)),3"
    d = ovs.parse_flow(_line("in_port(1)", text))
    # the dict groups the repeats; _order keeps the wire order for re-encoding
    assert d["actions"]["_order"] == ["set_masked", "output", "set_masked", "output"]
    assert ovs.format_actions(d["actions"]) == text
    msg = nlcodec.encode("ovs_flow", "new", family_id=0x1d, header={"dp_ifindex": 3},
                         attrs=d)
    m, = nlcodec.decode(msg, "generic", families={0x1d: "ovs_flow"})
    assert m["actions"]["output"] == [2, 3]


def test_parse_flow_line_with_stats_and_ufid():
    line = ("ufid:01234567-89ab-cdef-0102-030405060708, recirc_id(0),in_port(1),"
            "eth(src=00:01:02:03:04:05,dst=10:11:12:13:14:15),eth_type(0x0800),"
            "ipv4(src=10.0.0.1,proto=6,frag=no), packets:10, bytes:980, used:never, "
            "flags:S., actions:userspace(pid=4242,sFlow(vid=9,pcp=7,output=10)),2")
    d = ovs.parse_flow(line)
    assert d["stats"] == {"n_packets": 10, "n_bytes": 980} and d["tcp_flags"] == 0x12
    assert ovs.format_flow(d, verbose=False) == line.split(", ", 1)[1]
    assert ovs.ufid_text(d["ufid"]) == "ufid:01234567-89ab-cdef-0102-030405060708"


def test_parse_kernel_selftest_forms():
    # tools/testing/selftests/net/openvswitch/openvswitch.sh adds these flows
    d = ovs.parse_flow("in_port(1),eth(),eth_type(0x0800),ipv4() actions:dec_ttl(le_1()),2")
    raw = nlcodec.encode_attrs("ovs_flow", "action_attrs", d["actions"])
    assert raw == nla(23, nla(1)) + nla(1, u32(2))
    assert ovs.format_actions(raw) == "dec_ttl(le_1(drop)),2"
    d = ovs.parse_flow("in_port(1),eth(),eth_type(0x0806),arp() actions:psample(group=1)")
    assert d["actions"] == {"psample": {"group": 1}}
    assert d["mask"]["ethernet"] == {"src": "00:00:00:00:00:00", "dst": "00:00:00:00:00:00"}
    assert ovs.format_key(nlcodec.encode_attrs("ovs_flow", "key_attrs", d["key"]),
                          nlcodec.encode_attrs("ovs_flow", "key_attrs", d["mask"])) == \
        "in_port(1),eth(),eth_type(0x0806)"


def test_parse_errors_are_value_errors():
    for bad in ("in_port(1) 2", "in_port(1), actions:frobnicate(3)", "nosuchkey(1), actions:2",
                "in_port(1, actions:2"):
        with pytest.raises(ValueError):
            ovs.parse_flow(bad)


def test_format_flow_from_a_decoded_message():
    key = nla(20, u32(0)) + nla(3, u32(2)) + nla(6, be16(0x0806))
    mask = nla(20, FF * 4) + nla(3, FF * 4) + nla(6, FF * 2)
    attrs = nla(1, key) + nla(7, mask) + nla(2, nla(1, u32(1)) + nla(1, u32(3)))
    body = struct.pack("<BBH", 1, 1, 0) + struct.pack("<i", 5) + attrs
    msg = struct.pack("<IHHII", 16 + len(body), 0x1d, 2, 1, 0) + body
    m, = nlcodec.decode(msg, "generic", families={0x1d: "ovs_flow"})
    assert ovs.format_flow(m) == ("recirc_id(0),in_port(2),eth_type(0x0806), packets:0, "
                                  "bytes:0, used:never, actions:1,3")


def test_format_errors_are_decode_errors_with_path_and_offset():
    cases = [
        (b"\xff\xff\xff", "action_attrs", 0),                       # not even a header
        (nla(1, u32(2))[:-1], "action_attrs", 0),                   # truncated
        (nla(1, u32(2)) + nla(4, b"\x81"), "action_attrs.push_vlan", 12),   # its payload
        (nla(2, nla(1, b"\x01")), "action_attrs.userspace.pid", 4),
    ]
    for data, path, off in cases:
        with pytest.raises(nlcodec.DecodeError) as e:
            ovs.format_actions(data)
        assert (e.value.path, e.value.offset) == (path, off), e.value
    with pytest.raises(nlcodec.DecodeError):
        ovs.format_key(nla(3, b"\x01"))
    # a kernel-form dump read as userspace forms: text or DecodeError, no other exception
    arg = struct.pack("<HH", 12, 4) + b"\x01\xde\xad\xbe" + u32(0x80000000)
    for acts in (nla(6, arg + nla(1, u32(3))), nla(21, nla(5, struct.pack("<HBB", 9, 0, 0)))):
        try:
            ovs.format_actions(acts)
        except nlcodec.DecodeError:
            pass


# -- what ovs-dpctl prints is read back (issue 14) -------------------------------------------

def test_unknown_keys_round_trip():
    # OVS prints an attribute it does not know as keyN(bytes/mask bytes) (format_generic)
    line = _line("in_port(1),key40(01 02 03 04/ff ff 00 00)", "2")
    d = ovs.parse_flow(line)
    raw = nlcodec.encode_attrs("ovs_flow", "key_attrs", d["key"])
    assert raw == nla(3, u32(1)) + nla(40, bytes([1, 2, 3, 4]))
    assert nlcodec.encode_attrs("ovs_flow", "key_attrs", d["mask"]) == \
        nla(3, FF * 4) + nla(40, b"\xff\xff\0\0")
    assert ovs.format_flow(d) == line
    # fully wildcarded: shown by -m only; read back the same
    line = _line("in_port(1),key32(00 00/00 00)", "2")
    d = ovs.parse_flow(line)
    assert ovs.format_flow(d, verbose=True).startswith("in_port(1),key32(00 00/00 00)")
    assert ovs.format_flow(ovs.parse_flow(ovs.format_flow(d, verbose=True)),
                           verbose=True) == ovs.format_flow(d, verbose=True)


def test_ufid_log_form():
    # ovs-vswitchd's "put[create] ufid:UUID KEY, actions:..." (a space after the ufid)
    d = ovs.parse_flow("put[create] ufid:01234567-89ab-cdef-0102-030405060708 "
                       "recirc_id(0x2),in_port(1), actions:2")
    assert ovs.ufid_text(d["ufid"]) == "ufid:01234567-89ab-cdef-0102-030405060708"
    assert d["key"]["recirc_id"] == 2 and d["key"]["in_port"] == 1
    d = ovs.parse_flow("ufid:01234567-89ab-cdef-0102-030405060708 recirc_id(0x2), actions:2")
    assert d["key"] == {"recirc_id": 2}


def test_ct_state_masks_and_names():
    def ct(text):
        d = ovs.parse_flow(_line("in_port(1),ct_state(%s)" % text))
        return d["key"]["ct_state"], d["mask"]["ct_state"]
    assert ct("0x21/0") == (0x21, 0)
    assert ct("0/0") == (0, 0)
    assert ct("+trk-new") == (0x20, 0x21)
    assert ct("trk|est") == (0x22, 0xffffffff)
    for bad in ("+trk/+trk", "+frob", "frob|trk"):
        with pytest.raises(ValueError) as e:
            ovs.parse_flow(_line("in_port(1),ct_state(%s)" % bad))
        assert "ct_state(%s)" % bad in str(e.value)


def test_port_names_both_directions():
    ports = {"enp4s0f0np0_1": 3, "enp4s0f0np0": 2}
    line = _line("in_port(enp4s0f0np0_1),eth_type(0x0800)",
                 "userspace(pid=7,ipfix(output_port=enp4s0f0np0),tunnel_out_port=enp4s0f0np0),"
                 "enp4s0f0np0,9")
    d = ovs.parse_flow(line, ports=ports)
    assert d["key"]["in_port"] == 3
    acts = nlcodec.encode_attrs("ovs_flow", "action_attrs", d["actions"])
    assert ovs.format_actions(acts) == \
        "userspace(pid=7,ipfix(output_port=2),tunnel_out_port=2),2,9"
    # a key attribute's text made without the map (format_key keeps texts) is
    # never the one shown with it, nor the reverse
    assert ovs.format_flow(d).startswith("in_port(3),eth_type(0x0800)")
    assert ovs.format_flow(d, ports=ports) == line
    assert ovs.format_flow(d).startswith("in_port(3),eth_type(0x0800)")
    with pytest.raises(ValueError, match="unknown port 'eth7'"):
        ovs.parse_flow(_line("in_port(eth7)"))


def test_used_time_round_trips():
    line = "in_port(1), packets:3, bytes:180, used:0.560s, actions:2"
    d = ovs.parse_flow(line, now_ms=100000)
    assert d["used"] == 100000 - 560
    assert ovs.format_flow(d, now_ms=100000) == line


def test_parse_errors_name_the_token():
    for bad, token in (("in_port(1),eth(src=zz:00:00:00:00:00), actions:2", "eth(src=zz"),
                       ("in_port(1), actions:push_vlan(vid=x)", "push_vlan(vid=x)"),
                       ("in_port(1), actions:userspace(pid=1,sFlow(vid=1))", "sFlow(vid=1)"),
                       ("in_port(1), used:soon, actions:2", "used:soon"),
                       ("in_port(1), actions:frobnicate(3)", "frobnicate(3)")):
        with pytest.raises(ValueError) as e:
            ovs.parse_flow(bad)
        assert token in str(e.value), e.value


# -- the CLI shows the ovs-dpctl text ----------------------------------------------------------

def _cli(*args):
    import subprocess
    import sys
    p = subprocess.run([sys.executable, "-m", "nlcodec", *args], capture_output=True, text=True,
                       timeout=120)
    assert p.returncode == 0, p.stderr
    return p.stdout


def test_cli_decode_shows_ovs_text(tmp_path):
    import json
    # a kernel-form sample action (flow_netlink.c validate_and_copy_sample(): the arg first)
    # with an sFlow cookie (lib/odp-util.h layout, see COOKIES), then output 3
    arg = struct.pack("<HH", 12, 4) + b"\x01\0\0\0" + u32(429496730)
    acts = nla(6, arg + nla(2, nla(1, u32(77)) + nla(2, _cookie("sFlow(vid=9,pcp=7,output=10)")))) \
        + nla(1, u32(3))
    text = "sample(sample=10.0%,actions(userspace(pid=77,sFlow(vid=9,pcp=7,output=10)))),3"
    f = tmp_path / "acts.hex"
    f.write_text(acts.hex())
    out = _cli("decode", "--family", "ovs_flow", "--attrs", "action_attrs", "--kernel", str(f))
    assert out.rstrip().endswith("ovs-dpctl: " + text)
    d = json.loads(_cli("decode", "--family", "ovs_flow", "--attrs", "action_attrs", "--kernel",
                        "--json", str(f)))
    assert d["_ovs_text"] == text
    # a whole OVS_FLOW_CMD_NEW message: the key (with its mask) and the actions
    k, m = nla(3, u32(1)) + nla(6, be16(0x0800)), nla(3, FF * 4) + nla(6, FF * 2)
    body = struct.pack("<BBH", 1, 1, 0) + struct.pack("<i", 5) \
        + nla(1, k) + nla(7, m) + nla(2, nla(1, u32(2)))
    msg = struct.pack("<IHHII", 16 + len(body), 0x1d, 2, 1, 0) + body
    f = tmp_path / "msg.bin"
    f.write_bytes(msg)
    args = ("decode", "--raw", "--protocol", "generic", "--genl-id", "29=ovs_flow", str(f))
    out = _cli(*args)
    assert "    ovs-dpctl: in_port(1),eth_type(0x0800)\n" in out and "    ovs-dpctl: 2\n" in out
    d = json.loads(_cli(*args, "--json"))
    assert d["ovs_text"] == {"key": "in_port(1),eth_type(0x0800)", "actions": "2"}


# -- OVS's own corpus (tests/data/ovs_odp_at_corpus.txt) ---------------------------------------

def _odp_corpus():
    import os
    path = os.path.join(os.path.dirname(__file__), "data", "ovs_odp_at_corpus.txt")
    out = []
    for line in open(path):
        if line.startswith("#") or not line.strip():
            continue
        kind, _, text = line.rstrip("\n").partition(": ")
        # tnl_push/tnl_pop/lb_output are OVS's userspace datapath's, not the kernel's
        if not text.startswith(("tnl_push(", "tnl_pop(", "lb_output(")):
            out.append((kind, text))
    return out


ODP_CORPUS = _odp_corpus()


@pytest.mark.parametrize("kind, text", ODP_CORPUS, ids=[t[:50] for _, t in ODP_CORPUS])
def test_odp_at_strings_print_back_unchanged(kind, text):
    # tests/odp.at ("OVS datapath wildcarded key parsing and formatting - valid forms",
    # "OVS datapath actions parsing and formatting - valid forms") expects `ovstest
    # test-odp parse-wc-keys` / `parse-actions` to print every string back unchanged:
    # odp_flow_from_string() then odp_flow_format(), odp_actions_from_string() then
    # format_odp_actions().  (The bytes are ovs-dpctl's: tests/kernel/test_ovs_odp_corpus.py.)
    if kind == "key":
        d = ovs.parse_flow(text + ", actions:1")
        assert ovs.format_key(d["key"], d["mask"]) == text
        k = nlcodec.encode_attrs("ovs_flow", "key_attrs", d["key"])
        m = nlcodec.encode_attrs("ovs_flow", "key_attrs", d["mask"])
        assert ovs.format_key(k, m) == text
    else:
        d = ovs.parse_flow("in_port(1), actions:" + text)
        assert ovs.format_actions(d["actions"]) == text
        assert ovs.format_actions(
            nlcodec.encode_attrs("ovs_flow", "action_attrs", d["actions"])) == text


def test_capture_json_shows_each_flow_its_own_text_when_flows_repeat(tmp_path):
    # A capture repeats flows (every dump shows them again), so ``nlcodec decode --json``
    # keeps the ovs-dpctl texts it already made.  Each message must still show its own:
    # the odp.at strings (expected printed back unchanged, as above), every flow three
    # times, interleaved, and the same key with other masks in between.
    import json
    from nlcodec.capture import CaptureDecoder
    from nlcodec.ovs import show as ovs_show
    from nlcodec.pcap import write_pcap
    from nlcodec.show import to_json
    cooked = struct.pack(">HHH8sH", 4, 824, 0, b"", 16)         # LINKTYPE_NETLINK, GENERIC
    fid = 0x1e
    ctrl = struct.pack("<BBH", 1, 2, 0) + nla(1, struct.pack("<H", fid)) + nla(2, b"ovs_flow\0")
    recs = [cooked + struct.pack("<IHHII", 16 + len(ctrl), 0x10, 0, 0, 0) + ctrl]
    want = []
    for kind, text in ODP_CORPUS[:40] + ODP_CORPUS[-40:]:
        line = text + ", actions:1" if kind == "key" else "in_port(1), actions:" + text
        d = ovs.parse_flow(line)
        attrs = {"key": d["key"], "mask": d["mask"], "actions": d["actions"]}
        recs.append(cooked + nlcodec.encode("ovs_flow", "new", header={"dp_ifindex": 1},
                                            attrs=attrs, family_id=fid))
        want.append(text if kind == "key" else ovs.format_key(d["key"], d["mask"]))
    recs = recs[:1] + recs[1:] * 3
    want = want * 3
    p = tmp_path / "flows.pcap"
    write_pcap(p, recs)
    ovs_show._memo.clear()
    got = [json.loads(to_json(m)).get("ovs_text") for m in CaptureDecoder().decode_pcap(p)][1:]
    assert [g["key"] for g in got] == want
    for (kind, text), g in zip(ODP_CORPUS[:40] + ODP_CORPUS[-40:], got):
        assert kind == "key" or g["actions"] == text
    assert 0 < len(ovs_show._memo) <= 2 * 80    # kept, once each (key and actions of 80)
    # a text made with port names is never the one kept for numbers, nor the reverse
    cs = compiled(nlcodec.family("ovs_flow")).set("action_attrs")
    acts = ovs.parse_flow("in_port(1), actions:2,9")["actions"]
    assert ovs_show.text(cs, acts) == "2,9"
    assert ovs.text.with_ports({"eth1": 2}, ovs_show.text, cs, acts) == "eth1,9"
    assert ovs_show.text(cs, acts) == "2,9"


# -- psample (OVS_ACTION_ATTR_PSAMPLE, Linux 6.11) -------------------------------------------

PSAMPLE_H = __import__("os").path.join(__import__("os").path.dirname(__file__), "data",
                                       "ovs_psample_actions.h")


def test_psample_strings_give_ovs_bytes():
    # odp.at's psample strings cannot go through the kernel tier: Debian 12's ovs-dpctl is
    # older than them and its 6.1 kernel has no OVS_ACTION_ATTR_PSAMPLE (the tier reads the
    # kernel's own enum: tests/kernel/test_ovs_kernel_forms.py).  The bytes come from OVS's
    # odp_put_psample_action() (lib/odp-util.c: a nest started with NLA_F_NESTED, the group
    # as u32, the cookie when given), the numbers from OVS's include/linux/openvswitch.h
    # (tests/data/ovs_psample_actions.h) compiled by gcc.
    from cprobe import c_values
    import shutil
    if shutil.which("gcc") is None:
        pytest.skip("needs gcc")
    v = c_values([PSAMPLE_H], ["OVS_ACTION_ATTR_PSAMPLE", "OVS_PSAMPLE_ATTR_GROUP",
                               "OVS_PSAMPLE_ATTR_COOKIE", "OVS_PSAMPLE_COOKIE_MAX_SIZE",
                               "OVS_ACTION_ATTR_SAMPLE", "OVS_ACTION_ATTR_USERSPACE"])
    k = c_values([PSAMPLE_H], ["OVS_ACTION_ATTR_SET_TO_MASKED"], defines=["__KERNEL__"])
    assert k["OVS_ACTION_ATTR_SET_TO_MASKED"] == \
        ovs.spec.cattr("action_attrs_kernel", "set_to_masked").id
    assert v["OVS_PSAMPLE_COOKIE_MAX_SIZE"] == ovs.spec.cattr("psample_attrs", "cookie").max_len

    def psample(group, cookie=b""):
        inner = nla(v["OVS_PSAMPLE_ATTR_GROUP"], u32(group))
        if cookie:
            inner += nla(v["OVS_PSAMPLE_ATTR_COOKIE"], cookie)
        return nla(v["OVS_ACTION_ATTR_PSAMPLE"] | 0x8000, inner)      # NLA_F_NESTED
    cookie16 = bytes.fromhex("f1020304050607080910111213141516")
    cases = {
        "psample(group=12,cookie=0xf1020304050607080910111213141516)": psample(12, cookie16),
        "psample(group=12)": psample(12),
    }
    for text, want in cases.items():
        acts = ovs.parse_flow("in_port(1), actions:" + text)["actions"]
        got = nlcodec.encode_attrs("ovs_flow", "action_attrs", acts)
        assert got == want, text
        assert ovs.format_actions(got) == text
        # the kernel dumps it without the flag (ovs_nla_put_actions() copies the type):
        # both read the same, and each re-encodes to its own bytes
        plain = nla(v["OVS_ACTION_ATTR_PSAMPLE"], want[4:])
        assert ovs.format_actions(plain) == text
        d = nlcodec.decode_attrs(plain, "ovs_flow", "action_attrs")
        assert nlcodec.encode_attrs("ovs_flow", "action_attrs", d) == plain
    # odp.at "OVS datapath actions parsing and formatting - invalid forms": all refused
    for bad in ("psample(group_id=12,cookie=0x0102030405060708090a0b0c0d0e0f0f0f)",
                "psample(cookie=0x010203)", "psample(group=12,cookie=0x010203,group=12)",
                "psample(group=abc)", "psample(group=12,cookie=wrong)", "psample()"):
        with pytest.raises(ValueError, match=r"psample\("):
            ovs.parse_flow("in_port(1), actions:" + bad)


@pytest.mark.parametrize("text", ["2001:db8:0:1:1:1:1:11", "ff:ff:ff:ff:ff:ff:ff:ff", "1:2:3:4:5:6:7:8",
                                  "2001:db8::1", "::ffff:1.2.3.4", "fe80::1:2:3:4:5:6"])
def test_raw_reads_ipv6_texts_as_addresses(text):
    # an address text without "::" (one zero group is written "0", RFC 5952) was read as
    # colon-separated hex: 7 bytes for the first one; expected: the stdlib's parser
    import ipaddress
    from nlcodec.ovs.text import raw
    assert raw(text) == ipaddress.ip_address(text).packed


def test_raw_reads_ethernet_addresses_and_hex():
    from nlcodec.ovs.text import raw
    assert raw("00:11:22:33:44:55") == bytes.fromhex("001122334455")
    assert raw("0a0b") == b"\x0a\x0b" and raw("10.0.0.1") == bytes([10, 0, 0, 1])
