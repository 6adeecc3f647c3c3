"""Open vSwitch datapath (linux/openvswitch.h): the ovs_datapath, ovs_vport,
ovs_flow, ovs_packet, ovs_meter and ovs_ct_limit generic netlink families.

Flow keys and masks share ``key_attrs`` (every OVS_KEY_ATTR_* with its struct
layout); set_masked carries value-then-mask pairs (``masked_key_attrs``).
Action lists nest recursively (sample, clone, check_pkt_len, dec_ttl); the
codec's depth limit bounds them.

``kernel=True`` decodes the kernel's internal action forms, as found in
memory dumps of ``struct sw_flow_actions`` (net/openvswitch/flow_netlink.c):

- sample: the first nested attribute is OVS_SAMPLE_ATTR_ARG (``struct
  sample_arg {bool exec; u32 probability;}``, copied from the stack with its
  padding bytes), followed by the actions inline.  The arg's type (4) clashes
  with OVS_ACTION_ATTR_PUSH_VLAN, so it is decoded positionally, as a fixed
  header that includes its own nlattr header;
- clone: OVS_CLONE_ATTR_EXEC (type 0, u32) followed by the actions inline;
- check_pkt_len: OVS_CHECK_PKT_LEN_ATTR_ARG (type 5, ``struct
  check_pkt_len_arg``), then the less-equal and greater branches
  (validate_and_copy_check_pkt_len());
- ct: ``struct ovs_conntrack_info`` (kernel pointers; kept as hex);
- set of a tunnel key: OVS_KEY_ATTR_TUNNEL_INFO (a pointer); other sets
  become OVS_ACTION_ATTR_SET_TO_MASKED (__OVS_ACTION_ATTR_MAX + 1: 27 since
  Linux 6.11 added psample; 26 on 6.4-6.10, 25 before).
"""

from construct import Array, Bytes, GreedyRange, Int8ul, Int16ub, Int16un, Int32sn, Int32ub, \
    Int32un, Int64ub, Int64un, Padding, Struct, Switch, this

from nlcodec.spec import Attr, AttrSet, Enum, Family, Flags, Msg

H = "linux/openvswitch.h"

ovs_header = Struct("dp_ifindex" / Int32sn)

# -- structs (linux/openvswitch.h) ---------------------------------------------

dp_stats = Struct("n_hit" / Int64un, "n_missed" / Int64un, "n_lost" / Int64un,
                  "n_flows" / Int64un)
megaflow_stats = Struct("n_mask_hit" / Int64un, "n_masks" / Int32un, "pad0" / Int32un,
                        "n_cache_hit" / Int64un, "pad1" / Int64un)
vport_stats = Struct("rx_packets" / Int64un, "tx_packets" / Int64un, "rx_bytes" / Int64un,
                     "tx_bytes" / Int64un, "rx_errors" / Int64un, "tx_errors" / Int64un,
                     "rx_dropped" / Int64un, "tx_dropped" / Int64un)
u32_array = Struct("pids" / GreedyRange(Int32un))
flow_stats = Struct("n_packets" / Int64un, "n_bytes" / Int64un)

key_ethernet = Struct("src" / Bytes(6) * "mac", "dst" / Bytes(6) * "mac")
key_mpls = Struct("lse" / GreedyRange(Int32ub))      # one or more label stack entries
key_ipv4 = Struct("src" / Bytes(4) * "ipv4", "dst" / Bytes(4) * "ipv4", "proto" / Int8ul,
                  "tos" / Int8ul, "ttl" / Int8ul, "frag" / Int8ul)
key_ipv6 = Struct("src" / Bytes(16) * "ipv6", "dst" / Bytes(16) * "ipv6", "label" / Int32ub,
                  "proto" / Int8ul, "tclass" / Int8ul, "hlimit" / Int8ul, "frag" / Int8ul)
key_ipv6_exthdrs = Struct("hdrs" / Int16un)
key_ports = Struct("src" / Int16ub, "dst" / Int16ub)           # tcp, udp, sctp
key_icmp = Struct("type" / Int8ul, "code" / Int8ul)            # icmp, icmpv6
key_arp = Struct("sip" / Bytes(4) * "ipv4", "tip" / Bytes(4) * "ipv4", "op" / Int16ub,
                 "sha" / Bytes(6) * "mac", "tha" / Bytes(6) * "mac", Padding(2))
key_nd = Struct("target" / Bytes(16) * "ipv6", "sll" / Bytes(6) * "mac",
                "tll" / Bytes(6) * "mac")
# OVS userspace only (never sent to the kernel): lib/packets.h ovs_key_nd_extensions
key_nd_extensions = Struct("reserved" / Int32ub, "options_type" / Int8ul, Padding(3))
ct_tuple_ipv4 = Struct("ipv4_src" / Bytes(4) * "ipv4", "ipv4_dst" / Bytes(4) * "ipv4",
                       "src_port" / Int16ub, "dst_port" / Int16ub, "ipv4_proto" / Int8ul,
                       Padding(3))
ct_tuple_ipv6 = Struct("ipv6_src" / Bytes(16) * "ipv6", "ipv6_dst" / Bytes(16) * "ipv6",
                       "src_port" / Int16ub, "dst_port" / Int16ub, "ipv6_proto" / Int8ul,
                       Padding(3))
nsh_key_base = Struct("flags" / Int8ul, "ttl" / Int8ul, "mdtype" / Int8ul, "np" / Int8ul,
                      "path_hdr" / Int32ub)
nsh_key_md1 = Struct("context" / Array(4, Int32ub))
# struct erspan_metadata (linux/erspan.h): int version; union {__be32 index; md2}
erspan_metadata = Struct("version" / Int32sn, "u" / Bytes(8) * "hex")

