"""Bulk flower requests: a Template with holes (handle, src_mac, dst_mac)
streamed through do_many's window builder, beside the dict path, per
backend (nlcodec/bench_template.py; `nlcodec bench template` adds tc -b's
user CPU for the same lines).  Per-filter microseconds are in
extra_info["us_per_message"]."""

import pytest

import nlcodec
from nlcodec import bench_template as bt

N = 20000


@pytest.fixture(scope="module")
def sock():
    with nlcodec.connect("route") as s:
        yield s


def _check(benchmark, fn, sock):
    got = benchmark.pedantic(lambda: fn(sock, N), rounds=3, iterations=1)
    assert got[1] == N
    if benchmark.stats is not None:
        benchmark.extra_info["us_per_message"] = benchmark.stats.stats.median / N * 1e6


def test_flower_template_window(benchmark, backend, sock):
    _check(benchmark, bt.run_template, sock)


def test_flower_dicts_window(benchmark, backend, sock):
    _check(benchmark, bt.run_dicts, sock)
