"""Capture decoding: pcap/pcapng of netlink traffic, checked against tshark.

This kernel has no nlmon, so the captures are made the way nlmon would see
the traffic: requests we send on raw netlink sockets in a private netns and
every reply skb the kernel gives back, each behind the 16-byte cooked header
(packet type 7 = PACKET_KERNEL for ours, 6 = PACKET_USER for the kernel's,
as the kernel's netlink tap marks them).  Expected values come from the raw
bytes parsed here by hand (nlmsghdr, rtattr layouts) and from tshark's
dissectors, never from our own decoder.

Regenerate the committed sample with ``python3 tests/test_capture.py --make-sample``.
"""

import json
import os
import shutil
import socket
import struct
import subprocess
import sys
import time

import pytest

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import nlcodec  # noqa: E402
from nlcodec import netns  # noqa: E402
from nlcodec.capture import CaptureDecoder  # noqa: E402
from nlcodec.errors import DecodeError  # noqa: E402
from nlcodec.pcap import read_records, write_pcap, write_pcapng  # noqa: E402
from tshark_view import TSHARK, ours, tshark_messages  # noqa: E402,F401

SAMPLE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data", "link_dump.pcap")
ROOT = os.geteuid() == 0
live = pytest.mark.skipif(not ROOT, reason="needs root for a network namespace")
needs_tshark = pytest.mark.skipif(TSHARK is None, reason="tshark is not installed")

PACKET_OUTGOING, PACKET_USER, PACKET_KERNEL = 4, 6, 7
ROUTE, GENERIC = 0, 16
RTM_GETLINK, GENL_ID_CTRL, CTRL_CMD_GETFAMILY = 18, 0x10, 3
NETDEV_CMD_DEV_GET = 1


# -- recording real traffic -----------------------------------------------------


def cooked(pkttype, proto, hatype=824):
    """The LINKTYPE_NETLINK header: pkttype, ARPHRD_NETLINK, halen, addr[8], protocol."""
    return struct.pack(">HHH8sH", pkttype, hatype, 0, b"", proto)


def nlmsg(ty, flags, seq, payload):
    return struct.pack("<IHHII", 16 + len(payload), ty, flags, seq, 0) + payload


def rtattr(ty, data):
    return struct.pack("<HH", 4 + len(data), ty) + data + b"\0" * (-len(data) & 3)


def split(data):
    """(len, type, flags, seq, pid, raw) of each message, by hand."""
    out, off = [], 0
    while off < len(data):
        ln, ty, fl, seq, pid = struct.unpack_from("<IHHII", data, off)
        out.append((ln, ty, fl, seq, pid, data[off:off + ln]))
        off += (ln + 3) & ~3
    return out


def attrs_by_hand(data, off, end):
    out = {}
    while off + 4 <= end:
        ln, ty = struct.unpack_from("<HH", data, off)
        if ln < 4:
            break
        out.setdefault(ty & 0x3FFF, data[off + 4:off + ln])
        off += (ln + 3) & ~3
    return out


def exchange(sock, req, proto, records):
    """Send one request and read every reply skb up to the end of the answer."""
    records.append((time.time_ns(), cooked(PACKET_KERNEL, proto) + req))
    sock.send(req)
    want_ack = struct.unpack_from("<H", req, 6)[0] & 0x4
    while True:
        data = sock.recv(1 << 16)
        records.append((time.time_ns(), cooked(PACKET_USER, proto) + data))
        for _, ty, fl, *_ in split(data):
            if ty in (2, 3) or not (fl & 2 or want_ack):
                return


def record_link_dump(ns):
    """rtnetlink getlink dump of ``ns``: the request and every reply skb.  The
    request is the one `ip link show` sends (strace shows it): ifinfomsg with
    AF_PACKET, IFLA_EXT_MASK = RTEXT_FILTER_VF."""
    recs = []
    with netns.enter(ns):
        s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, ROUTE)
    with s:
        s.bind((0, 0))
        req = nlmsg(RTM_GETLINK, 0x301, 1, struct.pack("<BxHiII", socket.AF_PACKET, 0, 0, 0, 0)
                    + rtattr(29, struct.pack("<I", 1)))
        exchange(s, req, ROUTE, recs)
    return recs


