"""nlcodec tc-batch (nlcodec.tc.batch) against tc -b.

Live proof on this host's kernel (u32 and the ingress qdisc are there): the
same file run by `tc -b` and by `nlcodec tc-batch` leaves filters that
`tc -j filter show` prints identically; errors are reported on the lines
tc -b reports them on.  The template path (runs of lines differing in
values) gives the bytes parse() gives for each line (flower and matchall
lines included, whose bytes test_tc_parse.py proves equal to tc's)."""

import os
import subprocess
import sys

import pytest

import nlcodec
from nlcodec.socket import BulkResult
from nlcodec.tc import parse
from nlcodec.tc.batch import Batch

import tc_corpus

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class Recorder:
    """A stand-in socket: keeps every request's bytes (seq/pid zeroed)."""

    def __init__(self):
        self.sent = []

    def do_many(self, requests, window=256):
        res = BulkResult()
        fill = getattr(requests, "nl_fill", None)
        while True:
            if fill is not None:
                got = fill(0, 0, nlcodec.NLM_F_REQUEST, window, 1 << 30)
            else:
                got = list(requests)
                requests = []
            if not got:
                break
            self.sent += [bytes(b[:8]) + bytes(8) + bytes(b[16:]) for b in got]
            res.count += len(got)
            if fill is None:
                break
        return res


def _lines(n):
    for i in range(n):
        yield (f"filter add dev lo ingress prio {1 + i % 3} protocol ip handle {i + 1} flower "
               f"skip_hw src_mac e4:11:00:00:{i >> 8 & 255:02x}:{i & 255:02x} "
               f"dst_ip 10.{i >> 16 & 255}.{i >> 8 & 255}.{i & 255}/{24 + i % 9} "
               f"ip_proto tcp dst_port {i % 60000 + 1} action gact drop index {i % 7 + 1}")


def _expected(lines):
    out = []
    for line in lines:
        b = parse(line, ifindex={"lo": 1}).encode(ack=False)
        out.append(b[:8] + bytes(8) + b[16:])
    return out


def test_template_runs_give_parses_bytes():
    lines = list(_lines(3000))
    # another shape in the middle (no prefix) and comments/blank lines
    lines[1000:1000] = ["# a comment", "", "filter add dev lo ingress prio 1 protocol ip flower "
                        "dst_ip 10.0.0.1 action drop"]
    rec = Recorder()
    b = Batch(rec, ifindex={"lo": 1}).run(line + "\n" for line in lines)
    assert b.failed == 0 and b.runs >= 2
    assert b.misses == 0            # every line of a run read by its shape's line function
    assert rec.sent == _expected([x for x in lines if x and not x.startswith("#")])


def test_corpus_through_batch_equals_parse():
    lines = tc_corpus.lines("lo")
    rec = Recorder()
    Batch(rec, ifindex={"lo": 1}).run(lines)
    assert rec.sent == _expected(lines)


def test_u32_addresses_are_template_values():
    lines = [f"filter add dev lo ingress prio 1 protocol ip u32 match ip dst 10.0.{i}.1/32 "
             f"match ip sport 80 0xffff classid 1:1" for i in range(200)]
    rec = Recorder()
    b = Batch(rec, ifindex={"lo": 1}).run(lines)
    assert b.runs == 1 and rec.sent == _expected(lines)
    # ports are not template values in u32 (every line parsed whole): same bytes
    lines = [f"filter add dev lo ingress prio 1 protocol ip u32 match ip dst 10.0.0.1/32 "
             f"match ip sport {i + 1} 0xffff classid 1:1" for i in range(50)]
    rec = Recorder()
    b = Batch(rec, ifindex={"lo": 1}).run(lines)
    assert b.runs == 0 and rec.sent == _expected(lines)


@pytest.fixture
def ns():
    if os.geteuid() != 0 or not subprocess.run(["which", "tc"], capture_output=True).returncode == 0:
        pytest.skip("needs root and tc")
    from nlcodec import netns
    with netns.temporary("nlctcb") as name:
        subprocess.run(["ip", "-n", name, "link", "set", "lo", "up"], check=True)
        yield name


