"""Traffic control (rtnetlink): qdiscs, classes, filters, chains and actions.

One family, "tc", on NETLINK_ROUTE.  Qdisc, class, filter and chain messages
carry ``struct tcmsg`` and the TCA_* attributes (linux/rtnetlink.h); TCA_KIND
selects what TCA_OPTIONS holds (a qdisc's, a class's or a filter's options).
Action messages carry ``struct tcamsg`` and the TCA_ROOT_* attributes, whose
TCA_ROOT_TAB (TCA_ACT_TAB) is an array of actions.

Classifiers live in ``tc_flower.py``, actions in ``tc_actions.py``.  Handles,
parents and verdicts in tc's notation: ``nlcodec.tc``.
"""

from construct import Array, Int8sl, Int8ul, Int16sn, Int16un, Int32sn, Int32un, Int64sn, \
    Int64un, GreedyRange, Padding, Struct

from nlcodec.spec import Attr, AttrSet, Enum, Family, Flags, Msg, SubMessage

from . import tc_actions, tc_flower
from .tc_actions import bitfield32, rate_table, tc_ratespec

# -- headers ------------------------------------------------------------------------

# tcm_info: a qdisc's refcnt, a class's leaf qdisc handle, or a filter's
# priority << 16 | htons(protocol) (nlcodec.tc.filter_info / split_info)
# handle and parent take tc's notation too ("1:10", "ffff:", "root", "ingress"), info
# "pref 10 protocol ip" (nlcodec.names)
tcmsg = Struct("family" / Int8ul * "enum:address_family", Padding(3), "ifindex" / Int32sn,
               "handle" / Int32un * "tc_object_handle", "parent" / Int32un * "tc_handle",
               "info" / Int32un * "tc_info")
tcamsg = Struct("family" / Int8ul * "enum:address_family", Padding(3))

# -- statistics (linux/gen_stats.h, linux/pkt_sched.h) ---------------------------

gnet_stats_basic = Struct("bytes" / Int64un, "packets" / Int32un, Padding(4))
gnet_stats_rate_est = Struct("bps" / Int32un, "pps" / Int32un)
gnet_stats_rate_est64 = Struct("bps" / Int64un, "pps" / Int64un)
gnet_stats_queue = Struct("qlen" / Int32un, "backlog" / Int32un, "drops" / Int32un,
                          "requeues" / Int32un, "overlimits" / Int32un)
gnet_estimator = Struct("interval" / Int8sl, "ewma_log" / Int8ul)
tc_stats = Struct("bytes" / Int64un, "packets" / Int32un, "drops" / Int32un,
                  "overlimits" / Int32un, "bps" / Int32un, "pps" / Int32un, "qlen" / Int32un,
                  "backlog" / Int32un, Padding(4))
tc_sizespec = Struct("cell_log" / Int8ul, "size_log" / Int8ul, "cell_align" / Int16sn,
                     "overhead" / Int32sn, "linklayer" / Int32un, "mpu" / Int32un,
                     "mtu" / Int32un, "tsize" / Int32un)

tca_stats_attrs = AttrSet("tca_stats_attrs", [
    Attr(1, "basic", "binary", struct=gnet_stats_basic),
    Attr(2, "rate_est", "binary", struct=gnet_stats_rate_est),
    Attr(3, "queue", "binary", struct=gnet_stats_queue),
    # the qdisc's own statistics (what TCA_XSTATS holds); no TCA_KIND in here to pick a format
    Attr(4, "app", "binary"),
    Attr(5, "rate_est64", "binary", struct=gnet_stats_rate_est64),
    Attr(6, "pad", "pad"),
    Attr(7, "basic_hw", "binary", struct=gnet_stats_basic),
    Attr(8, "pkt64", "u64"),
], prefix="TCA_STATS_", uapi_header="linux/gen_stats.h")