def make_netns_links(ns, n):
    for i in range(n):
        subprocess.run(["ip", "-n", ns, "link", "add", f"veth{i}", "type", "veth", "peer", "name",
                        f"peer{i}"], check=True, capture_output=True)


@pytest.fixture(scope="module")
def traffic():
    """Records of: a getlink dump, a getlink that fails (ACK, ENODEV), a CTRL
    getfamily of "netdev" (ACK), a netdev dev-get dump to the id it gave."""
    if not ROOT:
        pytest.skip("needs root for a network namespace")
    with netns.temporary("cap") as ns:
        make_netns_links(ns, 2)
        recs = record_link_dump(ns)
        with netns.enter(ns):
            r = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, ROUTE)
            g = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, GENERIC)
        with r, g:
            r.bind((0, 0))
            g.bind((0, 0))
            exchange(r, nlmsg(RTM_GETLINK, 0x5, 2, struct.pack("<BxHiII", 0, 0, 9999, 0, 0)),
                     ROUTE, recs)
            n = len(recs)
            exchange(g, nlmsg(GENL_ID_CTRL, 0x5, 3, struct.pack("<BBH", CTRL_CMD_GETFAMILY, 1, 0)
                              + rtattr(2, b"netdev\0")), GENERIC, recs)
            reply = recs[n + 1][1][16:]
            _, _, _, _, _, raw = split(reply)[0]
            netdev_id = struct.unpack("<H", attrs_by_hand(raw, 20, len(raw))[1])[0]
            exchange(g, nlmsg(netdev_id, 0x301, 4, struct.pack("<BBH", NETDEV_CMD_DEV_GET, 1, 0)),
                     GENERIC, recs)
        ifindex = {d["ifname"]: d["ifindex"] for d in json.loads(subprocess.run(
            ["ip", "-n", ns, "-j", "link", "show"], capture_output=True, text=True,
            check=True).stdout)}
    return {"records": recs, "netdev_id": netdev_id, "ifindex": ifindex, "ctrl_record": n + 1}


def expected(records):
    """(direction, protocol, len, type, flags, seq, pid, raw) of every message, by hand."""
    out = []
    for _, rec in records:
        pkttype, hatype, _, _, proto = struct.unpack_from(">HHH8sH", rec)
        assert hatype == 824
        for ln, ty, fl, seq, pid, raw in split(rec[16:]):
            out.append(("to-kernel" if pkttype == PACKET_KERNEL else "from-kernel", proto, ln, ty,
                        fl, seq, pid, raw))
    return out


# -- decoding the recorded traffic ----------------------------------------------


@pytest.mark.live
def test_messages_in_order_with_direction(traffic, tmp_path, codec):
    path = tmp_path / "t.pcap"
    write_pcap(path, traffic["records"])
    got = list(CaptureDecoder().decode_pcap(path, with_raw=True))
    want = expected(traffic["records"])
    assert len(got) == len(want) > 8
    for (m, raw), (direction, proto, ln, ty, fl, seq, pid, wraw) in zip(got, want):
        assert raw == wraw
        assert (m.direction, m.length, m.type_id, m.flags, m.seq, m.pid) == \
            (direction, ln, ty, fl, seq, pid)
        assert m.protocol == ("generic" if proto == GENERIC else "route")
    # without with_raw: the same messages
    assert [m.length for m in CaptureDecoder().decode_pcap(path)] == [w[2] for w in want]


