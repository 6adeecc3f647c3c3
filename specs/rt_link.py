"""Links (rtnetlink): RTM_NEWLINK, RTM_DELLINK, RTM_GETLINK, RTM_SETLINK, and
the link statistics messages RTM_NEWSTATS, RTM_GETSTATS, RTM_SETSTATS.

Link messages carry ``struct ifinfomsg`` and the IFLA_* attributes
(linux/if_link.h).  IFLA_LINKINFO's IFLA_INFO_DATA is picked by
IFLA_INFO_KIND (veth, bridge, vxlan, macvlan, vlan, bond ...; other kinds keep
their payload as hex) and IFLA_INFO_SLAVE_DATA by IFLA_INFO_SLAVE_KIND
(bridge ports, bond slaves, vrf ports).  IFLA_AF_SPEC nests one attribute per
address family (AF_INET: the ipv4 devconf array, AF_INET6: IFLA_INET6_*).
The devconf and SNMP arrays are structs whose members are named after their
UAPI index enums (IPV4_DEVCONF_*, DEVCONF_*, IPSTATS_MIB_*, ICMP6_MIB_*): a
newer kernel's longer array keeps the extra elements under ``_tail``.

Messages whose ifinfomsg family is AF_BRIDGE (``bridge link``/``bridge vlan``
dumps and requests) use ``bridge_link_attrs`` (chosen by the header, see
``Msg.variants``): there IFLA_PROTINFO holds IFLA_BRPORT_* and IFLA_AF_SPEC
holds IFLA_BRIDGE_* directly.  Elsewhere IFLA_PROTINFO is kept as hex.
"""

from construct import Array, Bytes, Int8ul, Int16ub, Int16un, Int32sn, Int32un, Int64un, \
    Padding, Struct

from nlcodec.spec import Attr, AttrSet, Enum, Family, Flags, Msg

IF_LINK = "linux/if_link.h"

# -- structs -------------------------------------------------------------------------

ifinfomsg = Struct("family" / Int8ul * "enum:address_family", Padding(1), "type" / Int16un, "index" / Int32sn,
                   "flags" / Int32un * "enum:ifinfo_flags", "change" / Int32un * "enum:ifinfo_flags")

if_stats_msg = Struct("family" / Int8ul, Padding(3), "ifindex" / Int32un,
                      "filter_mask" / Int32un)

_STATS = ("rx_packets tx_packets rx_bytes tx_bytes rx_errors tx_errors rx_dropped tx_dropped "
          "multicast collisions rx_length_errors rx_over_errors rx_crc_errors rx_frame_errors "
          "rx_fifo_errors rx_missed_errors tx_aborted_errors tx_carrier_errors tx_fifo_errors "
          "tx_heartbeat_errors tx_window_errors rx_compressed tx_compressed rx_nohandler").split()

rtnl_link_stats = Struct(*[n / Int32un for n in _STATS])
rtnl_link_stats64 = Struct(*[n / Int64un for n in _STATS + ["rx_otherhost_dropped"]])
rtnl_hw_stats64 = Struct(*[n / Int64un for n in _STATS[:9]])

# 32 bytes: three u64, then irq, dma, port and 4 bytes of tail padding
rtnl_link_ifmap = Struct("mem_start" / Int64un, "mem_end" / Int64un, "base_addr" / Int64un,
                         "irq" / Int16un, "dma" / Int8ul, "port" / Int8ul, Padding(4))

ifla_bridge_id = Struct("prio" / Int16ub, "addr" / Bytes(6) * "mac")
ifla_cacheinfo = Struct("max_reasm_len" / Int32un, "tstamp" / Int32un,
                        "reachable_time" / Int32un, "retrans_time" / Int32un)
br_boolopt_multi = Struct("optval" / Int32un, "optmask" / Int32un)
bridge_vlan_info = Struct("flags" / Int16un, "vid" / Int16un)
ifla_vlan_flags = Struct("flags" / Int32un, "mask" / Int32un)
ifla_vlan_qos_mapping = Struct("from" / Int32un, "to" / Int32un)
ifla_vxlan_port_range = Struct("low" / Int16ub, "high" / Int16ub)
ifla_rmnet_flags = Struct("flags" / Int32un, "mask" / Int32un)

ifla_vf_mac = Struct("vf" / Int32un, "mac" / Bytes(32) * "hex")
ifla_vf_broadcast = Struct("broadcast" / Bytes(32) * "hex")
ifla_vf_vlan = Struct("vf" / Int32un, "vlan" / Int32un, "qos" / Int32un)
ifla_vf_vlan_info = Struct("vf" / Int32un, "vlan" / Int32un, "qos" / Int32un,
                           "vlan_proto" / Int16ub, Padding(2))
ifla_vf_tx_rate = Struct("vf" / Int32un, "rate" / Int32un)
ifla_vf_rate = Struct("vf" / Int32un, "min_tx_rate" / Int32un, "max_tx_rate" / Int32un)
ifla_vf_setting = Struct("vf" / Int32un, "setting" / Int32un)   # spoofchk, trust, rss_query_en
ifla_vf_guid = Struct("vf" / Int32un, Padding(4), "guid" / Int64un)
ifla_vf_link_state = Struct("vf" / Int32un, "link_state" / Int32un)
ifla_port_vsi = Struct("vsi_mgr_id" / Int8ul, "vsi_type_id" / Array(3, Int8ul),
                       "vsi_type_version" / Int8ul, Padding(3))

# Element i of the AF_INET conf array is IPV4_DEVCONF_<i+1> (linux/ip.h); of the AF_INET6
# one DEVCONF_<i> (linux/ipv6.h); the IPv6 stats arrays start with their element count
# (IPSTATS_MIB_NUM, ICMP6_MIB_NUM: linux/snmp.h).  tests/test_rt_link.py checks the order.
IPV4_DEVCONF = """forwarding mc_forwarding proxy_arp accept_redirects secure_redirects
send_redirects shared_media rp_filter accept_source_route bootp_relay log_martians tag arpfilter
medium_id noxfrm nopolicy force_igmp_version arp_announce arp_ignore promote_secondaries
arp_accept arp_notify accept_local src_vmark proxy_arp_pvlan route_localnet
igmpv2_unsolicited_report_interval igmpv3_unsolicited_report_interval
ignore_routes_with_linkdown drop_unicast_in_l2_multicast drop_gratuitous_arp bc_forwarding
arp_evict_nocarrier""".split()
IPV6_DEVCONF = """forwarding hoplimit mtu6 accept_ra accept_redirects autoconf dad_transmits
rtr_solicits rtr_solicit_interval rtr_solicit_delay use_tempaddr temp_valid_lft
temp_prefered_lft regen_max_retry max_desync_factor max_addresses force_mld_version
accept_ra_defrtr accept_ra_pinfo accept_ra_rtr_pref rtr_probe_interval
accept_ra_rt_info_max_plen proxy_ndp optimistic_dad accept_source_route mc_forwarding
disable_ipv6 accept_dad force_tllao ndisc_notify mldv1_unsolicited_report_interval
mldv2_unsolicited_report_interval suppress_frag_ndisc accept_ra_from_local use_optimistic
accept_ra_mtu stable_secret use_oif_addrs_only accept_ra_min_hop_limit
ignore_routes_with_linkdown drop_unicast_in_l2_multicast drop_unsolicited_na keep_addr_on_down
rtr_solicit_max_interval seg6_enabled seg6_require_hmac enhanced_dad addr_gen_mode
disable_policy accept_ra_rt_info_min_plen ndisc_tclass rpl_seg_enabled ra_defrtr_metric
ioam6_enabled ioam6_id ioam6_id_wide ndisc_evict_nocarrier accept_untracked_na
accept_ra_min_lft""".split()
IPSTATS_MIB = """num inpkts inoctets indelivers outforwdatagrams outpkts outoctets inhdrerrors
intoobigerrors innoroutes inaddrerrors inunknownprotos intruncatedpkts indiscards outdiscards
outnoroutes reasmtimeout reasmreqds reasmoks reasmfails fragoks fragfails fragcreates
inmcastpkts outmcastpkts inbcastpkts outbcastpkts inmcastoctets outmcastoctets inbcastoctets
outbcastoctets csumerrors noectpkts ect1pkts ect0pkts cepkts reasm_overlaps""".split()
ICMP6_MIB = "num inmsgs inerrors outmsgs outerrors csumerrors ratelimithost".split()

