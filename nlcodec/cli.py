"""The ``nlcodec`` command line: decode, dump, monitor, psample, spec, bench.

Every command prints a tree for people, or with ``--json`` one JSON object
per line for scripts.  Errors are one line on stderr with a non-zero exit:
1 for a failure, 2 for a usage error.
"""

from __future__ import annotations

import argparse
import os
import sys

import nlcodec

from .errors import DecodeError, EncodeError, SpecError

PCAP_MAGICS = (b"\xd4\xc3\xb2\xa1", b"\xa1\xb2\xc3\xd4", b"\x4d\x3c\xb2\xa1", b"\xa1\xb2\x3c\x4d",
               b"\x0a\x0d\x0d\x0a")

# `nlcodec dump WHAT`: (socket target, message, default header, needs)
DUMPS = {
    "link": ("route", "getlink", {}),
    "addr": ("route", "getaddr", {}),
    "route": ("route", "getroute", {}),
    "neigh": ("route", "getneigh", {}),
    "rule": ("route", "getrule", {}),
    "qdisc": ("route", "getqdisc", {}),
    "class": ("route", "gettclass", {}),
    "filter": ("route", "gettfilter", {}),
    "action": ("route", "getaction", {}),
    "dp": ("ovs_datapath", "get", {}),
    "vport": ("ovs_vport", "get", {}),
    "flow": ("ovs_flow", "get", {}),
    "devlink": ("devlink", "get", {}),
    "devlink-port": ("devlink", "port_get", {}),
    "devlink-info": ("devlink", "info_get", {}),
    "devlink-param": ("devlink", "param_get", {}),
    "devlink-health": ("devlink", "health_reporter_get", {}),
    "devlink-rate": ("devlink", "rate_get", {}),
    "devlink-trap": ("devlink", "trap_get", {}),
    "conntrack": ("netfilter", "ct_get", {}),
    "conntrack-expect": ("netfilter", "exp_get", {}),
    "conntrack-stats": ("netfilter", "ct_get_stats_cpu", {}),
}


class CliError(Exception):
    """A failure to report in one line."""


def _out(args, m):
    from .show import format_message, to_json
    if args.json:
        print(to_json(m))
    else:
        print(format_message(m))
        print()


# -- decode -----------------------------------------------------------------


def _families_map(pairs):
    out = {}
    for p in pairs or ():
        num, _, name = p.partition("=")
        if not num.isdigit() or not name:
            raise CliError(f"--genl-id takes ID=FAMILY (e.g. 34=ovs_flow), not {p!r}")
        out[int(num)] = name
    return out


def cmd_decode(args):
    if args.spec:
        from . import ynl
        ynl.load(args.spec, register=True)
    from .cli_decode import capture_source, decode_capture
    source = capture_source(args)
    if source is not None:              # a capture: streamed, selected, --jobs
        return decode_capture(args, source, _families_map(args.genl_id))
    if args.protocol is None:
        args.protocol = "route"
    if args.file == "-":
        data = sys.stdin.buffer.read()
    else:
        try:
            with open(args.file, "rb") as f:
                data = f.read()
        except OSError as e:
            raise CliError(f"cannot read {args.file}: {e.strerror}") from None
    families = _families_map(args.genl_id)
    if data[:4] in PCAP_MAGICS and not args.hex:
        return decode_capture(args, data, families)
    from .cli_dumps import run
    return run(args, data, families)


def _dump_kinds():
    from .dumps import KINDS
    return KINDS


def _dump_kinds_help():
    from .dumps import KINDS
    return "; ".join(f"{k} ({v[2]})" for k, v in KINDS.items()).replace("%", "%%")


# -- live commands ----------------------------------------------------------


def _connect(target, args, groups=(), **kw):
    try:
        return nlcodec.connect(target, netns=args.netns, groups=groups, **kw)
    except (FileNotFoundError, PermissionError) as e:
        raise CliError(str(e)) from None


def _ifindex(dev, netns):
    import subprocess
    cmd = ["ip"] + (["-n", netns] if netns else []) + ["-j", "link", "show", "dev", dev]
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        raise CliError(f"no device {dev!r}" + (f" in netns {netns}" if netns else ""))
    import json
    return json.loads(r.stdout)[0]["ifindex"]


