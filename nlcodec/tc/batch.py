"""``tc -b`` for nlcodec.tc's grammar: a file of tc lines sent with
``Socket.do_many``.

Lines are read one at a time (memory stays flat for any file size).  A line
is parsed whole once; the lines after it that differ from it only in value
words (handle, prio, MACs, addresses, ports, indexes ...) are a *run*: they
go to the kernel through one ``nlcodec.Template`` made from the first
line's request, each line costing a split and its value words' conversions.
A line of another shape ends the run and starts the next.

A run's lines are read by a function made for its shape (``Shape.line_fn``):
one regular expression for the line (fixed words literally, value words in
their common form: decimal numbers, MACs, dotted quads, as the value
converters' tags in nlcodec.tc.words promise) and the value bytes put
between the template's fixed bytes.  A line it does not take (other spacing,
a value in another form) is read by ``Shape.row`` and the template; a line
of another shape by ``parse``.  All three give parse()'s bytes
(tests/test_tc_batch.py).

Errors are reported per line as tc -b does (the kernel's extended-ACK text
and the line number).  Without ``force`` the batch stops at the first error:
requests go one window per ``do_many``, and nothing after the window that
holds the error is sent.  The kernel does not stop within a datagram, so the
lines of that window after the failed one were applied: ``result()`` names
them (``applied_after_stop``); ``window=1`` gives tc -b's stop exactly.
"""

from __future__ import annotations

import bisect
import operator
import re
import struct
import time

from ..errors import EncodeError
from ..template import Template, _seqpid
from ..values import ipv4_bytes
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
        self.words = words
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
        self._lines = {}

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

    def line_fn(self, flags, second=None):
        """``fn(text, seq, pid) -> bytes``: a line of this shape straight to
        its request (nlmsg_flags ``flags``), or None when the line is not
        of this shape or a value is not in a common form (then ``row()`` and
        parse() read it).  Value words that ``second`` (the run's second
        line's words) has as the first line has them are expected to stay
        (a line where they change is read by ``row()``); see
        ``_compile_line``."""
        key = (flags, tuple(second) if second is not None else None)
        f = self._lines.get(key)
        if f is None:
            f = self._lines[key] = _compile_line(self, flags, second)
        return f


_FAST_RX = {"int": r"([1-9][0-9]{0,8})",
            "mac": r"([0-9a-fA-F]{2}(?::[0-9a-fA-F]{2}){5})",
            "ipv4": r"([0-9]{1,3}(?:\.[0-9]{1,3}){3})"}
_ANY_RX = r"([^\s#]\S*)"


def _word_rx(kind, word):
    """The regular expression of a value word's common form; an IPv4
    network keeps the first line's prefix length (``/24``) literally."""
    if kind == "ipv4net":
        return _FAST_RX["ipv4"] + re.escape(word[word.index("/"):] if "/" in word else "")
    return _FAST_RX[kind]


def _fast_bytes(kind, word):
    if kind == "mac":
        return bytes.fromhex(word.replace(":", ""))
    return ipv4_bytes(word)


