"""Request templates with holes (nlcodec.template).

The proof is tc's own bytes: tests/data/tc_template_requests.txt holds what
iproute2's tc 6.1 sent (strace -e write=all, see tests/tc_capture.py) for
flower lines that differ only in handle, MACs, addresses and action index.
A template made from tc's FIRST request (decoded, holes named), filled with
the values written in another line, must give tc's request for that line.
Differential tests against a whole encode are extra."""

import os
import socket
import struct

import pytest
from hypothesis import given, settings, strategies as st

import nlcodec
from nlcodec.errors import EncodeError
from nlcodec.template import Template

HERE = os.path.dirname(os.path.abspath(__file__))


def _stored():
    out = []
    with open(os.path.join(HERE, "data", "tc_template_requests.txt")) as f:
        for line in f:
            if line.startswith("#"):
                continue
            text, hexs = line.rstrip("\n").split("\t")
            out.append((text, bytes.fromhex(hexs)))
    return out


TC = _stored()


def _noseq(b):
    return b[:8] + bytes(8) + b[16:]


def _from_tc(raw, holes):
    m = nlcodec.decode(raw, "route")[0]
    d = m.to_dict()
    return Template("route", "newtfilter", header=d["header"],
                    attrs=nlcodec.request_form(d["attrs"]), flags=m.flags, holes=holes)


def _words(text):
    w = text.split()
    return {w[i]: w[i + 1] for i in range(len(w) - 1)}


MAC_HOLES = {"handle": "header.handle", "src": "options.key_eth_src",
             "dst": "options.key_eth_dst"}


@pytest.mark.parametrize("backend", ["native", "pure"])
def test_mac_template_gives_tcs_bytes(backend):
    nlcodec.use_backend(backend)
    try:
        t = _from_tc(TC[0][1], MAC_HOLES)
        for text, raw in TC[:3]:
            w = _words(text)
            row = (int(w["handle"], 0), w["src_mac"], w["dst_mac"])
            assert _noseq(t.encode(row)) == _noseq(raw), text
            # the same through the lazily read rows, with seq and port in place
            b = t.rows([row]).nl_fill(77, 5, 0, 1, 1 << 16)[0]
            assert b[8:16] == struct.pack("<II", 77, 5)
            assert _noseq(b) == _noseq(raw)
    finally:
        nlcodec.use_backend(None)


def test_ip_and_action_index_holes_give_tcs_bytes():
    holes = {"handle": "header.handle", "ip": "options.key_ipv4_dst",
             "index": "options.act.0.options.parms.index"}
    t = _from_tc(TC[3][1], holes)
    for text, raw in TC[3:5]:
        w = _words(text)
        row = {"handle": int(w["handle"]), "ip": w["dst_ip"], "index": int(w["index"])}
        assert _noseq(t.encode(row)) == _noseq(raw), text


def test_hole_offsets_come_from_the_tables():
    raw = TC[2][1]
    t = _from_tc(raw, MAC_HOLES)
    # where tc put the values (found in tc's bytes, not computed by us)
    assert t.holes[0][:2] == (raw.index(struct.pack("<I", 70000)), 4)
    assert t.holes[1][:2] == (raw.index(bytes.fromhex("e41100011170")), 6)
    assert t.holes[2][:2] == (raw.index(bytes.fromhex("e41200011170")), 6)


LINK = dict(header={"family": 0, "index": 0}, attrs={"ifname": "veth0", "mtu": 1500,
                                                      "address": "02:00:00:00:00:01"})


def test_value_of_another_size_reencodes_that_request_only():
    t = Template("route", "newlink", **LINK, flags=0x600,
                 holes={"name": "ifname", "mtu": "mtu", "mac": "address"})
    rows = [("veth1", 1400, "02:00:00:00:00:02"),
            ("a-much-longer-nm", 9000, "02:00:00:00:00:03"),
            ("veth3", 1500, "02:00:00:00:00:04:05:06"),     # 8-byte address
            ("veth4", 1500, bytes(6))]
    for i, row in enumerate(rows):
        want = nlcodec.encode("route", "newlink", header=LINK["header"],
                              attrs={"ifname": row[0], "mtu": row[1], "address": row[2]},
                              flags=0x600, seq=i)
        assert t.encode(row, seq=i) == want
    got = list(t.rows(rows))
    assert [len(b) for b in got] == [len(nlcodec.encode(
        "route", "newlink", header=LINK["header"],
        attrs={"ifname": r[0], "mtu": r[1], "address": r[2]})) for r in rows]