def cmd_dump(args):
    target, msg, header = DUMPS[args.what]
    header = dict(header)
    attrs = None
    if args.what in ("qdisc", "class", "filter") and args.dev:
        header["ifindex"] = _ifindex(args.dev, args.netns)
    if args.what == "filter":
        if not args.dev:
            raise CliError("dump filter needs --dev DEV (the kernel dumps filters per device)")
        from .tc import parse_handle
        header["parent"] = parse_handle(args.parent) if args.parent else 0
    if args.what == "action":
        if not args.kind:
            raise CliError("dump action needs --kind KIND (e.g. gact, mirred)")
        attrs = {"act_tab": [{"kind": args.kind}]}
    if args.what in ("dp", "vport", "flow") and args.dp:
        header["dp_ifindex"] = _ifindex(args.dp, args.netns)
    with _connect(target, args) as s:
        n = 0
        for m in s.dump(msg, header=_full_header(target, msg, header), attrs=attrs):
            if args.what == "flow" and not args.json:
                from .ovs import format_flow
                print(format_flow(m))
            else:
                _out(args, m)
            n += 1
    if not args.json and args.what != "flow":
        print(f"{n} messages", file=sys.stderr)
    return 0


def _full_header(target, msg, given):
    """The message's fixed header with every member zero, then ``given``."""
    from .registry import PROTOCOLS, compiled, message_by_name
    if target in PROTOCOLS:             # "route", "netfilter": a plain protocol
        hit = message_by_name(target, msg)
        layout = hit[1].header if hit else None
    else:
        cf = compiled(nlcodec.family(target))
        cm = cf.msg_by_name.get(msg)
        layout = cm.header if cm is not None and cm.header is not None else cf.header
    if layout is None:
        return given or None
    base = layout.decode(bytes(layout.size), 0, layout.size)
    base.update(given)
    return base


def cmd_monitor(args):
    groups = args.groups or ["link", "ipv4_ifaddr", "ipv6_ifaddr", "ipv4_route", "ipv6_route",
                             "neigh", "ipv4_rule", "ipv6_rule", "tc"]
    target = args.family or "route"
    if args.family:
        fam = nlcodec.family(args.family)
        groups = args.groups or list(fam.mcast_groups)
        if not fam.genl:        # conntrack: a plain protocol, groups by name
            target = fam.protocol
    from .socket import Overrun
    with _connect(target, args, groups=groups, rcvbuf=args.rcvbuf) as s:
        if args.family and s.protocol == "generic":
            s.subscribe(*groups)
        def shown():
            for ev in s.events(overrun="yield"):
                if isinstance(ev, Overrun):     # reported, then on (as ip monitor does)
                    lost = "an unknown number of" if ev.lost is None else str(ev.lost)
                    print(f"nlcodec monitor: receive buffer overrun (ENOBUFS): {lost} events "
                          f"lost; continuing", file=sys.stderr)
                    sys.stderr.flush()
                else:
                    yield ev
        for ev in _first(shown(), args.count):
            _out(args, ev)
            sys.stdout.flush()
    return 0


def _first(events, count):
    """``events``, stopping after ``count`` of them (0 or None: never)."""
    for n, ev in enumerate(events, 1):
        yield ev
        if count and n >= count:
            return


def cmd_psample(args):
    import json

    from .cli_psample import sample_json, sample_text
    with _connect("psample", args) as s:
        s.subscribe("packets")
        mine = (ev for ev in s.events()
                if args.group is None or ev.get("sample_group") == args.group)
        for ev in _first(mine, args.count):
            print(json.dumps(sample_json(ev)) if args.json else sample_text(ev))
            sys.stdout.flush()
    return 0


# -- spec browser -----------------------------------------------------------


def cmd_spec(args):
    from .cli_spec import cmd_spec as spec
    return spec(args, CliError)


# -- bench ------------------------------------------------------------------


def cmd_bench(args):
    import json

    from . import benchmark
    if args.compare:
        print(benchmark.compare(*args.compare))
        return 0
    kinds = ("decode", "encode", "socket", "capture", "cli") if args.what == "all" \
        else (args.what,)
    backends = (args.backend,) if args.backend else ("native", "pure")
    report = benchmark.run(kinds, backends, input_path=args.input, min_time=args.min_time,
                           show_progress=not args.json)
    if args.output:
        with open(args.output, "w") as f:
            json.dump(report, f, indent=1)
    print(json.dumps(report) if args.json else benchmark.format_table(report))
    return 0


# -- main -------------------------------------------------------------------


def _main_parser():
    p = argparse.ArgumentParser(
        prog="nlcodec",
        description="Decode, dump and watch netlink traffic (rtnetlink, TC, OVS, psample...).",
        epilog="Examples:\n"
               "  nlcodec decode capture.pcap           # an nlmon capture\n"
               "  nlcodec decode --hex dump.txt         # xxd, hexdump -C, gdb x/, crash rd...\n"
               "  nlcodec decode --as ovs-actions rd.txt # a kernel memory dump of OVS actions\n"
               "  nlcodec dump link --json              # this machine's links\n"
               "  nlcodec spec tc flower_attrs          # browse the specs\n"
               "Run `nlcodec COMMAND --help` for each command's options.",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--backend", choices=("native", "pure"),
                   help="codec backend (default: native when built; env NLCODEC_BACKEND)")
    return p, p.add_subparsers(dest="command", metavar="COMMAND")


