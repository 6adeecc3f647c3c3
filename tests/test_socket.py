"""The socket layer on this machine's kernel, each test in its own netns.

Requests the kernel must understand are built two ways: by hand from the
kernel struct layouts (rtmsg, rtattr; independent of our encoder), and
through nlcodec's specs (rt_link, rt_route ... when present).  What the
kernel did is checked with ``ip -j``, never with our own decoder alone.
"""

import decimal
import errno
import fractions
import json
import os
import re
import socket
import struct
import subprocess
import time

import pytest

import nlcodec
import nlcodec.ack
import nlcodec.request
from nlcodec import netns, testing
from nlcodec import socket as nls
from nlcodec.errors import EncodeError
from nlcodec.socket import (DumpInterrupted, FamilyNotFound, NetlinkError,  # noqa: F401
                            NetlinkExistsError, NetlinkInvalidError, Overrun, connect)

pytestmark = pytest.mark.live

if os.geteuid() != 0:
    pytest.skip("live netlink tests need root (network namespaces)", allow_module_level=True)

RTM_NEWLINK, RTM_NEWROUTE, RTM_DELROUTE, RTM_GETROUTE = 16, 24, 25, 26
F_REQ, F_ACK, F_EXCL, F_CREATE = 0x1, 0x4, 0x200, 0x400


# -- helpers ------------------------------------------------------------------


def ip(ns, *args, check=True):
    r = subprocess.run(["ip", "-n", ns, *args], capture_output=True, text=True)
    if check and r.returncode:
        raise AssertionError(f"ip {' '.join(args)}: {r.stderr}")
    return r


def ipj(ns, *args):
    out = ip(ns, "-j", *args).stdout.strip()
    return json.loads(out) if out else []


def ifindex(ns, dev):
    return ipj(ns, "link", "show", "dev", dev)[0]["ifindex"]


def has_spec(*names):
    fams = nlcodec.families()
    return all(n in fams for n in names)


def need_spec(*names):
    missing = [n for n in names if n not in nlcodec.families()]
    if missing:
        pytest.skip(f"spec {', '.join(missing)} not written yet (specs/)")


def rta(t, payload):
    return struct.pack("<HH", 4 + len(payload), t) + payload + b"\0" * ((-len(payload)) & 3)


def route_msg(prefix, oif, *, type=RTM_NEWROUTE, flags=F_CREATE | F_EXCL, proto=4):
    """RTM_NEWROUTE by hand: struct rtmsg (linux/rtnetlink.h) + RTA_DST + RTA_OIF."""
    addr, plen = prefix.split("/")
    body = struct.pack("<BBBBBBBBI", socket.AF_INET, int(plen), 0, 0, 254, proto, 0, 1, 0)
    body += rta(1, socket.inet_aton(addr)) + rta(4, struct.pack("<I", oif))
    return struct.pack("<IHHII", 16 + len(body), type, F_REQ | flags, 0, 0) + body


def prefixes(n, first=10):
    return [f"{first + (i >> 16)}.{(i >> 8) & 255}.{i & 255}.0/24" for i in range(n)]


@pytest.fixture
def ns():
    with netns.temporary("nlcs") as name:
        yield name


@pytest.fixture
def veth(ns):
    ip(ns, "link", "add", "v0", "type", "veth", "peer", "name", "v1")
    ip(ns, "link", "set", "v0", "up")
    ip(ns, "link", "set", "v1", "up")
    return ifindex(ns, "v0")


def main_routes(ns, proto=None):
    args = ["route", "show", "table", "main"] + (["proto", proto] if proto else [])
    return ipj(ns, *args)


# -- constants against the UAPI headers ----------------------------------------


def test_rtnlgrp_numbers_match_header():
    text = open("/usr/include/linux/rtnetlink.h").read()
    body = re.search(r"enum rtnetlink_groups \{(.*?)\};", text, re.S).group(1)
    names = re.findall(r"^\s*(RTNLGRP_\w+),", body, re.M)
    assert len(names) > 30
    for number, full in enumerate(names):
        assert nls.RTNLGRP[full[8:].lower()] == number, full


def test_socket_option_numbers_match_header():
    text = open("/usr/include/linux/netlink.h").read()
    for name in ("NETLINK_ADD_MEMBERSHIP", "NETLINK_DROP_MEMBERSHIP", "NETLINK_PKTINFO",
                 "NETLINK_NO_ENOBUFS", "NETLINK_LISTEN_ALL_NSID", "NETLINK_CAP_ACK",
                 "NETLINK_EXT_ACK", "NETLINK_GET_STRICT_CHK"):
        want = int(re.search(rf"#define {name}\s+(\d+)", text).group(1))
        assert getattr(nls, name) == want, name
    bits = open("/usr/include/x86_64-linux-gnu/bits/socket.h").read()
    assert nls.SOL_NETLINK == int(re.search(r"#define SOL_NETLINK\s+(\d+)", bits).group(1))


def test_socket_options_are_set():
    with connect("route", no_enobufs=True, listen_all_nsid=True) as s:
        for opt in (nls.NETLINK_EXT_ACK, nls.NETLINK_CAP_ACK, nls.NETLINK_GET_STRICT_CHK,
                    nls.NETLINK_NO_ENOBUFS, nls.NETLINK_LISTEN_ALL_NSID):
            assert s.getsockopt(opt) == 1, opt
    with connect("route", strict=False) as s:
        assert s.getsockopt(nls.NETLINK_GET_STRICT_CHK) == 0
        assert s.getsockopt(nls.NETLINK_NO_ENOBUFS) == 0


def test_rcvbuf_adjustable():
    with connect("route", rcvbuf=1 << 20) as s:
        assert s.rcvbuf >= 1 << 20           # the kernel doubles what it is given
        s.rcvbuf = 8192
        assert 8192 <= s.rcvbuf < 1 << 20


# -- generic netlink --------------------------------------------------------------


def _genl_ctrl_ids():
    """family name -> id, as iproute2's `genl ctrl list` prints them."""
    out = subprocess.run(["genl", "ctrl", "list"], capture_output=True, text=True).stdout
    return {m.group(1): int(m.group(2), 16)
            for m in re.finditer(r"Name: (\S+)\s+ID: (0x[0-9a-f]+)", out)}


