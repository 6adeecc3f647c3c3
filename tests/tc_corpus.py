"""A corpus of tc command lines generated from the grammar nlcodec.tc.parse
reads: filter heads (dev/block, parents, prio/pref, protocols, handle,
chain, add/replace/change/delete), flower keys for each protocol, matchall,
actions (gact verdicts and goto/jump, mirred, vlan, index, cookie, flags)
and qdisc lines.  Deterministic; every line is distinct.

``lines(dev)`` names the device; ``python3 tests/tc_corpus.py`` prints it."""

from __future__ import annotations

import itertools

HEADS = {
    "ip": ["filter add dev {d} ingress prio 1 protocol ip",
           "filter add dev {d} egress pref 2 protocol ip handle 0x10",
           "filter replace dev {d} parent ffff:fff2 prio 3 protocol ip handle 7",
           "filter add dev {d} ingress protocol ip prio 4 chain 3",
           "filter change dev {d} ingress prio 5 protocol ip handle 9"],
    "ipv6": ["filter add dev {d} ingress prio 6 protocol ipv6",
             "filter add dev {d} egress priority 7 protocol ipv6 handle 12"],
    "802.1Q": ["filter add dev {d} ingress prio 8 protocol 802.1Q",
               "filter add dev {d} ingress prio 9 protocol 802.1ad handle 3"],
    "arp": ["filter add dev {d} ingress prio 10 protocol arp"],
    "mpls_uc": ["filter add dev {d} ingress prio 11 protocol mpls_uc"],
    "all": ["filter add dev {d} ingress prio 12", "filter add dev {d} ingress prio 13 protocol all",
            "filter add block 5 prio 14 protocol all", "filter add dev {d} root prio 15 protocol all"],
}

KEYS = {
    "ip": ["src_mac e4:11:00:00:00:01", "dst_mac e4:12:00:00:00:02/ff:ff:ff:00:00:00",
           "src_mac 02:00:00:00:00:01/24 dst_mac 02:00:00:00:00:02", "dst_ip 10.0.0.1",
           "src_ip 192.168.0.0/16", "dst_ip 10.1.2.0/24 src_ip 10.9.9.9/32",
           "ip_proto tcp dst_port 80", "ip_proto tcp src_port 1024 dst_port 443",
           "ip_proto udp dst_port 4789", "ip_proto udp src_port 1000-2000",
           "ip_proto tcp dst_port 80/0xfff0", "ip_proto sctp dst_port 9",
           "ip_proto tcp tcp_flags 0x12/0x17", "ip_proto tcp tcp_flags 2",
           "ip_proto icmp type 8 code 0", "ip_proto icmp type 3/255", "ip_proto 0x2f",
           "ip_tos 0x10/0xfc", "ip_ttl 64", "ip_tos 16 ip_ttl 1/0xff",
           "ip_flags frag", "ip_flags nofrag/firstfrag",
           "ct_state +trk+est", "ct_state +trk-new ct_zone 7", "ct_mark 5/0xff",
           "ct_zone 3/0xff", "ct_label 01020304/ffffffff",
           "enc_dst_ip 192.0.2.1 enc_src_ip 192.0.2.2 enc_key_id 100 enc_dst_port 4789",
           "enc_key_id 7 enc_tos 0x10 enc_ttl 64", "enc_dst_ip 2001:db8::1",
           "skip_hw src_mac e4:11:00:00:00:03", "skip_sw dst_ip 10.0.0.3", "verbose skip_hw",
           "indev {d} dst_ip 10.0.0.4", "classid 1:10 dst_ip 10.0.0.5", "flowid 1:1",
           "dst_mac e4:12:00:00:00:09 src_ip 10.0.0.9 ip_proto udp src_port 53 skip_hw"],
    "ipv6": ["dst_ip 2001:db8::1", "src_ip 2001:db8::/32", "ip_proto icmpv6 type 128 code 0",
             "ip_proto tcp dst_port 22", "ip_proto udp dst_port 53 src_ip fe80::1/64",
             "ip_ttl 255 ip_tos 0", "skip_hw dst_ip ::1"],
    "802.1Q": ["vlan_id 100", "vlan_id 100 vlan_prio 3", "vlan_ethtype ip dst_ip 10.0.0.1",
               "vlan_id 5 vlan_ethtype ipv6 src_ip 2001:db8::2",
               "vlan_ethtype 802.1Q cvlan_id 20 cvlan_prio 1",
               "vlan_id 7 vlan_ethtype 802.1ad cvlan_id 8 cvlan_ethtype ip ip_proto tcp dst_port 8",
               "src_mac 00:00:5e:00:53:01 vlan_prio 7"],
    "arp": ["arp_tip 10.0.0.1", "arp_sip 10.0.0.0/8 arp_op request", "arp_op reply",
            "arp_tha 02:00:00:00:00:01 arp_sha 02:00:00:00:00:02/40", "arp_op 1/255"],
    "mpls_uc": ["mpls_label 100", "mpls_label 1048575 mpls_tc 3 mpls_bos 1 mpls_ttl 64",
                "mpls_ttl 9"],
    "all": ["src_mac e4:11:00:00:00:05", "skip_sw", "", "dst_mac 01:00:5e:00:00:01/24",
            "enc_src_ip 10.0.0.1 enc_dst_ip 10.0.0.2"],
}

ACTIONS = ["action drop", "action pass", "action gact pipe", "action continue",
           "action reclassify", "action trap", "action goto chain 5", "action jump 1",
           "action gact drop index 3", "action drop cookie 0102030405",
           "action drop skip_sw", "action pass no_percpu", "action gact index 9",
           "action mirred egress redirect dev {d}", "action mirred ingress mirror dev {d}",
           "action mirred egress mirror dev {d} pipe", "action mirred egress redirect dev {d} index 4",
           "action mirred egress mirror dev {d} continue index 5",
           "action vlan pop", "action vlan push id 10", "action vlan push id 10 priority 2 protocol 802.1ad",
           "action vlan modify id 11 pipe", "action vlan pop continue index 8",
           "action vlan pop pipe action mirred egress redirect dev {d}",
           "action gact pipe action drop", "action drop action pass",
           "action vlan push id 3 protocol 802.1Q action goto chain 2 cookie aabbccdd",
           "action skbedit mark 7", "action skbedit mark 7/0xff priority 1:2 queue_mapping 3 ptype host",
           "action skbedit inheritdsfield pipe index 4", "action skbedit ptype otherhost continue",
           "action csum iph and tcp", "action csum ip4h udp sctp pipe index 3",
           "action csum icmp action drop", "action sample rate 10 group 3",
           "action sample rate 100 group 5 trunc 128 continue index 9",
           "action sample group 7 rate 1000 action drop", "action sample index 5",
           "action tunnel_key unset",
           "action tunnel_key set src_ip 192.0.2.1 dst_ip 192.0.2.2 id 7 dst_port 4789",
           "action tunnel_key set src_ip 2001:db8::1 dst_ip 2001:db8::2 id 100 tos 0x10 ttl 33 nocsum continue index 3",
           "action tunnel_key set dst_ip 10.0.0.2 src_ip 10.0.0.1 csum action mirred egress redirect dev {d}",
           "action tunnel_key unset pipe index 2 action drop", "action ct",
           "action ct commit zone 3 mark 5/0xff", "action ct clear",
           "action ct commit nat src addr 10.0.0.1-10.0.0.9 port 1000-2000",
           "action ct commit nat dst addr 2001:db8::1 continue",
           "action ct zone 7 nat pipe index 4 action goto chain 3",
           "action ct commit label 0102/ffff force", "action ct zone 2 action goto chain 1",
           "action pedit ex munge eth dst set 02:00:00:00:00:09",
           "action pedit ex munge eth src set 02:00:00:00:00:0a munge eth dst set 02:00:00:00:00:09 pipe action csum ip",
           "action pedit ex munge ip ttl set 9",
           "action pedit ex munge ip ttl dec",
           "action pedit ex munge ip src set 10.0.0.1 munge ip dst set 10.0.0.2 continue index 3",
           "action pedit munge ip ttl set 9",
           "action pedit munge ip tos set 0x10 retain 0xfc",
           "action pedit munge ip dport set 80",
           "action pedit ex munge ip6 src set 2001:db8::1",
           "action pedit ex munge ip6 hoplimit add 5 munge ip6 traffic_class set 3",
           "action pedit ex munge tcp dport set 8080 munge udp sport set 53",
           "action pedit ex munge eth type set 0x86dd munge tcp flags invert",
           "action pedit munge ip protocol clear munge ip df preserve",
           ""]