@pytest.mark.live
def test_genl_ids_learned_from_ctrl_replies(traffic, tmp_path, codec):
    path = tmp_path / "t.pcap"
    write_pcap(path, traffic["records"])
    nid = traffic["netdev_id"]
    msgs = list(CaptureDecoder().decode_pcap(path))
    genl = [m for m in msgs if m.protocol == "generic"]
    ctrl = [m for m in genl if m.type_id == GENL_ID_CTRL and m.direction == "from-kernel"]
    assert len(ctrl) == 1
    assert (ctrl[0].family, ctrl[0].type) == ("nlctrl", "newfamily")
    assert ctrl[0].get("family_name") == "netdev" and ctrl[0].get("family_id") == nid
    netdev = [m for m in genl if m.type_id == nid]
    # the request and one entry per device (lo, 2 veth pairs), all named
    assert len(netdev) == 1 + len(traffic["ifindex"])
    assert {m.family for m in netdev} == {"netdev"}
    assert netdev[0].direction == "to-kernel"
    # an unknown family still decodes: genlmsghdr and the raw attributes
    for m in netdev[1:]:
        assert m.header["cmd"] == NETDEV_CMD_DEV_GET and m.direction == "from-kernel"
        assert m.attrs, "raw attributes kept"
    ifindexes = set()
    for m, raw in CaptureDecoder().decode_pcap(path, with_raw=True):
        if m.protocol == "generic" and m.type_id == nid and m.direction == "from-kernel":
            ifindexes.add(struct.unpack("<I", attrs_by_hand(raw, 20, len(raw))[1])[0])
    assert ifindexes == set(traffic["ifindex"].values())


@pytest.mark.live
def test_genl_ids_from_user_map_and_live_system(traffic, tmp_path):
    nid = traffic["netdev_id"]
    no_ctrl = [r for i, r in enumerate(traffic["records"]) if i != traffic["ctrl_record"]]
    path = tmp_path / "noctrl.pcap"
    write_pcap(path, no_ctrl)

    def families(dec, p=path):
        return {m.family for m in dec.decode_pcap(p) if m.type_id == nid and
                m.protocol == "generic"}

    assert families(CaptureDecoder()) == {str(nid)}
    assert families(CaptureDecoder(families={nid: "netdev"})) == {"netdev"}
    assert families(CaptureDecoder(live=True)) == {"netdev"}
    # the capture's own CTRL reply wins over the user's map
    full = tmp_path / "full.pcap"
    write_pcap(full, traffic["records"])
    assert families(CaptureDecoder(families={nid: "ovs_flow"}), full) == {"netdev"}


def _signature(path, dec=None):
    return [(raw, m.direction, m.family, m.type) for m, raw in
            (dec or CaptureDecoder()).decode_pcap(path, with_raw=True)]