tca_stab_attrs = AttrSet("tca_stab_attrs", [
    Attr(1, "base", "binary", struct=tc_sizespec),
    Attr(2, "data", "binary", struct=Struct("table" / GreedyRange(Int16un))),
], prefix="TCA_STAB_", uapi_header="linux/pkt_sched.h")

# -- qdisc (and class) options ----------------------------------------------------------

tc_htb_opt = Struct("rate" / tc_ratespec, "ceil" / tc_ratespec, "buffer" / Int32un,
                    "cbuffer" / Int32un, "quantum" / Int32un, "level" / Int32un,
                    "prio" / Int32un)
tc_htb_glob = Struct("version" / Int32un, "rate2quantum" / Int32un, "defcls" / Int32un,
                     "debug" / Int32un, "direct_pkts" / Int32un)
tc_htb_xstats = Struct("lends" / Int32un, "borrows" / Int32un, "giants" / Int32un,
                       "tokens" / Int32sn, "ctokens" / Int32sn)
tc_tbf_qopt = Struct("rate" / tc_ratespec, "peakrate" / tc_ratespec, "limit" / Int32un,
                     "buffer" / Int32un, "mtu" / Int32un)
tc_prio_qopt = Struct("bands" / Int32sn, "priomap" / Array(16, Int8ul))
tc_fifo_qopt = Struct("limit" / Int32un)
tc_multiq_qopt = Struct("bands" / Int16un, "max_bands" / Int16un)
tc_sfq_qopt = Struct("quantum" / Int32un, "perturb_period" / Int32sn, "limit" / Int32un,
                     "divisor" / Int32un, "flows" / Int32un)
tc_sfqred_stats = Struct("prob_drop" / Int32un, "forced_drop" / Int32un,
                         "prob_mark" / Int32un, "forced_mark" / Int32un,
                         "prob_mark_head" / Int32un, "forced_mark_head" / Int32un)
tc_sfq_qopt_v1 = Struct("v0" / tc_sfq_qopt, "depth" / Int32un, "headdrop" / Int32un,
                        "limit" / Int32un, "qth_min" / Int32un, "qth_max" / Int32un,
                        "wlog" / Int8ul, "plog" / Int8ul, "scell_log" / Int8ul,
                        "flags" / Int8ul, "max_p" / Int32un, "stats" / tc_sfqred_stats)
tc_red_qopt = Struct("limit" / Int32un, "qth_min" / Int32un, "qth_max" / Int32un,
                     "wlog" / Int8ul, "plog" / Int8ul, "scell_log" / Int8ul, "flags" / Int8ul)
# TCA_RED_STAB / TCA_CHOKE_STAB: 256 bytes, the idle damping table (net/sched/sch_red.c
# red_change reads RED_STAB_SIZE u8s)
red_stab = Struct("table" / GreedyRange(Int8ul))
tc_netem_qopt = Struct("latency" / Int32un, "limit" / Int32un, "loss" / Int32un,
                       "gap" / Int32un, "duplicate" / Int32un, "jitter" / Int32un)
tc_netem_corr = Struct("delay_corr" / Int32un, "loss_corr" / Int32un, "dup_corr" / Int32un)
tc_netem_reorder = Struct("probability" / Int32un, "correlation" / Int32un)
tc_netem_corrupt = Struct("probability" / Int32un, "correlation" / Int32un)
tc_netem_rate = Struct("rate" / Int32un, "packet_overhead" / Int32sn, "cell_size" / Int32un,
                       "cell_overhead" / Int32sn)
tc_netem_slot = Struct("min_delay" / Int64sn, "max_delay" / Int64sn, "max_packets" / Int32sn,
                       "max_bytes" / Int32sn, "dist_delay" / Int64sn, "dist_jitter" / Int64sn)
tc_netem_gimodel = Struct("p13" / Int32un, "p31" / Int32un, "p32" / Int32un, "p14" / Int32un,
                          "p23" / Int32un)
