"""The references, measured in the same run as bench/test_bench_messages.py and
bench/test_bench_sockets.py on the same inputs:

- pyroute2: MarshalRtnl decoding the link and route dumps; route add and route
  dump through IPRoute in a private netns;
- construct: the naive "spec only" decode (nlmsghdr + fixed header + a flat
  GreedyRange of nlattrs, nlcodec.benchmark.construct_decoder), which the design
  rejects on hot paths;
- tshark -T json beside nlcodec decode --json (and the same in process) on a
  5000-record pcap made from tests/data/link_dump.pcap's records.

Per-message microseconds are in extra_info["us_per_message"].
"""

import json
import os
import shutil
import socket
import subprocess
import sys

import pytest

import nlcodec
from nlcodec import benchmark as nb
from nlcodec.pcap import read_records, write_pcap

from test_bench_messages import DUMPS, dump_fixture, per_message

HERE = os.path.dirname(os.path.abspath(__file__))
PCAP = os.path.join(os.path.dirname(HERE), "tests", "data", "link_dump.pcap")
RECORDS = 5000


@pytest.fixture(scope="module", params=list(DUMPS))
def dump(request):
    data = dump_fixture(request.param)
    return request.param, data, len(nlcodec.decode(data))


def test_pyroute2_decode(benchmark, dump):
    pytest.importorskip("pyroute2")
    name, data, n = dump
    decode = nb.pyroute2_decoder()
    out = benchmark(decode, data)
    assert len(out) == n
    per_message(benchmark, n)


def test_construct_decode(benchmark, dump):
    name, data, n = dump
    parse = nb.construct_decoder()
    out = benchmark(parse, data)
    assert len(out) == n
    ours = nlcodec.decode(data)
    # same attribute count as our decode of the first message (no repeats at the top)
    first = ours[0]
    assert len(out[0].body.attrs) == len([k for k in first.attrs if not k.startswith("_")])
    per_message(benchmark, n)


# -- captures to JSON ---------------------------------------------------------------


@pytest.fixture(scope="module")
def big_pcap(tmp_path_factory):
    recs = [r.data for r in read_records(PCAP)]
    path = str(tmp_path_factory.mktemp("pcap") / "big.pcap")
    write_pcap(path, [recs[i % len(recs)] for i in range(RECORDS)])
    n = nb.capture_to_json(path)
    assert n >= RECORDS
    return path, n


def test_capture_json_in_process(benchmark, backend, big_pcap):
    path, n = big_pcap
    assert benchmark.pedantic(nb.capture_to_json, args=(path,), rounds=3,
                              warmup_rounds=1) == n
    per_message(benchmark, n)


def test_capture_json_cli(benchmark, backend, big_pcap):
    """nlcodec decode --json as a user runs it: a process, interpreter start included."""
    path, n = big_pcap
    env = dict(os.environ, NLCODEC_BACKEND=backend)

    def run():
        return subprocess.run([sys.executable, "-m", "nlcodec", "decode", path, "--json"],
                              capture_output=True, env=env, check=True).stdout
    out = benchmark.pedantic(run, rounds=3)
    assert out.count(b"\n") == n
    per_message(benchmark, n)


def test_tshark_capture_json(benchmark, big_pcap):
    tshark = shutil.which("tshark")
    if not tshark:
        pytest.skip("tshark is not installed")
    path, n = big_pcap

    def run():
        return subprocess.run([tshark, "-r", path, "-T", "json"], capture_output=True,
                              check=True).stdout
    out = benchmark.pedantic(run, rounds=3)
    assert len(json.loads(out)) == RECORDS          # tshark: one object per record
    per_message(benchmark, n)


# the bundled OVS/genl capture: real ovs-dpctl and kernel traffic (make_ovs_capture.py)
OVS_PCAP = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures",
                        "ovs_capture.pcap")


def test_ovs_capture_json_cli(benchmark, backend):
    """nlcodec decode --json of the OVS capture, a whole process."""
    env = dict(os.environ, NLCODEC_BACKEND=backend)
    n = nb.capture_to_json(OVS_PCAP)

    def run():
        return subprocess.run([sys.executable, "-m", "nlcodec", "decode", OVS_PCAP, "--json"],
                              capture_output=True, env=env, check=True).stdout
    out = benchmark.pedantic(run, rounds=5, warmup_rounds=1)
    assert out.count(b"\n") == n
    per_message(benchmark, n)


def test_tshark_ovs_capture_json(benchmark):
    tshark = shutil.which("tshark")
    if not tshark:
        pytest.skip("tshark is not installed")
    n = nb.capture_to_json(OVS_PCAP)

    def run():
        return subprocess.run([tshark, "-r", OVS_PCAP, "-T", "json"], capture_output=True,
                              check=True).stdout
    out = benchmark.pedantic(run, rounds=5, warmup_rounds=1)
    assert len(json.loads(out)) == len(list(read_records(OVS_PCAP)))   # one per record
    per_message(benchmark, n)


# -- pyroute2 on the kernel (a private netns) -----------------------------------------

N_ADD = 2000
N_DUMP = 10000


@pytest.fixture(scope="module")
def ns():
    if os.geteuid() != 0:
        pytest.skip("needs root (a private network namespace)")
    pytest.importorskip("pyroute2")
    from nlcodec import netns
    with netns.temporary("nlcref") as name:
        yield name


@pytest.fixture
def ipr(ns):
    from pyroute2 import IPRoute
    from nlcodec import netns
    with netns.enter(ns):
        s = IPRoute()
    yield s
    s.close()


@pytest.mark.live
def test_pyroute2_route_add(benchmark, ns, ipr):
    dsts = [socket.inet_ntoa((0x0A010000 + i).to_bytes(4, "big")) + "/32" for i in range(N_ADD)]

    def run():
        for d in dsts:
            ipr.route("add", dst=d, oif=1, proto=4, scope=253)
    benchmark.pedantic(run, setup=lambda: nb.flush_routes(ns), rounds=2)
    assert nb.count_routes(ns) == N_ADD
    per_message(benchmark, N_ADD)


@pytest.mark.live
def test_pyroute2_route_dump(benchmark, ns, ipr):
    nb.flush_routes(ns)
    nb.ip(ns, "-batch", "-", input=nb.ip_batch_routes(N_DUMP))

    def run():
        return [r.dump() for r in ipr.route("dump", family=socket.AF_INET)]
    out = benchmark.pedantic(run, rounds=3, warmup_rounds=1)
    assert len(out) >= N_DUMP
    per_message(benchmark, len(out))
    if benchmark.stats is not None:
        benchmark.extra_info["routes_per_s"] = len(out) / benchmark.stats["median"]