action_push_vlan = Struct("tpid" / Int16ub * "ethertype", "tci" / Int16ub)
action_hash = Struct("hash_alg" / Int32un, "hash_basis" / Int32un)
action_push_mpls = Struct("lse" / Int32ub, "ethertype" / Int16ub, Padding(2))
action_add_mpls = Struct("lse" / Int32ub, "ethertype" / Int16ub, "tun_flags" / Int16un)
action_trunc = Struct("max_len" / Int32un)
ct_mark = Struct("value" / Int32un, "mask" / Int32un)
ct_labels = Struct("value" / Bytes(16) * "hex", "mask" / Bytes(16) * "hex")
zone_limit = Struct("zone_id" / Int32sn, "limit" / Int32un, "count" / Int32un)
zone_limits = Struct("limits" / GreedyRange(zone_limit))

# kernel-internal: the whole OVS_SAMPLE_ATTR_ARG attribute (nlattr header
# included) that starts a sample action in sw_flow_actions; the three bytes
# after "exec" are struct padding copied from the kernel stack
sample_arg_nla = Struct("nla_len" / Int16un, "nla_type" / Int16un, "exec" / Int8ul,
                        "pad" / Bytes(3) * "hex", "probability" / Int32un * "probability")
check_pkt_len_arg = Struct("pkt_len" / Int16un, "exec_for_greater" / Int8ul,
                           "exec_for_lesser_equal" / Int8ul)

# Numbers of the kernel-internal attributes, which the installed (sanitized)
# UAPI header does not have: they live under #ifdef __KERNEL__ in the kernel's
# include/uapi/linux/openvswitch.h and in include/linux/openvswitch.h.
# (attribute set, attribute name) -> the kernel's name; tests compile the
# kernel's header with -D__KERNEL__ and compare.
KERNEL_INTERNAL = {
    ("check_pkt_len_attrs_kernel", "arg"): "OVS_CHECK_PKT_LEN_ATTR_ARG",
    ("clone_attrs_kernel", "exec"): "OVS_CLONE_ATTR_EXEC",
    ("action_attrs_kernel", "set_to_masked"): "OVS_ACTION_ATTR_SET_TO_MASKED",
}
# the sample arg is read positionally (sample_arg_nla): its nla_type is this
SAMPLE_ARG_TYPE = ("OVS_SAMPLE_ATTR_ARG", 4)

# -- OVS userspace's cookie (lib/odp-util.h, struct user_action_cookie) -------
#
# The userdata of a userspace action that ovs-vswitchd puts is this 48-byte
# struct in host order (ofp_port_t and odp_port_t are uint32_t,
# include/openvswitch/types.h); OVS decodes userdata as a cookie only when it
# is exactly 48 bytes long (format_odp_userspace_action()).  The union after
# the 24-byte head is selected by ``type``; the bytes of the union a kind does
# not use, and the padding, are kept (``pad``/``unused``) so decoding is
# lossless.

user_action_cookie_type = Enum("user_action_cookie_type", {
    "unspec": 0, "sflow": 1, "slow_path": 2, "flow_sample": 3, "ipfix": 4, "controller": 5,
}, prefix="USER_ACTION_COOKIE_")
# enum slow_path_reason (lib/odp-util.h, SLOW_PATH_REASONS)
slow_path_reason = Flags("slow_path_reason", {
    "cfm": 1, "bfd": 2, "lacp": 4, "stp": 8, "lldp": 16, "action": 32, "match": 64,
}, prefix="SLOW_")
# enum nx_action_sample_direction (include/openvswitch/ofp-actions.h)
sample_direction = Enum("sample_direction", {"default": 0, "ingress": 1, "egress": 2},
                        prefix="NX_ACTION_SAMPLE_")

cookie_sflow = Struct("vlan_tci" / Int16ub, "pad" / Bytes(2) * "hex", "output" / Int32un,
                      "unused" / Bytes(16) * "hex")
cookie_slow_path = Struct("unused" / Int16un, "pad" / Bytes(2) * "hex", "reason" / Int32un,
                          "tail" / Bytes(16) * "hex")
cookie_flow_sample = Struct("probability" / Int16un, "pad" / Bytes(2) * "hex",
                            "collector_set_id" / Int32un, "obs_domain_id" / Int32un,
                            "obs_point_id" / Int32un, "output_odp_port" / Int32un,
                            "direction" / Int32un)
cookie_ipfix = Struct("output_odp_port" / Int32un, "unused" / Bytes(20) * "hex")
# rule_cookie is an ovs_32aligned_be64 (two be32 halves, high first): a be64
cookie_controller = Struct("dont_send" / Int8ul, "continuation" / Int8ul, "reason" / Int16un,
                           "recirc_id" / Int32un, "rule_cookie" / Int64ub,
                           "controller_id" / Int16un, "max_len" / Int16un,
                           "unused" / Bytes(4) * "hex")
USER_ACTION_COOKIE_SIZE = 48
OFPP_NONE = 0xFFFF    # include/openflow/openflow-1.0.h: the ofp_in_port OVS's parser puts
user_action_cookie = Struct(
    "type" / Int16un,
    "pad" / Bytes(2) * "hex",
    "ofp_in_port" / Int32un,
    "ofproto_uuid" / Bytes(16) * "hex",
    "u" / Switch(this.type, {1: cookie_sflow, 2: cookie_slow_path, 3: cookie_flow_sample,
                             4: cookie_ipfix, 5: cookie_controller},
                 default=Bytes(24) * "hex"),
)