MATCHALL = ["filter add dev {d} ingress prio 20 matchall action drop",
            "filter add dev {d} ingress prio 21 protocol ip matchall skip_sw action pass",
            "filter add dev {d} egress prio 22 handle 5 matchall classid 1:1 action mirred egress redirect dev {d}",
            "filter add dev {d} ingress prio 23 matchall skip_hw action vlan push id 9",
            "filter replace dev {d} ingress prio 24 handle 0x2 matchall action gact drop index 2",
            "filter add dev {d} ingress prio 25 matchall action drop action pass",
            "filter add dev {d} ingress chain 4 prio 26 protocol ipv6 matchall action goto chain 9"]

U32 = ["filter add dev {d} ingress prio 40 protocol ip u32 match ip dst 10.0.0.1/32",
       "filter add dev {d} ingress prio 41 protocol ip u32 match ip src 10.0.0.0/8 classid 1:1",
       "filter add dev {d} ingress prio 42 protocol ip handle 800::5 u32 match ip dst 10.1.0.0/16 match ip dport 80 0xffff flowid 1:2",
       "filter add dev {d} ingress prio 43 protocol ip u32 match ip protocol 6 0xff match ip sport 22 0xffff action drop",
       "filter add dev {d} ingress prio 44 protocol ip u32 match u32 0x0a000001 0xffffffff classid 1:3",
       "filter add dev {d} ingress prio 45 protocol ip u32 match u16 0x0800 0xffff skip_sw",
       "filter add dev {d} ingress prio 46 protocol ip u32 match ip tos 0x10 0xff match ip nofrag classid 1:4",
       "filter add dev {d} ingress prio 47 protocol ip u32 match ip icmp_type 8 0xff match ip protocol 1 0xff action pass",
       "filter add dev {d} ingress prio 48 protocol ip u32 match ip sport 1 0xffff match ip dport 2 0xffff classid 1:5",
       "filter add dev {d} ingress prio 49 protocol ip u32 match ip df match ip mf action mirred egress redirect dev {d}",
       "filter add dev {d} ingress prio 50 protocol ip u32 ht 800: match ip dst 10.2.0.0/24 classid 1:6",
       "filter add dev {d} ingress prio 51 protocol ip handle 1: u32 divisor 16",
       "filter add dev {d} ingress prio 52 protocol ip u32 link 1: match ip src 10.3.0.0/16 skip_hw"]

OTHER = ["filter del dev {d} ingress prio 1", "filter delete dev {d} ingress prio 1 protocol ip",
         "filter del dev {d} ingress", "filter del dev {d} ingress prio 2 protocol ip handle 3 flower",
         "filter add dev {d} ingress prio 30 protocol ip flower",
         "filter add dev {d} ingress prio 31 protocol ip flower action drop",
         "qdisc add dev {d} ingress", "qdisc add dev {d} clsact", "qdisc del dev {d} ingress",
         "qdisc del dev {d} clsact", "qdisc replace dev {d} clsact", "qdisc add dev {d} handle ffff: ingress",
         "qdisc add dev {d} ingress_block 5 egress_block 6 clsact",
         "qdisc add dev {d} ingress_block 7 clsact"]

