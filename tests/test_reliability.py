"""Reliability under threads and forks (issue 17), short versions of the
scenarios in scripts/stress.py (which runs them longer in CI).

The expected results are not ours to invent: each concurrent run is compared
with the same program run by one thread in a fresh process, so any
difference (or a crash, or a hang) is a race.
"""


import pytest
from stress_loader import BACKENDS, stress  # noqa: E402


@pytest.mark.parametrize("backend", BACKENDS)
def test_concurrent_cold_start_matches_single_thread(backend):
    """8 (or 4) threads behind a barrier make their first decode at once in a
    fresh process (the link dump, then every attribute set of every family):
    every thread's results equal one thread's.  Before the fix: KeyError,
    wrong dicts and segfaults in about a third of the runs."""
    ref, err = stress._run_cold(backend, 1, True)
    assert err is None, err
    for i in range(8 if backend == "native" else 4):
        got, err = stress._run_cold(backend, 8 if i % 2 == 0 else 4, True)
        assert err is None, f"run {i}: {err}"
        for t, r in enumerate(got):
            assert r == ref[0], f"run {i} thread {t}: {stress._first_diff(r, ref[0])}"


@pytest.mark.skipif("native" not in BACKENDS, reason="needs the C core")
def test_thread_scratch_freed_at_thread_exit():
    """2,000 short-lived threads that each decode and encode once: RSS grows
    by less than 20 MB after the first 50 (before the fix: +100 MB here,
    1.15 MB per thread in the audit)."""
    n, fails, msgs = stress.scenario_scratch(None, nthreads=2000)
    assert fails == 0, msgs


@pytest.mark.parametrize("backend", BACKENDS)
def test_fork_during_first_use_in_other_threads(backend):
    """A fork while 4 other threads are in their first use: the child (one
    thread) finishes, and its results equal a single-thread run's.  Before
    the fix the child blocked forever on a lock (or on the native module's
    import) held by a thread that does not exist in it."""
    n, fails, msgs = stress.scenario_fork(None, runs=4, backends=(backend,))
    assert fails == 0, msgs


# -- deep encode (issue 17 part 8) ---------------------------------------------

OVS_KEY_ATTR_ENCAP, OVS_KEY_ATTR_IN_PORT = 1, 3     # linux/openvswitch.h, enum ovs_key_attr


def _key_tree(n):
    d = {"in_port": 1}
    for _ in range(n):
        d = {"encap": d}
    return d


def _key_bytes(n):
    """The same tree by hand: OVS_KEY_ATTR_ENCAP nests n deep around an
    OVS_KEY_ATTR_IN_PORT u32 (struct nlattr, linux/netlink.h)."""
    import struct
    b = struct.pack("<HHI", 8, OVS_KEY_ATTR_IN_PORT, 1)
    for _ in range(n):
        b = struct.pack("<HH", 4 + len(b), OVS_KEY_ATTR_ENCAP) + b
    return b


@pytest.mark.parametrize("backend", BACKENDS)
def test_encode_refuses_what_decode_refuses(backend):
    """Nest depth: encode gives bytes exactly when the decoder accepts the
    same tree written by hand; beyond, EncodeError (before: bytes the decoder
    then refused, and RecursionError at 2,000 levels)."""
    import nlcodec
    from nlcodec import DecodeError, EncodeError
    old = nlcodec.backend()
    nlcodec.use_backend(backend)
    try:
        for n in (1, 31, 32, 33, 34, 40, 2000):
            try:
                nlcodec.decode_attrs(_key_bytes(n), "ovs_flow", "key_attrs")
                decodes = True
            except DecodeError:
                decodes = False
            if decodes:
                assert nlcodec.encode_attrs("ovs_flow", "key_attrs", _key_tree(n)) == \
                    _key_bytes(n), n
            else:
                with pytest.raises(EncodeError, match="nesting deeper"):
                    nlcodec.encode_attrs("ovs_flow", "key_attrs", _key_tree(n))
        assert not decodes          # the last (2,000 deep) was refused
    finally:
        nlcodec.use_backend(old)


# -- hostile YNL specs (issue 17 part 7) -------------------------------------------


def test_hostile_ynl_specs_raise_only_spec_error_naming_the_path():
    """100 mutations of the YNL specs in tests/data/ynl (the kernel's own,
    Documentation/netlink/specs): a Family or a SpecError whose message
    starts with the spec's path.  Before: KeyError, TypeError,
    AttributeError, ValueError, RecursionError."""
    bad = [b for i, (p, d) in enumerate(stress.ynl_mutants(1, 100))
           if (b := stress.ynl_check(p, d, i))]
    assert not bad, bad[:5]


def test_ynl_specific_hostile_shapes(tmp_path):
    import nlcodec
    from nlcodec import SpecError, ynl
    base = {"name": "hostile", "protocol": "genetlink",
            "attribute-sets": [{"name": "a", "attributes": [{"name": "x", "type": "u32"}]}],
            "operations": {"list": [{"name": "get", "value": 1,
                                     "do": {"request": {"attributes": ["x"]}}}]}}
    cases = {
        "subset of itself": {"attribute-sets": [{"name": "a", "subset-of": "a",
                                                 "attributes": [{"name": "x"}]}]},
        "attribute without a name": {"attribute-sets": [{"name": "a",
                                                         "attributes": [{"type": "u32"}]}]},
        "attributes not a list": {"attribute-sets": [{"name": "a", "attributes": 5}]},
        "duplicate names": {"attribute-sets": [{"name": "a", "attributes": [
            {"name": "x", "type": "u32"}, {"name": "x", "type": "u16"}]}]},
        "negative check": {"attribute-sets": [{"name": "a", "attributes": [
            {"name": "x", "type": "binary", "checks": {"max-len": -3}}]}]},
    }
    for what, change in cases.items():
        p = tmp_path / "hostile.yaml"
        import yaml
        p.write_text(yaml.safe_dump({**base, **change}))
        with pytest.raises(SpecError) as ei:
            ynl.load(str(p))
        assert str(ei.value).startswith(str(p)), (what, str(ei.value))
    # a huge length check loads, and both backends decode alike (before:
    # OverflowError in native, pure decoded)
    doc = {**base, "attribute-sets": [{"name": "a", "attributes": [
        {"name": "x", "type": "binary", "checks": {"max-len": 2 ** 40, "min-len": 2}}]}]}
    fam = ynl.load(doc, name="hostile_checks")
    from nlcodec import backends, registry
    cs = registry.compiled(fam).set("a")
    data = bytes.fromhex("0600010061620000")          # x = "ab": 2 bytes, inside the bounds
    short = bytes.fromhex("0500010061000000")         # 1 byte: under min-len
    got = {}
    for be in BACKENDS:
        old = nlcodec.backend()
        nlcodec.use_backend(be)
        try:
            got[be] = backends.active().decode_attrs(cs, data, 0, len(data), "a")
            with pytest.raises(nlcodec.DecodeError):
                backends.active().decode_attrs(cs, short, 0, len(short), "a")
        finally:
            nlcodec.use_backend(old)
    assert all(v == {"x": "6162"} for v in got.values()), got
