"""ethtool's generic netlink family (linux/ethtool_netlink.h), the link
messages: link info, link modes (with bitsets), link state.

Every request and reply starts with the ETHTOOL_A_*_HEADER nest naming the
device.  The userspace-to-kernel and kernel-to-userspace command enums share
the numbers used here: a LINKINFO_GET request (2) is answered by a
LINKINFO_GET_REPLY (2); a *_SET (3, 5) number is its *_NTF notification too.
Bitsets come compact (value/mask) or verbose (bits with names), as requested
with ETHTOOL_FLAG_COMPACT_BITSETS in the header flags.  The kernel parses
strictly: every nest carries NLA_F_NESTED.
"""

from nlcodec.spec import Attr, AttrSet, Family, Msg

H = "linux/ethtool_netlink.h"

header_attrs = AttrSet("header", [
    Attr(1, "dev_index", "u32"),
    Attr(2, "dev_name", "string"),
    Attr(3, "flags", "u32"),         # ETHTOOL_FLAG_COMPACT_BITSETS 1, OMIT_REPLY 2, STATS 4
], prefix="ETHTOOL_A_HEADER_", uapi_header=H, nested_flag=True)

bitset_bit_attrs = AttrSet("bitset_bit", [
    Attr(1, "index", "u32"),
    Attr(2, "name", "string"),
    Attr(3, "value", "flag"),
], prefix="ETHTOOL_A_BITSET_BIT_", uapi_header=H, nested_flag=True)

bitset_bits_attrs = AttrSet("bitset_bits", [
    Attr(1, "bit", "nest", nested="bitset_bit", multi=True),
], prefix="ETHTOOL_A_BITSET_BITS_", uapi_header=H, nested_flag=True)

bitset_attrs = AttrSet("bitset", [
    Attr(1, "nomask", "flag"),
    Attr(2, "size", "u32"),
    Attr(3, "bits", "nest", nested="bitset_bits"),
    Attr(4, "value", "binary", display="hex"),
    Attr(5, "mask", "binary", display="hex"),
], prefix="ETHTOOL_A_BITSET_", uapi_header=H, nested_flag=True)

linkinfo_attrs = AttrSet("linkinfo", [
    Attr(1, "header", "nest", nested="header"),
    Attr(2, "port", "u8"),               # PORT_TP 0, PORT_FIBRE 3, PORT_OTHER 0xff ...
    Attr(3, "phyaddr", "u8"),
    Attr(4, "tp_mdix", "u8"),
    Attr(5, "tp_mdix_ctrl", "u8"),
    Attr(6, "transceiver", "u8"),
], prefix="ETHTOOL_A_LINKINFO_", uapi_header=H, nested_flag=True)

linkmodes_attrs = AttrSet("linkmodes", [
    Attr(1, "header", "nest", nested="header"),
    Attr(2, "autoneg", "u8"),
    Attr(3, "ours", "nest", nested="bitset"),
    Attr(4, "peer", "nest", nested="bitset"),
    Attr(5, "speed", "u32"),             # Mb/s; SPEED_UNKNOWN 0xffffffff
    Attr(6, "duplex", "u8"),             # DUPLEX_HALF 0, DUPLEX_FULL 1, UNKNOWN 0xff
    Attr(7, "master_slave_cfg", "u8"),
    Attr(8, "master_slave_state", "u8"),
    Attr(9, "lanes", "u32"),
    Attr(10, "rate_matching", "u8"),
], prefix="ETHTOOL_A_LINKMODES_", uapi_header=H, nested_flag=True)

linkstate_attrs = AttrSet("linkstate", [
    Attr(1, "header", "nest", nested="header"),
    Attr(2, "link", "u8"),
    Attr(3, "sqi", "u32"),
    Attr(4, "sqi_max", "u32"),
    Attr(5, "ext_state", "u8"),
    Attr(6, "ext_substate", "u8"),
    Attr(7, "ext_down_cnt", "u32"),      # newer than 6.1
], prefix="ETHTOOL_A_LINKSTATE_", uapi_header=H, nested_flag=True)

FAMILIES = [
    Family("ethtool", "generic", genl=True, version=1, msg_prefix="ETHTOOL_MSG_",
           uapi_header=H, mcast_groups=("monitor",),
           messages=[
               Msg(2, "linkinfo_get", attrs="linkinfo"),
               Msg(3, "linkinfo_set", attrs="linkinfo"),
               Msg(4, "linkmodes_get", attrs="linkmodes"),
               Msg(5, "linkmodes_set", attrs="linkmodes"),
               Msg(6, "linkstate_get", attrs="linkstate"),
           ],
           attrsets=[header_attrs, bitset_bit_attrs, bitset_bits_attrs, bitset_attrs,
                     linkinfo_attrs, linkmodes_attrs, linkstate_attrs]),
]
