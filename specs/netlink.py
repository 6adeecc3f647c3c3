"""Netlink itself: extended ACK attributes (linux/netlink.h) and the policy
dump attributes they can carry.  Control messages (NOOP, ERROR, DONE,
OVERRUN) are handled by ``nlcodec.message``; this family only names the sets."""

from construct import Int16un, Int32un, Struct

from nlcodec.spec import Attr, AttrSet, Enum, Family

# linux/netlink.h headers, for text that names their members (gdb's
# ``p/x *nlh`` prints ``{nlmsg_len = 0x5c, nlmsg_type = 0x10, ...}``)
nlmsghdr = Struct("nlmsg_len" / Int32un, "nlmsg_type" / Int16un, "nlmsg_flags" / Int16un,
                  "nlmsg_seq" / Int32un, "nlmsg_pid" / Int32un)
nlattr = Struct("nla_len" / Int16un, "nla_type" / Int16un)
NAMED_STRUCTS = {"nlmsghdr": nlmsghdr, "nlattr": nlattr}

ext_ack_attrs = AttrSet("ext_ack_attrs", [
    Attr(0, "unused", "binary"),
    Attr(1, "msg", "string"),
    Attr(2, "offs", "u32"),
    Attr(3, "cookie", "binary"),
    Attr(4, "policy", "nest", nested="policy_type_attrs"),
    Attr(5, "miss_type", "u32"),
    Attr(6, "miss_nest", "u32"),
], prefix="NLMSGERR_ATTR_", uapi_header="linux/netlink.h")

policy_type_attrs = AttrSet("policy_type_attrs", [
    Attr(0, "unspec", "binary"),
    Attr(1, "type", "u32", enum="attr_type"),
    Attr(2, "min_value_s", "s64"),
    Attr(3, "max_value_s", "s64"),
    Attr(4, "min_value_u", "u64"),
    Attr(5, "max_value_u", "u64"),
    Attr(6, "min_length", "u32"),
    Attr(7, "max_length", "u32"),
    Attr(8, "policy_idx", "u32"),
    Attr(9, "policy_maxtype", "u32"),
    Attr(10, "bitfield32_mask", "u32"),
    Attr(11, "pad", "pad"),
    Attr(12, "mask", "u64", display="hex"),
], prefix="NL_POLICY_TYPE_ATTR_", uapi_header="linux/netlink.h")

attr_type = Enum("attr_type", {
    "invalid": 0, "flag": 1, "u8": 2, "u16": 3, "u32": 4, "u64": 5, "s8": 6, "s16": 7,
    "s32": 8, "s64": 9, "binary": 10, "string": 11, "nul_string": 12, "nested": 13,
    "nested_array": 14, "bitfield32": 15,
}, prefix="NL_ATTR_TYPE_", uapi_header="linux/netlink.h")

# AF_* (sys/socket.h, bits/socket.h): the family member of rtnetlink headers
# (ifinfomsg, ifaddrmsg, rtmsg, ndmsg, tcmsg ...), named as ip -j shows it
address_family = Enum("address_family", {
    "unspec": 0, "unix": 1, "inet": 2, "ax25": 3, "ipx": 4, "appletalk": 5, "netrom": 6,
    "bridge": 7, "atmpvc": 8, "x25": 9, "inet6": 10, "rose": 11, "decnet": 12, "netbeui": 13,
    "security": 14, "key": 15, "netlink": 16, "packet": 17, "ash": 18, "econet": 19,
    "atmsvc": 20, "rds": 21, "sna": 22, "irda": 23, "pppox": 24, "wanpipe": 25, "llc": 26,
    "ib": 27, "mpls": 28, "can": 29, "tipc": 30, "bluetooth": 31, "iucv": 32, "rxrpc": 33,
    "isdn": 34, "phonet": 35, "ieee802154": 36, "caif": 37, "alg": 38, "nfc": 39, "vsock": 40,
    "kcm": 41, "qipcrtr": 42, "smc": 43, "xdp": 44, "mctp": 45,
}, prefix="AF_")

FAMILIES = [
    Family("netlink", "route", attrsets=[ext_ack_attrs, policy_type_attrs], enums=[attr_type, address_family],
           doc="netlink control messages and extended ACKs"),
]
