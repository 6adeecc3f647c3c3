"""Packet headers for summaries (``nlcodec/packet.py``): the frames inside
psample samples, OVS upcalls/executes and tc/OVS dumps.

Layouts follow the kernel's own structs (linux/if_ether.h ``ethhdr``,
linux/if_vlan.h ``vlan_hdr``, linux/if_arp.h ``arphdr``, linux/ip.h ``iphdr``,
linux/ipv6.h ``ipv6hdr``/``ipv6_opt_hdr``/``frag_hdr``, linux/tcp.h ``tcphdr``,
linux/udp.h ``udphdr``, linux/icmp.h ``icmphdr``, linux/icmpv6.h ``icmp6hdr``,
net/vxlan.h ``vxlanhdr``, net/geneve.h ``genevehdr``); numbers are the UAPI
ones (ETH_P_*, IPPROTO_*, ARPOP_*, ICMP_*, ICMPV6_*), checked against the
installed headers by tests/test_packet.py.  This module defines no netlink
family.
"""

from construct import Bytes, Int8ub, Int16ub, Int32ub, Struct

from nlcodec.spec import Enum

# -- numbers --------------------------------------------------------------------

# ethertypes, named as iproute2 prints them (lib/ll_proto.c llproto_names)
ethertypes = Enum("ethertypes", {
    "loop": 0x0060, "all": 0x0003, "ip": 0x0800, "arp": 0x0806, "rarp": 0x8035,
    "ipv6": 0x86DD, "802.1Q": 0x8100, "802.1ad": 0x88A8, "mpls_uc": 0x8847,
    "mpls_mc": 0x8848, "teb": 0x6558, "cfm": 0x8902, "LLDP": 0x88CC,
    "ppp_disc": 0x8863, "ppp_ses": 0x8864, "802_3": 0x0001, "802_2": 0x0004,
}, prefix="ETH_P_", uapi_header="linux/if_ether.h")
# the UAPI suffix of each name that differs from name.upper() (LLDP has no ETH_P_ macro)
ETHERTYPE_UAPI = {"802.1Q": "8021Q", "802.1ad": "8021AD", "LLDP": None}

# the ethertypes that carry a VLAN tag (linux/if_vlan.h eth_type_vlan())
VLAN_TPIDS = ("802.1Q", "802.1ad")

ip_protocols = Enum("ip_protocols", {
    "hopopts": 0, "icmp": 1, "igmp": 2, "ipip": 4, "tcp": 6, "udp": 17, "ipv6": 41,
    "routing": 43, "fragment": 44, "gre": 47, "esp": 50, "ah": 51, "icmpv6": 58,
    "none": 59, "dstopts": 60, "mh": 135, "sctp": 132, "udplite": 136, "mpls": 137,
}, prefix="IPPROTO_", uapi_header="linux/in.h")   # and linux/in6.h

# IPv6 extension headers with the generic ipv6_opt_hdr shape (length in 8-octet
# units, not counting the first 8) and AH (4-octet units, not counting the first 2)
IPV6_OPT_HEADERS = ("hopopts", "routing", "dstopts", "mh")

arp_ops = Enum("arp_ops", {"request": 1, "reply": 2, "rrequest": 3, "rreply": 4,
                           "inrequest": 8, "inreply": 9, "nak": 10},
               prefix="ARPOP_", uapi_header="linux/if_arp.h")
ARPOP_UAPI = {"rrequest": "RREQUEST", "rreply": "RREPLY", "inrequest": "InREQUEST",
              "inreply": "InREPLY", "nak": "NAK"}
ARPHRD_ETHER = 1        # linux/if_arp.h: arphdr.ar_hrd of Ethernet

icmp_types = Enum("icmp_types", {
    "echo reply": 0, "destination unreachable": 3, "source quench": 4, "redirect": 5,
    "echo request": 8, "time exceeded": 11, "parameter problem": 12, "timestamp": 13,
    "timestamp reply": 14, "info request": 15, "info reply": 16, "address mask request": 17,
    "address mask reply": 18,
}, prefix="ICMP_", uapi_header="linux/icmp.h")
ICMP_UAPI = {"echo reply": "ECHOREPLY", "destination unreachable": "DEST_UNREACH",
             "source quench": "SOURCE_QUENCH", "redirect": "REDIRECT", "echo request": "ECHO",
             "time exceeded": "TIME_EXCEEDED", "parameter problem": "PARAMETERPROB",
             "timestamp": "TIMESTAMP", "timestamp reply": "TIMESTAMPREPLY",
             "info request": "INFO_REQUEST", "info reply": "INFO_REPLY",
             "address mask request": "ADDRESS", "address mask reply": "ADDRESSREPLY"}
ICMP_ECHO_TYPES = ("echo reply", "echo request")

icmpv6_types = Enum("icmpv6_types", {
    "destination unreachable": 1, "packet too big": 2, "time exceeded": 3,
    "parameter problem": 4, "echo request": 128, "echo reply": 129,
    "multicast listener query": 130, "multicast listener report": 131,
    "multicast listener done": 132, "router solicitation": 133,
    "router advertisement": 134, "neighbor solicitation": 135,
    "neighbor advertisement": 136, "redirect": 137, "multicast listener report v2": 143,
}, prefix="ICMPV6_", uapi_header="linux/icmpv6.h")
ICMPV6_UAPI = {"destination unreachable": "DEST_UNREACH", "packet too big": "PKT_TOOBIG",
               "time exceeded": "TIME_EXCEED", "parameter problem": "PARAMPROB",
               "echo request": "ECHO_REQUEST", "echo reply": "ECHO_REPLY",
               "multicast listener query": "MGM_QUERY", "multicast listener report": "MGM_REPORT",
               "multicast listener done": "MGM_REDUCTION",
               "router solicitation": None, "router advertisement": None,
               "neighbor solicitation": None, "neighbor advertisement": None,
               "redirect": None, "multicast listener report v2": "MLD2_REPORT"}
