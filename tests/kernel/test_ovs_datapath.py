"""The Open vSwitch datapath (openvswitch.ko) driven by nlcodec, checked
against Open vSwitch's own ovs-dpctl on the same datapath: datapaths, vports,
flows with every action kind 6.1 accepts, packet execute with the upcall it
causes, meters and conntrack limits."""

import json
import re
import socket
import struct

import pytest

import nlcodec
from nlcodec import ovs
from ktutil import sh

OVSP_LOCAL = 0
UNALIGNED, VPORT_PIDS, PER_CPU = 1, 2, 8        # OVS_DP_F_*


def dpctl(ns, *args):
    out = sh("ovs-dpctl", *args, ns=ns)
    return out


def dp_ifindex(ns, name):
    return json.loads(sh("ip", "-n", ns, "-j", "link", "show", name))[0]["ifindex"]


@pytest.fixture
def dp(netns):
    """A datapath "kdp" made by nlcodec in a fresh namespace: (ns, dp_ifindex, socket port)."""
    with nlcodec.connect("ovs_datapath", netns=netns) as s:
        s.do("new", header={"dp_ifindex": 0},
             attrs={"name": "kdp", "upcall_pid": s.port, "user_features": UNALIGNED})
        yield netns, dp_ifindex(netns, "kdp"), s


def test_datapath_new_get_set_del(netns):
    with nlcodec.connect("ovs_datapath", netns=netns) as s:
        s.do("new", header={"dp_ifindex": 0},
             attrs={"name": "kdp", "upcall_pid": s.port,
                    "user_features": UNALIGNED | VPORT_PIDS})
        idx = dp_ifindex(netns, "kdp")
        (m,) = s.do("get", header={"dp_ifindex": 0}, attrs={"name": "kdp"})
        assert m.type == "get" and m.header["dp_ifindex"] == idx
        assert m["name"] == "kdp" and m["user_features"] == UNALIGNED | VPORT_PIDS
        assert m["stats"] == {"n_hit": 0, "n_missed": 0, "n_lost": 0, "n_flows": 0}
        show = dpctl(netns, "show")
        assert "system@kdp:" in show
        size = int(re.search(r"masks-cache: size:(\d+)", show)[1])
        assert m["masks_cache_size"] == size
        # set: by ifindex in the header this time
        s.do("set", header={"dp_ifindex": idx},
             attrs={"user_features": UNALIGNED, "masks_cache_size": 64})
        (m,) = s.do("get", header={"dp_ifindex": idx})
        assert m["user_features"] == UNALIGNED and m["masks_cache_size"] == 64
        assert "masks-cache: size:64" in dpctl(netns, "show")
        s.do("del", header={"dp_ifindex": 0}, attrs={"name": "kdp"})
        with pytest.raises(FileNotFoundError):
            s.do("get", header={"dp_ifindex": 0}, attrs={"name": "kdp"})
    assert "kdp" not in dpctl(netns, "show")


def test_datapath_made_by_ovs_dpctl(netns):
    dpctl(netns, "add-dp", "odp")
    with nlcodec.connect("ovs_datapath", netns=netns) as s:
        (m,) = [m for m in s.dump("get", header={"dp_ifindex": 0})]
    assert m["name"] == "odp" and m.header["dp_ifindex"] == dp_ifindex(netns, "odp")
    # ovs-dpctl asks for per-cpu upcall dispatch ("Datapath dispatch mode: per-cpu")
    assert m["user_features"] & PER_CPU
    # its dp_stats struct, as ovs-dpctl prints it
    st = m["stats"]
    assert f"lookups: hit:{st['n_hit']} missed:{st['n_missed']} lost:{st['n_lost']}" in \
        dpctl(netns, "show")


VPORTS = {
    "internal": (2, None, "internal"),
    "netdev": (1, None, None),
    "vxlan": (4, {"dst_port": 4789}, "vxlan"),
    "geneve": (5, {"dst_port": 6081}, "geneve"),
}


