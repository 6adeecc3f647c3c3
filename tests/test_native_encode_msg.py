"""A whole request in one C call (nlcodec.native's encode_msg, the C core's
nlc_encode_msg): the nlmsghdr, the fixed header and the attributes.

Expected bytes come from outside: what tc 6.1 wrote to its netlink socket
(tests/data/tc_corpus_requests.txt, tc_template_requests.txt, captured with
strace -e write=all), and gcc laying out ``struct nlmsghdr``, ``struct
tcmsg`` and ``struct rtattr`` from the UAPI headers (tests/cprobe.py
c_bytes; members not named are zero).  What the one call leaves to the
usual path (header keys that are no member, nlmsghdr values out of range)
is checked to give pure.py's bytes or pure.py's error.
"""

import socket
import threading

import pytest

import nlcodec
from nlcodec import EncodeError

from cprobe import c_bytes, c_values, needs_gcc
from test_native_encode_coverage import REQUESTS

native = pytest.importorskip("nlcodec.native")

NLMSG = c_values(["linux/netlink.h"], ["offsetof(struct nlmsghdr, nlmsg_seq)",
                                       "offsetof(struct nlmsghdr, nlmsg_pid)"])
SEQ, PID = NLMSG["offsetof(struct nlmsghdr, nlmsg_seq)"], NLMSG["offsetof(struct nlmsghdr, nlmsg_pid)"]


def _encode(d, header=None, **kw):
    args = dict(header=d["header"] if header is None else header, attrs=d["attrs"],
                flags=d["flags"], seq=d["seq"], pid=d["pid"])
    args.update(kw)
    return nlcodec.encode("route", d["type"], **args)


def _with_seq_pid(raw, seq, pid):
    b = bytearray(raw)
    b[SEQ:SEQ + 4] = seq.to_bytes(4, "little")
    b[PID:PID + 4] = pid.to_bytes(4, "little")
    return bytes(b)


@pytest.fixture
def whole(codec, monkeypatch):
    """On the native backend, a list that gets, for each one-call encode
    (Backend.encode_msg), whether it gave the message (True) or left it."""
    out = []
    if nlcodec.backend() == "native":
        one = native.Backend.encode_msg

        def spy(*a):
            b = one(*a)
            out.append(b is not None)
            return b
        monkeypatch.setattr(native.Backend, "encode_msg", spy)
    return out


@pytest.fixture(scope="module")
def dicts():
    return [(line, raw, nlcodec.decode(raw)[0].to_dict()) for line, raw in REQUESTS]


def test_tcs_requests_with_only_their_nonzero_header_members(codec, dicts, whole):
    """tc's requests, the header given as a user writes it (the members tc
    left zero left out), with other seq and pid: tc's bytes, those two
    members where gcc puts them; on the native backend in one C call."""
    native.reset_fallbacks()
    for i, (line, raw, d) in enumerate(dicts):
        short = {k: v for k, v in d["header"].items() if v}
        assert len(short) < len(d["header"]), line     # family and the pads are zero
        seq, pid = 0x10000 + i, 0xFFFFFFF0 - i
        assert _encode(d, header=short, seq=seq, pid=pid) == _with_seq_pid(raw, seq, pid), line
    left = native.reset_fallbacks()
    if nlcodec.backend() == "native":
        assert left == dict.fromkeys(left, 0)
        assert whole == [True] * sum(1 for _, _, d in dicts if d["attrs"])   # (not deletes)


@needs_gcc
def test_a_request_as_gcc_lays_it_out(codec):
    c = c_bytes(["linux/netlink.h", "linux/rtnetlink.h", "linux/pkt_sched.h"], {
        "req": "struct { struct nlmsghdr n; struct tcmsg t; struct rtattr a; char kind[12]; } x"
               " = {.n = {.nlmsg_len = sizeof(x), .nlmsg_type = RTM_NEWTFILTER,"
               " .nlmsg_flags = NLM_F_REQUEST | NLM_F_CREATE | NLM_F_EXCL,"
               " .nlmsg_seq = 0x01020304, .nlmsg_pid = 0xfffffffe},"
               " .t = {.tcm_ifindex = 2, .tcm_parent = 0xfffffff2, .tcm_info = 0x10300},"
               " .a = {.rta_len = RTA_LENGTH(9), .rta_type = TCA_KIND}, .kind = \"matchall\"}",
        "flags": "unsigned short x = NLM_F_REQUEST | NLM_F_CREATE | NLM_F_EXCL",
    })
    flags = int.from_bytes(c["flags"], "little")
    native.reset_fallbacks()
    got = nlcodec.encode("route", "newtfilter", attrs={"kind": "matchall"}, flags=flags,
                         header={"ifindex": 2, "parent": 0xFFFFFFF2, "info": 0x10300},
                         seq=0x01020304, pid=0xFFFFFFFE)
    assert got == c["req"]
    left = native.reset_fallbacks()
    if nlcodec.backend() == "native":
        assert left == dict.fromkeys(left, 0)