def _tc_show(ns):
    return subprocess.run(["tc", "-n", ns, "-j", "filter", "show", "dev", "lo", "ingress"],
                          capture_output=True, text=True, check=True).stdout


def _reset(ns):
    subprocess.run(["tc", "-n", ns, "qdisc", "del", "dev", "lo", "ingress"], capture_output=True)


def _cli(*args):
    env = dict(os.environ, PYTHONPATH=ROOT)
    return subprocess.run([sys.executable, "-m", "nlcodec", "tc-batch", *args],
                          capture_output=True, text=True, env=env)


U32 = ["qdisc add dev lo ingress"] + [
    f"filter add dev lo ingress prio {1 + i // 750} protocol ip u32 match ip dst "
    f"10.1.{i >> 8}.{i & 255}/32 match ip dport 80 0xffff classid 1:{i % 16 + 1:x}"
    for i in range(1500)] + [
    "filter add dev lo ingress prio 3 protocol ip u32 match u8 6 0xff flowid 1:2"]


def test_tc_batch_leaves_what_tc_b_leaves(ns, tmp_path):
    f = tmp_path / "u32.tc"
    f.write_text("\n".join(U32) + "\n")
    subprocess.run(["tc", "-n", ns, "-b", str(f)], check=True)
    theirs = _tc_show(ns)
    _reset(ns)
    r = _cli("-n", ns, "--json", str(f))
    assert r.returncode == 0, r.stderr
    import json
    summary = json.loads(r.stdout)
    assert summary["requests"] == len(U32) and summary["errors"] == 0
    assert summary["runs"] >= 1
    assert _tc_show(ns) == theirs
    _reset(ns)
    assert _cli("-n", ns, "-q", "--no-template", str(f)).returncode == 0
    assert _tc_show(ns) == theirs


def test_errors_on_the_lines_tc_b_names(ns, tmp_path):
    lines = ["qdisc add dev lo ingress",
             "filter add dev lo ingress prio 1 protocol ip handle 800::1 u32 match ip dst 10.0.0.1/32 classid 1:1",
             "filter add dev lo ingress prio 1 protocol ip handle 800::2 u32 match ip dst 10.0.0.2/32 classid 1:1",
             "filter add dev lo ingress prio 1 protocol ip handle 800::1 u32 match ip dst 10.0.0.3/32 classid 1:1",
             "filter add dev lo ingress prio 1 protocol ip handle 800::4 u32 match ip dst 10.0.0.4/32 classid 1:1",
             "filter add dev lo ingress prio 1 protocol ip u32 match ip dst 10.0.0.999/32 classid 1:1",
             "qdisc add dev lo ingress",
             "filter add dev lo ingress prio 1 protocol ip handle 800::6 u32 match ip dst 10.0.0.6/32 classid 1:1"]
    f = tmp_path / "bad.tc"
    f.write_text("\n".join(lines) + "\n")
    tc = subprocess.run(["tc", "-n", ns, "-force", "-b", str(f)], capture_output=True, text=True)
    want = [ln for ln in tc.stderr.splitlines() if ln.startswith("Command failed")]
    theirs = _tc_show(ns)
    _reset(ns)
    r = _cli("-n", ns, "-force", str(f))
    assert r.returncode == 1
    got = [ln for ln in r.stderr.splitlines() if ln.startswith("Command failed")]
    assert got == want and len(want) == 3          # lines 4, 6, 7
    assert _tc_show(ns) == theirs
    # the kernel's own words, as tc prints them
    kernel_msgs = [ln for ln in tc.stderr.splitlines() if ln.startswith("Error: ") and
                   "talking" not in ln]
    for m in kernel_msgs[:1]:
        assert m in r.stderr
    # without -force: stops at the first failure (line 4) as tc -b does
    _reset(ns)
    r = _cli("-n", ns, str(f))
    assert r.returncode == 1
    assert [ln for ln in r.stderr.splitlines() if ln.startswith("Command failed")] == want[:1]


