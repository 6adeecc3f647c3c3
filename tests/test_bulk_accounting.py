"""do_many accounts for every request and never raises after sending
(issue 17 part 5).  Live, each test in its own network namespace; what was
applied is read back with ``ip -j route show`` (iproute2), not with our code.

Why a bad nlmsg_len loses the rest of a datagram: net/netlink/af_netlink.c,
netlink_rcv_skb() returns at the first message whose nlmsg_len is below
NLMSG_HDRLEN or beyond the data left, without an error for it or any later
message (so the closing NOOP+ACK never comes either).
"""

import asyncio
import json
import os
import subprocess

import pytest

from nlcodec import aio, netns
from nlcodec.socket import NotConfirmed, NotSent, connect

pytestmark = pytest.mark.live

if os.geteuid() != 0:
    pytest.skip("live netlink tests need root (network namespaces)", allow_module_level=True)

# the audit's pre-encoded request: nlmsg_len 8 in a 44-byte RTM_NEWROUTE
BAD_LEN = bytes.fromhex("0800000018000004000000000000000002200000fe04000100000000"
                        "080001000a0100010800040001000000")
HDR = {"family": 2, "dst_len": 32, "table": 254, "protocol": 4, "scope": 0, "type": 1}
CREATE_EXCL = 0x600      # NLM_F_CREATE | NLM_F_EXCL (linux/netlink.h)


def ip(ns, *args):
    return subprocess.run(["ip", "-n", ns, *args], check=True, capture_output=True, text=True)


@pytest.fixture
def ns():
    with netns.temporary("nlcb") as name:
        ip(name, "link", "add", "v0", "type", "veth", "peer", "name", "v1")
        ip(name, "link", "set", "v0", "up")
        yield name


def oif(ns):
    return json.loads(ip(ns, "-j", "link", "show", "dev", "v0").stdout)[0]["ifindex"]


def routes(ns):
    out = ip(ns, "-j", "-4", "route", "show", "proto", "static").stdout.strip()
    return {r["dst"] for r in json.loads(out or "[]")}


def dst(i):
    return f"10.{i >> 16 & 255}.{i >> 8 & 255}.{i & 255}"


def reqs(n, o):
    return [("newroute", HDR, {"dst": dst(i), "oif": o}, CREATE_EXCL) for i in range(n)]


def test_unencodable_request_is_a_result_not_an_exception(ns):
    """Before: EncodeError out of do_many after earlier windows were applied,
    the rest never sent.  Now: NotSent for that one, every other one applied."""
    o = oif(ns)
    rs = reqs(1000, o)
    rs[600] = ("newroute", HDR, {"dst": "not-an-address", "oif": o}, CREATE_EXCL)
    with connect("route", netns=ns) as s:
        res = s.do_many(rs, window=256)
    assert res.count == 1000
    assert [(type(e), e.index) for e in res.errors] == [(NotSent, 600)]
    assert isinstance(res[600], NotSent) and res[600].cause is not None
    assert routes(ns) == {dst(i) for i in range(1000) if i != 600}


def test_wrong_nlmsg_len_in_pre_encoded_bytes_is_refused_up_front(ns):
    """Before: the kernel dropped the rest of the datagram and do_many waited
    forever for the closing ACK.  Now: that request is NotSent, the others go."""
    o = oif(ns)
    rs = reqs(300, o)
    rs[100] = BAD_LEN
    with connect("route", netns=ns) as s:
        res = s.do_many(rs, window=256, window_timeout=5)
    assert res.count == 300
    assert [(type(e), e.index) for e in res.errors] == [(NotSent, 100)]
    assert routes(ns) == {dst(i) for i in range(300) if i != 100}


class _Cut:
    """Sends the datagram with the k-th message's nlmsg_len set to 8, as a
    buggy caller's bytes would be: the kernel drops it and all after it."""

    def __init__(self, sock, k):
        self.sock, self.k, self.done = sock, k, False

    def __call__(self, data):
        if not self.done:
            self.done = True
            data = bytearray(data)
            off = 0
            for _ in range(self.k):
                off += (int.from_bytes(data[off:off + 4], "little") + 3) & ~3
            data[off:off + 4] = (8).to_bytes(4, "little")
        n = self.sock.send(bytes(data))
        assert n == len(data)


def _check_cut(res, got, acks):
    """The account of 400 routes in windows of 128 whose first datagram was
    cut at request 40; ``got``: the routes ip shows."""
    assert res.count == 400
    if acks:
        assert [(type(e), e.index) for e in res.errors] == [(NotConfirmed, 40)]
        assert got == {dst(i) for i in range(400) if i != 40}
    else:
        assert res.unconfirmed == list(range(128))
        assert all(type(e) is NotConfirmed for e in res.errors)
        assert got == {dst(i) for i in range(400) if not 40 <= i < 128}


@pytest.mark.parametrize("acks", [False, True], ids=["barrier", "acks"])
def test_truncated_datagram_is_detected_and_accounted(ns, acks):
    """A datagram the kernel cuts short: no hang.  Without acks the window's
    requests are NotConfirmed (some were applied: ip says which); with acks
    the request it stopped at is NotConfirmed and the rest are sent again."""
    o = oif(ns)
    with connect("route", netns=ns) as s:
        s.send = _Cut(s.sock, 40)
        res = s.do_many(reqs(400, o), window=128, acks=acks, window_timeout=1)
    _check_cut(res, routes(ns), acks)


def test_aio_do_many_accounts_for_every_request(ns):
    o = oif(ns)
    rs = reqs(300, o)
    rs[7] = ("newroute", HDR, {"dst": "nope", "oif": o}, CREATE_EXCL)
    rs[200] = BAD_LEN

    async def run():
        async with aio.connect("route", netns=ns) as s:
            return await s.do_many(rs, window=64, window_timeout=5)
    res = asyncio.run(run())
    assert res.count == 300
    assert [(type(e), e.index) for e in res.errors] == [(NotSent, 7), (NotSent, 200)]
    assert routes(ns) == {dst(i) for i in range(300) if i not in (7, 200)}


@pytest.mark.parametrize("acks", [False, True], ids=["barrier", "acks"])
def test_aio_truncated_datagram_is_detected_and_accounted(ns, acks):
    """As test_truncated_datagram_is_detected_and_accounted, on nlcodec.aio:
    the same windows (nlcodec.bulk), so the same account and the same resend."""
    o = oif(ns)

    async def run():
        async with aio.connect("route", netns=ns) as s:
            s.sync.send = _Cut(s.sync.sock, 40)
            return await s.do_many(reqs(400, o), window=128, acks=acks, window_timeout=1)
    res = asyncio.run(run())
    _check_cut(res, routes(ns), acks)
