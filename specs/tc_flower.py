"""TC classifiers (linux/pkt_cls.h): flower with every key, u32, matchall,
bpf, basic, fw, route and cgroup.

Part of the "tc" family (``specs/tc.py`` builds the Family).  Flower key byte
orders are the kernel's: most keys are copied from the packet (network order),
but vlan ids, MPLS labels, ct_* and the hash are host order.
"""

from construct import Array, Int8ul, Int16sn, Int16ub, Int16un, Int32sn, Int32ub, Int32un, \
    Int64un, GreedyRange, Padding, Struct, this

from nlcodec.spec import Attr, AttrSet, Enum, Flags

from .tc_actions import bpf_ops

# -- flower -------------------------------------------------------------------


def _be16(id, name):
    return Attr(id, name, "u16", byte_order="big")


def _be32(id, name, display=None):
    return Attr(id, name, "u32", byte_order="big", display=display)


def _mac(id, name):
    return Attr(id, name, "binary", display="mac", min_len=6, max_len=6)


def _ip6(id, name):
    return Attr(id, name, "binary", display="ipv6", min_len=16, max_len=16)


flower_attrs = AttrSet("flower_attrs", [
    Attr(1, "classid", "u32", display="handle"),
    Attr(2, "indev", "string"),
    Attr(3, "act", "indexed-array", nested="act_attrs"),
    _mac(4, "key_eth_dst"),
    _mac(5, "key_eth_dst_mask"),
    _mac(6, "key_eth_src"),
    _mac(7, "key_eth_src_mask"),
    Attr(8, "key_eth_type", "u16", byte_order="big", display="ethertype"),
    Attr(9, "key_ip_proto", "u8"),
    _be32(10, "key_ipv4_src", "ipv4"),
    _be32(11, "key_ipv4_src_mask", "ipv4"),
    _be32(12, "key_ipv4_dst", "ipv4"),
    _be32(13, "key_ipv4_dst_mask", "ipv4"),
    _ip6(14, "key_ipv6_src"),
    _ip6(15, "key_ipv6_src_mask"),
    _ip6(16, "key_ipv6_dst"),
    _ip6(17, "key_ipv6_dst_mask"),
    _be16(18, "key_tcp_src"),
    _be16(19, "key_tcp_dst"),
    _be16(20, "key_udp_src"),
    _be16(21, "key_udp_dst"),
    Attr(22, "flags", "u32", enum="cls_flags"),
    Attr(23, "key_vlan_id", "u16"),               # host order (nla_get_u16)
    Attr(24, "key_vlan_prio", "u8"),
    Attr(25, "key_vlan_eth_type", "u16", byte_order="big", display="ethertype"),
    _be32(26, "key_enc_key_id"),
    _be32(27, "key_enc_ipv4_src", "ipv4"),
    _be32(28, "key_enc_ipv4_src_mask", "ipv4"),
    _be32(29, "key_enc_ipv4_dst", "ipv4"),
    _be32(30, "key_enc_ipv4_dst_mask", "ipv4"),
    _ip6(31, "key_enc_ipv6_src"),
    _ip6(32, "key_enc_ipv6_src_mask"),
    _ip6(33, "key_enc_ipv6_dst"),
    _ip6(34, "key_enc_ipv6_dst_mask"),
    _be16(35, "key_tcp_src_mask"),
    _be16(36, "key_tcp_dst_mask"),
    _be16(37, "key_udp_src_mask"),
    _be16(38, "key_udp_dst_mask"),
    _be16(39, "key_sctp_src_mask"),
    _be16(40, "key_sctp_dst_mask"),
    _be16(41, "key_sctp_src"),
    _be16(42, "key_sctp_dst"),
    _be16(43, "key_enc_udp_src_port"),
    _be16(44, "key_enc_udp_src_port_mask"),
    _be16(45, "key_enc_udp_dst_port"),
    _be16(46, "key_enc_udp_dst_port_mask"),
    Attr(47, "key_flags", "u32", byte_order="big", enum="flower_key_flags"),
    Attr(48, "key_flags_mask", "u32", byte_order="big", enum="flower_key_flags"),
    Attr(49, "key_icmpv4_code", "u8"),
    Attr(50, "key_icmpv4_code_mask", "u8"),
    Attr(51, "key_icmpv4_type", "u8"),
    Attr(52, "key_icmpv4_type_mask", "u8"),
    Attr(53, "key_icmpv6_code", "u8"),
    Attr(54, "key_icmpv6_code_mask", "u8"),
    Attr(55, "key_icmpv6_type", "u8"),
    Attr(56, "key_icmpv6_type_mask", "u8"),
    _be32(57, "key_arp_sip", "ipv4"),
    _be32(58, "key_arp_sip_mask", "ipv4"),
    _be32(59, "key_arp_tip", "ipv4"),
    _be32(60, "key_arp_tip_mask", "ipv4"),
    Attr(61, "key_arp_op", "u8"),
    Attr(62, "key_arp_op_mask", "u8"),
    _mac(63, "key_arp_sha"),
    _mac(64, "key_arp_sha_mask"),
    _mac(65, "key_arp_tha"),
    _mac(66, "key_arp_tha_mask"),
    Attr(67, "key_mpls_ttl", "u8"),
    Attr(68, "key_mpls_bos", "u8"),
    Attr(69, "key_mpls_tc", "u8"),
    Attr(70, "key_mpls_label", "u32"),            # host order (nla_get_u32)
    _be16(71, "key_tcp_flags"),
    _be16(72, "key_tcp_flags_mask"),
    Attr(73, "key_ip_tos", "u8"),
    Attr(74, "key_ip_tos_mask", "u8"),
    Attr(75, "key_ip_ttl", "u8"),
    Attr(76, "key_ip_ttl_mask", "u8"),
    Attr(77, "key_cvlan_id", "u16"),              # host order
    Attr(78, "key_cvlan_prio", "u8"),
    Attr(79, "key_cvlan_eth_type", "u16", byte_order="big", display="ethertype"),
    Attr(80, "key_enc_ip_tos", "u8"),
    Attr(81, "key_enc_ip_tos_mask", "u8"),
    Attr(82, "key_enc_ip_ttl", "u8"),
    Attr(83, "key_enc_ip_ttl_mask", "u8"),
    # NLA_F_NESTED on the option nests as tc sends them: the kernel parses the
    # vxlan, erspan and gtp options (and the MPLS LSEs) with nla_parse_nested(),
    # which refuses a nest without it (tc 6.1 leaves it off around geneve only)
    Attr(84, "key_enc_opts", "nest", nested="flower_key_enc_opts_attrs", nested_flag=True),
    Attr(85, "key_enc_opts_mask", "nest", nested="flower_key_enc_opts_attrs", nested_flag=True),
    Attr(86, "in_hw_count", "u32"),
    _be16(87, "key_port_src_min"),
    _be16(88, "key_port_src_max"),
    _be16(89, "key_port_dst_min"),
    _be16(90, "key_port_dst_max"),
    Attr(91, "key_ct_state", "u16", enum="flower_key_ct_flags"),
    Attr(92, "key_ct_state_mask", "u16", enum="flower_key_ct_flags"),
    Attr(93, "key_ct_zone", "u16"),
    Attr(94, "key_ct_zone_mask", "u16"),
    Attr(95, "key_ct_mark", "u32"),
    Attr(96, "key_ct_mark_mask", "u32"),
    Attr(97, "key_ct_labels", "binary", display="hex"),
    Attr(98, "key_ct_labels_mask", "binary", display="hex"),
    Attr(99, "key_mpls_opts", "nest", nested="flower_key_mpls_opts_attrs", nested_flag=True),
    Attr(100, "key_hash", "u32"),
    Attr(101, "key_hash_mask", "u32"),
    Attr(102, "key_num_of_vlans", "u8"),
    _be16(103, "key_pppoe_sid"),
    _be16(104, "key_ppp_proto"),
    _be32(105, "key_l2tpv3_sid"),
    # newer than the 6.1 headers
    Attr(106, "l2_miss", "u8"),
    Attr(107, "key_cfm", "nest", nested="flower_key_cfm_attrs"),
    _be32(108, "key_spi"),
    _be32(109, "key_spi_mask"),
    Attr(110, "key_enc_flags", "u32", byte_order="big", enum="flower_key_flags"),
    Attr(111, "key_enc_flags_mask", "u32", byte_order="big", enum="flower_key_flags"),
], prefix="TCA_FLOWER_", uapi_header="linux/pkt_cls.h",
    # an address given with a prefix or mask ("10.7.0.0/24", "01:00:5e:00:00:00/25",
    # "10.0.0.0/255.0.0.0") sets its _mask attribute too, as tc's dst_ip 10.7.0.0/24 does
    masks={k: k + "_mask" for k in (
        "key_eth_dst", "key_eth_src", "key_ipv4_src", "key_ipv4_dst", "key_ipv6_src",
        "key_ipv6_dst", "key_enc_ipv4_src", "key_enc_ipv4_dst", "key_enc_ipv6_src",
        "key_enc_ipv6_dst", "key_arp_sip", "key_arp_tip", "key_arp_sha", "key_arp_tha")})

