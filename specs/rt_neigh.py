"""Neighbours (rtnetlink): RTM_NEWNEIGH, RTM_DELNEIGH, RTM_GETNEIGH, and the
neighbour tables RTM_NEWNEIGHTBL, RTM_GETNEIGHTBL, RTM_SETNEIGHTBL.

Neighbour messages carry ``struct ndmsg`` and the NDA_* attributes
(linux/neighbour.h): ARP/ND entries and bridge/VXLAN FDB entries alike.
Table messages carry ``struct ndtmsg`` and the NDTA_* attributes, whose
NDTA_PARMS nests the NDTPA_* parameters.
"""

from construct import Int8ul, Int16un, Int32sn, Int32un, Int64un, Padding, Struct

from nlcodec.spec import Attr, AttrSet, Enum, Family, Flags, Msg

# ndm_pad1 and ndm_pad2 are unused (zero)
ndmsg = Struct("family" / Int8ul * "enum:address_family", Padding(3), "ifindex" / Int32sn,
               "state" / Int16un * "enum:nud_state", "flags" / Int8ul * "enum:ntf_flags",
               "type" / Int8ul * "enum:rtm_type")
ndtmsg = Struct("family" / Int8ul, Padding(3))

nda_cacheinfo = Struct("confirmed" / Int32un, "used" / Int32un, "updated" / Int32un,
                       "refcnt" / Int32un)
ndt_config = Struct("key_len" / Int16un, "entry_size" / Int16un, "entries" / Int32un,
                    "last_flush" / Int32un, "last_rand" / Int32un, "hash_rnd" / Int32un,
                    "hash_mask" / Int32un, "hash_chain_gc" / Int32un, "proxy_qlen" / Int32un)
ndt_stats = Struct("allocs" / Int64un, "destroys" / Int64un, "hash_grows" / Int64un,
                   "res_failed" / Int64un, "lookups" / Int64un, "hits" / Int64un,
                   "rcv_probes_mcast" / Int64un, "rcv_probes_ucast" / Int64un,
                   "periodic_gc_runs" / Int64un, "forced_gc_runs" / Int64un,
                   "table_fulls" / Int64un)

neighbour_attrs = AttrSet("neighbour_attrs", [
    Attr(1, "dst", "binary", display="ip"),
    Attr(2, "lladdr", "binary", display="mac"),
    Attr(3, "cacheinfo", "binary", struct=nda_cacheinfo),
    Attr(4, "probes", "u32"),
    Attr(5, "vlan", "u16"),
    Attr(6, "port", "u16", byte_order="big"),
    Attr(7, "vni", "u32"),
    Attr(8, "ifindex", "u32"),
    Attr(9, "master", "u32"),
    Attr(10, "link_netnsid", "s32"),
    Attr(11, "src_vni", "u32"),
    Attr(12, "protocol", "u8"),
    Attr(13, "nh_id", "u32"),
    # the bridge opens this nest with nla_nest_start(): NLA_F_NESTED set
    Attr(14, "fdb_ext_attrs", "nest", nested="fdb_ext_attrs", nested_flag=True),
    Attr(15, "flags_ext", "u32", enum="ntf_ext_flags"),
    Attr(16, "ndm_state_mask", "u16", enum="nud_state"),
    Attr(17, "ndm_flags_mask", "u8", enum="ntf_flags"),
], prefix="NDA_", uapi_header="linux/neighbour.h")

fdb_ext_attrs = AttrSet("fdb_ext_attrs", [
    Attr(1, "activity_notify", "u8", enum="fdb_notify_flags"),
    Attr(2, "dont_refresh", "flag"),
], prefix="NFEA_", uapi_header="linux/neighbour.h")

ndt_attrs = AttrSet("ndt_attrs", [
    Attr(1, "name", "string"),
    Attr(2, "thresh1", "u32"),
    Attr(3, "thresh2", "u32"),
    Attr(4, "thresh3", "u32"),
    Attr(5, "config", "binary", struct=ndt_config),
    Attr(6, "parms", "nest", nested="ndtpa_attrs"),
    Attr(7, "stats", "binary", struct=ndt_stats),
    Attr(8, "gc_interval", "u64"),
    Attr(9, "pad", "pad"),
], prefix="NDTA_", uapi_header="linux/neighbour.h")