@pytest.mark.live
def test_pcap_and_pcapng_variants_agree(traffic, tmp_path):
    recs = traffic["records"]
    base = tmp_path / "base.pcap"
    write_pcap(base, recs)
    want = _signature(base)
    variants = {"ns_big": tmp_path / "ns_big.pcap", "pcapng": tmp_path / "w.pcapng",
                "pcapng_be_us": tmp_path / "wbe.pcapng"}
    write_pcap(variants["ns_big"], recs, nanosecond=True, byteorder=">")
    write_pcapng(variants["pcapng"], recs)
    write_pcapng(variants["pcapng_be_us"], recs, byteorder=">", tsresol=6)
    if shutil.which("editcap"):                       # a pcapng written by Wireshark's tools
        variants["editcap"] = tmp_path / "editcap.pcapng"
        subprocess.run(["editcap", "-F", "pcapng", str(base), str(variants["editcap"])],
                       check=True, capture_output=True)
    for name, p in variants.items():
        assert _signature(p) == want, name
    # timestamps: exact in nanosecond files, to the microsecond otherwise
    for p in (variants["ns_big"], variants["pcapng"]):
        assert [r.ts_ns for r in read_records(p)] == [t for t, _ in recs]
    for p in (base, variants["pcapng_be_us"]) + ((variants["editcap"],) if "editcap" in variants
                                                 else ()):
        assert [r.ts_ns for r in read_records(p)] == [t // 1000 * 1000 for t, _ in recs]


@pytest.mark.live
def test_direction_without_packet_type(traffic, tmp_path):
    """libpcap on an nlmon device records PACKET_OUTGOING for every skb; the
    direction then comes from NLM_F_REQUEST."""
    recs = [(t, struct.pack(">H", PACKET_OUTGOING) + r[2:]) for t, r in traffic["records"]]
    path = tmp_path / "outgoing.pcap"
    write_pcap(path, recs)
    want = [(w[0], w[-1]) for w in expected(traffic["records"])]
    assert [(m.direction, raw) for m, raw in CaptureDecoder().decode_pcap(path, with_raw=True)] \
        == want


@pytest.mark.live
def test_linux_sll_any_capture(traffic, tmp_path):
    """`tcpdump -i any` (LINKTYPE_LINUX_SLL): netlink records are read, others skipped."""
    eth = cooked(0, 0x0800, hatype=1) + bytes(40)         # an IPv4 packet from eth0
    recs = [(0, eth)] + traffic["records"] + [(1, eth)]
    path = tmp_path / "any.pcap"
    write_pcap(path, recs, linktype=113)
    base = tmp_path / "base.pcap"
    write_pcap(base, traffic["records"])
    assert _signature(path) == _signature(base)


@pytest.mark.live
def test_pcapng_with_two_interfaces_from_mergecap(traffic, tmp_path):
    """mergecap writes one interface per input: Ethernet and netlink records
    interleaved by time; only the netlink ones are decoded, in order."""
    if not shutil.which("mergecap"):
        pytest.skip("mergecap is not installed")
    recs = traffic["records"]
    nl = tmp_path / "nl.pcap"
    write_pcap(nl, recs)
    eth = tmp_path / "eth.pcap"
    mid = (recs[0][0] + recs[-1][0]) // 2
    write_pcap(eth, [(recs[0][0] - 1000, bytes(60)), (mid, bytes(60))], linktype=1)
    merged = tmp_path / "merged.pcapng"
    subprocess.run(["mergecap", "-F", "pcapng", "-w", str(merged), str(eth), str(nl)],
                   check=True, capture_output=True)
    assert {r.linktype for r in read_records(merged)} == {1, 253}
    assert len(list(read_records(merged))) == len(recs) + 2
    assert _signature(merged) == _signature(nl)


def test_pcapng_simple_packet_block(tmp_path):
    """A simple packet block (no interface id or timestamp: interface 0)."""
    msg = nlmsg(RTM_GETLINK, 0x301, 5, bytes(16))
    pkt = cooked(PACKET_KERNEL, ROUTE) + msg

    def block(ty, body):
        body += b"\0" * (-len(body) & 3)
        return struct.pack("<II", ty, len(body) + 12) + body + struct.pack("<I", len(body) + 12)

    data = (block(0x0A0D0D0A, struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1))
            + block(1, struct.pack("<HHI", 253, 0, 0))
            + block(3, struct.pack("<I", len(pkt)) + pkt))
    p = tmp_path / "spb.pcapng"
    p.write_bytes(data)
    (m, raw), = CaptureDecoder().decode_pcap(p, with_raw=True)
    assert raw == msg and (m.seq, m.direction) == (5, "to-kernel")


def test_linux_sll2_and_short_records(tmp_path):
    """LINKTYPE_LINUX_SLL2 (tcpdump -i any, libpcap 1.10): a 20-byte header."""
    msg = nlmsg(RTM_GETLINK, 0x301, 6, bytes(16))
    sll2 = struct.pack(">HHIHBB8s", ROUTE, 0, 7, 824, PACKET_KERNEL, 0, b"")
    other = struct.pack(">HHIHBB8s", 0x0800, 0, 2, 1, 0, 6, b"") + bytes(20)
    p = tmp_path / "sll2.pcap"
    write_pcap(p, [other, sll2 + msg], linktype=276)
    (m, raw), = CaptureDecoder().decode_pcap(p, with_raw=True)
    assert raw == msg and m.direction == "to-kernel"
    write_pcap(p, [cooked(PACKET_KERNEL, ROUTE) + msg, b"\0" * 10])
    with pytest.raises(DecodeError, match="too short for the 16-byte") as e:
        _decode_all(p)
    assert e.value.path == "pcap record 2" and e.value.offset == 24 + 16 + 48 + 16