# struct geneve_opt (include/net/geneve.h): its 4-byte head; ``length`` holds
# the option's data length in 4-byte words in its low 5 bits (``BITS``)
geneve_opt = Struct("opt_class" / Int16ub, "type" / Int8ul, "length" / Int8ul)
# the union of struct erspan_metadata (include/net/erspan.h) by version
erspan_md1 = Struct("index" / Int32ub, "unused" / Bytes(4) * "hex")
erspan_md2 = Struct("timestamp" / Int32ub, "sgt" / Int16ub, "hwid_upper_ft_p" / Int8ul,
                    "o_gra_dir_hwid" / Int8ul)

# -- ovs-dpctl's notation (lib/odp-util.c): the display facts of nlcodec/ovs/ --
#
# Bit fields inside the header words the keys and actions carry:
# {word: {field: (shift, width)}}.
BITS = {
    # include/linux/if_vlan.h: VLAN_VID_MASK 0x0fff, VLAN_CFI_MASK 0x1000, VLAN_PRIO_SHIFT 13
    "vlan_tci": {"vid": (0, 12), "cfi": (12, 1), "pcp": (13, 3)},
    # lib/packets.h IPV6_LABEL_MASK 0x000fffff: the flow label in ovs_key_ipv6.ipv6_label
    "ipv6_label": {"label": (0, 20)},
    # lib/packets.h: MPLS_LABEL_SHIFT 12, MPLS_TC_SHIFT 9, MPLS_BOS_SHIFT 8, MPLS_TTL_MASK 0xff
    "mpls_lse": {"label": (12, 20), "tc": (9, 3), "bos": (8, 1), "ttl": (0, 8)},
    # include/openvswitch/packet.h: PACKET_TYPE(NS, NS_TYPE) = NS << 16 | NS_TYPE
    "packet_type": {"ns": (16, 16), "id": (0, 16)},
    # lib/odp-util.c vxlan_ext_to_attr(): (gbp_flags << 16) | gbp_id
    "vxlan_gbp": {"id": (0, 16), "flags": (16, 8)},
    # lib/packets.h: NSH_SPI_SHIFT 8, NSH_SI_MASK 0xff
    "nsh_path_hdr": {"spi": (8, 24), "si": (0, 8)},
    # struct geneve_opt: u8 length:5, r3:1, r2:1, r1:1 (little-endian bit fields)
    "geneve_length": {"length": (0, 5), "flags": (5, 3)},
    # struct erspan_md2 (little-endian bit fields): hwid_upper:2, ft:5, p:1 / o:1, gra:2,
    # dir:1, hwid:4; ovs-dpctl's hwid is hwid_upper << 4 | hwid
    "hwid_upper_ft_p": {"hwid_upper": (0, 2), "ft": (2, 5), "p": (7, 1)},
    "o_gra_dir_hwid": {"o": (0, 1), "gra": (1, 2), "dir": (3, 1), "hwid": (4, 4)},
}
# the names ovs-dpctl gives the key attributes (format_odp_key_attr__(), ovs_key_attr_to_string())
KEY_TEXT = {
    "encap": "encap", "priority": "skb_priority", "in_port": "in_port", "ethernet": "eth",
    "vlan": "vlan", "ethertype": "eth_type", "ipv4": "ipv4", "ipv6": "ipv6", "tcp": "tcp",
    "udp": "udp", "icmp": "icmp", "icmpv6": "icmpv6", "arp": "arp", "nd": "nd",
    "skb_mark": "skb_mark", "tunnel": "tunnel", "sctp": "sctp", "tcp_flags": "tcp_flags",
    "dp_hash": "dp_hash", "recirc_id": "recirc_id", "mpls": "mpls", "ct_state": "ct_state",
    "ct_zone": "ct_zone", "ct_mark": "ct_mark", "ct_labels": "ct_label",
    "ct_orig_tuple_ipv4": "ct_tuple4", "ct_orig_tuple_ipv6": "ct_tuple6", "nsh": "nsh",
    "packet_type": "packet_type", "nd_extensions": "nd_ext",
}
# the members of the struct keys as format_odp_key_attr__() prints them, in its
# order: (member, ovs-dpctl's name, notation); notations: dec (%u), hex (%#x),
# addr (an address), label (the IPv6 flow label: 20 bits), frag (frag_type by name),
# always_hex (printed whatever the mask)
KEY_FIELDS = {
    "ethernet": [("src", "src", "addr"), ("dst", "dst", "addr")],
    "ipv4": [("src", "src", "addr"), ("dst", "dst", "addr"), ("proto", "proto", "dec"),
             ("tos", "tos", "hex"), ("ttl", "ttl", "dec"), ("frag", "frag", "frag")],
    "ipv6": [("src", "src", "addr"), ("dst", "dst", "addr"), ("label", "label", "label"),
             ("proto", "proto", "dec"), ("tclass", "tclass", "hex"),
             ("hlimit", "hlimit", "dec"), ("frag", "frag", "frag")],
    "tcp": [("src", "src", "dec"), ("dst", "dst", "dec")],
    "udp": [("src", "src", "dec"), ("dst", "dst", "dec")],
    "sctp": [("src", "src", "dec"), ("dst", "dst", "dec")],
    "icmp": [("type", "type", "dec"), ("code", "code", "dec")],
    "icmpv6": [("type", "type", "dec"), ("code", "code", "dec")],
    "arp": [("sip", "sip", "addr"), ("tip", "tip", "addr"), ("op", "op", "dec"),
            ("sha", "sha", "addr"), ("tha", "tha", "addr")],
    "nd": [("target", "target", "addr"), ("sll", "sll", "addr"), ("tll", "tll", "addr")],
    "nd_extensions": [("reserved", "nd_reserved", "always_hex"),
                      ("options_type", "nd_options_type", "dec")],
    "ct_orig_tuple_ipv4": [("ipv4_src", "src", "addr"), ("ipv4_dst", "dst", "addr"),
                           ("ipv4_proto", "proto", "dec"), ("src_port", "tp_src", "dec"),
                           ("dst_port", "tp_dst", "dec")],
    "ct_orig_tuple_ipv6": [("ipv6_src", "src", "addr"), ("ipv6_dst", "dst", "addr"),
                           ("ipv6_proto", "proto", "dec"), ("src_port", "src_port", "dec"),
                           ("dst_port", "dst_port", "dec")],
}
# the tunnel key attributes format_odp_tun_attr() prints as name=value
TUNNEL_FIELDS = {
    "id": ("tun_id", "hex64"), "ipv4_src": ("src", "addr"), "ipv4_dst": ("dst", "addr"),
    "ipv6_src": ("ipv6_src", "addr"), "ipv6_dst": ("ipv6_dst", "addr"), "tos": ("tos", "hex"),
    "ttl": ("ttl", "dec"), "tp_src": ("tp_src", "dec"), "tp_dst": ("tp_dst", "dec"),
}
# FLOW_TNL_F_* (lib/packets.h) by bit, and the tunnel attribute that sets each
# (tun_key_to_attr(): a key "id" is FLOW_TNL_F_KEY)
TUNNEL_FLAGS = [(1, "oam", "oam"), (2, "df", "dont_fragment"), (4, "csum", "csum"),
                (8, "key", "id")]