def _add_decode(sub):
    d = sub.add_parser("decode", help="decode a capture, hex dump or raw netlink bytes",
                       description="Decode netlink messages from a pcap/pcapng (nlmon), a hex "
                                   "dump (auto-detected format) or raw bytes. FILE '-' reads "
                                   "stdin.")
    d.add_argument("file", metavar="FILE", help="the input file, or - for stdin")
    d.add_argument("--hex", action="store_true", help="the input is a hex dump (default: guess)")
    d.add_argument("--raw", action="store_true", help="the input is raw binary netlink messages")
    d.add_argument("--protocol",
                   help="netlink protocol of a hex/raw input (route, generic, ...; default "
                        "route); of a capture: only these (comma-separated)")
    d.add_argument("--family", help="family of the input (e.g. ovs_flow, tc, rt_link); of a "
                                    "capture: only these (comma-separated)")
    d.add_argument("--as", dest="as_", metavar="KIND", choices=list(_dump_kinds()),
                   help="what the bytes are: " + _dump_kinds_help() + " (default: nlmsg)")
    d.add_argument("--attrs", metavar="SET",
                   help="the input is a bare attribute stream of this set (e.g. action_attrs)")
    d.add_argument("--kernel", action="store_true",
                   help="only the kernel-internal forms (OVS sw_flow_actions); by default "
                        "both forms are tried and the one used is named")
    d.add_argument("--kernel-release", metavar="RELEASE",
                   help="the kernel the memory dump comes from (e.g. 6.1, 6.1.0-57-amd64, "
                        "'running'): its numbers for the kernel-internal OVS actions "
                        "(OVS_ACTION_ATTR_SET_TO_MASKED follows the newest action, so it "
                        "differs by release); implies --kernel. Default: the newest numbering")
    d.add_argument("--genl-id", action="append", metavar="ID=FAMILY",
                   help="generic netlink id of a family when the capture does not say")
    d.add_argument("--spec", metavar="YAML", help="load a kernel YNL spec first")
    d.add_argument("--json", action="store_true", help="one JSON object per message")
    from .cli_decode import add_arguments
    add_arguments(d)
    d.set_defaults(fn=cmd_decode)


def _add_dump(sub):
    u = sub.add_parser("dump", help="dump kernel objects (links, routes, qdiscs, OVS flows...)")
    u.add_argument("what", choices=sorted(DUMPS), help="what to dump: " + ", ".join(sorted(DUMPS)))
    u.add_argument("--netns", help="network namespace: name, path or pid:N")
    u.add_argument("--dev", help="device (qdisc/class/filter)")
    u.add_argument("--parent", help="filter parent in tc notation (ffff:, 1:10)")
    u.add_argument("--kind", help="action kind (dump action)")
    u.add_argument("--dp", help="OVS datapath name (vport/flow)")
    u.add_argument("--json", action="store_true", help="one JSON object per message")
    u.set_defaults(fn=cmd_dump)


def _add_monitor(sub):
    m = sub.add_parser("monitor", help="print rtnetlink or genl multicast events live")
    m.add_argument("groups", nargs="*", metavar="GROUP",
                   help="rtnetlink groups (link, ipv4_route, tc, ...) or genl groups with --family")
    m.add_argument("--family", help="a family (ovs_vport, psample, devlink, conntrack); its "
                                    "multicast groups unless GROUPs are given")
    m.add_argument("--netns", help="network namespace")
    m.add_argument("--count", type=int, help="stop after N events")
    m.add_argument("--rcvbuf", type=int, metavar="BYTES",
                   help="socket receive buffer (as ip -rcvbuf); an overrun is reported on "
                        "stderr with the number of events lost, and monitoring goes on")
    m.add_argument("--json", action="store_true", help="one JSON object per event")
    m.set_defaults(fn=cmd_monitor)


def _add_psample(sub):
    s = sub.add_parser("psample", help="print psample packet samples live")
    s.add_argument("--group", type=int, help="only this sample group")
    s.add_argument("--netns", help="network namespace: name, path or pid:N")
    s.add_argument("--count", type=int, help="stop after N samples")
    s.add_argument("--json", action="store_true", help="one JSON object per sample")
    s.set_defaults(fn=cmd_psample)