# issue 19's additions: gact random, hw_stats, nat, connmark, mpls, police (actions); flower
# mpls lse lists, pppoe, tunnel options; u32 at, ip6, tcp, udp.  Explicit action
# indexes are far above those the kernel picks for the corpus's other actions (an
# index in use binds the line to that action, whatever the line says)
MORE = ["filter add dev {d} ingress prio 60 protocol ip flower dst_ip 10.0.6.1 action drop random determ pass 100 index 5005",
        "filter add dev {d} ingress prio 61 matchall action gact pass random netrand drop 10000 cookie aa",
        "filter add dev {d} ingress prio 62 protocol ip flower action drop hw_stats delayed",
        "filter add dev {d} ingress prio 63 matchall action pass hw_stats disabled no_percpu",
        "filter add dev {d} ingress prio 64 matchall action drop hw_stats imm skip_sw",
        "filter add dev {d} ingress prio 65 protocol ip flower action nat ingress 10.0.0.1 192.168.0.1",
        "filter add dev {d} ingress prio 66 protocol ip flower action nat egress 10.0.0.0/8 192.168.0.0 pipe index 5003",
        "filter add dev {d} ingress prio 67 protocol ip flower action nat egress 0.0.0.0/0 1.2.3.4",
        "filter add dev {d} ingress prio 68 matchall action connmark",
        "filter add dev {d} ingress prio 69 matchall action connmark zone 7 continue index 5002",
        "filter add dev {d} ingress prio 70 matchall action mpls pop protocol ip",
        "filter add dev {d} ingress prio 71 protocol ip flower action mpls push protocol mpls_uc label 100 tc 3 ttl 64 bos 1",
        "filter add dev {d} ingress prio 72 protocol mpls_uc flower action mpls modify label 0x20 ttl 9",
        "filter add dev {d} ingress prio 73 protocol mpls_uc flower action mpls dec_ttl pipe index 5004",
        "filter add dev {d} ingress prio 74 matchall action mpls mac_push label 5 bos 0 action drop",
        "filter add dev {d} ingress prio 75 protocol ip flower skip_hw action nat ingress 10.1.0.0/16 10.2.0.0 action mpls push label 7 action connmark zone 1",
        # flower mpls lse lists, pppoe
        "filter add dev {d} ingress prio 76 protocol mpls_uc flower mpls lse depth 1 label 100 action drop",
        "filter add dev {d} ingress prio 77 protocol mpls_uc flower mpls lse depth 1 label 100 tc 3 bos 0 ttl 64 lse depth 2 ttl 9 bos 1 action drop",
        "filter add dev {d} ingress prio 78 protocol mpls_mc flower skip_hw mpls lse label 5 depth 3 action pass",
        "filter add dev {d} ingress prio 79 protocol ppp_ses flower pppoe_sid 1234 action drop",
        "filter add dev {d} ingress prio 80 protocol ppp_ses flower pppoe_sid 7 ppp_proto ip dst_ip 10.0.0.1 action drop",
        "filter add dev {d} ingress prio 81 protocol ppp_ses flower ppp_proto ipv6 src_ip 2001:db8::1 action drop",
        "filter add dev {d} ingress prio 82 protocol ppp_ses flower ppp_proto 0xc021 action drop",
        "filter add dev {d} ingress prio 83 protocol ppp_ses flower ppp_proto LCP action drop",
        "filter add dev {d} ingress prio 84 protocol ppp_ses flower ppp_proto mpls_uc mpls_label 5 action drop",
        # u32: at offsets, ip6, tcp, udp
        "filter add dev {d} ingress prio 85 protocol ip u32 match u32 0x0a000001 0xffffffff at 16 classid 1:1",
        "filter add dev {d} ingress prio 86 protocol ip u32 match u16 0x50 0xffff at nexthdr+2 classid 1:1",
        "filter add dev {d} ingress prio 87 protocol ip u32 match u8 6 0xff at 9 match u16 22 0xffff at nexthdr+ 0 classid 1:1",
        "filter add dev {d} ingress prio 88 protocol ip u32 match u16 0x1 0xffff at 1 classid 1:1",
        "filter add dev {d} ingress prio 89 protocol ip u32 match ip dst 10.0.0.0/8 at 12 classid 1:1",
        "filter add dev {d} ingress prio 90 protocol ip u32 match ip protocol 17 0xff at 9 classid 1:1",
        "filter add dev {d} ingress prio 91 protocol ipv6 u32 match ip6 dst 2001:db8::1/128 classid 1:1",
        "filter add dev {d} ingress prio 92 protocol ipv6 u32 match ip6 src 2001:db8::/36 match ip6 protocol 6 0xff classid 1:1",
        "filter add dev {d} ingress prio 93 protocol ipv6 u32 match ip6 dport 443 0xffff match ip6 sport 1 0xffff classid 1:1",
        "filter add dev {d} ingress prio 94 protocol ipv6 u32 match ip6 icmp_type 128 0xff match ip6 icmp_code 0 0xff classid 1:1",
        "filter add dev {d} ingress prio 95 protocol ipv6 u32 match ip6 flowlabel 0x12345 0xfffff classid 1:1",
        "filter add dev {d} ingress prio 96 protocol ip u32 match ip protocol 6 0xff match tcp dst 80 0xffff classid 1:1",
        "filter add dev {d} ingress prio 97 protocol ip u32 match ip protocol 17 0xff match udp src 53 0xffff match udp dst 5353 0xffff action drop",
        "filter add dev {d} ingress prio 98 protocol ip u32 match u32 0 0 at -4 classid 1:1",
        "filter add dev {d} ingress prio 99 protocol ip u32 match u8 1 0xff at 0x13 classid 1:1",
        "filter add dev {d} ingress prio 100 protocol ipv6 u32 match ip6 dst 2001:db8::/0 classid 1:1",
        # flower tunnel options
        "filter add dev {d} ingress prio 101 protocol ip flower enc_dst_ip 10.0.0.1 enc_key_id 5 vxlan_opts 0x800 action drop",
        "filter add dev {d} ingress prio 102 protocol ip flower vxlan_opts 0x800/0xff00 enc_dst_port 4789 action drop",
        "filter add dev {d} ingress prio 103 protocol ip flower erspan_opts 1:12:0:0 action drop",
        "filter add dev {d} ingress prio 104 protocol ip flower erspan_opts 2:0:1:7/2:0:0xff:0xff action drop",
        "filter add dev {d} ingress prio 105 protocol ip flower erspan_opts 2::1:7 action drop",
        "filter add dev {d} ingress prio 106 protocol ip flower erspan_opts 1:0x100 enc_key_id 1 action drop",
        # police
        "filter add dev {d} ingress prio 107 protocol ip flower action police rate 1mbit burst 10k",
        "filter add dev {d} ingress prio 108 matchall action police rate 100mbit burst 64k mtu 2k drop index 5007",
        "filter add dev {d} ingress prio 109 matchall action police rate 1gbit burst 1m conform-exceed drop/pipe action drop",
        "filter add dev {d} ingress prio 110 matchall action police rate 10kbit burst 2000 mtu 1500 peakrate 20kbit",
        "filter add dev {d} ingress prio 111 matchall action police avrate 1mbit drop",
        "filter add dev {d} ingress prio 112 matchall action police pkts_rate 1000 pkts_burst 100",
        "filter add dev {d} ingress prio 113 matchall action police rate 50gbit burst 1m",
        "filter add dev {d} ingress prio 114 matchall action police rate 1.5mbit burst 10k/64 mpu 64 overhead 4 continue",
        "filter add dev {d} ingress prio 115 matchall action police mtu 1500 pass",
        # geneve options
        "filter add dev {d} ingress prio 116 protocol ip flower enc_dst_ip 10.0.0.1 geneve_opts 0102:80:1020304050607080 action drop",
        "filter add dev {d} ingress prio 117 protocol ip flower geneve_opts 0102:80:11223344/ffff:ff:ffff0000,ffff:1:aabb action drop",
        "filter add dev {d} ingress prio 118 protocol ip flower geneve_opts 1:2:abcd/::ffff action drop",
        # gtp options (f_flower.c flower_parse_enc_opts_gtp)
        "filter add dev {d} ingress prio 119 protocol ip flower enc_dst_ip 10.0.0.1 gtp_opts 1:8 action drop",
        "filter add dev {d} ingress prio 120 protocol ip flower gtp_opts 0x2:0x3f/ff:0f action drop",
        "filter add dev {d} ingress prio 121 protocol ip flower gtp_opts :5 action drop",
        # #19-words: what follows the second ':' is left unread (flower_parse_gtp_opt)
        "filter add dev {d} ingress prio 250 protocol ip flower gtp_opts 1:2:300 action drop",
        "filter add dev {d} ingress prio 251 protocol ip flower gtp_opts 1:2:3:4/ff:f:zz action drop",
        "filter add dev {d} ingress prio 252 protocol ip flower gtp_opts 0x10:: action drop",
        "filter add dev {d} ingress prio 253 protocol ip flower gtp_opts ::/:: action drop",
        # u32 match ip6 priority, icmp, mark, ether (f_u32.c parse_selector)
        "filter add dev {d} ingress prio 122 protocol ipv6 u32 match ip6 priority 0x10 0xff classid 1:1",
        "filter add dev {d} ingress prio 123 protocol ipv6 u32 match ip6 priority 0xb8 0xfc match ip6 flowlabel 0x12345 0xfffff classid 1:1",
        "filter add dev {d} ingress prio 124 protocol ip u32 match ip protocol 1 0xff match icmp type 8 0xff match icmp code 0 0xff classid 1:1",
        "filter add dev {d} ingress prio 125 protocol ip u32 match mark 0x10 0xff classid 1:1",
        "filter add dev {d} ingress prio 126 protocol ip u32 classid 1:2 match ip dst 10.0.0.1/32 match mark 5 0xffff action drop",
        "filter add dev {d} ingress prio 127 protocol ip u32 match ether src 02:00:00:00:00:01 classid 1:1",
        "filter add dev {d} ingress prio 128 protocol ip u32 match ether dst 02:00:00:00:00:02 match ether src 02:00:00:00:00:01 classid 1:1",
        "filter add dev {d} ingress prio 129 protocol ip u32 match ether dst 0a:0b:0c:0d:0e:0f at -14 classid 1:1",
        # police linklayer (rate tables in ATM cells: tc_core.c tc_align_to_atm), conform-exceed A / B
        "filter add dev {d} ingress prio 130 matchall action police rate 1mbit burst 10k linklayer atm",
        "filter add dev {d} ingress prio 131 matchall action police rate 2mbit burst 20k mtu 1500 peakrate 3mbit linklayer adsl overhead 10 mpu 64",
        "filter add dev {d} ingress prio 132 matchall action police rate 1mbit burst 10k linklayer ethernet drop",
        "filter add dev {d} ingress prio 133 matchall action police rate 1mbit burst 10k/8 linklayer atm",
        "filter add dev {d} ingress prio 134 matchall action police rate 1mbit burst 10k conform-exceed drop / pipe",
        "filter add dev {d} ingress prio 135 matchall action police rate 1mbit burst 10k conform-exceed pass",
        "filter add dev {d} ingress prio 136 matchall action police rate 1mbit burst 10k conform-exceed goto chain 3 / drop action pass",
        "filter add dev {d} ingress prio 137 matchall action police rate 1mbit burst 10k conform-exceed 2 / 3",
        # nat and flower addresses with a dotted netmask, a base-0 length, default (get_prefix_1)
        "filter add dev {d} ingress prio 138 protocol ip flower action nat ingress 10.0.0.0/255.0.0.0 192.168.0.1",
        "filter add dev {d} ingress prio 139 protocol ip flower action nat egress default 1.2.3.4",
        "filter add dev {d} ingress prio 140 protocol ip flower action nat ingress 172.16.0.0/0xc 10.0.0.0",
        "filter add dev {d} ingress prio 141 protocol ip flower dst_ip 10.1.0.0/255.255.0.0 action drop",
        "filter add dev {d} ingress prio 142 protocol ip flower src_ip default action drop",
        # tunnel_key options (m_tunnel_key.c tunnel_key_parse_geneve_opts, _vxlan_opt, _erspan_opt)
        "filter add dev {d} ingress prio 143 matchall action tunnel_key set src_ip 10.0.0.1 dst_ip 10.0.0.2 id 7 dst_port 6081 geneve_opts 0102:80:00880022",
        "filter add dev {d} ingress prio 144 matchall action tunnel_key set src_ip 10.0.0.1 dst_ip 10.0.0.2 id 7 geneve_opts 0102:80:00880022,0x103:0x81:AABBCCDD1",
        "filter add dev {d} ingress prio 145 matchall action tunnel_key set src_ip 10.0.0.1 dst_ip 10.0.0.2 id 8 dst_port 4789 vxlan_opts 0x800",
        "filter add dev {d} ingress prio 146 matchall action tunnel_key set src_ip 2001:db8::1 dst_ip 2001:db8::2 id 9 erspan_opts 2:0:1:7",
        "filter add dev {d} ingress prio 147 matchall action tunnel_key set src_ip 10.0.0.1 dst_ip 10.0.0.2 id 9 erspan_opts 1:0x100 nocsum pipe",
        "filter add dev {d} ingress prio 148 matchall action tunnel_key set erspan_opts 1::0x100 src_ip 10.0.0.1 dst_ip 10.0.0.2 id 10",
        # qdiscs with options (q_fifo.c, q_fq_codel.c)
        "qdisc add dev {d} root pfifo", "qdisc add dev {d} root pfifo limit 100",
        "qdisc replace dev {d} root handle 1: bfifo limit 10kb",
        "qdisc add dev {d} parent 1:1 pfifo_head_drop limit 5",
        "qdisc add dev {d} root fq_codel",
        "qdisc replace dev {d} root fq_codel limit 1024 flows 512 target 5ms interval 100ms quantum 1514 ecn",
        "qdisc add dev {d} root handle 2: fq_codel noecn ce_threshold 2.5ms memory_limit 32Mb drop_batch 32 ce_threshold_selector 0x1/0x3",
        "qdisc change dev {d} root fq_codel target 1s interval 200000us limit 0x400",
        "qdisc add dev {d} root fq_codel ce_threshold_selector 0xff/0x3 target 1.5MS",
        # tbf, prio, sfq, htb (q_tbf.c tbf_parse_opt, q_prio.c prio_parse_opt, q_sfq.c
        # sfq_parse_opt, q_htb.c htb_parse_opt)
        "qdisc add dev {d} root tbf rate 1mbit burst 10k limit 10k",
        "qdisc add dev {d} root handle 1: tbf rate 100mbit burst 64kb latency 50ms",
        "qdisc replace dev {d} root tbf rate 10mbit burst 20k/16 latency 70ms peakrate 12mbit mtu 1540 mpu 64",
        "qdisc add dev {d} root tbf rate 50gbit burst 1m limit 2m",
        "qdisc add dev {d} root tbf rate 1mbit burst 10k lat 400ms peakrate 80gbit minburst 9000/64 overhead 14 linklayer atm",
        "qdisc add dev {d} parent 1:1 tbf maxburst 3000 rate 256kbit limit 3000 linklayer adsl",
        "qdisc add dev {d} root prio",
        "qdisc add dev {d} root handle 1: prio bands 5",
        "qdisc replace dev {d} root prio bands 4 priomap 3 2 1 0 3 2 1 0",
        "qdisc add dev {d} root prio priomap 0 1 2 0 1 2 0 1 2 0 1 2 0 1 2 0",
        "qdisc add dev {d} root sfq",
        "qdisc add dev {d} root sfq perturb 10",
        "qdisc add dev {d} root handle 1: sfq quantum 1514 limit 127 divisor 1024 flows 64 depth 32 headdrop",
        "qdisc replace dev {d} parent 1:2 sfq limit 0x80 perturb -1 quantum 3k",
        "qdisc add dev {d} root htb",
        "qdisc add dev {d} root handle 1: htb default 10",
        "qdisc replace dev {d} root handle 1: htb default 1a r2q 5 direct_qlen 100",
        "qdisc add dev {d} root htb debug 3120 offload",
        "qdisc add dev {d} root htb def 0x20 direct_qlen 4294967295",
        # netem (q_netem.c netem_parse_opt)
        "qdisc add dev {d} root netem",
        "qdisc add dev {d} root netem delay 100ms",
        "qdisc add dev {d} root handle 1: netem delay 100ms 10ms",
        "qdisc replace dev {d} root netem delay 100ms 10ms 25%",
        "qdisc add dev {d} root netem loss 0.1%",
        "qdisc add dev {d} root netem loss random 1% 25% ecn",
        "qdisc add dev {d} root netem drop 0.3 limit 2000",
        "qdisc add dev {d} root netem delay 10ms reorder 25% 50%",
        "qdisc add dev {d} root netem delay 10ms reorder 5 gap 5",
        "qdisc add dev {d} root netem duplicate 1% 10% corrupt 0.1% 5%",
        "qdisc add dev {d} root netem rate 1mbit",
        "qdisc add dev {d} root netem rate 100kbit 20 100 -5 delay 1s",
        "qdisc add dev {d} root netem rate 8gbit -4",
        "qdisc add dev {d} parent 1:1 netem lat 2.5ms 0.5ms loss 100% limit 10k",
        # netem loss models and slots
        "qdisc add dev {d} root netem loss state 1%",
        "qdisc add dev {d} root netem loss state 1% 2% 3% 4% 5%",
        "qdisc add dev {d} root netem loss gemodel 1%",
        "qdisc add dev {d} root netem loss gemodel 1% 10% 70% 0.1% ecn",
        "qdisc add dev {d} root netem delay 10ms loss state 0.5% 90%",
        "qdisc add dev {d} root netem slot 10ms",
        "qdisc add dev {d} root netem slot 800us 1.5ms packets 32 bytes 64k",
        "qdisc add dev {d} root netem delay 10ms slot 1000ns 2000 p 5 b 1m loss 1%",
        "qdisc add dev {d} root netem slot 5ms bytes 3gb"]


