"""The native backend: the C core (``_native/``) driven through cffi.

``Tables`` flattens compiled attribute sets (``nlcodec.tables``) into the C
arrays the core walks; it grows as new sets are first used.  The C core
writes each decoded tree as a marshal stream, which ``marshal.loads`` turns
into the same dicts ``pure.decode_set`` builds.

Anything the C core rejects (malformed input) or leaves aside (rare valid
cases: non-UTF-8 strings, struct layouts with nested structs) is decoded by
``pure`` instead, so errors carry pure's path and offset and the two
backends agree by construction; ``tests/test_differential.py`` checks the
rest.  Encoding is the C core's, from the dict's marshal form; the
parts it gives up on go to pure.py one nest at a time (``nlc_py_fallback``).
"""

from __future__ import annotations

import marshal
import threading
from operator import itemgetter

from . import forksafe, pure, registry
from .pure import _mode
from .structs import Field, Layout
from .tables import (K_INDEXED, K_INT, K_NEST, K_PAD, K_STRING, K_STRUCT,
                     K_SUBMSG, K_TYPEVALUE, CAttr, CSet)
from .values import C_TEXT, INT_IP_HINTS

from ._native_core import ffi, lib   # ImportError when the extension was not built


def _stale_build(src: str | None = None) -> bool:
    """In a source tree, whether the extension was compiled from other C
    sources than ``_native/`` holds now (_native/build.py source_id: crc32
    of the files in that order); an installed copy has none beside it."""
    import os
    import zlib
    if src is None:
        src = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                           "_native")
    crc = 0
    try:
        for name in ("nlcodec_core.h", "nlcodec_core.c"):
            with open(os.path.join(src, name), "rb") as f:
                crc = zlib.crc32(f.read(), crc)
    except OSError:
        return False
    return crc != lib.NLC_SOURCE_ID


if _stale_build():
    raise ImportError("the C core was built from older sources than _native/ holds: "
                      "rebuild it (python3 _native/build.py, or pip install again)")

OK, ERR, FALLBACK, NOMEM = lib.NLC_OK, lib.NLC_ERR, lib.NLC_FALLBACK, lib.NLC_NOMEM
FULL, VALIDATE, ONLY = lib.NLC_FULL, lib.NLC_VALIDATE, lib.NLC_ONLY

_TEXT_CODE = {hint: getattr(lib, code) for hint, code in C_TEXT.items()}


def _text_code(hint):
    return _TEXT_CODE.get(hint, lib.NLC_T_HEX)


_ATTR_KEYS = ("kind", "size", "is_signed", "big", "hint", "flags", "multi", "levels", "set",
              "header", "layout", "elem", "sel_id", "sel_kind", "sel_size", "sel_big",
              "sel_signed", "fmt_first", "fmt_count", "min_len", "max_len", "id")
_FIELD_KEYS = ("kind", "size", "big", "is_signed", "hint", "ip", "end")
# a row's values in those orders, for the C arrays (one C call per row)
_attr_values = itemgetter(*_ATTR_KEYS)
_field_values = itemgetter(*_FIELD_KEYS)


class _Grow:
    """An append-only C array: rows are packed in bulk into spare capacity;
    a full array is copied once into one twice its size.  Rows below the
    published count never change, so tables published earlier (which other
    threads may still be walking) stay valid; replaced arrays are kept."""

    def __init__(self, ctype, keep):
        self.ctype, self.keep = ctype, keep
        self.size = ffi.sizeof(ctype)
        self.cap, self.n = 16, 0
        self.arr = ffi.new(f"{ctype}[]", self.cap)
        keep.append(self.arr)

    def extend(self, rows):
        k = len(rows)
        if not k:
            return
        if self.n + k > self.cap:
            cap = max(self.cap * 2, self.n + k)
            arr = ffi.new(f"{self.ctype}[]", cap)
            ffi.memmove(arr, self.arr, self.n * self.size)
            self.keep.append(arr)
            self.arr, self.cap = arr, cap
        ffi.memmove(self.arr + self.n, ffi.new(f"{self.ctype}[]", rows), k * self.size)
        self.n += k


