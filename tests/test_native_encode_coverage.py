"""The C encoder covers what real requests hold: not one part of them is
handed back to pure.py.

Expected bytes are iproute2's: tests/data/tc_corpus_requests.txt and
tests/data/tc_template_requests.txt hold what tc 6.1 wrote to its netlink
socket (captured with strace -e write=all, tests/tc_capture.py).  Each
request, taken as ``to_dict()`` gives it (bookkeeping keys included: netem's
tc_netem_qopt header, ``_flags`` where tc leaves NLA_F_NESTED off), is
encoded with ``nlcodec.encode`` on both backends; both must give tc's bytes,
and the native one must do it with ``nlcodec.native.FALLBACKS`` (every way an
encode leaves the C core: a payload or a nest by pure.py, a whole set, the
one-call header+attributes path) still zero.  The ``nlcodec bench`` inputs
(the samples written as users write them, and this machine's own link and
route dumps re-encoded) must encode in C alone too, to the same bytes as
pure.py.
"""

import os

import pytest

import nlcodec
from nlcodec import benchmark

native = pytest.importorskip("nlcodec.native")

HERE = os.path.dirname(os.path.abspath(__file__))


def _requests(name):
    with open(os.path.join(HERE, "data", name)) as f:
        rows = [x.rstrip("\n").split("\t") for x in f if x.strip() and not x.startswith("#")]
    return [(line, bytes.fromhex(h)) for line, h in rows if h != "-"]


REQUESTS = _requests("tc_corpus_requests.txt") + _requests("tc_template_requests.txt")


def _encode(d):
    return nlcodec.encode("route", d["type"], header=d["header"], attrs=d["attrs"],
                          flags=d["flags"], seq=d["seq"], pid=d["pid"])


def test_the_requests_hold_what_the_c_encoder_used_to_leave():
    words = " ".join(line for line, _ in REQUESTS)
    for w in (" netem ", " u32 ", " pedit ", " flower "):
        assert w in words
    assert any("_header" in nlcodec.decode(raw)[0].to_dict()["attrs"].get("options", {})
               for _, raw in REQUESTS)


def test_tcs_requests_encode_as_tc_sent_them_in_c_alone(codec):
    dicts = [(line, raw, nlcodec.decode(raw)[0].to_dict()) for line, raw in REQUESTS]
    native.reset_fallbacks()
    for line, raw, d in dicts:
        assert _encode(d) == raw, line
    left = native.reset_fallbacks()
    if nlcodec.backend() == "native":
        assert left == dict.fromkeys(left, 0)


def test_bench_inputs_encode_in_c_alone():
    nlcodec.use_backend("native")
    try:
        native.reset_fallbacks()
        got = {name: benchmark.sample_encoder(name)() for name in benchmark.SAMPLES}
        dumps = [nlcodec.decode(benchmark.live_dump(t))
                 for t in (benchmark._RTM_GETLINK, benchmark._RTM_GETROUTE)]
        again = [[m.encode() for m in msgs] for msgs in dumps]
        left = native.reset_fallbacks()
    finally:
        nlcodec.use_backend(None)
    assert left == dict.fromkeys(left, 0)
    nlcodec.use_backend("pure")
    try:
        assert got == {name: benchmark.sample_encoder(name)() for name in benchmark.SAMPLES}
        assert again == [[m.encode() for m in msgs] for msgs in dumps]
    finally:
        nlcodec.use_backend(None)