def _add_spec(sub):
    c = sub.add_parser("spec", help="browse families, messages, attribute sets, structs, enums",
                       description="Show what the specs say: families; a family's messages "
                                   "and sets; an attribute set with types, enum names, struct "
                                   "members and sub-message formats; a message's fixed header; "
                                   "an enum; a struct by its name (tcmsg, tc_mirred).",
                       epilog="Examples: nlcodec spec tc act_mirred_attrs | nlcodec spec tc "
                              "tcmsg | nlcodec spec rt_route newroute | nlcodec spec rt_route "
                              "rt_table")
    c.add_argument("family", nargs="?", help="a family (rt_link, tc, ovs_flow ...); none: list them")
    c.add_argument("attrset", nargs="?", metavar="NAME",
                   help="an attribute set, message, enum or struct of the family")
    c.add_argument("--json", action="store_true", help="the same as one JSON object")
    c.set_defaults(fn=cmd_spec)


def _add_tc_batch(sub):
    from .cli_tcbatch import add_parser
    add_parser(sub)


def _add_bench(sub):
    b = sub.add_parser("bench", help="measure encode/decode/socket throughput on this machine")
    b.add_argument("what", nargs="?", default="decode",
                   choices=("decode", "encode", "socket", "capture", "cli", "template", "all"),
                   help="what to measure (cli: whole-process times beside tshark and ip -j; "
                        "template: bulk flower requests beside tc -b)")
    b.add_argument("--backend", choices=("native", "pure"),
                   help="measure one codec backend only (default: both)")
    b.add_argument("--input", metavar="FILE", help="your own messages: raw, pcap or hex dump")
    b.add_argument("--min-time", type=float, default=0.3, help="seconds per measurement")
    b.add_argument("--output", metavar="FILE", help="save the report as JSON")
    b.add_argument("--compare", nargs=2, metavar=("OLD", "NEW"), help="compare two saved runs")
    b.add_argument("--json", action="store_true", help="the report as JSON")
    b.set_defaults(fn=cmd_bench)


# the commands, in the order `nlcodec --help` lists them
COMMANDS = {"decode": _add_decode, "dump": _add_dump, "monitor": _add_monitor,
            "psample": _add_psample, "spec": _add_spec, "tc-batch": _add_tc_batch,
            "bench": _add_bench}


def build_parser(only: str | None = None):
    """The parser of every command, or the same parser with command ``only``
    alone: start-up builds (and imports) only what the command line names."""
    p, sub = _main_parser()
    for name, add in COMMANDS.items():
        if only is None or name == only:
            add(sub)
    return p


def _command_named(argv):
    """The command ``argv`` names when nothing but ``--backend`` comes before
    it, else None (then every command's parser is built: ``--help``, a
    mistyped command, an abbreviated option)."""
    i = 2 if argv[:1] == ["--backend"] else 1 if argv[:1] and argv[0].startswith(
        "--backend=") else 0
    name = argv[i] if len(argv) > i else None
    return name if name in COMMANDS else None


def main(argv=None):
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser(_command_named(argv))
    args = parser.parse_args(argv)
    if not getattr(args, "fn", None):
        parser.print_help()
        return 2
    if args.backend and args.command != "bench":
        nlcodec.use_backend(args.backend)
    try:
        return args.fn(args)
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except KeyboardInterrupt:
        return 130
    except (CliError, DecodeError, EncodeError, SpecError, KeyError, ValueError, OSError,
            ImportError) as e:
        msg = e.args[0] if isinstance(e, KeyError) and e.args else e
        print(f"nlcodec {args.command}: error: {msg}", file=sys.stderr)
        return 1
    except Exception as e:                       # NetlinkError and friends
        if type(e).__name__ in ("NetlinkError",) or hasattr(e, "errno"):
            print(f"nlcodec {args.command}: error: {e}", file=sys.stderr)
            return 1
        raise


def run():
    """The ``nlcodec`` command (console script, ``python -m nlcodec``): ``main()``,
    then, its output flushed and exit handlers run, the process ends without
    the interpreter's tear-down, which frees the compiled specs object by object
    (a sixth of a one-message decode).  Where a flush fails or other threads
    still run, the interpreter ends as usual."""
    rc = main()
    threading = sys.modules.get("threading")
    if threading is not None and threading.active_count() != 1:
        return rc
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except Exception:               # noqa: BLE001 - the usual exit reports it
        return rc
    import atexit
    atexit._run_exitfuncs()
    try:                            # what exit handlers printed
        sys.stdout.flush()
        sys.stderr.flush()
    except Exception:               # noqa: BLE001
        pass
    os._exit(rc if isinstance(rc, int) else 0 if rc is None else 1)


if __name__ == "__main__":
    sys.exit(run())
