"""The C encoder on what real requests hold: every request iproute2's tc sent
in tests/data/tc_corpus_requests.txt (captured with strace, tests/tc_capture.py;
flower, u32 with its tc_u32_sel.keys, pedit with tc_pedit_sel.keys, police
with its ratespecs and rate tables, ...), taken as ``to_dict()`` gives it,
encodes to the bytes tc sent, with the native backend and with pure, and the
C core encodes the whole message (struct arrays and nested structs included),
no part of it handed back to pure.py.
"""

import os

import pytest

import nlcodec
import tc_capture
from nlcodec import backends, pure

native = pytest.importorskip("nlcodec.native")

HERE = os.path.dirname(os.path.abspath(__file__))


def _corpus():
    with open(os.path.join(HERE, "data", "tc_corpus_requests.txt")) as f:
        rows = [x.rstrip("\n").split("\t") for x in f if x.strip() and not x.startswith("#")]
    return [(line, bytes.fromhex(h)) for line, h in rows if h != "-"]


CORPUS = _corpus()


def test_the_corpus_has_what_the_c_encoder_used_to_refuse():
    words = " ".join(line for line, _ in CORPUS)
    for w in (" u32 ", " pedit "):
        assert w in words


@pytest.mark.skipif(not tc_capture.available(), reason="needs tc, strace and root")
def test_police_as_tc_sends_it(be):
    """police's tc_police struct (two nested tc_ratespecs) and its 1024-byte
    rate table, captured from tc in a throw-away namespace."""
    from nlcodec.tc_capture import capture
    (raw,) = capture(["filter add dev v0 ingress prio 10 protocol ip flower ip_flags "
                      "frag/firstfrag action police rate 1mbit burst 100k conform-exceed "
                      "drop/pipe action pass"])
    m = nlcodec.decode(raw)[0]
    d = m.to_dict()
    cs = m._set
    got = be.encode_set(cs, d["attrs"], cs.name)
    assert got == pure.encode_set(cs, d["attrs"], cs.name) and raw.endswith(got)
    rc, c_bytes = be.encode_status(cs, d["attrs"])
    assert rc == native.OK and c_bytes == got


@pytest.fixture
def be():
    return native.Backend()


def test_native_encodes_every_tc_request_as_tc_sent_it(be):
    not_in_c = []
    for line, raw in CORPUS:
        m = nlcodec.decode(raw)[0]
        d = m.to_dict()
        cs = m._set
        got = be.encode_set(cs, d["attrs"], cs.name)
        assert got == pure.encode_set(cs, d["attrs"], cs.name), line
        rc, c_bytes = be.encode_status(cs, d["attrs"])
        if rc == native.OK:
            assert c_bytes == got, line
        else:
            not_in_c.append(line)
    # (flower's geneve_opts: tc sends the enc_opts nests without NLA_F_NESTED,
    # which to_dict() keeps as "_flags": {"key_enc_opts": 0}; netem's TCA_OPTIONS is
    # struct tc_netem_qopt followed by attributes, a sub-message with a header
    # ("_header"): the C core lays out both.)
    assert not_in_c == []


def test_flags_bookkeeping_in_c_as_in_pure(be):
    """``_flags`` with one int per attribute, per-occurrence lists and an
    indexed array's element bits ("act[]", one int or a list by element) are
    the C encoder's; bits beyond NLA_F_NESTED|NLA_F_NET_BYTEORDER stay
    pure.py's.  Either way both backends give the same bytes."""
    line, raw = next((x, r) for x, r in CORPUS if "geneve_opts" in x)
    m = nlcodec.decode(raw)[0]
    d = m.to_dict()["attrs"]
    opts = d["options"]
    assert opts["_flags"]["key_enc_opts"] == 0
    cs = m._set
    for flags, in_c in (({"key_enc_opts": 0}, True), ({"key_enc_opts": 0x8000}, True),
                        ({"key_enc_opts": 0x4000, "key_enc_opts_mask": 0}, True),
                        ({"key_enc_opts": [0]}, True), ({"key_enc_opts": [None, 0]}, True),
                        ({"act[]": 0x8000}, True), ({"act[]": [0, 0x8000]}, True),
                        ({"key_enc_opts": 1}, False), ({"key_enc_opts": [1]}, False)):
        dd = dict(d, options=dict(opts, _flags=flags))
        got = be.encode_set(cs, dd, cs.name)
        assert got == pure.encode_set(cs, dd, cs.name), flags
        rc, c_bytes = be.encode_status(cs, dd)
        assert (rc == native.OK) == in_c, flags
        if in_c:
            assert c_bytes == got


def test_whole_messages_equal_tcs_bytes():
    if backends.name() != "native":
        pytest.skip("the native backend is not active")
    for line, raw in CORPUS:
        d = nlcodec.decode(raw)[0].to_dict()
        assert nlcodec.encode("route", d["type"], header=d["header"], attrs=d["attrs"],
                              flags=d["flags"], seq=d["seq"], pid=d["pid"]) == raw, line


def test_a_bad_struct_value_is_pures_error(be):
    """A struct the C core does not lay out, given wrong: the bake leaves it
    to pure, which names the member."""
    line, raw = next((x, r) for x, r in CORPUS if " u32 " in x and "match" in x)
    m = nlcodec.decode(raw)[0]
    d = m.to_dict()["attrs"]
    d["options"] = dict(d["options"], sel=dict(d["options"]["sel"], nkeys=99))
    with pytest.raises(nlcodec.EncodeError) as e_native:
        be.encode_set(m._set, d, m._set.name)
    with pytest.raises(nlcodec.EncodeError) as e_pure:
        pure.encode_set(m._set, d, m._set.name)
    assert str(e_native.value) == str(e_pure.value) and "nkeys" in str(e_pure.value)