# the order tun_flags_to_attr() (lib/odp-util.c) puts the flag attributes in
TUNNEL_FLAG_ATTR_ORDER = ("dont_fragment", "csum", "oam")
# ovs-dpctl's names of the ct_state bits (lib/odp-util.c ovs_key_attr... odp_ct_state_to_string())
CT_STATE_TEXT = {"new": "new", "established": "est", "related": "rel", "reply_dir": "rpl",
                 "invalid": "inv", "tracked": "trk", "src_nat": "snat", "dst_nat": "dnat"}
# TCP header flags (lib/packets.h TCP_FIN...; packet_tcp_flag_to_string()), 12 bits
TCP_FLAGS = {"fin": 0x001, "syn": 0x002, "rst": 0x004, "psh": 0x008, "ack": 0x010,
             "urg": 0x020, "ece": 0x040, "cwr": 0x080, "ns": 0x100, "[200]": 0x200,
             "[400]": 0x400, "[800]": 0x800}
TCP_FLAGS_MASK = 0x0FFF
# lib/packets.c packet_format_tcp_flags(): the dump's ``flags:`` letters, in print order
TCP_FLAG_CHARS = [("S", 0x002), ("F", 0x001), ("P", 0x008), ("R", 0x004), ("U", 0x020),
                  (".", 0x010), ("E", 0x040), ("C", 0x080), ("N", 0x100), ("[200]", 0x200),
                  ("[400]", 0x400), ("[800]", 0x800)]
# frag_type values as ovs-dpctl names them (ovs_frag_type_to_string())
FRAG_TEXT = {"none": "no", "first": "first", "later": "later"}
# struct uuid (include/openvswitch/uuid.h): a UFID as odp_format_ufid() reads it,
# four host-order words
ovs_uuid = Struct("parts" / Array(4, Int32un))
# lib/odp-util.c odp_put_userspace_action(): userdata is padded to at least
# this many bytes (old kernels wanted 8)
USERDATA_MIN = 8
# lib/dpctl.c: the TPID push_vlan leaves out
ETH_TYPE_VLAN = 0x8100

# -- flow keys ----------------------------------------------------------------

# (id, name, layout): a construct Struct, an int type ("u32", "be16"...),
# ("nest", set name) or ("binary", display, length)
_KEYS = [
    (1, "encap", ("nest", "key_attrs")),
    (2, "priority", "u32"),
    (3, "in_port", "u32"),
    (4, "ethernet", key_ethernet),
    (5, "vlan", "be16"),
    (6, "ethertype", "be16"),
    (7, "ipv4", key_ipv4),
    (8, "ipv6", key_ipv6),
    (9, "tcp", key_ports),
    (10, "udp", key_ports),
    (11, "icmp", key_icmp),
    (12, "icmpv6", key_icmp),
    (13, "arp", key_arp),
    (14, "nd", key_nd),
    (15, "skb_mark", "u32"),
    (16, "tunnel", ("nest", "tunnel_key_attrs")),
    (17, "sctp", key_ports),
    (18, "tcp_flags", "be16"),
    (19, "dp_hash", "u32"),
    (20, "recirc_id", "u32"),
    (21, "mpls", key_mpls),
    (22, "ct_state", "u32"),
    (23, "ct_zone", "u16"),
    (24, "ct_mark", "u32"),
    (25, "ct_labels", ("binary", "hex", 16)),
    (26, "ct_orig_tuple_ipv4", ct_tuple_ipv4),
    (27, "ct_orig_tuple_ipv6", ct_tuple_ipv6),
    (28, "nsh", ("nest", "ovs_nsh_key_attrs")),
    (29, "packet_type", "be32"),
    (30, "nd_extensions", key_nd_extensions),
    (31, "tunnel_info", ("binary", "hex", None)),   # in-kernel: a struct ovs_tunnel_info pointer
    (32, "ipv6_exthdrs", key_ipv6_exthdrs),
]

_INTS = {"u8": Int8ul, "u16": Int16un, "u32": Int32un, "be16": Int16ub, "be32": Int32ub}


