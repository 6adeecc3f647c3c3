"""The tree view shows values as the users' own tools do, through the
installed ``nlcodec decode`` on raw bytes packed by hand (numbers from the
installed UAPI headers, compiled with gcc).  What each tool prints, and where:

- tc handles: iproute2 tc/tc_util.c print_tc_classid() (``ffff:fff2``),
  filter handles in hex (tc/f_flower.c: ``handle 0x%x``);
- a filter's tcm_info: tc/tc_filter.c print_filter() (``pref %u``, ``protocol %s``
  with lib/ll_proto.c names);
- pedit keys: tc/m_pedit.c print_pedit(): ``val %08x mask %08x`` of ntohl(key->val);
- OVS sample probability: lib/odp-util.c format_odp_sample_action()
  (``sample=%.1f%%`` of probability / UINT32_MAX);
- ethertypes: lib/ll_proto.c names.
``--json`` keeps the raw numbers."""

import json
import shutil
import socket
import struct
import subprocess

import pytest

from command import NLCODEC

from cprobe import c_values
from wire import cstr, nla, u32

NAMES = ["RTM_NEWTFILTER", "TCA_KIND", "TCA_OPTIONS", "TCA_FLOWER_KEY_ETH_TYPE",
         "TCA_FLOWER_ACT", "TCA_ACT_KIND", "TCA_ACT_OPTIONS", "TCA_PEDIT_PARMS_EX",
         "TC_ACT_PIPE", "ETH_P_IP", "ETH_P_ARP", "RTM_NEWLINK", "IFLA_IFNAME", "IFLA_LINKINFO",
         "IFLA_INFO_KIND", "IFLA_INFO_DATA", "VETH_INFO_PEER", "NLA_F_NESTED"]


def _constants():
    if shutil.which("gcc") is None:
        pytest.skip("needs gcc", allow_module_level=True)
    return c_values(["linux/rtnetlink.h", "linux/pkt_cls.h", "linux/tc_act/tc_pedit.h",
                     "linux/if_ether.h", "linux/if_link.h", "linux/veth.h"], NAMES)


K = _constants()


def nlmsg(type_, body, flags=0x1, seq=7):
    return struct.pack("<IHHII", 16 + len(body), type_, flags, seq, 0) + body


