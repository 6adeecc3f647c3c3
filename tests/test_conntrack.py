"""ctnetlink live, in private network namespaces, against conntrack-tools.

Expected values come from the `conntrack` tool (conntrack-tools, which
parses ctnetlink with libnetfilter_conntrack): entries are created with
`conntrack -I`, read with `conntrack -L -o extended,id`, and events with
`conntrack -E`; tests/conntrack_tool.py compares every field the tool prints
with what nlcodec decodes from its own dump of the same entries.  Labels need
conntrack's label map (/etc/xtables/connlabel.conf): they are proven in the
kernel tier (tests/kernel/test_conntrack.py), whose root file system is
throw-away.
"""

import os
import shutil
import socket
import struct
import subprocess
import time

import pytest

import nlcodec
from nlcodec import netns as _netns

import conntrack_tool as ct

NETLINK_NETFILTER = 12


def _have_ctnetlink():
    if shutil.which("conntrack") is None or os.geteuid() != 0:
        return False
    try:
        with _netns.temporary("ctp") as ns:
            return ct.run(ns, "-L", check=False).returncode == 0
    except (OSError, subprocess.CalledProcessError):
        return False


pytestmark = pytest.mark.skipif(not _have_ctnetlink(),
                                reason="needs root, conntrack-tools and ctnetlink")

# conntrack -I arguments of the entries every test starts with
ENTRIES = [
    ["-p", "tcp", "-s", "10.0.0.1", "-d", "10.0.0.2", "--sport", "1000", "--dport", "80",
     "--state", "ESTABLISHED", "-t", "600", "-m", "5", "--zone", "3"],
    ["-p", "udp", "-s", "10.0.0.1", "-d", "10.0.0.3", "--sport", "53", "--dport", "5353",
     "-t", "500", "-m", "0x10"],
    ["-p", "icmp", "-s", "10.0.0.1", "-d", "10.0.0.2", "--icmp-type", "8", "--icmp-code", "0",
     "--icmp-id", "77", "-t", "400"],
    ["-p", "tcp", "-s", "2001:db8::1", "-d", "2001:db8::2", "--sport", "5", "--dport", "6",
     "--state", "SYN_SENT", "-t", "300", "-u", "ASSURED,SEEN_REPLY", "-m", "7"],
    ["-p", "icmpv6", "-s", "2001:db8::1", "-d", "2001:db8::2", "--icmpv6-type", "128",
     "--icmpv6-code", "0", "--icmpv6-id", "9", "-t", "200"],
]

ALL = {"nfgen_family": 0, "version": 0, "res_id": 0}      # AF_UNSPEC: every family


@pytest.fixture
def ns():
    with _netns.temporary("ct") as name:
        for k in ("acct", "timestamp"):       # counters and start times in the dumps
            subprocess.run(["ip", "netns", "exec", name, "sysctl", "-q",
                            f"net.netfilter.nf_conntrack_{k}=1"], check=True)
        for args in ENTRIES:
            ct.run(name, "-I", *args)
        yield name


def _dump(ns, **kw):
    with nlcodec.connect("netfilter", netns=ns) as s:
        return {m["id"]: m for m in s.dump("ct_get", header=ALL, **kw)}


def test_dump_equals_conntrack_list(ns, codec):
    ours = _dump(ns)
    theirs = ct.entries(ns)
    assert set(ours) == set(theirs) and len(ours) == len(ENTRIES)
    n = sum(ct.compare(ours[i], theirs[i]) for i in theirs)
    print(f"fields compared with conntrack -L: {n}")
    assert n >= 100


def _raw(ns, type_name, flags):
    """The bytes the kernel answers a request with, up to its DONE or ACK."""
    req = nlcodec.encode("netfilter", type_name, header=ALL, flags=nlcodec.NLM_F_REQUEST | flags,
                         seq=7)
    with _netns.enter(ns):
        sk = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_NETFILTER)
    chunks = []
    with sk:
        sk.settimeout(10)
        sk.bind((0, 0))
        sk.send(req)
        while True:
            data = sk.recv(1 << 20)
            chunks.append(data)
            off = 0
            while off < len(data):
                ln, ty = struct.unpack_from("<IH", data, off)
                if ty in (2, 3):                # NLMSG_ERROR (the ACK), NLMSG_DONE
                    return req, b"".join(chunks)
                off += (ln + 3) & ~3