@pytest.mark.parametrize("kind", list(VPORTS))
def test_vport_new_get_del(dp, kind):
    ns, idx, _ = dp
    vtype, options, shown = VPORTS[kind]
    name = {"internal": "kint", "netdev": "kveth0", "vxlan": "kvx", "geneve": "kgnv"}[kind]
    if kind == "netdev":
        sh("ip", "-n", ns, "link", "add", "kveth0", "type", "veth", "peer", "name", "kveth1")
    with nlcodec.connect("ovs_vport", netns=ns) as s:
        attrs = {"name": name, "type": vtype, "upcall_pid": {"pids": [s.port]}}
        if options:
            attrs["options"] = options
        s.do("new", header={"dp_ifindex": idx}, attrs=attrs)
        (g,) = s.do("get", header={"dp_ifindex": idx}, attrs={"name": name})
        port = g["port_no"]
        assert g["name"] == name and g["type"] == vtype and port >= 1
        assert g["upcall_pid"] == {"pids": [s.port]}
        assert g["port_no"] == port and g["ifindex"] > 0
        if options:
            assert g["options"] == options
        ports = dict(re.findall(r"port (\d+): (\S+.*)", dpctl(ns, "show")))
        text = ports[str(port)]
        # netdev: "kveth0"; others: "kvx (vxlan: ...)"; the tunnel device name differs
        if shown is None:
            assert text == name
        else:
            assert text.startswith(f"{name} ({shown}")
        all_ports = {v["port_no"]: v["name"] for v in s.dump("get", header={"dp_ifindex": idx})}
        assert all_ports == {OVSP_LOCAL: "kdp", port: name}
        s.do("del", header={"dp_ifindex": idx}, attrs={"port_no": port})
    assert f"port {port}:" not in dpctl(ns, "show")


# NLM_F_ECHO: the kernel echoes the new vport through nlmsg_notify, so the echo
# arrives marked with the ovs_vport group; do() must still return it.
def test_vport_new_echo(dp):
    ns, idx, _ = dp
    with nlcodec.connect("ovs_vport", netns=ns) as s:
        (m,) = s.do("new", header={"dp_ifindex": idx}, flags=nlcodec.NLM_F_ECHO,
                    attrs={"name": "kecho", "type": 2, "upcall_pid": {"pids": [s.port]}})
    assert m.type == "new" and m["name"] == "kecho" and m["port_no"] >= 1


# key: a complete UDP/IPv4 flow (the kernel refuses a key with missing layers)
KEY = ("in_port(1),eth(src=02:00:00:00:00:01,dst=02:00:00:00:00:02),eth_type(0x0800),"
       "ipv4(src=10.0.0.1,dst=10.0.0.2,proto=17,tos=0,ttl=64,frag=no),udp(src=1000,dst=53)")
VLAN_KEY = ("in_port(1),eth(src=02:00:00:00:00:01,dst=02:00:00:00:00:02),eth_type(0x8100),"
            "vlan(vid=5,pcp=0),encap(eth_type(0x0800),ipv4(src=10.0.0.1,dst=10.0.0.2,"
            "proto=17,tos=0,ttl=64,frag=no),udp(src=1000,dst=53))")
ACTIONS = {
    "output": (KEY, "2"),
    "userspace": (KEY, "userspace(pid=4242,userdata(0102030405060708))"),
    "set_tunnel": (KEY, "set(tunnel(tun_id=0x5,src=192.0.2.1,dst=192.0.2.2,ttl=64,"
                        "tp_dst=4789,flags(df|key))),2"),
    "set_masked": (KEY, "set(ipv4(src=10.0.0.9/255.255.255.255)),2"),
    "push_vlan": (KEY, "push_vlan(vid=7,pcp=3),2"),
    "pop_vlan": (VLAN_KEY, "pop_vlan,2"),
    "sample": (KEY, "sample(sample=50.0%,actions(2))"),
    "recirc": (KEY, "recirc(5)"),
    "ct_nat": (KEY, "ct(commit,zone=5,nat(src=10.0.0.1-10.0.0.5:1000-2000)),recirc(7)"),
    "trunc": (KEY, "trunc(100),2"),
    "clone": (KEY, "clone(push_vlan(vid=5,pcp=0),2),3"),
    "check_pkt_len": (KEY, "check_pkt_len(size=200,gt(2),le(3))"),
    "meter": (KEY, "meter(0),2"),
}


@pytest.fixture
def dp3(dp):
    """dp with three internal ports (1, 2, 3) made by ovs-dpctl."""
    ns, idx, s = dp
    for i in (1, 2, 3):
        dpctl(ns, "add-if", "kdp", f"kp{i},type=internal")
    return dp


@pytest.mark.parametrize("kind", list(ACTIONS))
def test_flow_actions_format_like_ovs_dpctl(dp3, kind):
    """a flow put by ovs-dpctl, dumped by nlcodec: format_flow equals
    `ovs-dpctl dump-flows` for the same datapath, line for line."""
    ns, idx, _ = dp3
    key, actions = ACTIONS[kind]
    dpctl(ns, "add-flow", "kdp", key, actions)
    lines = dpctl(ns, "dump-flows", "kdp").splitlines()
    with nlcodec.connect("ovs_flow", netns=ns) as s:
        flows = list(s.dump("get", header={"dp_ifindex": idx}))
    assert len(flows) == len(lines) == 1
    assert [ovs.format_flow(f) for f in flows] == lines
    acts = flows[0]["actions"]
    name = {"set_tunnel": "set", "ct_nat": "ct", "set_masked": "set_masked"}.get(kind, kind)
    assert name in acts, acts