@pytest.mark.parametrize("name", ["nlctrl", "ethtool", "netdev", "mptcp_pm", "tcp_metrics"])
def test_genl_family_resolution(name):
    ids = _genl_ctrl_ids()
    if name not in ids:
        pytest.skip(f"kernel has no {name} family")
    with connect(name) as s:
        assert s.family.id == ids[name]
        assert s.protocol == "generic"
        assert nlcodec.GENL_IDS[ids[name]].replace("-", "_") == name.replace("-", "_")
    assert nls.resolve_family(name) is nls.resolve_family(name)      # cached


def test_genl_multicast_groups_listed():
    out = subprocess.run(["genl", "ctrl", "get", "name", "ethtool"], capture_output=True,
                         text=True).stdout
    want = {m.group(2): int(m.group(1), 16) for m in re.finditer(r"ID-(0x[0-9a-f]+)\s+name: (\S+)",
                                                                out)}
    with connect("ethtool") as s:
        assert s.family.groups == want and want


@pytest.mark.parametrize("name", ["nosuchfam", "nlcodec_no_such_family"])
def test_missing_genl_family_is_named(name):
    with pytest.raises(FamilyNotFound) as ei:
        connect(name)
    e = ei.value
    assert e.errno == errno.ENOENT and isinstance(e, FileNotFoundError)
    assert repr(name) in str(e) and "not available" in str(e)


def test_missing_module_hint():
    if "psample" in _genl_ctrl_ids():
        pytest.skip("this kernel has psample loaded")
    with pytest.raises(FamilyNotFound, match=r"'psample'.*modprobe psample"):
        connect("psample")


def test_genl_dump_matches_genl_tool():
    with connect("nlctrl") as s:
        got = {m["family_name"]: m["family_id"] for m in s.dump("getfamily")}
    assert got == _genl_ctrl_ids()


def test_ext_ack_names_the_attribute():
    # family name longer than GENL_NAMSIZ: nlctrl's policy rejects it
    with connect("nlctrl") as s:
        with pytest.raises(NetlinkInvalidError) as ei:
            s.do("getfamily", attrs={"family_name": "x" * 40})
    e = ei.value
    assert e.errno == errno.EINVAL and isinstance(e, ValueError)
    assert e.ext_ack and "valid" in e.ext_ack          # the kernel's own words
    assert e.offset == 16 + 4                          # nlmsghdr + genlmsghdr: the first attr
    assert e.attr == "ctrl_attrs.family_name"
    assert e.request[4:6] == struct.pack("<H", 0x10)   # the request we sent (GENL_ID_CTRL)
    assert "family_name" in str(e)


def test_enoent_from_kernel():
    with connect("nlctrl") as s:
        with pytest.raises(FileNotFoundError) as ei:
            s.do("getfamily", attrs={"family_name": "nope_nope"})
    assert ei.value.errno == errno.ENOENT and isinstance(ei.value, NetlinkError)


def test_large_reply_is_not_truncated():
    # a 16-byte receive buffer: every datagram is sized with MSG_PEEK|MSG_TRUNC
    with connect("nlctrl") as s:
        s._buf = bytearray(16)
        (m,) = s.do("getfamily", attrs={"family_name": "ethtool"})
        assert m.length > 1000 and len(s._buf) >= m.length
        assert len(m["ops"]) > 40


def test_stale_replies_are_skipped():
    with connect("nlctrl") as s:
        seq, _, _ = s.request("getfamily", attrs={"family_name": "ethtool"}, flags=F_ACK)
        (m,) = s.do("getfamily", attrs={"family_name": "nlctrl"})
        assert m["family_name"] == "nlctrl" and m.seq == seq + 1 and m.pid == s.port


def test_abandoned_dump_does_not_block_the_next():
    with connect("nlctrl") as s:
        s._buf = bytearray(16)      # one small datagram at a time is fine too
        it = s.dump("getfamily")
        next(it)
        it.close()
        assert len(list(s.dump("getfamily"))) == len(_genl_ctrl_ids())


def test_do_many_genl_errors_per_request():
    names = ["ethtool", "no_such_a", "nlctrl", "no_such_b"]
    with connect("nlctrl") as s:
        for acks in (False, True):
            r = s.do_many([("getfamily", {"family_name": n}) for n in names], acks=acks, window=3)
            assert r.count == 4 and not r.ok
            assert [e.index for e in r.errors] == [1, 3]
            assert all(e.errno == errno.ENOENT for e in r.errors)
            assert r[0][0]["family_name"] == "ethtool" and r[2][0]["family_name"] == "nlctrl"
            assert isinstance(r[3], FileNotFoundError)


# -- namespaces ---------------------------------------------------------------------


def test_netns_by_name_path_fd_pid(ns, veth):
    path = f"/run/netns/{ns}"
    fd = os.open(path, os.O_RDONLY)
    holder = subprocess.Popen(["ip", "netns", "exec", ns, "sleep", "30"])
    try:
        time.sleep(0.2)
        kids = subprocess.run(["pgrep", "-P", str(holder.pid)], capture_output=True,
                              text=True).stdout.split()
        pid = int(kids[0]) if kids else holder.pid
        for i, where in enumerate([ns, path, fd, f"pid:{pid}"]):
            with connect("route", netns=where) as s:
                r = s.do_many([route_msg(f"10.9.{i}.0/24", veth)])
                assert r.ok, r.errors
        dsts = {r["dst"] for r in main_routes(ns)}
        assert {f"10.9.{i}.0/24" for i in range(4)} <= dsts
    finally:
        holder.kill()
        holder.wait()
        os.close(fd)
    # the host never saw them
    host = subprocess.run(["ip", "-j", "route", "show"], capture_output=True, text=True).stdout
    assert "10.9.0.0/24" not in host


# -- bulk ---------------------------------------------------------------------------


def test_do_many_5000_routes_with_failures(ns, veth):
    pfx = prefixes(5000)
    ip(ns, "route", "add", pfx[17], "dev", "v0", "proto", "static")
    ip(ns, "route", "add", pfx[4321], "dev", "v0", "proto", "static")
    reqs = [route_msg(p, veth) for p in pfx]
    reqs[2500] = route_msg("10.200.0.0/24", 99999)          # no such device
    with connect("route", netns=ns) as s:
        r = s.do_many(reqs, window=300)
    assert r.count == 5000
    assert [e.index for e in r.errors] == [17, 2500, 4321]
    assert [e.errno for e in r.errors] == [errno.EEXIST, errno.ENODEV, errno.EEXIST]
    assert isinstance(r.errors[0], FileExistsError) and isinstance(r[17], NetlinkExistsError)
    assert r[18] == []
    got = main_routes(ns, "static")
    assert len(got) == 4999
    assert {x["dst"] for x in got} == set(pfx) - {pfx[2500]}


