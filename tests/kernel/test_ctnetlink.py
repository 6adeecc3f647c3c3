"""ctnetlink in the guest, against conntrack-tools: entries made by real
traffic (ping and a TCP connection over a veth pair between two namespaces,
with accounting and timestamps on) equal `conntrack -L -o extended,id,labels`
field by field; labels and marks written through nlcodec are what
`conntrack` reads back; an nlmon capture of all of it (conntrack's own
requests, the kernel's dumps and events, nlcodec's requests) decodes and
re-encodes byte for byte.

Labels need the netns to use them (nf_connlabels_get: a tc `ct` action with
a label does it, act_ct.c tcf_ct_fill_params) and conntrack's label map
(/etc/xtables/connlabel.conf, written here: the guest's / is a throw-away
overlay).  The unit tier (tests/test_conntrack.py) covers `conntrack -I`
entries, filters and events on the host's kernel.
"""

import os
import socket
import struct
import subprocess
import threading
import time

import pytest

import conntrack_tool as ct
import nlcodec
from ktutil import nlmon_capture, sh
from nlcodec import netns as _netns

LABELS = {0: "zero", 1: "one", 5: "five", 127: "last"}
ALL = {"nfgen_family": 0, "version": 0, "res_id": 0}


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """Namespaces A (client) and B (server) joined by a veth pair; B tracks
    connections and is captured on nlmon.  Yields (B, pcap path, stop)."""
    os.makedirs("/etc/xtables", exist_ok=True)
    with open("/etc/xtables/connlabel.conf", "w") as f:
        f.writelines(f"{b} {n}\n" for b, n in LABELS.items())
    sh("modprobe", "nf_conntrack_netlink")
    path = str(tmp_path_factory.mktemp("ct") / "ct.pcap")
    with _netns.temporary("kca") as a, _netns.temporary("kcb") as b:
        sh("ip", "link", "add", "ca", "netns", a, "type", "veth", "peer", "name", "cb",
           "netns", b)
        sh("ip", "-n", a, "addr", "add", "10.9.0.1/24", "dev", "ca")
        sh("ip", "-n", b, "addr", "add", "10.9.0.2/24", "dev", "cb")
        sh("ip", "-n", a, "link", "set", "ca", "up")
        sh("ip", "-n", b, "link", "set", "cb", "up")
        for k in ("acct", "timestamp"):
            sh("sysctl", "-q", f"net.netfilter.nf_conntrack_{k}=1", ns=b)
        # conntrack in B sees packets only if something there hooks it in:
        # tc's ct action on cb's ingress (which also enables labels)
        sh("tc", "-n", b, "qdisc", "add", "dev", "cb", "clsact")
        # (IPv4 only: ARP passes untouched); act_ct also offloads the
        # entries to its flow table, which `conntrack` shows as [OFFLOAD]
        for where in ("ingress", "egress"):
            sh("tc", "-n", b, "filter", "add", "dev", "cb", where, "protocol", "ip", "matchall",
               "action", "ct", "commit", *(("label", "1/1") if where == "ingress" else ()))
        with nlmon_capture(path, b, settle=1) as tcpdump:
            _ping(a)
            _udp(a, b)
            _tcp(a, b)
            yield a, b, path, tcpdump


def _ping(a, ident=0x4242, count=3):
    """ICMP echo requests from A (no ping binary here); B's kernel answers."""
    with _netns.enter(a):
        sk = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
    with sk:
        sk.settimeout(3)
        for seq in range(count):
            body = struct.pack("!BBHHH", 8, 0, 0, ident, seq) + b"nlcodec!"
            csum = sum(struct.unpack(f"!{len(body) // 2}H", body))
            csum = (csum >> 16) + (csum & 0xFFFF)
            csum = ~(csum + (csum >> 16)) & 0xFFFF
            sk.sendto(body[:2] + struct.pack("!H", csum) + body[4:], ("10.9.0.2", 0))
            sk.recv(1500)


def _udp(a, b):
    with _netns.enter(b):
        srv = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    with _netns.enter(a):
        cli = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    with srv, cli:
        srv.bind(("10.9.0.2", 5353))
        cli.settimeout(3)
        cli.sendto(b"q" * 40, ("10.9.0.2", 5353))
        data, peer = srv.recvfrom(100)
        srv.sendto(b"r" * 60, peer)
        cli.recv(100)


