"""do_many's windows (nlcodec.bulk) on nlcodec.testing's fake kernel, the
sync socket and the asyncio one alike: every request is accounted for when
the kernel cuts a datagram short, and with acks=True the requests after the
cut are sent again.

The rule the fake kernel follows (and the live tests in
test_bulk_accounting.py check on the real one): net/netlink/af_netlink.c,
netlink_rcv_skb() handles a datagram's messages in order and returns at the
first whose nlmsg_len is below NLMSG_HDRLEN or beyond the data left, without
answering it or anything after it.
"""

import asyncio
import struct

import pytest

from nlcodec import aio, nla, testing
from nlcodec.socket import NotConfirmed, NotSent

HDR = {"family": 2, "dst_len": 32, "table": 254, "protocol": 4, "scope": 0, "type": 1}


def dst(i):
    return f"10.{i >> 8 & 255}.{i & 255}.1"


def reqs(n):
    return [("newroute", HDR, {"dst": dst(i), "oif": 1}) for i in range(n)]


def _kernel(k, req):
    """Every route is accepted; the NOOP barrier is only ACKed."""
    return []


def _applied(k):
    return [m.attrs["dst"] for m in k.requests if m.type == "newroute"]


def _cut_once(send, k):
    """A send() whose first datagram has its k-th message's nlmsg_len set to
    8, as a buggy caller's bytes would be."""
    state = {"done": False}

    def f(data):
        if not state["done"]:
            state["done"] = True
            data = bytearray(data)
            heads = list(nla.Messages(data))
            struct.pack_into("<I", data, heads[k].offset, 8)
        return send(bytes(data))
    return f


def test_fake_kernel_drops_the_rest_of_a_datagram():
    """A bad nlmsg_len ends the datagram: nothing after it is handled."""
    with testing.connect(_kernel) as s:
        msgs = [s.template("newroute").encode(HDR, {"dst": dst(i), "oif": 1}, 0x5, i + 1)
                for i in range(3)]
        bad = bytearray(msgs[1])
        struct.pack_into("<I", bad, 0, 8)
        s.kernel.send(msgs[0] + bytes(bad) + msgs[2])
        assert _applied(s.kernel) == [dst(0)]


def _sync(acks, cut, rs=None):
    with testing.connect(_kernel) as s:
        if cut is not None:
            s.send = _cut_once(s.send, cut)
        res = s.do_many(rs or reqs(40), window=16, acks=acks, window_timeout=0.2)
        return res, _applied(s.kernel)


def _async(acks, cut, rs=None):
    async def run():
        s = aio.AsyncSocket(testing.connect(_kernel))
        try:
            if cut is not None:
                s.sync.send = _cut_once(s.sync.send, cut)
            res = await s.do_many(rs or reqs(40), window=16, acks=acks, window_timeout=0.2)
            return res, _applied(s.sync.kernel)
        finally:
            s.close()
    return asyncio.run(run())


RUNS = pytest.mark.parametrize("run", [_sync, _async], ids=["sync", "aio"])


@RUNS
@pytest.mark.parametrize("acks", [False, True], ids=["barrier", "acks"])
def test_every_request_confirmed_when_nothing_is_cut(run, acks):
    res, applied = run(acks, None)
    assert len(res) == 40 and res.ok
    assert applied == [dst(i) for i in range(40)]


@RUNS
def test_cut_without_acks_leaves_the_window_unconfirmed(run):
    """No closing ACK for the first window: its 16 requests are NotConfirmed
    (5 of them were applied: the fake's record says which); the later
    windows are confirmed."""
    res, applied = run(False, 5)
    assert len(res) == 40
    assert res.unconfirmed == list(range(16))
    assert all(type(e) is NotConfirmed for e in res.errors)
    assert applied == [dst(i) for i in range(40) if not 5 <= i < 16]


@RUNS
def test_cut_with_acks_resends_the_rest(run):
    """Every request is ACKed, so the cut is known: the request it hit is
    NotConfirmed and the ones after it are sent again."""
    res, applied = run(True, 5)
    assert len(res) == 40
    assert [(type(e), e.index) for e in res.errors] == [(NotConfirmed, 5)]
    assert applied == [dst(i) for i in range(40) if i != 5]


@RUNS
def test_unencodable_and_bad_bytes_are_not_sent(run):
    """A request that cannot be encoded, and pre-encoded bytes whose nlmsg_len
    is not their length, are NotSent; the rest of the window still goes."""
    rs = reqs(40)
    rs[3] = ("newroute", HDR, {"dst": "no-address", "oif": 1})
    with testing.connect(_kernel) as s:
        good = s.template("newroute").encode(HDR, {"dst": dst(20), "oif": 1}, 0, 0)
    rs[20] = good[:-4]              # nlmsg_len says 4 bytes more than there are
    res, applied = run(False, None, rs)
    assert len(res) == 40
    assert [(type(e), e.index) for e in res.errors] == [(NotSent, 3), (NotSent, 20)]
    assert applied == [dst(i) for i in range(40) if i not in (3, 20)]