def _key_attr(id, name, layout, masked):
    extra = {"enum": "ct_state_flags"} if name == "ct_state" else {}
    if isinstance(layout, tuple) and layout[0] == "nest":
        nested = layout[1]
        if masked and nested == "ovs_nsh_key_attrs":
            nested = "masked_nsh_key_attrs"
        return Attr(id, name, "nest", nested=nested)
    if isinstance(layout, tuple):               # binary
        _, display, n = layout
        if masked and n:
            return Attr(id, name, "binary", struct=Struct("value" / Bytes(n) * display,
                                                          "mask" / Bytes(n) * display))
        return Attr(id, name, "binary", display=display, min_len=n, max_len=n)
    if isinstance(layout, str):                 # integer
        if masked:
            c = _INTS[layout]
            return Attr(id, name, "binary", struct=Struct("value" / c, "mask" / c))
        big = layout.startswith("be")
        return Attr(id, name, "u" + layout[2:] if big else layout,
                    byte_order="big" if big else "host", **extra)
    if masked:
        if layout is key_mpls:            # set_masked rewrites the top label only
            layout = Struct("lse" / Int32ub)
        return Attr(id, name, "binary", struct=Struct("value" / layout, "mask" / layout))
    return Attr(id, name, "binary", struct=layout)


def _key_attrs(masked=False):
    return [_key_attr(i, n, lay, masked) for i, n, lay in _KEYS]


key_attrs = AttrSet("key_attrs", _key_attrs(), prefix="OVS_KEY_ATTR_", uapi_header=H)
# OVS_ACTION_ATTR_SET_MASKED: each key's value immediately followed by its mask
masked_key_attrs = AttrSet("masked_key_attrs", _key_attrs(masked=True),
                           prefix="OVS_KEY_ATTR_", uapi_header=H)

tunnel_key_attrs = AttrSet("tunnel_key_attrs", [
    Attr(0, "id", "u64", byte_order="big"),
    Attr(1, "ipv4_src", "u32", byte_order="big", display="ipv4"),
    Attr(2, "ipv4_dst", "u32", byte_order="big", display="ipv4"),
    Attr(3, "tos", "u8"),
    Attr(4, "ttl", "u8"),
    Attr(5, "dont_fragment", "flag"),
    Attr(6, "csum", "flag"),
    Attr(7, "oam", "flag"),
    Attr(8, "geneve_opts", "binary", display="hex"),   # struct geneve_opt..., variable
    Attr(9, "tp_src", "u16", byte_order="big"),
    Attr(10, "tp_dst", "u16", byte_order="big"),
    Attr(11, "vxlan_opts", "nest", nested="vxlan_ext_attrs"),
    Attr(12, "ipv6_src", "binary", display="ipv6", min_len=16, max_len=16),
    Attr(13, "ipv6_dst", "binary", display="ipv6", min_len=16, max_len=16),
    Attr(14, "pad", "pad"),
    Attr(15, "erspan_opts", "binary", struct=erspan_metadata),
    Attr(16, "ipv4_info_bridge", "flag"),
], prefix="OVS_TUNNEL_KEY_ATTR_", uapi_header=H)

vxlan_ext_attrs = AttrSet("vxlan_ext_attrs", [
    Attr(1, "gbp", "u32"),
], prefix="OVS_VXLAN_EXT_", uapi_header=H)

ovs_nsh_key_attrs = AttrSet("ovs_nsh_key_attrs", [
    Attr(1, "base", "binary", struct=nsh_key_base),
    Attr(2, "md1", "binary", struct=nsh_key_md1),
    Attr(3, "md2", "binary", display="hex"),
], prefix="OVS_NSH_KEY_ATTR_", uapi_header=H)

masked_nsh_key_attrs = AttrSet("masked_nsh_key_attrs", [
    Attr(1, "base", "binary", struct=Struct("value" / nsh_key_base, "mask" / nsh_key_base)),
    Attr(2, "md1", "binary", struct=Struct("value" / nsh_key_md1, "mask" / nsh_key_md1)),
    Attr(3, "md2", "binary", display="hex"),
], prefix="OVS_NSH_KEY_ATTR_", uapi_header=H)

# -- actions ------------------------------------------------------------------


def _actions(kernel=False, last="psample", sfx=""):
    """The OVS_ACTION_ATTR_* list; ``kernel`` gives the sw_flow_actions forms of
    a kernel whose newest action is ``last`` (sets named with suffix ``sfx``)."""
    k = "_kernel" + sfx if kernel else ""
    a = [
        Attr(1, "output", "u32"),
        Attr(2, "userspace", "nest", nested="userspace_attrs"),
        Attr(3, "set", "nest", nested="key_attrs"),
        Attr(4, "push_vlan", "binary", struct=action_push_vlan),
        Attr(5, "pop_vlan", "flag"),
        Attr(6, "sample", "nest", nested="action_attrs" + k, header=sample_arg_nla) if kernel
        else Attr(6, "sample", "nest", nested="sample_attrs"),
        Attr(7, "recirc", "u32"),
        Attr(8, "hash", "binary", struct=action_hash),
        Attr(9, "push_mpls", "binary", struct=action_push_mpls),
        Attr(10, "pop_mpls", "u16", byte_order="big"),
        Attr(11, "set_masked", "nest", nested="masked_key_attrs"),
        Attr(12, "ct", "binary", display="hex") if kernel
        else Attr(12, "ct", "nest", nested="ct_attrs"),
        Attr(13, "trunc", "binary", struct=action_trunc),
        Attr(14, "push_eth", "binary", struct=key_ethernet),
        Attr(15, "pop_eth", "flag"),
        Attr(16, "ct_clear", "flag"),
        Attr(17, "push_nsh", "nest", nested="ovs_nsh_key_attrs"),
        Attr(18, "pop_nsh", "flag"),
        Attr(19, "meter", "u32"),
        Attr(20, "clone", "nest", nested="clone_attrs" + k if kernel else "action_attrs"),
        Attr(21, "check_pkt_len", "nest", nested="check_pkt_len_attrs" + k),
        Attr(22, "add_mpls", "binary", struct=action_add_mpls),
        Attr(23, "dec_ttl", "nest", nested="dec_ttl_attrs" + k),
        Attr(24, "drop", "u32"),
        # OVS puts it with NLA_F_NESTED (odp_put_psample_action(): nl_msg_start_nested_with_flag)
        Attr(25, "psample", "nest", nested="psample_attrs", nested_flag=True),
    ]
    if kernel:
        a = a[:[x.name for x in a].index(last) + 1]
        # OVS_ACTION_ATTR_SET_TO_MASKED follows __OVS_ACTION_ATTR_MAX (the newest action + 1)
        a.append(Attr(a[-1].id + 2, "set_to_masked", "nest", nested="masked_key_attrs",
                      uapi=""))
    return a