# #19-words: addresses as lib/utils.c get_addr_1/get_prefix_1 read them (get_addr_ipv4:
# strtoul base-0 parts, missing parts zero; get_netmask: a number or a mask read the same
# way; any/all/default where they give bytes), in flower, u32, tunnel_key, nat, ct, pedit
WORDS = ["filter add dev {d} ingress prio 150 protocol ip flower dst_ip 10.1 action drop",
         "filter add dev {d} ingress prio 151 protocol ip flower src_ip 010.0.0.1 dst_ip 0x0a.0.0.1/0xff.255.0 action drop",
         "filter add dev {d} ingress prio 152 protocol ip flower dst_ip 10 src_ip 192.168.1/24 action drop",
         "filter add dev {d} ingress prio 154 protocol ip flower dst_ip default action drop",
         "filter add dev {d} ingress prio 155 protocol ip flower dst_ip 10.0.0.0/255.255 action drop",
         "filter add dev {d} ingress prio 156 protocol arp flower arp_tip 10.2 arp_sip 0300.0250.0.1/16 action drop",
         "filter add dev {d} ingress prio 157 protocol ip flower enc_dst_ip 10.3 enc_src_ip 0x7f.1 action drop",
         "filter add dev {d} ingress prio 158 protocol ip u32 match ip dst 10.4/16 classid 1:1",
         "filter add dev {d} ingress prio 159 protocol ip u32 match ip src 012.0.0.1 classid 1:1",
         "filter add dev {d} ingress prio 160 protocol ip u32 match ip dst any classid 1:1",
         "filter add dev {d} ingress prio 161 protocol ip u32 match ip src default match ip dst all classid 1:1",
         "filter add dev {d} ingress prio 162 protocol ipv6 u32 match ip6 dst any classid 1:1",
         "filter add dev {d} ingress prio 163 protocol ipv6 u32 match ip6 src default match ip6 dst 2001:db8::1 classid 1:1",
         "filter add dev {d} ingress prio 164 protocol ip u32 match ip dst +10.0.0.1/+24 classid 1:1",
         "filter add dev {d} ingress prio 165 matchall action tunnel_key set src_ip 10.1 dst_ip 0x0a.0.0.2 id 7",
         "filter add dev {d} ingress prio 166 matchall action tunnel_key set src_ip 012.1.1 dst_ip 10.0.0.2 id 7",
         "filter add dev {d} ingress prio 168 matchall action nat ingress 10.5/16 0xc0.0250.1",
         "filter add dev {d} ingress prio 169 matchall action nat egress any 1.2.3.4",
         "filter add dev {d} ingress prio 170 matchall action ct commit nat src addr 10.6-10.7 pipe",
         "filter add dev {d} ingress prio 171 matchall action ct commit nat src addr 012.0.0.1 port 80",
         "filter add dev {d} ingress prio 172 matchall action pedit ex munge ip src set 10.8 munge ip dst set 0x0a.0.0.9",
         "filter add dev {d} ingress prio 173 matchall action pedit ex munge ip src set any",
         "filter add dev {d} ingress prio 174 matchall action pedit ex munge ip6 dst set any",
         "filter add dev {d} ingress prio 175 protocol ip flower dst_ip 10.0.0.1/-0 action drop",
         "filter add dev {d} ingress prio 181 protocol ip u32 match ip dst 10.0.0.0/any classid 1:1",
         "filter add dev {d} ingress prio 182 protocol ip flower src_ip -0.1 action drop",
         # class ids and qdisc handles as tc_util.c get_tc_classid / get_qdisc_handle read
         # them (C strtoul base 16; a bare number taken whole; what follows a handle's ':')
         "filter add dev {d} ingress prio 280 protocol ip flower classid 0x1:0x10 action drop",
         "filter add dev {d} ingress prio 281 protocol ip flower classid 10 action drop",
         "filter add dev {d} ingress prio 282 protocol ip flower classid +1:+2 action drop",
         "filter add dev {d} ingress prio 283 protocol ip flower classid :7 action drop",
         "filter add dev {d} ingress prio 284 protocol ip flower classid 1: action drop",
         "filter add dev {d} ingress prio 285 protocol ip flower classid 100000000 action drop",
         "filter add dev {d} parent +ffff:fff2 prio 290 protocol ip flower action drop",
         "qdisc add dev {d} root handle 1:foo pfifo",
         "qdisc add dev {d} root handle 0x2 pfifo",
         "qdisc add dev {d} root handle +3: pfifo",
         "qdisc add dev {d} parent 1 pfifo",
         "qdisc add dev {d} parent 0x10:0x1 handle 5:0 pfifo"]


