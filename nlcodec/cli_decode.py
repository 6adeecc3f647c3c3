"""``nlcodec decode`` of pcap/pcapng captures: streamed, on all cores, selected.

The capture is read a chunk at a time and each message is written as soon
as it is decoded, so memory stays flat whatever the file size.  ``--jobs N``
decodes record ranges of a file in N processes and writes them in capture
order (``capture_jobs``): the output is the serial output, byte for byte.
The selection options (``capture_select``) look at decoded values before
anything is formatted.  On a terminal a progress line on stderr tells
messages/s, bytes done and the time left; piped, nothing is added.
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import os
import stat
import sys
import time

from .capture_select import DIRECTIONS
# the capture reader loads when a capture is decoded (a hex message never needs it)

# files above this are decoded on every core by default
JOBS_MIN_BYTES = 8 << 20


def add_arguments(d):
    """The capture options of ``nlcodec decode``."""
    g = d.add_argument_group(
        "captures (pcap/pcapng)",
        "Select what to show: each option looks at decoded values, before formatting; "
        "several options must all hold. --protocol and --family select too.")
    g.add_argument("--type", action="append", metavar="TYPE",
                   help="only these message types (newtfilter, RTM_NEWLINK, newfamily...; "
                        "comma-separated or repeated)")
    g.add_argument("--direction", choices=DIRECTIONS, help="only messages going this way")
    g.add_argument("--match", action="append", metavar="KEY=VALUE",
                   help="only messages with an attribute or header member KEY (at any depth; "
                        "linkinfo.kind for a path; UAPI names too) equal to VALUE "
                        "(ifname=veth0, kind=flower, operstate=up); repeat: all must hold")
    g.add_argument("-c", "--max-messages", type=int, metavar="N",
                   help="stop after N messages shown")
    g.add_argument("--records", metavar="FIRST-LAST",
                   help="only these pcap records (1-based, as tshark numbers frames: 10-20, "
                        "100-, -50, 7)")
    g.add_argument("--count", action="store_true",
                   help="print how many messages of each family and type, not the messages")
    g.add_argument("--jobs", "-j", type=int, metavar="N",
                   help="decode in N processes (default: every core for files above "
                        f"{JOBS_MIN_BYTES >> 20} MB, else 1); output as with 1, in order")
    g.add_argument("--progress", action=argparse_bool(), default=None,
                   help="a progress line on stderr (default: when stderr is a terminal and "
                        "stdout is not, or with --count)")
    # bytes of capture per --jobs task (tests make many small ranges)
    g.add_argument("--range-bytes", type=int, default=None, help=argparse.SUPPRESS)


def argparse_bool():
    return argparse.BooleanOptionalAction


def capture_source(args):
    """The capture to decode (a path or stdin's binary stream) when the input
    is a pcap/pcapng and not forced to be a hex dump or raw bytes; else None.
    Nothing but the first 4 bytes is looked at."""
    from .pcap import MAGICS
    if args.hex:
        return None
    if args.file == "-":
        stdin = sys.stdin.buffer
        head = stdin.peek(4)[:4] if hasattr(stdin, "peek") else b""
        return stdin if head in MAGICS else None
    try:
        with open(args.file, "rb") as f:
            head = f.read(4)
    except OSError:
        return None                     # the caller says why it cannot be read
    return args.file if head in MAGICS else None


def _record_range(text):
    if not text:
        return 1, None
    a, sep, b = text.partition("-")
    try:
        first = int(a) if a.strip() else 1
        last = (int(b) if b.strip() else None) if sep else first
    except ValueError:
        raise ValueError(f"--records takes FIRST-LAST record numbers (10-20, 100-, -50, 7), "
                         f"not {text!r}") from None
    if first < 1 or (last is not None and last < first):
        raise ValueError(f"--records {text}: records are numbered from 1, FIRST <= LAST")
    return first, last


def renderer(args):
    """A message's text, as ``nlcodec decode`` prints it."""
    from .show import format_message, to_json
    if args.json:                   # raw: the message's bytes, when the caller has them
        return lambda m, raw=None: to_json(m, raw) + "\n"
    return lambda m, raw=None: format_message(m) + "\n\n"


def _size(source):
    try:
        st = os.stat(source) if isinstance(source, str) else os.fstat(source.fileno())
    except (OSError, ValueError, AttributeError):
        return None
    return st.st_size if stat.S_ISREG(st.st_mode) else None


def _cores():
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def decode_capture(args, source, families=None) -> int:
    """``nlcodec decode`` of a capture: the messages, or with ``--count`` a table."""
    from .capture import CaptureDecoder
    from .capture_select import Selection
    sel = Selection(protocols=[args.protocol] if args.protocol else (),
                    families=[args.family] if args.family else (), types=args.type,
                    direction=args.direction, matches=args.match)
    first, last = _record_range(args.records)
    limit = args.max_messages
    if limit is not None and limit < 1:
        raise ValueError("--max-messages takes a number >= 1")
    size = _size(source)
    jobs = args.jobs
    if jobs is None:
        jobs = _cores() if (size or 0) >= JOBS_MIN_BYTES and not limit else 1
    if jobs < 1:
        raise ValueError("--jobs takes a number >= 1")
    if not isinstance(source, str):
        jobs = 1                        # a pipe has no ranges to hand out
    progress = Progress(size, _want_progress(args))
    decoder = CaptureDecoder(families=families or None)
    render = renderer(args)
    out = sys.stdout
    try:
        if jobs > 1:
            from . import capture_jobs
            out.flush()
            kw = {"range_bytes": args.range_bytes} if args.range_bytes else {}
            _shown, counts = capture_jobs.run(
                source, decoder, sel, render, jobs=jobs, out=out.buffer, first=first,
                last=last, counting=args.count, limit=limit, encoding=out.encoding or "utf-8",
                errors=out.errors or "strict", progress=progress, **kw)
        else:
            if size is None and not args.count:
                counts = _serial(source, decoder, sel, render, first, last, args.count, limit,
                                 _flushing(out), progress)
            else:
                with _chunked(out) as write:
                    counts = _serial(source, decoder, sel, render, first, last, args.count,
                                     limit, write, progress)
    finally:
        progress.close()
    if counts is not None:
        _print_counts(counts, args.json)
    return 0


@contextlib.contextmanager
def _chunked(out, size=1 << 16):
    """A write() that hands ``out`` about ``size`` characters at a time (a
    file decodes faster than a terminal reads: one write per message is a
    system call each when stdout is unbuffered, PYTHONUNBUFFERED=1); what
    is left is written at the end, an error's included."""
    parts, n = [], 0

    def write(text):
        nonlocal n
        parts.append(text)
        n += len(text)
        if n >= size:
            out.write("".join(parts))
            parts.clear()
            n = 0
    try:
        yield write
    finally:
        if parts:
            out.write("".join(parts))


def _flushing(out):
    def write(text):            # a pipe may be a live capture: show what comes
        out.write(text)
        out.flush()
    return write


def _serial(source, decoder, sel, render, first, last, counting, limit, write, progress):
    from .capture import CaptureStream
    stream = CaptureStream(decoder, source, first=first, last=last, protocols=sel.protocols,
                           lazy=counting and not sel.matches)
    counts = collections.Counter() if counting else None
    shown = seen = 0
    tick = progress.update if progress.enabled else None
    for m, raw in stream:
        seen += 1
        if tick is not None and not seen & 255:
            pos = stream.reader.position
            tick(pos.offset if pos else 0, seen)
        if not sel(m):
            continue
        shown += 1
        if counts is not None:
            counts[(m.family, str(m.type))] += 1
        else:
            write(render(m, raw))
        if limit and shown >= limit:
            break
    return counts


def _print_counts(counts, as_json):
    rows = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    if as_json:
        import json
        for (fam, ty), n in rows:
            print(json.dumps({"family": fam, "type": ty, "messages": n}))
        return
    width = max([len(f"{n:,}") for _, n in rows] + [len("messages")])
    fw = max([len(f) for (f, _), _ in rows] + [len("family")])
    print(f"{'messages':>{width}}  {'family':<{fw}}  type")
    for (fam, ty), n in rows:
        print(f"{n:>{width},}  {fam:<{fw}}  {ty}")
    print(f"{sum(counts.values()):>{width},}  {'total':<{fw}}")


# -- progress -----------------------------------------------------------------------


def _want_progress(args):
    if args.progress is not None:
        return args.progress
    try:
        return sys.stderr.isatty() and (args.count or not sys.stdout.isatty())
    except (AttributeError, ValueError):
        return False


class Progress:
    """One line on stderr, redrawn at most every ``every`` seconds:
    messages, messages/s, bytes done of the file's size, time left."""

    def __init__(self, total, enabled, every=None, stream=None):
        if every is None:
            every = float(os.environ.get("NLCODEC_PROGRESS_EVERY", 0.5))
        self.total, self.enabled, self.every = total, enabled, every
        self.stream = stream or sys.stderr
        self.t0 = time.monotonic()
        self.last = self.t0
        self.drawn = False

    def update(self, done, messages):
        if not self.enabled:
            return
        now = time.monotonic()
        if now - self.last < self.every:
            return
        self.last = now
        dt = max(now - self.t0, 1e-6)
        text = f"{messages:,} messages  {messages / dt:,.0f} msg/s  {_mb(done)}"
        if self.total:
            text += f" of {_mb(self.total)} ({100 * done / self.total:.0f}%)"
            if done:
                text += f"  ETA {_clock(dt * (self.total - done) / done)}"
        self.stream.write("\r\x1b[K" + text)
        self.stream.flush()
        self.drawn = True

    def close(self):
        if self.drawn:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
            self.drawn = False


def _mb(n):
    return f"{n / 1e6:,.1f} MB"


def _clock(s):
    s = int(s + 0.5)
    return f"{s // 3600}:{s // 60 % 60:02d}:{s % 60:02d}" if s >= 3600 else \
        f"{s // 60}:{s % 60:02d}"