def test_do_many_with_acks_and_delete(ns, veth):
    pfx = prefixes(600)
    with connect("route", netns=ns) as s:
        assert s.do_many([route_msg(p, veth) for p in pfx], acks=True, window=128).ok
        assert len(main_routes(ns, "static")) == 600
        dels = [route_msg(p, veth, type=RTM_DELROUTE, flags=0) for p in pfx[:300]]
        dels.append(dels[0])                                      # gone already
        r = s.do_many(dels, acks=True)
    assert [(e.index, e.errno) for e in r.errors] == [(300, errno.ESRCH)]
    assert len(main_routes(ns, "static")) == 300


# -- events -------------------------------------------------------------------------


def test_events_link_add_seen(ns):
    with connect("route", netns=ns, groups=("link",)) as s:
        ip(ns, "link", "add", "evA", "type", "veth", "peer", "name", "evB")
        idx = ifindex(ns, "evA")
        seen = []
        for m in s.events(timeout=2):
            seen.append(m)
            if any(x.type_id == RTM_NEWLINK and x.header.get("index") == idx for x in seen):
                break
        news = [m for m in seen if m.type_id == RTM_NEWLINK]
        assert news
        if has_spec("rt_link"):
            assert "evA" in {m.get("ifname") for m in news}
            assert any(m.header["index"] == idx for m in news)
        else:
            assert any(b"evA\0".hex() in (m.payload or "") for m in news)


def test_events_are_not_replies(ns, veth):
    """A notification our own request causes has our port and seq; do() must
    still return at the ACK and leave the notification to events()."""
    with connect("route", netns=ns, groups=("ipv4_route",)) as s:
        r = s.do_many([route_msg("10.77.0.0/24", veth)])
        assert r.ok and r.replies == {}
        evs = list(s.events(timeout=0.5))
        assert [m.type_id for m in evs] == [RTM_NEWROUTE]
        assert evs[0].pid == s.port                   # caused by us, yet an event


def test_enobufs_overrun_reported(ns):
    with connect("route", netns=ns, groups=("link", "ipv4_ifaddr"), rcvbuf=1) as s:
        assert s.rcvbuf < 8192
        cmds = "".join(f"link add d{i} type veth peer name e{i}\n" for i in range(60))
        subprocess.run(["ip", "-n", ns, "-batch", "-"], input=cmds, text=True, check=True)
        with pytest.raises(Overrun) as ei:
            for _ in s.events(timeout=1):
                pass
        assert ei.value.errno == errno.ENOBUFS
        # the socket keeps working; with overrun="yield" it is an item of the stream.
        # (the kernel reports the next overrun only once the queue was emptied)
        list(s.events(timeout=0.2))
        subprocess.run(["ip", "-n", ns, "-batch", "-"], text=True, check=True,
                       input="".join(f"link del d{i}\n" for i in range(60)))
        items = list(s.events(timeout=1, overrun="yield"))
        assert any(isinstance(x, Overrun) for x in items)


def test_no_enobufs_option_silences(ns):
    with connect("route", netns=ns, groups=("link",), rcvbuf=1, no_enobufs=True) as s:
        cmds = "".join(f"link add d{i} type veth peer name e{i}\n" for i in range(60))
        subprocess.run(["ip", "-n", ns, "-batch", "-"], input=cmds, text=True, check=True)
        items = list(s.events(timeout=0.5, overrun="yield"))
        assert items and not any(isinstance(x, Overrun) for x in items)


# -- rtnetlink through the specs ---------------------------------------------------
# (these need specs/rt_link.py, rt_addr.py, rt_route.py, rt_neigh.py, rt_rule.py)


NEW = nlcodec.NLM_F_CREATE | nlcodec.NLM_F_EXCL


def test_dump_1000_routes(ns, veth):
    need_spec("rt_route")
    pfx = prefixes(1500)
    with connect("route", netns=ns) as s:
        assert s.do_many([route_msg(p, veth) for p in pfx]).ok
        got = [m for m in s.dump("getroute", header={"family": socket.AF_INET})
               if m.header["table"] == 254 and m.header["protocol"] == 4]
    assert len(got) == 1500
    assert {f'{m["dst"]}/{m.header["dst_len"]}' for m in got} == set(pfx)
    assert {m["oif"] for m in got} == {veth}


def test_dump_retry_option(ns, veth):
    need_spec("rt_route")
    with connect("route", netns=ns) as s:
        msgs = list(s.dump("getroute", header={"family": socket.AF_INET}, retry=2))
    assert len(msgs) == len(ipj(ns, "-4", "route", "show", "table", "all")) > 0


def test_route_add_duplicate_eexist(ns, veth):
    need_spec("rt_route")
    hdr = {"family": socket.AF_INET, "dst_len": 24, "table": 254, "protocol": 4, "scope": 0,
           "type": 1}
    attrs = {"dst": "10.5.0.0", "oif": veth}
    with connect("route", netns=ns) as s:
        assert s.do("newroute", header=hdr, attrs=attrs, flags=NEW) == []
        with pytest.raises(FileExistsError) as ei:
            s.do("newroute", header=hdr, attrs=attrs, flags=NEW)
    e = ei.value
    assert e.errno == errno.EEXIST and isinstance(e, NetlinkExistsError)
    assert e.request_type == "newroute"
    assert ipj(ns, "route", "show", "10.5.0.0/24")[0]["dev"] == "v0"


def test_bad_attribute_einval_names_it(ns):
    need_spec("rt_link")
    with connect("route", netns=ns) as s:
        # IFLA_PERM_ADDRESS is NLA_REJECT in the kernel's ifla_policy
        with pytest.raises(NetlinkInvalidError) as ei:
            s.do("newlink", attrs={"ifname": "br0", "perm_address": "02:00:00:00:00:01",
                                   "linkinfo": {"kind": "bridge"}}, flags=NEW)
        e = ei.value
        assert e.errno == errno.EINVAL and isinstance(e, ValueError)
        assert e.ext_ack == "Attribute failed policy validation"
        # nlmsghdr (16) + ifinfomsg (16) + IFLA_IFNAME "br0\0" (8): the next attribute
        assert e.offset == 40 and e.attr == "link_attrs.perm_address"
        assert "perm_address" in str(e)
        # deep inside a sub-message: the kernel's range check on IFLA_VXLAN_ID
        with pytest.raises(NetlinkError) as ei:
            s.do("newlink", attrs={"ifname": "vx0", "linkinfo": {
                "kind": "vxlan", "data": {"id": 1 << 25}}}, flags=NEW)
        assert ei.value.errno == errno.ERANGE and "VXLAN ID" in ei.value.ext_ack
        assert ei.value.attr == "link_attrs.linkinfo.data.id"
        # nothing was made
        assert ip(ns, "link", "show", "br0", check=False).returncode != 0