# #19-words: u32 (f_u32.c u32_parse_opt) offset, hashkey, sample [divisor], ht, order, link,
# police (parse_police into TCA_U32_POLICE), indev, the matches' "at" forms
U32_MORE = ["filter add dev {d} ingress prio 200 protocol ip u32 match ip protocol 6 0xff offset at 0 mask 0f00 shift 6 plus 0 eat classid 1:1",
         "filter add dev {d} ingress prio 201 protocol ip u32 match u8 0x45 0xff offset plus 20 classid 1:1",
         "filter add dev {d} ingress prio 202 protocol ip u32 match ip dst 10.0.0.0/8 offset at -2 eat classid 1:1",
         "filter add dev {d} ingress prio 203 protocol ip u32 match ip protocol 17 0xff hashkey mask 0x000000ff at 12 link 2: classid 1:1",
         "filter add dev {d} ingress prio 204 protocol ip u32 hashkey at 16 mask ff00 match u32 0 0 classid 1:1",
         "filter add dev {d} ingress prio 205 protocol ip handle 2: u32 divisor 256",
         "filter add dev {d} ingress prio 206 protocol ip u32 ht 2: sample ip dst 10.0.0.5 match ip dst 10.0.0.5 classid 1:1",
         "filter add dev {d} ingress prio 207 protocol ip u32 ht 2: sample u32 0x0a000007 0x000000ff divisor 16 match ip dst 10.0.0.7 classid 1:1",
         "filter add dev {d} ingress prio 208 protocol ip u32 sample ip protocol 6 0xff ht 3: match ip protocol 6 0xff classid 1:1",
         "filter add dev {d} ingress prio 209 protocol ip u32 ht 800: order 5 match ip src 10.0.0.1 classid 1:1",
         "filter add dev {d} ingress prio 210 protocol ip u32 match ip src 10.0.0.2 police rate 1mbit burst 10k drop classid 1:1",
         "filter add dev {d} ingress prio 211 protocol ip u32 match ip src 10.0.0.3 police rate 1mbit burst 10k conform-exceed drop/pipe flowid 1:2",
         "filter add dev {d} ingress prio 212 protocol ip u32 police avrate 1mbit drop match u32 0 0",
         "filter add dev {d} ingress prio 214 protocol ip u32 match ip prec 0x20 0xe0 match ip icmp_code 0 0xff classid 1:1",
         "filter add dev {d} ingress prio 215 protocol ip u32 match u8 0x11 0xff at 9 match u16 0x35 0xffff at 22 match u32 0xc0a80001 0xffffffff at 12 classid 1:1",
         "filter add dev {d} ingress prio 216 protocol ip u32 match u16 0x1 0xff at nexthdr+4 match u8 0 0 at 3 classid 1:1",
         "filter add dev {d} ingress prio 218 protocol ipv6 u32 match ip6 dport 53 0xffff at 42 match ip6 sport 1 0xffff at nexthdr+0 classid 1:1",
         "filter add dev {d} ingress prio 219 protocol ipv6 u32 match ip6 icmp_code 1 0xff at 41 match ip6 flowlabel 0x5 0xf at 0 classid 1:1",
         "filter add dev {d} ingress prio 220 protocol ip u32 divisor +16 classid 1:1",
         "filter add dev {d} ingress prio 221 protocol ip u32 indev {d} match u32 0 0 classid 1:1",
         "filter add dev {d} ingress prio 222 protocol ip u32 o plus 8 h at 4 c 1:1 match u32 0 0",
         "filter add dev {d} ingress prio 223 protocol ip handle 5:0:1 u32 ht 5: order 1 match u32 0 0",
         "filter add dev {d} ingress prio 224 protocol ip u32 match ip dst 10.0.0.1 action drop police rate 1mbit burst 1k",
         "filter add dev {d} ingress prio 225 protocol ip u32 ht 2:3 sample u32 1 1 match u32 0 0",
         # ip6 and ip matches at nexthdr+N offsets, ip6 prefixes given as IPv4 netmasks
         "filter add dev {d} ingress prio 310 protocol ipv6 u32 match ip6 src 2001:db8::/48 at nexthdr+8 classid 1:1",
         "filter add dev {d} ingress prio 311 protocol ipv6 u32 match ip6 dst ::ffff:10.0.0.1/120 classid 1:1",
         "filter add dev {d} ingress prio 312 protocol ipv6 u32 match ip6 src 2001:db8::1/255.255.255.0 classid 1:1",
         "filter add dev {d} ingress prio 313 protocol ipv6 u32 match ip6 protocol 6 0xff at nexthdr+6 classid 1:1",
         "filter add dev {d} ingress prio 314 protocol ipv6 u32 match ip6 flowlabel 0x1 0xfffff at 4 classid 1:1",
         "filter add dev {d} ingress prio 315 protocol ipv6 u32 match ip6 sport 22 0xffff at nexthdr+0 match ip6 dport 80 0xffff at nexthdr+2 classid 1:1",
         "filter add dev {d} ingress prio 316 protocol ip u32 match ip src 10.0.0.1/8 at nexthdr+12 classid 1:1",
         "filter add dev {d} ingress prio 317 protocol ip u32 match ether src 02:00:00:00:00:01 at -8 classid 1:1",
         "filter add dev {d} ingress prio 318 protocol ipv6 u32 match ip6 icmp_type 128 0xff at nexthdr+0 classid 1:1",
         # get_u32_handle: strtoul base 16 parts, the character after a part skipped
         "filter add dev {d} ingress prio 260 protocol ip handle 800::5 u32 match u32 0 0",
         "filter add dev {d} ingress prio 261 protocol ip handle 80x:1 u32 match u32 0 0",
         "filter add dev {d} ingress prio 262 protocol ip handle 1:2:3zz u32 match u32 0 0",
         "filter add dev {d} ingress prio 264 protocol ip handle +8:: u32 match u32 0 0",
         "filter add dev {d} ingress prio 265 protocol ip handle 0x800:0x1:0xa u32 match u32 0 0",
         "filter add dev {d} ingress prio 266 protocol ip handle ::7 u32 match u32 0 0",
         "filter add dev {d} ingress prio 270 protocol ip u32 ht 2:: link 3: match u32 0 0",
         "filter add dev {d} ingress prio 272 protocol ip handle 0x80000005 u32 match u32 0 0",
         "filter add dev {d} ingress prio 274 protocol ip handle 1:2:3:4 u32 match u32 0 0"]


