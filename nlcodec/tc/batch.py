"""``tc -b`` for nlcodec.tc's grammar: a file of tc lines sent with
``Socket.do_many``.

Lines are read one at a time (memory stays flat for any file size).  A line
is parsed whole once; the lines after it that differ from it only in value
words (handle, prio, MACs, addresses, ports, indexes ...) are a *run*: they
go to the kernel through one ``nlcodec.Template`` made from the first
line's request, each line costing a split and its value words' conversions.
A line of another shape ends the run and starts the next.

Errors are reported per line as tc -b does (the kernel's extended-ACK text
and the line number); without ``force`` the batch stops after the window
holding the first error (do_many pipelines: the lines of that window after
it were sent too, tc -b would not have sent them).
"""

from __future__ import annotations

import bisect
import itertools
import operator
import time

from ..errors import EncodeError
from ..template import Template
from .parse import NLM_F_ACK, Request, parse
from .words import TcSyntaxError

CHUNK = 8192            # lines per do_many call (progress and -force checks between)


class LineError(Exception):
    """A line that failed: ``lineno``, ``line`` (text, when known), ``error``
    (a TcSyntaxError or the kernel's NetlinkError)."""

    def __init__(self, lineno, error, line=None):
        self.lineno, self.error, self.line = lineno, error, line
        super().__init__(f"line {lineno}: {error}")


class Shape:
    """What lines of one run share: the words that are not values, and how
    each value word becomes template holes."""

    def __init__(self, req: Request):
        words = req.words
        self.n = len(words)
        vals = sorted(req.values, key=lambda v: v[0])
        vpos = {v[0] for v in vals}
        self.fixed = [i for i in range(self.n) if i not in vpos]
        self._get = (operator.itemgetter(*self.fixed) if len(self.fixed) > 1 else
                     (lambda w, i=self.fixed[0]: (w[i],)) if self.fixed else (lambda w: ()))
        self.key = self._key(words)
        self.entries = []           # (word index, fn, keys, cache)
        holes = {}
        for at, path, fn, keys in vals:
            for k in keys:
                holes[f"h{len(holes)}"] = path + (k,)
            got = fn(words[at])
            # keys as the dict gives them (insertion order = hole order)
            self.entries.append((at, fn, got.keys(), {words[at]: tuple(got.values())}))
        self.holes = holes
        self.req = req
        self._template = None

    @property
    def template(self) -> Template:
        """Made when a second line of this shape comes (EncodeError when a
        hole is not a value leaf)."""
        if self._template is None:
            r = self.req
            self._template = Template("route", r.type, header=r.header, attrs=r.attrs,
                                      flags=r.flags, holes=self.holes)
        return self._template

    def _key(self, words):
        k = self._get(words)
        return k if isinstance(k, tuple) else (k,)

    def row(self, words):
        """The template row for a line's words, or None when the line has
        another shape (then it is parsed whole)."""
        if len(words) != self.n or self._key(words) != self.key:
            return None
        row = []
        extend = row.extend
        for at, fn, keys, cache in self.entries:
            wd = words[at]
            got = cache.get(wd)
            if got is None:
                try:
                    d = fn(wd)
                except (ValueError, OverflowError):
                    return None         # parse() says what is wrong with it
                if d.keys() != keys:
                    return None
                got = d.values()
                if len(cache) < 64:
                    cache[wd] = tuple(got)
            extend(got)
        return row


