"""Connection tracking over nfnetlink (NETLINK_NETFILTER): ctnetlink
(linux/netfilter/nfnetlink_conntrack.h) and its expectation subsystem.

Every message starts with ``struct nfgenmsg`` (linux/netfilter/nfnetlink.h:
the address family, version NFNETLINK_V0, a big-endian resource id).  The
message type carries the subsystem in its high byte: NFNL_SUBSYS_CTNETLINK
(1) for conntrack entries, NFNL_SUBSYS_CTNETLINK_EXP (2) for expectations,
so IPCTNL_MSG_CT_GET is type 0x0101.  Our message names carry the UAPI's
``ct_``/``exp_`` so that both subsystems share the protocol's name space.

Widths and byte orders are the ones net/netfilter/nf_conntrack_netlink.c
puts and its policies (ct_nla_policy, tuple_nla_policy, ...) accept: nearly
everything is network order (nla_put_be32/be16/be64), except the protocol
numbers, ICMP type/code, TCP state and window scales (u8) and the dump
filter's direction flags (u32, host order).  CTA_TIMESTAMP is a nest of
start/stop (ctnetlink_dump_timestamp), not the u64 of conntrack.yaml.
Names follow the kernel's YNL spec conntrack.yaml where it has the set.

A kernel quirk: the reply to IPCTNL_MSG_EXP_GET_STATS_CPU comes as type
0x0103 (ctnetlink_exp_stat_fill_info() in net/netfilter/nf_conntrack_netlink.c
uses NFNL_SUBSYS_CTNETLINK), which is IPCTNL_MSG_CT_GET_CTRZERO's number.
The two differ in their nfgenmsg: the expectation statistics always carry
nfgen_family AF_UNSPEC (0) and the CPU in res_id, a conntrack entry its
layer-3 family (ctnetlink_fill_info: nf_ct_l3num(), AF_INET or AF_INET6).
So ct_get_ctrzero with nfgen_family 0 is decoded (and encoded) with
expect_stats_attrs (Msg.variants); the type's name stays ct_get_ctrzero.
A dump request of ct_get_ctrzero for every family (nfgen_family 0) that
carries filter attributes is therefore read with the statistics' names:
give it AF_INET or AF_INET6 to filter (the request without attributes is
the same either way).

Events: join ``conntrack_new``, ``conntrack_update``, ``conntrack_destroy``
(and ``conntrack_exp_*``): NFNLGRP_* of enum nfnetlink_groups.
"""

from construct import Int8ul, Int16ub, Struct

from nlcodec.spec import Attr, AttrSet, Enum, Family, Flags, Msg

H = "linux/netfilter/nfnetlink_conntrack.h"
NFNL = "linux/netfilter/nfnetlink.h"
COMMON = "linux/netfilter/nf_conntrack_common.h"
TCP = "linux/netfilter/nf_conntrack_tcp.h"

nfgenmsg = Struct("nfgen_family" / Int8ul, "version" / Int8ul, "res_id" / Int16ub)

# struct nf_ct_tcp_flags (linux/netfilter/nf_conntrack_tcp.h)
nf_ct_tcp_flags = Struct("flags" / Int8ul, "mask" / Int8ul)

tuple_ip_attrs = AttrSet("tuple_ip_attrs", [
    Attr(1, "ip_v4_src", "u32", byte_order="big", display="ipv4"),
    Attr(2, "ip_v4_dst", "u32", byte_order="big", display="ipv4"),
    Attr(3, "ip_v6_src", "binary", display="ipv6", min_len=16, max_len=16),
    Attr(4, "ip_v6_dst", "binary", display="ipv6", min_len=16, max_len=16),
], prefix="CTA_", uapi_header=H, nested_flag=True)

tuple_proto_attrs = AttrSet("tuple_proto_attrs", [
    Attr(1, "proto_num", "u8"),
    Attr(2, "proto_src_port", "u16", byte_order="big"),
    Attr(3, "proto_dst_port", "u16", byte_order="big"),
    Attr(4, "proto_icmp_id", "u16", byte_order="big"),
    Attr(5, "proto_icmp_type", "u8"),
    Attr(6, "proto_icmp_code", "u8"),
    Attr(7, "proto_icmpv6_id", "u16", byte_order="big"),
    Attr(8, "proto_icmpv6_type", "u8"),
    Attr(9, "proto_icmpv6_code", "u8"),
], prefix="CTA_", uapi_header=H, nested_flag=True)

