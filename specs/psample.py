"""Packet sampling (linux/psample.h): the psample generic netlink family.

Samples from tc's ``sample`` action and OVS's psample action arrive as
PSAMPLE_CMD_SAMPLE events on the "packets" multicast group; group changes go
to "config".  Integer widths are those net/psample/psample.c puts.
"""

from nlcodec.spec import Attr, AttrSet, Family, Msg

H = "linux/psample.h"

psample_attrs = AttrSet("psample_attrs", [
    Attr(0, "iifindex", "u16"),
    Attr(1, "oifindex", "u16"),
    Attr(2, "origsize", "u32"),
    Attr(3, "sample_group", "u32"),
    Attr(4, "group_seq", "u32"),
    Attr(5, "sample_rate", "u32"),
    Attr(6, "data", "binary", display="packet"),
    Attr(7, "group_refcount", "u32"),
    Attr(8, "tunnel", "nest", nested="tunnel_key_attrs"),
    Attr(9, "pad", "pad"),
    Attr(10, "out_tc", "u16"),
    Attr(11, "out_tc_occ", "u64"),           # bytes
    Attr(12, "latency", "u64"),              # nanoseconds
    Attr(13, "timestamp", "u64"),            # nanoseconds
    Attr(14, "proto", "u16", display="ethertype"),
    Attr(15, "user_cookie", "binary", display="hex"),
    Attr(16, "sample_probability", "flag"),  # sample_rate is a probability (0..U32_MAX)
], prefix="PSAMPLE_ATTR_", uapi_header=H)

# psample_ip_tun_to_nlattr(): the ip_tunnel_key as OVS lays it out
tunnel_key_attrs = AttrSet("tunnel_key_attrs", [
    Attr(0, "id", "u64", byte_order="big"),
    Attr(1, "ipv4_src", "u32", byte_order="big", display="ipv4"),
    Attr(2, "ipv4_dst", "u32", byte_order="big", display="ipv4"),
    Attr(3, "tos", "u8"),
    Attr(4, "ttl", "u8"),
    Attr(5, "dont_fragment", "flag"),
    Attr(6, "csum", "flag"),
    Attr(7, "oam", "flag"),
    Attr(8, "geneve_opts", "binary", display="hex"),
    Attr(9, "tp_src", "u16", byte_order="big"),
    Attr(10, "tp_dst", "u16", byte_order="big"),
    Attr(11, "vxlan_opts", "binary", display="hex"),
    Attr(12, "ipv6_src", "binary", display="ipv6", min_len=16, max_len=16),
    Attr(13, "ipv6_dst", "binary", display="ipv6", min_len=16, max_len=16),
    Attr(14, "pad", "pad"),
    Attr(15, "erspan_opts", "binary", display="hex"),
    Attr(16, "ipv4_info_bridge", "flag"),
], prefix="PSAMPLE_TUNNEL_KEY_ATTR_", uapi_header=H)

FAMILIES = [
    Family("psample", "generic", genl=True, version=1, msg_prefix="PSAMPLE_CMD_",
           uapi_header=H, mcast_groups=("config", "packets"),
           messages=[
               Msg(0, "sample", attrs="psample_attrs"),
               Msg(1, "get_group", attrs="psample_attrs"),
               Msg(2, "new_group", attrs="psample_attrs"),
               Msg(3, "del_group", attrs="psample_attrs"),
           ],
           attrsets=[psample_attrs, tunnel_key_attrs]),
]
