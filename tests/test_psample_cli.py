"""`nlcodec psample` on real samples: tests/data/psample_samples.bin holds
PSAMPLE_CMD_SAMPLE messages as the kernel tier's kernel sent them (made by
tests/data/make_psample_samples.py: ARP, ICMP echo, UDP sampled whole and cut
to 64 bytes by `sample trunc 64`, and the kernel's own IPv6 router
solicitation).  The command's text and JSON are checked against tshark reading
the same frames from a pcap."""

import json
import os
import struct

import pytest

import nlcodec
from nlcodec import cli
from tshark_view import TSHARK, frames

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "data")


def samples():
    with open(os.path.join(DATA, "psample_samples.json")) as f:
        meta = json.load(f)
    with open(os.path.join(DATA, "psample_samples.bin"), "rb") as f:
        raw = f.read()
    msgs = list(nlcodec.decode(raw, "generic", families={meta["psample_family_id"]: "psample"}))
    assert len(msgs) == meta["messages"]
    return msgs


class FakeSocket:
    """Stands in for the live psample socket: yields the recorded messages."""

    def __init__(self, msgs):
        self.msgs = msgs
        self.groups = []

    def __enter__(self):
        return self

    def __exit__(self, *a):
        return False

    def subscribe(self, *groups):
        self.groups += groups

    def events(self, **kw):
        yield from self.msgs


@pytest.fixture
def recorded(monkeypatch):
    msgs = samples()
    fake = FakeSocket(msgs)
    monkeypatch.setattr(nlcodec, "connect", lambda *a, **kw: fake)
    return msgs, fake


def frame(m):
    return bytes.fromhex(m["data"])


def tshark_frames(tmp_path, records):
    path = tmp_path / "s.pcap"
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        for i, (data, orig) in enumerate(records):
            f.write(struct.pack("<IIII", i, 0, len(data), orig) + data)
    return [dict(f) for f in frames(path)]


@pytest.mark.skipif(TSHARK is None, reason="needs tshark")
def test_text_mode_summarises_every_sample(recorded, capsys, tmp_path):
    msgs, fake = recorded
    assert cli.main(["psample"]) == 0
    assert fake.groups == ["packets"]
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 2 * len(msgs)
    theirs = tshark_frames(tmp_path, [(frame(m), m["origsize"]) for m in msgs])
    for m, head, summary, t in zip(msgs, out[::2], out[1::2], theirs):
        assert head.startswith(f"group {m['sample_group']} seq {m['group_seq']} rate 1 "
                               f"iif {m['iifindex']} size {m['origsize']}")
        assert summary.startswith(f"  {t['eth.src']} > {t['eth.dst']} ")
        if "ip.src" in t:
            assert f" {t['ip.src']} > {t['ip.dst']} ttl {t['ip.ttl']} " in summary
        if "udp.srcport" in t:
            assert f"udp {t['udp.srcport']} > {t['udp.dstport']} len {t['udp.length']}" \
                in summary
        if "icmp.type" in t:
            assert f"icmp echo request id {int(t['icmp.ident'])} seq {t['icmp.seq']}" in summary
            assert t["icmp.type"] == "8"
        if "arp.opcode" in t:
            want = {"1": f"arp who-has {t['arp.dst.proto_ipv4']} tell {t['arp.src.proto_ipv4']}",
                    "2": f"arp reply {t['arp.src.proto_ipv4']} is-at {t['arp.src.hw_mac']}"}
            assert want[t["arp.opcode"]] in summary
        if "icmpv6.type" in t:
            assert t["icmpv6.type"] == "133" and "icmpv6 router solicitation" in summary
    cut = [(m, s) for m, s in zip(msgs, out[::2]) if len(frame(m)) < m["origsize"]]
    assert cut and all(f"(sampled {len(frame(m))})" in s for m, s in cut)


def test_json_mode_adds_layers(recorded, capsys):
    msgs, _ = recorded
    assert cli.main(["psample", "--json", "--count", "2", "--group", "5"]) == 0
    rows = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert len(rows) == 2
    for r, m in zip(rows, [m for m in msgs if m["sample_group"] == 5]):
        assert r["data"] == m["data"] and r["group"] == 5
        assert r["packet"]["layers"][0]["proto"] == "eth"
        assert r["packet"]["len"] == len(frame(m)) and r["summary"]


def test_tree_view_summarises_psample_data(capsys):
    path = os.path.join(DATA, "psample_samples.bin")
    meta = json.load(open(os.path.join(DATA, "psample_samples.json")))
    assert cli.main(["decode", "--raw", "--protocol", "generic", "--genl-id",
                     f"{meta['psample_family_id']}=psample", path]) == 0
    out = capsys.readouterr().out
    assert "  data: 42 bytes: " in out and " arp / arp who-has 10.9.0.2 tell 10.9.0.1" in out