flower_key_enc_opts_attrs = AttrSet("flower_key_enc_opts_attrs", [
    Attr(1, "geneve", "nest", nested="flower_key_enc_opt_geneve_attrs", multi=True),
    Attr(2, "vxlan", "nest", nested="flower_key_enc_opt_vxlan_attrs", nested_flag=True),
    Attr(3, "erspan", "nest", nested="flower_key_enc_opt_erspan_attrs", nested_flag=True),
    Attr(4, "gtp", "nest", nested="flower_key_enc_opt_gtp_attrs", nested_flag=True),
], prefix="TCA_FLOWER_KEY_ENC_OPTS_", uapi_header="linux/pkt_cls.h")

flower_key_enc_opt_geneve_attrs = AttrSet("flower_key_enc_opt_geneve_attrs", [
    Attr(1, "class", "u16", byte_order="big"),
    Attr(2, "type", "u8"),
    Attr(3, "data", "binary", display="hex"),
], prefix="TCA_FLOWER_KEY_ENC_OPT_GENEVE_", uapi_header="linux/pkt_cls.h")

flower_key_enc_opt_vxlan_attrs = AttrSet("flower_key_enc_opt_vxlan_attrs", [
    Attr(1, "gbp", "u32"),
], prefix="TCA_FLOWER_KEY_ENC_OPT_VXLAN_", uapi_header="linux/pkt_cls.h")