class Batch:
    """Runs ``lines`` (an iterable of text lines, numbered from 1) through
    ``sock``.  ``on_error(LineError)`` is called per failed line;
    ``progress(lines_done)`` after each chunk.  ``result()`` afterwards."""

    def __init__(self, sock, *, force=False, ifindex=None, window=256, on_error=None,
                 progress=None, templates=True):
        self.sock, self.force, self.ifindex, self.window = sock, force, ifindex, window
        self.on_error = on_error or (lambda e: None)
        self.progress = progress or (lambda n: None)
        self.templates = templates
        self.lines = 0          # lines read (requests and blank/comment lines)
        self.sent = 0
        self.failed = 0
        self.stopped = False
        self.seconds = 0.0
        self.runs = 0

    def run(self, lines):
        t0 = time.perf_counter()
        it = enumerate(lines, 1)
        singles = []            # (line number, request bytes) not sent yet
        nxt = None              # a line read ahead: (number, text)
        while not self.stopped:
            if nxt is None:
                nxt = next(it, None)
                if nxt is None:
                    break
            lineno, text = nxt
            nxt = None
            self.lines = max(self.lines, lineno)
            if not req_words(text):
                continue                # blank or comment
            try:
                req = parse(text, ifindex=self.ifindex)
            except TcSyntaxError as e:
                self._flush(singles)
                self._fail(LineError(lineno, e, text.rstrip("\n")))
                continue
            shape = first = None
            if self.templates and req.values:
                try:
                    shape = Shape(req)
                    first = shape.row(req.words)
                except (ValueError, KeyError, TypeError):
                    shape = None
            # does the next line have this line's shape?  then it is a run
            second = None
            while shape is not None and first is not None:
                nxt = next(it, None)
                if nxt is None:
                    break
                w = nxt[1].split()
                if not w or w[0].startswith("#"):
                    self.lines = max(self.lines, nxt[0])
                    nxt = None
                    continue
                second = shape.row(w)
                break
            if second is None:
                singles.append((lineno, req.encode(ack=False), text))
                if len(singles) >= CHUNK:
                    self._flush(singles)
                continue
            try:
                template = shape.template
            except (EncodeError, KeyError, TypeError, ValueError):
                singles.append((lineno, req.encode(ack=False), text))
                continue
            self._flush(singles)
            self.runs += 1
            numbers = _Numbers(lineno)
            numbers.add(nxt[0])
            state = {"next": None, "last": nxt[0]}
            nxt = None

            def rows(it=it, shape=shape, state=state, numbers=numbers, head=(first, second)):
                yield from head
                for ln, tx in it:
                    w = tx.split()
                    if not w or w[0].startswith("#"):
                        state["last"] = ln
                        continue
                    r = shape.row(w)
                    if r is None:
                        state["next"] = (ln, tx)
                        return
                    numbers.add(ln)
                    state["last"] = ln
                    yield r
            self._send_run(template, rows(), numbers)
            self.lines = max(self.lines, state["last"])
            nxt = state["next"]
        self._flush(singles)
        self.seconds += time.perf_counter() - t0
        return self

    def _flush(self, singles):
        if not singles or self.stopped:
            singles.clear()
            return
        res = self.sock.do_many([b for _, b, _ in singles], window=self.window)
        self.sent += res.count
        for e in res.errors:
            ln, _, text = singles[e.index]
            self._fail(LineError(ln, e, text.rstrip("\n")))
        singles.clear()
        self.progress(self.sent)

    def _fail(self, err):
        self.failed += 1
        self.on_error(err)
        if not self.force:
            self.stopped = True

    def _send_run(self, template, rows, numbers):
        gen = iter(rows)
        base = 0
        while not self.stopped:
            chunk = template.rows(itertools.islice(gen, CHUNK))
            res = self.sock.do_many(chunk, window=self.window)
            if not res.count:
                return
            for e in res.errors:
                self._fail(LineError(numbers.lineno(base + e.index), e))
            base += res.count
            self.sent += res.count
            self.progress(self.sent)
            if res.count < CHUNK:
                return

    def result(self) -> dict:
        s = self.seconds or 1e-9
        return {"lines": self.lines, "requests": self.sent, "errors": self.failed,
                "runs": self.runs, "seconds": round(self.seconds, 3),
                "rules_per_s": round(self.sent / s), "stopped": self.stopped}


def req_words(text):
    return [w for w in text.split() if not w.startswith("#")][:1]


class _Numbers:
    """Line numbers of a run's requests by position: consecutive numbers
    kept as breakpoints only (a run of a million lines costs nothing)."""

    def __init__(self, first):
        self.starts = [0]           # request positions where a new stretch starts
        self.linenos = [first]
        self.n = 1

    def add(self, lineno):
        i = self.n
        if lineno != self.linenos[-1] + (i - self.starts[-1]):
            self.starts.append(i)
            self.linenos.append(lineno)
        self.n += 1

    def lineno(self, i):
        k = bisect.bisect_right(self.starts, i) - 1
        return self.linenos[k] + (i - self.starts[k])


__all__ = ["Batch", "LineError", "Shape", "NLM_F_ACK"]
