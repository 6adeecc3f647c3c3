"""``nlcodec bench``: measure message throughput on this machine.

Measurements (each per backend, references beside them in the same run):

- ``decode``: full decode to dicts and lazy decode + one attribute, of this
  machine's own link and route dumps (or ``--input FILE``: raw netlink
  bytes, a pcap/pcapng capture, or a hex dump) and of three sample messages:
  a TC flower filter with 10 keys and 3 actions, an OVS flow with nested
  actions, a psample event.  References: pyroute2's ``MarshalRtnl`` and a
  naive construct spec (flat nlattr list, the spec-only decode);
- ``encode``: the dumps re-encoded from their dicts, the samples encoded from
  the dicts as users write them (``FLOWER_FILTER`` ...);
- ``socket``: in a private network namespace (root): route add with
  ``do_many`` beside ``ip -batch`` and pyroute2, route dump+decode beside
  ``ip route show`` and pyroute2, a link dump of 200 veths;
- ``template``: user CPU per flower filter of bulk requests from a template
  and from dicts, beside ``tc -b`` (see ``nlcodec/bench_template.py``);
- ``capture``: a pcap decoded to JSON, in process and as ``nlcodec decode
  --json`` (wall and CPU seconds of the whole process), beside ``tshark -T
  json``: a capture of this machine's dumps, and the bundled OVS/genl
  capture (bench/fixtures/ovs_capture.pcap: real ovs-dpctl and kernel
  traffic, flows with set_masked, ct, clone...; in a checkout).

Figures are medians of repeated runs (this is often a shared machine).
Results print as a table, or as JSON with ``--json``; the report's
``targets`` compare the ratios with the project's targets;
``--compare A.json B.json`` compares two saved runs.
"""

from __future__ import annotations

import json
import marshal
import os
import platform
import shutil
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
import time

import nlcodec

from . import nla
from .values import ip_text

_RTM_GETLINK, _RTM_GETROUTE = 18, 26
NLM_F_CREATE_EXCL = 0x400 | 0x200

# -- sample messages, written as users write them ------------------------------


def _tc_gen(action, **kw):
    """tc_gen: index, capab, action (a TC_ACT_* verdict), refcnt, bindcnt."""
    return {"index": 0, "capab": 0, "action": action, "refcnt": 0, "bindcnt": 0, **kw}


TC_ACT_OK, TC_ACT_SHOT, TC_ACT_PIPE = 0, 2, 3

# tc filter add dev eth0 ingress prio 1 protocol 802.1Q flower skip_hw vlan_id 100
#   vlan_prio 3 vlan_ethtype ipv4 ip_proto tcp src_ip 10.0.0.0/24 dst_ip 192.168.1.1
#   dst_port 443 ct_state +trk+est ct_zone 7
#   action vlan pop pipe action mirred egress mirror dev eth1 pipe action drop
FLOWER_FILTER = {
    "header": {"family": 0, "ifindex": 2, "handle": 1, "parent": 0xFFFFFFF2,
               "info": (1 << 16) | 0x0081},        # prio 1, protocol ETH_P_8021Q (0x8100, be)
    "attrs": {
        "kind": "flower",
        "chain": 0,
        "options": {
            "flags": 1,                             # skip_hw
            "key_eth_type": 0x8100,
            "key_vlan_id": 100,
            "key_vlan_prio": 3,
            "key_vlan_eth_type": 0x0800,
            "key_ip_proto": 6,
            "key_ipv4_src": "10.0.0.0",
            "key_ipv4_src_mask": "255.255.255.0",
            "key_ipv4_dst": "192.168.1.1",
            "key_ipv4_dst_mask": "255.255.255.255",
            "key_tcp_dst": 443,
            "key_tcp_dst_mask": 0xFFFF,
            "key_ct_state": 0x8 | 0x2,              # +trk +est
            "key_ct_state_mask": 0x8 | 0x2,
            "key_ct_zone": 7,
            "key_ct_zone_mask": 0xFFFF,
            "act": [
                {"kind": "vlan", "options": {"parms": _tc_gen(TC_ACT_PIPE, v_action=1)}},
                {"kind": "mirred", "options": {
                    "parms": _tc_gen(TC_ACT_PIPE, eaction=2, ifindex=3)}},   # egress mirror
                {"kind": "gact", "options": {"parms": _tc_gen(TC_ACT_SHOT)}},
            ],
        },
    },
    "flags": 0x1 | NLM_F_CREATE_EXCL,
}

# ovs-dpctl add-flow "in_port(1),eth(...),eth_type(0x0800),ipv4(...),tcp(dst=80)"
#   "sample(sample=50%,actions(userspace(pid=1234))),set(tunnel(...)),ct(commit,zone=5),2"
OVS_FLOW = {
    "header": {"dp_ifindex": 5},
    "attrs": {
        "key": {
            "in_port": 1,
            "ethernet": {"src": "52:54:00:00:00:01", "dst": "52:54:00:00:00:02"},
            "ethertype": 0x0800,
            "ipv4": {"src": "10.0.0.1", "dst": "10.0.0.2", "proto": 6, "tos": 0, "ttl": 64,
                     "frag": 0},
            "tcp": {"src": 12345, "dst": 80},
        },
        "mask": {
            "in_port": 0xFFFFFFFF,
            "ethernet": {"src": "ff:ff:ff:ff:ff:ff", "dst": "ff:ff:ff:ff:ff:ff"},
            "ethertype": 0xFFFF,
            "ipv4": {"src": "255.255.255.255", "dst": "255.255.255.255", "proto": 255,
                     "tos": 0, "ttl": 0, "frag": 255},
            "tcp": {"src": 0, "dst": 0xFFFF},
        },
        "actions": {
            "sample": {"probability": 0x7FFFFFFF,
                       "actions": {"userspace": {"pid": 1234, "userdata": "0102030405060708"}}},
            "set": {"tunnel": {"id": 42, "ipv4_src": "192.0.2.1", "ipv4_dst": "192.0.2.2",
                               "tos": 0, "ttl": 64, "tp_dst": 4789}},
            "ct": {"commit": True, "zone": 5, "mark": {"value": 1, "mask": 0xFFFFFFFF}},
            "output": 2,
        },
        "ufid": "8a4b4c6c-1b53-4e2a-9d33-3f1c2b6e0d11",
    },
    "flags": 0x1 | NLM_F_CREATE_EXCL,
}