def test_kernel_bytes_decode_and_encode_again(ns, codec):
    """Every message the kernel sends (entries, per-CPU and global stats,
    NLMSG_DONE) decodes and encodes again byte for byte."""
    count = 0
    dump, ack = nlcodec.NLM_F_DUMP, nlcodec.NLM_F_ACK
    for what, flags in (("ct_get", dump), ("ct_get_stats_cpu", dump), ("ct_get_stats", ack),
                        ("exp_get", dump), ("exp_get_stats_cpu", dump)):
        # the kernel answers exp_get_stats_cpu with type 0x0103, in the
        # CTNETLINK subsystem (ctnetlink_exp_stat_fill_info()), which is
        # IPCTNL_MSG_CT_GET_CTRZERO's number; see specs/conntrack.py
        req, raw = _raw(ns, what, flags)
        out = b""
        for m in nlcodec.decode(raw, "netfilter"):
            want = {"ct_get": "ct_new", "exp_get_stats_cpu": "ct_get_ctrzero"}.get(what, what)
            assert m.type in (want, "done", "error"), m.type
            if what == "exp_get_stats_cpu" and m.type == want:
                assert set(m.attrs) == {"new", "create", "delete"}
            enc = m.encode()
            out += enc + b"\0" * ((-len(enc)) & 3)
            count += 1
        assert out[:len(raw)] == raw
        # our request as the kernel parses it: a dump of ct_get answers ct_new
        assert nlcodec.decode(req, "netfilter")[0].encode() == req
    assert count >= len(ENTRIES) + 4


def test_stats_are_the_kernels(ns, codec):
    # the global count is the number of entries conntrack lists (`conntrack -C`)
    with nlcodec.connect("netfilter", netns=ns) as s:
        g = s.do("ct_get_stats", header=ALL)
        cpus = list(s.dump("ct_get_stats_cpu", header=ALL))
    count = int(ct.run(ns, "-C").stdout.strip())
    stats = [m for m in g if m.type == "ct_get_stats"][0]
    assert stats["entries"] == count == len(ENTRIES)
    # one message per possible CPU, res_id the CPU number (ctnetlink_ct_stat_cpu_dump)
    assert [m.header["res_id"] for m in cpus] == list(range(len(cpus)))
    assert sum(m["insert"] for m in cpus) == len(ENTRIES)


def _orig(src, dst, proto, sport, dport):
    key = "ip_v6" if ":" in src else "ip_v4"
    return {"tuple_ip": {f"{key}_src": src, f"{key}_dst": dst},
            "tuple_proto": {"proto_num": proto, "proto_src_port": sport,
                            "proto_dst_port": dport}}


def test_update_mark_and_delete_through_nlcodec(ns, codec):
    tcp = _orig("10.0.0.1", "10.0.0.2", socket.IPPROTO_TCP, 1000, 80)
    with nlcodec.connect("netfilter", netns=ns) as s:
        # IPCTNL_MSG_CT_NEW without NLM_F_CREATE changes an existing entry
        s.do("ct_new", header={"nfgen_family": socket.AF_INET},
             attrs={"tuple_orig": tcp, "zone": 3, "mark": 0xC0FFEE})
    theirs = ct.entries(ns, "--zone", "3")
    (e,) = theirs.values()
    assert int(e["mark"]) == 0xC0FFEE
    ours = _dump(ns)
    assert ct.compare(ours[int(e["id"])], e) > 10
    with nlcodec.connect("netfilter", netns=ns) as s:
        s.do("ct_delete", header={"nfgen_family": socket.AF_INET},
             attrs={"tuple_orig": tcp, "zone": 3})
    assert int(e["id"]) not in ct.entries(ns)
    assert len(ct.entries(ns)) == len(ENTRIES) - 1


def test_dump_filters_select_what_conntrack_selects(ns, codec):
    theirs = ct.entries(ns)
    # CTA_MARK + CTA_MARK_MASK (ctnetlink_alloc_filter): like `conntrack -L -m 5/0xff`,
    # whose result we take from the tool's full list
    got = _dump(ns, attrs={"mark": 5, "mark_mask": 0xFF})
    want = {i for i, e in theirs.items() if int(e["mark"]) & 0xFF == 5}
    assert set(got) == want and len(want) == 1
    # CTA_ZONE: entries of one zone
    got = _dump(ns, attrs={"zone": 3})
    assert set(got) == {i for i, e in theirs.items() if e.get("zone") == "3"}
    # CTA_STATUS + CTA_STATUS_MASK (kernel 5.19+): the ASSURED ones
    assured = 1 << 2
    got = _dump(ns, attrs={"status": assured, "status_mask": assured})
    assert set(got) == {i for i, e in theirs.items() if "ASSURED" in e["flags"]}
    assert len(got) == 1
    # nfgenmsg.nfgen_family selects the address family, as `conntrack -L -f ipv6`
    with nlcodec.connect("netfilter", netns=ns) as s:
        v6 = {m["id"] for m in s.dump("ct_get", header={"nfgen_family": socket.AF_INET6})}
    assert v6 == set(ct.entries(ns, "-f", "ipv6")) and len(v6) == 2