def test_memory_stays_flat_over_a_long_file():
    """Lines are streamed: 200,000 of them (one run) leave the peak RSS within
    a few MB of where it started (the issue's bound: 50 MB for 1M lines)."""
    import resource
    from nlcodec import bench_template as bt
    bt.run_batch(2000)                  # first use: tables, templates compiled
    _, got, grow = bt.run_batch(200_000)
    assert got == 200_000
    assert grow < 20 * 2**20, grow


# -- the run's line functions (Shape.line_fn) read value words exactly as parse() --

from hypothesis import given, settings, strategies as st  # noqa: E402


def _int_words(bits):
    return st.one_of(st.integers(0, 1 << (bits + 1)).map(str),
                     st.integers(0, 1 << bits).map(hex),
                     st.sampled_from(["0", "00", "010", "+5", "5a", "1e3", "\u0663",
                                      "4294967295", "4294967296", "999999999", "65535",
                                      "65536", "4095", "4096", "7", "8"]))


_MAC = st.one_of(
    st.binary(min_size=6, max_size=6).map(lambda b: b.hex(":")),
    st.binary(min_size=6, max_size=6).map(lambda b: b.hex(":").upper()),
    st.sampled_from(["e4:11:00:00:00:01/24", "e4:1:0:0:0:1", "e4:11:00:00:00:0g",
                     "e4:11:00:00:00:01/ff:ff:ff:00:00:00", "e41100000001", "e4-11-00-00-00-01",
                     "e4:11:00:00:00:01:02", "\u0663\u0663:11:00:00:00:01"]))
_IP = st.one_of(
    st.tuples(*[st.integers(0, 300)] * 4).map(lambda t: ".".join(map(str, t))),
    st.sampled_from(["10.0.0.1/24", "010.0.0.1", "10.0.0", "1.2.3.4.5", "::1", "10.0.0.1/33",
                     "1.2.3.04", "255.255.255.255"]))


def _run_lines(fmt, rows):
    """Two plain lines (the run's start), then ``rows``: Batch's bytes and
    failing lines against parse()'s for each line."""
    lines = [fmt(*r) for r in rows]
    rec = Recorder()
    failed = []
    Batch(rec, ifindex={"lo": 1}, force=True,
          on_error=lambda e: failed.append(e.lineno)).run(lines)
    want, want_failed = [], []
    for n, line in enumerate(lines, 1):
        try:
            b = parse(line, ifindex={"lo": 1}).encode(ack=False)
        except nlcodec.tc.TcSyntaxError:
            want_failed.append(n)
            continue
        want.append(b[:8] + bytes(8) + b[16:])
    assert failed == want_failed
    assert rec.sent == want


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(_int_words(16), _int_words(32), _MAC, _IP, _int_words(16),
                          _int_words(32)), min_size=1, max_size=12))
def test_line_fn_reads_values_as_parse_does(rows):
    def fmt(prio, handle, mac, ip, port, index):
        return (f"filter add dev lo ingress prio {prio} protocol ip handle {handle} flower "
                f"skip_hw src_mac {mac} dst_ip {ip} ip_proto tcp dst_port {port} "
                f"action gact drop index {index}")
    start = [("1", "1", "e4:11:00:00:00:01", "10.0.0.1", "80", "1"),
             ("2", "2", "e4:11:00:00:00:02", "10.0.0.2", "81", "2")]
    _run_lines(fmt, start + rows)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(_int_words(12), _int_words(3), _int_words(20), _int_words(8)),
                min_size=1, max_size=12))