class Tables:
    """The C view of every attribute set used so far.

    Publish-once, append-only: new sets are compiled under the lock into
    rows after the published ones, packed into the C arrays in bulk, and only
    then made visible: first ``ptr`` (a new ``nlc_tables`` with the larger
    counts), then their indices in ``set_ix``.  A reader that finds an index
    in ``set_ix`` therefore always reads a ``ptr`` that holds it; the C core
    also bound-checks set indices against ``n_sets``."""

    def __init__(self):
        self._lock = threading.RLock()
        self.set_ix: dict[int, int] = {}     # published: id(CSet) -> index
        self._layout_ix: dict[int, int] = {}  # published: id(Layout) -> index
        self._six: dict[int, int] = {}       # under the lock: published and pending
        self._lix: dict[int, int] = {}
        self._sets: list[CSet] = []
        self._layouts: list = []             # (first_field, nfields, size, native)
        self._fields: list = []              # dicts for nlc_field
        self._attrs: list = []               # dicts for nlc_attr
        self._set_rows: list = []            # (by_id list, kernel_variant)
        self._fmts: list = []
        self._keep = []                      # cffi objects the C tables point into
        self._c = {k: _Grow(t, self._keep) for k, t in (
            ("attrs", "nlc_attr"), ("sets", "nlc_set"), ("fmts", "nlc_fmt"),
            ("layouts", "nlc_layout"), ("fields", "nlc_field"))}
        self.builds = 0
        self._batch = 0                      # > 0 inside batch(): publish at its end
        self._publish()                      # empty, until sets are first used
        forksafe.guard(self, "_lock", 3, threading.RLock, weak=True)

    # -- growing ---------------------------------------------------------------

    def index(self, cs: CSet) -> int:
        ix = self.set_ix.get(id(cs))
        if ix is None:
            with self._lock:
                ix = self.set_ix.get(id(cs))
                if ix is None:
                    ix = self._six.get(id(cs)) if self._batch else None
                    if ix is None:
                        ix = self._add_sets(cs)
                    if not self._batch:
                        self._publish()
        return ix

    def layout_index(self, lay: Layout) -> int:
        ix = self._layout_ix.get(id(lay))
        if ix is None:
            with self._lock:
                ix = self._layout(lay)
                if not self._batch:
                    self._publish()
        return ix

    def batch(self):
        """``with tables.batch():`` the sets and layouts indexed inside are
        published together, once, at the end (one C table build for a
        whole stream table instead of one per set).  Indices handed out
        inside are valid only after the block."""
        return _Batch(self)

    def _set_index(self, cs, pending):
        ix = self._six.get(id(cs))
        if ix is None:
            ix = len(self._sets)
            self._six[id(cs)] = ix
            self._sets.append(cs)
            self._set_rows.append(None)
            pending.append(cs)
        return ix

    def _add_sets(self, cs):
        pending = []
        first = self._set_index(cs, pending)
        while pending:
            s = pending.pop()
            ix = self._six[id(s)]
            max_id = max((a.id for a in s.attrs), default=-1)
            by_id = [-1] * (max_id + 1)
            for a in s.attrs:
                by_id[a.id] = self._attr(a, s, pending)
            kv = self._set_index(s.kernel_variant, pending) if s.kernel_variant else -1
            self._set_rows[ix] = (by_id, kv)
        return first

    def _layout(self, lay: Layout | None) -> int:
        if lay is None:
            return -1
        ix = self._lix.get(id(lay))
        if ix is not None:
            return ix
        fields, native = _layout_fields(lay)
        for f in fields:                # nested layouts first (the encoder's kinds 6-8)
            f["sub"] = self._layout(f["sub"]) if f["sub"] is not None else -1
        ix = len(self._layouts)
        self._lix[id(lay)] = ix
        self._layouts.append((len(self._fields), len(fields), lay.size, native))
        self._fields.extend(fields)
        self._keep.append(lay)
        return ix

    def _attr(self, a: CAttr, owner: CSet, pending) -> int:
        row = {
            "kind": a.kind, "size": a.size, "is_signed": int(a.signed), "big": int(a.big),
            "hint": (lib.NLC_T_IP if a.hint in INT_IP_HINTS else 0) if a.kind == K_INT
            else _text_code(a.hint),
            "flags": a.flags, "multi": int(a.multi), "levels": a.levels,
            "set": self._set_index(a.set, pending) if a.set is not None else -1,
            "header": self._layout(a.header), "layout": self._layout(a.layout),
            "elem": -1, "sel_id": -1, "sel_kind": lib.NLC_SEL_NONE, "sel_size": 0,
            "sel_big": 0, "sel_signed": 0, "fmt_first": 0, "fmt_count": 0,
            "min_len": _len_bound(a.min_len) if a.max_len is None or a.max_len >= 0
            else 0x10000,                 # a negative max: nothing fits (as in pure)
            "max_len": _len_bound(a.max_len),
            "id": a.id, "name": a.name,
        }
        if a.kind == K_INDEXED and a.elem is not None:
            row["elem"] = self._attr(a.elem, owner, pending)
        if a.kind == K_SUBMSG:
            self._submsg(row, a, owner, pending)
        self._attrs.append(row)
        return len(self._attrs) - 1

    def _submsg(self, row, a, owner, pending):
        sel = next((x for x in owner.attrs if x.name == a.selector), None)
        if sel is None:
            kind = lib.NLC_SEL_NONE
        elif sel.multi:
            kind = lib.NLC_SEL_PY          # pure gives a list here (no format) or a scan value
        elif sel.kind == K_STRING:
            kind = lib.NLC_SEL_STRING
        elif sel.kind == K_INT and sel.hint not in INT_IP_HINTS:
            kind = lib.NLC_SEL_INT
        elif sel.kind in (K_INDEXED, K_TYPEVALUE, K_STRUCT, K_PAD) or (
                sel.kind == K_NEST and (sel.set is not None or sel.header is not None)):
            kind = lib.NLC_SEL_NONE        # decodes to a dict, list or None: no format
        else:
            kind = lib.NLC_SEL_PY
        if sel is not None:
            row.update(sel_id=sel.id, sel_size=sel.size, sel_big=int(sel.big),
                       sel_signed=int(sel.signed))
        row["sel_kind"] = kind
        row["fmt_first"] = len(self._fmts)
        for key, fmt in a.formats.items():
            if isinstance(key, bool) or not isinstance(key, (str, int)):
                row["sel_kind"] = lib.NLC_SEL_PY
                continue
            f = {"is_str": int(isinstance(key, str)),
                 "ikey": key if isinstance(key, int) and -(1 << 63) <= key < (1 << 63) else 0,
                 "skey": key if isinstance(key, str) else "",
                 "kind": 2, "set": -1, "header": -1, "layout": -1}
            if fmt[0] == "nest":
                f.update(kind=0, set=self._set_index(fmt[1], pending) if fmt[1] is not None else -1,
                         header=self._layout(fmt[2]))
            elif fmt[0] == "struct":
                f.update(kind=1, layout=self._layout(fmt[1]))
            self._fmts.append(f)
        row["fmt_count"] = len(self._fmts) - row["fmt_first"]

    # -- the C arrays ----------------------------------------------------------

    def _publish(self):
        """Pack the rows added since the last publication into the C arrays
        (in bulk, one cffi call per array) and publish a new nlc_tables."""
        keep = self._keep
        c = self._c

        def names(strs):
            """One char buffer for a batch of names: (pointer, length) each."""
            bs = [x.encode() for x in strs]
            buf = ffi.new("char[]", b"".join(bs) or b"\0")
            keep.append(buf)
            out, off = [], 0
            for b in bs:
                out.append((buf + off, len(b)))
                off += len(b)
            return out

        new = self._attrs[c["attrs"].n:]
        nm = names([r["name"] for r in new])
        c["attrs"].extend([_attr_values(r) + (ln, p) for r, (p, ln) in zip(new, nm)])
        rows = []
        for by_id, kv in self._set_rows[c["sets"].n:]:
            ids = ffi.new("int32_t[]", by_id or [0])
            # our names, sorted as bytes sort (the encoder's binary search)
            srt = sorted((self._attrs[ai]["name"].encode(), ai) for ai in by_id if ai >= 0)
            nn = names([x.decode() for x, _ in srt])
            arr = ffi.new("nlc_name[]", [(ln, ai, p) for (_, ai), (p, ln) in zip(srt, nn)]
                          or 1)
            keep += [ids, arr]
            rows.append((len(by_id), ids, kv, len(srt), arr))
        c["sets"].extend(rows)
        new = self._fmts[c["fmts"].n:]
        nm = names([f["skey"] for f in new])
        c["fmts"].extend([(f["is_str"], f["ikey"], ln, p, f["kind"], f["set"], f["header"],
                           f["layout"]) for f, (p, ln) in zip(new, nm)])
        c["layouts"].extend(self._layouts[c["layouts"].n:])
        new = self._fields[c["fields"].n:]
        nm = names([f["name"] or "" for f in new])
        c["fields"].extend([_field_values(f) + (ln, p, f["sub"])
                            for f, (p, ln) in zip(new, nm)])
        t = ffi.new("nlc_tables *")
        t.attrs, t.sets, t.fmts = c["attrs"].arr, c["sets"].arr, c["fmts"].arr
        t.layouts, t.fields = c["layouts"].arr, c["fields"].arr
        t.n_attrs, t.n_fields, t.n_sets = c["attrs"].n, c["fields"].n, c["sets"].n
        t.max_depth = pure.MAX_DEPTH
        # older tables stay alive: another thread may still be walking them
        keep.append(t)
        self.ptr = t                      # first the tables ...
        self.set_ix.update(self._six)     # ... then the indices that need them
        self._layout_ix.update(self._lix)
        self._pub = {k: g.n for k, g in c.items()}
        self.builds += 1

    def _after_fork_child(self):
        """In a child forked while another thread held the lock (that thread
        does not exist in the child; forksafe gave it a new lock): whatever it
        had not published is forgotten (rows past the published counts)."""
        p, c = self._pub, self._c
        for k, g in c.items():
            g.n = p[k]
        del self._attrs[p["attrs"]:], self._set_rows[p["sets"]:], self._sets[p["sets"]:]
        del self._fmts[p["fmts"]:], self._layouts[p["layouts"]:], self._fields[p["fields"]:]
        self._six = dict(self.set_ix)
        self._lix = dict(self._layout_ix)


