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
