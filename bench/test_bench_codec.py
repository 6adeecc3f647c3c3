"""Codec throughput on a real RTM_NEWLINK dump (400+ links, captured in a netns
by bench/fixtures/make_link_dump.py), per backend, with pyroute2 beside it.

Run: make bench   (or python3 -m pytest bench --benchmark-only)
Per-message figures are in each result's extra_info.
"""

import pytest

import nlcodec

from conftest import fixture_bytes


@pytest.fixture(scope="module")
def link_dump():
    data = fixture_bytes("link_dump.bin")
    msgs = [m for m in nlcodec.decode(data) if m.type == "newlink"]
    assert len(msgs) >= 400
    return data, len(msgs)


def test_decode_link_dump_full(benchmark, backend, link_dump):
    data, n = link_dump

    def run():
        return [m.to_dict() for m in nlcodec.decode(data)]
    out = benchmark(run)
    assert len(out) >= n
    benchmark.extra_info["messages"] = n
    benchmark.extra_info["us_per_message"] = benchmark.stats["mean"] / n * 1e6


def test_decode_link_dump_lazy_get(benchmark, backend, link_dump):
    data, n = link_dump
    msgs = nlcodec.decode(data, lazy=True)

    def run():
        return [m.get("ifname") for m in msgs]
    names = benchmark(run)
    assert all(isinstance(x, str) for x in names[:n])
    benchmark.extra_info["us_per_message"] = benchmark.stats["mean"] / len(msgs) * 1e6


def test_decode_lazy_then_get(benchmark, backend, link_dump):
    data, n = link_dump

    def run():
        return [m.get("ifname") for m in nlcodec.decode(data, lazy=True)]
    benchmark(run)
    benchmark.extra_info["us_per_message"] = benchmark.stats["mean"] / n * 1e6


def test_reencode_link_dump(benchmark, backend, link_dump):
    data, n = link_dump
    msgs = nlcodec.decode(data)
    for m in msgs:
        m.to_dict()

    def run():
        return b"".join(m.encode() for m in msgs)
    assert benchmark(run) == data
    benchmark.extra_info["us_per_message"] = benchmark.stats["mean"] / n * 1e6


def test_pyroute2_decode_link_dump(benchmark, link_dump):
    marshal = pytest.importorskip("pyroute2.netlink.rtnl.marshal")
    data, n = link_dump
    m = marshal.MarshalRtnl()

    def run():
        return [x.dump() for x in m.parse(data)]
    benchmark.pedantic(run, rounds=5, iterations=1)
    benchmark.extra_info["us_per_message"] = benchmark.stats["mean"] / n * 1e6