# The kernel-internal action numbers depend on the kernel: SET_TO_MASKED is
# __OVS_ACTION_ATTR_MAX + 1 (include/uapi/linux/openvswitch.h, under __KERNEL__),
# and __OVS_ACTION_ATTR_MAX grows with each new action.  One family of sets per
# numbering: (suffix, the kernel's newest action, the first release with it).
# ``kernel=True`` means the newest; nlcodec.ovs picks one by release.
# The releases: torvalds/linux aae0b82b46cb "net: openvswitch: add psample action"
# (net-next, July 2024: the 6.11 merge window); e7bc7db9ba46 "net: openvswitch:
# add explicit drop action" (in the net-next pull Linus merged on 2023-08-29,
# bd6c11bc43c4: the 6.6 merge window).
KERNEL_FORMS = [
    ("", "psample", (6, 11)),        # OVS_ACTION_ATTR_PSAMPLE: SET_TO_MASKED 27
    ("_drop", "drop", (6, 6)),       # OVS_ACTION_ATTR_DROP: 26
    ("_dec_ttl", "dec_ttl", (0, 0)),  # DEC_TTL the newest (Debian 12's 6.1): 25
]


def _kernel_sets(sfx, last):
    k = "_kernel" + sfx
    acts = _actions(kernel=True, last=last, sfx=sfx)
    return [
        AttrSet("action_attrs" + k, acts, prefix="OVS_ACTION_ATTR_", uapi_header=H),
        # kernel clone: OVS_CLONE_ATTR_EXEC (u32, type 0) then the actions inline
        AttrSet("clone_attrs" + k, [Attr(0, "exec", "u32", uapi="")]
                + _actions(kernel=True, last=last, sfx=sfx),
                prefix="OVS_ACTION_ATTR_", uapi_header=H),
        AttrSet("check_pkt_len_attrs" + k, [
            Attr(1, "pkt_len", "u16"),
            Attr(2, "actions_if_greater", "nest", nested="action_attrs" + k),
            Attr(3, "actions_if_less_equal", "nest", nested="action_attrs" + k),
            # OVS_CHECK_PKT_LEN_ATTR_ARG follows __OVS_CHECK_PKT_LEN_ATTR_MAX (4)
            Attr(5, "arg", "binary", struct=check_pkt_len_arg, uapi=""),
        ], prefix="OVS_CHECK_PKT_LEN_ATTR_", uapi_header=H),
        AttrSet("dec_ttl_attrs" + k, [
            Attr(1, "action", "nest", nested="action_attrs" + k),
        ], prefix="OVS_DEC_TTL_ATTR_", uapi_header=H),
    ]


action_attrs = AttrSet("action_attrs", _actions(), prefix="OVS_ACTION_ATTR_", uapi_header=H,
                       kernel_variant="action_attrs_kernel")
KERNEL_SETS = [st for sfx, last, _ in KERNEL_FORMS for st in _kernel_sets(sfx, last)]
action_attrs_kernel, clone_attrs_kernel, check_pkt_len_attrs_kernel, dec_ttl_attrs_kernel = \
    KERNEL_SETS[:4]

sample_attrs = AttrSet("sample_attrs", [
    Attr(1, "probability", "u32", display="probability"),
    Attr(2, "actions", "nest", nested="action_attrs"),
], prefix="OVS_SAMPLE_ATTR_", uapi_header=H)

userspace_attrs = AttrSet("userspace_attrs", [
    Attr(1, "pid", "u32"),
    Attr(2, "userdata", "binary", display="hex"),
    Attr(3, "egress_tun_port", "u32"),
    Attr(4, "actions", "flag"),
], prefix="OVS_USERSPACE_ATTR_", uapi_header=H)

check_pkt_len_attrs = AttrSet("check_pkt_len_attrs", [
    Attr(1, "pkt_len", "u16"),
    Attr(2, "actions_if_greater", "nest", nested="action_attrs"),
    Attr(3, "actions_if_less_equal", "nest", nested="action_attrs"),
], prefix="OVS_CHECK_PKT_LEN_ATTR_", uapi_header=H,
    kernel_variant="check_pkt_len_attrs_kernel")

ct_attrs = AttrSet("ct_attrs", [
    Attr(1, "commit", "flag"),
    Attr(2, "zone", "u16"),
    Attr(3, "mark", "binary", struct=ct_mark),
    Attr(4, "labels", "binary", struct=ct_labels),
    Attr(5, "helper", "string"),
    Attr(6, "nat", "nest", nested="nat_attrs"),
    Attr(7, "force_commit", "flag"),
    Attr(8, "eventmask", "u32"),
    Attr(9, "timeout", "string"),
], prefix="OVS_CT_ATTR_", uapi_header=H)