tuple_attrs = AttrSet("tuple_attrs", [
    Attr(1, "tuple_ip", "nest", nested="tuple_ip_attrs"),
    Attr(2, "tuple_proto", "nest", nested="tuple_proto_attrs"),
    Attr(3, "tuple_zone", "u16", byte_order="big"),
], prefix="CTA_", uapi_header=H, nested_flag=True)

protoinfo_tcp_attrs = AttrSet("protoinfo_tcp_attrs", [
    Attr(1, "tcp_state", "u8", enum="tcp_conntrack"),
    Attr(2, "tcp_wscale_original", "u8"),
    Attr(3, "tcp_wscale_reply", "u8"),
    Attr(4, "tcp_flags_original", "binary", struct=nf_ct_tcp_flags),
    Attr(5, "tcp_flags_reply", "binary", struct=nf_ct_tcp_flags),
], prefix="CTA_PROTOINFO_", uapi_header=H, nested_flag=True)

protoinfo_dccp_attrs = AttrSet("protoinfo_dccp_attrs", [
    Attr(1, "dccp_state", "u8"),
    Attr(2, "dccp_role", "u8"),
    Attr(3, "dccp_handshake_seq", "u64", byte_order="big"),
    Attr(4, "dccp_pad", "pad"),
], prefix="CTA_PROTOINFO_", uapi_header=H, nested_flag=True)

protoinfo_sctp_attrs = AttrSet("protoinfo_sctp_attrs", [
    Attr(1, "sctp_state", "u8"),
    Attr(2, "vtag_original", "u32", byte_order="big", uapi="CTA_PROTOINFO_SCTP_VTAG_ORIGINAL"),
    Attr(3, "vtag_reply", "u32", byte_order="big", uapi="CTA_PROTOINFO_SCTP_VTAG_REPLY"),
], prefix="CTA_PROTOINFO_", uapi_header=H, nested_flag=True)

protoinfo_attrs = AttrSet("protoinfo_attrs", [
    Attr(1, "protoinfo_tcp", "nest", nested="protoinfo_tcp_attrs"),
    Attr(2, "protoinfo_dccp", "nest", nested="protoinfo_dccp_attrs"),
    Attr(3, "protoinfo_sctp", "nest", nested="protoinfo_sctp_attrs"),
], prefix="CTA_", uapi_header=H, nested_flag=True)

counter_attrs = AttrSet("counter_attrs", [
    Attr(1, "packets", "u64", byte_order="big"),
    Attr(2, "bytes", "u64", byte_order="big"),
    Attr(3, "packets_old", "u32", byte_order="big", uapi="CTA_COUNTERS32_PACKETS"),
    Attr(4, "bytes_old", "u32", byte_order="big", uapi="CTA_COUNTERS32_BYTES"),
    Attr(5, "pad", "pad"),
], prefix="CTA_COUNTERS_", uapi_header=H, nested_flag=True)

timestamp_attrs = AttrSet("timestamp_attrs", [
    Attr(1, "start", "u64", byte_order="big"),      # ns, CLOCK_REALTIME
    Attr(2, "stop", "u64", byte_order="big"),
    Attr(3, "pad", "pad"),
], prefix="CTA_TIMESTAMP_", uapi_header=H, nested_flag=True)

help_attrs = AttrSet("help_attrs", [
    Attr(1, "help_name", "string"),
    Attr(2, "help_info", "binary", display="hex"),
], prefix="CTA_", uapi_header=H, nested_flag=True)

nat_proto_attrs = AttrSet("nat_proto_attrs", [
    Attr(1, "nat_port_min", "u16", byte_order="big", uapi="CTA_PROTONAT_PORT_MIN"),
    Attr(2, "nat_port_max", "u16", byte_order="big", uapi="CTA_PROTONAT_PORT_MAX"),
], uapi_header=H, nested_flag=True)

