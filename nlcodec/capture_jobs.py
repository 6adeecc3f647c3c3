"""Decoding one capture file in several processes (``nlcodec decode --jobs N``).

The parent walks the file's record headers once (``plan``): it cuts the file
into ranges of about ``range_bytes`` whole records and notes, for each range,
where it starts (a ``pcap.Position``) and the generic netlink ids the
capture's CTRL messages had taught by then (only records with a CTRL message
are decoded in this walk).  A worker decodes and formats one range as a
serial run would at that point, and the parent writes the ranges' output in
capture order, so the output is the serial output, byte for byte: the same
messages, the same family names, and a malformed record stops the output at
the same message with the same error.

A few ranges are in flight at once (``window``), so memory stays flat
whatever the file size and however slowly the output is read.  A worker
writes a range's text to a file in memory (/dev/shm), which the parent
copies out with sendfile(2): no pickling of the text through a pipe.
"""

from __future__ import annotations

import collections
import errno
import multiprocessing
import os
import shutil
import tempfile
import time
from dataclasses import dataclass

from .capture import GENERIC, CaptureStream, cooked_header, learn_from_record, no_netlink_error
from .errors import DecodeError
from .pcap import Position, RecordReader

RANGE_BYTES = 2 << 20


@dataclass(slots=True)
class Task:
    start: Position | None      # None: the file's beginning
    count: int | None           # records; None: to the end of the file
    learned: dict               # genl ids learned before ``start``
    end: int                    # file offset after the range (for progress)


def plan(path, decoder, *, range_bytes=RANGE_BYTES, first=1, last=None):
    """The ranges of ``path`` in order (a generator: the walk goes on as the
    tasks are taken)."""
    base = decoder.genl_ids()
    learned: dict[int, str] = {}
    ids = decoder._ids_for_decode(base)
    reader = RecordReader(path, count=last)
    start, count, size, at = None, 0, 0, {}
    first = first or 1
    try:
        for rec in reader:
            n = rec.number
            if n >= first:
                if count == 0:
                    at = dict(learned)
                count += 1
                size += len(rec.data) + 16
            hdr = cooked_header(rec.linktype, rec.data)
            if hdr is not None and hdr[0] == GENERIC and learn_from_record(rec, hdr, learned,
                                                                            ids):
                ids = decoder._ids_for_decode({**base, **learned})
            if n < first or size >= range_bytes:
                if count:
                    yield Task(start, count, at, reader.position.offset)
                start, count, size = reader.position, 0, 0
    except DecodeError:
        # the file is broken here: the last range runs into the same error
        yield Task(start, None, dict(learned) if not count else at, -1)
        return
    if count:
        yield Task(start, count, at, reader.position.offset)


# -- the workers --------------------------------------------------------------------

_STATE = None


def _init(state):
    global _STATE
    _STATE = state


@dataclass(slots=True)
class Done:
    out: str                    # the file holding the range's text
    shown: int
    ends: list | None           # where each message's text ends in ``out`` (with a limit)
    counts: dict | None
    netlink: bool
    other: int | None
    error: tuple | None         # (reason, path, offset) of a DecodeError
    messages: int               # messages decoded


def _work(task: Task, out_path: str) -> Done:
    path, decoder, sel, render, first, last, counting, limit, encoding, errors, stop = _STATE
    stream = CaptureStream(decoder, path, start=task.start, count=task.count,
                           learned=task.learned, first=first, last=last,
                           protocols=sel.protocols, check=False,
                           lazy=counting and not sel.matches)
    ends, size = [] if limit else None, 0
    counts = collections.Counter() if counting else None
    shown = messages = 0
    error = None
    # the text goes to a file (in memory: /dev/shm) that the parent copies
    # out with sendfile: cheaper than pickling it through a pipe
    with open(out_path, "w", encoding=encoding, errors=errors, newline="",
              buffering=1 << 20) as out:
        write = out.write
        try:
            for m, _raw in stream:
                if stop.value:
                    break               # the parent stopped early: this range is not read
                messages += 1
                if not sel(m):
                    continue
                shown += 1
                if counts is not None:
                    counts[(m.family, str(m.type))] += 1
                    continue
                text = render(m)
                write(text)
                if ends is not None:
                    size += len(text.encode(encoding, errors))
                    ends.append(size)
                if limit and shown >= limit:
                    break
        except DecodeError as e:
            error = (e.reason, e.path, e.offset)
    return Done(out_path, shown, ends, dict(counts) if counts is not None else None,
                stream.netlink, stream.other, error, messages)