tc_netem_gemodel = Struct("p" / Int32un, "r" / Int32un, "h" / Int32un, "k1" / Int32un)
netem_dist = Struct("table" / GreedyRange(Int16sn))
# mqprio's sizes, modes and shapers; etf's flags and the clocks tc's etf names
# (tc/q_etf.c clockids_sysv): linux/pkt_sched.h; the kernel's CLOCK_* as glibc's
# time.h has them (linux/time.h clashes with sys/socket.h in one program)
tc_qopt = Enum("tc_qopt", {"bitmask": 15, "max_queue": 16}, prefix="TC_QOPT_",
               uapi_header="linux/pkt_sched.h")
tc_mqprio_mode = Enum("tc_mqprio_mode", {"dcb": 0, "channel": 1}, prefix="TC_MQPRIO_MODE_",
                      uapi_header="linux/pkt_sched.h")
tc_mqprio_shaper = Enum("tc_mqprio_shaper", {"dcb": 0, "bw_rate": 1},
                        prefix="TC_MQPRIO_SHAPER_", uapi_header="linux/pkt_sched.h")
tc_etf_flags = Flags("tc_etf_flags", {"deadline_mode_on": 1, "offload_on": 2,
                                      "skip_sock_check": 4},
                     prefix="TC_ETF_", uapi_header="linux/pkt_sched.h")
clockid = Enum("clockid", {"realtime": 0, "monotonic": 1, "boottime": 7, "tai": 11},
               prefix="CLOCK_", uapi_header="time.h")
tc_mqprio_qopt = Struct("num_tc" / Int8ul, "prio_tc_map" / Array(16, Int8ul), "hw" / Int8ul,
                        "count" / Array(16, Int16un), "offset" / Array(16, Int16un))
tc_cbs_qopt = Struct("offload" / Int8ul, Padding(3), "hicredit" / Int32sn,
                     "locredit" / Int32sn, "idleslope" / Int32sn, "sendslope" / Int32sn)
tc_etf_qopt = Struct("delta" / Int32sn, "clockid" / Int32sn * "enum:clockid",
                     "flags" / Int32un * "enum:tc_etf_flags")
tc_sfb_qopt = Struct("rehash_interval" / Int32un, "warmup_time" / Int32un, "max" / Int32un,
                     "bin_size" / Int32un, "increment" / Int32un, "decrement" / Int32un,
                     "limit" / Int32un, "penalty_rate" / Int32un, "penalty_burst" / Int32un)

# xstats: the qdisc variant of the union (the kernel always sends the whole union)
tc_fq_codel_xstats = Struct(
    "type" / Int32un, "maxpacket" / Int32un, "drop_overlimit" / Int32un, "ecn_mark" / Int32un,
    "new_flow_count" / Int32un, "new_flows_len" / Int32un, "old_flows_len" / Int32un,
    "ce_mark" / Int32un, "memory_usage" / Int32un, "drop_overmemory" / Int32un)
tc_codel_xstats = Struct(
    "maxpacket" / Int32un, "count" / Int32un, "lastcount" / Int32un, "ldelay" / Int32un,
    "drop_next" / Int32sn, "drop_overlimit" / Int32un, "ecn_mark" / Int32un,
    "dropping" / Int32un, "ce_mark" / Int32un)
tc_red_xstats = Struct("early" / Int32un, "pdrop" / Int32un, "other" / Int32un,
                       "marked" / Int32un)
tc_sfq_xstats = Struct("allot" / Int32sn)
tc_fq_qd_stats = Struct(
    "gc_flows" / Int64un, "highprio_packets" / Int64un, "tcp_retrans" / Int64un,
    "throttled" / Int64un, "flows_plimit" / Int64un, "pkts_too_long" / Int64un,
    "allocation_errors" / Int64un, "time_next_delayed_flow" / Int64sn, "flows" / Int32un,
    "inactive_flows" / Int32un, "throttled_flows" / Int32un, "unthrottle_latency_ns" / Int32un,
    "ce_mark" / Int64un, "horizon_drops" / Int64un, "horizon_caps" / Int64un)
