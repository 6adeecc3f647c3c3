"""`nlcodec bench decode|encode --json` really run (no mocks): the report's
structure, every figure positive, and `--compare` of two saved runs."""

import json
import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def bench(*args):
    r = subprocess.run([sys.executable, "-m", "nlcodec", "bench", *args], capture_output=True,
                       text=True, cwd=ROOT, timeout=600)
    assert r.returncode == 0, r.stderr
    return r.stdout


@pytest.fixture(scope="module")
def report():
    return json.loads(bench("decode", "--min-time", "0.05", "--json"))


def test_report_structure(report):
    assert {"machine", "python", "nlcodec", "time", "results", "targets"} <= set(report)
    assert isinstance(report["results"], list) and report["results"]
    for r in report["results"]:
        assert {"input", "bench", "backend"} <= set(r)


def test_every_figure_positive(report):
    measured = [r for r in report["results"] if "error" not in r]
    # both backends (native when the C core is built) on the dumps and the three samples
    inputs = {r["input"] for r in measured}
    assert {"link_dump", "route_dump", "flower", "ovs_flow", "psample"} <= inputs
    assert {"decode_full", "decode_lazy_get"} <= {r["bench"] for r in measured}
    assert "pure" in {r["backend"] for r in measured}
    for r in measured:
        assert isinstance(r["messages"], int) and r["messages"] > 0, r
        for k in ("seconds", "us_per_message", "messages_per_s"):
            assert r[k] > 0, (k, r)
        # the figures agree with each other
        assert abs(r["us_per_message"] * r["messages_per_s"] - 1e6) < 1e-3 * 1e6


def test_references_beside(report):
    pytest.importorskip("pyroute2")
    refs = {(r["input"], r["backend"]) for r in report["results"] if "error" not in r}
    assert ("link_dump", "pyroute2") in refs and ("link_dump", "construct") in refs


def test_compare_saved_runs(report, tmp_path):
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    a.write_text(json.dumps(report))
    slower = json.loads(json.dumps(report))
    for r in slower["results"]:
        if "us_per_message" in r:
            r["us_per_message"] *= 2
    b.write_text(json.dumps(slower))
    out = bench("--compare", str(a), str(b)).splitlines()
    assert out[0].split()[:3] == ["input", "bench", "backend"]
    table = out[1:out.index("")]
    n = sum("us_per_message" in r for r in report["results"])
    assert len(table) == n
    assert all(line.rstrip().endswith("+100.0%") for line in table)
    # every figure twice as slow: each one a regression, listed at the end
    tail = out[out.index("") + 1:]
    assert tail[0].startswith("load (1-minute average) of the runs")
    assert tail[1].startswith("regressions (slower by more than 10%")
    assert [x.strip() for x in tail[2:2 + n]] == [x.strip() for x in table]
    # and no change: none
    same = bench("--compare", str(a), str(a)).splitlines()
    assert same[-1].startswith("no regressions")


@pytest.fixture(scope="module")
def encode_report():
    return json.loads(bench("encode", "--min-time", "0.02", "--json"))


def test_encode_kind(encode_report):
    rep = encode_report
    measured = [r for r in rep["results"] if "error" not in r]
    assert {r["bench"] for r in rep["results"]} == {"encode", "encode_from_dict"}
    assert {"flower", "ovs_flow", "psample", "tc_requests"} <= {r["input"] for r in measured}
    for r in measured:
        assert r["us_per_message"] > 0 and r["messages"] > 0
        assert r["same_bytes"] is True, r         # the re-encoding equals the input
    names = {t["target"] for t in rep["targets"]}
    assert "flower encode, us (pure)" in names


def test_real_tc_requests_reencode(encode_report):
    """The filter requests iproute2's tc sent (captured with strace) encode
    again, from their to_dict(), to tc's own bytes on both backends."""
    rep = encode_report
    rows = [r for r in rep["results"] if r["input"] == "tc_requests"]
    assert {(r["bench"], r["backend"]) for r in rows if "error" not in r} >= {
        ("encode_from_dict", "native"), ("encode_from_dict", "pure")}, rows
    from nlcodec import tc_capture
    assert all(r["same_bytes"] is True and r["messages"] == len(tc_capture.LINES)
               for r in rows if "error" not in r), rows


def test_cli_kind_whole_processes():
    """`bench cli`: whole-process times of nlcodec beside tshark and ip -j."""
    rep = json.loads(bench("cli", "--json"))
    got = {(r["input"], r["backend"]) for r in rep["results"] if "error" not in r}
    assert {("python_start", "python"), ("hex_message", "nlcodec"), ("hex_message", "tshark"),
            ("dump_link", "nlcodec"), ("dump_link", "ip -j")} <= got, rep["results"]
    assert all(r["bench"] in ("cli_wall", "cli_cpu") and r["seconds"] > 0
               for r in rep["results"] if "error" not in r)
    # each run's wall time and, from the same runs, its CPU time
    rows = [r for r in rep["results"] if "error" not in r]
    assert {(r["input"], r["backend"]) for r in rows if r["bench"] == "cli_cpu"} \
        == {(r["input"], r["backend"]) for r in rows if r["bench"] == "cli_wall"}


