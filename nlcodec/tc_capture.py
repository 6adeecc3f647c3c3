"""What iproute2's ``tc`` really sends, captured with strace.

tc builds and sends a request whatever the kernel has: on a kernel without
cls_flower or an action module the request still leaves tc (the kernel then
answers "TC classifier not found"), so the bytes are tc's own on any machine.
``capture(lines)`` runs the lines as ``tc -force -b`` in a throw-away network
namespace (veths v0/v1, a clsact qdisc on v0) under ``strace -e write=all`` and
returns the netlink payload of every filter request.  Needs root, tc, strace.

Used by ``nlcodec bench`` (encode of real tc requests) and by
bench/fixtures/make_tc_requests.py.
"""

from __future__ import annotations

import os
import re
import subprocess
import tempfile

from . import netns, nla
from .message import decode

# tc batch lines as tdc_batch.py and datapath engineers write them: flower with
# many key groups and every common action kind, u32 and matchall
LINES = [
    "filter add dev v0 ingress prio 1 protocol ip handle 1 flower skip_hw "
    "src_mac e4:11:00:00:00:01 dst_mac e4:12:00:00:00:01 action drop",
    "filter add dev v0 ingress prio 2 protocol ip flower skip_hw ip_proto tcp "
    "src_ip 10.0.0.1 dst_ip 10.0.0.0/24 src_port 80 dst_port 1000-2000 action pass",
    "filter add dev v0 ingress prio 3 protocol 802.1q flower vlan_id 100 vlan_prio 3 "
    "vlan_ethtype ipv4 ip_proto udp dst_port 4789 action vlan pop pipe action mirred "
    "egress redirect dev v1",
    "filter add dev v0 ingress prio 4 protocol ipv6 flower src_ip 2001:db8::1 "
    "dst_ip 2001:db8::/64 ip_proto icmpv6 type 128 code 0 action drop",
    "filter add dev v0 ingress prio 5 protocol ip flower ip_proto tcp tcp_flags 0x2/0x3f "
    "ip_tos 0x10/0xfc ip_ttl 64 action pedit ex munge eth dst set 00:11:22:33:44:55 "
    "munge ip ttl set 63 pipe action csum ip4h pipe action mirred egress redirect dev v1",
    "filter add dev v0 ingress prio 6 protocol ip flower enc_key_id 42 enc_dst_ip 10.1.1.1 "
    "enc_src_ip 10.1.1.2 enc_dst_port 4789 action tunnel_key unset action mirred "
    "egress redirect dev v1",
    "filter add dev v0 egress prio 7 protocol ip flower dst_ip 192.168.1.1 action "
    "tunnel_key set src_ip 10.1.1.2 dst_ip 10.1.1.1 id 42 dst_port 4789 tos 0 ttl 64 "
    "action mirred egress redirect dev v1",
    "filter add dev v0 ingress prio 8 protocol ip flower ct_state +trk+est ct_zone 5 "
    "ct_mark 1/0xff action ct zone 5 pipe action goto chain 1",
    "filter add dev v0 ingress prio 9 protocol ip flower ct_state -trk action ct "
    "commit zone 5 mark 3/0xff nat src addr 10.9.0.1 port 2000-3000 pipe action drop",
    "filter add dev v0 ingress prio 10 protocol ip flower ip_flags frag/firstfrag "
    "action police rate 1mbit burst 100k conform-exceed drop/pipe action pass",
    "filter add dev v0 ingress prio 11 protocol all flower skip_sw dst_mac "
    "01:00:5e:00:00:00/ff:ff:ff:80:00:00 action skbedit priority 10 mark 7 pipe "
    "action sample rate 100 group 5 trunc 128",
    "filter add dev v0 ingress prio 12 protocol mpls_uc flower mpls_label 100 mpls_tc 3 "
    "mpls_bos 1 mpls_ttl 64 action mpls pop protocol ip pipe action pass",
    "filter add dev v0 ingress prio 13 protocol arp flower arp_op request arp_sip "
    "10.0.0.1 arp_tip 10.0.0.2 arp_sha 00:11:22:33:44:55 action pass",
    "filter add dev v0 ingress prio 14 protocol ip flower ip_proto udp src_port 53 "
    "action pedit ex munge udp sport set 5353 munge ip src set 10.0.0.9 pipe "
    "action csum ip4h udp pipe action pass index 77 cookie aabbccdd",
    "filter add dev v0 ingress prio 20 protocol ip u32 match ip src 10.0.0.0/8 "
    "match ip dport 80 0xffff flowid 1:1 action drop",
    "filter add dev v0 ingress prio 21 protocol ip u32 match u32 0x11223344 0xffffffff "
    "at 12 match ip protocol 6 0xff action mirred egress redirect dev v1",
    "filter add dev v0 ingress prio 30 matchall skip_hw action sample rate 10 group 1",
    "filter add dev v0 ingress prio 31 protocol all matchall action mirred egress "
    "mirror dev v1 pipe action pass",
]


def strace_payloads(text: str) -> list[bytes]:
    """Every sendmsg buffer's bytes from strace's ``-e write=all -xx`` dump."""
    out, cur = [], None
    for line in text.splitlines():
        if re.match(r"\s*\* \d+ bytes in buffer \d+", line):
            cur = bytearray()
            out.append(cur)
        elif cur is not None and (m := re.match(r"\s*\| [0-9a-f]{5}  ((?:[0-9a-f]{2}\s+)+)", line)):
            cur += bytes.fromhex(m.group(1))
    return [bytes(b) for b in out]


def run_batch(lines, netns_name: str | None = None) -> list[bytes]:
    """Every netlink message ``tc -force -b`` sends for ``lines`` (in the
    namespace ``netns_name``), in order, read from strace's dump of them."""
    with tempfile.TemporaryDirectory() as tmp:
        batch = os.path.join(tmp, "batch")
        trace = os.path.join(tmp, "trace")
        with open(batch, "w") as f:
            f.write("".join(line + "\n" for line in lines))
        tc = ["tc"] + (["-n", netns_name] if netns_name else [])
        subprocess.run(["strace", "-f", "-qq", "-e", "trace=sendmsg,sendto", "-e", "write=all",
                        "-xx", "-s", "0", "-o", trace, *tc, "-force", "-b", batch],
                       capture_output=True)
        with open(trace) as f:
            payloads = strace_payloads(f.read())
    return [m.raw for p in payloads for m in nla.Messages(p)]


def capture(lines=LINES) -> list[bytes]:
    """The filter requests tc sends for ``lines``, in a throw-away namespace
    with veths v0/v1 and a clsact qdisc on v0."""
    with netns.temporary() as ns:
        def ip(*a):
            subprocess.run(["ip", "-n", ns, *a], check=True)
        ip("link", "add", "v0", "type", "veth", "peer", "name", "v1")
        ip("link", "set", "v0", "up")
        ip("link", "set", "v1", "up")
        subprocess.run(["tc", "-n", ns, "qdisc", "add", "dev", "v0", "clsact"], check=True)
        sent = run_batch(lines, ns)
    # tc's filter requests, not the look-ups it sends on the way
    return [p for p in sent if decode(p)[0].type == "newtfilter"]