class _Batch:
    def __init__(self, tables):
        self.t = tables

    def __enter__(self):
        self.t._lock.acquire()
        self.t._batch += 1
        return self.t

    def __exit__(self, *exc):
        t = self.t
        try:
            t._batch -= 1
            if not t._batch and (len(t._attrs) != t._c["attrs"].n
                                 or len(t._layouts) != t._c["layouts"].n
                                 or len(t._set_rows) != t._c["sets"].n):
                t._publish()
        finally:
            t._lock.release()


def _len_bound(n):
    """A length check as the C core's int32 (-1: none).  Beyond any attribute's
    length (nla_len is 16 bits) it bounds what a huge one bounds in pure."""
    return -1 if n is None or n < 0 else min(n, 0x10000)


def _layout_fields(lay: Layout):
    """nlc_field rows for a layout, and whether the C core can decode it
    (0 no, 1 flat: short payloads decode whole members, 2 strict, 4 strict
    with nested structs that are fixed and decodable themselves: OVS's
    set_masked value/mask pairs, 5 strict with struct arrays whose elements
    are 1 or 2: tc_u32_sel, tc_pedit_sel) or only encode it (3: other nested
    structs, or nested structs and struct arrays both; "sub" is their
    Layout)."""
    rows = []
    native = 1 if lay.flat else 2
    nested = arrays = False
    end = 0
    for f in lay.fixed_fields:
        size = Layout._fixed_size(f)
        end += size
        row = {"kind": 0, "size": f.size, "big": int(f.order == ">"), "is_signed": int(f.signed),
               "hint": _text_code(f.hint), "ip": 0, "end": end, "name": f.name, "sub": None}
        if f.kind == "int":
            row["ip"] = int(f.hint in INT_IP_HINTS and f.size == 4)
        elif f.kind == "bytes":
            row["kind"] = 1
        elif f.kind == "pad":
            row["kind"] = 2
        elif f.kind == "bool":
            row["kind"] = 3
        elif f.kind == "array" and _plain_int(f.sub):
            row.update(kind=4, size=f.sub.size, big=int(f.sub.order == ">"),
                       is_signed=int(f.sub.signed))
        elif f.kind == "struct" and isinstance(f.sub, Layout) and _layout_fields(f.sub)[1]:
            row.update(kind=6, size=f.sub.size, hint=0, sub=f.sub)
            if not f.sub.variable and _layout_fields(f.sub)[1] in (1, 2, 4):
                nested = True
            else:
                native = 3
        else:
            return [], 0
        rows.append(row)
    names = [f.name for f in lay.fixed_fields]
    for f in lay.variable:
        if f.kind == "greedy" and _plain_int(f.sub):
            rows.append({"kind": 5, "size": f.sub.size, "big": int(f.sub.order == ">"),
                         "is_signed": int(f.sub.signed), "hint": 0, "ip": 0, "end": -1,
                         "name": f.name, "sub": None})
        elif f.kind in ("greedy", "vararray") and isinstance(f.sub, Layout) and \
                _layout_fields(f.sub)[1] in (1, 2) and \
                (f.kind == "greedy" or f.count_field in names):
            counted = f.kind == "vararray"
            rows.append({"kind": 7 if counted else 8, "size": f.sub.size, "big": 0,
                         "is_signed": 0, "hint": names.index(f.count_field) if counted else 0,
                         "ip": 0, "end": -1, "name": f.name, "sub": f.sub})
            arrays = True
        else:
            return [], 0
    if native != 3 and (nested or arrays):
        native = 3 if nested and arrays else 4 if nested else 5
    return rows, native


