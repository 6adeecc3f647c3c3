"""Bulk insertion: N flower filters (default 100,000; NLCODEC_KT_BULK=N to
change) with nlcodec's do_many and with `tc -b` on the same guest, each into
its own fresh clsact.  Both rates are printed (and written to
build/kernel-test/bulk.json); the test asserts that every filter landed, not
which side wins (the goal, beating `tc -b`, is tracked by the numbers)."""

import json
import os
import socket
import time

import nlcodec
from ktutil import sh

N = int(os.environ.get("NLCODEC_KT_BULK", "100000"))
INGRESS = 0xFFFFFFF2
NLM_F_CREATE, NLM_F_EXCL = 0x400, 0x200
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _ip(i):
    return f"10.{i >> 16 & 255}.{i >> 8 & 255}.{i & 255}"


def _count(ns, dev):
    """filters on dev ingress, counted by an nlcodec dump (chain heads excluded)."""
    idx = json.loads(sh("ip", "-n", ns, "-j", "link", "show", dev))[0]["ifindex"]
    with nlcodec.connect("route", netns=ns, rcvbuf=1 << 22) as s:
        return sum(1 for m in s.dump("gettfilter", family="tc",
                                     header={"family": 0, "ifindex": idx, "parent": INGRESS})
                   if m.get("options") is not None)


def test_bulk_flower_do_many_vs_tc_batch(netns, tmp_path):
    ns = netns
    for dev in ("bk0", "bk1"):
        sh("ip", "-n", ns, "link", "add", dev, "type", "dummy")
        sh("tc", "-n", ns, "qdisc", "add", "dev", dev, "clsact")
    # tc -b: one "filter add" line per filter, same keys and action as below
    batch = tmp_path / "filters.tc"
    with open(batch, "w") as f:
        for i in range(N):
            f.write(f"filter add dev bk0 ingress protocol ip prio 1 handle {i + 1} flower "
                    f"skip_hw dst_ip {_ip(i)} action drop\n")
    t = time.perf_counter()
    sh("tc", "-n", ns, "-b", str(batch))
    tc_s = time.perf_counter() - t

    idx = json.loads(sh("ip", "-n", ns, "-j", "link", "show", "bk1"))[0]["ifindex"]
    proto = socket.htons(0x0800)

    def requests():
        for i in range(N):
            yield ("newtfilter",
                   {"family": 0, "ifindex": idx, "parent": INGRESS, "handle": i + 1,
                    "info": (1 << 16) | proto},
                   {"kind": "flower",
                    "options": {"flags": 1, "key_eth_type": 0x0800,
                                "key_ipv4_dst": _ip(i), "key_ipv4_dst_mask": "255.255.255.255",
                                "act": [{"kind": "gact", "options": {"parms": {
                                    "index": 0, "capab": 0, "action": 2, "refcnt": 0,
                                    "bindcnt": 0}}}]}},
                   NLM_F_CREATE | NLM_F_EXCL)
    # built before the clock starts, as tc's batch file is written before its run
    reqs = list(requests())
    with nlcodec.connect("route", netns=ns) as s:
        t = time.perf_counter()
        res = s.do_many(reqs)
        nl_s = time.perf_counter() - t
    assert res.ok, res
    rates = {"filters": N, "backend": nlcodec.backend(),
             "tc_batch_per_s": round(N / tc_s), "do_many_per_s": round(N / nl_s),
             "tc_batch_s": round(tc_s, 2), "do_many_s": round(nl_s, 2)}
    print("\nbulk flower insert:", rates)
    os.makedirs(os.path.join(ROOT, "build", "kernel-test"), exist_ok=True)
    with open(os.path.join(ROOT, "build", "kernel-test", "bulk.json"), "w") as f:
        json.dump(rates, f)
    assert _count(ns, "bk0") == _count(ns, "bk1") == N
    # spot check: the same filter, as tc shows it, on both devices
    for dev in ("bk0", "bk1"):
        (f,) = [x for x in json.loads(sh("tc", "-n", ns, "-j", "filter", "get", "dev", dev,
                                         "ingress", "protocol", "ip", "pref", "1", "handle",
                                         str(N), "flower")) if "options" in x]
        assert f["options"]["keys"]["dst_ip"] == _ip(N - 1)
        assert f["options"]["actions"][0]["control_action"]["type"] == "drop"
