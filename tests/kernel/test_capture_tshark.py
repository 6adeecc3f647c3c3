"""An nlmon capture of real `ip`, `tc`, `ovs-dpctl` and psample traffic made in
the guest, decoded by nlcodec's CaptureDecoder and by Wireshark's dissectors
(tshark): the same messages, and the same value for every field tshark
decodes (rtnetlink link/addr/route/neigh, generic netlink and nlctrl, psample).
Every message re-encodes byte for byte."""

import calendar
import collections
import socket
import time

import pytest

import nlcodec
from ktutil import nlmon_capture, sh
from tshark_view import TSHARK, frames, ours, tshark_messages

RT = "netlink-route."
# tshark field -> our attribute name, per rtnetlink message group
LINK_ATTRS = {"ifname": "ifname", "mtu": "mtu", "txqlen": "txqlen", "operstate": "operstate",
              "promiscuity": "promiscuity", "group": "group", "carrier": "carrier",
              "carrier_changes": "carrier_changes", "carrier_up_count": "carrier_up_count",
              "carrier_down_count": "carrier_down_count", "min_mtu": "min_mtu",
              "max_mtu": "max_mtu", "qdisc": "qdisc", "hwaddr": "address",
              "broadcast": "broadcast", "txqnum": "num_tx_queues", "rxqnum": "num_rx_queues",
              "gso_maxsize": "gso_max_size", "gso_maxsegs": "gso_max_segs"}
# struct rtnl_link_stats(64) members in tshark's names (it labels every
# *_errors member rx_errors.*, tx ones included)
LINK_STATS = [("rxpackets", "rx_packets"), ("txpackets", "tx_packets"),
              ("rxbytes", "rx_bytes"), ("txbytes", "tx_bytes"), ("rxerrors", "rx_errors"),
              ("txerrors", "tx_errors"), ("rxdropped", "rx_dropped"),
              ("txdropped", "tx_dropped"), ("multicast", "multicast"),
              ("collisions", "collisions"), ("rx_errors.length_errs", "rx_length_errors"),
              ("rx_errors.over_errs", "rx_over_errors"), ("rx_errors.crc_errs", "rx_crc_errors"),
              ("rx_errors.frame_errs", "rx_frame_errors"),
              ("rx_errors.fifo_errs", "rx_fifo_errors"),
              ("rx_errors.miss_errs", "rx_missed_errors"),
              ("rx_errors.abort_errs", "tx_aborted_errors"),
              ("rx_errors.carrier_errs", "tx_carrier_errors"),
              ("rx_errors.fifo_errs", "tx_fifo_errors"),
              ("rx_errors.heartbeat_errs", "tx_heartbeat_errors"),
              ("rx_errors.window_errs", "tx_window_errors")]
HEADERS = {  # rtnetlink type range -> (tshark prefix, [(tshark member, our member)], size)
    range(16, 20): ("ifi_", [("family", "family"), ("type", "type"), ("index", "index"),
                             ("flags", "flags"), ("change", "change")], 16),
    range(20, 24): ("ifa_", [("family", "family"), ("prefixlen", "prefixlen"),
                             ("flags", "flags"), ("scope", "scope"), ("index", "index")], 8),
    range(24, 28): ("rt_", [("family", "family"), ("dst_len", "dst_len"),
                            ("src_len", "src_len"), ("tos", "tos"), ("table", "table"),
                            ("protocol", "protocol"), ("scope", "scope"), ("type", "type"),
                            ("flags", "flags")], 12),
    range(28, 31): ("nd_", [("family", "family"), ("index", "ifindex"), ("state", "state"),
                            ("flags", "flags"), ("type", "type")], 12),
}
PSAMPLE = {"iifindex": "iifindex", "sample_rate": "sample_rate", "origsize": "origsize",
           "sample_group": "sample_group", "group_seq_num": "group_seq", "proto": "proto",
           "timestamp": "timestamp"}
CTRL = {"family_name": "family_name", "family_id": "family_id", "version": "version",
        "hdrsize": "hdrsize", "maxattr": "maxattr"}