def _event_kind(m):
    # libnetfilter_conntrack: NEW when the event has NLM_F_CREATE|NLM_F_EXCL
    if m.type == "ct_delete":
        return "DESTROY"
    return "NEW" if m.flags & (nlcodec.NLM_F_CREATE | nlcodec.NLM_F_EXCL) else "UPDATE"


def test_events_equal_conntrack_events(ns, codec):
    tool = subprocess.Popen(["ip", "netns", "exec", ns, "conntrack", "-E", "-o", "extended,id"],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        with nlcodec.connect("netfilter", netns=ns,
                             groups=("conntrack_new", "conntrack_update",
                                     "conntrack_destroy")) as s:
            time.sleep(2)           # the tool has joined its groups
            ct.run(ns, "-I", "-p", "udp", "-s", "192.0.2.1", "-d", "192.0.2.2", "--sport", "1",
                   "--dport", "2", "-t", "100")
            s.do("ct_new", header={"nfgen_family": socket.AF_INET},
                 attrs={"tuple_orig": _orig("192.0.2.1", "192.0.2.2", 17, 1, 2), "mark": 42})
            ct.run(ns, "-D", "-p", "udp", "-s", "192.0.2.1")
            ours = []
            for ev in s.events(timeout=3):
                ours.append(ev)
                if len(ours) == 3:
                    break
        time.sleep(0.5)
    finally:
        tool.terminate()
        out = tool.communicate(timeout=10)[0]
    theirs = ct.parse_events(out)
    assert [k for k, _ in theirs] == ["NEW", "UPDATE", "DESTROY"]
    assert [_event_kind(m) for m in ours] == ["NEW", "UPDATE", "DESTROY"]
    n = 0
    for m, (_, e) in zip(ours, theirs):
        n += ct.compare(m, e)
    assert ours[1]["mark"] == 42
    print(f"fields compared with conntrack -E: {n}")
    assert n >= 25


def test_nlcodec_monitor_and_dump_cli_equal_conntrack(ns):
    """`nlcodec monitor --family conntrack --json` prints the events
    `conntrack -E` prints; `nlcodec dump conntrack --json` the entries of
    `conntrack -L`."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        [os.path.dirname(os.path.dirname(os.path.abspath(nlcodec.__file__)))]
        + os.environ.get("PYTHONPATH", "").split(os.pathsep)))
    cli = ["python3", "-m", "nlcodec"]
    out = subprocess.run(cli + ["dump", "conntrack", "--netns", ns, "--json"], env=env,
                         capture_output=True, text=True, check=True).stdout
    theirs = ct.entries(ns)
    dumped = [__import__("json").loads(line) for line in out.splitlines()]
    assert {d["attrs"]["id"] for d in dumped} == set(theirs)
    n = sum(ct.compare(d, theirs[d["attrs"]["id"]]) for d in dumped)
    mon = subprocess.Popen(cli + ["monitor", "--family", "conntrack", "--netns", ns, "--json",
                                  "--count", "3"], env=env, stdout=subprocess.PIPE, text=True)
    tool = subprocess.Popen(["ip", "netns", "exec", ns, "conntrack", "-E", "-o", "extended,id"],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        time.sleep(4)       # both have started and joined their groups (a loaded machine)
        ct.run(ns, "-I", "-p", "tcp", "-s", "192.0.2.7", "-d", "192.0.2.8", "--sport", "9",
               "--dport", "10", "--state", "SYN_SENT", "-t", "100")
        ct.run(ns, "-U", "-p", "tcp", "-s", "192.0.2.7", "-m", "77")
        ct.run(ns, "-D", "-p", "tcp", "-s", "192.0.2.7")
        events = [__import__("json").loads(line) for line in
                  mon.communicate(timeout=20)[0].splitlines()]
        time.sleep(0.5)
    finally:
        mon.kill()
        tool.terminate()
        text = tool.communicate(timeout=10)[0]
    theirs = ct.parse_events(text)
    assert [k for k, _ in theirs] == ["NEW", "UPDATE", "DESTROY"]
    assert [e["type"] for e in events] == ["ct_new", "ct_new", "ct_delete"]
    for d, (_, e) in zip(events, theirs):
        n += ct.compare(d, e)
    print(f"fields compared, nlcodec dump/monitor vs conntrack -L/-E: {n}")
    assert n >= 140
