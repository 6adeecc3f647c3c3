"""The C encoder gives up one nest at a time, and gives pure.py's bytes.

The bookkeeping keys (``_order``, ``_raw``, ``_repeated``, ``_pad``,
``_flags`` with one int or a list by occurrence, ``"name[]"`` element bits)
are the C core's; what it does not read itself (forms of them it does not
parse, names it does not know, values it does not parse) goes to pure.py for
that nest or that payload alone (``nlc_py_fallback``); the rest of the
message stays in C.  pure.py is
the reference semantics of the bookkeeping keys (nlcodec/pure.py's module
docstring), so these are differential tests: native == pure on every input,
the same EncodeError when pure refuses.  The requests are iproute2's tc's own
(tests/data/tc_corpus_requests.txt, captured with strace); a request whose
bookkeeping says what the wire already holds (``_raw`` of a payload as tc
sent it) still encodes to tc's bytes.
"""

import os

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

import nlcodec
from nlcodec import EncodeError, pure
from nlcodec.registry import compiled
from nlcodec.strategies import attrs_for

native = pytest.importorskip("nlcodec.native")
NATIVE = native.Backend()
EXAMPLES = int(os.environ.get("NLCODEC_DIFF_EXAMPLES", "60"))
HERE = os.path.dirname(os.path.abspath(__file__))


def _corpus():
    with open(os.path.join(HERE, "data", "tc_corpus_requests.txt")) as f:
        rows = [x.rstrip("\n").split("\t") for x in f if x.strip() and not x.startswith("#")]
    out = []
    for line, h in rows:
        if h == "-":
            continue
        raw = bytes.fromhex(h)
        m = nlcodec.decode(raw)[0]
        out.append((line, raw, m._set, m.to_dict()))
    return out


CORPUS = _corpus()


def same(cs, d):
    """native == pure: the same bytes, or the same error (pure's own; that
    pure raises EncodeError for every wrong dict is not this file's subject)."""
    try:
        want = pure.encode_set(cs, d, cs.name)
    except Exception as e:
        with pytest.raises(type(e)) as got:
            NATIVE.encode_set(cs, d, cs.name)
        assert str(got.value) == str(e)
        return None
    assert NATIVE.encode_set(cs, d, cs.name) == want
    return want


def _flower(word):
    return next(x for x in CORPUS if " flower " in x[0] and word in x[0])


def test_one_nest_with_bookkeeping_goes_to_pure_alone():
    """Bookkeeping keys in flower's options nest: the C core reads ``_order``,
    per-occurrence ``_flags``, ``_repeated``, ``_raw`` and ``_pad`` itself;
    forms it does not read (hex with spaces, flag bits beyond NLA_F_*) send
    that nest alone to pure.py (one part handed back).  The bytes are pure's
    either way."""
    line, raw, cs, d = _flower("dst_mac")
    attrs = d["attrs"]
    opts = attrs["options"]
    keys = [k for k in opts if k[:1] != "_"]
    assert len(keys) >= 3, line
    for extra, parts_want in (
            ({"_order": keys[::-1]}, 0), ({"_flags": {keys[0]: [0]}}, 0),
            ({"_flags": {keys[0]: [1]}}, 1), ({"_pad": {"0": "0000"}}, 0),
            ({"_pad": {len(keys) - 1: ""}}, 0), ({"_pad": {"0": "00 00"}}, 1),
            ({"_repeated": [keys[0]], keys[0]: [opts[keys[0]]] * 2,
              "_order": [keys[0], keys[1], keys[0]]}, 0),
            ({"_repeated": [keys[0]], keys[0]: [opts[keys[0]]] * 2}, 0),
            ({"_raw": {keys[0]: "00"}}, 0), ({"_raw": {keys[0]: "00 01"}}, 1),
            ({"_repeated": [keys[0]], keys[0]: [opts[keys[0]]] * 3,
              "_raw": {keys[0]: [None, "abcd"]}}, 0),
            ({"_repeated": [keys[0]], keys[0]: [opts[keys[0]]] * 2,
              "_raw": {keys[0]: (None, "abcd")}}, 0)):
        dd = dict(attrs, options=dict(opts, **extra))
        want = same(cs, dd)
        rc, got, parts = NATIVE.encode_status(cs, dd, fallback=True)
        assert rc == native.OK and got == want and parts == parts_want, extra
    # without the key the whole message is the C core's
    rc, got, parts = NATIVE.encode_status(cs, attrs, fallback=True)
    assert rc == native.OK and parts == 0 and raw.endswith(got)


def test_raw_as_tc_sent_it_gives_tcs_bytes():
    """``_raw`` of an attribute holding the payload tc sent: the message is
    still tc's bytes (the nest with it goes to pure, the rest stays in C)."""
    line, raw, cs, d = _flower("dst_mac")
    attrs = d["attrs"]
    opts = attrs["options"]
    mac = next(k for k in opts if k == "key_eth_dst")
    payload = bytes.fromhex(opts[mac].replace(":", ""))
    dd = dict(attrs, options=dict(opts, _raw={mac: payload.hex()}))
    got = NATIVE.encode_set(cs, dd, cs.name)
    assert raw.endswith(got) and got == pure.encode_set(cs, dd, cs.name)


def test_top_level_bookkeeping_is_the_c_cores_too():
    """The message's own dict is the outermost nest: the C core reads its
    ``_order``; what it gives up on there goes to pure.py whole."""
    line, raw, cs, d = _flower("dst_mac")
    attrs = d["attrs"]
    keys = [k for k in attrs if k[:1] != "_"]
    dd = dict(attrs, _order=keys)
    assert same(cs, dd) == raw[raw.index(pure.encode_set(cs, attrs, cs.name)):]
    assert NATIVE.encode_status(cs, dd, fallback=True)[:3:2] == (native.OK, 0)
    dd = dict(attrs, _pad={"0": "00 00 00"})
    same(cs, dd)
    assert NATIVE.encode_status(cs, dd, fallback=True)[0] != native.OK


