"""Policy routing rules (rtnetlink): RTM_NEWRULE, RTM_DELRULE, RTM_GETRULE.

Every message carries ``struct fib_rule_hdr`` and the FRA_* attributes
(linux/fib_rules.h), for IPv4 and IPv6 alike (addresses are 4 or 16 bytes).
"""

from construct import Int8ul, Int16un, Int32un, Struct

from nlcodec.spec import Attr, AttrSet, Enum, Family, Flags, Msg

fib_rule_hdr = Struct("family" / Int8ul * "enum:address_family", "dst_len" / Int8ul, "src_len" / Int8ul,
                      "tos" / Int8ul, "table" / Int8ul * "enum:rt_table", "res1" / Int8ul,
                      "res2" / Int8ul, "action" / Int8ul * "enum:fr_act",
                      "flags" / Int32un * "enum:fib_rule_flags")

fib_rule_uid_range = Struct("start" / Int32un, "end" / Int32un)
fib_rule_port_range = Struct("start" / Int16un, "end" / Int16un)

fib_rule_attrs = AttrSet("fib_rule_attrs", [
    Attr(1, "dst", "binary", display="ip"),
    Attr(2, "src", "binary", display="ip"),
    Attr(3, "iifname", "string"),
    Attr(4, "goto", "u32"),
    Attr(5, "unused2", "binary"),
    Attr(6, "priority", "u32"),
    Attr(7, "unused3", "binary"),
    Attr(8, "unused4", "binary"),
    Attr(9, "unused5", "binary"),
    Attr(10, "fwmark", "u32", display="hex"),
    Attr(11, "flow", "u32"),
    Attr(12, "tun_id", "u64", byte_order="big"),
    Attr(13, "suppress_ifgroup", "u32"),
    Attr(14, "suppress_prefixlen", "u32"),
    Attr(15, "table", "u32", enum="rt_table"),
    Attr(16, "fwmask", "u32", display="hex"),
    Attr(17, "oifname", "string"),
    Attr(18, "pad", "pad"),
    Attr(19, "l3mdev", "u8"),
    Attr(20, "uid_range", "binary", struct=fib_rule_uid_range),
    Attr(21, "protocol", "u8", enum="rt_protocol"),
    Attr(22, "ip_proto", "u8"),
    Attr(23, "sport_range", "binary", struct=fib_rule_port_range),
    Attr(24, "dport_range", "binary", struct=fib_rule_port_range),
    # newer than the 6.1 headers (6.13-6.15 kernels)
    Attr(25, "dscp", "u8"),
    Attr(26, "flowlabel", "u32", byte_order="big", display="hex"),
    Attr(27, "flowlabel_mask", "u32", byte_order="big", display="hex"),
    Attr(28, "sport_mask", "u16", display="hex"),
    Attr(29, "dport_mask", "u16", display="hex"),
    Attr(30, "dscp_mask", "u8", display="hex"),
], prefix="FRA_", uapi_header="linux/fib_rules.h")

fr_act = Enum("fr_act", {
    "unspec": 0, "to_tbl": 1, "goto": 2, "nop": 3, "res3": 4, "res4": 5, "blackhole": 6,
    "unreachable": 7, "prohibit": 8,
}, prefix="FR_ACT_", uapi_header="linux/fib_rules.h")

fib_rule_flags = Flags("fib_rule_flags", {
    "permanent": 0x01, "invert": 0x02, "unresolved": 0x04, "iif_detached": 0x08,
    "oif_detached": 0x10, "find_saddr": 0x10000,
}, prefix="FIB_RULE_", uapi_header="linux/fib_rules.h")

rt_table = Enum("rt_table", {
    "unspec": 0, "compat": 252, "default": 253, "main": 254, "local": 255,
}, prefix="RT_TABLE_", uapi_header="linux/rtnetlink.h")

rt_protocol = Enum("rt_protocol", {
    "unspec": 0, "redirect": 1, "kernel": 2, "boot": 3, "static": 4,
}, prefix="RTPROT_", uapi_header="linux/rtnetlink.h")

# "dst": "10.0.0.0/8" sets the header's dst_len too (as `ip rule add to 10.0.0.0/8`)
_PREFIXES = {"dst": "dst_len", "src": "src_len"}

FAMILIES = [
    Family("rt_rule", "route", msg_prefix="RTM_", uapi_header="linux/rtnetlink.h",
           messages=[
               Msg(32, "newrule", header=fib_rule_hdr, attrs="fib_rule_attrs", prefixes=_PREFIXES),
               Msg(33, "delrule", header=fib_rule_hdr, attrs="fib_rule_attrs", prefixes=_PREFIXES),
               Msg(34, "getrule", header=fib_rule_hdr, attrs="fib_rule_attrs", prefixes=_PREFIXES),
           ],
           attrsets=[fib_rule_attrs], enums=[fr_act, fib_rule_flags, rt_table, rt_protocol],
           doc="policy routing rules: struct fib_rule_hdr and FRA_* attributes"),
]
