"""`nlcodec decode` of captures: selecting messages, counting, progress.

The capture is the committed sample (a getlink dump recorded from this
kernel: the request, one newlink per device of a netns with lo and two veth
pairs, done) repeated.  Every expected number comes from the sample's bytes
parsed here by hand: the nlmsghdr type, the cooked header's packet type, and
attributes at their UAPI numbers (/usr/include/linux/rtnetlink.h,
if_link.h, if.h), never from our decoder.
"""

import json
import os
import pty
import struct
import subprocess
import sys

import pytest

from nlcodec.pcap import read_records, write_pcap
from test_capture import SAMPLE, attrs_by_hand, split

RTM_NEWLINK, RTM_GETLINK, NLMSG_DONE = 16, 18, 3       # rtnetlink.h, netlink.h
IFLA_IFNAME, IFLA_OPERSTATE, IFLA_LINKINFO = 3, 16, 18   # if_link.h
IFLA_INFO_KIND = 1
IF_OPER_DOWN = 2                                         # if.h
PACKET_KERNEL = 7
REPS = 60


def cli(*args):
    return subprocess.run([sys.executable, "-m", "nlcodec", "decode", *args],
                          capture_output=True, timeout=600)


@pytest.fixture(scope="module")
def capture(tmp_path_factory):
    recs = [r.data for r in read_records(SAMPLE)]
    p = tmp_path_factory.mktemp("select") / "links.pcap"
    write_pcap(p, recs * REPS)
    msgs = []                              # (record number, direction, type, attrs) by hand
    for i, r in enumerate(recs * REPS, 1):
        pkttype = struct.unpack_from(">H", r)[0]
        for ln, ty, fl, seq, pid, raw in split(r[16:]):
            attrs = attrs_by_hand(raw, 32, ln) if ty == RTM_NEWLINK else {}
            msgs.append((i, "to-kernel" if pkttype == PACKET_KERNEL else "from-kernel", ty,
                         attrs))
    return str(p), msgs, len(recs)


def lines(r):
    assert r.returncode == 0, r.stderr
    return [json.loads(x) for x in r.stdout.splitlines()]


def ifname(a):
    return a.get(IFLA_IFNAME, b"").rstrip(b"\0").decode()


def test_type(capture):
    p, msgs, _ = capture
    want = sum(ty == RTM_NEWLINK for _, _, ty, _ in msgs)
    assert want == 5 * REPS
    got = lines(cli("--json", "--type", "newlink", p))
    assert len(got) == want and {d["type"] for d in got} == {"newlink"}
    # UAPI names, several types at once
    got = lines(cli("--json", "--type", "RTM_GETLINK,done", p))
    assert len(got) == sum(ty in (RTM_GETLINK, NLMSG_DONE) for _, _, ty, _ in msgs)


def test_direction(capture):
    p, msgs, _ = capture
    got = lines(cli("--json", "--direction", "to-kernel", p))
    assert len(got) == sum(d == "to-kernel" for _, d, _, _ in msgs) == REPS
    assert {d["type"] for d in got} == {"getlink"}


def test_match_attribute_values(capture):
    p, msgs, _ = capture
    got = lines(cli("--json", "--match", "ifname=veth0", p))
    assert len(got) == sum(ifname(a) == "veth0" for *_, a in msgs) == REPS
    assert {d["attrs"]["ifname"] for d in got} == {"veth0"}
    # UAPI name of the key; two matches must both hold
    got = lines(cli("--json", "--match", "IFLA_IFNAME=peer1", "--match", "ifname=peer1", p))
    assert len(got) == REPS
    assert lines(cli("--json", "--match", "ifname=peer1", "--match", "ifname=veth0", p)) == []


def test_match_nested_and_enum_names(capture):
    p, msgs, _ = capture

    def kind(a):
        li = a.get(IFLA_LINKINFO)
        return attrs_by_hand(li, 0, len(li)).get(IFLA_INFO_KIND, b"").rstrip(b"\0").decode() \
            if li else None
    want = sum(kind(a) == "veth" for *_, a in msgs)
    assert want == 4 * REPS
    assert len(lines(cli("--json", "--match", "kind=veth", p))) == want           # any depth
    assert len(lines(cli("--json", "--match", "linkinfo.kind=veth", p))) == want  # a path
    assert lines(cli("--json", "--match", "ifname.kind=veth", p)) == []
    down = sum(a.get(IFLA_OPERSTATE) == bytes([IF_OPER_DOWN]) for *_, a in msgs)
    assert down == 4 * REPS
    assert len(lines(cli("--json", "--match", f"operstate={IF_OPER_DOWN}", p))) == down
    assert len(lines(cli("--json", "--match", "operstate=down", p))) == down
    # a fixed header's member: ifinfomsg.ifi_index of lo is 1 (loopback_net_init)
    got = lines(cli("--json", "--type", "newlink", "--match", "index=1", p))
    assert {d["attrs"]["ifname"] for d in got} == {"lo"} and len(got) == REPS