nat_attrs = AttrSet("nat_attrs", [
    Attr(1, "src", "flag"),
    Attr(2, "dst", "flag"),
    Attr(3, "ip_min", "binary", display="ip"),
    Attr(4, "ip_max", "binary", display="ip"),
    Attr(5, "proto_min", "u16"),
    Attr(6, "proto_max", "u16"),
    Attr(7, "persistent", "flag"),
    Attr(8, "proto_hash", "flag"),
    Attr(9, "proto_random", "flag"),
], prefix="OVS_NAT_ATTR_", uapi_header=H)

dec_ttl_attrs = AttrSet("dec_ttl_attrs", [
    Attr(1, "action", "nest", nested="action_attrs"),
], prefix="OVS_DEC_TTL_ATTR_", uapi_header=H, kernel_variant="dec_ttl_attrs_kernel")
psample_attrs = AttrSet("psample_attrs", [
    Attr(1, "group", "u32"),
    Attr(2, "cookie", "binary", display="hex", max_len=16),
], prefix="OVS_PSAMPLE_ATTR_", uapi_header=H)

def _flow_attrs(kernel=False):
    return [
        Attr(1, "key", "nest", nested="key_attrs"),
        Attr(2, "actions", "nest", nested="action_attrs_kernel" if kernel else "action_attrs"),
        Attr(3, "stats", "binary", struct=flow_stats),
        Attr(4, "tcp_flags", "u8"),
        Attr(5, "used", "u64"),
        Attr(6, "clear", "flag"),
        Attr(7, "mask", "nest", nested="key_attrs"),
        Attr(8, "probe", "flag"),
        Attr(9, "ufid", "binary", display="uuid"),
        Attr(10, "ufid_flags", "u32", enum="ufid_flags"),
        Attr(11, "pad", "pad"),
    ]


flow_attrs = AttrSet("flow_attrs", _flow_attrs(), prefix="OVS_FLOW_ATTR_", uapi_header=H,
                     kernel_variant="flow_attrs_kernel")
# a flow whose actions are a sw_flow_actions dump (encode with this set to get them back)
flow_attrs_kernel = AttrSet("flow_attrs_kernel", _flow_attrs(kernel=True),
                            prefix="OVS_FLOW_ATTR_", uapi_header=H)

ct_state_flags = Flags("ct_state_flags", {
    "new": 0x01, "established": 0x02, "related": 0x04, "reply_dir": 0x08, "invalid": 0x10,
    "tracked": 0x20, "src_nat": 0x40, "dst_nat": 0x80,
}, prefix="OVS_CS_F_", uapi_header=H)
ufid_flags = Flags("ufid_flags", {"omit_key": 1, "omit_mask": 2, "omit_actions": 4},
                   prefix="OVS_UFID_F_", uapi_header=H)
frag_type = Enum("frag_type", {"none": 0, "first": 1, "later": 2},
                 prefix="OVS_FRAG_TYPE_", uapi_header=H)
hash_alg = Enum("hash_alg", {"l4": 0, "sym_l4": 1}, prefix="OVS_HASH_ALG_", uapi_header=H)

# -- datapath, vport, packet, meter, ct limit ---------------------------------

datapath_attrs = AttrSet("datapath_attrs", [
    Attr(1, "name", "string"),
    Attr(2, "upcall_pid", "u32"),
    Attr(3, "stats", "binary", struct=dp_stats),
    Attr(4, "megaflow_stats", "binary", struct=megaflow_stats),
    Attr(5, "user_features", "u32", enum="user_features"),
    Attr(6, "pad", "pad"),
    Attr(7, "masks_cache_size", "u32"),
    Attr(8, "per_cpu_pids", "binary", struct=u32_array),
    Attr(9, "ifindex", "u32"),
], prefix="OVS_DP_ATTR_", uapi_header=H)

user_features = Flags("user_features", {
    "unaligned": 1, "vport_pids": 2, "tc_recirc_sharing": 4, "dispatch_upcall_per_cpu": 8,
}, prefix="OVS_DP_F_", uapi_header=H)

vport_attrs = AttrSet("vport_attrs", [
    Attr(1, "port_no", "u32"),
    Attr(2, "type", "u32", enum="vport_type"),
    Attr(3, "name", "string"),
    # netdev and internal ports have no options; tunnels share OVS_TUNNEL_ATTR_*
    Attr(4, "options", "sub-message", selector="type",
         formats={1: None, 2: None, 3: "vport_options", 4: "vport_options",
                  5: "vport_options"}),
    Attr(5, "upcall_pid", "binary", struct=u32_array),
    Attr(6, "stats", "binary", struct=vport_stats),
    Attr(7, "pad", "pad"),
    Attr(8, "ifindex", "u32"),
    Attr(9, "netnsid", "s32"),
    Attr(10, "upcall_stats", "nest", nested="upcall_stats"),
], prefix="OVS_VPORT_ATTR_", uapi_header=H)

vport_options = AttrSet("vport_options", [
    Attr(1, "dst_port", "u16"),
    Attr(2, "extension", "nest", nested="vport_vxlan_ext_attrs"),
], prefix="OVS_TUNNEL_ATTR_", uapi_header=H)

# in vport options OVS_VXLAN_EXT_GBP is a flag (in tunnel keys a u32)
vport_vxlan_ext_attrs = AttrSet("vport_vxlan_ext_attrs", [
    Attr(1, "gbp", "flag"),
], prefix="OVS_VXLAN_EXT_", uapi_header=H)

