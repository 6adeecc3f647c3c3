"""Addresses (rtnetlink): RTM_NEWADDR, RTM_DELADDR, RTM_GETADDR, and the
multicast/anycast address dumps RTM_GETMULTICAST and RTM_GETANYCAST.

Every message carries ``struct ifaddrmsg`` and the IFA_* attributes
(linux/if_addr.h).  Addresses are 4 or 16 bytes (``display="ip"``).
IFA_FLAGS extends the 8-bit ``flags`` of the header.
"""

from construct import Int8ul, Int32un, Struct

from nlcodec.spec import Attr, AttrSet, Enum, Family, Flags, Msg

ifaddrmsg = Struct("family" / Int8ul * "enum:address_family", "prefixlen" / Int8ul,
                   "flags" / Int8ul * "enum:ifa_flags", "scope" / Int8ul * "enum:rt_scope",
                   "index" / Int32un)

ifa_cacheinfo = Struct("prefered" / Int32un, "valid" / Int32un, "cstamp" / Int32un,
                       "tstamp" / Int32un)

addr_attrs = AttrSet("addr_attrs", [
    Attr(1, "address", "binary", display="ip"),    # the peer on point-to-point links
    Attr(2, "local", "binary", display="ip"),
    Attr(3, "label", "string"),
    Attr(4, "broadcast", "binary", display="ip"),
    Attr(5, "anycast", "binary", display="ip"),
    Attr(6, "cacheinfo", "binary", struct=ifa_cacheinfo),
    Attr(7, "multicast", "binary", display="ip"),
    Attr(8, "flags", "u32", enum="ifa_flags"),
    Attr(9, "rt_priority", "u32"),
    Attr(10, "target_netnsid", "s32"),
    Attr(11, "proto", "u8", enum="ifa_proto"),
], prefix="IFA_", uapi_header="linux/if_addr.h")

# IFA_F_TEMPORARY is IFA_F_SECONDARY (0x01): named once
ifa_flags = Flags("ifa_flags", {
    "secondary": 0x01, "nodad": 0x02, "optimistic": 0x04, "dadfailed": 0x08,
    "homeaddress": 0x10, "deprecated": 0x20, "tentative": 0x40, "permanent": 0x80,
    "managetempaddr": 0x100, "noprefixroute": 0x200, "mcautojoin": 0x400,
    "stable_privacy": 0x800,
}, prefix="IFA_F_", uapi_header="linux/if_addr.h")

ifa_proto = Enum("ifa_proto", {
    "unspec": 0, "kernel_lo": 1, "kernel_ra": 2, "kernel_ll": 3,
}, prefix="IFAPROT_", uapi_header="linux/if_addr.h")

rt_scope = Enum("rt_scope", {
    "universe": 0, "site": 200, "link": 253, "host": 254, "nowhere": 255,
}, prefix="RT_SCOPE_", uapi_header="linux/rtnetlink.h")

# "local": "10.0.0.1/24" sets ifa_prefixlen too (as `ip addr add 10.0.0.1/24`)
_PREFIXES = {"local": "prefixlen", "address": "prefixlen"}

FAMILIES = [
    Family("rt_addr", "route", msg_prefix="RTM_", uapi_header="linux/rtnetlink.h",
           messages=[
               Msg(20, "newaddr", header=ifaddrmsg, attrs="addr_attrs", prefixes=_PREFIXES),
               Msg(21, "deladdr", header=ifaddrmsg, attrs="addr_attrs", prefixes=_PREFIXES),
               Msg(22, "getaddr", header=ifaddrmsg, attrs="addr_attrs", prefixes=_PREFIXES),
               # replies have the same type: IFA_MULTICAST / IFA_ANYCAST entries
               Msg(58, "getmulticast", header=ifaddrmsg, attrs="addr_attrs", prefixes=_PREFIXES),
               Msg(62, "getanycast", header=ifaddrmsg, attrs="addr_attrs", prefixes=_PREFIXES),
           ],
           attrsets=[addr_attrs], enums=[ifa_flags, ifa_proto, rt_scope],
           doc="addresses: struct ifaddrmsg and IFA_* attributes"),
]
