"""nlcodec.tc.parse and `nlcodec tc-batch` against tc on a kernel that has
flower, matchall and the actions.

- the corpus (tests/tc_corpus.py, >= 300 generated lines) run by `tc -b
  -force` in one namespace and by `nlcodec tc-batch -force` in another, each
  with a dummy kt0 under clsact: the same lines fail, and `tc -j filter
  show` of kt0 (ingress, egress) is identical (expected values: tc's own
  insertion and tc's own dump);
- the requests' bytes are tc's: tc run under strace here too (the lines
  that reach the kernel), compared with parse(line).encode();
- bulk: N skip_hw flower filters (tdc_batch.py's lines; NLCODEC_KT_TC_BATCH,
  default 20,000: three 100k runs and their dumps outgrow the 1 GiB guest
  and the CI budget; test_bulk.py does 100k) from one file, `tc -b` vs `nlcodec tc-batch` vs the
  Python API with a template; wall clock and user CPU of each are printed
  and written to build/kernel-test/tc_batch.json (figures, not asserted)."""

import json
import os
import re
import resource
import subprocess
import sys
import time

import pytest

import nlcodec
from ktutil import local_package, sh

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tests"))

import tc_capture  # noqa: E402
import tc_corpus   # noqa: E402

N = int(os.environ.get("NLCODEC_KT_TC_BATCH", "20000"))


def _setup(ns):
    # 8 transmit queues: multiq and mqprio take multiqueue devices only
    sh("ip", "-n", ns, "link", "add", "kt0", "numtxqueues", "8", "type", "dummy")
    sh("ip", "-n", ns, "link", "set", "kt0", "up")
    sh("tc", "-n", ns, "qdisc", "add", "dev", "kt0", "clsact")


def _show(ns):
    """tc -j filter show of kt0, without the action indexes the kernel chose
    itself (its allocator's history differs between the two runs: one index
    apart was seen); indexes a line names are kept by the line's bytes test."""
    out = {}
    for hook in ("ingress", "egress"):
        out[hook] = json.loads(sh("tc", "-n", ns, "-j", "filter", "show", "dev", "kt0", hook)
                               or "[]")
        for f in out[hook]:
            for a in (f.get("options") or {}).get("actions", ()):
                a.pop("index", None)
    return out


def _cli(*args):
    # started from a tmpfs copy of the package: from the 9p checkout its
    # imports cost seconds of round trips (ktutil.local_package)
    env, cwd = local_package()
    t = resource.getrusage(resource.RUSAGE_CHILDREN)
    w = time.perf_counter()
    p = subprocess.run([sys.executable, "-m", "nlcodec", "tc-batch", *args],
                       capture_output=True, text=True, env=env, cwd=cwd)
    wall = time.perf_counter() - w
    u = resource.getrusage(resource.RUSAGE_CHILDREN)
    return p, wall, u.ru_utime - t.ru_utime, u.ru_stime - t.ru_stime


def _tc_b(ns, path, *opts):
    t = resource.getrusage(resource.RUSAGE_CHILDREN)
    w = time.perf_counter()
    p = subprocess.run(["tc", "-n", ns, *opts, "-b", path], capture_output=True, text=True)
    wall = time.perf_counter() - w
    u = resource.getrusage(resource.RUSAGE_CHILDREN)
    return p, wall, u.ru_utime - t.ru_utime, u.ru_stime - t.ru_stime


def _failed(stderr):
    return [ln.rsplit(":", 1)[1] for ln in stderr.splitlines() if ln.startswith("Command failed")]


@pytest.fixture
def two_ns():
    from nlcodec import netns
    with netns.temporary("kta") as a, netns.temporary("ktb") as b:
        _setup(a)
        _setup(b)
        yield a, b


def _first_difference(a, b, path=""):
    """Where two tc -j outputs first differ, and both sides there."""
    if type(a) is not type(b):
        return f"{path}: {a!r} != {b!r}"
    if isinstance(a, dict):
        for k in sorted(set(a) | set(b), key=str):
            if a.get(k) != b.get(k):
                return _first_difference(a.get(k), b.get(k), f"{path}.{k}")
    if isinstance(a, list):
        if len(a) != len(b):
            return f"{path}: {len(a)} items != {len(b)}"
        for i, (x, y) in enumerate(zip(a, b)):
            if x != y:
                return _first_difference(x, y, f"{path}[{i}]") + f"\n ours: {x}\n tc's: {y}"
    return f"{path}: {a!r} != {b!r}"