def our_fields(m):
    """The (tshark field, value) pairs tshark would show for message ``m``,
    from nlcodec's decoding of it."""
    out = []
    h, a = m.header, m.attrs
    if m.protocol == "route":
        for types, (pre, members, size) in HEADERS.items():
            if m.type_id in types:
                if m.length - 16 < size:    # read as struct rtgenmsg, by the kernel too
                    members = members[:1]
                out += [(RT + pre + t, h[o]) for t, o in members if o in h]
        if m.type_id in range(16, 20):
            out += [(RT + "ifla_" + t, a[o]) for t, o in LINK_ATTRS.items() if o in a]
            for st in ("stats", "stats64"):
                if st in a:
                    out += [(RT + "ifla_linkstats." + t, a[st][o]) for t, o in LINK_STATS]
        elif m.type_id in range(20, 24):
            for o in ("address", "local"):
                if o in a:
                    out.append((RT + "ifa_address.ipv" + ("6" if ":" in a[o] else "4"), a[o]))
            if "label" in a:
                out.append((RT + "ifa_label", a["label"]))
            if "flags" in a:
                out.append((RT + "ifa_flags32", a["flags"]))
        elif m.type_id in range(24, 28):
            out += [(RT + "rta_" + o, a[o]) for o in ("iif", "oif") if o in a]
    elif m.protocol == "generic" and m.type_id >= 16:
        out += [("genl.family_id", m.type_id), ("genl.version", h["version"])]
        if m.family == "nlctrl":      # tshark names nlctrl's and psample's commands apart
            out += [("genl.ctrl.cmd", h["cmd"])]
            out += [("genl.ctrl." + t, a[o]) for t, o in CTRL.items() if o in a]
            for op in a.get("ops", []):
                out += [("genl.ctrl.op_id", op["id"]), ("genl.ctrl.op_flags", op["flags"])]
            for g in a.get("mcast_groups", []):
                out += [("genl.ctrl.group_name", g["name"]), ("genl.ctrl.group_id", g["id"])]
        elif m.family == "psample":
            out += [("psample.cmd", h["cmd"])]
            out += [("psample." + t, a[o]) for t, o in PSAMPLE.items() if o in a]
        else:
            out += [("genl.cmd", h["cmd"])]
    return out


def _value(field, v):
    """tshark's text of a value, made comparable: numbers (decimal or hex
    shown) as int, its UTC timestamps as nanoseconds."""
    if field == "psample.timestamp":
        stamp, frac = v.replace(" UTC", "").split(".")
        secs = calendar.timegm(time.strptime(stamp, "%b %d, %Y %H:%M:%S"))
        return secs * 10**9 + int(frac.ljust(9, "0"))
    try:
        return int(v, 0)
    except ValueError:
        return v


def _message_count(fields):
    """Netlink messages in a frame: its headers, less the request header an
    error message quotes (right after netlink.error) and the length-0 header
    tshark shows for a zeroed request tail."""
    n, prev = 0, None
    for f, v in fields:
        if f == "netlink.hdr_len" and int(v) >= 16 and prev != "netlink.error":
            n += 1
        prev = f
    return n


FIELDS = ({RT + pre + t for pre, ms, _ in HEADERS.values() for t, _ in ms}
          | {RT + "ifla_" + t for t in LINK_ATTRS} | {RT + "ifla_linkstats." + t
                                                      for t, _ in LINK_STATS}
          | {RT + "ifa_address.ipv4", RT + "ifa_address.ipv6", RT + "ifa_label",
             RT + "ifa_flags32", RT + "rta_iif", RT + "rta_oif", "genl.family_id", "genl.cmd",
             "genl.version", "genl.ctrl.cmd", "genl.ctrl.op_id",
             "genl.ctrl.op_flags", "genl.ctrl.group_name", "genl.ctrl.group_id"}
          | {"genl.ctrl." + t for t in CTRL} | {"psample.cmd"}
          | {"psample." + t for t in PSAMPLE})

OVS_KEY = ("in_port(1),eth(src=02:00:00:00:00:01,dst=02:00:00:00:00:02),eth_type(0x0800),"
           "ipv4(src=10.0.0.1,dst=10.0.0.2,proto=17,tos=0,ttl=64,frag=no),udp(src=1000,dst=53)")


