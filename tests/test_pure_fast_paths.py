"""The pure decoder's fast paths give what its general path gives.

pure.decode_set takes shortcuts for what link dumps are made of: a plain int
or flat struct looked up by its whole attribute header, runs of ints learnt
from a set's first decodes and then checked and unpacked at once, a struct
longer than its layout (a newer kernel's) learnt with its ``_tail``,
strings and binary values learnt by their header (their length), and
whole messages of a plain protocol decoded by a plan per message type
(message._iter_decode).  Every test here builds its bytes by hand from the
numbers and sizes gcc reads in the UAPI headers (linux/if_link.h,
linux/rtnetlink.h), decodes them with both backends (the C core does not
share these shortcuts), and checks: the same result (key order included),
the values that were packed, and the same bytes re-encoded.  The cases are
those where a shortcut could go wrong: an int of a run seen before in the
set, non-zero padding, other NLA_F_* bits, a set cut in the middle of a
run, a different attribute where the run had another, a longer struct, a
string of a learnt length that is not plain (no NUL, a NUL inside, not
UTF-8, a surrogate), and a header with non-zero padding.
"""

import json
import os
import struct

import pytest

import cprobe
import nlcodec
from nlcodec import DecodeError, registry
from wire import NLA_F_NET_BYTEORDER, nla, u8, u32, u64

pytestmark = cprobe.needs_gcc

K = cprobe.c_values(["linux/rtnetlink.h", "linux/if_link.h"], [
    "RTM_NEWLINK", "IFLA_IFNAME", "IFLA_TXQLEN", "IFLA_MTU", "IFLA_GROUP", "IFLA_PROMISCUITY",
    "IFLA_NUM_TX_QUEUES", "IFLA_OPERSTATE", "IFLA_LINKMODE", "IFLA_CARRIER", "IFLA_STATS64",
    "IFLA_QDISC", "IFLA_NUM_RX_QUEUES",
    "sizeof(struct ifinfomsg)", "offsetof(struct ifinfomsg, __ifi_pad)",
    "sizeof(struct rtnl_link_stats64)", "sizeof(struct nlmsghdr)"])

BACKENDS = ["pure"] + ([] if os.environ.get("NLCODEC_BACKEND") == "pure" else ["native"])


def run_attrs(mtu=1500, operstate_pad=b"\0\0\0", mtu_type=None):
    """ifname, then a run of ints as a link dump has them (u32, u8 with its
    padding), then qdisc."""
    return (nla(K["IFLA_IFNAME"], b"veth1\0")
            + nla(K["IFLA_TXQLEN"], u32(1000))
            + struct.pack("<HH", 5, K["IFLA_OPERSTATE"]) + u8(6) + operstate_pad
            + nla(K["IFLA_LINKMODE"], u8(0))
            + nla(K["IFLA_MTU"] if mtu_type is None else mtu_type, u32(mtu))
            + nla(K["IFLA_GROUP"], u32(0))
            + nla(K["IFLA_PROMISCUITY"], u32(3))
            + nla(K["IFLA_NUM_TX_QUEUES"], u32(4))
            + nla(K["IFLA_NUM_RX_QUEUES"], u32(2))
            + nla(K["IFLA_CARRIER"], u8(1))
            + nla(K["IFLA_QDISC"], b"noqueue\0"))


def link_message(attrs, ifi_pad=0, seq=1):
    hdr = bytearray(struct.pack("<BBHiII", 0, 0, 1, 7, 0x1043, 0))
    assert len(hdr) == K["sizeof(struct ifinfomsg)"]
    hdr[K["offsetof(struct ifinfomsg, __ifi_pad)"]] = ifi_pad
    body = bytes(hdr) + attrs
    return struct.pack("<IHHII", K["sizeof(struct nlmsghdr)"] + len(body), K["RTM_NEWLINK"],
                       2, seq, 99) + body


@pytest.fixture
def fresh_link_set():
    """link_attrs' fast table made again, so that this test's messages are
    the first it learns its runs from (other tests decode links too)."""
    cs = registry.compiled("rt_link").msgs[K["RTM_NEWLINK"]].set
    old = cs.fast
    cs.fast = None
    yield cs
    cs.fast = old


def decode_both(data):
    """Each backend's to_dict() of every message (the same on both, key order
    included); every message re-encodes to its bytes."""
    out = {}
    for be in BACKENDS:
        nlcodec.use_backend(be)
        try:
            msgs = nlcodec.decode(data)
            out[be] = [m.to_dict() for m in msgs]
            assert nlcodec.message.encode_stream(msgs) == data, be
        finally:
            nlcodec.use_backend(None)
    if "native" in out:
        assert json.dumps(out["pure"]) == json.dumps(out["native"])
    return out["pure"]


