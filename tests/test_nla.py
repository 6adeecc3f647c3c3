"""nlcodec.nla, the raw message and attribute iterators: a real link dump from
the kernel walked by hand gives the interfaces `ip -j link` lists (numbers
from the UAPI headers via gcc), and malformed framing stops the walk with a
sticky error at the right offset (bytes written out by hand, tests/wire.py)."""

import json
import struct
import subprocess

import pytest

import cprobe
import nlcodec
from nlcodec import DecodeError, netns
from nlcodec.nla import Attributes, Messages, align
from wire import nla, u32

K = cprobe.c_values(["linux/rtnetlink.h", "linux/if_link.h"], [
    "RTM_GETLINK", "RTM_NEWLINK", "NLMSG_DONE", "IFLA_IFNAME", "IFLA_MTU", "IFLA_LINKINFO",
    "IFLA_INFO_KIND", "sizeof(struct ifinfomsg)", "NLM_F_REQUEST", "NLM_F_DUMP"])
G = cprobe.c_values(["linux/genetlink.h"], ["CTRL_ATTR_VERSION", "CTRL_ATTR_OPS"])


@pytest.mark.live
def test_walks_a_real_link_dump_like_ip():
    with netns.temporary() as ns:
        subprocess.run(["ip", "-n", ns, "link", "add", "va", "type", "veth", "peer", "vb"],
                       check=True)
        subprocess.run(["ip", "-n", ns, "link", "add", "br0", "type", "bridge"], check=True)
        want = {(link["ifname"], link["mtu"], link.get("linkinfo", {}).get("info_kind"))
                for link in json.loads(subprocess.run(
                    ["ip", "-n", ns, "-j", "-d", "link", "show"], capture_output=True,
                    text=True, check=True).stdout)}
        with nlcodec.connect("route", netns=ns) as s:
            body = struct.pack("<BxHiII", 0, 0, 0, 0, 0)
            s.sock.send(struct.pack("<IHHII", 16 + len(body), K["RTM_GETLINK"],
                                    K["NLM_F_REQUEST"] | K["NLM_F_DUMP"], 1, 0) + body)
            got, done = set(), False
            while not done:
                for m in (ms := Messages(s.sock.recv(1 << 20))):
                    if m.type == K["NLMSG_DONE"]:
                        done = True
                        break
                    assert m.type == K["RTM_NEWLINK"]
                    name = mtu = kind = None
                    for a in (attrs := m.attributes(K["sizeof(struct ifinfomsg)"])):
                        if a.type == K["IFLA_IFNAME"]:
                            name = a.string()
                        elif a.type == K["IFLA_MTU"]:
                            mtu = a.u32()
                        elif a.type == K["IFLA_LINKINFO"]:
                            kind = next((i.string() for i in a.attributes()
                                         if i.type == K["IFLA_INFO_KIND"]), None)
                    attrs.check()
                    got.add((name, mtu, kind))
                ms.check()
    assert got == want


def test_sticky_error_on_a_short_attribute():
    buf = nla(1, u32(7)) + struct.pack("<HH", 2, 5) + nla(3, b"x")
    ad = Attributes(buf)
    assert [a.type for a in ad] == [1]
    assert isinstance(ad.err, DecodeError) and ad.err.offset == 8
    with pytest.raises(DecodeError, match="length 2 < 4"):
        ad.check()


def test_attribute_overrunning_its_nest():
    buf = nla(1, u32(7)) + struct.pack("<HH", 40, 2) + b"abcd"
    ad = Attributes(buf)
    assert len(list(ad)) == 1 and ad.err.offset == 8 and "overruns" in str(ad.err)


def test_flags_and_getters():
    buf = nla(0x8000 | 4, nla(1, b"lo\0")) + nla(0x4000 | 2, struct.pack(">H", 4789))
    a, b = list(Attributes(buf))
    assert (a.type, a.nested, b.type, b.net_byteorder) == (4, True, 2, True)
    assert [x.string() for x in a.attributes()] == ["lo"] and b.be16() == 4789
    with pytest.raises(DecodeError):
        b.u32()


def test_messages_stop_where_the_kernel_stops():
    """netlink_rcv_skb() stops at nlmsg_len < 16 (iproute2's zeroed tails)."""
    one = struct.pack("<IHHII", 20, 18, 0x301, 1, 0) + b"\0" * 4
    ms = Messages(one + b"\0" * 32)
    assert [m.raw for m in ms] == [one] and ms.stop == 20 and ms.err is not None
    assert align(17) == 20 and align(20) == 20


def test_benchmark_split_uses_it():
    from nlcodec.benchmark import split_messages
    a = struct.pack("<IHHII", 17, 18, 1, 1, 0) + b"\1"
    assert split_messages(a + b"\0" * 3 + a) == [a + b"\0" * 3, a]


@pytest.mark.parametrize("bad", [
    struct.pack("<HH", 2, 5),                   # nla_len < NLA_HDRLEN
    struct.pack("<HH", 40, 2) + b"abcd",        # past the end of its container
])
@pytest.mark.parametrize("backend", ["pure", "native"])
def test_one_wording_of_a_bad_header(bad, backend):
    """The lenient walker and the codec, in an attribute set and among an
    indexed array's elements (CTRL_ATTR_OPS), say the same of the same bad
    header: all ask nla.header_error."""
    top = nla(G["CTRL_ATTR_VERSION"], u32(2)) + bad
    elems = nla(1) + bad                        # an empty op, then the bad one
    try:
        nlcodec.use_backend(backend)
    except ImportError as e:
        pytest.skip(str(e))
    try:
        for buf, where, path in ((top, 0, "ctrl_attrs"), (elems, 4, "ctrl_attrs.ops")):
            ad = Attributes(buf)
            list(ad)
            with pytest.raises(DecodeError) as e:
                nlcodec.decode_attrs(buf if where == 0 else nla(G["CTRL_ATTR_OPS"], buf),
                                     "nlctrl", "ctrl_attrs")
            assert (e.value.reason, e.value.offset - where) == (ad.err.reason, ad.err.offset)
            assert e.value.path == path
    finally:
        nlcodec.use_backend(None)