def _tcp(a, b):
    with _netns.enter(b):
        srv = socket.socket()
    srv.bind(("10.9.0.2", 8080))
    srv.listen()
    got = []

    def serve():
        c, _ = srv.accept()
        got.append(c.recv(100))
        c.sendall(b"y" * 300)
        got.append(c)

    t = threading.Thread(target=serve)
    t.start()
    with _netns.enter(a):
        cli = socket.socket()
    cli.connect(("10.9.0.2", 8080))
    cli.sendall(b"x" * 100)
    cli.recv(300)
    t.join(10)
    time.sleep(0.3)
    # both kept open: the entry stays ESTABLISHED
    _tcp.keep = (srv, cli, got)


def _dump(ns):
    with nlcodec.connect("netfilter", netns=ns) as s:
        return {m["id"]: m for m in s.dump("ct_get", header=ALL)}


def test_traffic_entries_equal_conntrack_list(world):
    _, b, _, _ = world
    t0 = time.time()
    ours = _dump(b)
    theirs = _entries(b)
    # timeouts tick between the two dumps (seconds apart in a slow guest)
    slack = int(time.time() - t0) + 2
    assert set(ours) == set(theirs) and len(ours) >= 2
    kinds = {(e["l4name"], e.get("state")) for e in theirs.values()}
    assert {"icmp", "udp", "tcp"} <= {k for k, _ in kinds}, kinds
    assert any("OFFLOAD" in e["flags"] for e in theirs.values())
    n = sum(ct.compare(ours[i], theirs[i], labelmap=LABELS, timeout_slack=slack)
            for i in theirs)
    # real traffic: counters and replies seen
    tcp = [m for m in ours.values() if m["tuple_orig"]["tuple_proto"]["proto_num"] == 6][0]
    assert tcp["counters_orig"]["packets"] > 0 and tcp["counters_reply"]["bytes"] > 300
    print(f"fields compared with conntrack -L after traffic: {n}")
    assert n >= 50


def _entries(ns):
    out = ct.run(ns, "-L", "-o", "extended,id,labels").stdout
    return {int(e["id"]): e for e in map(ct.parse_line, out.splitlines())}


def test_labels_and_mark_set_through_nlcodec(world):
    _, b, _, _ = world
    ours = _dump(b)
    tcp = [m for m in ours.values() if m["tuple_orig"]["tuple_proto"]["proto_num"] == 6][0]
    bits = (1 << 0) | (1 << 5) | (1 << 127)
    with nlcodec.connect("netfilter", netns=b) as s:
        s.do("ct_new", header={"nfgen_family": socket.AF_INET},
             attrs={"tuple_orig": nlcodec.request_form(tcp["tuple_orig"]),
                    "labels": bits.to_bytes(16, "little").hex(),
                    "labels_mask": ((1 << 128) - 1).to_bytes(16, "little").hex(),
                    "mark": 0x1234})
    t0 = time.time()
    e = _entries(b)[tcp["id"]]
    assert sorted(e["labels"].split(",")) == ["five", "last", "zero"]
    assert int(e["mark"]) == 0x1234
    assert ct.compare(_dump(b)[tcp["id"]], e, labelmap=LABELS,
                      timeout_slack=int(time.time() - t0) + 2) > 15


def test_capture_decodes_and_reencodes(world):
    a, b, path, tcpdump = world
    ct.run(b, "-L")
    ct.run(b, "-S")
    ct.run(b, "-C")
    ev = subprocess.Popen(["ip", "netns", "exec", b, "conntrack", "-E"],
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(2)           # it has joined its groups (the guest is slow)
    _ping(a, ident=0x4343, count=1)
    ct.run(b, "-D", "-p", "icmp")
    time.sleep(0.5)
    ev.terminate()
    ev.wait(10)
    time.sleep(0.5)
    tcpdump.terminate()
    tcpdump.wait(10)
    kinds = {}
    for m, raw in nlcodec.CaptureDecoder().decode_pcap(path, with_raw=True):
        assert m.encode() == bytes(raw), (m.family, m.type, bytes(raw).hex())
        if m.protocol == "netfilter":
            kinds[(m.direction, m.type)] = kinds.get((m.direction, m.type), 0) + 1
    for k in (("to-kernel", "ct_get"), ("from-kernel", "ct_new"), ("to-kernel", "ct_delete"),
              ("from-kernel", "ct_delete"), ("from-kernel", "ct_get_stats_cpu"),
              ("from-kernel", "ct_get_stats"), ("from-kernel", "done")):
        assert kinds.get(k), (k, kinds)
    print(f"netfilter messages re-encoded byte for byte: {sum(kinds.values())}")