ipv4_devconf = Struct(*[n / Int32un for n in IPV4_DEVCONF])
ipv6_devconf = Struct(*[n / Int32sn for n in IPV6_DEVCONF])
ifla_inet6_stats = Struct(*[n / Int64un for n in IPSTATS_MIB])
ifla_icmp6_stats = Struct(*[n / Int64un for n in ICMP6_MIB])

# -- link attributes -----------------------------------------------------------------

link_attrs = AttrSet("link_attrs", [
    Attr(1, "address", "binary", display="mac"),
    Attr(2, "broadcast", "binary", display="mac"),
    Attr(3, "ifname", "string"),
    Attr(4, "mtu", "u32"),
    Attr(5, "link", "u32"),
    Attr(6, "qdisc", "string"),
    Attr(7, "stats", "binary", struct=rtnl_link_stats),
    Attr(8, "cost", "binary"),              # unused
    Attr(9, "priority", "binary"),          # unused
    Attr(10, "master", "u32"),
    Attr(11, "wireless", "binary"),
    Attr(12, "protinfo", "binary"),         # per-family nest (see the module doc)
    Attr(13, "txqlen", "u32"),
    Attr(14, "map", "binary", struct=rtnl_link_ifmap),
    Attr(15, "weight", "u32"),
    Attr(16, "operstate", "u8", enum="oper_state"),
    Attr(17, "linkmode", "u8", enum="link_mode"),
    Attr(18, "linkinfo", "nest", nested="linkinfo_attrs"),
    Attr(19, "net_ns_pid", "u32"),
    Attr(20, "ifalias", "string"),
    Attr(21, "num_vf", "u32"),
    Attr(22, "vfinfo_list", "nest", nested="vfinfo_list_attrs"),
    Attr(23, "stats64", "binary", struct=rtnl_link_stats64),
    Attr(24, "vf_ports", "nest", nested="vf_ports_attrs"),
    Attr(25, "port_self", "nest", nested="port_self_attrs"),
    Attr(26, "af_spec", "nest", nested="af_spec_attrs"),
    Attr(27, "group", "u32"),
    Attr(28, "net_ns_fd", "u32"),
    Attr(29, "ext_mask", "u32", enum="rtext_filter"),
    Attr(30, "promiscuity", "u32"),
    Attr(31, "num_tx_queues", "u32"),
    Attr(32, "num_rx_queues", "u32"),
    Attr(33, "carrier", "u8"),
    Attr(34, "phys_port_id", "binary"),
    Attr(35, "carrier_changes", "u32"),
    Attr(36, "phys_switch_id", "binary"),
    Attr(37, "link_netnsid", "s32"),
    Attr(38, "phys_port_name", "string"),
    Attr(39, "proto_down", "u8"),
    Attr(40, "gso_max_segs", "u32"),
    Attr(41, "gso_max_size", "u32"),
    Attr(42, "pad", "pad"),
    Attr(43, "xdp", "nest", nested="xdp_attrs"),
    Attr(44, "event", "u32", enum="link_event"),
    Attr(45, "new_netnsid", "s32"),
    Attr(46, "target_netnsid", "s32"),      # IFLA_IF_NETNSID
    Attr(47, "carrier_up_count", "u32"),
    Attr(48, "carrier_down_count", "u32"),
    Attr(49, "new_ifindex", "s32"),
    Attr(50, "min_mtu", "u32"),
    Attr(51, "max_mtu", "u32"),
    Attr(52, "prop_list", "nest", nested="prop_list_link_attrs"),
    Attr(53, "alt_ifname", "string", multi=True),
    Attr(54, "perm_address", "binary", display="mac"),
    Attr(55, "proto_down_reason", "nest", nested="proto_down_reason_attrs"),
    Attr(56, "parent_dev_name", "string"),
    Attr(57, "parent_dev_bus_name", "string"),
    Attr(58, "gro_max_size", "u32"),
    Attr(59, "tso_max_size", "u32"),
    Attr(60, "tso_max_segs", "u32"),
    Attr(61, "allmulti", "u32"),
    # newer than the 6.1 headers
    Attr(62, "devlink_port", "nest", nested="devlink_port_attrs", nested_flag=True),
    Attr(63, "gso_ipv4_max_size", "u32"),
    Attr(64, "gro_ipv4_max_size", "u32"),
    Attr(65, "dpll_pin", "nest", nested="link_dpll_pin_attrs", nested_flag=True),
    Attr(66, "max_pacing_offload_horizon", "uint"),
    Attr(67, "netns_immutable", "u8"),
    Attr(68, "headroom", "u16"),
    Attr(69, "tailroom", "u16"),
], prefix="IFLA_", uapi_header=IF_LINK)

# the devlink port of the device: its devlink handle and port index (linux/devlink.h)
devlink_port_attrs = AttrSet("devlink_port_attrs", [
    Attr(1, "bus_name", "string"),
    Attr(2, "dev_name", "string"),
    Attr(3, "port_index", "u32"),
], prefix="DEVLINK_ATTR_", uapi_header="linux/devlink.h")

# DPLL_A_ID (linux/dpll.h, newer than the 6.1 headers: no uapi_header to check against)
link_dpll_pin_attrs = AttrSet("link_dpll_pin_attrs", [
    Attr(1, "id", "u32"),
])

# IFLA_PROP_LIST: alternative names (RTM_NEWLINKPROP/DELLINKPROP and dumps)
prop_list_link_attrs = AttrSet("prop_list_link_attrs", [
    Attr(53, "alt_ifname", "string", multi=True),
], prefix="IFLA_", uapi_header=IF_LINK)

proto_down_reason_attrs = AttrSet("proto_down_reason_attrs", [
    Attr(1, "mask", "u32", display="hex"),
    Attr(2, "value", "u32", display="hex"),
], prefix="IFLA_PROTO_DOWN_REASON_", uapi_header=IF_LINK)

# -- per address family (IFLA_AF_SPEC) ------------------------------------------------

af_spec_attrs = AttrSet("af_spec_attrs", [
    Attr(2, "inet", "nest", nested="ifla_attrs"),
    Attr(7, "bridge", "nest", nested="ifla_bridge_attrs"),
    Attr(10, "inet6", "nest", nested="ifla6_attrs"),
    Attr(45, "mctp", "nest", nested="mctp_attrs"),
], prefix="AF_", uapi_header=IF_LINK)     # AF_* come from <sys/socket.h>

ifla_attrs = AttrSet("ifla_attrs", [
    Attr(1, "conf", "binary", struct=ipv4_devconf),
], prefix="IFLA_INET_", uapi_header=IF_LINK)