def learnt(data):
    """Decode ``data`` as a set's first decodes do: its runs are learnt."""
    for _ in range(3):
        decode_both(data)


def test_a_run_learnt_then_taken_gives_the_values(fresh_link_set):
    plain = link_message(run_attrs())
    learnt(plain)
    assert any(f[4] is not None for k, f in fresh_link_set.fast.items() if k is not None), \
        "no run was learnt from the link message"
    a = decode_both(link_message(run_attrs(mtu=9000)))[0]["attrs"]
    assert a == {"ifname": "veth1", "txqlen": 1000, "operstate": 6, "linkmode": 0,
                 "mtu": 9000, "group": 0, "promiscuity": 3, "num_tx_queues": 4,
                 "num_rx_queues": 2, "carrier": 1, "qdisc": "noqueue"}


def test_non_zero_padding_in_a_run_is_kept(fresh_link_set):
    learnt(link_message(run_attrs()))
    a = decode_both(link_message(run_attrs(operstate_pad=b"\xaa\0\x01")))[0]["attrs"]
    assert a["operstate"] == 6 and a["mtu"] == 1500
    assert a["_pad"] == {"2": "aa0001"}         # after the third attribute, as it came


def test_other_flag_bits_in_a_run_are_kept(fresh_link_set):
    learnt(link_message(run_attrs()))
    a = decode_both(link_message(run_attrs(mtu_type=K["IFLA_MTU"] | NLA_F_NET_BYTEORDER)))[0]
    assert a["attrs"]["_flags"] == {"mtu": NLA_F_NET_BYTEORDER}
    assert a["attrs"]["mtu"] == 1500


def test_an_int_of_the_run_seen_before_is_a_repeat(fresh_link_set):
    learnt(link_message(run_attrs()))
    a = decode_both(link_message(nla(K["IFLA_MTU"], u32(68)) + run_attrs()))[0]["attrs"]
    assert a["mtu"] == [68, 1500]
    assert a["_repeated"] == ["mtu"]
    # the names in wire order: mtu, ifname, txqlen, operstate, linkmode, mtu, ...
    assert a["_order"][:6] == ["mtu", "ifname", "txqlen", "operstate", "linkmode", "mtu"]
    assert a["_order"][6:] == ["group", "promiscuity", "num_tx_queues", "num_rx_queues", "carrier",
                               "qdisc"]


def test_a_different_attribute_where_the_run_had_another(fresh_link_set):
    learnt(link_message(run_attrs()))
    # the mtu's place holds a second txqlen: not the run learnt
    a = decode_both(link_message(run_attrs(mtu_type=K["IFLA_TXQLEN"])))[0]["attrs"]
    assert a["txqlen"] == [1000, 1500] and "mtu" not in a


def test_a_set_cut_in_a_run(fresh_link_set):
    whole = run_attrs()
    learnt(link_message(whole))
    at = len(nla(K["IFLA_IFNAME"], b"veth1\0")) + 8        # operstate's header
    # cut in operstate's padding: the set's last attribute, its padding cut short
    a = decode_both(link_message(whole[:at + 6]))[0]["attrs"]
    assert a == {"ifname": "veth1", "txqlen": 1000, "operstate": 6, "_pad": {"2": "00"}}
    # cut in linkmode's value: the same error on both backends
    data = link_message(whole[:at + 8 + 4])
    errors = []
    for be in BACKENDS:
        nlcodec.use_backend(be)
        try:
            with pytest.raises(DecodeError) as e:
                nlcodec.decode(data)
            errors.append(str(e.value))
        finally:
            nlcodec.use_backend(None)
    assert len(set(errors)) == 1, errors
    assert "link_attrs" in errors[0]