def test_request_from_a_zeroed_buffer(tmp_path):
    """iproute2 sends dump requests from a larger zeroed buffer (`ip addr show`:
    a 17-byte rtgenmsg request in 152 bytes): the kernel reads up to the zero
    nlmsg_len and ignores the rest, and so do we, recording it.  The 17-byte
    message re-encodes as 17 bytes.  A non-zero tail stays an error."""
    RTM_GETADDR = 22
    msg = nlmsg(RTM_GETADDR, 0x301, 9, bytes([socket.AF_INET]))
    assert len(msg) == 17
    p = tmp_path / "zeroed.pcap"
    write_pcap(p, [cooked(PACKET_KERNEL, ROUTE) + msg + bytes(152 - 17)])
    dec = CaptureDecoder()
    (m, raw), = dec.decode_pcap(p, with_raw=True)
    assert (m.type, m.header, m.length) == ("getaddr", {"family": socket.AF_INET}, 17)
    assert raw == msg and m.encode() == msg
    assert dec.ignored_tails == [(1, 152 - 20)]
    write_pcap(p, [cooked(PACKET_KERNEL, ROUTE) + msg + bytes(3) + b"\x01" + bytes(20)])
    with pytest.raises(DecodeError) as e:
        _decode_all(p)
    assert e.value.path.startswith("pcap record 1")


def ctrl_family_msg(cmd, fid, name, seq=0):
    """An nlctrl new/delfamily notification, by hand (genlmsghdr, CTRL_ATTR_*)."""
    body = (struct.pack("<BBH", cmd, 2, 0) + rtattr(1, struct.pack("<H", fid))
            + rtattr(2, name.encode() + b"\0"))
    return struct.pack("<IHHII", 16 + len(body), GENL_ID_CTRL, 0, seq, 0) + body


def test_ctrl_delfamily_forgets_the_id(tmp_path):
    req = nlmsg(0x30, 0x301, 1, struct.pack("<BBH", 1, 1, 0))
    recs = [cooked(PACKET_KERNEL, GENERIC) + req,
            cooked(PACKET_USER, GENERIC) + ctrl_family_msg(1, 0x30, "psample"),
            cooked(PACKET_KERNEL, GENERIC) + req,
            cooked(PACKET_USER, GENERIC) + ctrl_family_msg(2, 0x30, "psample"),
            cooked(PACKET_KERNEL, GENERIC) + req]
    p = tmp_path / "del.pcap"
    write_pcap(p, recs)
    fams = [m.family for m in CaptureDecoder().decode_pcap(p) if m.type_id == 0x30]
    assert fams == ["48", "psample", "48"]
    fams = [m.family for m in CaptureDecoder(families={0x30: "ovs_flow"}).decode_pcap(p)
            if m.type_id == 0x30]
    assert fams == ["ovs_flow", "psample", "ovs_flow"]


# -- against tshark --------------------------------------------------------------


@needs_tshark
def test_sample_against_tshark():
    want = tshark_messages(SAMPLE)
    assert len(want) > 3
    assert ours(SAMPLE) == want


@needs_tshark
@pytest.mark.live
@pytest.mark.parametrize("kind", ["pcap", "pcap_ns_big", "pcapng", "pcapng_big"])
def test_traffic_against_tshark(traffic, tmp_path, kind):
    """tshark reads our writer's files (each byte order) as we do."""
    path = tmp_path / f"t.{kind}"
    big = {"byteorder": ">"} if kind.endswith("big") else {}
    if kind.startswith("pcapng"):
        write_pcapng(path, traffic["records"], **big)
    else:
        write_pcap(path, traffic["records"], nanosecond="ns" in kind, **big)
    want = tshark_messages(path)
    assert len(want) == len(expected(traffic["records"]))
    assert any(w[5] == -19 for w in want)                # the failed getlink: ENODEV
    assert any(w[6] == "netdev" for w in want)
    assert ours(path) == want