ifla6_attrs = AttrSet("ifla6_attrs", [
    Attr(1, "flags", "u32", display="hex"),     # IF_RA_*, IF_READY (kernel internal)
    Attr(2, "conf", "binary", struct=ipv6_devconf),
    Attr(3, "stats", "binary", struct=ifla_inet6_stats),
    Attr(4, "mcast", "binary"),                 # unused
    Attr(5, "cacheinfo", "binary", struct=ifla_cacheinfo),
    Attr(6, "icmp6stats", "binary", struct=ifla_icmp6_stats),
    Attr(7, "token", "binary", display="ipv6"),
    Attr(8, "addr_gen_mode", "u8", enum="in6_addr_gen_mode"),
    Attr(9, "ra_mtu", "u32"),
], prefix="IFLA_INET6_", uapi_header=IF_LINK)

# AF_BRIDGE (linux/if_bridge.h): in IFLA_AF_SPEC of AF_BRIDGE messages and requests
ifla_bridge_attrs = AttrSet("ifla_bridge_attrs", [
    Attr(0, "flags", "u16", enum="bridge_flags"),
    Attr(1, "mode", "u16", enum="bridge_mode"),
    Attr(2, "vlan_info", "binary", struct=bridge_vlan_info, multi=True),
    Attr(3, "vlan_tunnel_info", "nest", nested="bridge_vlan_tunnel_attrs", multi=True),
    Attr(4, "mrp", "binary"),
    Attr(5, "cfm", "binary"),
    Attr(6, "mst", "binary"),
], prefix="IFLA_BRIDGE_", uapi_header="linux/if_bridge.h")

bridge_vlan_tunnel_attrs = AttrSet("bridge_vlan_tunnel_attrs", [
    Attr(1, "id", "u32"),
    Attr(2, "vid", "u16"),
    Attr(3, "flags", "u16"),
], prefix="IFLA_BRIDGE_VLAN_TUNNEL_", uapi_header="linux/if_bridge.h")

mctp_attrs = AttrSet("mctp_attrs", [
    Attr(1, "net", "u32"),
    Attr(2, "phys_binding", "u8"),
], prefix="IFLA_MCTP_", uapi_header=IF_LINK)

# -- SR-IOV VFs and port profiles ----------------------------------------------------

vfinfo_list_attrs = AttrSet("vfinfo_list_attrs", [
    Attr(1, "info", "nest", nested="vfinfo_attrs", multi=True),
], prefix="IFLA_VF_", uapi_header=IF_LINK)

vfinfo_attrs = AttrSet("vfinfo_attrs", [
    Attr(1, "mac", "binary", struct=ifla_vf_mac),
    Attr(2, "vlan", "binary", struct=ifla_vf_vlan),
    Attr(3, "tx_rate", "binary", struct=ifla_vf_tx_rate),
    Attr(4, "spoofchk", "binary", struct=ifla_vf_setting),
    Attr(5, "link_state", "binary", struct=ifla_vf_link_state),
    Attr(6, "rate", "binary", struct=ifla_vf_rate),
    Attr(7, "rss_query_en", "binary", struct=ifla_vf_setting),
    Attr(8, "stats", "nest", nested="vf_stats_attrs"),
    Attr(9, "trust", "binary", struct=ifla_vf_setting),
    Attr(10, "ib_node_guid", "binary", struct=ifla_vf_guid),
    Attr(11, "ib_port_guid", "binary", struct=ifla_vf_guid),
    Attr(12, "vlan_list", "nest", nested="vf_vlan_attrs"),
    Attr(13, "broadcast", "binary", struct=ifla_vf_broadcast),
], prefix="IFLA_VF_", uapi_header=IF_LINK)

vf_stats_attrs = AttrSet("vf_stats_attrs", [
    Attr(0, "rx_packets", "u64"),
    Attr(1, "tx_packets", "u64"),
    Attr(2, "rx_bytes", "u64"),
    Attr(3, "tx_bytes", "u64"),
    Attr(4, "broadcast", "u64"),
    Attr(5, "multicast", "u64"),
    Attr(6, "pad", "pad"),
    Attr(7, "rx_dropped", "u64"),
    Attr(8, "tx_dropped", "u64"),
], prefix="IFLA_VF_STATS_", uapi_header=IF_LINK)

vf_vlan_attrs = AttrSet("vf_vlan_attrs", [
    Attr(1, "info", "binary", struct=ifla_vf_vlan_info, multi=True),
], prefix="IFLA_VF_VLAN_", uapi_header=IF_LINK)

vf_ports_attrs = AttrSet("vf_ports_attrs", [
    Attr(1, "port", "nest", nested="port_self_attrs", multi=True),
], prefix="IFLA_VF_", uapi_header=IF_LINK)

port_self_attrs = AttrSet("port_self_attrs", [
    Attr(1, "vf", "u32"),
    Attr(2, "profile", "string"),
    Attr(3, "vsi_type", "binary", struct=ifla_port_vsi),
    Attr(4, "instance_uuid", "binary", display="uuid"),
    Attr(5, "host_uuid", "binary", display="uuid"),
    Attr(6, "request", "u8", enum="port_request"),
    Attr(7, "response", "u16", enum="port_response"),
], prefix="IFLA_PORT_", uapi_header=IF_LINK)

xdp_attrs = AttrSet("xdp_attrs", [
    Attr(1, "fd", "s32"),
    Attr(2, "attached", "u8", enum="xdp_attached"),
    Attr(3, "flags", "u32", enum="xdp_flags"),
    Attr(4, "prog_id", "u32"),
    Attr(5, "drv_prog_id", "u32"),
    Attr(6, "skb_prog_id", "u32"),
    Attr(7, "hw_prog_id", "u32"),
    Attr(8, "expected_fd", "s32"),
], prefix="IFLA_XDP_", uapi_header=IF_LINK)

# -- IFLA_LINKINFO -------------------------------------------------------------------

_GRE = "linkinfo_gre_attrs"
_IPTUN = "linkinfo_iptun_attrs"
_VTI = "linkinfo_vti_attrs"

linkinfo_attrs = AttrSet("linkinfo_attrs", [
    Attr(1, "kind", "string"),
    Attr(2, "data", "sub-message", selector="kind", formats={
        "bond": "linkinfo_bond_attrs",
        "bridge": "linkinfo_bridge_attrs",
        "veth": "linkinfo_veth_attrs",
        "vxlan": "linkinfo_vxlan_attrs",
        "macvlan": "linkinfo_macvlan_attrs",
        "macvtap": "linkinfo_macvlan_attrs",
        "vlan": "linkinfo_vlan_attrs",
        "ipvlan": "linkinfo_ipvlan_attrs",
        "ipvtap": "linkinfo_ipvlan_attrs",
        "vrf": "linkinfo_vrf_attrs",
        "macsec": "linkinfo_macsec_attrs",
        "xfrm": "linkinfo_xfrm_attrs",
        "geneve": "linkinfo_geneve_attrs",
        "bareudp": "linkinfo_bareudp_attrs",
        "ppp": "linkinfo_ppp_attrs",
        "gtp": "linkinfo_gtp_attrs",
        "hsr": "linkinfo_hsr_attrs",
        "ipoib": "linkinfo_ipoib_attrs",
        "tun": "linkinfo_tun_attrs",
        "rmnet": "linkinfo_rmnet_attrs",
        "dsa": "linkinfo_dsa_attrs",
        "gre": _GRE, "gretap": _GRE, "erspan": _GRE,
        "ip6gre": _GRE, "ip6gretap": _GRE, "ip6erspan": _GRE,
        "ipip": _IPTUN, "sit": _IPTUN, "ip6tnl": "linkinfo_ip6tnl_attrs",
        "vti": _VTI, "vti6": _VTI,
    }),
    Attr(3, "xstats", "binary"),
    Attr(4, "slave_kind", "string"),
    Attr(5, "slave_data", "sub-message", selector="slave_kind", formats={
        "bridge": "linkinfo_brport_attrs",
        "bond": "bond_slave_attrs",
        "vrf": "linkinfo_vrf_port_attrs",
    }),
], prefix="IFLA_INFO_", uapi_header=IF_LINK)