def test_bad_route_attribute_named(ns, veth):
    need_spec("rt_route")
    hdr = {"family": socket.AF_INET, "dst_len": 24, "table": 254, "protocol": 4, "type": 1}
    with connect("route", netns=ns) as s:
        # RTA_GATEWAY of 2 bytes where the policy wants 4
        with pytest.raises(NetlinkError) as ei:
            s.do("newroute", header=hdr, attrs={"dst": "10.6.0.0", "oif": veth,
                                                "gateway": bytes([10, 0])}, flags=NEW)
    e = ei.value
    assert e.errno in (errno.EINVAL, errno.ERANGE) and e.ext_ack
    # nlmsghdr 16 + rtmsg 12 + RTA_DST 8 + RTA_OIF 8
    assert e.offset == 44 and e.attr == "route_attrs.gateway"


def test_links_veth_bridge_vxlan_macvlan(ns):
    need_spec("rt_link")
    with connect("route", netns=ns) as s:
        s.do("newlink", attrs={"ifname": "va", "linkinfo": {
            "kind": "veth", "data": {"peer": {"_header": {}, "ifname": "vb"}}}}, flags=NEW)
        s.do("newlink", attrs={"ifname": "br0", "linkinfo": {"kind": "bridge"}}, flags=NEW)
        s.do("newlink", attrs={"ifname": "vx0", "linkinfo": {
            "kind": "vxlan", "data": {"id": 42, "port": 4789}}}, flags=NEW)
        va = ifindex(ns, "va")
        s.do("newlink", attrs={"ifname": "mv0", "link": va, "linkinfo": {
            "kind": "macvlan", "data": {"mode": 4}}}, flags=NEW)
        kinds = {l["ifname"]: l.get("linkinfo", {}).get("info_kind")
                 for l in ipj(ns, "-d", "link", "show")}
        assert kinds["va"] == "veth" and kinds["vb"] == "veth" and kinds["br0"] == "bridge"
        assert kinds["vx0"] == "vxlan" and kinds["mv0"] == "macvlan"
        vx = ipj(ns, "-d", "link", "show", "vx0")[0]["linkinfo"]["info_data"]
        assert vx["id"] == 42 and vx["port"] == 4789
        # modify: enslave va to br0, mtu, up
        br = ifindex(ns, "br0")
        vb = ifindex(ns, "vb")
        s.do("newlink", header={"index": vb}, attrs={"master": br, "mtu": 1400})
        s.do("newlink", header={"index": br, "flags": 1, "change": 1})
        link = ipj(ns, "link", "show", "vb")[0]
        assert link["master"] == "br0" and link["mtu"] == 1400
        assert "UP" in ipj(ns, "link", "show", "br0")[0]["flags"]
        # read back through a dump
        names = {m["ifname"] for m in s.dump("getlink")}
        assert {"va", "vb", "br0", "vx0", "mv0", "lo"} <= names
        # delete
        s.do("dellink", attrs={"ifname": "vx0"})
        s.do("dellink", header={"index": va})
        names = {l["ifname"] for l in ipj(ns, "link", "show")}
        assert "vx0" not in names and "va" not in names and "vb" not in names
        with pytest.raises(NetlinkError) as ei:
            s.do("dellink", attrs={"ifname": "vx0"})
        assert ei.value.errno == errno.ENODEV


def test_addresses_v4_v6(ns, veth):
    need_spec("rt_addr")
    with connect("route", netns=ns) as s:
        s.do("newaddr", header={"family": socket.AF_INET, "prefixlen": 24, "index": veth},
             attrs={"local": "192.0.2.1", "address": "192.0.2.1"}, flags=NEW)
        s.do("newaddr", header={"family": socket.AF_INET6, "prefixlen": 64, "index": veth,
                                "flags": 0x80},      # IFA_F_NODAD
             attrs={"address": "2001:db8::1"}, flags=NEW)
        with pytest.raises(FileExistsError):
            s.do("newaddr", header={"family": socket.AF_INET, "prefixlen": 24, "index": veth},
                 attrs={"local": "192.0.2.1", "address": "192.0.2.1"}, flags=NEW)
        got = {(a["family"], a["local"], a["prefixlen"])
               for a in ipj(ns, "addr", "show", "dev", "v0")[0]["addr_info"]}
        assert ("inet", "192.0.2.1", 24) in got and ("inet6", "2001:db8::1", 64) in got
        dumped = {m.get("address") for m in s.dump("getaddr")}
        assert {"192.0.2.1", "2001:db8::1"} <= dumped
        s.do("deladdr", header={"family": socket.AF_INET, "prefixlen": 24, "index": veth},
             attrs={"local": "192.0.2.1"})
        got = {a["local"] for a in ipj(ns, "addr", "show", "dev", "v0")[0]["addr_info"]}
        assert "192.0.2.1" not in got and "2001:db8::1" in got


def test_routes_multipath_v4_v6(ns, veth):
    need_spec("rt_route")
    ip(ns, "addr", "add", "192.0.2.1/24", "dev", "v0")
    ip(ns, "addr", "add", "198.51.100.1/24", "dev", "v1")
    v1 = ifindex(ns, "v1")
    with connect("route", netns=ns) as s:
        s.do("newroute", header={"family": socket.AF_INET, "dst_len": 24, "table": 254,
                                 "protocol": 4, "type": 1},
             attrs={"dst": "203.0.113.0", "multipath": [
                 {"_header": {"ifindex": veth, "hops": 0}, "gateway": "192.0.2.2"},
                 {"_header": {"ifindex": v1, "hops": 1}, "gateway": "198.51.100.2"}]},
             flags=NEW)
        s.do("newroute", header={"family": socket.AF_INET6, "dst_len": 64, "table": 254,
                                 "protocol": 4, "type": 1},
             attrs={"dst": "2001:db8:1::", "oif": veth}, flags=NEW)
        (r,) = ipj(ns, "route", "show", "203.0.113.0/24")
        hops = {(h["gateway"], h["dev"], h["weight"]) for h in r["nexthops"]}
        assert hops == {("192.0.2.2", "v0", 1), ("198.51.100.2", "v1", 2)}
        assert ipj(ns, "-6", "route", "show", "2001:db8:1::/64")[0]["dev"] == "v0"
        s.do("delroute", header={"family": socket.AF_INET, "dst_len": 24, "table": 254},
             attrs={"dst": "203.0.113.0"})
        assert ipj(ns, "route", "show", "203.0.113.0/24") == []