def _plain_int(sub):
    return isinstance(sub, Field) and sub.kind == "int" and not sub.hint


class Lazy:
    """Attributes validated by the C core, decoded when first asked for."""

    __slots__ = ("_be", "_cs", "_buf", "_start", "_end", "_path", "_kernel")

    def __init__(self, be, cs, buf, start, end, path, kernel):
        self._be, self._cs, self._buf = be, cs, buf
        self._start, self._end, self._path, self._kernel = start, end, path, kernel

    def load(self) -> dict:
        return self._be.decode_attrs(self._cs, self._buf, self._start, self._end, self._path,
                                     self._kernel)

    def get(self, ca, default=None):
        d = self._be._run(self._cs, self._buf, self._start, self._end, self._path,
                          self._kernel, ONLY, ca.id)
        return d.get(ca.name, default)


_DST = 16384      # bytes of a message nlc_encode_msg copies into the thread's own buffer


_SIZE_MAX = 2**64 - 1    # nlc_decode_stream's whole_max: no message left for its size


class _Out(threading.local):
    """Per-thread out-parameters for nlc_decode (the C side keeps per-thread
    scratch memory too, so calls from several threads never share state)."""

    def __init__(self):
        self.out = ffi.new("uint8_t **")
        self.len = ffi.new("size_t *")
        self.err = ffi.new("size_t *")
        self.dst = ffi.new("uint8_t[]", _DST)     # nlc_encode_msg's output ...
        self.dbuf = ffi.buffer(self.dst)          # ... read without a new buffer each call
        self.big = ffi.new("uint8_t **")          # (a longer message: the C core's scratch)


def _bytes(o):
    n = o.len[0]
    return ffi.buffer(o.out[0], n)[:] if n else b""