def test_line_fn_reads_bounded_ints_as_parse_does(rows):
    def fmt(vid, vprio, label, ttl):
        return (f"filter add dev lo ingress prio 2 protocol 802.1q flower vlan_id {vid} "
                f"vlan_prio {vprio} vlan_ethtype mpls_uc mpls_label {label} mpls_ttl {ttl} "
                f"action drop")
    start = [("1", "1", "1", "1"), ("2", "2", "2", "2")]
    _run_lines(fmt, start + rows)


def test_line_fn_other_spacing_and_values_that_stayed():
    """Lines the fast reading does not take (tabs, comments, a value the first
    two lines kept that changes) still give parse()'s bytes, in one run."""
    base = ("filter add dev lo ingress prio {p} protocol ip handle {h} flower skip_hw "
            "dst_mac e4:12:00:00:00:{h:02x} action drop")
    lines = [base.format(p=1, h=h) for h in range(1, 5)]
    lines += ["filter\tadd dev lo ingress prio 1 protocol ip handle 5 flower skip_hw "
              "dst_mac e4:12:00:00:00:05 action drop  # a comment",
              base.format(p=1, h=6) + "\r"]
    lines += [base.format(p=2 + h % 3, h=h) for h in range(7, 200)]     # prio changes
    rec = Recorder()
    b = Batch(rec, ifindex={"lo": 1}).run(line + "\n" for line in lines)
    assert b.failed == 0 and b.runs == 1
    assert rec.sent == _expected(lines)


# -- without -force: tc -b's stop at the first error (nlcodec.testing's fake kernel) --

import errno  # noqa: E402

from nlcodec import testing  # noqa: E402


def _stop_kernel(bad_handle):
    """Handles a request like the kernel: every message of a datagram in order,
    an error for the filter whose handle is ``bad_handle`` (EEXIST, tc's text)."""
    def kernel(k, req):
        if req.type == "newtfilter" and req.header["handle"] == bad_handle:
            return k.error(req, errno.EEXIST, "Filter already exists")
        return []
    return kernel


def _flower_lines(n, shapes=1):
    # shapes > 1: consecutive lines alternate between shapes (no runs: parse() each)
    out = []
    for i in range(1, n + 1):
        act = ("drop", "pass", "continue")[i % shapes]
        out.append(f"filter add dev lo ingress prio 1 protocol ip handle {i} flower skip_hw "
                   f"dst_mac e4:12:00:00:{i >> 8 & 255:02x}:{i & 255:02x} action {act}\n")
    return out


@pytest.mark.parametrize("shapes", [1, 2])
@pytest.mark.parametrize("window", [64, 1])
def test_without_force_nothing_after_the_failed_window_is_sent(shapes, window):
    failed = []
    with testing.connect(_stop_kernel(300)) as s:
        b = Batch(s, ifindex={"lo": 1}, window=window,
                  on_error=lambda e: failed.append(e.lineno)).run(_flower_lines(1000, shapes))
        got = [r.header["handle"] for r in s.kernel.requests if r.type == "newtfilter"]
    assert failed == [300] and b.stopped
    # the kernel saw line 300's window and nothing after it; the window's
    # lines after 300 were applied and are named, exactly
    assert got == list(range(1, got[-1] + 1)) and got[-1] >= 300
    assert got[-1] - 300 < window
    assert b.applied_after_stop == list(range(301, got[-1] + 1))
    if window == 1:
        assert got[-1] == 300 and b.applied_after_stop == []
    r = b.result()
    assert r["stopped"] and r["errors"] == 1
    assert r["applied_after_stop"] == (f"301-{got[-1]}" if got[-1] > 301 else
                                       "301" if got[-1] == 301 else "")


def test_with_force_every_line_is_sent():
    failed = []
    with testing.connect(_stop_kernel(300)) as s:
        b = Batch(s, ifindex={"lo": 1}, force=True, window=64,
                  on_error=lambda e: failed.append(e.lineno)).run(_flower_lines(1000))
        got = [r.header["handle"] for r in s.kernel.requests if r.type == "newtfilter"]
    assert failed == [300] and got == list(range(1, 1001)) and b.applied_after_stop == []