@needs_gcc
def test_a_route_with_enum_members_as_gcc_lays_it_out(codec, whole):
    """socket.AF_INET & co. are IntEnums, which marshal does not carry: the
    C core gets them as the ints they are (pure.py reads them so too)."""
    names = ["RTM_NEWROUTE", "RT_TABLE_MAIN", "RTPROT_STATIC", "RT_SCOPE_LINK", "RTN_UNICAST",
             "NLM_F_REQUEST | NLM_F_CREATE | NLM_F_EXCL"]
    v = c_values(["linux/netlink.h", "linux/rtnetlink.h"], names)
    c = c_bytes(["linux/netlink.h", "linux/rtnetlink.h"], {
        "req": "struct { struct nlmsghdr n; struct rtmsg r; struct rtattr a1; unsigned char"
               " dst[4]; struct rtattr a2; int oif; } x = {.n = {.nlmsg_len = sizeof(x),"
               " .nlmsg_type = RTM_NEWROUTE, .nlmsg_flags = NLM_F_REQUEST | NLM_F_CREATE |"
               " NLM_F_EXCL, .nlmsg_seq = 5, .nlmsg_pid = 7}, .r = {.rtm_family = AF_INET,"
               " .rtm_dst_len = 32, .rtm_table = RT_TABLE_MAIN, .rtm_protocol = RTPROT_STATIC,"
               " .rtm_scope = RT_SCOPE_LINK, .rtm_type = RTN_UNICAST}, .a1 = {.rta_len ="
               " RTA_LENGTH(4), .rta_type = RTA_DST}, .dst = {10, 1, 0, 7}, .a2 = {.rta_len ="
               " RTA_LENGTH(4), .rta_type = RTA_OIF}, .oif = AF_INET6}",
    })
    native.reset_fallbacks()
    got = nlcodec.encode(
        "route", v["RTM_NEWROUTE"], flags=v["NLM_F_REQUEST | NLM_F_CREATE | NLM_F_EXCL"], seq=5,
        pid=7, header={"family": socket.AF_INET, "dst_len": 32, "table": v["RT_TABLE_MAIN"],
                       "protocol": v["RTPROT_STATIC"], "scope": v["RT_SCOPE_LINK"],
                       "type": v["RTN_UNICAST"]},
        attrs={"dst": "10.1.0.7", "oif": socket.AF_INET6})
    assert got == c["req"]
    left = native.reset_fallbacks()
    if nlcodec.backend() == "native":
        assert left == dict.fromkeys(left, 0)
        assert whole == [True]


def test_a_message_longer_than_the_threads_buffer(dicts, monkeypatch):
    """Messages beyond the thread's copy buffer come from the C core's own
    scratch memory: tc's bytes all the same."""
    nlcodec.use_backend("native")
    try:
        monkeypatch.setattr(native, "_DST", 24)
        for line, raw, d in dicts:
            assert _encode(d) == raw, line
    finally:
        nlcodec.use_backend(None)


def _outcome(fn):
    try:
        return fn()
    except Exception as e:
        return type(e), str(e)


ODD = [
    ("header key that is no member", {"header": {"ifindex": 2, "bogus": 1}}),
    ("header as _raw hex", {"header": {"_raw": "00" * 20}}),
    ("header decoded short", {"header": {"ifindex": 2, "_size": 8}}),
    ("header member out of range", {"header": {"ifindex": 1 << 40}}),
    ("header member not a number", {"header": {"ifindex": "two"}}),
    ("header not a dict", {"header": [2]}),
    ("flags beyond 16 bits", {"flags": 0x10000}),
    ("negative seq", {"seq": -1}),
    ("pid beyond 32 bits", {"pid": 1 << 32}),
    ("pid beyond 64 bits", {"pid": 1 << 70}),
    ("seq as text", {"seq": "7"}),
    ("flags as float", {"flags": 1.0}),
    ("seq True", {"seq": True}),
]


@pytest.mark.parametrize("what,change", ODD, ids=[w for w, _ in ODD])
def test_what_the_one_call_leaves_gives_pures_bytes_or_error(dicts, what, change):
    _, _, d = dicts[0]
    out = {}
    for be in ("pure", "native"):
        nlcodec.use_backend(be)
        try:
            out[be] = _outcome(lambda: _encode(d, **change))
        finally:
            nlcodec.use_backend(None)
    assert out["native"] == out["pure"], what


def test_a_header_key_that_is_no_member_is_refused_on_both_backends(codec, dicts):
    _, _, d = dicts[0]
    with pytest.raises(EncodeError):
        _encode(d, header={**d["header"], "bogus": 1})


def test_threads_encode_at_once(dicts):
    """Each thread has its own copy buffer and C scratch: tc's bytes in all."""
    nlcodec.use_backend("native")
    bad = []

    def work(k):
        for _ in range(30):
            for i, (line, raw, d) in enumerate(dicts):
                seq = (k << 16) | i
                if _encode(d, seq=seq, pid=k) != _with_seq_pid(raw, seq, k):
                    bad.append((k, line))
    try:
        ts = [threading.Thread(target=work, args=(k,)) for k in range(4)]
        for t in ts:
            t.start()
        for t in ts:
            t.join()
    finally:
        nlcodec.use_backend(None)
    assert not bad
