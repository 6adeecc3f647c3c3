"""Routes (rtnetlink): RTM_NEWROUTE, RTM_DELROUTE, RTM_GETROUTE.

Every message carries ``struct rtmsg`` and the RTA_* attributes
(linux/rtnetlink.h).  RTA_METRICS nests the RTAX_* metrics; RTA_MULTIPATH is
a sequence of ``struct rtnexthop`` records, each followed by the nexthop's
own route attributes (gateway, via, flow, encap...), decoded as a list of
``{"_header": {"flags", "hops", "ifindex"}, "gateway": ...}``.  RTA_ENCAP's
payload is picked by RTA_ENCAP_TYPE (linux/lwtunnel.h).
"""

from construct import GreedyRange, Int8ul, Int16un, Int32sn, Int32un, Int64un, Struct

from nlcodec.spec import Attr, AttrSet, Enum, Family, Flags, Msg

# members hinted "enum:NAME" take and show that enum's names (nlcodec.names)
rtmsg = Struct("family" / Int8ul * "enum:address_family", "dst_len" / Int8ul, "src_len" / Int8ul, "tos" / Int8ul,
               "table" / Int8ul * "enum:rt_table", "protocol" / Int8ul * "enum:rt_protocol",
               "scope" / Int8ul * "enum:rt_scope", "type" / Int8ul * "enum:rtm_type",
               "flags" / Int32un * "enum:rtm_flags")

# RTNH_OK: rtnh_len covers the header and the attributes after it
rtnexthop = Struct("len" / Int16un, "flags" / Int8ul, "hops" / Int8ul, "ifindex" / Int32sn)

rta_cacheinfo = Struct("clntref" / Int32un, "lastuse" / Int32un, "expires" / Int32sn,
                       "error" / Int32un, "used" / Int32un, "id" / Int32un, "ts" / Int32un,
                       "tsage" / Int32un)
rta_mfc_stats = Struct("packets" / Int64un, "bytes" / Int64un, "wrong_if" / Int64un)
# rtvia_family (an AF_*), then the address: 4 bytes for AF_INET, 16 for AF_INET6
rtvia = Struct("family" / Int16un, "addr" / GreedyRange(Int8ul))

route_attrs = AttrSet("route_attrs", [
    Attr(1, "dst", "binary", display="ip"),
    Attr(2, "src", "binary", display="ip"),
    Attr(3, "iif", "u32"),
    Attr(4, "oif", "u32"),
    Attr(5, "gateway", "binary", display="ip"),
    Attr(6, "priority", "u32"),
    Attr(7, "prefsrc", "binary", display="ip"),
    Attr(8, "metrics", "nest", nested="metrics"),
    Attr(9, "multipath", "records", header=rtnexthop, nested="route_attrs"),
    Attr(10, "protoinfo", "binary"),          # no longer used
    Attr(11, "flow", "u32"),
    Attr(12, "cacheinfo", "binary", struct=rta_cacheinfo),
    Attr(13, "session", "binary"),            # no longer used
    Attr(14, "mp_algo", "binary"),            # no longer used
    Attr(15, "table", "u32", enum="rt_table"),
    Attr(16, "mark", "u32"),
    Attr(17, "mfc_stats", "binary", struct=rta_mfc_stats),
    Attr(18, "via", "binary", struct=rtvia),
    Attr(19, "newdst", "binary"),             # MPLS label stack
    Attr(20, "pref", "u8", enum="rt_pref"),
    Attr(21, "encap_type", "u16", enum="lwtunnel_encap_types"),
    Attr(22, "encap", "sub-message", selector="encap_type", formats={
        1: "mpls_iptunnel_attrs", 2: "lwtunnel_ip_attrs", 4: "lwtunnel_ip6_attrs"}),
    # u32 from user space (IPv6), u64 from the kernel (multicast routes)
    Attr(23, "expires", "uint"),
    Attr(24, "pad", "pad"),
    Attr(25, "uid", "u32"),
    Attr(26, "ttl_propagate", "u8"),
    Attr(27, "ip_proto", "u8"),
    Attr(28, "sport", "u16", byte_order="big"),
    Attr(29, "dport", "u16", byte_order="big"),
    Attr(30, "nh_id", "u32"),
    Attr(31, "flowlabel", "u32", byte_order="big", display="hex"),
], prefix="RTA_", uapi_header="linux/rtnetlink.h")

metrics = AttrSet("metrics", [
    Attr(1, "lock", "u32"),          # bit (1 << RTAX_x) locks metric x
    Attr(2, "mtu", "u32"),
    Attr(3, "window", "u32"),
    Attr(4, "rtt", "u32"),
    Attr(5, "rttvar", "u32"),
    Attr(6, "ssthresh", "u32"),
    Attr(7, "cwnd", "u32"),
    Attr(8, "advmss", "u32"),
    Attr(9, "reordering", "u32"),
    Attr(10, "hoplimit", "u32"),
    Attr(11, "initcwnd", "u32"),
    Attr(12, "features", "u32", enum="rtax_features"),
    Attr(13, "rto_min", "u32"),
    Attr(14, "initrwnd", "u32"),
    Attr(15, "quickack", "u32"),
    Attr(16, "cc_algo", "string"),
    Attr(17, "fastopen_no_cookie", "u32"),
], prefix="RTAX_", uapi_header="linux/rtnetlink.h")

# -- lightweight tunnel encapsulations (RTA_ENCAP) -------------------------------------