def _own_prio(lines):
    """Each filter line at a priority of its own (the corpus reuses priorities
    with other keys, which the kernel refuses: one mask per prio)."""
    out = []
    for i, line in enumerate(lines):
        w = line.split()
        for j in range(len(w) - 1):
            if w[j] in ("prio", "pref", "priority"):
                w[j + 1] = str(100 + i)
                break
        out.append(" ".join(w))
    return out


def _shown_as_json(line):
    """Whether tc 6.1 can show the line's filter as JSON: f_u32.c u32_print_opt
    prints a selector's offset and eat words as bare strings inside the
    object (print_string(PRINT_ANY, NULL, ...)), which makes tc -j filter
    show unreadable; such lines stay in the byte proof only."""
    opts = nlcodec.tc.parse(line, ifindex={"kt0": 1}).attrs.get("options") or {}
    sf = nlcodec.tc.consts.enum("u32_sel_flags")
    return not ("sel" in opts and opts["sel"]["flags"] & (sf["offset"] | sf["varoffset"] |
                                                        sf["eat"]))


def test_corpus_show_equals_tcs(two_ns, tmp_path):
    a, b = two_ns
    # the filter lines (the corpus's qdisc lines would delete the clsact and
    # every filter with it)
    lines = _own_prio([x for x in tc_corpus.lines("kt0") if x.startswith("filter")
                       and _shown_as_json(x)])
    assert len(lines) >= 300
    f = tmp_path / "corpus.tc"
    f.write_text("\n".join(lines) + "\n")
    tc, *_ = _tc_b(a, str(f), "-force")
    ours, *_ = _cli("-n", b, "-force", "-q", str(f))
    assert _failed(ours.stderr) == _failed(tc.stderr), (tc.stderr[-2000:], ours.stderr[-2000:])
    # most lines must have landed for this to prove anything
    assert len(_failed(tc.stderr)) < len(lines) // 4, tc.stderr[-3000:]
    theirs = _show(a)
    assert theirs["ingress"] and theirs["egress"]
    ours_show = _show(b)
    assert ours_show == theirs, _first_difference(ours_show, theirs)


def test_corpus_bytes_equal_tcs_here(two_ns):
    a, _ = two_ns
    lines = tc_corpus.lines("kt0")[::5]
    got = tc_capture.capture_each(lines, a)
    idx = int(json.loads(sh("ip", "-n", a, "-j", "link", "show", "kt0"))[0]["ifindex"])
    for line, raw in zip(lines, got):
        assert raw is not None, line
        ours = nlcodec.tc.parse(line, ifindex={"kt0": idx}).encode()
        raw = tc_capture.defined(raw)       # u32 mark.success: tc leaves it unset
        assert ours[:8] == raw[:8] and ours[16:] == raw[16:], line


def _count(ns):
    """flower filters on kt0 ingress, counted by a streamed nlcodec dump (tc -j of
    100k filters would not fit the guest's memory)."""
    idx = int(json.loads(sh("ip", "-n", ns, "-j", "link", "show", "kt0"))[0]["ifindex"])
    with nlcodec.connect("route", netns=ns, rcvbuf=1 << 22) as s:
        return sum(1 for m in s.dump("gettfilter", family="tc",
                                     header={"family": 0, "ifindex": idx,
                                             "parent": 0xFFFFFFF2})
                   if m.get("options") is not None)


def _mac(p, i):
    return f"{p}:{i >> 16 & 255:02x}:{i >> 8 & 255:02x}:{i & 255:02x}"


def _startup(a, b, tmp_path):
    """Each tool's cost of one line (an egress matchall filter: the counts
    above read ingress): its start-up, subtracted from a bulk run's user CPU
    to give the CPU per add."""
    f = tmp_path / "one.tc"
    f.write_text("filter add dev kt0 egress prio 9 matchall action pass\n")
    tc, tc_wall, tc_user, _ = _tc_b(a, str(f))
    ours, nl_wall, nl_user, _ = _cli("-n", b, "--json", str(f))
    assert tc.returncode == 0 and ours.returncode == 0, (tc.stderr, ours.stderr)
    return {"tc_b": {"wall_s": round(tc_wall, 2), "user_s": round(tc_user, 2)},
            "nlcodec_tc_batch": {"wall_s": round(nl_wall, 2), "user_s": round(nl_user, 2)}}


def _per_add_us(user, start, n):
    return round((user - start) / n * 1e6, 2)