def run(*args):
    cmd = NLCODEC
    r = subprocess.run(cmd + list(args), capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    return r.stdout


def flower_pedit_filter():
    """RTM_NEWTFILTER as `tc filter add dev X ingress pref 1 protocol ip flower
    action pedit ex munge ip dst set 8.9.10.1` sends it: parent ffff:fff2,
    handle 1, tcm_info = TC_H_MAKE(1 << 16, htons(ETH_P_IP))."""
    info = (1 << 16) | socket.htons(K["ETH_P_IP"])
    hdr = struct.pack("<BxxxiIII", 0, 2, 1, 0xFFFFFFF2, info)
    # tc_pedit_sel: tc_gen (index capab action refcnt bindcnt), nkeys, flags, pad, keys
    key = struct.pack("<I4sIIII", 0, socket.inet_aton("8.9.10.1"), 16, 0, 0, 0)  # val __be32
    sel = struct.pack("<IIiiiBB2x", 3, 0, K["TC_ACT_PIPE"], 1, 1, 1, 0) + key
    act = nla(1 | K["NLA_F_NESTED"], nla(K["TCA_ACT_KIND"], cstr("pedit"))
              + nla(K["TCA_ACT_OPTIONS"] | K["NLA_F_NESTED"], nla(K["TCA_PEDIT_PARMS_EX"], sel)))
    opts = (nla(K["TCA_FLOWER_KEY_ETH_TYPE"], struct.pack(">H", K["ETH_P_IP"]))
            + nla(K["TCA_FLOWER_ACT"] | K["NLA_F_NESTED"], act))
    return nlmsg(K["RTM_NEWTFILTER"], hdr + nla(K["TCA_KIND"], cstr("flower"))
                 + nla(K["TCA_OPTIONS"] | K["NLA_F_NESTED"], opts), flags=0x601)


def test_tc_filter_as_tc_prints_it(tmp_path):
    p = tmp_path / "f.bin"
    p.write_bytes(flower_pedit_filter())
    out = run("decode", str(p))
    assert "  header: family=0 ifindex=2 handle=0x1 parent=ffff:fff2 info=pref 1 protocol ip" \
        in out, out
    assert "key_eth_type: ip (0x0800)" in out
    assert "mask=00000000 val=08090a01 off=16" in out
    d = json.loads(run("decode", "--json", str(p)))
    assert d["header"] == {"family": 0, "ifindex": 2, "handle": 1, "parent": 0xFFFFFFF2,
                           "info": (1 << 16) | socket.htons(K["ETH_P_IP"])}
    assert d["attrs"]["options"]["key_eth_type"] == K["ETH_P_IP"]


def test_veth_peer_header_once_and_ovs_sample_percent(tmp_path):
    """A veth newlink whose IFLA_INFO_DATA holds VETH_INFO_PEER (struct ifinfomsg
    then the peer's attributes): one `header:` line, no `_header:`."""
    peer = struct.pack("<BxHiII", 0, 0, 0, 0, 0) + nla(K["IFLA_IFNAME"], cstr("peer0"))
    linkinfo = (nla(K["IFLA_INFO_KIND"], cstr("veth"))
                + nla(K["IFLA_INFO_DATA"], nla(K["VETH_INFO_PEER"], peer)))
    body = (struct.pack("<BxHiII", 0, 1, 5, 0, 0) + nla(K["IFLA_IFNAME"], cstr("veth0"))
            + nla(K["IFLA_LINKINFO"], linkinfo))
    p = tmp_path / "l.bin"
    p.write_bytes(nlmsg(K["RTM_NEWLINK"], body))
    out = run("decode", str(p))
    assert "_header" not in out and out.count("header:") == 2, out      # message + peer
    assert "ifname: peer0" in out


def test_ovs_sample_as_ovs_dpctl_prints_it(tmp_path):
    """OVS_ACTION_ATTR_SAMPLE (uapi form) with OVS_SAMPLE_ATTR_PROBABILITY
    0x19999999 (10% of UINT32_MAX); the kernel form's padding bytes show as bytes."""
    uapi = nla(6, nla(1, u32(0x19999999)) + nla(2, nla(1, u32(3))))
    p = tmp_path / "a.bin"
    p.write_bytes(uapi)
    out = run("decode", "--as", "ovs-actions", "--raw", str(p))
    assert "probability: 10.0%" in out, out
    assert json.loads(run("decode", "--as", "ovs-actions", "--raw", "--json", str(p)))[
        "sample"]["probability"] == 0x19999999
    arg = struct.pack("<HH", 12, 4) + b"\x01\x58\x25\x93" + u32(0x19999999)
    p.write_bytes(nla(6, arg + nla(1, u32(3))))
    out = run("decode", "--as", "ovs-actions", "--kernel", "--raw", str(p))
    assert "header: nla_len=12 nla_type=4 exec=1 pad=[58 25 93] probability=10.0%" in out, out
    assert "_header" not in out


def test_ovs_upcall_packet_is_summarised(tmp_path):
    """An OVS_PACKET_CMD_MISS upcall (linux/openvswitch.h) whose
    OVS_PACKET_ATTR_PACKET is an ARP request: the tree shows the frame's summary
    (the layers tshark reads from the same frame: tests/test_packet.py)."""
    ovs = _ovs_constants()
    frame = (bytes.fromhex("ffffffffffff020000000001") + struct.pack(">H", K["ETH_P_ARP"])
             + struct.pack(">HHBBH6s4s6s4s", 1, K["ETH_P_IP"], 6, 4, 1,
                           bytes.fromhex("020000000001"), socket.inet_aton("10.0.0.1"),
                           bytes(6), socket.inet_aton("10.0.0.2")))
    body = (struct.pack("<BBH", ovs["OVS_PACKET_CMD_MISS"], ovs["OVS_PACKET_VERSION"], 0)
            + struct.pack("<i", 7) + nla(ovs["OVS_PACKET_ATTR_PACKET"], frame))
    p = tmp_path / "upcall.bin"
    p.write_bytes(nlmsg(0x22, body, flags=0))
    out = run("decode", "--raw", "--protocol", "generic", "--genl-id", "34=ovs_packet", str(p))
    assert (f"  packet: {len(frame)} bytes: 02:00:00:00:00:01 > ff:ff:ff:ff:ff:ff arp / "
            "arp who-has 10.0.0.2 tell 10.0.0.1") in out, out
    assert frame.hex() in out


def _ovs_constants():
    return c_values(["linux/openvswitch.h"], ["OVS_PACKET_CMD_MISS", "OVS_PACKET_VERSION",
                                              "OVS_PACKET_ATTR_PACKET"])