class Backend:
    name = "native"
    # bytes of attributes up to which a lazy decode decodes the message whole: for
    # small messages (routes, psample, flower, OVS flows) a full decode costs less
    # than a validation and a lookup (nlcodec bench decode: decode_lazy_get)
    lazy_min = 512

    def __init__(self):
        self.tables = Tables()
        self._o = _Out()
        self._streams = {}
        self._genl = None       # generic netlink's stream rows, by family (_GenlRows)
        self._last_ids = None       # decode_stream's last genl ids and their table key
        self._bake = set()      # id(CSet) whose dicts needed _baked(): it runs first

    def status(self, cs, buf, start=0, end=None, kernel=False, mode=FULL):
        """The C core's verdict alone (OK, ERR, FALLBACK, NOMEM) and its error
        offset: for the differential tests."""
        end = len(buf) if end is None else end
        sid = self.tables.index(cs)
        o = self._o
        rc = lib.nlc_decode(self.tables.ptr, sid, ffi.from_buffer(buf), start, end,
                            int(kernel), mode, -1, o.out, o.len, o.err)
        return rc, o.err[0]

    def _run(self, cs, buf, start, end, path, kernel, mode, only=-1):
        sid = self.tables.set_ix.get(id(cs))
        if sid is None:
            sid = self.tables.index(cs)
        o = self._o
        rc = lib.nlc_decode(self.tables.ptr, sid, ffi.from_buffer(buf), start, end,
                            kernel, mode, only, o.out, o.len, o.err)
        if rc == OK:
            if mode == VALIDATE:
                return None
            return marshal.loads(ffi.buffer(o.out[0], o.len[0]))
        if rc == NOMEM:
            raise MemoryError("nlcodec C core: out of memory")
        # malformed (pure raises the DecodeError) or a case left to pure
        d = pure.decode_set(cs, buf, start, end, path, 0, kernel)
        if mode == VALIDATE:
            return None
        return d

    def decode_attrs(self, cs, buf, start, end, path="", kernel=False):
        return self._run(cs, buf, start, end, path, kernel, FULL)

    def encode_set(self, cs, d, path=""):
        """Encode in C from the dict's marshal form.  What the C core gives
        up on goes to pure.py for that one part (``nlc_py_fallback``: an
        attribute's payload, or one nest with forms it does not read); the
        message itself, and every error, to pure.py whole (which raises the
        precise EncodeError).  ``FALLBACKS`` counts both."""
        if pure.encoding_kernel():      # kernel variants at any depth: pure knows them
            FALLBACKS["kernel"] += 1
            return pure.encode_set(cs, d, path)
        sid = self.tables.set_ix.get(id(cs))
        if sid is None:
            sid = self.tables.index(cs)
        m = _dumps(d)
        if m is None:                   # objects marshal cannot carry
            FALLBACKS["message"] += 1
            return pure.encode_set(cs, d, path)
        o = self._o
        _fb.tables = self.tables
        rc = lib.nlc_encode_fb(self.tables.ptr, sid, m, len(m), o.out, o.len)
        if rc == OK:
            return _bytes(o)
        if rc == NOMEM:
            raise MemoryError("nlcodec C core: out of memory")
        exc = _fb.exc
        if exc is not None:             # KeyboardInterrupt & co. inside a fallback
            _fb.exc = None
            raise exc
        FALLBACKS["message"] += 1
        return pure.encode_set(cs, d, path)

    def encode_msg(self, layout, header, cs, attrs, type_id, flags, seq, pid):
        """A whole message (nlmsghdr, fixed header, attributes) in one C call;
        None: the header or the nlmsghdr values are not the C core's to lay
        out (a key that is no member, values out of range, forms marshal
        cannot carry), the caller encodes it the usual way."""
        if type(header) is not dict or _mode.kernel:    # pure.encoding_kernel()
            return None
        t = self.tables
        lix = t._layout_ix.get(id(layout))
        if lix is None:
            lix = t.layout_index(layout)
        sid = t.set_ix.get(id(cs))
        if sid is None:
            sid = t.index(cs)
        m = _dumps((header, attrs))
        if m is None:
            FALLBACKS["body"] += 1
            return None
        o = self._o
        _fb.tables = t
        try:
            n = lib.nlc_encode_msg(t.ptr, lix, sid, m, len(m), type_id, flags, seq, pid,
                                   o.dst, _DST, o.big)
        except (TypeError, OverflowError):  # not ints, or beyond int64: pure.py says
            FALLBACKS["body"] += 1
            return None
        if n > 0:
            return o.dbuf[:n] if n <= _DST else ffi.buffer(o.big[0], n)[:]
        if n == -NOMEM:
            raise MemoryError("nlcodec C core: out of memory")
        exc = _fb.exc
        if exc is not None:
            _fb.exc = None
            raise exc
        FALLBACKS["body"] += 1
        return None

    def encode_marshal_status(self, cs, m: bytes):
        """The C encoder on raw marshal bytes (fuzz regression inputs)."""
        o = self._o
        rc = lib.nlc_encode(self.tables.ptr, self.tables.index(cs), m, len(m), o.out, o.len)
        return rc, (_bytes(o) if rc == OK else None)

    def encode_status(self, cs, d, fallback=False):
        """The C encoder's verdict and bytes (for the differential tests):
        without ``fallback`` the C core's alone, with it also how many parts
        went to pure.py (rc, bytes, parts)."""
        sid = self.tables.index(cs)
        m = marshal.dumps(d, 2)
        o = self._o
        if not fallback:
            rc = lib.nlc_encode(self.tables.ptr, sid, m, len(m), o.out, o.len)
            return rc, (_bytes(o) if rc == OK else None)
        _fb.tables = self.tables
        rc = lib.nlc_encode_fb(self.tables.ptr, sid, m, len(m), o.out, o.len)
        return rc, (_bytes(o) if rc == OK else None), lib.nlc_encode_fallbacks()

    def decode_lazy(self, cs, buf, start, end, path="", kernel=False):
        """Validate now, decode attributes on demand (``Message.get``)."""
        self._run(cs, buf, start, end, path, kernel, VALIDATE)
        return Lazy(self, cs, buf, start, end, path, kernel)

    def decode_stream(self, proto, buf, ids, kernel=False, lazy=False):
        """A whole message stream in one C call.  Returns (offset where the C
        core stopped, [(off, len, type, flags, seq, pid, header, attrs)],
        message info by type or (type, cmd)); messages with attrs None are
        left to the caller's per-message path.  ``lazy``: messages of more
        than ``lazy_min`` bytes of attributes are left to it too (it
        validates them and decodes on demand); the smaller ones a lazy
        decode would decode whole, and here they are, in the same call.

        The stream table holds the families compiled so far: a message of
        a family not yet in it is left to the per-message path (which
        compiles that family alone), and the next call's table has it too.
        So a decode compiles the families it meets, not every family of the
        protocol; a family registered later (``nlcodec.register``) makes
        the table stale (``registry.generation``)."""
        err, out, info, fams, key = self._stream_out(proto, buf, ids, kernel, lazy)
        items = marshal.loads(out)
        missing = _missed(proto, ids, items, fams)
        if missing:
            self._stream_tables(proto, ids, key, fams | missing)
        return err, items, info

    def stream_marshal(self, proto, buf, ids, kernel=False) -> bytes:
        """The C core's output for a stream (what ``decode_stream`` gives
        ``marshal.loads``), for ``nlcodec bench``'s dicts-alone figure."""
        return bytes(self._stream_out(proto, buf, ids, kernel)[1])

    def _stream_key(self, proto, ids):
        last = self._last_ids           # (ids, key): one object, for other threads
        if proto != "generic":
            key = proto
        elif last is not None and ids == last[0]:   # a capture: the same ids record after record
            key = last[1]
        else:
            key = (proto, tuple(ids.items()))
            self._last_ids = (dict(ids), key)
        return key

    def _stream_out(self, proto, buf, ids, kernel, lazy=False):
        """The C call: (its error offset, the marshal output (a view of the
        thread's buffer, valid until its next call), info, families, key)."""
        key = self._stream_key(proto, ids)
        st = self._streams.get(key)
        if st is None or st[4] != registry.generation:
            st = self._stream_tables(proto, ids, key, frozenset())
        defs, by_type, n_types, info, gen, fams = st
        o = self._o
        rc = lib.nlc_decode_stream(self.tables.ptr, defs, by_type, n_types,
                                   ffi.from_buffer(buf), len(buf), int(kernel),
                                   self.lazy_min if lazy else _SIZE_MAX, o.out, o.len, o.err)
        if rc != OK:
            raise MemoryError("nlcodec C core: out of memory")
        return o.err[0], ffi.buffer(o.out[0], o.len[0]), info, fams, key

    def _stream_tables(self, proto, ids, key, want):
        gen = registry.generation
        if proto == "generic":
            return self._genl_tables(ids, key, want, gen)
        rows, by_type, info, fams = stream_rows(self.tables, proto, ids, want)
        defs = ffi.new("nlc_msgdef[]", max(1, len(rows)))
        for i, r in enumerate(rows):
            (defs[i].genl, defs[i].header, defs[i].set, defs[i].cmd_first, defs[i].cmd_count,
             defs[i].alt_off, defs[i].alt_val, defs[i].alt_set) = r
        n_types = max(by_type, default=-1) + 1
        arr = ffi.new("int32_t[]", [by_type.get(t, -1) for t in range(n_types)] or [-1])
        st = (defs, arr, n_types, info, gen, fams)
        self._streams[key] = st
        return st

    def _genl_tables(self, ids, key, want, gen):
        """The stream table of a genl id map: the rows of each family are
        made once and kept (appended to one growing table, _GenlRows); an id
        map (a capture learns one more id with each nlctrl reply) only maps
        its ids to those rows.  Families not yet in the rows: those compiled
        so far and ``want``'s (stream_rows' rule)."""
        from . import tables as _t
        g = self._genl
        by_type, info, fams = {}, {}, set()
        with self.tables.batch():       # its lock: one thread appends at a time
            if g is None or g.gen != gen:
                g = self._genl = _GenlRows(gen)
            for fid, name in ids.items():
                b = g.blocks.get(name)
                if b is None:
                    try:
                        fam = registry.family(name)
                    except KeyError:
                        continue
                    if name not in want and id(fam) not in _t._families:
                        continue
                    cf = registry.compiled(fam)
                    rows, cmds = genl_family_rows(self.tables, cf, len(g.rows))
                    b = g.blocks[name] = (len(g.rows), cf, cmds)
                    g.rows.extend(rows)
                start, cf, cmds = b
                by_type[fid] = start
                fams.add(name)
                for cmd, cm in cmds:
                    info[(fid, cmd)] = (cf, cm, name)
            defs = g.defs_now()
        n_types = max(by_type, default=-1) + 1
        arr = ffi.new("int32_t[]", [by_type.get(t, -1) for t in range(n_types)] or [-1])
        st = (defs, arr, n_types, info, gen, frozenset(fams))
        self._streams[key] = st
        return st


