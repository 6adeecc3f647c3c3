"""The generic netlink families of the guest kernel's modules, resolved with
nlcodec on a raw AF_NETLINK socket and on nlcodec.connect(), each checked
against iproute2's `genl ctrl get` (an independent decoder of the same reply)."""

import re
import socket
import struct

import pytest

import nlcodec
from ktutil import sh

FAMILIES = ["ovs_datapath", "ovs_vport", "ovs_flow", "ovs_packet", "ovs_meter",
            "ovs_ct_limit", "psample"]
NETLINK_GENERIC = 16


def genl_ctrl_get(name):
    """id, version, hdrsize, maxattr and {group: id} from `genl ctrl get name N`."""
    out = sh("genl", "ctrl", "get", "name", name)
    m = re.search(r"ID: (0x[0-9a-f]+)\s+Version: (0x[0-9a-f]+)\s+header size: (\d+)\s+"
                  r"max attribs: (\d+)", out)
    assert m, out
    groups = {g: int(i, 16) for i, g in re.findall(r"ID-(0x[0-9a-f]+)\s+name: (\S+)", out)}
    return int(m[1], 16), int(m[2], 16), int(m[3]), int(m[4]), groups


@pytest.mark.parametrize("name", FAMILIES)
def test_getfamily_raw_socket(name):
    fid, version, hdrsize, maxattr, groups = genl_ctrl_get(name)
    req = nlcodec.encode("nlctrl", "getfamily", attrs={"family_name": name},
                         flags=nlcodec.NLM_F_REQUEST, seq=7)
    # the request by hand: nlmsghdr, genlmsghdr (cmd 3, version 1 or 2), one string attr
    total, ty, flags, seq = struct.unpack_from("=IHHI", req)
    assert (total, ty, flags, seq, req[16]) == (len(req), 0x10, 1, 7, 3)
    nm = name.encode() + b"\0"
    assert req[20:] == struct.pack("=HH", 4 + len(nm), 2) + nm + b"\0" * (-len(nm) % 4)
    with socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_GENERIC) as s:
        s.bind((0, 0))
        s.send(req)
        data = s.recv(65536)
    (m,) = nlcodec.decode(data, "generic")
    assert m.type == "newfamily" and m.seq == 7
    assert m["family_name"] == name
    assert (m["family_id"], m["version"], m["hdrsize"], m["maxattr"]) == \
        (fid, version, hdrsize, maxattr)
    assert {g["name"]: g["id"] for g in m.get("mcast_groups") or []} == groups
    # by hand: CTRL_ATTR_FAMILY_NAME (2) comes first, then CTRL_ATTR_FAMILY_ID (1, u16)
    off, seen = 20, {}
    while off < len(data):
        ln, ty = struct.unpack_from("=HH", data, off)
        seen.setdefault(ty, data[off + 4:off + ln])
        off += (ln + 3) & ~3
    assert seen[2] == nm and struct.unpack("=H", seen[1]) == (fid,)


def test_connect_resolves_every_family():
    want = {n: genl_ctrl_get(n) for n in FAMILIES}
    for name in FAMILIES:
        with nlcodec.connect(name) as s:
            f = s.family
            assert (f.id, f.version, f.hdrsize, f.maxattr, f.groups) == want[name], name


def test_dump_lists_the_module_families():
    ids = {}
    with nlcodec.connect("nlctrl") as s:
        for m in s.dump("getfamily"):
            ids[m["family_name"]] = m["family_id"]
    listed = dict(re.findall(r"Name: (\S+)\s+ID: (0x[0-9a-f]+)", sh("genl", "ctrl", "list")))
    assert ids == {k: int(v, 16) for k, v in listed.items()}
    assert set(FAMILIES) <= set(ids)
