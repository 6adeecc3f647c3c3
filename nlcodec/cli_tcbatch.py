"""``nlcodec tc-batch FILE``: tc -b for nlcodec.tc's grammar (see
nlcodec/tc/batch.py): lines streamed from FILE ('-': stdin), runs of lines
that differ only in values sent through one template, pipelined with
do_many; errors per line as tc -b prints them; a progress line on a
terminal; a summary (lines, seconds, rules/s)."""

from __future__ import annotations

import json
import sys
import time


def add_parser(sub):
    t = sub.add_parser(
        "tc-batch", help="run a file of tc commands (like tc -b), fast",
        description="Send the tc commands of FILE (one per line, as for `tc -b`: "
                    "'filter add dev eth0 ingress prio 1 protocol ip flower ... action drop', "
                    "'qdisc add dev eth0 clsact') to the kernel.  Lines that differ from "
                    "the one before only in values (handle, prio, MACs, addresses, ports, "
                    "indexes) are sent through one template, many per send.  Reads "
                    "flower (incl. mpls lse lists, pppoe, geneve|vxlan|erspan|gtp_opts), "
                    "matchall, u32 (match u32/u16/u8/ip/ip6/tcp/udp/icmp/mark/ether, at "
                    "offsets), actions gact (random), mirred, vlan, skbedit, csum, "
                    "sample, tunnel_key (with geneve|vxlan|erspan_opts), ct, nat, connmark, "
                    "mpls, police (linklayer, conform-exceed), pedit (munge "
                    "eth|ip|ip6|tcp|udp), hw_stats; "
                    "qdiscs ingress, clsact, pfifo|bfifo|pfifo_head_drop (limit), "
                    "fq_codel, tbf, prio (bands, priomap, multiqueue), sfq (with its RED words), red, choke, "
                    "codel, pie, fq_pie, hhf, fq, sfb, htb "
                    "(default, r2q, direct_qlen), netem (delay, loss, "
                    "duplicate, reorder, corrupt, gap, ecn, rate, slot, distribution "
                    "tables), drr, qfq, multiq, pfifo_fast, cbs, etf, mqprio; "
                    "classes of htb (rate, ceil, burst, cburst, prio, quantum, mtu, mpu, "
                    "overhead, linklayer), drr (quantum) and qfq (weight, maxpkt).",
        epilog="Errors are printed per line as tc -b does (the kernel's message and "
               "'Command failed FILE:LINE').  Without -force the batch stops at the first "
               "failure as tc -b does, but the lines sent with it in the same window (up to "
               "--window - 1 after it) were applied by the kernel all the same (it does not "
               "stop within a datagram): they are named ('applied after the failure: LINES'; "
               "JSON: applied_after_stop).  --window 1 sends each line alone: exactly tc -b's "
               "stop, at tc -b's speed.  Exit status 1 when any line failed.")
    t.add_argument("file", metavar="FILE", help="the commands; '-' reads stdin")
    t.add_argument("-force", "--force", action="store_true",
                   help="go on after errors (tc -force)")
    t.add_argument("-n", "--netns", help="network namespace: name, path or pid:N (tc -n)")
    t.add_argument("--window", type=int, default=256, help="requests per send (default 256)")
    t.add_argument("--no-template", action="store_true",
                   help="parse every line whole (to compare)")
    t.add_argument("--json", action="store_true", help="the summary as JSON on stdout")
    t.add_argument("-q", "--quiet", action="store_true", help="no summary, no progress")
    t.set_defaults(fn=run)
    return t


def _devices(sock):
    names = {}
    for m in sock.dump("getlink"):
        name = m.get("ifname")
        if name is not None:
            names[name] = m.header["index"]
    return names


def run(args):
    import nlcodec
    from .tc.batch import Batch

    src = sys.stdin if args.file == "-" else open(args.file, encoding="utf-8", errors="replace")
    name = "-" if args.file == "-" else args.file
    tty = sys.stderr.isatty() and not args.quiet and not args.json
    t0 = time.perf_counter()
    last = [0.0]

    def progress(n):
        if tty:
            now = time.perf_counter()
            if now - last[0] >= 0.2:
                last[0] = now
                dt = now - t0
                sys.stderr.write(f"\r{n:,} rules  {dt:6.1f} s  {n / dt if dt else 0:,.0f} rules/s ")
                sys.stderr.flush()

    def on_error(e):
        if tty:
            sys.stderr.write("\r" + " " * 60 + "\r")
        err = e.error
        if hasattr(err, "errno"):
            text = getattr(err, "ext_ack", None) or str(err)
            sys.stderr.write(f"Error: {text}.\nWe have an error talking to the kernel\n")
        else:
            sys.stderr.write(f"Error: {err}\n")
        sys.stderr.write(f"Command failed {name}:{e.lineno}\n")

    with nlcodec.connect("route", netns=args.netns) as sock:
        devs = _devices(sock)

        def ifindex(dev):
            try:
                return devs[dev]
            except KeyError:
                raise ValueError(f"cannot find device {dev!r}") from None
        b = Batch(sock, force=args.force, ifindex=ifindex, window=args.window,
                  on_error=on_error, progress=progress, templates=not args.no_template)
        try:
            b.run(src)
        finally:
            if src is not sys.stdin:
                src.close()
    if tty:
        sys.stderr.write("\r" + " " * 60 + "\r")
    r = b.result()
    if r["applied_after_stop"] and not args.json:
        sys.stderr.write(f"nlcodec: lines sent in the failed line's window were applied "
                         f"anyway (tc -b would not have run them): "
                         f"{name}:{r['applied_after_stop']}\n")
    if args.json:
        print(json.dumps(r))
    elif not args.quiet:
        print(f"{r['lines']:,} lines, {r['requests']:,} requests, {r['errors']} errors, "
              f"{r['seconds']:.2f} s, {r['rules_per_s']:,} rules/s"
              + (" (stopped at the first error; -force goes on)" if r["stopped"] else ""),
              file=sys.stderr)
    return 1 if r["errors"] else 0