# a tc "sample" action's packet, as psample multicasts it
PSAMPLE_EVENT = {
    "attrs": {
        "iifindex": 2, "oifindex": 3, "origsize": 1500, "sample_group": 7, "group_seq": 1001,
        "sample_rate": 100, "data": bytes(range(128)), "timestamp": 1_700_000_000_000_000_000,
        "proto": 0x0800, "user_cookie": "deadbeefcafe0001",
    },
}

# generic netlink ids are the kernel's choice; these are fixed for the samples
SAMPLE_GENL_IDS = {0x1C: "ovs_flow", 0x1D: "psample"}

# name -> (protocol or genl family, message type, the message, genl id, attribute to get)
SAMPLES = {
    "flower": ("route", "newtfilter", FLOWER_FILTER, None, "kind"),
    "ovs_flow": ("ovs_flow", "new", OVS_FLOW, 0x1C, "actions"),
    "psample": ("psample", "sample", PSAMPLE_EVENT, 0x1D, "group_seq"),
}


def sample_encoder(name):
    """A function that encodes sample ``name`` from its dict, as a user would."""
    proto, ty, msg, fid, _ = SAMPLES[name]
    kw = dict(msg)
    if fid is not None:
        kw["family_id"] = fid
    enc = nlcodec.encode
    return lambda: enc(proto, ty, **kw)


def sample_bytes(name) -> bytes:
    return sample_encoder(name)()


def sample_protocol(name) -> str:
    return "generic" if SAMPLES[name][3] is not None else SAMPLES[name][0]


# -- inputs -------------------------------------------------------------------


def live_dump(msg_type: int, family: int = 0) -> bytes:
    """This machine's own dump (e.g. RTM_GETLINK), straight from the kernel."""
    from .message import NLMSG_DONE, NLMSG_ERROR
    s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 0)
    try:
        s.bind((0, 0))
        body = struct.pack("<BxHiII", family, 0, 0, 0, 0) if msg_type == _RTM_GETLINK \
            else struct.pack("<BBBBBBBBI", family, 0, 0, 0, 0, 0, 0, 0, 0)
        s.send(struct.pack("<IHHII", 16 + len(body), msg_type, 0x301, 1, 0) + body)
        out = []
        while True:
            for m in nla.Messages(s.recv(1 << 20)):
                if m.type in (NLMSG_ERROR, NLMSG_DONE):
                    return b"".join(out)
                out.append(m.raw)
    finally:
        s.close()


def split_messages(data: bytes) -> list[bytes]:
    """The messages of a stream, each with its alignment padding."""
    return [m.padded for m in nla.Messages(data)]


def _load_input(path: str) -> tuple[bytes, str]:
    with open(path, "rb") as f:
        data = f.read()
    if data[:4] in (b"\xd4\xc3\xb2\xa1", b"\xa1\xb2\xc3\xd4", b"\x0a\x0d\x0d\x0a",
                    b"\x4d\x3c\xb2\xa1", b"\xa1\xb2\x3c\x4d"):
        from .capture import CaptureDecoder
        raws = [raw for _, raw in CaptureDecoder().decode_pcap(path, with_raw=True)]
        return b"".join(r + b"\0" * ((-len(r)) & 3) for r in raws), "route"
    try:
        text = data.decode("ascii")
    except UnicodeDecodeError:
        return data, "route"
    from .hexdump import parse_hex
    return parse_hex(text), "route"


def _tc_requests():
    """The filter requests iproute2's tc really sends (nlcodec/tc_capture.py),
    or the exception that says why they could not be captured here."""
    from . import tc_capture
    try:
        reqs = tc_capture.capture()
    except Exception as e:
        return e
    if not reqs:
        return RuntimeError("tc sent no filter request (is strace installed?)")
    return b"".join(r + b"\0" * ((-len(r)) & 3) for r in reqs)


