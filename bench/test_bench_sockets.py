"""Socket round trips in a private network namespace (root), per backend, beside
iproute2 and pyroute2 in the same run:

- route add of 10000 /32 routes: Socket.do_many vs ip -batch;
- route dump + decode of 10000+ routes: connect("route", netns=ns).dump("getroute")
  vs ip route show vs pyroute2;
- link dump + decode with 200 veths: dump("getlink") vs ip link show vs pyroute2.

Every run is checked against the kernel's own count (ip ... show).
Per-message microseconds are in extra_info["us_per_message"].
"""

import os
import socket
import subprocess

import pytest

import nlcodec
from nlcodec import benchmark as nb

from test_bench_messages import per_message

pytestmark = pytest.mark.live

N_ROUTES = 10000
N_VETHS = 200


def _need_spec(name):
    from nlcodec import registry
    if registry.message_by_name("route", name) is None:
        pytest.skip(f"no spec in the registry has {name} yet (specs/ for rtnetlink)")


@pytest.fixture(scope="module")
def ns():
    if os.geteuid() != 0:
        pytest.skip("needs root (a private network namespace)")
    from nlcodec import netns
    with netns.temporary("nlcsock") as name:
        yield name


@pytest.fixture(scope="module")
def veth_ns():
    if os.geteuid() != 0:
        pytest.skip("needs root (a private network namespace)")
    from nlcodec import netns
    with netns.temporary("nlcveth") as name:
        nb.add_veths(name, N_VETHS // 2)
        n = len(nb.ip(name, "-o", "link", "show").stdout.splitlines())
        assert n == N_VETHS + 1                   # and lo
        yield name, n


@pytest.fixture
def routes(ns):
    """The namespace with exactly N_ROUTES static routes (added by ip -batch)."""
    if nb.count_routes(ns) != N_ROUTES:
        nb.flush_routes(ns)
        nb.ip(ns, "-batch", "-", input=nb.ip_batch_routes(N_ROUTES))
    assert nb.count_routes(ns) == N_ROUTES
    return ns


# -- route add -------------------------------------------------------------------


def test_route_add_do_many(benchmark, backend, ns):
    _need_spec("newroute")
    reqs = nb.route_requests(N_ROUTES)
    with nlcodec.connect("route", netns=ns) as s:
        s.do_many(reqs[:10])            # first use: tables compiled, buffers sized
        res = benchmark.pedantic(s.do_many, args=(reqs,), setup=lambda: nb.flush_routes(ns),
                                 rounds=3)
    res.raise_first()
    assert res.count == N_ROUTES
    assert nb.count_routes(ns) == N_ROUTES
    per_message(benchmark, N_ROUTES)


def test_route_add_ip_batch(benchmark, ns, tmp_path):
    batch = tmp_path / "routes.batch"
    batch.write_text(nb.ip_batch_routes(N_ROUTES))

    def run():
        subprocess.run(["ip", "-n", ns, "-batch", str(batch)], check=True, capture_output=True)
    benchmark.pedantic(run, setup=lambda: nb.flush_routes(ns), rounds=3)
    assert nb.count_routes(ns) == N_ROUTES
    per_message(benchmark, N_ROUTES)


# -- dumps ---------------------------------------------------------------------------


def _dump(benchmark, ns, msg, header):
    with nlcodec.connect("route", netns=ns) as s:
        def run():
            return [m.to_dict() for m in s.dump(msg, header=header)]
        out = benchmark.pedantic(run, rounds=5, warmup_rounds=1)
    per_message(benchmark, len(out))
    if benchmark.stats is not None:
        benchmark.extra_info["messages_per_s"] = len(out) / benchmark.stats["median"]
    return out


def test_route_dump(benchmark, backend, routes):
    _need_spec("newroute")
    out = _dump(benchmark, routes, "getroute", {"family": socket.AF_INET})
    dsts = {m["attrs"].get("dst") for m in out if m["header"].get("table") == 254}
    assert len(dsts) >= N_ROUTES and "10.1.0.0" in dsts


def test_route_dump_ip(benchmark, routes):
    def run():
        return nb.ip(routes, "-4", "route", "show", "table", "all").stdout
    out = benchmark.pedantic(run, rounds=5)
    n = len(out.splitlines())
    assert n >= N_ROUTES
    per_message(benchmark, n)


def test_route_dump_ip_json(benchmark, routes):
    """ip -j: the JSON that scripts read, the reference of the route dump target."""
    import json

    def run():
        return nb.ip(routes, "-j", "-4", "route", "show", "table", "all").stdout
    out = json.loads(benchmark.pedantic(run, rounds=5))
    assert len(out) >= N_ROUTES
    per_message(benchmark, len(out))


def test_route_dump_pyroute2(benchmark, routes):
    pytest.importorskip("pyroute2")
    from pyroute2 import IPRoute
    from nlcodec import netns
    with netns.enter(routes):
        ipr = IPRoute()
    try:
        out = benchmark.pedantic(lambda: [r.dump() for r in ipr.route("dump",
                                                                     family=socket.AF_INET)],
                                 rounds=3, warmup_rounds=1)
    finally:
        ipr.close()
    assert len(out) >= N_ROUTES
    per_message(benchmark, len(out))


def test_link_dump(benchmark, backend, veth_ns):
    _need_spec("newlink")
    ns, n = veth_ns
    out = _dump(benchmark, ns, "getlink", None)
    names = {m["attrs"].get("ifname") for m in out}
    assert len(out) == n and {"lo", "vb0a", "vb0b", f"vb{N_VETHS // 2 - 1}b"} <= names


def test_link_dump_ip(benchmark, veth_ns):
    ns, n = veth_ns
    out = benchmark.pedantic(lambda: nb.ip(ns, "-o", "link", "show").stdout, rounds=5)
    assert len(out.splitlines()) == n
    per_message(benchmark, n)


def test_link_dump_pyroute2(benchmark, veth_ns):
    pytest.importorskip("pyroute2")
    from pyroute2 import IPRoute
    from nlcodec import netns
    ns, n = veth_ns
    with netns.enter(ns):
        ipr = IPRoute()
    try:
        out = benchmark.pedantic(lambda: [x.dump() for x in ipr.get_links()], rounds=3,
                                 warmup_rounds=1)
    finally:
        ipr.close()
    assert len(out) == n
    per_message(benchmark, n)