def test_cli_runs_report_their_cpu_time():
    """bench cli's cli_cpu rows: the child's own user + system time, read from
    the kernel's accounting of the reaped child (getrusage RUSAGE_CHILDREN)."""
    from nlcodec.benchmark import _cpu_timed_run
    cpu = []
    wall = _cpu_timed_run([sys.executable, "-c", "sum(range(3 * 10**6))"], cpu)
    assert len(cpu) == 1 and 0 < cpu[0] and 0 < wall


def test_native_vs_pure_names_the_rows_where_native_is_slower():
    """The report's native-vs-pure line: pure's time over native's on every
    row measured with both, the lowest one as the figure, its rows named."""
    from nlcodec.benchmark import targets

    def row(inp, bench, be, us):
        return {"input": inp, "bench": bench, "backend": be, "us_per_message": us,
                "messages_per_s": 1e6 / us}
    res = [row("a", "decode_full", "native", 1.0), row("a", "decode_full", "pure", 3.0),
           row("b", "encode", "native", 2.2), row("b", "encode", "pure", 2.0),
           row("c", "encode", "pure", 9.0),                 # pure only: not a pair
           # the same Python code on both backends (benchmark.SAME_CODE): left out
           row("routes", "route_add", "native", 5.0), row("routes", "route_add", "pure", 4.0)]
    (t,) = [t for t in targets(res) if t["target"].startswith("native vs pure")]
    assert t["target"] == "native vs pure, slowest of 2 rows"
    assert t["met"] is False and t["value"] == round(2.0 / 2.2, 3)
    assert t["slowest"] == ["b encode: 0.909", "a decode_full: 3.000"]
    res[2]["us_per_message"] = 1.9
    (t,) = [t for t in targets(res) if t["target"].startswith("native vs pure")]
    assert t["met"] is True


def test_dicts_alone_rows_and_the_ceiling_they_give(report):
    """native's dicts_alone rows (marshal.loads of the C core's output for
    the same input) stand beside its full decode on every input (figures,
    not a speed check: timings are reported, never asserted), and a decode
    target against pyroute2 shows pyroute2 over them as its ceiling."""
    from nlcodec.benchmark import format_table, targets
    got = {(r["input"], r["bench"]): r["us_per_message"] for r in report["results"]
           if r["backend"] == "native" and "us_per_message" in r}
    alone = [k[0] for k in got if k[1] == "dicts_alone"]
    if not any(k[1] == "decode_full" for k in got):
        pytest.skip("no native backend in this run")
    assert "link_dump" in alone
    for inp in alone:
        assert got[(inp, "dicts_alone")] > 0 and got[(inp, "decode_full")] > 0, inp
    res = [{"input": "link_dump", "bench": b, "backend": be, "us_per_message": us, "messages": 1,
            "messages_per_s": 1e6 / us} for b, be, us in (
               ("decode_full", "native", 14.0), ("dicts_alone", "native", 10.0),
               ("decode_full", "pyroute2", 520.0))]
    (t,) = [t for t in targets(res) if t["target"] == "decode full link dump vs pyroute2"]
    assert t["value"] == round(520 / 14, 3) and t["ceiling"] == 52.0 and not t["met"]
    text = format_table({"results": res, "targets": [t]})
    assert "the dicts alone (marshal.loads of the C core's output): 52.00" in text


@pytest.mark.parametrize("be", ["native", "pure"])
def test_route_add_requests_take_no_codec_call(be, monkeypatch):
    """benchmark.SAME_CODE's claim for route add: its requests are encoded by
    request.Template's own scalar encoders on either backend, never by the
    codec (so native and pure run the same code there)."""
    import nlcodec
    from nlcodec import backends, benchmark, pure, registry
    from nlcodec.request import Template

    def refuse(*a, **k):
        raise AssertionError("the codec was called")
    nlcodec.use_backend(be)
    try:
        active = backends.active()
        owner = active if isinstance(active, type) else type(active)   # patched where defined
        for name in ("encode_set", "encode_msg", "encode_body"):
            if hasattr(owner, name):
                monkeypatch.setattr(owner, name, refuse)
        monkeypatch.setattr(pure, "encode_set", refuse)
        cf, cm = registry.message_by_name("route", "newroute")
        tpl = Template(cm.name, cm.type_id, cf, cm)
        for ty, hdr, attrs, flags in benchmark.route_requests(3):
            b = tpl.encode(hdr, attrs, flags, 1)
            assert len(b) == 16 + 12 + 8 + 8          # nlmsghdr, rtmsg, RTA_DST, RTA_OIF
    finally:
        nlcodec.use_backend(None)