tc_pie_xstats = Struct("prob" / Int64un, "delay" / Int32un, "avg_dq_rate" / Int32un,
                       "dq_rate_estimating" / Int32un, "packets_in" / Int32un,
                       "dropped" / Int32un, "overlimit" / Int32un, "maxq" / Int32un,
                       "ecn_mark" / Int32un)
tc_fq_pie_xstats = Struct(*(n / Int32un for n in (
    "packets_in", "dropped", "overlimit", "overmemory", "ecn_mark", "new_flow_count",
    "new_flows_len", "old_flows_len", "memory_usage")))
tc_hhf_xstats = Struct("drop_overlimit" / Int32un, "hh_overlimit" / Int32un,
                       "hh_tot_count" / Int32un, "hh_cur_count" / Int32un)
tc_choke_xstats = Struct(*(n / Int32un for n in (
    "early", "pdrop", "other", "marked", "matched")))
tc_sfb_xstats = Struct(*(n / Int32un for n in (
    "earlydrop", "penaltydrop", "bucketdrop", "queuedrop", "childdrop", "marked", "maxqlen",
    "maxprob", "avgprob")))

htb_attrs = AttrSet("htb_attrs", [
    Attr(1, "parms", "binary", struct=tc_htb_opt),      # classes
    Attr(2, "init", "binary", struct=tc_htb_glob),      # the qdisc
    Attr(3, "ctab", "binary", struct=rate_table),
    Attr(4, "rtab", "binary", struct=rate_table),
    Attr(5, "direct_qlen", "u32"),
    Attr(6, "rate64", "u64"),
    Attr(7, "ceil64", "u64"),
    Attr(8, "pad", "pad"),
    Attr(9, "offload", "flag"),
], prefix="TCA_HTB_", uapi_header="linux/pkt_sched.h")

tbf_attrs = AttrSet("tbf_attrs", [
    Attr(1, "parms", "binary", struct=tc_tbf_qopt),
    Attr(2, "rtab", "binary", struct=rate_table),
    Attr(3, "ptab", "binary", struct=rate_table),
    Attr(4, "rate64", "u64"),
    Attr(5, "prate64", "u64"),
    Attr(6, "burst", "u32"),
    Attr(7, "pburst", "u32"),
    Attr(8, "pad", "pad"),
], prefix="TCA_TBF_", uapi_header="linux/pkt_sched.h")

fq_codel_attrs = AttrSet("fq_codel_attrs", [
    Attr(1, "target", "u32"),
    Attr(2, "limit", "u32"),
    Attr(3, "interval", "u32"),
    Attr(4, "ecn", "u32"),
    Attr(5, "flows", "u32"),
    Attr(6, "quantum", "u32"),
    Attr(7, "ce_threshold", "u32"),
    Attr(8, "drop_batch_size", "u32"),
    Attr(9, "memory_limit", "u32"),
    Attr(10, "ce_threshold_selector", "u8"),
    Attr(11, "ce_threshold_mask", "u8"),
], prefix="TCA_FQ_CODEL_", uapi_header="linux/pkt_sched.h")

codel_attrs = AttrSet("codel_attrs", [
    Attr(1, "target", "u32"),
    Attr(2, "limit", "u32"),
    Attr(3, "interval", "u32"),
    Attr(4, "ecn", "u32"),
    Attr(5, "ce_threshold", "u32"),
], prefix="TCA_CODEL_", uapi_header="linux/pkt_sched.h")

# tc_red_qopt.flags and TCA_RED_FLAGS' bits (red, choke, sfq's RED); SFB_MAX_PROB: the
# probability 1.0 of sfb's increment/decrement
tc_red_flags = Flags("tc_red_flags", {"ecn": 1, "harddrop": 2, "adaptative": 4, "nodrop": 8},
                     prefix="TC_RED_", uapi_header="linux/pkt_sched.h")
sfb_consts = Enum("sfb_consts", {"max_prob": 0xFFFF}, prefix="SFB_",
                  uapi_header="linux/pkt_sched.h")