upcall_stats = AttrSet("upcall_stats", [
    Attr(0, "success", "u64"),
    Attr(1, "fail", "u64"),
], prefix="OVS_VPORT_UPCALL_ATTR_", uapi_header=H)

vport_type = Enum("vport_type", {
    "unspec": 0, "netdev": 1, "internal": 2, "gre": 3, "vxlan": 4, "geneve": 5,
}, prefix="OVS_VPORT_TYPE_", uapi_header=H)

packet_attrs = AttrSet("packet_attrs", [
    Attr(1, "packet", "binary", display="packet"),
    Attr(2, "key", "nest", nested="key_attrs"),
    Attr(3, "actions", "nest", nested="action_attrs"),
    Attr(4, "userdata", "binary", display="hex"),
    Attr(5, "egress_tun_key", "nest", nested="tunnel_key_attrs"),
    Attr(6, "unused1", "binary"),
    Attr(7, "unused2", "binary"),
    Attr(8, "probe", "flag"),
    Attr(9, "mru", "u16"),
    Attr(10, "len", "u32"),
    Attr(11, "hash", "u64"),
    Attr(12, "upcall_pid", "u32"),
], prefix="OVS_PACKET_ATTR_", uapi_header=H)

meter_attrs = AttrSet("meter_attrs", [
    Attr(1, "id", "u32"),
    Attr(2, "kbps", "flag"),
    Attr(3, "stats", "binary", struct=flow_stats),
    Attr(4, "bands", "nest", nested="meter_bands"),
    Attr(5, "used", "u64"),
    Attr(6, "clear", "flag"),
    Attr(7, "max_meters", "u32"),
    Attr(8, "max_bands", "u32"),
    Attr(9, "pad", "pad"),
], prefix="OVS_METER_ATTR_", uapi_header=H)

# OVS_METER_ATTR_BANDS holds one nest per band, each of type OVS_BAND_ATTR_UNSPEC
meter_bands = AttrSet("meter_bands", [
    Attr(0, "band", "nest", nested="band_attrs", multi=True, uapi="OVS_BAND_ATTR_UNSPEC"),
], uapi_header=H)

band_attrs = AttrSet("band_attrs", [
    Attr(1, "type", "u32", enum="meter_band_type"),
    Attr(2, "rate", "u32"),
    Attr(3, "burst", "u32"),
    Attr(4, "stats", "binary", struct=flow_stats),
], prefix="OVS_BAND_ATTR_", uapi_header=H)

meter_band_type = Enum("meter_band_type", {"unspec": 0, "drop": 1},
                       prefix="OVS_METER_BAND_TYPE_", uapi_header=H)

ct_limit_attrs = AttrSet("ct_limit_attrs", [
    Attr(1, "zone_limit", "binary", struct=zone_limits),
], prefix="OVS_CT_LIMIT_ATTR_", uapi_header=H)


def _cmds(names, attrs):
    return [Msg(i, n, attrs=attrs) for i, n in enumerate(names, 1)]


FAMILIES = [
    Family("ovs_datapath", "generic", genl=True, version=2, header=ovs_header,
           msg_prefix="OVS_DP_CMD_", uapi_header=H, mcast_groups=("ovs_datapath",),
           messages=_cmds(("new", "del", "get", "set"), "datapath_attrs"),
           attrsets=[datapath_attrs], enums=[user_features]),
    Family("ovs_vport", "generic", genl=True, version=1, header=ovs_header,
           msg_prefix="OVS_VPORT_CMD_", uapi_header=H, mcast_groups=("ovs_vport",),
           messages=_cmds(("new", "del", "get", "set"), "vport_attrs"),
           attrsets=[vport_attrs, vport_options, vport_vxlan_ext_attrs, upcall_stats],
           enums=[vport_type]),
    Family("ovs_flow", "generic", genl=True, version=1, header=ovs_header,
           msg_prefix="OVS_FLOW_CMD_", uapi_header=H, mcast_groups=("ovs_flow",),
           messages=_cmds(("new", "del", "get", "set"), "flow_attrs"),
           attrsets=[flow_attrs, flow_attrs_kernel, key_attrs, masked_key_attrs, tunnel_key_attrs,
                     vxlan_ext_attrs, ovs_nsh_key_attrs, masked_nsh_key_attrs, action_attrs,
                     sample_attrs, userspace_attrs, check_pkt_len_attrs, ct_attrs,
                     nat_attrs, dec_ttl_attrs, psample_attrs] + KERNEL_SETS,
           enums=[ct_state_flags, ufid_flags, frag_type, hash_alg, user_action_cookie_type,
                  slow_path_reason, sample_direction]),
    Family("ovs_packet", "generic", genl=True, version=1, header=ovs_header,
           msg_prefix="OVS_PACKET_CMD_", uapi_header=H, uses=("ovs_flow",),
           messages=_cmds(("miss", "action", "execute"), "packet_attrs"),
           attrsets=[packet_attrs]),
    Family("ovs_meter", "generic", genl=True, version=1, header=ovs_header,
           msg_prefix="OVS_METER_CMD_", uapi_header=H, mcast_groups=("ovs_meter",),
           messages=_cmds(("features", "set", "del", "get"), "meter_attrs"),
           attrsets=[meter_attrs, meter_bands, band_attrs], enums=[meter_band_type]),
    Family("ovs_ct_limit", "generic", genl=True, version=1, header=ovs_header,
           msg_prefix="OVS_CT_LIMIT_CMD_", uapi_header=H, mcast_groups=("ovs_ct_limit",),
           messages=_cmds(("set", "del", "get"), "ct_limit_attrs"),
           attrsets=[ct_limit_attrs]),
]