mpls_iptunnel_attrs = AttrSet("mpls_iptunnel_attrs", [
    Attr(1, "dst", "binary"),        # label stack entries, network order
    Attr(2, "ttl", "u8"),
], prefix="MPLS_IPTUNNEL_", uapi_header="linux/mpls_iptunnel.h")

lwtunnel_ip_attrs = AttrSet("lwtunnel_ip_attrs", [
    Attr(1, "id", "u64", byte_order="big"),
    Attr(2, "dst", "binary", display="ip"),
    Attr(3, "src", "binary", display="ip"),
    Attr(4, "ttl", "u8"),
    Attr(5, "tos", "u8"),
    Attr(6, "flags", "u16", byte_order="big"),
    Attr(7, "pad", "pad"),
    Attr(8, "opts", "binary"),
], prefix="LWTUNNEL_IP_", uapi_header="linux/lwtunnel.h")

lwtunnel_ip6_attrs = AttrSet("lwtunnel_ip6_attrs", [
    Attr(1, "id", "u64", byte_order="big"),
    Attr(2, "dst", "binary", display="ip"),
    Attr(3, "src", "binary", display="ip"),
    Attr(4, "hoplimit", "u8"),
    Attr(5, "tc", "u8"),
    Attr(6, "flags", "u16", byte_order="big"),
    Attr(7, "pad", "pad"),
    Attr(8, "opts", "binary"),
], prefix="LWTUNNEL_IP6_", uapi_header="linux/lwtunnel.h")

# -- enums ---------------------------------------------------------------------------

rtm_type = Enum("rtm_type", {
    "unspec": 0, "unicast": 1, "local": 2, "broadcast": 3, "anycast": 4, "multicast": 5,
    "blackhole": 6, "unreachable": 7, "prohibit": 8, "throw": 9, "nat": 10, "xresolve": 11,
}, prefix="RTN_", uapi_header="linux/rtnetlink.h")

rt_protocol = Enum("rt_protocol", {
    "unspec": 0, "redirect": 1, "kernel": 2, "boot": 3, "static": 4, "gated": 8, "ra": 9,
    "mrt": 10, "zebra": 11, "bird": 12, "dnrouted": 13, "xorp": 14, "ntk": 15, "dhcp": 16,
    "mrouted": 17, "keepalived": 18, "babel": 42, "openr": 99, "bgp": 186, "isis": 187,
    "ospf": 188, "rip": 189, "eigrp": 192,
}, prefix="RTPROT_", uapi_header="linux/rtnetlink.h")

rt_scope = Enum("rt_scope", {
    "universe": 0, "site": 200, "link": 253, "host": 254, "nowhere": 255,
}, prefix="RT_SCOPE_", uapi_header="linux/rtnetlink.h")

rt_table = Enum("rt_table", {
    "unspec": 0, "compat": 252, "default": 253, "main": 254, "local": 255,
}, prefix="RT_TABLE_", uapi_header="linux/rtnetlink.h")

rtm_flags = Flags("rtm_flags", {
    "notify": 0x100, "cloned": 0x200, "equalize": 0x400, "prefix": 0x800,
    "lookup_table": 0x1000, "fib_match": 0x2000, "offload": 0x4000, "trap": 0x8000,
    "offload_failed": 0x20000000,
}, prefix="RTM_F_", uapi_header="linux/rtnetlink.h")

rtnh_flags = Flags("rtnh_flags", {
    "dead": 1, "pervasive": 2, "onlink": 4, "offload": 8, "linkdown": 16, "unresolved": 32,
    "trap": 64,
}, prefix="RTNH_F_", uapi_header="linux/rtnetlink.h")

rtax_features = Flags("rtax_features", {
    "ecn": 1, "sack": 2, "timestamp": 4, "allfrag": 8,
}, prefix="RTAX_FEATURE_", uapi_header="linux/rtnetlink.h")

rt_pref = Enum("rt_pref", {
    "medium": 0, "high": 1, "invalid": 2, "low": 3,
}, prefix="ICMPV6_ROUTER_PREF_", uapi_header="linux/icmpv6.h")

lwtunnel_encap_types = Enum("lwtunnel_encap_types", {
    "none": 0, "mpls": 1, "ip": 2, "ila": 3, "ip6": 4, "seg6": 5, "bpf": 6, "seg6_local": 7,
    "rpl": 8, "ioam6": 9, "xfrm": 10,
}, prefix="LWTUNNEL_ENCAP_", uapi_header="linux/lwtunnel.h")

# "dst": "10.7.0.0/24" sets rtm_dst_len too (as `ip route add 10.7.0.0/24`)
_PREFIXES = {"dst": "dst_len", "src": "src_len"}

FAMILIES = [
    Family("rt_route", "route", msg_prefix="RTM_", uapi_header="linux/rtnetlink.h",
           messages=[
               Msg(24, "newroute", header=rtmsg, attrs="route_attrs", prefixes=_PREFIXES),
               Msg(25, "delroute", header=rtmsg, attrs="route_attrs", prefixes=_PREFIXES),
               Msg(26, "getroute", header=rtmsg, attrs="route_attrs", prefixes=_PREFIXES),
           ],
           attrsets=[route_attrs, metrics, mpls_iptunnel_attrs, lwtunnel_ip_attrs,
                     lwtunnel_ip6_attrs],
           enums=[rtm_type, rt_protocol, rt_scope, rt_table, rtm_flags, rtnh_flags,
                  rtax_features, rt_pref, lwtunnel_encap_types],
           doc="routes: struct rtmsg and RTA_* attributes"),
]
