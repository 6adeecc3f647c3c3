"""AF_BRIDGE link messages on the guest kernel (bridge module): the `bridge
vlan` / `bridge link` view, decoded with bridge_link_attrs (chosen by the
ifinfomsg family) and compared with `bridge -j`; VLANs added by nlcodec."""

import json

import nlcodec
from ktutil import sh

AF_BRIDGE, RTEXT_FILTER_BRVLAN = 7, 2
PVID, UNTAGGED = 0x2, 0x4          # BRIDGE_VLAN_INFO_* (linux/if_bridge.h)
STATES = {0: "disabled", 1: "listening", 2: "learning", 3: "forwarding", 4: "blocking"}


def _bridge(netns):
    ip = ("ip", "-n", netns)
    sh(*ip, "link", "add", "br0", "type", "bridge", "vlan_filtering", "1")
    sh(*ip, "link", "add", "p0", "type", "veth", "peer", "name", "p0b")
    sh(*ip, "link", "set", "p0", "master", "br0")
    for dev in ("br0", "p0", "p0b"):
        sh(*ip, "link", "set", dev, "up")
    sh("bridge", "-n", netns, "vlan", "add", "dev", "p0", "vid", "10", "pvid", "untagged")
    sh("bridge", "-n", netns, "vlan", "add", "dev", "p0", "vid", "20")
    sh("bridge", "-n", netns, "link", "set", "dev", "p0", "cost", "7", "priority", "9")
    return {x["ifname"]: x["ifindex"] for x in json.loads(sh(*ip, "-j", "link", "show"))}


def _tool_vlans(netns):
    out = {}
    for port in json.loads(sh("bridge", "-n", netns, "-j", "vlan", "show")):
        out[port["ifname"]] = {(v["vlan"], "PVID" in v.get("flags", []),
                                "Egress Untagged" in v.get("flags", [])) for v in port["vlans"]}
    return out


def _our_vlans(netns):
    out = {}
    with nlcodec.connect("route", netns=netns) as s:
        for m in s.dump("getlink", header={"family": AF_BRIDGE},
                        attrs={"ext_mask": RTEXT_FILTER_BRVLAN}):
            assert m.header["family"] == AF_BRIDGE
            vl = m.get("af_spec", {}).get("vlan_info", [])
            out[m["ifname"]] = {(v["vid"], bool(v["flags"] & PVID), bool(v["flags"] & UNTAGGED))
                                for v in vl}
    return out


def test_bridge_vlans_and_port_state_equal_bridge_tool(netns):
    _bridge(netns)
    ours, tool = _our_vlans(netns), _tool_vlans(netns)
    assert {(10, True, True), (20, False, False)} <= tool["p0"]
    assert {k: v for k, v in ours.items() if v} == tool
    links = {x["ifname"]: x for x in json.loads(sh("bridge", "-n", netns, "-j", "link", "show"))}
    with nlcodec.connect("route", netns=netns) as s:
        port = {m["ifname"]: m for m in s.dump("getlink", header={"family": AF_BRIDGE})}["p0"]
    info = port["protinfo"]
    assert (info["cost"], info["priority"]) == (links["p0"]["cost"], links["p0"]["priority"])
    assert STATES[info["state"]] == links["p0"]["state"]


def test_vlan_added_by_nlcodec(netns):
    idx = _bridge(netns)
    with nlcodec.connect("route", netns=netns) as s:
        s.do("setlink", header={"family": AF_BRIDGE, "index": idx["p0"]},
             attrs={"af_spec": {"vlan_info": [{"flags": 0, "vid": 30},
                                              {"flags": UNTAGGED, "vid": 40}]}})
        s.do("dellink", header={"family": AF_BRIDGE, "index": idx["p0"]},
             attrs={"af_spec": {"vlan_info": [{"flags": 0, "vid": 20}]}})
    tool = _tool_vlans(netns)["p0"]
    assert {(30, False, False), (40, False, True), (10, True, True)} <= tool
    assert not any(v[0] == 20 for v in tool)
    assert _our_vlans(netns)["p0"] == tool