def _compile_line(shape: Shape, flags, second=None):
    """One regular expression for the whole line (the fixed words literally,
    each value word by its common form: ``words.fast_int/fast_mac/
    fast_ipv4``, else any word) and a function made for the shape that
    turns the matched values into the template's bytes.  A value in its
    common form is converted as the tag promises (checked against ``fn`` on
    the first line's word here, and for all words by tests/test_tc_batch.py);
    any other value word goes through its ``fn`` and the template's
    converters (cached per word)."""
    t = shape.template
    words = shape.words
    holes = t.holes                 # (offset, size, conv) in hole-name order
    vals = {e[0]: (e, j) for j, e in enumerate(shape.entries)}
    rx = []
    ns = {"join": b"".join, "sp": _seqpid.pack, "fromhex": bytes.fromhex,
          "from_bytes": int.from_bytes,
          "pton4": ipv4_bytes}
    body = []
    dyn = {}                        # hole index -> expression of its bytes
    h = 0                           # first hole of the entry
    g = 0
    for i, word in enumerate(words):
        if i not in vals or (second is not None and second[i] == word):
            rx.append(re.escape(word))
            if i in vals:
                h += len(vals[i][0][2])
            continue
        (at, fn, keys, _), j = vals[i]
        keys = list(keys)
        mine = list(range(h, h + len(keys)))
        h += len(keys)
        fast = getattr(fn, "fast", None)
        kind = None
        wrx = _word_rx(fast[0], word) if fast is not None else None
        if fast is not None and re.fullmatch(wrx, word) and fast[1] in keys:
            kind, key, limit, post = fast
            try:
                got = fn(word)
                k = mine[keys.index(key)]
                conv = holes[k][2]
                if kind == "int":
                    # a struct's pack: the hole's size whatever the value
                    x = int(word)
                    ok = (isinstance(getattr(conv, "__self__", None), struct.Struct)
                          and list(got) == [key] and
                          conv(got[key]) == conv(x << post[0] | post[1]() if post else x))
                elif kind == "ipv4net":
                    addr = word.partition("/")[0]
                    limit = got["mask"]         # the word's form fixes the mask
                    ok = (isinstance(getattr(conv, "__self__", None), struct.Struct)
                          and list(got) == ["val", "mask"] and key == "val" and
                          conv(got[key]) == conv(int.from_bytes(
                              ipv4_bytes(addr), "big") & limit))
                else:
                    ok = (holes[k][1] == {"mac": 6, "ipv4": 4}[kind] and
                          conv(got[key]) == _fast_bytes(kind, word))
            except Exception:
                ok = False
            if not ok:
                kind = None
        gv = f"g{g}"
        g += 1
        if kind is None:
            rx.append(_ANY_RX)
            cache = {}
            ns[f"cv{j}"] = _any_conv(fn, keys, [holes[k] for k in mine], cache)
            ns[f"get{j}"] = cache.get
            names = [f"b{k}" for k in mine]
            body.append(f"    t = get{j}({gv}) or cv{j}({gv})")
            body.append(f"    {''.join(n + ', ' for n in names)}= t")
            for k in mine:
                dyn[k] = f"b{k}"
            continue
        rx.append(wrx)
        if kind == "int":
            ns[f"c{k}"] = holes[k][2]
            if limit >= 999999999:
                v = f"int({gv})"
            else:
                body.append(f"    v = int({gv})")
                body.append(f"    if v > {limit}:")
                body.append("        return None")
                v = "v"
            if post is not None:
                shift, add = post[0], post[1]()
                body.append(f"    b{k} = c{k}({v} << {shift} | {add})")
            else:
                body.append(f"    b{k} = c{k}({v})")
        elif kind == "mac":
            body.append(f"    b{k} = fromhex({gv}.replace(':', ''))")
        elif kind == "ipv4net":
            ns[f"c{k}"] = holes[k][2]
            body.append(f"    b{k} = c{k}(from_bytes(pton4({gv}), 'big') & {limit})")
        else:
            body.append(f"    b{k} = pton4({gv})")
        dyn[k] = f"b{k}"            # the other keys of the word stay as the template has them
    buf = t.bytes
    order = sorted(dyn, key=lambda k: holes[k][0])
    parts = ["head", "sp(seq, pid)"]
    pos = 16
    for n, k in enumerate(order):
        off, size, _ = holes[k]
        ns[f"s{n}"] = buf[pos:off]
        parts += [f"s{n}", dyn[k]]
        pos = off + size
    ns["tail"] = buf[pos:]
    parts.append("tail")
    ns["head"] = buf[:6] + struct.pack("<H", flags)
    src = ["def line(text, seq, pid):",
           "    m = match(text)",
           "    if m is None:",
           "        return None",
           f"    {''.join(f'g{i}, ' for i in range(g))}= m.groups()" if g else "    pass",
           "    try:"]
    src += ["    " + x for x in body] or ["        pass"]
    src.append("    except Exception:     # row() and parse() say what is wrong")
    src.append("        return None")
    src.append(f"    return join(({', '.join(parts)}))")
    # the common spelling: single spaces, a newline at the end (other
    # spacing, comments: row() reads the split words)
    ns["match"] = re.compile(" ".join(rx) + "\n?").fullmatch
    exec("\n".join(src), ns)        # noqa: S102 - generated from the shape only
    return ns["line"]


def _any_conv(fn, keys, holes, cache):
    """word -> the bytes of its holes (a tuple), through ``fn`` and the
    template's converters; raises when the word does not fit in place."""
    keys = tuple(keys)

    def conv(word):
        got = cache.get(word)
        if got is not None:
            return got
        d = fn(word)
        if tuple(d) != keys:
            raise ValueError("another shape")
        got = tuple(c(v) for (_, _, c), v in zip(holes, d.values()))
        for (_, size, _), b in zip(holes, got):
            if len(b) != size:
                raise ValueError("another size")
        if len(cache) < 64:
            cache[word] = got
        return got
    return conv


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
        self.misses = 0         # lines of runs read by row() (not the line function)
        self.applied_after_stop = []    # see _errors

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
                w = _words(nxt[1])
                if not w:
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
                shape.template         # made here: EncodeError when a hole is no leaf
            except (EncodeError, KeyError, TypeError, ValueError):
                singles.append((lineno, req.encode(ack=False), text))
                continue
            self._flush(singles)
            self.runs += 1
            run = _Run(shape, it, lineno, (first, second), nxt[0], w)
            nxt = None
            self._send_run(run)
            self.lines = max(self.lines, run.last)
            self.misses += run.misses
            nxt = run.next
        self._flush(singles)
        self.seconds += time.perf_counter() - t0
        return self

    def _flush(self, singles):
        step = len(singles) if self.force else self.window
        for i in range(0, len(singles), step or 1):
            if self.stopped:
                break
            part = singles[i:i + step]
            res = self.sock.do_many([b for _, b, _ in part], window=self.window)
            self.sent += res.count
            self._errors(res, lambda k: part[k][0], lambda k: part[k][2].rstrip("\n"))
            self.progress(self.sent)
        singles.clear()

    def _errors(self, res, lineno, text=lambda k: None):
        """A window's errors, in order; without -force the requests after the
        first error in the window were applied by the kernel all the same
        (it does not stop within a datagram): their lines are named in
        ``applied_after_stop`` (tc -b would not have run them)."""
        errs = sorted(res.errors, key=lambda e: e.index)
        for e in errs:
            self._fail(LineError(lineno(e.index), e, text(e.index)))
        if errs and not self.force:
            bad = {e.index for e in errs}
            self.applied_after_stop += [lineno(k) for k in range(errs[0].index + 1, res.count)
                                        if k not in bad]

    def _fail(self, err):
        self.failed += 1
        self.on_error(err)
        if not self.force:
            self.stopped = True

    def _send_run(self, run):
        # without -force, one window per do_many: the batch stops after the
        # window that holds the first error
        per_call = CHUNK if self.force else self.window
        while not self.stopped and not run.ended:
            run.limit = per_call
            base = run.count
            res = self.sock.do_many(run, window=self.window)
            if not res.count:
                return
            self._errors(res, lambda k: run.numbers.lineno(base + k))
            self.sent += res.count
            self.progress(self.sent)

    def result(self) -> dict:
        s = self.seconds or 1e-9
        return {"lines": self.lines, "requests": self.sent, "errors": self.failed,
                "runs": self.runs, "seconds": round(self.seconds, 3),
                "rules_per_s": round(self.sent / s), "stopped": self.stopped,
                "applied_after_stop": _ranges(self.applied_after_stop)}