# veth: the peer is a whole link description, ifinfomsg first
linkinfo_veth_attrs = AttrSet("linkinfo_veth_attrs", [
    Attr(1, "peer", "nest", nested="link_attrs", header=ifinfomsg),
], prefix="VETH_INFO_", uapi_header="linux/veth.h")

linkinfo_bridge_attrs = AttrSet("linkinfo_bridge_attrs", [
    Attr(1, "forward_delay", "u32"),
    Attr(2, "hello_time", "u32"),
    Attr(3, "max_age", "u32"),
    Attr(4, "ageing_time", "u32"),
    Attr(5, "stp_state", "u32"),
    Attr(6, "priority", "u16"),
    Attr(7, "vlan_filtering", "u8"),
    Attr(8, "vlan_protocol", "u16", byte_order="big", enum="vlan_protocols"),
    Attr(9, "group_fwd_mask", "u16"),
    Attr(10, "root_id", "binary", struct=ifla_bridge_id),
    Attr(11, "bridge_id", "binary", struct=ifla_bridge_id),
    Attr(12, "root_port", "u16"),
    Attr(13, "root_path_cost", "u32"),
    Attr(14, "topology_change", "u8"),
    Attr(15, "topology_change_detected", "u8"),
    Attr(16, "hello_timer", "u64"),
    Attr(17, "tcn_timer", "u64"),
    Attr(18, "topology_change_timer", "u64"),
    Attr(19, "gc_timer", "u64"),
    Attr(20, "group_addr", "binary", display="mac"),
    Attr(21, "fdb_flush", "flag"),
    Attr(22, "mcast_router", "u8"),
    Attr(23, "mcast_snooping", "u8"),
    Attr(24, "mcast_query_use_ifaddr", "u8"),
    Attr(25, "mcast_querier", "u8"),
    Attr(26, "mcast_hash_elasticity", "u32"),
    Attr(27, "mcast_hash_max", "u32"),
    Attr(28, "mcast_last_member_cnt", "u32"),
    Attr(29, "mcast_startup_query_cnt", "u32"),
    Attr(30, "mcast_last_member_intvl", "u64"),
    Attr(31, "mcast_membership_intvl", "u64"),
    Attr(32, "mcast_querier_intvl", "u64"),
    Attr(33, "mcast_query_intvl", "u64"),
    Attr(34, "mcast_query_response_intvl", "u64"),
    Attr(35, "mcast_startup_query_intvl", "u64"),
    Attr(36, "nf_call_iptables", "u8"),
    Attr(37, "nf_call_ip6tables", "u8"),
    Attr(38, "nf_call_arptables", "u8"),
    Attr(39, "vlan_default_pvid", "u16"),
    Attr(40, "pad", "pad"),
    Attr(41, "vlan_stats_enabled", "u8"),
    Attr(42, "mcast_stats_enabled", "u8"),
    Attr(43, "mcast_igmp_version", "u8"),
    Attr(44, "mcast_mld_version", "u8"),
    Attr(45, "vlan_stats_per_port", "u8"),
    Attr(46, "multi_boolopt", "binary", struct=br_boolopt_multi),
    Attr(47, "mcast_querier_state", "nest", nested="bridge_querier_attrs"),
    Attr(48, "fdb_n_learned", "u32"),
    Attr(49, "fdb_max_learned", "u32"),
], prefix="IFLA_BR_", uapi_header=IF_LINK)

bridge_querier_attrs = AttrSet("bridge_querier_attrs", [
    Attr(1, "ip_address", "binary", display="ipv4"),
    Attr(2, "ip_port", "u32"),
    Attr(3, "ip_other_timer", "u64"),
    Attr(4, "pad", "pad"),
    Attr(5, "ipv6_address", "binary", display="ipv6"),
    Attr(6, "ipv6_port", "u32"),
    Attr(7, "ipv6_other_timer", "u64"),
], prefix="BRIDGE_QUERIER_", uapi_header="linux/if_bridge.h")

# bridge ports (IFLA_INFO_SLAVE_DATA, and IFLA_PROTINFO of AF_BRIDGE messages).
# The on/off options are u8 on the wire (NLA_U8 in the kernel's policy).
linkinfo_brport_attrs = AttrSet("linkinfo_brport_attrs", [
    Attr(1, "state", "u8", enum="br_port_state"),
    Attr(2, "priority", "u16"),
    Attr(3, "cost", "u32"),
    Attr(4, "mode", "u8"),
    Attr(5, "guard", "u8"),
    Attr(6, "protect", "u8"),
    Attr(7, "fast_leave", "u8"),
    Attr(8, "learning", "u8"),
    Attr(9, "unicast_flood", "u8"),
    Attr(10, "proxyarp", "u8"),
    Attr(11, "learning_sync", "u8"),
    Attr(12, "proxyarp_wifi", "u8"),
    Attr(13, "root_id", "binary", struct=ifla_bridge_id),
    Attr(14, "bridge_id", "binary", struct=ifla_bridge_id),
    Attr(15, "designated_port", "u16"),
    Attr(16, "designated_cost", "u16"),
    Attr(17, "id", "u16"),
    Attr(18, "no", "u16"),
    Attr(19, "topology_change_ack", "u8"),
    Attr(20, "config_pending", "u8"),
    Attr(21, "message_age_timer", "u64"),
    Attr(22, "forward_delay_timer", "u64"),
    Attr(23, "hold_timer", "u64"),
    Attr(24, "flush", "flag"),
    Attr(25, "multicast_router", "u8"),
    Attr(26, "pad", "pad"),
    Attr(27, "mcast_flood", "u8"),
    Attr(28, "mcast_to_ucast", "u8"),
    Attr(29, "vlan_tunnel", "u8"),
    Attr(30, "bcast_flood", "u8"),
    Attr(31, "group_fwd_mask", "u16"),
    Attr(32, "neigh_suppress", "u8"),
    Attr(33, "isolated", "u8"),
    Attr(34, "backup_port", "u32"),
    Attr(35, "mrp_ring_open", "u8"),
    Attr(36, "mrp_in_open", "u8"),
    Attr(37, "mcast_eht_hosts_limit", "u32"),
    Attr(38, "mcast_eht_hosts_cnt", "u32"),
    Attr(39, "locked", "u8"),
    # newer than the 6.1 headers
    Attr(40, "mab", "u8"),
    Attr(41, "mcast_n_groups", "u32"),
    Attr(42, "mcast_max_groups", "u32"),
    Attr(43, "neigh_vlan_suppress", "u8"),
    Attr(44, "backup_nhid", "u32"),
], prefix="IFLA_BRPORT_", uapi_header=IF_LINK)