# #19-sched: drr, qfq, multiq, pfifo_fast, cbs, etf, mqprio (q_drr.c drr_parse_opt, q_qfq.c
# qfq_parse_opt, q_multiq.c, q_fifo.c, q_cbs.c cbs_parse_opt, q_etf.c
# etf_parse_opt, q_mqprio.c mqprio_parse_opt)
SCHED = [
         "qdisc add dev {d} root handle 1: drr",
         "qdisc replace dev {d} parent 1:1 handle 10: drr",
         "qdisc add dev {d} root handle 1: qfq",
         "qdisc change dev {d} root qfq",
         "qdisc add dev {d} root handle 1: multiq",
         "qdisc replace dev {d} parent 1:2 multiq",
         "qdisc add dev {d} root pfifo_fast",
         "qdisc replace dev {d} root handle 1: pfifo_fast",
         "qdisc add dev {d} root cbs",
         "qdisc replace dev {d} parent 100:1 cbs hicredit 30 locredit -1470 sendslope -980000 idleslope 20000",
         "qdisc add dev {d} root cbs idle 0x100 send -0x10 off 1 hi 012",
         "qdisc add dev {d} root cbs locredit 0 locredit -5 offload 0",
         "qdisc add dev {d} root etf",
         "qdisc add dev {d} parent 100:1 etf delta 300000 clockid CLOCK_TAI offload",
         "qdisc replace dev {d} root etf clockid tai deadline_mode skip_sock_check delta -5",
         "qdisc add dev {d} root etf clock clock_realtime del 0x10 dead off",
         "qdisc add dev {d} root etf clockid BOOTTIME",
         "qdisc add dev {d} root etf clockid Monotonic delta 0 delta 7",
         "qdisc add dev {d} root mqprio",
         "qdisc add dev {d} root handle 100: mqprio num_tc 3 map 2 2 1 0 2 2 2 2 2 2 2 2 2 2 2 2 queues 1@0 1@1 2@2 hw 0",
         "qdisc add dev {d} root mqprio num_tc 2 map 0 1 queues 4@0 4@4 hw 1 mode channel",
         "qdisc add dev {d} root mqprio num_tc 2 map 1 0 queues 2@0 2@2 mode channel shaper bw_rlimit min_rate 1mbit 2mbit max_rate 5mbit 10gbit hw 1",
         "qdisc add dev {d} root mqprio num_tc 2 shaper bw_rlimit max_rate 100mbit 200mbit",
         "qdisc add dev {d} root mqprio mode dcb shaper dcb",
         "qdisc add dev {d} root mqprio mode channel mode dcb",
         "qdisc add dev {d} root mqprio queues 1@2@3 2@@4 hw 0",
         "qdisc add dev {d} root mqprio num_tc 4 map 3 2 1 0 queues 1@0 1@1 1@2 1@3 shaper bw_rlimit min_rate 1kbit max_rate 1gbit 2gbit 3gbit 4gbit 5gbit",
         # classes (tc_class.c tc_class_modify; q_htb.c htb_parse_class_opt, q_drr.c
         # drr_parse_class_opt, q_qfq.c qfq_parse_class_opt): tc sends them whether or not
         # the parent qdisc exists
         "class add dev {d} parent 1: classid 1:1 htb rate 1mbit",
         "class add dev {d} parent 1:1 classid 1:10 htb rate 10mbit ceil 100mbit burst 15k cburst 1500 prio 1 quantum 1514",
         "class replace dev {d} parent 1: classid 1:2 htb rate 50gbit ceil 80gbit",
         "class change dev {d} parent 1:1 classid 1:20 htb rate 256kbit mtu 9000 mpu 64 overhead 4 linklayer atm",
         "class add dev {d} parent 1: classid 1:3 htb rate 1mbit burst 10k/8 cburst 20k/16 linklayer adsl",
         "class add dev {d} root classid 1:4 htb rate 100Mbit ceil 1gbit pri 7 quan 3000 m 2000 b 4k c 8k",
         "class add dev {d} parent 1: classid 1:5 htb rate 1000bps buffer 3000 cbuffer 5000 o 10 mp 20 l eth",
         "class add dev {d} parent 1: classid 1:6 htb rate 5gbit",
         "class add dev {d} parent 1: classid 1:7 htb ceil 2mbit rate 1mbit maxburst 2k cmaxburst 3k",
         "class add dev {d} parent 1: classid 1:8 htb rate 3gbit ceil 40gbit mtu 0",
         "class add dev {d} parent 1: classid 1:1 drr",
         "class add dev {d} parent 1: classid 1:2 drr quantum 1514",
         "class change dev {d} classid 1:3 drr quantum 64k",
         "class add dev {d} parent 1: classid 1:1 qfq",
         "class add dev {d} parent 1: classid 1:2 qfq weight 10 maxpkt 1500",
         "class replace dev {d} parent 1: classid 1:3 qfq max 2048 w 1",
         "class del dev {d} classid 1:10",
         "class delete dev {d} parent 1: classid 1:11",
         "class del dev {d} parent 1: classid 1:12 drr",
         "class add dev {d} parent 1: classid 1:13",
         # prio multiqueue: TCA_PRIO_MQ in addattr_nest_compat's nest (q_prio.c prio_parse_opt)
         "qdisc add dev {d} root prio multiqueue",
         "qdisc add dev {d} root handle 1: prio bands 4 priomap 0 1 2 3 multiqueue",
         "qdisc replace dev {d} root prio multiqueue bands 2 multiqueue",
         "qdisc add dev {d} parent 1:1 prio priomap 1 1 multiqueue 0 0",
         # netem distribution tables, read from the files iproute2 installs (q_netem.c
         # get_distribution; Debian: /usr/lib/x86_64-linux-gnu/tc/*.dist)
         "qdisc add dev {d} root netem delay 100ms 10ms distribution normal",
         "qdisc add dev {d} root netem delay 10ms 5ms 25% distribution pareto loss 1%",
         "qdisc replace dev {d} root netem dist paretonormal latency 50ms 20ms rate 1mbit",
         "qdisc add dev {d} root netem slot distribution experimental 10ms 2ms packets 10",
         "qdisc add dev {d} root netem delay 20ms 4ms distribution normal slot distribution pareto 1ms 500us bytes 64k",
         # an etf the kernel takes (sch_etf.c validate_input_params: CLOCK_TAI, delta >= 0)
         "qdisc add dev {d} root etf clockid CLOCK_TAI delta 200000"]


