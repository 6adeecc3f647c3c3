"""Encode of the requests iproute2's tc really sends, from their ``to_dict()``
(what a tool that edits and re-sends real requests pays), both backends side
by side: the 18 filter requests of bench/fixtures/tc_requests.bin (made by
make_tc_requests.py: flower, u32, matchall, basic with actions) and the
whole strace corpus of tests/data/tc_corpus_requests.txt (every tc word
nlcodec.tc reads: u32 and pedit struct arrays, police rate tables, ...).
Every run's bytes are tc's own.

Run: python3 -m pytest bench/test_bench_encode.py --benchmark-only
Per-message microseconds (from the median) are in extra_info["us_per_message"]."""

import os

import pytest

import nlcodec
from nlcodec.benchmark import split_messages

from conftest import FIXTURES
from test_bench_messages import per_message

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _fixture():
    path = os.path.join(FIXTURES, "tc_requests.bin")
    if not os.path.exists(path):
        pytest.skip(f"{path} missing: run bench/fixtures/make_tc_requests.py (root, tc, strace)")
    with open(path, "rb") as f:
        return split_messages(f.read())


def _corpus():
    path = os.path.join(ROOT, "tests", "data", "tc_corpus_requests.txt")
    if not os.path.exists(path):
        pytest.skip(f"{path} missing")
    with open(path) as f:
        rows = [x.rstrip("\n").split("\t") for x in f if x.strip() and not x.startswith("#")]
    return [bytes.fromhex(h) for _, h in rows if h != "-"]


SOURCES = {"tc_requests": _fixture, "tc_corpus": _corpus}


@pytest.mark.parametrize("name", list(SOURCES))
def test_encode_real_tc_requests(benchmark, backend, name):
    raws = SOURCES[name]()
    dicts = [nlcodec.decode(r)[0].to_dict() for r in raws]
    enc = nlcodec.encode
    benchmark.group = f"encode {name}"

    def run():
        return [enc("route", d["type"], header=d["header"], attrs=d["attrs"], flags=d["flags"],
                    seq=d["seq"], pid=d["pid"]) for d in dicts]
    assert benchmark(run) == raws
    per_message(benchmark, len(dicts))