nat_attrs = AttrSet("nat_attrs", [
    Attr(1, "nat_v4_minip", "u32", byte_order="big", display="ipv4"),
    Attr(2, "nat_v4_maxip", "u32", byte_order="big", display="ipv4"),
    Attr(3, "nat_proto", "nest", nested="nat_proto_attrs"),
    Attr(4, "nat_v6_minip", "binary", display="ipv6", min_len=16, max_len=16),
    Attr(5, "nat_v6_maxip", "binary", display="ipv6", min_len=16, max_len=16),
], prefix="CTA_", uapi_header=H, nested_flag=True)

seqadj_attrs = AttrSet("seqadj_attrs", [
    Attr(1, "correction_pos", "u32", byte_order="big"),
    Attr(2, "offset_before", "u32", byte_order="big"),
    Attr(3, "offset_after", "u32", byte_order="big"),
], prefix="CTA_SEQADJ_", uapi_header=H, nested_flag=True)

secctx_attrs = AttrSet("secctx_attrs", [
    Attr(1, "secctx_name", "string"),
], prefix="CTA_", uapi_header=H, nested_flag=True)

synproxy_attrs = AttrSet("synproxy_attrs", [
    Attr(1, "isn", "u32", byte_order="big"),
    Attr(2, "its", "u32", byte_order="big"),
    Attr(3, "tsoff", "u32", byte_order="big"),
], prefix="CTA_SYNPROXY_", uapi_header=H, nested_flag=True)

# CTA_FILTER of a dump request: which tuple members of CTA_TUPLE_ORIG /
# CTA_TUPLE_REPLY must match (CTA_FILTER_FLAG_* bits, host order: NLA_U32)
filter_attrs = AttrSet("filter_attrs", [
    Attr(1, "orig_flags", "u32", display="hex"),
    Attr(2, "reply_flags", "u32", display="hex"),
], prefix="CTA_FILTER_", uapi_header=H, nested_flag=True)

conntrack_attrs = AttrSet("conntrack_attrs", [
    Attr(1, "tuple_orig", "nest", nested="tuple_attrs"),
    Attr(2, "tuple_reply", "nest", nested="tuple_attrs"),
    Attr(3, "status", "u32", byte_order="big", enum="ip_conntrack_status"),
    Attr(4, "protoinfo", "nest", nested="protoinfo_attrs"),
    Attr(5, "help", "nest", nested="help_attrs"),
    Attr(6, "nat_src", "nest", nested="nat_attrs"),
    Attr(7, "timeout", "u32", byte_order="big"),             # seconds
    Attr(8, "mark", "u32", byte_order="big", display="hex"),
    Attr(9, "counters_orig", "nest", nested="counter_attrs"),
    Attr(10, "counters_reply", "nest", nested="counter_attrs"),
    Attr(11, "use", "u32", byte_order="big"),
    Attr(12, "id", "u32", byte_order="big"),
    Attr(13, "nat_dst", "nest", nested="nat_attrs"),
    Attr(14, "tuple_master", "nest", nested="tuple_attrs"),
    Attr(15, "seq_adj_orig", "nest", nested="seqadj_attrs"),
    Attr(16, "seq_adj_reply", "nest", nested="seqadj_attrs"),
    Attr(17, "secmark", "binary", display="hex"),           # obsolete
    Attr(18, "zone", "u16", byte_order="big"),
    Attr(19, "secctx", "nest", nested="secctx_attrs"),
    Attr(20, "timestamp", "nest", nested="timestamp_attrs"),
    Attr(21, "mark_mask", "u32", byte_order="big", display="hex"),
    Attr(22, "labels", "binary", display="hex"),             # a 128-bit bitmap
    Attr(23, "labels_mask", "binary", display="hex"),
    Attr(24, "synproxy", "nest", nested="synproxy_attrs"),
    Attr(25, "filter", "nest", nested="filter_attrs"),
    Attr(26, "status_mask", "u32", byte_order="big", enum="ip_conntrack_status"),
    Attr(27, "timestamp_event", "u64", byte_order="big"),    # newer than 6.1
], prefix="CTA_", uapi_header=H, nested_flag=True)

