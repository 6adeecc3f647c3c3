"""Regenerates tests/data/psample_samples.bin: real PSAMPLE_CMD_SAMPLE messages,
as the kernel sent them, read with a plain AF_NETLINK socket (no nlcodec on
the receive path).  Run inside the kernel tier's guest (psample, act_sample):

    scripts/kernel-lab python3 tests/data/make_psample_samples.py

Frames are built by the kernel's own stacks: an ARP request, a UDP datagram
and an ICMP echo (ping) between veth peers kl0 (10.9.0.1) and kl1 (10.9.0.2);
kl1's ingress samples everything (group 5) and, truncated to 64 bytes, UDP
(group 6).  The file holds the raw netlink messages one after another; the
family id of psample is in tests/data/psample_samples.json."""

import json
import os
import socket
import subprocess
import sys
import time


from nlcodec import netns
from nlcodec.socket import resolve_family

HERE = os.path.dirname(os.path.abspath(__file__))


def sh(*a):
    subprocess.run(a, check=True)


def main():
    subprocess.run(["modprobe", "psample"], check=False)
    fam = resolve_family("psample")
    with netns.temporary("ps") as ns, netns.temporary("pt") as peer:
        sh("ip", "-n", ns, "link", "add", "kl0", "type", "veth", "peer", "name", "kl1")
        sh("ip", "-n", ns, "link", "set", "kl0", "netns", peer)
        sh("ip", "-n", peer, "addr", "add", "10.9.0.1/24", "dev", "kl0")
        sh("ip", "-n", peer, "link", "set", "kl0", "up")
        for c in (["ip", "addr", "add", "10.9.0.2/24", "dev", "kl1"],
                  ["ip", "link", "set", "kl1", "up"],
                  ["tc", "qdisc", "add", "dev", "kl1", "clsact"],
                  ["tc", "filter", "add", "dev", "kl1", "ingress", "pref", "1", "protocol", "ip",
                   "flower", "ip_proto", "udp", "action", "sample", "rate", "1", "group", "6",
                   "trunc", "64", "continue"],
                  ["tc", "filter", "add", "dev", "kl1", "ingress", "pref", "2", "matchall",
                   "action", "sample", "rate", "1", "group", "5"]):
            sh("ip", "netns", "exec", ns, *c)
        with netns.enter(ns):
            rx = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 16)
            rx.bind((0, 0))
            rx.setsockopt(270, 1, fam.groups["packets"])     # SOL_NETLINK, ADD_MEMBERSHIP
            rx.settimeout(3)
        with netns.enter(peer):
            # an ICMP echo request (the kernel writes the IP header) and a UDP datagram
            ping = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
            tx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        with ping, tx:
            echo = bytes([8, 0, 0, 0, 0x12, 0x34, 0, 1]) + b"nlcodec-ping" * 4
            csum = sum(int.from_bytes(echo[i:i + 2], "big") for i in range(0, len(echo), 2))
            while csum >> 16:
                csum = (csum & 0xFFFF) + (csum >> 16)
            echo = echo[:2] + (~csum & 0xFFFF).to_bytes(2, "big") + echo[4:]
            ping.sendto(echo, ("10.9.0.2", 0))
            time.sleep(0.3)
            tx.sendto(b"nlcodec psample test " * 4, ("10.9.0.2", 9999))
            time.sleep(0.5)
        with netns.enter(ns):
            msgs = []
            try:
                while True:
                    msgs.append(rx.recv(65536))
            except socket.timeout:
                pass
    with open(os.path.join(HERE, "psample_samples.bin"), "wb") as f:
        f.write(b"".join(msgs))
    with open(os.path.join(HERE, "psample_samples.json"), "w") as f:
        json.dump({"psample_family_id": fam.id, "messages": len(msgs),
                   "made_by": "tests/data/make_psample_samples.py in the kernel tier guest",
                   "kernel": os.uname().release}, f, indent=1)
    print(len(msgs), "messages", file=sys.stderr)


if __name__ == "__main__":
    main()