def test_neighbours(ns, veth):
    need_spec("rt_neigh")
    with connect("route", netns=ns) as s:
        s.do("newneigh", header={"family": socket.AF_INET, "ifindex": veth, "state": 0x80},
             attrs={"dst": "192.0.2.9", "lladdr": "02:00:00:00:00:09"}, flags=NEW)
        (n,) = ipj(ns, "neigh", "show", "192.0.2.9", "dev", "v0")
        assert n["lladdr"] == "02:00:00:00:00:09" and "PERMANENT" in n["state"]
        s.do("newneigh", header={"family": socket.AF_INET, "ifindex": veth, "state": 0x80},
             attrs={"dst": "192.0.2.9", "lladdr": "02:00:00:00:00:0a"},
             flags=nlcodec.NLM_F_CREATE | nlcodec.NLM_F_REPLACE)
        assert ipj(ns, "neigh", "show", "192.0.2.9", "dev", "v0")[0]["lladdr"] \
            == "02:00:00:00:00:0a"
        s.do("delneigh", header={"family": socket.AF_INET, "ifindex": veth},
             attrs={"dst": "192.0.2.9"})
        assert ipj(ns, "neigh", "show", "192.0.2.9", "dev", "v0") == []


def test_rules(ns):
    need_spec("rt_rule")
    with connect("route", netns=ns) as s:
        s.do("newrule", header={"family": socket.AF_INET, "table": 100, "action": 1,
                                "src_len": 24},
             attrs={"priority": 1234, "src": "192.0.2.0", "table": 100}, flags=NEW)
        (r,) = [x for x in ipj(ns, "rule", "show") if x.get("priority") == 1234]
        assert r["src"] == "192.0.2.0" and r["srclen"] == 24 and r["table"] == "100"
        with pytest.raises(FileExistsError):
            s.do("newrule", header={"family": socket.AF_INET, "table": 100, "action": 1,
                                    "src_len": 24},
                 attrs={"priority": 1234, "src": "192.0.2.0", "table": 100}, flags=NEW)
        s.do("delrule", header={"family": socket.AF_INET, "table": 100, "action": 1,
                                "src_len": 24},
             attrs={"priority": 1234, "src": "192.0.2.0", "table": 100})
        assert not [x for x in ipj(ns, "rule", "show") if x.get("priority") == 1234]


def test_do_many_routes_through_specs(ns, veth):
    need_spec("rt_route")
    hdr = {"family": socket.AF_INET, "dst_len": 24, "table": 254, "protocol": 4, "scope": 0,
           "type": 1}
    pfx = prefixes(5000, first=20)
    reqs = [("newroute", hdr, {"dst": p.split("/")[0], "oif": veth}, NEW) for p in pfx]
    reqs[10] = ("newroute", hdr, {"dst": "20.99.0.0", "oif": 424242}, NEW)
    reqs[11] = reqs[12]
    with connect("route", netns=ns) as s:
        r = s.do_many(reqs)
    assert [(e.index, e.errno) for e in r.errors] == [(10, errno.ENODEV), (12, errno.EEXIST)]
    assert r.errors[-1].request_type == "newroute"
    assert struct.unpack_from("<H", r.errors[-1].request, 4)[0] == RTM_NEWROUTE
    assert len(main_routes(ns, "static")) == 4998


def test_do_many_takes_prefixes_as_do_does(ns, veth):
    """``"dst": "10.7.0.0/24"`` sets rtm_dst_len (and the family) in do_many
    too (it was refused there: NotSent); iproute2 shows what the kernel got."""
    need_spec("rt_route")
    hdr = {"table": 254, "protocol": 4, "scope": 253, "type": 1}
    reqs = [("newroute", hdr, {"dst": f"10.7.{i}.0/{24 + i}", "oif": veth}, NEW)
            for i in range(4)]
    reqs.append(("newroute", hdr, {"dst": "2001:db8:7::/48", "oif": veth}, NEW))
    with connect("route", netns=ns) as s:
        r = s.do_many(reqs)
        assert r.ok, r.errors
        s.do("newroute", header=hdr, attrs={"dst": "10.8.0.0/16", "oif": veth}, flags=NEW)
    got = {x["dst"] for x in main_routes(ns, "static")}
    assert got == {f"10.7.{i}.0/{24 + i}" for i in range(4)} | {"10.8.0.0/16"}
    assert [x["dst"] for x in ipj(ns, "-6", "route", "show", "proto", "static")] == \
        ["2001:db8:7::/48"]


def test_events_decoded_addr_route(ns, veth):
    need_spec("rt_addr", "rt_route")
    with connect("route", netns=ns, groups=("RTNLGRP_IPV4_IFADDR", "ipv4_route")) as s:
        ip(ns, "addr", "add", "192.0.2.1/24", "dev", "v0")
        ip(ns, "route", "add", "10.88.0.0/16", "via", "192.0.2.2")
        evs = list(s.events(timeout=0.5))
    addrs = [m for m in evs if m.type == "newaddr"]
    routes = [m for m in evs if m.type == "newroute" and m.get("dst") == "10.88.0.0"]
    assert addrs and addrs[0]["local"] == "192.0.2.1"
    assert routes and routes[0]["gateway"] == "192.0.2.2"


# -- port ids, namespaces ids, interrupted dumps ---------------------------------------


def test_replies_from_other_ports_are_ignored():
    """A forged ERROR with our seq sent by another socket must not answer our request."""
    with connect("nlctrl") as s, socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 16) as evil:
        evil.bind((0, 0))
        seq = s.next_seq() + 1                       # the seq do() is going to use
        forged = struct.pack("<IHHII", 36, 2, 0x100, seq, s.port) + \
            struct.pack("<iIHHII", -errno.ENOENT, 16, 0x10, 5, seq, s.port)
        evil.sendto(forged, (s.port, 0))
        (m,) = s.do("getfamily", attrs={"family_name": "ethtool"})
        assert m["family_name"] == "ethtool"