QDISC_ENUMS = [tc_red_flags, sfb_consts]

red_attrs = AttrSet("red_attrs", [
    Attr(1, "parms", "binary", struct=tc_red_qopt),
    Attr(2, "stab", "binary", struct=red_stab),
    Attr(3, "max_p", "u32"),
    Attr(4, "flags", "binary", struct=bitfield32, doc="tc_red_flags"),
    Attr(5, "early_drop_block", "u32"),
    Attr(6, "mark_block", "u32"),
], prefix="TCA_RED_", uapi_header="linux/pkt_sched.h")

choke_attrs = AttrSet("choke_attrs", [
    Attr(1, "parms", "binary", struct=tc_red_qopt),     # struct tc_choke_qopt: same layout
    Attr(2, "stab", "binary", struct=red_stab),
    Attr(3, "max_p", "u32"),
], prefix="TCA_CHOKE_", uapi_header="linux/pkt_sched.h")


def _u32_set(name, prefix, names, **kw):
    """A qdisc whose options are all u32 (pie, fq_pie, hhf, drr, qfq ...)."""
    return AttrSet(name, [Attr(i, n, "u32") for i, n in enumerate(names, 1)], prefix=prefix,
                   uapi_header="linux/pkt_sched.h", **kw)


fq_attrs = AttrSet("fq_attrs", [
    Attr(i, n, "u32") for i, n in enumerate((
        "plimit", "flow_plimit", "quantum", "initial_quantum", "rate_enable",
        "flow_default_rate", "flow_max_rate", "buckets_log", "flow_refill_delay",
        "orphan_mask", "low_rate_threshold", "ce_threshold", "timer_slack", "horizon"), 1)
] + [Attr(15, "horizon_drop", "u8")], prefix="TCA_FQ_", uapi_header="linux/pkt_sched.h")
pie_attrs = _u32_set("pie_attrs", "TCA_PIE_", (
    "target", "limit", "tupdate", "alpha", "beta", "ecn", "bytemode", "dq_rate_estimator"))
fq_pie_attrs = _u32_set("fq_pie_attrs", "TCA_FQ_PIE_", (
    "limit", "flows", "target", "tupdate", "alpha", "beta", "quantum", "memory_limit",
    "ecn_prob", "ecn", "bytemode", "dq_rate_estimator"))
hhf_attrs = _u32_set("hhf_attrs", "TCA_HHF_", (
    "backlog_limit", "quantum", "hh_flows_limit", "reset_timeout", "admit_bytes",
    "evict_timeout", "non_hh_weight"))
drr_attrs = _u32_set("drr_attrs", "TCA_DRR_", ("quantum",))
qfq_attrs = _u32_set("qfq_attrs", "TCA_QFQ_", ("weight", "lmax"))

cbs_attrs = AttrSet("cbs_attrs", [Attr(1, "parms", "binary", struct=tc_cbs_qopt)],
                    prefix="TCA_CBS_", uapi_header="linux/pkt_sched.h")
etf_attrs = AttrSet("etf_attrs", [Attr(1, "parms", "binary", struct=tc_etf_qopt)],
                    prefix="TCA_ETF_", uapi_header="linux/pkt_sched.h")
sfb_attrs = AttrSet("sfb_attrs", [Attr(1, "parms", "binary", struct=tc_sfb_qopt)],
                    prefix="TCA_SFB_", uapi_header="linux/pkt_sched.h")

# mqprio: TCA_OPTIONS is struct tc_mqprio_qopt followed by these attributes; the
# rate nests repeat their own type once per traffic class
mqprio_attrs = AttrSet("mqprio_attrs", [
    Attr(1, "mode", "u16", enum="tc_mqprio_mode"),
    Attr(2, "shaper", "u16", enum="tc_mqprio_shaper"),
    Attr(3, "min_rate64", "nest", nested="mqprio_rate_attrs"),
    Attr(4, "max_rate64", "nest", nested="mqprio_rate_attrs"),
], prefix="TCA_MQPRIO_", uapi_header="linux/pkt_sched.h")
mqprio_rate_attrs = AttrSet("mqprio_rate_attrs", [
    Attr(3, "min_rate64", "u64", multi=True),
    Attr(4, "max_rate64", "u64", multi=True),
], prefix="TCA_MQPRIO_", uapi_header="linux/pkt_sched.h")