class _GenlRows:
    """Generic netlink's stream decoder rows (nlc_msgdef), append-only: one
    block per family (its header row, then a row per command), its rows'
    indices fixed once made.  ``defs`` grows by doubling; a table handed out
    before keeps the array it had (the rows its ids use are in it)."""

    def __init__(self, gen):
        self.gen = gen
        self.rows = []
        self.blocks = {}            # family name -> (first row, cf, [(cmd, cm)])
        self.defs = None
        self.cap = self.done = 0

    def defs_now(self):
        n = len(self.rows)
        if self.defs is None or n > self.cap:
            cap = max(n, 2 * self.cap, 64)
            defs = ffi.new("nlc_msgdef[]", cap)
            if self.done:
                ffi.memmove(defs, self.defs, self.done * ffi.sizeof("nlc_msgdef"))
            self.defs, self.cap = defs, cap
        defs = self.defs
        for i in range(self.done, n):
            (defs[i].genl, defs[i].header, defs[i].set, defs[i].cmd_first, defs[i].cmd_count,
             defs[i].alt_off, defs[i].alt_val, defs[i].alt_set) = self.rows[i]
        self.done = n
        return defs


# How often an encode left the C core, since the count was last reset (a
# test hook: tests/test_native_encode.py): "part", one attribute's payload or
# one nest by pure.py (nlc_py_fallback); "message", a whole attribute set by
# pure.py; "body", a message whose header and attributes the one-call path
# (encode_msg) gave back to the caller; "kernel", the kernel's internal forms
# (pure.py's only).  Plain int increments: exact in one thread.
FALLBACKS = {"part": 0, "message": 0, "body": 0, "kernel": 0}