@settings(max_examples=40, deadline=None)
@given(st.lists(st.one_of(_IP, _IP.map(lambda a: a + "/24"), _IP.map(lambda a: a + "/32")),
                min_size=1, max_size=12), st.sampled_from(["/24", "/32", ""]))
def test_line_fn_reads_u32_addresses_as_parse_does(ips, plen):
    def fmt(ip):
        return (f"filter add dev lo ingress prio 1 protocol ip u32 match ip dst {ip} "
                f"match ip dport 80 0xffff classid 1:1")
    start = [(f"10.0.0.1{plen}",), (f"10.0.1.1{plen}",)]
    _run_lines(fmt, start + [(ip,) for ip in ips])


# the corpus's root tbf and htb qdiscs (this host's kernel has sch_tbf and sch_htb;
# prio, sfq, netem are in the corpus's byte proof only; htb offload needs hardware)
QDISCS = [t for t in tc_corpus.lines("lo") if t.startswith("qdisc")
          and " root " in t and (" tbf " in t or " htb " in t) and "offload" not in t]


def _qdisc_show(ns):
    import json
    got = json.loads(subprocess.run(["tc", "-n", ns, "-j", "-d", "qdisc", "show", "dev", "lo"],
                                    capture_output=True, text=True, check=True).stdout)
    for q in got:
        q.pop("handle", None)       # the kernel picks one when the line names none
        (q.get("options") or {}).pop("direct_packets_stat", None)   # htb's counter
    return got


def test_qdiscs_leave_what_tc_leaves(ns, tmp_path):
    """Each root tbf/htb line, sent by tc then by nlcodec tc-batch: the kernel
    shows the same qdisc (tc -j -d qdisc show, the handle aside)."""
    assert len(QDISCS) >= 8
    f = tmp_path / "q.tc"
    for line in QDISCS:
        f.write_text(line.replace(" add ", " replace ") + "\n")
        subprocess.run(["tc", "-n", ns, "-b", str(f)], check=True)
        theirs = _qdisc_show(ns)
        subprocess.run(["tc", "-n", ns, "qdisc", "del", "dev", "lo", "root"], check=True)
        r = _cli("-n", ns, str(f))
        assert r.returncode == 0, (line, r.stderr)
        assert _qdisc_show(ns) == theirs, line
        subprocess.run(["tc", "-n", ns, "qdisc", "del", "dev", "lo", "root"], check=True)


def _class_show(ns):
    return subprocess.run(["tc", "-n", ns, "-d", "class", "show", "dev", "lo"],
                          capture_output=True, text=True, check=True).stdout


def test_htb_classes_leave_what_tc_leaves(ns, tmp_path):
    """The corpus's htb class lines under an htb root (this host's kernel
    has sch_htb), sent by tc -b then by nlcodec tc-batch: the kernel shows the
    same classes (tc -d class show: rates, ceils, bursts, prio, quantum,
    linklayer, mpu, level) and both name the same failing line (the change
    of a class that does not exist)."""
    lines = ["qdisc add dev lo root handle 1: htb default 10"] + [
        line.format(d="lo") for line in tc_corpus.SCHED
        if line.startswith("class ") and " htb " in line]
    assert len(lines) >= 10
    f = tmp_path / "htb.tc"
    f.write_text("\n".join(lines) + "\n")
    tc_b = subprocess.run(["tc", "-n", ns, "-force", "-b", str(f)], capture_output=True,
                          text=True)
    theirs = _class_show(ns)
    assert theirs.count("class htb") == len(lines) - 2
    subprocess.run(["tc", "-n", ns, "qdisc", "del", "dev", "lo", "root"], check=True)
    r = _cli("-n", ns, "-force", str(f))
    assert r.returncode == 1
    assert _class_show(ns) == theirs
    failed = [x for x in tc_b.stderr.splitlines() if x.startswith("Command failed")]
    assert failed == [x for x in r.stderr.splitlines() if x.startswith("Command failed")]