# prio: TCA_OPTIONS is struct tc_prio_qopt; tc's request follows it with a compat nest
# (lib/libnetlink.c addattr_nest_compat: an attribute of TCA_OPTIONS's own type) that
# holds the prio attributes, TCA_PRIO_MQ for `multiqueue` (tc/q_prio.c prio_parse_opt).
# TCA_PRIO_* is iproute2's (tc/tc_util.h, "the deprecated multiqueue interface"), not
# in the UAPI headers: no uapi_header to check it against
prio_compat_attrs = AttrSet("prio_compat_attrs", [
    Attr(2, "options", "nest", nested="prio_attrs"),
], prefix="TCA_", uapi_header="linux/rtnetlink.h")
prio_attrs = AttrSet("prio_attrs", [Attr(1, "mq", "flag")], prefix="TCA_PRIO_")

# netem: TCA_OPTIONS is struct tc_netem_qopt followed by these attributes
netem_attrs = AttrSet("netem_attrs", [
    Attr(1, "corr", "binary", struct=tc_netem_corr),
    Attr(2, "delay_dist", "binary", struct=netem_dist),
    Attr(3, "reorder", "binary", struct=tc_netem_reorder),
    Attr(4, "corrupt", "binary", struct=tc_netem_corrupt),
    Attr(5, "loss", "nest", nested="netem_loss_attrs"),
    Attr(6, "rate", "binary", struct=tc_netem_rate),
    Attr(7, "ecn", "u32"),
    Attr(8, "rate64", "u64"),
    Attr(9, "pad", "pad"),
    Attr(10, "latency64", "s64"),
    Attr(11, "jitter64", "s64"),
    Attr(12, "slot", "binary", struct=tc_netem_slot),
    Attr(13, "slot_dist", "binary", struct=netem_dist),
    Attr(14, "prng_seed", "u64"),       # newer than 6.1
], prefix="TCA_NETEM_", uapi_header="linux/pkt_sched.h")

netem_loss_attrs = AttrSet("netem_loss_attrs", [
    Attr(1, "gi", "binary", struct=tc_netem_gimodel),
    Attr(2, "ge", "binary", struct=tc_netem_gemodel),
], prefix="NETEM_LOSS_", uapi_header="linux/pkt_sched.h")

# TCA_KIND -> TCA_OPTIONS: qdiscs and their classes, then filters.  None: an
# empty (or no) TCA_OPTIONS.
QDISC_OPTIONS = {
    "ingress": None, "clsact": None, "noqueue": None, "mq": None,
    "htb": "htb_attrs", "tbf": "tbf_attrs", "fq_codel": "fq_codel_attrs",
    "codel": "codel_attrs", "red": "red_attrs",
    "prio": SubMessage("prio_compat_attrs", header=tc_prio_qopt), "pfifo_fast": tc_prio_qopt,
    "pfifo": tc_fifo_qopt, "bfifo": tc_fifo_qopt, "pfifo_head_drop": tc_fifo_qopt,
    "multiq": tc_multiq_qopt, "sfq": tc_sfq_qopt_v1,
    "netem": SubMessage("netem_attrs", header=tc_netem_qopt),
    "mqprio": SubMessage("mqprio_attrs", header=tc_mqprio_qopt),
    "choke": "choke_attrs", "fq": "fq_attrs", "pie": "pie_attrs", "fq_pie": "fq_pie_attrs",
    "hhf": "hhf_attrs", "drr": "drr_attrs", "qfq": "qfq_attrs", "cbs": "cbs_attrs",
    "etf": "etf_attrs", "sfb": "sfb_attrs",
}
OPTIONS = {**QDISC_OPTIONS, **tc_flower.FILTER_OPTIONS}