linkinfo_vlan_attrs = AttrSet("linkinfo_vlan_attrs", [
    Attr(1, "id", "u16"),
    Attr(2, "flags", "binary", struct=ifla_vlan_flags),
    Attr(3, "egress_qos", "nest", nested="ifla_vlan_qos"),
    Attr(4, "ingress_qos", "nest", nested="ifla_vlan_qos"),
    Attr(5, "protocol", "u16", byte_order="big", enum="vlan_protocols"),
], prefix="IFLA_VLAN_", uapi_header=IF_LINK)

ifla_vlan_qos = AttrSet("ifla_vlan_qos", [
    Attr(1, "mapping", "binary", struct=ifla_vlan_qos_mapping, multi=True),
], prefix="IFLA_VLAN_QOS_", uapi_header=IF_LINK)

linkinfo_macvlan_attrs = AttrSet("linkinfo_macvlan_attrs", [
    Attr(1, "mode", "u32", enum="macvlan_mode"),
    Attr(2, "flags", "u16", enum="macvlan_flags"),
    Attr(3, "macaddr_mode", "u32", enum="macvlan_macaddr_mode"),
    Attr(4, "macaddr", "binary", display="mac"),
    # a list of IFLA_MACVLAN_MACADDR (source mode)
    Attr(5, "macaddr_data", "nest", nested="linkinfo_macvlan_attrs"),
    Attr(6, "macaddr_count", "u32"),
    Attr(7, "bc_queue_len", "u32"),
    Attr(8, "bc_queue_len_used", "u32"),
    Attr(9, "bc_cutoff", "s32"),            # newer than the 6.1 headers
], prefix="IFLA_MACVLAN_", uapi_header=IF_LINK)

linkinfo_vrf_attrs = AttrSet("linkinfo_vrf_attrs", [
    Attr(1, "table", "u32"),
], prefix="IFLA_VRF_", uapi_header=IF_LINK)

linkinfo_vrf_port_attrs = AttrSet("linkinfo_vrf_port_attrs", [
    Attr(1, "table", "u32"),
], prefix="IFLA_VRF_PORT_", uapi_header=IF_LINK)

linkinfo_macsec_attrs = AttrSet("linkinfo_macsec_attrs", [
    Attr(1, "sci", "u64", byte_order="big", display="hex"),
    Attr(2, "port", "u16", byte_order="big"),
    Attr(3, "icv_len", "u8"),
    Attr(4, "cipher_suite", "u64", display="hex"),
    Attr(5, "window", "u32"),
    Attr(6, "encoding_sa", "u8"),
    Attr(7, "encrypt", "u8"),
    Attr(8, "protect", "u8"),
    Attr(9, "inc_sci", "u8"),
    Attr(10, "es", "u8"),
    Attr(11, "scb", "u8"),
    Attr(12, "replay_protect", "u8"),
    Attr(13, "validation", "u8", enum="macsec_validation_type"),
    Attr(14, "pad", "pad"),
    Attr(15, "offload", "u8", enum="macsec_offload"),
], prefix="IFLA_MACSEC_", uapi_header=IF_LINK)

linkinfo_xfrm_attrs = AttrSet("linkinfo_xfrm_attrs", [
    Attr(1, "link", "u32"),
    Attr(2, "if_id", "u32"),
    Attr(3, "collect_metadata", "flag"),
], prefix="IFLA_XFRM_", uapi_header=IF_LINK)

linkinfo_ipvlan_attrs = AttrSet("linkinfo_ipvlan_attrs", [
    Attr(1, "mode", "u16", enum="ipvlan_mode"),
    Attr(2, "flags", "u16", enum="ipvlan_flags"),
], prefix="IFLA_IPVLAN_", uapi_header=IF_LINK)

linkinfo_vxlan_attrs = AttrSet("linkinfo_vxlan_attrs", [
    Attr(1, "id", "u32"),
    Attr(2, "group", "binary", display="ipv4"),     # group or remote
    Attr(3, "link", "u32"),
    Attr(4, "local", "binary", display="ipv4"),
    Attr(5, "ttl", "u8"),
    Attr(6, "tos", "u8"),
    Attr(7, "learning", "u8"),
    Attr(8, "ageing", "u32"),
    Attr(9, "limit", "u32"),
    Attr(10, "port_range", "binary", struct=ifla_vxlan_port_range),
    Attr(11, "proxy", "u8"),
    Attr(12, "rsc", "u8"),
    Attr(13, "l2miss", "u8"),
    Attr(14, "l3miss", "u8"),
    Attr(15, "port", "u16", byte_order="big"),
    Attr(16, "group6", "binary", display="ipv6"),
    Attr(17, "local6", "binary", display="ipv6"),
    Attr(18, "udp_csum", "u8"),
    Attr(19, "udp_zero_csum6_tx", "u8"),
    Attr(20, "udp_zero_csum6_rx", "u8"),
    Attr(21, "remcsum_tx", "u8"),
    Attr(22, "remcsum_rx", "u8"),
    Attr(23, "gbp", "flag"),
    Attr(24, "remcsum_nopartial", "flag"),
    Attr(25, "collect_metadata", "u8"),
    Attr(26, "label", "u32", byte_order="big", display="hex"),
    Attr(27, "gpe", "flag"),
    # NLA_FLAG in requests, but dumps carry a u8 (vxlan_fill_info)
    Attr(28, "ttl_inherit", "u8"),
    Attr(29, "df", "u8", enum="vxlan_df"),
    Attr(30, "vnifilter", "u8"),
    # newer than the 6.1 headers
    Attr(31, "localbypass", "u8"),
    Attr(32, "label_policy", "u32"),
    Attr(33, "reserved_bits", "binary", display="hex"),
    Attr(34, "mc_route", "u8"),
], prefix="IFLA_VXLAN_", uapi_header=IF_LINK)

linkinfo_geneve_attrs = AttrSet("linkinfo_geneve_attrs", [
    Attr(1, "id", "u32"),
    Attr(2, "remote", "binary", display="ipv4"),
    Attr(3, "ttl", "u8"),
    Attr(4, "tos", "u8"),
    Attr(5, "port", "u16", byte_order="big"),
    Attr(6, "collect_metadata", "flag"),
    Attr(7, "remote6", "binary", display="ipv6"),
    Attr(8, "udp_csum", "u8"),
    Attr(9, "udp_zero_csum6_tx", "u8"),
    Attr(10, "udp_zero_csum6_rx", "u8"),
    Attr(11, "label", "u32", byte_order="big", display="hex"),
    Attr(12, "ttl_inherit", "u8"),
    Attr(13, "df", "u8", enum="geneve_df"),
    Attr(14, "inner_proto_inherit", "flag"),
], prefix="IFLA_GENEVE_", uapi_header=IF_LINK)

linkinfo_bareudp_attrs = AttrSet("linkinfo_bareudp_attrs", [
    Attr(1, "port", "u16", byte_order="big"),
    Attr(2, "ethertype", "u16", byte_order="big", display="hex"),
    Attr(3, "srcport_min", "u16"),
    Attr(4, "multiproto_mode", "flag"),
], prefix="IFLA_BAREUDP_", uapi_header=IF_LINK)

linkinfo_ppp_attrs = AttrSet("linkinfo_ppp_attrs", [
    Attr(1, "dev_fd", "s32"),
], prefix="IFLA_PPP_", uapi_header=IF_LINK)

linkinfo_gtp_attrs = AttrSet("linkinfo_gtp_attrs", [
    Attr(1, "fd0", "u32"),
    Attr(2, "fd1", "u32"),
    Attr(3, "pdp_hashsize", "u32"),
    Attr(4, "role", "u32", enum="gtp_role"),
    Attr(5, "create_sockets", "u8"),
    Attr(6, "restart_count", "u8"),
], prefix="IFLA_GTP_", uapi_header=IF_LINK)