def _row(wall, user, sys_, **more):
    return {"wall_s": round(wall, 2), "user_s": round(user, 2), "sys_s": round(sys_, 2), **more}


def _both(a, b, path, lines):
    """``lines`` written to ``path``, run by `tc -b` in ``a`` and by `nlcodec
    tc-batch --json` in ``b``, both without an error: (tc's (wall, user, sys),
    ours, our summary)."""
    with open(path, "w") as out:
        out.writelines(lines)
    tc, *tc_fig = _tc_b(a, str(path))
    assert tc.returncode == 0, tc.stderr[-2000:]
    ours, *our_fig = _cli("-n", b, "--json", str(path))
    assert ours.returncode == 0, ours.stderr[-2000:]
    return tc_fig, our_fig, json.loads(ours.stdout)


def test_bulk_tc_batch_vs_tc_b(two_ns, tmp_path):
    a, b = two_ns
    start = _startup(a, b, tmp_path)
    (tc_wall, tc_user, tc_sys), (nl_wall, nl_user, nl_sys), summary = _both(
        a, b, tmp_path / "flower.tc",
        (f"filter add dev kt0 prio 1 protocol ip ingress handle {i + 1} flower skip_hw "
         f"src_mac {_mac('e4:11:00', i)} dst_mac {_mac('e4:12:00', i)} action drop\n"
         for i in range(N)))
    assert summary["requests"] == N and summary["errors"] == 0 and summary["runs"] == 1
    assert _count(a) == _count(b) == N
    # free the guest's memory (1 GiB) before the third namespace fills up
    for ns in (a, b):
        sh("tc", "-n", ns, "qdisc", "del", "dev", "kt0", "clsact")
    # the Python API: one template, rows streamed
    from nlcodec import netns
    from nlcodec.template import Template
    with netns.temporary("ktc") as c:
        _setup(c)
        idx = int(json.loads(sh("ip", "-n", c, "-j", "link", "show", "kt0"))[0]["ifindex"])
        r = nlcodec.tc.parse(f"filter add dev kt0 prio 1 protocol ip ingress handle 1 flower "
                             f"skip_hw src_mac {_mac('e4:11:00', 0)} dst_mac "
                             f"{_mac('e4:12:00', 0)} action drop", ifindex={"kt0": idx})
        t = Template("route", r.type, header=r.header, attrs=r.attrs, flags=r.flags,
                     holes={"handle": "header.handle", "src": "options.key_eth_src",
                            "dst": "options.key_eth_dst"})
        rows = [(i + 1, _mac("e4:11:00", i), _mac("e4:12:00", i)) for i in range(N)]
        with nlcodec.connect("route", netns=c) as s:
            u0 = resource.getrusage(resource.RUSAGE_SELF)
            w0 = time.perf_counter()
            res = s.do_many(t.rows(rows))
            api_wall = time.perf_counter() - w0
            u1 = resource.getrusage(resource.RUSAGE_SELF)
        assert res.ok and res.count == N
        api_user, api_sys = u1.ru_utime - u0.ru_utime, u1.ru_stime - u0.ru_stime
    fig = {"filters": N, "backend": nlcodec.backend(),
           "tc_b": _row(tc_wall, tc_user, tc_sys),
           "nlcodec_tc_batch": _row(nl_wall, nl_user, nl_sys, batch_s=summary["seconds"]),
           "python_template_api": _row(api_wall, api_user, api_sys)}
    fig["startup"] = start
    fig["user_us_per_add"] = {
        "tc_b": _per_add_us(tc_user, start["tc_b"]["user_s"], N),
        "nlcodec_tc_batch": _per_add_us(nl_user, start["nlcodec_tc_batch"]["user_s"], N),
        "python_template_api": _per_add_us(api_user, 0, N)}
    fig["speedup_wall_tc_batch"] = round(tc_wall / nl_wall, 2)
    fig["speedup_wall_api"] = round(tc_wall / api_wall, 2)
    fig["tc_batch_user_share"] = round(nl_user / max(nl_user + nl_sys, 1e-9), 3)
    fig["api_user_share"] = round(api_user / max(api_user + api_sys, 1e-9), 3)
    print("\ntc-batch figures:", json.dumps(fig))
    os.makedirs(os.path.join(ROOT, "build", "kernel-test"), exist_ok=True)
    with open(os.path.join(ROOT, "build", "kernel-test", "tc_batch.json"), "w") as out:
        json.dump(fig, out, indent=1)