def test_all_flows_line_for_line(dp3):
    """every flow above in one datapath (distinct UDP source ports): nlcodec's
    dump through format_flow is ovs-dpctl's dump-flows, in the same order."""
    ns, idx, _ = dp3
    kinds = list(ACTIONS)
    for i, kind in enumerate(kinds):
        key, actions = ACTIONS[kind]
        dpctl(ns, "add-flow", "kdp", key.replace("udp(src=1000,", f"udp(src={2000 + i},"),
              actions)
    lines = dpctl(ns, "dump-flows", "kdp").splitlines()
    with nlcodec.connect("ovs_flow", netns=ns) as s:
        got = [ovs.format_flow(m) for m in s.dump("get", header={"dp_ifindex": idx})]
    assert len(lines) == len(kinds)
    assert got == lines


def test_flow_hash_action_made_by_nlcodec(dp3):
    """ovs-dpctl 3.1 cannot parse hash(); it prints it: put the flow with
    nlcodec, compare the dump with ovs-dpctl's."""
    ns, idx, _ = dp3
    f = ovs.parse_flow(KEY + ", actions:2")
    with nlcodec.connect("ovs_flow", netns=ns) as s:
        s.do("new", header={"dp_ifindex": idx}, flags=nlcodec.NLM_F_CREATE,
             attrs={"key": f["key"], "mask": f["mask"],
                    "actions": {"hash": {"hash_alg": 0, "hash_basis": 7}, "recirc": 6}})
        flows = list(s.dump("get", header={"dp_ifindex": idx}))
    lines = dpctl(ns, "dump-flows", "kdp").splitlines()
    assert len(lines) == 1 and lines[0].endswith("actions:hash(l4(7)),recirc(0x6)")
    assert [ovs.format_flow(m) for m in flows] == lines


def test_flow_put_get_dump_del(dp3):
    """flows put by nlcodec (key + mask), read back with get/dump and by ovs-dpctl; deleted."""
    ns, idx, _ = dp3
    texts = [
        "in_port(1),eth(),eth_type(0x0800),ipv4(src=10.0.0.1,proto=17,frag=no),udp(dst=53)",
        "in_port(2),eth(),eth_type(0x0800),ipv4(dst=10.1.0.0/255.255.0.0,frag=no)",
    ]
    ufids = [bytes(range(16)), bytes(range(16, 32))]
    with nlcodec.connect("ovs_flow", netns=ns) as s:
        for text, ufid in zip(texts, ufids):
            f = ovs.parse_flow(text + ", actions:3")
            s.do("new", header={"dp_ifindex": idx}, flags=nlcodec.NLM_F_CREATE,
                 attrs={"key": f["key"], "mask": f["mask"], "actions": f["actions"],
                        "ufid": ufid})
        lines = sorted(dpctl(ns, "dump-flows", "kdp").splitlines())
        dumped = list(s.dump("get", header={"dp_ifindex": idx}))
        assert sorted(ovs.format_flow(m) for m in dumped) == lines
        assert len(lines) == 2
        assert [ln.split(", packets")[0] for ln in lines] == sorted(texts)
        # get by ufid
        (g,) = s.do("get", header={"dp_ifindex": idx}, attrs={"ufid": ufids[1]})
        assert g["key"]["in_port"] == 2 and g["actions"] == {"output": 3}
        assert g["mask"]["ipv4"]["dst"] == "255.255.0.0"
        # a second put of the same key is EEXIST with NLM_F_EXCL
        f = ovs.parse_flow(texts[0] + ", actions:3")
        with pytest.raises(FileExistsError):
            s.do("new", header={"dp_ifindex": idx},
                 flags=nlcodec.NLM_F_CREATE | nlcodec.NLM_F_EXCL,
                 attrs={"key": f["key"], "mask": f["mask"], "actions": f["actions"],
                        "ufid": ufids[0]})
        s.do("del", header={"dp_ifindex": idx}, attrs={"ufid": ufids[0]})
        assert len(dpctl(ns, "dump-flows", "kdp").splitlines()) == 1
        s.do("del", header={"dp_ifindex": idx})        # no key: flush
    assert dpctl(ns, "dump-flows", "kdp").strip() == ""


