"""Property tests over every attribute set of every family in the registry.

- random valid attribute trees (drawn from the specs) encode, decode and
  encode again to the same bytes;
- random and mutated bytes never raise anything but DecodeError.
"""

import pytest
from hypothesis import given, strategies as st

import nlcodec
from nlcodec import DecodeError, EncodeError
from nlcodec import backends
from nlcodec.registry import compiled
from nlcodec.strategies import attrs_for


def _all_sets():
    out = []
    for name, fam in sorted(nlcodec.families().items()):
        cf = compiled(fam)
        for sname in sorted(fam.attrsets):
            out.append((name, sname, cf.sets[sname]))
    return out


SETS = _all_sets()
IDS = [f"{f}.{s}" for f, s, _ in SETS]


def _dec(cs, data):
    r = backends.active().decode_attrs(cs, data, 0, len(data), cs.name, False)
    return r if type(r) is dict else r.load()


def _enc(cs, d):
    return backends.active().encode_set(cs, d, cs.name)


@pytest.mark.parametrize("fam, sname, cs", SETS, ids=IDS)
def test_valid_trees_roundtrip(fam, sname, cs):
    @given(attrs_for(cs))
    def check(d):
        try:
            first = _enc(cs, d)
        except EncodeError:
            # a drawn value the spec cannot carry (e.g. a struct member range) is
            # the encoder's to refuse; it must say so with EncodeError
            return
        decoded = _dec(cs, first)
        again = _enc(cs, decoded)
        assert again == first
        assert _dec(cs, again) == decoded
    check()


@pytest.mark.parametrize("fam, sname, cs", SETS, ids=IDS)
def test_random_bytes_only_raise_decode_error(fam, sname, cs):
    @given(st.binary(max_size=300))
    def check(data):
        try:
            d = _dec(cs, data)
        except DecodeError:
            return
        assert isinstance(d, dict)
    check()


@pytest.mark.parametrize("fam, sname, cs", SETS, ids=IDS)
def test_mutated_valid_messages(fam, sname, cs):
    @given(attrs_for(cs), st.data())
    def check(d, data):
        try:
            raw = bytearray(_enc(cs, d))
        except EncodeError:
            return
        if not raw:
            return
        for _ in range(data.draw(st.integers(1, 4))):
            i = data.draw(st.integers(0, len(raw) - 1))
            raw[i] ^= 1 << data.draw(st.integers(0, 7))
        cut = data.draw(st.integers(0, len(raw)))
        try:
            _dec(cs, bytes(raw[:cut]))
        except DecodeError:
            pass
    check()


@pytest.mark.parametrize("protocol", ["route", "generic"])
@given(data=st.binary(max_size=400))
def test_message_streams_only_raise_decode_error(protocol, data):
    try:
        msgs = nlcodec.decode(data, protocol)
    except DecodeError:
        return
    for m in msgs:
        m.to_dict()