linkinfo_bond_attrs = AttrSet("linkinfo_bond_attrs", [
    Attr(1, "mode", "u8", enum="bond_mode"),
    Attr(2, "active_slave", "u32"),
    Attr(3, "miimon", "u32"),
    Attr(4, "updelay", "u32"),
    Attr(5, "downdelay", "u32"),
    Attr(6, "use_carrier", "u8"),
    Attr(7, "arp_interval", "u32"),
    Attr(8, "arp_ip_target", "indexed-array", sub_type="u32", byte_order="big",
         display="ipv4"),
    Attr(9, "arp_validate", "u32"),
    Attr(10, "arp_all_targets", "u32"),
    Attr(11, "primary", "u32"),
    Attr(12, "primary_reselect", "u8"),
    Attr(13, "fail_over_mac", "u8"),
    Attr(14, "xmit_hash_policy", "u8"),
    Attr(15, "resend_igmp", "u32"),
    Attr(16, "num_peer_notif", "u8"),
    Attr(17, "all_slaves_active", "u8"),
    Attr(18, "min_links", "u32"),
    Attr(19, "lp_interval", "u32"),
    Attr(20, "packets_per_slave", "u32"),
    Attr(21, "ad_lacp_rate", "u8"),
    Attr(22, "ad_select", "u8"),
    Attr(23, "ad_info", "nest", nested="bond_ad_info_attrs"),
    Attr(24, "ad_actor_sys_prio", "u16"),
    Attr(25, "ad_user_port_key", "u16"),
    Attr(26, "ad_actor_system", "binary", display="mac"),
    Attr(27, "tlb_dynamic_lb", "u8"),
    Attr(28, "peer_notif_delay", "u32"),
    Attr(29, "ad_lacp_active", "u8"),
    Attr(30, "missed_max", "u8"),
    Attr(31, "ns_ip6_target", "indexed-array", sub_type="binary", display="ipv6"),
    Attr(32, "coupled_control", "u8"),
], prefix="IFLA_BOND_", uapi_header=IF_LINK)

bond_ad_info_attrs = AttrSet("bond_ad_info_attrs", [
    Attr(1, "aggregator", "u16"),
    Attr(2, "num_ports", "u16"),
    Attr(3, "actor_key", "u16"),
    Attr(4, "partner_key", "u16"),
    Attr(5, "partner_mac", "binary", display="mac"),
], prefix="IFLA_BOND_AD_INFO_", uapi_header=IF_LINK)

bond_slave_attrs = AttrSet("bond_slave_attrs", [
    Attr(1, "state", "u8"),
    Attr(2, "mii_status", "u8"),
    Attr(3, "link_failure_count", "u32"),
    Attr(4, "perm_hwaddr", "binary", display="mac"),
    Attr(5, "queue_id", "u16"),
    Attr(6, "ad_aggregator_id", "u16"),
    Attr(7, "ad_actor_oper_port_state", "u8"),
    Attr(8, "ad_partner_oper_port_state", "u16"),
    Attr(9, "prio", "s32"),
    Attr(10, "actor_port_prio", "u16"),
    Attr(11, "ad_churn_actor_state", "u8"),
    Attr(12, "ad_churn_partner_state", "u8"),
], prefix="IFLA_BOND_SLAVE_", uapi_header=IF_LINK)

linkinfo_ipoib_attrs = AttrSet("linkinfo_ipoib_attrs", [
    Attr(1, "pkey", "u16", display="hex"),
    Attr(2, "mode", "u16", enum="ipoib_mode"),
    Attr(3, "umcast", "u16"),
], prefix="IFLA_IPOIB_", uapi_header=IF_LINK)

linkinfo_hsr_attrs = AttrSet("linkinfo_hsr_attrs", [
    Attr(1, "slave1", "u32"),
    Attr(2, "slave2", "u32"),
    Attr(3, "multicast_spec", "u8"),
    Attr(4, "supervision_addr", "binary", display="mac"),
    Attr(5, "seq_nr", "u16"),
    Attr(6, "version", "u8"),
    Attr(7, "protocol", "u8", enum="hsr_protocol"),
    Attr(8, "interlink", "u32"),            # newer than the 6.1 headers
], prefix="IFLA_HSR_", uapi_header=IF_LINK)

linkinfo_tun_attrs = AttrSet("linkinfo_tun_attrs", [
    Attr(1, "owner", "u32"),
    Attr(2, "group", "u32"),
    Attr(3, "type", "u8"),
    Attr(4, "pi", "u8"),
    Attr(5, "vnet_hdr", "u8"),
    Attr(6, "persist", "u8"),
    Attr(7, "multi_queue", "u8"),
    Attr(8, "num_queues", "u32"),
    Attr(9, "num_disabled_queues", "u32"),
], prefix="IFLA_TUN_", uapi_header=IF_LINK)

linkinfo_rmnet_attrs = AttrSet("linkinfo_rmnet_attrs", [
    Attr(1, "mux_id", "u16"),
    Attr(2, "flags", "binary", struct=ifla_rmnet_flags),
], prefix="IFLA_RMNET_", uapi_header=IF_LINK)

linkinfo_dsa_attrs = AttrSet("linkinfo_dsa_attrs", [
    Attr(1, "master", "u32"),               # IFLA_DSA_CONDUIT in newer headers
], prefix="IFLA_DSA_", uapi_header=IF_LINK)

# IP tunnels (linux/if_tunnel.h)
linkinfo_gre_attrs = AttrSet("linkinfo_gre_attrs", [
    Attr(1, "link", "u32"),
    Attr(2, "iflags", "u16", byte_order="big", display="hex"),
    Attr(3, "oflags", "u16", byte_order="big", display="hex"),
    Attr(4, "ikey", "u32", byte_order="big"),
    Attr(5, "okey", "u32", byte_order="big"),
    Attr(6, "local", "binary", display="ip"),
    Attr(7, "remote", "binary", display="ip"),
    Attr(8, "ttl", "u8"),
    Attr(9, "tos", "u8"),
    Attr(10, "pmtudisc", "u8"),
    Attr(11, "encap_limit", "u8"),
    Attr(12, "flowinfo", "u32", byte_order="big", display="hex"),
    Attr(13, "flags", "u32", display="hex"),
    Attr(14, "encap_type", "u16"),
    Attr(15, "encap_flags", "u16"),
    Attr(16, "encap_sport", "u16", byte_order="big"),
    Attr(17, "encap_dport", "u16", byte_order="big"),
    Attr(18, "collect_metadata", "flag"),
    Attr(19, "ignore_df", "u8"),
    Attr(20, "fwmark", "u32"),
    Attr(21, "erspan_index", "u32"),
    Attr(22, "erspan_ver", "u8"),
    Attr(23, "erspan_dir", "u8"),
    Attr(24, "erspan_hwid", "u16"),
], prefix="IFLA_GRE_", uapi_header="linux/if_tunnel.h")

