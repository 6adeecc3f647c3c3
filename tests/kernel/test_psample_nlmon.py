"""psample through a matchall `sample` action, and nlmon: the tier's own
netlink traffic captured with tcpdump and decoded by CaptureDecoder."""

import json
import socket
import struct
import subprocess
import time

import nlcodec
from ktutil import NLCODEC, nlmon_capture, sh

INGRESS = 0xFFFFFFF2


def veth_sampled(ns, *sample_args):
    """veth kl0 -> kl1 in ``ns``; kl1's ingress: matchall, action sample rate 1 ..."""
    sh("ip", "-n", ns, "link", "add", "kl0", "type", "veth", "peer", "name", "kl1")
    sh("ip", "-n", ns, "link", "set", "kl0", "up")
    sh("ip", "-n", ns, "link", "set", "kl1", "up")
    sh("tc", "-n", ns, "qdisc", "add", "dev", "kl1", "clsact")
    sh("tc", "-n", ns, "filter", "add", "dev", "kl1", "ingress", "matchall", "action",
       "sample", "rate", "1", *sample_args)


def test_psample_matchall_sample(netns, enter):
    """kl0 -> kl1 (veth); kl1 ingress: matchall action sample rate 1 group 5.
    nlcodec subscribes to psample "packets" and gets every frame with the
    right group, rate, in-interface and bytes."""
    ns = netns
    veth_sampled(ns, "group", "5")
    iif = json.loads(sh("ip", "-n", ns, "-j", "link", "show", "kl1"))[0]["ifindex"]
    frames = [b"\xff" * 6 + b"\x02\x00\x00\x00\x00\x01" + b"\x08\x00" + bytes([0x45]) +
              bytes([i]) * 45 for i in range(3)]
    with nlcodec.connect("psample", netns=ns, groups=("packets",)) as s:
        with enter(ns):
            tx = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
        with tx:
            tx.bind(("kl0", 0))
            for f in frames:
                tx.send(f)
        got = []
        for m in s.events(timeout=5):
            got.append(m)
            if len(got) == len(frames):
                break
    assert len(got) == 3
    for m, f in zip(got, frames):
        assert m.family == "psample" and m.type == "sample"
        assert m["sample_group"] == 5 and m["sample_rate"] == 1 and m["iifindex"] == iif
        data = m["data"]
        data = bytes.fromhex(data) if isinstance(data, str) else bytes(data)
        assert data == f and m["origsize"] == len(f)


def test_nlmon_capture_decodes_byte_exact(tmp_path):
    """tcpdump on an nlmon device while nlcodec and iproute2 talk to the kernel;
    every captured message decodes, and decode -> encode gives the same bytes."""
    pcap = tmp_path / "nl.pcap"
    with nlmon_capture(pcap, settle=0):
        sh("ip", "link", "add", "kt-d9", "type", "dummy")
        sh("ip", "addr", "add", "192.0.2.9/24", "dev", "kt-d9")
        sh("tc", "qdisc", "add", "dev", "kt-d9", "clsact")
        sh("tc", "filter", "add", "dev", "kt-d9", "ingress", "protocol", "ip", "flower",
           "dst_ip", "192.0.2.1", "action", "drop")
        with nlcodec.connect("route") as s:
            links = list(s.dump("getlink", header={"family": 0}))
        with nlcodec.connect("ovs_datapath") as s:
            list(s.dump("get", header={"dp_ifindex": 0}))
        sh("ip", "link", "del", "kt-d9")
        time.sleep(1)
    assert links
    dec = nlcodec.CaptureDecoder(live=True)
    records = list(dec.decode_pcap(str(pcap), with_raw=True))
    assert len(records) > 20, len(records)
    kinds = set()
    for m, raw in records:
        assert m.encode() == bytes(raw), (m.to_dict(), bytes(raw).hex())
        kinds.add((m.family, m.type))
    assert ("route", "newlink") in kinds
    assert ("route", "newtfilter") in kinds and ("route", "newqdisc") in kinds, kinds
    assert any(f == "ovs_datapath" for f, _ in kinds), kinds



def test_psample_command_prints_packet_summaries(netns, enter):
    """`nlcodec psample` (the installed command) on real samples: kl1's ingress
    samples UDP frames packed by hand (RFC 791/768 headers); each sample line
    is followed by the frame's summary with the addresses and ports sent."""
    ns = netns
    veth_sampled(ns, "group", "7", "trunc", "60")

    def frame(i):
        udp = struct.pack(">HHHH", 1000 + i, 2000, 8 + 40, 0) + bytes(40)
        ip = struct.pack(">BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), i, 0x4000, 64, 17, 0,
                         socket.inet_aton("10.0.0.1"), socket.inet_aton("10.0.0.2"))
        return b"\x02\x00\x00\x00\x00\x02" + b"\x02\x00\x00\x00\x00\x01" + b"\x08\x00" + ip + udp

    proc = subprocess.Popen(NLCODEC + ["psample", "--netns", ns,
                             "--group", "7", "--count", "6"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        with enter(ns):
            tx = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
        with tx:
            tx.bind(("kl0", 0))
            # one frame a second until the command (slow to start under TCG) has printed 6
            # samples (the kernel's own IPv6 router solicitations on kl0 are sampled too)
            for i in range(120):
                tx.send(frame(i))
                if proc.poll() is not None:
                    break
                time.sleep(1)
        out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err
    lines = out.splitlines()
    assert len(lines) == 12, out
    ours = [(h, x) for h, x in zip(lines[::2], lines[1::2]) if " udp " in x]
    assert len(ours) >= 3, out
    for head, summary in ours:
        assert head.startswith("group 7 seq ") and "size 82 (sampled 60)" in head, head
        i = int(summary.split(" id ")[1].split()[0])
        assert summary == (f"  02:00:00:00:00:01 > 02:00:00:00:00:02 ip / 10.0.0.1 > 10.0.0.2 "
                           f"ttl 64 id {i} [DF] len 68 udp / udp {1000 + i} > 2000 len 48 / "
                           f"18 bytes payload"), summary