def test_a_struct_longer_than_its_layout_keeps_its_tail(fresh_link_set):
    n = K["sizeof(struct rtnl_link_stats64)"]
    stats = b"".join(u64(i + 1) for i in range(n // 8)) + bytes.fromhex("0102030405060708")
    data = link_message(nla(K["IFLA_IFNAME"], b"v\0") + nla(K["IFLA_STATS64"], stats))
    first, again = decode_both(data + data)       # the second takes the length learnt
    for m in (first, again):
        s = m["attrs"]["stats64"]
        assert s["rx_packets"] == 1 and s["tx_packets"] == 2
        assert s["_tail"] == "0102030405060708"
    assert first == again



def test_a_struct_of_its_own_size_repeated_then_alone_has_no_tail(fresh_link_set):
    """A repeated struct of exactly its layout's size goes the long way (a
    repeat); it must not be learnt as a "longer" one: the next message's
    single one would then read ``_tail: ""`` (the CI fuzz's lossless replay
    found it on tca_stats_attrs' rate_est, native != pure)."""
    n = K["sizeof(struct rtnl_link_stats64)"]
    stats = b"".join(u64(i + 1) for i in range(n // 8))
    twice = link_message(nla(K["IFLA_IFNAME"], b"v\0") + nla(K["IFLA_STATS64"], stats)
                         + nla(K["IFLA_STATS64"], stats))
    once = link_message(nla(K["IFLA_IFNAME"], b"v\0") + nla(K["IFLA_STATS64"], stats), seq=2)
    _, alone = decode_both(twice + once)
    s = alone["attrs"]["stats64"]
    assert s["rx_packets"] == 1 and s["tx_packets"] == 2 and "_tail" not in s
    assert len(s) == n // 8

def test_a_header_with_non_zero_padding_is_kept():
    m, = decode_both(link_message(run_attrs(), ifi_pad=0x5A))
    assert m["header"]["index"] == 7 and m["header"]["flags"] == 0x1043
    assert m["header"]["_raw"][2 * K["offsetof(struct ifinfomsg, __ifi_pad)"]:][:2] == "5a"


def test_a_message_shorter_than_its_header():
    full = link_message(b"")
    short = struct.pack("<I", 16 + 8) + full[4:16 + 8]        # 8 of ifinfomsg's 16 bytes
    m, = decode_both(short)
    assert m["header"] == {"family": 0, "type": 1, "index": 7}


@pytest.mark.parametrize("ifname", [b"veth1x", b"ve\0th1", b"veth\xff\0", b"ve\xed\xa0\x80\0"],
                         ids=["no NUL", "NUL inside", "not UTF-8", "a surrogate"])
def test_a_string_learnt_then_one_not_plain_of_its_length(fresh_link_set, ifname):
    """ifname "veth1\\0" is learnt (6 bytes); another 6 bytes that are not a
    plain NUL-terminated UTF-8 string go the long way and are kept raw."""
    learnt(link_message(run_attrs()))
    assert len(ifname) == len(b"veth1\0")
    attrs = nla(K["IFLA_IFNAME"], ifname) + run_attrs()[len(nla(K["IFLA_IFNAME"], b"veth1\0")):]
    a = decode_both(link_message(attrs))[0]["attrs"]
    assert a["_raw"] == {"ifname": ifname.hex()}
    assert a["mtu"] == 1500 and a["qdisc"] == "noqueue"


def test_strings_learnt_then_taken(fresh_link_set):
    learnt(link_message(run_attrs()))
    other = nla(K["IFLA_IFNAME"], b"eth0\0") + run_attrs()[len(nla(K["IFLA_IFNAME"],
                                                                   b"veth1\0")):]
    a, b = decode_both(link_message(run_attrs()) + link_message(other, seq=2))
    assert a["attrs"]["ifname"] == "veth1" and b["attrs"]["ifname"] == "eth0"
    assert "_raw" not in a["attrs"] and "_raw" not in b["attrs"]


R = cprobe.c_values(["linux/rtnetlink.h"], ["RTM_NEWROUTE", "RTA_EXPIRES", "RTA_TABLE",
                                            "sizeof(struct rtmsg)"])


@pytest.mark.parametrize("payload, raw", [(u32(300), False), (u64(300), True),
                                          (u64(1 << 40), False)],
                         ids=["4 bytes", "8 bytes that fit in 4", "8 bytes"])
def test_a_uint_of_4_or_8_bytes(payload, raw):
    """RTA_EXPIRES is a uint (nla_put_uint: 4 bytes when the value fits);
    8 bytes of a value that fits in 4 are kept as they came."""
    hdr = struct.pack("<BBBBBBBBI", 2, 32, 0, 0, 254, 4, 0, 1, 0)
    assert len(hdr) == R["sizeof(struct rtmsg)"]
    body = hdr + nla(R["RTA_TABLE"], u32(254)) + nla(R["RTA_EXPIRES"], payload)
    msg = struct.pack("<IHHII", 16 + len(body), R["RTM_NEWROUTE"], 2, 1, 99) + body
    for m in decode_both(msg + msg):
        a = m["attrs"]
        assert a["expires"] == int.from_bytes(payload, "little")
        assert ("_raw" in a) == raw