stats_cpu_attrs = AttrSet("stats_cpu_attrs", [
    Attr(1, "searched", "u32", byte_order="big"),
    Attr(2, "found", "u32", byte_order="big"),
    Attr(3, "new", "u32", byte_order="big"),
    Attr(4, "invalid", "u32", byte_order="big"),
    Attr(5, "ignore", "u32", byte_order="big"),
    Attr(6, "delete", "u32", byte_order="big"),
    Attr(7, "delete_list", "u32", byte_order="big"),
    Attr(8, "insert", "u32", byte_order="big"),
    Attr(9, "insert_failed", "u32", byte_order="big"),
    Attr(10, "drop", "u32", byte_order="big"),
    Attr(11, "early_drop", "u32", byte_order="big"),
    Attr(12, "error", "u32", byte_order="big"),
    Attr(13, "search_restart", "u32", byte_order="big"),
    Attr(14, "clash_resolve", "u32", byte_order="big"),
    Attr(15, "chain_toolong", "u32", byte_order="big"),
], prefix="CTA_STATS_", uapi_header=H, nested_flag=True)

stats_global_attrs = AttrSet("stats_global_attrs", [
    Attr(1, "entries", "u32", byte_order="big"),
    Attr(2, "max_entries", "u32", byte_order="big"),
], prefix="CTA_STATS_GLOBAL_", uapi_header=H, nested_flag=True)

# the expectations' per-CPU statistics (ctnetlink_exp_stat_fill_info): in the
# conntrack family too, as the kernel sends them with its message type 3
expect_stats_attrs = AttrSet("expect_stats_attrs", [
    Attr(1, "new", "u32", byte_order="big"),
    Attr(2, "create", "u32", byte_order="big"),
    Attr(3, "delete", "u32", byte_order="big"),
], prefix="CTA_STATS_EXP_", uapi_header=H, nested_flag=True)

# -- expectations (NFNL_SUBSYS_CTNETLINK_EXP) --------------------------------

expect_nat_attrs = AttrSet("expect_nat_attrs", [
    Attr(1, "dir", "u32", byte_order="big"),
    Attr(2, "tuple", "nest", nested="tuple_attrs"),
], prefix="CTA_EXPECT_NAT_", uapi_header=H, nested_flag=True)

expect_attrs = AttrSet("expect_attrs", [
    Attr(1, "master", "nest", nested="tuple_attrs"),
    Attr(2, "tuple", "nest", nested="tuple_attrs"),
    Attr(3, "mask", "nest", nested="tuple_attrs"),
    Attr(4, "timeout", "u32", byte_order="big"),
    Attr(5, "id", "u32", byte_order="big"),
    Attr(6, "help_name", "string"),
    Attr(7, "zone", "u16", byte_order="big"),
    Attr(8, "flags", "u32", byte_order="big", enum="nf_ct_expect_flags"),
    Attr(9, "class", "u32", byte_order="big"),
    Attr(10, "nat", "nest", nested="expect_nat_attrs"),
    Attr(11, "fn", "string"),
], prefix="CTA_EXPECT_", uapi_header=H, nested_flag=True)


# -- named values --------------------------------------------------------------

ip_conntrack_status = Flags("ip_conntrack_status", {
    "expected": 1 << 0, "seen_reply": 1 << 1, "assured": 1 << 2, "confirmed": 1 << 3,
    "src_nat": 1 << 4, "dst_nat": 1 << 5, "seq_adjust": 1 << 6, "src_nat_done": 1 << 7,
    "dst_nat_done": 1 << 8, "dying": 1 << 9, "fixed_timeout": 1 << 10, "template": 1 << 11,
    "untracked": 1 << 12,      # IPS_NAT_CLASH in newer headers: the same bit
    "helper": 1 << 13, "offload": 1 << 14, "hw_offload": 1 << 15,
}, prefix="IPS_", uapi_header=COMMON)

tcp_conntrack = Enum("tcp_conntrack", {
    "none": 0, "syn_sent": 1, "syn_recv": 2, "established": 3, "fin_wait": 4,
    "close_wait": 5, "last_ack": 6, "time_wait": 7, "close": 8, "syn_sent2": 9,
    "max": 10, "ignore": 11, "retrans": 12, "unack": 13, "timeout_max": 14,
}, prefix="TCP_CONNTRACK_", uapi_header=TCP)

tcp_flags = Flags("ip_ct_tcp_flags", {
    "window_scale": 0x01, "sack_perm": 0x02, "close_init": 0x04, "be_liberal": 0x08,
    "data_unacknowledged": 0x10, "maxack_set": 0x20,
}, prefix="IP_CT_TCP_FLAG_", uapi_header=TCP)