# u32's node ids are 12 bits (a hash table holds 0xfff filters): 4000 per prio
N_U32 = int(os.environ.get("NLCODEC_KT_U32", "12000"))


def test_bulk_u32_user_cpu_per_add(two_ns, tmp_path):
    """N_U32 u32 filters (f_u32.c's `match ip dst A/32`, 4000 per prio) by
    `tc -b` and by `nlcodec tc-batch`: both insert all (the same number of
    filters in the kernel's dump); user CPU per add (each tool's one-line
    start-up subtracted) printed and written to
    build/kernel-test/tc_batch_u32.json (figures, not asserted)."""
    a, b = two_ns
    start = _startup(a, b, tmp_path)
    (tc_wall, tc_user, tc_sys), (nl_wall, nl_user, nl_sys), summary = _both(
        a, b, tmp_path / "u32.tc",
        (f"filter add dev kt0 ingress prio {1 + i // 4000} protocol ip u32 match ip dst "
         f"10.{i >> 16 & 255}.{i >> 8 & 255}.{i & 255}/32 classid 1:1\n" for i in range(N_U32)))
    assert summary["requests"] == N_U32 and summary["errors"] == 0
    n_a = _count(a)
    assert n_a >= N_U32 and _count(b) == n_a
    fig = {"filters": N_U32, "backend": nlcodec.backend(), "startup": start,
           "tc_b": _row(tc_wall, tc_user, tc_sys),
           "nlcodec_tc_batch": _row(nl_wall, nl_user, nl_sys, batch_s=summary["seconds"],
                                    runs=summary["runs"]),
           "user_us_per_add": {
               "tc_b": _per_add_us(tc_user, start["tc_b"]["user_s"], N_U32),
               "nlcodec_tc_batch": _per_add_us(nl_user, start["nlcodec_tc_batch"]["user_s"],
                                               N_U32)}}
    print("\nu32 tc-batch figures:", json.dumps(fig))
    os.makedirs(os.path.join(ROOT, "build", "kernel-test"), exist_ok=True)
    with open(os.path.join(ROOT, "build", "kernel-test", "tc_batch_u32.json"), "w") as out:
        json.dump(fig, out, indent=1)


def _handles(ns):
    """The handles of kt0's ingress flower filters (a streamed nlcodec dump)."""
    idx = int(json.loads(sh("ip", "-n", ns, "-j", "link", "show", "kt0"))[0]["ifindex"])
    with nlcodec.connect("route", netns=ns, rcvbuf=1 << 22) as s:
        return sorted(m.header["handle"] for m in s.dump(
            "gettfilter", family="tc", header={"family": 0, "ifindex": idx, "parent": 0xFFFFFFF2})
            if m.get("options") is not None)


@pytest.mark.parametrize("window", [64, 1])
def test_stop_at_the_first_error_as_tc_b(two_ns, tmp_path, window):
    """Without -force: tc -b stops at the first failing line (a handle added
    twice: EEXIST from the kernel); nlcodec tc-batch stops there too, sends
    nothing after the failed line's window, and names exactly the lines of
    that window the kernel applied after it (--window 1: none, tc -b's
    result exactly).  Expected: tc -b's own run and the kernel's dump."""
    a, b = two_ns
    n, bad = 600, 300
    f = tmp_path / "stop.tc"
    with open(f, "w") as out:
        for i in range(1, n + 1):
            h = 100 if i == bad else i
            out.write(f"filter add dev kt0 prio 1 protocol ip ingress handle {h} flower "
                      f"skip_hw dst_mac {_mac('e4:12:00', i)} action drop\n")
    tc, *_ = _tc_b(a, str(f))
    assert tc.returncode != 0 and _failed(tc.stderr) == [str(bad)], tc.stderr[-2000:]
    assert _handles(a) == list(range(1, bad))
    ours, *_ = _cli("-n", b, "--json", "--window", str(window), str(f))
    assert ours.returncode == 1
    assert _failed(ours.stderr) == [str(bad)], ours.stderr[-2000:]
    summary = json.loads(ours.stdout)
    after = []
    for part in filter(None, summary["applied_after_stop"].split(",")):
        lo, _, hi = part.partition("-")
        after += list(range(int(lo), int(hi or lo) + 1))
    assert _handles(b) == list(range(1, bad)) + after
    if window == 1:
        assert after == []
    else:
        assert after and after[0] == bad + 1 and len(after) < window