def test_listen_all_nsid_reports_the_peer_namespace():
    with netns.temporary("nlcsA") as a, netns.temporary("nlcsB") as b:
        ip(a, "netns", "set", b, "7")           # b is nsid 7 as seen from a
        with connect("route", netns=a, groups=("link",), listen_all_nsid=True) as s:
            ip(b, "link", "add", "x0", "type", "veth", "peer", "name", "x1")
            ip(a, "link", "add", "y0", "type", "veth", "peer", "name", "y1")
            evs = list(s.events(timeout=0.5))
        nsids = {nsid for nsid, m in evs if m.type_id == RTM_NEWLINK}
        assert nsids >= {7}
        assert len(nsids) == 2          # a's own events carry its "no id" value


def test_dump_interrupted_is_raised(ns):
    need_spec("rt_link")
    cmds = "".join(f"link add a{i} type veth peer name b{i}\n" for i in range(150))
    subprocess.run(["ip", "-n", ns, "-batch", "-"], input=cmds, text=True, check=True)
    with connect("route", netns=ns) as s:
        with pytest.raises(DumpInterrupted) as ei:
            for i, m in enumerate(s.dump("getlink")):
                if i == 0:
                    ip(ns, "link", "add", "late0", "type", "veth", "peer", "name", "late1")
        assert ei.value.errno == errno.EINTR
        # retry: collected again after an interruption; here nothing interferes
        names = {m["ifname"] for m in s.dump("getlink", retry=3)}
        assert {"late0", "a0", "b149"} <= names and len(names) == 303


# -- the bulk encoder equals the codec ------------------------------------------------