def _copy(path, nbytes, fd, write):
    """Write the first ``nbytes`` of file ``path`` (None: all) to ``fd``."""
    with open(path, "rb") as f:
        left = os.fstat(f.fileno()).st_size if nbytes is None else nbytes
        off = 0
        try:
            if fd is None:
                raise OSError(errno.EINVAL, "no file descriptor")
            while left > 0:
                n = os.sendfile(fd, f.fileno(), off, min(left, 1 << 30))
                if n == 0:
                    break
                off += n
                left -= n
        except OSError as e:
            if e.errno in (errno.EPIPE,):
                raise BrokenPipeError(e.errno, e.strerror) from None
            if off:
                raise
            # no sendfile to this output: copy through memory
            f.seek(0)
            while left > 0:
                b = f.read(min(left, 1 << 20))
                if not b:
                    break
                write(b)
                left -= len(b)


def _spool_dir():
    base = "/dev/shm" if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK) else None
    return tempfile.mkdtemp(prefix="nlcodec-jobs-", dir=base)


# how long a shutdown waits for the ranges in flight, which stop at their next
# message once told to (``_STOP``), before it terminates the workers after all
SHUTDOWN_WAIT = 60.0


def run(path, decoder, sel, render, *, jobs, out, first=1, last=None, counting=False,
        limit=None, encoding="utf-8", errors="strict", range_bytes=RANGE_BYTES,
        progress=None):
    """Decode ``path`` in ``jobs`` processes and write the output to ``out``
    (a binary file) in capture order.  Returns (messages shown, counts or
    None); raises the DecodeError a serial run would raise, after the output
    before it."""
    ctx = multiprocessing.get_context("fork")
    stop = ctx.RawValue("b", 0)         # set: the ranges in flight end at their next message
    state = (path, decoder, sel, render, first, last, counting, limit, encoding, errors, stop)
    counts = collections.Counter() if counting else None
    shown = decoded = 0
    netlink, other = False, None
    window = 2 * jobs + 1
    spool = _spool_dir()
    out.flush()
    try:
        fd = out.fileno()
    except (OSError, AttributeError, ValueError):
        fd = None                       # not a file: copied through memory
    pending = collections.deque()

    def take():
        nonlocal shown, decoded, netlink, other
        task, fut = pending.popleft()
        d = fut.get()
        nbytes = None
        if limit and shown + d.shown > limit:
            nbytes = d.ends[limit - shown - 1]
            d.shown = limit - shown
        _copy(d.out, nbytes, fd, out.write)
        os.unlink(d.out)
        shown += d.shown
        decoded += d.messages
        netlink |= d.netlink
        other = d.other if d.other is not None else other
        if d.counts:
            counts.update(d.counts)
        if progress is not None and task.end >= 0:
            progress.update(task.end, decoded)
        if d.error is not None:
            reason, where, offset = d.error
            raise DecodeError(reason, path=where, offset=offset)
        return bool(limit and shown >= limit)

    def decode():
        plans = plan(path, decoder, range_bytes=range_bytes, first=first, last=last)
        for i, task in enumerate(plans):
            where = os.path.join(spool, f"{i}.out")
            pending.append((task, pool.apply_async(_work, (task, where))))
            while len(pending) >= window:
                if take():
                    return True
        while pending:
            if take():
                return True
        return False

    pool = ctx.Pool(jobs, initializer=_init, initargs=(state,))
    try:
        try:
            stopped = decode()
        except Exception:               # an error in the capture, a closed output
            _shutdown(pool, pending, stop)
            raise
        except BaseException:           # Ctrl-C, exit
            _shutdown(pool, pending, stop, interrupted=True)
            raise
        _shutdown(pool, pending, stop)
    finally:
        shutil.rmtree(spool, ignore_errors=True)
    if not stopped and not netlink and other is not None:
        raise no_netlink_error(other)
    return shown, counts


def _shutdown(pool, pending, stop, interrupted=False):
    """Stop the pool and wait for every worker to exit, whatever was in
    flight.  Workers are not killed while they run a range: Pool.terminate()
    (what leaving ``with Pool()`` calls) sends SIGTERM at any point, also to
    a worker inside the result queue's lock, and then waits for that lock
    and for the workers: an early stop (``-c N``, an error, a closed pipe)
    while ranges were being decoded could hang.  Here the ranges in flight
    are told to end at their next message, the pool gets no more tasks
    (close), their results are awaited and discarded, and the workers exit
    by themselves (join).  Only a Ctrl-C (its SIGINT reached the workers
    too) or a worker that does not answer within SHUTDOWN_WAIT is
    terminated."""
    stop.value = 1
    try:
        if not interrupted:
            pool.close()
            deadline = time.monotonic() + SHUTDOWN_WAIT
            while pending:
                _task, fut = pending.popleft()
                fut.wait(max(0.0, deadline - time.monotonic()))
                if not fut.ready():
                    interrupted = True
                    break
                if fut.successful():
                    try:
                        os.unlink(fut.get().out)
                    except OSError:
                        pass
    except BaseException:
        interrupted = True
        raise
    finally:
        if interrupted:
            pool.terminate()
        pool.join()