linkinfo_iptun_attrs = AttrSet("linkinfo_iptun_attrs", [
    Attr(1, "link", "u32"),
    Attr(2, "local", "binary", display="ip"),
    Attr(3, "remote", "binary", display="ip"),
    Attr(4, "ttl", "u8"),
    Attr(5, "tos", "u8"),
    Attr(6, "encap_limit", "u8"),
    Attr(7, "flowinfo", "u32", byte_order="big", display="hex"),
    Attr(8, "flags", "u16", byte_order="big", display="hex"),     # sit
    Attr(9, "proto", "u8"),
    Attr(10, "pmtudisc", "u8"),
    Attr(11, "6rd_prefix", "binary", display="ipv6"),
    Attr(12, "6rd_relay_prefix", "binary", display="ipv4"),
    Attr(13, "6rd_prefixlen", "u16"),
    Attr(14, "6rd_relay_prefixlen", "u16"),
    Attr(15, "encap_type", "u16"),
    Attr(16, "encap_flags", "u16"),
    Attr(17, "encap_sport", "u16", byte_order="big"),
    Attr(18, "encap_dport", "u16", byte_order="big"),
    Attr(19, "collect_metadata", "flag"),
    Attr(20, "fwmark", "u32"),
], prefix="IFLA_IPTUN_", uapi_header="linux/if_tunnel.h")

# ip6tnl uses the IFLA_IPTUN_* numbers, but its flags are a host-order u32
linkinfo_ip6tnl_attrs = AttrSet("linkinfo_ip6tnl_attrs", [
    Attr(a.id, a.name, a.type, byte_order=a.byte_order, display=a.display)
    if a.name != "flags" else Attr(8, "flags", "u32", display="hex")
    for a in linkinfo_iptun_attrs.attrs
], prefix="IFLA_IPTUN_", uapi_header="linux/if_tunnel.h")

linkinfo_vti_attrs = AttrSet("linkinfo_vti_attrs", [
    Attr(1, "link", "u32"),
    Attr(2, "ikey", "u32", byte_order="big"),
    Attr(3, "okey", "u32", byte_order="big"),
    Attr(4, "local", "binary", display="ip"),
    Attr(5, "remote", "binary", display="ip"),
    Attr(6, "fwmark", "u32"),
], prefix="IFLA_VTI_", uapi_header="linux/if_tunnel.h")

# -- link statistics (RTM_GETSTATS) ---------------------------------------------------

stats_attrs = AttrSet("stats_attrs", [
    Attr(0, "pad", "pad", uapi="IFLA_STATS_UNSPEC"),
    Attr(1, "link_64", "binary", struct=rtnl_link_stats64),
    Attr(2, "link_xstats", "binary"),           # nests keyed by LINK_XSTATS_TYPE_*
    Attr(3, "link_xstats_slave", "binary"),
    Attr(4, "link_offload_xstats", "nest", nested="link_offload_xstats"),
    Attr(5, "af_spec", "binary"),               # nests keyed by address family
], prefix="IFLA_STATS_", uapi_header=IF_LINK)

# attributes of RTM_GETSTATS / RTM_SETSTATS requests
stats_getset_attrs = AttrSet("stats_getset_attrs", [
    Attr(1, "get_filters", "binary"),           # u32 masks keyed by IFLA_STATS_LINK_*
    Attr(2, "set_offload_xstats_l3_stats", "u8"),
], prefix="IFLA_STATS_", uapi_header=IF_LINK)

link_offload_xstats = AttrSet("link_offload_xstats", [
    Attr(0, "pad", "pad", uapi="IFLA_OFFLOAD_XSTATS_UNSPEC"),
    Attr(1, "cpu_hit", "binary", struct=rtnl_link_stats64),
    Attr(2, "hw_s_info", "indexed-array", nested="hw_s_info_one", nested_flag=True),
    Attr(3, "l3_stats", "binary", struct=rtnl_hw_stats64),
], prefix="IFLA_OFFLOAD_XSTATS_", uapi_header=IF_LINK)

hw_s_info_one = AttrSet("hw_s_info_one", [
    Attr(1, "request", "u8"),
    Attr(2, "used", "u8"),
], prefix="IFLA_OFFLOAD_XSTATS_HW_S_INFO_", uapi_header=IF_LINK)

# -- enums ---------------------------------------------------------------------------

ifinfo_flags = Flags("ifinfo_flags", {
    "up": 1 << 0, "broadcast": 1 << 1, "debug": 1 << 2, "loopback": 1 << 3,
    "pointopoint": 1 << 4, "notrailers": 1 << 5, "running": 1 << 6, "noarp": 1 << 7,
    "promisc": 1 << 8, "allmulti": 1 << 9, "master": 1 << 10, "slave": 1 << 11,
    "multicast": 1 << 12, "portsel": 1 << 13, "automedia": 1 << 14, "dynamic": 1 << 15,
    "lower_up": 1 << 16, "dormant": 1 << 17, "echo": 1 << 18,
}, prefix="IFF_", uapi_header="linux/if.h")

oper_state = Enum("oper_state", {
    "unknown": 0, "notpresent": 1, "down": 2, "lowerlayerdown": 3, "testing": 4,
    "dormant": 5, "up": 6,
}, prefix="IF_OPER_", uapi_header="linux/if.h")

link_mode = Enum("link_mode", {"default": 0, "dormant": 1, "testing": 2},
                 prefix="IF_LINK_MODE_", uapi_header="linux/if.h")

rtext_filter = Flags("rtext_filter", {
    "vf": 1 << 0, "brvlan": 1 << 1, "brvlan_compressed": 1 << 2, "skip_stats": 1 << 3,
    "mrp": 1 << 4, "cfm_config": 1 << 5, "cfm_status": 1 << 6, "mst": 1 << 7,
}, prefix="RTEXT_FILTER_", uapi_header="linux/rtnetlink.h")

link_event = Enum("link_event", {
    "none": 0, "reboot": 1, "features": 2, "bonding_failover": 3, "notify_peers": 4,
    "igmp_resend": 5, "bonding_options": 6,
}, prefix="IFLA_EVENT_", uapi_header=IF_LINK)

in6_addr_gen_mode = Enum("in6_addr_gen_mode", {
    "eui64": 0, "none": 1, "stable_privacy": 2, "random": 3,
}, prefix="IN6_ADDR_GEN_MODE_", uapi_header=IF_LINK)

xdp_attached = Enum("xdp_attached", {"none": 0, "drv": 1, "skb": 2, "hw": 3, "multi": 4},
                    prefix="XDP_ATTACHED_", uapi_header=IF_LINK)

xdp_flags = Flags("xdp_flags", {
    "update_if_noexist": 1 << 0, "skb_mode": 1 << 1, "drv_mode": 1 << 2, "hw_mode": 1 << 3,
    "replace": 1 << 4,
}, prefix="XDP_FLAGS_", uapi_header=IF_LINK)

vlan_protocols = Enum("vlan_protocols", {"8021q": 0x8100, "8021ad": 0x88A8},
                      prefix="ETH_P_", uapi_header="linux/if_ether.h")

bridge_flags = Flags("bridge_flags", {"master": 1, "self": 2},
                     prefix="BRIDGE_FLAGS_", uapi_header="linux/if_bridge.h")

bridge_mode = Enum("bridge_mode", {"veb": 0, "vepa": 1, "undef": 0xFFFF},
                   prefix="BRIDGE_MODE_", uapi_header="linux/if_bridge.h")

br_port_state = Enum("br_port_state", {
    "disabled": 0, "listening": 1, "learning": 2, "forwarding": 3, "blocking": 4,
}, prefix="BR_STATE_", uapi_header="linux/if_bridge.h")

macvlan_mode = Enum("macvlan_mode", {
    "private": 1, "vepa": 2, "bridge": 4, "passthru": 8, "source": 16,
}, prefix="MACVLAN_MODE_", uapi_header=IF_LINK)

macvlan_flags = Flags("macvlan_flags", {"nopromisc": 1, "nodst": 2},
                      prefix="MACVLAN_FLAG_", uapi_header=IF_LINK)