def reset_fallbacks() -> dict:
    """The counts so far, and zero them."""
    out = dict(FALLBACKS)
    for k in FALLBACKS:
        FALLBACKS[k] = 0
    return out


class _Fallback(threading.local):
    tables = None       # the Tables of the C encode running in this thread
    exc = None          # a BaseException a fallback met (raised after the C call)


_fb = _Fallback()


def _dumps(obj) -> bytes | None:
    """The marshal form the C encoder reads (version 2: no back-references),
    with subclasses of int and str made plain (_plain); None: marshal cannot
    carry it (other types, or nesting deeper than marshal goes)."""
    try:
        return marshal.dumps(obj, 2)
    except ValueError as e:
        if "unmarshallable" not in str(e):
            return None
    try:
        return marshal.dumps(_plain(obj), 2)
    except (ValueError, RecursionError):
        return None


def _plain(v):
    """``v`` with subclasses of int and str (``socket.AF_INET``, IntEnum,
    IntFlag, StrEnum) as plain ones, which marshal carries: pure.py reads
    them as the int or str they are (isinstance), so the C core may too."""
    t = type(v)
    if t is dict:
        return {k: _plain(x) for k, x in v.items()}
    if t is list:
        return [_plain(x) for x in v]
    if t is tuple:
        return tuple([_plain(x) for x in v])
    if t is not bool and t is not int and isinstance(v, int):
        return int.__index__(v)
    if t is not str and isinstance(v, str):
        return str.__str__(v)
    return v


# looked up once here: cffi builds (and keeps) a lib function's Python object on
# its first lookup, which would otherwise happen inside the C encoder's callback
_nlc_put = lib.nlc_put
_FB_SET = lib.NLC_FB_SET


@ffi.def_extern()
def nlc_py_fallback(kind, six, ai, dp, dn, vp, vn, depth):
    """The C encoder gave up on one part: pure.py encodes it, the bytes go
    into the C core's output (nlc_put).  An error stops the C encode
    (NLC_ERR); the caller then runs pure.py on the whole message, which
    raises it with the message's path."""
    try:
        t = _fb.tables
        cs = t._sets[six]
        if kind == _FB_SET:
            b = pure.encode_set(cs, marshal.loads(ffi.buffer(dp, dn)), cs.name, depth)
        else:
            name = t._attrs[ai]["name"]
            if name in cs.masks:        # "10.7.0.0/24": pure splits it within the set
                return FALLBACK
            a = cs.by_name[name]
            # the dict only where the payload reads its siblings (selector, "name[]" bits)
            d = marshal.loads(ffi.buffer(dp, dn)) if a.kind in (K_SUBMSG, K_INDEXED) else {}
            b = pure._enc_value(a, marshal.loads(ffi.buffer(vp, vn)), d, cs, cs.name,
                                d.get("_flags") or {}, depth)
    except Exception:
        return ERR
    except BaseException as e:
        _fb.exc = e
        return ERR
    _nlc_put(b, len(b))
    FALLBACKS["part"] += 1
    return OK


lib.nlc_set_fallback(lib.nlc_py_fallback)


def _missed(proto, ids, items, fams):
    """Families of messages the stream table had no row for (attrs None) that
    the registry knows: the next table should have them."""
    out = set()
    for it in items:
        if it[7] is not None:
            continue
        ty = it[2]
        if proto == "generic":
            name = ids.get(ty)
        else:
            name = registry.family_of_type(proto, ty)
        if name is not None and name not in fams:
            out.add(name)
    return out


def stream_rows(tables: Tables, proto, ids, want=None):
    """The stream decoder's message table for a protocol (``nlc_msgdef`` rows:
    genl, header, set, cmd_first, cmd_count, alt_off, alt_val, alt_set), the
    row of each type (or genl family id), what Python needs per message, and
    the names of the families in it.  ``want``: the families to compile
    (names); the table also holds every family of the protocol compiled
    before; None: all of them."""
    from . import registry
    from . import tables as _t

    def lay(layout):
        return -1 if layout is None else tables.layout_index(layout)

    def wanted(fam):
        return want is None or fam.name in want or id(fam) in _t._families

    none = (-1, 0, -1)
    rows, by_type, info, fams = [], {}, {}, set()
    with tables.batch():
        if proto == "generic":
            for fid, name in ids.items():
                try:
                    fam = registry.family(name)
                except KeyError:
                    continue
                if not wanted(fam):
                    continue
                cf = registry.compiled(fam)
                fams.add(name)
                by_type[fid] = len(rows)
                block, cmds = genl_family_rows(tables, cf, len(rows))
                rows += block
                for cmd, cm in cmds:
                    info[(fid, cmd)] = (cf, cm, name)
            return rows, by_type, info, frozenset(fams)
        if want is None:
            registry._load()
        else:                   # the families wanted, loaded (on first use)
            registry._start()
            for name in want:
                registry._family_loaded(name)
        for ty, (fam, m) in list(registry._by_protocol.get(proto, {}).items()):
            if not wanted(fam):
                continue
            cf = registry.compiled(fam)
            fams.add(fam.name)
            cm = cf.msgs[m.id]
            alt = none
            if cm.variants is not None:
                member, off, sets = cm.variants
                if len(sets) != 1:
                    continue        # more than the C core's one variant: Python decodes
                (val, cs), = sets.items()
                alt = (off, val, tables.index(cs))
            if cm.set is None:
                continue
            by_type[ty] = len(rows)
            rows.append((0, lay(cm.header), tables.index(cm.set), 0, 0) + alt)
            info[ty] = (cf, cm, proto)
    return rows, by_type, info, frozenset(fams)


