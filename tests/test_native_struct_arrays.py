"""The C decoder reads struct arrays itself: tc_u32_sel.keys (counted by
nkeys) and tc_pedit_sel.keys, which it used to hand back to pure.py with
the whole message.

Expected values are iproute2's: tests/data/tc_corpus_requests.txt holds what
tc 6.1 wrote to its netlink socket (strace -e write=all, tests/tc_capture.py)
for 88 u32 and 128 pedit lines.  Each decodes on the native backend with no
call into pure.py, to the same dicts as pure.py's, and encodes back to tc's
bytes.  The u32 keys of ``match ip src|dst A/N`` are what iproute2's
tc/f_u32.c parse_ip() asks parse_ip_addr() for: offset 12 (src) or 16 (dst)
of the IPv4 header, the address and a mask of N leading ones, big-endian.
"""

import ipaddress
import os
import re

import pytest

import nlcodec
from nlcodec import pure

native = pytest.importorskip("nlcodec.native")

HERE = os.path.dirname(os.path.abspath(__file__))


def _requests():
    with open(os.path.join(HERE, "data", "tc_corpus_requests.txt")) as f:
        rows = [x.rstrip("\n").split("\t") for x in f if x.strip() and not x.startswith("#")]
    return [(line, bytes.fromhex(h)) for line, h in rows
            if h != "-" and (" u32 " in line or " pedit " in line)]


REQUESTS = _requests()


@pytest.fixture
def pure_calls(monkeypatch):
    """Every attribute set the native backend hands to pure.py."""
    calls = []
    real = pure.decode_set

    def spy(cs, *a, **kw):
        calls.append(cs.name)
        return real(cs, *a, **kw)
    monkeypatch.setattr(native.pure, "decode_set", spy)
    return calls


def _decode(raw, backend):
    nlcodec.use_backend(backend)
    try:
        (m,) = nlcodec.decode(raw)
        return m, m.to_dict()
    finally:
        nlcodec.use_backend(None)


def test_the_corpus_holds_u32_and_pedit_keys():
    assert sum(" u32 " in x for x, _ in REQUESTS) >= 80
    assert sum(" pedit " in x for x, _ in REQUESTS) >= 100


def test_tcs_u32_and_pedit_requests_decode_in_c_alone(pure_calls):
    for line, raw in REQUESTS:
        pure_calls.clear()
        m, d = _decode(raw, "native")
        assert pure_calls == [], (line, pure_calls)
        assert d == _decode(raw, "pure")[1], line
        assert m.encode() == raw, line


# addresses in plain dotted quads (the corpus also has tc's own forms: "10.4/16",
# "any", "012.0.0.1", which get_prefix() reads, not Python's ipaddress)
_DOTTED = r"match ip (src|dst) ((?:0|[1-9]\d*)(?:\.(?:0|[1-9]\d*)){3}(?:/\d+)?)(?: |$)"
_PLAIN = [r for r in REQUESTS if re.search(_DOTTED, r[0]) and
          len(re.findall(_DOTTED, r[0])) == len(re.findall("match ip (?:src|dst) ", r[0]))]


@pytest.mark.parametrize("line, raw", _PLAIN[:12],
                         ids=lambda x: x if isinstance(x, str) else "")
def test_u32_ip_address_keys_are_what_f_u32_c_writes(line, raw, pure_calls):
    d = _decode(raw, "native")[1]
    assert pure_calls == []
    sel = d["attrs"]["options"]["sel"]
    assert sel["nkeys"] == len(sel["keys"])
    want = []
    # parse_ip_addr(): "at N" after the address gives the offset instead
    for part, addr, at in re.findall(r"match ip (src|dst) (\S+)(?: at (\d+))?", line):
        net = ipaddress.ip_network(addr, strict=False)
        want.append({"mask": int(net.netmask), "val": int(net.network_address),
                     "off": int(at) if at else 12 if part == "src" else 16, "offmask": 0})
    got = [k for k in sel["keys"] if k in want]
    assert got == want, line


def test_a_count_beyond_the_payload_is_pures_error(pure_calls):
    """nkeys larger than the keys present: the C core leaves it to pure.py,
    which raises the DecodeError (path and offset)."""
    line, raw = next(r for r in REQUESTS if " u32 match ip dst 10.0.0.1/32" in r[0])
    assert _decode(raw, "pure")[1]["attrs"]["options"]["sel"]["nkeys"] == 1
    # struct tc_u32_sel (linux/pkt_cls.h): 16 bytes, nkeys its third; then the key
    # (mask, val big-endian first)
    key_at = raw.find(bytes.fromhex("ffffffff0a000001"))
    assert key_at > 16
    bad = bytearray(raw)
    bad[key_at - 16 + 2] = 2
    for backend in ("native", "pure"):
        nlcodec.use_backend(backend)
        try:
            with pytest.raises(nlcodec.DecodeError) as ei:
                nlcodec.decode(bytes(bad))
        finally:
            nlcodec.use_backend(None)
        assert "overrun" in str(ei.value) and ei.value.offset is not None
    assert pure_calls         # native handed it on


@pytest.mark.parametrize("backend", ["native", "pure"])
@pytest.mark.parametrize("cut", [0, 4, 16, 20])
def test_a_short_pedit_sel_decodes_as_pure_decodes_it(cut, backend):
    """A tc_pedit_sel payload shorter than its fixed part (TCA_PEDIT_PARMS of
    `cut` bytes): the layout is flat, so pure.py keeps the members that fit
    and says the size (_size); the C core leaves it to pure instead of
    calling it malformed (a hypothesis run of tests/test_differential.py
    found the 16-byte case)."""
    from nlcodec.registry import compiled
    cs = compiled(nlcodec.families()["tc"]).sets["act_pedit_attrs"]
    payload = bytes(cut)
    # TCA_PEDIT_PARMS is 2 (linux/tc_act/tc_pedit.h)
    raw = (4 + cut).to_bytes(2, "little") + (2).to_bytes(2, "little") + payload + \
        bytes(-(4 + cut) % 4)
    want = pure.decode_set(cs, raw, 0, len(raw), cs.name, 0, False)
    nlcodec.use_backend(backend)
    try:
        got = nlcodec.backends.active().decode_attrs(cs, raw, 0, len(raw), cs.name)
        assert got == want
        assert want["parms"]["_size"] == cut
        if backend == "native":     # the C core's own verdict: not malformed
            assert nlcodec.backends.active().status(cs, raw)[0] != native.ERR
    finally:
        nlcodec.use_backend(None)