flower_key_enc_opt_erspan_attrs = AttrSet("flower_key_enc_opt_erspan_attrs", [
    Attr(1, "ver", "u8"),
    Attr(2, "index", "u32", byte_order="big"),
    Attr(3, "dir", "u8"),
    Attr(4, "hwid", "u8"),
], prefix="TCA_FLOWER_KEY_ENC_OPT_ERSPAN_", uapi_header="linux/pkt_cls.h")

flower_key_enc_opt_gtp_attrs = AttrSet("flower_key_enc_opt_gtp_attrs", [
    Attr(1, "pdu_type", "u8"),
    Attr(2, "qfi", "u8"),
], prefix="TCA_FLOWER_KEY_ENC_OPT_GTP_", uapi_header="linux/pkt_cls.h")

# TCA_FLOWER_KEY_MPLS_OPTS holds one TCA_FLOWER_KEY_MPLS_OPTS_LSE nest per label stack entry
flower_key_mpls_opts_attrs = AttrSet("flower_key_mpls_opts_attrs", [
    Attr(1, "lse", "nest", nested="flower_key_mpls_opt_attrs", multi=True, nested_flag=True),
], prefix="TCA_FLOWER_KEY_MPLS_OPTS_", uapi_header="linux/pkt_cls.h")

flower_key_mpls_opt_attrs = AttrSet("flower_key_mpls_opt_attrs", [
    Attr(1, "lse_depth", "u8"),
    Attr(2, "lse_ttl", "u8"),
    Attr(3, "lse_bos", "u8"),
    Attr(4, "lse_tc", "u8"),
    Attr(5, "lse_label", "u32"),
], prefix="TCA_FLOWER_KEY_MPLS_OPT_", uapi_header="linux/pkt_cls.h")

flower_key_cfm_attrs = AttrSet("flower_key_cfm_attrs", [
    Attr(1, "md_level", "u8"),
    Attr(2, "opcode", "u8"),
], prefix="TCA_FLOWER_KEY_CFM_", uapi_header="linux/pkt_cls.h")