def test_count(capture):
    p, msgs, _ = capture
    r = cli("--count", "--json", p)
    got = {(d["family"], d["type"]): d["messages"] for d in lines(r)}
    assert got == {("route", "newlink"): 5 * REPS, ("route", "getlink"): REPS,
                   ("route", "done"): REPS}
    assert sum(got.values()) == len(msgs)
    text = cli("--count", "--type", "newlink", p)
    assert text.returncode == 0
    rows = text.stdout.decode().splitlines()
    assert rows[0].split() == ["messages", "family", "type"]
    assert rows[1].split() == [str(5 * REPS), "route", "newlink"]
    assert rows[-1].split() == [str(5 * REPS), "total"]


def test_max_messages_and_record_ranges(capture):
    p, msgs, per = capture
    full = cli("--json", p).stdout.splitlines()
    r = cli("--json", "-c", "9", p)
    assert r.returncode == 0 and r.stdout.splitlines() == full[:9]
    r = cli("--json", "--match", "ifname=lo", "--max-messages", "3", p)
    assert [d["attrs"]["ifname"] for d in lines(r)] == ["lo"] * 3
    # records 5-8 are the second copy of the sample; 3 alone is one reply skb
    got = lines(cli("--json", "--records", f"{per + 1}-{2 * per}", p))
    assert len(got) == sum(per < i <= 2 * per for i, *_ in msgs)
    assert len(lines(cli("--json", "--records", "3", p))) == sum(i == 3 for i, *_ in msgs)
    assert len(lines(cli("--json", "--records", f"-{per}", p))) == len(msgs) // REPS


def test_bad_options_are_clear(capture):
    p, _, _ = capture
    for args, text in ((["--match", "ifname"], b"KEY=VALUE"), (["--records", "9-3"], b"FIRST"),
                       (["--records", "x"], b"--records"), (["-c", "0"], b"max-messages"),
                       (["--protocol", "nosuch"], b"unknown netlink protocol")):
        r = cli(*args, p)
        assert r.returncode != 0 and text in r.stderr, (args, r.stderr)
        assert r.stdout == b""


# -- progress --------------------------------------------------------------------------


def run_with_pty_stderr(args, out_path):
    """Run `nlcodec decode` with stderr on a terminal (a pty) and stdout to a
    file; what the terminal showed."""
    master, slave = pty.openpty()
    with open(out_path, "wb") as out:
        p = subprocess.Popen([sys.executable, "-m", "nlcodec", "decode", *args], stdout=out,
                             stderr=slave, env=dict(os.environ, NLCODEC_PROGRESS_EVERY="0"))
    os.close(slave)
    shown = b""
    while True:
        try:
            b = os.read(master, 4096)
        except OSError:
            break
        if not b:
            break
        shown += b
    os.close(master)
    assert p.wait(120) == 0, shown
    return shown


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_progress_on_a_terminal_only(capture, tmp_path, jobs):
    p, msgs, _ = capture
    args = ["--json", "--jobs", jobs, "--range-bytes", "20000", p]
    shown = run_with_pty_stderr(args, tmp_path / "out.json")
    text = shown.decode()
    assert "msg/s" in text and "MB" in text and "ETA" in text, text
    assert text.endswith("\r\x1b[K")                 # the line is cleared at the end
    assert (tmp_path / "out.json").read_bytes() == cli("--json", p).stdout
    # piped (stderr not a terminal): nothing on stderr
    r = subprocess.run([sys.executable, "-m", "nlcodec", "decode", *args],
                       capture_output=True, env=dict(os.environ, NLCODEC_PROGRESS_EVERY="0"))
    assert r.returncode == 0 and r.stderr == b""
    # --no-progress on a terminal: nothing either
    assert run_with_pty_stderr(["--no-progress"] + args, tmp_path / "o2.json") == b""


# -- --match finds whatever the output shows ------------------------------------------


def _leaves(d, out, depth=0):
    """(key, value) of every string and number in a decoded tree."""
    if isinstance(d, dict):
        for k, v in d.items():
            if k.startswith("_"):
                continue
            if isinstance(v, (dict, list)):
                _leaves(v, out, depth + 1)
            elif isinstance(v, (str, int)) and not isinstance(v, bool):
                out.add((k, str(v)))
    elif isinstance(d, list):
        for x in d:
            _leaves(x, out, depth + 1)
    return out


@pytest.mark.parametrize("dump", ["link_dump.bin", "route_dump.bin"])
def test_match_finds_every_value_shown(dump, codec):
    """Real kernel dumps (bench/fixtures, made by make_*_dump.py from a netns
    with veths, bridges, vxlan, macvlan): every key=value at any depth of a
    message's decoded tree (header and attributes) selects that message, so
    the spec-guided walk skips nothing it should look at; a value no
    message has selects none."""
    import nlcodec
    from nlcodec.capture_select import Match
    path = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                        "bench", "fixtures", dump)
    msgs = nlcodec.decode(open(path, "rb").read(), "route")[:120]
    checked = 0
    for m in msgs:
        pairs = _leaves({"h": m.header, "a": m.attrs}, set())
        for k, v in sorted(pairs)[:60]:
            assert Match(f"{k}={v}")(m), (m, k, v)
            checked += 1
        assert not Match("ifname=no-such-device-name")(m)
    assert checked > 1000