ICMPV6_ECHO_TYPES = ("echo request", "echo reply")
ICMPV6_ND_TYPES = ("neighbor solicitation", "neighbor advertisement")

# UDP destination ports of tunnels whose inner frame we follow (IANA; the
# kernel's IANA_VXLAN_UDP_PORT in net/vxlan.h and GENEVE_UDP_PORT in net/geneve.h)
tunnel_ports = Enum("tunnel_ports", {"vxlan": 4789, "geneve": 6081})

# tcp flag bits in the low byte of the data-offset word (linux/tcp.h TCP_FLAG_*,
# in tcpdump's letters)
tcp_flags = [("F", 0x01), ("S", 0x02), ("R", 0x04), ("P", 0x08), (".", 0x10), ("U", 0x20),
             ("E", 0x40), ("W", 0x80)]
TCP_DOFF_SHIFT = 12          # tcphdr.doff: the top 4 bits, in 4-octet units
TCP_FLAGS_MASK = 0x01FF      # flags incl. AE (the 9th bit)

VLAN_PRIO_SHIFT = 13         # linux/if_vlan.h
VLAN_CFI_MASK = 0x1000
VLAN_VID_MASK = 0x0FFF

IPV4_IHL_MASK = 0x0F         # iphdr: version (high nibble), ihl (low nibble, 4-octet units)
IP_MF = 0x2000               # net/ip.h: iphdr.frag_off flags
IP_DF = 0x4000
IP_OFFSET = 0x1FFF           # in 8-octet units
IP6_OFFSET = 0xFFF8          # net/ipv6.h frag_hdr.frag_off
IP6_MF = 0x0001

IPV6_VERSION_SHIFT = 28      # ipv6hdr: version (4), traffic class (8), flow label (20)
IPV6_TCLASS_SHIFT = 20
IPV6_TCLASS_MASK = 0xFF
IPV6_FLOWLABEL_MASK = 0xFFFFF
ETH_P_802_3_MIN = 0x0600     # linux/if_ether.h: smaller "types" are 802.3 lengths
TCP_FLAG_ACK = 0x10

VXLAN_VNI_SHIFT = 8          # vxlanhdr.vx_vni: VNI in the top 24 bits
GENEVE_OPTLEN_MASK = 0x3F    # genevehdr: ver (2 bits), opt_len (6 bits, 4-octet units)
GENEVE_VNI_SHIFT = 8

# -- layouts -------------------------------------------------------------------

ethhdr = Struct("dst" / Bytes(6) * "mac", "src" / Bytes(6) * "mac", "type" / Int16ub)
vlan_hdr = Struct("tci" / Int16ub, "type" / Int16ub)
arphdr = Struct("hrd" / Int16ub, "pro" / Int16ub, "hln" / Int8ub, "pln" / Int8ub,
                "op" / Int16ub)
arp_eth_ipv4 = Struct("sha" / Bytes(6) * "mac", "sip" / Bytes(4) * "ipv4",
                      "tha" / Bytes(6) * "mac", "tip" / Bytes(4) * "ipv4")
iphdr = Struct("version_ihl" / Int8ub, "tos" / Int8ub, "tot_len" / Int16ub, "id" / Int16ub,
               "frag_off" / Int16ub, "ttl" / Int8ub, "protocol" / Int8ub, "check" / Int16ub,
               "saddr" / Bytes(4) * "ipv4", "daddr" / Bytes(4) * "ipv4")
ipv6hdr = Struct("version_flow" / Int32ub, "payload_len" / Int16ub, "nexthdr" / Int8ub,
                 "hop_limit" / Int8ub, "saddr" / Bytes(16) * "ipv6",
                 "daddr" / Bytes(16) * "ipv6")
ipv6_opt_hdr = Struct("nexthdr" / Int8ub, "hdrlen" / Int8ub)
frag_hdr = Struct("nexthdr" / Int8ub, "reserved" / Int8ub, "frag_off" / Int16ub,
                  "identification" / Int32ub)
tcphdr = Struct("source" / Int16ub, "dest" / Int16ub, "seq" / Int32ub, "ack_seq" / Int32ub,
                "doff_flags" / Int16ub, "window" / Int16ub, "check" / Int16ub,
                "urg_ptr" / Int16ub)
udphdr = Struct("source" / Int16ub, "dest" / Int16ub, "len" / Int16ub, "check" / Int16ub)
icmphdr = Struct("type" / Int8ub, "code" / Int8ub, "checksum" / Int16ub, "id" / Int16ub,
                 "sequence" / Int16ub)
nd_target = Struct("reserved" / Int32ub, "target" / Bytes(16) * "ipv6")
vxlanhdr = Struct("flags" / Int32ub, "vni" / Int32ub)
genevehdr = Struct("ver_opt_len" / Int8ub, "flags" / Int8ub, "proto_type" / Int16ub,
                   "vni" / Int32ub)

LAYOUTS = {"eth": ethhdr, "vlan": vlan_hdr, "arp": arphdr, "arp_eth_ipv4": arp_eth_ipv4,
           "ipv4": iphdr, "ipv6": ipv6hdr, "ipv6_opt": ipv6_opt_hdr, "ipv6_frag": frag_hdr,
           "tcp": tcphdr, "udp": udphdr, "icmp": icmphdr, "icmpv6": icmphdr, "nd": nd_target,
           "vxlan": vxlanhdr, "geneve": genevehdr}