ndtpa_attrs = AttrSet("ndtpa_attrs", [
    Attr(1, "ifindex", "u32"),
    Attr(2, "refcnt", "u32"),
    Attr(3, "reachable_time", "u64"),
    Attr(4, "base_reachable_time", "u64"),
    Attr(5, "retrans_time", "u64"),
    Attr(6, "gc_staletime", "u64"),
    Attr(7, "delay_probe_time", "u64"),
    Attr(8, "queue_len", "u32"),
    Attr(9, "app_probes", "u32"),
    Attr(10, "ucast_probes", "u32"),
    Attr(11, "mcast_probes", "u32"),
    Attr(12, "anycast_delay", "u64"),
    Attr(13, "proxy_delay", "u64"),
    Attr(14, "proxy_qlen", "u32"),
    Attr(15, "locktime", "u64"),
    Attr(16, "queue_lenbytes", "u32"),
    Attr(17, "mcast_reprobes", "u32"),
    Attr(18, "pad", "pad"),
    Attr(19, "interval_probe_time_ms", "u64"),
], prefix="NDTPA_", uapi_header="linux/neighbour.h")

# NUD_NONE is 0 (no bit)
nud_state = Flags("nud_state", {
    "incomplete": 0x01, "reachable": 0x02, "stale": 0x04, "delay": 0x08, "probe": 0x10,
    "failed": 0x20, "noarp": 0x40, "permanent": 0x80,
}, prefix="NUD_", uapi_header="linux/neighbour.h")

ntf_flags = Flags("ntf_flags", {
    "use": 0x01, "self": 0x02, "master": 0x04, "proxy": 0x08, "ext_learned": 0x10,
    "offloaded": 0x20, "sticky": 0x40, "router": 0x80,
}, prefix="NTF_", uapi_header="linux/neighbour.h")

# NDA_FLAGS_EXT bits; "locked" (6.2) and "ext_validated" (6.16) are newer than the headers
ntf_ext_flags = Flags("ntf_ext_flags", {
    "managed": 0x01, "locked": 0x02, "ext_validated": 0x04,
}, prefix="NTF_EXT_", uapi_header="linux/neighbour.h")

fdb_notify_flags = Flags("fdb_notify_flags", {
    "bit": 0x01, "inactive_bit": 0x02,
}, prefix="FDB_NOTIFY_", uapi_header="linux/neighbour.h")

# ndm_type: the route type of the entry (RTN_*)
rtm_type = Enum("rtm_type", {
    "unspec": 0, "unicast": 1, "local": 2, "broadcast": 3, "anycast": 4, "multicast": 5,
    "blackhole": 6, "unreachable": 7, "prohibit": 8, "throw": 9, "nat": 10, "xresolve": 11,
}, prefix="RTN_", uapi_header="linux/rtnetlink.h")

FAMILIES = [
    Family("rt_neigh", "route", msg_prefix="RTM_", uapi_header="linux/rtnetlink.h",
           messages=[
               Msg(28, "newneigh", header=ndmsg, attrs="neighbour_attrs"),
               Msg(29, "delneigh", header=ndmsg, attrs="neighbour_attrs"),
               Msg(30, "getneigh", header=ndmsg, attrs="neighbour_attrs"),
               Msg(64, "newneightbl", header=ndtmsg, attrs="ndt_attrs"),
               Msg(66, "getneightbl", header=ndtmsg, attrs="ndt_attrs"),
               Msg(67, "setneightbl", header=ndtmsg, attrs="ndt_attrs"),
           ],
           attrsets=[neighbour_attrs, fdb_ext_attrs, ndt_attrs, ndtpa_attrs],
           enums=[nud_state, ntf_flags, ntf_ext_flags, fdb_notify_flags, rtm_type],
           doc="neighbours: struct ndmsg and NDA_* attributes; neighbour tables"),
]