@needs_tshark
def test_record_framing_against_tshark():
    r = subprocess.run([TSHARK, "-r", SAMPLE, "-T", "fields", "-e", "frame.len",
                        "-e", "frame.cap_len", "-e", "frame.time_epoch"],
                       capture_output=True, text=True, check=True)
    rows = [line.split("\t") for line in r.stdout.splitlines()]
    recs = list(read_records(SAMPLE))
    assert [(int(a), int(b)) for a, b, _ in rows] == [(r.orig_len, len(r.data)) for r in recs]
    assert [round(float(t) * 1e6) for _, _, t in rows] == [r.ts_ns // 1000 for r in recs]


# -- the committed sample ---------------------------------------------------------


def test_sample_link_dump(codec):
    recs = list(read_records(SAMPLE))
    assert recs and {r.linktype for r in recs} == {253}
    msgs = list(CaptureDecoder().decode_pcap(SAMPLE, with_raw=True))
    first, _ = msgs[0]
    assert (first.direction, first.type_id, first.flags) == ("to-kernel", RTM_GETLINK, 0x301)
    last, _ = msgs[-1]
    assert (last.direction, last.type, last.error) == ("from-kernel", "done", 0)
    names = set()
    for m, raw in msgs[1:-1]:
        assert (m.direction, m.type_id, m.seq) == ("from-kernel", 16, first.seq)
        ifname = attrs_by_hand(raw, 32, len(raw))[3].rstrip(b"\0").decode()   # IFLA_IFNAME
        names.add(ifname)
        if m.type == "newlink":                      # with the rt_link spec
            assert m.get("ifname") == ifname
    assert names == {"lo", "veth0", "peer0", "veth1", "peer1"}


# -- corrupted files -----------------------------------------------------------------


def _sample_bytes():
    with open(SAMPLE, "rb") as f:
        return f.read()


def _record_offsets(data):
    """File offsets of each pcap record header (little-endian file), by hand."""
    offs, off = [], 24
    while off < len(data):
        offs.append(off)
        off += 16 + struct.unpack_from("<I", data, off + 8)[0]
    return offs


def _decode_all(path):
    return list(CaptureDecoder().decode_pcap(path))


def test_bad_magic(tmp_path):
    p = tmp_path / "bad.pcap"
    p.write_bytes(b"\xde\xad\xbe\xef" + _sample_bytes()[4:])
    with pytest.raises(DecodeError, match="bad magic") as e:
        _decode_all(p)
    assert e.value.offset == 0 and "file header" in e.value.path


def test_truncated_record(tmp_path):
    data = _sample_bytes()
    offs = _record_offsets(data)
    assert len(offs) >= 3
    p = tmp_path / "cut.pcap"
    p.write_bytes(data[:offs[2] + 16 + 10])          # 10 bytes into record 3's data
    with pytest.raises(DecodeError, match="truncated") as e:
        _decode_all(p)
    assert e.value.path == "pcap record 3" and e.value.offset == offs[2] + 16
    assert "record 3" in str(e.value) and f"{offs[2] + 16:#x}" in str(e.value)
    p.write_bytes(data[:offs[1] + 7])                # inside record 2's header
    with pytest.raises(DecodeError, match="record header truncated") as e:
        _decode_all(p)
    assert e.value.path == "pcap record 2" and e.value.offset == offs[1]


def test_huge_caplen(tmp_path):
    data = bytearray(_sample_bytes())
    offs = _record_offsets(bytes(data))
    struct.pack_into("<I", data, offs[1] + 8, 0xFFFFFFF0)
    p = tmp_path / "huge.pcap"
    p.write_bytes(bytes(data))
    with pytest.raises(DecodeError, match="caplen 4294967280") as e:
        _decode_all(p)
    assert e.value.path == "pcap record 2" and e.value.offset == offs[1] + 8


def test_bad_netlink_inside_a_record(tmp_path):
    data = bytearray(_sample_bytes())
    offs = _record_offsets(bytes(data))
    msg = offs[1] + 16 + 16                          # record 2's first netlink message
    struct.pack_into("<I", data, msg, 0x7FFF)        # nlmsg_len far past the record
    p = tmp_path / "badmsg.pcap"
    p.write_bytes(bytes(data))
    with pytest.raises(DecodeError, match="record 2") as e:
        _decode_all(p)
    assert e.value.offset == msg


def test_pcapng_corruption(tmp_path):
    recs = [(0, cooked(PACKET_KERNEL, 0) + nlmsg(RTM_GETLINK, 0x301, 1, bytes(16)))] * 3
    good = tmp_path / "good.pcapng"
    write_pcapng(good, recs)
    data = good.read_bytes()
    assert len(_decode_all(good)) == 3
    # blocks: SHB, IDB, then EPBs; find the second EPB by walking the lengths
    off, blocks = 0, []
    while off < len(data):
        blocks.append(off)
        off += struct.unpack_from("<I", data, off + 4)[0]
    epb2 = blocks[3]
    bad = bytearray(data)
    struct.pack_into("<I", bad, epb2 + 4, 0x7FFFFFF1)         # not a multiple of 4
    p = tmp_path / "bad.pcapng"
    p.write_bytes(bytes(bad))
    with pytest.raises(DecodeError, match="bad length") as e:
        _decode_all(p)
    assert e.value.path == "pcap record 2" and e.value.offset == epb2 + 4
    bad = bytearray(data)
    struct.pack_into("<I", bad, epb2 + 8 + 12, 0xFFFFFFF0)    # the EPB's caplen
    p.write_bytes(bytes(bad))
    with pytest.raises(DecodeError, match="caplen") as e:
        _decode_all(p)
    assert e.value.path == "pcap record 2" and e.value.offset == epb2 + 8 + 12
    p.write_bytes(data[:epb2 + 30])
    with pytest.raises(DecodeError, match="block truncated") as e:
        _decode_all(p)
    assert e.value.path == "pcap record 2" and e.value.offset == epb2


def test_snaplen_cut_record(tmp_path):
    data = _sample_bytes()
    offs = _record_offsets(data)
    caplen = struct.unpack_from("<I", data, offs[1] + 8)[0]
    first_len = struct.unpack_from("<I", data, offs[1] + 32)[0]
    keep = 16 + ((first_len + 3) & ~3) + 20          # one whole message and a bit
    assert keep < caplen
    cut = bytearray(data[:offs[1]])
    cut += struct.pack("<IIII", *struct.unpack_from("<II", data, offs[1]), keep, caplen)
    cut += data[offs[1] + 16:offs[1] + 16 + keep]
    p = tmp_path / "snap.pcap"
    p.write_bytes(bytes(cut))
    got = []
    with pytest.raises(DecodeError, match="snap length") as e:
        for m in CaptureDecoder().decode_pcap(p):
            got.append(m)
    assert len(got) == 2                              # the request, then the whole message
    assert got[1].length == first_len and e.value.path == "pcap record 2"


def test_not_a_netlink_capture(tmp_path):
    p = tmp_path / "eth.pcap"
    write_pcap(p, [bytes(60)], linktype=1)
    with pytest.raises(DecodeError, match="no netlink records"):
        _decode_all(p)
    p.write_bytes(b"")
    with pytest.raises(DecodeError, match="not a pcap"):
        _decode_all(p)


def test_nlcodec_exports_capture_decoder():
    assert nlcodec.CaptureDecoder is CaptureDecoder


def _make_sample(path=SAMPLE):
    with netns.temporary("sample") as ns:
        make_netns_links(ns, 2)
        recs = record_link_dump(ns)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    write_pcap(path, recs)
    print(f"{path}: {len(recs)} records")


if __name__ == "__main__" and "--make-sample" in sys.argv:
    _make_sample()