def genl_family_rows(tables: Tables, cf, start):
    """One genl family's stream rows when its block starts at row ``start``
    (a header row naming its command rows, then a row per command number),
    and the commands the C core decodes: [(cmd, compiled message)].  Inside
    ``tables.batch()``."""
    def lay(layout):
        return -1 if layout is None else tables.layout_index(layout)

    none = (-1, 0, -1)
    n = max(cf.msgs, default=-1) + 1
    rows = [(1, lay(cf.header), -1, start + 1, n) + none]
    cmds = []
    for cmd in range(n):
        cm = cf.msgs.get(cmd)
        if cm is None or cm.set is None or cm.variants is not None:
            rows.append((0, -1, -1, 0, 0) + none)
            continue
        rows.append((0, lay(cm.header), tables.index(cm.set), 0, 0) + none)
        cmds.append((cmd, cm))
    return rows, cmds


def c_stream_source(rows, by_type, name: str) -> str:
    """A stream decoder table as C source (the fuzz harness's stream mode)."""
    n_types = max(by_type, default=-1) + 1
    defs = ",\n".join("    {" + ", ".join(map(str, r)) + "}" for r in rows) or "    {0}"
    types = ", ".join(str(by_type.get(t, -1)) for t in range(n_types)) or "-1"
    return (f"const nlc_msgdef {name}_defs[] = {{\n{defs}\n}};\n"
            f"const int32_t {name}_by_type[] = {{{types}}};\n"
            f"const int32_t {name}_ntypes = {n_types};\n")


def c_tables_source(tables: Tables, name: str = "fuzz_tables") -> str:
    """The tables as C source (static arrays), for the libFuzzer harness
    (``_native/fuzz/``), which runs the C core without Python."""
    def q(s):
        return '"' + "".join(c if c.isalnum() or c in "_-[]" else f"\\x{ord(c):02x}"
                             for c in s) + '"'

    out = ['#include <stdint.h>', '#include <stddef.h>', '#include "nlcodec_core.h"', ""]
    keys = ("kind", "size", "is_signed", "big", "hint", "flags", "multi", "levels", "set",
            "header", "layout", "elem", "sel_id", "sel_kind", "sel_size", "sel_big",
            "sel_signed", "fmt_first", "fmt_count", "min_len", "max_len", "id")
    rows = [", ".join(str(r[k]) for k in keys) + f", {len(r['name'].encode())}, {q(r['name'])}"
            for r in tables._attrs]
    out.append("static const nlc_attr A[] = {\n" + ",\n".join(f"  {{{r}}}" for r in rows)
               + "\n};")
    nn = []
    for i, (by_id, _) in enumerate(tables._set_rows):
        out.append(f"static const int32_t B{i}[] = {{{', '.join(map(str, by_id or [0]))}}};")
        names = sorted((tables._attrs[ai]["name"].encode(), ai) for ai in by_id if ai >= 0)
        out.append(f"static const nlc_name N{i}[] = {{" + (", ".join(
            f"{{{len(nm)}, {ai}, {q(nm.decode())}}}" for nm, ai in names) or "{0}") + "};")
        nn.append(len(names))
    out.append("static const nlc_set S[] = {\n" + ",\n".join(
        f"  {{{len(by_id)}, B{i}, {kv}, {nn[i]}, N{i}}}"
        for i, (by_id, kv) in enumerate(tables._set_rows)) + "\n};")
    fm = [f"  {{{f['is_str']}, {f['ikey']}LL, {len(f['skey'].encode())}, {q(f['skey'])}, "
          f"{f['kind']}, {f['set']}, {f['header']}, {f['layout']}}}" for f in tables._fmts]
    out.append("static const nlc_fmt F[] = {\n" + ",\n".join(fm or ["  {0}"]) + "\n};")
    out.append("static const nlc_layout L[] = {\n" + ",\n".join(
        f"  {{{a}, {b}, {c}, {d}}}" for a, b, c, d in tables._layouts) + ("" if tables._layouts
                                                                          else "  {0}") + "\n};")
    fk = ("kind", "size", "big", "is_signed", "hint", "ip", "end")
    fl = [", ".join(str(f[k]) for k in fk) + f", {len((f['name'] or '').encode())}, "
          f"{q(f['name'] or '')}, {f['sub']}" for f in tables._fields]
    out.append("static const nlc_field FL[] = {\n" + ",\n".join(f"  {{{r}}}" for r in fl)
               + ("" if fl else "  {0}") + "\n};")
    out.append(f"const nlc_tables {name} = {{A, S, F, L, FL, {len(tables._attrs)}, "
               f"{len(tables._fields)}, {pure.MAX_DEPTH}, {len(tables._sets)}}};")
    out.append(f"const int {name}_nsets = {len(tables._sets)};")
    return "\n".join(out) + "\n"