def _samples(a):
    from nlcodec.tables import K_BINARY, K_INT, K_STRING
    if a.kind == K_INT:
        top = 1 << (8 * a.size)
        vals = [0, 1, top - 1, top, -1] if not a.signed else [0, -1, top // 2 - 1, -top // 2,
                                                             top // 2]
        return vals + [True, "1"]
    if a.kind == K_STRING:
        return ["", "eth0", "ünï", b"raw", 5]
    if a.kind == K_BINARY:
        return ["10.1.2.3", "2001:db8::1", " 10.1.2.3 ", "02:00:00:00:00:01", "0a0b", b"\x01\x02",
                "zz", 7]
    return []


def test_fast_attribute_encoders_equal_the_codec():
    from nlcodec import backends
    checked = 0
    for fam in nlcodec.families().values():
        cf = nlcodec.registry.compiled(fam)
        for cs in cf.sets.values():
            fast = nlcodec.request.fast_encoders(cs)
            for name, f in fast.items():
                for v in _samples(cs.by_name[name]):
                    try:
                        want = backends.active().encode_set(cs, {name: v}, cs.name)
                    except Exception:
                        want = None
                    got = f(v)
                    if got is None:         # declined: the template takes the codec's path
                        continue
                    assert got == want, (fam.name, cs.name, name, v)
                    checked += 1
    assert checked > 100        # values the fast encoders really encoded


def test_template_encodes_like_nlcodec_encode():
    with connect("nlctrl") as s:
        tpl = s.template("getfamily")
        for attrs in ({"family_name": "ethtool"}, {"family_id": 21, "family_name": "x"},
                      {"ops": [{"id": 1, "flags": 2}]}, {}):
            for _ in range(2):          # cold, then from the caches
                assert tpl.encode(None, attrs, 5, 9, 7) == nlcodec.encode(
                    "nlctrl", "getfamily", attrs=attrs, flags=5, seq=9, pid=7)


def test_template_header_reused_and_changed_in_place():
    """One header dict changed between requests (the template keeps the last
    header's bytes): each request's bytes follow it, as nlcodec.encode's; a
    prefix in the attributes sets dst_len and the family as there."""
    need_spec("rt_route")
    from nlcodec.request import Template
    cf, cm = nlcodec.registry.message_by_name("route", "newroute")
    tpl = Template(cm.name, cm.type_id, cf, cm)
    hdr = {"family": socket.AF_INET, "dst_len": 32, "table": 254, "type": 1}
    bare = {"table": 254, "type": 1}
    for step in range(7):
        if step == 2:
            hdr["table"] = 100
        if step == 4:
            hdr["dst_len"] = 24
        h, attrs = (hdr, {"dst": f"10.1.0.{step}", "oif": 2}) if step < 5 else \
            (bare, {"dst": "10.3.0.0/16" if step == 5 else "2001:db8::/32"})
        want = nlcodec.encode("route", "newroute", header=h, attrs=attrs, flags=5, seq=9)
        assert tpl.encode(h, attrs, 5, 9) == want, step
    assert bare == {"table": 254, "type": 1}


# -- control messages crafted by hand (the kernel's layouts, linux/netlink.h) ---------


def _fake(reply, **kw):
    """A socket whose kernel (nlcodec.testing) answers each request with the
    hand-made datagrams ``reply(seq, port)``."""
    return testing.connect(lambda k, req: reply(req.seq, k.port), "nlctrl", **kw)


def _nlmsg(type, flags, seq, port, body):
    return struct.pack("<IHHII", 16 + len(body), type, flags, seq, port) + body


def _family_msg(seq, port, name, flags=0x2):
    # CTRL_CMD_NEWFAMILY: genlmsghdr + CTRL_ATTR_FAMILY_NAME + CTRL_ATTR_FAMILY_ID
    body = struct.pack("<BBH", 1, 2, 0) + rta(2, name.encode() + b"\0") + \
        rta(1, struct.pack("<H", 99))
    return _nlmsg(0x10, flags, seq, port, body)


def test_done_carrying_an_error_raises_with_ext_ack():
    def reply(seq, port):
        done = struct.pack("<i", -errno.EINVAL) + rta(1, b"Invalid header for dump\0")
        return [_family_msg(seq, port, "one") + _nlmsg(3, 0x202, seq, port, done)]
    with _fake(reply) as s:
        got = []
        with pytest.raises(NetlinkInvalidError) as ei:
            for m in s.dump("getfamily"):
                got.append(m["family_name"])
        assert got == ["one"]
        assert ei.value.ext_ack == "Invalid header for dump" and ei.value.errno == errno.EINVAL


def test_dump_intr_raises_after_the_last_message_and_retry():
    calls = []
    intr_until = [1]        # dumps number < this one come flagged NLM_F_DUMP_INTR

    def reply(seq, port):
        calls.append(seq)
        intr = 0x10 if len(calls) <= intr_until[0] else 0
        return [_family_msg(seq, port, "a") + _family_msg(seq, port, "b", 0x2 | intr),
                _nlmsg(3, 0x2 | intr, seq, port, struct.pack("<i", 0))]
    with _fake(reply) as s:
        got = []
        with pytest.raises(DumpInterrupted) as ei:
            for m in s.dump("getfamily"):
                got.append(m["family_name"])
        assert got == ["a", "b"] and ei.value.errno == errno.EINTR
        calls.clear()
        assert [m["family_name"] for m in s.dump("getfamily", retry=2)] == ["a", "b"]
        assert len(calls) == 2                          # interrupted once, then clean
        calls.clear()
        intr_until[0] = 99
        with pytest.raises(DumpInterrupted) as ei:
            list(s.dump("getfamily", retry=2))
        assert len(calls) == 3
        assert [m["family_name"] for m in ei.value.messages] == ["a", "b"]


# -- bulk: 20,000 routes (the speed figures are in bench/test_bench_sockets.py) ------


def test_bulk_20000_routes_add_and_dump(ns, veth):
    need_spec("rt_route")
    n = 20000
    hdr = {"family": socket.AF_INET, "dst_len": 24, "table": 254, "protocol": 4, "type": 1}
    pfx = prefixes(n)
    with connect("route", netns=ns) as s:
        r = s.do_many([("RTM_NEWROUTE", hdr, {"dst": p.split("/")[0], "oif": veth}, NEW)
                       for p in pfx])
        assert r.ok and r.count == n, r.errors[:3]
        got = [m.to_dict() for m in s.dump("getroute", header={"family": socket.AF_INET})
               if m.header["protocol"] == 4]
        assert sorted(f"{m['attrs']['dst']}/24" for m in got) == sorted(pfx)
        assert all(m["attrs"]["oif"] == veth for m in got)
    assert len(main_routes(ns, "static")) == n


def test_genl_multicast_group_by_name(ns):
    """netdev's "mgmt" group: NETDEV_CMD_DEV_ADD_NTF (2) for a new device, in our netns."""
    if "netdev" not in _genl_ctrl_ids():
        pytest.skip("kernel has no netdev genl family")
    with connect("netdev", netns=ns, groups=("mgmt",)) as s:
        assert s.groups == {s.family.groups["mgmt"]}
        ip(ns, "link", "add", "g0", "type", "veth", "peer", "name", "g1")
        idx = {ifindex(ns, "g0"), ifindex(ns, "g1")}
        evs = list(s.events(timeout=0.5))
    adds = [m for m in evs if m.type_id == s.family.id and m.header["cmd"] == 2]
    got = set()
    for m in adds:
        raw = m.attrs.get("1")
        got.add(int.from_bytes(bytes.fromhex(raw), "little") if raw else m["ifindex"])
    assert got == idx
    with connect("netdev") as s, pytest.raises(ValueError, match="no multicast group"):
        s.subscribe("no-such-group")


def test_strict_dump_header_check_done_with_error(ns, veth):
    """NETLINK_GET_STRICT_CHK: a FIB dump with a non-zero rtm_dst_len is refused,
    and the refusal arrives as NLMSG_DONE carrying -EINVAL and the kernel's text."""
    need_spec("rt_route")
    with connect("route", netns=ns) as s:
        with pytest.raises(NetlinkInvalidError) as ei:
            list(s.dump("getroute", header={"family": socket.AF_INET, "dst_len": 8}))
        assert "header" in ei.value.ext_ack and ei.value.errno == errno.EINVAL
        assert len(list(s.dump("getroute", header={"family": socket.AF_INET}))) > 0
    with connect("route", netns=ns, strict=False) as s:
        assert len(list(s.dump("getroute", header={"family": socket.AF_INET, "dst_len": 8}))) > 0


def test_errors_without_cap_ack_still_named():
    # without NETLINK_CAP_ACK the kernel echoes our request inside the error
    with connect("nlctrl", cap_ack=False) as s:
        assert s.getsockopt(nls.NETLINK_CAP_ACK) == 0
        with pytest.raises(NetlinkInvalidError) as ei:
            s.do("getfamily", attrs={"family_name": "y" * 30})
    assert ei.value.attr == "ctrl_attrs.family_name" and ei.value.ext_ack


def test_offset_names_a_multipath_record_attribute():
    need_spec("rt_route")
    with connect("route") as s:
        tpl = s.template("newroute")
        req = tpl.encode({"family": 2, "dst_len": 24}, {"dst": "10.6.0.0", "multipath": [
            {"_header": {"ifindex": 2}}, {"_header": {"ifindex": 3}, "gateway": "10.0.0.1"}]},
            0, 1)
    # nlmsghdr 16 + rtmsg 12 + RTA_DST 8 + RTA_MULTIPATH header 4 + rtnexthop 8 (first
    # record) + rtnexthop 8 (second record's header): its RTA_GATEWAY starts here
    gw = 16 + 12 + 8 + 4 + 8 + 8
    assert req[gw:gw + 4] == struct.pack("<HH", 8, 5)
    assert nlcodec.ack.describe(tpl, req, gw) == "route_attrs.multipath[1].gateway"
    assert nlcodec.ack.describe(tpl, req, gw + 4) == "route_attrs.multipath[1].gateway"
    assert nlcodec.ack.describe(tpl, req, gw - 8) == "route_attrs.multipath[1]._header"
    assert nlcodec.ack.describe(tpl, req, 20) == "newroute.header"
    assert nlcodec.ack.describe(tpl, req, 4) == "nlmsghdr"


def test_echo_reply_returned_by_do(ns, veth):
    """NLM_F_ECHO: the kernel echoes the new object through nlmsg_notify, so the
    echo arrives marked with a multicast group.  do() returns it as the reply,
    subscribed or not, and a subscriber's events() does not see it twice."""
    need_spec("rt_addr")
    hdr = {"family": socket.AF_INET, "prefixlen": 24, "index": veth}
    for groups in ((), ("ipv4_ifaddr",)):
        addr = "192.0.2.9" if groups else "192.0.2.8"
        with connect("route", netns=ns, groups=groups) as s:
            (m,) = s.do("newaddr", header=hdr, attrs={"local": addr, "address": addr},
                        flags=NEW | nlcodec.NLM_F_ECHO)
            assert m.type == "newaddr" and m["local"] == addr and m.pid == s.port
            if groups:
                assert list(s.events(timeout=0.3)) == []
    got = {a["local"] for a in ipj(ns, "addr", "show", "dev", "v0")[0]["addr_info"]}
    assert {"192.0.2.8", "192.0.2.9"} <= got


def test_echo_replies_in_do_many(ns, veth):
    need_spec("rt_addr")
    hdr = {"family": socket.AF_INET, "prefixlen": 24, "index": veth}
    reqs = [("newaddr", hdr, {"local": f"198.51.100.{i}"}, NEW | nlcodec.NLM_F_ECHO)
            for i in range(1, 4)] + [("newaddr", hdr, {"local": "198.51.100.9"}, NEW)]
    with connect("route", netns=ns) as s:
        r = s.do_many(reqs, acks=True)
    assert r.ok
    assert {i: [m["local"] for m in ms] for i, ms in r.replies.items()} == {
        0: ["198.51.100.1"], 1: ["198.51.100.2"], 2: ["198.51.100.3"]}


def test_ethtool_link_info_modes_and_state(ns, veth):
    """ethtool genl dumps: every device with its header, and what sysfs says
    of the veth pair (speed, duplex, carrier) read independently."""
    with connect("ethtool", netns=ns) as s:
        info = {m["header"]["dev_name"]: m for m in s.dump("linkinfo_get", attrs={"header": {}})}
        modes = {m["header"]["dev_name"]: m for m in s.dump("linkmodes_get",
                                                           attrs={"header": {}})}
        state = {m["header"]["dev_name"]: m for m in s.dump("linkstate_get",
                                                           attrs={"header": {}})}
        (one,) = s.do("linkmodes_get", attrs={"header": {"dev_index": veth, "flags": 1}})
    links = {x["ifname"]: x["ifindex"] for x in ipj(ns, "link", "show")}
    assert {"v0", "v1"} <= set(info) and {"v0", "v1"} <= set(modes)
    assert set(state) == set(links)
    for dev in ("v0", "v1"):
        assert info[dev]["header"]["dev_index"] == links[dev]
        speed, duplex, carrier = _sysfs_link(ns, dev)
        assert modes[dev]["speed"] == speed
        assert modes[dev]["duplex"] == {"half": 0, "full": 1}[duplex]
        assert state[dev]["link"] == carrier
    # ETHTOOL_FLAG_COMPACT_BITSETS: the link modes as value/mask bitmaps
    assert one["header"] == {"dev_index": veth, "dev_name": "v0"}
    ours = one["ours"]
    assert len(bytes.fromhex(ours["value"])) * 8 >= ours["size"] > 0


def _sysfs_link(ns, dev):
    out = subprocess.run(["ip", "netns", "exec", ns, "cat", f"/sys/class/net/{dev}/speed",
                          f"/sys/class/net/{dev}/duplex", f"/sys/class/net/{dev}/carrier"],
                         capture_output=True, text=True, check=True).stdout.split()
    return int(out[0]), out[1], int(out[2])


def test_error_offsets_named_in_a_header_variant_request():
    """An extended-ACK offset inside an AF_BRIDGE request is named with the
    set that request was encoded with (bridge_link_attrs), not link_attrs."""
    with connect("route") as s:
        tpl = s.template("setlink")
        req = tpl.encode({"family": 7, "index": 3},
                         {"af_spec": {"vlan_info": [{"flags": 0, "vid": 30}]}}, 0x5, 1)
        # nlmsghdr 16 + ifinfomsg 16, af_spec header 4, then IFLA_BRIDGE_VLAN_INFO
        assert nlcodec.ack.describe(tpl, req, 16 + 16 + 4 + 4) == "bridge_link_attrs.af_spec.vlan_info"
        assert nlcodec.ack.describe(tpl, req, 16 + 16) == "bridge_link_attrs.af_spec"
        plain = tpl.encode({"family": 0, "index": 3}, {"mtu": 1400}, 0x5, 1)
        assert nlcodec.ack.describe(tpl, plain, 32) == "link_attrs.mtu"


@pytest.fixture(params=["native", "pure"])
def backend(request):
    old = nlcodec.backend()
    nlcodec.use_backend(request.param)
    yield request.param
    nlcodec.use_backend(old)


@pytest.mark.parametrize("header, attrs", [
    ({"family": 2.0}, None),
    ({"family": decimal.Decimal(2)}, None),
    ({"family": fractions.Fraction(2)}, None),
    ({"family": 2, "dst_len": 24.0}, {"dst": "10.8.0.0"}),
    ({"family": 2}, {"table": 2.0}),
    ({"family": 2}, {"oif": decimal.Decimal(3)}),
])
def test_a_number_equal_to_a_cached_int_is_refused_as_alone(header, attrs, backend):
    """A request template's header and attribute caches find entries by
    equality, and 2.0 == 2: a float (Decimal, Fraction) must raise whether or
    not a request with the equal int came first, never take that int's
    cached bytes."""
    need_spec("rt_route")
    ints = {k: int(v) for k, v in header.items()}
    iattrs = {k: (int(v) if not isinstance(v, str) else v) for k, v in (attrs or {}).items()}
    with connect("route") as s:
        tpl = s.template("newroute")
        with pytest.raises(EncodeError):
            tpl.encode(header, attrs, 0, 1)                 # alone
        tpl.encode(ints, iattrs or None, 0, 1)              # cached: the last header and its bytes
        tpl.encode(ints, iattrs or None, 0, 2)
        with pytest.raises(EncodeError):
            tpl.encode(header, attrs, 0, 3)
        assert tpl.encode(ints, iattrs or None, 0, 4) == nlcodec.encode(
            "route", "newroute", header=ints, attrs=iattrs or None, seq=4)


def test_bool_and_intenum_members_keep_the_cached_bytes(backend):
    """bool and IntEnum are ints, and the codec takes them as ints alone too
    (True: 1, socket.AF_INET: 2): the caches give them the same bytes."""
    need_spec("rt_route")
    with connect("route") as s:
        tpl = s.template("newroute")
        for seq, hdr in enumerate(({"family": 2}, {"family": socket.AF_INET}, {"family": 2},
                                   {"family": True}), 1):
            assert tpl.encode(hdr, {"table": True}, 0, seq) == nlcodec.encode(
                "route", "newroute", header=hdr, attrs={"table": True}, seq=seq)