macvlan_macaddr_mode = Enum("macvlan_macaddr_mode", {"add": 0, "del": 1, "flush": 2, "set": 3},
                            prefix="MACVLAN_MACADDR_", uapi_header=IF_LINK)

ipvlan_mode = Enum("ipvlan_mode", {"l2": 0, "l3": 1, "l3s": 2},
                   prefix="IPVLAN_MODE_", uapi_header=IF_LINK)

ipvlan_flags = Flags("ipvlan_flags", {"private": 1, "vepa": 2},
                     prefix="IPVLAN_F_", uapi_header=IF_LINK)

vxlan_df = Enum("vxlan_df", {"unset": 0, "set": 1, "inherit": 2},
                prefix="VXLAN_DF_", uapi_header=IF_LINK)

geneve_df = Enum("geneve_df", {"unset": 0, "set": 1, "inherit": 2},
                 prefix="GENEVE_DF_", uapi_header=IF_LINK)

gtp_role = Enum("gtp_role", {"ggsn": 0, "sgsn": 1}, prefix="GTP_ROLE_", uapi_header=IF_LINK)

macsec_validation_type = Enum("macsec_validation_type", {"disabled": 0, "check": 1, "strict": 2},
                              prefix="MACSEC_VALIDATE_", uapi_header=IF_LINK)

macsec_offload = Enum("macsec_offload", {"off": 0, "phy": 1, "mac": 2},
                      prefix="MACSEC_OFFLOAD_", uapi_header=IF_LINK)

ipoib_mode = Enum("ipoib_mode", {"datagram": 0, "connected": 1},
                  prefix="IPOIB_MODE_", uapi_header=IF_LINK)

hsr_protocol = Enum("hsr_protocol", {"hsr": 0, "prp": 1}, prefix="HSR_PROTOCOL_",
                    uapi_header=IF_LINK)

vf_link_state = Enum("vf_link_state", {"auto": 0, "enable": 1, "disable": 2},
                     prefix="IFLA_VF_LINK_STATE_", uapi_header=IF_LINK)

port_request = Enum("port_request", {
    "preassociate": 0, "preassociate_rr": 1, "associate": 2, "disassociate": 3,
}, prefix="PORT_REQUEST_", uapi_header=IF_LINK)

port_response = Enum("port_response", {
    "vdp_response_success": 0, "vdp_response_invalid_format": 1,
    "vdp_response_insufficient_resources": 2, "vdp_response_unused_vtid": 3,
    "vdp_response_vtid_violation": 4, "vdp_response_vtid_version_vioaltion": 5,
    "vdp_response_out_of_sync": 6,
    "profile_response_success": 0x100, "profile_response_inprogress": 0x101,
    "profile_response_invalid": 0x102, "profile_response_badstate": 0x103,
    "profile_response_insufficient_resources": 0x104, "profile_response_error": 0x105,
}, prefix="PORT_", uapi_header=IF_LINK)

bond_mode = Enum("bond_mode", {
    "roundrobin": 0, "activebackup": 1, "xor": 2, "broadcast": 3, "8023ad": 4, "tlb": 5,
    "alb": 6,
}, prefix="BOND_MODE_", uapi_header="linux/if_bonding.h")

# AF_BRIDGE link messages: the same attributes, but IFLA_PROTINFO is the bridge
# port's IFLA_BRPORT_* (the kernel's nla_nest_start sets NLA_F_NESTED, as
# `bridge link set` does) and IFLA_AF_SPEC holds IFLA_BRIDGE_* (vlan_info ...)
_BRIDGE_ONLY = {
    "protinfo": Attr(12, "protinfo", "nest", nested="linkinfo_brport_attrs", nested_flag=True),
    "af_spec": Attr(26, "af_spec", "nest", nested="ifla_bridge_attrs"),
}
bridge_link_attrs = AttrSet("bridge_link_attrs",
                            [_BRIDGE_ONLY.get(a.name, a) for a in link_attrs.attrs],
                            prefix="IFLA_", uapi_header=IF_LINK)

# -- family --------------------------------------------------------------------------

_LINK_SETS = [
    link_attrs, bridge_link_attrs, devlink_port_attrs, link_dpll_pin_attrs, prop_list_link_attrs,
    proto_down_reason_attrs, af_spec_attrs, ifla_attrs,
    ifla6_attrs, ifla_bridge_attrs, bridge_vlan_tunnel_attrs, mctp_attrs, vfinfo_list_attrs,
    vfinfo_attrs, vf_stats_attrs, vf_vlan_attrs, vf_ports_attrs, port_self_attrs, xdp_attrs,
    linkinfo_attrs, linkinfo_veth_attrs, linkinfo_bridge_attrs, bridge_querier_attrs,
    linkinfo_brport_attrs, linkinfo_vlan_attrs, ifla_vlan_qos, linkinfo_macvlan_attrs,
    linkinfo_vrf_attrs, linkinfo_vrf_port_attrs, linkinfo_macsec_attrs, linkinfo_xfrm_attrs,
    linkinfo_ipvlan_attrs, linkinfo_vxlan_attrs, linkinfo_geneve_attrs, linkinfo_bareudp_attrs,
    linkinfo_ppp_attrs, linkinfo_gtp_attrs, linkinfo_bond_attrs, bond_ad_info_attrs,
    bond_slave_attrs, linkinfo_ipoib_attrs, linkinfo_hsr_attrs, linkinfo_tun_attrs,
    linkinfo_rmnet_attrs, linkinfo_dsa_attrs, linkinfo_gre_attrs, linkinfo_iptun_attrs,
    linkinfo_ip6tnl_attrs, linkinfo_vti_attrs, stats_attrs, stats_getset_attrs,
    link_offload_xstats, hw_s_info_one,
]

_ENUMS = [
    ifinfo_flags, oper_state, link_mode, rtext_filter, link_event, in6_addr_gen_mode,
    xdp_attached, xdp_flags, vlan_protocols, bridge_flags, bridge_mode, br_port_state,
    macvlan_mode, macvlan_flags, macvlan_macaddr_mode, ipvlan_mode, ipvlan_flags, vxlan_df,
    geneve_df, gtp_role, macsec_validation_type, macsec_offload, ipoib_mode, hsr_protocol,
    vf_link_state, port_request, port_response, bond_mode,
]

_AF_BRIDGE = ("family", {7: "bridge_link_attrs"})      # AF_BRIDGE

FAMILIES = [
    Family("rt_link", "route", msg_prefix="RTM_", uapi_header="linux/rtnetlink.h",
           messages=[
               Msg(16, "newlink", header=ifinfomsg, attrs="link_attrs", variants=_AF_BRIDGE),
               Msg(17, "dellink", header=ifinfomsg, attrs="link_attrs", variants=_AF_BRIDGE),
               Msg(18, "getlink", header=ifinfomsg, attrs="link_attrs", variants=_AF_BRIDGE),
               Msg(19, "setlink", header=ifinfomsg, attrs="link_attrs", variants=_AF_BRIDGE),
               Msg(92, "newstats", header=if_stats_msg, attrs="stats_attrs"),
               Msg(94, "getstats", header=if_stats_msg, attrs="stats_getset_attrs"),
               Msg(95, "setstats", header=if_stats_msg, attrs="stats_getset_attrs"),
           ],
           attrsets=_LINK_SETS, enums=_ENUMS,
           doc="links: struct ifinfomsg and IFLA_* attributes; link statistics"),
]