@pytest.fixture(scope="module")
def capture(tmp_path_factory):
    """The traffic of one namespace, captured on an nlmon device inside it."""
    from nlcodec import netns
    path = str(tmp_path_factory.mktemp("cap") / "traffic.pcap")
    with netns.temporary("ktcap") as ns:
        with nlmon_capture(path, ns):
            ip = ("ip", "-n", ns)
            sh(*ip, "link", "add", "c0", "type", "veth", "peer", "name", "c1")
            sh(*ip, "link", "set", "c0", "up", "mtu", "1400")
            sh(*ip, "link", "set", "c1", "up")
            sh(*ip, "addr", "add", "192.0.2.1/24", "dev", "c0", "label", "c0:web")
            sh(*ip, "addr", "add", "2001:db8::1/64", "dev", "c0", "nodad")
            sh(*ip, "route", "add", "198.51.100.0/24", "via", "192.0.2.2")
            sh(*ip, "neigh", "add", "192.0.2.2", "lladdr", "02:00:00:00:00:02", "dev", "c0")
            for what in ("link", "addr", "route", "neigh"):
                sh(*ip, what, "show")
            tc = ("tc", "-n", ns)
            sh(*tc, "qdisc", "add", "dev", "c1", "clsact")
            sh(*tc, "filter", "add", "dev", "c1", "ingress", "protocol", "ip", "flower",
               "dst_ip", "192.0.2.9", "ip_proto", "udp", "dst_port", "53", "action", "drop")
            sh(*tc, "filter", "add", "dev", "c1", "ingress", "prio", "9", "matchall",
               "action", "sample", "rate", "1", "group", "7")
            sh(*tc, "filter", "show", "dev", "c1", "ingress")
            sh("ovs-dpctl", "add-dp", "cdp", ns=ns)
            sh("ovs-dpctl", "add-if", "cdp", "cp1,type=internal", ns=ns)
            sh("ovs-dpctl", "add-flow", "cdp", OVS_KEY, "1", ns=ns)
            sh("ovs-dpctl", "dump-flows", "cdp", ns=ns)
            with nlcodec.connect("psample", netns=ns, groups=("packets",)) as s:
                with netns.enter(ns):
                    tx = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
                with tx:
                    tx.bind(("c0", 0))
                    tx.send(b"\xff" * 6 + b"\x02\x00\x00\x00\x00\x01\x08\x00" + bytes(46))
                samples = list(s.events(timeout=2))
            assert samples, "no psample sample"
            sh("ovs-dpctl", "del-dp", "cdp", ns=ns)
            time.sleep(1)
    return path


def test_tshark_is_installed():
    assert TSHARK, "tshark is needed for the comparison (scripts/setup.sh installs it)"


def test_same_messages_as_tshark(capture):
    want = tshark_messages(capture)
    assert len(want) > 300
    assert ours(capture) == want


def test_same_field_values_as_tshark(capture):
    """For each frame, the multiset of (field, value) over every field tshark
    decodes that nlcodec also has equals ours."""
    msgs = list(nlcodec.CaptureDecoder().decode_pcap(capture))
    per_frame = frames(capture)
    counts = collections.Counter()
    i = 0
    for n, fields in enumerate(per_frame, 1):
        theirs = collections.Counter((f, _value(f, v)) for f, v in fields if f in FIELDS)
        k = _message_count(fields)
        mine = collections.Counter()
        for m in msgs[i:i + k]:
            mine.update(our_fields(m))
        i += k
        if theirs != mine:
            pytest.fail(f"frame {n}: tshark only {dict(theirs - mine)}, "
                        f"nlcodec only {dict(mine - theirs)}")
        counts.update(f for f, _ in theirs.elements())
    assert i == len(msgs)
    # the comparison covered every kind of traffic
    for f in (RT + "ifla_ifname", RT + "ifla_linkstats.rxbytes", RT + "ifa_address.ipv6",
              RT + "ifa_label", RT + "rt_table", RT + "rta_oif", RT + "nd_state",
              "genl.ctrl.op_id", "genl.ctrl.group_name", "psample.sample_group",
              "psample.timestamp"):
        assert counts[f] > 0, f


def test_capture_decodes_and_reencodes(capture):
    dec = nlcodec.CaptureDecoder()
    kinds = set()
    for m, raw in dec.decode_pcap(capture, with_raw=True):
        assert m.encode() == bytes(raw), (m.family, m.type, bytes(raw).hex())
        kinds.add((m.family, m.type))
    for k in [("route", "newlink"), ("route", "newaddr"), ("route", "newroute"),
              ("route", "newneigh"), ("route", "newqdisc"), ("route", "newtfilter"),
              ("nlctrl", "newfamily"), ("ovs_datapath", "new"), ("ovs_vport", "new"),
              ("ovs_flow", "new"), ("ovs_flow", "get"), ("psample", "sample")]:
        assert k in kinds, (k, sorted(kinds))
    assert dec.ignored_tails, "iproute2's zeroed dump requests were expected"