def _udp_frame():
    """An Ethernet/IPv4/UDP frame built by hand (checksums zero: not checked on execute)."""
    payload = b"nlcodec-kernel-tier"
    udp = struct.pack("!HHHH", 1000, 53, 8 + len(payload), 0) + payload
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 1, 0, 64, 17, 0,
                     socket.inet_aton("10.0.0.1"), socket.inet_aton("10.0.0.2"))
    return bytes.fromhex("020000000002" "020000000001" "0800") + ip + udp


def test_packet_execute_userspace_upcall(dp3):
    """OVS_PACKET_CMD_EXECUTE of a real frame with a userspace action; the
    upcall (OVS_PACKET_CMD_ACTION) arrives on another nlcodec socket."""
    ns, idx, _ = dp3
    frame = _udp_frame()
    # ovs-dpctl (add-if) switched the datapath to per-cpu upcall dispatch, which
    # ignores the userspace action's pid: back to per-vport/per-action pids
    with nlcodec.connect("ovs_datapath", netns=ns) as d:
        (m,) = d.do("get", header={"dp_ifindex": idx})
        assert m["user_features"] & PER_CPU
        d.do("set", header={"dp_ifindex": idx}, attrs={"user_features": UNALIGNED})
    with nlcodec.connect("ovs_packet", netns=ns) as listener, \
            nlcodec.connect("ovs_packet", netns=ns) as s:
        listener.sock.settimeout(10)
        s.do("execute", header={"dp_ifindex": idx},
             attrs={"packet": frame, "key": {"in_port": OVSP_LOCAL},
                    "actions": {"userspace": {"pid": listener.port,
                                              "userdata": bytes.fromhex("cafe0001")}}})
        data = listener.sock.recv(65536)
    (m,) = nlcodec.decode(data, "generic")
    assert m.family == "ovs_packet" and m.type == "action"
    assert m.header["dp_ifindex"] == idx
    got = m["packet"]
    assert (bytes.fromhex(got) if isinstance(got, str) else bytes(got)) == frame
    ud = m["userdata"]
    assert (bytes.fromhex(ud) if isinstance(ud, str) else bytes(ud)) == bytes.fromhex("cafe0001")
    k = m["key"]
    assert k["in_port"] == OVSP_LOCAL and k["ethertype"] == 0x0800
    assert k["ethernet"] == {"src": "02:00:00:00:00:01", "dst": "02:00:00:00:00:02"}
    assert k["ipv4"]["src"] == "10.0.0.1" and k["ipv4"]["proto"] == 17
    assert k["udp"] == {"src": 1000, "dst": 53}
    # and the raw bytes by hand: OVS_PACKET_ATTR_PACKET (1) holds the frame verbatim
    assert frame in data


def test_meter_features_set_get_del(dp):
    ns, idx, _ = dp
    with nlcodec.connect("ovs_meter", netns=ns) as s:
        (f,) = s.do("features", header={"dp_ifindex": idx})
        assert f["max_meters"] > 0 and f["max_bands"] >= 1
        s.do("set", header={"dp_ifindex": idx},
             attrs={"id": 3, "kbps": True,
                    "bands": {"band": [{"type": 1, "rate": 1000, "burst": 200}]}})
        (g,) = s.do("get", header={"dp_ifindex": idx}, attrs={"id": 3})
        assert g["id"] == 3 and g["stats"] == {"n_packets": 0, "n_bytes": 0}
        (band,) = g["bands"]["band"]
        assert band["stats"] == {"n_packets": 0, "n_bytes": 0}
        s.do("del", header={"dp_ifindex": idx}, attrs={"id": 3})
        with pytest.raises(FileNotFoundError):
            s.do("get", header={"dp_ifindex": idx}, attrs={"id": 3})


def test_ct_limits_set_get(dp):
    ns, idx, _ = dp
    with nlcodec.connect("ovs_ct_limit", netns=ns) as s:
        s.do("set", header={"dp_ifindex": idx},
             attrs={"zone_limit": {"limits": [{"zone_id": -1, "limit": 10, "count": 0},
                                              {"zone_id": 5, "limit": 3, "count": 0}]}})
        (g,) = s.do("get", header={"dp_ifindex": idx})      # no zones named: all of them
    limits = {z["zone_id"]: z["limit"] for z in g["zone_limit"]["limits"]}
    assert limits == {-1: 10, 5: 3}
    out = dpctl(ns, "ct-get-limits", "system@kdp", "zone=5")
    assert "default limit=10" in out and "zone=5,limit=3,count=0" in out