cls_flags = Flags("cls_flags", {
    "skip_hw": 1, "skip_sw": 2, "in_hw": 4, "not_in_hw": 8, "verbose": 16,
}, prefix="TCA_CLS_FLAGS_", uapi_header="linux/pkt_cls.h")

# struct tc_u32_sel's flags (tc/f_u32.c: classid/action set terminal, offset plus N sets
# offset, offset at|mask|shift set varoffset, offset eat sets eat)
u32_sel_flags = Flags("u32_sel_flags", {
    "terminal": 1, "offset": 2, "varoffset": 4, "eat": 8,
}, prefix="TC_U32_", uapi_header="linux/pkt_cls.h")

flower_key_ct_flags = Flags("flower_key_ct_flags", {
    "new": 1, "established": 2, "related": 4, "tracked": 8, "invalid": 16, "reply": 32,
}, prefix="TCA_FLOWER_KEY_CT_FLAGS_", uapi_header="linux/pkt_cls.h")

flower_key_flags = Flags("flower_key_flags", {
    "is_fragment": 1, "frag_is_first": 2,
    # tunnel flags (key_enc_flags), newer than 6.1
    "tunnel_csum": 4, "tunnel_dont_fragment": 8, "tunnel_oam": 16, "tunnel_crit_opt": 32,
}, prefix="TCA_FLOWER_KEY_FLAGS_", uapi_header="linux/pkt_cls.h")

# -- u32 ------------------------------------------------------------------------

tc_u32_key = Struct("mask" / Int32ub, "val" / Int32ub, "off" / Int32sn, "offmask" / Int32sn)
tc_u32_sel = Struct(
    "flags" / Int8ul, "offshift" / Int8ul, "nkeys" / Int8ul, Padding(1),
    "offmask" / Int16ub, "off" / Int16un, "offoff" / Int16sn, "hoff" / Int16sn,
    "hmask" / Int32ub, "keys" / Array(this.nkeys, tc_u32_key))
tc_u32_mark = Struct("val" / Int32un, "mask" / Int32un, "success" / Int32un)
# rcnt, rhit, then one hit counter per key
tc_u32_pcnt = Struct("rcnt" / Int64un, "rhit" / Int64un, "kcnts" / GreedyRange(Int64un))

u32_attrs = AttrSet("u32_attrs", [
    Attr(1, "classid", "u32", display="handle"),
    Attr(2, "hash", "u32"),
    Attr(3, "link", "u32"),
    Attr(4, "divisor", "u32"),
    Attr(5, "sel", "binary", struct=tc_u32_sel),
    Attr(6, "police", "nest", nested="police_attrs"),
    Attr(7, "act", "indexed-array", nested="act_attrs"),
    Attr(8, "indev", "string"),
    Attr(9, "pcnt", "binary", struct=tc_u32_pcnt),
    Attr(10, "mark", "binary", struct=tc_u32_mark),
    Attr(11, "flags", "u32", enum="cls_flags"),
    Attr(12, "pad", "pad"),
], prefix="TCA_U32_", uapi_header="linux/pkt_cls.h")

# -- matchall, bpf, basic, fw, route, cgroup ---------------------------------------

matchall_attrs = AttrSet("matchall_attrs", [
    Attr(1, "classid", "u32", display="handle"),
    Attr(2, "act", "indexed-array", nested="act_attrs"),
    Attr(3, "flags", "u32", enum="cls_flags"),
    Attr(4, "pcnt", "binary", struct=Struct("rhit" / Int64un)),
    Attr(5, "pad", "pad"),
], prefix="TCA_MATCHALL_", uapi_header="linux/pkt_cls.h")

bpf_attrs = AttrSet("bpf_attrs", [
    Attr(1, "act", "indexed-array", nested="act_attrs"),
    Attr(2, "police", "nest", nested="police_attrs"),
    Attr(3, "classid", "u32", display="handle"),
    Attr(4, "ops_len", "u16"),
    Attr(5, "ops", "binary", struct=bpf_ops),
    Attr(6, "fd", "u32"),
    Attr(7, "name", "string"),
    Attr(8, "flags", "u32", doc="TCA_BPF_FLAG_ACT_DIRECT (1): direct action"),
    Attr(9, "flags_gen", "u32", enum="cls_flags"),
    Attr(10, "tag", "binary", display="hex"),
    Attr(11, "id", "u32"),
], prefix="TCA_BPF_", uapi_header="linux/pkt_cls.h")