# #19-words: qdisc stab (tc_stab.c parse_size_table, tc_core.c tc_calc_size_table: TCA_STAB
# after the options) and estimator on qdisc and filter lines (m_estimator.c
# parse_estimator, tc_estimator.c tc_setup_estimator: TCA_RATE after TCA_KIND on a qdisc,
# after the options on a filter)
STAB_EST = [
        "qdisc add dev {d} root stab overhead 20 linklayer atm pfifo",
        "qdisc add dev {d} root stab linklayer ethernet pfifo limit 10",
        "qdisc add dev {d} root stab overhead -4 bfifo",
        "qdisc add dev {d} root stab mpu 64 pfifo",
        "qdisc add dev {d} root stab mtu 1500 tsize 128 linklayer adsl overhead 8 mpu 32 pfifo",
        "qdisc add dev {d} root stab tsize 1024 mtu 9000 linklayer atm tbf rate 1mbit burst 10k limit 10k",
        "qdisc add dev {d} root stab mtu 100000 tsize 64 mpu 100 pfifo",
        "qdisc add dev {d} root handle 1: stab o 10 l atm fq_codel",
        "qdisc add dev {d} stab overhead 20 ingress",
        "qdisc add dev {d} root estimator 1sec 8sec pfifo",
        "qdisc add dev {d} root est 250ms 2s pfifo limit 5",
        "qdisc add dev {d} root estimator 4s 16s stab overhead 4 sfq",
        "qdisc add dev {d} estimator 8s 1000s ingress",
        "qdisc add dev {d} root estimator 3 3000 pfifo",
        "filter add dev {d} ingress prio 300 protocol ip estimator 1s 8s flower dst_ip 10.0.0.1 action drop",
        "filter add dev {d} ingress prio 301 protocol ip estimator 2s 4s u32 match ip src 10.0.0.1 classid 1:1",
        "filter add dev {d} ingress estimator 1s 2s prio 302 matchall action pass",
        "qdisc add dev {d} estimator 500ms 1s ingress_block 3 clsact",
        "qdisc add dev {d} root estimator 125ms 500ms pfifo",
        "qdisc add dev {d} root estimator 2s 60s pfifo",
        "qdisc add dev {d} root estimator 8s 4000s pfifo",
        "qdisc add dev {d} root estimator 1s 4294s pfifo",
        "qdisc add dev {d} root stab overhead 1 stab mpu 5 pfifo",
        "qdisc add dev {d} root stab mtu 65535 tsize 16 mpu 60000 linklayer atm pfifo",
        # estimator on class lines (tc_class.c tc_class_modify: TCA_RATE after TCA_KIND)
        "class add dev {d} parent 1: classid 1:30 estimator 1s 8s htb rate 1mbit",
        "class add dev {d} parent 1: estimator 250ms 1s classid 1:31 drr quantum 1514",
        "class change dev {d} classid 1:32 est 2s 4s",
        # q_ingress.c ingress_parse_opt: "handle X" pairs read and left out
        "qdisc add dev {d} ingress handle ffff:",
        "qdisc add dev {d} ingress handle foo handle 5"]