XSTATS = {
    "htb": tc_htb_xstats, "fq_codel": tc_fq_codel_xstats, "codel": tc_codel_xstats,
    "red": tc_red_xstats, "sfq": tc_sfq_xstats, "fq": tc_fq_qd_stats, "pie": tc_pie_xstats,
    "fq_pie": tc_fq_pie_xstats, "hhf": tc_hhf_xstats, "choke": tc_choke_xstats,
    "sfb": tc_sfb_xstats,
}

tc_attrs = AttrSet("tc_attrs", [
    Attr(1, "kind", "string"),
    Attr(2, "options", "sub-message", selector="kind", formats=OPTIONS),
    Attr(3, "stats", "binary", struct=tc_stats),
    Attr(4, "xstats", "sub-message", selector="kind", formats=XSTATS),
    Attr(5, "rate", "binary", struct=gnet_estimator),
    Attr(6, "fcnt", "u32"),
    Attr(7, "stats2", "nest", nested="tca_stats_attrs"),
    Attr(8, "stab", "nest", nested="tca_stab_attrs"),
    Attr(9, "pad", "pad"),
    Attr(10, "dump_invisible", "flag"),
    Attr(11, "chain", "u32"),
    Attr(12, "hw_offload", "u8"),
    Attr(13, "ingress_block", "u32"),
    Attr(14, "egress_block", "u32"),
    Attr(15, "dump_flags", "binary", struct=bitfield32, doc="TCA_DUMP_FLAGS_TERSE (1)"),
    Attr(16, "ext_warn_msg", "string"),
], prefix="TCA_", uapi_header="linux/rtnetlink.h")

# RTM_*ACTION: TCA_ROOT_TAB (alias TCA_ACT_TAB) is an array of actions
tca_root_attrs = AttrSet("tca_root_attrs", [
    Attr(1, "tab", "indexed-array", nested="act_attrs"),
    Attr(2, "flags", "binary", struct=bitfield32, doc="act_root_flags"),
    Attr(3, "count", "u32"),
    Attr(4, "time_delta", "u32", doc="msecs"),
    Attr(5, "ext_warn_msg", "string"),
], prefix="TCA_ROOT_", uapi_header="linux/rtnetlink.h")


def _msgs():
    out = []
    for base, what in ((36, "qdisc"), (40, "tclass"), (44, "tfilter"), (100, "chain")):
        for i, verb in enumerate(("new", "del", "get")):
            out.append(Msg(base + i, verb + what, attrs="tc_attrs"))
    for i, verb in enumerate(("new", "del", "get")):
        out.append(Msg(48 + i, verb + "action", header=tcamsg, attrs="tca_root_attrs"))
    return out


FAMILIES = [
    Family("tc", "route", header=tcmsg, msg_prefix="RTM_", uapi_header="linux/rtnetlink.h",
           messages=_msgs(),
           attrsets=[tc_attrs, tca_stats_attrs, tca_stab_attrs, tca_root_attrs, htb_attrs,
                     tbf_attrs, fq_codel_attrs, codel_attrs, red_attrs, netem_attrs,
                     netem_loss_attrs, choke_attrs, fq_attrs, pie_attrs, fq_pie_attrs,
                     hhf_attrs, drr_attrs, qfq_attrs, cbs_attrs, etf_attrs, sfb_attrs,
                     mqprio_attrs, mqprio_rate_attrs, prio_compat_attrs, prio_attrs]
           + tc_flower.ATTRSETS + tc_actions.ATTRSETS,
           enums=tc_flower.ENUMS + tc_actions.ENUMS
           + [tc_qopt, tc_mqprio_mode, tc_mqprio_shaper, tc_etf_flags, clockid] + QDISC_ENUMS,
           doc="traffic control: qdiscs, classes, filters, chains, actions"),
]