def _repeat(data: bytes, at_least: int) -> bytes:
    n = len(split_messages(data))
    return data * -(-at_least // n) if n else data


def _sources(input_path):
    """(name, bytes, protocol, families, attribute to get) of every decode input."""
    if input_path:
        data, proto = _load_input(input_path)
        out = [(os.path.basename(input_path), data, proto, None, "ifname")]
    else:
        # this machine's own dumps, repeated to a useful size
        out = [("link_dump", _repeat(live_dump(_RTM_GETLINK), 400), "route", None, "ifname"),
               ("route_dump", _repeat(live_dump(_RTM_GETROUTE), 2000), "route", None, "dst"),
               ("tc_requests", _tc_requests(), "route", None, "kind")]
    for name, (_, _, _, fid, get) in SAMPLES.items():
        try:
            raw = sample_bytes(name)
        except Exception as e:          # a spec that lacks something the sample uses
            out.append((name, e, None, None, None))
            continue
        out.append((name, raw * 500, sample_protocol(name), SAMPLE_GENL_IDS, get))
    return out


# -- timing -------------------------------------------------------------------


def _timeit(fn, min_time=0.3, progress=None, max_calls=1_000_000, cpu=None):
    """Median seconds per call of ``fn``, over at least ``min_time`` seconds.
    ``cpu``: a list that gets the median CPU seconds (this process's user +
    system time) of the same calls, which waiting for a core on a loaded
    machine does not inflate."""
    fn()
    times = []
    cpus = []
    total = 0.0
    while total < min_time and len(times) < max_calls:
        c = time.process_time()
        t = time.perf_counter()
        fn()
        dt = time.perf_counter() - t
        cpus.append(time.process_time() - c)
        times.append(dt)
        total += dt
        if progress:
            progress(min(total / min_time, 1.0))
    if cpu is not None:
        cpu.append(max(statistics.median(cpus), 1e-9))
    return statistics.median(times)


def _once(fn, repeat=3, progress=None):
    """Median wall time of ``repeat`` runs of ``fn`` (for runs that change state:
    ``fn`` returns the seconds it measured itself, after its own setup)."""
    times = []
    for i in range(repeat):
        times.append(fn())
        if progress:
            progress((i + 1) / repeat)
    return statistics.median(times)


class _Progress:
    def __init__(self, enabled):
        self.enabled = enabled and sys.stderr.isatty()
        self.label = ""

    def start(self, label):
        self.label = label
        self.update(0.0)
        return self.update

    def update(self, frac):
        if self.enabled:
            bar = "#" * int(frac * 30)
            sys.stderr.write(f"\r{self.label:<40} [{bar:<30}] {frac * 100:5.1f}%")
            sys.stderr.flush()

    def done(self):
        if self.enabled:
            sys.stderr.write("\r" + " " * 80 + "\r")


def _result(input, bench, backend, n, seconds, nbytes=None, **extra):
    r = {"input": input, "bench": bench, "backend": backend, "messages": n,
         "seconds": seconds, "us_per_message": seconds / n * 1e6, "messages_per_s": n / seconds}
    if nbytes is not None:
        r["bytes"] = nbytes
    r.update(extra)
    return r


def _error(input, bench, backend, e):
    text = str(e) if isinstance(e, (str, BaseException)) else repr(e)
    if isinstance(e, BaseException) and not isinstance(e, (ImportError, OSError)):
        text = f"{type(e).__name__}: {text}"
    return {"input": input, "bench": bench, "backend": backend, "error": text}


def _backends(names, results, input, bench):
    """Yield each backend name with that backend active; one that does not
    load gets an error row in ``results`` instead."""
    for be in names:
        try:
            nlcodec.use_backend(be)
        except ImportError as e:
            results.append(_error(input, bench, be, e))
            continue
        try:
            yield be
        finally:
            nlcodec.use_backend(None)


# -- references ---------------------------------------------------------------


def pyroute2_decoder():
    """pyroute2's rtnetlink parser: f(bytes) -> list of dicts, or None."""
    try:
        from pyroute2.netlink.rtnl.marshal import MarshalRtnl
    except ImportError:
        return None
    mr = MarshalRtnl()
    return lambda data: [x.dump() for x in mr.parse(data)]


def construct_decoder():
    """The naive "spec only" decode the design rejects on hot paths: a construct
    spec of nlmsghdr + the fixed header + a flat GreedyRange of nlattrs (names
    and nests not decoded).  f(bytes) -> list of construct containers."""
    from construct import Aligned, Bytes, FixedSized, GreedyRange, Int16ul, Int32ul, Struct, this
    # struct ifinfomsg (16) for link messages, struct rtmsg (12) for routes; else 0
    fixed = {16: 16, 17: 16, 19: 16, 24: 12, 25: 12, 27: 12}
    nlattr = Aligned(4, Struct("len" / Int16ul, "type" / Int16ul,
                               "value" / Bytes(this.len - 4)))
    msg = Aligned(4, Struct(
        "len" / Int32ul, "type" / Int16ul, "flags" / Int16ul, "seq" / Int32ul, "pid" / Int32ul,
        "body" / FixedSized(this.len - 16, Struct(
            "header" / Bytes(lambda ctx: fixed.get(ctx._.type, 0)),
            "attrs" / GreedyRange(nlattr))),
    ))
    stream = GreedyRange(msg)
    return stream.parse


# -- decode and encode ----------------------------------------------------------


def bench_decode(name, data, protocol, families, get, backend_names, progress, min_time):
    results = []
    for be in _backends(backend_names, results, name, "decode_full"):
        try:
            msgs = nlcodec.decode(data, protocol, families=families)
        except Exception as e:
            results.append(_error(name, "decode_full", be, e))
            continue
        n = len(msgs)
        # messages of a type no spec describes keep their payload as hex: say so
        known = all(m.payload is None for m in msgs)
        dec = nlcodec.decode
        cpu = []
        t = _timeit(lambda: [m.to_dict() for m in dec(data, protocol, families=families)],
                    min_time, progress.start(f"{name}: {be} decode full"), cpu=cpu)
        results.append(_result(name, "decode_full", be, n, t, len(data), known=known))
        results.append(_result(name, "decode_full_cpu", be, n, cpu[0], len(data), known=known))
        t = _timeit(lambda: [m.get(get) for m in dec(data, protocol, families=families,
                                                     lazy=True)],
                    min_time, progress.start(f"{name}: {be} decode lazy + get"))
        results.append(_result(name, "decode_lazy_get", be, n, t, len(data), known=known))
        results += _dicts_alone(name, data, protocol, families, be, n, progress, min_time)
    if protocol != "route" or name in SAMPLES:
        return results
    n = len(split_messages(data))
    p2 = pyroute2_decoder()
    if p2 is not None:
        cpu = []
        t = _timeit(lambda: p2(data), min_time, progress.start(f"{name}: pyroute2 decode"),
                    cpu=cpu)
        results.append(_result(name, "decode_full", "pyroute2", n, t, len(data)))
        results.append(_result(name, "decode_full_cpu", "pyroute2", n, cpu[0], len(data)))
    try:
        cparse = construct_decoder()
    except ImportError:
        return results
    t = _timeit(lambda: cparse(data), min_time, progress.start(f"{name}: construct decode"))
    results.append(_result(name, "decode_full", "construct", n, t, len(data)))
    return results


def _dicts_alone(name, data, protocol, families, be, n, progress, min_time):
    """native: ``marshal.loads`` of the C core's output for the same input,
    timed alone (``dicts_alone``).  It builds the dicts, lists and values
    ``to_dict()`` returns and nothing else: no walk, no Message.  So
    pyroute2's time over it is the most a decoder whose output is these
    plain dicts, built through marshal, could reach; CPU median beside."""
    stream = getattr(nlcodec.backends.active(), "stream_marshal", None)
    if stream is None or be != "native":
        return []
    from .message import GENL_IDS
    ids = GENL_IDS if not families else {**GENL_IDS, **families}
    out = stream(protocol, data, ids)
    loads = marshal.loads
    cpu: list = []
    t = _timeit(lambda: loads(out), min_time, progress.start(f"{name}: {be} dicts alone"),
                cpu=cpu)
    return [_result(name, "dicts_alone", be, n, t, len(data)),
            _result(name, "dicts_alone_cpu", be, n, cpu[0], len(data))]


def bench_encode(name, data, protocol, families, backend_names, progress, min_time):
    results = []
    for be in _backends(backend_names, results, name, "encode"):
        try:
            if name in SAMPLES:
                fn = sample_encoder(name)
                n = 1
                ok = fn() == data[:len(fn())]
            else:
                msgs = nlcodec.decode(data, protocol, families=families)
                for m in msgs:
                    m.to_dict()
                n = len(msgs)

                def fn(msgs=msgs):
                    return [m.encode() for m in msgs]
                ok = b"".join(x + b"\0" * ((-len(x)) & 3) for x in fn()) == data
        except Exception as e:
            results.append(_error(name, "encode", be, e))
            continue
        t = _timeit(fn, min_time, progress.start(f"{name}: {be} encode"))
        results.append(_result(name, "encode", be, n, t, same_bytes=ok))
        if name == "tc_requests":
            results.append(_encode_from_dicts(name, data, be, progress, min_time))
    return results


def _encode_from_dicts(name, data, be, progress, min_time):
    """``nlcodec.encode`` of each message's ``to_dict()``: what a tool that
    edits and re-sends real requests pays (the dicts are made before timing)."""
    dicts = [m.to_dict() for m in nlcodec.decode(data)]
    enc = nlcodec.encode

    def fn():
        return [enc("route", d["type"], header=d["header"], attrs=d["attrs"], flags=d["flags"],
                    seq=d["seq"], pid=d["pid"]) for d in dicts]
    ok = b"".join(x + b"\0" * ((-len(x)) & 3) for x in fn()) == data
    t = _timeit(fn, min_time, progress.start(f"{name}: {be} encode from to_dict()"))
    return _result(name, "encode_from_dict", be, len(dicts), t, same_bytes=ok)


# -- sockets (a private network namespace) -----------------------------------------


ROUTE_BASE = (10 << 24) | (1 << 16)         # 10.1.0.0: the first of the benchmark's routes


def route_dsts(n, base=ROUTE_BASE):
    """The addresses of ``n`` consecutive /32 routes from ``base``, as text."""
    return [ip_text((base + i).to_bytes(4, "big")) for i in range(n)]


def route_requests(n, oif=1, base=ROUTE_BASE):
    """``n`` /32 routes via ``oif`` as do_many requests (natural dicts)."""
    hdr = {"family": socket.AF_INET, "dst_len": 32, "table": 254, "protocol": 4,
           "scope": 253, "type": 1}           # main, static, link, unicast
    return [("newroute", hdr, {"dst": d, "oif": oif}, NLM_F_CREATE_EXCL)
            for d in route_dsts(n, base)]


def ip_batch_routes(n, dev="lo", base=ROUTE_BASE) -> str:
    return "".join(f"route add {d}/32 dev {dev} proto static\n" for d in route_dsts(n, base))


def ip(ns, *args, input=None, check=True):
    return subprocess.run(["ip", "-n", ns, *args], input=input, capture_output=True,
                          text=True, check=check)


def count_routes(ns) -> int:
    return len(ip(ns, "-4", "route", "show", "proto", "static").stdout.splitlines())


def flush_routes(ns):
    ip(ns, "-4", "route", "flush", "proto", "static")


def add_veths(ns, pairs):
    ip(ns, "-batch", "-", input="".join(f"link add vb{i}a type veth peer name vb{i}b\n"
                                        for i in range(pairs)))


def _timed_run(cmd, **kw):
    t = time.perf_counter()
    r = subprocess.run(cmd, capture_output=True, **kw)
    dt = time.perf_counter() - t
    if r.returncode:
        raise RuntimeError(f"{' '.join(cmd[:4])}: {r.stderr.decode(errors='replace').strip()}")
    return dt, r


def _interleaved(who, rounds, upd):
    """Run each ``(name, fn, arg)`` of ``who`` once per round, in turn, for
    ``rounds`` rounds: name -> [fn(arg) of each round], or the exception
    that stopped it (its later rounds skipped)."""
    runs: dict = {}
    for i in range(rounds):
        for name, fn, arg in who:
            if isinstance(runs.get(name), Exception):
                continue
            try:
                runs.setdefault(name, []).append(fn(arg))
            except Exception as e:
                runs[name] = e
        upd((i + 1) / rounds)
    return runs


def _bench_route_add(ns, n_routes, backend_names, progress, repeat):
    """``do_many`` of ``n_routes`` route adds per backend beside ``ip -batch``
    of the same routes.  Interleaved, as _bench_dump: one run of each per
    round (the table flushed before each), medians over the rounds, so that
    the kernel's own drift and a passing load fall on all of them alike; the
    kernel's insertion is most of each run.  ``route_add_cpu``: this
    process's CPU for ours (the kernel's insertion work included), the
    child's for ip."""
    import resource
    results = []
    reqs = route_requests(n_routes)
    socks = {}
    for be in _backends(backend_names, results, "routes", "route_add"):
        try:
            s = nlcodec.connect("route", netns=ns)
            socks[be] = s
            s.do_many(reqs[:10])    # first use: tables compiled, buffers sized
        except Exception as e:
            results.append(_error("routes", "route_add", be, e))

    def run_ours(be):
        nlcodec.use_backend(be)
        try:
            flush_routes(ns)
            c = time.process_time()
            t = time.perf_counter()
            res = socks[be].do_many(reqs)
            t = time.perf_counter() - t
            c = time.process_time() - c
        finally:
            nlcodec.use_backend(None)
        res.raise_first()
        return t, c, count_routes(ns) == n_routes

    batch = tempfile.NamedTemporaryFile("w", suffix=".batch")
    batch.write(ip_batch_routes(n_routes))
    batch.flush()

    def run_ip(_):
        flush_routes(ns)
        r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
        t = _timed_run(["ip", "-n", ns, "-batch", batch.name])[0]
        r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
        return (t, r1.ru_utime - r0.ru_utime + r1.ru_stime - r0.ru_stime,
                count_routes(ns) == n_routes)

    who = [(be, run_ours, be) for be in socks] + [("ip -batch", run_ip, None)]
    upd = progress.start(f"route add x{n_routes}: " + ", ".join(w for w, _, _ in who)
                         + " (interleaved)")
    try:
        runs = _interleaved(who, max(repeat, 5), upd)
    finally:
        batch.close()
        for s in socks.values():
            s.close()
    for name, r in runs.items():
        if isinstance(r, Exception):
            results.append(_error("routes", "route_add", name, r))
            continue
        ok = all(v for _, _, v in r)
        results.append(_result("routes", "route_add", name, n_routes,
                               statistics.median(t for t, _, _ in r), verified=ok))
        results.append(_result("routes", "route_add_cpu", name, n_routes,
                               statistics.median(c for _, c, _ in r), verified=ok))
    return results


def bench_socket(backend_names, progress, n_routes=10000, n_veths=200, repeat=3):
    if os.geteuid() != 0:
        return [_error("netns", "socket", "-", "needs root (private network namespaces)")]
    from . import netns
    results = []
    with netns.temporary("nlcbench") as ns:
        # -- route add ---------------------------------------------------------
        results += _bench_route_add(ns, n_routes, backend_names, progress, repeat)
        results += _pyroute2_route_add(ns, min(n_routes, 2000), progress)
        # the table now holds n_routes routes (ip -batch's, or pyroute2's plus the rest)
        flush_routes(ns)
        ip(ns, "-batch", "-", input=ip_batch_routes(n_routes))
        results += _bench_dump(ns, "routes", "route_dump", "getroute",
                               {"family": socket.AF_INET}, ["-4", "route", "show", "table", "all"],
                               backend_names, progress, repeat)
        # -- link dump ---------------------------------------------------------------
        add_veths(ns, n_veths // 2)
        results += _bench_dump(ns, "links", "link_dump", "getlink", None, ["link", "show"],
                               backend_names, progress, repeat)
    return results


def _bench_dump(ns, input, bench, msg, header, ip_args, backend_names, progress, repeat):
    """A dump + decode to dicts per backend beside ``ip`` and ``ip -j`` on the
    same kernel table.  The runs are interleaved (one of each per round,
    medians over the rounds), so that a load that comes and goes on a shared
    machine falls on all of them alike instead of on whichever ran then.
    Two figures each: ``bench`` is wall time (ip's includes its process
    start and the pipe its output is read from, as a script that runs it
    pays), ``bench + "_cpu"`` is CPU time, user + system (ours: this
    process's, the kernel's dump work included; ip's: the child's), which a
    loaded machine's waiting does not inflate."""
    import resource
    results = []
    socks: dict = {}
    for be in _backends(backend_names, results, input, bench):
        try:
            s = nlcodec.connect("route", netns=ns)
            socks[be] = s
            [m.to_dict() for m in s.dump(msg, header=header)]     # first use: tables compiled
        except Exception as e:
            results.append(_error(input, bench, be, e))

    def run_ours(be):
        nlcodec.use_backend(be)
        try:
            c = time.process_time()
            t = time.perf_counter()
            out = [m.to_dict() for m in socks[be].dump(msg, header=header)]
            t = time.perf_counter() - t
            c = time.process_time() - c
        finally:
            nlcodec.use_backend(None)
        return t, c, len(out)

    def run_ip(args):
        r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
        t = _timed_run(["ip", "-n", ns, *args])[0]
        r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
        return t, r1.ru_utime - r0.ru_utime + r1.ru_stime - r0.ru_stime, None

    who = [(be, run_ours, be) for be in socks] + [
        ("ip", run_ip, ip_args), ("ip -j", run_ip, ["-j", *ip_args])]
    upd = progress.start(f"{bench}: " + ", ".join(w for w, _, _ in who) + " (interleaved)")
    try:
        runs = _interleaved(who, max(repeat, 5), upd)
    finally:
        for s in socks.values():
            s.close()
    n = next((r[0][2] for name, r in runs.items() if not isinstance(r, Exception)
              and r[0][2] is not None), None)
    if n is None:
        n = len(ip(ns, *ip_args).stdout.splitlines()) // (2 if msg == "getlink" else 1)
    for name, r in runs.items():
        if isinstance(r, Exception):
            results.append(_error(input, bench, name, r))
            continue
        results.append(_result(input, bench, name, n, statistics.median(x[0] for x in r)))
        results.append(_result(input, bench + "_cpu", name, n,
                               max(statistics.median(x[1] for x in r), 1e-6)))
    try:
        from pyroute2 import IPRoute
        from . import netns
        with netns.enter(ns):
            ipr = IPRoute()
        try:
            def run_p2():
                t = time.perf_counter()
                if msg == "getroute":
                    out = [x.dump() for x in ipr.route("dump", family=socket.AF_INET)]
                else:
                    out = [x.dump() for x in ipr.get_links()]
                run_p2.n = len(out)
                return time.perf_counter() - t
            run_p2()
            t = _once(run_p2, repeat, progress.start(f"{bench}: pyroute2"))
            results.append(_result(input, bench, "pyroute2", run_p2.n, t))
        finally:
            ipr.close()
    except ImportError:
        pass
    except Exception as e:
        results.append(_error(input, bench, "pyroute2", e))
    return results


def _pyroute2_route_add(ns, n, progress):
    try:
        from pyroute2 import IPRoute
    except ImportError:
        return []
    from . import netns
    flush_routes(ns)
    try:
        with netns.enter(ns):
            ipr = IPRoute()
        try:
            dsts = [d + "/32" for d in route_dsts(n)]
            upd = progress.start(f"route add x{n}: pyroute2")
            t = time.perf_counter()
            for i, d in enumerate(dsts):
                ipr.route("add", dst=d, oif=1, proto=4, scope=253)
                if i % 256 == 0:
                    upd(i / n)
            t = time.perf_counter() - t
        finally:
            ipr.close()
        return [_result("routes", "route_add", "pyroute2", n, t, verified=count_routes(ns) == n)]
    except Exception as e:
        return [_error("routes", "route_add", "pyroute2", e)]


# -- captures ---------------------------------------------------------------------


def make_pcap(path, messages, count=20000, record_bytes=16384):
    """Write a LINKTYPE_NETLINK pcap of ``count`` messages cycling through
    ``messages`` (raw netlink messages from the kernel: PACKET_USER), packed
    into records of up to ``record_bytes`` as a dump's skbs are.  Returns the
    number of records."""
    from .pcap import write_pcap
    cooked = struct.pack(">HHH8sH", 6, 824, 0, bytes(8), 0)    # PACKET_USER, NETLINK_ROUTE
    recs, cur, size = [], [], 0
    for i in range(count):
        m = messages[i % len(messages)]
        if cur and size + len(m) > record_bytes:
            recs.append(cooked + b"".join(cur))
            cur, size = [], 0
        cur.append(m)
        size += len(m)
    if cur:
        recs.append(cooked + b"".join(cur))
    write_pcap(path, recs)
    return len(recs)


def capture_to_json(path) -> int:
    """What ``nlcodec decode --json`` does with a capture, in process."""
    from .capture import CaptureDecoder
    from .memo import forget
    from .show import to_json
    forget()                    # each run as a command's: no text kept from the last
    n = 0
    with open(os.devnull, "w") as out:
        for m in CaptureDecoder().decode_pcap(path):
            out.write(to_json(m))
            out.write("\n")
            n += 1
    return n


def bench_capture(pcap_path, backend_names, progress, min_time, repeat=3):
    results = []
    name = os.path.basename(pcap_path)
    from .pcap import read_records
    n_rec = sum(1 for _ in read_records(pcap_path))
    n = None
    for be in _backends(backend_names, results, name, "capture_json"):
        try:
            n = capture_to_json(pcap_path)
            t = _timeit(lambda: capture_to_json(pcap_path), min_time,
                        progress.start(f"capture: {be} in process"))
            results.append(_result(name, "capture_json", be, n, t, records=n_rec))
            env = dict(os.environ, NLCODEC_BACKEND=be)
            cmd = [sys.executable, "-m", "nlcodec", "decode", pcap_path, "--json"]
            results += _cli_rows(name, be, n, n_rec, cmd, repeat,
                                 progress.start(f"capture: nlcodec decode --json ({be})"),
                                 env=env)
        except Exception as e:
            results.append(_error(name, "capture_json", be, e))
    tshark = shutil.which("tshark")
    if tshark and n:
        try:
            cmd = [tshark, "-r", pcap_path, "-T", "json"]
            results += _cli_rows(name, "tshark", n, n_rec, cmd, repeat,
                                 progress.start("capture: tshark"))
        except Exception as e:
            results.append(_error(name, "capture_json_cli", "tshark", e))
    return results


def _cli_rows(name, who, n, n_rec, cmd, repeat, progress, **kw):
    """Whole-process rows of ``cmd``: wall seconds (``capture_json_cli``) and
    user + system CPU seconds of the same runs (``capture_json_cpu``: what a
    loaded machine's waiting does not inflate), medians; a first run warms
    the page cache."""
    _timed_run(cmd, **kw)
    cpu = []
    t = _once(lambda: _cpu_timed_run(cmd, cpu, **kw), repeat, progress)
    return [_result(name, "capture_json_cli", who, n, t, records=n_rec),
            _result(name, "capture_json_cpu", who, n, max(statistics.median(cpu), 1e-6),
                    records=n_rec)]


def ovs_capture_path():
    """The bundled OVS/genl capture (real kernel traffic, recorded by
    bench/fixtures/make_ovs_capture.py), or None outside a checkout."""
    path = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                        "bench", "fixtures", "ovs_capture.pcap")
    return path if os.path.exists(path) else None


# -- whole processes: what a person at the shell waits for ----------------------------


def cli_runs(tmp):
    """(input, who, argv) of the whole-process runs side by side: a bare
    interpreter, one hex message (nlcodec decode FILE; tshark -r -V on a
    one-record pcap of it), a link dump (nlcodec dump link --json; ip -j
    link).  Their files are written to ``tmp``."""
    msg = split_messages(live_dump(_RTM_GETLINK))[0]
    hexfile = os.path.join(tmp, "one.hex")
    with open(hexfile, "w") as f:
        f.write(msg.hex() + "\n")
    pcap = os.path.join(tmp, "one.pcap")
    make_pcap(pcap, [msg], 1)
    nl = [sys.executable, "-m", "nlcodec"]
    return [("python_start", "python", [sys.executable, "-c", "pass"]),
            ("hex_message", "nlcodec", nl + ["decode", hexfile]),
            ("hex_message", "tshark", [shutil.which("tshark") or "tshark", "-r", pcap, "-V"]),
            ("dump_link", "nlcodec", nl + ["dump", "link", "--json"]),
            ("dump_link", "ip -j", ["ip", "-j", "link"])]


def bench_cli(progress, repeat=7):
    """Whole-process wall time of the CLI beside the tools people use instead,
    in the same run: one hex message (``nlcodec decode FILE``, and
    ``tshark -r`` on a one-record pcap of the same message), a link dump
    (``nlcodec dump link --json`` beside ``ip -j link``), and a bare
    interpreter start as the floor.  One "message" per run: us_per_message
    is the time of one whole run: wall time (``cli_wall``) and the process's
    user + system CPU time (``cli_cpu``), medians of the same runs."""
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for input, who, cmd in cli_runs(tmp):
            try:
                _timed_run(cmd)                                  # warm the page cache
                cpu = []
                t = _once(lambda: _cpu_timed_run(cmd, cpu), repeat,
                          progress.start(f"cli: {input} ({who})"))
                results.append(_result(input, "cli_wall", who, 1, t))
                # user + system CPU of the same runs: what a loaded machine's
                # waiting does not inflate
                results.append(_result(input, "cli_cpu", who, 1,
                                      max(statistics.median(cpu), 1e-6)))
            except Exception as e:
                results.append(_error(input, "cli_wall", who, e))
    return results


def _cpu_timed_run(cmd, cpu, **kw):
    """Wall seconds of one run; its user + system CPU seconds go to ``cpu``."""
    import resource
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = _timed_run(cmd, **kw)[0]
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu.append(r1.ru_utime - r0.ru_utime + r1.ru_stime - r0.ru_stime)
    return t


# -- the run ------------------------------------------------------------------------


TARGETS = [
    # (name, what, target, how: (input, bench, backend) of the figure and its reference)
    ("decode full link dump vs pyroute2", ">=", 50.0,
     (("link_dump", "decode_full", "native"), ("link_dump", "decode_full", "pyroute2"))),
    ("decode full link dump vs pyroute2 (pure)", ">=", 12.0,
     (("link_dump", "decode_full", "pure"), ("link_dump", "decode_full", "pyroute2"))),
    ("decode full link dump vs pyroute2, CPU", ">=", 50.0,
     (("link_dump", "decode_full_cpu", "native"), ("link_dump", "decode_full_cpu", "pyroute2"))),
    ("decode full link dump vs pyroute2 (pure), CPU", ">=", 12.0,
     (("link_dump", "decode_full_cpu", "pure"), ("link_dump", "decode_full_cpu", "pyroute2"))),
    ("route dump+decode, routes/s (native)", ">=", 300_000.0,
     (("routes", "route_dump", "native"), None)),
    ("route dump+decode vs ip -j route show", ">=", 1.3,
     (("routes", "route_dump", "native"), ("routes", "route_dump", "ip -j"))),
    ("route dump+decode vs ip -j route show, CPU", ">=", 1.3,
     (("routes", "route_dump_cpu", "native"), ("routes", "route_dump_cpu", "ip -j"))),
    ("route add vs ip -batch", ">=", 1.0,
     (("routes", "route_add", "native"), ("routes", "route_add", "ip -batch"))),
    ("flower encode, us (native)", "<=", 5.0, (("flower", "encode", "native"), None)),
    ("flower encode, us (pure)", "<=", 20.0, (("flower", "encode", "pure"), None)),
    ("flower template, user us/filter (native)", "<=", 1.5,
     (("flower", "template", "native"), None)),
    ("flower template, user us/filter (pure)", "<=", 5.0, (("flower", "template", "pure"), None)),
    ("flower template vs tc -b, user CPU", ">=", 2.0,
     (("flower", "template", "native"), ("flower", "template", "tc -b"))),
    ("tc-batch lines vs tc -b, user CPU", ">=", 1.0,
     (("flower", "tc-batch", "native"), ("flower", "tc-batch", "tc -b"))),
    ("u32 tc-batch lines vs tc -b, user CPU", ">=", 1.0,
     (("u32", "tc-batch", "native"), ("u32", "tc-batch", "tc -b"))),
    ("capture to JSON vs tshark", ">=", 3.0,
     (("*", "capture_json_cli", "native"), ("*", "capture_json_cli", "tshark"))),
    ("OVS capture to JSON vs tshark -T json, wall", ">=", 2.0,
     (("ovs_capture.pcap", "capture_json_cli", "native"),
      ("ovs_capture.pcap", "capture_json_cli", "tshark"))),
    ("OVS capture to JSON vs tshark -T json, CPU", ">=", 2.0,
     (("ovs_capture.pcap", "capture_json_cpu", "native"),
      ("ovs_capture.pcap", "capture_json_cpu", "tshark"))),
    ("OVS capture to JSON, native vs pure, CPU", ">=", 1.0,
     (("ovs_capture.pcap", "capture_json_cpu", "native"),
      ("ovs_capture.pcap", "capture_json_cpu", "pure"))),
    ("real tc requests, encode from dict, us (native)", "<=", 8.0,
     (("tc_requests", "encode_from_dict", "native"), None)),
    ("real tc requests, encode from dict, us (pure)", "<=", 30.0,
     (("tc_requests", "encode_from_dict", "pure"), None)),
    ("one hex message through the CLI, us", "<=", 60_000.0,
     (("hex_message", "cli_wall", "nlcodec"), None)),
    ("nlcodec dump link --json, us", "<=", 70_000.0,
     (("dump_link", "cli_wall", "nlcodec"), None)),
]


# rows where both backends run the same Python code (request.Template's own
# encoders for plain scalars: no codec call), so their difference is noise:
# left out of the native-vs-pure line
SAME_CODE = {("routes", "route_add"), ("routes", "route_add_cpu"), ("flower", "template")}


def targets(results):
    """The project's targets, with the measured figures and whether they are met."""
    def find(key):
        for r in results:
            if "us_per_message" in r and r["bench"] == key[1] and r["backend"] == key[2] \
                    and (key[0] == "*" or r["input"] == key[0]) and r.get("known", True):
                return r
        return None
    out = []
    for name, op, target, (a, b) in TARGETS:
        ra = find(a)
        rb = find(b) if b else None
        if ra is None or (b and rb is None):
            continue
        if b:
            value = rb["us_per_message"] / ra["us_per_message"]       # speedup
        elif "us" in name:
            value = ra["us_per_message"]
        else:
            value = ra["messages_per_s"]
        met = value >= target if op == ">=" else value <= target
        t = {"target": name, "op": op, "goal": target, "value": round(value, 3), "met": met}
        # a decode figure against a reference: the same over marshal.loads alone of
        # the C core's output (_dicts_alone), the most these dicts allow
        alone = find((a[0], a[1].replace("decode_full", "dicts_alone"), a[2])) \
            if b and a[1].startswith("decode_full") else None
        if alone is not None:
            t["ceiling"] = round(rb["us_per_message"] / alone["us_per_message"], 3)
        out.append(t)
    # native is never slower than pure: every row measured on both, pure's time
    # over native's (the lowest of them is the figure; rows named in "slowest")
    pairs = {}
    for r in results:
        if "us_per_message" in r and r["backend"] in ("native", "pure") and r.get("known", True) \
                and (r["input"], r["bench"]) not in SAME_CODE:
            pairs.setdefault((r["input"], r["bench"]), {})[r["backend"]] = r["us_per_message"]
    ratios = sorted((v["pure"] / v["native"], f"{k[0]} {k[1]}") for k, v in pairs.items()
                    if len(v) == 2 and v["native"] > 0)
    if ratios:
        out.append({"target": f"native vs pure, slowest of {len(ratios)} rows", "op": ">=",
                    "goal": 1.0, "value": round(ratios[0][0], 3), "met": ratios[0][0] >= 1.0,
                    "slowest": [f"{n}: {v:.3f}" for v, n in ratios[:3]]})
    return out


def run(kinds=("decode",), backend_names=("native", "pure"), input_path=None,
        min_time=0.3, show_progress=True, n_routes=10000, n_veths=200, pcap_path=None):
    if "all" in kinds:
        kinds = ("decode", "encode", "socket", "capture", "cli")
    progress = _Progress(show_progress)
    results = []
    try:
        codec = "decode" in kinds or "encode" in kinds
        sources = _sources(input_path) if codec or "capture" in kinds else []
        for name, data, proto, fams, get in sources if codec else ():
            if not isinstance(data, bytes):
                results.append(_error(name, "sample", "-", data))
                continue
            if not data:
                continue
            if "decode" in kinds:
                results += bench_decode(name, data, proto, fams, get, backend_names, progress,
                                        min_time)
            if "encode" in kinds:
                one = data if name not in SAMPLES else data[:len(data) // 500]
                results += bench_encode(name, one, proto, fams, backend_names, progress,
                                        min_time)
        if "cli" in kinds:
            results += bench_cli(progress)
        if "socket" in kinds:
            results += bench_socket(backend_names, progress, n_routes, n_veths)
        if "template" in kinds:
            from .bench_template import bench_template
            results += bench_template(backend_names, progress)
        if "capture" in kinds:
            with tempfile.TemporaryDirectory() as tmp:
                path = pcap_path or (input_path if input_path and open(input_path, "rb").read(4)
                                     in _PCAP_MAGICS else None)
                if path is None:
                    msgs = [m for name, data, *_ in sources[:2] if isinstance(data, bytes)
                            for m in split_messages(data[:len(data) // 4 or len(data)])]
                    path = os.path.join(tmp, "capture.pcap")
                    make_pcap(path, msgs or [live_dump(_RTM_GETLINK)], 20000)
                results += bench_capture(path, backend_names, progress, min_time)
                ovs = ovs_capture_path() if not (pcap_path or input_path) else None
                if ovs:
                    results += bench_capture(ovs, backend_names, progress, min_time,
                                             repeat=7)
    finally:
        progress.done()
    return {"machine": platform.node(), "python": platform.python_version(),
            "nlcodec": nlcodec.__version__, "time": time.strftime("%Y-%m-%dT%H:%M:%S"),
            "cpus": os.cpu_count(), "load": os.getloadavg()[0],
            "results": results, "targets": targets(results)}


_PCAP_MAGICS = (b"\xd4\xc3\xb2\xa1", b"\xa1\xb2\xc3\xd4", b"\x0a\x0d\x0d\x0a",
                b"\x4d\x3c\xb2\xa1", b"\xa1\xb2\x3c\x4d")


def format_table(report) -> str:
    rows = [("input", "bench", "backend", "msgs", "us/msg", "msgs/s")]
    for r in report["results"]:
        if "error" in r:
            rows.append((r.get("input", ""), r["bench"], r["backend"], "-", "-",
                         r["error"][:60]))
            continue
        rows.append((r.get("input", ""), r["bench"], r["backend"], str(r["messages"]),
                     f"{r['us_per_message']:.2f}", f"{r['messages_per_s']:,.0f}"
                     + ("  (no spec: payload as hex)" if r.get("known") is False else "")))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip() for row in rows]
    if report.get("targets"):
        lines.append("")
        for t in report["targets"]:
            lines.append(f"{'met ' if t['met'] else 'MISS'}  {t['target']}: {t['value']:,.2f} "
                         f"(target {t['op']} {t['goal']:,g})"
                         + (f"; lowest: {', '.join(t['slowest'])}" if t.get("slowest") else "")
                         + (f"; the dicts alone (marshal.loads of the C core's output): "
                            f"{t['ceiling']:,.2f}" if t.get("ceiling") else ""))
    return "\n".join(lines)


REGRESSION = 0.10       # slower by more than this fraction: flagged by compare()


def compare(a_path, b_path) -> str:
    """Two saved runs side by side: each figure before and after with its
    change; figures slower by more than REGRESSION and targets met before
    but missed after are listed again at the end as regressions."""
    with open(a_path) as f:
        a = json.load(f)
    with open(b_path) as f:
        b = json.load(f)
    key = lambda r: (r.get("input", ""), r["bench"], r["backend"])   # noqa: E731
    old = {key(r): r for r in a["results"] if "us_per_message" in r}
    lines = [f"{'input':<12} {'bench':<16} {'backend':<9} {'before':>9} {'after':>9} {'change':>8}"]
    worse = []
    for r in b["results"]:
        if "us_per_message" not in r or key(r) not in old:
            continue
        o = old[key(r)]["us_per_message"]
        n = r["us_per_message"]
        line = (f"{r.get('input', ''):<12} {r['bench']:<16} {r['backend']:<9} "
                f"{o:>9.2f} {n:>9.2f} {(n - o) / o * 100:>+7.1f}%")
        lines.append(line)
        if n > o * (1 + REGRESSION):
            worse.append(line)
    met = {t["target"]: t for t in a.get("targets", [])}
    for t in b.get("targets", []):
        was = met.get(t["target"])
        if was is not None and was["met"] and not t["met"]:
            worse.append(f"target {t['target']}: {was['value']:,.2f} -> {t['value']:,.2f} "
                         f"(target {t['op']} {t['goal']:,g}), met before, missed now")
    loads = [x.get("load") for x in (a, b)]
    lines.append("")
    lines.append(f"load (1-minute average) of the runs: before {loads[0]}, after {loads[1]}")
    if worse:
        lines.append(f"regressions (slower by more than {REGRESSION:.0%}, or a target lost): "
                     f"{len(worse)}")
        lines += ["  " + x for x in worse]
    else:
        lines.append(f"no regressions (nothing slower by more than {REGRESSION:.0%}, "
                     f"no target lost)")
    return "\n".join(lines)