def test_bad_values_raise_as_encode_does():
    t = Template("route", "newlink", **LINK, holes={"mtu": "mtu", "mac": "address"})
    with pytest.raises(EncodeError, match="mtu"):
        t.encode((1 << 40, "02:00:00:00:00:01"))
    with pytest.raises(EncodeError, match="address"):
        t.encode((1500, "02:zz:00:00:00:01"))
    with pytest.raises(EncodeError, match="2 holes"):
        t.encode((1500,))


def test_bad_holes_are_named():
    with pytest.raises(EncodeError, match="no attribute 'nosuch'"):
        Template("route", "newlink", **LINK, holes=["nosuch"])
    with pytest.raises(EncodeError, match="not in the template"):
        Template("route", "newlink", **LINK, holes=["txqlen"])
    with pytest.raises(EncodeError, match="no member 'nosuch'"):
        Template("route", "newlink", **LINK, holes=["header.nosuch"])


@settings(max_examples=200, deadline=None)
@given(handle=st.integers(0, 0xFFFFFFFF), src=st.binary(min_size=6, max_size=6),
       ip=st.integers(0, 0xFFFFFFFF), idx=st.integers(0, 0xFFFFFFFF),
       backend=st.sampled_from(["native", "pure"]))
def test_filled_equals_whole_encode(handle, src, ip, idx, backend):
    nlcodec.use_backend(backend)
    try:
        t = _from_tc(TC[3][1], {"handle": "header.handle", "ip": "options.key_ipv4_dst",
                                "index": "options.act.0.options.parms.index"})
        ipt = socket.inet_ntoa(struct.pack(">I", ip))
        row = (handle, ipt, idx)
        assert t.encode(row, 9, 3) == t.encode_slow(row, 9, 3)
        t2 = _from_tc(TC[0][1], MAC_HOLES)
        mac = src.hex(":")
        assert t2.encode((handle, mac, src), 1, 2) == t2.encode_slow((handle, mac, src), 1, 2)
    finally:
        nlcodec.use_backend(None)


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root (network namespace)")
def test_do_many_streams_rows_lazily():
    from nlcodec import netns
    n = 3000
    consumed = []

    def rows():
        for i in range(n):
            consumed.append(i)
            yield (f"10.{i >> 8 & 255}.{i & 255}.0",)
    with netns.temporary("nlctpl") as ns:
        with nlcodec.connect("route", netns=ns) as s:
            t = Template("route", "newroute",
                         header={"family": 2, "dst_len": 24, "table": 254, "protocol": 4,
                                 "scope": 253, "type": 1},
                         attrs={"dst": "10.0.0.0", "oif": 1}, flags=0x600, holes=["dst"])
            s.do("newlink", header={"family": 0, "index": 1, "flags": 1, "change": 1})
            seen = []
            orig = s.send

            def send(data):
                seen.append(len(consumed))
                orig(data)
            s.send = send
            res = s.do_many(t.rows(rows()), window=500)
            assert res.ok, res.errors[:3]
            assert res.count == n
            # read a window at a time, not all at once
            assert seen[0] == 500 and len(seen) == n // 500
            got = [m for m in s.dump("getroute", header={"family": 2})
                   if m.header["table"] == 254 and m.get("dst", "").startswith("10.")]
            assert len(got) == n
            # a duplicate row: the kernel's error, at that row's index
            res = s.do_many(t.rows([("10.200.0.0",), ("10.0.1.0",)]))
            assert [e.index for e in res.errors] == [1]


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root (tc -b in a network namespace)")
def test_bench_template_reports_tc_beside():
    from nlcodec import bench_template as bt
    from nlcodec.benchmark import _Progress, targets
    res = bt.bench_template(("native",), _Progress(False), n=3000, repeat=1)
    got = {(r["bench"], r["backend"]) for r in res if "us_per_message" in r}
    assert {("template", "native"), ("dicts+window", "native"), ("template", "tc -b")} <= got
    assert any(t["target"].startswith("flower template") for t in targets(res))