nf_ct_expect_flags = Flags("nf_ct_expect_flags", {
    "permanent": 0x1, "inactive": 0x2, "userspace": 0x4,
}, prefix="NF_CT_EXPECT_", uapi_header=COMMON)

nfnetlink_groups = Enum("nfnetlink_groups", {
    "none": 0, "conntrack_new": 1, "conntrack_update": 2, "conntrack_destroy": 3,
    "conntrack_exp_new": 4, "conntrack_exp_update": 5, "conntrack_exp_destroy": 6,
    "nftables": 7, "acct_quota": 8, "nftrace": 9,
}, prefix="NFNLGRP_", uapi_header=NFNL)

nfnl_subsys = Enum("nfnl_subsys", {
    "none": 0, "ctnetlink": 1, "ctnetlink_exp": 2, "queue": 3, "ulog": 4, "osf": 5,
    "ipset": 6, "acct": 7, "ctnetlink_timeout": 8, "cthelper": 9, "nftables": 10,
    "nft_compat": 11, "hook": 12,
}, prefix="NFNL_SUBSYS_", uapi_header=NFNL)

SUBSYS = nfnl_subsys.values

FAMILIES = [
    Family("conntrack", "netfilter", header=nfgenmsg, msg_prefix="IPCTNL_MSG_", uapi_header=H,
           subsys=SUBSYS["ctnetlink"], subsys_uapi="NFNL_SUBSYS_CTNETLINK",
           groups_enum="nfnetlink_groups",
           mcast_groups=("conntrack_new", "conntrack_update", "conntrack_destroy"),
           messages=[
               Msg(0, "ct_new", attrs="conntrack_attrs"),
               Msg(1, "ct_get", attrs="conntrack_attrs"),
               Msg(2, "ct_delete", attrs="conntrack_attrs"),
               # nfgen_family 0: the reply to exp_get_stats_cpu (see above)
               Msg(3, "ct_get_ctrzero", attrs="conntrack_attrs",
                   variants=("nfgen_family", {0: "expect_stats_attrs"})),
               Msg(4, "ct_get_stats_cpu", attrs="stats_cpu_attrs"),
               Msg(5, "ct_get_stats", attrs="stats_global_attrs"),
               Msg(6, "ct_get_dying", attrs="conntrack_attrs"),
               Msg(7, "ct_get_unconfirmed", attrs="conntrack_attrs"),
           ],
           attrsets=[tuple_ip_attrs, tuple_proto_attrs, tuple_attrs, protoinfo_tcp_attrs,
                     protoinfo_dccp_attrs, protoinfo_sctp_attrs, protoinfo_attrs, counter_attrs,
                     timestamp_attrs, help_attrs, nat_proto_attrs, nat_attrs, seqadj_attrs,
                     secctx_attrs, synproxy_attrs, filter_attrs, conntrack_attrs,
                     stats_cpu_attrs, stats_global_attrs, expect_stats_attrs],
           enums=[ip_conntrack_status, tcp_conntrack, tcp_flags, nfnetlink_groups, nfnl_subsys],
           doc="ctnetlink: conntrack entries, nfgenmsg header, NFNL_SUBSYS_CTNETLINK"),
    Family("conntrack_exp", "netfilter", header=nfgenmsg, msg_prefix="IPCTNL_MSG_",
           uapi_header=H, subsys=SUBSYS["ctnetlink_exp"], subsys_uapi="NFNL_SUBSYS_CTNETLINK_EXP",
           uses=("conntrack",), groups_enum="nfnetlink_groups",
           mcast_groups=("conntrack_exp_new", "conntrack_exp_update", "conntrack_exp_destroy"),
           messages=[
               Msg(0, "exp_new", attrs="expect_attrs"),
               Msg(1, "exp_get", attrs="expect_attrs"),
               Msg(2, "exp_delete", attrs="expect_attrs"),
               Msg(3, "exp_get_stats_cpu", attrs="expect_stats_attrs"),
           ],
           attrsets=[expect_nat_attrs, expect_attrs],
           enums=[nf_ct_expect_flags],
           doc="ctnetlink expectations: NFNL_SUBSYS_CTNETLINK_EXP"),
]
