"""nlcodec.testing, the public fake kernel: what it sends is what the kernel
sends (compared with this machine's kernel in a private namespace), and an
ordinary nlcodec.Socket works against it (dumps, errors with extended ACKs,
do_many, events with overruns, generic netlink families)."""

import errno

import pytest

import nlcodec
from nlcodec import netns, testing

pytestmark = []


def _kernel_answer(ns, raw, cap_ack):
    """What the kernel answers ``raw`` with, on a socket in ``ns``."""
    with nlcodec.connect("route", netns=ns, cap_ack=cap_ack) as s:
        req = nlcodec.decode(raw)[0]
        raw = nlcodec.encode("route", req.type, header=req.header, attrs=req.attrs,
                             flags=req.flags, seq=req.seq, pid=s.port)
        s.sock.send(raw)
        return s.port, raw, s.sock.recv(65536)


@pytest.mark.live
@pytest.mark.parametrize("cap_ack", [True, False])
def test_error_bytes_equal_the_kernels(cap_ack):
    """RTM_DELLINK of an ifindex that does not exist: the kernel's NLMSG_ERROR
    (ENODEV; NLM_F_CAPPED and the header alone with NETLINK_CAP_ACK, else the
    whole request echoed) and the fake's answer for the same request are the
    same bytes."""
    with netns.temporary() as ns:
        raw = nlcodec.encode("route", "dellink", header={"index": 9999}, attrs={"ifname": "nx0"},
                             flags=nlcodec.NLM_F_REQUEST | nlcodec.NLM_F_ACK, seq=7)
        port, sent, want = _kernel_answer(ns, raw, cap_ack)
    k = testing.FakeKernel()
    k.port = port
    k.setsockopt(nlcodec.socket.SOL_NETLINK, nlcodec.socket.NETLINK_CAP_ACK, int(cap_ack))
    got = k.error(nlcodec.decode(sent)[0], errno.ENODEV)
    assert got == [want]


@pytest.mark.live
def test_ack_bytes_equal_the_kernels():
    """An ACK for a request that succeeds (RTM_NEWADDR on lo)."""
    with netns.temporary() as ns:
        raw = nlcodec.encode("route", "newaddr",
                             header={"family": 2, "prefixlen": 8, "flags": 0, "scope": 254, "index": 1},
                             attrs={"local": "127.0.0.9", "address": "127.0.0.9"},
                             flags=nlcodec.NLM_F_REQUEST | nlcodec.NLM_F_ACK | 0x400, seq=3)
        port, sent, want = _kernel_answer(ns, raw, True)
    k = testing.FakeKernel()
    k.port = port
    assert k.ack(nlcodec.decode(sent)[0]) == [want]


def _links(k, req):
    if req.type == "getlink":
        return k.dump(req, [{"header": {"index": i}, "attrs": {"ifname": f"v{i}"}}
                            for i in range(1, 41)], per_datagram=7)
    if req.type == "newroute" and req.attrs.get("dst") == "10.0.0.3":
        return k.error(req, errno.EEXIST, "route exists", offs=20)
    return k.ack(req)


def test_dump_pages_and_done():
    with testing.connect(_links) as s:
        assert [m["ifname"] for m in s.dump("getlink")] == [f"v{i}" for i in range(1, 41)]
        assert [m.type for m in s.kernel.requests] == ["getlink"]


def test_error_with_extended_ack():
    with testing.connect(_links) as s:
        with pytest.raises(nlcodec.NetlinkExistsError) as ei:
            s.do("newroute", header={"family": 2, "dst_len": 32}, attrs={"dst": "10.0.0.3"})
        assert ei.value.ext_ack == "route exists" and ei.value.errno == errno.EEXIST


def test_do_many_results_per_request():
    hdr = {"family": 2, "dst_len": 32, "table": 254, "protocol": 4, "scope": 253, "type": 1}
    with testing.connect(_links) as s:
        res = s.do_many([("newroute", hdr, {"dst": f"10.0.0.{i}", "oif": 1}) for i in range(6)],
                        window=4)
        assert len(res) == 6
        assert [isinstance(r, nlcodec.NetlinkError) for r in res] == [False] * 3 + [True] + \
            [False] * 2
        assert res[3].errno == errno.EEXIST and res[3].ext_ack == "route exists"


def test_events_and_overrun():
    with testing.connect(None, groups=("link",)) as s:
        k = s.kernel
        k.notify("route", "newlink", header={"index": 7}, attrs={"ifname": "a"}, group=1)
        k.overrun()
        k.notify("route", "dellink", header={"index": 7}, attrs={"ifname": "a"}, group=1)
        got = list(s.events(timeout=0, overrun="yield"))
        assert [getattr(m, "type", type(m).__name__) for m in got] == \
            ["newlink", "Overrun", "dellink"]


def test_generic_netlink_family():
    def ovs(k, req):
        return k.reply(req, header={"dp_ifindex": 5}, attrs={"name": req.attrs["name"]})
    with testing.connect(ovs, "ovs_datapath") as s:
        (m,) = s.do("get", header={"dp_ifindex": 0}, attrs={"name": "dp0"})
        assert m["name"] == "dp0" and m.header["dp_ifindex"] == 5
        assert s.family.id == s.kernel.families["ovs_datapath"]
    assert "ovs_datapath" not in nlcodec.genl.cache    # never poses as the kernel's