def _ranges(numbers):
    """[1, 2, 3, 7] -> "1-3,7" (line numbers as a short text)."""
    out = []
    for n in numbers:
        if out and out[-1][1] == n - 1:
            out[-1][1] = n
        else:
            out.append([n, n])
    return ",".join(f"{a}-{b}" if a != b else f"{a}" for a, b in out)


def _words(text):
    """The words of a line as parse() reads them (a ``#`` word starts a comment)."""
    w = text.split()
    if "#" in text:
        for i, x in enumerate(w):
            if x[0] == "#":
                return w[:i]
    return w


def req_words(text):
    return [w for w in text.split() if not w.startswith("#")][:1]


class _Run:
    """A run's requests for ``Socket.do_many``: lines read from the file's
    iterator one window at a time (``nl_fill``), each through the shape's
    line function, else its ``row()`` and the template, until a line of
    another shape (kept in ``next``) or the end; at most ``limit`` requests
    per do_many call."""

    def __init__(self, shape, it, lineno, head, second_lineno, second_words=None):
        self.shape = shape
        self.second = second_words
        self.misses = 0             # lines line() left to row()
        self.template = shape.template
        self.it = it
        self.head = list(head)
        self.numbers = _Numbers(lineno)
        self.numbers.add(second_lineno)
        self.expect = second_lineno + 1
        self.last = second_lineno
        self.count = 0              # requests given out
        self.next = None
        self.ended = False
        self.limit = CHUNK

    def __iter__(self):
        return self

    def __next__(self):
        raise StopIteration     # do_many takes whole windows from nl_fill

    def nl_fill(self, seq, pid, add_flags, window, max_bytes) -> list:
        t = self.template
        flags = t.flags | add_flags
        fill = t.fill_for(flags)
        out = []
        window = min(window, self.limit)
        if window <= 0:
            return out
        while self.head and len(out) < window:
            r = self.head.pop(0)
            b = t.filled(fill, r, seq, pid, flags)
            out.append(b)
            seq += 1
        if self.ended or len(out) >= window:
            self._took(out)
            return out
        line = self.shape.line_fn(flags, self.second)
        row = self.shape.row
        numbers = self.numbers
        expect = self.expect
        size = 0
        n = self.count + len(out)
        append = out.append
        for ln, tx in self.it:
            b = line(tx, seq, pid)
            if b is None:
                w = _words(tx)
                if not w:
                    self.last = ln
                    continue
                r = row(w)
                if r is None:
                    self.next = (ln, tx)
                    self.ended = True
                    break
                b = t.filled(fill, r, seq, pid, flags)
                self.misses += 1
                if self.misses == 64 and self.second is not None:
                    # values change that the first two lines kept: expect none to stay
                    self.second = None
                    line = self.shape.line_fn(flags)
            if ln != expect:
                numbers.mark(n, ln)
            expect = ln + 1
            append(b)
            n += 1
            seq += 1
            size += len(b)
            if len(out) >= window or size >= max_bytes:
                break
        else:
            self.ended = True
        self.expect = expect
        self.last = max(self.last, expect - 1)
        self._took(out)
        return out

    def _took(self, out):
        self.count += len(out)
        self.limit -= len(out)


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

    def mark(self, i, lineno):
        """request ``i`` is on line ``lineno`` (not the one after i-1's)."""
        self.starts.append(i)
        self.linenos.append(lineno)
        self.n = i + 1

    def lineno(self, i):
        k = bisect.bisect_right(self.starts, i) - 1
        return self.linenos[k] + (i - self.starts[k])


__all__ = ["Batch", "LineError", "Shape", "NLM_F_ACK"]