def test_errors_are_pures_errors():
    line, raw, cs, d = _flower("dst_mac")
    attrs = d["attrs"]
    opts = attrs["options"]
    for extra in ({"_order": ["no_such"]}, {"_raw": {"key_eth_dst": "zz"}},
                  {"_pad": {"99": "00"}}, {"_repeated": ["key_eth_dst"]},
                  {"key_eth_dst": "not a mac"}, {"no_such_key": 1}):
        dd = dict(attrs, options=dict(opts, **extra))
        with pytest.raises(EncodeError):
            pure.encode_set(cs, dd, cs.name)
        same(cs, dd)


def test_masked_text_in_a_nest():
    """An address with a prefix ("10.7.0.0/24") in flower's options: pure
    splits it into address and mask within the nest; native agrees."""
    line, raw, cs, d = next(x for x in CORPUS if " flower " in x[0] and "dst_ip" in x[0])
    attrs = d["attrs"]
    opts = dict(attrs["options"])
    ip = next(k for k in ("key_ipv4_dst", "key_ipv6_dst") if k in opts)
    mask = opts.pop(ip + "_mask")
    opts[ip] = f"{opts[ip]}/{mask}"
    dd = dict(attrs, options=opts)
    assert same(cs, dd) is not None


# -- hypothesis: bookkeeping keys anywhere in real requests and spec trees ---------------

_BOOK = ("_order", "_raw", "_pad", "_repeated", "_flags")


def _inject(v, data, depth=0):
    if isinstance(v, list):
        return [_inject(x, data, depth + 1) for x in v]
    if not isinstance(v, dict) or depth > 12:
        return v
    out = {k: _inject(x, data, depth + 1) for k, x in v.items()}
    keys = [k for k in out if k[:1] != "_"]
    if not keys or not data.draw(st.booleans()):
        return out
    kind = data.draw(st.sampled_from(_BOOK))
    k = data.draw(st.sampled_from(keys))
    if kind == "_order":
        order = data.draw(st.permutations(keys))
        for x in keys:      # a list value: one name per element (as decode writes it)
            if isinstance(out[x], list) and data.draw(st.booleans()):
                order += [x] * (len(out[x]) - 1)
        out["_order"] = order
    elif kind == "_raw":
        out["_raw"] = {k: data.draw(st.binary(max_size=12)).hex()}
    elif kind == "_pad":
        out["_pad"] = {data.draw(st.sampled_from([0, len(keys) - 1, "0"])):
                       data.draw(st.binary(max_size=3)).hex()}
    elif kind == "_repeated":
        out["_repeated"] = [k]
        out[k] = [out[k]] * data.draw(st.integers(1, 3))
    else:
        out["_flags"] = {k: data.draw(st.sampled_from(
            [0, 0x4000, 0x8000, 0xC000, [0], [0x8000, 0], 1]))}
    return out


_SLOW = dict(deadline=None, suppress_health_check=list(HealthCheck))


@settings(max_examples=EXAMPLES * 3, **_SLOW)
@given(st.sampled_from(CORPUS), st.data())
def test_real_requests_with_bookkeeping_agree(req, data):
    line, raw, cs, d = req
    same(cs, _inject(d["attrs"], data))


_TOP = [("tc", "tc_attrs"), ("rt_link", "link_attrs"), ("ovs_flow", "flow_attrs"),
        ("conntrack", "conntrack_attrs"), ("rt_route", "route_attrs"), ("nlctrl", "ctrl_attrs"),
        ("devlink", "devlink")]


@pytest.mark.parametrize("fam,sname", _TOP, ids=[f"{a}.{b}" for a, b in _TOP])
def test_spec_trees_with_bookkeeping_agree(fam, sname):
    cs = compiled(nlcodec.families()[fam]).sets[sname]

    @settings(max_examples=EXAMPLES, **_SLOW)
    @given(attrs_for(cs), st.data())
    def check(d, data):
        try:
            b = pure.encode_set(cs, d, cs.name)
        except EncodeError:
            return
        dec = pure.decode_set(cs, b, 0, len(b), cs.name)
        same(cs, _inject(dec, data))
        same(cs, _inject(d, data))
    check()


def _general(cs, d):
    """pure.encode_set without its common-case loop (pure._plain)."""
    real = pure._plain
    pure._plain = lambda *a: None
    try:
        return pure.encode_set(cs, d, cs.name)
    finally:
        pure._plain = real


@pytest.mark.parametrize("fam,sname", _TOP, ids=[f"{a}.{b}" for a, b in _TOP])
def test_pures_common_case_loop_is_its_general_loop(fam, sname):
    """pure.py's reference semantics are its general loop; the loop for dicts
    without bookkeeping keys gives the same bytes and the same errors."""
    cs = compiled(nlcodec.families()[fam]).sets[sname]

    @settings(max_examples=EXAMPLES, **_SLOW)
    @given(attrs_for(cs))
    def check(d):
        try:
            want = _general(cs, d)
        except Exception as e:
            with pytest.raises(type(e)) as got:
                pure.encode_set(cs, d, cs.name)
            assert str(got.value) == str(e)
            return
        assert pure.encode_set(cs, d, cs.name) == want
    check()


def test_pures_common_case_loop_on_tcs_requests():
    for line, raw, cs, d in CORPUS:
        got = pure.encode_set(cs, d["attrs"], cs.name)
        assert got == _general(cs, d["attrs"]) and raw.endswith(got), line