# #19-aqm: red, choke, codel, pie, fq_pie, hhf, fq, sfb and sfq's RED words
# (q_red.c red_parse_opt, tc_red.c; q_choke.c, q_codel.c, q_pie.c, q_fq_pie.c, q_hhf.c,
# q_fq.c, q_sfb.c, q_sfq.c)
AQM = [
        # red (q_red.c red_parse_opt; tc_red.c's Wlog, Plog, Scell_log and idle damping table)
        "qdisc add dev {d} root red limit 100k avpkt 1000",
        "qdisc add dev {d} root red limit 400000 min 30000 max 90000 avpkt 1000 burst 55 ecn adaptive bandwidth 100mbit",
        "qdisc replace dev {d} root handle 1: red limit 1mb min 100kb max 300kb avpkt 1500 probability 0.1 harddrop",
        "qdisc add dev {d} root red limit 60000 min 10000 avpkt 1k bandwidth 1gbit nodrop ecn",
        "qdisc add dev {d} root red limit 20kb max 10kb avpkt 500 probability 1 bandwidth 56kbit adaptative",
        "qdisc add dev {d} root red limit 200000 avpkt 1000 bandwidth 10gbit harddrop ecn",
        "qdisc add dev {d} root red limit 50000 avpkt 100 bandwidth 8kbit probability 0.002",
        "qdisc add dev {d} parent 1:1 red limit 30000 avpkt 1000 min 5000 max 15000 burst 8 probability 0.02 bandwidth 10Mbit",
        # slow links: Scell_log 31 (1 << 31 is INT_MIN in tc_red_eval_idle_damping), i << 27
        # wrapping to INT_MIN (a byte > 31 in the table, clipped to 31); 1bit is 0 bytes/s: 10Mbit
        # (Wlog 17 there: Debian's 6.1 kernel refuses tc's request, EINVAL, as it refuses ours:
        # under a parent, out of the kernel tier's root qdisc comparison)
        "qdisc add dev {d} root red limit 100000 avpkt 1000 bandwidth 8bit",
        "qdisc add dev {d} root red limit 3000000 min 1000000 max 2000000 avpkt 1500 burst 1000 bandwidth 2kbit probability 0.01",
        "qdisc add dev {d} parent 1:3 red limit 100000 avpkt 1000 bandwidth 1bit burst 1000",
        # qevents (tc_qevent.c qevent_parse_plain): TCA_RED_EARLY_DROP_BLOCK, MARK_BLOCK after FLAGS
        "qdisc add dev {d} parent 1:1 red limit 100k avpkt 1000 qevent early_drop block 10",
        "qdisc add dev {d} parent 1:2 red limit 100k avpkt 1000 qevent mark block 7 ecn qevent early_drop block 3 harddrop",
        "qdisc add dev {d} root red limit 100k avpkt 1000 qe mark block 5 adaptive",
        # choke (q_choke.c choke_parse_opt)
        "qdisc add dev {d} root choke limit 1000 bandwidth 10mbit",
        "qdisc add dev {d} root choke limit 1000 bandwidth 100mbit min 100 max 300 burst 150 avpkt 1500 probability 0.05 ecn",
        "qdisc replace dev {d} root choke limit 0x400 bandwidth 1gbit avpkt 1k",
        "qdisc add dev {d} root choke limit 200 min 10 bandwidth 512kbit probability 0.5",
        "qdisc add dev {d} root choke limit 300 bandwidth 2mbit probability 0.1%",
        # codel (q_codel.c), pie (q_pie.c), fq_pie (q_fq_pie.c), hhf (q_hhf.c)
        "qdisc add dev {d} root codel",
        "qdisc add dev {d} root codel limit 1000 target 5ms interval 100ms ecn",
        "qdisc replace dev {d} root codel noecn ce_threshold 2ms target 1.5ms",
        "qdisc add dev {d} root codel interval 1s limit 0x100",
        "qdisc add dev {d} root pie",
        "qdisc add dev {d} root pie limit 1000 target 15ms tupdate 15ms alpha 2 beta 20 ecn bytemode",
        "qdisc add dev {d} root pie noecn nobytemode dq_rate_estimator",
        "qdisc replace dev {d} root pie target 20000us no_dq_rate_estimator limit 0x200",
        "qdisc add dev {d} root fq_pie",
        "qdisc add dev {d} root fq_pie limit 10240 flows 1024 target 15ms tupdate 15ms alpha 2 beta 20 quantum 1514 memory_limit 32mb ecn_prob 10 ecn bytemode dq_rate_estimator",
        "qdisc add dev {d} root fq_pie noecn nobytemode no_dq_rate_estimator quantum 3k",
        "qdisc replace dev {d} root fq_pie flows 64 memory_limit 1gb",
        "qdisc add dev {d} root hhf",
        "qdisc add dev {d} root hhf limit 1000 quantum 1514 hh_limit 2048 reset_timeout 40ms admit_bytes 131072 evict_timeout 1s non_hh_weight 2",
        "qdisc replace dev {d} root hhf reset_timeout 0.5s evict_timeout 500000us",
        # fq (q_fq.c fq_parse_opt; buckets as its ilog2, timer_slack in ns)
        "qdisc add dev {d} root fq",
        "qdisc add dev {d} root fq limit 10000 flow_limit 100 buckets 1024 quantum 3028 initial_quantum 15140 pacing maxrate 1gbit",
        "qdisc add dev {d} root fq nopacing defrate 10mbit low_rate_threshold 550kbit refill_delay 40ms orphan_mask 1023 ce_threshold 4ms",
        "qdisc add dev {d} root fq timer_slack 10us horizon 10s horizon_drop",
        "qdisc replace dev {d} root fq horizon_cap buckets 1000 timer_slack 20000",
        # sfb (q_sfb.c sfb_parse_opt; increment/decrement as get_prob)
        "qdisc add dev {d} root sfb",
        "qdisc add dev {d} root sfb rehash 300000 db 30000 limit 1000 max 50 target 20 increment 0.001 decrement 0.0001 penalty_rate 20 penalty_burst 40",
        "qdisc add dev {d} root sfb target 10",
        "qdisc replace dev {d} root sfb max 100 increment 1 decrement 0",
        # get_prob's strtod and choke's sscanf("%lg") leave what follows the number unread
        "qdisc add dev {d} root sfb increment 0.5x decrement 0.25%",
        # sfq's RED words (q_sfq.c sfq_parse_opt)
        "qdisc add dev {d} root sfq limit 3000 headdrop flows 512 divisor 16384 redflowlimit 100000 min 8000 max 60000 probability 0.20 ecn harddrop",
        "qdisc add dev {d} root sfq redflowlimit 40000",
        "qdisc add dev {d} root sfq redflowlimit 65536 min 10000 burst 20 avpkt 1500 depth 64",
        "qdisc add dev {d} root sfq redflowlimit 50000 max 20000 avpkt 1k probability 0.05 harddrop"]


def lines(dev="lo"):
    out = []
    seen = set()

    def add(s):
        s = " ".join(s.format(d=dev).split())
        if s not in seen:
            seen.add(s)
            out.append(s)
    acts = itertools.cycle(ACTIONS)
    for proto, heads in HEADS.items():
        for i, key in enumerate(KEYS[proto]):
            for j, head in enumerate(heads):
                if (i + j) % max(1, len(heads) // 2 + 1) and j:
                    continue
                add(f"{head} flower {key} {next(acts)}")
    for head in HEADS["ip"]:
        for a in ACTIONS:
            add(f"{head} flower skip_hw dst_ip 10.0.0.1 {a}")
    for head in HEADS["ipv6"] + HEADS["802.1Q"][:1]:
        key = "vlan_id 10" if "802" in head else "dst_ip 2001:db8::5"
        for a in ACTIONS:
            add(f"{head} flower {key} {a}")
    for line in MATCHALL + U32 + OTHER + MORE + WORDS + U32_MORE + SCHED + STAB_EST + AQM:
        add(line)
    return out


if __name__ == "__main__":
    print("\n".join(lines()))