def _root_qdisc(ns):
    out = sh("tc", "-n", ns, "-j", "-d", "qdisc", "show", "dev", "kt0", "root")
    try:
        got = json.loads(out)
    except json.JSONDecodeError:
        # tc 6.1 prints some kinds' options with plain fprintf into its JSON (q_multiq.c
        # multiq_print_opt): compare that text, the handle aside
        return re.sub(r'"handle":"[^"]*",', "", out)
    for q in got:
        q.pop("handle", None)       # the kernel picks one when the line names none
        # a counter (htb's packets through its direct queue: kt0's own traffic), not a setting
        (q.get("options") or {}).pop("direct_packets_stat", None)
    return got


def _kernel_reason(stderr):
    """The kernel's answer as tc prints it: its extended ACK message (lib/libnetlink.c
    nl_dump_ext_ack: "Error: MSG" with a '.' added), else the errno's text."""
    for ln in stderr.splitlines():
        if ln.startswith("Error: "):
            return ln[len("Error: "):].rstrip(".")
        if ln.startswith("RTNETLINK answers: "):
            return ln[len("RTNETLINK answers: "):]
    return stderr


# nlcodec/tc/qdiscs_sched.py's kinds
SCHED_KINDS = ("drr", "qfq", "multiq", "pfifo_fast", "cbs", "etf", "mqprio")
# nlcodec/tc/qdiscs_aqm.py's kinds (their root lines: the kernel takes every one)
AQM_KINDS = ("red", "choke", "codel", "pie", "fq_pie", "hhf", "fq", "sfb")


def test_corpus_qdiscs_show_equal_tcs(two_ns, tmp_path):
    """The corpus's root qdisc lines (fifo, fq_codel, tbf, prio, sfq, htb,
    netem, red, choke, codel, pie, fq_pie, hhf, fq, sfb, drr, qfq, multiq,
    pfifo_fast, cbs, etf, mqprio; not change, parent
    or offload lines), each sent by tc -b in one namespace and by nlcodec in
    the other: the kernel shows the same root qdisc (tc -j -d qdisc show, the
    handle aside), or refuses both for the same reason (its extended ACK)."""
    a, b = two_ns
    lines = [x.replace(" add ", " replace ") for x in tc_corpus.lines("kt0")
             if x.startswith("qdisc") and " root " in x and " change " not in x
             and "offload" not in x]
    want = ("pfifo", "fq_codel", "tbf", "prio", "sfq", "htb", "netem", *AQM_KINDS)
    kinds = {k for k in want if any(f" {k} " in x or x.endswith(f" {k}") for x in lines)}
    assert len(kinds) == len(want) and len(lines) >= 80, (set(want) - kinds, len(lines))
    idx = int(json.loads(sh("ip", "-n", b, "-j", "link", "show", "kt0"))[0]["ifindex"])
    f = tmp_path / "q.tc"
    # nlcodec's side in this process (a tc-batch start per line costs seconds under TCG;
    # tc-batch's own path is proven on the filter corpus above)
    refused, kind_of = [], {}
    with nlcodec.connect("route", netns=b) as s:
        for line in lines:
            f.write_text(line + "\n")
            tc, *_ = _tc_b(a, str(f))
            r = nlcodec.tc.parse(line, ifindex={"kt0": idx})
            kind_of[line] = r.attrs.get("kind")
            if tc.returncode:       # the kernel refuses tc's request: ours too, alike
                with pytest.raises(nlcodec.NetlinkError) as e:
                    s.do(r.type, header=r.header, attrs=r.attrs, flags=r.flags)
                ours = (e.value.ext_ack or "").rstrip(".") or os.strerror(e.value.errno)
                assert ours == _kernel_reason(tc.stderr), line
                refused.append(line)
                continue
            s.do(r.type, header=r.header, attrs=r.attrs, flags=r.flags)
            assert _root_qdisc(b) == _root_qdisc(a), line
            for ns in (a, b):
                sh("tc", "-n", ns, "qdisc", "del", "dev", "kt0", "root")
    # sch_netem.c validate_slot: "negative slot limit" (tc casts max_bytes 3gb to int);
    # sch_prio.c prio_tune: "bands 2" with tc's default priomap, which holds band 2
    assert [x for x in refused if kind_of[x] in kinds] == [
        x for x in lines if "bytes 3gb" in x or "prio multiqueue bands 2" in x]
    # every kind of nlcodec.tc.qdiscs_sched has lines the kernel takes, shown equal
    assert {kind_of[x] for x in lines if x not in refused} >= set(SCHED_KINDS), refused