ematch_attrs = AttrSet("ematch_attrs", [
    Attr(1, "hdr", "binary", struct=Struct("nmatches" / Int16un, "progid" / Int16un)),
    Attr(2, "list", "binary", doc="one attribute per match: tcf_ematch_hdr + data, kept raw"),
], prefix="TCA_EMATCH_TREE_", uapi_header="linux/pkt_cls.h")

basic_attrs = AttrSet("basic_attrs", [
    Attr(1, "classid", "u32", display="handle"),
    Attr(2, "ematches", "nest", nested="ematch_attrs"),
    Attr(3, "act", "indexed-array", nested="act_attrs"),
    Attr(4, "police", "nest", nested="police_attrs"),
    Attr(5, "pcnt", "binary", struct=Struct("rcnt" / Int64un, "rhit" / Int64un)),
    Attr(6, "pad", "pad"),
], prefix="TCA_BASIC_", uapi_header="linux/pkt_cls.h")

fw_attrs = AttrSet("fw_attrs", [
    Attr(1, "classid", "u32", display="handle"),
    Attr(2, "police", "nest", nested="police_attrs"),
    Attr(3, "indev", "string"),
    Attr(4, "act", "indexed-array", nested="act_attrs"),
    Attr(5, "mask", "u32"),
], prefix="TCA_FW_", uapi_header="linux/pkt_cls.h")

route_attrs = AttrSet("route_attrs", [
    Attr(1, "classid", "u32", display="handle"),
    Attr(2, "to", "u32"),
    Attr(3, "from", "u32"),
    Attr(4, "iif", "u32"),
    Attr(5, "police", "nest", nested="police_attrs"),
    Attr(6, "act", "indexed-array", nested="act_attrs"),
], prefix="TCA_ROUTE4_", uapi_header="linux/pkt_cls.h")

cgroup_attrs = AttrSet("cgroup_attrs", [
    Attr(1, "act", "indexed-array", nested="act_attrs"),
    Attr(2, "police", "nest", nested="police_attrs"),
    Attr(3, "ematches", "nest", nested="ematch_attrs"),
], prefix="TCA_CGROUP_", uapi_header="linux/pkt_cls.h")

# TCA_KIND of a filter -> its TCA_OPTIONS
FILTER_OPTIONS = {
    "flower": "flower_attrs", "u32": "u32_attrs", "matchall": "matchall_attrs",
    "bpf": "bpf_attrs", "basic": "basic_attrs", "fw": "fw_attrs", "route": "route_attrs",
    "cgroup": "cgroup_attrs",
}

ATTRSETS = [
    flower_attrs, flower_key_enc_opts_attrs, flower_key_enc_opt_geneve_attrs,
    flower_key_enc_opt_vxlan_attrs, flower_key_enc_opt_erspan_attrs,
    flower_key_enc_opt_gtp_attrs, flower_key_mpls_opts_attrs, flower_key_mpls_opt_attrs,
    flower_key_cfm_attrs, u32_attrs, matchall_attrs, bpf_attrs, ematch_attrs, basic_attrs,
    fw_attrs, route_attrs, cgroup_attrs,
]
# PPP protocols by iproute2's names (lib/ppp_proto.c ppp_proto_names, read with
# strcasecmp; flower's ppp_proto); vjc_comp/vjc_uncomp are not in the UAPI headers
ppp_protocols = Enum("ppp_protocols", {
    "ip": 0x21, "at": 0x29, "ipx": 0x2b, "mp": 0x3d, "ipv6": 0x57, "compfrag": 0xfb,
    "comp": 0xfd, "mpls_uc": 0x281, "mpls_mc": 0x283, "ipcp": 0x8021, "atcp": 0x8029,
    "ipxcp": 0x802b, "ipv6cp": 0x8057, "ccpfrag": 0x80fb, "ccp": 0x80fd, "mplscp": 0x80fd,
    "lcp": 0xc021, "pap": 0xc023, "lqr": 0xc025, "chap": 0xc223, "cbcp": 0xc029,
}, prefix="PPP_", uapi_header="linux/ppp_defs.h")

ENUMS = [cls_flags, u32_sel_flags, flower_key_ct_flags, flower_key_flags, ppp_protocols]
